"""Runs as an audit trail: `runs`, `replay` and closing a period (`run --official`),
with real stores, data ingested from files and policies written to files.

The policy rates week 2026-W43 (Mon 19 Oct .. Sun 25 Oct 2026, Asia/Shanghai); every run
here is as of Mon 26 Oct 2026 00:00 +08:00. With the base data, worked by hand:

    A: one complaint (e1)  c = 1   red 1 (前台)            green 1   net 0
    B: none                c = 0   red 1.5 + 1 (前台) = 2.5 green 0   net 2.5
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import invoke

from starrating.audit.closing import ClosingRefused, close_period, close_periods
from starrating.audit.replay import Difference, compare_results, render_replay, replay_run
from starrating.audit.runs import (
    AuditError,
    list_runs,
    load_run,
    no_runs_message,
    render_runs,
    runs_json,
)
from starrating.engine.runs import PlannedRun, RunDocument, plan_runs, run_policy
from starrating.language.catalog import Catalog, merge_catalogs
from starrating.language.policyfiles import check_files
from starrating.store.ingest import ingest_files
from starrating.store.store import Store

POLICY = """policy "前台周" version 1
timezone "Asia/Shanghai"

each week {
  let c = count(complaint)
  red 1.5 when c = 0
  red 1 when department = "前台"
  green 1 per complaint
}
"""

OTHER_POLICY = POLICY.replace('"前台周"', '"后台周"').replace("red 1.5", "red 2")

ROSTER = """employee_id,name,department,hire_date,recorded_at
A,甲,前台,2024-01-01,2026-01-01T00:00:00+08:00
B,乙,前台,2024-01-01,2026-01-01T00:00:00+08:00
"""

EVENTS = """event_id,employee_id,type,occurred_at,recorded_at
e1,A,complaint,2026-10-20T10:00:00+08:00,2026-10-20T12:00:00+08:00
"""

# Recorded after the as-of time: a run as of 26 Oct never sees it.
LATE_EVENT = """event_id,employee_id,type,occurred_at,recorded_at
e2,B,complaint,2026-10-21T10:00:00+08:00,2026-10-27T09:00:00+08:00
"""

# Backdated: recorded (learned of) on 23 Oct, but ingested only after the run.
BACKDATED_EVENT = """event_id,employee_id,type,occurred_at,recorded_at
e3,B,complaint,2026-10-22T10:00:00+08:00,2026-10-23T09:00:00+08:00
"""

# B moved to 后台 as of 1 Oct, entered only after the run.
BACKDATED_TRANSFER = """employee_id,name,department,hire_date,recorded_at
B,乙,后台,2024-01-01,2026-10-01T00:00:00+08:00
"""

LATER_TRANSFER = BACKDATED_TRANSFER.replace("2026-10-01T", "2026-10-28T")

PERIOD = "2026-W43"
AS_OF = "2026-10-26T00:00:00+08:00"


# The project's starrating.yaml must not be picked up.
pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def store(store: Store, tmp_path: Path) -> Store:
    """The shared empty store, with this module's roster and events."""
    ingest(store, tmp_path, roster=ROSTER, events=EVENTS)
    return store


def ingest(store: Store, folder: Path, *, roster: str = "", events: str = "") -> None:
    names = {"roster": [], "events": []}
    for kind, text in (("roster", roster), ("events", events)):
        if text:
            path = folder / f"{kind}{len(list(folder.glob(f'{kind}*.csv')))}.csv"
            path.write_text(text, encoding="utf-8")
            names[kind].append(path)
    ingest_files(store, events=names["events"], rosters=names["roster"])


def catalog(store: Store) -> Catalog:
    return merge_catalogs(None, store.data_catalog())


def plan(
    store: Store, folder: Path, text: str = POLICY, period: str = PERIOD, as_of: str = AS_OF
) -> PlannedRun:
    name = "other.policy" if text == OTHER_POLICY else "desk.policy"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    [item] = check_files([path], catalog(store))
    assert item.ok, item.diagnostics
    planned, _ = plan_runs([item], period, None, as_of, catalog(store))
    return planned[0]


