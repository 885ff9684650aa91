"""Evaluation semantics through the real command line (`starrating run --format json`).

Every expectation below is worked out by hand from docs/language.md sections 3-6,
docs/data.md sections 1, 4 and 5 and docs/language.md; the comments show the
reasoning. Calendar facts used throughout: 2026-10-26 is a Monday, so ISO week 2026-W44
is Monday 2026-10-26 .. Sunday 2026-11-01; 2026-10-30 is a Friday; 2026-11-30 is the
Monday of 2026-W49.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import Result
from conftest import ROW_KEYS, invoke, write_text

ROSTER_HEADER = "employee_id,name,department,role,hire_date,leave_date"
EVENT_HEADER = "event_id,employee_id,type,occurred_at,recorded_at,voids,value"

RUN_KEYS = [
    "run_id",
    "policy",
    "version",
    "policy_sha256",
    "period",
    "as_of",
    "events_sha256",
    "results_sha256",
    "run_sha256",
    "previous_run_sha256",
    "events_seen",
    "warnings",
]


# ---- helpers ----------------------------------------------------------------------------


# The project root holds a starrating.yaml; tests must not pick it up.
pytestmark = pytest.mark.usefixtures("in_tmp")


def roster(path: Path, *rows: str) -> Path:
    return write_text(path, "\n".join([ROSTER_HEADER, *rows]) + "\n")


def events(path: Path, *rows: str) -> Path:
    """Rows as `event_id,employee_id,type,occurred_at,recorded_at,voids,value` (empty
    trailing cells may be left out)."""
    padded = [row + "," * (EVENT_HEADER.count(",") - row.count(",")) for row in rows]
    return write_text(path, "\n".join([EVENT_HEADER, *padded]) + "\n")


def run(
    tmp_path: Path,
    policy: Path,
    period: str,
    *,
    rosters: tuple[Path, ...] = (),
    event_files: tuple[Path, ...] = (),
    as_of: str | None = None,
    expect_exit: int = 0,
) -> Result:
    args = ["run", str(policy), "--period", period, "--format", "json"]
    args += ["--db", str(tmp_path / "store.duckdb")]
    for r in rosters:
        args += ["--roster", str(r)]
    for e in event_files:
        args += ["--events", str(e)]
    if as_of is not None:
        args += ["--as-of", as_of]
    result = invoke(args)
    assert result.exit_code == expect_exit, result.output
    return result


def run_json(tmp_path: Path, policy: Path, period: str, **kwargs) -> dict:
    result = run(tmp_path, policy, period, **kwargs)
    return json.loads(result.stdout, parse_float=Decimal)


def by_key(document: dict) -> dict[tuple[str, str], dict]:
    return {(r["employee_id"], r["period"]): r for r in document["results"]}


def canonical(value: object) -> str:
    """Canonical JSON as docs/data.md section 5 hashes it: sorted keys, no spaces,
    decimals written exactly, text as UTF-8 (not \\u escapes)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = [
            f"{json.dumps(k, ensure_ascii=False)}:{canonical(value[k])}" for k in sorted(value)
        ]
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- periods and labels -----------------------------------------------------------------

WEEKLY = """policy "周" version 1
timezone "Asia/Shanghai"

each week {
  let n = count(praise)
}
"""


def test_a_week_is_monday_to_sunday_of_its_iso_week(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEKLY)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,", "B,乙,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "p0,A,praise,2026-10-25T23:59:00+08:00",  # Sunday of W43: not counted
        "p1,A,praise,2026-10-26T00:00:00+08:00",  # Monday of W44: first day, counted
        "p2,A,praise,2026-11-01T23:59:59+08:00",  # Sunday of W44: last day, counted
        "p3,A,praise,2026-11-02T00:00:00+08:00",  # Monday of W45: not counted
    )
    doc = run_json(tmp_path, policy, "2026-W44", rosters=(staff,), event_files=(data,))
    assert doc["run"]["period"] == "2026-W44"
    assert [
        (r["employee_id"], r["period"], r["period_start"], r["period_end"], r["values"])
        for r in doc["results"]
    ] == [
        ("A", "2026-W44", "2026-10-26", "2026-11-01", {"n": 2}),
        # B has no events at all and is still rated, with a count of 0.
        ("B", "2026-W44", "2026-10-26", "2026-11-01", {"n": 0}),
    ]


WEEKS_ENDING_FRIDAY = """policy "周五结" version 1
timezone "Asia/Shanghai"

each week ending friday {
  let n = count(praise)
}
each month {
  let m = count(praise)
}
"""


