"""AST -> canonical policy text (``starrating fmt``).

Enters: a ``Policy`` (with the comments the parser collected). Leaves: its canonical text.

The canonical form is one statement per line, two-space indentation, single spaces around
operators and the fewest parentheses that keep the tree the same. The one guarantee that
matters is ``parse(format_policy(p)).policy == p``; the second is idempotence
(formatting formatted text changes nothing), which is why every layout decision below is
made from facts that survive a round trip (line numbers of items and comments), never from
how the source happened to be spaced inside a line.

Comments are not part of the AST proper: the parser hands them over with their spans and
the formatter attaches them to printed lines by position (see ``_Renderer``).

``format_source`` formats text that may not parse as written: full-width characters typed
on a Chinese keyboard (``，`` ``（`` ``８５`` ``“...”``) outside texts and comments are first
replaced by their ASCII twins (``fullwidth``), the one repair that is certain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import ast as A
from .diagnostics import Diagnostic
from .fullwidth import find_slips, repair
from .parser import VALUE_KEYWORDS, needs_backticks, parse
from .visitor import NodeVisitor

__all__ = ["Formatted", "format_policy", "format_source"]

INDENT = "  "

# Binding strength, tightest first (docs/language.md section 5). Higher binds tighter.
_ATOM = 100
_NEG = 90
_MUL = 80
_ADD = 70
_DEFAULT = 60
_COMPARE = 50  # comparisons and `in` / `not in`; non-associative
_NOT = 40
_AND = 30
_OR = 20
_CONSECUTIVE = 10

_BINARY_PRECEDENCE = {
    "*": _MUL, "/": _MUL, "+": _ADD, "-": _ADD, "default": _DEFAULT,
    "=": _COMPARE, "!=": _COMPARE, "<": _COMPARE, "<=": _COMPARE, ">": _COMPARE,
    ">=": _COMPARE, "and": _AND, "or": _OR,
}  # fmt: skip

# After a dot these keywords are accepted as attribute names without backticks.
_BARE_ATTRIBUTES = VALUE_KEYWORDS | {"reward"}
_BARE_VERSION = re.compile(r"\d+(\.\d+)?")


def format_policy(policy: A.Policy) -> str:
    """The canonical text of ``policy``, ending in exactly one newline."""
    return _Renderer(policy).render()


@dataclass(frozen=True)
class Formatted:
    """What ``format_source`` made of a text."""

    text: str | None  # the canonical text; None when the text does not parse even repaired
    repaired: int  # full-width characters replaced by their ASCII twins
    # Why it does not parse, once repaired (placed in the text as written: the repair
    # keeps every position).
    diagnostics: tuple[Diagnostic, ...] = ()


def format_source(source: str, file: str | None = None) -> Formatted:
    """The canonical text of ``source``, after replacing full-width characters outside
    texts and comments (strings and comments are kept character for character)."""
    slips = find_slips(source)
    repaired = sum(len(group.slips) for group in slips)
    result = parse(repair(source, slips), file)
    if result.policy is None:
        return Formatted(None, repaired, tuple(result.diagnostics))
    return Formatted(format_policy(result.policy), repaired)


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _name(name: str) -> str:
    return f"`{name}`" if needs_backticks(name) else name


def _attribute(name: str) -> str:
    return name if name in _BARE_ATTRIBUTES else _name(name)


@dataclass(frozen=True)
class _Where:
    """Where a printed line came from in the source (positions are 0-based offsets)."""

    start_pos: int
    end_pos: int
    start_line: int
    end_line: int


@dataclass(frozen=True)
class _Line:
    indent: int
    text: str
    where: _Where | None
    opens: bool = False  # ends with `{`: no blank line may follow it
    closes: bool = False  # a lone `}`: no blank line before it, comments above indented
    section: bool = False  # starts a block: always one blank line above it


def _where(span: A.Span | None, end: A.Span | None = None) -> _Where | None:
    """Source extent from the start of ``span`` to the end of ``end`` (default: ``span``)."""
    if span is None:
        return None
    end = end or span
    return _Where(span.start_pos, end.end_pos, span.line, end.end_line)


def _close_where(span: A.Span | None) -> _Where | None:
    # A braced node's span ends with its `}`. (ScoreBuilt.close_span is not used: the
    # parser currently fills it with the name's span.)
    if span is None:
        return None
    return _Where(span.end_pos - 1, span.end_pos, span.end_line, span.end_line)


# A work item of the expression printer: literal text, or a subexpression and whether it
# needs parentheses in its place.
_Piece = str | tuple[A.Expr, bool]


class _Printer(NodeVisitor):
    """How each AST class prints: ``precedence_<Expr>`` (binding strength, atoms have
    none), ``pieces_<Expr>`` (one expression node), ``line_<Statement>`` (a statement that
    prints on one line) and ``lines_<Statement>`` (one printed over several lines)."""

    def precedence(self, expr: A.Expr) -> int:
        method = self.visitor("precedence", expr)
        return method(expr) if method is not None else _ATOM

    def precedence_Binary(self, expr: A.Binary) -> int:
        return _BINARY_PRECEDENCE[expr.op]

    def precedence_Unary(self, expr: A.Unary) -> int:
        return _NEG if expr.op == "-" else _NOT

    def precedence_InList(self, expr: A.InList) -> int:
        return _COMPARE

    def precedence_Consecutive(self, expr: A.Consecutive) -> int:
        return _CONSECUTIVE

    # ---- expressions --------------------------------------------------------------------

    def pieces(self, expr: A.Expr) -> list[_Piece]:
        """How one node prints: its own text around its children, each child marked with
        whether it needs parentheses there. Children in a delimited slot (call arguments,
        list items, `where` filters) are whole expressions in the grammar, so they never
        need parentheses, not even a `for N consecutive` condition."""
        method = self.visitor("pieces", expr)
        if method is None:
            raise TypeError(f"not an expression: {expr!r}")
        return method(expr)

    def pieces_Number(self, expr: A.Number) -> list[_Piece]:
        return [expr.text]

    def pieces_Date(self, expr: A.Date) -> list[_Piece]:
        return [expr.text]

    def pieces_String(self, expr: A.String) -> list[_Piece]:
        return [_string(expr.value)]

    def pieces_Boolean(self, expr: A.Boolean) -> list[_Piece]:
        return ["true" if expr.value else "false"]

    def pieces_Name(self, expr: A.Name) -> list[_Piece]:
        # `red`, `green`, `stars` are keywords that the grammar also takes as values.
        return [expr.name if expr.name in VALUE_KEYWORDS else _name(expr.name)]

    def pieces_Unary(self, expr: A.Unary) -> list[_Piece]:
        if expr.op == "-":
            # `"-" unary`: only atoms, calls and further minuses go without parentheses.
            bare = self.precedence(expr.operand) >= _NEG
            return ["-", (expr.operand, not bare)]
        # `"not" not_expr`: a comparison or another `not` goes bare.
        return ["not ", (expr.operand, self.precedence(expr.operand) < _NOT)]

    def pieces_Binary(self, expr: A.Binary) -> list[_Piece]:
        prec = _BINARY_PRECEDENCE[expr.op]
        left, right = self.precedence(expr.left), self.precedence(expr.right)
        if prec == _COMPARE:
            # Both sides of a comparison are `default_expr`: nothing as loose as a
            # comparison may stand there unparenthesised, on either side.
            left_parens, right_parens = left <= prec, right <= prec
        else:
            # Left-associative: `a - b - c` is `(a - b) - c`.
            left_parens, right_parens = left < prec, right <= prec
        return [(expr.left, left_parens), f" {expr.op} ", (expr.right, right_parens)]

    def pieces_InList(self, expr: A.InList) -> list[_Piece]:
        pieces: list[_Piece] = [
            (expr.operand, self.precedence(expr.operand) <= _COMPARE),
            " not in [" if expr.negated else " in [",
        ]
        for i, item in enumerate(expr.items):
            if i:
                pieces.append(", ")
            pieces.append((item, False))
        pieces.append("]")
        return pieces

    def pieces_Aggregate(self, expr: A.Aggregate) -> list[_Piece]:
        source = expr.source if expr.over_periods else _name(expr.source)
        pieces: list[_Piece] = [f"{expr.func}({source}"]
        if expr.attribute is not None:
            pieces.append("." + _attribute(expr.attribute))
        if expr.where is not None:
            pieces += [" where ", (expr.where, False)]
        if expr.window is not None:
            # The length is a unary expression in the grammar: anything looser is bracketed.
            length = expr.window.length
            pieces += [" over last ", (length, self.precedence(length) < _NEG)]
            # A unit is written bare, keyword (`months`) or not (`days`).
            unit = expr.window.unit
            pieces.append(f" {unit if expr.window.units else _name(unit)}")
        pieces.append(")")
        return pieces

    def pieces_Wins(self, expr: A.Wins) -> list[_Piece]:
        return [f"wins({_string(expr.award)})"]

    def pieces_Awarded(self, expr: A.Awarded) -> list[_Piece]:
        return [f"awarded({_string(expr.award)})"]

    def pieces_Ranking(self, expr: A.Ranking) -> list[_Piece]:
        within = f" within {_name(expr.within)}" if expr.within is not None else ""
        return [f"{expr.func}(", (expr.operand, False), within + ")"]

    def pieces_GroupAggregate(self, expr: A.GroupAggregate) -> list[_Piece]:
        within = f" within {_name(expr.within)}" if expr.within is not None else ""
        return [f"{expr.func}(", (expr.operand, False), within + ")"]

    def pieces_Previous(self, expr: A.Previous) -> list[_Piece]:
        return ["previous(", (expr.operand, False), ")"]

    def pieces_Consecutive(self, expr: A.Consecutive) -> list[_Piece]:
        # `or_expr "for" ...`: only another `for N consecutive` needs parentheses.
        return [
            (expr.operand, self.precedence(expr.operand) <= _CONSECUTIVE),
            f" for {expr.count.text} consecutive {expr.periods}",
        ]

    def pieces_Match(self, expr: A.Match) -> list[_Piece]:
        # Always on one line, as every expression is: a line holds one statement, and the
        # subject and the values are whole expressions in their slots (no parentheses).
        pieces: list[_Piece] = ["match ", (expr.subject, False), " { "]
        for i, arm in enumerate(expr.arms):
            if i:
                pieces.append(", ")
            pieces += [(arm.key, False), ": ", (arm.value, False)]
        if expr.otherwise is not None:
            pieces += [", otherwise: ", (expr.otherwise, False)]
        pieces.append(" }")
        return pieces

    # ---- statements ---------------------------------------------------------------------

    def line(self, stmt: A.Statement | A.Adjustment) -> str:
        """A statement that prints on one line (everything but `score ... {` and `stars {`)."""
        method = self.visitor("line", stmt)
        if method is None:
            raise TypeError(f"not a one-line statement: {stmt!r}")
        return method(stmt)

    def line_Let(self, stmt: A.Let) -> str:
        return f"let {_name(stmt.name)} = {_expr(stmt.expr)}"

    def line_ScoreValue(self, stmt: A.ScoreValue) -> str:
        return f"score {_name(stmt.name)} = {_expr(stmt.expr)}"

    def line_Tally(self, stmt: A.Tally) -> str:
        return f"{stmt.color} {_expr(stmt.amount)}" + _tail(stmt.per, stmt.when, stmt.at_most)

    def line_Veto(self, stmt: A.Veto) -> str:
        return f"veto {_string(stmt.reason)} when {_expr(stmt.condition)}"

    def line_Award(self, stmt: A.Award) -> str:
        text = f"award {_string(stmt.name)}"
        if stmt.top is not None:
            top = stmt.top
            text += f" to top {_expr(top.count)} by " + " then by ".join(_expr(k) for k in top.keys)
            if top.within is not None:
                text += f" within {_name(top.within)}"
        if stmt.when is not None:
            text += f" when {_expr(stmt.when)}"
        if stmt.reward is not None:
            text += f" with reward {_expr(stmt.reward)}"
        return text

    def line_Reward(self, stmt: A.Reward) -> str:
        text = f"reward {_expr(stmt.amount)}"
        if stmt.when is not None:
            text += f" when {_expr(stmt.when)}"
        return text

    def line_RewardByStars(self, stmt: A.RewardByStars) -> str:
        if not stmt.entries:
            return "reward by stars {}"
        entries = ", ".join(f"{e.level.text}: {_expr(e.amount)}" for e in stmt.entries)
        return f"reward by stars {{ {entries} }}"

    def line_Adjust(self, adj: A.Adjust) -> str:
        return f"{adj.kind} {_expr(adj.amount)}" + _tail(adj.per, adj.when, adj.at_most)

    def line_Clamp(self, adj: A.Clamp) -> str:
        return f"never {adj.kind} {_expr(adj.bound)}"

    def lines(self, stmt: A.Statement, indent: int) -> list[_Line]:
        method = self.visitor("lines", stmt)
        if method is None:
            return [_Line(indent, self.line(stmt), _where(stmt.span))]
        return method(stmt, indent)

    def lines_ScoreBuilt(self, stmt: A.ScoreBuilt, indent: int) -> list[_Line]:
        head = f"score {_name(stmt.name)} starts at {_expr(stmt.base)} {{"
        base_span = getattr(stmt.base, "span", None)
        opening = _where(stmt.span, base_span) if base_span else None
        lines = [_Line(indent, head, opening, opens=True)]
        lines += [_Line(indent + 1, self.line(a), _where(a.span)) for a in stmt.adjustments]
        lines.append(_Line(indent, "}", _close_where(stmt.span), closes=True))
        return lines

    def lines_Stars(self, stmt: A.Stars, indent: int) -> list[_Line]:
        # The opening line is the `stars` keyword's line; `{` is almost always on it.
        opening = None
        if stmt.span is not None:
            s = stmt.span
            opening = _Where(s.start_pos, s.start_pos + len("stars"), s.line, s.line)
        lines = [_Line(indent, "stars {", opening, opens=True)]
        lines += [_Line(indent + 1, _star_line(sl), _where(sl.span)) for sl in stmt.lines]
        lines.append(_Line(indent, "}", _close_where(stmt.span), closes=True))
        return lines


_PRINTER = _Printer()


def _expr(expr: A.Expr) -> str:
    """Print an expression at the top of an expression slot.

    Iterative on purpose: an explicit stack means no depth of nesting can hit Python's
    recursion limit, whatever the caller hands us.
    """
    out: list[str] = []
    stack: list[_Piece] = [(expr, False)]
    while stack:
        piece = stack.pop()
        if isinstance(piece, str):
            out.append(piece)
            continue
        node, parens = piece
        expanded = _PRINTER.pieces(node)
        if parens:
            expanded = ["(", *expanded, ")"]
        stack.extend(reversed(expanded))
    return "".join(out)


def _tail(per: A.EventRef | None, when: A.Expr | None, at_most: A.Expr | None) -> str:
    """`[per EVENT [where F]] [when C] [, at most X]` shared by tallies and adjustments."""
    text = ""
    if per is not None:
        text += f" per {_name(per.type)}"
        if per.where is not None:
            text += f" where {_expr(per.where)}"
    if when is not None:
        text += f" when {_expr(when)}"
    if at_most is not None:
        text += f", at most {_expr(at_most)}"
    return text


def _star_line(line: A.StarLine) -> str:
    if line.condition is None:
        return f"{line.level.text} otherwise"
    return f"{line.level.text} when {_expr(line.condition)}"


def _period(period: A.Period) -> str:
    if period.kind == "week":
        return f"week ending {_name(period.week_ending or 'sunday')}"
    return period.kind


# ---- layout: lines, comments, blank lines -----------------------------------------------


def _layout(policy: A.Policy) -> list[_Line]:
    """Every printed line except comments and blank lines, in order."""
    version = ""
    if policy.version is not None:
        bare = _BARE_VERSION.fullmatch(policy.version)
        version = " version " + (policy.version if bare else _string(policy.version))
    lines = [_Line(0, f"policy {_string(policy.name)}{version}", _where(policy.name_span))]
    for header in policy.header:
        if header.kind == "effective":
            text = f"effective {header.value}"
        elif header.kind == "timezone":
            text = f"timezone {_string(str(header.value))}"
        else:
            text = f"applies to {_expr(header.value)}"  # type: ignore[arg-type]
        lines.append(_Line(0, text, _where(header.span)))
    for block in policy.blocks:
        opening = _where(block.span, block.period.span) if block.period.span else None
        lines.append(_Line(0, f"each {_period(block.period)} {{", opening, True, section=True))
        for stmt in block.statements:
            lines.extend(_PRINTER.lines(stmt, 1))
        lines.append(_Line(0, "}", _close_where(block.span), closes=True))
    return lines


class _Renderer:
    """Prints the lines of a policy with its comments and blank lines.

    Comments are attached by position, in source order (so their order never changes):
    before a line go the comments that start before the line's item ends (those above it
    and any inside a multi-line item); a comment on the line where the item ends, with
    no other item starting on that line before it, trails the line; the rest go at the
    end. A blank line is kept where the source had at least one line holding neither an
    item nor a comment, except right after `{` or right before `}`; a block always has
    one blank line above it (above its leading comments).
    """

    def __init__(self, policy: A.Policy) -> None:
        self.lines = _layout(policy)
        located = [c for c in policy.comments if c.span is not None]
        self.comments = sorted(located, key=lambda c: c.span.start_pos)  # type: ignore[union-attr]
        # Comments without a position cannot be placed; they go at the end.
        self.unplaced = [c for c in policy.comments if c.span is None]
        self.next_comment = 0
        self.occupied: set[int] = set()
        for line in self.lines:
            if line.where is not None:
                self.occupied.update(range(line.where.start_line, line.where.end_line + 1))
        for c in self.comments:
            self.occupied.add(c.span.line)  # type: ignore[union-attr]
        self.out: list[str] = []
        self.last_end_line: int | None = None  # source end line of the last printed line
        self.after_open = False

    def render(self) -> str:
        for i, line in enumerate(self.lines):
            following = self.lines[i + 1].where if i + 1 < len(self.lines) else None
            self._line(line, following)
        for comment in self.comments[self.next_comment :]:
            self._emit(0, comment.text.rstrip(), comment.span.line, comment.span.line)  # type: ignore[union-attr]
        for comment in self.unplaced:
            self._emit(0, comment.text.rstrip(), None, None)
        return "\n".join(self.out) + "\n"

    def _line(self, line: _Line, following: _Where | None) -> None:
        where = line.where
        section = line.section
        if where is not None:
            comment_indent = line.indent + 1 if line.closes else line.indent
            while self._peek() is not None and self._peek().span.start_pos < where.end_pos:  # type: ignore[union-attr]
                comment = self._take()
                line_no = comment.span.line  # type: ignore[union-attr]
                self._emit(comment_indent, comment.text.rstrip(), line_no, line_no, section)
                section = False
        text = line.text
        if where is not None:
            comment = self._peek()
            if (
                comment is not None
                and comment.span.line == where.end_line  # type: ignore[union-attr]
                and (following is None or following.start_line > where.end_line)
            ):
                self._take()
                text += "  " + comment.text.rstrip()
        start = where.start_line if where else None
        end = where.end_line if where else None
        self._emit(line.indent, text, start, end, section, line.closes)
        self.after_open = line.opens

    def _peek(self) -> A.Comment | None:
        if self.next_comment < len(self.comments):
            return self.comments[self.next_comment]
        return None

    def _take(self) -> A.Comment:
        comment = self.comments[self.next_comment]
        self.next_comment += 1
        return comment

    def _emit(
        self,
        indent: int,
        text: str,
        start_line: int | None,
        end_line: int | None,
        section: bool = False,
        closes: bool = False,
    ) -> None:
        if self.out and not self.after_open and not closes:
            if section or self._blank_between(self.last_end_line, start_line):
                self.out.append("")
        self.out.append(INDENT * indent + text)
        self.last_end_line = end_line
        self.after_open = False

    def _blank_between(self, previous: int | None, start: int | None) -> bool:
        if previous is None or start is None:
            return False
        return any(n not in self.occupied for n in range(previous + 1, start))


def format_expression(expr: A.Expr) -> str:
    """One expression as ``fmt`` prints it (explain quotes a condition in these words)."""
    return _expr(expr)
