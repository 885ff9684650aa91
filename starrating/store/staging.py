"""Reading a data file into a staging table of text, for the checks and loaders.

Enters: a path (.csv, .jsonl or .parquet) and the store's connection. Leaves: a
:class:`Staged` file (a temporary table ``stage(__line, c0, c1, ...)`` of trimmed text
in file order, the mapping of the file's columns, the problems found while reading) and
the :class:`IngestReport` an ingest gives back. See :mod:`.ingest` for the rules.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..i18n import _, ngettext
from .store import Store

SUFFIXES = (".csv", ".jsonl", ".parquet")
BLANKS = "' ' || chr(9) || chr(10) || chr(13)"


@dataclass
class IngestReport:
    file: str
    sha256: str
    rows: int
    added: int
    problems: list[str] = field(default_factory=list)
    kind: str = "events"  # or "roster"
    # Said, but not a reason to keep nothing: events for employees not on the roster.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class IngestError(Exception):
    """Raised by :func:`ingest_files` when a file has problems; nothing was kept."""

    def __init__(self, reports: list[IngestReport]) -> None:
        self.reports = reports
        count = sum(len(r.problems) for r in reports)
        super().__init__(
            ngettext(
                "{count} problem in the data files", "{count} problems in the data files", count
            ).format(count=count)
        )


# -- a staged file -------------------------------------------------------------------


@dataclass
class Staged:
    """A file read into a temporary table ``stage(__line, c0, c1, ...)`` of text (for
    Parquet, a view of that shape over the file)."""

    file: str
    kind: str  # events or roster
    fmt: str  # csv, jsonl, parquet
    sha256: str = ""
    stage: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # file column -> c0, c1...
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    temp: list[str] = field(default_factory=list)  # temporary tables to drop
    views: list[str] = field(default_factory=list)  # temporary views to drop
    unnamed: list[tuple[int, str]] = field(default_factory=list)  # (position, cN)
    aborted: bool = False  # reading failed inside a transaction, which is now unusable

    def at(self, line: int) -> str:
        """Where a problem is: ``FILE:LINE``, or ``FILE:row N`` in a Parquet file."""
        if self.fmt == "parquet":
            return _("{file}:row {row}").format(file=self.file, row=line)
        return f"{self.file}:{line}"

    def line_word(self, line: object) -> str:
        """``line N`` (``row N`` in a Parquet file), for a problem that names another."""
        if self.fmt == "parquet":
            return _("row {row}").format(row=line)
        return _("line {line}").format(line=line)

    def col(self, name: str) -> str:
        """The staged column holding a file column, or a typed NULL when absent."""
        return self.columns.get(name, "NULL::VARCHAR")


# -- reading ------------------------------------------------------------------------


def read_staged(store: Store, path: Path, kind: str) -> Staged:
    staged = Staged(str(path), kind, path.suffix.lower().lstrip("."))
    if f".{staged.fmt}" not in SUFFIXES:
        staged.problems.append(
            _("{file}: unsupported file type `{suffix}`: use .csv, .jsonl or .parquet").format(
                file=staged.file, suffix=path.suffix or _("(none)")
            )
        )
        return staged
    try:
        staged.sha256 = _file_sha256(path)
    except OSError as exc:
        staged.problems.append(_cannot_read(staged, exc.strerror or exc))
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
        staged.problems.append(_cannot_read(staged, error_first_line(exc)))
        staged.aborted = store.in_transaction
        return staged
    if not staged.problems:
        _unnamed_problems(con, staged)
    if not staged.problems:
        row = con.execute(f"SELECT count(*) FROM {staged.stage}").fetchone()
        staged.rows = row[0] if row else 0
    return staged


def _cannot_read(staged: Staged, reason: object) -> str:
    return _("{file}: cannot read the file: {reason}").format(file=staged.file, reason=reason)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def error_first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    for noise in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        first = first.removeprefix(noise)
    return first


def text_sql(column: str) -> str:
    """A text column's value trimmed, NULL when empty.

    ``column`` is a plain column reference (it appears several times). Trimming a set of
    characters costs about as much as reading the file, and almost no value needs it:
    ``trim`` runs only on the values that start or end with a space or hold a tab, a
    line feed or a carriage return anywhere; the result is the same as trimming every
    value.
    """
    needs_trim = (
        f"starts_with({column}, ' ') OR suffix({column}, ' ') OR contains({column}, chr(9))"
        f" OR contains({column}, chr(10)) OR contains({column}, chr(13))"
    )
    return f"NULLIF(CASE WHEN {needs_trim} THEN trim({column}, {BLANKS}) ELSE {column} END, '')"


def _set_columns(staged: Staged, names: Sequence[str]) -> bool:
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
                _("{file}: column `{name}` appears twice (columns {first} and {second})").format(
                    file=staged.file, name=name, first=seen[name], second=position
                )
            )
        else:
            seen[name] = position
            staged.columns[name] = f"c{position - 1}"
    return not staged.problems


def _unnamed_problems(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    for position, column in staged.unnamed:
        row = con.execute(
            f"SELECT min(__line) FROM {staged.stage} WHERE {column} IS NOT NULL"
        ).fetchone()
        if row and row[0] is not None:
            problem = (
                _('the key "" has a value but no name')
                if staged.fmt == "jsonl"
                else _("column {position} has a value but no name").format(position=position)
            )
            staged.problems.append(f"{staged.at(row[0])}: {problem}")


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, staged: Staged, prefix: str) -> None:
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
            _("{file}:1: the header line is not UTF-8 text (save the file as UTF-8)").format(
                file=staged.file
            )
            if bad_header[0] == "INVALID ENCODING"
            else _("{file}:1: cannot read the header line: {reason}").format(
                file=staged.file, reason=bad_header[1]
            )
        )
        return
    if not first or first[0][0] is None:
        staged.problems.append(
            _("{file}: the file is empty: it needs a header line").format(file=staged.file)
        )
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
            text = _("this line is not UTF-8 text (save the file as UTF-8)")
        else:
            text = _("cannot read this line: {reason}").format(reason=message)
        staged.problems.append(f"{staged.file}:{line}: {text}")
    if staged.problems:
        return  # row positions after a rejected line are not known: stop here
    # 3. Staging. The file order is the insertion order, which `rowid` follows (its
    #    values are not 0, 1, 2... inside a transaction: only their order counts). A
    #    value spanning lines moves the following rows down.
    newlines = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in every
    )
    values = ", ".join(f"{text_sql(c)} AS {c}" for c in every)
    con.execute(
        f"""CREATE TEMP TABLE {staged.stage} AS
            SELECT 1 + row_number() OVER (ORDER BY rowid)
                     + coalesce(sum({newlines}) OVER (ORDER BY rowid
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __line,
                   {values}
            FROM {raw}"""
    )


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, staged: Staged, prefix: str) -> None:
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
            raise duckdb.InvalidInputException(_("the file is not UTF-8 text")) from exc
        raise
    for line, valid in con.execute(
        f"""SELECT __line, json_valid(line)
            FROM {lines}
            WHERE CASE WHEN json_valid(line) THEN json_type(line) <> 'OBJECT' ELSE true END
            ORDER BY __line"""
    ).fetchall():
        what = _("this line is not a JSON object") if valid else _("this line is not valid JSON")
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
        staged.problems.append(
            f"{staged.file}:{line}: " + _("the key `{key}` appears twice").format(key=key)
        )
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
    picked = "".join(f", max(p.value) FILTER (WHERE p.key = ?) AS c{i}" for i in range(len(names)))
    values = "".join(f", {text_sql(f'c{i}')} AS c{i}" for i in range(len(names)))
    con.execute(
        f"""CREATE TEMP TABLE {staged.stage} AS
            SELECT __line{values} FROM (
                SELECT l.__line{picked}
                FROM {lines} l LEFT JOIN {pairs} p ON p.__line = l.__line
                GROUP BY l.__line)""",
        names,
    )


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, staged: Staged, prefix: str) -> None:
    # A view, not a table: a Parquet file is already columnar, and copying it into a
    # table of text cost more than reading it again. The loader reads the view once into
    # its own table of checked values (see :func:`read_values`); reading the file's
    # metadata here (DESCRIBE) catches a file that is not Parquet at all.
    staged.views.append(staged.stage)
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    names = [row[0] for row in described]
    if not _set_columns(staged, names):
        return
    as_text = "".join(f", CAST({ident(name)} AS VARCHAR) AS c{i}" for i, name in enumerate(names))
    values = "".join(f", {text_sql(f'c{i}')} AS c{i}" for i in range(len(names)))
    con.execute(
        f"""CREATE TEMP VIEW {staged.stage} AS
            SELECT __line{values} FROM (
                SELECT file_row_number + 1 AS __line{as_text}
                FROM read_parquet({lit(str(path))}, file_row_number = true))"""
    )


def read_values(con: duckdb.DuckDBPyConnection, staged: Staged, sql: str) -> bool:
    """Run the statement that first reads every value of a staged file (the loader's
    ``CREATE TEMP TABLE ... FROM stage``); False, with the problem, if the file cannot be
    read after all.

    A Parquet file is staged as a view, so a damaged page is met here, inside the
    ingest's transaction, which the failure has made unusable: ``staged.aborted`` tells
    the caller to roll it back.
    """
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        if staged.fmt != "parquet":
            raise  # a staged table of text is not read from the file again
        staged.problems.append(_cannot_read(staged, error_first_line(exc)))
        staged.aborted = True
        return False
    return True


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
