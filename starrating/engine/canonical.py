"""Result rows as canonical JSON text, written by DuckDB.

Enters: a DuckDB connection and a compiled block's result table. Leaves: SQL that writes
each result row as the canonical JSON of docs/data.md section 5 (keys sorted, no spaces,
exact numbers without trailing zeros, non-ASCII as it is), byte for byte what
:func:`starrating.store.records.canonical_json` writes for the same row in Python. The
store keeps rows in this form and ``results_sha256`` digests it, so writing it in SQL
keeps every row inside DuckDB while recorded runs and their digests stay identical.
"""

from __future__ import annotations

import json

import duckdb

from ..compiler.expressions import quote_text

# Control characters other than \b \t \n \f \r: DuckDB's to_json writes them as \u00XX
# with upper-case hex digits where Python's json writes lower case, so strings holding
# one are escaped here by hand instead.
_NAMED_ESCAPES = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def _escaped_by_hand(text: str) -> str:
    expression = f"replace(replace({text}, '\\', '\\\\'), '\"', '\\\"')"
    for code in range(32):
        escape = _NAMED_ESCAPES.get(code, f"\\u{code:04x}")
        expression = f"replace({expression}, chr({code}), {quote_text(escape)})"
    return f"'\"' || {expression} || '\"'"


# Each macro turns one SQL value into its canonical JSON text; NULL becomes `null`.
_MACROS = (
    "CREATE OR REPLACE TEMP MACRO sr_json_text(s) AS CASE WHEN s IS NULL THEN 'null' "
    f"WHEN regexp_matches(s, '[\\x00-\\x1f]') THEN {_escaped_by_hand('s')} "
    "ELSE CAST(to_json(s) AS VARCHAR) END",
    # An exact decimal without trailing zeros (7.5, 3, 0), as Decimal.normalize() leaves it.
    "CREATE OR REPLACE TEMP MACRO sr_json_number(d) AS CASE WHEN d IS NULL THEN 'null' "
    "WHEN contains(CAST(d AS VARCHAR), '.') THEN rtrim(rtrim(CAST(d AS VARCHAR), '0'), '.') "
    "ELSE CAST(d AS VARCHAR) END",
    "CREATE OR REPLACE TEMP MACRO sr_json_bool(b) AS "
    "CASE WHEN b THEN 'true' WHEN NOT b THEN 'false' ELSE 'null' END",
    "CREATE OR REPLACE TEMP MACRO sr_json_texts(l) AS '[' || "
    "array_to_string(list_transform(coalesce(l, []), lambda x: sr_json_text(x)), ',') || ']'",
)


def create_json_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The ``sr_json_*`` macros the row text is written with, on this connection."""
    for macro in _MACROS:
        con.execute(macro)


def json_value(expression: str, sql_type: str) -> str:
    """SQL giving the canonical JSON of a value of a DuckDB type as a result row holds it:
    numbers exact without trailing zeros, conditions as true/false, text and dates as JSON
    strings."""
    kind = sql_type.upper()
    if kind.startswith("DECIMAL") or kind in _INTEGERS:
        return f"sr_json_number({expression})"
    if kind == "BOOLEAN":
        return f"sr_json_bool({expression})"
    if kind == "VARCHAR":
        return f"sr_json_text({expression})"
    if kind == "DATE":  # as the printed document writes a date: its ISO text
        return f"sr_json_text(CAST({expression} AS VARCHAR))"
    if kind == "VARCHAR[]":
        return f"sr_json_texts({expression})"
    # Values are numbers, conditions or text (docs/data.md section 5); a new type needs
    # its JSON form decided here, and in store.records, before it can reach a row.
    raise TypeError(f"a result value of type {sql_type} has no JSON form")


_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                       "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"})  # fmt: skip


def json_object(members: dict[str, str]) -> str:
    """SQL concatenating a JSON object from member name -> SQL giving the member's JSON
    text; members in sorted key order, as the canonical form writes them."""
    if not members:
        return "'{}'"
    parts = []
    for position, name in enumerate(sorted(members)):
        key = ("{" if position == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"
        parts.append(f"{quote_text(key)} || {members[name]}")
    return "(" + " || ".join(parts) + " || '}')"


__all__ = ["create_json_macros", "json_object", "json_value"]