def test_weeks_ending_friday(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEKS_ENDING_FRIDAY)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "p1,A,praise,2026-10-23T23:00:00+08:00",  # Fri 23 Oct: last day of the week before
        "p2,A,praise,2026-10-24T00:00:00+08:00",  # Sat 24 Oct: first day of W44's week
        "p3,A,praise,2026-10-30T23:59:00+08:00",  # Fri 30 Oct: its last day
        "p4,A,praise,2026-10-31T00:00:00+08:00",  # Sat 31 Oct: the next week (W45)
    )
    # The week labelled 2026-W44 is the one whose last day (a Friday) is in ISO week 44:
    # Friday 2026-10-30, so it runs Saturday 2026-10-24 .. Friday 2026-10-30.
    doc = run_json(tmp_path, policy, "2026-W44", rosters=(staff,), event_files=(data,))
    (row,) = doc["results"]
    assert (row["period"], row["period_start"], row["period_end"]) == (
        "2026-W44",
        "2026-10-24",
        "2026-10-30",
    )
    assert row["values"] == {"n": 2}  # p2 and p3

    # October holds the weeks whose last day (a Friday) is in October: 2, 9, 16, 23 and
    # 30 October, labelled with the ISO weeks of those Fridays, W40..W44. The first one
    # starts on Saturday 26 September.
    doc = run_json(tmp_path, policy, "2026-10")
    assert [(r["period"], r["period_start"], r["period_end"]) for r in doc["results"]] == [
        ("2026-W40", "2026-09-26", "2026-10-02"),
        ("2026-W41", "2026-10-03", "2026-10-09"),
        ("2026-W42", "2026-10-10", "2026-10-16"),
        ("2026-W43", "2026-10-17", "2026-10-23"),
        ("2026-W44", "2026-10-24", "2026-10-30"),
        ("2026-10", "2026-10-01", "2026-10-31"),
    ]
    values = {r["period"]: r["values"] for r in doc["results"]}
    assert values["2026-W43"] == {"n": 1}  # p1
    assert values["2026-W44"] == {"n": 2}  # p2, p3
    assert values["2026-10"] == {"m": 4}  # all four are October days


QUARTER_HALF_YEAR = """policy "长周期" version 1
timezone "UTC"

each quarter {
  let n = count(praise)
}
each half {
  let n = count(praise)
}
each year {
  let n = count(praise)
}
"""


def test_quarter_half_and_year_labels(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", QUARTER_HALF_YEAR)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "p0,A,praise,2025-12-31T23:59:00",  # 2025: outside the year
        "p1,A,praise,2026-03-31T23:00:00",  # Q1, H1
        "p2,A,praise,2026-04-01T00:00:00",  # Q2, H1
        "p3,A,praise,2026-07-15T12:00:00",  # Q3, H2
        "p4,A,praise,2026-12-31T23:59:00",  # Q4, H2
        "p5,A,praise,2027-01-01T00:00:00",  # 2027: outside the year
    )
    doc = run_json(tmp_path, policy, "2026", rosters=(staff,), event_files=(data,))
    assert doc["run"]["period"] == "2026"
    # Sorted by period_end; a quarter and a half (or year) ending on the same day: the
    # shorter kind first.
    assert [
        (r["period"], r["period_start"], r["period_end"], r["values"]["n"]) for r in doc["results"]
    ] == [
        ("2026-Q1", "2026-01-01", "2026-03-31", 1),
        ("2026-Q2", "2026-04-01", "2026-06-30", 1),
        ("2026-H1", "2026-01-01", "2026-06-30", 2),
        ("2026-Q3", "2026-07-01", "2026-09-30", 1),
        ("2026-Q4", "2026-10-01", "2026-12-31", 1),
        ("2026-H2", "2026-07-01", "2026-12-31", 2),
        ("2026", "2026-01-01", "2026-12-31", 4),
    ]
    # A half evaluates its own quarters only.
    doc = run_json(tmp_path, policy, "2026-H2")
    assert [r["period"] for r in doc["results"]] == ["2026-Q3", "2026-Q4", "2026-H2"]
    # A quarter is the longest block asked for: just the quarter.
    doc = run_json(tmp_path, policy, "2026-Q4")
    assert [(r["period"], r["values"]["n"]) for r in doc["results"]] == [("2026-Q4", 1)]