def record(store: Store, folder: Path, **kwargs: str) -> RunDocument:
    p = plan(store, folder, **kwargs)
    return run_policy(store.connection, p.item, catalog(store), p.target, p.as_of)


def row(document: RunDocument, employee: str) -> dict:
    return next(r for r in document.results if r["employee_id"] == employee)


def count_runs(store: Store) -> int:
    return store.connection.execute("SELECT count(*) FROM runs").fetchone()[0]


def run_row(store: Store, run_id: str) -> tuple:
    return store.connection.execute(
        "SELECT run_id, policy, version, policy_text, period, CAST(as_of AS VARCHAR),"
        " results_sha256, events_sha256, CAST(created_at AS VARCHAR), official, amends,"
        " amend_reason FROM runs WHERE run_id = ?",
        [run_id],
    ).fetchone()


# ---- replay -----------------------------------------------------------------------------


def test_base_results_as_worked_by_hand(store: Store, tmp_path: Path) -> None:
    document = record(store, tmp_path)
    a, b = row(document, "A"), row(document, "B")
    assert (a["values"]["c"], a["red"], a["green"], a["net"]) == (1, 1, 1, 0)
    assert (b["values"]["c"], b["red"], b["green"], b["net"]) == (0, Decimal("2.5"), 0, 2.5)


def test_replay_is_identical(store: Store, tmp_path: Path) -> None:
    document = record(store, tmp_path)
    (tmp_path / "desk.policy").unlink()  # replay reads the stored policy text, not the file
    outcome = replay_run(store, str(document.run["run_id"]))
    assert outcome.identical and outcome.differences == [] and outcome.late_inputs == []
    assert outcome.document.run["results_sha256"] == document.run["results_sha256"]
    assert outcome.document.run["as_of"] == AS_OF
    text = render_replay(outcome)
    assert "identical" in text and str(document.run["run_id"]) in text


def test_an_event_recorded_after_the_as_of_time_leaves_the_replay_identical(
    store: Store, tmp_path: Path
) -> None:
    document = record(store, tmp_path)
    ingest(store, tmp_path, events=LATE_EVENT, roster=LATER_TRANSFER)
    outcome = replay_run(store, str(document.run["run_id"]))
    assert outcome.identical, render_replay(outcome)
    assert outcome.roster_match
    # ...while a run as of now sees both: B has a complaint and is no longer at 前台.
    now = record(store, tmp_path, as_of="2026-10-29T00:00:00+08:00")
    assert row(now, "B")["values"]["c"] == 1 and row(now, "B")["red"] == 0


def test_a_backdated_event_makes_the_replay_differ_and_is_named(
    store: Store, tmp_path: Path
) -> None:
    document = record(store, tmp_path)
    ingest(store, tmp_path, events=BACKDATED_EVENT)
    outcome = replay_run(store, str(document.run["run_id"]))
    assert not outcome.identical
    assert not outcome.results_match and not outcome.events_match
    # B: c 0 -> 1, red 2.5 -> 1 (only 前台), green 0 -> 1, net 2.5 -> 0; A unchanged.
    changes = {(d.employee_id, d.period, d.field): (d.old, d.new) for d in outcome.differences}
    assert changes == {
        ("B", PERIOD, "values.c"): (0, 1),
        ("B", PERIOD, "red"): (Decimal("2.5"), 1),
        ("B", PERIOD, "green"): (0, 1),
        ("B", PERIOD, "net"): (Decimal("2.5"), 0),
    }
    [late] = outcome.late_inputs
    assert (late.kind, late.event_id, late.employee_id, late.event_type) == (
        "event", "e3", "B", "complaint",
    )  # fmt: skip
    assert late.file.endswith("events1.csv")
    text = render_replay(outcome)
    assert "DIFFERENT" in text
    assert "B  2026-W43  red: 2.5 → 1" in text
    assert "B  2026-W43  values.c: 0 → 1" in text
    assert "event e3 (complaint, employee B) recorded 2026-10-23T09:00:00+08:00" in text
    assert "events1.csv" in text and "1 event recorded by the as-of time" in text
    report = outcome.to_json()
    assert report["identical"] is False
    assert {"employee_id": "B", "period": PERIOD, "field": "red", "old": 2.5, "new": 1,
            "row": None} in report["differences"]  # fmt: skip
    assert report["late_inputs"][0]["event_id"] == "e3"


