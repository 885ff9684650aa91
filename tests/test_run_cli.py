"""`starrating run`, `compile` and `test` as a user runs them: output formats, folders of
policies and their versions, data errors, usage errors and a busy database
(docs/data.md sections 2-6). Expectations are worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import invoke, write_text

ROSTER = """employee_id,name,department,role,hire_date,leave_date
A,甲,前台,sd,2024-01-01,
B,乙,前台,sd,2024-01-01,
"""

# A: one complaint on Tue 27 Oct 2026 (2026-W44, Mon 26 Oct .. Sun 1 Nov), nothing else.
EVENTS = """event_id,employee_id,type,occurred_at
e1,A,complaint,2026-10-27T10:00:00+08:00
"""

WEEK_MONTH = """policy "前台周月" version 1
timezone "Asia/Shanghai"

each week {
  let c = count(complaint)
  red 1.5 when c = 0
  green 1 per complaint
}
each month {
  let weeks_clean = count(weeks where c = 0)
}
"""


# The project root holds a starrating.yaml; tests must not pick it up.
pytestmark = pytest.mark.usefixtures("in_tmp")


def db_args(tmp_path: Path) -> list[str]:
    return ["--db", str(tmp_path / "store.duckdb")]


def data_args(tmp_path: Path) -> list[str]:
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    events = write_text(tmp_path / "events.csv", EVENTS)
    return ["--roster", str(roster), "--events", str(events)]


def store_rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def table_names(tmp_path: Path) -> set[str]:
    return {r[0] for r in store_rows(tmp_path, "SELECT table_name FROM duckdb_tables()")}


def run_count(tmp_path: Path) -> int:
    if "runs" not in table_names(tmp_path):
        return 0
    return store_rows(tmp_path, "SELECT count(*) FROM runs")[0][0]


# ---- output formats ---------------------------------------------------------------------


def test_table_output_is_readable(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    result = invoke(["run", str(policy), "--period", "2026-11", *db_args(tmp_path),
                     *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    assert "前台周月" in lines[0] and "2026-11" in lines[0]
    assert "甲" in out and "乙" in out  # names from the roster
    # One section per period, headed by its label and days: the weeks W44..W48 that
    # settle in November, then the month itself.
    headers = [line for line in lines if line[:1].isdigit()]
    assert headers == [
        "2026-W44  (2026-10-26 to 2026-11-01)",
        "2026-W45  (2026-11-02 to 2026-11-08)",
        "2026-W46  (2026-11-09 to 2026-11-15)",
        "2026-W47  (2026-11-16 to 2026-11-22)",
        "2026-W48  (2026-11-23 to 2026-11-29)",
        "2026-11  (2026-11-01 to 2026-11-30)",
    ]
    column_lines = [line.split() for line in lines if line.strip().startswith("employee")]
    assert len(column_lines) == 6
    # The columns each block fills: the weeks' tallies, the month's value; no block has
    # stars, a reward, an award or a veto.
    assert column_lines[0] == ["employee", "name", "c", "red", "green", "net"]
    assert column_lines[-1] == ["employee", "name", "weeks_clean"]
    # W44: A had the complaint (red 0, green 1, net -1); B was clean (red 1.5).
    w44 = lines[lines.index(headers[0]) + 2 : lines.index(headers[0]) + 4]
    assert w44[0].split() == ["A", "甲", "1", "0", "1", "-1"]
    assert w44[1].split() == ["B", "乙", "0", "1.5", "0", "1.5"]
    # The month: A was clean in 4 of its 5 weeks, B in all 5.
    month = lines[lines.index(headers[-1]) + 2 : lines.index(headers[-1]) + 4]
    assert month[0].split()[:3] == ["A", "甲", "4"]
    assert month[1].split()[:3] == ["B", "乙", "5"]
    # The one thing said on standard error: November has no complaint at all (W44's
    # complaint is dated in October), which the run warns of (docs/data.md section 5).
    assert [line.split(" events ")[0] for line in result.stderr.splitlines()] == [
        'starrating: warning: no "complaint"'
    ]


def test_csv_output_has_a_header_and_one_line_per_row(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    result = invoke(["run", str(policy), "--period", "2026-11", "--format", "csv",
                     *db_args(tmp_path), *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # 2 employees x (5 weeks + 1 month) = 12 rows, plus the header.
    assert len(lines) == 13
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 12
    for name in ("employee_id", "period", "period_start", "period_end", "red", "green",
                 "net", "stars", "reward", "awards"):  # fmt: skip
        assert name in rows[0]
    assert [(r["employee_id"], r["period"]) for r in rows[:4]] == [
        ("A", "2026-W44"),
        ("B", "2026-W44"),
        ("A", "2026-W45"),
        ("B", "2026-W45"),
    ]
    a44, b44 = rows[0], rows[1]
    assert (a44["red"], a44["green"], a44["net"]) == ("0", "1", "-1")
    assert (b44["red"], b44["green"], b44["net"]) == ("1.5", "0", "1.5")
    assert {r["policy"] for r in rows} == {"前台周月"}
    assert len({r["run_id"] for r in rows}) == 1


def test_out_writes_the_file_instead_of_printing(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    out = tmp_path / "result.json"
    result = invoke(["run", str(policy), "--period", "2026-W44", "--format", "json",
                     "--out", str(out), *db_args(tmp_path), *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert str(out) in result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"), parse_float=Decimal)
    assert doc["run"]["period"] == "2026-W44"
    assert [(r["employee_id"], r["net"]) for r in doc["results"]] == [
        ("A", -1),
        ("B", Decimal("1.5")),
    ]
    out_csv = tmp_path / "result.csv"
    result = invoke(["run", str(policy), "--period", "2026-W44", "--format", "csv",
                     "--out", str(out_csv), *db_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(out_csv.read_text(encoding="utf-8").splitlines()) == 3


# ---- folders of policies ----------------------------------------------------------------

MONTHLY = """policy "{name}" version {version}
{effective}timezone "Asia/Shanghai"

