"""The store: one DuckDB file holding events, roster, ingests, runs, results and
contributions (docs/data.md section 3); the tables are defined in :mod:`.schema`.

Enters: a path (``--db``, the catalog's ``database``, or the default). Leaves: an open
:class:`Store` with its schema checked (or created), transactions, and the catalog the
stored data implies.

* Every session runs with ``TimeZone = 'UTC'`` and the memory, thread and spill settings
  of :func:`engine_settings` (docs/data.md section 3), chosen here and nowhere else.
* Note for callers: fetching a ``TIMESTAMPTZ`` into Python needs ``pytz``, which is not a
  dependency; cast such values to ``VARCHAR`` in SQL (and pass instants to SQL as ISO 8601 text).

One process writes at a time: DuckDB locks the file, and a second writer gets
:class:`StoreBusyError`. Every change is made inside a transaction, so a failure or a
kill leaves the file as it was before (DuckDB's write-ahead log), never half-written.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import duckdb

from ..i18n import N_, _
from ..language.catalog import STANDARD_ROSTER_ATTRIBUTES, Catalog
from ..language.grammar import cache_directory
from .chain import upgrade_to_v2
from .location import FILE_HEADERS_BYTES, NOT_A_DATABASE, TRUNCATED, not_a_database
from .schema import (
    READABLE_VERSIONS,
    ROSTER_SCOPE,
    SCHEMA_VERSION,
    VOID_TYPE,
    create_schema,
    ensure_event_columns,
    ensure_run_tables,
    has_for_period,
)

MEMORY_LIMIT_ENV = "STARRATING_MEMORY_LIMIT"
THREADS_ENV = "STARRATING_THREADS"
TEMP_DIRECTORY_ENV = "STARRATING_TEMP_DIRECTORY"
# At most this much memory for DuckDB by default: 3 GB, or 80% of the machine (DuckDB's
# own default share) if that is less. A run of 20 million events then stays under 4 GB of
# process memory (measured: 3.1 GB; DuckDB's own default let one command take 14 GB), and
# DuckDB spills what does not fit to the temporary directory. Everything a run holds can
# spill now that its events digest is computed in runs of days (engine/evaluate.py);
# STARRATING_MEMORY_LIMIT raises the limit on a machine that has memory to spare.
MEMORY_FRACTION = 0.8
MEMORY_CAP_BYTES = 3 * 1024**3
MEMORY_LIMIT_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$", re.I)


CORRUPT_BLOCK = N_(
    "{path} is a damaged DuckDB database file (the block at byte {offset} does not match its"
    " checksum); it was not changed; restore the store from a copy, or use another --db"
)
CORRUPT_CHECKSUM = N_(
    "{path} is a damaged DuckDB database file (a block does not match its checksum); it was"
    " not changed; restore the store from a copy, or use another --db"
)
# DuckDB's words for a file that is cut short or damaged inside, wherever it meets it: at
# open, or when a statement first reads the block (DuckDB checks a block's checksum only
# when it reads the block). Matched on the message: DuckDB raises a plain duckdb.Error
# for a checksum and an IOException for a short read, which other I/O problems share.
SHORT_READ = "Could not read enough bytes"
BAD_CHECKSUM_RE = re.compile(r"Corrupt database file: .*checksum(?:.* at location (\d+))?")
# DuckDB's words when another process holds the file.
LOCK_HELD = ("Could not set lock on file", "Conflicting lock is held")


class StoreError(Exception):
    """The store cannot be used (not a DuckDB file, a newer schema, unreadable...). The
    message is in the reader's language (``starrating.i18n``), written when raised."""


class StoreBusyError(StoreError):
    """Another process holds the database file."""


class UnusableStoreError(StoreError):
    """The file named as the store can never be one as it is: not a DuckDB database (a
    CSV, a text file, an empty file, a folder), a damaged DuckDB file, a DuckDB database
    that is not a starrating store, or a store of another schema version. The command
    line refuses it as a usage error (exit status 2) and the file is left untouched."""


@dataclass(frozen=True)
class EngineSettings:
    """DuckDB's resources for one open store: ``memory_limit`` as DuckDB reads it
    (``3GB``, ``512MB``, ``50%``), worker ``threads``, and the folder it spills to.
    ``memory_mb`` is the limit in MB when starrating chose it, None when
    STARRATING_MEMORY_LIMIT did."""

    memory_limit: str
    threads: int
    temp_directory: Path
    memory_mb: int | None = None


