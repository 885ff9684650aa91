"""Result rows as JSON text, written by DuckDB.

Enters: a DuckDB connection and the evaluated blocks' result tables. Leaves: ``sr_rows``,
each shown result row in the order of the JSON contract (docs/data.md section 5) with
two texts of it:

* ``row_json``, its canonical JSON (keys sorted, no spaces, numbers at 6 places without
  trailing zeros, non-ASCII as it is), byte for byte what
  :func:`starrating.store.records.canonical_json` writes for the same row. The store
  keeps rows in this form and ``results_sha256`` digests it.
* ``row_document``, the row as ``run --format json`` prints it (keys in the contract's
  order, indented by two, the row's ``{`` at the start of its first line), byte for byte
  what :func:`starrating.store.records.document_json` writes.
* ``row_cells``, the row as CSV cells (docs/data.md section 5): one JSON object, keys in
  the contract's order and ``values`` in the block's, whose every member is the cell's
  text as a JSON string (or ``null`` for an empty cell). Strings pass through DuckDB's
  JSON functions exactly, where its JSON numbers go through binary floating point: the
  CSV writer (output/csv.py) reads these texts, never the numbers of ``row_json``.

Writing both in SQL keeps every row inside DuckDB, while recorded runs, their digests and
the printed documents stay identical.
"""

from __future__ import annotations

import json

import duckdb

from ..compiler import CompiledBlock, CompiledPolicy
from ..compiler.arithmetic import shown_text
from ..compiler.expressions import quote_ident, quote_text
from ..language import ast as A
from ..store.records import RESULT_FIELDS

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
    # A text that needs no escaping (a number, a date, true/false) as a JSON string. Such
    # values skip sr_json_text's check for control characters: the expression of every
    # member is planned for each row text, and a smaller one plans much faster.
    "CREATE OR REPLACE TEMP MACRO sr_json_plain(t) AS "
    "CASE WHEN t IS NULL THEN 'null' ELSE '\"' || t || '\"' END",
    # A number as a CSV cell: its JSON text, and NULL (an empty cell) for none.
    "CREATE OR REPLACE TEMP MACRO sr_cell_number(d) AS CASE WHEN d IS NOT NULL "
    "THEN sr_json_number(d) END",
    "CREATE OR REPLACE TEMP MACRO sr_cell_bool(b) AS "
    "CASE WHEN b THEN 'true' WHEN NOT b THEN 'false' END",
    # A list as a CSV cell: its texts joined with ";", an empty list an empty cell.
    "CREATE OR REPLACE TEMP MACRO sr_cell_texts(l) AS nullif(array_to_string(l, ';'), '')",
    "CREATE OR REPLACE TEMP MACRO sr_json_bool(b) AS "
    "CASE WHEN b THEN 'true' WHEN NOT b THEN 'false' ELSE 'null' END",
    "CREATE OR REPLACE TEMP MACRO sr_json_texts(l) AS '[' || "
    "array_to_string(list_transform(coalesce(l, []), lambda x: sr_json_text(x)), ',') || ']'",
    # A list of texts, already each a JSON string (sr_json_items), as a member of the
    # canonical row and of the printed row (one item a line, indented).
    "CREATE OR REPLACE TEMP MACRO sr_json_items(l) AS "
    "list_transform(coalesce(l, []), lambda x: sr_json_text(x))",
    "CREATE OR REPLACE TEMP MACRO sr_json_list(items) AS '[' || array_to_string(items, ',') || ']'",
    "CREATE OR REPLACE TEMP MACRO sr_json_list_printed(items) AS "
    "CASE WHEN len(items) = 0 THEN '[]' ELSE '[' || chr(10) || '    ' || "
    "array_to_string(items, ',' || chr(10) || '    ') || chr(10) || '  ]' END",
)