each month {{
  red {red}
}}
"""


def monthly(name: str, red: str, version: str = "1", effective: str | None = None) -> str:
    line = f"effective {effective}\n" if effective else ""
    return MONTHLY.format(name=name, red=red, version=version, effective=line)


WEEKLY_ONLY = """policy "只有周" version 1

each week {
  red 1
}
"""


def test_a_folder_runs_every_policy_name(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "a.policy", monthly("甲方案", "1"))
    write_text(folder / "b.policy", monthly("乙方案", "2"))
    write_text(folder / "notes.txt", "not a policy")
    result = invoke(["run", str(folder), "--period", "2026-10", "--format", "json",
                     *db_args(tmp_path), *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert isinstance(docs, list) and len(docs) == 2
    red = {d["run"]["policy"]: [r["red"] for r in d["results"]] for d in docs}
    assert red == {"甲方案": [1, 1], "乙方案": [2, 2]}
    assert len({d["run"]["run_id"] for d in docs}) == 2  # each its own run
    assert run_count(tmp_path) == 2
    # --policy NAME picks one: a single document.
    result = invoke(["run", str(folder), "--period", "2026-10", "--format", "json",
                     "--policy", "乙方案", *db_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict) and doc["run"]["policy"] == "乙方案"
    assert run_count(tmp_path) == 3
    # An unknown name is an error that names the policies there.
    result = invoke(["run", str(folder), "--period", "2026-10", "--policy", "丙方案",
                     *db_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 1
    assert "丙方案" in result.stderr and "甲方案" in result.stderr and "乙方案" in result.stderr
    assert run_count(tmp_path) == 3
    # The table shows both runs.
    result = invoke(["run", str(folder), "--period", "2026-10", *db_args(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "甲方案" in result.stdout and "乙方案" in result.stdout


def test_a_folder_with_one_policy_name_prints_a_single_document(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "v1.policy", monthly("唯一", "1", "1", "2026-01-01"))
    write_text(folder / "v2.policy", monthly("唯一", "2", "2", "2026-10-01"))
    result = invoke(["run", str(folder), "--period", "2026-10", "--format", "json",
                     *db_args(tmp_path), *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    assert (doc["run"]["policy"], doc["run"]["version"]) == ("唯一", "2")


def test_a_policy_without_the_periods_block_is_skipped_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "month.policy", monthly("月度", "1"))
    weekly = write_text(folder / "week.policy", WEEKLY_ONLY)
    result = invoke(["run", str(folder), "--period", "2026-10", "--format", "json",
                     *db_args(tmp_path), *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    # Two policy names in the folder: an array, holding the one run that was made.
    assert [d["run"]["policy"] for d in docs] == ["月度"]
    assert "week.policy" in result.stderr and "month" in result.stderr
    assert run_count(tmp_path) == 1
    # The same weekly policy named on its own is an error.
    result = invoke(["run", str(weekly), "--period", "2026-10", *db_args(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "each month" in result.stderr
    assert run_count(tmp_path) == 1


def test_the_version_in_force_for_the_period_is_run(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "v1.policy", monthly("分版本", "1", "1", "2026-01-01"))
    write_text(folder / "v2.policy", monthly("分版本", "2", "2", "2026-10-01"))
    invoke(["ingest", *db_args(tmp_path), *data_args(tmp_path)])

    def version_and_red(period: str) -> tuple[str, list]:
        result = invoke(["run", str(folder), "--period", period, "--format", "json",
                         *db_args(tmp_path)])  # fmt: skip
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        return doc["run"]["version"], [r["red"] for r in doc["results"]]

    # The version whose effective date is the latest on or before the period's first day.
    assert version_and_red("2026-09") == ("1", [1, 1])  # 1 Sep: only v1 is in force
    assert version_and_red("2026-10") == ("2", [2, 2])  # 1 Oct: v2 from that day
    assert version_and_red("2026-12") == ("2", [2, 2])
    # Before either version takes effect: nothing is run, and the message says why.
    result = invoke(["run", str(folder), "--period", "2025-12", *db_args(tmp_path)])
    assert result.exit_code == 1
    assert "分版本" in result.stderr and "2025-12" in result.stderr
    assert "in force" in result.stderr
    assert "2026-01-01" in result.stderr and "2026-10-01" in result.stderr


def test_period_previous_runs_the_version_in_force_for_that_period(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write_text(folder / "v1.policy", monthly("分版本", "1", "1", "2026-01-01"))
    write_text(folder / "v2.policy", monthly("分版本", "2", "2", "2026-12-01"))
    # At 15 Nov the latest ended month is October: v1 is in force (v2 starts 1 Dec), as
    # `--period 2026-10` shows.
    args = ["run", str(folder), "--format", "json", *db_args(tmp_path)]
    result = invoke([*args, "--period", "2026-10", *data_args(tmp_path)])
    assert json.loads(result.stdout)["run"]["version"] == "1"
    result = invoke([*args, "--period", "previous", "--as-of", "2026-11-15T00:00:00+08:00"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["run"]["period"] == "2026-10"
    assert doc["run"]["version"] == "1"


# ---- compile ----------------------------------------------------------------------------

PYRAMID = """policy "金字塔" version 1
timezone "Asia/Shanghai"

