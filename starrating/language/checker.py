"""Static checks of docs/language.md section 7: names, types, duplicates, cycles, vetoes, stars.

``check_policy`` reports every problem of a policy in one pass (it never stops at the
first) and returns the analysis the compiler needs: for each block, its definitions with
their types and an evaluation order that respects dependencies.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from . import ast as A
from .catalog import ANY, BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP, Catalog
from .diagnostics import Diagnostic, error, suggestion, warning

BUILTIN_VALUES = ("tenure", "red", "green", "net", "stars")
SUB_PERIOD_BUILTINS = {
    "red": NUMBER,
    "green": NUMBER,
    "net": NUMBER,
    "stars": NUMBER,
    "reward": NUMBER,
}
TYPE_WORDS = {
    NUMBER: "a number",
    TEXT: "a text",
    BOOLEAN: "a condition (true/false)",
    DATE: "a date",
    TIMESTAMP: "a time",
    ANY: "a value",
}
ARITHMETIC = ("+", "-", "*", "/")
ORDERING = ("<", "<=", ">", ">=")


@dataclass
class BlockAnalysis:
    """What the compiler needs to know about one checked block."""

    kind: str
    block: A.Block
    definitions: dict[str, A.Let | A.ScoreValue | A.ScoreBuilt] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    awards: dict[str, A.Award] = field(default_factory=dict)
    # Dependency order of the block's value nodes: "def:NAME", "red", "green", "net",
    # "veto", "stars", "award:NAME", "reward".
    order: list[str] = field(default_factory=list)
    has_stars: bool = False


@dataclass
class Analysis:
    policy: A.Policy
    blocks: dict[str, BlockAnalysis] = field(default_factory=dict)


@dataclass
class CheckResult:
    analysis: Analysis | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def check_policy(
    policy: A.Policy, catalog: Catalog | None = None, file: str | None = None
) -> CheckResult:
    """Check a parsed policy. All problems are reported; none is raised."""
    checker = _Checker(policy, catalog or Catalog())
    checker.run()
    diagnostics = sorted(
        (d.with_file(file) if file else d for d in checker.diagnostics),
        key=lambda d: (d.span.line if d.span else 0, d.span.column if d.span else 0, d.code),
    )
    ok = not any(d.is_error for d in diagnostics)
    return CheckResult(checker.analysis if ok else None, diagnostics)


# ---- scopes -----------------------------------------------------------------------------


@dataclass
class _Scope:
    """Where an expression stands, which decides what its names mean."""

    kind: str  # "header", "block", "event", "periods"
    block: BlockAnalysis | None = None
    event_type: str | None = None  # for "event"
    sub_block: BlockAnalysis | None = None  # for "periods"
    sub_kind: str | None = None


class _Checker:
    def __init__(self, policy: A.Policy, catalog: Catalog) -> None:
        self.policy = policy
        self.catalog = catalog
        self.diagnostics: list[Diagnostic] = []
        self.analysis = Analysis(policy)
        self.award_block: dict[str, str] = {}  # award name -> block kind
        self.extra_blocks: list[BlockAnalysis] = []  # duplicate blocks (E032), still checked

    # -- reporting
    def error(self, code: str, message: str, span: A.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(error(code, message, span, help))

    def warn(self, code: str, message: str, span: A.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(warning(code, message, span, help))

    # -- driver
    def run(self) -> None:
        # Blocks are collected first so that `applies to` can tell a block's names apart.
        self.collect_blocks()
        self.check_header()
        for block in [*self.analysis.blocks.values(), *self.extra_blocks]:
            self.check_block(block)

    # ---- header -------------------------------------------------------------------------

    def check_header(self) -> None:
        seen: dict[str, A.HeaderLine] = {}
        for line in self.policy.header:
            if line.kind in seen:
                first = seen[line.kind].span
                words = {"applies": "applies to"}.get(line.kind, line.kind)
                self.error(
                    "E034",
                    f"`{words}` is given twice",
                    line.span,
                    f"the first one is on line {first.line}" if first else None,
                )
                continue
            seen[line.kind] = line
            if line.kind == "effective":
                self.check_date(str(line.value), line.span)
            elif line.kind == "timezone":
                self.check_timezone(str(line.value), line.span)
            elif line.kind == "applies":
                scope = _Scope("header")
                self.expect(line.value, BOOLEAN, scope, "`applies to`")  # type: ignore[arg-type]

    def check_date(self, text: str, span: A.Span | None) -> None:
        try:
            date.fromisoformat(text)
        except ValueError:
            self.error(
                "E082",
                f"`{text}` is not a calendar date",
                span,
                "write the date as YYYY-MM-DD, e.g. 2026-01-01",
            )

    def check_timezone(self, name: str, span: A.Span | None) -> None:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
            zones = _available_zones()
            hint = (
                suggestion(name, zones, quote='"')
                or 'use an IANA time zone name such as "Asia/Shanghai"'
            )
            self.error("E080", f'unknown time zone "{name}"', span, hint)

    # ---- blocks and definitions ---------------------------------------------------------

    def collect_blocks(self) -> None:
        award_spans: dict[str, A.Award] = {}
        for block in self.policy.blocks:
            kind = block.period.kind
            if kind in self.analysis.blocks:
                first = self.analysis.blocks[kind].block.span
                self.error(
                    "E032",
                    f"there are two `each {kind}` blocks",
                    block.period.span,
                    f"merge it into the block on line {first.line}" if first else None,
                )
            if kind == "week" and block.period.week_ending not in A.WEEKDAYS:
                day = block.period.week_ending or ""
                self.error(
                    "E081",
                    f"`{day}` is not a weekday",
                    block.period.weekday_span,
                    f"weekdays are written in lower case: `{day.lower()}`"
                    if day.lower() in A.WEEKDAYS
                    else suggestion(day.lower(), A.WEEKDAYS)
                    or "write one of monday, tuesday, ..., sunday",
                )
            info = BlockAnalysis(kind, block)
            if kind in self.analysis.blocks:
                # A second block of a kind is still checked on its own, so that its own
                # mistakes are reported too, but the first one is the block of that kind.
                self.extra_blocks.append(info)
            else:
                self.analysis.blocks[kind] = info
            for statement in block.statements:
                if isinstance(statement, A.Let | A.ScoreValue | A.ScoreBuilt):
                    self.define(info, statement)
                elif isinstance(statement, A.Award):
                    if statement.name in award_spans:
                        first = award_spans[statement.name].span
                        self.error(
                            "E031",
                            f'the award "{statement.name}" is declared twice',
                            statement.name_span,
                            f"the first one is on line {first.line}; award names must be "
                            "unique in a policy so that wins() and awarded() are clear"
                            if first
                            else None,
                        )
                        continue
                    award_spans[statement.name] = statement
                    info.awards[statement.name] = statement
                    self.award_block.setdefault(statement.name, kind)
                elif isinstance(statement, A.Stars):
                    if info.has_stars:
                        self.error(
                            "E035",
                            "this block already has a `stars` statement",
                            statement.span,
                            "keep one `stars { ... }` per block",
                        )
                    info.has_stars = True

    def define(self, info: BlockAnalysis, statement: A.Let | A.ScoreValue | A.ScoreBuilt) -> None:
        name = statement.name
        if name in info.definitions:
            first = info.definitions[name].span
            self.error(
                "E030",
                f"`{name}` is defined twice in this block",
                statement.name_span,
                f"the first definition is on line {first.line}; rename one of them"
                if first
                else None,
            )
            return
        if name in BUILTIN_VALUES:
            self.error(
                "E036",
                f"`{name}` is a built-in value and cannot be redefined",
                statement.name_span,
                "choose another name",
            )
            return
        if name in self.catalog.roster:
            self.error(
                "E036",
                f"`{name}` is a roster attribute and cannot be redefined",
                statement.name_span,
                "choose another name",
            )
            return
        info.definitions[name] = statement

    def check_block(self, info: BlockAnalysis) -> None:
        scope = _Scope("block", info)
        # Types first, in dependency order where possible, so that a name's type is known
        # when it is used; unresolved ones default to ANY and are checked on their own.
        for name in self.definition_order(info):
            statement = info.definitions[name]
            info.types[name] = self.definition_type(statement, scope)
        for statement in info.block.statements:
            self.check_statement(statement, info, scope)
        self.check_dependencies(info)

    def definition_order(self, info: BlockAnalysis) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}
        for root in info.definitions:
            # Iterative DFS: definitions may chain deeply.
            stack: list[tuple[str, Iterator[str]]] = []
            if state.get(root):
                continue
            state[root] = 1
            stack.append((root, iter(self.definition_refs(info, root))))
            while stack:
                node, refs = stack[-1]
                advanced = False
                for ref in refs:
                    if ref in info.definitions and not state.get(ref):
                        state[ref] = 1
                        stack.append((ref, iter(self.definition_refs(info, ref))))
                        advanced = True
                        break
                if not advanced:
                    stack.pop()
                    state[node] = 2
                    order.append(node)
        return order

    def definition_refs(self, info: BlockAnalysis, name: str) -> list[str]:
        return [n for n in _current_refs(info.definitions[name]) if n in info.definitions]

    def definition_type(self, statement: A.Let | A.ScoreValue | A.ScoreBuilt, scope: _Scope) -> str:
        if isinstance(statement, A.ScoreBuilt):
            self.expect(statement.base, NUMBER, scope, "a score's starting value")
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
        if isinstance(statement, A.ScoreValue):
            self.expect(statement.expr, NUMBER, scope, f"the score `{statement.name}`")
            return NUMBER
        return self.infer(statement.expr, scope)

    # ---- statements ---------------------------------------------------------------------

    def check_statement(self, statement: A.Statement, info: BlockAnalysis, scope: _Scope) -> None:
        if isinstance(statement, A.Tally):
            self.check_line(
                statement.amount,
                statement.per,
                statement.when,
                statement.at_most,
                scope,
                f"`{statement.color}`",
            )
        elif isinstance(statement, A.Veto):
            self.expect(statement.condition, BOOLEAN, scope, "a veto")
            self.check_veto(statement, info)
        elif isinstance(statement, A.Stars):
            self.check_stars(statement, scope)
        elif isinstance(statement, A.Award):
            self.check_award(statement, scope)
        elif isinstance(statement, A.Reward):
            self.expect(statement.amount, NUMBER, scope, "a reward")
            if statement.when is not None:
                self.expect(statement.when, BOOLEAN, scope, "`when`")
        elif isinstance(statement, A.RewardByStars):
            self.check_reward_by_stars(statement, info, scope)

    def check_line(
        self,
        amount: A.Expr,
        per: A.EventRef | None,
        when: A.Expr | None,
        at_most: A.Expr | None,
        scope: _Scope,
        what: str,
    ) -> None:
        self.expect(amount, NUMBER, scope, f"the amount of {what}")
        if per is not None:
            if self.check_event_type(per.type, per.type_span) and per.where is not None:
                self.expect(per.where, BOOLEAN, _Scope("event", scope.block, per.type), "`where`")
            elif per.where is not None:
                self.infer(per.where, _Scope("event", scope.block, None))
        if when is not None:
            self.expect(when, BOOLEAN, scope, "`when`")
        if at_most is not None:
            self.expect(at_most, NUMBER, scope, "`at most`")

    def check_stars(self, statement: A.Stars, scope: _Scope) -> None:
        otherwise_at: A.StarLine | None = None
        for index, line in enumerate(statement.lines):
            level = line.level.value
            if line.level.is_percent or level != level.to_integral_value() or not 1 <= level <= 5:
                self.error(
                    "E050",
                    f"star level `{line.level.text}` is not one of 1 to 5",
                    line.level.span,
                    "star levels are whole numbers from 1 to 5",
                )
            if otherwise_at is not None:
                where = otherwise_at.span.line if otherwise_at.span else "?"
                self.error(
                    "E054",
                    "no line can follow `otherwise`",
                    line.span,
                    f"`otherwise` on line {where} already matches everyone left; "
                    "move it to the end",
                )
                continue
            if line.condition is None:
                otherwise_at = line
                continue
            self.expect(line.condition, BOOLEAN, scope, "a stars line")
            for earlier in statement.lines[:index]:
                if earlier.condition is not None and _implies(line.condition, earlier.condition):
                    where = earlier.span.line if earlier.span else "?"
                    self.warn(
                        "W051",
                        "this stars line can never match",
                        line.span,
                        f"every employee it would select already matched line {where}; "
                        "put the stricter threshold first",
                    )
                    break

    def check_award(self, award: A.Award, scope: _Scope) -> None:
        top = award.top
        if top is not None:
            count = top.count.value
            if top.count.is_percent:
                if not Decimal(0) < count <= Decimal(1):
                    self.error(
                        "E064",
                        f"`top {top.count.text}` must be above 0% and at most 100%",
                        top.count.span,
                    )
            elif count != count.to_integral_value() or count < 1:
                self.error(
                    "E064",
                    f"`top {top.count.text}` must be a whole number of at least 1",
                    top.count.span,
                    "or a percentage such as `top 30%`",
                )
            for key in top.keys:
                self.expect(key, NUMBER, scope, "a ranking key (`by`)")
            if top.within is not None:
                self.check_roster_attribute(top.within, top.within_span)
        if award.when is not None:
            self.expect(award.when, BOOLEAN, scope, "`when`")
        if award.reward is not None:
            self.expect(award.reward, NUMBER, scope, "`with reward`")

    def check_reward_by_stars(
        self, statement: A.RewardByStars, info: BlockAnalysis, scope: _Scope
    ) -> None:
        if not info.has_stars:
            self.error(
                "E055",
                "`reward by stars` needs a `stars { ... }` statement in this block",
                statement.span,
                "without one nobody has a star level",
            )
        seen: dict[Decimal, A.StarReward] = {}
        for entry in statement.entries:
            level = entry.level.value
            if entry.level.is_percent or level != level.to_integral_value() or not 1 <= level <= 5:
                self.error(
                    "E052", f"`{entry.level.text}` is not a star level (1 to 5)", entry.level.span
                )
            elif level in seen:
                self.error(
                    "E053", f"star level {entry.level.text} is given twice", entry.level.span
                )
            seen[level] = entry
            self.expect(entry.amount, NUMBER, scope, "a reward")

    # ---- vetoes and dependencies --------------------------------------------------------

    def check_veto(self, veto: A.Veto, info: BlockAnalysis) -> None:
        found = self.forbidden_in_veto(veto.condition, info)
        if found is not None:
            what, span, through = found
            if through is not None:
                # Point at the name in the veto line; say where the forbidden value hides.
                name, name_span = through
                where = f" (line {span.line})" if span else ""
                message = f"a veto cannot depend on {what}, which `{name}` uses{where}"
                span = name_span
            else:
                message = f"a veto cannot depend on {what}"
            self.error(
                "E040",
                message,
                span,
                "vetoed employees are left out of rankings, tallies, stars and awards, "
                "so those cannot decide a veto; use counts and values of events instead",
            )

    def forbidden_in_veto(
        self, expr: A.Expr, info: BlockAnalysis
    ) -> tuple[str, A.Span | None, tuple[str, A.Span | None] | None] | None:
        seen: set[str] = set()
        todo: list[tuple[A.Expr, tuple[str, A.Span | None] | None]] = [(expr, None)]
        while todo:
            current, through = todo.pop()
            for node in _current_nodes(current):
                if isinstance(node, A.Ranking):
                    return (f"the ranking `{node.func}(...)`", node.span, through)
                if isinstance(node, A.Awarded):
                    return ("an award", node.span, through)
                if isinstance(node, A.Name):
                    if node.name in ("red", "green", "net"):
                        return (f"the tally `{node.name}`", node.span, through)
                    if node.name == "stars":
                        return ("the star level", node.span, through)
                    definition = info.definitions.get(node.name)
                    if definition is not None and node.name not in seen:
                        seen.add(node.name)
                        for child in _definition_exprs(definition):
                            todo.append((child, through or (node.name, node.span)))
        return None

    def check_dependencies(self, info: BlockAnalysis) -> None:
        graph: dict[str, list[tuple[str, A.Span | None]]] = {}
        spans: dict[str, A.Span | None] = {}

        def add(node: str, exprs: list[A.Expr], span: A.Span | None, extra: tuple = ()) -> None:
            edges = graph.setdefault(node, [])
            spans.setdefault(node, span)
            for expr in exprs:
                for ref, ref_span in _node_refs(expr):
                    edges.append((ref, ref_span))
            for ref in extra:
                edges.append((ref, None))

        for name, definition in info.definitions.items():
            add(f"def:{name}", _definition_exprs(definition), definition.name_span)
        graph.setdefault("red", [])
        graph.setdefault("green", [])
        add("net", [], None, ("red", "green"))
        for statement in info.block.statements:
            if isinstance(statement, A.Tally):
                add(statement.color, _tally_exprs(statement), statement.span)
            elif isinstance(statement, A.Veto):
                add("veto", [statement.condition], statement.span)
            elif isinstance(statement, A.Stars):
                add(
                    "stars",
                    [ln.condition for ln in statement.lines if ln.condition],
                    statement.span,
                )
            elif isinstance(statement, A.Award) and info.awards.get(statement.name) is statement:
                exprs = [
                    *(statement.top.keys if statement.top else ()),
                    *_optional(statement.when),
                    *_optional(statement.reward),
                ]
                add(f"award:{statement.name}", exprs, statement.name_span, ("veto",))
            elif isinstance(statement, A.Reward):
                add(
                    "reward",
                    [statement.amount, *_optional(statement.when)],
                    statement.span,
                    ("veto",),
                )
            elif isinstance(statement, A.RewardByStars):
                add(
                    "reward",
                    [e.amount for e in statement.entries],
                    statement.span,
                    ("stars", "veto"),
                )
        if any(isinstance(s, A.Award) and s.reward is not None for s in info.block.statements):
            graph.setdefault("reward", []).extend((f"award:{a}", None) for a in info.awards)
        graph.setdefault("veto", [])
        graph.setdefault("stars", []).append(("veto", None))
        graph.setdefault("reward", [])
        # keep only edges to nodes that exist (unknown names were reported already)
        for node in graph:
            graph[node] = [(ref, span) for ref, span in graph[node] if ref in graph]
        cycles = _find_cycles(graph)
        reported: set[frozenset[str]] = set()
        for cycle in cycles:
            key = frozenset(cycle)
            if key in reported or "veto" in key:
                # Every cycle through `veto` comes from a veto reading a ranking, tally,
                # star level or award, which E040 already reports more precisely.
                continue
            reported.add(key)
            start = cycle[0]
            pretty = " → ".join(_node_label(n) for n in [*cycle, start])
            if len(cycle) == 1 and start.startswith("award:"):
                self.error(
                    "E070",
                    f"{_node_label(start)} depends on itself",
                    spans.get(start),
                    "an award cannot be a condition of itself; "
                    "use previous(awarded(...)) for earlier periods",
                )
            else:
                self.error(
                    "E033",
                    f"these values depend on each other: {pretty}",
                    spans.get(start),
                    "break the cycle; a value cannot depend on itself, directly or through others",
                )
        if not cycles:
            info.order = _topological_order(graph)

    # ---- expressions --------------------------------------------------------------------

    def expect(self, expr: A.Expr, wanted: str, scope: _Scope, what: str) -> str:
        found = self.infer(expr, scope)
        if found in (ANY, wanted):
            return found
        if wanted == BOOLEAN:
            self.error(
                "E023",
                f"{what} needs a condition, but this is {TYPE_WORDS[found]}",
                expr.span,
                "compare it, e.g. `x > 0`",
            )
        else:
            code = "E022" if found == BOOLEAN and wanted == NUMBER else "E024"
            help_text = None
            if found == BOOLEAN and what.startswith("the amount of"):
                help_text = "to count only when a condition holds, write e.g. `red 3 when x = 0`"
            self.error(
                code,
                f"{what} needs {TYPE_WORDS[wanted]}, but this is {TYPE_WORDS[found]}",
                expr.span,
                help_text,
            )
        return found

    def infer(self, expr: A.Expr, scope: _Scope) -> str:
        if isinstance(expr, A.Number):
            return NUMBER
        if isinstance(expr, A.String):
            return TEXT
        if isinstance(expr, A.Boolean):
            return BOOLEAN
        if isinstance(expr, A.Name):
            return self.resolve(expr, scope)
        if isinstance(expr, A.Unary):
            if expr.op == "not":
                self.expect(expr.operand, BOOLEAN, scope, "`not`")
                return BOOLEAN
            found = self.infer(expr.operand, scope)
            if found not in (NUMBER, ANY):
                self.arithmetic_error(found, expr.operand.span, "-")
            return NUMBER
        if isinstance(expr, A.Binary):
            return self.infer_binary(expr, scope)
        if isinstance(expr, A.InList):
            found = self.infer(expr.operand, scope)
            for item in expr.items:
                item_type = self.infer(item, scope)
                if ANY not in (found, item_type) and item_type != found:
                    self.error(
                        "E020",
                        f"this list holds {TYPE_WORDS[item_type]}, but the value "
                        f"before `in` is {TYPE_WORDS[found]}",
                        item.span,
                    )
            return BOOLEAN
        if isinstance(expr, A.Aggregate):
            return self.infer_aggregate(expr, scope)
        if isinstance(expr, A.Wins | A.Awarded):
            return self.infer_award_ref(expr, scope)
        if isinstance(expr, A.Ranking):
            if not self.allowed(expr, scope, f"`{expr.func}`"):
                return NUMBER
            self.expect(expr.operand, NUMBER, scope, f"`{expr.func}`")
            if expr.within is not None:
                self.check_roster_attribute(expr.within, expr.within_span)
            return NUMBER
        if isinstance(expr, A.Previous):
            if not self.allowed(expr, scope, "`previous`"):
                return ANY
            return self.infer(expr.operand, scope)
        if isinstance(expr, A.Consecutive):
            if not self.allowed(expr, scope, "`for N consecutive`"):
                return BOOLEAN
            self.expect(expr.operand, BOOLEAN, scope, "`for N consecutive`")
            count = expr.count.value
            if count != count.to_integral_value() or count < 1:
                self.error(
                    "E063",
                    f"`for {expr.count.text} consecutive` needs a whole number of at least 1",
                    expr.count.span,
                )
            assert scope.block is not None
            own = A.PERIOD_PLURALS[scope.block.kind]
            if expr.periods != own:
                self.error(
                    "E062",
                    f"this is a `{scope.block.kind}` block: count consecutive "
                    f"{own}, not {expr.periods}",
                    expr.span,
                    f"write `for {expr.count.text} consecutive {own}`",
                )
            return BOOLEAN
        return ANY

    def allowed(self, expr: A.Expr, scope: _Scope, what: str) -> bool:
        """Rankings, look-backs and aggregates only make sense over a block's employees."""
        if scope.kind == "block":
            return True
        if scope.kind == "header":
            self.error(
                "E013",
                f"{what} cannot be used in `applies to`",
                expr.span,
                "`applies to` may use roster attributes and `tenure` only",
            )
        else:
            self.error(
                "E015",
                f"{what} cannot be used inside a `where` filter",
                expr.span,
                "compute it with `let` and use it in a `when` condition instead",
            )
        return False

    def infer_binary(self, expr: A.Binary, scope: _Scope) -> str:
        op = expr.op
        if op in ("and", "or"):
            self.expect(expr.left, BOOLEAN, scope, f"`{op}`")
            self.expect(expr.right, BOOLEAN, scope, f"`{op}`")
            return BOOLEAN
        left = self.infer(expr.left, scope)
        right = self.infer(expr.right, scope)
        if op in ARITHMETIC:
            for side, found in ((expr.left, left), (expr.right, right)):
                if found not in (NUMBER, ANY):
                    self.arithmetic_error(found, side.span, op)
            return NUMBER
        if op == "default":
            if ANY not in (left, right) and left != right:
                self.error(
                    "E020",
                    f"`default` must give the same kind of value: "
                    f"{TYPE_WORDS[left]} on the left, {TYPE_WORDS[right]} on the right",
                    expr.right.span,
                )
            return left if left != ANY else right
        # comparisons
        if ANY in (left, right):
            return BOOLEAN
        if left != right:
            self.error(
                "E020",
                f"cannot compare {TYPE_WORDS[left]} with {TYPE_WORDS[right]}",
                expr.span,
                _compare_help(left, right, expr),
            )
        elif op in ORDERING and left not in (NUMBER, DATE, TIMESTAMP):
            self.error(
                "E020",
                f"`{op}` compares numbers, not {TYPE_WORDS[left].split(' ', 1)[1]}s"
                if left == TEXT
                else f"`{op}` cannot order {TYPE_WORDS[left]}",
                expr.span,
                "use `=` or `!=`",
            )
        return BOOLEAN

    def arithmetic_error(self, found: str, span: A.Span | None, op: str) -> None:
        if found == BOOLEAN:
            self.error(
                "E022",
                f"cannot do arithmetic (`{op}`) with a condition",
                span,
                "conditions are true or false; use `when` to make a line count only when it holds",
            )
        else:
            self.error("E022", f"cannot do arithmetic (`{op}`) with {TYPE_WORDS[found]}", span)

    def resolve(self, name: A.Name, scope: _Scope) -> str:
        text = name.name
        if scope.kind == "event":
            if not self.catalog.known_events or scope.event_type is None:
                return ANY
            attributes = self.catalog.event_attributes(scope.event_type)
            if text in attributes:
                return attributes[text]
            if self.catalog.inferred:
                self.warn(
                    "W012",
                    f"no `{scope.event_type}` event with the attribute `{text}` has been "
                    "ingested yet",
                    name.span,
                    suggestion(text, attributes) or "check the spelling",
                )
                return ANY
            self.error(
                "E012",
                f"the event type `{scope.event_type}` has no attribute `{text}`",
                name.span,
                suggestion(text, attributes)
                or f"its attributes are: {', '.join(sorted(attributes))}",
            )
            return ANY
        if scope.kind == "periods":
            assert scope.sub_block is not None
            if text in scope.sub_block.definitions:
                return scope.sub_block.types.get(text, ANY)
            if text in SUB_PERIOD_BUILTINS:
                if text == "stars" and not scope.sub_block.has_stars:
                    self.no_stars_error(name, scope.sub_block)
                return SUB_PERIOD_BUILTINS[text]
            if text in self.catalog.roster:
                return self.catalog.roster[text]
            candidates = [*scope.sub_block.definitions, *SUB_PERIOD_BUILTINS, *self.catalog.roster]
            self.error(
                "E010",
                f"unknown name `{text}` in the `{scope.sub_kind}` block",
                name.span,
                suggestion(text, candidates)
                or f"inside `{A.PERIOD_PLURALS[scope.sub_block.kind]} where ...` the names "
                f"are those of the `each {scope.sub_block.kind}` block",
            )
            return ANY
        if text == "tenure":
            return NUMBER
        if text in self.catalog.roster:
            return self.catalog.roster[text]
        if scope.kind == "header":
            self.error(
                "E013" if self.is_block_name(text) else "E010",
                f"`{text}` cannot be used in `applies to`"
                if self.is_block_name(text)
                else f"unknown name `{text}`",
                name.span,
                suggestion(text, [*self.catalog.roster, "tenure"], "(a roster attribute)")
                or "`applies to` may use roster attributes and `tenure`; declare other "
                "roster columns in starrating.yaml",
            )
            return ANY
        block = scope.block
        assert block is not None
        if text in block.definitions:
            return block.types.get(text, ANY)
        if text in ("red", "green", "net"):
            return NUMBER
        if text == "stars":
            if not block.has_stars:
                self.no_stars_error(name, block)
            return NUMBER
        candidates = [*block.definitions, *BUILTIN_VALUES, *self.catalog.roster]
        self.error(
            "E010",
            f"unknown name `{text}`",
            name.span,
            suggestion(text, candidates)
            or "define it with `let`, or declare the roster column in starrating.yaml",
        )
        return ANY

    def is_block_name(self, text: str) -> bool:
        return text in BUILTIN_VALUES or any(
            text in b.definitions for b in self.analysis.blocks.values()
        )

    def no_stars_error(self, name: A.Name, block: BlockAnalysis) -> None:
        self.error(
            "E056",
            f"`stars` is used here, but the `{block.kind}` block has no `stars` statement",
            name.span,
            "add `stars { ... }` to that block to give star levels",
        )

    def infer_aggregate(self, expr: A.Aggregate, scope: _Scope) -> str:
        if not self.allowed(expr, scope, f"`{expr.func}(...)`"):
            return NUMBER
        if expr.func == "count" and expr.attribute is not None:
            self.error(
                "E016",
                f"`count` counts {'periods' if expr.over_periods else 'events'}; "
                "it takes no attribute",
                expr.attribute_span,
                f"write count({expr.source}) or sum({expr.source}.{expr.attribute})",
            )
        if expr.func != "count" and expr.attribute is None:
            example = "weeks.net" if expr.over_periods else f"{expr.source}.value"
            self.error(
                "E016",
                f"`{expr.func}` needs an attribute to add up or compare",
                expr.source_span,
                f"for example {expr.func}({example})",
            )
        if expr.over_periods:
            return self.infer_period_aggregate(expr, scope)
        known = self.check_event_type(expr.source, expr.source_span)
        event_scope = _Scope("event", scope.block, expr.source if known else None)
        self.check_aggregate_parts(expr, event_scope)
        return NUMBER

    def check_aggregate_parts(self, expr: A.Aggregate, inner: _Scope) -> None:
        """The attribute (a number) and the `where` filter, read in the events' or the
        sub-periods' scope."""
        if expr.attribute is not None and expr.func != "count":
            attribute_type = self.resolve(A.Name(expr.attribute, expr.attribute_span), inner)
            if attribute_type not in (NUMBER, ANY):
                self.error(
                    "E021",
                    f"cannot take `{expr.func}` of `{expr.source}.{expr.attribute}`,"
                    f" which is {TYPE_WORDS[attribute_type]}",
                    expr.attribute_span,
                    "only numbers can be summed, averaged or compared; count them instead",
                )
        if expr.where is not None:
            self.expect(expr.where, BOOLEAN, inner, "`where`")

    def infer_period_aggregate(self, expr: A.Aggregate, scope: _Scope) -> str:
        assert scope.block is not None
        sub = self.sub_block(expr.source, scope.block, expr.source_span)
        if sub is None:
            return NUMBER
        self.check_aggregate_parts(expr, _Scope("periods", scope.block, None, sub, sub.kind))
        return NUMBER

    def sub_block(
        self, plural: str, block: BlockAnalysis, span: A.Span | None
    ) -> BlockAnalysis | None:
        kind = A.PLURAL_TO_KIND[plural]
        rank = A.PERIOD_KINDS.index
        if rank(kind) >= rank(block.kind):
            self.error(
                "E060",
                f"`{plural}` are not shorter than this `{block.kind}` block",
                span,
                "a block can only look at the results of shorter blocks "
                "(a month at its weeks, a quarter at its months, ...)",
            )
            return None
        sub = self.analysis.blocks.get(kind)
        if sub is None:
            shorter = [b for b in self.analysis.blocks if rank(b) < rank(block.kind)]
            hint = f"add an `each {kind}` block" + (
                f", or use {', '.join(A.PERIOD_PLURALS[b] for b in shorter)}" if shorter else ""
            )
            self.error(
                "E060", f"`{plural}` needs an `each {kind}` block in this policy", span, hint
            )
            return None
        return sub

    def infer_award_ref(self, expr: A.Wins | A.Awarded, scope: _Scope) -> str:
        func = "wins" if isinstance(expr, A.Wins) else "awarded"
        if scope.kind == "periods" and isinstance(expr, A.Awarded):
            return self.award_in_block(expr, scope.sub_block, func, "BOOLEAN")
        if not self.allowed(expr, scope, f"`{func}(...)`"):
            return NUMBER if func == "wins" else BOOLEAN
        assert scope.block is not None
        if isinstance(expr, A.Awarded):
            return self.award_in_block(expr, scope.block, func, "BOOLEAN")
        kind = self.award_block.get(expr.award)
        if kind is None:
            self.unknown_award(expr)
            return NUMBER
        rank = A.PERIOD_KINDS.index
        if rank(kind) >= rank(scope.block.kind):
            shorter = [b for b in self.analysis.blocks if rank(b) < rank(scope.block.kind)]
            self.error(
                "E061" if shorter else "E060",
                f'wins("{expr.award}") counts wins in shorter periods, but that award is '
                f"given in the `{kind}` block",
                expr.span,
                f'use awarded("{expr.award}") in its own block'
                if kind == scope.block.kind
                else None,
            )
        return NUMBER

    def award_in_block(
        self, expr: A.Awarded | A.Wins, block: BlockAnalysis | None, func: str, _kind: str
    ) -> str:
        assert block is not None
        if expr.award in block.awards:
            return BOOLEAN
        kind = self.award_block.get(expr.award)
        if kind is None:
            self.unknown_award(expr)
        else:
            self.error(
                "E072",
                f'the award "{expr.award}" is given in the `{kind}` block, not in '
                f"this `{block.kind}` block",
                expr.span,
                f'count its wins with wins("{expr.award}")'
                if A.PERIOD_KINDS.index(kind) < A.PERIOD_KINDS.index(block.kind)
                else None,
            )
        return BOOLEAN

    def unknown_award(self, expr: A.Awarded | A.Wins) -> None:
        self.error(
            "E071",
            f'there is no award "{expr.award}" in this policy',
            expr.span,
            suggestion(expr.award, self.award_block, quote='"') or None,
        )

    # ---- catalog look-ups ---------------------------------------------------------------

    def check_event_type(self, event_type: str, span: A.Span | None) -> bool:
        """True when the type is known to the catalog (or there is no catalog to ask)."""
        if not self.catalog.known_events:
            return True
        if event_type in self.catalog.events:
            return True
        if self.catalog.inferred:
            self.warn(
                "W011",
                f"no event of type `{event_type}` has been ingested yet",
                span,
                suggestion(event_type, self.catalog.events)
                or "check the spelling, or ingest events of this type",
            )
            return False
        self.error(
            "E011",
            f"unknown event type `{event_type}`",
            span,
            suggestion(event_type, self.catalog.events)
            or "declare it under `events:` in starrating.yaml",
        )
        return False

    def check_roster_attribute(self, name: str, span: A.Span | None) -> None:
        if name in self.catalog.roster:
            return
        self.error(
            "E014",
            f"`{name}` is not a roster attribute",
            span,
            suggestion(name, self.catalog.roster)
            or "`within` groups employees by a roster column such as `department`; "
            "declare other columns in starrating.yaml",
        )