def test_a_period_kind_without_a_block_is_an_error(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", QUARTER_HALF_YEAR)
    result = run(tmp_path, policy, "2026-10", expect_exit=1)
    assert "month" in result.stderr
    assert result.stdout == ""


WEEK_AND_MONTH = """policy "周月" version 1
timezone "Asia/Shanghai"

each week {
  let n = count(praise)
}
each month {
  let m = count(praise)
  let from_weeks = sum(weeks.n)
  let weeks_seen = count(weeks)
}
"""


def test_a_week_ending_on_1_november_belongs_to_november(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WEEK_AND_MONTH)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "p1,A,praise,2026-10-27T10:00:00+08:00",  # W44, an October day
        "p2,A,praise,2026-10-31T10:00:00+08:00",  # W44, an October day
        "p3,A,praise,2026-11-01T10:00:00+08:00",  # W44, a November day
        "p4,A,praise,2026-11-30T10:00:00+08:00",  # W49 (ends 6 Dec): December's week
    )
    doc = run_json(tmp_path, policy, "2026-11", rosters=(staff,), event_files=(data,))
    rows = by_key(doc)
    # November's weeks are those whose last day (Sunday) is in November: 1, 8, 15, 22
    # and 29 November, i.e. W44..W48. W44 counts its October days too.
    assert [r["period"] for r in doc["results"]] == [
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
        "2026-11",
    ]
    assert rows["A", "2026-W44"]["values"] == {"n": 3}  # p1, p2, p3
    assert rows["A", "2026-W48"]["period_end"] == "2026-11-29"
    # The month itself counts only November days: p3 and p4. Its weeks add up to 3
    # (p1..p3: p4's week settles in December).
    assert rows["A", "2026-11"]["values"] == {"m": 2, "from_weeks": 3, "weeks_seen": 5}

    # October's weeks end on 4, 11, 18 and 25 October (W40..W43); W44 is not one of them.
    doc = run_json(tmp_path, policy, "2026-10")
    assert [r["period"] for r in doc["results"]] == [
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-10",
    ]
    assert by_key(doc)["A", "2026-W40"]["period_start"] == "2026-09-28"
    assert by_key(doc)["A", "2026-10"]["values"] == {"m": 2, "from_weeks": 0, "weeks_seen": 4}


# ---- time zones -------------------------------------------------------------------------

MONTHLY_COUNT = """policy "{name}" version 1
timezone "{zone}"

each month {{
  let n = count(praise)
}}
"""


def test_events_are_bucketed_by_their_date_in_the_policy_time_zone(tmp_path: Path) -> None:
    shanghai = write_text(
        tmp_path / "sh.policy", MONTHLY_COUNT.format(name="上海", zone="Asia/Shanghai")
    )
    utc = write_text(tmp_path / "utc.policy", MONTHLY_COUNT.format(name="UTC", zone="UTC"))
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        # 16:30 UTC on 30 Sep is 00:30 on 1 Oct in Shanghai (UTC+8).
        "z1,A,praise,2026-09-30T16:30:00Z",
        # Without an offset a time is local in the policy's zone: 30 Sep, 1 Oct anywhere.
        "n1,A,praise,2026-09-30T23:30:00",
        "n2,A,praise,2026-10-01T00:10:00",
        # 23:30 on 31 Oct at UTC-5 is 04:30 UTC / 12:30 Shanghai on 1 Nov.
        "o1,A,praise,2026-10-31T23:30:00-05:00",
    )
    invoke(["ingest", "--db", str(tmp_path / "store.duckdb"), "--roster", str(staff),
            "--events", str(data)])  # fmt: skip

    def count(policy: Path, period: str) -> int:
        (row,) = run_json(tmp_path, policy, period)["results"]
        return row["values"]["n"]

    assert count(shanghai, "2026-09") == 1  # n1
    assert count(shanghai, "2026-10") == 2  # z1, n2
    assert count(utc, "2026-09") == 2  # z1, n1
    assert count(utc, "2026-10") == 1  # n2
    assert count(utc, "2026-11") == 1  # o1
    assert count(shanghai, "2026-11") == 1  # o1


# ---- who is rated -----------------------------------------------------------------------

MONTHLY = """policy "在岗" version 1
timezone "Asia/Shanghai"

each month {
  let n = count(praise)
  let s = sum(survey.value)
  let a = avg(survey.value)
}
"""


def test_rated_population_by_hire_and_leave_dates(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", MONTHLY)
    staff = roster(
        tmp_path / "r.csv",
        "H0,H0,前台,sd,2026-10-31,",  # hired on the last day: employed one day, rated
        "H1,H1,前台,sd,2026-11-01,",  # hired after the period: not rated
        "L0,L0,前台,sd,2020-01-01,2026-09-30",  # left before the period: not rated
        "L1,L1,前台,sd,2020-01-01,2026-10-01",  # left on the first day: rated
        "L2,L2,前台,sd,2020-01-01,2026-10-15",  # left inside: rated
        "S,S,前台,sd,2020-01-01,",  # employed throughout: rated
    )
    # Somebody else's event, so the type is known; H0..S have no events at all.
    data = events(tmp_path / "e.csv", "x1,S,survey,2026-09-10T10:00:00+08:00,,,4")
    doc = run_json(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,))
    assert [r["employee_id"] for r in doc["results"]] == ["H0", "L1", "L2", "S"]
    for row in doc["results"]:
        # No events: counts and sums are 0, avg is missing; nothing else is added.
        assert row["values"] == {"n": 0, "s": 0, "a": None}
        assert (row["red"], row["green"], row["net"], row["reward"]) == (0, 0, 0, 0)
        assert (row["stars"], row["awards"], row["vetoed"], row["veto_reasons"]) == (
            None,
            [],
            False,
            [],
        )


