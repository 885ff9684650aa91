"""Which result columns a policy ever fills, so that tables and reports leave out the rest.

Enters: a parsed policy. Leaves: for each of its block kinds, the result columns (`red`,
`green`, `net`, `stars`, `reward`) that one of the block's statements can make something
other than 0 or missing. A policy with no `red` or `green` line shows no tallies; one with
no `stars` statement no star level; one that pays nothing no reward. A column is shown as
soon as a line could fill it, even when every employee has 0 in it this period: that 0 is
a result, not a column the policy lacks.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..engine.periods import parse_label
from ..language import ast as A
from ..store.records import ResultRow

RESULT_COLUMNS = ("red", "green", "net", "stars", "reward")


def _statement_columns(statement: A.Statement) -> set[str]:
    """The result columns one statement fills (dispatch by node type)."""
    return _FILLS.get(type(statement), lambda _s: set())(statement)


_FILLS = {
    A.Tally: lambda s: {s.color, "net"},
    A.Stars: lambda _s: {"stars"},
    A.Reward: lambda _s: {"reward"},
    A.RewardByStars: lambda _s: {"reward"},
    A.Award: lambda s: {"reward"} if s.reward is not None else set(),
}


def filled_columns(policy: A.Policy) -> dict[str, frozenset[str]]:
    """For each block kind of ``policy``: the result columns its statements fill."""
    return {
        block.period.kind: frozenset(
            column for statement in block.statements for column in _statement_columns(statement)
        )
        for block in policy.blocks
    }


def shown_columns(filled: dict[str, frozenset[str]], periods: Iterable[str]) -> list[str]:
    """The result columns, in their usual order, that a table of rows of the period labels
    ``periods`` shows: those a block of the periods' kinds fills."""
    kinds = {parse_label(period).kind for period in periods}
    wanted = set().union(*(filled.get(kind, frozenset()) for kind in kinds))
    return [column for column in RESULT_COLUMNS if column in wanted]


_VALUE_STATEMENTS = (A.Let, A.ScoreValue, A.ScoreBuilt)


class PolicyShape:
    """What a run's policy fills, per block kind, for the terminal table and both reports.
    With no policy at hand (its stored text no longer parses, or a run document without
    its evaluation) everything counts as filled, so nothing is hidden wrongly."""

    def __init__(self, policy: A.Policy | None) -> None:
        self.policy = policy
        self.filled = filled_columns(policy) if policy is not None else None
        self.statements = (
            {b.period.kind: {type(s) for s in b.statements} for b in policy.blocks}
            if policy is not None
            else None
        )

    def columns(self, periods: Iterable[str]) -> list[str]:
        """The result columns a table of rows of the period labels ``periods`` shows."""
        if self.filled is None:
            return list(RESULT_COLUMNS)
        return shown_columns(self.filled, periods)

    def value_names(self, kind: str, rows: list[ResultRow]) -> list[str]:
        """The rows' value names in the block's order (a stored row keeps them sorted by
        name); names the block no longer declares follow in the rows' order."""
        stored = list(dict.fromkeys(v for row in rows for v in row["values"]))
        declared = [
            s.name
            for b in (self.policy.blocks if self.policy is not None else ())
            if b.period.kind == kind
            for s in b.statements
            if isinstance(s, _VALUE_STATEMENTS)
        ]
        ordered = [name for name in declared if name in stored]
        return ordered + [name for name in stored if name not in ordered]

    def has(self, kind: str, *statements: type) -> bool:
        """Whether the block of ``kind`` has a statement of one of the types ``statements``
        (always, with no policy at hand)."""
        if self.statements is None:
            return True
        return any(statement in self.statements.get(kind, set()) for statement in statements)


__all__ = ["RESULT_COLUMNS", "PolicyShape", "filled_columns", "shown_columns"]
