"""A run's guards: what its results rest on, said where it is missing (INTERFACE.md 7).

Enters: the run's prepared input tables (``sr_events``, ``sr_roster``, ``sr_instances``),
the block results (``sr_results_KIND``), the store's ``events`` table, the policy's plan
and the target period. Leaves: :class:`Guards`: ``events_seen`` (the events, after as-of
and voids, dated inside the period and belonging to employees on the roster in force) and
the run's warnings, as the run document's ``"warnings"`` strings (docs/data.md section 5).

A result that looks valid but rests on missing data is the worst outcome for a payroll
clerk, so each of these is said, and the run goes on:

* the as-of time hides events dated inside the period (recorded later);
* events of the period name employees who are not on the roster in force;
* an event type the policy reads has no events at all in the period;
* a ``let``/``score`` value or a roster attribute that a rule line reads is missing for
  some rated employees, so that line counted 0 (or did not apply) for them.

Every check is one query over the whole run (one per block kind for the last), never a
loop over employees, events or rows. The messages are all in the section below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb

from ..compiler.expressions import Sql, quote_ident, sql
from ..compiler.plan import (
    STARS,
    STARS_LINE,
    VETOED,
    BlockPlan,
    Column,
    Compute,
    GroupStep,
    PolicyPlan,
    RankStep,
    TopStep,
)
from ..compiler.sql import ident
from ..i18n import _, ngettext
from .periods import Instance

# ---- the messages -----------------------------------------------------------------------

# How many unknown employee ids a warning names.
UNKNOWN_IDS_SHOWN = 5


def hidden_by_as_of(as_of: str, visible: int, later: int, period: str) -> str:
    return ngettext(
        "as of {as_of}, {visible} of {total} events dated in {period} are visible; {later} "
        "was recorded later (a run sees an event from its recorded_at, which is the time of "
        "the ingest when the events file has no recorded_at column: give recorded_at in the "
        "file, or run with a later --as-of)",
        "as of {as_of}, {visible} of {total} events dated in {period} are visible; {later} "
        "were recorded later (a run sees an event from its recorded_at, which is the time of "
        "the ingest when the events file has no recorded_at column: give recorded_at in the "
        "file, or run with a later --as-of)",
        later,
    ).format(as_of=as_of, visible=visible, total=visible + later, later=later, period=period)


def unknown_employees(events: int, employees: int, ids: list[str], period: str) -> str:
    more = ", ..." if employees > len(ids) else ""
    # Two counts in one sentence: the employees' part is a whole clause of its own,
    # placed into the events' sentence (gettext's plurals take one count each).
    who = ngettext(
        "{count} employee who is not on the roster in force ({ids}); they are not rated",
        "{count} employees who are not on the roster in force ({ids}); they are not rated",
        employees,
    ).format(count=employees, ids=_list(ids) + more)
    return ngettext(
        "{count} event dated in {period} names {who}",
        "{count} events dated in {period} name {who}",
        events,
    ).format(count=events, period=period, who=who)


def no_events_of_type(event_type: str, period: str, as_of: str) -> str:
    return _(
        'no "{event_type}" events are dated in {period} as of {as_of}, though the policy '
        "reads them: its counts and sums of them are 0, and their averages, minimums and "
        "maximums missing"
    ).format(event_type=event_type, period=period, as_of=as_of)


def missing_value(
    name: str, missing: int, rated: int, lines: str, period: str, sub_kind: str | None
) -> str:
    if sub_kind:
        message = ngettext(
            "{name} is missing for {missing} of {rated} employee in at least one {sub_kind} "
            "of {period}; the lines that use it ({lines}) counted 0 for them",
            "{name} is missing for {missing} of {rated} employees in at least one {sub_kind} "
            "of {period}; the lines that use it ({lines}) counted 0 for them",
            rated,
        )
    else:
        message = ngettext(
            "{name} is missing for {missing} of {rated} employee in {period}; the lines that "
            "use it ({lines}) counted 0 for them",
            "{name} is missing for {missing} of {rated} employees in {period}; the lines that "
            "use it ({lines}) counted 0 for them",
            rated,
        )
    return message.format(
        name=name, missing=missing, rated=rated, sub_kind=sub_kind, period=period, lines=lines
    )


def _list(items: list[str]) -> str:
    """Items of a list in a sentence: ``a, b`` (Chinese: ``a、b``)."""
    return _(", ").join(items)


def _and(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("{items} and {last}").format(items=_list(items[:-1]), last=items[-1])


def _lines_text(lines: set[int], stars: bool) -> str:
    """``line 4``, ``lines 4 and 9``, ``lines 4, 9 and the stars table``..."""
    numbers = [str(n) for n in sorted(lines)]
    if not numbers:
        return _("the stars table")
    if stars:
        return ngettext(
            "line {numbers} and the stars table", "lines {numbers} and the stars table",
            len(numbers),
        ).format(numbers=_list(numbers))  # fmt: skip
    return ngettext("line {numbers}", "lines {numbers}", len(numbers)).format(numbers=_and(numbers))


# ---- the checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Guards:
    """What :func:`check_run` found: the run object's ``events_seen`` and ``warnings``."""

    events_seen: int
    warnings: list[str]


