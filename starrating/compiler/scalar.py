"""Policy expressions -> plan expressions, one ``visit_`` method per AST expression class.

Enters: an AST expression of a checked block, with the scope it stands in (the rated
row, an event inside an aggregate's ``where``, a shorter block's row, the roster row of
`applies to`).
Leaves: an ``Sql`` expression over plan columns. Visiting an aggregate, a ranking or a
look-back adds it to the block's plan (once per distinct aggregate or look-back), so the
expression can refer to its column.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.periods import tenure_sql
from ..language import ast as A
from ..language.catalog import ANY, Catalog
from ..language.checker import Analysis, BlockAnalysis
from . import arithmetic
from . import expressions as X
from .expressions import DEC, SQL_TYPES, Sql, sql
from .plan import (
    ROW_BUILTINS,
    SUB_BUILTINS,
    TENURE,
    Aggregate,
    BlockPlan,
    Column,
    ColumnIds,
    EventAttribute,
    GroupStep,
    GroupValue,
    LookBack,
    PolicyPlan,
    Ranking,
    RankStep,
    RollingWindow,
    RosterAttribute,
)

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Scope:
    kind: str  # "row" (a rated employee in an instance), "event", "sub", "roster"
    event_type: str | None = None
    sub: BlockAnalysis | None = None


ROW = Scope("row")


@dataclass
class PolicyContext:
    """What every block's builder shares: the policy, its catalog, the column ids and the
    plan built so far (shorter blocks first, so a longer block finds their columns)."""

    analysis: Analysis
    catalog: Catalog
    ids: ColumnIds
    plan: PolicyPlan

    def event_attribute(self, event_type: str, name: str) -> Column:
        key = (event_type, name)
        if key not in self.plan.events:
            kind = self.catalog.event_attributes(event_type).get(name, ANY)
            column = self.ids.new("event", f"{event_type}.{name}", SQL_TYPES[kind])
            self.plan.events[key] = EventAttribute(column, event_type, name, kind)
        return self.plan.events[key].column

    def roster_attribute(self, name: str) -> RosterAttribute:
        if name not in self.plan.roster:
            kind = self.catalog.roster.get(name, ANY)
            column = self.ids.new("roster", name, SQL_TYPES[kind])
            self.plan.roster[name] = RosterAttribute(column, name, kind)
        return self.plan.roster[name]


class SqlTypes:
    """The SQL type of an expression's value (for look-back history columns, and to tell
    numeric comparisons apart), one ``type_of_`` method per AST class that is not a number."""

    def __init__(self, info: BlockAnalysis, catalog: Catalog) -> None:
        self.info = info
        self.catalog = catalog

    def of(self, expr: A.Expr) -> str:
        method = getattr(self, "type_of_" + type(expr).__name__, None)
        return method(expr) if method else DEC  # numbers, aggregates, rankings, wins

    def type_of_String(self, expr: A.String) -> str:
        return "VARCHAR"

    def type_of_Date(self, expr: A.Date) -> str:
        return "DATE"

    def type_of_Boolean(self, expr: A.Expr) -> str:
        return "BOOLEAN"

    type_of_InList = type_of_Awarded = type_of_Consecutive = type_of_Boolean

    def type_of_Unary(self, expr: A.Unary) -> str:
        return "BOOLEAN" if expr.op == "not" else DEC

    def type_of_Binary(self, expr: A.Binary) -> str:
        if expr.op in ("and", "or", *COMPARISONS):
            return "BOOLEAN"
        return self.of(expr.left) if expr.op == "default" else DEC

    def type_of_Match(self, expr: A.Match) -> str:
        return self.of(expr.arms[0].value)

    def type_of_Previous(self, expr: A.Previous) -> str:
        return self.of(expr.operand)

    def type_of_Name(self, expr: A.Name) -> str:
        if expr.name in self.info.definitions:
            return SQL_TYPES[self.info.types.get(expr.name, ANY)]
        if expr.name in ROW_BUILTINS:
            return DEC
        return SQL_TYPES[self.catalog.roster.get(expr.name, ANY)]


class ExpressionBuilder:
    def __init__(self, context: PolicyContext, info: BlockAnalysis, block: BlockPlan) -> None:
        self.context = context
        self.info = info
        self.block = block
        self.types = SqlTypes(info, context.catalog)
        self.aggregates: dict[object, Aggregate] = {}  # by the aggregate's AST, spans aside
        self.by_column: dict[Column, Aggregate | Ranking | GroupValue] = {}
        self.groups: dict[A.GroupAggregate, GroupValue] = {}  # by the AST, spans aside
        self.previous: dict[A.Expr, LookBack] = {}  # by the operand of previous()
        self.streaks: dict[A.Consecutive, LookBack] = {}
        self.pending: list[tuple[LookBack, A.Expr]] = []  # hidden values not compiled yet

    def visit(self, expr: A.Expr, scope: Scope) -> Sql:
        return getattr(self, "visit_" + type(expr).__name__)(expr, scope)

    # -- conditions and numbers
    def cond(self, expr: A.Expr, scope: Scope) -> Sql:
        """A condition: a missing value counts as false (docs/language.md)."""
        compiled = self.visit(expr, scope)
        if self.untyped_attribute(expr, scope):
            # An attribute never seen in the data is text: read "true"/"1" as true.
            return sql("coalesce(lower(", compiled, ") IN ('true', '1'), FALSE)")
        if _never_missing(expr):
            return compiled
        return X.coalesce(compiled, X.FALSE)

    def untyped_attribute(self, expr: A.Expr, scope: Scope) -> bool:
        """An event attribute whose type nobody knows (no catalog entry, never ingested)."""
        if scope.kind != "event" or not isinstance(expr, A.Name) or expr.name == "value":
            return False
        assert scope.event_type is not None
        return self.context.catalog.event_attributes(scope.event_type).get(expr.name, ANY) == ANY

    def number(self, expr: A.Expr, compiled: Sql, scope: Scope) -> Sql:
        """``compiled`` (``expr``) where a number is expected: untyped text converted."""
        return X.try_cast(compiled, DEC) if self.untyped_attribute(expr, scope) else compiled

    # -- literals and operators
    def visit_Number(self, expr: A.Number, scope: Scope) -> Sql:
        return X.decimal(expr.value)

    def visit_String(self, expr: A.String, scope: Scope) -> Sql:
        return X.text(expr.value)

    def visit_Date(self, expr: A.Date, scope: Scope) -> Sql:
        # The checker made sure it is a calendar date (E082); escaped all the same.
        return sql("DATE ", X.text(expr.text))

    def visit_Boolean(self, expr: A.Boolean, scope: Scope) -> Sql:
        return X.TRUE if expr.value else X.FALSE

    def visit_Unary(self, expr: A.Unary, scope: Scope) -> Sql:
        if expr.op == "not":
            return sql("(NOT ", self.cond(expr.operand, scope), ")")
        return sql("(- ", self.visit(expr.operand, scope), ")")

    def visit_Binary(self, expr: A.Binary, scope: Scope) -> Sql:
        op = expr.op
        if op in ("and", "or"):
            left, right = self.cond(expr.left, scope), self.cond(expr.right, scope)
            return sql("(", left, f" {op.upper()} ", right, ")")
        if isinstance(expr.left, A.Date) or isinstance(expr.right, A.Date):
            return self.with_date_literal(expr, scope)
        left, right = self.visit(expr.left, scope), self.visit(expr.right, scope)
        numeric = DEC in (self.types.of(expr.left), self.types.of(expr.right))
        if op in ("+", "-", "*", "/", "<", "<=", ">", ">=") or numeric:
            left = self.number(expr.left, left, scope)
            right = self.number(expr.right, right, scope)
        if op == "default":
            return X.coalesce(left, right)
        if op in ("+", "-"):
            return X.cast(sql("(", left, f") {op} (", right, ")"), DEC)
        if op == "*":
            return arithmetic.multiply(left, right)
        if op == "/":
            return arithmetic.divide(left, right)  # missing for a zero divisor
        if numeric:
            # Numbers are compared as they are shown, so that 2 / 3 * 15 >= 10 holds.
            left, right = self.compared(expr.left, left), self.compared(expr.right, right)
        return _comparison(op, left, right)

    def compared(self, expr: A.Expr, compiled: Sql) -> Sql:
        """A side of a numeric comparison: a number rounded to the places values are
        compared at; anything else (a text read as a number by DuckDB) as it is."""
        return arithmetic.shown(compiled) if self.types.of(expr) == DEC else compiled

    def with_date_literal(self, expr: A.Binary, scope: Scope) -> Sql:
        """A comparison with a date literal, or `x default 2026-01-01` (the checker allows
        nothing else with a date). An event attribute nobody typed is text: it is read as a
        date, and is missing where it is not one, rather than failing the run."""
        left, right = (
            X.try_cast(self.visit(side, scope), "DATE")
            if self.untyped_attribute(side, scope)
            else self.visit(side, scope)
            for side in (expr.left, expr.right)
        )
        if expr.op == "default":
            return X.coalesce(left, right)
        return _comparison(expr.op, left, right)

    def visit_InList(self, expr: A.InList, scope: Scope) -> Sql:
        # Item by item, so that a missing item never matches (SQL's IN would make
        # `x NOT IN (1, NULL)` unknown); a missing `x` is in no list and not outside it.
        operand = X.paren(self.visit(expr.operand, scope))
        numeric = self.types.of(expr.operand) == DEC
        if numeric:
            operand = arithmetic.shown(operand)
        items = [
            X.coalesce(sql(operand, " = ", self.list_item(item, scope, numeric)), X.FALSE)
            for item in expr.items
        ]
        matches = X.join(" OR ", items) if items else X.FALSE
        if expr.negated:
            return sql("(", operand, " IS NOT NULL AND NOT (", matches, "))")
        return X.paren(matches)

    def visit_Match(self, expr: A.Match, scope: Scope) -> Sql:
        # One `=` per key, compared as `=` compares: numbers at the places they are shown,
        # so `match 2 / 3 * 3 { 2: ... }` finds its key. A missing subject equals no key,
        # so `otherwise` (or missing) is its value.
        subject = X.paren(self.visit(expr.subject, scope))
        if isinstance(expr.arms[0].key, A.Number):
            if self.types.of(expr.subject) != DEC or self.untyped_attribute(expr.subject, scope):
                subject = X.try_cast(subject, DEC)  # a text nobody typed, read as a number
            subject = arithmetic.shown(subject)
            keys = [arithmetic.shown(X.decimal(arm.key.value)) for arm in expr.arms]
        else:
            subject = X.cast(subject, "VARCHAR")
            keys = [X.text(arm.key.value) for arm in expr.arms]  # type: ignore[arg-type]
        whens = [
            (sql(subject, " = ", key), self.visit(arm.value, scope))
            for key, arm in zip(keys, expr.arms, strict=True)
        ]
        otherwise = self.visit(expr.otherwise, scope) if expr.otherwise is not None else None
        return X.case(whens, otherwise)

    def list_item(self, item: A.Expr, scope: Scope, numeric: bool) -> Sql:
        """An item of an `in` list, rounded like a comparison's side when the operand is
        a number."""
        compiled = X.paren(self.visit(item, scope))
        return self.compared(item, compiled) if numeric else compiled

    # -- names
    def visit_Name(self, expr: A.Name, scope: Scope) -> Sql:
        return getattr(self, "name_in_" + scope.kind)(expr.name, scope)

    def name_in_row(self, name: str, scope: Scope) -> Sql:
        if name in self.block.values:
            return sql(self.block.values[name].ref())
        if name in ROW_BUILTINS:
            return sql(ROW_BUILTINS[name].ref())
        return sql(self.roster(name).ref())

    def name_in_event(self, name: str, scope: Scope) -> Sql:
        assert scope.event_type is not None
        if name == "value":
            return sql("e.value")
        return sql(self.context.event_attribute(scope.event_type, name).ref("e"))

    def name_in_sub(self, name: str, scope: Scope) -> Sql:
        assert scope.sub is not None
        sub = self.context.plan.blocks[scope.sub.kind]
        if name in sub.values:
            return sql(sub.values[name].ref("s"))
        if name in SUB_BUILTINS:
            return sql(SUB_BUILTINS[name].ref("s"))
        return sql(self.roster(name).ref("sr"))

    def name_in_roster(self, name: str, scope: Scope) -> Sql:
        """`applies to`, read in the population CTE from the roster row ``r``."""
        if name == TENURE.label:
            return sql("(", tenure_sql("r.hire_date", "i.period_end"), ")")
        return sql(self.roster(name).ref("r"))

    def roster(self, name: str) -> Column:
        attribute = self.context.roster_attribute(name)
        self.block.roster[name] = attribute
        return attribute.column

    # -- aggregates: one FILTER aggregate each, in one pass over the events or the rows
    def visit_Aggregate(self, expr: A.Aggregate, scope: Scope) -> Sql:
        if expr.over_periods:
            return sql(self.sub_aggregate(expr).column.ref())
        return sql(self.event_aggregate(expr).column.ref())

    def event_aggregate(self, expr: A.Aggregate) -> Aggregate:
        window = _rolling_window(expr.window)
        key = (A.Aggregate(expr.func, expr.source, False, expr.attribute, expr.where), window)
        if key in self.aggregates:
            return self.aggregates[key]
        scope = Scope("event", expr.source)
        condition = sql("e.type = ", X.text(expr.source))
        if expr.where is not None:
            condition = sql(condition, " AND ", self.cond(expr.where, scope))
        target = None
        if expr.func != "count":
            attribute = A.Name(expr.attribute or "value")
            target = self.number(attribute, self.visit(attribute, scope), scope)
        label = f"{expr.func}({expr.source})"
        if window is not None:
            label = f"{expr.func}({expr.source} over last {window.count} {window.units})"
        column = self.context.ids.new("aggregate", label)
        aggregate = Aggregate(
            column, expr.func, target, condition, event_type=expr.source, window=window
        )
        self.block.event_aggregates.append(aggregate)
        self.aggregates[key] = self.by_column[column] = aggregate
        return aggregate

    def sub_aggregate(self, expr: A.Aggregate) -> Aggregate:
        sub_kind = A.PLURAL_TO_KIND[expr.source]
        key = (sub_kind, expr)
        if key not in self.aggregates:
            scope = Scope("sub", sub=self.context.analysis.blocks[sub_kind])
            condition = self.cond(expr.where, scope) if expr.where is not None else X.TRUE
            target = None
            if expr.func != "count":
                target = self.visit(A.Name(expr.attribute or "net"), scope)
            column = self.context.ids.new("sub", f"{expr.func}({expr.source})")
            self.add_sub_aggregate(key, Aggregate(column, expr.func, target, condition, None))
        return self.aggregates[key]

    def visit_Wins(self, expr: A.Wins, scope: Scope) -> Sql:
        blocks = self.context.plan.blocks
        sub_kind = next(k for k, b in blocks.items() if expr.award in b.awards)
        key = (sub_kind, expr)
        if key not in self.aggregates:
            won = sql(blocks[sub_kind].awards[expr.award].ref("s"))
            column = self.context.ids.new("wins", expr.award)
            self.add_sub_aggregate(key, Aggregate(column, "count", None, won, None))
        return sql(self.aggregates[key].column.ref())

    def add_sub_aggregate(self, key: tuple[str, A.Expr], aggregate: Aggregate) -> None:
        sub_kind = key[0]
        aggregate.sub_kind = sub_kind
        self.block.sub_aggregates.setdefault(sub_kind, []).append(aggregate)
        self.aggregates[key] = aggregate

    def visit_Awarded(self, expr: A.Awarded, scope: Scope) -> Sql:
        if scope.kind == "sub":
            assert scope.sub is not None
            return sql(self.context.plan.blocks[scope.sub.kind].awards[expr.award].ref("s"))
        return sql(self.block.awards[expr.award].ref())

    # -- rankings: window functions in layers of their own
    def visit_Ranking(self, expr: A.Ranking, scope: Scope) -> Sql:
        """A window function over the rated, non-vetoed employees of the instance."""
        ids = self.context.ids
        ranking = Ranking(
            func=expr.func,
            operand=self.visit(expr.operand, scope),
            value=ids.new("ranked", expr.func),
            rank=ids.new("rank", expr.func),
            places=ids.new("places", expr.func, "BIGINT"),
            within=self.roster(expr.within) if expr.within is not None else None,
        )
        self.block.layers.append(RankStep(ranking))
        self.by_column[ranking.rank] = ranking
        return sql(ranking.rank.ref())

    # -- group values: window functions over the group, in layers of their own
    def visit_GroupAggregate(self, expr: A.GroupAggregate, scope: Scope) -> Sql:
        """Over the rated, non-vetoed employees of the instance (of the same ``within``).
        Computed once per distinct expression: explain reads it again, and a second
        window over the same group would give the same column."""
        group = self.groups.get(expr)
        if group is None:
            ids = self.context.ids
            counts = expr.func == "group_count"
            operand = self.cond(expr.operand, scope) if counts else self.visit(expr.operand, scope)
            group = GroupValue(
                func=expr.func,
                operand=operand,
                value=ids.new("grouped", expr.func, "BOOLEAN" if counts else DEC),
                members=ids.new("members", expr.func, "BIGINT"),
                counted=ids.new("counted", expr.func, "BIGINT"),
                result=ids.new("group", expr.func),
                within=self.roster(expr.within) if expr.within is not None else None,
            )
            self.block.layers.append(GroupStep(group))
            self.groups[expr] = self.by_column[group.result] = group
        return sql(group.result.ref())

    # -- look-back: values the previous instances kept (evaluated in time order)
    def visit_Previous(self, expr: A.Previous, scope: Scope) -> Sql:
        lookback = self.previous.get(expr.operand)
        if lookback is None:
            sql_type = self.types.of(expr.operand)
            hidden = self.context.ids.new("hidden", "previous", sql_type)
            previous = self.context.ids.new("previous", "previous", sql_type)
            lookback = LookBack(hidden, previous=previous)
            self.previous[expr.operand] = lookback
            self.add_lookback(lookback, expr.operand)
        assert lookback.previous is not None
        return sql(lookback.previous.ref())

    def visit_Consecutive(self, expr: A.Consecutive, scope: Scope) -> Sql:
        lookback = self.streaks.get(expr)
        count = int(expr.count.value)
        if lookback is None:
            hidden = self.context.ids.new("hidden", "consecutive", "BOOLEAN")
            streak = self.context.ids.new("streak", "consecutive")
            lookback = LookBack(hidden, streak=streak, count=count)
            self.streaks[expr] = lookback
            self.add_lookback(lookback, expr.operand)
        assert lookback.streak is not None
        earlier = X.coalesce(lookback.streak.ref(), sql("0"))
        return sql("(", self.cond(expr.operand, scope), " AND ", earlier, f" = {count - 1})")

    def add_lookback(self, lookback: LookBack, operand: A.Expr) -> None:
        self.block.lookbacks.append(lookback)
        self.pending.append((lookback, operand))

    def compile_pending_lookbacks(self) -> list[tuple[Column, Sql]]:
        """Compile the values kept for later instances; a kept value may itself look back
        (previous(previous(x))), hence a worklist. Returns their columns and values."""
        done: list[tuple[Column, Sql]] = []
        while self.pending:
            lookback, operand = self.pending.pop(0)
            hidden = lookback.hidden
            if hidden.sql_type == "BOOLEAN":
                value = self.cond(operand, ROW)
            else:
                value = self.visit(operand, ROW)
            lookback.operand = X.cast(value, hidden.sql_type)
            done.append((hidden, lookback.operand))
        return done

    # -- what a statement read (for explain)
    def reads(self, *expressions: Sql | None) -> tuple[list[Aggregate], list[Ranking | GroupValue]]:
        """The event aggregates, and the rankings and group values, ``expressions`` read,
        their operands included, in the order they are read (a ranking after what its
        operand reads)."""
        aggregates: list[Aggregate] = []
        rankings: list[Ranking | GroupValue] = []

        def walk(expression: Sql) -> None:
            for ref in expression.refs():
                read = self.by_column.get(ref.column)
                if isinstance(read, Aggregate):
                    aggregates.append(read)
                elif isinstance(read, Ranking | GroupValue):
                    walk(read.operand)
                    rankings.append(read)

        for expression in expressions:
            if expression is not None:
                walk(expression)
        return aggregates, rankings


def _never_missing(expr: A.Expr) -> bool:
    """Conditions the compiler already makes two-valued (comparisons, in, and/or/not...)."""
    if isinstance(expr, A.Binary):
        return expr.op in ("and", "or", *COMPARISONS)
    if isinstance(expr, A.Unary):
        return expr.op == "not"
    return isinstance(expr, A.InList | A.Boolean | A.Consecutive)


def _comparison(op: str, left: Sql, right: Sql) -> Sql:
    """``left op right`` for a comparison: false where a side is missing."""
    sql_op = "<>" if op == "!=" else op
    return X.coalesce(sql("(", left, f") {sql_op} (", right, ")"), X.FALSE)


def _rolling_window(window: A.Window | None) -> RollingWindow | None:
    """A checked window in the plan's terms (`month` and `months` alike)."""
    if window is None:
        return None
    assert window.units is not None and window.count is not None  # checked: E110, E111
    return RollingWindow(window.units, window.count)
