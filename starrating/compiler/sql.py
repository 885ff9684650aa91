"""Plan -> DuckDB SQL: the one place where plan columns get SQL names and queries get text.

Enters: a ``PolicyPlan`` (``plan.py``).
Leaves: a ``CompiledPolicy``: per block, one query over the tables the engine prepares for
a run (``engine/evaluate.py``), its explain query, and the SQL names of what the engine
reads or writes (values, awards, look-back columns, the attribute columns of the run's
events and roster tables).

The input tables of a run:

- ``sr_instances(kind, seq, label, period_start, period_end)``: the instances to evaluate;
  ``seq`` numbers one kind's instances consecutively in time.
- ``sr_roster(employee_id, name, hire_date, leave_date, ...)``: the roster in force at the
  as-of time, one typed column per roster attribute the policy reads.
- ``sr_events(employee_id, type, local_date, value, ...)``: the events the run sees (as-of
  and voids applied), with their local date in the policy's zone, one typed column per
  event attribute the policy reads.
- ``sr_results_KIND``: the rows a block's query produces, read by longer blocks
  (``count(weeks ...)``, ``wins(...)``), and ``sr_history_KIND``, the look-back values
  earlier instances kept (``previous(...)``, ``for N consecutive``).

A block's query: the instances; the rated population (roster x instances, `applies to`);
one pass over the instances' events (met by their day) with ``FILTER`` aggregates; one
over the days of their rolling windows (``over last N UNIT``), if any; one pass over each
shorter block's results; then the plan's layers as CTEs, in order, each
adding columns to the row. Its contributions query reads the rows of the shown instances
and, for the event ids, the events of those instances alone.
A column's SQL name is a role prefix and its plan id (``v12``), followed for a named
policy object by the ASCII letters of its name as a reading aid (``v12_sales``): the id
alone makes it unique. Policy text appears only as escaped literals, and in comments only
escaped (``build.quoted``), with no line break.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.periods import tenure_sql
from . import expressions as X
from .arithmetic import MACROS, divide, shown, shown_text
from .build import quoted
from .explained import within_detail
from .expressions import DEC, Ref, Sql, decimal_text, join, quote_ident, quote_text, sql
from .plan import (
    GREEN,
    NET,
    RED,
    REWARD,
    STARS,
    VETO_REASONS,
    VETOED,
    Aggregate,
    BlockPlan,
    Column,
    Compute,
    Contribution,
    GroupStep,
    GroupValue,
    LookBack,
    PolicyPlan,
    Ranking,
    RankStep,
    RollingWindow,
    TopStep,
)

PREFIXES = {
    "value": "v", "award": "a", "event": "e", "roster": "r", "aggregate": "agg", "sub": "sub",
    "wins": "wins", "ranked": "ranked", "rank": "rank", "places": "places", "line": "line",
    "grouped": "grouped", "members": "members", "counted": "counted", "group": "grp",
    "fired": "fired", "candidate": "cand", "place": "place", "candidates": "cands",
    "key": "key", "partial": "partial", "hidden": "h", "previous": "prev", "streak": "streak",
}  # fmt: skip
NAMED_ROLES = ("value", "award", "event", "roster")
ROW_TOTALS = (RED, GREEN, NET, STARS)


def column_name(column: Column) -> str:
    """The SQL name of a plan column (unquoted)."""
    if column.role == "fixed":
        return column.label
    name = f"{PREFIXES[column.role]}{column.id}"
    if column.role in NAMED_ROLES:
        hint = "".join(c if c.isascii() and c.isalnum() else "_" for c in column.label.lower())
        hint = "_".join(part for part in hint.split("_") if part)[:40]
        if hint:
            name += "_" + hint
    return name


def ident(column: Column) -> str:
    return quote_ident(column_name(column))


def render(expression: Sql, row: str = "") -> str:
    """An expression as text; columns of the row being computed are read from ``row``."""

    def name(ref: Ref) -> str:
        table = f"{ref.table}." if ref.table else row
        return table + ident(ref.column)

    return expression.render(name)


def comment(note: str) -> str:
    """A one-line SQL comment (notes quote policy names escaped; this keeps it one line)."""
    return "-- " + "".join(c if c.isprintable() else " " for c in note)


@dataclass
class InputColumn:
    """An attribute column of the run's events or roster table."""

    name: str  # the attribute
    type: str  # its catalog type
    sql_name: str  # quoted
    event_type: str | None = None  # for an event attribute
    stored: bool = False  # a column of the roster table itself, not an attribute