TENURE = """policy "满月" version 1
applies to department = "前台" and tenure >= 1

each month {
  let n = count(praise)
}
"""


def test_applies_to_with_tenure_at_the_month_boundary(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", TENURE)
    staff = roster(
        tmp_path / "r.csv",
        # tenure on 28 Feb 2026 (the last day of 2026-02):
        "T1,T1,前台,sd,2026-01-31,",  # 31 Jan + 1 month = 28 Feb <= 28 Feb: 1, rated
        "T2,T2,前台,sd,2026-02-01,",  # 1 Feb + 1 month = 1 Mar > 28 Feb: 0, not rated
        "T3,T3,收银,sd,2025-06-01,",  # tenure 8, but another department: not rated
        "T4,T4,前台,sd,2026-01-28,",  # 28 Jan + 1 month = 28 Feb: 1, rated
        "T5,T5,前台,sd,2026-01-29,",  # 29 Jan + 1 month = 28 Feb (no 29 Feb): 1, rated
    )
    doc = run_json(tmp_path, policy, "2026-02", rosters=(staff,))
    assert [r["employee_id"] for r in doc["results"]] == ["T1", "T4", "T5"]
    # In January (last day 31 Jan) none of T1, T2, T4, T5 has a whole month yet.
    doc = run_json(tmp_path, policy, "2026-01")
    assert doc["results"] == []
    # In March T2 reaches 1 month on 1 Mar.
    doc = run_json(tmp_path, policy, "2026-03")
    assert [r["employee_id"] for r in doc["results"]] == ["T1", "T2", "T4", "T5"]


# ---- exact numbers ----------------------------------------------------------------------

DECIMALS = """policy "小数" version 1

each month {
  let third = count(praise) / 3
  red 1.5 when count(complaint) = 0
  red 0.1 per praise
  green 0.2 per complaint
}
"""


def test_half_stars_and_decimals_are_exact(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", DECIMALS)
    staff = roster(
        tmp_path / "r.csv",
        "A,甲,前台,sd,2024-01-01,",
        "B,乙,前台,sd,2024-01-01,",
        "C,丙,前台,sd,2024-01-01,",
    )
    data = events(
        tmp_path / "e.csv",
        "a1,A,praise,2026-10-02T10:00:00",
        "a2,A,praise,2026-10-03T10:00:00",
        "b1,B,praise,2026-10-04T10:00:00",
        "b2,B,complaint,2026-10-05T10:00:00",
    )
    result = run(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,))
    rows = by_key(json.loads(result.stdout, parse_float=Decimal))
    # A: 1.5 (no complaint) + 2 x 0.1 = 1.7 (binary floats would give 1.7000000000000002)
    assert (rows["A", "2026-10"]["red"], rows["A", "2026-10"]["net"]) == (
        Decimal("1.7"),
        Decimal("1.7"),
    )
    # 2/3 and 1/3 are shown rounded to 6 places, half away from zero (docs/language.md).
    assert rows["A", "2026-10"]["values"] == {"third": Decimal("0.666667")}
    # B: red 0.1, green 0.2, net -0.1
    b = rows["B", "2026-10"]
    assert (b["red"], b["green"], b["net"]) == (Decimal("0.1"), Decimal("0.2"), Decimal("-0.1"))
    assert b["values"] == {"third": Decimal("0.333333")}
    # C: no events: red 1.5 exactly, third 0
    c = rows["C", "2026-10"]
    assert (c["red"], c["green"], c["net"]) == (Decimal("1.5"), 0, Decimal("1.5"))
    assert c["values"] == {"third": 0}
    # The JSON text itself carries the exact numbers.
    assert '"red": 1.7,' in result.stdout
    assert '"red": 1.5,' in result.stdout
    assert '"net": -0.1,' in result.stdout
    assert "1.4999" not in result.stdout and "00000000" not in result.stdout


# ---- what the run sees: --as-of and voids -----------------------------------------------

COMPLAINTS = """policy "投诉" version 1
timezone "Asia/Shanghai"

each month {
  let n = count(complaint)
  green 1 per complaint
}
"""


def test_as_of_hides_later_events_and_a_void_counts_from_when_it_is_recorded(
    tmp_path: Path,
) -> None:
    policy = write_text(tmp_path / "p.policy", COMPLAINTS)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "c1,A,complaint,2026-10-05T10:00:00+08:00,2026-10-05T12:00:00+08:00",
        "c2,A,complaint,2026-10-20T10:00:00+08:00,2026-11-03T12:00:00+08:00",  # learned late
        "v1,A,void,2026-10-25T10:00:00+08:00,2026-11-10T12:00:00+08:00,c1",  # appeal upheld
    )
    invoke(["ingest", "--db", str(tmp_path / "store.duckdb"), "--roster", str(staff),
            "--events", str(data)])  # fmt: skip

    def seen(as_of: str) -> tuple[int, str, str]:
        doc = run_json(tmp_path, policy, "2026-10", as_of=as_of)
        (row,) = doc["results"]
        assert row["green"] == row["values"]["n"]
        return row["values"]["n"], doc["run"]["as_of"], doc["run"]["events_sha256"]

    n1, as_of1, sha1 = seen("2026-11-01T00:00:00+08:00")  # c1 only
    n2, as_of2, sha2 = seen("2026-11-03T12:00:00+08:00")  # c2 recorded exactly then: seen
    n3, _, sha3 = seen("2026-11-03T11:59:59+08:00")  # one second earlier: c1 only
    n4, _, sha4 = seen("2026-11-10T11:59:59+08:00")  # the void is not recorded yet
    n5, as_of5, sha5 = seen("2026-11-15T00:00:00")  # naive: Shanghai time; c1 void
    assert (n1, n2, n3, n4, n5) == (1, 2, 1, 2, 1)
    assert as_of1 == "2026-11-01T00:00:00+08:00"
    assert as_of2 == "2026-11-03T12:00:00+08:00"
    assert as_of5 == "2026-11-15T00:00:00+08:00"
    # An as-of in another offset is shown in the policy's zone.
    assert seen("2026-11-04T16:00:00Z")[1] == "2026-11-05T00:00:00+08:00"
    # The events digest follows what the run saw.
    assert sha1 == sha3
    assert sha2 == sha4
    assert len({sha1, sha2, sha5}) == 3