def check_run(
    con: duckdb.DuckDBPyConnection,
    plan: PolicyPlan,
    kinds: list[str],
    target: Instance,
    as_of: datetime,
    tz: ZoneInfo,
    local_date: str,
) -> Guards:
    """The guards of a run of ``plan``'s blocks ``kinds`` for ``target`` at ``as_of``,
    over the run's prepared tables (see the module docstring). ``local_date`` is the SQL
    of the day a stored event counts on in ``target``, as the run's events table places
    it (its local date, or its ``for_period`` label's last day; NULL for a label longer
    than ``target``), for the events the as-of time hid. ``sr_events`` holds only the
    events the blocks counted, so an event labelled for a longer period than ``target``
    is not among the events seen."""
    shown_as_of = as_of.astimezone(tz).isoformat(timespec="seconds")
    # One pass over the period's events, grouped by employee and type first, so that the
    # roster is looked up once per employee rather than once per event.
    seen, visible, unknown_events, unknown_count, unknown_ids, types_seen = con.execute(
        "WITH per AS (SELECT employee_id, type, count(*) AS n FROM sr_events"
        "   WHERE local_date BETWEEN $first AND $last GROUP BY employee_id, type),"
        " marked AS (SELECT *, employee_id IN (SELECT employee_id FROM sr_roster) AS known"
        "   FROM per)"
        " SELECT coalesce(sum(n) FILTER (WHERE known), 0), coalesce(sum(n), 0),"
        "  coalesce(sum(n) FILTER (WHERE NOT known), 0),"
        "  count(DISTINCT employee_id) FILTER (WHERE NOT known),"
        "  list_slice(list_sort(list(DISTINCT employee_id) FILTER (WHERE NOT known)),"
        f"   1, {UNKNOWN_IDS_SHOWN}),"
        "  list(DISTINCT type)"
        " FROM marked",
        {"first": target.start, "last": target.end},
    ).fetchone()
    warnings: list[str] = []
    later = _recorded_later(con, local_date, as_of, target)
    if later:
        warnings.append(hidden_by_as_of(shown_as_of, int(visible), later, target.label))
    if unknown_events:
        warnings.append(
            unknown_employees(
                int(unknown_events), int(unknown_count), list(unknown_ids), target.label
            )
        )
    # A rolling window reads days outside the period, so that its count of a type with no
    # events in the period need not be 0: only the aggregates over the period are meant.
    read = {
        aggregate.event_type
        for kind in kinds
        for aggregate in plan.blocks[kind].event_aggregates
        if aggregate.event_type is not None and aggregate.window is None
    }
    warnings += [
        no_events_of_type(event_type, target.label, shown_as_of)
        for event_type in sorted(read - set(types_seen or []))
    ]
    for kind in kinds:
        sub_kind = None if kind == target.kind else kind
        warnings += _missing_values(con, plan.blocks[kind], target.label, sub_kind)
    return Guards(int(seen), warnings)


def _recorded_later(
    con: duckdb.DuckDBPyConnection, local_date: str, as_of: datetime, target: Instance
) -> int:
    """The events (not voids) dated inside ``target`` that were recorded after ``as_of``:
    the store's events the run's events table left out for their ``recorded_at`` (the
    filter on it comes first, so the local date is computed only for those)."""
    return int(
        con.execute(
            "SELECT count(*) FROM events WHERE recorded_at > $as_of AND type <> 'void'"
            f" AND {local_date} BETWEEN $first AND $last",
            {"as_of": as_of, "first": target.start, "last": target.end},
        ).fetchone()[0]
    )


def _missing_values(
    con: duckdb.DuckDBPyConnection, block: BlockPlan, period: str, sub_kind: str | None
) -> list[str]:
    """For each let/score value and roster attribute a rule line of ``block`` reads, how
    many of the employees rated in its shown instances have it missing (in at least one
    of them): one query for the block."""
    definitions = _definitions(block)
    reads = _names_read_by_lines(block, definitions)
    if not reads:
        return []
    # The block's values in the policy's order, then the roster attributes by name.
    names = [n for n in block.values if n in reads]
    names += sorted(n for n in reads if n not in block.values)
    # A ranking or share is missing for a vetoed employee by definition, not for want of
    # data: those employees are not counted as missing it.
    vetoed_miss = _missing_when_vetoed(block, definitions)
    checks = []
    for name in names:
        if name in block.values:
            source = f"x.{ident(block.values[name])}"
        else:
            source = f"r.{ident(block.roster[name].column)}"
        condition = f"{source} IS NULL"
        if name in vetoed_miss:
            condition += f" AND NOT x.{ident(VETOED)}"
        checks.append(f"count(DISTINCT x.employee_id) FILTER (WHERE {condition})")
    table = quote_ident(f"sr_results_{block.kind}")
    row = con.execute(
        f"SELECT count(DISTINCT x.employee_id), {', '.join(checks)}"
        f" FROM {table} x"
        " JOIN sr_instances i ON i.kind = $kind AND i.seq = x.seq AND i.shown"
        " LEFT JOIN sr_roster r ON r.employee_id = x.employee_id",
        {"kind": block.kind},
    ).fetchone()
    rated, missing = int(row[0]), row[1:]
    warnings = []
    for name, count in zip(names, missing, strict=True):
        if count:
            lines, stars = reads[name]
            warnings.append(
                missing_value(name, int(count), rated, _lines_text(lines, stars), period, sub_kind)
            )
    return warnings


