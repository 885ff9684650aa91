"""The reference evaluator (tests/reference.py) against hand-worked results.

Every expectation here was worked out by hand from docs/language.md
(the working is in the comments), so that the reference can then serve as the oracle
for the DuckDB engine.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import ROW_KEYS
from reference import evaluate, norm
from samples import LANGUAGE_EXAMPLE
from test_conformance import close

from starrating.language import ast as A
from starrating.language.catalog import NUMBER, STANDARD_ROSTER_ATTRIBUTES, TEXT, Catalog
from starrating.language.parser import parse
from starrating.store.records import canonical_json

D = Decimal
CONFORMANCE = Path(__file__).resolve().parent / "conformance"


# ---- helpers ----------------------------------------------------------------------------


def policy_of(text: str) -> A.Policy:
    parsed = parse(text)
    assert parsed.diagnostics == [], [(d.code, d.message) for d in parsed.diagnostics]
    assert parsed.policy is not None
    return parsed.policy


def emp(
    employee_id: str,
    department: str | None = "前台",
    role: str | None = "service_desk",
    hire: str = "2024-01-01",
    leave: str | None = None,
) -> dict:
    return {
        "employee_id": employee_id,
        "name": employee_id,
        "department": department,
        "role": role,
        "hire_date": date.fromisoformat(hire),
        "leave_date": date.fromisoformat(leave) if leave else None,
    }


def ev(employee_id: str, type_: str, day: str, value: str | None = None, **attrs) -> dict:
    return {
        "employee_id": employee_id,
        "type": type_,
        "local_date": date.fromisoformat(day),
        "value": D(value) if value is not None else None,
        **attrs,
    }


def run(text: str, period: str, roster: list[dict], events: list[dict]) -> list[dict]:
    return evaluate(policy_of(text), period, roster, events)


def by_id(rows: list[dict], period: str) -> dict[str, dict]:
    return {r["employee_id"]: r for r in rows if r["period"] == period}


def values(rows: list[dict], period: str, name: str) -> dict[str, object]:
    return {e: r["values"][name] for e, r in by_id(rows, period).items()}


def field(rows: list[dict], period: str, name: str) -> dict[str, object]:
    return {e: r[name] for e, r in by_id(rows, period).items()}


# ---- norm -------------------------------------------------------------------------------


def test_norm() -> None:
    assert str(norm(D("7.5000"))) == "7.5"
    assert str(norm(D("3.00"))) == "3"
    assert str(norm(D("100"))) == "100"  # not 1E+2
    assert str(norm(D("-0.0"))) == "0"
    assert str(norm(D("89.8666666664"))) == "89.8666666664"
    assert norm(None) is None


# ---- conformance cases ------------------------------------------------------------------


def load_case(name: str) -> tuple[A.Policy, list[dict], list[dict], dict]:
    folder = CONFORMANCE / name
    policy = policy_of((folder / "policy.policy").read_text(encoding="utf-8"))
    zone = ZoneInfo(policy.timezone or "UTC")
    roster = []
    with (folder / "roster.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            roster.append(
                {
                    **{k: (v if v != "" else None) for k, v in row.items()},
                    "hire_date": date.fromisoformat(row["hire_date"]),
                    "leave_date": date.fromisoformat(row["leave_date"])
                    if row["leave_date"]
                    else None,
                }
            )
    events = []
    with (folder / "events.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            events.append(
                {
                    "employee_id": row["employee_id"],
                    "type": row["type"],
                    "local_date": local_date(datetime.fromisoformat(row["occurred_at"]), zone),
                    "value": D(row["value"]) if row["value"] else None,
                }
            )
    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    return policy, roster, events, case


def local_date(occurred_at: datetime, zone: ZoneInfo) -> date:
    """docs/data.md section 1: an offset is an instant, converted to the policy's zone; a
    time without one is already local."""
    if occurred_at.tzinfo is None:
        return occurred_at.date()
    return occurred_at.astimezone(zone).date()


def matches(have: object, want: object) -> bool:
    """A case.yaml expectation, compared as tests/test_conformance.py compares the JSON
    that `run` prints: the reference's value goes through the same JSON first."""
    return close(json.loads(canonical_json(have)), want)


@pytest.mark.parametrize("name", ["c1_weekly_red_green", "c2_monthly_stars"], ids=["c1", "c2"])
def test_conformance_case(name: str) -> None:
    policy, roster, events, case = load_case(name)
    for step in case["steps"]:
        if "run" not in step:
            continue
        period = str(step["run"]["period"])
        rows = evaluate(policy, period, roster, events)
        assert all(list(r) == ROW_KEYS for r in rows)
        if "rows" in step:
            assert len(rows) == step["rows"]
        found = {(r["employee_id"], r["period"]): r for r in rows}
        for expected in step.get("expect", []):
            row = found[(expected["employee_id"], str(expected["period"]))]
            for key, want in expected.items():
                if key in ("employee_id", "period"):
                    continue
                assert matches(row[key], want), (expected["employee_id"], key, row[key], want)
        for absent in step.get("absent", []):
            assert (absent["employee_id"], str(absent["period"])) not in found


def test_c2_total_is_quantised_after_each_operation() -> None:
    # Q2: customer = avg(4, 4, 5) = 13/3 -> 4.333333333333333333 (18 places); attitude =
    # 100 - 2*4 = 92; total = 0.6 * 92 + 8 * 4.333333333333333333 = 55.2 +
    # 34.666666666666666664 = 89.866666666666666664, shown at 6 places: 89.866667.
    policy, roster, events, _ = load_case("c2_monthly_stars")
    rows = evaluate(policy, "2026-09", roster, events)
    q2 = by_id(rows, "2026-09")["Q2"]
    assert q2["values"] == {
        "customer": D("4.333333"),
        "attitude": D("92"),
        "total": D("89.866667"),
    }
    # The October survey of Q1 lies outside September.
    assert by_id(rows, "2026-09")["Q1"]["values"]["customer"] == D("5")


# ---- the docs/language.md section 1 example ----------------------------------------------------

EXAMPLE_ROSTER = [
    emp("A1", "前台", hire="2025-01-01"),
    emp("A2", "前台", hire="2025-01-01"),
    # tenure >= 1 first holds on 2026-11-15 (15 Oct + 1 month), so A3 is rated from the
    # week ending 15 Nov; in October (ends 31 Oct, tenure 0) A3 is not rated.
    emp("A3", "收银", hire="2026-10-15"),
    emp("A4", "保洁", role="cleaner", hire="2025-01-01"),  # never rated: not service_desk
    # leaves 10 Nov: rated in the weeks ending 1, 8 and 15 Nov and in November.
    emp("A5", "收银", hire="2025-03-01", leave="2026-11-10"),
]

