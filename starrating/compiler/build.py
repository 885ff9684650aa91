"""AST -> set-based DuckDB SQL, one query per block kind.

A block is a DAG of per-employee values; it compiles to layered CTEs over the tables the
engine prepares for a run (see ``engine.py``):

- ``sr_instances(kind, seq, label, period_start, period_end)``: the instances to evaluate;
  ``seq`` numbers one kind's instances consecutively in time.
- ``sr_roster(employee_id, name, hire_date, leave_date, "r:ATTR"...)``: the roster in
  force at the as-of time, attributes typed.
- ``sr_events(employee_id, type, local_date, value, "e:TYPE.ATTR"...)``: the events the
  run sees (as-of and voids applied), with their local date in the policy's zone.
- ``sr_results_KIND``: the rows this query produces for a shorter block (read by
  ``count(weeks ...)``, ``wins(...)``) or for earlier instances of the same block (read by
  ``previous(...)`` and ``for N consecutive``).

The query's layers: the instances; the rated population (roster x instances, `applies to`);
one pass over the instances' events with ``FILTER`` aggregates; one pass over each
shorter block's results; then one CTE per value in dependency order, with window
functions for rankings and awards. Literals are escaped SQL literals; identifiers are
always quoted. Arithmetic is DECIMAL(38,10) (see docs/language.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.periods import tenure_sql
from ..language import ast as A
from ..language.catalog import ANY, BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP, Catalog
from ..language.checker import Analysis, BlockAnalysis

DEC = "DECIMAL(38,10)"
SQL_TYPES = {NUMBER: DEC, TEXT: "VARCHAR", BOOLEAN: "BOOLEAN", DATE: "DATE",
             TIMESTAMP: "TIMESTAMPTZ", ANY: "VARCHAR"}  # fmt: skip


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always quoted (names may be Chinese or hold any character)."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    """An escaped SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def decimal_literal(value: Decimal) -> str:
    return f"CAST({quote_text(format(value, 'f'))} AS {DEC})"


# Column names of values in the result tables and CTEs.
def value_column(name: str) -> str:
    return quote_ident(f"v:{name}")


def award_column(name: str) -> str:
    return quote_ident(f"award:{name}")


def roster_column(name: str) -> str:
    return quote_ident(f"r:{name}")


def event_column(event_type: str, attribute: str) -> str:
    return quote_ident(f"e:{event_type}.{attribute}")


@dataclass
class CompiledBlock:
    kind: str
    sql: str  # parameters: $seq_lo, $seq_hi (the instances of sr_instances to evaluate)
    looks_back: bool  # uses previous() / for N consecutive: evaluate instance by instance
    values: list[str]  # let/score names, in the order reports show them
    value_types: dict[str, str]
    awards: list[str]  # in declaration order
    vetoes: list[str]
    hidden: dict[str, str] = field(default_factory=dict)  # look-back columns -> SQL type
    # The rule-by-rule explanation of every row (for `starrating explain`): a query over
    # this block's results and its events, with the same $seq_lo/$seq_hi parameters.
    contributions_sql: str = ""
    sub_kinds: set[str] = field(default_factory=set)  # shorter blocks it reads
    event_columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, attr) -> type
    roster_columns: dict[str, str] = field(default_factory=dict)  # attr -> type


@dataclass
class CompiledPolicy:
    blocks: dict[str, CompiledBlock]  # by kind, shortest first


def compile_policy(analysis: Analysis, catalog: Catalog) -> CompiledPolicy:
    """Compile every block of a checked policy."""
    blocks: dict[str, CompiledBlock] = {}
    for kind in A.PERIOD_KINDS:
        info = analysis.blocks.get(kind)
        if info is not None:
            blocks[kind] = _BlockCompiler(analysis, info, catalog).compile()
    return CompiledPolicy(blocks)


# ---- the compiler of one block ----------------------------------------------------------


@dataclass
class _Scope:
    kind: str  # "row" (a rated employee in an instance), "event", "sub", "roster"
    event_type: str | None = None
    sub: BlockAnalysis | None = None


