"""A run's guards (docs/data.md section 5, "events_seen" and "warnings"): what a run's
results rest on that is missing is said, on standard error and in the run document, and
stored with the run so that every command that shows a recorded run shows it again."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import invoke, write_text
from markupsafe import escape

from starrating.output.documents import load_report
from starrating.output.xlsx import summary_rows

pytestmark = pytest.mark.usefixtures("in_tmp")

AS_OF = "2026-11-05T00:00:00+08:00"

ROSTER = """employee_id,name,department,role,hire_date,leave_date,recorded_at
A,甲,前台,sd,2024-01-01,,2026-01-01T00:00:00+08:00
B,乙,前台,sd,2024-01-01,,2026-01-01T00:00:00+08:00
C,丙,,sd,2024-01-01,,2026-01-01T00:00:00+08:00
"""

# October 2026 in Asia/Shanghai. Seen by a run as of 5 November: e1..e3 (A, B, C). Not
# seen: e4 (voided by v1 before the as-of time), e5 (recorded after it), e6 (dated in
# September), and e7..e9, whose employees X1 and X2 are not on the roster.
EVENTS = """event_id,employee_id,type,occurred_at,recorded_at,value,voids
e1,A,complaint,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00,,
e2,B,complaint,2026-10-03T10:00:00+08:00,2026-10-03T12:00:00+08:00,,
e3,A,survey,2026-10-31T23:00:00+08:00,2026-11-01T09:00:00+08:00,4,
e4,B,complaint,2026-10-04T10:00:00+08:00,2026-10-04T12:00:00+08:00,,
v1,B,void,2026-10-05T10:00:00+08:00,2026-10-05T12:00:00+08:00,,e4
e5,C,complaint,2026-10-06T10:00:00+08:00,2026-11-20T12:00:00+08:00,,
e6,C,complaint,2026-09-30T10:00:00+08:00,2026-10-01T12:00:00+08:00,,
e7,X2,complaint,2026-10-07T10:00:00+08:00,2026-10-07T12:00:00+08:00,,
e8,X1,complaint,2026-10-08T10:00:00+08:00,2026-10-08T12:00:00+08:00,,
e9,X1,complaint,2026-10-09T10:00:00+08:00,2026-10-09T12:00:00+08:00,,
"""

# Line numbers matter: the missing-value warning names the lines that read a name.
POLICY = """policy "guards" version 1
timezone "Asia/Shanghai"

each month {
  let complaints = count(complaint)
  let satisfaction = avg(survey.value)
  let unused = avg(survey.value)
  red 2 per complaint
  green 1 when satisfaction >= 4
  reward 100 when department = "前台" and satisfaction default 0 >= 0
}
"""


def run(
    tmp_path: Path,
    policy: str = POLICY,
    events: str = EVENTS,
    *extra: str,
    as_of: str = AS_OF,
    period: str = "2026-10",
) -> tuple[dict, str]:
    """``run ... --format json``: the document and standard error."""
    policy_file = write_text(tmp_path / "p.policy", policy)
    roster_file = write_text(tmp_path / "roster.csv", ROSTER)
    events_file = write_text(tmp_path / "events.csv", events)
    result = invoke(
        ["run", str(policy_file), "--period", period, "--as-of", as_of, "--format", "json",
         "--roster", str(roster_file), "--events", str(events_file),
         "--db", str(tmp_path / "store.duckdb"), *extra]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def warning_lines(stderr: str) -> list[str]:
    prefix = "starrating: warning: "
    return [line.removeprefix(prefix) for line in stderr.splitlines() if line.startswith(prefix)]


# ---- the run object ---------------------------------------------------------------------


def test_the_run_object_ends_with_events_seen_and_warnings(tmp_path: Path) -> None:
    document, stderr = run(tmp_path)
    assert list(document["run"]) == [
        "run_id", "policy", "version", "policy_sha256", "period", "as_of", "events_sha256",
        "results_sha256", "run_sha256", "previous_run_sha256", "events_seen", "warnings",
    ]  # fmt: skip
    # Each warning is a string of the document and a line on standard error, in order,
    # after what the ingest of --events said about the rows it added.
    lines = warning_lines(stderr)
    ingest_said = [line for line in lines if "new rows name" in line]
    assert len(ingest_said) == 1
    assert document["run"]["warnings"] == lines[len(ingest_said) :]
    assert len(stderr.splitlines()) == len(lines)


def test_events_seen_counts_the_period_s_visible_events_of_rostered_employees(
    tmp_path: Path,
) -> None:
    document, _ = run(tmp_path)
    # e1, e2 and e3; not the voided e4, the late e5, September's e6, nor X1's and X2's.
    assert document["run"]["events_seen"] == 3


def test_a_clean_run_has_no_warnings(tmp_path: Path) -> None:
    clean = """event_id,employee_id,type,occurred_at,recorded_at,value