EXAMPLE_EVENTS = [
    ev("A2", "exam", "2026-09-15", "70"),  # earliest event: history starts in September
    ev("A1", "praise_letter", "2026-10-28"),  # October day of the week ending 1 Nov
    ev("A2", "verbal_warning", "2026-11-03"),
    ev("A5", "complaint", "2026-11-05", level=D(1), responsible=True),
    ev("A1", "member_signup", "2026-11-10", channel="free_with_purchase"),
    ev("A1", "member_signup", "2026-11-11", channel="free_with_purchase"),
    ev("A2", "member_signup", "2026-11-12", channel="free_with_purchase"),
    *[ev("A2", "praise_letter", f"2026-11-{d}") for d in (16, 17, 18, 19, 20)],
    ev("A2", "complaint", "2026-11-17", level=D(1), responsible=False),
    ev("A2", "complaint", "2026-11-18", level=D(2)),  # responsible missing
    ev("A2", "complaint", "2026-11-18", level=D(2), responsible=False),
    ev("A2", "complaint", "2026-11-19", level=D(3), responsible=False),
    ev("A2", "complaint", "2026-11-19", level=D(2), responsible=None),
    ev("A1", "exam", "2026-11-20", "92"),
    ev("A2", "exam", "2026-11-20", "80"),
    ev("A1", "suggestion", "2026-11-25"),
    ev("A4", "praise_letter", "2026-11-25"),
]