@dataclass
class CompiledBlock:
    kind: str
    sql: str  # parameters: $seq_lo, $seq_hi (the instances of sr_instances to evaluate)
    looks_back: bool  # uses previous() / for N consecutive: evaluate instance by instance
    values: dict[str, str]  # let/score name -> SQL column, in the order reports show them
    awards: dict[str, str]  # award name -> SQL column, in declaration order
    hidden: dict[str, str] = field(default_factory=dict)  # look-back columns -> SQL type
    # The rule-by-rule explanation of every shown row (for `starrating explain`): a query
    # over this block's results and its events, without parameters.
    contributions_sql: str = ""
    # The first day the block's rolling windows read, over its instances in sr_instances
    # (one value; "" without windows): the run's events digest covers those days too.
    window_start_sql: str = ""


@dataclass
class CompiledPolicy:
    blocks: dict[str, CompiledBlock]  # by kind, shortest first
    event_columns: list[InputColumn]
    roster_columns: list[InputColumn]
    # Statements to run on a connection before any block's query: the arithmetic macros.
    macros: tuple[str, ...] = MACROS


def render_policy(plan: PolicyPlan) -> CompiledPolicy:
    events = [
        InputColumn(a.attribute, a.type, ident(a.column), event_type=a.event_type)
        for _, a in sorted(plan.events.items())
    ]
    roster = [
        InputColumn(a.name, a.type, ident(a.column), stored=a.stored)
        for _, a in sorted(plan.roster.items())
    ]
    blocks = {kind: render_block(block) for kind, block in plan.blocks.items()}
    return CompiledPolicy(blocks, events, roster)


def render_block(block: BlockPlan) -> CompiledBlock:
    hidden = {ident(lookback.hidden): lookback.hidden.sql_type for lookback in block.lookbacks}
    return CompiledBlock(
        kind=block.kind,
        sql=_Query(block).render(),
        looks_back=block.looks_back,
        values={name: ident(column) for name, column in block.values.items()},
        awards={name: ident(column) for name, column in block.awards.items()},
        hidden=hidden,
        contributions_sql=_contributions(block),
        window_start_sql=_earliest_window_day(block),
    )


