"""Row checks and the SQL shared by the events and roster loaders.

Enters: a :class:`~.staging.Staged` file. Leaves: SQL expressions that parse its text
(times, dates, numbers, attribute values), the problems of its rows in line order
(:class:`RowChecks`), and the writes both loaders make: the ``ingests`` row and the
attribute types (declared, or inferred from the values and merged with the store's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import duckdb

from ..i18n import N_, _
from ..language.catalog import BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP, Catalog
from ..language.diagnostics import did_you_mean
from .chain import chain_ingest
from .staging import (
    IngestReport,
    Staged,
    lit,
)

# ISO 8601 as accepted: a date, optionally a time (minutes, seconds, fraction) after
# `T` or a space, optionally an offset `Z`, `±HH`, `±HH:MM` or `±HHMM` after the time.
ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
HAS_OFFSET = r"^.{10}[T ].*(Z|[+-]\d{2}(:?\d{2})?)$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
# A period label (`for_period`): the forms `--period` takes, letters in either case.
PERIOD_LABEL = r"^\d{4}(-(W\d{2}|\d{2}|Q[1-4]|H[12]))?$"
# Words of the problems, kept in English for the catalog and translated where a problem
# is written (`_`): the language is set per command, after import.
PERIOD_EXAMPLE = N_("like 2026-W44, 2026-10, 2026-Q4, 2026-H2 or 2026")

TIME_EXAMPLE = N_("like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00")
Message = Callable[[tuple[object, ...]], str]  # problem text from a check's result row
KIND_WORDS = {
    NUMBER: N_("a number"),
    BOOLEAN: N_("true or false"),
    DATE: N_("a date (YYYY-MM-DD)"),
    TIMESTAMP: N_("an ISO 8601 time (like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00)"),
}
# The two kinds of data file, as a missing column's problem names them.
FILE_KINDS = {"events": N_("an events file"), "roster": N_("a roster file")}


# -- SQL building blocks ------------------------------------------------------------


def iso_time_sql(x: str) -> str:
    """A condition: the text ``x`` is an ISO 8601 time as accepted (``ISO_TIME``)."""
    return f"regexp_full_match({x}, '{ISO_TIME}')"


def has_offset_sql(x: str) -> str:
    """A condition: the time ``x`` ends with an offset (``HAS_OFFSET``)."""
    return f"regexp_full_match({x}, '{HAS_OFFSET}')"


def utc_sql(x: str, iso: str | None = None, offset: str | None = None) -> str:
    """Text with an offset → TIMESTAMPTZ, else NULL.

    ``iso`` and ``offset`` name columns that already hold :func:`iso_time_sql` and
    :func:`has_offset_sql` of ``x``: a loader matches each time once, not once per use.
    """
    iso, offset = iso or iso_time_sql(x), offset or has_offset_sql(x)
    return f"CASE WHEN {iso} AND {offset} THEN TRY_CAST({x} AS TIMESTAMPTZ) END"


def local_sql(x: str, iso: str | None = None, offset: str | None = None) -> str:
    """Text without an offset → TIMESTAMP (a bare date is midnight), else NULL."""
    iso, offset = iso or iso_time_sql(x), offset or has_offset_sql(x)
    return f"CASE WHEN {iso} AND NOT {offset} THEN TRY_CAST({x} AS TIMESTAMP) END"


def instant_sql(x: str, zone: str) -> str:
    """Any ISO time as an instant; local times are taken in ``zone``."""
    return f"coalesce({utc_sql(x)}, timezone({lit(zone)}, {local_sql(x)}))"


def date_sql(x: str) -> str:
    return f"CASE WHEN regexp_full_match({x}, '{ISO_DATE}') THEN TRY_CAST({x} AS DATE) END"


def number_sql(x: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({x}, '{DECIMAL}') THEN TRY_CAST({x} AS DECIMAL(38, 10)) END"
    )


def period_label_sql(x: str) -> str:
    """The text ``x`` as a stored period label (upper case), NULL when it is not one.

    The same ranges as engine/periods.py ``parse_label``: years from 0001, months 01-12,
    and a week that exists in its ISO year (W53 only in long years, whose 28 December
    falls in week 53)."""
    label = f"upper({x})"
    year = f"CAST({label}[1:4] AS INTEGER)"
    in_range = (
        f"{year} >= 1 AND CASE WHEN length({label}) = 4 THEN true"
        f" WHEN {label}[6] = 'W' THEN CAST({label}[7:8] AS INTEGER)"
        f" BETWEEN 1 AND week(make_date({year}, 12, 28))"
        f" WHEN {label}[6] IN ('Q', 'H') THEN true"
        f" ELSE CAST({label}[6:7] AS INTEGER) BETWEEN 1 AND 12 END"
    )
    return (
        f"CASE WHEN regexp_full_match({label}, '{PERIOD_LABEL}') THEN"
        f" CASE WHEN {in_range} THEN {label} END END"
    )


def valid_sql(x: str, kind: str) -> str:
    """A condition: the (non-NULL) text ``x`` parses as ``kind``."""
    if kind == NUMBER:
        return f"({number_sql(x)}) IS NOT NULL"
    if kind == BOOLEAN:
        return f"lower({x}) IN ('true', 'false', '1', '0')"
    if kind == DATE:
        return f"({date_sql(x)}) IS NOT NULL"
    if kind == TIMESTAMP:
        return f"(({utc_sql(x)}) IS NOT NULL OR ({local_sql(x)}) IS NOT NULL)"
    return "true"


def attributes_sql(staged: Staged, names: Sequence[str]) -> str:
    """A JSON object of the non-empty attribute values, keys sorted.

    Written by concatenation, each key and value escaped by DuckDB's ``to_json``: the same
    text as ``to_json`` of a map of the non-NULL entries (which stores ingested before
    hold, inside their content digests), at a quarter of the cost of building the map.
    """
    if not names:
        return "'{}'"
    entries = ", ".join(
        f"CASE WHEN {staged.columns[n]} IS NOT NULL "
        f"THEN to_json(CAST({lit(n)} AS VARCHAR)) || ':' || to_json({staged.columns[n]}) END"
        for n in sorted(names)
    )
    return f"('{{' || concat_ws(',', {entries}) || '}}')"


def missing_columns(staged: Staged, required: Sequence[str]) -> bool:
    """A problem for each column of ``required`` the file lacks; True if any."""
    if staged.fmt == "jsonl" and staged.rows == 0:
        return False  # an empty JSON Lines file names no keys, and needs none
    what = _(FILE_KINDS[staged.kind])
    for name in required:
        if name in staged.columns:
            continue
        close = did_you_mean(name, staged.columns)
        problem = (
            _(
                "{file}: missing column `{name}` (the file has `{close}`: rename it to "
                "`{name}`); {what} needs the columns {columns}"
            )
            if close
            else _("{file}: missing column `{name}`; {what} needs the columns {columns}")
        )
        staged.problems.append(
            problem.format(
                file=staged.file, name=name, close=close, what=what, columns=", ".join(required)
            )
        )
    return bool(staged.problems)


def empty_value(staged: Staged, name: str) -> str:
    """The problem of a required value a row lacks (a JSON Lines row may lack the key)."""
    if staged.fmt == "jsonl":
        return _("`{name}` is missing or empty").format(name=name)
    return _("`{name}` is empty").format(name=name)


def not_a_time(name: str, value: object) -> str:
    """The problem of a time column's value that is not an ISO 8601 time."""
    return _("{column} `{value}` is not an ISO 8601 time ({example})").format(
        column=name, value=value, example=_(TIME_EXAMPLE)
    )