e1,A,complaint,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00,
s1,A,survey,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00,4
s2,B,survey,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00,5
s3,C,survey,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00,3
"""
    policy = POLICY.replace(' when department = "前台" and', " when")
    document, stderr = run(tmp_path, policy, clean)
    assert document["run"]["warnings"] == []
    assert document["run"]["events_seen"] == 4
    assert stderr == ""


# ---- each warning -----------------------------------------------------------------------


def test_events_hidden_by_the_as_of_time_are_counted_with_a_hint(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    hidden = [w for w in document["run"]["warnings"] if w.startswith("as of ")]
    # Visible in October: e1, e2, e3 and X1's and X2's three; e5 was recorded later.
    assert hidden == [
        f"as of {AS_OF}, 6 of 7 events dated in 2026-10 are visible; 1 was recorded later "
        "(a run sees an event from its recorded_at, which is the time of the ingest when the "
        "events file has no recorded_at column: give recorded_at in the file, or run with a "
        "later --as-of)"
    ]
    # Once e5 is recorded by the as-of time, nothing is hidden and nothing is said.
    later, _ = run(tmp_path / "later", as_of="2026-11-30T00:00:00+08:00")
    assert not [w for w in later["run"]["warnings"] if w.startswith("as of ")]
    assert later["run"]["events_seen"] == 4


def test_events_of_employees_not_on_the_roster_are_counted_and_named(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    unknown = [w for w in document["run"]["warnings"] if "not on the roster" in w]
    assert unknown == [
        "3 events dated in 2026-10 name 2 employees who are not on the roster in force "
        "(X1, X2); they are not rated"
    ]


def test_at_most_five_unknown_ids_are_named_sorted(tmp_path: Path) -> None:
    events = "event_id,employee_id,type,occurred_at,recorded_at\n" + "".join(
        f"u{n},Z{n},complaint,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00\n"
        for n in (7, 3, 5, 1, 6, 2, 4)
    )
    document, _ = run(tmp_path, events=events)
    unknown = [w for w in document["run"]["warnings"] if "not on the roster" in w]
    assert unknown == [
        "7 events dated in 2026-10 name 7 employees who are not on the roster in force "
        "(Z1, Z2, Z3, Z4, Z5, ...); they are not rated"
    ]
    assert document["run"]["events_seen"] == 0


def test_an_event_type_the_policy_reads_with_no_events_is_named(tmp_path: Path) -> None:
    no_survey = "\n".join(line for line in EVENTS.splitlines() if ",survey," not in line)
    document, _ = run(tmp_path, events=no_survey + "\n")
    assert [w for w in document["run"]["warnings"] if w.startswith("no ")] == [
        f'no "survey" events are dated in 2026-10 as of {AS_OF}, though the policy reads '
        "them: its counts and sums of them are 0, and their averages, minimums and maximums "
        "missing"
    ]
    # With a survey in October (e3), neither type is named.
    with_survey, _ = run(tmp_path / "with")
    assert not [w for w in with_survey["run"]["warnings"] if w.startswith("no ")]


def test_a_value_missing_for_some_employees_names_the_lines_that_use_it(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    missing = [w for w in document["run"]["warnings"] if " is missing for " in w]
    # Only A has a survey. `unused` is read by no line, and `complaints` (a count) is
    # never missing; C has no department (a roster attribute the reward line reads).
    assert missing == [
        "satisfaction is missing for 2 of 3 employees in 2026-10; the lines that use it "
        "(lines 9 and 10) counted 0 for them",
        "department is missing for 1 of 3 employees in 2026-10; the lines that use it "
        "(line 10) counted 0 for them",
    ]


def test_a_missing_value_of_a_shorter_block_says_in_which_instances(tmp_path: Path) -> None:
    policy = """policy "weeks" version 1