class _Query:
    """The main query of a block: input CTEs, then one CTE per layer."""

    def __init__(self, block: BlockPlan) -> None:
        self.block = block
        self.kind = quote_text(block.kind)
        self.history = quote_ident(f"sr_history_{block.kind}")
        self.ctes: list[str] = []
        self.steps = 0
        self.last = "base"

    def cte(self, name: str, body: str, note: str | None = None) -> None:
        head = f"{comment(note)}\n" if note else ""
        self.ctes.append(f"{head}{name} AS (\n{body}\n)")

    def render(self) -> str:
        self.inputs()
        for layer in self.block.layers:
            getattr(self, "layer_" + type(layer).__name__)(layer)
        select = f"SELECT {', '.join(self.outputs())}\nFROM {self.last}"
        return "WITH\n" + ",\n".join(self.ctes) + f"\n{select}\nORDER BY period_end, employee_id"

    def outputs(self) -> list[str]:
        block = self.block
        fixed = ["seq", "label AS period", "period_start", "period_end", "employee_id"]
        columns = [VETOED, VETO_REASONS, *block.values.values()]
        columns += [*ROW_TOTALS, *block.awards.values(), REWARD]
        columns += [lookback.hidden for lookback in block.lookbacks]
        columns += [c for c in _explained_columns(block) if c not in columns]
        return fixed + [ident(c) for c in columns]

    # -- the inputs: instances, population, one pass over events and over each sub block
    def inputs(self) -> None:
        self.cte(
            "inst",
            "  SELECT seq, label, period_start, period_end FROM sr_instances\n"
            f"  WHERE kind = {self.kind} AND seq BETWEEN $seq_lo AND $seq_hi",
            "the instances to evaluate",
        )
        roster = "".join(
            f", r.{ident(attribute.column)}" for _, attribute in sorted(self.block.roster.items())
        )
        where = ""
        if self.block.population is not None:
            where = "\n  WHERE " + render(self.block.population)
        tenure = tenure_sql("r.hire_date", "i.period_end")
        self.cte(
            "rated",
            "  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,\n"
            f'    CAST({tenure} AS {DEC}) AS "tenure"{roster}\n'
            "  FROM inst i JOIN sr_roster r\n"
            "    ON r.hire_date <= i.period_end\n"
            f"   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start){where}",
            "the rated employees of each instance",
        )
        selects, joins = ["p.*"], []
        instant, windowed = _by_window(self.block.event_aggregates)
        if instant:
            self.event_pass(instant, selects, joins)
        if windowed:
            self.window_pass(windowed, selects, joins)
        for sub_kind, aggregates in self.block.sub_aggregates.items():
            self.sub_pass(sub_kind, aggregates, selects, joins)
        self.lookbacks(selects, joins)
        self.cte(
            "base",
            "  SELECT " + ",\n    ".join(selects) + "\n  FROM rated p\n  " + "\n  ".join(joins),
            "each rated employee with the aggregates and the values kept before",
        )

    def event_pass(self, aggregates: list[Aggregate], selects: list[str], joins: list[str]) -> None:
        self.cte("inst_days", _instance_days("inst"), INSTANCE_DAYS_NOTE)
        self.cte(
            "events_agg",
            "  SELECT d.seq, e.employee_id,\n    "
            + ",\n    ".join(f"{_aggregate(a)} AS {ident(a.column)}" for a in aggregates)
            + "\n"
            + _events_of_days("inst_days", aggregates),
            "one pass over the instances' events",
        )
        joins.append("LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id")
        selects += [_zero_or_null("ea", a) for a in aggregates]

    def window_pass(
        self, aggregates: list[Aggregate], selects: list[str], joins: list[str]
    ) -> None:
        """One pass over the days of the instances' rolling windows: each aggregate keeps
        the days of its own window (``FILTER``), the pass covers the longest."""
        self.cte("window_days", _window_days("inst", aggregates), WINDOW_DAYS_NOTE)
        self.cte(
            "window_agg",
            "  SELECT d.seq, e.employee_id,\n    "
            + ",\n    ".join(f"{_aggregate(a)} AS {ident(a.column)}" for a in aggregates)
            + "\n"
            + _events_of_days("window_days", aggregates, events=EVERY_EVENT),
            "one pass over the events of the instances' rolling windows",
        )
        joins.append("LEFT JOIN window_agg wa ON wa.seq = p.seq AND wa.employee_id = p.employee_id")
        selects += [_zero_or_null("wa", a) for a in aggregates]

    def sub_pass(
        self, sub_kind: str, aggregates: list[Aggregate], selects: list[str], joins: list[str]
    ) -> None:
        alias = f"sa_{sub_kind}"
        self.cte(
            alias,
            "  SELECT i.seq, s.employee_id,\n    "
            + ",\n    ".join(f"{_aggregate(a)} AS {ident(a.column)}" for a in aggregates)
            + f"\n  FROM inst i JOIN {quote_ident('sr_results_' + sub_kind)} s\n"
            "    ON s.period_end BETWEEN i.period_start AND i.period_end\n"
            "  LEFT JOIN sr_roster sr ON sr.employee_id = s.employee_id\n"
            "  GROUP BY i.seq, s.employee_id",
            f"one pass over the results of the {sub_kind}s in each instance",
        )
        joins.append(
            f"LEFT JOIN {alias} ON {alias}.seq = p.seq AND {alias}.employee_id = p.employee_id"
        )
        selects += [_zero_or_null(alias, a) for a in aggregates]

    def lookbacks(self, selects: list[str], joins: list[str]) -> None:
        previous = [lookback for lookback in self.block.lookbacks if lookback.previous]
        if previous:
            joins.append(
                f"LEFT JOIN {self.history} prev ON prev.seq = p.seq - 1 "
                "AND prev.employee_id = p.employee_id"
            )
        for lookback in previous:
            assert lookback.previous is not None
            selects.append(f"prev.{ident(lookback.hidden)} AS {ident(lookback.previous)}")
        for lookback in self.block.lookbacks:
            if lookback.streak is not None:
                self.streak(lookback, selects, joins)

    def streak(self, lookback: LookBack, selects: list[str], joins: list[str]) -> None:
        assert lookback.streak is not None
        alias = f"st{lookback.hidden.id}"
        self.cte(
            alias,
            f"  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h.{ident(lookback.hidden)})"
            " AS streak\n"
            f"  FROM inst i JOIN {self.history} h\n"
            f"    ON h.seq BETWEEN i.seq - {lookback.count - 1} AND i.seq - 1\n"
            "  GROUP BY i.seq, h.employee_id",
            f"how many of the {lookback.count - 1} instances before held",
        )
        joins.append(
            f"LEFT JOIN {alias} ON {alias}.seq = p.seq AND {alias}.employee_id = p.employee_id"
        )
        selects.append(f"{alias}.streak AS {ident(lookback.streak)}")

    # -- layers
    def add(self, columns: list[tuple[Column, Sql]], note: str | None = None) -> None:
        self.steps += 1
        name = f"step{self.steps}"
        body = ",\n    ".join(f"{render(value)} AS {ident(column)}" for column, value in columns)
        self.cte(name, f"  SELECT *,\n    {body}\n  FROM {self.last}", note)
        self.last = name

    def layer_Compute(self, layer: Compute) -> None:
        self.add(layer.columns, layer.note)

    def layer_RankStep(self, layer: RankStep) -> None:
        """A rank or pyramid over the rated, non-vetoed employees of the instance."""
        r = layer.ranking
        value = r.value.ref()
        # Ranked as shown (6 places), so that two values that compare equal tie.
        ranked_value = X.cast(shown(X.cast(r.operand, DEC)), DEC)
        self.add([(r.value, ranked_value)], f"{r.func}: the value")
        within = [sql(r.within.ref())] if r.within is not None else []
        partition = _list([sql("seq"), *within, sql(VETOED.ref()), sql(value, " IS NULL")])
        over = sql("PARTITION BY ", partition, " ORDER BY ", value)
        if r.func == "pyramid":
            ranked = sql(
                "CASE WHEN ", VETOED.ref(), " THEN NULL WHEN ", value, " IS NULL THEN 0 ",
                "ELSE dense_rank() OVER (", over, " ASC) END",
            )  # fmt: skip
            counted = sql("max(CASE WHEN NOT ", VETOED.ref(), " THEN ", r.rank.ref(), " END)")
        else:
            ranked = sql(
                "CASE WHEN ", VETOED.ref(), " OR ", value, " IS NULL THEN NULL ",
                "ELSE rank() OVER (", over, " DESC) END",
            )  # fmt: skip
            counted = sql(
                "count(CASE WHEN NOT ", VETOED.ref(), " AND ", value, " IS NOT NULL THEN 1 END)"
            )
        self.add([(r.rank, sql("CAST(", ranked, f" AS {DEC})"))], f"{r.func}: the place")
        group = _list([sql("seq"), *within])
        places = sql("CAST(", counted, " OVER (PARTITION BY ", group, ") AS BIGINT)")
        self.add([(r.places, places)], f"{r.func}: how many places")

    def layer_GroupStep(self, layer: GroupStep) -> None:
        """A group value: windows over the instance's rated employees (of the same
        `within` value; a missing one is a group of its own, as for rankings) that read
        only the members who are not vetoed. A vetoed employee still gets the group's
        value, but no share: they are not among those compared."""
        g = layer.group
        if g.func == "group_count":
            value = X.coalesce(g.operand, X.FALSE)
        elif g.func == "top_share":
            value = X.cast(shown(X.cast(g.operand, DEC)), DEC)  # compared as shown
        else:
            value = X.cast(g.operand, DEC)  # added up exactly
        self.add([(g.value, value)], f"{g.func}: each employee's value")
        within = [sql(g.within.ref())] if g.within is not None else []
        group = _list([sql("seq"), *within])
        members = sql(
            "count(*) FILTER (WHERE NOT ", VETOED.ref(), ") OVER (PARTITION BY ", group, ")"
        )
        self.add(
            [(g.members, members), (g.counted, _group_counted(g, group))],
            f"{g.func}: how many count",
        )
        self.add([(g.result, _group_result(g, group))], g.func)

    def layer_TopStep(self, layer: TopStep) -> None:
        award = layer.award
        within = [sql(award.within.ref())] if award.within is not None else []
        partition = _list([sql("seq"), *within, sql(award.candidate.ref())])
        # Keys as shown (6 places): values that compare equal tie for a place.
        order = _list([sql(shown(X.cast(key, DEC)), " DESC NULLS LAST") for key in award.keys])
        place = sql("rank() OVER (PARTITION BY ", partition, " ORDER BY ", order, ")")
        size = sql("count(*) OVER (PARTITION BY ", partition, ")")
        self.add([(award.place, place), (award.candidates, size)], layer.note)