each week {
  let deductions = count(point_deduction)
  red 3 when deductions = 0
  red pyramid(count(member_signup where channel = "paid"))
}
"""


def test_compile_prints_the_sql_without_any_data(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", PYRAMID)
    result = invoke(["compile", str(policy), "--period", "2026-W44"])
    assert result.exit_code == 0, result.output
    sql = result.stdout
    assert sql.startswith("-- 金字塔 (version 1), period 2026-W44")
    assert "\n-- each week block" in sql
    assert "WITH" in sql
    assert "FILTER (WHERE" in sql  # one pass over the events, one filter per aggregate
    assert "dense_rank()" in sql  # the inverted pyramid
    assert sql.rstrip().endswith(";")
    assert list(tmp_path.iterdir()) == [policy]  # no store was created


def test_compile_of_a_bad_policy_exits_1(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", PYRAMID.replace("deductions = 0", "deduction = 0"))
    result = invoke(["compile", str(policy), "--period", "2026-W44"])
    assert result.exit_code == 1
    assert "unknown name `deduction`" in result.stderr
    assert result.stdout == ""


# ---- test -------------------------------------------------------------------------------

TEST_YAML = """policy: p.policy
cases:
  - name: a clean week with one paid sign-up
    period: 2026-W44
    roster:
      - {employee_id: A, name: 甲, department: 前台, role: sd, hire_date: 2025-01-01}
      - {employee_id: B, name: 乙, department: 前台, role: sd, hire_date: 2025-01-01}
    events:
      - {event_id: e1, employee_id: A, type: member_signup, channel: paid,
         occurred_at: "2026-10-28T10:00:00+08:00"}
    expect:
      # A: 3 (no deductions) + pyramid 2 (1 sign-up is the second distinct value after
      # B's 0) = 5. B: 3 + 1 = 4.
      - {employee_id: A, period: 2026-W44, red: 5, green: 0, net: 5}
      - {employee_id: B, red: 4, values: {deductions: 0}}
  - name: a deduction costs the clean-week stars
    period: 2026-W44
    roster:
      - {employee_id: A, name: 甲, department: 前台, role: sd, hire_date: 2025-01-01}
    events:
      - {event_id: d1, employee_id: A, type: point_deduction,
         occurred_at: "2026-11-01T23:00:00+08:00"}
    expect:
      # no clean-week 3; alone, A's 0 sign-ups are the lowest value: pyramid 1.
      - {employee_id: A, red: 1, values: {deductions: 1}}
