"""Where the store is: the path of ``--db``, of the catalog's ``database``, or the default.

Enters: ``--db`` and the catalog. Leaves: the store's path. Kept apart from ``store.py``
because commands that only read policies (`check`) ask where a store would be, to read
what it has seen only if it exists, and must not import DuckDB to find out.
"""

from __future__ import annotations

from pathlib import Path

from ..language.catalog import Catalog

DEFAULT_DATABASE = "starrating.duckdb"


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
