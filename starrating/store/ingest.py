"""Validating data files and adding them to the store (docs/data.md sections 1 and 2).

Reading
    The format comes from the extension: ``.csv`` (UTF-8, a header line, ``,`` and ``"``),
    ``.jsonl`` (one JSON object per line) or ``.parquet``. Files are read only by DuckDB:
    ``read_csv`` with every column as text and bad lines collected in a rejects table,
    ``read_text`` plus DuckDB's JSON functions for JSON Lines (``read_json`` skips blank
    lines and stops at the first bad one, so it could name neither the right line nor
    every bad line), ``read_parquet`` with ``file_row_number``. Every value becomes text
    (trimmed; an empty cell is no value) in a staging table that numbers the file's
    lines or rows (for Parquet a view over the file, read once by the loader), and all
    validation is set-based SQL over the loader's one table of parsed values. The order
    in which rows are stored means nothing: nothing reads ``rowid`` or relies on it.

Where a problem is
    CSV: ``FILE:LINE`` with the header on line 1 (a quoted value spanning lines moves
    the following rows down; DuckDB skips blank lines, which therefore are not counted).
    JSON Lines: ``FILE:LINE``. Parquet: ``FILE:row N`` (N from 1). A problem with the
    whole file: ``FILE: message``.

Events
    ``event_id``, ``employee_id``, ``type``, ``occurred_at`` are required; ``recorded_at``,
    ``value``, ``voids`` and ``for_period`` (a period label, stored upper case; the
    engine counts the event in that period: engine/forperiod.py) are optional; any other
    column is an attribute. Times are ISO
    8601 (``2026-10-28T10:00:00+08:00``, ``2026-10-28 10:00``, ``...Z``, ``...+0800``; a
    bare date is local midnight). With an offset a time is exact (``occurred_utc``);
    without one it is local time in the policy's zone (``occurred_local``). A
    ``recorded_at`` without an offset is in the catalog's timezone (else UTC); without a
    ``recorded_at`` the event is recorded at the ingest time. A ``void`` row cancels the
    event named in ``voids``, which must be in the file or the store and must not itself
    be a void.

    An event's content (``content_sha256``) covers employee, type, ``occurred_at`` as
    written, value, voids, the attributes, ``recorded_at`` only when the file gives
    it and ``for_period`` only when the row has one: ingesting the same rows again adds
    nothing, and an ``event_id`` that comes back with different content is an error (a
    correction is a new event plus a ``void``).
    The digest is ``sha256(to_json([...]))`` of those values (docs/data.md section 2
    defines it exactly); stores written by earlier versions hold it, so it never changes.
    It is computed for the rows written and for the rows whose ``event_id`` collides
    (in the file or with the store), never twice for a row. ``event_id`` is unique in
    ``events`` because of these checks and the insert's anti-joins (see :mod:`.schema`).

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
    in any of them keeps none of them. So does a kill at any moment before the commit
    (the files are read and checked before the transaction begins; DuckDB drops an
    uncommitted transaction when the store is next opened): docs/data.md section 3,
    tests/test_faults.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..language.catalog import Catalog
from .events import apply_events
from .roster import apply_roster
from .staging import (
    IngestError,
    IngestReport,
    Staged,
    read_staged,
)
from .store import Store

# DuckDB's memory for an ingest when STARRATING_MEMORY_LIMIT is not set (and the store's
# own limit is higher): the file's parsed values and the new rows are spilled beyond it,
# so that an ingest of 20 million events stays under 4 GB of process memory (docs/data.md
# section 3), a little more headroom than the store's default limit leaves.
INGEST_MEMORY_MB = 2500
INGEST_MEMORY_LIMIT = f"{INGEST_MEMORY_MB}MB"

# -- public API ---------------------------------------------------------------------


def ingest_events(store: Store, path: Path, catalog: Catalog | None, now: datetime) -> IngestReport:
    """Validate an events file and, when it has no problem, add it to the store."""
    with _ingest_memory(store):
        return _ingest_one(store, Path(path), "events", catalog, now)


def ingest_roster(store: Store, path: Path, catalog: Catalog | None, now: datetime) -> IngestReport:
    """Validate a roster file and, when it has no problem, add its new versions."""
    with _ingest_memory(store):
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
    staged: list[Staged] = []
    with _ingest_memory(store):
        return _ingest_all(store, work, staged, catalog, now)


def _ingest_all(
    store: Store,
    work: list[tuple[Path, str]],
    staged: list[Staged],
    catalog: Catalog | None,
    now: datetime,
) -> list[IngestReport]:
    try:
        # Files are read before the transaction starts: a file DuckDB cannot read must
        # not abort the transaction (only inside an outer one is that unavoidable).
        for path, kind in work:
            staged.append(read_staged(store, path, kind))
            if staged[-1].aborted:
                raise IngestError([_report(s) for s in staged if s.problems])
        with store.transaction():
            reports = []
            for item in staged:
                reports.append(_apply(store, item, catalog, now))
                if item.aborted:  # the transaction is unusable: the later files wait
                    raise IngestError([r for r in reports if r.problems])
            if any(r.problems for r in reports):
                raise IngestError(reports)
        return reports
    finally:
        for item in staged:
            _drop(store, item)


# -- one file -----------------------------------------------------------------------


def _ingest_one(
    store: Store, path: Path, kind: str, catalog: Catalog | None, now: datetime
) -> IngestReport:
    staged = read_staged(store, path, kind)
    outer = store.in_transaction
    try:
        if staged.aborted:
            raise IngestError([_report(staged)])
        report = _report(staged)
        try:
            with store.transaction():
                report = _apply(store, staged, catalog, _utc_now(now))
                if staged.aborted:
                    raise _ReadFailed  # rolls back the transaction the failed read broke
                return report
        except _ReadFailed:
            if outer:  # the caller's transaction is broken too: it must roll back
                raise IngestError([report]) from None
            return report
    finally:
        _drop(store, staged)


class _ReadFailed(Exception):
    """A staged file could not be read inside the ingest's transaction (a damaged
    Parquet page: see :func:`~.staging.read_values`)."""


def _report(staged: Staged) -> IngestReport:
    return IngestReport(
        staged.file, staged.sha256, staged.rows, 0, list(staged.problems), staged.kind
    )


def _apply(store: Store, staged: Staged, catalog: Catalog | None, now: datetime) -> IngestReport:
    report = _report(staged)
    if not staged.problems:
        apply = apply_events if staged.kind == "events" else apply_roster
        apply(store, staged, catalog, now, report)
        # A loader stops at the first step that finds problems: they are the file's.
        report.problems = staged.problems
    return report


def _drop(store: Store, staged: Staged) -> None:
    for table in staged.temp:
        with contextlib.suppress(duckdb.Error):
            store.connection.execute(f"DROP TABLE IF EXISTS {table}")
    for view in staged.views:
        with contextlib.suppress(duckdb.Error):
            store.connection.execute(f"DROP VIEW IF EXISTS {view}")


@contextlib.contextmanager
def _ingest_memory(store: Store) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``INGEST_MEMORY_LIMIT`` for the ingest, then the
    store's again; unchanged when STARRATING_MEMORY_LIMIT is set (the user's choice) or
    when the store's limit is already lower."""
    settings = store.settings
    if settings is None or settings.memory_mb is None or settings.memory_mb <= INGEST_MEMORY_MB:
        yield
        return
    store.connection.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        # After a failed statement the transaction may refuse even this; the command
        # is failing then, and the next store it opens has its own settings.
        with contextlib.suppress(duckdb.Error):
            store.connection.execute(f"SET memory_limit = '{settings.memory_limit}'")


def _utc_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)