def _list(items: list[Sql]) -> Sql:
    return join(", ", items)


def _group_counted(g: GroupValue, group: Sql) -> Sql:
    """How many members of ``group`` (the instance and the `within` value) count: those
    whose condition holds (group_count), those at or above this employee's value, itself
    and every tie included (top_share; none for a vetoed employee or a missing value), or
    those with a value (the others)."""
    value = g.value.ref()
    member = sql("NOT ", VETOED.ref())
    if g.func == "group_count":
        condition: Sql = sql(member, " AND ", value)
    elif g.func != "top_share":
        condition = sql(member, " AND ", value, " IS NOT NULL")
    else:
        # RANGE ... CURRENT ROW takes the current row's peers: every tied value counts.
        at_or_above = sql(
            "count(*) OVER (PARTITION BY ", group, ", ", VETOED.ref(), " ORDER BY ", value,
            " DESC NULLS LAST RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
        )  # fmt: skip
        return X.case([(sql(VETOED.ref(), " OR ", value, " IS NULL"), X.NULL)], at_or_above)
    return sql("count(*) FILTER (WHERE ", condition, ") OVER (PARTITION BY ", group, ")")


def _group_result(g: GroupValue, group: Sql) -> Sql:
    """A group value from its counts, or a window over the members' values that are not
    missing: group_sum of none is 0, group_avg / min / max of none are missing."""
    if g.func == "group_count":
        return X.cast(g.counted.ref(), DEC)
    if g.func == "top_share":
        return divide(g.counted.ref(), g.members.ref())  # missing where counted is
    of_members = sql(
        "(", g.value.ref(), ") FILTER (WHERE NOT ", VETOED.ref(), ") OVER (PARTITION BY ",
        group, ")",
    )  # fmt: skip
    if g.func == "group_avg":
        # The exact sum over the count, divided exactly (DuckDB's avg is a DOUBLE).
        return divide(sql("sum", of_members), g.counted.ref())
    if g.func == "group_sum":
        return X.cast(X.coalesce(sql("sum", of_members), sql("0")), DEC)
    return X.cast(sql(g.func.removeprefix("group_"), of_members), DEC)


