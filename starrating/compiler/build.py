"""Checked AST -> typed plan: one ``BlockPlan`` per block, in the checker's dependency order.

Enters: the checker's ``Analysis`` (each block's definitions, types, awards and the
dependency order of its value nodes) and the catalog.
Leaves: a ``PolicyPlan`` (see ``plan.py``): for each block, the layers computing its
values, the aggregates, rankings and look-backs they read, and one contribution per
statement line for ``explain``. Blocks are built shortest first, because a longer block
reads the columns of the shorter blocks' results. No SQL text is named or parsed here:
expressions refer to plan columns.
"""

from __future__ import annotations

import json

from ..language import ast as A
from ..language.catalog import NUMBER, Catalog
from ..language.checker import Analysis, BlockAnalysis
from ..language.formatter import format_expression
from . import arithmetic
from . import expressions as X
from .explained import check_detail, condition_text, operands, within_detail
from .expressions import DEC, Sql, sql
from .plan import (
    GREEN,
    NET,
    RED,
    REWARD,
    STARS,
    STARS_LINE,
    VETO_REASONS,
    VETOED,
    BlockPlan,
    Column,
    ColumnIds,
    Compute,
    Contribution,
    PolicyPlan,
    TopAward,
    TopStep,
)
from .scalar import ROW, ExpressionBuilder, PolicyContext, Scope

# A fact of a check: its key in the JSON record, its value, and the value's SQL type.
Fact = tuple[str, Sql, str]

NOT_VETOED = sql("(NOT ", VETOED.ref(), ")")


def build_plan(analysis: Analysis, catalog: Catalog) -> PolicyPlan:
    """The plan of every block of a checked policy, shortest block first."""
    plan = PolicyPlan(blocks={}, events={}, roster={})
    context = PolicyContext(analysis, catalog, ColumnIds(), plan)
    for kind in A.PERIOD_KINDS:
        info = analysis.blocks.get(kind)
        if info is not None:
            plan.blocks[kind] = BlockBuilder(context, info).build()
    return plan


def quoted(name: str) -> str:
    """A policy name inside a layer's note: quoted, every control character escaped."""
    return json.dumps(name, ensure_ascii=False)