def engine_settings(path: Path, read_only: bool) -> EngineSettings:
    """The settings for the store at ``path``: each from its environment variable when set
    (``STARRATING_MEMORY_LIMIT``, ``STARRATING_THREADS``, ``STARRATING_TEMP_DIRECTORY``),
    else chosen for this machine.

    * memory: 3 GB, or 80% of the physical memory if less (``MEMORY_CAP_BYTES``,
      ``MEMORY_FRACTION``);
    * threads: the cores this process may use;
    * spill folder: ``<store>.tmp`` beside the store for a writer (DuckDB's own choice for
      a database file, on the disk that has room for the store); a reader may not write
      beside the store, so it spills to a folder of its own in the user's cache (the
      parser's cache folder, :func:`~starrating.language.grammar.cache_directory`).
    """
    memory = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if memory and not MEMORY_LIMIT_RE.match(memory):
        raise StoreError(
            _("{variable}={value} is not an amount of memory (like 3GB, 512MB or 50%)").format(
                variable=MEMORY_LIMIT_ENV, value=memory
            )
        )
    threads_text = os.environ.get(THREADS_ENV, "").strip()
    if threads_text and not (threads_text.isdigit() and int(threads_text) > 0):
        raise StoreError(
            _("{variable}={value} is not a positive whole number").format(
                variable=THREADS_ENV, value=threads_text
            )
        )
    temp = os.environ.get(TEMP_DIRECTORY_ENV, "").strip()
    if temp:
        temp_directory = Path(temp).expanduser()
    elif read_only:
        temp_directory = cache_directory() / f"spill-{os.getpid()}"
    else:
        temp_directory = path.with_name(path.name + ".tmp")
    default_mb = None if memory else _default_memory_bytes() // 1024**2
    return EngineSettings(
        memory_limit=memory or f"{default_mb}MB",
        threads=int(threads_text) if threads_text else _cores(),
        temp_directory=temp_directory,
        memory_mb=default_mb,
    )


def _default_memory_bytes() -> int:
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: assume the cap fits
        return 4 * 1024**3
    return max(256 * 1024**2, min(MEMORY_CAP_BYTES, int(physical * MEMORY_FRACTION)))