INSTANCE_DAYS_NOTE = "the days of the instances, which their events are joined on"


def _instance_days(instances: str) -> str:
    """Each day of each instance of ``instances`` (a CTE with seq, period_start and
    period_end). Events meet their instance by an equality join on the day, which DuckDB
    runs as a hash join on this small table; a range join (``local_date BETWEEN
    period_start AND period_end``) sorted every event and was the costliest step of a
    block."""
    days = "generate_series(period_start, period_end, INTERVAL 1 DAY)"
    return f"  SELECT seq, CAST(unnest({days}) AS DATE) AS local_date\n  FROM {instances}"


# The window's first day, from the instance's last day (``last``), for each unit: N days
# or 7 x N days back, or the first day of the calendar period N - 1 periods back.
_WINDOW_STARTS = {
    "days": "CAST({last} - INTERVAL {back} DAY AS DATE)",
    "weeks": "CAST({last} - INTERVAL {back} DAY AS DATE)",
    "months": "CAST(date_trunc('month', {last}) - INTERVAL {back} MONTH AS DATE)",
    "quarters": "CAST(date_trunc('quarter', {last}) - INTERVAL {back} MONTH AS DATE)",
    "halves": (
        "CAST(make_date(year({last}), CASE WHEN month({last}) <= 6 THEN 1 ELSE 7 END, 1)"
        " - INTERVAL {back} MONTH AS DATE)"
    ),
    "years": "CAST(date_trunc('year', {last}) - INTERVAL {back} YEAR AS DATE)",
}
# One unit in the steps of its INTERVAL above (days, months, years).
_WINDOW_STEPS = {"days": 1, "weeks": 7, "months": 1, "quarters": 3, "halves": 6, "years": 1}


