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


__all__ = ["RESULT_COLUMNS", "filled_columns", "shown_columns"]
