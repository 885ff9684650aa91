"""The policy AST: frozen dataclasses, each with the source span it came from.

Enters: nothing (definitions; the parser builds the nodes). Leaves: the node classes, the
period kinds and their plurals, and iterative ``children`` / ``walk`` / ``depth``.

Spans never take part in equality (``compare=False``), so two parses of the same policy
written differently (spacing, redundant parentheses, comments) compare equal; that is
what ``parse(fmt(p)) == parse(p)`` relies on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Span:
    """1-based line/column of the first character and of the character after the last."""

    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int = 0
    end_pos: int = 0


def _span() -> Span | None:
    return field(default=None, compare=False, hash=False, repr=False)  # type: ignore[return-value]


# ---- expressions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A numeric literal, kept as written (``1.5``, ``95%``) so formatting is lossless."""

    text: str
    span: Span | None = _span()

    @property
    def is_percent(self) -> bool:
        return self.text.endswith("%")

    @property
    def value(self) -> Decimal:
        if self.is_percent:
            return Decimal(self.text[:-1]) / 100
        return Decimal(self.text)


@dataclass(frozen=True)
class Date:
    """A date literal, ``2026-01-01`` (checked to be a calendar date: E082)."""

    text: str
    span: Span | None = _span()


@dataclass(frozen=True)
class String:
    value: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Boolean:
    value: bool
    span: Span | None = _span()