def window_start_sql(window: RollingWindow, last: str) -> str:
    """The first day of ``window`` when it ends on the day ``last`` (a DATE expression)."""
    if window.units in ("days", "weeks"):
        back = _WINDOW_STEPS[window.units] * window.count - 1  # the last day is included
    else:
        back = _WINDOW_STEPS[window.units] * (window.count - 1)
    return _WINDOW_STARTS[window.units].format(last=last, back=back)


def _window_from(window: RollingWindow) -> str:
    """The SQL name of a window's first day in ``window_days`` (``from_12_months``)."""
    return f"from_{window.count}_{window.units}"


def _windows(aggregates: list[Aggregate]) -> list[RollingWindow]:
    """The distinct rolling windows of ``aggregates``, in their order."""
    return list(dict.fromkeys(a.window for a in aggregates if a.window is not None))


def _by_window(aggregates: list[Aggregate]) -> tuple[list[Aggregate], list[Aggregate]]:
    """The aggregates over the instance's own days, and those over a rolling window."""
    return [a for a in aggregates if a.window is None], [a for a in aggregates if a.window]


WINDOW_DAYS_NOTE = (
    "the days of the instances' rolling windows, which their events are joined on, with the"
    " first day of each window"
)
# Every event the run sees, whatever the block: a labelled event counts in a window by its
# label's last day even while it is held back from the blocks shorter than its label
# (engine/evaluate.py), so a window reads the held ones too.
EVERY_EVENT = "(SELECT * FROM sr_events UNION ALL SELECT * FROM sr_events_held)"


def _window_days(instances: str, aggregates: list[Aggregate]) -> str:
    """Each day of the longest rolling window of each instance of ``instances``, with each
    window's first day as a column for the aggregates' ``FILTER``. Events meet these days
    by an equality join, as they meet an instance's own days (``_instance_days``)."""
    windows = _windows(aggregates)
    starts = ",\n      ".join(
        f"{window_start_sql(w, 'period_end')} AS {_window_from(w)}" for w in windows
    )
    first = _earliest([_window_from(w) for w in windows])
    days = f"generate_series({first}, period_end, INTERVAL 1 DAY)"
    return (
        f"  SELECT seq, {', '.join(_window_from(w) for w in windows)},\n"
        f"    CAST(unnest({days}) AS DATE) AS local_date\n"
        f"  FROM (\n    SELECT seq, period_end,\n      {starts}\n    FROM {instances})"
    )


def _earliest_window_day(block: BlockPlan) -> str:
    windows = _windows(block.event_aggregates)
    if not windows:
        return ""
    starts = _earliest([window_start_sql(w, "period_end") for w in windows])
    return f"SELECT min({starts}) FROM sr_instances WHERE kind = {quote_text(block.kind)}"


def _earliest(days: list[str]) -> str:
    """The earliest of the DATE expressions ``days`` (one is itself)."""
    return days[0] if len(days) == 1 else f"least({', '.join(days)})"


def _events_of_days(
    days: str, aggregates: list[Aggregate], rows: str | None = None, events: str = "sr_events"
) -> str:
    """FROM ... GROUP BY of one pass over the events of the days in ``days`` (a CTE made by
    ``_instance_days`` or ``_window_days``) that ``aggregates`` can read, per instance and
    employee; with ``rows`` (a results table), only the employees with a row in the
    instance; ``events`` is the table (or subquery) of events read."""
    types = ", ".join(sorted({quote_text(str(a.event_type)) for a in aggregates}))
    rated = (
        f"  SEMI JOIN {rows} r ON r.seq = d.seq AND r.employee_id = e.employee_id\n" if rows else ""
    )
    return (
        f"  FROM {days} d JOIN {events} e ON e.local_date = d.local_date\n{rated}"
        f"  WHERE e.type IN ({types})\n"
        "  GROUP BY d.seq, e.employee_id"
    )


def _condition(aggregate: Aggregate) -> str:
    """Which events of the pass an aggregate reads: a windowed one, only those from its
    own window's first day (the pass covers the longest window)."""
    condition = render(aggregate.condition)
    if aggregate.window is None:
        return condition
    return f"e.local_date >= d.{_window_from(aggregate.window)} AND ({condition})"


