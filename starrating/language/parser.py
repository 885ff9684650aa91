"""Policy text -> AST: Lark's parse tree transformed into the frozen dataclasses of ``ast``.

Enters: policy text (any line endings; maybe not a policy at all). Leaves: a
``ParseResult``: the ``Policy`` with its comments, or None with the syntax errors as
Diagnostics (several per file: ``syntax_errors`` describes each and blanks the broken
statement, or closes the block left open, so that parsing can go on; full-width
characters are reported first and read as their ASCII twins, see ``fullwidth``).
``parse`` never raises for bad input.

The grammar and the names it reserves live in ``grammar``; ``keywords``, ``needs_backticks``,
``VALUE_KEYWORDS`` and ``grammar_text`` are importable from here as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from ..i18n import _
from . import ast as A
from .diagnostics import Diagnostic, error
from .fullwidth import find_slips, repair
from .grammar import (
    ADJUSTMENT_KEYWORDS,
    HEADER_KEYWORDS,
    NAME_RE,
    STATEMENT_KEYWORDS,
    VALUE_KEYWORDS,
    grammar_text,
    keywords,
    needs_backticks,
    parse_tree,
)
from .grammar import span as _span
from .syntax_errors import blank_statement, slip_diagnostics, syntax_diagnostic

__all__ = [
    "ADJUSTMENT_KEYWORDS",
    "HEADER_KEYWORDS",
    "MAX_DEPTH",
    "MAX_SYNTAX_ERRORS",
    "NAME_RE",
    "STATEMENT_KEYWORDS",
    "VALUE_KEYWORDS",
    "ParseResult",
    "grammar_text",
    "keywords",
    "needs_backticks",
    "parse",
]

# Deeper than this and a policy is certainly not written by a person; refusing it keeps
# every later stage (checker, formatter, compiler) safely inside Python's recursion limit.
MAX_DEPTH = 120
MAX_SYNTAX_ERRORS = 20


# ---- tree -> AST ------------------------------------------------------------------------


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


@dataclass(frozen=True)
class _NameTok:
    """A name with its span, while building (names become plain str in the AST)."""

    text: str
    span: A.Span | None


@v_args(meta=True)
class _ToAst(Transformer):
    # -- names and literals
    def name(self, meta, children):
        (tok,) = children
        text = str(tok)
        if tok.type == "QUOTED_NAME":
            text = text[1:-1]
        return _NameTok(text, _span(tok))

    def attribute(self, meta, children):
        (item,) = children
        if isinstance(item, _NameTok):
            return item
        return _NameTok(str(item), _span(item))

    def number(self, meta, children):
        return A.Number(str(children[0]), _span(meta))

    def date(self, meta, children):
        return A.Date(str(children[0]), _span(meta))

    def string(self, meta, children):
        return A.String(_unquote(children[0]), _span(meta))

    def true(self, meta, children):
        return A.Boolean(True, _span(meta))

    def false(self, meta, children):
        return A.Boolean(False, _span(meta))

    def name_ref(self, meta, children):
        return A.Name(children[0].text, _span(meta))

    def builtin_ref(self, meta, children):
        return A.Name(str(children[0]), _span(meta))

    # -- operators
    def neg(self, meta, children):
        return A.Unary("-", children[0], _span(meta))

    def not_(self, meta, children):
        return A.Unary("not", children[0], _span(meta))

    def arith(self, meta, children):
        left, op, right = children
        return A.Binary(op, left, right, _span(meta))

    compare = arith

    def comparison_op(self, meta, children):
        return str(children[0])

    add_op = mul_op = comparison_op

    def and_(self, meta, children):
        return A.Binary("and", children[0], children[1], _span(meta))

    def or_(self, meta, children):
        return A.Binary("or", children[0], children[1], _span(meta))

    def default(self, meta, children):
        return A.Binary("default", children[0], children[1], _span(meta))

    def value_list(self, meta, children):
        return tuple(c for c in children if c is not None)

    def in_list(self, meta, children):
        return A.InList(children[0], children[1], False, _span(meta))

    def not_in_list(self, meta, children):
        return A.InList(children[0], children[1], True, _span(meta))

    def consecutive(self, meta, children):
        operand, count, periods = children
        return A.Consecutive(operand, A.Number(str(count), _span(count)), str(periods), _span(meta))

    # -- calls
    def source(self, meta, children):
        head, attribute = children
        if isinstance(head, _NameTok):
            return (head.text, False, head.span, attribute)
        return (str(head), True, _span(head), attribute)

    def window(self, meta, children):
        length, (unit, unit_span) = children
        return A.Window(length, unit, _span(meta), unit_span)

    def window_unit(self, meta, children):
        (unit,) = children
        if isinstance(unit, _NameTok):
            return (unit.text, unit.span)
        return (str(unit), _span(unit))

    def aggregate(self, meta, children):
        func, (source, over_periods, source_span, attribute), where, window = children
        return A.Aggregate(
            func=str(func),
            source=source,
            over_periods=over_periods,
            attribute=attribute.text if attribute else None,
            where=where,
            span=_span(meta),
            source_span=source_span,
            attribute_span=attribute.span if attribute else None,
            window=window,
        )

    def wins(self, meta, children):
        return A.Wins(_unquote(children[0]), _span(meta))

    def awarded(self, meta, children):
        return A.Awarded(_unquote(children[0]), _span(meta))

    def within(self, meta, children):
        return children[0]

    def ranking(self, meta, children):
        func, operand, within = children
        return A.Ranking(
            str(func),
            operand,
            within.text if within else None,
            _span(meta),
            within.span if within else None,
        )

    def group_aggregate(self, meta, children):
        func, operand, within = children
        return A.GroupAggregate(
            str(func),
            operand,
            within.text if within else None,
            _span(meta),
            within.span if within else None,
        )

    def previous(self, meta, children):
        return A.Previous(children[0], _span(meta))

    def match_arm(self, meta, children):
        key, value = children
        literal = A.String(_unquote(key), _span(key)) if key.type == "STRING" else None
        return A.MatchArm(literal or A.Number(str(key), _span(key)), value, _span(meta))

    def match_otherwise(self, meta, children):
        return children[0]

    def match(self, meta, children):
        subject, *arms = children
        # The optional `otherwise` arrives last (None when absent), after the keyed arms.
        otherwise = arms.pop()
        return A.Match(subject, tuple(arms), otherwise, _span(meta))

    # -- statements
    def let(self, meta, children):
        name, expr = children
        return A.Let(name.text, expr, _span(meta), name.span)

    def score_value(self, meta, children):
        name, expr = children
        return A.ScoreValue(name.text, expr, _span(meta), name.span)

    def score_built(self, meta, children):
        name, base, *adjustments = children
        span = _span(meta)
        close = _close_brace_span(meta)
        return A.ScoreBuilt(
            name.text, base, tuple(adjustments), span=span, name_span=name.span, close_span=close
        )

    def event_ref(self, meta, children):
        name, where = children
        return A.EventRef(name.text, where, _span(meta), name.span)

    def per(self, meta, children):
        return children[0]

    def when(self, meta, children):
        return children[0]

    def at_most(self, meta, children):
        return children[0]

    def adjust(self, meta, children):
        kind, amount, per, when, at_most = children
        return A.Adjust(str(kind), amount, per, when, at_most, _span(meta))

    def clamp(self, meta, children):
        kind, bound = children
        return A.Clamp(str(kind), bound, _span(meta))

    def tally(self, meta, children):
        color, amount, per, when, at_most = children
        return A.Tally(str(color), amount, per, when, at_most, _span(meta))

    def veto(self, meta, children):
        reason, condition = children
        return A.Veto(_unquote(reason), condition, _span(meta), _span(reason))

    def star_when(self, meta, children):
        level, condition = children
        return A.StarLine(A.Number(str(level), _span(level)), condition, _span(meta))

    def star_otherwise(self, meta, children):
        (level,) = children
        return A.StarLine(A.Number(str(level), _span(level)), None, _span(meta))

    def stars(self, meta, children):
        _keyword, *lines = children
        return A.Stars(tuple(lines), _span(meta), _close_brace_span(meta))

    def then_by(self, meta, children):
        return children[0]

    def top_clause(self, meta, children):
        count, first, *rest = children
        within = rest.pop() if rest else None
        keys = (first, *rest)
        return A.TopClause(
            count,
            tuple(keys),
            within.text if within else None,
            _span(meta),
            within.span if within else None,
        )

    def award_reward(self, meta, children):
        return children[1]

    def award(self, meta, children):
        name, top, when, reward = children
        return A.Award(_unquote(name), top, when, reward, _span(meta), _span(name))

    def reward(self, meta, children):
        _keyword, amount, when = children
        return A.Reward(amount, when, _span(meta))

    def star_reward(self, meta, children):
        level, amount = children
        return A.StarReward(A.Number(str(level), _span(level)), amount, _span(meta))

    def reward_by_stars(self, meta, children):
        entries = tuple(c for c in children[2:] if isinstance(c, A.StarReward))
        return A.RewardByStars(entries, _span(meta))

    # -- header and blocks
    def week(self, meta, children):
        (weekday,) = children
        if weekday is None:
            return A.Period("week", "sunday", _span(meta))
        return A.Period("week", weekday.text, _span(meta), weekday.span)

    def month(self, meta, children):
        return A.Period("month", None, _span(meta))

    def quarter(self, meta, children):
        return A.Period("quarter", None, _span(meta))

    def half(self, meta, children):
        return A.Period("half", None, _span(meta))

    def year(self, meta, children):
        return A.Period("year", None, _span(meta))

    def block(self, meta, children):
        period, *statements = children
        return A.Block(period, tuple(statements), _span(meta), _close_brace_span(meta))

    def policy_line(self, meta, children):
        name, version = children
        if version is None:
            label = None
        elif version.type == "STRING":
            label = _unquote(version)
        else:
            label = str(version)
        return (_unquote(name), label, _span(meta))

    def effective(self, meta, children):
        return A.HeaderLine("effective", str(children[0]), _span(meta))

    def timezone(self, meta, children):
        return A.HeaderLine("timezone", _unquote(children[0]), _span(meta))

    def applies_to(self, meta, children):
        return A.HeaderLine("applies", children[0], _span(meta))

    def start(self, meta, children):
        (name, version, name_span), *rest = children
        header = tuple(c for c in rest if isinstance(c, A.HeaderLine))
        blocks = tuple(c for c in rest if isinstance(c, A.Block))
        return A.Policy(name, version, header, blocks, (), _span(meta), name_span)


def _close_brace_span(meta: object) -> A.Span | None:
    # The node ends with its closing brace: a one-character span at its end.
    if getattr(meta, "empty", False):
        return None
    end_line, end_col, end_pos = meta.end_line, meta.end_column, meta.end_pos  # type: ignore[attr-defined]
    return A.Span(end_line, end_col - 1, end_line, end_col, end_pos - 1, end_pos)


# ---- parsing with diagnostics -----------------------------------------------------------


@dataclass
class ParseResult:
    policy: A.Policy | None
    diagnostics: list[Diagnostic]
    source: str


def parse(text: str, file: str | None = None) -> ParseResult:
    """Parse policy text. Never raises for bad input: problems come back as diagnostics."""
    # Lark counts lines by "\n" only; old Mac ("\r") and Windows ("\r\n") endings would
    # otherwise shift every position (and a lone "\r" would hide the rest of a comment line).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        d = error(
            "E004",
            _("this is not a policy file: it holds binary data"),
            None,
            _("a policy is UTF-8 text, usually named NAME.policy"),
        )
        return ParseResult(None, [d.with_file(file) if file else d], text)
    # Full-width characters are reported (E006) and then read as their ASCII twins, so the
    # rest of the text is parsed as meant: one mistake each, and no follow-on errors.
    slips = find_slips(text)
    attempt = repair(text, slips)
    diagnostics = slip_diagnostics(slips, text, attempt)
    repaired_at = {pos for group in slips for pos in range(group.start, group.end)}
    comments: list[A.Comment] = []
    closed_at: list[tuple[int, int]] = []  # (position, line) of each `}` recovery inserted
    tree: Tree | None = None
    last_error_pos = -1
    for _attempt in range(MAX_SYNTAX_ERRORS):
        comments.clear()
        try:
            tree = parse_tree(attempt, comments)
            break
        except (UnexpectedToken, UnexpectedCharacters, UnexpectedEOF) as exc:
            problem = syntax_diagnostic(exc, attempt)
            if problem.resume_at <= last_error_pos:
                break  # recovery went backwards: what follows would only be noise
            last_error_pos = problem.resume_at
            diagnostic = _as_written(problem.diagnostic, closed_at)
            # One diagnostic per place: where a full-width character was already reported,
            # an error about its ASCII twin (a `;`, a misplaced `(`) would repeat it.
            span = diagnostic.span
            if span is None or span.start_pos not in repaired_at:
                diagnostics.append(diagnostic)
            if problem.close_block_at is not None:
                # Close the block where its `}` was due, and read on as if it were there.
                at = problem.close_block_at
                attempt = attempt[:at] + "}" + attempt[at:]
                closed_at.append((at, attempt.count("\n", 0, at) + 1))
                continue
            at_token = isinstance(exc, UnexpectedToken) and problem.resume_at == (
                exc.token.start_pos or 0
            )
            recovered = blank_statement(attempt, problem.resume_at, at_token)
            if recovered is None:
                break
            attempt = recovered
        except LarkError as exc:  # anything else Lark may raise on odd input
            diagnostics.append(
                error("E001", _("cannot parse this policy: {problem}").format(problem=exc), None)
            )
            break
    if tree is not None and not diagnostics:
        return _to_policy(tree, comments, text, file)
    diagnostics.sort(key=lambda d: (d.span is None, d.span.start_pos if d.span else 0))
    shown = diagnostics[:MAX_SYNTAX_ERRORS]
    return ParseResult(None, [d.with_file(file) if file else d for d in shown], text)


def _as_written(diagnostic: Diagnostic, closed_at: list[tuple[int, int]]) -> Diagnostic:
    """``diagnostic`` with its place moved back from the recovered text, where each `}` that
    recovery inserted shifts what follows it on its line, to the text as written."""
    span = diagnostic.span
    if span is None or not closed_at:
        return diagnostic
    column, end_column = span.column, span.end_column
    start, end = span.start_pos, span.end_pos
    for at, at_line in reversed(closed_at):
        if start > at:
            start, column = start - 1, column - (span.line == at_line)
        if end > at:
            end, end_column = end - 1, end_column - (span.end_line == at_line)
    moved = A.Span(span.line, column, span.end_line, end_column, start, end)
    return replace(diagnostic, span=moved)


def _to_policy(tree: Tree, comments: list[A.Comment], text: str, file: str | None) -> ParseResult:
    deepest = _too_deep(tree)
    if deepest is not None:
        d = error(
            "E005",
            _("this expression is too deep (more than {depth} nested operations)").format(
                depth=MAX_DEPTH
            ),
            _span(deepest.meta),
            _("split it into several `let` lines"),
        )
        return ParseResult(None, [d.with_file(file) if file else d], text)
    policy = _ToAst().transform(tree)
    policy = A.Policy(
        policy.name,
        policy.version,
        policy.header,
        policy.blocks,
        tuple(comments),
        policy.span,
        policy.name_span,
    )
    return ParseResult(policy, [], text)


def _too_deep(tree: Tree) -> Tree | None:
    """The statement-level node holding a subtree deeper than MAX_DEPTH, or None.
    Iterative: the tree may be far deeper than Python's recursion limit."""
    stack: list[tuple[Tree, int, Tree]] = [(tree, 1, tree)]
    while stack:
        node, level, owner = stack.pop()
        if level > MAX_DEPTH:
            return owner
        for child in node.children:
            if isinstance(child, Tree):
                # Remember the outermost node below a block: the statement to point at.
                child_owner = child if node.data in ("block", "start") else owner
                stack.append((child, level + 1, child_owner))
    return None
