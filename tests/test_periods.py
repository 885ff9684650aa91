"""Period instances, labels, `--period` resolution and `tenure` (starrating.engine.periods).

The hand-worked cases come first, each checked against a calendar by hand; the
properties after them check the invariants the rest of the system relies on: every
local day lies in exactly one instance per kind, instances are contiguous, labels
round-trip, and the SQL for `tenure` agrees with the Python definition.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starrating.engine.periods import (
    ACCEPTED_FORMS,
    KINDS,
    TENURE_SQL,
    WEEKDAYS,
    Instance,
    PeriodError,
    PeriodLabel,
    add_months,
    enclosing,
    instance_containing,
    instances_within,
    latest_ended,
    local_date,
    longest_kind,
    next_instance,
    parse_label,
    parse_period,
    previous_instance,
    resolve_period,
    shift,
    tenure_months,
    tenure_sql,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat


def span(inst: Instance) -> tuple[str, str, str]:
    return inst.label, inst.start.isoformat(), inst.end.isoformat()


# ---- weeks --------------------------------------------------------------------------------


def test_week_44_of_2026_ends_on_sunday_1_november_and_rolls_into_november() -> None:
    week = instance_containing("week", D("2026-10-28"))
    assert span(week) == ("2026-W44", "2026-10-26", "2026-11-01")
    assert week.week_ending == "sunday"
    assert week.days == 7
    assert week.json_fields() == {
        "period": "2026-W44",
        "period_start": "2026-10-26",
        "period_end": "2026-11-01",
    }
    assert enclosing(week, "month").label == "2026-11"
    assert enclosing(week, "quarter").label == "2026-Q4"
    assert enclosing(week, "half").label == "2026-H2"
    assert enclosing(week, "year").label == "2026"
    assert parse_period("2026-W44") == week
    assert str(week) == "2026-W44"


# Wednesday 2026-10-28, in a week of each kind: (first day, last day, label).
WEEKS_HOLDING_28_OCTOBER = {
    "monday": ("2026-10-27", "2026-11-02", "2026-W45"),
    "tuesday": ("2026-10-28", "2026-11-03", "2026-W45"),
    "wednesday": ("2026-10-22", "2026-10-28", "2026-W44"),
    "thursday": ("2026-10-23", "2026-10-29", "2026-W44"),
    "friday": ("2026-10-24", "2026-10-30", "2026-W44"),
    "saturday": ("2026-10-25", "2026-10-31", "2026-W44"),
    "sunday": ("2026-10-26", "2026-11-01", "2026-W44"),
}


@pytest.mark.parametrize("weekday", WEEKDAYS)
def test_weeks_ending_on_every_weekday(weekday: str) -> None:
    first, last, label = WEEKS_HOLDING_28_OCTOBER[weekday]
    week = instance_containing("week", D("2026-10-28"), weekday)
    assert span(week) == (label, first, last)
    assert week.end.strftime("%A").lower() == weekday
    # The label names the instance whose last day falls in that ISO week.
    assert parse_period(label, weekday) == week


def test_week_label_for_other_weekdays_is_the_week_ending_inside_that_iso_week() -> None:
    # ISO 2026-W44 is Monday 2026-10-26 .. Sunday 2026-11-01.
    assert span(parse_period("2026-W44", "monday")) == ("2026-W44", "2026-10-20", "2026-10-26")
    assert span(parse_period("2026-W44", "wednesday")) == ("2026-W44", "2026-10-22", "2026-10-28")
    assert span(parse_period("2026-W44", "saturday")) == ("2026-W44", "2026-10-25", "2026-10-31")
    assert span(parse_period("2026-W44", None)) == ("2026-W44", "2026-10-26", "2026-11-01")


def test_week_ending_saturday_31_october_belongs_to_october() -> None:
    week = instance_containing("week", D("2026-10-31"), "saturday")
    assert span(week) == ("2026-W44", "2026-10-25", "2026-10-31")
    assert enclosing(week, "month").label == "2026-10"
    october = parse_period("2026-10")
    assert instances_within("week", october.start, october.end, "saturday")[-1] == week


def test_weeks_of_november_include_the_one_ending_1_november() -> None:
    weeks = instances_within("week", D("2026-11-01"), D("2026-11-30"))
    assert [span(w) for w in weeks] == [
        ("2026-W44", "2026-10-26", "2026-11-01"),
        ("2026-W45", "2026-11-02", "2026-11-08"),
        ("2026-W46", "2026-11-09", "2026-11-15"),
        ("2026-W47", "2026-11-16", "2026-11-22"),
        ("2026-W48", "2026-11-23", "2026-11-29"),
    ]
    # The week ending Sunday 2026-10-25 is October's, not November's.
    october = parse_period("2026-10")
    assert instances_within("week", october.start, october.end)[-1].label == "2026-W43"


def test_iso_year_edge_week_53_of_2026() -> None:
    # 2026 starts on a Thursday, so ISO 2026 has 53 weeks; W53 is 2026-12-28 .. 2027-01-03.
    week = instance_containing("week", D("2026-12-31"))
    assert span(week) == ("2026-W53", "2026-12-28", "2027-01-03")
    assert D("2027-01-03").isocalendar()[:2] == (2026, 53)
    assert parse_period("2026-W53") == week
    # It is labelled by its ISO year but settles in January 2027.
    assert enclosing(week, "month").label == "2027-01"
    assert enclosing(week, "year").label == "2027"
    assert next_instance(week).label == "2027-W01"
    assert span(parse_period("2027-W01")) == ("2027-W01", "2027-01-04", "2027-01-10")
    # A week ending on Friday 2027-01-01 is in the same ISO week.
    friday = instance_containing("week", D("2027-01-01"), "friday")
    assert span(friday) == ("2026-W53", "2026-12-26", "2027-01-01")


def test_week_ending_monday_31_december_2029_is_labelled_2030_w01_but_is_2029s() -> None:
    week = instance_containing("week", D("2029-12-31"), "monday")
    assert span(week) == ("2030-W01", "2029-12-25", "2029-12-31")
    assert enclosing(week, "year").label == "2029"
    assert parse_period("2030-W01", "monday") == week
    year = parse_period("2029")
    assert instances_within("week", year.start, year.end, "monday")[-1] == week


def test_iso_week_1_can_start_in_the_previous_year() -> None:
    assert span(parse_period("2026-W01")) == ("2026-W01", "2025-12-29", "2026-01-04")
    assert span(parse_period("2025-W01")) == ("2025-W01", "2024-12-30", "2025-01-05")


# ---- calendar kinds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2026-10", "month", "2026-10-01", "2026-10-31"),
        ("2026-02", "month", "2026-02-01", "2026-02-28"),
        ("2024-02", "month", "2024-02-01", "2024-02-29"),
        ("2026-12", "month", "2026-12-01", "2026-12-31"),
        ("2026-Q1", "quarter", "2026-01-01", "2026-03-31"),
        ("2026-Q2", "quarter", "2026-04-01", "2026-06-30"),
        ("2026-Q3", "quarter", "2026-07-01", "2026-09-30"),
        ("2026-Q4", "quarter", "2026-10-01", "2026-12-31"),
        ("2026-H1", "half", "2026-01-01", "2026-06-30"),
        ("2026-H2", "half", "2026-07-01", "2026-12-31"),
        ("2026", "year", "2026-01-01", "2026-12-31"),
    ],
)
def test_calendar_labels(text: str, kind: str, first: str, last: str) -> None:
    inst = parse_period(text)
    assert (inst.kind, inst.label, inst.start, inst.end) == (kind, text, D(first), D(last))
    assert inst.week_ending is None
    assert instance_containing(kind, D(first)) == inst == instance_containing(kind, D(last))


def test_quarter_half_and_year_boundaries() -> None:
    assert instance_containing("quarter", D("2026-03-31")).label == "2026-Q1"
    assert instance_containing("quarter", D("2026-04-01")).label == "2026-Q2"
    assert instance_containing("half", D("2026-06-30")).label == "2026-H1"
    assert instance_containing("half", D("2026-07-01")).label == "2026-H2"
    assert instance_containing("year", D("2026-12-31")).label == "2026"
    assert instance_containing("year", D("2027-01-01")).label == "2027"
    assert next_instance(parse_period("2026-Q4")).label == "2027-Q1"
    assert previous_instance(parse_period("2026-Q1")).label == "2025-Q4"
    assert next_instance(parse_period("2026-H2")).label == "2027-H1"
    assert previous_instance(parse_period("2026-01")).label == "2025-12"
    assert shift(parse_period("2026-10"), -10).label == "2025-12"
    assert shift(parse_period("2026-W44"), 10).label == "2027-W01"  # via 2026-W53
    assert shift(parse_period("2026"), 3).label == "2029"
    q4 = parse_period("2026-Q4")
    assert [m.label for m in instances_within("month", q4.start, q4.end)] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    year = parse_period("2026")
    assert [h.label for h in instances_within("half", year.start, year.end)] == [
        "2026-H1",
        "2026-H2",
    ]
    assert len(instances_within("week", year.start, year.end)) == 52  # 2026-01-04..12-27
    assert instances_within("month", D("2026-10-02"), D("2026-10-30")) == []
    assert instances_within("month", D("2026-11-01"), D("2026-10-31")) == []


def test_ordering_is_chronological_and_shorter_first_on_the_same_last_day() -> None:
    october = parse_period("2026-10")
    last_week = instance_containing("week", D("2026-10-31"), "saturday")
    q4 = parse_period("2026-Q4")
    september = parse_period("2026-09")
    assert sorted([q4, october, last_week, september]) == [september, last_week, october, q4]


def test_instances_check_their_own_fields() -> None:
    good = parse_period("2026-10")
    assert Instance(kind="month", start=good.start, end=good.end, label="2026-10") == good
    with pytest.raises(
        PeriodError, match=re.escape("expected 2026-10-01..2026-10-31 labelled '2026-10'")
    ):
        Instance(kind="month", start=D("2026-10-01"), end=D("2026-10-31"), label="2026-11")
    with pytest.raises(PeriodError, match="no month instance ends on 2026-10-30"):
        Instance(kind="month", start=D("2026-10-01"), end=D("2026-10-30"), label="2026-10")
    with pytest.raises(PeriodError, match="needs its week_ending"):
        Instance(kind="week", start=D("2026-10-26"), end=D("2026-11-01"), label="2026-W44")
    with pytest.raises(PeriodError, match="only weeks"):
        Instance(
            kind="month", start=good.start, end=good.end, label="2026-10", week_ending="sunday"
        )
    with pytest.raises(PeriodError, match="unknown period kind 'fortnight'"):
        instance_containing("fortnight", D("2026-10-01"))
    with pytest.raises(PeriodError, match="unknown weekday 'Sunday'"):
        instance_containing("week", D("2026-10-01"), "Sunday")


# ---- parsing -----------------------------------------------------------------------------


def test_parse_label_accepts_lower_case_and_spaces() -> None:
    assert parse_label(" 2026-w44 ") == PeriodLabel("week", 2026, 44)
    assert parse_label("2026-q4") == PeriodLabel("quarter", 2026, 4)
    assert parse_label("2026-h1") == PeriodLabel("half", 2026, 1)
    assert parse_label("2026-01") == PeriodLabel("month", 2026, 1)
    assert parse_label("2026") == PeriodLabel("year", 2026, 0)
    assert parse_period("2026-q4").label == "2026-Q4"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", ""),
        ("2026-1", ""),
        ("26-10", ""),
        ("2026-W5", ""),
        ("2026-10-01", ""),
        ("2026/10", ""),
        ("October 2026", ""),
        ("2026-M10", ""),
        ("2026-00", "months are 01-12"),
        ("2026-13", "months are 01-12"),
        ("2026-W00", "ISO year 2026 has weeks W01-W53"),
        ("2026-W54", "ISO year 2026 has weeks W01-W53"),
        ("2027-W53", "ISO year 2027 has weeks W01-W52"),
        ("2026-Q0", "quarters are Q1-Q4"),
        ("2026-Q5", "quarters are Q1-Q4"),
        ("2026-H0", "halves are H1"),
        ("2026-H3", "halves are H1"),
        ("0000", "years run from 0001 to 9999"),
    ],
)
def test_parse_errors_say_what_is_accepted(text: str, why: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert repr(text) in message
    assert why in message
    assert message.endswith(f"expected one of: {ACCEPTED_FORMS}")
    assert isinstance(caught.value, ValueError)


def test_previous_is_not_a_label() -> None:
    with pytest.raises(PeriodError, match="resolve_period"):
        parse_period("previous")


# ---- --period and `previous` --------------------------------------------------------------

WEEKS_AND_MONTHS: dict[str, str | None] = {"week": "sunday", "month": None}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Midnight starting 2 November in Shanghai: October has ended.
        ("2026-11-02T00:00:00+08:00", "2026-10"),
        # 23:00 UTC on 31 October is 07:00 on 1 November in Shanghai: October has ended.
        ("2026-10-31T23:00:00+00:00", "2026-10"),
        # ... while 15:59 UTC is still 31 October there: September is the latest ended.
        ("2026-10-31T15:59:00+00:00", "2026-09"),
        # 30 November has not ended at noon, so November has not ended.
        ("2026-11-30T12:00:00+08:00", "2026-10"),
        ("2026-12-01T00:00:00+08:00", "2026-11"),
        # A naive as-of time is local time in the policy's zone.
        ("2026-11-01T00:00:00", "2026-10"),
        ("2026-10-31T23:59:59", "2026-09"),
        # Across the year.
        ("2027-01-01T00:00:00+08:00", "2026-12"),
    ],
)
def test_previous_is_the_latest_ended_instance_of_the_longest_kind(
    as_of: str, expected: str
) -> None:
    inst = resolve_period("previous", WEEKS_AND_MONTHS, datetime.fromisoformat(as_of), SHANGHAI)
    assert (inst.kind, inst.label) == ("month", expected)


def test_previous_for_a_weekly_policy() -> None:
    weekly: dict[str, str | None] = {"week": "sunday"}
    at = datetime.fromisoformat
    assert resolve_period("previous", weekly, at("2026-11-02T00:00+08:00"), SHANGHAI).label == (
        "2026-W44"
    )
    assert resolve_period("previous", weekly, at("2026-11-01T23:59+08:00"), SHANGHAI).label == (
        "2026-W43"
    )
    friday = resolve_period(
        " Previous ", {"week": "friday"}, at("2026-11-01T12:00+08:00"), SHANGHAI
    )
    assert span(friday) == ("2026-W44", "2026-10-24", "2026-10-30")


def test_latest_ended_excludes_the_instance_ending_today() -> None:
    assert latest_ended("month", D("2026-10-31"), None).label == "2026-09"
    assert latest_ended("month", D("2026-11-01"), None).label == "2026-10"
    assert latest_ended("week", D("2026-11-01"), "sunday").label == "2026-W43"
    assert latest_ended("year", D("2027-01-01"), None).label == "2026"


def test_resolve_labels_uses_the_policys_week_ending() -> None:
    as_of = datetime(2026, 11, 2, tzinfo=SHANGHAI)
    kinds: dict[str, str | None] = {"week": "wednesday", "month": None}
    assert span(resolve_period("2026-W44", kinds, as_of, SHANGHAI)) == (
        "2026-W44",
        "2026-10-22",
        "2026-10-28",
    )
    assert resolve_period("2026-10", kinds, as_of, SHANGHAI) == parse_period("2026-10")
    # A label for a period that has not ended yet is a provisional run, allowed.
    assert resolve_period("2026-12", kinds, as_of, SHANGHAI).label == "2026-12"
    # A bare `week` block (None) means weeks ending sunday.
    assert resolve_period("2026-W44", {"week": None}, as_of, SHANGHAI).end == D("2026-11-01")


def test_resolve_rejects_a_kind_the_policy_has_no_block_for() -> None:
    as_of = datetime(2026, 11, 2, tzinfo=SHANGHAI)
    with pytest.raises(PeriodError) as caught:
        resolve_period("2026-10", {"week": "friday"}, as_of, SHANGHAI)
    assert str(caught.value) == (
        "period '2026-10' is a month, but the policy has no `each month` block; "
        "the policy's blocks are: week ending friday"
    )
    with pytest.raises(PeriodError, match=r"blocks are: week ending sunday, month$"):
        resolve_period("2026-Q4", {"month": None, "week": None}, as_of, SHANGHAI)
    with pytest.raises(PeriodError, match="no blocks"):
        resolve_period("previous", {}, as_of, SHANGHAI)
    with pytest.raises(PeriodError, match="expected one of"):
        resolve_period("last month", {"month": None}, as_of, SHANGHAI)
    with pytest.raises(PeriodError, match="only weeks"):
        resolve_period("2026-10", {"month": "sunday"}, as_of, SHANGHAI)


def test_longest_kind() -> None:
    assert longest_kind(["week", "month"]) == "month"
    assert longest_kind(["year", "week", "quarter"]) == "year"
    assert longest_kind(["week"]) == "week"


def test_local_date() -> None:
    assert local_date(datetime.fromisoformat("2026-10-31T23:00:00Z"), SHANGHAI) == D("2026-11-01")
    assert local_date(datetime.fromisoformat("2026-10-31T23:00:00"), SHANGHAI) == D("2026-10-31")
    new_york = ZoneInfo("America/New_York")
    assert local_date(datetime.fromisoformat("2026-11-01T03:30:00Z"), new_york) == D("2026-10-31")


# ---- months and tenure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "k", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-01-31", 2, "2026-03-31"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-10-15", 3, "2027-01-15"),
        ("2026-01-15", -13, "2024-12-15"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2026-05-31", 0, "2026-05-31"),
    ],
)
def test_add_months(start: str, k: int, expected: str) -> None:
    assert add_months(D(start), k) == D(expected)


@pytest.mark.parametrize(
    ("hire", "last_day", "expected"),
    [
        ("2026-01-31", "2026-02-28", 1),  # 31 Jan + 1 month = 28 Feb
        ("2026-01-31", "2026-02-27", 0),
        ("2026-01-31", "2026-03-30", 1),
        ("2026-01-31", "2026-03-31", 2),
        ("2024-01-31", "2024-02-28", 0),  # leap year: 31 Jan + 1 month = 29 Feb
        ("2024-01-31", "2024-02-29", 1),
        ("2024-02-29", "2025-02-28", 12),  # 29 Feb + 12 months = 28 Feb
        ("2024-02-29", "2025-02-27", 11),
        ("2024-02-29", "2024-03-28", 0),
        ("2024-02-29", "2024-03-29", 1),
        ("2025-01-01", "2026-10-31", 21),
        ("2026-10-31", "2026-10-31", 0),  # hired on the last day
        ("2026-10-01", "2026-10-31", 0),
        ("2026-09-30", "2026-10-31", 1),
        ("2026-11-01", "2026-10-31", -1),  # hired after the instance: negative
    ],
)
def test_tenure_months(hire: str, last_day: str, expected: int) -> None:
    assert tenure_months(D(hire), D(last_day)) == expected
    assert brute_tenure(D(hire), D(last_day)) == expected


def test_tenure_of_an_employee_hired_after_the_last_day_is_what_the_definition_gives() -> None:
    # 30 Nov - 1 month = 30 Oct <= 31 Oct, and + 0 months = 30 Nov > 31 Oct: largest k is -1.
    assert tenure_months(D("2026-11-30"), D("2026-10-31")) == -1
    assert tenure_months(D("2027-01-15"), D("2026-10-31")) == -3


def brute_tenure(hire: date, last_day: date) -> int:
    """The definition, literally: the largest k with add_months(hire, k) <= last_day."""
    k = (last_day.year - hire.year) * 12 + (last_day.month - hire.month) + 2
    while add_months(hire, k) > last_day:
        k -= 1
    return k


def test_tenure_sql_template() -> None:
    assert "{hire_date}" in TENURE_SQL and "{period_end}" in TENURE_SQL
    assert tenure_sql() == TENURE_SQL.format(hire_date="hire_date", period_end="period_end")


@pytest.fixture(scope="module")
def duck() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def sql_tenures(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[date, date]]
) -> list[tuple[date, date, int | None]]:
    rows = con.execute(
        f"SELECT hire_date, period_end, {tenure_sql()} FROM ("
        "  SELECT unnest($h::DATE[]) AS hire_date, unnest($p::DATE[]) AS period_end)",
        {"h": [h for h, _ in pairs], "p": [p for _, p in pairs]},
    ).fetchall()
    return [(h, p, t) for h, p, t in rows]


def test_tenure_sql_matches_python_on_every_pair_of_days_around_a_leap_year(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    hires = [D("2023-11-25") + timedelta(days=i) for i in range(130)]  # .. 2024-04-02
    ends = [D("2024-01-20") + timedelta(days=i) for i in range(450)]  # .. 2025-04-14
    pairs = list(itertools.product(hires, ends))
    rows = sql_tenures(duck, pairs)
    assert len(rows) == len(pairs)
    wrong = [(h, p, t) for h, p, t in rows if t != tenure_months(h, p)]
    assert wrong == []


def test_tenure_sql_null_hire_date_is_null(duck: duckdb.DuckDBPyConnection) -> None:
    expr = tenure_sql("CAST(NULL AS DATE)", "DATE '2026-10-31'")
    assert duck.execute(f"SELECT {expr}").fetchone() == (None,)


# ---- properties ---------------------------------------------------------------------------

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
kinds = st.sampled_from(KINDS)
weekdays = st.sampled_from(WEEKDAYS)


@given(day=days, kind=kinds, weekday=weekdays)
def test_every_day_lies_in_exactly_one_instance_per_kind(
    kind: str, day: date, weekday: str
) -> None:
    inst = instance_containing(kind, day, weekday)
    assert inst.contains(day)
    assert inst.kind == kind
    assert inst.week_ending == (weekday if kind == "week" else None)
    # Among all instances ending within a window around the day, exactly one holds it.
    around = instances_within(kind, day - timedelta(days=200), day + timedelta(days=400), weekday)
    assert [i for i in around if i.contains(day)] == [inst]
    # Every day of the instance maps back to it.
    assert instance_containing(kind, inst.start, weekday) == inst
    assert instance_containing(kind, inst.end, weekday) == inst
    assert previous_instance(inst).end == inst.start - timedelta(days=1)
    assert next_instance(inst).start == inst.end + timedelta(days=1)


@given(start=days, length=st.integers(min_value=0, max_value=800), kind=kinds, weekday=weekdays)
def test_instances_within_are_contiguous_and_selected_by_their_last_day(
    start: date, length: int, kind: str, weekday: str
) -> None:
    end = start + timedelta(days=length)
    found = instances_within(kind, start, end, weekday)
    assert found == sorted(found)
    assert all(start <= i.end <= end for i in found)
    for before, after in itertools.pairwise(found):
        assert after.start == before.end + timedelta(days=1)
        assert next_instance(before) == after
    # Nothing is missed at either side.
    if found:
        assert previous_instance(found[0]).end < start
        assert next_instance(found[-1]).end > end
    else:
        assert instance_containing(kind, start, weekday).end > end


@given(day=days, kind=kinds, weekday=weekdays)
def test_labels_round_trip_and_follow_the_last_day(kind: str, day: date, weekday: str) -> None:
    inst = instance_containing(kind, day, weekday)
    assert parse_period(inst.label, weekday) == inst
    assert parse_label(inst.label).kind == kind
    if kind == "week":
        iso_year, iso_week, iso_day = inst.end.isocalendar()
        assert inst.label == f"{iso_year:04d}-W{iso_week:02d}"
        assert WEEKDAYS[iso_day - 1] == weekday
        assert inst.days == 7
    else:
        assert inst.start.day == 1
        assert inst.label.startswith(f"{inst.end.year:04d}")
        assert inst.start.year == inst.end.year
        assert (inst.end + timedelta(days=1)).day == 1


@given(day=days, weekday=weekdays, pair=st.sampled_from(list(itertools.combinations(KINDS, 2))))
def test_shorter_instances_nest_in_longer_ones_by_their_last_day(
    day: date, weekday: str, pair: tuple[str, str]
) -> None:
    short, long = pair
    inst = instance_containing(short, day, weekday)
    parent = enclosing(inst, long, weekday)
    assert parent.contains(inst.end)
    assert inst in instances_within(short, parent.start, parent.end, weekday)
    if short != "week":  # calendar kinds nest wholly
        assert parent.start <= inst.start


@given(day=days, kind=kinds, weekday=weekdays, n=st.integers(-60, 60), m=st.integers(-60, 60))
def test_shift_composes(day: date, kind: str, weekday: str, n: int, m: int) -> None:
    inst = instance_containing(kind, day, weekday)
    assert shift(shift(inst, n), m) == shift(inst, n + m)
    assert shift(inst, 0) == inst
    assert (shift(inst, n) < inst) == (n < 0)


@given(now=days, kind=kinds, weekday=weekdays)
def test_latest_ended_has_ended_and_its_successor_has_not(
    now: date, kind: str, weekday: str
) -> None:
    ended = latest_ended(kind, now, weekday)
    assert ended.end < now
    assert next_instance(ended).end >= now


@given(hire=days, last_day=days)
def test_tenure_closed_form_matches_the_definition(hire: date, last_day: date) -> None:
    assert tenure_months(hire, last_day) == brute_tenure(hire, last_day)


@settings(max_examples=50, deadline=None)
@given(pairs=st.lists(st.tuples(days, days), min_size=1, max_size=50))
def test_tenure_sql_matches_python(pairs: list[tuple[date, date]]) -> None:
    with duckdb.connect() as con:
        rows = sql_tenures(con, pairs)
    assert sorted(rows) == sorted((h, p, tenure_months(h, p)) for h, p in pairs)