def test_language_example_november() -> None:
    rows = run(LANGUAGE_EXAMPLE, "2026-11", EXAMPLE_ROSTER, EXAMPLE_EVENTS)
    # Weeks rolling into November (by their last day): W44 (26 Oct - 1 Nov), W45, W46,
    # W47, W48 (23-29 Nov); the week ending 6 Dec belongs to December.
    # Rated: W44, W45: A1 A2 A5; W46: A1 A2 A3 A5; W47, W48: A1 A2 A3; month: A1 A2 A3 A5.
    assert [(r["period"], r["employee_id"]) for r in rows] == [
        *[("2026-W44", e) for e in ("A1", "A2", "A5")],
        *[("2026-W45", e) for e in ("A1", "A2", "A5")],
        *[("2026-W46", e) for e in ("A1", "A2", "A3", "A5")],
        *[("2026-W47", e) for e in ("A1", "A2", "A3")],
        *[("2026-W48", e) for e in ("A1", "A2", "A3")],
        *[("2026-11", e) for e in ("A1", "A2", "A3", "A5")],
    ]
    assert by_id(rows, "2026-W44")["A1"]["period_start"] == "2026-10-26"
    assert by_id(rows, "2026-W44")["A1"]["period_end"] == "2026-11-01"
    # A quiet week: red 3 (clean) + pyramid 1 + 1 + 1 (everybody has 0 of each, and the
    # lowest distinct value gets 1) = 6.
    # W44: A1 has the October praise letter: 6 + 1 = 7. 前台: A1 (7) beats A2 (6);
    #      收银: A5 alone.
    # W45: A2 has one warning: red 2 + 1 + 1 + 1 = 5. Winners A1 (6 > 5) and A5.
    # W46: free signups A1 2, A2 1, A3 0, A5 0 -> pyramid 3, 2, 1, 1:
    #      A1 3+3+1+1 = 8, A2 3+2+1+1 = 7, A3 6, A5 6. Winners A1; A3 and A5 tie at the cut.
    # W47: A2 has 5 praise letters, at most 3: 9. A1 6, A3 6. Winners A2, A3.
    # W48: suggestions A1 1, others 0 -> pyramid 2 for A1: 3+1+1+2 = 7. Winners A1, A3.
    assert field(rows, "2026-W44", "red") == {"A1": 7, "A2": 6, "A5": 6}
    assert field(rows, "2026-W45", "red") == {"A1": 6, "A2": 5, "A5": 6}
    assert field(rows, "2026-W46", "red") == {"A1": 8, "A2": 7, "A3": 6, "A5": 6}
    assert field(rows, "2026-W47", "red") == {"A1": 6, "A2": 9, "A3": 6}
    assert field(rows, "2026-W48", "red") == {"A1": 7, "A2": 6, "A3": 6}
    for period in ("2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        for row in by_id(rows, period).values():
            assert row["green"] == 0 and row["net"] == row["red"]
            assert row["stars"] is None and row["reward"] == 0 and not row["vetoed"]
    assert values(rows, "2026-W45", "warnings") == {"A1": 0, "A2": 1, "A5": 0}
    assert values(rows, "2026-W45", "deductions") == {"A1": 0, "A2": 0, "A5": 0}
    star = ["周服务之星"]
    assert field(rows, "2026-W44", "awards") == {"A1": star, "A2": [], "A5": star}
    assert field(rows, "2026-W45", "awards") == {"A1": star, "A2": [], "A5": star}
    assert field(rows, "2026-W46", "awards") == {"A1": star, "A2": [], "A3": star, "A5": star}
    assert field(rows, "2026-W47", "awards") == {"A1": [], "A2": star, "A3": star}
    assert field(rows, "2026-W48", "awards") == {"A1": star, "A2": [], "A3": star}

    # November. Weekly wins: A1 4 (W44 W45 W46 W48), A2 1, A3 3 (W46 W47 W48), A5 3.
    # A1: exam 92 -> +5: 105, never above 100 -> 100 (the praise letter of 28 Oct is in
    #     October). Stars 5. 月度服务明星 (4 wins). 优先晋升: stars 5 in September (no
    #     events, 100), October (100 + 2 -> 100) and November, and September is where
    #     history starts. Reward 500 + 100 = 600.
    # A2: complaints level 1: -5; level >= 2: 4 x 10 = 40, at most 30: -30; praise 5 x 2 =
    #     10, at most 10: +10; exam 80: no bonus. 100 - 5 - 30 + 10 = 75 -> stars 3.
    #     Responsible complaints: none (false or missing). Reward 200.
    # A3: no events: 100 -> 5; 3 wins -> 月度服务明星; not rated in October -> no
    #     优先晋升. Reward 600.
    # A5: a responsible complaint -> vetoed: stars null, no awards (despite 3 wins),
    #     reward 0; service 100 - 5 = 95 still reported.
    month = by_id(rows, "2026-11")
    assert field(rows, "2026-11", "values") == {
        "A1": {"exam": 92, "service": 100},
        "A2": {"exam": 80, "service": 75},
        "A3": {"exam": 0, "service": 100},
        "A5": {"exam": 0, "service": 95},
    }
    assert field(rows, "2026-11", "stars") == {"A1": 5, "A2": 3, "A3": 5, "A5": None}
    assert field(rows, "2026-11", "awards") == {
        "A1": ["月度服务明星", "优先晋升"],
        "A2": [],
        "A3": ["月度服务明星"],
        "A5": [],
    }
    assert field(rows, "2026-11", "reward") == {"A1": 600, "A2": 200, "A3": 600, "A5": 0}
    assert field(rows, "2026-11", "vetoed") == {"A1": False, "A2": False, "A3": False, "A5": True}
    assert month["A5"]["veto_reasons"] == ["有责投诉"]
    assert month["A1"]["period_start"] == "2026-11-01"
    assert (month["A1"]["red"], month["A1"]["green"], month["A1"]["net"]) == (0, 0, 0)
    assert all(list(r) == ROW_KEYS for r in rows)


def test_language_example_october() -> None:
    rows = run(LANGUAGE_EXAMPLE, "2026-10", EXAMPLE_ROSTER, EXAMPLE_EVENTS)
    # October's weeks (W40..W43, ending 4..25 Oct) are all quiet: A1 and A2 tie in 前台
    # every week (both win: a tie at the cut), A5 is alone in 收银; A3 is not rated.
    assert {r["period"] for r in rows} == {
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-10",
    }
    month = by_id(rows, "2026-10")
    assert sorted(month) == ["A1", "A2", "A5"]
    # 4 wins each -> 月度服务明星; 优先晋升 needs August too, before history starts.
    assert field(rows, "2026-10", "awards") == {e: ["月度服务明星"] for e in ("A1", "A2", "A5")}
    assert field(rows, "2026-10", "reward") == {"A1": 600, "A2": 600, "A5": 600}


# ---- tallies, scores, stars -------------------------------------------------------------

H = 'policy "t"\n'


def test_half_stars_stay_exact() -> None:
    text = (
        H
        + """each week {
      let w = count(verbal_warning)
      red 1.5 when w = 2
      red 0.5 per praise_letter
      green 0.25 per late
    }"""
    )
    events = [
        ev("E1", "verbal_warning", "2026-11-03"),
        ev("E1", "verbal_warning", "2026-11-04"),
        *[ev("E2", "praise_letter", "2026-11-05") for _ in range(3)],
        ev("E2", "late", "2026-11-06"),
    ]
    rows = run(text, "2026-W45", [emp("E1"), emp("E2")], events)
    # E1: 1.5 (two warnings). E2: 0.5 x 3 = 1.5 red, 0.25 green, net 1.25.
    assert field(rows, "2026-W45", "red") == {"E1": D("1.5"), "E2": D("1.5")}
    assert str(by_id(rows, "2026-W45")["E1"]["red"]) == "1.5"
    assert field(rows, "2026-W45", "green") == {"E1": 0, "E2": D("0.25")}
    assert field(rows, "2026-W45", "net") == {"E1": D("1.5"), "E2": D("1.25")}


def test_per_with_at_most() -> None:
    text = (
        H
        + """each week {
      red 1 per praise_letter, at most 3
      green 2 per complaint where level >= 2, at most 5
      red 1 per suggestion when count(complaint) = 0, at most 2
    }"""
    )
    events = [
        *[ev("E1", "praise_letter", "2026-11-03") for _ in range(5)],
        *[ev("E1", "suggestion", "2026-11-03") for _ in range(4)],
        *[ev("E2", "praise_letter", "2026-11-03") for _ in range(2)],
        ev("E2", "complaint", "2026-11-04", level=D(2)),
        ev("E2", "complaint", "2026-11-04", level=D(3)),
        ev("E2", "complaint", "2026-11-04", level=D(1)),
        *[ev("E3", "complaint", "2026-11-04", level=D(2)) for _ in range(3)],
        *[ev("E3", "suggestion", "2026-11-03") for _ in range(4)],
    ]
    rows = run(text, "2026-W45", [emp("E1"), emp("E2"), emp("E3")], events)
    # E1: praise 5 -> 3; no complaints, suggestions 4 -> at most 2: red 5.
    # E2: praise 2; complaints of level >= 2: 2 x 2 = 4 (under the cap 5).
    # E3: complaints 3 x 2 = 6 -> 5; suggestions count 0 because it has complaints.
    assert field(rows, "2026-W45", "red") == {"E1": 5, "E2": 2, "E3": 0}
    assert field(rows, "2026-W45", "green") == {"E1": 0, "E2": 4, "E3": 5}
    assert field(rows, "2026-W45", "net") == {"E1": 5, "E2": -2, "E3": -5}


def test_score_adjustments_and_clamps() -> None:
    text = (
        H
        + """each month {
      score low starts at 10 { minus 4 per complaint  never below 0 }
      score high starts at 10 { plus 5 per praise_letter  never above 12 }
      score both starts at 10 { never above 5  never below 8 }
      score capped starts at 100 { minus 10 per complaint, at most 25 }
      score nobase starts at avg(sale.value) { plus 1 }
    }"""
    )
    events = [
        *[ev("E1", "complaint", "2026-11-03") for _ in range(3)],
        ev("E2", "praise_letter", "2026-11-03"),
        ev("E2", "sale", "2026-11-03", "4.5"),
    ]
    rows = run(text, "2026-11", [emp("E1"), emp("E2")], events)
    # low: E1 10 - 12 = -2 -> never below 0; E2 10.
    # high: E2 10 + 5 = 15 -> never above 12.
    # both: clamps apply below-then-above whatever the file order: max(10, 8) = 10,
    #       then min(10, 5) = 5 (above-then-below would give 8).
    # capped: E1 3 x 10 = 30, at most 25 -> 75.
    # nobase: a missing base makes the score missing; E2 4.5 + 1 = 5.5.
    assert values(rows, "2026-11", "low") == {"E1": 0, "E2": 10}
    assert values(rows, "2026-11", "high") == {"E1": 10, "E2": 12}
    assert values(rows, "2026-11", "both") == {"E1": 5, "E2": 5}
    assert values(rows, "2026-11", "capped") == {"E1": 75, "E2": 100}
    assert values(rows, "2026-11", "nobase") == {"E1": None, "E2": D("5.5")}


def test_stars_first_match_and_otherwise() -> None:
    with_otherwise = (
        H
        + """each month {
      let n = count(sale)
      stars { 3 when n >= 1  5 when n >= 2  1 otherwise }
    }"""
    )
    events = [ev("E1", "sale", "2026-11-02"), ev("E1", "sale", "2026-11-03")]
    rows = run(with_otherwise, "2026-11", [emp("E1"), emp("E2")], events)
    # E1 n = 2 matches both lines; the first (3) wins. E2 n = 0 -> otherwise 1.
    assert field(rows, "2026-11", "stars") == {"E1": 3, "E2": 1}

    without = (
        H
        + """each month {
      let n = count(sale)
      stars { 5 when n >= 2  4 when n >= 1 }
      reward by stars { 5: 50, 4: 40 }
    }"""
    )
    rows = run(without, "2026-11", [emp("E1"), emp("E2")], events)
    # E2 matches no line and there is no otherwise: no star level, no star reward.
    assert field(rows, "2026-11", "stars") == {"E1": 5, "E2": None}
    assert field(rows, "2026-11", "reward") == {"E1": 50, "E2": 0}


# ---- vetoes -----------------------------------------------------------------------------


def test_veto() -> None:
    text = (
        H
        + """each month {
      let sales = count(sale)
      veto "旷工" when count(absence) > 0
      veto "违纪" when count(discipline) > 0
      red pyramid(sales)
      let r = rank(sales)
      stars { 5 when sales >= 1  1 otherwise }
      award "A" to top 1 by count(absence)
      award "参与"
      reward 100
    }"""
    )
    roster = [emp("E1"), emp("E2"), emp("E3"), emp("E4"), emp("E5")]
    events = [
        *[ev("E1", "sale", "2026-11-02") for _ in range(2)],
        ev("E1", "discipline", "2026-11-04"),  # listed before the absence on purpose
        ev("E1", "absence", "2026-11-05"),
        *[ev("E2", "sale", "2026-11-02") for _ in range(3)],
        ev("E3", "sale", "2026-11-02"),
        ev("E5", "discipline", "2026-11-04"),
    ]
    rows = run(text, "2026-11", roster, events)
    month = by_id(rows, "2026-11")
    # E1 and E5 are vetoed; reasons in the policy's order.
    assert field(rows, "2026-11", "veto_reasons") == {
        "E1": ["旷工", "违纪"],
        "E2": [],
        "E3": [],
        "E4": [],
        "E5": ["违纪"],
    }
    assert field(rows, "2026-11", "vetoed") == {
        "E1": True,
        "E2": False,
        "E3": False,
        "E4": False,
        "E5": True,
    }
    # Values are still computed for the vetoed; rankings are not (missing), so the
    # pyramid line adds nothing for them.
    assert values(rows, "2026-11", "sales") == {"E1": 2, "E2": 3, "E3": 1, "E4": 0, "E5": 0}
    # Among E2 (3), E3 (1), E4 (0): pyramid 3, 2, 1 (with E1's 2 it would be 4, 2, 1);
    # rank 1, 2, 3 (with E1 it would be 1, 3, 4).
    assert field(rows, "2026-11", "red") == {"E1": 0, "E2": 3, "E3": 2, "E4": 1, "E5": 0}
    assert field(rows, "2026-11", "net") == {"E1": 0, "E2": 3, "E3": 2, "E4": 1, "E5": 0}
    assert values(rows, "2026-11", "r") == {"E1": None, "E2": 1, "E3": 2, "E4": 3, "E5": None}
    assert field(rows, "2026-11", "stars") == {"E1": None, "E2": 5, "E3": 5, "E4": 1, "E5": None}
    # "A" by count(absence): E1 (1) would win alone; without it E2, E3, E4 tie at 0.
    assert month["E1"]["awards"] == [] and month["E5"]["awards"] == []
    assert month["E2"]["awards"] == ["A", "参与"]
    assert month["E4"]["awards"] == ["A", "参与"]
    assert field(rows, "2026-11", "reward") == {"E1": 0, "E2": 100, "E3": 100, "E4": 100, "E5": 0}


# ---- rankings ---------------------------------------------------------------------------


def test_pyramid_ties_missing_and_within() -> None:
    text = (
        H
        + """each week {
      let a = avg(sale.value)
      let p = pyramid(a)
      red pyramid(a within department)
    }"""
    )
    roster = [emp("E1", "X"), emp("E2", "X"), emp("E3", "Y"), emp("E4", "Y"), emp("E5", None)]
    events = [
        ev("E1", "sale", "2026-11-03", "4"),
        ev("E1", "sale", "2026-11-03", "6"),
        ev("E2", "sale", "2026-11-03", "5"),
        ev("E3", "sale", "2026-11-03", "7"),
        ev("E5", "sale", "2026-11-03", "9"),
    ]
    rows = run(text, "2026-W45", roster, events)
    # a: E1 5, E2 5, E3 7, E4 missing, E5 9. Distinct ascending 5, 7, 9 -> 1, 1, 2, 0, 3.
    assert values(rows, "2026-W45", "p") == {"E1": 1, "E2": 1, "E3": 2, "E4": 0, "E5": 3}
    # Within department: X {5, 5} -> 1, 1; Y {7, missing} -> 1, 0; no department {9} -> 1.
    assert field(rows, "2026-W45", "red") == {"E1": 1, "E2": 1, "E3": 1, "E4": 0, "E5": 1}


def test_rank_shares_and_skips() -> None:
    text = (
        H
        + """each week {
      let r = rank(avg(sale.value))
      let rd = rank(count(sale) within department)
    }"""
    )
    roster = [emp("E1", "X"), emp("E2", "X"), emp("E3", "X"), emp("E4", "Y")]
    events = [
        ev("E1", "sale", "2026-11-03", "7"),
        ev("E2", "sale", "2026-11-03", "7"),
        ev("E3", "sale", "2026-11-03", "5"),
        ev("E3", "sale", "2026-11-03", "5"),
    ]
    rows = run(text, "2026-W45", roster, events)
    # avg: 7, 7, 5, missing -> 1, 1, 3, missing.
    assert values(rows, "2026-W45", "r") == {"E1": 1, "E2": 1, "E3": 3, "E4": None}
    # count within department: X {1, 1, 2} -> 2, 2, 1; Y {0} -> 1 (a count is never missing).
    assert values(rows, "2026-W45", "rd") == {"E1": 2, "E2": 2, "E3": 1, "E4": 1}


# ---- awards -----------------------------------------------------------------------------


def sales(counts: dict[str, int], day: str = "2026-11-03") -> list[dict]:
    return [ev(e, "sale", day, "1") for e, n in counts.items() for _ in range(n)]


def test_top_n_ties_at_the_cut() -> None:
    text = (
        H
        + """each month {
      award "two" to top 2 by count(sale)
      award "three" to top 3 by count(sale)
      award "one" to top 1 by count(sale)
    }"""
    )
    roster = [emp(e) for e in ("E1", "E2", "E3", "E4")]
    rows = run(text, "2026-11", roster, sales({"E1": 5, "E2": 3, "E3": 3, "E4": 1}))
    # Ranks 1, 2, 2, 4: top 2 and top 3 both give E1 E2 E3; top 1 gives E1.
    assert field(rows, "2026-11", "awards") == {
        "E1": ["two", "three", "one"],
        "E2": ["two", "three"],
        "E3": ["two", "three"],
        "E4": [],
    }


def test_top_percent_takes_the_ceiling() -> None:
    text = (
        H
        + """each month {
      award "p30" to top 30% by avg(sale.value)
      award "p10" to top 10% by avg(sale.value)
      award "p50" to top 50% by avg(sale.value)
    }"""
    )
    roster = [emp(e) for e in ("E1", "E2", "E3", "E4", "E5")]
    events = [
        ev("E1", "sale", "2026-11-03", "9"),
        ev("E2", "sale", "2026-11-03", "8"),
        ev("E3", "sale", "2026-11-03", "7"),
        ev("E4", "sale", "2026-11-03", "6"),
    ]
    rows = run(text, "2026-11", roster, events)
    # E5 has no key (avg missing): 4 candidates. 30%: ceil(1.2) = 2; 10%: ceil(0.4) = 1;
    # 50%: ceil(2.0) = 2.
    assert field(rows, "2026-11", "awards") == {
        "E1": ["p30", "p10", "p50"],
        "E2": ["p30", "p50"],
        "E3": [],
        "E4": [],
        "E5": [],
    }


def test_then_by() -> None:
    text = (
        H
        + """each month {
      award "T" to top 1 by count(sale) then by sum(sale.value)
      award "U" to top 1 by count(sale) then by avg(tip.value)
      award "V" to top 1 by count(sale) then by count(tip)
    }"""
    )
    roster = [emp(e) for e in ("E1", "E2", "E3", "E4")]
    events = [
        ev("E1", "sale", "2026-11-03", "4"),
        ev("E1", "sale", "2026-11-03", "6"),
        ev("E2", "sale", "2026-11-03", "5"),
        ev("E2", "sale", "2026-11-03", "7"),
        ev("E2", "tip", "2026-11-03", "1"),
        ev("E3", "sale", "2026-11-03", "50"),
        ev("E4", "sale", "2026-11-03", "1"),
        ev("E4", "sale", "2026-11-03", "1"),
        ev("E4", "tip", "2026-11-03", "3"),
    ]
    rows = run(text, "2026-11", roster, events)
    # count(sale): E1 2, E2 2, E3 1, E4 2.
    # T: sums E1 10, E2 12, E4 2 -> E2.
    # U: avg tips E1 missing (sorts last), E2 1, E4 3 -> E4.
    # V: count(tip) E1 0, E2 1, E4 1 -> E2 and E4 equal on every key: both win.
    assert field(rows, "2026-11", "awards") == {
        "E1": [],
        "E2": ["T", "V"],
        "E3": [],
        "E4": ["U", "V"],
    }


def test_award_within_department() -> None:
    text = (
        H
        + """each month {
      award "best" to top 1 by count(sale) within department
    }"""
    )
    roster = [emp("E1", "X"), emp("E2", "X"), emp("E3", "Y"), emp("E4", None), emp("E5", None)]
    rows = run(text, "2026-11", roster, sales({"E1": 3, "E2": 1, "E3": 2}))
    # X: E1; Y: E3; no department is a group of its own: E4 and E5 tie at 0.
    assert field(rows, "2026-11", "awards") == {
        "E1": ["best"],
        "E2": [],
        "E3": ["best"],
        "E4": ["best"],
        "E5": ["best"],
    }


def test_awarded_chain_uses_dependency_order() -> None:
    # Declared B, C, A although B and C depend on A.
    text = (
        H
        + """each month {
      let n = count(sale)
      award "B" when awarded("A") and n >= 3
      award "C" to top 1 by n when not awarded("A")
      award "A" to top 2 by n
      reward 10 when awarded("C")
    }"""
    )
    roster = [emp(e) for e in ("E1", "E2", "E3", "E4")]
    rows = run(text, "2026-11", roster, sales({"E1": 5, "E2": 4, "E3": 3, "E4": 1}))
    # A: E1, E2. B: A-winners with n >= 3: E1, E2. C: best of the others: E3.
    # Awards are listed in the policy's order (B, C, A).
    assert field(rows, "2026-11", "awards") == {
        "E1": ["B", "A"],
        "E2": ["B", "A"],
        "E3": ["C"],
        "E4": [],
    }
    assert field(rows, "2026-11", "reward") == {"E1": 0, "E2": 0, "E3": 10, "E4": 0}


def test_rewards() -> None:
    text = (
        H
        + """each month {
      let n = count(sale)
      stars { 5 when n >= 3  4 when n = 2  3 when n >= 1 }
      reward by stars { 5: 500, 3: 200.5 }
      reward n * 2 when n > 0
      reward avg(sale.value)
      award "X" to top 1 by n with reward 100
      award "Y" when n >= 1 with reward n * 10
    }"""
    )
    roster = [emp(e) for e in ("E1", "E2", "E3", "E4")]
    rows = run(text, "2026-11", roster, sales({"E1": 4, "E2": 1, "E4": 2}))
    # avg(sale.value) = 1 for those with sales (every sale is worth 1), missing -> adds 0.
    # E1: stars 5 -> 500; 4 x 2 = 8; 1; X 100; Y 40: 649.
    # E2: stars 3 -> 200.5; 2; 1; Y 10: 213.5.
    # E3: no stars, no sales: 0.
    # E4: stars 4 has no entry -> 0; 4; 1; Y 20: 25.
    assert field(rows, "2026-11", "stars") == {"E1": 5, "E2": 3, "E3": None, "E4": 4}
    assert field(rows, "2026-11", "reward") == {
        "E1": 649,
        "E2": D("213.5"),
        "E3": 0,
        "E4": 25,
    }


# ---- sub-periods ------------------------------------------------------------------------

NESTED = (
    H
    + """each week {
  red 1 per praise_letter
  veto "absent" when count(absence) > 0
  award "W" to top 1 by net
}
each month {
  let weeks_rated = count(weeks)
  let good = count(weeks where net >= 1)
  let total = sum(weeks.red)
  let best = max(weeks.net)
  let mean = avg(weeks.red)
  let won = wins("W")
  let won_too = count(weeks where awarded("W"))
}"""
)

NESTED_ROSTER = [emp("E1"), emp("E2"), emp("E3", hire="2026-11-20")]
NESTED_EVENTS = [
    ev("E1", "praise_letter", "2026-10-28"),  # in the week ending Sunday 1 Nov
    ev("E1", "praise_letter", "2026-11-10"),  # week ending 15 Nov
    ev("E2", "absence", "2026-11-04"),  # E2 vetoed in the week ending 8 Nov
]


def test_weeks_nest_by_their_last_day() -> None:
    rows = run(NESTED, "2026-11", NESTED_ROSTER, NESTED_EVENTS)
    weeks = ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert sorted({r["period"] for r in rows}) == ["2026-11", *weeks]
    assert by_id(rows, "2026-W44")["E1"]["period_start"] == "2026-10-26"
    # E3 (hired 20 Nov) is rated in W47 (16-22 Nov) and W48 only.
    assert [r["period"] for r in rows if r["employee_id"] == "E3"] == [
        "2026-W47",
        "2026-W48",
        "2026-11",
    ]
    # W44: E1 red 1 (its October praise letter). W45: E2 vetoed, E1 wins alone.
    # W46: E1 red 1. Other weeks: everybody 0, all tie and win.
    # Wins: E1 5 (W44, W45, W46 alone; W47, W48 in a tie); E2 2 (W47, W48: it loses W44
    # and W46 to E1 and is vetoed in W45); E3 2 (W47, W48).
    assert values(rows, "2026-11", "weeks_rated") == {"E1": 5, "E2": 5, "E3": 2}
    assert values(rows, "2026-11", "good") == {"E1": 2, "E2": 0, "E3": 0}
    assert values(rows, "2026-11", "total") == {"E1": 2, "E2": 0, "E3": 0}
    assert values(rows, "2026-11", "best") == {"E1": 1, "E2": 0, "E3": 0}
    assert values(rows, "2026-11", "mean") == {"E1": D("0.4"), "E2": 0, "E3": 0}
    assert values(rows, "2026-11", "won") == {"E1": 5, "E2": 2, "E3": 2}
    assert values(rows, "2026-11", "won_too") == {"E1": 5, "E2": 2, "E3": 2}
    assert by_id(rows, "2026-W45")["E2"]["vetoed"] is True


def test_october_does_not_get_the_week_ending_in_november() -> None:
    rows = run(NESTED, "2026-10", NESTED_ROSTER, NESTED_EVENTS)
    # October's weeks end 4, 11, 18, 25 Oct. They lie before the first event (history
    # starts in the week of 28 Oct), but they are this run's own instances, so they are
    # evaluated and rated: 4 weeks, all quiet.
    assert sorted({r["period"] for r in rows}) == [
        "2026-10",
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
    ]
    assert values(rows, "2026-10", "weeks_rated") == {"E1": 4, "E2": 4}
    assert values(rows, "2026-10", "total") == {"E1": 0, "E2": 0}
    assert values(rows, "2026-10", "mean") == {"E1": 0, "E2": 0}


def test_sub_period_aggregates_with_no_rated_weeks() -> None:
    # Hired on 30 Nov (a Monday): rated in November, but in none of its weeks.
    rows = run(NESTED, "2026-11", [emp("E9", hire="2026-11-30")], [])
    assert [r["period"] for r in rows] == ["2026-11"]
    assert rows[0]["values"] == {
        "weeks_rated": 0,
        "good": 0,
        "total": 0,
        "best": None,
        "mean": None,
        "won": 0,
        "won_too": 0,
    }


# ---- rated population -------------------------------------------------------------------


def test_tenure_boundary() -> None:
    text = (
        H
        + """applies to tenure >= 1
    each week { let t = tenure }
    each month { let t = tenure }"""
    )
    roster = [emp("E1", hire="2026-01-31")]
    # 31 Jan + 1 month = 28 Feb: tenure 1 on 28 Feb, so February's month is rated; its
    # weeks (ending 1, 8, 15, 22 Feb) have tenure 0 and are not.
    rows = run(text, "2026-02", roster, [])
    assert [(r["period"], r["values"]["t"]) for r in rows] == [("2026-02", 1)]
    # March: the week ending 1 Mar has tenure 1 (28 Feb <= 1 Mar < 31 Mar); 31 Mar gives 2.
    rows = run(text, "2026-03", roster, [])
    assert [(r["period"], r["values"]["t"]) for r in rows] == [
        ("2026-W09", 1),
        ("2026-W10", 1),
        ("2026-W11", 1),
        ("2026-W12", 1),
        ("2026-W13", 1),
        ("2026-03", 2),
    ]
    assert rows[0]["period_end"] == "2026-03-01"
    # January: tenure 0 (hired on its last day): not rated.
    assert run(text, "2026-01", roster, []) == []


def test_hire_and_leave_dates_decide_the_rated_population() -> None:
    text = (
        H
        + """applies to role = "service_desk"
    each week { let n = count(sale) }"""
    )
    roster = [
        emp("E1", hire="2026-11-08"),  # hired on the last day: rated
        emp("E2", hire="2026-11-09"),  # hired after: not rated
        emp("E3", leave="2026-11-02"),  # left on the first day: rated
        emp("E4", leave="2026-11-01"),  # left before: not rated
        emp("E5"),  # no events: rated, count 0
        emp("E6", role="cleaner"),  # does not match `applies to`
        emp("E7", department=None),  # a missing department does not matter here
        emp("E8", role=None),  # role missing: the comparison is false
    ]
    events = [ev("E1", "sale", "2026-11-08"), ev("E2", "sale", "2026-11-08")]
    rows = run(text, "2026-W45", roster, events)
    assert values(rows, "2026-W45", "n") == {"E1": 1, "E3": 0, "E5": 0, "E7": 0}


# ---- looking back -----------------------------------------------------------------------


def test_previous() -> None:
    text = (
        H
        + """each week {
      let c = count(sale)
      let p = previous(c)
      let pp = previous(previous(c))
      let d = c - previous(c) default 0
    }"""
    )
    roster = [emp("E1"), emp("E2"), emp("E3", hire="2026-11-09")]
    events = [
        ev("E1", "sale", "2026-11-03"),  # W45: the earliest event, history starts there
        ev("E1", "sale", "2026-11-10"),  # W46
        ev("E1", "sale", "2026-11-11"),
    ]
    rows = run(text, "2026-W46", roster, events)
    # E1: c 2, previous 1 (W45), previous of previous is W44: before history -> missing.
    # E2: rated in W45 with no sales -> previous 0.
    # E3: hired 9 Nov, not rated in W45 -> missing; d = missing default 0 = 0.
    assert values(rows, "2026-W46", "c") == {"E1": 2, "E2": 0, "E3": 0}
    assert values(rows, "2026-W46", "p") == {"E1": 1, "E2": 0, "E3": None}
    assert values(rows, "2026-W46", "pp") == {"E1": None, "E2": None, "E3": None}
    assert values(rows, "2026-W46", "d") == {"E1": 1, "E2": 0, "E3": 0}
    rows = run(text, "2026-W45", roster, events)
    # W45 is where history starts: W44 has no records.
    assert values(rows, "2026-W45", "p") == {"E1": None, "E2": None}


def test_previous_without_events_starts_history_at_the_run() -> None:
    text = H + "each month { let p = previous(count(sale)) default -1 }"
    rows = run(text, "2026-11", [emp("E1")], [])
    assert values(rows, "2026-11", "p") == {"E1": -1}


def test_consecutive_and_alternating_award() -> None:
    text = (
        H
        + """each month {
      let n = count(sale)
      award "稳定" when n > 0 for 3 consecutive months
      award "轮换" when not (previous(awarded("轮换")) default false)
      award "久" when n > 0 for 5 consecutive months
    }"""
    )
    roster = [emp("E1"), emp("E2"), emp("E3", hire="2026-10-15")]
    events = [
        ev("E1", "sale", "2026-09-05"),  # earliest event: history starts in September
        ev("E1", "sale", "2026-10-05"),
        ev("E1", "sale", "2026-11-05"),
        ev("E2", "sale", "2026-09-06"),
        ev("E2", "sale", "2026-11-06"),
        ev("E3", "sale", "2026-10-20"),
        ev("E3", "sale", "2026-11-07"),
    ]
    # 稳定: E1 sells in Sep, Oct, Nov -> November only (October would need August, which is
    # before history). E2 misses October. E3 is not rated in September.
    # 轮换: September: nobody won in August (no records) -> E1, E2 win (E3 not rated).
    # October: E1, E2 won last month -> no; E3 was not rated -> wins. November: E1, E2
    # win again; E3 won in October -> no.
    # 久 needs 5 months; there are only 3 of history: nobody.
    assert field(run(text, "2026-09", roster, events), "2026-09", "awards") == {
        "E1": ["轮换"],
        "E2": ["轮换"],
    }
    assert field(run(text, "2026-10", roster, events), "2026-10", "awards") == {
        "E1": [],
        "E2": [],
        "E3": ["轮换"],
    }
    assert field(run(text, "2026-11", roster, events), "2026-11", "awards") == {
        "E1": ["稳定", "轮换"],
        "E2": ["轮换"],
        "E3": [],
    }


def test_long_history_is_evaluated_without_deep_recursion() -> None:
    text = (
        H
        + """each week {
      let c = count(sale)
      award "轮换" when not (previous(awarded("轮换")) default false)
      let streak = c >= 0 for 150 consecutive weeks
    }"""
    )
    # History starts about three years (160 weeks) before the run.
    roster = [emp("E1", hire="2023-01-01"), emp("E2", hire="2024-01-01")]
    rows = run(text, "2026-W45", roster, [ev("E1", "sale", "2023-11-27")])
    week = by_id(rows, "2026-W45")["E1"]
    # The first week of history (W48 of 2023) wins; then every other week: 2026-W45 is
    # 153 weeks later (odd) -> not won. The 150-week streak holds.
    first_week_end = date(2023, 12, 3)  # the Sunday ending the week of Monday 27 Nov 2023
    gap = (date.fromisoformat(week["period_end"]) - first_week_end).days // 7
    assert gap == 153
    assert week["awards"] == []
    assert week["values"]["streak"] is True
    # E2 is first rated in the week ending 7 Jan 2024 (its previous week: not rated, so it
    # wins there); 2026-W45 is 148 weeks later (even) -> won. Only 149 rated weeks: no
    # 150-week streak.
    assert by_id(rows, "2026-W45")["E2"]["awards"] == ["轮换"]
    assert by_id(rows, "2026-W45")["E2"]["values"]["streak"] is False


def test_history_start_only_limits_looking_back() -> None:
    text = (
        H
        + """each week {
      let c = count(sale)
      let p = previous(c)
    }
    each month { let w = count(weeks) }"""
    )
    # The only event is on Thursday 10 Sep 2026: history starts in the week of 7-13 Sep
    # (2026-W37) and in September.
    events = [ev("E1", "sale", "2026-09-10")]
    rows = run(text, "2026-09", [emp("E1")], events)
    # September's weeks end 6, 13, 20, 27 Sep. The week ending 6 Sep lies before the
    # history start but is one of this run's instances: it is evaluated and rated.
    assert [r["period"] for r in rows] == [
        "2026-W36",
        "2026-W37",
        "2026-W38",
        "2026-W39",
        "2026-09",
    ]
    assert values(rows, "2026-09", "w") == {"E1": 4}
    # Looking back from W37 into W36 (before the history start) finds no record, in the
    # month run exactly as in a run of W37 alone.
    assert [r["values"]["p"] for r in rows[:4]] == [None, None, 1, 0]
    alone = run(text, "2026-W37", [emp("E1")], events)
    assert alone == [rows[1]]
    # A run of a period before every event still rates everybody.
    assert values(run(text, "2026-08", [emp("E1")], events), "2026-08", "w") == {"E1": 5}


def test_same_day_week_and_month_rows_put_the_week_first() -> None:
    text = H + "each week { let n = count(sale) }\neach month { let m = count(sale) }"
    # Sunday 31 May 2026 ends both 2026-W22 and May.
    rows = run(text, "2026-05", [emp("B"), emp("A")], [])
    assert [(r["period_end"], r["employee_id"], r["period"]) for r in rows[-4:]] == [
        ("2026-05-31", "A", "2026-W22"),
        ("2026-05-31", "A", "2026-05"),
        ("2026-05-31", "B", "2026-W22"),
        ("2026-05-31", "B", "2026-05"),
    ]


def test_catalog_roster_attributes() -> None:
    text = (
        H
        + """applies to post != "intern"
    each month {
      let senior = grade >= 3
      award "best" to top 1 by count(sale) within post
    }"""
    )
    catalog = Catalog(roster={**STANDARD_ROSTER_ATTRIBUTES, "post": TEXT, "grade": NUMBER})
    roster = [
        {**emp("E1"), "post": "cashier", "grade": D(3)},
        {**emp("E2"), "post": "cashier", "grade": D(1)},
        {**emp("E3"), "post": "greeter", "grade": None},
        {**emp("E4"), "post": "intern", "grade": D(5)},
    ]
    rows = evaluate(
        policy_of(text),
        "2026-11",
        roster,
        sales({"E1": 1, "E2": 2, "E4": 9}),
        catalog=catalog,
    )
    assert values(rows, "2026-11", "senior") == {"E1": True, "E2": False, "E3": False}
    assert field(rows, "2026-11", "awards") == {"E1": [], "E2": ["best"], "E3": ["best"]}


# ---- numbers and missing values ---------------------------------------------------------


def test_division_rounding_and_division_by_zero() -> None:
    text = (
        H
        + """each month {
      let ratio = count(sale) / count(visit)
      let safe = count(sale) / count(visit) default -1
      let third = 10 / 3
      let two_thirds = 2 / 3
      let neg = -2 / 3
      let mean = avg(sale.value)
      red 1 when ratio > 0
      red 2 when not (ratio > 0)
    }"""
    )
    events = [
        ev("E1", "sale", "2026-11-03", "1"),
        ev("E2", "sale", "2026-11-03", "1"),
        ev("E2", "sale", "2026-11-03", "2"),
        ev("E2", "sale", "2026-11-03", "2"),
        *[ev("E2", "visit", "2026-11-03") for _ in range(4)],
    ]
    rows = run(text, "2026-11", [emp("E1"), emp("E2")], events)
    # E1: 1 / 0 is missing; default -1; `ratio > 0` false so `not` true: red 2.
    # E2: 3 / 4 = 0.75 -> red 1. mean (1 + 2 + 2) / 3 = 1.666667 shown (half up).
    assert values(rows, "2026-11", "ratio") == {"E1": None, "E2": D("0.75")}
    assert values(rows, "2026-11", "safe") == {"E1": -1, "E2": D("0.75")}
    assert values(rows, "2026-11", "third")["E1"] == D("3.333333")
    assert values(rows, "2026-11", "two_thirds")["E1"] == D("0.666667")
    assert values(rows, "2026-11", "neg")["E1"] == D("-0.666667")  # half away from zero
    assert values(rows, "2026-11", "mean") == {"E1": 1, "E2": D("1.666667")}
    assert field(rows, "2026-11", "red") == {"E1": 2, "E2": 1}


def test_missing_condition_is_false() -> None:
    text = (
        H
        + """each month {
      let x = avg(sale.value)
      let over_three = x > 3
      let not_over = not (x > 3)
      let outside = x not in [1]
      let inside = x in [5, 6]
      red 1 when not (x > 3)
      red 10 when x > 3
      red 100 when x = x
      green 1 when x != 3
      green 10 when x > 3 or count(sale) = 0
      green 100 when x > 3 and count(sale) = 0
    }"""
    )
    rows = run(text, "2026-11", [emp("E1"), emp("E2")], [ev("E2", "sale", "2026-11-03", "5")])
    # E1: x missing. Every comparison with it is false, `not` of that is true.
    # E2: x = 5.
    assert values(rows, "2026-11", "x") == {"E1": None, "E2": 5}
    assert values(rows, "2026-11", "over_three") == {"E1": False, "E2": True}
    assert values(rows, "2026-11", "not_over") == {"E1": True, "E2": False}
    assert values(rows, "2026-11", "outside") == {"E1": False, "E2": True}
    assert values(rows, "2026-11", "inside") == {"E1": False, "E2": True}
    # E1: red 1; green: `x != 3` false, `or` true via count = 0 -> 10.
    # E2: red 10 + 100; green 1 + 10.
    assert field(rows, "2026-11", "red") == {"E1": 1, "E2": 110}
    assert field(rows, "2026-11", "green") == {"E1": 10, "E2": 11}


def test_event_aggregates_and_filters() -> None:
    text = (
        H
        + """each month {
      let paid = count(member_signup where channel = "paid")
      let either = count(member_signup where channel in ["paid", "free"])
      let other = count(member_signup where channel not in ["paid", "free"])
      let resp = count(complaint where responsible)
      let not_resp = count(complaint where not responsible)
      let sales = count(sale)
      let big = sum(sale.value where value >= 10)
      let total = sum(sale.value)
      let mean = avg(sale.value)
      let small = min(sale.value)
      let large = max(sale.value)
      let nothing = avg(refund.value)
      let none_sum = sum(refund.value)
      let none_min = min(refund.value)
    }"""
    )
    events = [
        ev("E1", "member_signup", "2026-11-03", channel="paid"),
        ev("E1", "member_signup", "2026-11-03", channel="free"),
        ev("E1", "member_signup", "2026-11-03", channel="walk_in"),
        ev("E1", "member_signup", "2026-11-03"),  # channel missing
        ev("E1", "complaint", "2026-11-03", responsible=True),
        ev("E1", "complaint", "2026-11-03", responsible=False),
        ev("E1", "complaint", "2026-11-03"),  # responsible missing
        ev("E1", "sale", "2026-11-03", "5"),
        ev("E1", "sale", "2026-11-03", "10"),
        ev("E1", "sale", "2026-11-03", "20"),
        ev("E1", "sale", "2026-11-03"),  # no value: counted, skipped by sum/avg/min/max
        ev("E1", "sale", "2026-12-01", "1000"),  # outside November
    ]
    rows = run(text, "2026-11", [emp("E1")], events)
    assert rows[0]["values"] == {
        "paid": 1,
        "either": 2,
        "other": 1,  # a missing channel makes `not in` false
        "resp": 1,
        "not_resp": 2,  # false and missing: `not` of a false condition
        "sales": 4,
        "big": 30,
        "total": 35,
        "mean": D("11.666667"),
        "small": 5,
        "large": 20,
        "nothing": None,
        "none_sum": 0,
        "none_min": None,
    }


# ---- output shape and errors ------------------------------------------------------------


def test_rows_are_sorted_by_period_end_then_employee() -> None:
    text = H + "each week { let n = count(sale) }\neach month { let m = count(sale) }"
    rows = run(text, "2026-11", [emp("B"), emp("A"), emp("C", hire="2026-11-16")], [])
    keys = [(r["period_end"], r["employee_id"]) for r in rows]
    assert keys == sorted(keys)
    assert keys[:2] == [("2026-11-01", "A"), ("2026-11-01", "B")]
    assert keys[-3:] == [("2026-11-30", "A"), ("2026-11-30", "B"), ("2026-11-30", "C")]
    assert all(list(r) == ROW_KEYS for r in rows)


def test_a_week_run_of_a_month_and_week_policy_gives_week_rows_only() -> None:
    text = H + "each week { let n = count(sale) }\neach month { let m = count(sale) }"
    rows = run(text, "2026-W45", [emp("A")], [ev("A", "sale", "2026-11-03")])
    assert [(r["period"], r["values"]) for r in rows] == [("2026-W45", {"n": 1})]


def test_errors() -> None:
    with pytest.raises(ValueError, match="errors"):
        run(H + "each week { let a = b }", "2026-W45", [emp("A")], [])
    with pytest.raises(ValueError, match="no `each month` block"):
        run(H + "each week { let a = 1 }", "2026-11", [emp("A")], [])