class _BlockCompiler:
    def __init__(self, analysis: Analysis, info: BlockAnalysis, catalog: Catalog) -> None:
        self.analysis = analysis
        self.info = info
        self.catalog = catalog
        self.kind = info.kind
        self.event_aggregates: dict[str, str] = {}  # column -> SQL aggregate over events
        self.event_aggregate_keys: dict[A.Aggregate, str] = {}
        self.count_columns: set[str] = set()  # aggregates that are 0, not missing, on no rows
        self.sub_aggregates: dict[str, dict[str, str]] = {}  # sub kind -> column -> SQL
        self.sub_keys: dict[tuple[str, object], str] = {}
        self.previous_nodes: dict[A.Expr, str] = {}  # operand -> hidden column
        self.consecutive_nodes: dict[A.Consecutive, str] = {}
        self.layers: list[tuple[str, list[tuple[str, str]]]] = []  # (cte name, [(col, sql)])
        self.counter = 0
        # Explaining results: what each statement line contributed, and the event
        # aggregates / rankings its SQL read (tracked while a statement is compiled).
        self.contributions: list[_Contribution] = []
        self.extra_columns: list[str] = []
        self.event_conditions: dict[str, str] = {}  # aggregate column -> FILTER condition
        self.tracked_aggregates: list[str] | None = None
        self.tracked_rankings: list[tuple[str, str, str, str | None, str]] | None = None
        self.compiled = CompiledBlock(
            kind=self.kind, sql="", looks_back=False, values=[], value_types={}, awards=[],
            vetoes=[],
        )  # fmt: skip

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- driver
    def compile(self) -> CompiledBlock:
        out = self.compiled
        statements = self.info.block.statements
        out.values = [
            s.name
            for s in statements
            if isinstance(s, A.Let | A.ScoreValue | A.ScoreBuilt)
            and self.info.definitions.get(s.name) is s
        ]
        out.value_types = {name: self.info.types.get(name, ANY) for name in out.values}
        out.awards = list(self.info.awards)
        out.vetoes = [s.reason for s in statements if isinstance(s, A.Veto)]
        # Every node, in dependency order; each becomes one layer (CTE).
        for node in self.info.order:
            self.compile_node(node)
        # Hidden values that later instances read through previous() / N consecutive. A
        # hidden operand may itself look back (previous(previous(x))): a worklist.
        hidden_layer: list[tuple[str, str]] = []
        done: set[str] = set()
        while True:
            todo = [
                (column, self.sql_type(operand), operand)
                for operand, column in list(self.previous_nodes.items())
                if column not in done
            ] + [
                (column, "BOOLEAN", consecutive.operand)
                for consecutive, column in list(self.consecutive_nodes.items())
                if column not in done
            ]
            if not todo:
                break
            for column, sql_type, operand in todo:
                done.add(column)
                sql = (
                    self.cond(operand, _Scope("row"))
                    if sql_type == "BOOLEAN"
                    else (self.expr(operand, _Scope("row")))
                )
                hidden_layer.append((column, f"CAST({sql} AS {sql_type})"))
                out.hidden[column] = sql_type
        if hidden_layer:
            self.layers.append((self.fresh("hidden"), hidden_layer))
        out.looks_back = bool(hidden_layer)
        out.sql = self.assemble()
        out.contributions_sql = self.assemble_contributions()
        return out

    # -- nodes
    def compile_node(self, node: str) -> None:
        scope = _Scope("row")
        info = self.info
        if node.startswith("def:"):
            name = node[4:]
            definition = info.definitions[name]
            self.track()
            if isinstance(definition, A.ScoreBuilt):
                sql = self.score(definition, scope)
            else:
                sql = self.expr(definition.expr, scope)
                if info.types.get(name) == NUMBER:
                    sql = f"CAST({sql} AS {DEC})"
            self.layer(value_column(name), sql)
            numeric = info.types.get(name) == NUMBER
            self.contribute(
                definition, "value", name,
                amount=value_column(name) if numeric else None,
                detail=None if numeric else f"CAST({value_column(name)} AS VARCHAR)",
            )  # fmt: skip
        elif node in ("red", "green"):
            columns = []
            for statement in info.block.statements:
                if isinstance(statement, A.Tally) and statement.color == node:
                    self.track()
                    line = self.line(
                        statement.amount, statement.per, statement.when, statement.at_most, scope
                    )
                    column = self.line_column(line)
                    columns.append(column)
                    self.contribute(statement, node, node, amount=column, shown=f"{column} <> 0")
            self.layer(quote_ident(node), _sum(columns))
        elif node == "net":
            self.layer('"net"', f'CAST("red" - "green" AS {DEC})')
        elif node == "veto":
            vetoes = [s for s in info.block.statements if isinstance(s, A.Veto)]
            flags = []
            for veto in vetoes:
                self.track()
                flag = self.line_column(self.cond(veto.condition, scope), "fired:")
                flags.append(flag)
                self.contribute(veto, "veto", veto.reason, shown=flag, detail="'fired'")
            reasons = ", ".join(
                f"CASE WHEN {flag} THEN {quote_text(v.reason)} END"
                for v, flag in zip(vetoes, flags, strict=True)
            )
            vetoed = " OR ".join(flags) if flags else "FALSE"
            reason_list = (
                f"list_filter([{reasons}], lambda reason: reason IS NOT NULL)"
                if flags
                else "CAST([] AS VARCHAR[])"
            )
            self.layer('"vetoed"', f"({vetoed})", ('"veto_reasons"', reason_list))
        elif node == "stars":
            stars = next((s for s in info.block.statements if isinstance(s, A.Stars)), None)
            self.track()
            level, matched = self.stars(stars, scope)
            self.layer('"stars"', level, ('"stars_line"', matched))
            if stars is not None:
                self.contribute(
                    stars, "stars", "stars", amount='"stars"', shown='"stars" IS NOT NULL',
                    line='"stars_line"',
                )  # fmt: skip
        elif node.startswith("award:"):
            self.award(info.awards[node[6:]], scope)
        elif node == "reward":
            self.layer('"reward"', self.reward(scope))

    # -- explaining: what each line contributed
    def track(self) -> None:
        self.tracked_aggregates = []
        self.tracked_rankings = []

    def line_column(self, sql: str, prefix: str = "line:") -> str:
        """Give a line's total (or a veto's flag) a column of its own, for explain."""
        column = quote_ident(self.fresh(prefix))
        self.layers.append((self.fresh("l"), [(column, sql)]))
        return column

    def contribute(
        self,
        node: object,
        kind: str,
        label: str,
        amount: str | None = None,
        shown: str = "TRUE",
        detail: str | None = None,
        line: str | None = None,
    ) -> None:
        span = getattr(node, "span", None)
        rankings = self.tracked_rankings or []
        if detail is None and rankings:
            detail = " || '; ' || ".join(_ranking_detail(*r) for r in rankings)
        for column in [amount, shown, detail, line]:
            self.extra_column_refs(column)
        for _func, value, rank, within, size in rankings:
            self.extra_columns += [value, rank, size] + ([within] if within else [])
        self.contributions.append(
            _Contribution(
                line=line or str(span.line if span else 0),
                kind=kind,
                label=label,
                amount=amount or "NULL",
                shown=shown,
                detail=detail or "NULL",
                aggregates=list(self.tracked_aggregates or []),
            )
        )
        self.tracked_aggregates = None
        self.tracked_rankings = None

    def extra_column_refs(self, sql: str | None) -> None:
        if sql is None:
            return
        for column in _quoted_identifiers(sql):
            if column not in self.extra_columns:
                self.extra_columns.append(column)

    def layer(self, column: str, sql: str, *more: tuple[str, str]) -> None:
        """A new CTE adding ``column`` (rankings it needs were given layers of their own
        while its SQL was compiled, so they come first)."""
        self.layers.append((self.fresh("n"), [(column, sql), *more]))

    def score(self, score: A.ScoreBuilt, scope: _Scope) -> str:
        aggregates = self.tracked_aggregates
        total = self.expr(score.base, scope)
        for adjustment in score.adjustments:
            if isinstance(adjustment, A.Adjust):
                self.track()
                line = self.line_column(
                    self.line(
                        adjustment.amount, adjustment.per, adjustment.when, adjustment.at_most,
                        scope,
                    )
                )  # fmt: skip
                self.contribute(
                    adjustment, adjustment.kind, score.name, amount=line, shown=f"{line} <> 0"
                )
                sign = "-" if adjustment.kind == "minus" else "+"
                total = f"({total} {sign} {line})"
        self.tracked_aggregates = aggregates
        self.tracked_rankings = []
        # Clamps apply to the final score, `never below` first (docs/language.md).
        for kind in ("below", "above"):
            for clamp in (
                a for a in score.adjustments if isinstance(a, A.Clamp) and a.kind == kind
            ):
                bound = self.expr(clamp.bound, scope)
                func = "greatest" if kind == "below" else "least"
                total = (
                    f"CASE WHEN {total} IS NULL THEN NULL WHEN {bound} IS NULL THEN {total} "
                    f"ELSE {func}({total}, {bound}) END"
                )
        return f"CAST({total} AS {DEC})"

    def line(
        self,
        amount: A.Expr,
        per: A.EventRef | None,
        when: A.Expr | None,
        at_most: A.Expr | None,
        scope: _Scope,
    ) -> str:
        """One tally/adjustment line's total: amount [x count(per)], 0 unless `when`, capped;
        a missing total adds nothing."""
        total = self.expr(amount, scope)
        if per is not None:
            count = self.event_aggregate(A.Aggregate("count", per.type, False, None, per.where))
            total = f"({total} * {count})"
        if at_most is not None:
            cap = self.expr(at_most, scope)
            # least() skips NULLs: a missing total must stay missing, not become the cap.
            total = (
                f"(CASE WHEN {cap} IS NULL OR {total} IS NULL THEN {total} "
                f"ELSE least({total}, {cap}) END)"
            )
        if when is not None:
            total = f"(CASE WHEN {self.cond(when, scope)} THEN {total} ELSE 0 END)"
        return f"coalesce(CAST({total} AS {DEC}), 0)"

    def stars(self, stars: A.Stars | None, scope: _Scope) -> tuple[str, str]:
        """The star level, and the line number of the stars line that matched."""
        if stars is None:
            return "CAST(NULL AS INTEGER)", "CAST(NULL AS INTEGER)"
        levels, lines = [], []
        otherwise_level = otherwise_line = "NULL"
        for line in stars.lines:
            level = str(int(line.level.value))
            number = str(line.span.line if line.span else 0)
            if line.condition is None:
                otherwise_level, otherwise_line = level, number
                break
            condition = self.cond(line.condition, scope)
            levels.append(f"WHEN {condition} THEN {level}")
            lines.append(f"WHEN {condition} THEN {number}")
        head = 'CASE WHEN "vetoed" THEN NULL'
        return (
            f"CAST({head} {' '.join(levels)} ELSE {otherwise_level} END AS INTEGER)",
            f"CAST({head} {' '.join(lines)} ELSE {otherwise_line} END AS INTEGER)",
        )

    def award(self, award: A.Award, scope: _Scope) -> None:
        column = award_column(award.name)
        eligible = '(NOT "vetoed")'
        self.track()
        if award.when is not None:
            eligible = f"({eligible} AND {self.cond(award.when, scope)})"
        if award.top is None:
            self.layer(column, eligible)
            self.contribute(award, "award", award.name, shown=column, detail="'won'")
            return
        top = award.top
        keys = [self.expr(k, scope) for k in top.keys]
        candidate = quote_ident(self.fresh("candidate:"))
        self.layer(candidate, f"({eligible} AND ({keys[0]}) IS NOT NULL)")
        partition = ["seq", candidate]
        if top.within is not None:
            partition.insert(1, roster_column(top.within))
            self.roster_attribute(top.within)
        order = ", ".join(f"({k}) DESC NULLS LAST" for k in keys)
        place = quote_ident(self.fresh("place:"))
        size = quote_ident(self.fresh("candidates:"))
        self.layers.append(
            (
                self.fresh("rank"),
                [
                    (place, f"rank() OVER (PARTITION BY {', '.join(partition)} ORDER BY {order})"),
                    (size, f"count(*) OVER (PARTITION BY {', '.join(partition)})"),
                ],
            )
        )
        if top.count.is_percent:
            cut = f"ceil({decimal_literal(top.count.value)} * {size})"
        else:
            cut = str(int(top.count.value))
        self.layer(column, f"coalesce({candidate} AND {place} <= {cut}, FALSE)")
        key = self.line_column(f"CAST({keys[0]} AS {DEC})", "key:")
        group = (
            f"' in ' || coalesce(CAST({roster_column(top.within)} AS VARCHAR), '(none)')"
            if top.within
            else "''"
        )
        detail = (
            f"CASE WHEN {column} THEN 'won: ' ELSE 'not won: ' END || 'rank ' || {place} || "
            f"' of ' || {size} || {group} || ', value ' || {_decimal_text(key)}"
        )
        self.tracked_rankings = []
        self.contribute(award, "award", award.name, shown=candidate, detail=detail)

    def reward(self, scope: _Scope) -> str:
        parts: list[str] = []
        for statement in self.info.block.statements:
            self.track()
            if isinstance(statement, A.Reward):
                line = self.line(statement.amount, None, statement.when, None, scope)
            elif isinstance(statement, A.RewardByStars):
                cases = " ".join(
                    f"WHEN {int(e.level.value)} THEN {self.expr(e.amount, scope)}"
                    for e in statement.entries
                )
                line = f'coalesce(CAST(CASE "stars" {cases} ELSE 0 END AS {DEC}), 0)'
            elif (
                isinstance(statement, A.Award)
                and statement.reward is not None
                and self.info.awards.get(statement.name) is statement
            ):
                money = self.expr(statement.reward, scope)
                line = (
                    f"coalesce(CAST(CASE WHEN {award_column(statement.name)} THEN {money} "
                    f"ELSE 0 END AS {DEC}), 0)"
                )
            else:
                continue
            column = self.line_column(line)
            parts.append(column)
            label = statement.name if isinstance(statement, A.Award) else "reward"
            self.contribute(
                statement, "reward", label, amount=column,
                shown=f'{column} <> 0 AND NOT "vetoed"',
            )  # fmt: skip
        self.tracked_aggregates = self.tracked_rankings = None
        return f'CASE WHEN "vetoed" THEN CAST(0 AS {DEC}) ELSE {_sum(parts)} END'

    def sql_type(self, expr: A.Expr) -> str:
        """The SQL type of an expression's value (for the look-back history table)."""
        if isinstance(expr, A.String):
            return "VARCHAR"
        if isinstance(expr, A.Boolean | A.InList | A.Awarded | A.Consecutive):
            return "BOOLEAN"
        if isinstance(expr, A.Unary):
            return "BOOLEAN" if expr.op == "not" else DEC
        if isinstance(expr, A.Binary):
            if expr.op in ("and", "or", "=", "!=", "<", "<=", ">", ">="):
                return "BOOLEAN"
            if expr.op == "default":
                return self.sql_type(expr.left)
            return DEC
        if isinstance(expr, A.Previous):
            return self.sql_type(expr.operand)
        if isinstance(expr, A.Name):
            if expr.name in self.info.definitions:
                return SQL_TYPES[self.info.types.get(expr.name, ANY)]
            if expr.name in ("red", "green", "net", "stars", "tenure"):
                return DEC
            return SQL_TYPES[self.catalog.roster.get(expr.name, ANY)]
        return DEC  # numbers, aggregates, rankings, wins

    # -- rankings: window functions in layers of their own
    def ranking(self, node: A.Ranking, scope: _Scope) -> str:
        """A window function over the rated, non-vetoed employees of the instance."""
        operand = self.expr(node.operand, scope)
        value = quote_ident(self.fresh("ranked:"))
        self.layers.append((self.fresh("rv"), [(value, f"CAST({operand} AS {DEC})")]))
        partition = ["seq", '"vetoed"', f"{value} IS NULL"]
        if node.within is not None:
            partition.insert(1, roster_column(node.within))
            self.roster_attribute(node.within)
        over = f"PARTITION BY {', '.join(partition)} ORDER BY {value}"
        result = quote_ident(self.fresh("rank:"))
        if node.func == "pyramid":
            sql = (
                f'CASE WHEN "vetoed" THEN NULL WHEN {value} IS NULL THEN 0 '
                f"ELSE dense_rank() OVER ({over} ASC) END"
            )
        else:
            sql = (
                f'CASE WHEN "vetoed" OR {value} IS NULL THEN NULL '
                f"ELSE rank() OVER ({over} DESC) END"
            )
        self.layers.append((self.fresh("rk"), [(result, f"CAST({sql} AS {DEC})")]))
        # For explain: how many places there are in the employee's group.
        group = ["seq"] + ([roster_column(node.within)] if node.within else [])
        size = quote_ident(self.fresh("places:"))
        counted = (
            f'max(CASE WHEN NOT "vetoed" THEN {result} END)'
            if node.func == "pyramid"
            else f'count(CASE WHEN NOT "vetoed" AND {value} IS NOT NULL THEN 1 END)'
        )
        self.layers.append(
            (
                self.fresh("rs"),
                [(size, f"CAST({counted} OVER (PARTITION BY {', '.join(group)}) AS BIGINT)")],
            )
        )
        if self.tracked_rankings is not None:
            within = roster_column(node.within) if node.within else None
            self.tracked_rankings.append((node.func, value, result, within, size))
        return result

    # -- expressions
    def cond(self, expr: A.Expr, scope: _Scope) -> str:
        """A condition: a missing value counts as false (docs/language.md)."""
        if self.untyped_attribute(expr, scope):
            # An attribute never seen in the data is text: read "true"/"1" as true.
            return f"coalesce(lower({self.expr(expr, scope)}) IN ('true', '1'), FALSE)"
        sql = self.expr(expr, scope)
        if _never_missing(expr):
            return sql
        return f"coalesce({sql}, FALSE)"

    def untyped_attribute(self, expr: A.Expr, scope: _Scope) -> bool:
        """An event attribute whose type nobody knows (no catalog entry, never ingested)."""
        if scope.kind != "event" or not isinstance(expr, A.Name) or expr.name == "value":
            return False
        assert scope.event_type is not None
        return self.catalog.event_attributes(scope.event_type).get(expr.name, ANY) == ANY

    def number(self, expr: A.Expr, scope: _Scope) -> str:
        """``expr`` where a number is expected; untyped text attributes are converted."""
        sql = self.expr(expr, scope)
        return f"TRY_CAST({sql} AS {DEC})" if self.untyped_attribute(expr, scope) else sql

    def expr(self, expr: A.Expr, scope: _Scope) -> str:
        if isinstance(expr, A.Number):
            return decimal_literal(expr.value)
        if isinstance(expr, A.String):
            return quote_text(expr.value)
        if isinstance(expr, A.Boolean):
            return "TRUE" if expr.value else "FALSE"
        if isinstance(expr, A.Name):
            return self.name(expr.name, scope)
        if isinstance(expr, A.Unary):
            if expr.op == "not":
                return f"(NOT {self.cond(expr.operand, scope)})"
            return f"(- {self.expr(expr.operand, scope)})"
        if isinstance(expr, A.Binary):
            return self.binary(expr, scope)
        if isinstance(expr, A.InList):
            # Item by item, so that a missing item never matches (SQL's IN would make
            # `x NOT IN (1, NULL)` unknown); a missing `x` is in no list and not outside it.
            operand = self.expr(expr.operand, scope)
            matches = (
                " OR ".join(
                    f"coalesce(({operand}) = ({self.expr(i, scope)}), FALSE)" for i in expr.items
                )
                or "FALSE"
            )
            if expr.negated:
                return f"(({operand}) IS NOT NULL AND NOT ({matches}))"
            return f"({matches})"
        if isinstance(expr, A.Aggregate):
            if expr.over_periods:
                return self.sub_aggregate(expr)
            return self.event_aggregate(expr)
        if isinstance(expr, A.Wins):
            return self.wins(expr)
        if isinstance(expr, A.Awarded):
            if scope.kind == "sub":
                return f"s.{award_column(expr.award)}"
            return award_column(expr.award)
        if isinstance(expr, A.Ranking):
            return self.ranking(expr, scope)
        if isinstance(expr, A.Previous):
            return self.previous(expr)
        if isinstance(expr, A.Consecutive):
            return self.consecutive(expr, scope)
        raise TypeError(f"cannot compile {type(expr).__name__}")

    def binary(self, expr: A.Binary, scope: _Scope) -> str:
        op = expr.op
        if op in ("and", "or"):
            return f"({self.cond(expr.left, scope)} {op.upper()} {self.cond(expr.right, scope)})"
        left = self.expr(expr.left, scope)
        right = self.expr(expr.right, scope)
        if op in ("+", "-", "*", "/", "<", "<=", ">", ">=") or (
            self.sql_type(expr.left) == DEC or self.sql_type(expr.right) == DEC
        ):
            left, right = self.number(expr.left, scope), self.number(expr.right, scope)
        if op == "default":
            return f"coalesce({left}, {right})"
        if op in ("+", "-", "*"):
            return f"CAST(({left}) {op} ({right}) AS {DEC})"
        if op == "/":
            # DuckDB divides decimals as doubles; the result is rounded back to 10 places.
            # Division by zero is missing.
            return (
                f"(CASE WHEN ({right}) = 0 THEN NULL ELSE CAST(CAST({left} AS DOUBLE) / "
                f"CAST({right} AS DOUBLE) AS {DEC}) END)"
            )
        sql_op = "<>" if op == "!=" else op
        return f"coalesce(({left}) {sql_op} ({right}), FALSE)"

    def name(self, name: str, scope: _Scope) -> str:
        if scope.kind == "event":
            assert scope.event_type is not None
            if name == "value":
                return "e.value"
            self.event_attribute(scope.event_type, name)
            return f"e.{event_column(scope.event_type, name)}"
        if scope.kind == "sub":
            assert scope.sub is not None
            if name in scope.sub.definitions:
                return f"s.{value_column(name)}"
            if name in ("red", "green", "net", "stars", "reward"):
                return f"s.{quote_ident(name)}"
            self.roster_attribute(name)
            return f"sr.{roster_column(name)}"
        if scope.kind == "roster":  # `applies to`, read in the population CTE
            if name == "tenure":
                return f"({tenure_sql('r.hire_date', 'i.period_end')})"
            self.roster_attribute(name)
            return f"r.{roster_column(name)}"
        if name in self.info.definitions:
            return value_column(name)
        if name in ("red", "green", "net", "stars", "tenure"):
            return quote_ident(name)
        self.roster_attribute(name)
        return roster_column(name)

    def roster_attribute(self, name: str) -> None:
        if name not in ("employee_id", "name", "hire_date", "leave_date"):
            self.compiled.roster_columns[name] = self.catalog.roster.get(name, ANY)

    def event_attribute(self, event_type: str, name: str) -> None:
        types = self.catalog.event_attributes(event_type)
        self.compiled.event_columns[(event_type, name)] = types.get(name, ANY)

    # -- aggregates over events: one FILTER aggregate each in the single pass
    def event_aggregate(self, expr: A.Aggregate) -> str:
        key = A.Aggregate(expr.func, expr.source, False, expr.attribute, expr.where)
        if key in self.event_aggregate_keys:
            column = self.event_aggregate_keys[key]
            if self.tracked_aggregates is not None:
                self.tracked_aggregates.append(column)
            return column
        scope = _Scope("event", expr.source)
        condition = f"e.type = {quote_text(expr.source)}"
        if expr.where is not None:
            condition += f" AND {self.cond(expr.where, scope)}"
        column = quote_ident(self.fresh("agg:"))
        target = None
        if expr.func != "count":
            target = self.number(A.Name(expr.attribute or "value"), scope)
        sql = self.filtered_aggregate(expr.func, target, condition, column)
        self.event_aggregates[column] = sql
        self.event_aggregate_keys[key] = column
        self.event_conditions[column] = condition
        if self.tracked_aggregates is not None:
            self.tracked_aggregates.append(column)
        return column

    def filtered_aggregate(self, func: str, target: str | None, condition: str, column: str) -> str:
        """``func(target) FILTER (WHERE condition)`` for the one pass over events or over
        a shorter block's rows; count and sum of no rows are 0, not missing."""
        if func in ("count", "sum"):
            self.count_columns.add(column)
        if func == "count":
            return f"count(*) FILTER (WHERE {condition})"
        value = f"CAST({target} AS {DEC})"
        if func == "avg":
            return f"CAST(avg({value}) FILTER (WHERE {condition}) AS {DEC})"
        return f"{func}({value}) FILTER (WHERE {condition})"

    # -- aggregates over the results of a shorter block
    def sub_aggregate(self, expr: A.Aggregate) -> str:
        sub_kind = A.PLURAL_TO_KIND[expr.source]
        sub = self.analysis.blocks[sub_kind]
        key = (sub_kind, expr)
        if key in self.sub_keys:
            return self.sub_keys[key]
        scope = _Scope("sub", sub=sub)
        condition = self.cond(expr.where, scope) if expr.where is not None else "TRUE"
        column = quote_ident(self.fresh("sub:"))
        target = None if expr.func == "count" else self.name(expr.attribute or "net", scope)
        sql = self.filtered_aggregate(expr.func, target, condition, column)
        self.sub_aggregates.setdefault(sub_kind, {})[column] = sql
        self.sub_keys[key] = column
        self.compiled.sub_kinds.add(sub_kind)
        return column

    def wins(self, expr: A.Wins) -> str:
        sub_kind = next(k for k, b in self.analysis.blocks.items() if expr.award in b.awards)
        key = (sub_kind, expr)
        if key in self.sub_keys:
            return self.sub_keys[key]
        column = quote_ident(self.fresh("wins:"))
        sql = f"count(*) FILTER (WHERE s.{award_column(expr.award)})"
        self.sub_aggregates.setdefault(sub_kind, {})[column] = sql
        self.count_columns.add(column)
        self.sub_keys[key] = column
        self.compiled.sub_kinds.add(sub_kind)
        return column

    # -- look-back
    def previous(self, expr: A.Previous) -> str:
        hidden = self.previous_nodes.get(expr.operand)
        if hidden is None:
            hidden = quote_ident(self.fresh("h:"))
            self.previous_nodes[expr.operand] = hidden
        return quote_ident("prev:" + hidden.strip('"'))

    def consecutive(self, expr: A.Consecutive, scope: _Scope) -> str:
        hidden = self.consecutive_nodes.get(expr)
        if hidden is None:
            hidden = quote_ident(self.fresh("c:"))
            self.consecutive_nodes[expr] = hidden
        count = int(expr.count.value)
        earlier = quote_ident("streak:" + hidden.strip('"'))
        return f"({self.cond(expr.operand, scope)} AND coalesce({earlier}, 0) = {count - 1})"

    # -- assembly
    def assemble(self) -> str:
        kind = quote_text(self.kind)
        history = quote_ident(f"sr_history_{self.kind}")
        ctes: list[str] = []
        ctes.append(
            "inst AS (\n  SELECT seq, label, period_start, period_end FROM sr_instances\n"
            f"  WHERE kind = {kind} AND seq BETWEEN $seq_lo AND $seq_hi\n)"
        )
        applies = self.analysis.policy.applies_to
        tenure = tenure_sql("r.hire_date", "i.period_end")
        where = ""
        if applies is not None:  # compiled first: it may name more roster columns
            where = "\n  WHERE " + self.cond(applies, _Scope("roster"))
        roster_cols = "".join(
            f", r.{roster_column(n)}" for n in sorted(self.compiled.roster_columns)
        )
        ctes.append(
            "rated AS (\n"
            "  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,\n"
            f'    CAST({tenure} AS {DEC}) AS "tenure"{roster_cols}\n'
            "  FROM inst i JOIN sr_roster r\n"
            "    ON r.hire_date <= i.period_end\n"
            "   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)"
            f"{where}\n)"
        )
        joins: list[str] = []
        selects: list[str] = ["p.*"]
        if self.event_aggregates:
            aggs = ",\n    ".join(f"{sql} AS {col}" for col, sql in self.event_aggregates.items())
            types = ", ".join(sorted({quote_text(k.source) for k in self.event_aggregate_keys}))
            ctes.append(
                "events_agg AS (\n"
                f"  SELECT i.seq, e.employee_id,\n    {aggs}\n"
                "  FROM inst i JOIN sr_events e\n"
                "    ON e.local_date BETWEEN i.period_start AND i.period_end\n"
                f"  WHERE e.type IN ({types})\n"
                "  GROUP BY i.seq, e.employee_id\n)"
            )
            joins.append(
                "LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id"
            )
            selects += [self.zero_or_null(f"ea.{c}", c) for c in self.event_aggregates]
        for sub_kind, columns in self.sub_aggregates.items():
            alias = f"sa_{sub_kind}"
            aggs = ",\n    ".join(f"{sql} AS {col}" for col, sql in columns.items())
            ctes.append(
                f"{alias} AS (\n"
                f"  SELECT i.seq, s.employee_id,\n    {aggs}\n"
                f"  FROM inst i JOIN {quote_ident('sr_results_' + sub_kind)} s\n"
                "    ON s.period_end BETWEEN i.period_start AND i.period_end\n"
                "  LEFT JOIN sr_roster sr ON sr.employee_id = s.employee_id\n"
                "  GROUP BY i.seq, s.employee_id\n)"
            )
            joins.append(
                f"LEFT JOIN {alias} ON {alias}.seq = p.seq AND {alias}.employee_id = p.employee_id"
            )
            selects += [self.zero_or_null(f"{alias}.{c}", c) for c in columns]
        if self.previous_nodes:
            joins.append(
                f"LEFT JOIN {history} prev ON prev.seq = p.seq - 1 "
                "AND prev.employee_id = p.employee_id"
            )
            for hidden in self.previous_nodes.values():
                selects.append(f"prev.{hidden} AS {quote_ident('prev:' + hidden.strip(chr(34)))}")
        for consecutive, hidden in self.consecutive_nodes.items():
            alias = "st_" + hidden.strip('"').replace(":", "_")
            count = int(consecutive.count.value)
            ctes.append(
                f"{alias} AS (\n"
                f"  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h.{hidden}) AS streak\n"
                f"  FROM inst i JOIN {history} h\n"
                f"    ON h.seq BETWEEN i.seq - {count - 1} AND i.seq - 1\n"
                "  GROUP BY i.seq, h.employee_id\n)"
            )
            joins.append(
                f"LEFT JOIN {alias} ON {alias}.seq = p.seq AND {alias}.employee_id = p.employee_id"
            )
            selects.append(f"{alias}.streak AS {quote_ident('streak:' + hidden.strip(chr(34)))}")
        ctes.append(
            "base AS (\n  SELECT "
            + ",\n    ".join(selects)
            + "\n  FROM rated p\n  "
            + "\n  ".join(joins)
            + "\n)"
        )
        previous = "base"
        for name, columns in self.layers:
            cols = ",\n    ".join(f"{sql} AS {col}" for col, sql in columns)
            ctes.append(f"{name} AS (\n  SELECT *,\n    {cols}\n  FROM {previous}\n)")
            previous = name
        out = self.compiled
        final = [
            "seq", "label AS period", "period_start", "period_end", "employee_id", '"vetoed"',
            '"veto_reasons"',
        ]  # fmt: skip
        final += [value_column(v) for v in out.values]
        final += ['"red"', '"green"', '"net"', '"stars"']
        final += [award_column(a) for a in out.awards]
        final += ['"reward"', *out.hidden]
        final += [c for c in self.extra_columns if c not in final]
        return (
            "WITH\n"
            + ",\n".join(ctes)
            + "\nSELECT "
            + ", ".join(final)
            + f"\nFROM {previous}\nORDER BY period_end, employee_id"
        )

    def assemble_contributions(self) -> str:
        """One row per rule line that contributed, per rated employee and instance: the
        line number, what it did, the amount, and the event ids behind it. Reads the
        block's results (which carry the line columns) and one pass over the events."""
        kind = quote_text(self.kind)
        results = quote_ident(f"sr_results_{self.kind}")
        used = list(dict.fromkeys(a for c in self.contributions for a in c.aggregates))
        ctes = [
            "inst AS (\n  SELECT seq FROM sr_instances\n"
            f"  WHERE kind = {kind} AND seq BETWEEN $seq_lo AND $seq_hi\n)"
        ]
        join = ""
        if used:
            lists = ",\n    ".join(
                f"list(e.event_id ORDER BY e.event_id) FILTER (WHERE {self.event_conditions[c]}) "
                f"AS {_ids(c)}"
                for c in used
            )
            ctes.append(
                "ids AS (\n  SELECT i.seq, e.employee_id,\n    " + lists + "\n"
                "  FROM sr_instances i JOIN sr_events e\n"
                "    ON e.local_date BETWEEN i.period_start AND i.period_end\n"
                f"  WHERE i.kind = {kind} AND i.seq BETWEEN $seq_lo AND $seq_hi\n"
                "  GROUP BY i.seq, e.employee_id\n)"
            )
            join = "\n  LEFT JOIN ids ON ids.seq = r.seq AND ids.employee_id = r.employee_id"
        items = []
        for c in self.contributions:
            lists = [f"coalesce(ids.{_ids(a)}, CAST([] AS VARCHAR[]))" for a in c.aggregates]
            events = (
                "list_sort(list_distinct(" + " || ".join(lists) + "))"
                if lists
                else "CAST([] AS VARCHAR[])"
            )
            items.append(
                "struct_pack("
                f"line := CAST({_on_row(c.line)} AS INTEGER), kind := {quote_text(c.kind)}, "
                f"label := {quote_text(c.label)}, amount := CAST({_on_row(c.amount)} AS {DEC}), "
                f"shown := coalesce({_on_row(c.shown)}, FALSE), "
                f"detail := CAST({_on_row(c.detail)} AS VARCHAR), event_ids := {events})"
            )
        if not items:
            return ""
        return (
            "WITH\n" + ",\n".join(ctes) + "\n"
            "SELECT seq, period, employee_id, c.line AS line, c.kind AS kind, c.label AS label,"
            " c.amount AS amount, c.detail AS detail, c.event_ids AS event_ids\n"
            "FROM (\n  SELECT r.seq, r.period, r.employee_id, unnest([\n    "
            + ",\n    ".join(items)
            + f"\n  ]) AS c\n  FROM {results} r JOIN inst ON inst.seq = r.seq{join}\n)\n"
            "WHERE c.shown"
        )

    def zero_or_null(self, ref: str, column: str) -> str:
        if column in self.count_columns:
            return f"CAST(coalesce({ref}, 0) AS {DEC}) AS {column}"
        return f"{ref} AS {column}"