def _cores() -> int:
    # The cores this process may run on (a container or `taskset` may allow fewer than
    # the machine has), which is what DuckDB's threads can use.
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class Store:
    """An open store. Use as a context manager: ``with Store.open(path) as store: ...``."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.settings: EngineSettings | None = None  # set by open()
        self.schema_version = SCHEMA_VERSION  # a read-only store may be older (schema.py)
        # Set when open() upgraded a version-1 store: the runs and ingests it chained.
        self.upgraded: tuple[int, int] | None = None
        self._depth = 0  # nesting of transaction() blocks

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], read_only: bool = False) -> Self:
        """Open (or, unless ``read_only``, create) the store at ``path``."""
        path = Path(path)
        problem = not_a_database(path)
        if problem is not None:
            raise UnusableStoreError(problem)
        if read_only and not path.is_file():
            raise StoreError(_("no store at {path}: ingest some data first").format(path=path))
        if not read_only and not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    _("cannot create the folder for the store {path}: {reason}").format(
                        path=path, reason=exc
                    )
                ) from None
        try:
            connection = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise _open_error(path, exc) from None
        store = cls(connection, path)
        try:
            store._check_file_backed()
            store._check_length()
            connection.execute("SET TimeZone = 'UTC'")
            store.apply_settings(engine_settings(path, read_only))
            store._prepare_schema(read_only)
        except BaseException as exc:
            connection.close()
            damaged = damaged_store_error(path, exc)
            if damaged is not None:
                raise damaged from None
            raise
        return store

    def apply_settings(self, settings: EngineSettings) -> None:
        """Give DuckDB its memory limit, threads and spill folder (see :func:`engine_settings`)."""
        try:
            self.connection.execute(f"SET memory_limit = '{settings.memory_limit}'")
        except duckdb.Error as exc:
            raise StoreError(
                _("{variable}={value} is not usable: {reason}").format(
                    variable=MEMORY_LIMIT_ENV, value=settings.memory_limit, reason=exc
                )
            ) from None
        self.connection.execute(f"SET threads = {settings.threads}")
        folder = str(settings.temp_directory).replace("'", "''")
        self.connection.execute(f"SET temp_directory = '{folder}'")
        self.settings = settings

    def _check_file_backed(self) -> None:
        """The database DuckDB opened must be the file itself. DuckDB opens some files
        that are not databases (a CSV by its name) as an in-memory database instead, in
        which nothing would be kept; :func:`~.location.not_a_database` refuses the ones
        known today, and this catches any other way DuckDB may find to do so."""
        row = self.connection.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
        if row is None or row[0] is None:
            raise UnusableStoreError(_(NOT_A_DATABASE).format(path=self.path, what=""))

    def _check_length(self) -> None:
        """The file must hold every block the store uses. DuckDB opens a file cut short
        after its headers (a copy that stopped half way) without a word, fails only when
        a statement reads a missing block, and lets a writer add its blocks after the
        cut. Checked here, before any statement reads or writes, so that such a file is
        refused untouched.

        The header's block count is no measure: DuckDB shortens the file when its last
        blocks become free and keeps counting them. The file must hold at least as many
        blocks as are in use, and every block a table or the catalog's metadata lies in
        (a cut that removed only free blocks and an index's blocks is met when the index
        is read: then the command ends as for a damaged block)."""
        size = self.connection.execute(
            "SELECT used_blocks, block_size FROM pragma_database_size()"
            " WHERE database_name = current_database()"
        ).fetchone()
        if size is None:
            return
        used, block_size = size
        # One query over the few tables of the store (pragma_storage_info takes a literal).
        lasts = ["SELECT max(block_id) AS block_id FROM pragma_metadata_info()"] + [
            f"SELECT max(block_id) FROM pragma_storage_info('{table}')"
            for table in self._table_names()
        ]
        row = self.connection.execute(
            "SELECT max(block_id) FROM (" + " UNION ALL ".join(lasts) + ")"
        ).fetchone()
        last_block = row[0] if row else None
        blocks = max(used or 0, (last_block + 1) if last_block is not None else 0)
        if self.path.stat().st_size < FILE_HEADERS_BYTES + blocks * block_size:
            raise UnusableStoreError(_(TRUNCATED).format(path=self.path))

    def _prepare_schema(self, read_only: bool) -> None:
        tables = set(self._table_names())
        if not tables:
            if read_only:
                raise UnusableStoreError(
                    _("{path} is an empty database, not a starrating store").format(path=self.path)
                )
            with self.transaction():
                create_schema(self.connection)
            return
        if "meta" not in tables:
            raise UnusableStoreError(
                _(
                    "{path} is a DuckDB database but not a starrating store "
                    "(it has no `meta` table); use another --db"
                ).format(path=self.path)
            )
        row = self.connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
        version = row[0] if row else None
        if version not in READABLE_VERSIONS:
            newer = version is not None and version.isdigit() and int(version) > int(SCHEMA_VERSION)
            refusal = (
                _(
                    "the store {path} was written by a newer version of starrating (schema "
                    "version {version}); this version of starrating reads schema version {ours}"
                )
                if newer
                else _(
                    "the store {path} has an unknown layout (schema version {version}); this "
                    "version of starrating reads schema version {ours}"
                )
            )
            raise UnusableStoreError(
                refusal.format(path=self.path, version=version or _("missing"), ours=SCHEMA_VERSION)
            )
        self.schema_version = version
        if read_only:
            # Read as it is: a reader never writes (a version-1 store has no chains).
            return
        # Only a store that lacks a late column or the chains is written to: opening an
        # up-to-date one changes nothing.
        if version != SCHEMA_VERSION:
            with self.transaction():
                ensure_event_columns(self.connection)
                self.upgraded = self._upgrade_to_v2("runs" in tables)
            self.schema_version = SCHEMA_VERSION
        elif not has_for_period(self.connection):
            with self.transaction():
                ensure_event_columns(self.connection)

    def _upgrade_to_v2(self, has_run_tables: bool) -> tuple[int, int]:
        """Version 1 → 2, once, inside the open transaction: the chains of runs and
        ingests computed over the existing rows in their recorded order (store/chain.py)."""
        if has_run_tables:
            ensure_run_tables(self.connection)  # the late columns of runs first
        chained = upgrade_to_v2(self.connection, has_run_tables)
        self.connection.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION]
        )
        return chained

    def _table_names(self) -> list[str]:
        """The store's own tables (not the temporary ones of an ingest), by name."""
        return [
            row[0]
            for row in self.connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
            ).fetchall()
        ]

    # -- life cycle ------------------------------------------------------------------

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object
    ) -> None:
        """Close the store. A damaged block DuckDB met while the block ran (a checksum
        that does not match, a block missing from the file) becomes the same refusal as
        at open: the transaction the block was in has been rolled back, so nothing was
        changed, and the command ends with a message instead of a traceback."""
        self.close()
        if exc is not None:
            damaged = damaged_store_error(self.path, exc)
            if damaged is not None:
                raise damaged from None

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK when the block raises.

        Nested blocks join the outermost transaction (DuckDB has no savepoints): an
        exception leaving a nested block rolls back everything when it leaves the
        outermost one.
        """
        if self._depth > 0:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.connection.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            with contextlib.suppress(duckdb.Error):
                self.connection.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            # DuckDB turns the COMMIT of a transaction in which a statement failed into a
            # silent ROLLBACK: make that loud, so nobody reports changes that were lost.
            self.connection.execute("SELECT 1").fetchall()
        except duckdb.Error:
            with contextlib.suppress(duckdb.Error):
                self.connection.execute("ROLLBACK")
            raise StoreError(
                _("a statement failed inside a transaction on {path}: nothing was saved").format(
                    path=self.path
                )
            ) from None
        try:
            self.connection.execute("COMMIT")
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                self.connection.execute("ROLLBACK")
            raise StoreError(
                _("could not save the changes to {path}: {reason}").format(
                    path=self.path, reason=exc
                )
            ) from None

    # -- for the engine --------------------------------------------------------------

    def ensure_run_tables(self) -> None:
        """``runs``, ``results`` and ``contributions`` (schema.RUN_TABLES), before a run is
        recorded in this store."""
        ensure_run_tables(self.connection)

    def data_catalog(self) -> Catalog:
        """The catalog the data seen so far implies (docs/data.md section 1): every event
        type ever ingested (``void`` aside) with its attributes and their types, and the
        roster attributes. ``known_events`` is True once at least one event is stored."""
        events: dict[str, dict[str, str]] = {}
        for (event_type,) in self.connection.execute(
            "SELECT DISTINCT type FROM events WHERE type <> ? ORDER BY type", [VOID_TYPE]
        ).fetchall():
            events[event_type] = {}
        roster = dict(STANDARD_ROSTER_ATTRIBUTES)
        for scope, name, kind in self.connection.execute(
            "SELECT scope, name, type FROM attribute_types ORDER BY scope, name"
        ).fetchall():
            if scope == ROSTER_SCOPE:
                roster.setdefault(name, kind)  # the standard columns keep their types
            elif scope != VOID_TYPE:
                events.setdefault(scope, {})[name] = kind
        (stored,) = self.connection.execute("SELECT count(*) FROM events").fetchone() or (0,)
        return Catalog(events=events, roster=roster, known_events=stored > 0)

    def table_counts(self) -> dict[str, int]:
        """Rows per table (for tests, and for `starrating` status messages)."""
        counts: dict[str, int] = {}
        for name in self._table_names():
            row = self.connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            counts[name] = row[0] if row else 0
        return counts


def damaged_store_error(path: Path, exc: BaseException) -> UnusableStoreError | None:
    """The refusal for ``exc`` when it is DuckDB finding the file at ``path`` damaged (a
    block that fails its checksum, or is missing from a file cut short); else None."""
    if not isinstance(exc, duckdb.Error):
        return None
    message = str(exc)
    if SHORT_READ in message:
        return UnusableStoreError(_(TRUNCATED).format(path=path))
    checksum = BAD_CHECKSUM_RE.search(message)
    if checksum is None:
        return None
    if checksum.group(1) is None:
        return UnusableStoreError(_(CORRUPT_CHECKSUM).format(path=path))
    return UnusableStoreError(_(CORRUPT_BLOCK).format(path=path, offset=checksum.group(1)))


def _open_error(path: Path, exc: duckdb.Error) -> StoreError:
    message = str(exc)
    # Not any message with "lock" in it: DuckDB's checksum errors say "block".
    if any(words in message for words in LOCK_HELD):
        return StoreBusyError(
            _(
                "database is busy: another starrating process is using {path}; "
                "try again when it has finished"
            ).format(path=path)
        )
    if "not a valid DuckDB database" in message:
        return UnusableStoreError(_(NOT_A_DATABASE).format(path=path, what=""))
    damaged = damaged_store_error(path, exc)
    if damaged is not None:
        return damaged
    first = message.splitlines()[0] if message else type(exc).__name__
    return StoreError(_("cannot open the store {path}: {reason}").format(path=path, reason=first))
