"""Checks of rolling windows, ``over last N UNIT`` (docs/language.md, "Rolling windows").

Enters: an ``Aggregate`` that has a ``Window``. Leaves: located diagnostics: a length that
is not a whole number of at least 1 written in the policy (E110), a unit that is not one
of the six (E111, with "did you mean"), a singular unit for a length other than 1 (E112),
and a window on an aggregate over shorter periods, which reads the instance's own rows
(E113). The messages of this module are all here.
"""

from __future__ import annotations

from .. import ast as A
from ..diagnostics import suggestion
from .analysis import Reporter

_UNITS_LISTED = "days, weeks, months, quarters, halves or years"


def check_window(expr: A.Aggregate, report: Reporter) -> None:
    window = expr.window
    assert window is not None
    if expr.over_periods:
        report.error(
            "E113",
            f"a window reads events, but `{expr.func}({expr.source} ...)` reads the results"
            f" of the instance's {expr.source}",
            window.span,
            f"remove `over last ...`, or aggregate events instead, e.g."
            f" count(TYPE over last 3 {expr.source})",
        )
    count = window.count
    if count is None:
        length = window.length
        written = _literal(length)
        report.error(
            "E110",
            "the length of a window must be a whole number of at least 1"
            + (f", but this is {written}" if written else ", written as a number"),
            length.span,
            f"for example `over last 3 {window.units or 'months'}`",
        )
    if window.units is None:
        report.error(
            "E111",
            f"`{window.unit}` is not a unit of a window",
            window.unit_span,
            suggestion(window.unit, [*A.WINDOW_UNITS, *A.WINDOW_UNITS.values()])
            or f"write {_UNITS_LISTED}",
        )
    elif window.unit in A.WINDOW_UNITS and count is not None and count != 1:
        report.error(
            "E112",
            f"`{window.unit}` is for a window of 1; a window of {count} is written in the plural",
            window.unit_span,
            f"write `over last {count} {window.units}`",
        )


def _literal(length: A.Expr) -> str | None:
    """A number literal as written (``0``, ``1.5``, ``-1``); None for anything else."""
    if isinstance(length, A.Unary) and length.op == "-":
        inner = _literal(length.operand)
        return f"-{inner}" if inner is not None else None
    return length.text if isinstance(length, A.Number) else None