@dataclass(frozen=True)
class Name:
    """A reference: a let/score name, a roster attribute, an event attribute inside a
    filter, or a built-in value (``tenure``, ``red``, ``green``, ``net``, ``stars``)."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Binary:
    # "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "and", "or", "default"
    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    span: Span | None = _span()


# The units of a rolling window, singular (allowed for a length of 1) to plural.
WINDOW_UNITS = {
    "day": "days",
    "week": "weeks",
    "month": "months",
    "quarter": "quarters",
    "half": "halves",
    "year": "years",
}


@dataclass(frozen=True)
class Window:
    """``over last N UNIT``: an event aggregate's rolling window, ending on the instance's
    last day (docs/language.md, "Rolling windows").

    Kept as written, so that the checker can say what is wrong with it: ``length`` should
    be a whole number literal of at least 1 (E110), ``unit`` one of ``WINDOW_UNITS`` or
    their plurals (E111), singular only for a length of 1 (E112).
    """

    length: Expr
    unit: str
    span: Span | None = _span()
    unit_span: Span | None = _span()

    @property
    def units(self) -> str | None:
        """The unit in the plural (``months`` for ``month``); None for an unknown unit."""
        if self.unit in WINDOW_UNITS.values():
            return self.unit
        return WINDOW_UNITS.get(self.unit)

    @property
    def count(self) -> int | None:
        """The length as a whole number of at least 1; None when it is not one."""
        if not isinstance(self.length, Number) or self.length.is_percent:
            return None
        value = self.length.value
        return int(value) if value == value.to_integral_value() and value >= 1 else None


@dataclass(frozen=True)
class Aggregate:
    """``count(TYPE where F)``, ``sum(TYPE.ATTR)``, ``avg(weeks.net)``, ``count(weeks where C)``,
    ``count(TYPE where F over last N UNIT)``.

    ``source`` is an event type name, or a sub-period kind (``weeks``, ``months``...)
    when ``over_periods`` is true. ``window`` is the rolling window, if any.
    """

    func: str  # count, sum, avg, min, max
    source: str
    over_periods: bool = False
    attribute: str | None = None
    where: Expr | None = None
    span: Span | None = _span()
    source_span: Span | None = _span()
    attribute_span: Span | None = _span()
    window: Window | None = None


@dataclass(frozen=True)
class Wins:
    award: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Awarded:
    award: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Ranking:
    func: str  # "pyramid" or "rank"
    operand: Expr
    within: str | None = None
    span: Span | None = _span()
    within_span: Span | None = _span()


@dataclass(frozen=True)
class GroupAggregate:
    """``group_count(COND)``, ``group_sum|avg|min|max(EXPR)``, ``top_share(EXPR)``, each
    with an optional ``within ATTR``: a value over the instance's rated, non-vetoed
    employees (of the same ATTR), like a ranking."""

    func: str  # group_count, group_sum, group_avg, group_min, group_max, top_share
    operand: Expr
    within: str | None = None
    span: Span | None = _span()
    within_span: Span | None = _span()


@dataclass(frozen=True)
class Previous:
    operand: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Consecutive:
    """``COND for N consecutive PERIODS``."""

    operand: Expr
    count: Number
    periods: str  # weeks, months, quarters, halves, years
    span: Span | None = _span()


@dataclass(frozen=True)
class MatchArm:
    """``KEY: VALUE`` in a ``match``; the key is a number or a text literal."""

    key: Number | String
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Match:
    """``match SUBJECT { KEY: VALUE, ... [otherwise: VALUE] }``: the value of the first key
    equal to the subject; with none and no ``otherwise``, missing."""

    subject: Expr
    arms: tuple[MatchArm, ...]
    otherwise: Expr | None = None
    span: Span | None = _span()


Expr = (
    Number
    | Date
    | String
    | Boolean
    | Name
    | Unary
    | Binary
    | InList
    | Aggregate
    | Wins
    | Awarded
    | Ranking
    | GroupAggregate
    | Previous
    | Consecutive
    | Match
)


# ---- statements -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRef:
    """``per TYPE [where FILTER]``."""

    type: str
    where: Expr | None = None
    span: Span | None = _span()
    type_span: Span | None = _span()


@dataclass(frozen=True)
class Let:
    name: str
    expr: Expr
    span: Span | None = _span()
    name_span: Span | None = _span()


@dataclass(frozen=True)
class ScoreValue:
    """``score NAME = EXPR``."""

    name: str
    expr: Expr
    span: Span | None = _span()
    name_span: Span | None = _span()


@dataclass(frozen=True)
class Adjust:
    """``minus|plus AMOUNT [per EVENT] [when COND] [, at most CAP]`` inside a score."""

    kind: str  # "minus" or "plus"
    amount: Expr
    per: EventRef | None = None
    when: Expr | None = None
    at_most: Expr | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Clamp:
    """``never below|above BOUND``."""

    kind: str  # "below" or "above"
    bound: Expr
    span: Span | None = _span()


Adjustment = Adjust | Clamp


@dataclass(frozen=True)
class ScoreBuilt:
    """``score NAME starts at BASE { adjustments }``."""

    name: str
    base: Expr
    adjustments: tuple[Adjustment, ...]
    span: Span | None = _span()
    name_span: Span | None = _span()
    close_span: Span | None = _span()  # the closing brace, for the formatter's comments


@dataclass(frozen=True)
class Tally:
    """``red|green AMOUNT [per EVENT] [when COND] [, at most CAP]``."""

    color: str  # "red" or "green"
    amount: Expr
    per: EventRef | None = None
    when: Expr | None = None
    at_most: Expr | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Veto:
    reason: str
    condition: Expr
    span: Span | None = _span()
    reason_span: Span | None = _span()


@dataclass(frozen=True)
class StarLine:
    level: Number
    condition: Expr | None  # None means ``otherwise``
    span: Span | None = _span()


@dataclass(frozen=True)
class Stars:
    lines: tuple[StarLine, ...]
    span: Span | None = _span()
    close_span: Span | None = _span()


@dataclass(frozen=True)
class TopClause:
    """``to top N|P% by KEY [then by KEY]... [within ATTR]``. A bare percentage literal is
    a share of the candidates; any other expression is a count (the group's quota)."""

    count: Expr
    keys: tuple[Expr, ...]
    within: str | None = None
    span: Span | None = _span()
    within_span: Span | None = _span()

    @property
    def is_share(self) -> bool:
        return isinstance(self.count, Number) and self.count.is_percent


@dataclass(frozen=True)
class Award:
    name: str
    top: TopClause | None = None
    when: Expr | None = None
    reward: Expr | None = None
    span: Span | None = _span()
    name_span: Span | None = _span()


@dataclass(frozen=True)
class Reward:
    amount: Expr
    when: Expr | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class StarReward:
    level: Number
    amount: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class RewardByStars:
    entries: tuple[StarReward, ...]
    span: Span | None = _span()


Statement = Let | ScoreValue | ScoreBuilt | Tally | Veto | Stars | Award | Reward | RewardByStars


# ---- blocks and the policy --------------------------------------------------------------

# Period kinds from shortest to longest, with the plural used by `weeks`, `for N months`...
PERIOD_KINDS = ("week", "month", "quarter", "half", "year")
PERIOD_PLURALS = {
    "week": "weeks",
    "month": "months",
    "quarter": "quarters",
    "half": "halves",
    "year": "years",
}
PLURAL_TO_KIND = {plural: kind for kind, plural in PERIOD_PLURALS.items()}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Period:
    kind: str  # week, month, quarter, half, year
    week_ending: str | None = None  # a weekday name for weeks (`week` alone = sunday)
    span: Span | None = _span()
    weekday_span: Span | None = _span()


@dataclass(frozen=True)
class Block:
    period: Period
    statements: tuple[Statement, ...]
    span: Span | None = _span()
    close_span: Span | None = _span()


@dataclass(frozen=True)
class Comment:
    text: str  # including the leading '#'
    span: Span | None = _span()


@dataclass(frozen=True)
class HeaderLine:
    """One header line after `policy`, kept in source order so duplicates can be reported."""

    kind: str  # "effective", "timezone" or "applies"
    value: object  # date text, timezone string, or the applies-to condition (Expr)
    span: Span | None = _span()


@dataclass(frozen=True)
class Policy:
    name: str
    version: str | None = None
    header: tuple[HeaderLine, ...] = ()
    blocks: tuple[Block, ...] = ()
    comments: tuple[Comment, ...] = field(default=(), compare=False, hash=False)
    span: Span | None = _span()
    name_span: Span | None = _span()

    def header_value(self, kind: str) -> object | None:
        for line in self.header:
            if line.kind == kind:
                return line.value
        return None

    @property
    def effective(self) -> str | None:
        value = self.header_value("effective")
        return value if isinstance(value, str) else None

    @property
    def timezone(self) -> str | None:
        value = self.header_value("timezone")
        return value if isinstance(value, str) else None

    @property
    def applies_to(self) -> Expr | None:
        return self.header_value("applies")  # type: ignore[return-value]

    def block(self, kind: str) -> Block | None:
        for block in self.blocks:
            if block.period.kind == kind:
                return block
        return None


Node = (
    Expr
    | MatchArm
    | Window
    | Statement
    | EventRef
    | StarLine
    | StarReward
    | TopClause
    | Adjustment
    | Block
    | Policy
)


def children(node: object) -> Iterator[object]:
    """The direct AST children of a node (dataclass fields holding nodes or tuples of them)."""
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        if f.name.endswith("span") or f.name == "comments":
            continue
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            for item in value:
                if dataclasses.is_dataclass(item):
                    yield item
        elif dataclasses.is_dataclass(value):
            yield value


def walk(node: object) -> Iterator[object]:
    """Every node below and including ``node``, pre-order, without recursion (policies
    may nest deeply; Python's recursion limit must never decide whether we answer)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def depth(node: object) -> int:
    """Height of the tree under ``node``, computed iteratively."""
    best = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in children(current))
    return best
