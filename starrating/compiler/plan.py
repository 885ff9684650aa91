"""The typed plan of a checked policy: what each block computes, with no SQL names in it.

Enters: nothing (these are data types; ``build.py`` fills them from the checked AST).
Leaves: a ``PolicyPlan``: the event and roster attributes the policy reads, and for each
block (``BlockPlan``) its aggregates over events and over shorter blocks' results, its
rankings, group values and `top` awards, its look-back values, its layers (computed columns in
dependency order) and its contributions (the rule-by-rule rows of ``explain``).

Every column is a ``Column`` object with an id unique in the policy; ``sql.py`` derives
the SQL name from the id when it renders, so two policy names can never meet in SQL
whatever their spelling. Columns compare by identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from .expressions import DEC, Ref, Sql


@dataclass(frozen=True, eq=False)
class Column:
    id: int  # unique in the policy; 0 for the fixed columns below
    role: str  # what it holds: value, award, event, roster, aggregate, rank... (see sql.py)
    label: str  # the policy's spelling of what it computes (comments, readable SQL names)
    sql_type: str = DEC

    def ref(self, table: str | None = None) -> Ref:
        return Ref(self, table)


def _fixed(name: str, sql_type: str = DEC) -> Column:
    return Column(0, "fixed", name, sql_type)


# Columns whose names are the engine's own vocabulary (result tables, docs/data.md).
TENURE = _fixed("tenure")
RED, GREEN, NET = _fixed("red"), _fixed("green"), _fixed("net")
STARS, STARS_LINE = _fixed("stars", "INTEGER"), _fixed("stars_line", "INTEGER")
VETOED, VETO_REASONS = _fixed("vetoed", "BOOLEAN"), _fixed("veto_reasons", "VARCHAR[]")
REWARD = _fixed("reward")
# Built-in values a rule reads by name in its own block, and in a shorter block's rows.
ROW_BUILTINS = {c.label: c for c in (RED, GREEN, NET, STARS, TENURE)}
SUB_BUILTINS = {c.label: c for c in (RED, GREEN, NET, STARS, REWARD)}


class ColumnIds:
    """Hands out the policy's column ids (one counter for the whole policy)."""

    def __init__(self) -> None:
        self._next = count(1)

    def new(self, role: str, label: str = "", sql_type: str = DEC) -> Column:
        return Column(next(self._next), role, label, sql_type)


@dataclass(eq=False)
class EventAttribute:
    """An attribute of one event type, a column of the run's events table."""

    column: Column
    event_type: str
    attribute: str
    type: str  # catalog type (NUMBER, TEXT...; ANY when unknown)


# Columns of the roster table itself; every other roster name is a stored attribute.
ROSTER_TABLE_COLUMNS = ("employee_id", "name", "hire_date", "leave_date")


@dataclass(eq=False)
class RosterAttribute:
    column: Column
    name: str
    type: str

    @property
    def stored(self) -> bool:
        """A column of the roster table, not one of its attributes."""
        return self.name in ROSTER_TABLE_COLUMNS


@dataclass(frozen=True)
class RollingWindow:
    """``over last COUNT UNITS``: the days an event aggregate reads end on the instance's
    last day instead of covering the instance (docs/language.md, "Rolling windows")."""

    units: str  # days, weeks, months, quarters, halves, years
    count: int  # 1 or more


@dataclass(eq=False)
class Aggregate:
    """``func(target) FILTER (WHERE condition)`` in one pass over the instance's events
    (``sub_kind`` None), over its rolling window's events (``window``), or over a shorter
    block's result rows."""

    column: Column
    func: str  # count, sum, avg, min, max
    target: Sql | None  # None for count
    condition: Sql
    event_type: str | None = None  # the events it reads
    sub_kind: str | None = None  # the shorter block whose rows it reads
    window: RollingWindow | None = None  # the days it reads, when not the instance's

    @property
    def zero_on_no_rows(self) -> bool:
        return self.func in ("count", "sum")


