"""`for_period` (docs/data.md section 1, docs/language.md 9.5): an event that belongs to a
period it was not dated in, through ingest, evaluation, as-of, digests, replay and explain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import invoke, write_text

from starrating.audit.replay import replay_run
from starrating.engine.forperiod import label_end_sql, label_rank_sql
from starrating.engine.periods import KINDS, parse_period
from starrating.engine.runs import run_policy
from starrating.language.catalog import merge_catalogs
from starrating.language.checker import check_policy
from starrating.language.parser import parse
from starrating.language.policyfiles import PolicyFile
from starrating.store.ingest import ingest_events, ingest_files
from starrating.store.staging import IngestReport
from starrating.store.store import Store

POLICY = """policy "年度服务之星" version 1
timezone "Asia/Shanghai"

each week ending sunday {
  red 1 per vote
}
each month {
  red 1 per vote
}
each year {
  red 1 per vote
}
"""

ROSTER = """employee_id,name,department,hire_date
A,甲,前台,2024-01-01
B,乙,前台,2024-01-01
"""

# v1: a committee vote on 2026 held in January 2027; v2 an ordinary October vote; v3
# dated in November for October; v4 dated in October for the fourth quarter.
EVENTS = """event_id,employee_id,type,occurred_at,recorded_at,for_period
v1,A,vote,2027-01-12T10:00:00+08:00,2026-11-01T00:00:00Z,2026
v2,A,vote,2026-10-05T10:00:00+08:00,2026-11-01T00:00:00Z,
v3,B,vote,2026-11-05T10:00:00+08:00,2026-11-01T00:00:00Z,2026-10
v4,B,vote,2026-10-07T10:00:00+08:00,2026-11-01T00:00:00Z,2026-q4
"""


def red_by(document: dict[str, object]) -> dict[tuple[str, str], object]:
    rows = document["results"]
    assert isinstance(rows, list)
    return {(row["period"], row["employee_id"]): row["red"] for row in rows}


def run(period: str, *extra: str) -> dict[str, object]:
    result = invoke(["run", "p.policy", "--period", period, "--format", "json", "--db",
                     "s.duckdb", *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def loaded(in_tmp: Path) -> Path:
    write_text(in_tmp / "p.policy", POLICY)
    write_text(in_tmp / "roster.csv", ROSTER)
    write_text(in_tmp / "events.csv", EVENTS)
    result = invoke(["ingest", "--roster", "roster.csv", "--events", "events.csv", "--db",
                     "s.duckdb"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return in_tmp


# -- the label in SQL ---------------------------------------------------------------


@pytest.mark.parametrize("week_ending", ["sunday", "wednesday", "saturday"])
def test_label_end_and_rank_agree_with_parse_period(week_ending: str) -> None:
    con = duckdb.connect()
    labels = ["2026-W44", "2026-W53", "2027-W01", "2020-W01", "2026-10", "2024-02",
              "2026-Q1", "2026-Q4", "2026-H1", "2026-H2", "2026"]  # fmt: skip
    for label in labels:
        end, rank = con.execute(
            f"SELECT {label_end_sql('x', week_ending)}, {label_rank_sql('x')} FROM (SELECT ? AS x)",
            [label],
        ).fetchone()
        instance = parse_period(label, week_ending)
        assert (end, KINDS[rank]) == (instance.end, instance.kind), label


# -- ingest -------------------------------------------------------------------------


def _ingest(store: Store, path: Path) -> IngestReport:
    return ingest_events(store, path, None, datetime(2026, 11, 1, tzinfo=UTC))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_every_kind_of_label_is_stored_upper_case(
    store: Store, tmp_path: Path, suffix: str
) -> None:
    labels = ["2026-W44", "2026-10", "2026-q4", "2026-H2", "2026", ""]
    rows = [
        {"event_id": f"e{i}", "employee_id": "A", "type": "vote",
         "occurred_at": "2027-01-12", "for_period": label}
        for i, label in enumerate(labels)
    ]  # fmt: skip
    path = tmp_path / f"events{suffix}"
    if suffix == ".csv":
        text = "event_id,employee_id,type,occurred_at,for_period\n" + "".join(
            ",".join(row.values()) + "\n" for row in rows
        )
    else:
        text = "".join(json.dumps(row) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")
    report = _ingest(store, path)
    assert report.ok, report.problems
    stored = dict(store.connection.execute("SELECT event_id, for_period FROM events").fetchall())
    assert stored == {"e0": "2026-W44", "e1": "2026-10", "e2": "2026-Q4", "e3": "2026-H2",
                      "e4": "2026", "e5": None}  # fmt: skip


def test_a_bad_label_refuses_the_file_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,employee_id,type,occurred_at,for_period\n"
        "e1,A,vote,2026-10-01,2026-10\n"
        "e2,A,vote,2026-10-01,2026-13\n"
        "e3,A,vote,2026-10-01,2025-W53\n"
        "e4,A,vote,2026-10-01,October\n",
        encoding="utf-8",
    )
    report = _ingest(store, path)
    shown = "(like 2026-W44, 2026-10, 2026-Q4, 2026-H2 or 2026)"
    assert report.problems == [
        f"{path}:3: for_period `2026-13` is not a period label {shown}",
        f"{path}:4: for_period `2025-W53` is not a period label {shown}",  # 2025 has 52 weeks
        f"{path}:5: for_period `October` is not a period label {shown}",
    ]
    assert store.connection.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_content_digest_of_a_row_without_label_is_unchanged(store: Store, tmp_path: Path) -> None:
    with_column = tmp_path / "a.csv"
    with_column.write_text(
        "event_id,employee_id,type,occurred_at,value,for_period\n"
        "e1,A,vote,2026-10-01,2,\ne2,A,vote,2026-10-01,2,2026\n",
        encoding="utf-8",
    )
    assert _ingest(store, with_column).ok
    digests = dict(
        store.connection.execute("SELECT event_id, content_sha256 FROM events").fetchall()
    )
    # docs/data.md section 2: sha256 of the JSON list of the seven items (no label item).
    items = ["A", "vote", "2026-10-01", "2.0000000000", None, "{}", None]
    expected = hashlib.sha256(json.dumps(items, separators=(",", ":")).encode()).hexdigest()
    assert digests["e1"] == expected
    assert digests["e2"] != expected  # the label is an eighth item when present
    without_column = tmp_path / "b.csv"
    without_column.write_text(
        "event_id,employee_id,type,occurred_at,value\ne1,A,vote,2026-10-01,2\n", encoding="utf-8"
    )
    report = _ingest(store, without_column)
    assert report.ok and report.added == 0  # the same content: nothing new


def test_a_store_written_before_the_column_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE events DROP COLUMN for_period")
    con.close()
    with Store.open(path, read_only=True) as store:  # read-only: left as it is
        columns = [r[0] for r in store.connection.execute("DESCRIBE events").fetchall()]
        assert "for_period" not in columns
    with Store.open(path) as store:
        columns = [r[0] for r in store.connection.execute("DESCRIBE events").fetchall()]
        assert columns[-1] == "for_period"


# -- evaluation ---------------------------------------------------------------------


def test_counts_in_its_label_and_longer_instances_only(loaded: Path) -> None:
    red = red_by(run("2026", "--as-of", "2026-12-01T00:00:00Z"))
    # v1 (for 2026, dated 2027) counts in the year only; v3 (for 2026-10, dated in
    # November) in October and the year, not in November or a week; v4 (for Q4, dated in
    # October) in the year only (no quarter block), not in October or its week.
    assert red[("2026", "A")] == 2 and red[("2026", "B")] == 2
    assert red[("2026-10", "A")] == 1 and red[("2026-10", "B")] == 1
    assert red[("2026-11", "B")] == 0
    assert red[("2026-W41", "A")] == 1  # v2, an ordinary event, in its week
    assert red[("2026-W41", "B")] == 0  # v4's own week (2026-10-07)
    assert red[("2026-W45", "B")] == 0  # v3's own week (2026-11-05)
    assert red[("2026-W44", "B")] == 0  # October's last week: a month label is no week


def test_a_week_label_counts_in_the_policys_week(in_tmp: Path) -> None:
    write_text(in_tmp / "p.policy", POLICY)
    write_text(in_tmp / "roster.csv", ROSTER)
    write_text(
        in_tmp / "events.csv",
        "event_id,employee_id,type,occurred_at,recorded_at,for_period\n"
        "w1,A,vote,2026-11-20,2026-11-01T00:00:00Z,2026-W44\n",
    )
    invoke(["ingest", "--roster", "roster.csv", "--events", "events.csv", "--db", "s.duckdb"])
    red = red_by(run("2026-11", "--as-of", "2026-12-01T00:00:00Z"))
    # 2026-W44 ends Sunday 2026-11-01: that week, and November (a week's month is that
    # of its last day), not the week of its own date.
    assert red[("2026-W44", "A")] == 1
    assert red[("2026-11", "A")] == 1
    assert red[("2026-W47", "A")] == 0


def test_as_of_and_events_seen(loaded: Path) -> None:
    october = run("2026-10", "--as-of", "2026-12-01T00:00:00Z")
    # v2 and v3 count in October; v4 (for Q4) and v1 (for 2026) do not.
    assert october["run"]["events_seen"] == 2
    before = run("2026-10", "--as-of", "2026-10-31T00:00:00Z")
    assert before["run"]["events_seen"] == 0  # recorded 2026-11-01: not yet seen
    warning = "; ".join(before["run"]["warnings"])
    assert "2 events dated in 2026-10" in warning or "2 events" in warning, warning
    year = run("2026", "--as-of", "2026-12-01T00:00:00Z")
    assert year["run"]["events_seen"] == 4


# -- digests, replay and explain ----------------------------------------------------


def _events_digest(folder: Path, label: str, monkeypatch: pytest.MonkeyPatch) -> str:
    events = EVENTS.replace("2027-01-12T10:00:00+08:00,2026-11-01T00:00:00Z,2026",
                            f"2027-01-12T10:00:00+08:00,2026-11-01T00:00:00Z,{label}")  # fmt: skip
    folder.mkdir()
    monkeypatch.chdir(folder)  # no catalog: the repository's would not know `vote`
    write_text(folder / "p.policy", POLICY)
    write_text(folder / "roster.csv", ROSTER)
    write_text(folder / "events.csv", events)
    db = str(folder / "s.duckdb")
    result = invoke(["run", str(folder / "p.policy"), "--period", "2026", "--as-of",
                     "2026-12-01T00:00:00Z", "--roster", str(folder / "roster.csv"), "--events",
                     str(folder / "events.csv"), "--format", "json", "--db", db])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["run"]["events_sha256"]


def test_a_changed_label_changes_the_events_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # v1 is dated 2027, outside every evaluated day: only its label brings it in.
    first = _events_digest(tmp_path / "a", "2026", monkeypatch)
    assert first != _events_digest(tmp_path / "b", "2026-H2", monkeypatch)


def test_replay_is_identical_and_explain_shows_the_label(
    record_run: Callable[..., tuple[Path, str]],
) -> None:
    _db, run_id = record_run(POLICY, ROSTER, EVENTS, "2026")
    result = invoke(["replay", run_id, "--db", "s.duckdb"])
    assert result.exit_code == 0, result.output
    result = invoke(["explain", run_id, "--employee", "A", "--period", "2026", "--db",
                     "s.duckdb"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "v1 (dated 2027-01-12, for 2026), v2" in result.output


def test_runs_recorded_before_the_label_replay_identical(tmp_path: Path) -> None:
    # A store written before `for_period` existed, with a run whose events digest is
    # version 2: read-only (no column) and after a writer added the column, the run
    # replays identical, and version 3 gives the same digest while no event has a label.
    path = tmp_path / "old.duckdb"
    unlabelled = "".join(line for line in EVENTS.splitlines(keepends=True) if "v2," in line)
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    events = write_text(tmp_path / "events.csv", "event_id,employee_id,type,occurred_at,"
                        "recorded_at,for_period\n" + unlabelled)  # fmt: skip
    with Store.open(path) as store:
        store.connection.execute("ALTER TABLE events DROP COLUMN for_period")
        ingest_files_before_the_column(store, roster, events)
        catalog = merge_catalogs(None, store.data_catalog())
        parsed = parse(POLICY)
        assert parsed.policy is not None
        checked = check_policy(parsed.policy, catalog)
        assert checked.analysis is not None, checked.diagnostics
        item = PolicyFile("p.policy", POLICY, parsed.policy, analysis=checked.analysis)
        as_of = datetime(2026, 12, 1, tzinfo=UTC)
        old = run_policy(store.connection, item, catalog, parse_period("2026-10"), as_of,
                         events_digest_version=2)  # fmt: skip
        current = run_policy(store.connection, item, catalog, parse_period("2026-10"), as_of,
                             record=False)  # fmt: skip
    assert old.run["events_sha256"] == current.run["events_sha256"]
    with Store.open(path, read_only=True) as reader:
        assert replay_run(reader, str(old.run["run_id"])).identical
    with Store.open(path) as writer:
        assert writer.connection.execute("SELECT count(for_period) FROM events").fetchone() == (0,)
        assert replay_run(writer, str(old.run["run_id"])).identical


def ingest_files_before_the_column(store: Store, roster: Path, events: Path) -> None:
    """What an earlier version wrote: the rows without the `for_period` column (today's
    loader writes it, so it is there while the rows are written, then dropped)."""
    store.connection.execute("ALTER TABLE events ADD COLUMN for_period VARCHAR")
    ingest_files(store, rosters=[roster], events=[events], now=datetime(2026, 11, 1, tzinfo=UTC))
    store.connection.execute("ALTER TABLE events DROP COLUMN for_period")