def catalog_name(catalog: Catalog) -> str:
    """The catalog as a problem names it: its file, or "the catalog"."""
    return catalog.path or _("the catalog")


class RowChecks:
    """Row checks of one staged file: ``SELECT __line, args... WHERE <problem>`` queries,
    each with the message it gives; reported in line order (set-based, one query each)."""

    def __init__(self) -> None:
        self.checks: list[tuple[str, list[object], Message]] = []

    def add(self, sql: str, fmt: Message, params: list[object] | None = None) -> None:
        self.checks.append((sql, params or [], fmt))

    def report(self, con: duckdb.DuckDBPyConnection, staged: Staged) -> bool:
        """Add every problem found to ``staged``; True if the file has any problem."""
        found: list[tuple[int, int, tuple[object, ...]]] = []
        for number, (sql, params, _fmt) in enumerate(self.checks):
            for row in con.execute(sql, params).fetchall():
                found.append((row[0], number, tuple(row[1:])))
        found.sort(key=lambda item: (item[0], item[1]))
        for line, number, args in found:
            staged.problems.append(f"{staged.at(line)}: {self.checks[number][2](args)}")
        return bool(staged.problems)


def ingest_zone(con: duckdb.DuckDBPyConnection, catalog: Catalog | None, staged: Staged) -> str:
    zone = (catalog.timezone if catalog else None) or "UTC"
    row = con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [zone])
    if not (row.fetchone() or (0,))[0]:
        staged.problems.append(
            _("{file}: the catalog's timezone `{zone}` is not a known time zone").format(
                file=staged.file, zone=zone
            )
        )
        return "UTC"
    return zone