DEPARTMENT = """policy "部门" version 1

each month {
  red 1 when department = "前台"
  green 1 when department = "收银"
}
"""


def test_roster_versions_follow_the_as_of_time(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", DEPARTMENT)
    first = roster(tmp_path / "r1.csv", "A,甲,前台,sd,2024-01-01,")
    moved = roster(tmp_path / "r2.csv", "A,甲,收银,sd,2024-01-01,")

    def colours(doc: dict) -> list[tuple[str, int, int]]:
        return [(r["employee_id"], r["red"], r["green"]) for r in doc["results"]]

    # The first version of A counts as recorded at min(ingest time, hire date) =
    # 2024-01-01 00:00 UTC (ingest.py), so any as-of since then sees it.
    doc = run_json(tmp_path, policy, "2024-12", rosters=(first,))
    assert colours(doc) == [("A", 1, 0)]
    # The transfer is a new version, recorded at its ingest time (now): a run as of now
    # uses it...
    doc = run_json(tmp_path, policy, "2024-12", rosters=(moved,))
    assert colours(doc) == [("A", 0, 1)]
    # ...while a run as of an earlier time still sees the roster it saw then.
    doc = run_json(tmp_path, policy, "2024-12", as_of="2025-01-01T00:00:00Z")
    assert colours(doc) == [("A", 1, 0)]
    # Before A was hired, A was on no roster at all.
    doc = run_json(tmp_path, policy, "2024-12", as_of="2023-12-31T23:59:59Z")
    assert doc["results"] == []
    # Ingesting the transfer again adds no version.
    run_json(tmp_path, policy, "2024-12", rosters=(moved,))
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        versions = con.execute(
            "SELECT version, attributes ->> 'department' FROM roster ORDER BY version"
        ).fetchall()
    assert versions == [(1, "前台"), (2, "收银")]


# ---- --period previous ------------------------------------------------------------------


def test_period_previous_is_the_latest_ended_instance_of_the_longest_block(
    tmp_path: Path,
) -> None:
    both = write_text(tmp_path / "both.policy", WEEK_AND_MONTH)
    weekly = write_text(tmp_path / "weekly.policy", WEEKLY)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    invoke(["ingest", "--db", str(tmp_path / "store.duckdb"), "--roster", str(staff)])

    def previous(policy: Path, as_of: str) -> str:
        doc = run_json(tmp_path, policy, "previous", as_of=as_of)
        assert doc["results"][-1]["period"] == doc["run"]["period"]
        return doc["run"]["period"]

    # The longest block is the month: at 00:00 on 2 Nov (Shanghai) October has ended.
    assert previous(both, "2026-11-02T00:00:00+08:00") == "2026-10"
    # 16:30 UTC on 31 Oct is 00:30 on 1 Nov in Shanghai: October has ended there.
    assert previous(both, "2026-10-31T16:30:00Z") == "2026-10"
    # 15:30 UTC on 31 Oct is 23:30 on 31 Oct in Shanghai: October has not ended.
    assert previous(both, "2026-10-31T15:30:00Z") == "2026-09"
    # A weekly policy: at Monday 2 Nov 00:00 the week ending Sunday 1 Nov has ended...
    assert previous(weekly, "2026-11-02T00:00:00+08:00") == "2026-W44"
    # ...but not at 23:00 that Sunday.
    assert previous(weekly, "2026-11-01T23:00:00+08:00") == "2026-W43"


# ---- the JSON document ------------------------------------------------------------------

SHAPE = """policy "形状" version 2
timezone "Asia/Shanghai"

each month {
  let n = count(praise)
  score s = n * 10
  veto "违纪" when count(discipline) > 0
  stars {
    5 when n >= 2
    3 when n >= 1
  }
  award "乙奖" when n >= 1
  award "甲奖" to top 1 by n
  reward by stars { 5: 100, 3: 50.5 }
}
"""


def shape_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    policy = write_text(tmp_path / "shape.policy", SHAPE)
    staff = roster(
        tmp_path / "r.csv",
        "E2,E2,前台,sd,2024-01-01,",
        "E10,E10,前台,sd,2024-01-01,",
        "E3,E3,前台,sd,2024-01-01,",
        "E4,E4,前台,sd,2024-01-01,",
    )
    rec = "2026-10-31T12:00:00+08:00"
    data = events(
        tmp_path / "e.csv",
        f"a1,E10,praise,2026-10-02T10:00:00+08:00,{rec}",
        f"a2,E10,praise,2026-10-03T10:00:00+08:00,{rec}",
        f"b1,E2,praise,2026-10-04T10:00:00+08:00,{rec}",
        f"d1,E4,praise,2026-10-05T10:00:00+08:00,{rec}",
        f"d2,E4,praise,2026-10-05T11:00:00+08:00,{rec}",
        f"d3,E4,praise,2026-10-05T12:00:00+08:00,{rec}",
        f"d4,E4,discipline,2026-10-06T10:00:00+08:00,{rec}",
    )
    return policy, staff, data


def test_json_document_shape(tmp_path: Path) -> None:
    policy, staff, data = shape_files(tmp_path)
    result = run(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,),
                 as_of="2026-11-02T00:00:00+08:00")  # fmt: skip
    doc = json.loads(result.stdout, parse_float=Decimal)
    assert list(doc) == ["run", "results"]
    meta = doc["run"]
    assert list(meta) == RUN_KEYS
    assert meta["policy"] == "形状"
    assert meta["version"] == "2"  # a label (text), even when written as a number
    assert meta["period"] == "2026-10"
    assert meta["as_of"] == "2026-11-02T00:00:00+08:00"
    assert meta["policy_sha256"] == sha256(SHAPE)
    for key in ("events_sha256", "results_sha256"):
        assert len(meta[key]) == 64 and set(meta[key]) <= set("0123456789abcdef")
    assert isinstance(meta["run_id"], str) and meta["run_id"]

    rows = doc["results"]
    for row in rows:
        assert list(row) == ROW_KEYS
    # Sorted by period_end, then employee_id as text: "E10" < "E2" < "E3" < "E4".
    assert [r["employee_id"] for r in rows] == ["E10", "E2", "E3", "E4"]
    e10, e2, e3, e4 = rows
    # E10: 2 praises. E4 (3 praises) is vetoed and takes no part in ranking, so E10 is
    # the top 1 by n. Awards are listed in declaration order: 乙奖 before 甲奖.
    assert e10 == {
        "employee_id": "E10", "period": "2026-10", "period_start": "2026-10-01",
        "period_end": "2026-10-31", "vetoed": False, "veto_reasons": [],
        "values": {"n": 2, "s": 20}, "red": 0, "green": 0, "net": 0,
        "stars": 5, "awards": ["乙奖", "甲奖"], "reward": 100,
    }  # fmt: skip
    # E2: 1 praise: stars 3, reward 50.5, only the award with no ranking.
    assert (e2["values"], e2["stars"], e2["awards"], e2["reward"]) == (
        {"n": 1, "s": 10}, 3, ["乙奖"], Decimal("50.5"),
    )  # fmt: skip
    # E3: nothing: no stars line matches and there is no `otherwise`: null stars, no
    # reward by stars.
    assert (e3["values"], e3["stars"], e3["awards"], e3["reward"]) == (
        {"n": 0, "s": 0}, None, [], 0,
    )  # fmt: skip
    # E4: vetoed: no stars, no awards, reward 0, but the values are still computed.
    assert (e4["vetoed"], e4["veto_reasons"], e4["values"], e4["stars"], e4["awards"],
            e4["reward"]) == (True, ["违纪"], {"n": 3, "s": 30}, None, [], 0)  # fmt: skip
    # Star levels are JSON integers, and a missing level is null.
    assert all(type(r["stars"]) is int for r in (e10, e2))
    assert '"stars": 5,' in result.stdout and '"stars": null,' in result.stdout
    assert '"reward": 50.5' in result.stdout


