"""What starrating refuses, and what ingest warns about, so that no result looks valid
while resting on nothing (docs/data.md sections 2, 3 and 4.4):

* a store path that is not a DuckDB database (a CSV, a text file, an empty file, a
  folder), a damaged one, or a DuckDB database that is not a starrating store: exit
  status 2 from every command that takes --db, and the file untouched;
* `run --official` for a period that has not ended at the as-of time: exit 1, naming the
  period's last day, nothing written;
* ingest of events whose employee is not on the roster: kept, with a warning on
  standard error naming how many rows and up to five ids.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from click.testing import Result
from conftest import invoke, write_text

import starrating.store.store as store_module
from starrating.store.store import Store, UnusableStoreError

# The project root holds a starrating.yaml; tests must not pick it up.
pytestmark = pytest.mark.usefixtures("in_tmp")

ROSTER = """employee_id,name,department,role,hire_date,leave_date
A,甲,前台,sd,2024-01-01,
B,乙,前台,sd,2024-01-01,
"""

EVENTS = """event_id,employee_id,type,occurred_at
e1,A,complaint,2026-10-27T10:00:00+08:00
"""

MONTHLY = """policy "月度" version 1
timezone "Asia/Shanghai"

each month {
  let c = count(complaint)
  red 1 per complaint
}
"""

QUARTERLY = """policy "季度" version 1
timezone "Asia/Shanghai"

each quarter {
  let c = count(complaint)
  red 1 per complaint
}
"""


def _snapshot(path: Path) -> tuple[bytes, int]:
    """The file's bytes and modification time: what "untouched" means."""
    return path.read_bytes(), os.stat(path).st_mtime_ns


def _old_mtime(path: Path) -> Path:
    # An mtime in the past, so that a write during the test could not leave it equal.
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


# ---- a store path that is not a store ---------------------------------------------------


