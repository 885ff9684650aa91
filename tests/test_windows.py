"""Rolling windows, ``over last N UNIT`` (docs/language.md 5.6.1): parsing, formatting and
evaluation end to end, with each unit's first day, as-of, labelled events, `effective`,
look-back blocks, explain, replay and the events digest."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import invoke, write_text

from starrating.compiler.plan import RollingWindow
from starrating.compiler.sql import window_start_sql
from starrating.language import ast as A
from starrating.language.formatter import format_policy
from starrating.language.parser import parse

pytestmark = pytest.mark.usefixtures("in_tmp")

ROSTER = """employee_id,name,department,hire_date
A,甲,前台,2024-01-01
B,乙,前台,2024-01-01
"""

HEADER = 'policy "窗口" version 1\ntimezone "Asia/Shanghai"\n'


def events_csv(*rows: str) -> str:
    """Rows ``id,employee,type,local date[,value[,for_period[,recorded_at]]]``, at 10:00
    Shanghai time, recorded on 2026-01-01 unless said."""
    lines = ["event_id,employee_id,type,occurred_at,value,for_period,recorded_at"]
    for row in rows:
        event_id, employee, kind, day, *rest = row.split(",")
        value, label, recorded = [*rest, "", "", ""][:3]
        recorded = recorded or "2025-01-01T00:00:00Z"
        lines.append(
            f"{event_id},{employee},{kind},{day}T10:00:00+08:00,{value},{label},{recorded}"
        )
    return "\n".join(lines) + "\n"


def run(policy: str, events: str, period: str, *extra: str) -> dict[str, object]:
    write_text(Path("p.policy"), HEADER + policy)
    write_text(Path("roster.csv"), ROSTER)
    write_text(Path("events.csv"), events)
    result = invoke(["run", "p.policy", "--period", period, "--roster", "roster.csv",
                     "--events", "events.csv", "--format", "json", "--db", "s.duckdb",
                     *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def values(document: dict[str, object], period: str, name: str) -> dict[str, object]:
    rows = document["results"]
    assert isinstance(rows, list)
    return {r["employee_id"]: r["values"][name] for r in rows if r["period"] == period}


# -- language ---------------------------------------------------------------------------


def test_parsed_with_the_window_on_the_aggregate() -> None:
    result = parse(
        HEADER + "each month {\n  let a = count(call where x > 1 over last 3 months)\n}\n"
    )
    assert result.policy is not None, result.diagnostics
    (let,) = result.policy.blocks[0].statements
    assert let.expr == A.Aggregate(
        "count",
        "call",
        where=A.Binary(">", A.Name("x"), A.Number("1")),
        window=A.Window(A.Number("3"), "months"),
    )
    window = let.expr.window
    assert (window.units, window.count) == ("months", 3)
    line = "  let a = count(call where x > 1 over last 3 months)"
    assert window.span is not None and (window.span.line, window.span.column) == (4, 34)
    assert line[33:51] == "over last 3 months" and window.span.end_column == 52
    assert window.unit_span is not None and window.unit_span.column == 46


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("count( call  where x>1  over  last 3  months )",
         "count(call where x > 1 over last 3 months)"),
        ("sum(call.value over last 1 year)", "sum(call.value over last 1 year)"),
        ("max(call.value over last (2) days)", "max(call.value over last 2 days)"),
        ("avg(call.value over last -(1 + 1) weeks)", "avg(call.value over last -(1 + 1) weeks)"),
        ("count(call over last 3 `dyas`)", "count(call over last 3 dyas)"),
        ("count(call over last 3 `da ys`)", "count(call over last 3 `da ys`)"),
    ],
)  # fmt: skip
def test_formatted_canonically_and_idempotently(written: str, canonical: str) -> None:
    text = HEADER + f"each month {{\n  let a = {written}\n}}\n"
    parsed = parse(text).policy
    assert parsed is not None
    formatted = format_policy(parsed)
    assert f"let a = {canonical}\n" in formatted
    again = parse(formatted).policy
    assert again == parsed and format_policy(again) == formatted


def test_over_and_last_are_reserved_and_day_is_not() -> None:
    result = parse(HEADER + "each month {\n  let over = 1\n}\n")
    assert result.policy is None
    assert result.diagnostics[0].message == "expected a name after `let`, found the keyword `over`"
    assert parse(HEADER + "each month {\n  let day = 1\n  let days = day\n}\n").policy is not None


# -- the window's first day, in SQL -----------------------------------------------------


@pytest.mark.parametrize(
    ("units", "count", "last", "first"),
    [
        ("days", 1, "2026-10-31", "2026-10-31"),
        ("days", 3, "2026-03-01", "2026-02-27"),
        ("weeks", 1, "2026-11-01", "2026-10-26"),
        ("weeks", 2, "2024-03-03", "2024-02-19"),
        ("months", 1, "2026-10-31", "2026-10-01"),
        ("months", 12, "2026-10-31", "2025-11-01"),
        ("months", 13, "2026-02-15", "2025-02-01"),
        ("quarters", 1, "2026-08-31", "2026-07-01"),
        ("quarters", 5, "2026-03-31", "2025-01-01"),
        ("halves", 1, "2026-06-30", "2026-01-01"),
        ("halves", 3, "2026-12-31", "2025-07-01"),
        ("years", 1, "2026-12-31", "2026-01-01"),
        ("years", 3, "2026-02-28", "2024-01-01"),
    ],
)
def test_window_start(units: str, count: int, last: str, first: str) -> None:
    start = window_start_sql(RollingWindow(units, count), "last_day")
    query = f"SELECT {start} FROM (SELECT CAST(? AS DATE) AS last_day)"
    found = duckdb.connect().execute(query, [last]).fetchone()[0]
    assert found == date.fromisoformat(first)


# -- evaluation -------------------------------------------------------------------------


def test_the_spec_examples_year_and_twelve_months() -> None:
    policy = """each month {
  let m12 = count(call over last 12 months)
  let own = count(call)
  let m1 = count(call over last 1 month)
}
each year {
  let y1 = count(call over last 1 years)
  let year_calls = count(call)
}
"""
    events = events_csv(
        "c1,A,call,2025-10-31",  # one day before the 12 months of 2026-10
        "c2,A,call,2025-11-01",  # their first day
        "c3,A,call,2026-10-31",  # their last day
        "c4,A,call,2026-11-01",  # the day after
        "c5,B,call,2026-01-01",
        "c6,B,call,2026-12-31",
        "c7,B,call,2027-01-01",
    )
    document = run(policy, events, "2026")
    assert values(document, "2026", "y1") == values(document, "2026", "year_calls")
    assert values(document, "2026", "y1") == {"A": 2, "B": 2}
    assert values(document, "2026-10", "m12") == {"A": 2, "B": 1}
    assert values(document, "2026-11", "m12") == {"A": 2, "B": 1}  # c2 .. c4; c5
    for month in ("2026-01", "2026-10", "2026-11", "2026-12"):
        assert values(document, month, "m1") == values(document, month, "own")


def test_days_and_weeks_across_a_month_end() -> None:
    policy = """each week {
  let d10 = count(call over last 10 days)
  let w2 = sum(call.value over last 2 weeks)
  let d1 = count(call over last 1 day)
}
"""
    # The week 2026-W44 runs from Monday 2026-10-26 to Sunday 2026-11-01.
    events = events_csv(
        "c1,A,call,2026-10-22,1",  # 11 days before the week's end: outside 10 days
        "c2,A,call,2026-10-23,2",  # the first of the 10 days
        "c3,A,call,2026-10-19,4",  # the first of the two weeks
        "c4,A,call,2026-10-18,8",  # the day before
        "c5,A,call,2026-11-01,16",  # the last day
    )
    document = run(policy, events, "2026-W44")
    assert values(document, "2026-W44", "d10") == {"A": 2, "B": 0}
    assert values(document, "2026-W44", "w2") == {"A": 23, "B": 0}  # c1 + c2 + c3 + c5
    assert values(document, "2026-W44", "d1") == {"A": 1, "B": 0}


def test_quarters_and_halves() -> None:
    policy = """each month {
  let q2 = count(call over last 2 quarters)
  let h1 = count(call over last 1 half)
  let h3 = count(call over last 3 halves)
  let smallest = min(call.value over last 3 halves)
}
"""
    events = events_csv(
        "c1,A,call,2025-06-30,5",
        "c2,A,call,2025-07-01,6",
        "c3,A,call,2026-03-31,7",
        "c4,A,call,2026-04-01,8",
        "c5,A,call,2026-07-01,9",
    )
    document = run(policy, events, "2026-08")
    assert values(document, "2026-08", "q2") == {"A": 2, "B": 0}  # from 2026-04-01
    assert values(document, "2026-08", "h1") == {"A": 1, "B": 0}  # from 2026-07-01
    assert values(document, "2026-08", "h3") == {"A": 4, "B": 0}  # from 2025-07-01
    # No event: a count is 0, a minimum missing, as for the instance's own events.
    assert values(document, "2026-08", "smallest") == {"A": 6, "B": None}


def test_as_of_hides_a_late_recorded_event_in_the_window() -> None:
    policy = "each month {\n  let m12 = count(call over last 12 months)\n}\n"
    events = events_csv(
        "c1,A,call,2026-03-05,,,2026-03-06T00:00:00Z",
        "c2,A,call,2026-04-05,,,2026-11-20T00:00:00Z",  # recorded late
    )
    late = run(policy, events, "2026-10", "--as-of", "2026-11-01T00:00:00Z")
    assert values(late, "2026-10", "m12") == {"A": 1, "B": 0}
    now = run(policy, events, "2026-10")
    assert values(now, "2026-10", "m12") == {"A": 2, "B": 0}


def test_a_labelled_event_counts_by_its_labels_last_day_in_any_block() -> None:
    policy = """each month {
  let votes_12m = count(vote over last 12 months)
  let votes = count(vote)
  let last_day = count(vote over last 1 day)
}
"""
    events = events_csv(
        "v1,A,vote,2027-01-12,,2026",  # for the year 2026: counted on 2026-12-31
        "v2,B,vote,2026-11-05,,2026-10",  # for October: counted on 2026-10-31
    )
    december = run(policy, events, "2026-12")
    assert values(december, "2026-12", "votes_12m") == {"A": 1, "B": 1}
    assert values(december, "2026-12", "last_day") == {"A": 1, "B": 0}
    # A month block never counts a vote for the year as its own event (docs 3.4).
    assert values(december, "2026-12", "votes") == {"A": 0, "B": 0}
    november = run(policy, events, "2026-11")
    assert values(november, "2026-11", "votes_12m") == {"A": 0, "B": 1}
    october = run(policy, events, "2026-10")
    assert values(october, "2026-10", "last_day") == {"A": 0, "B": 1}
    assert values(october, "2026-10", "votes") == {"A": 0, "B": 1}


def test_events_before_effective_count_in_a_window() -> None:
    policy = (
        "effective 2026-07-01\n"
        "each month {\n  let m3 = count(call over last 3 months)\n  let own = count(call)\n}\n"
    )
    events = events_csv("c1,A,call,2026-05-20", "c2,A,call,2026-07-02")
    document = run(policy, events, "2026-07")
    assert values(document, "2026-07", "m3") == {"A": 2, "B": 0}
    assert values(document, "2026-07", "own") == {"A": 1, "B": 0}


def test_windows_in_a_block_that_looks_back_and_under_a_longer_block() -> None:
    policy = """each week {
  let recent = count(call over last 14 days)
  green 1 when recent >= 1 for 2 consecutive weeks
}
each month {
  let busy_weeks = count(weeks where recent >= 2)
}
"""
    # Weeks of October 2026 end on 10-04, 10-11, 10-18, 10-25 (and 11-01 belongs to
    # November). A's calls: 09-28 and 10-06.
    events = events_csv("c1,A,call,2026-09-28", "c2,A,call,2026-10-06")
    document = run(policy, events, "2026-10")
    assert values(document, "2026-W41", "recent") == {"A": 2, "B": 0}  # 09-28 .. 10-11
    assert values(document, "2026-W42", "recent") == {"A": 1, "B": 0}  # 10-05 .. 10-18
    assert values(document, "2026-W43", "recent") == {"A": 0, "B": 0}
    rows = {(r["period"], r["employee_id"]): r for r in document["results"]}
    assert rows[("2026-W42", "A")]["green"] == 1  # W41 and W42 both held
    assert rows[("2026-W43", "A")]["green"] == 0
    assert values(document, "2026-10", "busy_weeks") == {"A": 1, "B": 0}


def test_explain_lists_the_windows_events_and_replay_is_identical(
    record_run: Callable[..., tuple[Path, str]],
) -> None:
    policy = HEADER + (
        "each month {\n"
        "  let m3 = count(call where value > 1 over last 3 months)\n"
        "  red 1 per call\n"
        '  veto "近三月通话" when m3 > 2\n'
        "}\n"
    )
    events = events_csv(
        "c1,A,call,2026-07-31,5",  # before the window
        "c2,A,call,2026-08-01,5",
        "c3,A,call,2026-09-15,1",  # filtered out
        "c4,A,call,2026-09-16,5",
        "c5,A,call,2026-10-02,5",
        "c6,A,call,2027-01-05,5,2026-09",  # for September: counted on 2026-09-30
    )
    _db, run_id = record_run(policy, ROSTER, events, "2026-10")
    result = invoke(["explain", run_id, "--employee", "A", "--db", "s.duckdb"])
    assert result.exit_code == 0, result.output
    # The window's events, not only October's, and the labelled one as explain shows it.
    assert "events (4): c2, c4, c5, c6 (dated 2027-01-05, for 2026-09)" in result.output
    assert "events (1): c5" in result.output  # `red 1 per call`: October's
    result = invoke(["replay", run_id, "--db", "s.duckdb"])
    assert result.exit_code == 0, result.output


def test_the_events_digest_covers_the_windows_days() -> None:
    policy = "each month {\n  let m12 = count(call over last 12 months)\n}\n"
    first = run(policy, events_csv("c1,A,call,2026-02-01"), "2026-10")
    Path("s.duckdb").unlink()
    second = run(policy, events_csv("c1,A,call,2026-02-02"), "2026-10")
    assert first["run"]["events_sha256"] != second["run"]["events_sha256"]
    assert values(first, "2026-10", "m12") == values(second, "2026-10", "m12")


def test_the_events_digest_covers_labelled_events_a_window_read() -> None:
    # A vote for the year 2026 is no event of any month, but December's 12-month window
    # reads it on 2026-12-31: a run of 2026-12 must notice it changing.
    policy = "each month {\n  let votes_12m = count(vote over last 12 months)\n}\n"
    first = run(policy, events_csv("v1,A,vote,2027-01-12,,2026"), "2026-12")
    Path("s.duckdb").unlink()
    second = run(policy, events_csv("v2,A,vote,2027-01-12,,2026"), "2026-12")
    assert values(first, "2026-12", "votes_12m") == values(second, "2026-12", "votes_12m")
    assert first["run"]["events_sha256"] != second["run"]["events_sha256"]


@pytest.mark.parametrize(
    ("window", "message", "hint"),
    [
        ("over 3 months", "expected `last` after `over`, found the number `3`",
         "a window is written `over last N UNIT`, e.g. `over last 3 months`"),
        ("over last months", "expected a value after `last`, found the keyword `months`",
         "a window is written `over last N UNIT`, e.g. `over last 3 months`"),
        ("over last 3", "expected the window's unit (days, weeks, months, quarters, halves or"
         " years) after `3`, found `)`", "for example `over last 3 months`"),
        ("over last 3 months where level > 1",
         "expected `)` after `months`, found the keyword `where`",
         "write the filter before the window: count(TYPE where FILTER over last N UNIT)"),
        ("where level > 1 last 3 months",
         "expected an operator, `)` or `over` after `1`, found the keyword `last`",
         "a window starts with `over`: `over last 3 months`"),
    ],
)  # fmt: skip
def test_a_window_written_wrong_gets_a_hint(window: str, message: str, hint: str) -> None:
    result = parse(HEADER + f"each month {{\n  let a = count(complaint {window})\n}}\n")
    assert result.policy is None
    first = result.diagnostics[0]
    assert (first.code, first.message, first.help) == ("E001", message, hint)
    assert first.span is not None and first.span.line == 4


def test_a_type_read_only_through_a_window_is_not_warned_of() -> None:
    policy = (
        "each month {\n  let m3 = count(call over last 3 months)\n  let own = count(praise)\n}\n"
    )
    write_text(Path("p.policy"), HEADER + policy)
    write_text(Path("roster.csv"), ROSTER)
    write_text(Path("events.csv"), events_csv("c1,A,call,2026-09-02", "p1,A,praise,2026-08-02"))
    result = invoke(["run", "p.policy", "--period", "2026-10", "--roster", "roster.csv",
                     "--events", "events.csv", "--db", "s.duckdb", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert values(document, "2026-10", "m3") == {"A": 1, "B": 0}
    warnings = document["run"]["warnings"]
    assert any('no "praise" events' in w for w in warnings), warnings
    assert not any('"call"' in w for w in warnings), warnings