def test_a_backdated_roster_change_is_named(store: Store, tmp_path: Path) -> None:
    document = record(store, tmp_path)
    ingest(store, tmp_path, roster=BACKDATED_TRANSFER)
    outcome = replay_run(store, str(document.run["run_id"]))
    assert not outcome.identical and outcome.events_match and not outcome.roster_match
    # B left 前台 on 1 Oct: red 2.5 -> 1.5, net 2.5 -> 1.5.
    assert [(d.employee_id, d.field, d.old, d.new) for d in outcome.differences] == [
        ("B", "red", Decimal("2.5"), Decimal("1.5")),
        ("B", "net", Decimal("2.5"), Decimal("1.5")),
    ]
    [late] = outcome.late_inputs
    assert (late.kind, late.employee_id, late.version) == ("roster", "B", 2)
    text = render_replay(outcome)
    assert "roster of employee B (version 2) recorded 2026-10-01T00:00:00+08:00" in text
    assert "roster1.csv" in text


def test_replaying_a_void_ingested_late_names_it(store: Store, tmp_path: Path) -> None:
    document = record(store, tmp_path)
    # An upheld appeal recorded on 24 Oct cancels A's complaint; entered after the run.
    ingest(store, tmp_path, events="event_id,employee_id,type,occurred_at,recorded_at,voids\n"
           "v1,A,void,2026-10-24T10:00:00+08:00,2026-10-24T10:00:00+08:00,e1\n")  # fmt: skip
    outcome = replay_run(store, str(document.run["run_id"]))
    assert ("A", "values.c", 1, 0) in [
        (d.employee_id, d.field, d.old, d.new) for d in outcome.differences
    ]
    assert [(i.event_id, i.event_type) for i in outcome.late_inputs] == [("v1", "void of e1")]


def test_unknown_run_id_says_did_you_mean(store: Store, tmp_path: Path) -> None:
    run_id = str(record(store, tmp_path).run["run_id"])
    typo = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    with pytest.raises(AuditError, match=f"no run {typo} is recorded.*did you mean `{run_id}`"):
        replay_run(store, typo)
    with pytest.raises(AuditError, match=f"did you mean `{run_id}`"):
        load_run(store, run_id[:12])  # a unique prefix
    with pytest.raises(AuditError, match="`starrating runs` lists the recorded runs"):
        load_run(store, "nothing-like-it")


def test_unknown_run_id_in_a_store_without_runs(store: Store) -> None:
    with pytest.raises(AuditError, match="no runs are recorded"):
        replay_run(store, "20261026T000000-abcdef12")


def test_replay_works_on_a_read_only_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store.duckdb") as writable:
        ingest(writable, tmp_path, roster=ROSTER, events=EVENTS)
        run_id = str(record(writable, tmp_path).run["run_id"])
    with Store.open(tmp_path / "store.duckdb", read_only=True) as read_only:
        assert replay_run(read_only, run_id).identical
        assert [r.run_id for r in list_runs(read_only)] == [run_id]