def test_results_sha256_is_the_digest_of_the_canonical_results(tmp_path: Path) -> None:
    policy, staff, data = shape_files(tmp_path)
    as_of = "2026-11-02T00:00:00+08:00"
    one = run_json(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,),
                   as_of=as_of)  # fmt: skip
    assert one["run"]["results_sha256"] == sha256(canonical(one["results"]))
    # The same data (ingesting it again adds nothing) and the same as-of: the same
    # results and events digests, in a new run.
    two = run_json(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,),
                   as_of=as_of)  # fmt: skip
    assert two["run"]["run_id"] != one["run"]["run_id"]
    assert two["run"]["results_sha256"] == one["run"]["results_sha256"]
    assert two["run"]["events_sha256"] == one["run"]["events_sha256"]
    assert two["results"] == one["results"]
    # A different outcome gives a different digest.
    three = run_json(tmp_path, policy, "2026-10", as_of="2026-10-31T11:59:59+08:00")
    assert [r["values"]["n"] for r in three["results"]] == [0, 0, 0, 0]  # nothing recorded yet
    assert three["run"]["results_sha256"] == sha256(canonical(three["results"]))
    assert three["run"]["results_sha256"] != one["run"]["results_sha256"]
    assert three["run"]["events_sha256"] != one["run"]["events_sha256"]


