"""What `check`, `fmt` and the other commands read of policies: policy files and folders,
and the catalog (with what an existing store has seen). Problems come out as click usage
errors (exit status 2) or as `CommandError` (exit status 1), as docs/data.md section 4
says.

This module imports the language package only: `check` and `fmt` import it, and must not
pay for DuckDB, the engine or the store (the data commands read those in data_inputs.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..i18n import _
from ..language.catalog import Catalog, merge_catalogs
from ..language.diagnostics import Diagnostic, render_text
from ..language.policyfiles import (
    PolicyFile,
    PolicyPathError,
    check_files,
    expand_paths,
    resolve_catalog,
)
from ..store.location import resolve_db_path
from .errors import AlreadyReported


def policy_paths(paths: Sequence[str]) -> list[Path]:
    """POLICY arguments as .policy files (a folder means each of its files); a path that
    does not exist is a usage error."""
    try:
        return expand_paths(list(paths))
    except PolicyPathError as exc:
        raise click.UsageError(str(exc)) from None


def catalog_with_problems(catalog_path: str | None) -> tuple[Catalog | None, list[Diagnostic]]:
    """The catalog and its problems; an explicit --catalog that does not exist is a usage
    error."""
    try:
        return resolve_catalog(catalog_path)
    except PolicyPathError as exc:
        raise click.UsageError(str(exc)) from None


def load_catalog(catalog_path: str | None) -> Catalog | None:
    """The catalog, for every command but `check` (which reports its problems among the
    diagnostics): a catalog with problems stops the command before it does anything."""
    catalog, problems = catalog_with_problems(catalog_path)
    if problems:
        for problem in problems:
            click.echo(render_text(problem, None), err=True)
        click.echo(_("nothing was done: fix the catalog first"), err=True)
        raise AlreadyReported
    return catalog


def with_data_catalog(catalog: Catalog | None, db: str | None) -> Catalog | None:
    """Add what the store has seen (docs/data.md section 1: without a catalog, the data
    seen so far is the catalog). Only an existing store is read; none is created."""
    path = resolve_db_path(db, catalog)
    if not path.is_file():
        return catalog
    # Imported here, not at the top: the store brings in DuckDB, which `check` needs
    # only when there is a store to read, and importing it costs more than the check.
    from ..store.store import Store, StoreError, UnusableStoreError

    try:
        with Store.open(path, read_only=True) as store:
            return merge_catalogs(catalog, store.data_catalog())
    except StoreError as exc:
        if db and isinstance(exc, UnusableStoreError):
            raise  # named by --db: refused as by every command (exit status 2, main.py)
        click.echo(
            "starrating: note: " + _("the store was not read: {reason}").format(reason=exc),
            err=True,
        )
        return catalog


def checked_policies(policies: Sequence[str], catalog: Catalog | None) -> list[PolicyFile]:
    """Parse and check, printing every diagnostic on standard error; the caller decides
    what an error stops (and rolls back)."""
    files = check_files(policy_paths(policies), catalog)
    problems = [d for f in files for d in f.diagnostics]
    if problems:
        sources = {f.path: f.source for f in files}
        for diagnostic in problems:
            click.echo(render_text(diagnostic, sources.get(diagnostic.file or "")), err=True)
    return files
