"""Exact decimal arithmetic in DuckDB (docs/language.md, "Numbers"): the SQL macros that
multiply and divide, and the SQL that rounds a value to the places it is compared,
stored and shown at.

Enters: nothing (SQL text constants). Leaves: ``MACROS``, the ``CREATE TEMP MACRO``
statements every compiled query needs (the engine runs them on its connection before a
block's query, and ``starrating compile`` prints them first, so what it prints runs), and
small helpers that write calls to them.

Why macros of our own: every value is ``DECIMAL(38,18)``, and DuckDB has neither an exact
decimal product nor an exact quotient at that scale. ``DECIMAL(38,18) * DECIMAL(38,18)``
is typed ``DECIMAL(38,36)`` and overflows once the product reaches 100, and ``/`` and
``avg`` on decimals return a binary ``DOUBLE`` (2 / 3 * 15 = 10.0000000005). So:

* ``sr_mul(x, y)`` splits each operand into its whole part and its fraction, ``x = xi +
  xf``. ``xi*yi``, ``xi*yf`` and ``xf*yi`` are exact at scale 18; ``xf*yf`` (below 1, up
  to 36 places) is the only inexact term, and casting it to scale 18 rounds it half away
  from zero. Since ``xf`` has the sign of ``x``, that term has the product's sign, and
  the sum is the exact product rounded half away from zero at 18 places.
* ``sr_div(x, y)`` divides the operands' scaled integers (``x * 10^18`` as ``HUGEINT``)
  by long division, five digits a step, so that no step overflows for operands below
  10^15 (a remainder below 10^33 times 10^5 stays below HUGEINT's 1.7 * 10^38). An
  integer divisor (a count, ``/ 3``, ``avg``'s count) needs no steps: the scaled
  dividend divided by the divisor itself is already the quotient at 18 places. The last
  remainder rounds the quotient half away from zero. Division by zero is missing.

Each macro first binds its operands in a one-item ``list_transform``: a DuckDB macro
pastes its argument wherever the body names a parameter, so without the binding an
operand that is itself a product or a quotient would be copied into the query a dozen
times, and nested arithmetic would grow the query exponentially.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .expressions import DEC, SHOWN_PLACES, Ref, Sql, call, sql

__all__ = ["MACROS", "SHOWN_PLACES", "at_shown_places", "divide", "multiply",
           "multiply_by_count", "shown", "shown_text"]  # fmt: skip

_SHOWN_UNIT = Decimal(1).scaleb(-SHOWN_PLACES)

_E18 = "1000000000000000000"
_ONE_E18_TH = f"CAST('0.000000000000000001' AS {DEC})"
# Digits per long-division step: a remainder below 10^33 (a divisor below 10^15) times
# 10^5 stays below HUGEINT's limit. 5 + 5 + 5 + 3 = the 18 places.
_STEP_DIGITS = (5, 5, 5, 3)

_HELPERS = (
    # A value of DEC as the integer value * 10^18 (whole part and fraction apart: the
    # product of the whole value and 10^18 would overflow DEC).
    "CREATE OR REPLACE TEMP MACRO sr_scaled(x) AS "
    f"CAST(trunc(x) AS HUGEINT) * {_E18} + CAST((x - trunc(x)) * {_E18} AS HUGEINT)",
    # The integer q as the value q / 10^18 (multiplying the raw integers, hence exact).
    f"CREATE OR REPLACE TEMP MACRO sr_unscaled(q) AS CAST(q AS DECIMAL(38,0)) * {_ONE_E18_TH}",
    "CREATE OR REPLACE TEMP MACRO sr_mul(x, y) AS list_transform(\n"
    f"  [struct_pack(a := CAST(x AS {DEC}), b := CAST(y AS {DEC}))],\n"
    "  lambda p: CAST(trunc(p.a) * trunc(p.b) + trunc(p.a) * (p.b - trunc(p.b))"
    " + (p.a - trunc(p.a)) * trunc(p.b)\n"
    f"    + CAST((p.a - trunc(p.a)) * (p.b - trunc(p.b)) AS {DEC}) AS {DEC}))[1]",
    # |n| / |d| on scaled integers, rounded half away from zero: n // d and the rounding
    # of its remainder (an integer divisor d, not scaled).
    "CREATE OR REPLACE TEMP MACRO sr_quotient_by_integer(n, d) AS "
    "n // d + CASE WHEN 2 * (n % d) >= d THEN 1 ELSE 0 END",
)


def _long_division() -> str:
    """The macro dividing scaled integers ``n`` by ``d`` (both scaled by 10^18, so the
    quotient needs 18 more digits than ``n // d`` gives), step by step."""
    quotient, remainder = "(n // d)", "(n % d)"
    for digits in _STEP_DIGITS:
        step = 10**digits
        quotient, remainder = (
            f"({quotient} * {step} + ({remainder} * {step}) // d)",
            f"(({remainder} * {step}) % d)",
        )
    rounded = f"{quotient} + CASE WHEN 2 * {remainder} >= d THEN 1 ELSE 0 END"
    return f"CREATE OR REPLACE TEMP MACRO sr_quotient_long(n, d) AS {rounded}"


_DIVISION = (
    "CREATE OR REPLACE TEMP MACRO sr_div(x, y) AS list_transform(list_transform(\n"
    f"  [struct_pack(a := CAST(x AS {DEC}), b := CAST(y AS {DEC}))],\n"
    "  lambda p: CASE WHEN (p.a < 0) <> (p.b < 0) THEN -1 ELSE 1 END * CASE\n"
    "    WHEN p.b = trunc(p.b)"
    " THEN sr_quotient_by_integer(sr_scaled(abs(p.a)), nullif(CAST(abs(p.b) AS HUGEINT), 0))\n"
    "    ELSE sr_quotient_long(sr_scaled(abs(p.a)), nullif(sr_scaled(abs(p.b)), 0)) END),\n"
    "  lambda q: sr_unscaled(q))[1]"
)
# In the order they must be created: a macro's body names only macros before it.
MACROS: tuple[str, ...] = (*_HELPERS, _long_division(), _DIVISION)


def multiply(left: Sql | Ref, right: Sql | Ref) -> Sql:
    """The exact product, rounded half away from zero at 18 places."""
    return call("sr_mul", left, right)


def multiply_by_count(value: Sql | Ref, count: Sql | Ref) -> Sql:
    """``value`` times a count (a whole number): DuckDB's own product of an 18-place and
    a 0-place decimal is exact at 18 places, and cheaper than ``sr_mul`` on the lines
    that count events (`red 1 per praise`)."""
    return sql("CAST((", value, ") * CAST(", count, f" AS DECIMAL(38,0)) AS {DEC})")


def divide(left: Sql | Ref, right: Sql | Ref) -> Sql:
    """The exact quotient rounded half away from zero at 18 places; missing for a zero
    divisor."""
    return call("sr_div", left, right)


def shown(value: Sql | Ref) -> Sql:
    """``value`` rounded half away from zero to the places values are compared, stored
    and shown at."""
    return sql("round(", value, f", {SHOWN_PLACES})")


def shown_text(value: str) -> str:
    """The same rounding around an SQL text, for the writers of result rows."""
    return f"round({value}, {SHOWN_PLACES})"


def at_shown_places(number: int | float | Decimal) -> Decimal:
    """The same rounding in Python, for numbers read back from a document or a test file
    (a float through its shortest text, so 0.1 stays 0.1)."""
    return Decimal(str(number)).quantize(_SHOWN_UNIT, rounding=ROUND_HALF_UP)