# ---- helpers over the AST ---------------------------------------------------------------


def _optional(expr: A.Expr | None) -> list[A.Expr]:
    return [] if expr is None else [expr]


def _definition_exprs(definition: A.Let | A.ScoreValue | A.ScoreBuilt) -> list[A.Expr]:
    if isinstance(definition, A.ScoreBuilt):
        exprs = [definition.base]
        for adjustment in definition.adjustments:
            if isinstance(adjustment, A.Adjust):
                exprs += [
                    adjustment.amount,
                    *_optional(adjustment.when),
                    *_optional(adjustment.at_most),
                ]
            else:
                exprs.append(adjustment.bound)
        return exprs
    return [definition.expr]


def _tally_exprs(tally: A.Tally) -> list[A.Expr]:
    return [tally.amount, *_optional(tally.when), *_optional(tally.at_most)]


def _current_nodes(expr: A.Expr) -> Iterator[object]:
    """The nodes that are evaluated for the current instance: everything except what sits
    under ``previous(...)`` (earlier instances) or in filters of sub-period aggregates."""
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, A.Previous):
            continue
        if isinstance(node, A.Aggregate):
            continue  # its names belong to events or to the sub-block
        stack.extend(A.children(node))


def _current_refs(definition: A.Let | A.ScoreValue | A.ScoreBuilt) -> list[str]:
    names: list[str] = []
    for expr in _definition_exprs(definition):
        names += [n.name for n in _current_nodes(expr) if isinstance(n, A.Name)]
    return names


