"""SQL expressions as small immutable values: text pieces and references to plan columns.

Enters: literals, fixed DuckDB syntax and ``Ref``s to plan columns, combined by the helpers
below (``sql``, ``cast``, ``coalesce``, ``case``...).
Leaves: an ``Sql`` value that lists the columns it reads (``refs``) and becomes DuckDB text
only in ``render``, where the caller names each column and chooses the table it is read
from. A column's SQL name is never written into an expression, so nothing ever has to read
generated SQL back to find or re-qualify one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..language.catalog import ANY, BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP

if TYPE_CHECKING:
    from .plan import Column

# Policy values are exact decimals kept at 18 places (docs/language.md, "Numbers"); the
# products and quotients that DuckDB cannot make exact at this scale are in arithmetic.py.
DEC = "DECIMAL(38,18)"
# Values are compared, stored and shown rounded to this many places (half away from zero).
SHOWN_PLACES = 6
SQL_TYPES = {NUMBER: DEC, TEXT: "VARCHAR", BOOLEAN: "BOOLEAN", DATE: "DATE",
             TIMESTAMP: "TIMESTAMPTZ", ANY: "VARCHAR"}  # fmt: skip


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always quoted."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    """An escaped SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Ref:
    """A column read by an expression. ``table`` is a fixed alias of the query the
    expression belongs to (``e`` an event, ``s`` a shorter block's row, ``sr``/``r`` a
    roster row); None means the row being computed, qualified when rendered."""

    column: Column
    table: str | None = None


Part = str | Ref


@dataclass(frozen=True)
class Sql:
    parts: tuple[Part, ...]

    def refs(self) -> Iterator[Ref]:
        return (part for part in self.parts if isinstance(part, Ref))

    def render(self, name: Callable[[Ref], str]) -> str:
        return "".join(part if isinstance(part, str) else name(part) for part in self.parts)


def sql(*items: str | Ref | Sql) -> Sql:
    """Concatenate text, references and expressions (kept flat: rendering never recurses)."""
    parts: list[Part] = []
    for item in items:
        if isinstance(item, Sql):
            parts.extend(item.parts)
        else:
            parts.append(item)
    return Sql(tuple(parts))


def join(separator: str, items: Iterable[Sql]) -> Sql:
    pieces: list[str | Sql] = []
    for index, item in enumerate(items):
        if index:
            pieces.append(separator)
        pieces.append(item)
    return sql(*pieces)


def text(value: str) -> Sql:
    return sql(quote_text(value))


def decimal(value: Decimal) -> Sql:
    return sql(f"CAST({quote_text(format(value, 'f'))} AS {DEC})")


def cast(value: Sql | Ref, sql_type: str) -> Sql:
    return sql("CAST(", value, f" AS {sql_type})")


def try_cast(value: Sql | Ref, sql_type: str) -> Sql:
    return sql("TRY_CAST(", value, f" AS {sql_type})")


def call(function: str, *arguments: Sql | Ref) -> Sql:
    return sql(f"{function}(", join(", ", (sql(a) for a in arguments)), ")")


def coalesce(*arguments: Sql | Ref) -> Sql:
    return call("coalesce", *arguments)


def paren(value: Sql | Ref) -> Sql:
    return sql("(", value, ")")


def case(whens: Iterable[tuple[Sql, Sql]], otherwise: Sql | None = None) -> Sql:
    """``CASE WHEN c THEN v ... [ELSE o] END``."""
    pieces: list[str | Sql] = ["CASE"]
    for condition, value in whens:
        pieces += [" WHEN ", condition, " THEN ", value]
    if otherwise is not None:
        pieces += [" ELSE ", otherwise]
    return sql(*pieces, " END")


def decimal_sum(parts: list[Sql]) -> Sql:
    """The DECIMAL sum of ``parts`` (0 for none)."""
    if not parts:
        return sql(f"CAST(0 AS {DEC})")
    return cast(join(" + ", parts), DEC)


def text_list(items: list[Sql]) -> Sql:
    """The non-missing items of a list of texts (an empty list for none)."""
    if not items:
        return sql("CAST([] AS VARCHAR[])")
    return sql("list_filter([", join(", ", items), "], lambda item: item IS NOT NULL)")


def decimal_text(value: Sql | Ref) -> Sql:
    """A decimal as it is shown: rounded half away from zero to ``SHOWN_PLACES``, without
    trailing zeros: 7.000000 -> '7', 2.500000 -> '2.5'."""
    rounded = sql("round(", cast(value, DEC), f", {SHOWN_PLACES})")
    return sql("coalesce(rtrim(rtrim(CAST(", rounded, " AS VARCHAR), '0'), '.'), 'missing')")


TRUE = sql("TRUE")
FALSE = sql("FALSE")
NULL = sql("NULL")
