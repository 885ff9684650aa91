"""The reference evaluator's own calendar (tests/reference.py) against hand-worked facts.

The reference walks days to find period instances so that it shares no period arithmetic
with starrating.engine.periods. Each fact below was worked out with a paper calendar from
docs/language.md sections 3 and 5.4 (the working is in the comments); the last tests then
compare the two calendars day by day, so that a disagreement points at one of them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from reference import WEEKDAYS, Calendar, iso_week_label, tenure_months

from starrating.engine import periods as P

D = date.fromisoformat


def span(calendar: Calendar, kind: str, day: str) -> tuple[str, str, str]:
    inst = calendar.containing(kind, D(day))
    return inst.label, inst.start.isoformat(), inst.end.isoformat()


# ---- weeks and their ISO labels -----------------------------------------------------------


def test_week_44_of_2026_is_monday_26_october_to_sunday_1_november() -> None:
    # docs/language.md section 3.1.
    assert span(Calendar(), "week", "2026-10-28") == ("2026-W44", "2026-10-26", "2026-11-01")


def test_week_ending_wednesday_is_labelled_by_the_iso_week_of_its_last_day() -> None:
    # docs/language.md section 3.1: with `week ending wednesday`, 2026-W44 is Thursday 22
    # to Wednesday 28 October (28 October lies in ISO week 44).
    calendar = Calendar("wednesday")
    assert span(calendar, "week", "2026-10-22") == ("2026-W44", "2026-10-22", "2026-10-28")
    assert calendar.parse("2026-W44").start == D("2026-10-22")


def test_iso_week_labels_around_year_boundaries() -> None:
    # 1 January 2026 is a Thursday, so ISO week 1 of 2026 is Monday 29 December 2025 to
    # Sunday 4 January 2026, and the week before it is 2025-W52.
    assert span(Calendar(), "week", "2025-12-31") == ("2026-W01", "2025-12-29", "2026-01-04")
    assert span(Calendar(), "week", "2025-12-28") == ("2025-W52", "2025-12-22", "2025-12-28")
    # 2026 ends on a Thursday, so it has 53 ISO weeks: W53 is 28 December 2026 to 3 January
    # 2027 (docs/language.md section 3.2), and it belongs to January 2027.
    assert span(Calendar(), "week", "2027-01-01") == ("2026-W53", "2026-12-28", "2027-01-03")
    # 1 January 2021 is a Friday: it lies in the last ISO week of 2020 (W53), and ISO 2021
    # starts on Monday 4 January.
    assert iso_week_label(D("2021-01-01")) == "2020-W53"
    assert iso_week_label(D("2021-01-03")) == "2020-W53"
    assert iso_week_label(D("2021-01-04")) == "2021-W01"
    # Monday 31 December 2029 ends a week ending monday; its ISO week is that of Thursday
    # 3 January 2030, so the week is labelled 2030-W01 though all its days are in 2029.
    monday_weeks = Calendar("monday")
    assert span(monday_weeks, "week", "2029-12-31") == ("2030-W01", "2029-12-25", "2029-12-31")
    assert monday_weeks.containing("month", D("2029-12-31")).label == "2029-12"


def test_the_weeks_of_a_month_are_those_ending_in_it() -> None:
    # docs/language.md section 3.2: November 2026's weeks are W44 (ending Sunday 1 Nov) to
    # W48 (ending 29 Nov); the week ending 6 December is December's.
    calendar = Calendar()
    november = calendar.parse("2026-11")
    weeks = calendar.within("week", november)
    assert [w.label for w in weeks] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [w.end.day for w in weeks] == [1, 8, 15, 22, 29]
    # ...and January 2027's first week is 2026-W53.
    assert calendar.within("week", calendar.parse("2027-01"))[0].label == "2026-W53"


def test_previous_and_next_week_cross_the_year() -> None:
    calendar = Calendar()
    w01 = calendar.parse("2026-W01")
    assert calendar.previous(w01).label == "2025-W52"
    assert calendar.next(calendar.previous(w01)) == w01


# ---- months, quarters, halves, years ------------------------------------------------------


def test_calendar_kinds() -> None:
    calendar = Calendar()
    assert span(calendar, "month", "2024-02-10") == ("2024-02", "2024-02-01", "2024-02-29")
    assert span(calendar, "month", "2026-02-10") == ("2026-02", "2026-02-01", "2026-02-28")
    assert span(calendar, "quarter", "2026-11-30") == ("2026-Q4", "2026-10-01", "2026-12-31")
    assert span(calendar, "half", "2026-06-30") == ("2026-H1", "2026-01-01", "2026-06-30")
    assert span(calendar, "half", "2026-07-01") == ("2026-H2", "2026-07-01", "2026-12-31")
    assert span(calendar, "year", "2026-07-01") == ("2026", "2026-01-01", "2026-12-31")


def test_a_half_holds_two_quarters_and_six_months() -> None:
    calendar = Calendar()
    h1 = calendar.parse("2026-H1")
    assert [x.label for x in calendar.within("quarter", h1)] == ["2026-Q1", "2026-Q2"]
    assert [x.label for x in calendar.within("month", h1)] == [f"2026-{m:02d}" for m in range(1, 7)]
    assert calendar.previous(h1).label == "2025-H2"


# ---- tenure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hire", "last_day", "months"),
    [
        # docs/language.md section 5.4's table.
        ("2025-10-15", "2026-10-14", 11),
        ("2025-10-15", "2026-10-15", 12),
        ("2026-01-31", "2026-02-27", 0),
        ("2026-01-31", "2026-02-28", 1),
        ("2026-10-20", "2026-10-31", 0),
        # At month ends the day is clamped: 31 Jan + 3 months = 30 April; + 1 month in a
        # leap year = 29 February; 31 March + 1 month = 30 April.
        ("2026-01-31", "2026-04-30", 3),
        ("2026-01-31", "2026-04-29", 2),
        ("2024-01-31", "2024-02-29", 1),
        ("2026-03-31", "2026-04-30", 1),
        # A hire on the last day has 0 months; one the day after has -1 (31 Oct - 1 month
        # is 1 Oct, on or before 31 October).
        ("2026-10-31", "2026-10-31", 0),
        ("2026-11-01", "2026-10-31", -1),
    ],
)
def test_tenure_in_months(hire: str, last_day: str, months: int) -> None:
    assert tenure_months(D(hire), D(last_day)) == months


# ---- against the standard library and the engine's calendar -------------------------------


def days(first: str, last: str) -> list[date]:
    count = (D(last) - D(first)).days + 1
    return [D(first) + timedelta(days=n) for n in range(count)]


def test_iso_week_labels_match_the_standard_library() -> None:
    for day in days("2019-12-01", "2033-01-31"):
        iso_year, week, _ = day.isocalendar()
        assert iso_week_label(day) == f"{iso_year:04d}-W{week:02d}", day


@pytest.mark.parametrize("week_ending", WEEKDAYS)
def test_every_day_lies_in_one_instance_and_instances_tile_the_calendar(week_ending: str) -> None:
    calendar = Calendar(week_ending)
    for kind in ("week", "month", "quarter", "half", "year"):
        inst = calendar.containing(kind, D("2025-12-20"))
        while inst.start <= D("2028-01-10"):
            following = calendar.next(inst)
            assert following.start == inst.end + timedelta(days=1)
            assert calendar.parse(inst.label) == inst
            inst = following


@pytest.mark.parametrize("week_ending", WEEKDAYS)
def test_the_two_calendars_agree_day_by_day(week_ending: str) -> None:
    calendar = Calendar(week_ending)
    for day in days("2025-12-01", "2027-02-28"):
        for kind in ("week", "month", "quarter", "half", "year"):
            mine = calendar.containing(kind, day)
            theirs = P.instance_containing(kind, day, week_ending)
            assert (mine.label, mine.start, mine.end) == (theirs.label, theirs.start, theirs.end)
        hire = D("2024-01-31")
        assert tenure_months(hire, day) == P.tenure_months(hire, day), day