@dataclass(eq=False)
class Ranking:
    """``rank``/``pyramid`` of ``operand`` over the rated, non-vetoed employees."""

    func: str  # rank or pyramid
    operand: Sql
    value: Column  # the operand, as a decimal
    rank: Column  # the place
    places: Column  # how many places the employee's group has (for explain)
    within: Column | None  # a roster column


@dataclass(eq=False)
class GroupValue:
    """``group_count|sum|avg|min|max`` or ``top_share`` of ``operand`` over the rated,
    non-vetoed employees of the instance (of the same ``within`` value)."""

    func: str
    operand: Sql
    value: Column  # the operand of each employee: a condition, or a decimal
    members: Column  # how many the group has (for explain, and top_share's denominator)
    counted: Column  # how many of them hold, have a value, or (top_share) one at or above
    result: Column  # the group's value (top_share: this employee's share)
    within: Column | None  # a roster column


@dataclass(eq=False)
class TopAward:
    """``award ... to top N by keys [within]``: a place among the eligible candidates."""

    award: Column
    eligible: Sql
    keys: list[Sql]
    within: Column | None
    places: Sql  # how many of the group win: a share's places, or the group's quota
    candidate: Column
    place: Column
    candidates: Column  # the size of the candidate's group
    key: Column  # the first key, as a decimal (for explain)


@dataclass(eq=False)
class LookBack:
    """A value kept for the next instance: ``previous(x)`` reads it there as ``previous``;
    ``for N consecutive`` counts the last N-1 instances where it held as ``streak``."""

    hidden: Column  # the value, stored in the block's history table
    operand: Sql | None = None  # compiled once the block's other values are
    previous: Column | None = None
    streak: Column | None = None
    count: int = 0  # N of `for N consecutive`


@dataclass(eq=False)
class Compute:
    """A layer computing columns from the columns of earlier layers."""

    columns: list[tuple[Column, Sql]]
    note: str  # what it computes, in the policy's words (escaped when rendered)


@dataclass(eq=False)
class RankStep:
    """The layers of one ranking (its value, the window, the group size)."""

    ranking: Ranking


@dataclass(eq=False)
class GroupStep:
    """The layers of one group value (each employee's operand, then the window)."""

    group: GroupValue


@dataclass(eq=False)
class TopStep:
    """The window placing one `top` award's candidates."""

    award: TopAward
    note: str


Layer = Compute | RankStep | GroupStep | TopStep


@dataclass(eq=False)
class Contribution:
    """One statement line's part in a result row, or (kind ``check``) whether a
    conditional line applied to the row and why."""

    line: Sql  # the line number (a literal, or the matched stars line)
    kind: str  # value, red, green, minus, plus, veto, stars, award, reward; check (explained.py)
    label: str
    amount: Sql | None
    shown: Sql  # when the line contributed (non-zero, fired, matched, candidate...)
    detail: Sql | None  # None: the rankings' places and group values' counts, if any
    aggregates: list[Aggregate]  # the event aggregates the line read (their event ids)
    rankings: list[Ranking | GroupValue]


@dataclass(eq=False)
class BlockPlan:
    kind: str
    values: dict[str, Column] = field(default_factory=dict)  # let/score, in report order
    awards: dict[str, Column] = field(default_factory=dict)  # in declaration order
    population: Sql | None = None  # `applies to`, over the roster row ``r``
    roster: dict[str, RosterAttribute] = field(default_factory=dict)  # read by this block
    event_aggregates: list[Aggregate] = field(default_factory=list)
    sub_aggregates: dict[str, list[Aggregate]] = field(default_factory=dict)
    lookbacks: list[LookBack] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def looks_back(self) -> bool:
        return bool(self.lookbacks)


@dataclass(eq=False)
class PolicyPlan:
    blocks: dict[str, BlockPlan]  # by kind, shortest first
    events: dict[tuple[str, str], EventAttribute]  # (event type, attribute) -> column
    roster: dict[str, RosterAttribute]  # attribute -> column