def _node_refs(expr: A.Expr) -> Iterator[tuple[str, A.Span | None]]:
    """Dependency-graph nodes an expression reads in the current instance."""
    for node in _current_nodes(expr):
        if isinstance(node, A.Name):
            if node.name in ("red", "green", "net", "stars"):
                yield node.name, node.span
            else:
                yield f"def:{node.name}", node.span
        elif isinstance(node, A.Awarded):
            yield f"award:{node.award}", node.span
        elif isinstance(node, A.Ranking):
            yield "veto", node.span  # a ranking is taken among non-vetoed employees


def _node_label(node: str) -> str:
    if node.startswith("def:"):
        return f"`{node[4:]}`"
    if node.startswith("award:"):
        return f'award "{node[6:]}"'
    return f"`{node}`"


def _find_cycles(graph: dict[str, list[tuple[str, A.Span | None]]]) -> list[list[str]]:
    """Elementary cycles found by an iterative DFS (one per back edge)."""
    cycles: list[list[str]] = []
    colour: dict[str, int] = {}
    for root in graph:
        if colour.get(root):
            continue
        path: list[str] = [root]
        colour[root] = 1
        iters = [iter(graph[root])]
        while iters:
            advanced = False
            for ref, _span in iters[-1]:
                state = colour.get(ref, 0)
                if state == 0:
                    colour[ref] = 1
                    path.append(ref)
                    iters.append(iter(graph[ref]))
                    advanced = True
                    break
                if state == 1:
                    cycles.append(path[path.index(ref) :])
            if not advanced:
                colour[path.pop()] = 2
                iters.pop()
    return cycles