def _not_a_database(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A file of ``kind`` where a store should be, and the words its refusal must use."""
    if kind == "csv":
        # Named roster.csv: DuckDB itself would open it as a database with a view `roster`.
        path = write_text(tmp_path / "data" / "roster.csv", ROSTER)
        return path, 'it starts with the text "employee_id,name,department,role,hire_da…"'
    if kind == "text":
        path = write_text(tmp_path / "data" / "notes.txt", "meeting notes\nsecond line\n")
        return path, 'it starts with the text "meeting notes"'
    if kind == "empty":
        path = tmp_path / "data" / "empty.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        return path, "is an empty file, not a DuckDB database file"
    path = tmp_path / "data" / "junk.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    return path, "is not a DuckDB database file;"


def _command_lines(tmp_path: Path) -> dict[str, list[str]]:
    """Every command that takes --db, with arguments that would otherwise work."""
    policy = write_text(tmp_path / "p.policy", MONTHLY)
    roster = write_text(tmp_path / "in" / "roster.csv", ROSTER)
    events = write_text(tmp_path / "in" / "events.csv", EVENTS)
    case = write_text(
        tmp_path / "t.yaml",
        "policy: p.policy\ncases:\n  - name: none\n    period: 2026-10\n"
        "    roster: []\n    events: []\n    expect: {}\n",
    )
    data = ["--roster", str(roster), "--events", str(events)]
    month = ["--period", "2026-10", "--as-of", "2026-11-05T00:00+08:00"]
    return {
        "check": ["check", str(policy)],
        "fmt": ["fmt", str(policy)],
        "compile": ["compile", str(policy), "--period", "2026-10"],
        "ingest": ["ingest", *data],
        "run": ["run", str(policy), *month, *data],
        "run --official": ["run", str(policy), *month, "--official", *data],
        "test": ["test", str(case)],
        "runs": ["runs"],
        "replay": ["replay", "20261105T000000-00000000"],
        "explain": ["explain", "20261105T000000-00000000", "--employee", "A"],
        "report": ["report", "20261105T000000-00000000", "--html", "out.html"],
        "diff": ["diff", str(policy), str(policy), *month, *data],
    }


COMMANDS = [
    "check", "fmt", "compile", "ingest", "run", "run --official", "test", "runs",
    "replay", "explain", "report", "diff",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["csv", "text", "empty", "binary"])
def test_every_command_refuses_a_db_that_is_not_a_duckdb_file(
    tmp_path: Path, command: str, kind: str
) -> None:
    path, words = _not_a_database(tmp_path, kind)
    _old_mtime(path)
    before = _snapshot(path)
    result = invoke([*_command_lines(tmp_path)[command], "--db", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"starrating: error: {path} ")
    assert words in result.stderr
    assert "it was not changed; use another --db" in result.stderr
    assert result.stdout == ""
    assert _snapshot(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no .wal, no .tmp
    assert not (tmp_path / "out.html").exists()


def test_a_folder_as_the_store_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    result = invoke(["ingest", "--roster", str(write_text(tmp_path / "r.csv", ROSTER)),
                     "--db", str(folder)])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        f"starrating: error: {folder} is a folder, not a DuckDB database file; use another --db\n"
    )
    assert list(folder.iterdir()) == []


def test_the_catalogs_database_that_is_a_csv_is_refused_too(tmp_path: Path) -> None:
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    write_text(tmp_path / "starrating.yaml", "timezone: Asia/Shanghai\ndatabase: roster.csv\n")
    before = _snapshot(_old_mtime(roster))
    result = invoke(["ingest", "--roster", str(roster)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"starrating: error: {roster} is not a DuckDB database file")
    assert _snapshot(roster) == before


def test_the_run_that_closed_a_period_in_a_csv_is_gone(tmp_path: Path) -> None:
    """The report of the issue: `run --official --db roster.csv` said "closed ... official
    result" and stored nothing. Now nothing is said to be closed."""
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    policy = write_text(tmp_path / "p.policy", MONTHLY)
    result = invoke(["run", str(policy), "--period", "2026-10", "--official", "--as-of",
                     "2026-11-05T00:00+08:00", "--roster", str(roster),
                     "--db", str(roster)])  # fmt: skip
    assert result.exit_code == 2
    assert "official result" not in result.output
    assert result.stderr.startswith(f"starrating: error: {roster} is not a DuckDB database")
    assert roster.read_text(encoding="utf-8") == ROSTER


def test_a_new_path_ending_in_csv_becomes_a_store(tmp_path: Path) -> None:
    # Only an existing file is judged by its bytes; a path with nothing there is a new
    # store whatever its name.
    db = tmp_path / "store.csv"
    result = invoke(["ingest", "--roster", str(write_text(tmp_path / "r.csv", ROSTER)),
                     "--db", str(db)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store.open(db, read_only=True) as store:
        assert store.table_counts()["roster"] == 2


def test_duckdb_opening_a_csv_as_views_is_caught_after_opening_as_well(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cause, shown without the header check: DuckDB opens roster.csv as an in-memory
    database (with a view `roster` over the file), in which nothing would be kept. The
    store checks that the database it opened is the file itself."""
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    with duckdb.connect(str(roster)) as con:
        assert con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone() == (None,)
    monkeypatch.setattr(store_module, "not_a_database", lambda path: None)
    with pytest.raises(UnusableStoreError, match="is not a DuckDB database file"):
        Store.open(roster)
    assert roster.read_text(encoding="utf-8") == ROSTER


def _store_with_roster(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    result = invoke(["ingest", "--roster", str(write_text(tmp_path / "r.csv", ROSTER)),
                     "--db", str(db)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("command", ["runs", "ingest"])
def test_a_truncated_store_is_refused_and_left_as_it_is(tmp_path: Path, command: str) -> None:
    whole = _store_with_roster(tmp_path)
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(whole.read_bytes()[:12288])  # the headers survive, the blocks do not
    before = _snapshot(_old_mtime(cut))
    args = ["runs"] if command == "runs" else ["ingest", "--roster", str(tmp_path / "r.csv")]
    result = invoke([*args, "--db", str(cut)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"starrating: error: {cut} is a damaged DuckDB database file (shorter than its header"
        " says, as after a failed copy); it was not changed; restore the store from a copy,"
        " or use another --db\n"
    )
    assert _snapshot(cut) == before


def test_a_duckdb_database_that_is_not_a_store_exits_2(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE sales (x INTEGER)")
    result = invoke(["runs", "--db", str(other)])
    assert result.exit_code == 2
    assert "is a DuckDB database but not a starrating store" in result.stderr


def test_a_store_of_a_newer_schema_exits_2(tmp_path: Path) -> None:
    db = _store_with_roster(tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    result = invoke(["run", str(write_text(tmp_path / "p.policy", MONTHLY)), "--period",
                     "2026-10", "--db", str(db)])  # fmt: skip
    assert result.exit_code == 2
    assert "was written by a newer version of starrating (schema version 3)" in result.stderr


def test_a_missing_store_for_a_reader_is_still_exit_1(tmp_path: Path) -> None:
    # Not a wrong file but no data yet: ingest first (data.md section 3).
    result = invoke(["runs", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "no store at" in result.stderr


# ---- closing a period that has not ended ------------------------------------------------


def _official(tmp_path: Path, policy_text: str, period: str, as_of: str, *more: str) -> Result:
    policy = write_text(tmp_path / "p.policy", policy_text)
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    events = write_text(tmp_path / "events.csv", EVENTS)
    return invoke(["run", str(policy), "--period", period, "--as-of", as_of, "--official",
                   "--roster", str(roster), "--events", str(events),
                   "--db", str(tmp_path / "s.duckdb"), *more])  # fmt: skip


def _stored(tmp_path: Path) -> dict[str, int]:
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        return store.table_counts()


def test_closing_a_quarter_on_30_november_is_refused(tmp_path: Path) -> None:
    result = _official(tmp_path, QUARTERLY, "2026-Q4", "2026-11-30T10:00:00+08:00")
    assert result.exit_code == 1
    assert result.stderr == (
        'starrating: error: 2026-Q4 of "季度" has not ended at the as-of time '
        "2026-11-30T10:00:00+08:00: its last day is 2026-12-31 (Asia/Shanghai), so it can be "
        "closed from 2027-01-01 on; nothing was recorded (without --official the run is a "
        "provisional result)\n"
    )
    assert result.stdout == ""
    # Nothing written: not the run, and not the data of --roster and --events either.
    counts = _stored(tmp_path)
    assert counts["events"] == counts["roster"] == counts["ingests"] == 0
    assert counts.get("runs", 0) == 0


def test_the_same_quarter_without_official_is_a_provisional_run(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", QUARTERLY)
    result = invoke(["run", str(policy), "--period", "2026-Q4", "--as-of",
                     "2026-11-30T10:00:00+08:00", "--roster",
                     str(write_text(tmp_path / "roster.csv", ROSTER)),
                     "--db", str(tmp_path / "s.duckdb")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _stored(tmp_path)["runs"] == 1


@pytest.mark.parametrize(
    ("as_of", "closed"),
    [
        # A period ends when its whole last day is over, in the policy's zone (+08:00).
        ("2026-10-31T23:59:59+08:00", False),
        ("2026-11-01T00:00:00+08:00", True),
        # The same instants written in UTC: 31 Oct 15:59 UTC is still October in Shanghai.
        ("2026-10-31T15:59:59Z", False),
        ("2026-10-31T16:00:00Z", True),
        # Without an offset the time is local in the policy's zone.
        ("2026-10-31T23:00", False),
        ("2026-11-01", True),
    ],
)
def test_a_month_can_be_closed_once_its_last_day_is_over(
    tmp_path: Path, as_of: str, closed: bool
) -> None:
    result = _official(tmp_path, MONTHLY, "2026-10", as_of)
    if closed:
        assert result.exit_code == 0, result.output
        assert "closed 2026-10 of " in result.stderr
        assert _stored(tmp_path)["runs"] == 1
    else:
        assert result.exit_code == 1
        assert "its last day is 2026-10-31 (Asia/Shanghai)" in result.stderr
        assert "closed from 2026-11-01 on" in result.stderr
        assert _stored(tmp_path).get("runs", 0) == 0


def test_an_amendment_of_a_period_not_ended_is_refused(tmp_path: Path) -> None:
    result = _official(tmp_path, MONTHLY, "2026-11", "2026-11-30T10:00:00+08:00",
                       "--amend", "--reason", "late data")  # fmt: skip
    assert result.exit_code == 1
    assert '2026-11 of "月度" has not ended' in result.stderr
    assert "its last day is 2026-11-30" in result.stderr


def test_a_folder_closing_a_period_not_ended_closes_none_of_it(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "m.policy", MONTHLY)
    write_text(folder / "n.policy", MONTHLY.replace('"月度"', '"月度二"'))
    result = invoke(["run", str(folder), "--period", "2026-11", "--as-of",
                     "2026-11-30T10:00:00+08:00", "--official",
                     "--roster", str(write_text(tmp_path / "roster.csv", ROSTER)),
                     "--db", str(tmp_path / "s.duckdb")])  # fmt: skip
    assert result.exit_code == 1
    assert 'starrating: error: 2026-11 of "月度" has not ended' in result.stderr
    assert '\n2026-11 of "月度二" has not ended' in result.stderr
    counts = _stored(tmp_path)
    assert counts["roster"] == 0 and counts.get("runs", 0) == 0


def test_previous_is_always_an_ended_period(tmp_path: Path) -> None:
    result = _official(tmp_path, MONTHLY, "previous", "2026-11-01T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    assert "closed 2026-10 of " in result.stderr


# ---- ingest: events of employees not on the roster --------------------------------------


def _ingest(tmp_path: Path, *files: str) -> Result:
    return invoke(["ingest", *files, "--db", str(tmp_path / "s.duckdb")])


def test_events_of_employees_not_on_the_roster_are_kept_with_a_warning(tmp_path: Path) -> None:
    # A and B are on the roster. Unknown: X9 twice, Z1..Z6 once each (7 ids, 8 rows); the
    # void row names an unknown id too, but voids rate nobody and are not counted.
    events = write_text(tmp_path / "ev.csv", "\n".join([
        "event_id,employee_id,type,occurred_at,voids",
        "k1,A,complaint,2026-10-01,",
        "k2,B,complaint,2026-10-01,",
        "u1,X9,complaint,2026-10-02,",
        "u2,X9,complaint,2026-10-03,",
        *(f"z{i},Z{i},complaint,2026-10-04," for i in range(1, 7)),
        "v1,Q7,void,2026-10-05,k1",
    ]) + "\n")  # fmt: skip
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    result = _ingest(tmp_path, "--roster", str(roster), "--events", str(events))
    assert result.exit_code == 0, result.output
    # The summary stays on standard output, as before.
    assert result.stdout == f"{roster}: 2 rows, 2 new\n{events}: 11 rows, 11 new\n"
    assert result.stderr == (
        f"starrating: warning: {events}: 8 new rows name 7 employee ids not on the roster: "
        "X9, Z1, Z2, Z3, Z4 and 2 more; they are stored, but rate nobody until a roster file "
        "names them\n"
    )
    assert _stored(tmp_path)["events"] == 11


def test_one_unknown_row_is_said_in_the_singular(tmp_path: Path) -> None:
    _ingest(tmp_path, "--roster", str(write_text(tmp_path / "roster.csv", ROSTER)))
    events = write_text(tmp_path / "ev.csv", "event_id,employee_id,type,occurred_at\n"
                        "e1,A,complaint,2026-10-01\ne2,C,complaint,2026-10-01\n")  # fmt: skip
    result = _ingest(tmp_path, "--events", str(events))
    assert result.exit_code == 0
    assert result.stderr == (
        f"starrating: warning: {events}: 1 new row names 1 employee id not on the roster: C;"
        " they are stored, but rate nobody until a roster file names them\n"
    )


def test_only_the_rows_an_ingest_adds_are_counted(tmp_path: Path) -> None:
    events = write_text(tmp_path / "ev.csv", "event_id,employee_id,type,occurred_at\n"
                        "e1,C,complaint,2026-10-01\n")  # fmt: skip
    first = _ingest(tmp_path, "--events", str(events))
    assert "1 new row names 1 employee id not on the roster: C" in first.stderr
    again = _ingest(tmp_path, "--events", str(events))  # 0 new: nothing to warn about
    assert again.exit_code == 0 and again.stderr == ""


def test_a_roster_after_the_events_warns_about_nothing(tmp_path: Path) -> None:
    # Events first: every row is unknown then. The roster that follows only adds employees
    # (nothing is removed from a roster), so it can make no event unknown.
    events = write_text(tmp_path / "events.csv", EVENTS)
    first = _ingest(tmp_path, "--events", str(events))
    assert "1 new row names 1 employee id not on the roster: A" in first.stderr
    roster = _ingest(tmp_path, "--roster", str(write_text(tmp_path / "roster.csv", ROSTER)))
    assert roster.exit_code == 0 and roster.stderr == ""


def test_roster_and_events_in_one_command_warn_about_nothing(tmp_path: Path) -> None:
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    result = _ingest(tmp_path, "--events", str(write_text(tmp_path / "events.csv", EVENTS)),
                     "--roster", str(roster))  # fmt: skip
    assert result.exit_code == 0 and result.stderr == ""


def test_run_with_events_says_it_too(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", MONTHLY)
    events = write_text(tmp_path / "ev.csv", "event_id,employee_id,type,occurred_at\n"
                        "e1,C,complaint,2026-10-01\n")  # fmt: skip
    result = invoke(["run", str(policy), "--period", "2026-10", "--as-of", "2026-11-05",
                     "--roster", str(write_text(tmp_path / "roster.csv", ROSTER)),
                     "--events", str(events), "--db", str(tmp_path / "s.duckdb")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        f"starrating: warning: {events}: 1 new row names 1 employee id not on the roster: C"
        in result.stderr
    )


def test_a_failed_ingest_warns_about_nothing(tmp_path: Path) -> None:
    # A problem in a later file keeps nothing, so nothing is said about unknown employees.
    good = write_text(tmp_path / "a.csv", "event_id,employee_id,type,occurred_at\n"
                      "e1,C,complaint,2026-10-01\n")  # fmt: skip
    bad = write_text(tmp_path / "b.csv", "event_id,employee_id,type,occurred_at\n"
                     "e2,C,complaint,not a time\n")  # fmt: skip
    result = _ingest(tmp_path, "--events", str(good), "--events", str(bad))
    assert result.exit_code == 1
    assert "warning" not in result.output
    assert "not on the roster" not in result.output