def test_runs_are_recorded_in_the_store(tmp_path: Path) -> None:
    policy, staff, data = shape_files(tmp_path)
    doc = run_json(tmp_path, policy, "2026-10", rosters=(staff,), event_files=(data,),
                   as_of="2026-11-02T00:00:00+08:00")  # fmt: skip
    meta = doc["run"]
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, policy, version, policy_text, policy_sha256, period, "
            "events_sha256, results_sha256, CAST(as_of AS VARCHAR) FROM runs"
        ).fetchall()
        results = con.execute(
            "SELECT position, employee_id, period, row_json FROM results WHERE run_id = ? "
            "ORDER BY position",
            [meta["run_id"]],
        ).fetchall()
    assert runs == [
        (
            meta["run_id"], "形状", "2", SHAPE, sha256(SHAPE), "2026-10",
            meta["events_sha256"], meta["results_sha256"], "2026-11-01 16:00:00+00",
        )
    ]  # fmt: skip
    assert results == [
        (i, r["employee_id"], r["period"], canonical(r)) for i, r in enumerate(doc["results"])
    ]


def test_a_policy_with_errors_runs_nothing(tmp_path: Path) -> None:
    policy = write_text(
        tmp_path / "bad.policy", WEEKLY.replace("count(praise)", "count(praise) + x")
    )
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,")
    result = run(tmp_path, policy, "2026-W44", rosters=(staff,), expect_exit=1)
    assert result.stdout == ""
    assert "bad.policy:5:" in result.stderr and "error[E010]" in result.stderr
    assert "unknown name `x`" in result.stderr
    assert "nothing was run" in result.stderr
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "runs" not in tables or con.execute("SELECT count(*) FROM runs").fetchone() == (0,)


# ---- looking back -----------------------------------------------------------------------

LOOK_BACK = """policy "回看" version 1
timezone "Asia/Shanghai"

each month {
  let n = count(praise)
  let before = previous(n)
  award "三连" when n > 0 for 3 consecutive months
  award "轮值" when not previous(awarded("轮值"))
}
"""