def _aggregate(aggregate: Aggregate) -> str:
    """``func(target) FILTER (WHERE condition)``; count and sum of no rows are 0, not
    missing (see ``_zero_or_null``)."""
    condition = _condition(aggregate)
    if aggregate.func == "count":
        return f"count(*) FILTER (WHERE {condition})"
    assert aggregate.target is not None
    value = f"CAST({render(aggregate.target)} AS {DEC})"
    if aggregate.func == "avg":
        # The exact sum over the count, divided exactly (DuckDB's avg is a DOUBLE).
        total = f"sum({value}) FILTER (WHERE {condition})"
        count = f"count({value}) FILTER (WHERE {condition})"
        return render(divide(sql(total), sql(count)))
    return f"{aggregate.func}({value}) FILTER (WHERE {condition})"


def _zero_or_null(alias: str, aggregate: Aggregate) -> str:
    name = ident(aggregate.column)
    if aggregate.zero_on_no_rows:
        return f"CAST(coalesce({alias}.{name}, 0) AS {DEC}) AS {name}"
    return f"{alias}.{name} AS {name}"


# ---- explain: the contributions query ----------------------------------------------------


def _ranking_detail(ranking: Ranking) -> Sql:
    group = within_detail(ranking.within)
    return sql(
        "CASE WHEN ", ranking.rank.ref(), f" IS NULL THEN '{ranking.func}: no place' ",
        f"ELSE '{ranking.func}: place ' || ", decimal_text(ranking.rank.ref()), " || ' of ' || ",
        ranking.places.ref(), " || ", group, " || ', value ' || ",
        decimal_text(ranking.value.ref()), " END",
    )  # fmt: skip


def _group_detail(g: GroupValue) -> Sql:
    """What a group value was taken over: how many of the group counted, of how many (a
    value line shows it in place of a missing value, as it does a ranking's)."""
    group = within_detail(g.within)
    of = sql(" || ' of ' || ", g.members.ref(), " || ", group)
    name = g.func
    if name == "group_count":
        return sql(f"'{name}: ' || ", g.counted.ref(), of)
    if name == "top_share":
        return sql(
            "CASE WHEN ", VETOED.ref(), f" THEN '{name}: none (vetoed)' ",
            "WHEN ", g.counted.ref(), f" IS NULL THEN '{name}: none (no value)' ",
            f"ELSE '{name}: ' || ", g.counted.ref(), of, " || ' at or above ' || ",
            decimal_text(g.value.ref()), " END",
        )  # fmt: skip
    counted = sql(f"'{name}: ' || ", g.counted.ref(), " || ' values'", of)
    if name == "group_sum":
        return counted  # of no values: 0
    none = sql(f"'{name}: none, no value among ' || ", g.members.ref(), " || ", group)
    return X.case([(sql(g.counted.ref(), " = 0"), none)], counted)


def _detail(contribution: Contribution) -> Sql | None:
    if contribution.detail is not None or not contribution.rankings:
        return contribution.detail
    return join(
        " || '; ' || ",
        (
            _ranking_detail(r) if isinstance(r, Ranking) else _group_detail(r)
            for r in contribution.rankings
        ),
    )


def _row_expressions(contribution: Contribution) -> list[Sql]:
    parts = [contribution.line, contribution.amount, contribution.shown, _detail(contribution)]
    return [p for p in parts if p is not None]


def _explained_columns(block: BlockPlan) -> list[Column]:
    """The columns the explain query reads from the results, beyond the reported ones."""
    columns: list[Column] = []
    for contribution in block.contributions:
        for expression in _row_expressions(contribution):
            for ref in expression.refs():
                if ref.table is None and ref.column not in columns:
                    columns.append(ref.column)
    return columns