"""


def test_test_command_passing(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", PYRAMID)
    tests = write_text(tmp_path / "p_test.yaml", TEST_YAML)
    result = invoke(["test", str(tests)])
    assert result.exit_code == 0, result.output
    assert "a clean week with one paid sign-up" in result.stdout
    assert result.stdout.rstrip().endswith("2 passed, 0 failed")


def test_test_command_failing_names_case_field_values_and_lines(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", PYRAMID)
    wrong = TEST_YAML.replace("red: 1, values: {deductions: 1}", "red: 3, values: {deductions: 2}")
    tests = write_text(tmp_path / "p_test.yaml", wrong)
    result = invoke(["test", str(tests)])
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL" in out and "a deduction costs the clean-week stars" in out
    assert "red: expected 3, got 1" in out
    assert "values.deductions: expected 2, got 1" in out
    # The policy lines behind the fields: the red lines, and the let.
    assert "6 |   red 3 when deductions = 0" in out
    assert '7 |   red pyramid(count(member_signup where channel = "paid"))' in out
    assert "5 |   let deductions = count(point_deduction)" in out
    assert out.rstrip().endswith("1 passed, 1 failed")


# ---- data errors through `run` ----------------------------------------------------------


def test_a_bad_data_file_stops_the_run_and_keeps_nothing(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    bad = write_text(
        tmp_path / "bad.csv",
        "event_id,employee_id,type,occurred_at\n"
        "e1,A,complaint,2026-10-27T10:00:00+08:00\n"
        "e2,A,complaint,yesterday\n",  # line 3: not a time
    )
    result = invoke(["run", str(policy), "--period", "2026-W44", "--roster", str(roster),
                     "--events", str(bad), *db_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.stderr
    assert "yesterday" in result.stderr
    assert result.stdout == ""
    # Neither file was kept (one transaction), and no run was made.
    counts = store_rows(
        tmp_path,
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM roster), "
        "(SELECT count(*) FROM ingests)",
    )
    assert counts == [(0, 0, 0)]
    assert run_count(tmp_path) == 0


def test_a_policy_error_keeps_the_data_files_out_too(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH.replace("c = 0", "x = 0", 1))
    result = invoke(["run", str(policy), "--period", "2026-W44", *db_args(tmp_path),
                     *data_args(tmp_path)])  # fmt: skip
    assert result.exit_code == 1
    assert "nothing was run" in result.stderr
    # docs/data.md section 4: exit 1 is "an error in the policy or the data (reported,
    # nothing changed)".
    assert store_rows(tmp_path, "SELECT count(*) FROM ingests") == [(0,)]


# ---- usage errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "p.policy"],  # no --period
        ["run", "p.policy", "--period", "2026-10", "--format", "xml"],
        ["run", "--period", "2026-10"],  # no policy
        ["run", "missing.policy", "--period", "2026-10"],
        ["compile", "p.policy"],  # no --period
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    write_text(tmp_path / "p.policy", WEEK_MONTH)
    result = invoke([*args, *db_args(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr or "Error:" in result.stderr
    assert not (tmp_path / "store.duckdb").exists() or run_count(tmp_path) == 0


@pytest.mark.parametrize(
    "args", [["--period", "2026-13"], ["--period", "2026-10", "--as-of", "tomorrow"]]
)
def test_a_malformed_period_or_as_of_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    # Found before anything is opened or ingested: the store is not even created.
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    result = invoke(["run", str(policy), *args, *db_args(tmp_path)])
    assert result.exit_code == 2
    assert args[-1] in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "store.duckdb").exists()


def test_a_folder_where_nothing_applies_is_an_error(tmp_path: Path) -> None:
    # A batch in which no policy has a block of the period's kind ran nothing: exit 1.
    folder = tmp_path / "p"
    folder.mkdir()
    write_text(folder / "a.policy", 'policy "a"\neach year {\n  red 1\n}\n')
    write_text(folder / "b.policy", 'policy "b"\neach half {\n  red 1\n}\n')
    result = invoke(["run", str(folder), "--period", "2026-10", *db_args(tmp_path)])
    assert result.exit_code == 1
    assert "skipped" in result.output and "no policy here can run 2026-10" in result.output


# ---- a busy database --------------------------------------------------------------------


def test_a_busy_database_is_reported_without_a_traceback(
    tmp_path: Path, hold_database: Callable[[Path], AbstractContextManager[Path]]
) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_MONTH)
    db = tmp_path / "store.duckdb"
    assert invoke(["ingest", "--db", str(db), *data_args(tmp_path)]).exit_code == 0
    before = db.read_bytes()
    with hold_database(db):
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(
            [sys.executable, "-m", "starrating", "run", str(policy), "--period", "2026-W44",
             "--db", str(db), "--format", "json"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert done.returncode == 1
    assert "database is busy" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""
    assert db.read_bytes() == before


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/data.md section 4: long work shows a progress bar on a terminal and stays quiet
    # when the output is not a terminal (batch jobs, pipes, CliRunner).
    import io

    from starrating.cli.terminal import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress([1, 2, 3], "running") as steps:
        assert list(steps) == [1, 2, 3]
    assert "running" in terminal.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress([1, 2, 3], "running") as steps:
        assert list(steps) == [1, 2, 3]
    assert pipe.getvalue() == ""