def test_compare_results_reports_rows_that_appear_or_disappear() -> None:
    base = {"period": "2026-W43", "period_end": "2026-10-25", "vetoed": False,
            "veto_reasons": [], "values": {"c": 0}, "red": 1, "green": 0, "net": 1,
            "stars": None, "awards": [], "reward": 0}  # fmt: skip
    old = [{**base, "employee_id": "A"}, {**base, "employee_id": "B"}]
    new = [
        {**base, "employee_id": "A", "awards": ["之星"], "values": {"c": 0, "d": 2}},
        {**base, "employee_id": "C"},
    ]
    differences = compare_results(old, new)
    assert [(d.employee_id, d.field) for d in differences] == [
        ("A", "values.d"), ("A", "awards"), ("B", None), ("C", None),
    ]  # fmt: skip
    described = [d.describe() for d in differences]
    assert described[0] == "A  2026-W43  values.d: (none) → 2"
    assert described[1] == 'A  2026-W43  awards: [] → ["之星"]'
    assert "the row is gone" in described[2] and "a new row" in described[3]
    assert isinstance(differences[0], Difference)


# ---- runs -------------------------------------------------------------------------------


def test_runs_lists_and_filters(store: Store, tmp_path: Path) -> None:
    assert list_runs(store) == []
    assert "no runs are recorded" in no_runs_message(store)
    first = record(store, tmp_path)
    second = record(store, tmp_path, period="2026-W44", as_of="2026-11-02T00:00:00+08:00")
    third = record(store, tmp_path, text=OTHER_POLICY)
    ids = [str(d.run["run_id"]) for d in (first, second, third)]
    assert [r.run_id for r in list_runs(store)] == ids
    assert [r.run_id for r in list_runs(store, policy="前台周")] == ids[:2]
    assert [r.run_id for r in list_runs(store, period=PERIOD)] == [ids[0], ids[2]]
    assert [r.run_id for r in list_runs(store, policy="后台周", period=PERIOD)] == [ids[2]]
    assert list_runs(store, policy="前台週") == []
    assert no_runs_message(store, policy="前台週") == (
        'no runs of "前台週" are recorded; did you mean "前台周"?'
    )
    assert "did you mean 2026-W43?" in no_runs_message(store, period="2026-w43")
    listed = list_runs(store, period="2026-W44")[0]
    assert (listed.policy, listed.version, listed.period) == ("前台周", "1", "2026-W44")
    assert listed.official is False and listed.status == "-"
    text = render_runs(list_runs(store))
    lines = text.splitlines()
    assert lines[0].split() == ["run", "policy", "version", "period", "as", "of", "created",
                                "by", "official"]  # fmt: skip
    assert ids[0] in lines[1] and "前台周" in lines[1] and AS_OF in lines[1]
    assert "2026-11-02T00:00:00+08:00" in lines[2]
    [document] = [d for d in json.loads(runs_json(list_runs(store))) if d["run_id"] == ids[2]]
    assert document["policy"] == "后台周" and document["as_of"] == AS_OF
    assert document["official"] is False and document["amends"] is None


# ---- closing a period -------------------------------------------------------------------