@dataclass
class _Contribution:
    """One statement line's part in a result, as SQL over a result row ``r``."""

    line: str  # the line number (a literal, or the matched stars line column)
    kind: str  # value, red, green, minus, plus, veto, stars, award, reward
    label: str
    amount: str
    shown: str  # when the line contributed (non-zero, fired, matched, candidate...)
    detail: str
    aggregates: list[str]  # event aggregate columns its SQL read


# One left-to-right scan: a text literal or a quoted identifier, whichever starts first
# (an apostrophe inside "award:it's" is part of the identifier, not a string).
_SQL_QUOTED = re.compile("'(?:[^']|'')*'" + '|"(?:[^"]|"")+"')


def _quoted_identifiers(sql: str) -> list[str]:
    return [m.group(0) for m in _SQL_QUOTED.finditer(sql) if m.group(0).startswith('"')]


def _on_row(sql: str) -> str:
    """Column references of a contribution, read from the result row ``r``."""

    def qualify(match: re.Match[str]) -> str:
        token = match.group(0)
        start = match.start()
        if token.startswith("'") or (start > 0 and sql[start - 1] == "."):
            return token
        return "r." + token

    return _SQL_QUOTED.sub(qualify, sql)


def _ids(column: str) -> str:
    return quote_ident("ids:" + column.strip('"'))