def _create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The ``sr_json_*`` macros the row text is written with, on this connection."""
    for macro in _MACROS:
        con.execute(macro)


def json_value(expression: str, sql_type: str) -> str:
    """SQL giving the canonical JSON of a value of a DuckDB type as a result row holds it:
    numbers rounded to 6 places without trailing zeros, conditions as true/false, text and
    dates as JSON strings."""
    return _JSON_FORMS[_value_kind(sql_type)].format(expression)


def cell_value(expression: str, sql_type: str) -> str:
    """SQL giving a value's CSV cell text as a JSON string (``null`` for an empty cell):
    numbers as their JSON text (6 places at most), conditions true/false, dates their ISO text."""
    return _CELL_FORMS[_value_kind(sql_type)].format(expression)


def _value_kind(sql_type: str) -> str:
    kind = sql_type.upper()
    if kind.startswith("DECIMAL") or kind in _INTEGERS:
        return "number"
    if kind in _KINDS:
        return _KINDS[kind]
    # Values are numbers, conditions or text (docs/data.md section 5); a new type needs
    # its JSON and CSV forms decided here, and in store.records, before it can reach a row.
    raise TypeError(f"a result value of type {sql_type} has no JSON form")


_KINDS = {"BOOLEAN": "boolean", "VARCHAR": "text", "DATE": "date", "VARCHAR[]": "texts"}
# A date is written as its ISO text, as the printed document writes it.
# Numbers are stored and shown rounded half away from zero to 6 places (docs/language.md,
# "Numbers"): this is the one place where a result row's numbers are rounded.
_JSON_FORMS = {
    "number": "sr_json_number(" + shown_text("{}") + ")",
    "boolean": "sr_json_bool({})",
    "text": "sr_json_text({})",
    "date": "sr_json_plain(CAST({} AS VARCHAR))",
    "texts": "sr_json_texts({})",
}
_CELL_FORMS = {
    "number": "sr_json_plain(sr_cell_number(" + shown_text("{}") + "))",
    "boolean": "sr_json_plain(sr_cell_bool({}))",
    "text": "sr_json_text({})",
    "date": "sr_json_plain(CAST({} AS VARCHAR))",
    "texts": "sr_json_text(sr_cell_texts({}))",
}


def ordered_object(members: dict[str, str]) -> str:
    """SQL concatenating a JSON object on one line, members in the order given."""
    if not members:
        return "'{}'"
    parts = []
    for position, (name, value) in enumerate(members.items()):
        key = ("{" if position == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"
        parts.append(f"{quote_text(key)} || {value}")
    return "(" + " || ".join(parts) + " || '}')"


_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                       "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"})  # fmt: skip


def json_object(members: dict[str, str]) -> str:
    """SQL concatenating a JSON object from member name -> SQL giving the member's JSON
    text; members in sorted key order, as the canonical form writes them."""
    return ordered_object(dict(sorted(members.items())))


def printed_object(members: dict[str, str], indent: str) -> str:
    """SQL concatenating a JSON object as the printed document writes it (indented by two,
    members in the order given), the object's own closing brace at ``indent``."""
    if not members:
        return "'{}'"
    parts = []
    for position, (name, value) in enumerate(members.items()):
        key = (
            ("{" if position == 0 else ",") + f"\n{indent}  " + json.dumps(name, ensure_ascii=False)
        )
        parts.append(f"{quote_text(key + ': ')} || {value}")
    return "(" + " || ".join(parts) + f" || {quote_text(chr(10) + indent + '}')})"