timezone "Asia/Shanghai"

each week {
  let satisfaction = avg(survey.value)
  green 1 when satisfaction >= 4
}
each month {
  let clean_weeks = count(weeks)
}
"""
    document, _ = run(tmp_path, policy)
    missing = [w for w in document["run"]["warnings"] if " is missing for " in w]
    # A's one survey is in W44; A has none in W40..W43, so all three are named.
    assert missing == [
        "satisfaction is missing for 3 of 3 employees in at least one week of 2026-10; "
        "the lines that use it (line 6) counted 0 for them"
    ]


def test_a_ranking_or_share_a_vetoed_employee_has_none_of_is_not_missing_data(
    tmp_path: Path,
) -> None:
    policy = """policy "vetoed" version 1
timezone "Asia/Shanghai"

each month {
  let complaints = count(complaint)
  let satisfaction = avg(survey.value)
  let share = top_share(satisfaction)
  let place = rank(complaints)
  veto "complaint" when complaints >= 1
  award "front" when share <= 50%
  award "first" when place = 1
}
"""
    document, _ = run(tmp_path, policy)
    missing = [w for w in document["run"]["warnings"] if " is missing for " in w]
    # A and B are vetoed (a complaint each): no share and no place, by definition. C is
    # not vetoed and has no survey: C's share is missing for want of data.
    assert missing == [
        "share is missing for 1 of 3 employees in 2026-10; the lines that use it (line 10)"
        " counted 0 for them"
    ]


def test_the_stars_table_and_what_reads_the_stars_name_their_inputs(tmp_path: Path) -> None:
    policy = """policy "stars" version 1
timezone "Asia/Shanghai"