def _decimal_text(column: str) -> str:
    # 7.0000000000 -> '7', 2.5000000000 -> '2.5'
    return f"coalesce(rtrim(rtrim(CAST({column} AS VARCHAR), '0'), '.'), 'missing')"


def _ranking_detail(func: str, value: str, rank: str, within: str | None, size: str) -> str:
    group = f"' in ' || coalesce(CAST({within} AS VARCHAR), '(none)')" if within else "''"
    return (
        f"CASE WHEN {rank} IS NULL THEN '{func}: no place' ELSE '{func}: place ' || "
        f"{_decimal_text(rank)} || ' of ' || {size} || {group} || ', value ' || "
        f"{_decimal_text(value)} END"
    )


def _never_missing(expr: A.Expr) -> bool:
    """Conditions the compiler already makes two-valued (comparisons, in, and/or/not...)."""
    if isinstance(expr, A.Binary):
        return expr.op in ("and", "or", "=", "!=", "<", "<=", ">", ">=")
    if isinstance(expr, A.Unary):
        return expr.op == "not"
    return isinstance(expr, A.InList | A.Boolean | A.Consecutive)


def _sum(parts: list[str]) -> str:
    if not parts:
        return f"CAST(0 AS {DEC})"
    return f"CAST({' + '.join(parts)} AS {DEC})"