def _missing_when_vetoed(block: BlockPlan, definitions: dict[Column, list[Sql]]) -> set[str]:
    """The let/score names defined directly by a ranking or a `top_share`, which a vetoed
    employee never has (docs/language.md, rankings and group values)."""
    vetoed_miss: set[Column] = set()
    for layer in block.layers:
        if isinstance(layer, RankStep):
            vetoed_miss |= {layer.ranking.rank, layer.ranking.places}
        elif isinstance(layer, GroupStep) and layer.group.func == "top_share":
            vetoed_miss.add(layer.group.result)
    return {
        name
        for name, column in block.values.items()
        if any(read in vetoed_miss for read in _columns(definitions.get(column, [])))
    }


# ---- which names a rule line reads ------------------------------------------------------


def _names_read_by_lines(
    block: BlockPlan, definitions: dict[Column, list[Sql]]
) -> dict[str, tuple[set[int], bool]]:
    """Each let/score name and roster attribute (not a column of the roster table) that a
    rule line (red, green, minus, plus, reward, award, veto, stars) reads, directly or
    through the columns the compiler made for the line, with the lines that read it and
    whether the stars table does.

    A name's own definition is not followed (its missing value is what is reported), nor
    are the tallies and the veto flag (their lines report their own names); the stars
    level is followed, so that an award or reward by stars names what the stars read."""
    values = {column: name for name, column in block.values.items()}
    # The roster table's own columns are never missing data: employee_id, name and
    # hire_date are required, and an empty leave_date means still employed.
    roster = {
        attribute.column: name for name, attribute in block.roster.items() if not attribute.stored
    }
    memo: dict[Column, set[str]] = {}

    def names_of(expressions: Iterable[Sql | None]) -> set[str]:
        found: set[str] = set()
        for column in _columns(expressions):
            found |= name_of(column)
        return found

    def name_of(column: Column) -> set[str]:
        if column in values:
            return {values[column]}
        if column in roster:
            return {roster[column]}
        if column.role == "fixed" and column not in (STARS, STARS_LINE):
            return set()
        if column not in memo:
            memo[column] = set()  # a column never reads itself; this ends any cycle
            memo[column] = names_of(definitions.get(column, []))
        return memo[column]

    reads: dict[str, tuple[set[int], bool]] = {}
    for contribution in block.contributions:
        # A check only explains a rule line (its own line is among the contributions).
        if contribution.kind in ("value", "check"):
            continue
        used = names_of([contribution.amount, contribution.shown, contribution.detail])
        number = _line_number(contribution.line)
        for name in used:
            lines, stars = reads.get(name, (set(), False))
            if number is None:
                stars = True
            else:
                lines.add(number)
            reads[name] = (lines, stars)
    return reads


def _line_number(line: Sql) -> int | None:
    """A contribution's policy line, or None for the stars table (its line is the matched
    stars line, known only per row)."""
    if len(line.parts) == 1 and isinstance(line.parts[0], str):
        return int(line.parts[0])
    return None


def _columns(expressions: Iterable[Sql | None]) -> Iterator[Column]:
    for expression in expressions:
        if expression is not None:
            yield from (ref.column for ref in expression.refs())


def _definitions(block: BlockPlan) -> dict[Column, list[Sql]]:
    """What each column the block's layers compute is computed from."""
    definitions: dict[Column, list[Sql]] = {}
    for layer in block.layers:
        if isinstance(layer, Compute):
            for column, expression in layer.columns:
                definitions[column] = [expression]
        elif isinstance(layer, RankStep):
            ranking = layer.ranking
            reads = [ranking.operand]
            if ranking.within is not None:
                reads.append(sql(ranking.within.ref()))
            for column in (ranking.value, ranking.rank, ranking.places):
                definitions[column] = reads
        elif isinstance(layer, GroupStep):
            # The group's value is there when members' values are missing; only a share
            # is missing with the employee's own value. The `within` value, as for ranks.
            group = layer.group
            reads = [group.operand] if group.func == "top_share" else []
            if group.within is not None:
                reads.append(sql(group.within.ref()))
            for column in (group.value, group.members, group.counted, group.result):
                definitions[column] = reads
        elif isinstance(layer, TopStep):
            award = layer.award
            reads = [award.eligible, *award.keys]
            for column in (award.candidate, award.place, award.candidates, award.key):
                definitions[column] = reads
    return definitions