class _BlockWriter:
    """What adds to one block's plan: columns, layers, line totals and contributions."""

    def __init__(self, context: PolicyContext, info: BlockAnalysis) -> None:
        self.info = info
        self.ids = context.ids
        self.block = BlockPlan(info.kind)
        statements = info.block.statements
        for statement in statements:
            if isinstance(statement, A.Let | A.ScoreValue | A.ScoreBuilt):
                if info.definitions.get(statement.name) is statement:
                    self.block.values[statement.name] = self.new("value", statement.name)
        for name in info.awards:
            self.block.awards[name] = self.new("award", name, "BOOLEAN")
        self.exprs = ExpressionBuilder(context, info, self.block)

    def new(self, role: str, label: str, sql_type: str = DEC) -> Column:
        return self.ids.new(role, label, sql_type)

    def layer(self, columns: list[tuple[Column, Sql]], note: str) -> None:
        self.block.layers.append(Compute(columns, note))

    def line_column(self, total: Sql, note: str, statement: object, role: str = "line") -> Column:
        """Give a line's total (or a veto's flag) a column of its own, for explain."""
        column = self.new(role, "", "BOOLEAN" if role == "fired" else DEC)
        span = getattr(statement, "span", None)
        self.layer([(column, total)], f"{note}, line {span.line}" if span else note)
        return column

    def contribute(
        self,
        statement: object,
        kind: str,
        label: str,
        *,
        reads: list[Sql | None],
        amount: Sql | None = None,
        shown: Sql = X.TRUE,
        detail: Sql | None = None,
        line: Sql | None = None,
    ) -> None:
        span = getattr(statement, "span", None)
        aggregates, rankings = self.exprs.reads(*reads)
        number = line or sql(str(span.line if span else 0))
        self.block.contributions.append(
            Contribution(number, kind, label, amount, shown, detail, aggregates, rankings)
        )

    def check(
        self,
        statement: object,
        line_kind: str,
        label: str,
        *,
        applied: Sql,
        condition: tuple[A.Expr, Sql] | None,
        facts: list[Fact] | None = None,
        constants: dict[str, object] | None = None,
        shown: Sql = X.TRUE,
        also: list[tuple[A.Expr, Sql]] | None = None,
    ) -> None:
        """Record, for every rated employee (not only where the line contributed), whether
        a conditional line applied and the values its condition read (``condition``: the
        AST and its compiled form; ``also``: more expressions whose operands to show, such
        as a `top` award's keys). explain words it (compiler/explained.py)."""
        read = ([condition] if condition else []) + (also or [])
        detail = check_detail(
            line_kind,
            [("applied", applied, "BOOLEAN"), *(facts or [])],
            {"condition": condition_text(condition[0] if condition else None), **(constants or {})},
            *self.operand_values(read),
        )
        self.contribute(
            statement, "check", label, reads=[compiled for _, compiled in read], shown=shown,
            detail=detail,
        )  # fmt: skip

    def operand_values(
        self, expressions: list[tuple[A.Expr, Sql]]
    ) -> tuple[list[Fact], list[tuple[A.Consecutive, Sql]]]:
        """The operands of each expression as [text, value, SQL type], each text once, and
        each `for N consecutive` with its count of earlier periods. A ranking is not
        compiled again (that would rank a second time): its place is the next ranking the
        compiled expression reads, in the same left-to-right order."""
        values: dict[str, Fact] = {}
        streaks: list[tuple[A.Consecutive, Sql]] = []
        for expr, compiled in expressions:
            places = iter([ref for ref in compiled.refs() if ref.column.role == "rank"])
            for node in operands(expr):
                if isinstance(node, A.Consecutive):
                    streak = self.exprs.streaks[node].streak
                    assert streak is not None
                    streaks.append((node, X.coalesce(streak.ref(), sql("0"))))
                    continue
                if isinstance(node, A.Ranking):
                    place = next(places, None)
                    value = sql(place) if place is not None else None
                else:
                    value = self.exprs.visit(node, ROW)
                text = format_expression(node)
                if value is not None and text not in values:
                    values[text] = (text, value, self.exprs.types.of(node))
        return list(values.values()), streaks

    def line(
        self,
        amount: A.Expr,
        per: A.EventRef | None,
        when: A.Expr | None,
        at_most: A.Expr | None,
    ) -> tuple[Sql, Sql | None]:
        """One tally/adjustment line's total: amount [x count(per)], 0 unless `when`,
        capped; a missing total adds nothing. Also the compiled `when`, for its check."""
        total = self.exprs.visit(amount, ROW)
        if per is not None:
            count = A.Aggregate("count", per.type, False, None, per.where)
            count_column = self.exprs.event_aggregate(count).column
            total = arithmetic.multiply_by_count(total, count_column.ref())
        if at_most is not None:
            cap = self.exprs.visit(at_most, ROW)
            # least() skips NULLs: a missing total must stay missing, not become the cap.
            missing = sql(cap, " IS NULL OR ", total, " IS NULL")
            total = X.paren(X.case([(missing, total)], X.call("least", total, cap)))
        condition = self.exprs.cond(when, ROW) if when is not None else None
        if condition is not None:
            total = X.paren(X.case([(condition, total)], sql("0")))
        return X.coalesce(X.cast(total, DEC), sql("0")), condition

    def check_when(
        self, statement: A.Tally | A.Adjust | A.Reward, line_kind: str, label: str, when: Sql
    ) -> None:
        """The check of a line with `when`: applied when its condition held."""
        assert statement.when is not None
        self.check(statement, line_kind, label, applied=when, condition=(statement.when, when))


