"""Rules: the checks of each kind of statement and of the header.

Enters: the policy's header lines and each block's statements, with ``TypeInference`` to
type their expressions. Leaves: diagnostics for what the statements themselves get wrong:
header duplicates, dates and time zones (E034, E080, E082), tallies, vetoes that read what
vetoes decide (E040; a group value: E115), stars tables (their conditions here; the table
itself in ``stars``), awards (E064; a quota by group: E104, E105 in ``match``), rewards
(E052, E053, E055); and the type of each definition (``definition_type``).
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from ...i18n import _
from .. import ast as A
from ..catalog import BOOLEAN, NUMBER
from ..diagnostics import suggestion
from ..visitor import NodeVisitor
from .analysis import BlockAnalysis, Definition, Reporter, Scope
from .graph import current_nodes, definition_exprs
from .match import check_quota
from .stars import check_reward_keys, check_stars, is_star_level
from .types import TypeInference, check_calendar_date


class Rules(NodeVisitor):
    """One ``check_<Statement>`` method per statement class, ``type_of_<Definition>`` per
    definition class, and ``veto_reads_<Expr>`` for what a veto may not depend on."""

    def __init__(self, types: TypeInference, reporter: Reporter) -> None:
        self.types = types
        self.names = types.names
        self.expect = types.expect
        self.report = reporter

    # ---- header -------------------------------------------------------------------------

    def check_header(self, header: tuple[A.HeaderLine, ...]) -> None:
        seen: dict[str, A.HeaderLine] = {}
        for line in header:
            if line.kind in seen:
                first = seen[line.kind].span
                words = {"applies": "applies to"}.get(line.kind, line.kind)
                self.report.error(
                    "E034",
                    _("`{line}` is given twice").format(line=words),
                    line.span,
                    _("the first one is on line {line}").format(line=first.line) if first else None,
                )
                continue
            seen[line.kind] = line
            if line.kind == "effective":
                self.check_date(str(line.value), line.span)
            elif line.kind == "timezone":
                self.check_timezone(str(line.value), line.span)
            elif line.kind == "applies":
                self.expect(line.value, BOOLEAN, Scope("header"), "`applies to`")  # type: ignore[arg-type]

    def check_date(self, text: str, span: A.Span | None) -> None:
        check_calendar_date(text, span, self.report)

    def check_timezone(self, name: str, span: A.Span | None) -> None:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
            hint = suggestion(name, _available_zones(), quote='"') or _(
                'use an IANA time zone name such as "Asia/Shanghai"'
            )
            self.report.error("E080", _('unknown time zone "{zone}"').format(zone=name), span, hint)

    # ---- definitions --------------------------------------------------------------------

    def definition_type(self, statement: Definition, scope: Scope) -> str:
        return self.visitor("type_of", statement)(statement, scope)

    def type_of_Let(self, statement: A.Let, scope: Scope) -> str:
        return self.types.infer(statement.expr, scope)

    def type_of_ScoreValue(self, statement: A.ScoreValue, scope: Scope) -> str:
        self.expect(
            statement.expr, NUMBER, scope, _("the score `{name}`").format(name=statement.name)
        )
        return NUMBER

    def type_of_ScoreBuilt(self, statement: A.ScoreBuilt, scope: Scope) -> str:
        self.expect(statement.base, NUMBER, scope, _("a score's starting value"))
        for adjustment in statement.adjustments:
            if isinstance(adjustment, A.Adjust):
                self.check_line(
                    adjustment.amount,
                    adjustment.per,
                    adjustment.when,
                    adjustment.at_most,
                    scope,
                    f"`{adjustment.kind}`",
                )
            else:
                self.expect(adjustment.bound, NUMBER, scope, f"`never {adjustment.kind}`")
        return NUMBER

    # ---- statements ---------------------------------------------------------------------

    def check_statement(self, statement: A.Statement, info: BlockAnalysis, scope: Scope) -> None:
        """Definitions are typed (and so checked) before, in dependency order."""
        method = self.visitor("check", statement)
        if method is not None:
            method(statement, info, scope)

    def check_Tally(self, statement: A.Tally, info: BlockAnalysis, scope: Scope) -> None:
        self.check_line(
            statement.amount,
            statement.per,
            statement.when,
            statement.at_most,
            scope,
            f"`{statement.color}`",
        )

    def check_line(
        self,
        amount: A.Expr,
        per: A.EventRef | None,
        when: A.Expr | None,
        at_most: A.Expr | None,
        scope: Scope,
        what: str,
    ) -> None:
        """A tally or a score adjustment: `AMOUNT [per EVENT [where F]] [when C] [, at most X]`."""
        self.expect(
            amount, NUMBER, scope, _("the amount of {what}").format(what=what), is_amount=True
        )
        if per is not None:
            if self.names.check_event_type(per.type, per.type_span) and per.where is not None:
                self.expect(per.where, BOOLEAN, Scope("event", scope.block, per.type), "`where`")
            elif per.where is not None:
                self.types.infer(per.where, Scope("event", scope.block, None))
        if when is not None:
            self.expect(when, BOOLEAN, scope, "`when`")
        if at_most is not None:
            self.expect(at_most, NUMBER, scope, "`at most`")

    def check_Veto(self, statement: A.Veto, info: BlockAnalysis, scope: Scope) -> None:
        self.expect(statement.condition, BOOLEAN, scope, _("a veto"))
        found = self.forbidden_in_veto(statement.condition, info)
        if found is None:
            return
        node, what, span, through = found
        if through is not None:
            # Point at the name in the veto line; say where the forbidden value hides.
            name, name_span = through
            if span:
                message = _(
                    "a veto cannot depend on {what}, which `{name}` uses (line {line})"
                ).format(what=what, name=name, line=span.line)
            else:
                message = _("a veto cannot depend on {what}, which `{name}` uses").format(
                    what=what, name=name
                )
            span = name_span
        else:
            message = _("a veto cannot depend on {what}").format(what=what)
        if isinstance(node, A.GroupAggregate):
            self.report.error(
                "E115",
                message,
                span,
                _(
                    "a group value is taken among the employees who are not vetoed, so it "
                    "cannot decide who is; compare the employee's own values or event counts "
                    "instead"
                ),
            )
            return
        self.report.error(
            "E040",
            message,
            span,
            _(
                "vetoed employees are left out of rankings, tallies, stars and awards, "
                "so those cannot decide a veto; use counts and values of events instead"
            ),
        )

    def forbidden_in_veto(
        self, expr: A.Expr, info: BlockAnalysis
    ) -> tuple[object, str, A.Span | None, tuple[str, A.Span | None] | None] | None:
        """The first value the veto reads, directly or through definitions, that is only
        known once vetoes are decided: the node, its words, its place, and the name in the
        veto line it hides behind."""
        seen: set[str] = set()
        todo: list[tuple[A.Expr, tuple[str, A.Span | None] | None]] = [(expr, None)]
        while todo:
            current, through = todo.pop()
            for node in current_nodes(current):
                method = self.visitor("veto_reads", node)
                what = method(node) if method is not None else None
                if what is not None:
                    return (node, what, node.span, through)  # type: ignore[attr-defined]
                if not isinstance(node, A.Name) or node.name in seen:
                    continue
                definition = info.definitions.get(node.name)
                if definition is not None:
                    seen.add(node.name)
                    for child in definition_exprs(definition):
                        todo.append((child, through or (node.name, node.span)))
        return None

    def veto_reads_GroupAggregate(self, node: A.GroupAggregate) -> str:
        return _("the group value `{func}(...)`").format(func=node.func)

    def veto_reads_Ranking(self, node: A.Ranking) -> str:
        return _("the ranking `{func}(...)`").format(func=node.func)

    def veto_reads_Awarded(self, node: A.Awarded) -> str:
        return _("an award")

    def veto_reads_Name(self, node: A.Name) -> str | None:
        if node.name in ("red", "green", "net"):
            return _("the tally `{name}`").format(name=node.name)
        if node.name == "stars":
            return _("the star level")
        return None

    def check_Stars(self, statement: A.Stars, info: BlockAnalysis, scope: Scope) -> None:
        # Lines after `otherwise` are an error of their own (E054); their conditions are
        # not typed, so that one misplaced line gives one error.
        for line in statement.lines:
            if line.condition is None:
                break
            self.expect(line.condition, BOOLEAN, scope, _("a stars line"))
        check_stars(statement, self.report)

    def check_Award(self, award: A.Award, info: BlockAnalysis, scope: Scope) -> None:
        top = award.top
        if top is not None:
            if isinstance(top.count, A.Number):
                self.check_top_count(top.count)
            else:
                # A quota by group: a count, read from the `within` attribute alone.
                self.expect(top.count, NUMBER, scope, _("a quota (`to top`)"))
                check_quota(top, info.definitions, self.report)
            for key in top.keys:
                self.expect(key, NUMBER, scope, _("a ranking key (`by`)"))
            if top.within is not None:
                self.names.check_roster_attribute(top.within, top.within_span)
        if award.when is not None:
            self.expect(award.when, BOOLEAN, scope, "`when`")
        if award.reward is not None:
            self.expect(award.reward, NUMBER, scope, "`with reward`")

    def check_top_count(self, number: A.Number) -> None:
        count = number.value
        if number.is_percent:
            if not Decimal(0) < count <= Decimal(1):
                self.report.error(
                    "E064",
                    _("`top {count}` must be above 0% and at most 100%").format(count=number.text),
                    number.span,
                )
        elif count != count.to_integral_value() or count < 1:
            self.report.error(
                "E064",
                _("`top {count}` must be a whole number of at least 1").format(count=number.text),
                number.span,
                _("or a percentage such as `top 30%`"),
            )

    def check_Reward(self, statement: A.Reward, info: BlockAnalysis, scope: Scope) -> None:
        self.expect(statement.amount, NUMBER, scope, _("a reward"))
        if statement.when is not None:
            self.expect(statement.when, BOOLEAN, scope, "`when`")

    def check_RewardByStars(
        self, statement: A.RewardByStars, info: BlockAnalysis, scope: Scope
    ) -> None:
        if not info.has_stars:
            self.report.error(
                "E055",
                _("`reward by stars` needs a `stars { ... }` statement in this block"),
                statement.span,
                _("without one nobody has a star level"),
            )
        seen: set[Decimal] = set()
        for entry in statement.entries:
            level = entry.level.value
            if not is_star_level(entry.level):
                self.report.error(
                    "E052",
                    _("`{level}` is not a star level (1 to 5)").format(level=entry.level.text),
                    entry.level.span,
                )
            elif level in seen:
                self.report.error(
                    "E053",
                    _("star level {level} is given twice").format(level=entry.level.text),
                    entry.level.span,
                )
            seen.add(level)
            self.expect(entry.amount, NUMBER, scope, _("a reward"))
        stars = next((s for s in info.block.statements if isinstance(s, A.Stars)), None)
        if stars is not None:
            check_reward_keys(statement, stars, self.report)


_ZONES: list[str] = []


def _available_zones() -> list[str]:
    if not _ZONES:
        try:
            _ZONES.extend(sorted(zoneinfo.available_timezones()))
        except Exception:
            pass
    return _ZONES