def write_row_json(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPolicy, kinds: list[str]
) -> None:
    """Each shown result row as its canonical and its printed JSON and its CSV cells, into
    ``sr_rows`` (position, employee_id, period, row_json, row_document, row_cells) in the
    order of the JSON contract, for the run record, its digest and the printed documents."""
    _create_macros(con)
    selects = []
    for kind in kinds:
        block = compiled.blocks[kind]
        table = quote_ident(f"sr_results_{kind}")
        described = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})")
        types = dict(described.fetchall())
        values = {
            name: json_value(f"r.{column}", types[_unquoted(column)])
            for name, column in block.values.items()
        }
        # Who and when: the same JSON strings in every form of the row. Texts every form
        # uses (these, the award and veto lists) are computed once, in an inner
        # projection, so that their expressions are planned once rather than once a form.
        heading = {
            "employee_id": "r.sr_employee_json",
            "period": "r.sr_period_json",
            "period_start": "sr_json_plain(CAST(r.period_start AS VARCHAR))",
            "period_end": "sr_json_plain(CAST(r.period_end AS VARCHAR))",
        }
        members = {
            **heading,
            "vetoed": "sr_json_bool(r.vetoed)",
            "veto_reasons": "sr_json_list(r.sr_veto_items)",
            "values": json_object(values),
            **{key: json_value(f"r.{key}", types[key]) for key in ("red", "green", "net")},
            # Stars are written as fetched, without the trimming of the other numbers.
            "stars": "coalesce(CAST(r.stars AS VARCHAR), 'null')",
            "awards": "sr_json_list(r.sr_award_items)",
            "reward": json_value("r.reward", types["reward"]),
        }
        cells = {
            **heading,
            "vetoed": "sr_json_plain(sr_cell_bool(r.vetoed))",
            "veto_reasons": "sr_json_text(sr_cell_texts(r.veto_reasons))",
            "values": ordered_object(
                {
                    name: cell_value(f"r.{column}", types[_unquoted(column)])
                    for name, column in block.values.items()
                }
            ),
            **{key: cell_value(f"r.{key}", types[key]) for key in ("red", "green", "net")},
            "stars": "sr_json_plain(CAST(r.stars AS VARCHAR))",
            "awards": "sr_json_text(sr_cell_texts(r.sr_awards))",
            "reward": cell_value("r.reward", types["reward"]),
        }
        printed = {name: members[name] for name in RESULT_FIELDS}
        printed["values"] = printed_object(values, "  ")
        printed["veto_reasons"] = "sr_json_list_printed(r.sr_veto_items)"
        printed["awards"] = "sr_json_list_printed(r.sr_award_items)"
        selects.append(
            f"SELECT r.employee_id, r.period, r.period_end, {A.PERIOD_KINDS.index(kind)} AS rank,"
            f" {json_object(members)} AS row_json, {printed_object(printed, '')} AS row_document,"
            f" {ordered_object(cells)} AS row_cells\n"
            "FROM (SELECT r.*, sr_json_items(r.sr_awards) AS sr_award_items,"
            " sr_json_items(r.veto_reasons) AS sr_veto_items FROM (\n"
            "SELECT r.*, sr_json_text(r.employee_id) AS sr_employee_json,"
            f" sr_json_text(r.period) AS sr_period_json, {award_list_sql(block)} AS sr_awards\n"
            f"  FROM {table} r JOIN sr_instances i\n"
            f"  ON i.kind = {quote_text(kind)} AND i.seq = r.seq WHERE i.shown) r) r"
        )
    rows = "\nUNION ALL\n".join(selects)  # the target's kind is always evaluated
    # A week and a month ending on the same day: the shorter kind first.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_rows AS SELECT"
        " CAST(row_number() OVER (ORDER BY period_end, employee_id, rank) - 1 AS INTEGER)"
        f" AS position, employee_id, period, row_json, row_document, row_cells FROM (\n{rows}\n)"
    )


def award_list_sql(block: CompiledBlock) -> str:
    """SQL listing the awards a row of the block's results (``r``) won, in declaration order."""
    awards = ", ".join(f"CASE WHEN r.{c} THEN {quote_text(a)} END" for a, c in block.awards.items())
    if not block.awards:
        return "CAST([] AS VARCHAR[])"
    return f"list_filter([{awards}], lambda award: award IS NOT NULL)"


def _unquoted(identifier: str) -> str:
    return identifier[1:-1].replace('""', '"') if identifier.startswith('"') else identifier


__all__ = [
    "award_list_sql",
    "cell_value",
    "json_object",
    "json_value",
    "ordered_object",
    "write_row_json",
]