def _contributions(block: BlockPlan) -> str:
    """One row per rule line that contributed, per rated employee and shown instance: the
    line number, what it did, the amount, and the event ids behind it. Reads the block's
    results (which carry the line columns) and, for the event ids, one pass over the events
    of the shown instances only: the instances a longer block or a look-back needed
    evaluated are not shown, and nothing of theirs is kept."""
    if not block.contributions:
        return ""
    kind = quote_text(block.kind)
    results = quote_ident(f"sr_results_{block.kind}")
    used = list(dict.fromkeys(a for c in block.contributions for a in c.aggregates))
    ctes = [
        "-- the shown instances\n"
        "inst AS (\n  SELECT seq, period_start, period_end FROM sr_instances\n"
        f"  WHERE kind = {kind} AND shown\n)"
    ]
    join = ""
    instant, windowed = _by_window(used)
    if instant:
        ctes.append(f"{comment(INSTANCE_DAYS_NOTE)}\ninst_days AS (\n{_instance_days('inst')}\n)")
        ctes.append(_ids_cte("ids", "inst_days", instant, results, "sr_events"))
        join += "\n  LEFT JOIN ids ON ids.seq = r.seq AND ids.employee_id = r.employee_id"
    if windowed:
        days = _window_days("inst", windowed)
        ctes.append(f"{comment(WINDOW_DAYS_NOTE)}\nwindow_days AS (\n{days}\n)")
        ctes.append(_ids_cte("window_ids", "window_days", windowed, results, EVERY_EVENT))
        join += (
            "\n  LEFT JOIN window_ids ON window_ids.seq = r.seq"
            " AND window_ids.employee_id = r.employee_id"
        )
    items = ",\n    ".join(_contribution_item(c) for c in block.contributions)
    return (
        "WITH\n" + ",\n".join(ctes) + "\n"
        "SELECT period, employee_id, c.line AS line, c.kind AS kind, c.label AS label,"
        " c.amount AS amount, c.detail AS detail, c.event_ids AS event_ids\n"
        "FROM (\n  SELECT r.period, r.employee_id, unnest([\n    "
        + items
        + f"\n  ]) AS c\n  FROM {results} r JOIN inst ON inst.seq = r.seq{join}\n)\n"
        "WHERE c.shown"
    )


def _ids_cte(name: str, days: str, aggregates: list[Aggregate], results: str, events: str) -> str:
    """The CTE ``name`` listing, per shown instance and rated employee, the ids of the
    events each of ``aggregates`` read. Sorted here, once per aggregate, so that a line
    reading one aggregate takes its list as it is; an event is on one day of a window or
    an instance, so a list has no duplicates."""
    lists = ",\n    ".join(
        f"list_sort(list(e.event_id) FILTER (WHERE {_condition(a)})) AS {_ids(a)}"
        for a in aggregates
    )
    return (
        "-- the ids of the events each aggregate read, in order\n"
        f"{name} AS (\n  SELECT d.seq, e.employee_id,\n    "
        + lists
        + "\n"
        # The events of employees who are not rated would be grouped for nothing.
        + _events_of_days(days, aggregates, rows=results, events=events)
        + "\n)"
    )


def _contribution_item(c: Contribution) -> str:
    lists = [
        f"coalesce({'window_ids' if a.window else 'ids'}.{_ids(a)}, CAST([] AS VARCHAR[]))"
        for a in dict.fromkeys(c.aggregates)
    ]
    if not lists:
        events = "CAST([] AS VARCHAR[])"
    elif len(lists) == 1:
        events = lists[0]
    else:  # two aggregates can read the same event
        events = "list_sort(list_distinct(" + " || ".join(lists) + "))"
    amount = render(c.amount, "r.") if c.amount is not None else "NULL"
    detail = _detail(c)
    return (
        "struct_pack("
        f"line := CAST({render(c.line, 'r.')} AS INTEGER), kind := {quote_text(c.kind)}, "
        f"label := {quote_text(c.label)}, amount := CAST({shown_text(amount)} AS {DEC}), "
        f"shown := coalesce({render(c.shown, 'r.')}, FALSE), "
        f"detail := CAST({render(detail, 'r.') if detail is not None else 'NULL'} AS VARCHAR), "
        f"event_ids := {events})"
    )


def _ids(aggregate: Aggregate) -> str:
    return quote_ident("ids_" + column_name(aggregate.column))


def describe_inputs(compiled: CompiledPolicy) -> list[str]:
    """Comment lines naming the attribute columns of the run's roster and events tables."""
    lines = [
        comment(f"  {c.sql_name}: roster attribute {quoted(c.name)}")
        for c in compiled.roster_columns
    ]
    lines += [
        comment(f"  {c.sql_name}: {quoted(c.name)} of event type {quoted(str(c.event_type))}")
        for c in compiled.event_columns
    ]
    return ["-- with these attribute columns:", *lines] if lines else []
