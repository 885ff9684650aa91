"""The ``for_period`` label of an event (docs/data.md section 1, docs/language.md 9.5) in SQL.

Enters: the SQL of a stored, normalised label (``2026-W44``, ``2026-10``, ``2026-Q4``,
``2026-H2``, ``2026``: validated at ingest by :mod:`starrating.store.checks`) and the
policy's week definition. Leaves: SQL for the label's kind as a rank in
:data:`~starrating.engine.periods.KINDS` and for the label's last local day.

An event with a label counts on the label's last day, and only in blocks whose kind is at
least as long as the label's: the last day places it in the label's own instance and in
every longer instance that contains it, because instances nest by their last day (a week
belongs to the month of its last day: engine/periods.py). These expressions mirror
:func:`~starrating.engine.periods.parse_period` (tested against it), in SQL because they run
inside the set-based events pass, never in a Python loop over events.
"""

from __future__ import annotations

from .periods import KINDS, WEEKDAYS

# The rank of an event without a label: it counts in every block, by its own date.
UNLABELLED_RANK = 0


def label_rank_sql(label: str) -> str:
    """The index in ``KINDS`` (week 0 ... year 4) of the label ``label``'s kind."""
    return (
        f"CASE WHEN length({label}) = 4 THEN {KINDS.index('year')}"
        f" WHEN {label}[6] = 'W' THEN {KINDS.index('week')}"
        f" WHEN {label}[6] = 'Q' THEN {KINDS.index('quarter')}"
        f" WHEN {label}[6] = 'H' THEN {KINDS.index('half')}"
        f" ELSE {KINDS.index('month')} END"
    )


def label_end_sql(label: str, week_ending: str) -> str:
    """The last local day of the instance the label names.

    A week label names the policy's week whose last day falls in that ISO week (the rule
    that labels weeks and that ``--period`` reads: :func:`~.periods.parse_period`); with
    weeks ending sunday that is the ISO week itself."""
    year = f"CAST({label}[1:4] AS INTEGER)"
    jan4 = f"make_date({year}, 1, 4)"
    # Monday of ISO week 1 is the Monday on or before 4 January.
    monday_week1 = f"({jan4} - CAST(isodow({jan4}) - 1 AS INTEGER))"
    last_weekday = WEEKDAYS.index(week_ending)  # days after Monday
    week_end = f"({monday_week1} + (CAST({label}[7:8] AS INTEGER) - 1) * 7 + {last_weekday})"
    digit = f"CAST({label}[7] AS INTEGER)"  # of a quarter or a half
    return (
        f"CASE WHEN length({label}) = 4 THEN make_date({year}, 12, 31)"
        f" WHEN {label}[6] = 'W' THEN {week_end}"
        f" WHEN {label}[6] = 'Q' THEN last_day(make_date({year}, {digit} * 3, 1))"
        f" WHEN {label}[6] = 'H' THEN last_day(make_date({year}, {digit} * 6, 1))"
        f" ELSE last_day(make_date({year}, CAST({label}[6:7] AS INTEGER), 1)) END"
    )


def counted_date_sql(own_date: str, label: str, week_ending: str) -> str:
    """The day an event counts on: its label's last day, else its own local date."""
    return f"CASE WHEN {label} IS NULL THEN {own_date} ELSE {label_end_sql(label, week_ending)} END"


def counted_rank_sql(label: str) -> str:
    """The shortest kind an event counts in: its label's, else any (``UNLABELLED_RANK``)."""
    return f"CASE WHEN {label} IS NULL THEN {UNLABELLED_RANK} ELSE {label_rank_sql(label)} END"