def test_previous_and_consecutive_months(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", LOOK_BACK)
    staff = roster(
        tmp_path / "r.csv",
        "A,A,前台,sd,2020-01-01,",
        "B,B,前台,sd,2020-01-01,",
        "C,C,前台,sd,2026-08-10,",  # first rated in August
    )
    data = events(
        tmp_path / "e.csv",
        "a7,A,praise,2026-07-10T10:00:00+08:00",
        "a8,A,praise,2026-08-10T10:00:00+08:00",
        "a9,A,praise,2026-09-10T10:00:00+08:00",
        "a10,A,praise,2026-10-10T10:00:00+08:00",
        "b7,B,praise,2026-07-10T10:00:00+08:00",
        "b9,B,praise,2026-09-10T10:00:00+08:00",
        "b10,B,praise,2026-10-10T10:00:00+08:00",
        "c8,C,praise,2026-08-15T10:00:00+08:00",
        "c9,C,praise,2026-09-15T10:00:00+08:00",
        "c10,C,praise,2026-10-15T10:00:00+08:00",
    )
    invoke(["ingest", "--db", str(tmp_path / "store.duckdb"), "--roster", str(staff),
            "--events", str(data)])  # fmt: skip

    def month(period: str) -> dict[str, tuple[object, object, list[str]]]:
        doc = run_json(tmp_path, policy, period)
        assert {r["period"] for r in doc["results"]} == {period}  # look-back rows not shown
        return {
            r["employee_id"]: (r["values"]["n"], r["values"]["before"], r["awards"])
            for r in doc["results"]
        }

    # 轮值 ("rotation"): previous(awarded) is missing in the first month of history, so
    # `not ...` is true there; then it alternates. A and B: Jul yes, Aug no, Sep yes,
    # Oct no. C was not rated in July (missing as well): Aug yes, Sep no, Oct yes.
    # 三连 in October: A had praise in Aug, Sep, Oct; B missed August; C had all three.
    assert month("2026-10") == {
        "A": (1, 1, ["三连"]),
        "B": (1, 1, []),
        "C": (1, 1, ["三连", "轮值"]),
    }
    # September: A: Jul, Aug, Sep. B: Aug had 0 (rated, n = 0 -> previous is 0).
    # C: not rated in July, which counts as false.
    assert month("2026-09") == {
        "A": (1, 1, ["三连", "轮值"]),
        "B": (1, 0, ["轮值"]),
        "C": (1, 1, []),
    }
    # August: C was not rated in July: previous is missing (null); it gets 轮值 because
    # its previous(awarded) is missing.
    assert month("2026-08") == {"A": (1, 1, []), "B": (0, 1, []), "C": (1, None, ["轮值"])}
    # July holds the first recorded event: history starts there (docs/language.md), so
    # June counts as not rated and previous(n) is missing.
    assert month("2026-07") == {"A": (1, None, ["轮值"]), "B": (1, None, ["轮值"])}


WINS = """policy "周冠" version 1
timezone "Asia/Shanghai"

each week {
  let n = count(praise)
  award "周星" to top 1 by n when n > 0
}
each month {
  let won = wins("周星")
  award "月星" when wins("周星") >= 3
}
"""


def test_wins_counts_the_weekly_awards_settled_in_the_month(tmp_path: Path) -> None:
    policy = write_text(tmp_path / "p.policy", WINS)
    staff = roster(tmp_path / "r.csv", "A,甲,前台,sd,2024-01-01,", "B,乙,前台,sd,2024-01-01,")
    data = events(
        tmp_path / "e.csv",
        "b0,B,praise,2026-10-20T10:00:00+08:00",  # W43: an October week
        "a1,A,praise,2026-10-27T10:00:00+08:00",  # W44: ends 1 Nov, a November week
        "a2,A,praise,2026-11-03T10:00:00+08:00",  # W45
        "b1,B,praise,2026-11-10T10:00:00+08:00",  # W46
        "a3,A,praise,2026-11-18T10:00:00+08:00",  # W47: a tie, both win
        "b2,B,praise,2026-11-18T11:00:00+08:00",  # W47
        "b3,B,praise,2026-11-30T10:00:00+08:00",  # W49: ends 6 Dec, a December week
    )
    doc = run_json(tmp_path, policy, "2026-11", rosters=(staff,), event_files=(data,))
    rows = by_key(doc)
    weekly = {
        week: (rows["A", week]["awards"], rows["B", week]["awards"])
        for week in ("2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48")
    }
    assert weekly == {
        "2026-W44": (["周星"], []),
        "2026-W45": (["周星"], []),
        "2026-W46": ([], ["周星"]),
        "2026-W47": (["周星"], ["周星"]),
        "2026-W48": ([], []),  # nobody has n > 0
    }
    # A won W44, W45, W47: 3 -> 月星. B won W46, W47: 2 (W43 and W49 are not November's).
    assert rows["A", "2026-11"]["values"] == {"won": 3}
    assert rows["A", "2026-11"]["awards"] == ["月星"]
    assert rows["B", "2026-11"]["values"] == {"won": 2}
    assert rows["B", "2026-11"]["awards"] == []


# ---- the installed program --------------------------------------------------------------


# The lines of a warning as `check` prints it: the message, the source line with its caret,
# the help.
DIAGNOSTIC_LINE = re.compile(r"\S+:\d+:\d+: warning\[W\d{3}\]: |\s*\d* \||help: |$")


def test_python_m_starrating_run(tmp_path: Path) -> None:
    policy, staff, data = shape_files(tmp_path)
    db = tmp_path / "store.duckdb"
    command = [sys.executable, "-m", "starrating", "run", str(policy), "--period", "2026-10",
               "--format", "json", "--db", str(db), "--roster", str(staff), "--events",
               str(data), "--as-of", "2026-11-02T00:00:00+08:00"]  # fmt: skip
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    # Quiet when the output is not a terminal: nothing but the policy's own warnings (its
    # stars table skips levels and has no `otherwise`, on purpose: W061, W062).
    noise = [line for line in first.stderr.splitlines() if not DIAGNOSTIC_LINE.match(line)]
    assert noise == []
    doc = json.loads(first.stdout, parse_float=Decimal)
    assert doc["run"]["results_sha256"] == sha256(canonical(doc["results"]))
    assert [r["stars"] for r in doc["results"]] == [5, 3, None, None]
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    redo = json.loads(again.stdout, parse_float=Decimal)
    assert redo["run"]["results_sha256"] == doc["run"]["results_sha256"]
    assert redo["run"]["events_sha256"] == doc["run"]["events_sha256"]
