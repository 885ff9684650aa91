"""Where the store is: the path of ``--db``, of the catalog's ``database``, or the default;
and whether a file there can be a store at all.

Enters: ``--db`` and the catalog. Leaves: the store's path, and what is wrong with the file
at that path if it is not a DuckDB database. Kept apart from ``store.py`` because commands
that only read policies (`check`, `fmt`) ask where a store would be, and whether a `--db`
they were given is one, and must not import DuckDB to find out.
"""

from __future__ import annotations

from pathlib import Path

from ..i18n import N_, _
from ..language.catalog import Catalog

DEFAULT_DATABASE = "starrating.duckdb"

# Every DuckDB database file starts with an 8-byte checksum and then these magic bytes.
DUCKDB_MAGIC = b"DUCK"
DUCKDB_MAGIC_OFFSET = 8
# How much of a text file's beginning a refusal quotes, so that the user recognises it.
QUOTED_START_CHARS = 40
# A DuckDB file starts with three headers of 4 KiB (the main header and two database
# headers, written in turn at each checkpoint); its blocks follow them.
FILE_HEADERS_BYTES = 3 * 4096

# The refusals, in English for the catalog and translated where they are said (`_`).
NOT_A_DATABASE = N_(
    "{path} is not a DuckDB database file{what}; it was not changed; use another --db"
)
EMPTY_FILE = N_(
    "{path} is an empty file, not a DuckDB database file; it was not changed; use another"
    " --db, or remove the empty file to create a new store there"
)
A_FOLDER = N_("{path} is a folder, not a DuckDB database file; use another --db")
TRUNCATED = N_(
    "{path} is a damaged DuckDB database file (shorter than its header says, as after a"
    " failed copy); it was not changed; restore the store from a copy, or use another --db"
)
# What NOT_A_DATABASE's {what} says of a text file: its first line, so that the user
# recognises it.
STARTS_WITH = N_(' (it starts with the text "{text}")')


def resolve_db_path(explicit: str | None, catalog: Catalog | None) -> Path:
    """``--db`` wins; else ``database`` of the catalog (relative to the catalog file's
    folder); else ``starrating.duckdb`` in the current folder."""
    if explicit:
        return Path(explicit)
    if catalog is not None and catalog.database:
        database = Path(catalog.database).expanduser()
        if not database.is_absolute() and catalog.path:
            database = Path(catalog.path).parent / database
        return database
    return Path(DEFAULT_DATABASE)


def not_a_database(path: Path) -> str | None:
    """Why the existing file at ``path`` cannot be a store, read from its first bytes
    before DuckDB sees it; None when it may be one (a DuckDB file, or nothing there yet).

    Checked before DuckDB opens the path because DuckDB does not refuse every other file:
    it opens a ``.csv``, ``.json`` or ``.parquet`` file as an in-memory database with a
    view over the file, so a run "recorded" into it is lost at exit, and an ingest meets
    the view (``roster`` for roster.csv) where the store's table should be.

    An empty file is refused too, rather than made a new store: a store that became 0
    bytes (a failed copy, a full disk) must not silently start a new, empty history; and
    so is a DuckDB file cut short in its headers (:func:`_cut_short`).
    """
    if path.is_dir():
        return _(A_FOLDER).format(path=path)
    try:
        with path.open("rb") as file:
            # The magic bytes, and enough of a text file to quote its first line (a
            # character is up to 4 bytes in UTF-8).
            start = file.read(DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC) + QUOTED_START_CHARS * 4)
    except OSError:
        # Nothing there yet (a new store), or unreadable, which DuckDB's open reports.
        return None
    if not start:
        return _(EMPTY_FILE).format(path=path)
    magic = start[DUCKDB_MAGIC_OFFSET : DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC)]
    if magic != DUCKDB_MAGIC:
        return _(NOT_A_DATABASE).format(path=path, what=_describe_start(start))
    if _cut_short(path):
        return _(TRUNCATED).format(path=path)
    return None


def _cut_short(path: Path) -> bool:
    """Whether the DuckDB file at ``path`` is shorter than its three headers, which every
    DuckDB file has in full (a copy that stopped in its first 12 KiB). A file cut after
    them is found when the store is opened (``Store.open``), which needs DuckDB."""
    try:
        return path.stat().st_size < FILE_HEADERS_BYTES
    except OSError:
        return False  # unreadable: DuckDB's open reports it


def _describe_start(start: bytes) -> str:
    """`` (it starts with the text "employee_id,name,…")`` for a text file, so the user
    sees which file it is (a CSV given as --db by mistake); nothing for other files."""
    if b"\0" in start:
        return ""
    lines = start.decode("utf-8", errors="ignore").lstrip("\ufeff").strip().splitlines()
    first_line = lines[0].strip() if lines else ""
    if not first_line or not first_line.isprintable():
        return ""
    quoted = first_line[:QUOTED_START_CHARS]
    ellipsis = "…" if len(first_line) > QUOTED_START_CHARS else ""
    return _(STARTS_WITH).format(text=quoted + ellipsis)
