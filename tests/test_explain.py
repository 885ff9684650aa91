"""`starrating explain`: a recorded result, line by line, down to the events behind it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import invoke

POLICY = """policy "前台周服务之星" version 1
timezone "Asia/Shanghai"

each week ending sunday {
  let warnings = count(verbal_warning)
  red 3 when warnings = 0
  red 1.5 when warnings = 1
  red pyramid(count(member_signup) within department)
  red 1 per praise_letter, at most 2
  veto "有责投诉" when count(complaint where responsible) > 0
  award "周服务之星" to top 1 by net within department
}
"""

ROSTER = """employee_id,name,department,role,hire_date
A,甲,前台,service_desk,2024-01-01
B,乙,前台,service_desk,2024-01-01
C,丙,前台,service_desk,2024-01-01
"""

EVENTS = """event_id,employee_id,type,occurred_at,responsible
a1,A,member_signup,2026-10-27T10:00:00+08:00,
a2,A,member_signup,2026-10-28T10:00:00+08:00,
a3,A,praise_letter,2026-10-28T11:00:00+08:00,
a4,A,praise_letter,2026-10-29T11:00:00+08:00,
a5,A,praise_letter,2026-10-30T11:00:00+08:00,
b1,B,verbal_warning,2026-10-27T09:00:00+08:00,
b2,B,member_signup,2026-10-27T10:00:00+08:00,
c1,C,complaint,2026-10-28T10:00:00+08:00,true
c2,C,member_signup,2026-10-28T10:00:00+08:00,
"""


@pytest.fixture
def run_id(record_run: Callable[..., tuple[Path, str]]) -> str:
    return record_run(POLICY, ROSTER, EVENTS, "2026-W44")[1]


def explain(*args: str) -> tuple[int, str]:
    result = invoke(["explain", *args, "--db", "s.duckdb"])
    return result.exit_code, result.output


def test_each_contributing_line_with_amount_and_events(run_id: str) -> None:
    code, out = explain(run_id, "--employee", "A")
    assert code == 0, out
    # red: 3 (clean week) + pyramid: A has 2 sign-ups, the most in 前台 of the non-vetoed
    # (B 1; C is vetoed and not ranked): place 2 of 2 -> 2; praise 3 letters capped at 2
    assert "2026-W44 (2026-10-26 to 2026-11-01): red 7, green 0, net 7" in out
    assert "line   6  red 3 when warnings = 0\n            red +3" in out
    assert "red +2 (pyramid: place 2 of 2 in 前台, value 2)" in out
    assert "events (2): a1, a2" in out
    assert "line   9  red 1 per praise_letter, at most 2\n            red +2" in out
    assert "events (3): a3, a4, a5" in out
    assert 'award "周服务之星": won: rank 1 of 2 in 前台, value 7' in out
    # a conditional line that did not contribute says why not (issue 10)
    assert (
        "line   7  red 1.5 when warnings = 1\n"
        "            did not apply: warnings = 1 is false (warnings = 0)"
    ) in out


def test_explain_lists_exactly_the_employees_own_events(run_id: str) -> None:
    code, out = explain(run_id, "--employee", "B")
    assert code == 0, out
    events = {e.strip() for line in out.splitlines() if "events (" in line
              for e in line.split(":", 1)[1].split(",")}  # fmt: skip
    assert events == {"b1", "b2"}
    assert "red +1.5" in out and "award" in out and "not won: rank 2 of 2" in out


def test_why_a_veto_fired(run_id: str) -> None:
    code, out = explain(run_id, "--employee", "C")
    assert code == 0, out
    assert "VETOED: 有责投诉" in out
    assert 'line  10  veto "有责投诉" when count(complaint where responsible) > 0' in out
    assert 'veto "有责投诉" fired' in out
    assert "events (1): c1" in out
    # vetoed: left out of the pyramid (adds nothing, so not shown) and of the award
    assert "pyramid" not in out
    assert 'award "周服务之星": not awarded: vetoed' in out and "won" not in out


def test_why_a_stars_line_matched(record_run: Callable[..., tuple[Path, str]]) -> None:
    policy = (
        'policy "m"\neach month {\n  let n = count(praise_letter)\n  stars {\n'
        "    5 when n >= 3\n    3 when n >= 1\n    1 otherwise\n  }\n"
        "  reward by stars { 5: 500, 3: 200 }\n}\n"
    )
    _db, run = record_run(policy, ROSTER, EVENTS, "2026-10")
    _code, out = explain(run, "--employee", "A")
    assert "line   5  5 when n >= 3\n            this stars line matched: 5 stars" in out
    assert "line   9  reward by stars { 5: 500, 3: 200 }\n            reward +500" in out
    _code, out = explain(run, "--employee", "B")
    assert "line   7  1 otherwise\n            this stars line matched: 1 stars" in out


def test_contributions_are_stored_with_the_run(run_id: str) -> None:
    con = duckdb.connect("s.duckdb", read_only=True)
    rows = con.execute(
        "SELECT DISTINCT employee_id FROM contributions WHERE run_id = ?", [run_id]
    ).fetchall()
    assert {r[0] for r in rows} == {"A", "B", "C"}


def test_unknown_run_employee_or_period(run_id: str) -> None:
    code, out = explain(run_id[:-1] + "x", "--employee", "A")
    assert code == 1 and "no run" in out and "did you mean" in out
    code, out = explain(run_id, "--employee", "Z")
    assert code == 1 and "is not rated" in out
    code, out = explain(run_id, "--employee", "A", "--period", "2026-W40")
    assert code == 1 and "their periods are: 2026-W44" in out


def test_a_store_without_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Explain reads runs through the one reader of recorded runs, which says so when the
    # store has none (before, DuckDB's "Table with name runs does not exist" escaped).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    ingested = invoke(["ingest", "--roster", "roster.csv", "--db", "s.duckdb"])
    assert ingested.exit_code == 0, ingested.output
    code, out = explain("20261102T000000-00000000", "--employee", "A")
    assert code == 1
    assert "no run 20261102T000000-00000000 in this store: it has no recorded runs" in out
    assert "internal error" not in out


def test_a_line_reading_two_aggregates_lists_each_event_once_in_order(
    record_run: Callable[..., tuple[Path, str]],
) -> None:
    # The letters are read first, so their ids come first until the lists are merged.
    policy = (
        'policy "p"\ntimezone "Asia/Shanghai"\neach week ending sunday {\n'
        "  red 1 when count(praise_letter) > 0 and count(member_signup) > 0\n"
        "  red 2 when count(complaint) > 0 and count(complaint where responsible) > 0\n}\n"
    )
    _db, run = record_run(policy, ROSTER, EVENTS, "2026-W44")
    _code, out = explain(run, "--employee", "A")
    assert "events (5): a1, a2, a3, a4, a5" in out
    # c1 is read by both aggregates of the line
    _code, out = explain(run, "--employee", "C")
    assert "red +2" in out and "events (1): c1" in out


def test_only_the_shown_period_keeps_contributions(
    record_run: Callable[..., tuple[Path, str]],
) -> None:
    # `for 2 consecutive months` evaluates September too; only October is shown and kept.
    policy = (
        'policy "m"\ntimezone "Asia/Shanghai"\neach month {\n'
        "  let letters = count(praise_letter)\n"
        '  award "稳定" when letters >= 1 for 2 consecutive months\n}\n'
    )
    events = EVENTS + "s1,A,praise_letter,2026-09-15T11:00:00+08:00,\n"
    _db, run = record_run(policy, ROSTER, events, "2026-10")
    con = duckdb.connect("s.duckdb", read_only=True)
    kept = con.execute(
        "SELECT period, event_ids FROM contributions WHERE run_id = ? AND employee_id = 'A' "
        "AND kind = 'value'",
        [run],
    ).fetchall()
    assert kept == [("2026-10", ["a3", "a4", "a5"])]
    _code, out = explain(run, "--employee", "A")
    assert 'award "稳定"' in out
