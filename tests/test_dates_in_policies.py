"""Date literals in policies: `applies to hire_date < 2026-01-01` (docs/language.md 5.1).

A date is one word, YYYY-MM-DD; it is checked to be in the calendar (E082), compared only
with dates (E020 otherwise), compiled to a DATE literal and evaluated the same way by the
engine and by the reference evaluator.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import invoke, write_text
from reference import evaluate as reference_evaluate

from starrating.language import ast as A
from starrating.language.checker import check_policy
from starrating.language.formatter import format_policy
from starrating.language.parser import parse

pytestmark = pytest.mark.usefixtures("in_tmp")

VETERANS = """policy "老员工" version 1
timezone "Asia/Shanghai"
applies to hire_date < 2026-01-01 and leave_date default 2099-12-31 >= 2026-10-15

each month {
  let n = count(praise)
  green 1 when hire_date >= 2025-01-01
}
"""

ROSTER = [
    # employee_id, hire_date, leave_date
    ("A", "2024-05-01", ""),  # hired long before: rated
    ("B", "2025-06-01", ""),  # rated, and hired in 2025: one green star
    ("C", "2026-01-01", ""),  # hired on the date itself: `<` leaves them out
    ("D", "2025-12-31", "2026-10-14"),  # left the day before 15 October: left out
    ("E", "2020-01-01", "2026-10-15"),  # left on 15 October: rated
]


def diagnostics(text: str) -> list[tuple[str, str, str | None]]:
    parsed = parse(text)
    assert parsed.policy is not None, parsed.diagnostics
    return [(d.code, d.message, d.help) for d in check_policy(parsed.policy).diagnostics]


def test_a_date_literal_is_a_date_node_and_formats_as_written() -> None:
    parsed = parse(VETERANS)
    assert parsed.policy is not None
    applies = parsed.policy.applies_to
    assert isinstance(applies, A.Binary)
    assert applies.left == A.Binary("<", A.Name("hire_date"), A.Date("2026-01-01"))
    assert format_policy(parsed.policy) == VETERANS
    assert diagnostics(VETERANS) == []


def test_dates_choose_the_rated_population_in_the_engine_and_the_reference(
    tmp_path: Path,
) -> None:
    policy = write_text(tmp_path / "veterans.policy", VETERANS)
    staff = write_text(
        tmp_path / "roster.csv",
        "employee_id,name,department,role,hire_date,leave_date\n"
        + "".join(f"{e},{e},前台,sd,{hire},{leave}\n" for e, hire, leave in ROSTER),
    )
    data = write_text(
        tmp_path / "events.csv",
        "event_id,employee_id,type,occurred_at,recorded_at,voids,value\n"
        "p1,B,praise,2026-10-10T10:00:00+08:00,,,\n",
    )
    store = tmp_path / "store.duckdb"
    arguments = ["run", str(policy), "--period", "2026-10", "--format", "json"]
    arguments += ["--db", str(store), "--roster", str(staff), "--events", str(data)]
    result = invoke(arguments)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout, parse_float=Decimal)
    engine = {r["employee_id"]: (r["values"]["n"], r["green"]) for r in document["results"]}
    assert engine == {"A": (0, 0), "B": (1, 1), "E": (0, 0)}

    parsed = parse(VETERANS)
    assert parsed.policy is not None
    roster = [
        {
            "employee_id": e,
            "name": e,
            "department": "前台",
            "role": "sd",
            "hire_date": date.fromisoformat(hire),
            "leave_date": date.fromisoformat(leave) if leave else None,
        }
        for e, hire, leave in ROSTER
    ]
    events = [
        {"employee_id": "B", "type": "praise", "local_date": date(2026, 10, 10), "value": None}
    ]
    rows = reference_evaluate(parsed.policy, "2026-10", roster, events)
    reference = {r["employee_id"]: (r["values"]["n"], r["green"]) for r in rows}
    assert reference == engine


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # A date is compared with dates only; a number in its place stays an error.
        (
            "hire_date < 2026",
            ("E020", "cannot compare a date with a number", None),
        ),
        # With spaces, it is arithmetic: 2026 minus 1 minus 1.
        (
            "hire_date < 2026 - 01 - 01",
            (
                "E020",
                "cannot compare a date with a number",
                "write a date as YYYY-MM-DD, without spaces: 2026-01-01",
            ),
        ),
        (
            "hire_date < 2026-02-30",
            (
                "E082",
                "`2026-02-30` is not a calendar date",
                "write the date as YYYY-MM-DD, e.g. 2026-01-01",
            ),
        ),
        (
            "role = 2026-01-01",
            ("E020", "cannot compare a text with a date", None),
        ),
        (
            "2026-01-01 + 1 > 0",
            ("E022", "cannot do arithmetic (`+`) with a date", None),
        ),
    ],
)
def test_dates_are_checked(condition: str, expected: tuple[str, str, str | None]) -> None:
    text = f'policy "x"\napplies to {condition}\neach month {{\n}}\n'
    found = diagnostics(text)
    if expected[2] is None:
        assert [(code, message) for code, message, _ in found] == [expected[:2]]
    else:
        assert found == [expected]