each month {
  let satisfaction = avg(survey.value)
  stars {
    5 when satisfaction >= 4
    3 otherwise
  }
  award "star" when stars = 5
}
"""
    document, _ = run(tmp_path, policy)
    missing = [w for w in document["run"]["warnings"] if " is missing for " in w]
    assert missing == [
        "satisfaction is missing for 2 of 3 employees in 2026-10; the lines that use it "
        "(line 10 and the stars table) counted 0 for them"
    ]


# ---- standard error ---------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["table", "csv", "json"])
def test_every_format_prints_the_warnings_on_standard_error(
    tmp_path: Path, output_format: str
) -> None:
    document, _ = run(tmp_path)
    policy_file = tmp_path / "p.policy"
    result = invoke(
        ["run", str(policy_file), "--period", "2026-10", "--as-of", AS_OF,
         "--format", output_format, "--db", str(tmp_path / "store.duckdb")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert warning_lines(result.stderr) == document["run"]["warnings"]
    assert "starrating: warning" not in result.stdout


def test_a_folder_s_warnings_name_their_policy(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    write_text(folder / "a.policy", POLICY)
    write_text(folder / "b.policy", POLICY.replace('"guards"', '"other"'))
    roster_file = write_text(tmp_path / "roster.csv", ROSTER)
    events_file = write_text(tmp_path / "events.csv", EVENTS)
    result = invoke(
        ["run", str(folder), "--period", "2026-10", "--as-of", AS_OF, "--format", "json",
         "--roster", str(roster_file), "--events", str(events_file),
         "--db", str(tmp_path / "store.duckdb")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in warning_lines(result.stderr) if "new rows name" not in line]
    assert lines and all(
        line.startswith(('"guards" 2026-10: ', '"other" 2026-10: ')) for line in lines
    )
    assert {line.split(":")[0] for line in lines} == {'"guards" 2026-10', '"other" 2026-10'}


# ---- stored with the run, and shown again ----------------------------------------------


def test_a_recorded_run_shows_its_guards_again(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    header = document["run"]
    db = ["--db", str(tmp_path / "store.duckdb")]
    listed = invoke(["runs", "--format", "json", *db])
    assert listed.exit_code == 0, listed.output
    [stored] = json.loads(listed.stdout)
    assert stored["events_seen"] == 3
    assert stored["warnings"] == header["warnings"]
    replayed = invoke(["replay", header["run_id"], "--format", "json", *db])
    assert replayed.exit_code == 0, replayed.output
    replay_run = json.loads(replayed.stdout)["run"]
    assert (replay_run["events_seen"], replay_run["warnings"]) == (3, header["warnings"])


def test_closing_again_with_identical_results_shows_the_official_run_s_guards(
    tmp_path: Path,
) -> None:
    closed, _ = run(tmp_path, POLICY, EVENTS, "--official")
    again, stderr = run(tmp_path, POLICY, EVENTS, "--official")
    assert again["run"]["run_id"] == closed["run"]["run_id"]
    assert again["run"]["events_seen"] == closed["run"]["events_seen"] == 3
    assert again["run"]["warnings"] == closed["run"]["warnings"] == warning_lines(stderr)


def test_runs_recorded_before_the_guards_show_null(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    store = tmp_path / "store.duckdb"
    # A store whose runs were recorded before runs kept their guards.
    with duckdb.connect(str(store)) as con:
        con.execute("ALTER TABLE runs DROP COLUMN events_seen")
        con.execute("ALTER TABLE runs DROP COLUMN warnings")
    listed = invoke(["runs", "--format", "json", "--db", str(store)])
    assert listed.exit_code == 0, listed.output
    [old] = json.loads(listed.stdout)
    assert (old["events_seen"], old["warnings"]) == (None, None)  # not known, not "none"
    # Recording a run adds the columns; the old run still shows null, the new one its own.
    newer, _ = run(tmp_path, POLICY, EVENTS, as_of="2026-11-06T00:00:00+08:00")
    listed = invoke(["runs", "--format", "json", "--db", str(store)])
    by_id = {r["run_id"]: r for r in json.loads(listed.stdout)}
    assert by_id[document["run"]["run_id"]]["events_seen"] is None
    assert by_id[newer["run"]["run_id"]]["events_seen"] == 3
    assert by_id[newer["run"]["run_id"]]["warnings"] == newer["run"]["warnings"]


# ---- policy tests -----------------------------------------------------------------------

CASE = """policy: p.policy
cases:
  - name: {name}
    period: 2026-10
    roster:
      - {{employee_id: A, name: 甲, department: 前台, hire_date: 2024-01-01}}
    events:
      - event_id: s1
        employee_id: A
        type: {event_type}
        occurred_at: "2026-10-02T10:00:00+08:00"
        value: 5
    expect:
      - {{employee_id: A, green: 1}}
"""


def test_a_failing_policy_test_case_shows_the_run_s_warnings(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", POLICY)
    passing = write_text(tmp_path / "ok_test.yaml", CASE.format(name="ok", event_type="survey"))
    result = invoke(["test", str(passing)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stdout  # a passing case stays quiet
    # The survey typed as "surveys": green is 0, and the warnings say why.
    failing = write_text(tmp_path / "bad_test.yaml", CASE.format(name="typo", event_type="surveys"))
    result = invoke(["test", str(failing)])
    assert result.exit_code == 1
    assert "green: expected 1, got 0" in result.stdout
    assert '      warning: no "survey" events are dated in 2026-10 as of' in result.stdout
    assert (
        "      warning: satisfaction is missing for 1 of 1 employee in 2026-10; the lines "
        "that use it (lines 9 and 10) counted 0 for them" in result.stdout
    )


def test_the_reports_of_a_recorded_run_show_its_guards(tmp_path: Path) -> None:
    document, _ = run(tmp_path)
    run_id, warnings = document["run"]["run_id"], document["run"]["warnings"]
    html_file = tmp_path / "r.html"
    result = invoke(
        ["report", run_id, "--html", str(html_file), "--db", str(tmp_path / "store.duckdb")]
    )
    assert result.exit_code == 0, result.output
    page = html_file.read_text(encoding="utf-8")
    assert "<dt>events seen</dt><dd>3</dd>" in page
    for warning in warnings:
        assert f'<li class="warning">{escape(warning)}</li>' in page
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        summary = [cells for cells, _ in summary_rows(load_report(con, run_id))]
    assert ["Events seen", 3] in summary
    assert [cells[1] for cells in summary if cells[:1] == ["Warning"]] == warnings
