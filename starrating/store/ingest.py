"""Validating data files and adding them to the store (docs/data.md sections 1 and 2).

Reading
    The format comes from the extension: ``.csv`` (UTF-8, a header line, ``,`` and ``"``),
    ``.jsonl`` (one JSON object per line) or ``.parquet``. Files are read only by DuckDB:
    ``read_csv`` with every column as text and bad lines collected in a rejects table,
    ``read_text`` plus DuckDB's JSON functions for JSON Lines (``read_json`` skips blank
    lines and stops at the first bad one, so it could name neither the right line nor
    every bad line), ``read_parquet`` with ``file_row_number``. Every value becomes text
    (trimmed; an empty cell is no value) in a staging table whose row order is the file
    order, and all validation is set-based SQL over that table.

Where a problem is
    CSV: ``FILE:LINE`` with the header on line 1 (a quoted value spanning lines moves
    the following rows down; DuckDB skips blank lines, which therefore are not counted).
    JSON Lines: ``FILE:LINE``. Parquet: ``FILE:row N`` (N from 1). A problem with the
    whole file: ``FILE: message``.

Events
    ``event_id``, ``employee_id``, ``type``, ``occurred_at`` are required; ``recorded_at``,
    ``value`` and ``voids`` are optional; any other column is an attribute. Times are ISO
    8601 (``2026-10-28T10:00:00+08:00``, ``2026-10-28 10:00``, ``...Z``, ``...+0800``; a
    bare date is local midnight). With an offset a time is exact (``occurred_utc``);
    without one it is local time in the policy's zone (``occurred_local``). A
    ``recorded_at`` without an offset is in the catalog's timezone (else UTC); without a
    ``recorded_at`` the event is recorded at the ingest time. A ``void`` row cancels the
    event named in ``voids``, which must be in the file or the store and must not itself
    be a void.

    An event's content (``content_sha256``) covers employee, type, ``occurred_at`` as
    written, value, voids, the attributes and ``recorded_at`` only when the file gives
    it: ingesting the same rows again adds nothing, and an ``event_id`` that comes back
    with different content is an error (a correction is a new event plus a ``void``).

Roster
    ``employee_id``, ``name``, ``hire_date`` are required; ``leave_date`` and
    ``recorded_at`` are optional; every other column (``department``, ``role``...) is an
    attribute. A row identical to the newest stored version of that employee changes
    nothing; a different one is a new version (version + 1). When a version is recorded:

    * the file's ``recorded_at`` column, when it has a value;
    * else, for an employee's first version, the earlier of the ingest time and the hire
      date (00:00 UTC): the roster as first loaded counts as known since each employee
      was hired, so a run or replay with an ``--as-of`` in the past still sees the
      employees it rates;
    * else (a later version: a transfer, a leave date) the ingest time, so a replay of an
      earlier run still sees the roster that run saw.

Catalog and attribute types
    With a catalog that names event types, an unknown type or an undeclared attribute is
    a problem, and attribute values must parse as their declared type. With any catalog,
    a roster column it does not declare is a problem. Without a catalog the types are
    inferred from the values (all ``true``/``false`` → boolean, all numbers → number,
    else text) and merged with what the store already knows (a disagreement → text).
    ``void`` rows carry attributes (a reason...) as text, unchecked and untyped.

All or nothing
    A file with any problem writes nothing and every problem is reported. Otherwise its
    rows, attribute types and one ``ingests`` row are written in one transaction.
    :func:`ingest_files` runs several files in one transaction, rosters first: a problem
    in any of them keeps none of them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..language.catalog import BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP, Catalog
from ..language.diagnostics import did_you_mean, suggestion
from .store import ROSTER_SCOPE, VOID_TYPE, Store

EVENT_REQUIRED = ("event_id", "employee_id", "type", "occurred_at")
EVENT_STANDARD = (*EVENT_REQUIRED, "recorded_at", "value", "voids")
ROSTER_REQUIRED = ("employee_id", "name", "hire_date")
ROSTER_STANDARD = (*ROSTER_REQUIRED, "leave_date", "recorded_at")
ROSTER_TEXT_COLUMNS = ("department", "role")  # standard roster attributes, always text
SUFFIXES = (".csv", ".jsonl", ".parquet")

# ISO 8601 as accepted: a date, optionally a time (minutes, seconds, fraction) after
# `T` or a space, optionally an offset `Z`, `±HH`, `±HH:MM` or `±HHMM` after the time.
ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
HAS_OFFSET = r"^.{10}[T ].*(Z|[+-]\d{2}(:?\d{2})?)$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
BLANKS = "' ' || chr(9) || chr(10) || chr(13)"

TIME_EXAMPLE = "like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00"
Message = Callable[[tuple[object, ...]], str]  # problem text from a check's result row
KIND_WORDS = {
    NUMBER: "a number",
    BOOLEAN: "true or false",
    DATE: "a date (YYYY-MM-DD)",
    TIMESTAMP: f"an ISO 8601 time ({TIME_EXAMPLE})",
}


@dataclass
class IngestReport:
    file: str
    sha256: str
    rows: int
    added: int
    problems: list[str] = field(default_factory=list)
    kind: str = "events"  # or "roster"

    @property
    def ok(self) -> bool:
        return not self.problems


class IngestError(Exception):
    """Raised by :func:`ingest_files` when a file has problems; nothing was kept."""

    def __init__(self, reports: list[IngestReport]) -> None:
        self.reports = reports
        count = sum(len(r.problems) for r in reports)
        super().__init__(f"{count} problem{'' if count == 1 else 's'} in the data files")


# -- public API ---------------------------------------------------------------------


def ingest_events(store: Store, path: Path, catalog: Catalog | None, now: datetime) -> IngestReport:
    """Validate an events file and, when it has no problem, add it to the store."""
    return _ingest_one(store, Path(path), "events", catalog, now)


def ingest_roster(store: Store, path: Path, catalog: Catalog | None, now: datetime) -> IngestReport:
    """Validate a roster file and, when it has no problem, add its new versions."""
    return _ingest_one(store, Path(path), "roster", catalog, now)


def ingest_files(
    store: Store,
    *,
    events: Iterable[Path] = (),
    rosters: Iterable[Path] = (),
    catalog: Catalog | None = None,
    now: datetime | None = None,
) -> list[IngestReport]:
    """Ingest rosters, then events, in one transaction; returns one report per file.

    Raises :class:`IngestError` (carrying the reports) if any file has a problem: then
    nothing of any file is kept. Inside an outer ``store.transaction()`` the exception
    rolls that back too (DuckDB has no savepoints).
    """
    now = _utc_now(now)
    work = [(Path(p), "roster") for p in rosters] + [(Path(p), "events") for p in events]
    staged: list[_Staged] = []
    try:
        # Files are read before the transaction starts: a file DuckDB cannot read must
        # not abort the transaction (only inside an outer one is that unavoidable).
        for path, kind in work:
            staged.append(_read(store, path, kind))
            if staged[-1].aborted:
                raise IngestError([_report(s) for s in staged if s.problems])
        with store.transaction():
            reports = [_apply(store, s, catalog, now) for s in staged]
            if any(r.problems for r in reports):
                raise IngestError(reports)
        return reports
    finally:
        for item in staged:
            _drop(store, item)


# -- one file -----------------------------------------------------------------------


@dataclass
class _Staged:
    """A file read into a temporary table ``stage(__line, c0, c1, ...)`` of text."""

    file: str
    kind: str  # events or roster
    fmt: str  # csv, jsonl, parquet
    sha256: str = ""
    stage: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # file column -> c0, c1...
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    temp: list[str] = field(default_factory=list)  # temporary tables to drop
    unnamed: list[tuple[int, str]] = field(default_factory=list)  # (position, cN)
    aborted: bool = False  # reading failed inside a transaction, which is now unusable

    def at(self, line: int) -> str:
        return f"{self.file}:row {line}" if self.fmt == "parquet" else f"{self.file}:{line}"

    def line_word(self, line: object) -> str:
        return f"row {line}" if self.fmt == "parquet" else f"line {line}"

    def col(self, name: str) -> str:
        """The staged column holding a file column, or a typed NULL when absent."""
        return self.columns.get(name, "NULL::VARCHAR")


def _ingest_one(
    store: Store, path: Path, kind: str, catalog: Catalog | None, now: datetime
) -> IngestReport:
    staged = _read(store, path, kind)
    try:
        if staged.aborted:
            raise IngestError([_report(staged)])
        with store.transaction():
            return _apply(store, staged, catalog, _utc_now(now))
    finally:
        _drop(store, staged)


def _report(staged: _Staged) -> IngestReport:
    return IngestReport(
        staged.file, staged.sha256, staged.rows, 0, list(staged.problems), staged.kind
    )


def _apply(store: Store, staged: _Staged, catalog: Catalog | None, now: datetime) -> IngestReport:
    report = _report(staged)
    if not staged.problems:
        apply = _apply_events if staged.kind == "events" else _apply_roster
        apply(store, staged, catalog, now, report)
    return report


def _drop(store: Store, staged: _Staged) -> None:
    for table in staged.temp:
        with contextlib.suppress(duckdb.Error):
            store.connection.execute(f"DROP TABLE IF EXISTS {table}")


def _utc_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


# -- reading ------------------------------------------------------------------------


def _read(store: Store, path: Path, kind: str) -> _Staged:
    staged = _Staged(str(path), kind, path.suffix.lower().lstrip("."))
    if f".{staged.fmt}" not in SUFFIXES:
        staged.problems.append(
            f"{staged.file}: unsupported file type `{path.suffix or '(none)'}`: "
            "use .csv, .jsonl or .parquet"
        )
        return staged
    try:
        staged.sha256 = _file_sha256(path)
    except OSError as exc:
        staged.problems.append(f"{staged.file}: cannot read the file: {exc.strerror or exc}")
        return staged
    con = store.connection
    prefix = f"_sr_{uuid.uuid4().hex[:12]}"
    staged.stage = f"{prefix}_stage"
    try:
        if staged.fmt == "csv":
            _stage_csv(con, path, staged, prefix)
        elif staged.fmt == "jsonl":
            _stage_jsonl(con, path, staged, prefix)
        else:
            _stage_parquet(con, path, staged, prefix)
    except duckdb.Error as exc:
        staged.problems.append(f"{staged.file}: cannot read the file: {_first_line(exc)}")
        staged.aborted = store.in_transaction
        return staged
    if not staged.problems:
        _unnamed_problems(con, staged)
    if not staged.problems:
        row = con.execute(f"SELECT count(*) FROM {staged.stage}").fetchone()
        staged.rows = row[0] if row else 0
    return staged


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    for noise in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        first = first.removeprefix(noise)
    return first


def _text(expression: str) -> str:
    """A value as trimmed text, NULL when empty."""
    return f"NULLIF(trim(CAST({expression} AS VARCHAR), {BLANKS}), '')"


def _set_columns(staged: _Staged, names: Sequence[str]) -> bool:
    """Map the file's columns to c0, c1...; False (with problems) on duplicate names.

    A column without a name (a trailing comma in a spreadsheet export) is kept aside: it
    is a problem only when it holds a value (see :func:`_unnamed_problems`).
    """
    seen: dict[str, int] = {}
    for position, name in enumerate(names, 1):
        if not name:
            staged.unnamed.append((position, f"c{position - 1}"))
        elif name in seen:
            staged.problems.append(
                f"{staged.file}: column `{name}` appears twice (columns {seen[name]} "
                f"and {position})"
            )
        else:
            seen[name] = position
            staged.columns[name] = f"c{position - 1}"
    return not staged.problems


def _unnamed_problems(con: duckdb.DuckDBPyConnection, staged: _Staged) -> None:
    for position, column in staged.unnamed:
        row = con.execute(
            f"SELECT min(__line) FROM {staged.stage} WHERE {column} IS NOT NULL"
        ).fetchone()
        if row and row[0] is not None:
            what = 'the key ""' if staged.fmt == "jsonl" else f"column {position}"
            staged.problems.append(f"{staged.at(row[0])}: {what} has a value but no name")


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, staged: _Staged, prefix: str) -> None:
    # 1. The header line, read as one text value (the sniffer is not used: it guesses,
    #    and a guess can silently take a data line for the header).
    staged.temp += [f"{prefix}_hrej", f"{prefix}_hscan"]
    first = con.execute(
        f"""SELECT line FROM read_csv(?, header = false, auto_detect = false,
                columns = {{'line': 'VARCHAR'}}, delim = '\\0', quote = '', escape = '',
                strict_mode = false, store_rejects = true,
                rejects_table = '{prefix}_hrej', rejects_scan = '{prefix}_hscan')
            LIMIT 1""",
        [str(path)],
    ).fetchall()
    bad_header = con.execute(
        f"SELECT CAST(error_type AS VARCHAR), error_message FROM {prefix}_hrej WHERE line = 1"
    ).fetchone()
    if bad_header:
        staged.problems.append(
            f"{staged.file}:1: the header line is not UTF-8 text (save the file as UTF-8)"
            if bad_header[0] == "INVALID ENCODING"
            else f"{staged.file}:1: cannot read the header line: {bad_header[1]}"
        )
        return
    if not first or first[0][0] is None:
        staged.problems.append(f"{staged.file}: the file is empty: it needs a header line")
        return
    (names,) = con.execute(
        f"""SELECT list_transform(string_split(?, ','), lambda x:
                CASE WHEN regexp_full_match(trim(x, {BLANKS}), '^".*"$')
                     THEN replace(trim(x, {BLANKS})[2:-2], '""', '"')
                     ELSE trim(x, {BLANKS}) END)""",
        [first[0][0]],
    ).fetchone() or ([],)
    if not _set_columns(staged, names):
        return
    # 2. The data, every column as text; lines DuckDB cannot read go to a rejects table.
    raw = f"{prefix}_raw"
    staged.temp += [raw, f"{prefix}_rej", f"{prefix}_scan", staged.stage]
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
    every = [f"c{i}" for i in range(len(names))]
    con.execute(
        f"""CREATE TEMP TABLE {raw} AS SELECT * FROM read_csv(?, header = true,
                auto_detect = false, columns = {{{spec}}}, delim = ',', quote = '"',
                escape = '"', strict_mode = true, store_rejects = true,
                rejects_table = '{prefix}_rej', rejects_scan = '{prefix}_scan')""",
        [str(path)],
    )
    rejects = con.execute(
        f"""SELECT line, string_agg(DISTINCT CAST(error_type AS VARCHAR), ','),
                   min(error_message)
            FROM {prefix}_rej GROUP BY line ORDER BY line"""
    ).fetchall()
    for line, types, message in rejects:
        if "INVALID ENCODING" in types:
            text = "this line is not UTF-8 text (save the file as UTF-8)"
        else:
            text = f"cannot read this line: {message}"
        staged.problems.append(f"{staged.file}:{line}: {text}")
    if staged.problems:
        return  # row positions after a rejected line are not known: stop here
    # 3. Staging. The file order is the insertion order, which `rowid` follows (its
    #    values are not 0, 1, 2... inside a transaction: only their order counts). A
    #    value spanning lines moves the following rows down.
    newlines = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in every
    )
    values = ", ".join(f"{_text(c)} AS {c}" for c in every)
    con.execute(
        f"""CREATE TEMP TABLE {staged.stage} AS
            SELECT 1 + row_number() OVER (ORDER BY rowid)
                     + coalesce(sum({newlines}) OVER (ORDER BY rowid
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __line,
                   {values}
            FROM {raw}"""
    )


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, staged: _Staged, prefix: str) -> None:
    lines, pairs = f"{prefix}_lines", f"{prefix}_pairs"
    staged.temp += [lines, pairs, staged.stage]
    try:
        con.execute(
            f"""CREATE TEMP TABLE {lines} AS
                SELECT __line, rtrim(line, chr(13)) AS line FROM (
                    SELECT generate_subscripts(l, 1) AS __line, unnest(l) AS line
                    FROM (SELECT string_split(content, chr(10)) AS l FROM read_text(?)))
                WHERE trim(line, {BLANKS}) <> ''""",
            [str(path)],
        )
    except duckdb.Error as exc:
        if "UTF-8" in str(exc):
            raise duckdb.InvalidInputException("the file is not UTF-8 text") from exc
        raise
    for line, what in con.execute(
        f"""SELECT __line, CASE WHEN NOT json_valid(line) THEN 'this line is not valid JSON'
                                ELSE 'this line is not a JSON object' END
            FROM {lines}
            WHERE CASE WHEN json_valid(line) THEN json_type(line) <> 'OBJECT' ELSE true END
            ORDER BY __line"""
    ).fetchall():
        staged.problems.append(f"{staged.file}:{line}: {what}")
    if staged.problems:
        return
    con.execute(
        f"""CREATE TEMP TABLE {pairs} AS
            SELECT l.__line, j.key,
                   CASE WHEN j.type = 'VARCHAR' THEN j.value ->> '$'
                        WHEN j.type = 'NULL' THEN NULL
                        ELSE CAST(j.value AS VARCHAR) END AS value
            FROM {lines} l, json_each(l.line) j"""
    )
    for line, key in con.execute(
        f"""SELECT __line, key FROM {pairs} GROUP BY __line, key HAVING count(*) > 1
            ORDER BY __line, key"""
    ).fetchall():
        staged.problems.append(f"{staged.file}:{line}: the key `{key}` appears twice")
    if staged.problems:
        return
    names = [
        key
        for (key,) in con.execute(
            f"SELECT key FROM {pairs} GROUP BY key ORDER BY min(__line), key"
        ).fetchall()
    ]
    if not _set_columns(staged, names):
        return
    values = "".join(
        f", {_text('max(p.value) FILTER (WHERE p.key = ?)')} AS c{i}" for i in range(len(names))
    )
    con.execute(
        f"""CREATE TEMP TABLE {staged.stage} AS
            SELECT l.__line{values}
            FROM {lines} l LEFT JOIN {pairs} p ON p.__line = l.__line
            GROUP BY l.__line""",
        names,
    )


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, staged: _Staged, prefix: str
) -> None:
    staged.temp.append(staged.stage)
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    names = [row[0] for row in described]
    if not _set_columns(staged, names):
        return
    values = "".join(f", {_text(_ident(name))} AS c{i}" for i, name in enumerate(names))
    con.execute(
        f"""CREATE TEMP TABLE {staged.stage} AS
            SELECT file_row_number + 1 AS __line{values}
            FROM read_parquet(?, file_row_number = true)""",
        [str(path)],
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- SQL building blocks ------------------------------------------------------------


def _utc_sql(x: str) -> str:
    """Text with an offset → TIMESTAMPTZ, else NULL."""
    return (
        f"CASE WHEN regexp_full_match({x}, '{ISO_TIME}') AND regexp_full_match({x}, "
        f"'{HAS_OFFSET}') THEN TRY_CAST({x} AS TIMESTAMPTZ) END"
    )


def _local_sql(x: str) -> str:
    """Text without an offset → TIMESTAMP (a bare date is midnight), else NULL."""
    return (
        f"CASE WHEN regexp_full_match({x}, '{ISO_TIME}') AND NOT regexp_full_match({x}, "
        f"'{HAS_OFFSET}') THEN TRY_CAST({x} AS TIMESTAMP) END"
    )


def _instant_sql(x: str, zone: str) -> str:
    """Any ISO time as an instant; local times are taken in ``zone``."""
    return f"coalesce({_utc_sql(x)}, timezone({_lit(zone)}, {_local_sql(x)}))"


def _date_sql(x: str) -> str:
    return f"CASE WHEN regexp_full_match({x}, '{ISO_DATE}') THEN TRY_CAST({x} AS DATE) END"


def _number_sql(x: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({x}, '{DECIMAL}') THEN TRY_CAST({x} AS DECIMAL(38, 10)) END"
    )


def _valid_sql(x: str, kind: str) -> str:
    """A condition: the (non-NULL) text ``x`` parses as ``kind``."""
    if kind == NUMBER:
        return f"({_number_sql(x)}) IS NOT NULL"
    if kind == BOOLEAN:
        return f"lower({x}) IN ('true', 'false', '1', '0')"
    if kind == DATE:
        return f"({_date_sql(x)}) IS NOT NULL"
    if kind == TIMESTAMP:
        return f"(({_utc_sql(x)}) IS NOT NULL OR ({_local_sql(x)}) IS NOT NULL)"
    return "true"


def _attributes_sql(staged: _Staged, names: Sequence[str]) -> str:
    """A JSON object of the non-empty attribute values, keys sorted."""
    if not names:
        return "'{}'"
    entries = ", ".join(f"{{'k': {_lit(n)}, 'v': {staged.columns[n]}}}" for n in sorted(names))
    return (
        f"CAST(to_json(map_from_entries(list_filter([{entries}], lambda e: e.v IS NOT NULL)))"
        " AS VARCHAR)"
    )


def _missing_columns(staged: _Staged, required: Sequence[str], what: str) -> bool:
    if staged.fmt == "jsonl" and staged.rows == 0:
        return False  # an empty JSON Lines file names no keys, and needs none
    for name in required:
        if name in staged.columns:
            continue
        close = did_you_mean(name, staged.columns)
        hint = f" (the file has `{close}`: rename it to `{name}`)" if close else ""
        staged.problems.append(
            f"{staged.file}: missing column `{name}`{hint}; {what} needs the columns "
            f"{', '.join(required)}"
        )
    return bool(staged.problems)


class _RowChecks:
    """Row checks of one staged file: ``SELECT __line, args... WHERE <problem>`` queries,
    each with the message it gives; reported in line order (set-based, one query each)."""

    def __init__(self) -> None:
        self.checks: list[tuple[str, list[object], Message]] = []

    def add(self, sql: str, fmt: Message, params: list[object] | None = None) -> None:
        self.checks.append((sql, params or [], fmt))

    def report(self, con: duckdb.DuckDBPyConnection, staged: _Staged) -> None:
        found: list[tuple[int, int, tuple[object, ...]]] = []
        for number, (sql, params, _fmt) in enumerate(self.checks):
            for row in con.execute(sql, params).fetchall():
                found.append((row[0], number, tuple(row[1:])))
        found.sort(key=lambda item: (item[0], item[1]))
        for line, number, args in found:
            staged.problems.append(f"{staged.at(line)}: {self.checks[number][2](args)}")


def _zone(con: duckdb.DuckDBPyConnection, catalog: Catalog | None, staged: _Staged) -> str:
    zone = (catalog.timezone if catalog else None) or "UTC"
    row = con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [zone])
    if not (row.fetchone() or (0,))[0]:
        staged.problems.append(
            f"{staged.file}: the catalog's timezone `{zone}` is not a known time zone"
        )
        return "UTC"
    return zone


def _next_ingest_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
    return int(row[0]) if row else 1


def _record_ingest(
    con: duckdb.DuckDBPyConnection, ingest_id: int, report: IngestReport, now: datetime
) -> None:
    con.execute(
        "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ))",
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


# -- attribute types ----------------------------------------------------------------


def _infer_sql(table: str, scope_sql: str, column: str, name: str, where: str) -> str:
    return (
        f"SELECT {scope_sql} AS scope, {_lit(name)} AS name, "
        f"bool_and(lower({column}) IN ('true', 'false')) AS is_boolean, "
        f"bool_and(({_number_sql(column)}) IS NOT NULL) AS is_number "
        f"FROM {table} WHERE {column} IS NOT NULL AND {where} GROUP BY ALL"
    )


def _merge_types(
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


def _inferred(rows: Iterable[tuple[str, str, bool, bool]]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for scope, name, is_boolean, is_number in rows:
        out[(scope, name)] = BOOLEAN if is_boolean else NUMBER if is_number else TEXT
    return out


# -- events -------------------------------------------------------------------------


def _apply_events(
    store: Store, staged: _Staged, catalog: Catalog | None, now: datetime, report: IngestReport
) -> None:
    con = store.connection
    if _missing_columns(staged, EVENT_REQUIRED, "an events file"):
        report.problems = staged.problems
        return
    zone = _zone(con, catalog, staged)
    if staged.problems:
        report.problems = staged.problems
        return
    attributes = [n for n in staged.columns if n not in EVENT_STANDARD]
    ev = staged.stage + "_ev"
    staged.temp.append(ev)
    c = staged.col
    carried = "".join(f", {staged.columns[n]}" for n in attributes)
    rec = c("recorded_at")
    con.execute(
        f"""CREATE TEMP TABLE {ev} AS
            SELECT *, sha256(to_json([employee_id, type, occurred_at,
                        CAST(value AS VARCHAR), voids, attrs,
                        CASE WHEN recorded_text IS NOT NULL
                             THEN coalesce(CAST(rec_utc AS VARCHAR), recorded_text) END]))
                      AS content
            FROM (SELECT __line,
                         {c("event_id")} AS event_id, {c("employee_id")} AS employee_id,
                         {c("type")} AS type, {c("occurred_at")} AS occurred_at,
                         {rec} AS recorded_text, {c("value")} AS value_text,
                         {c("voids")} AS voids,
                         {_utc_sql(c("occurred_at"))} AS occ_utc,
                         {_local_sql(c("occurred_at"))} AS occ_local,
                         {_instant_sql(rec, zone)} AS rec_utc,
                         {_number_sql(c("value"))} AS value,
                         {_attributes_sql(staged, attributes)} AS attrs{carried}
                  FROM {staged.stage})"""
    )
    empty = "is missing or empty" if staged.fmt == "jsonl" else "is empty"
    checks = _RowChecks()
    check = checks.add

    for name in EVENT_REQUIRED:
        check(
            f"SELECT __line FROM {ev} WHERE {name} IS NULL",
            lambda a, name=name: f"`{name}` {empty}",
        )
    check(
        f"""SELECT __line, occurred_at FROM {ev}
            WHERE occurred_at IS NOT NULL AND occ_utc IS NULL AND occ_local IS NULL""",
        lambda a: f"occurred_at `{a[0]}` is not an ISO 8601 time ({TIME_EXAMPLE})",
    )
    check(
        f"SELECT __line, recorded_text FROM {ev} WHERE recorded_text IS NOT NULL "
        "AND rec_utc IS NULL",
        lambda a: f"recorded_at `{a[0]}` is not an ISO 8601 time ({TIME_EXAMPLE})",
    )
    check(
        f"SELECT __line, value_text FROM {ev} WHERE value_text IS NOT NULL AND value IS NULL",
        lambda a: f"value `{a[0]}` is not a number",
    )
    checked = catalog is not None and catalog.known_events
    if checked:
        assert catalog is not None
        known = sorted(catalog.events)
        where = catalog.path or "the catalog"

        @functools.cache
        def type_hint(word: str) -> str | None:
            return suggestion(word, known)

        def unknown_type(a: tuple[object, ...]) -> str:
            hint = type_hint(str(a[0]))
            return f"unknown event type `{a[0]}` (not in {where})" + (f"; {hint}" if hint else "")

        check(
            f"""SELECT __line, type FROM {ev}
                WHERE type IS NOT NULL AND type <> '{VOID_TYPE}' AND NOT list_contains(?, type)""",
            unknown_type,
            [known],
        )

        @functools.cache
        def attribute_hint(name: str, event_type: str) -> str | None:
            return suggestion(name, catalog.events.get(event_type, {}))

        for name in attributes:
            column = staged.columns[name]
            having = [t for t in known if name in catalog.event_attributes(t)]

            def undeclared(a: tuple[object, ...], name: str = name) -> str:
                hint = attribute_hint(name, str(a[0]))
                text = f"event type `{a[0]}` has no attribute `{name}` in {where}"
                return text + (f"; {hint}" if hint else "")

            check(
                f"""SELECT __line, type FROM {ev}
                    WHERE {column} IS NOT NULL AND list_contains(?, type)
                      AND NOT list_contains(?, type)""",
                undeclared,
                [known, having],
            )
            kinds = {catalog.event_attributes(t)[name] for t in having}
            for kind in sorted(kinds - {TEXT}):
                typed = [t for t in having if catalog.event_attributes(t)[name] == kind]
                check(
                    f"""SELECT __line, type, {column} FROM {ev}
                        WHERE {column} IS NOT NULL AND list_contains(?, type)
                          AND NOT ({_valid_sql(column, kind)})""",
                    lambda a, name=name, kind=kind: (
                        f"`{name}` = `{a[1]}` is not {KIND_WORDS[kind]} (`{name}` of "
                        f"`{a[0]}` is declared {kind} in {where})"
                    ),
                    [typed],
                )
    check(
        f"SELECT __line FROM {ev} WHERE type = '{VOID_TYPE}' AND voids IS NULL",
        lambda a: "a `void` row needs `voids`: the event_id of the event it cancels",
    )
    check(
        f"SELECT __line, type FROM {ev} WHERE voids IS NOT NULL AND type <> '{VOID_TYPE}'",
        lambda a: f"`voids` is only for rows of type `void` (this row's type is `{a[0]}`)",
    )
    check(
        f"""SELECT v.__line, v.voids FROM {ev} v
            WHERE v.type = '{VOID_TYPE}' AND v.voids IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM {ev} f WHERE f.event_id = v.voids)
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = v.voids)""",
        lambda a: f"voids `{a[0]}`, but there is no event `{a[0]}` in this file or the store",
    )
    check(
        f"""SELECT v.__line, v.voids FROM {ev} v
            WHERE v.type = '{VOID_TYPE}' AND v.voids IS NOT NULL
              AND (EXISTS (SELECT 1 FROM {ev} f
                           WHERE f.event_id = v.voids AND f.type = '{VOID_TYPE}')
                   OR EXISTS (SELECT 1 FROM events e
                              WHERE e.event_id = v.voids AND e.type = '{VOID_TYPE}'))""",
        lambda a: f"voids `{a[0]}`, which is itself a void: a void can only cancel an event",
    )
    check(
        f"""SELECT __line, event_id, first_line FROM (
                SELECT __line, event_id, content,
                       first_value(content) OVER w AS first_content,
                       first_value(__line) OVER w AS first_line
                FROM {ev} WHERE event_id IS NOT NULL
                WINDOW w AS (PARTITION BY event_id ORDER BY __line))
            WHERE content <> first_content""",
        lambda a: f"event_id `{a[0]}` is also on {staged.line_word(a[1])} with different content",
    )
    check(
        f"""SELECT v.__line, v.event_id, i.file FROM {ev} v
            JOIN events e ON e.event_id = v.event_id
            LEFT JOIN ingests i ON i.ingest_id = e.ingest_id
            WHERE e.content_sha256 <> v.content""",
        lambda a: (
            f"event_id `{a[0]}` is already in the store with different content "
            f"(from {a[1] or 'an earlier ingest'}); a correction is a new event and a "
            "`void` row"
        ),
    )
    checks.report(con, staged)
    if staged.problems:
        report.problems = staged.problems
        return

    # -- write -----------------------------------------------------------------------
    ingest_id = _next_ingest_id(con)
    con.execute(
        f"""INSERT INTO events
            SELECT event_id, employee_id, type, occurred_at, occ_utc, occ_local,
                   coalesce(rec_utc, CAST(? AS TIMESTAMPTZ)), value, voids,
                   CAST(attrs AS JSON), content, ?
            FROM {ev} v
            WHERE __line = (SELECT min(f.__line) FROM {ev} f WHERE f.event_id = v.event_id)
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = v.event_id)
            ORDER BY __line""",
        [now.isoformat(), ingest_id],
    )
    row = con.execute("SELECT count(*) FROM events WHERE ingest_id = ?", [ingest_id]).fetchone()
    report.added = int(row[0]) if row else 0
    typed = attributes
    if typed:
        if checked:
            assert catalog is not None
            found: dict[tuple[str, str], str] = {}
            present = " UNION ALL ".join(
                f"SELECT DISTINCT type, {_lit(n)} FROM {ev} "
                f"WHERE {staged.columns[n]} IS NOT NULL AND type <> '{VOID_TYPE}'"
                for n in typed
            )
            for scope, name in con.execute(present).fetchall():
                found[(scope, name)] = catalog.event_attributes(scope).get(name, TEXT)
            _merge_types(con, found, declared=True)
        else:
            sql = " UNION ALL ".join(
                _infer_sql(ev, "type", staged.columns[n], n, f"type <> '{VOID_TYPE}'")
                for n in typed
            )
            _merge_types(con, _inferred(con.execute(sql).fetchall()), declared=False)
    _record_ingest(con, ingest_id, report, now)


# -- roster -------------------------------------------------------------------------


def _apply_roster(
    store: Store, staged: _Staged, catalog: Catalog | None, now: datetime, report: IngestReport
) -> None:
    con = store.connection
    if _missing_columns(staged, ROSTER_REQUIRED, "a roster file"):
        report.problems = staged.problems
        return
    zone = _zone(con, catalog, staged)
    attributes = [n for n in staged.columns if n not in ROSTER_STANDARD]
    if catalog is not None:
        where = catalog.path or "the catalog"
        for name in attributes:
            if name in catalog.roster:
                continue
            row = con.execute(
                f"SELECT count(*) FROM {staged.stage} WHERE {staged.columns[name]} IS NOT NULL"
            ).fetchone()
            if not row or not row[0]:
                continue  # an empty column says nothing
            hint = suggestion(name, [n for n in catalog.roster if n not in ROSTER_STANDARD])
            staged.problems.append(
                f"{staged.file}: the column `{name}` is not a roster attribute in {where}; "
                + (hint or "declare it under `roster:` there")
            )
    if staged.problems:
        report.problems = staged.problems
        return
    ro = staged.stage + "_ro"
    staged.temp.append(ro)
    c = staged.col
    rec = c("recorded_at")
    carried = "".join(f", {staged.columns[n]}" for n in attributes)
    con.execute(
        f"""CREATE TEMP TABLE {ro} AS
            SELECT *, sha256(to_json([name, CAST(hire AS VARCHAR), CAST(leave AS VARCHAR),
                                      attrs])) AS content
            FROM (SELECT __line, {c("employee_id")} AS employee_id, {c("name")} AS name,
                         {c("hire_date")} AS hire_text, {c("leave_date")} AS leave_text,
                         {rec} AS recorded_text,
                         {_date_sql(c("hire_date"))} AS hire,
                         {_date_sql(c("leave_date"))} AS leave,
                         {_instant_sql(rec, zone)} AS rec_utc,
                         {_attributes_sql(staged, attributes)} AS attrs{carried}
                  FROM {staged.stage})"""
    )
    empty = "is missing or empty" if staged.fmt == "jsonl" else "is empty"
    checks = _RowChecks()
    check = checks.add

    for name, column in (
        ("employee_id", "employee_id"),
        ("name", "name"),
        ("hire_date", "hire_text"),
    ):
        check(
            f"SELECT __line FROM {ro} WHERE {column} IS NULL",
            lambda a, name=name: f"`{name}` {empty}",
        )
    for name, text, parsed in (
        ("hire_date", "hire_text", "hire"),
        ("leave_date", "leave_text", "leave"),
    ):
        check(
            f"SELECT __line, {text} FROM {ro} WHERE {text} IS NOT NULL AND {parsed} IS NULL",
            lambda a, name=name: f"{name} `{a[0]}` is not a date (YYYY-MM-DD)",
        )
    check(
        f"SELECT __line, leave_text, hire_text FROM {ro} WHERE leave < hire",
        lambda a: f"leave_date {a[0]} is before hire_date {a[1]}",
    )
    check(
        f"SELECT __line, recorded_text FROM {ro} WHERE recorded_text IS NOT NULL "
        "AND rec_utc IS NULL",
        lambda a: f"recorded_at `{a[0]}` is not an ISO 8601 time ({TIME_EXAMPLE})",
    )
    check(
        f"""SELECT __line, employee_id, first_line FROM (
                SELECT __line, employee_id,
                       first_value(__line) OVER (PARTITION BY employee_id ORDER BY __line)
                           AS first_line
                FROM {ro} WHERE employee_id IS NOT NULL)
            WHERE __line <> first_line""",
        lambda a: (
            f"employee_id `{a[0]}` is also on {staged.line_word(a[1])}: "
            "a roster has one row per employee"
        ),
    )
    if catalog is not None:
        where = catalog.path or "the catalog"
        for name in attributes:
            kind = catalog.roster.get(name, TEXT)
            if kind == TEXT or kind not in KIND_WORDS:
                continue
            column = staged.columns[name]
            check(
                f"SELECT __line, {column} FROM {ro} WHERE {column} IS NOT NULL "
                f"AND NOT ({_valid_sql(column, kind)})",
                lambda a, name=name, kind=kind: (
                    f"`{name}` = `{a[0]}` is not {KIND_WORDS[kind]} (the roster attribute "
                    f"`{name}` is declared {kind} in {where})"
                ),
            )
    checks.report(con, staged)
    if staged.problems:
        report.problems = staged.problems
        return

    # -- write -----------------------------------------------------------------------
    ingest_id = _next_ingest_id(con)
    con.execute(
        f"""INSERT INTO roster
            SELECT s.employee_id, coalesce(cur.version, 0) + 1, s.name, s.hire, s.leave,
                   CAST(s.attrs AS JSON), s.content,
                   coalesce(s.rec_utc,
                            CASE WHEN cur.version IS NULL
                                 THEN least(CAST(? AS TIMESTAMPTZ),
                                            timezone('UTC', CAST(s.hire AS TIMESTAMP)))
                                 ELSE CAST(? AS TIMESTAMPTZ) END),
                   ?
            FROM {ro} s
            LEFT JOIN (SELECT r.employee_id, r.version, r.content_sha256
                       FROM roster r
                       WHERE r.version = (SELECT max(version) FROM roster x
                                          WHERE x.employee_id = r.employee_id)) cur
                   ON cur.employee_id = s.employee_id
            WHERE cur.content_sha256 IS DISTINCT FROM s.content
            ORDER BY s.__line""",
        [now.isoformat(), now.isoformat(), ingest_id],
    )
    row = con.execute("SELECT count(*) FROM roster WHERE ingest_id = ?", [ingest_id]).fetchone()
    report.added = int(row[0]) if row else 0
    if attributes:
        if catalog is not None:
            found = {(ROSTER_SCOPE, n): catalog.roster.get(n, TEXT) for n in attributes}
            present = {
                (ROSTER_SCOPE, n)
                for n in attributes
                if (
                    con.execute(
                        f"SELECT count(*) FROM {ro} WHERE {staged.columns[n]} IS NOT NULL"
                    ).fetchone()
                    or (0,)
                )[0]
            }
            _merge_types(con, {k: v for k, v in found.items() if k in present}, declared=True)
        else:
            sql = " UNION ALL ".join(
                _infer_sql(ro, _lit(ROSTER_SCOPE), staged.columns[n], n, "true") for n in attributes
            )
            inferred = _inferred(con.execute(sql).fetchall())
            for key in inferred:
                if key[1] in ROSTER_TEXT_COLUMNS:
                    inferred[key] = TEXT
            _merge_types(con, inferred, declared=False)
    _record_ingest(con, ingest_id, report, now)