class BlockBuilder(_BlockWriter):
    """The statements of one block -> layers and contributions; one ``node_`` method per
    kind of value node the checker orders, one ``reward_`` method per reward statement."""

    def build(self) -> BlockPlan:
        applies = self.exprs.context.analysis.policy.applies_to
        if applies is not None:
            self.block.population = self.exprs.cond(applies, Scope("roster"))
        for node in self.info.order:
            kind, _, name = node.partition(":")
            getattr(self, "node_" + kind)(name)
        kept = self.exprs.compile_pending_lookbacks()
        if kept:
            self.layer(kept, "values kept for later instances (previous, consecutive)")
        return self.block

    # -- value nodes, in the checker's dependency order
    def node_def(self, name: str) -> None:
        definition = self.info.definitions[name]
        column = self.block.values[name]
        numeric = self.info.types.get(name) == NUMBER
        if isinstance(definition, A.ScoreBuilt):
            value, reads, ranked = self.score(definition)
        else:
            value = self.exprs.visit(definition.expr, ROW)
            value = X.cast(value, DEC) if numeric else value
            reads = ranked = [value]
        self.layer([(column, value)], f"value {quoted(name)}")
        aggregates, _ = self.exprs.reads(*reads)
        _, rankings = self.exprs.reads(*ranked)
        self.block.contributions.append(
            Contribution(
                line=sql(str(definition.span.line if definition.span else 0)),
                kind="value",
                label=name,
                amount=sql(column.ref()) if numeric else None,
                shown=X.TRUE,
                detail=None if numeric else X.cast(column.ref(), "VARCHAR"),
                aggregates=aggregates,
                rankings=rankings,
            )
        )

    def score(self, score: A.ScoreBuilt) -> tuple[Sql, list[Sql], list[Sql]]:
        """A score built by adjustments: its value, what its explain row counts the event
        ids of (base and bounds), and what its rankings come from (the bounds only: the
        base's rankings are not shown, as before the plan existed)."""
        base = total = self.exprs.visit(score.base, ROW)
        for adjustment in score.adjustments:
            if isinstance(adjustment, A.Adjust):
                line, when = self.line(
                    adjustment.amount, adjustment.per, adjustment.when, adjustment.at_most
                )
                column = self.line_column(
                    line, f"{adjustment.kind} of {quoted(score.name)}", adjustment
                )
                self.contribute(
                    adjustment, adjustment.kind, score.name, reads=[line],
                    amount=sql(column.ref()), shown=sql(column.ref(), " <> 0"),
                )  # fmt: skip
                if when is not None:
                    self.check_when(adjustment, adjustment.kind, score.name, when)
                sign = "-" if adjustment.kind == "minus" else "+"
                total = sql("(", total, f" {sign} ", column.ref(), ")")
        bounds: list[Sql | None] = []
        # Clamps apply to the final score, `never below` first (docs/language.md).
        for kind, func in (("below", "greatest"), ("above", "least")):
            for clamp in score.adjustments:
                if isinstance(clamp, A.Clamp) and clamp.kind == kind:
                    # The score so far gets a column: a clamp reads it three times.
                    unclamped = self.line_column(
                        X.cast(total, DEC),
                        f"{quoted(score.name)} before `never {kind}`",
                        clamp,
                        "partial",
                    )
                    total = sql(unclamped.ref())
                    bound = self.exprs.visit(clamp.bound, ROW)
                    bounds.append(bound)
                    total = X.case(
                        [(sql(total, " IS NULL"), X.NULL), (sql(bound, " IS NULL"), total)],
                        X.call(func, total, bound),
                    )
        return X.cast(total, DEC), [base, *bounds], bounds

    def node_red(self, name: str) -> None:
        self.tally("red")

    def node_green(self, name: str) -> None:
        self.tally("green")

    def tally(self, color: str) -> None:
        """The red or green lines, each in a column of its own, and their total."""
        columns: list[Sql] = []
        for statement in self.info.block.statements:
            if isinstance(statement, A.Tally) and statement.color == color:
                line, when = self.line(
                    statement.amount, statement.per, statement.when, statement.at_most
                )
                column = self.line_column(line, color, statement)
                columns.append(sql(column.ref()))
                self.contribute(
                    statement, color, color, reads=[line],
                    amount=sql(column.ref()), shown=sql(column.ref(), " <> 0"),
                )  # fmt: skip
                if when is not None:
                    self.check_when(statement, color, color, when)
        total = RED if color == "red" else GREEN
        self.layer([(total, X.decimal_sum(columns))], color)

    def node_net(self, name: str) -> None:
        self.layer([(NET, X.cast(sql(RED.ref(), " - ", GREEN.ref()), DEC))], "net")

    def node_veto(self, name: str) -> None:
        flags: list[Sql] = []
        reasons: list[Sql] = []
        for veto in self.info.block.statements:
            if isinstance(veto, A.Veto):
                condition = self.exprs.cond(veto.condition, ROW)
                flag = sql(
                    self.line_column(condition, f"veto {quoted(veto.reason)}", veto, "fired").ref()
                )
                flags.append(flag)
                reasons.append(X.case([(flag, X.text(veto.reason))]))
                self.contribute(
                    veto, "veto", veto.reason, reads=[condition], shown=flag, detail=X.text("fired")
                )
                self.check(
                    veto, "veto", veto.reason, applied=flag, condition=(veto.condition, condition)
                )
        vetoed = X.paren(X.join(" OR ", flags) if flags else X.FALSE)
        self.layer([(VETOED, vetoed), (VETO_REASONS, X.text_list(reasons))], "vetoes")

    def node_stars(self, name: str) -> None:
        stars = next((s for s in self.info.block.statements if isinstance(s, A.Stars)), None)
        if stars is None:
            none = sql("CAST(NULL AS INTEGER)")
            self.layer([(STARS, none), (STARS_LINE, none)], "stars (none)")
            return
        levels, lines, conditions = [], [], []
        otherwise_level = otherwise_line = X.NULL
        checks: list[tuple[A.StarLine, Sql, Sql]] = []
        for line in stars.lines:
            level = sql(str(int(line.level.value)))
            number = sql(str(line.span.line if line.span else 0))
            if line.condition is None:
                otherwise_level, otherwise_line = level, number
                break
            condition = self.exprs.cond(line.condition, ROW)
            conditions.append(condition)
            levels.append((condition, level))
            lines.append((condition, number))
            checks.append((line, condition, number))
        vetoed = (sql(VETOED.ref()), X.NULL)
        level_sql = X.cast(X.case([vetoed, *levels], otherwise_level), "INTEGER")
        line_sql = X.cast(X.case([vetoed, *lines], otherwise_line), "INTEGER")
        self.layer([(STARS, level_sql), (STARS_LINE, line_sql)], "stars")
        self.contribute(
            stars, "stars", "stars", reads=conditions, amount=sql(STARS.ref()),
            shown=sql(STARS.ref(), " IS NOT NULL"), line=sql(STARS_LINE.ref()),
        )  # fmt: skip
        # Each line up to the one that matched: the lines before it did not (why not),
        # the matched one did (why). The lines after it were never tried.
        for line, condition, number in checks:
            assert line.condition is not None
            self.check(
                line, "stars", "stars", applied=sql("(", STARS_LINE.ref(), " = ", number, ")"),
                condition=(line.condition, condition),
                constants={"level": int(line.level.value)},
                shown=sql(STARS_LINE.ref(), " >= ", number),
            )  # fmt: skip

    def node_award(self, name: str) -> None:
        award = self.info.awards[name]
        column = self.block.awards[name]
        eligible = NOT_VETOED
        when = self.exprs.cond(award.when, ROW) if award.when is not None else None
        if when is not None:
            eligible = sql("(", eligible, " AND ", when, ")")
        # Its check: whether it was won, and why (vetoed, its `when`, its place).
        facts: list[Fact] = [("vetoed", sql(VETOED.ref()), "BOOLEAN")]
        if when is not None:
            facts.append(("holds", when, "BOOLEAN"))
        condition = (award.when, when) if award.when is not None and when is not None else None
        if award.top is not None:
            self.top_award(award, award.top, eligible, condition, facts)
            return
        self.layer([(column, eligible)], f"award {quoted(name)}")
        self.contribute(
            award, "award", name, reads=[eligible], shown=sql(column.ref()), detail=X.text("won")
        )
        self.check(
            award, "award", name, applied=sql(column.ref()), condition=condition, facts=facts
        )

    def top_award(
        self,
        award: A.Award,
        top: A.TopClause,
        eligible: Sql,
        condition: tuple[A.Expr, Sql] | None,
        facts: list[Fact],
    ) -> None:
        """``award ... to top N by keys``: the eligible employees with a first key are
        the candidates, placed by the keys; the first N (N% of them, or their group's
        quota) win."""
        name = award.name
        column = self.block.awards[name]
        note = f"award {quoted(name)}"
        keys = [self.exprs.visit(key, ROW) for key in top.keys]
        candidate = self.new("candidate", name, "BOOLEAN")
        self.layer(
            [(candidate, sql("(", eligible, " AND (", keys[0], ") IS NOT NULL)"))],
            f"candidates for {note}",
        )
        within = self.exprs.roster(top.within) if top.within is not None else None
        place = self.new("place", name)
        candidates = self.new("candidates", name, "BIGINT")
        placed = TopAward(
            award=column, eligible=eligible, keys=keys, within=within,
            places=self.top_places(top, candidates), candidate=candidate, place=place,
            candidates=candidates, key=self.new("key", name),
        )  # fmt: skip
        self.block.layers.append(TopStep(placed, f"places for {note}"))
        cut = placed.places
        won = sql(candidate.ref(), " AND ", placed.place.ref(), " <= ", cut)
        self.layer([(column, X.coalesce(won, X.FALSE))], note)
        self.layer(
            [(placed.key, X.cast(arithmetic.shown(X.cast(keys[0], DEC)), DEC))],
            f"first key of {note}",
        )
        self.contribute(
            award, "award", name, reads=[eligible, *keys], shown=sql(candidate.ref()),
            detail=_top_detail(placed),
        )  # fmt: skip
        self.check(
            award, "top", name, applied=sql(column.ref()), condition=condition,
            facts=[
                *facts, ("candidate", sql(candidate.ref()), "BOOLEAN"),
                ("place", sql(placed.place.ref()), DEC),
                ("candidates", sql(placed.candidates.ref()), "BIGINT"),
                ("places", cut, DEC),
            ],
            constants={"top": format_expression(top.count)},
            also=[*zip(top.keys, keys, strict=True), *self.quota_group(top, within)],
        )  # fmt: skip

    def quota_group(self, top: A.TopClause, within: Column | None) -> list[tuple[A.Expr, Sql]]:
        """The group's `within` value, shown by explain beside a quota read from it."""
        if isinstance(top.count, A.Number) or top.within is None or within is None:
            return []
        return [(A.Name(top.within), sql(within.ref()))]

    def top_places(self, top: A.TopClause, candidates: Column) -> Sql:
        """How many places of the candidate's group win. A bare percentage is a share of
        the group's candidates (rounded up); a literal count is itself; any other quota is
        the group's own, read from the `within` attribute, rounded down (2.5 gives two
        places) at the places numbers are compared at; missing or below 1, no place wins."""
        count = top.count
        if isinstance(count, A.Number):
            if count.is_percent:
                share = arithmetic.multiply(X.decimal(count.value), candidates.ref())
                return sql("ceil(", share, ")")
            return sql(str(int(count.value)))
        quota = self.exprs.visit(count, ROW)
        return sql("floor(", arithmetic.shown(X.cast(quota, DEC)), ")")

    # -- rewards
    def node_reward(self, name: str) -> None:
        parts: list[Sql] = []
        for statement in self.info.block.statements:
            method = getattr(self, "reward_" + type(statement).__name__, None)
            compiled = method(statement) if method else None
            if compiled is None:
                continue
            line, when = compiled
            column = self.line_column(line, "reward", statement)
            parts.append(sql(column.ref()))
            label = statement.name if isinstance(statement, A.Award) else "reward"
            self.contribute(
                statement, "reward", label, reads=[line], amount=sql(column.ref()),
                shown=sql(column.ref(), " <> 0 AND NOT ", VETOED.ref()),
            )  # fmt: skip
            if isinstance(statement, A.Reward) and when is not None:
                self.check_when(statement, "reward", label, when)
        zero = sql(f"CAST(0 AS {DEC})")
        self.layer([(REWARD, X.case([(sql(VETOED.ref()), zero)], X.decimal_sum(parts)))], "reward")

    # Each returns the line's total and its compiled `when` (None: the line has none).
    def reward_Reward(self, statement: A.Reward) -> tuple[Sql, Sql | None]:
        return self.line(statement.amount, None, statement.when, None)

    def reward_RewardByStars(self, statement: A.RewardByStars) -> tuple[Sql, Sql | None]:
        cases = [
            sql(f" WHEN {int(entry.level.value)} THEN ", self.exprs.visit(entry.amount, ROW))
            for entry in statement.entries
        ]
        by_stars = sql("CASE ", STARS.ref(), *cases, " ELSE 0 END")
        return X.coalesce(X.cast(by_stars, DEC), sql("0")), None

    def reward_Award(self, statement: A.Award) -> tuple[Sql, Sql | None] | None:
        if statement.reward is None or self.info.awards.get(statement.name) is not statement:
            return None
        money = self.exprs.visit(statement.reward, ROW)
        won = X.case([(sql(self.block.awards[statement.name].ref()), money)], sql("0"))
        return X.coalesce(X.cast(won, DEC), sql("0")), None


def _top_detail(award: TopAward) -> Sql:
    """Explain's detail of a `top` award: won or not, the place, the group, the key."""
    group = within_detail(award.within)
    outcome = X.case([(sql(award.award.ref()), X.text("won: "))], X.text("not won: "))
    return sql(
        outcome, " || 'rank ' || ", award.place.ref(), " || ' of ' || ", award.candidates.ref(),
        " || ", group, " || ', value ' || ", X.decimal_text(award.key.ref()),
    )  # fmt: skip
