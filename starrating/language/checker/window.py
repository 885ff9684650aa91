"""Checks of rolling windows, ``over last N UNIT`` (docs/language.md, "Rolling windows").

Enters: an ``Aggregate`` that has a ``Window``. Leaves: located diagnostics: a length that
is not a whole number of at least 1 written in the policy (E110), a unit that is not one
of the six (E111, with "did you mean"), a singular unit for a length other than 1 (E112),
and a window on an aggregate over shorter periods, which reads the instance's own rows
(E113). The messages of this module are all here.
"""

from __future__ import annotations

from ...i18n import _
from .. import ast as A
from ..diagnostics import suggestion
from .analysis import Reporter


def check_window(expr: A.Aggregate, report: Reporter) -> None:
    window = expr.window
    assert window is not None
    if expr.over_periods:
        report.error(
            "E113",
            _(
                "a window reads events, but `{func}({source} ...)` reads the results"
                " of the instance's {source}"
            ).format(func=expr.func, source=expr.source),
            window.span,
            _(
                "remove `over last ...`, or aggregate events instead, e.g."
                " count(TYPE over last 3 {source})"
            ).format(source=expr.source),
        )
    count = window.count
    if count is None:
        length = window.length
        written = _literal(length)
        report.error(
            "E110",
            _(
                "the length of a window must be a whole number of at least 1, but this is {written}"
            ).format(written=written)
            if written
            else _(
                "the length of a window must be a whole number of at least 1, written as a number"
            ),
            length.span,
            _("for example `over last 3 {units}`").format(units=window.units or "months"),
        )
    if window.units is None:
        report.error(
            "E111",
            _("`{unit}` is not a unit of a window").format(unit=window.unit),
            window.unit_span,
            suggestion(window.unit, [*A.WINDOW_UNITS, *A.WINDOW_UNITS.values()])
            or _("write days, weeks, months, quarters, halves or years"),
        )
    elif window.unit in A.WINDOW_UNITS and count is not None and count != 1:
        report.error(
            "E112",
            _("`{unit}` is for a window of 1; a window of {count} is written in the plural").format(
                unit=window.unit, count=count
            ),
            window.unit_span,
            _("write `over last {count} {units}`").format(count=count, units=window.units),
        )


def _literal(length: A.Expr) -> str | None:
    """A number literal as written (``0``, ``1.5``, ``-1``); None for anything else."""
    if isinstance(length, A.Unary) and length.op == "-":
        inner = _literal(length.operand)
        return f"-{inner}" if inner is not None else None
    return length.text if isinstance(length, A.Number) else None