def _topological_order(graph: dict[str, list[tuple[str, A.Span | None]]]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        stack = [(root, iter(graph[root]))]
        done.add(root)
        while stack:
            node, refs = stack[-1]
            for ref, _span in refs:
                if ref not in done:
                    done.add(ref)
                    stack.append((ref, iter(graph[ref])))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


_THRESHOLD_OPS = {">=": (1, True), ">": (1, False), "<=": (-1, True), "<": (-1, False)}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


def _threshold(expr: A.Expr) -> tuple[A.Expr, int, Decimal, bool] | None:
    """``x >= 85`` as (x, direction, 85, inclusive); None for anything else."""
    if not isinstance(expr, A.Binary) or expr.op not in _THRESHOLD_OPS:
        return None
    subject, bound, op = expr.left, expr.right, expr.op
    if isinstance(subject, A.Number) and not isinstance(bound, A.Number):
        subject, bound, op = bound, subject, _FLIPPED[op]
    if not isinstance(bound, A.Number):
        return None
    direction, inclusive = _THRESHOLD_OPS[op]
    return subject, direction, bound.value, inclusive


def _implies(later: A.Expr, earlier: A.Expr) -> bool:
    """True when every employee matching ``later`` also matches ``earlier`` (so a line
    with ``later`` below a line with ``earlier`` can never match). Conservative."""
    if later == earlier:
        return True
    a, b = _threshold(later), _threshold(earlier)
    if a is None or b is None:
        return False
    subject_a, dir_a, value_a, incl_a = a
    subject_b, dir_b, value_b, incl_b = b
    if subject_a != subject_b or dir_a != dir_b:
        return False
    if dir_a == 1:  # later: x >= value_a ; earlier: x >= value_b
        return value_a > value_b or (value_a == value_b and (incl_b or not incl_a))
    return value_a < value_b or (value_a == value_b and (incl_b or not incl_a))


def _compare_help(left: str, right: str, expr: A.Binary) -> str | None:
    if TEXT in (left, right) and NUMBER in (left, right):
        number = expr.right if right == NUMBER else expr.left
        if isinstance(number, A.Number):
            return f'texts are written in double quotes: "{number.text}"'
        return "a text can only be compared with a text, and a number with a number"
    if BOOLEAN in (left, right):
        return "a condition is already true or false: use it on its own or with `not`"
    return None


_ZONES: list[str] = []


def _available_zones() -> list[str]:
    if not _ZONES:
        try:
            _ZONES.extend(sorted(zoneinfo.available_timezones()))
        except Exception:
            pass
    return _ZONES


__all__ = ["Analysis", "BlockAnalysis", "CheckResult", "check_policy"]