def next_ingest_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
    return int(row[0]) if row else 1


def added_rows(con: duckdb.DuckDBPyConnection, table: str, ingest_id: int) -> int:
    """The rows of ``table`` (events or roster) that ingest ``ingest_id`` added."""
    row = con.execute(f"SELECT count(*) FROM {table} WHERE ingest_id = ?", [ingest_id]).fetchone()
    return int(row[0]) if row else 0


def record_ingest(
    con: duckdb.DuckDBPyConnection, ingest_id: int, report: IngestReport, now: datetime
) -> None:
    con.execute(
        "INSERT INTO ingests (ingest_id, kind, file, sha256, rows, added, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ))",
        [
            ingest_id,
            report.kind,
            report.file,
            report.sha256,
            report.rows,
            report.added,
            now.isoformat(),
        ],
    )
    chain_ingest(con, ingest_id)


# -- attribute types ----------------------------------------------------------------


def infer_sql(table: str, scope_sql: str, column: str, name: str, where: str) -> str:
    return (
        f"SELECT {scope_sql} AS scope, {lit(name)} AS name, "
        f"bool_and(lower({column}) IN ('true', 'false')) AS is_boolean, "
        f"bool_and(({number_sql(column)}) IS NOT NULL) AS is_number "
        f"FROM {table} WHERE {column} IS NOT NULL AND {where} GROUP BY ALL"
    )


def merge_types(
    con: duckdb.DuckDBPyConnection, found: dict[tuple[str, str], str], declared: bool
) -> None:
    """Store attribute types: declared ones replace, inferred ones merge (→ text)."""
    if not found:
        return
    existing = {
        (scope, name): kind
        for scope, name, kind in con.execute(
            "SELECT scope, name, type FROM attribute_types"
        ).fetchall()
    }
    changes = []
    for key, kind in sorted(found.items()):
        old = existing.get(key)
        new = kind if declared or old is None or old == kind else TEXT
        if new != old:
            changes.append([key[0], key[1], new])
    if changes:
        con.executemany("INSERT OR REPLACE INTO attribute_types VALUES (?, ?, ?)", changes)


def inferred_types(rows: Iterable[tuple[str, str, bool, bool]]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for scope, name, is_boolean, is_number in rows:
        out[(scope, name)] = BOOLEAN if is_boolean else NUMBER if is_number else TEXT
    return out
