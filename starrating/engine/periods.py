"""Period instances: weeks, months, quarters, halves and years on the local calendar.

Everything a policy counts is bucketed into period instances (docs/language.md section 3), and
every result row is labelled with one (docs/data.md section 5: ``period``,
``period_start``, ``period_end``). This module is the single place that knows the
calendar rules, so the compiler, the CLI and the reports cannot disagree about which
days a period holds, what it is called, or how periods nest. It is pure Python
(``datetime``/``zoneinfo`` only) so it can be tested exhaustively and reasoned about
without a database; the one rule that must also run inside DuckDB (``tenure``) is given
as a SQL template, :data:`TENURE_SQL`, tested against the Python function.

The rules, in one place:

- Instances are ranges of *local* days (in the policy's timezone); ``start`` and ``end``
  are both inclusive, because the last day is what people call the settlement day.
- ``week ending WEEKDAY`` is the 7 local days ending on that weekday. It is labelled
  with the ISO week of its **last** day (``2026-W44``), so every ISO week holds exactly
  one instance of each week kind and the labels stay unique and sortable.
- A week belongs to the month, quarter, half and year of its last day; longer kinds nest
  as calendar periods do. :func:`instances_within` therefore selects instances by their
  last day.
- Labels: ``2026-W44``, ``2026-10``, ``2026-Q4``, ``2026-H2``, ``2026``; ``--period``
  also takes ``previous`` (see :func:`resolve_period`).
- Years are limited to 0001-9999 (what :class:`datetime.date` can hold); an instance
  that would leave that range raises :class:`PeriodError`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from ..i18n import _

__all__ = [
    "ACCEPTED_FORMS",
    "KINDS",
    "TENURE_SQL",
    "WEEKDAYS",
    "Instance",
    "PeriodError",
    "PeriodLabel",
    "add_months",
    "enclosing",
    "instance_containing",
    "instances_within",
    "latest_ended",
    "local_date",
    "longest_kind",
    "next_instance",
    "parse_label",
    "parse_period",
    "previous_instance",
    "resolve_period",
    "shift",
    "tenure_months",
    "tenure_sql",
]

# Shortest to longest: the order in which blocks nest and are evaluated. The same names
# as `starrating.ast.PERIOD_KINDS`; repeated here so this module stands on its own.
KINDS: tuple[str, ...] = ("week", "month", "quarter", "half", "year")

# Index = `date.weekday()` (Monday = 0), the same spelling as the policy language.
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

# Months per instance for the calendar kinds; weeks are handled on their own.
_MONTHS_PER: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}

# Shown in every parse error so a user at the command line sees what would have worked.
ACCEPTED_FORMS = "2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026, previous"


class PeriodError(ValueError):
    """A period label, kind or weekday that does not name a period instance.

    A ``ValueError`` so that generic callers can treat it as bad input; the CLI reports
    its message as a usage error.
    """


# ---- instances ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True, kw_only=True)
class Instance:
    """One period instance: a run of local days with its kind and label.

    Fields are keyword-only because ``end`` comes first: the generated ordering compares
    fields in declaration order, and sorting by the last day is chronological within a
    kind and matches how results are sorted (by ``period_end``). Between kinds that end
    on the same day, the shorter kind sorts first (``_rank``), so a month's last week
    comes before the month, which is also the order in which they must be evaluated.

    Construction checks that the fields describe a real instance (the right days and the
    right label), so an ``Instance`` can never disagree with the calendar rules; build
    them with :func:`instance_containing`, :func:`parse_period` and friends.
    """

    end: date  # the last local day, inclusive (the settlement day)
    _rank: int = field(init=False, repr=False)
    start: date  # the first local day, inclusive
    kind: str  # "week", "month", "quarter", "half" or "year"
    label: str  # "2026-W44", "2026-10", "2026-Q4", "2026-H2", "2026"
    week_ending: str | None = None  # the weekday name for weeks, None for other kinds

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        if self.kind == "week":
            if self.week_ending is None:
                raise PeriodError(_("a week instance needs its week_ending weekday"))
            _check_weekday(self.week_ending)
        elif self.week_ending is not None:
            raise PeriodError(
                _("only weeks have a week_ending, not a {kind}").format(kind=self.kind)
            )
        start, label = _span_ending(self.kind, self.end, self.week_ending)
        if (start, label) != (self.start, self.label):
            raise PeriodError(
                _(
                    "not a {kind} instance: {start}..{end} labelled {label} "
                    "(expected {expected_start}..{end} labelled {expected_label})"
                ).format(
                    kind=self.describe_kind(), start=self.start, end=self.end,
                    label=repr(self.label), expected_start=start, expected_label=repr(label),
                )
            )  # fmt: skip
        object.__setattr__(self, "_rank", KINDS.index(self.kind))

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        """Number of local days in the instance (both ends included)."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        """Whether a local date lies inside the instance (events are counted this way)."""
        return self.start <= day <= self.end

    def describe_kind(self) -> str:
        """The kind as a policy writes it: ``week ending sunday``, ``month``..."""
        return f"week ending {self.week_ending}" if self.kind == "week" else self.kind

    def json_fields(self) -> dict[str, str]:
        """The period fields of a result row (docs/data.md section 5)."""
        return {
            "period": self.label,
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
        }


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise PeriodError(
            _("unknown period kind {kind}; expected one of {kinds}").format(
                kind=repr(kind), kinds=", ".join(KINDS)
            )
        )


def _check_weekday(weekday: str) -> int:
    try:
        return WEEKDAYS.index(weekday)
    except ValueError:
        raise PeriodError(
            _("unknown weekday {weekday}; expected one of {weekdays}").format(
                weekday=repr(weekday), weekdays=", ".join(WEEKDAYS)
            )
        ) from None


def _week_ending(kind: str, week_ending: str | None) -> str | None:
    """The weekday an instance of ``kind`` carries: a weekday for weeks, else None."""
    if kind != "week":
        return None
    weekday = "sunday" if week_ending is None else week_ending
    _check_weekday(weekday)
    return weekday


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _label(kind: str, end: date) -> str:
    """The label of the instance of ``kind`` whose last day is ``end``."""
    if kind == "week":
        iso_year, iso_week, _weekday = end.isocalendar()
        return f"{iso_year:04d}-W{iso_week:02d}"
    if kind == "month":
        return f"{end.year:04d}-{end.month:02d}"
    if kind == "quarter":
        return f"{end.year:04d}-Q{(end.month - 1) // 3 + 1}"
    if kind == "half":
        return f"{end.year:04d}-H{(end.month - 1) // 6 + 1}"
    return f"{end.year:04d}"


def _span_ending(kind: str, end: date, week_ending: str | None) -> tuple[date, str]:
    """The first day and label of the instance that ends on ``end``.

    Raises when no instance of that kind ends on that day (the check behind
    :class:`Instance`'s constructor).
    """
    start, real_end = _span_containing(kind, end, week_ending)
    if real_end != end:
        raise PeriodError(
            _("no {kind} instance ends on {end}; the one containing it ends {real_end}").format(
                kind=kind, end=end, real_end=real_end
            )
        )
    return start, _label(kind, end)


def _span_containing(kind: str, day: date, week_ending: str | None) -> tuple[date, date]:
    """First and last day of the instance of ``kind`` that contains ``day``."""
    try:
        if kind == "week":
            weekday = _check_weekday(week_ending or "sunday")
            end = day + timedelta(days=(weekday - day.weekday()) % 7)
            return end - timedelta(days=6), end
        size = _MONTHS_PER[kind]
        first_month = (day.month - 1) // size * size + 1
        return date(day.year, first_month, 1), _month_end(day.year, first_month + size - 1)
    except OverflowError:
        raise PeriodError(
            _("the {kind} containing {day} lies outside years 0001-9999").format(kind=kind, day=day)
        ) from None


def instance_containing(kind: str, day: date, week_ending: str | None = "sunday") -> Instance:
    """The instance of ``kind`` that contains the local date ``day``.

    This is how an event's local date is bucketed. ``week_ending`` only matters for
    weeks (None means sunday, like a bare ``week`` in a policy) and is ignored for the
    calendar kinds, so callers can pass a policy's block settings through unchanged.
    """
    _check_kind(kind)
    weekday = _week_ending(kind, week_ending)
    start, end = _span_containing(kind, day, weekday)
    return Instance(kind=kind, start=start, end=end, label=_label(kind, end), week_ending=weekday)


def instances_within(
    kind: str, start: date, end: date, week_ending: str | None = "sunday"
) -> list[Instance]:
    """Every instance of ``kind`` whose **last** day lies in ``[start, end]``, in order.

    Selecting by the last day is the nesting rule: the weeks of November 2026 include the
    week 2026-10-26..2026-11-01, whose October days are counted in that week but whose
    result rolls into November. For calendar kinds nested in longer calendar kinds this
    is the same as "lies inside". An empty range (``start > end``) gives no instances.
    """
    found: list[Instance] = []
    if start > end:
        return found
    inst = instance_containing(kind, start, week_ending)
    while inst.end <= end:
        found.append(inst)
        if inst.end == end:  # stop before stepping past the range (and past year 9999)
            break
        inst = next_instance(inst)
    return found


def enclosing(inst: Instance, kind: str, week_ending: str | None = "sunday") -> Instance:
    """The instance of ``kind`` that ``inst`` rolls into: the one holding its last day.

    For a shorter ``kind`` than ``inst`` this is simply the sub-period that contains the
    settlement day, which is rarely what you want; use :func:`instances_within` for the
    sub-periods of an instance.
    """
    return instance_containing(kind, inst.end, week_ending)


def shift(inst: Instance, n: int) -> Instance:
    """The instance ``n`` steps after ``inst`` (before it when ``n`` is negative).

    Used to walk back for ``previous(...)`` and ``for N consecutive ...``.
    """
    try:
        if inst.kind == "week":
            day = inst.end + timedelta(weeks=n)
        else:
            day = add_months(inst.start, n * _MONTHS_PER[inst.kind])
    except (OverflowError, ValueError):
        raise PeriodError(
            _("{steps} {kind}s from {label} is outside years 0001-9999").format(
                steps=f"{n:+d}", kind=inst.kind, label=inst.label
            )
        ) from None
    return instance_containing(inst.kind, day, inst.week_ending)


def next_instance(inst: Instance) -> Instance:
    """The instance right after ``inst`` (its first day is the day after ``inst.end``)."""
    return shift(inst, 1)


def previous_instance(inst: Instance) -> Instance:
    """The instance right before ``inst`` (its last day is the day before ``inst.start``)."""
    return shift(inst, -1)


def latest_ended(kind: str, now_local: date, week_ending: str | None = "sunday") -> Instance:
    """The latest instance of ``kind`` whose last day is before ``now_local``.

    An instance has ended only once its whole last day is over, so an instance that
    ends today has not ended: a batch job run at 00:05 on 1 November settles October,
    and one run late on 31 October still settles September.
    """
    return previous_instance(instance_containing(kind, now_local, week_ending))


def longest_kind(kinds: Iterable[str]) -> str:
    """The longest period kind among ``kinds`` (the kind ``previous`` runs)."""
    present = list(kinds)
    for kind in present:
        _check_kind(kind)
    if not present:
        raise PeriodError(_("the policy has no blocks, so it has no periods to run"))
    return max(present, key=KINDS.index)


# ---- labels and --period ------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodLabel:
    """A parsed label before it is tied to a policy: kind, year and number.

    ``year`` is the ISO year for weeks (the year of ``isocalendar()``), the calendar year
    otherwise; ``number`` is the week, month, quarter or half (1-based), 0 for a year.
    """

    kind: str
    year: int
    number: int


_LABEL_RE = re.compile(r"(?P<year>\d{4})(?:-(?P<part>W\d{2}|\d{2}|Q\d|H\d))?", re.IGNORECASE)


def _bad_label(text: str, why: str = "") -> PeriodError:
    """``why`` is already in the reader's language (one of the reasons below)."""
    if why:
        message = _("invalid period {text} ({why}); expected one of: {forms}")
    else:
        message = _("invalid period {text}; expected one of: {forms}")
    return PeriodError(message.format(text=repr(text), why=why, forms=ACCEPTED_FORMS))


def parse_label(text: str) -> PeriodLabel:
    """Parse and validate a label: ``2026-W44``, ``2026-10``, ``2026-Q4``, ``2026-H2``, ``2026``.

    Surrounding spaces and lower-case ``w``/``q``/``h`` are accepted (people type them);
    numbers must be two digits for weeks and months and four for years, as in the labels
    the tool prints. Ranges are checked: months 01-12, Q1-Q4, H1-H2, and a week must
    exist in that ISO year (W53 exists only in long ISO years such as 2026). ``previous``
    is not a label: it needs a policy and a time, see :func:`resolve_period`.
    """
    stripped = text.strip()
    if stripped.lower() == "previous":
        raise PeriodError(
            _(
                "'previous' depends on the policy's blocks and the as-of time; "
                "it is not a label and is resolved by resolve_period"
            )
        )
    match = _LABEL_RE.fullmatch(stripped)
    if match is None:
        raise _bad_label(text)
    year = int(match["year"])
    if year < 1:
        raise _bad_label(text, _("years run from 0001 to 9999"))
    part = (match["part"] or "").upper()
    if not part:
        return PeriodLabel("year", year, 0)
    if part.startswith("W"):
        week = int(part[1:])
        weeks_in_year = date(year, 12, 28).isocalendar()[1]  # 28 Dec is always in the last week
        if not 1 <= week <= weeks_in_year:
            raise _bad_label(
                text,
                _("ISO year {year} has weeks W01-W{last_week}").format(
                    year=f"{year:04d}", last_week=f"{weeks_in_year:02d}"
                ),
            )
        return PeriodLabel("week", year, week)
    if part.startswith("Q"):
        if not 1 <= int(part[1:]) <= 4:
            raise _bad_label(text, _("quarters are Q1-Q4"))
        return PeriodLabel("quarter", year, int(part[1:]))
    if part.startswith("H"):
        if not 1 <= int(part[1:]) <= 2:
            raise _bad_label(text, _("halves are H1 (Jan-Jun) and H2 (Jul-Dec)"))
        return PeriodLabel("half", year, int(part[1:]))
    if not 1 <= int(part) <= 12:
        raise _bad_label(text, _("months are 01-12"))
    return PeriodLabel("month", year, int(part))


def parse_period(text: str, week_ending: str | None = "sunday") -> Instance:
    """The instance a label names.

    A week label names an ISO week (Monday to Sunday). For ``week ending sunday`` that is
    exactly the instance. For weeks ending on another weekday it names the instance
    whose **last day** falls in that ISO week, which is the same rule that labels those
    weeks, so ``parse_period(inst.label, inst.week_ending) == inst`` for every instance.
    For example, with weeks ending Wednesday, ``2026-W44`` is 2026-10-22..2026-10-28.
    ``week_ending`` is ignored for the other kinds.
    """
    label = parse_label(text)
    if label.kind == "week":
        weekday = week_ending or "sunday"
        iso_weekday = _check_weekday(weekday) + 1
        try:
            last = date.fromisocalendar(label.year, label.number, iso_weekday)
        except ValueError:  # only at the very end of year 9999
            raise _bad_label(text, _("outside years 0001-9999")) from None
        return instance_containing("week", last, weekday)
    size = _MONTHS_PER[label.kind]
    first_month = max(label.number - 1, 0) * size + 1
    return instance_containing(label.kind, date(label.year, first_month, 1))


def resolve_period(
    text: str, kinds: Mapping[str, str | None], as_of: datetime, tz: tzinfo
) -> Instance:
    """Turn a ``--period`` value into the instance a run evaluates.

    ``kinds`` maps each block kind of the policy to its weekday (``week`` to e.g.
    ``"sunday"``, None meaning sunday; other kinds to None).

    - ``previous``: the latest ended instance of the policy's longest block kind, in the
      policy's timezone ``tz`` at ``as_of`` (a naive ``as_of`` is already local time,
      like a naive ``occurred_at``).
    - A label must name a kind the policy has a block for. A run evaluates "the block of
      that kind and every shorter block" (docs/data.md section 4), so a label of a kind
      with no block has nothing to evaluate at its own level; running it as a bundle of
      shorter instances would record results under a period that no block settles and
      could clash with the official runs of those shorter periods. It is therefore an
      error naming the policy's kinds (``2026-10`` for a weekly policy: run the weeks,
      e.g. ``2026-W44``). A label of a shorter kind than the longest block is fine: a
      monthly-and-weekly policy can run one week.

    The as-of time is not used for labels: running a period that has not ended yet is a
    provisional run, which is allowed.
    """
    for kind, weekday in kinds.items():
        _check_kind(kind)
        if kind != "week" and weekday is not None:
            raise PeriodError(_("only weeks have a week_ending, not a {kind}").format(kind=kind))
    if text.strip().lower() == "previous":
        kind = longest_kind(kinds)
        return latest_ended(kind, local_date(as_of, tz), kinds[kind])
    label = parse_label(text)
    if label.kind not in kinds:
        have = ", ".join(_describe(k, kinds[k]) for k in sorted(kinds, key=KINDS.index))
        if kinds:
            message = _(
                "period {text} is a {kind}, but the policy has no `each {kind}` block; "
                "the policy's blocks are: {blocks}"
            )
        else:
            message = _(
                "period {text} is a {kind}, but the policy has no `each {kind}` block; "
                "the policy has no blocks"
            )
        raise PeriodError(message.format(text=repr(text.strip()), kind=label.kind, blocks=have))
    return parse_period(text, kinds[label.kind])


def _describe(kind: str, week_ending: str | None) -> str:
    return f"week ending {week_ending or 'sunday'}" if kind == "week" else kind


def local_date(ts: datetime, tz: tzinfo) -> date:
    """The local calendar date of ``ts`` in ``tz``.

    Aware times are exact instants and are converted; naive times are already local
    (docs/data.md section 1: an ``occurred_at`` without an offset is local time in the policy's
    timezone), so their date is taken as it is.
    """
    if ts.tzinfo is None or ts.utcoffset() is None:
        return ts.date()
    return ts.astimezone(tz).date()


# ---- months and tenure --------------------------------------------------------------------


def add_months(d: date, k: int) -> date:
    """``d`` plus ``k`` calendar months, keeping the day or clamping to the month's end.

    31 Jan + 1 month = 28 Feb (29 in a leap year), the rule ``tenure`` is defined by.
    Negative ``k`` goes back the same way.
    """
    months = d.year * 12 + (d.month - 1) + k
    year, month0 = divmod(months, 12)
    if not 1 <= year <= 9999:
        raise PeriodError(
            _("{day} {months} months is outside years 0001-9999").format(day=d, months=f"{k:+d}")
        )
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def tenure_months(hire_date: date, last_day: date) -> int:
    """Whole months from ``hire_date`` to ``last_day``: the largest k with
    ``add_months(hire_date, k) <= last_day`` (docs/language.md section 5, ``tenure``).

    Closed form: let ``k0`` be the difference in calendar months. ``add_months(hire, k0)``
    falls in ``last_day``'s month on day ``min(hire.day, days in that month)``; it is
    after ``last_day`` exactly when ``hire.day > last_day.day`` and ``last_day`` is not
    the month's last day (at month end the clamp makes it land on ``last_day``). Then the
    answer is ``k0 - 1``, else ``k0`` (``add_months`` is increasing in k).

    An employee hired after ``last_day`` gets a negative value, the value the definition
    gives (k may be negative). Such an employee is not rated for that instance anyway;
    a negative value keeps ``tenure >= 0`` false for them rather than conflating them
    with someone hired on the last day (0).
    """
    k0 = (last_day.year - hire_date.year) * 12 + (last_day.month - hire_date.month)
    month_end = calendar.monthrange(last_day.year, last_day.month)[1]
    if hire_date.day > last_day.day and last_day.day < month_end:
        return k0 - 1
    return k0


# The same computation in DuckDB SQL (used by the compiler for `tenure`). Placeholders are
# SQL expressions of type DATE; a NULL hire date gives NULL. `date_diff('month', ...)` is
# avoided on purpose: spelling out year/month arithmetic makes the rule visible and does
# not depend on how an engine counts month boundaries.
TENURE_SQL = (
    "((year({period_end}) - year({hire_date})) * 12"
    " + (month({period_end}) - month({hire_date}))"
    " - CASE WHEN day({hire_date}) > day({period_end})"
    " AND {period_end} < last_day({period_end}) THEN 1 ELSE 0 END)"
)


def tenure_sql(hire_date: str = "hire_date", period_end: str = "period_end") -> str:
    """:data:`TENURE_SQL` filled in with two SQL expressions (trusted SQL, not user input).

    Each expression appears several times in the result, so pass column references or
    cheap expressions; the result is a BIGINT expression, already parenthesised.
    """
    return TENURE_SQL.format(hire_date=hire_date, period_end=period_end)