def test_official_first_retry_refusal_and_amendment(store: Store, tmp_path: Path) -> None:
    # First closing: recorded as official.
    first = close_period(store, plan(store, tmp_path), catalog(store))
    assert first.status == "closed" and first.ok and first.previous is None
    assert first.run_id == first.document.run["run_id"]
    assert run_row(store, first.run_id)[9:] == (True, None, None)
    assert f'closed {PERIOD} of "前台周": run {first.run_id}' in first.message
    contributions = store.connection.execute(
        "SELECT count(*) FROM contributions WHERE run_id = ?", [first.run_id]
    ).fetchone()[0]
    assert contributions > 0  # recorded like any run (runner.run_policy)
    assert count_runs(store) == 1

    # A retried batch job: identical results, nothing recorded, the existing run named.
    again = close_period(store, plan(store, tmp_path), catalog(store))
    assert again.status == "identical" and again.ok
    assert again.run_id == first.run_id and again.document.run["run_id"] == first.run_id
    assert again.document.run["as_of"] == AS_OF
    assert first.run_id in again.message and "nothing was recorded" in again.message
    assert count_runs(store) == 1
    # --amend with identical results changes nothing either.
    same = close_period(store, plan(store, tmp_path), catalog(store), amend_reason="again")
    assert same.status == "identical" and count_runs(store) == 1

    # A complaint about B, recorded before the as-of time, is entered late: different
    # results. Without --amend --reason nothing is recorded.
    ingest(store, tmp_path, events=BACKDATED_EVENT)
    before = run_row(store, first.run_id)
    with pytest.raises(ClosingRefused) as refused:
        close_period(store, plan(store, tmp_path), catalog(store))
    [outcome] = refused.value.outcomes
    assert outcome.status == "refused" and not outcome.ok and outcome.run_id == first.run_id
    message = str(refused.value)
    assert f"already closed by run {first.run_id}" in message
    assert "--amend --reason TEXT" in message and "B  2026-W43  red: 2.5 → 1" in message
    assert count_runs(store) == 1 and run_row(store, first.run_id) == before
    assert not store.in_transaction

    # With a reason: a new official run that amends the old one, which is kept.
    amended = close_period(store, plan(store, tmp_path), catalog(store),
                           amend_reason="  appeal 17: late complaint  ")  # fmt: skip
    assert amended.status == "amended" and amended.previous == first.run_id
    assert amended.run_id != first.run_id and count_runs(store) == 2
    assert run_row(store, amended.run_id)[9:] == (True, first.run_id, "appeal 17: late complaint")
    old = run_row(store, first.run_id)
    assert old[9] is False and old[:9] == before[:9] and old[10:] == before[10:]
    assert store.connection.execute(
        "SELECT count(*) FROM results WHERE run_id = ?", [first.run_id]
    ).fetchone()[0] == 2  # the old results are kept  # fmt: skip
    assert f"replaces run {first.run_id}" in amended.message

    # The chain, as `runs` shows it.
    old_run, new_run = list_runs(store, policy="前台周", period=PERIOD)
    assert (old_run.run_id, old_run.official, old_run.amended_by) == (
        first.run_id, False, amended.run_id,
    )  # fmt: skip
    assert (new_run.official, new_run.amends, new_run.amend_reason) == (
        True, first.run_id, "appeal 17: late complaint",
    )  # fmt: skip
    text = render_runs([old_run, new_run])
    assert f"amended by {amended.run_id}" in text
    assert f'official, amends {first.run_id}: "appeal 17: late complaint"' in text

    # The amended run replays identical; the old one names the late complaint.
    assert replay_run(store, amended.run_id).identical
    assert [i.event_id for i in replay_run(store, first.run_id).late_inputs] == ["e3"]
    # And a retry of the amendment is now an identical closing.
    retry = close_period(store, plan(store, tmp_path), catalog(store), amend_reason="x")
    assert retry.status == "identical" and retry.run_id == amended.run_id


def test_a_refusal_records_nothing_for_any_policy(store: Store, tmp_path: Path) -> None:
    first = close_period(store, plan(store, tmp_path), catalog(store))
    ingest(store, tmp_path, events=BACKDATED_EVENT)
    both = [plan(store, tmp_path), plan(store, tmp_path, text=OTHER_POLICY)]
    with pytest.raises(ClosingRefused) as refused:
        close_periods(store, both, catalog(store))
    assert [o.status for o in refused.value.outcomes] == ["refused", "closed"]
    assert "后台周" not in str(refused.value)  # only the refused closing is reported
    assert [r.run_id for r in list_runs(store)] == [first.run_id]
    kept = store.connection.execute("SELECT DISTINCT run_id FROM contributions").fetchall()
    assert kept == [(first.run_id,)]


def test_a_refusal_rolls_back_the_transaction_it_joined(store: Store, tmp_path: Path) -> None:
    close_period(store, plan(store, tmp_path), catalog(store))
    planned = plan(store, tmp_path)
    events = tmp_path / "late.csv"
    events.write_text(BACKDATED_EVENT, encoding="utf-8")
    with pytest.raises(ClosingRefused), store.transaction():  # as `run --events --official`
        ingest_files(store, events=[events])
        close_periods(store, [planned], catalog(store))
    assert store.connection.execute(
        "SELECT count(*) FROM events WHERE event_id = 'e3'"
    ).fetchone()[0] == 0  # fmt: skip
    assert count_runs(store) == 1


def test_periods_are_closed_per_policy_and_period(store: Store, tmp_path: Path) -> None:
    week43 = close_period(store, plan(store, tmp_path), catalog(store))
    week44 = close_period(
        store, plan(store, tmp_path, period="2026-W44", as_of="2026-11-02T00:00:00+08:00"),
        catalog(store),
    )  # fmt: skip
    other = close_period(store, plan(store, tmp_path, text=OTHER_POLICY), catalog(store))
    assert [o.status for o in (week43, week44, other)] == ["closed"] * 3
    assert all(r.official for r in list_runs(store))
    # An ordinary run of a closed period is recorded, but not official.
    ordinary = record(store, tmp_path)
    assert load_run(store, str(ordinary.run["run_id"])).official is False


# ---- the command line -------------------------------------------------------------------


def test_cli_official_replay_and_runs(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "late.csv").write_text(BACKDATED_EVENT, encoding="utf-8")
    (tmp_path / "desk.policy").write_text(POLICY, encoding="utf-8")
    db = ["--db", str(tmp_path / "store.duckdb")]
    base = ["run", "desk.policy", "--period", PERIOD, "--as-of", AS_OF, *db]

    first = invoke([*base, "--roster", "roster.csv", "--events", "events.csv", "--official",
                    "--format", "json"])  # fmt: skip
    assert first.exit_code == 0, first.output
    run_id = json.loads(first.stdout)["run"]["run_id"]
    assert f"run {run_id} is its official result" in first.stderr

    retry = invoke([*base, "--official", "--format", "json"])
    assert retry.exit_code == 0, retry.output
    assert json.loads(retry.stdout)["run"]["run_id"] == run_id
    assert "identical results" in retry.stderr

    refused = invoke([*base, "--events", "late.csv", "--official"])
    assert refused.exit_code == 1 and "--amend --reason TEXT" in refused.stderr
    assert refused.stdout == ""
    assert invoke(["replay", run_id, *db]).exit_code == 0  # the late file was not kept

    assert invoke([*base, "--amend"]).exit_code == 2  # --amend needs --official
    assert invoke([*base, "--official", "--amend"]).exit_code == 2  # ...and --reason
    amended = invoke([*base, "--events", "late.csv", "--official", "--amend",
                      "--reason", "appeal 17"])  # fmt: skip
    assert amended.exit_code == 0, amended.output
    assert f"replaces run {run_id}" in amended.stderr

    replay = invoke(["replay", run_id, *db])
    assert replay.exit_code == 1
    assert "event e3 (complaint, employee B)" in replay.stdout and "late.csv" in replay.stdout
    unknown = invoke(["replay", run_id[:-1] + "x", *db])
    assert unknown.exit_code == 1 and f"did you mean `{run_id}`" in unknown.stderr

    listing = invoke(["runs", "--policy", "前台周", *db])
    assert listing.exit_code == 0
    assert f'amends {run_id}: "appeal 17"' in listing.stdout
    assert "amended by" in listing.stdout
    assert invoke(["runs", "--period", "2026-W40", *db]).exit_code == 0
    as_json = invoke(["runs", "--format", "json", *db])
    assert [r["official"] for r in json.loads(as_json.stdout)] == [False, True]


def test_stores_with_runs_are_plain_duckdb(tmp_path: Path) -> None:
    # The official flags are ordinary columns: any SQL client can find official runs.
    with Store.open(tmp_path / "store.duckdb") as opened:
        ingest(opened, tmp_path, roster=ROSTER, events=EVENTS)
        closed = close_period(opened, plan(opened, tmp_path), catalog(opened))
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        official = con.execute("SELECT run_id FROM runs WHERE official").fetchall()
    assert official == [(closed.run_id,)]
