"""What the commands read before they work: policy files, the catalog, the store and
data files to ingest first. Problems come out as click usage errors (exit status 2) or
as `CommandError` (exit status 1), as docs/data.md section 4 says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from ..engine.periods import PeriodError, parse_label
from ..engine.runs import RunError, parse_as_of
from ..language.catalog import Catalog, merge_catalogs
from ..language.diagnostics import Diagnostic, render_text
from ..language.policyfiles import (
    PolicyFile,
    PolicyPathError,
    check_files,
    expand_paths,
    resolve_catalog,
)
from ..store.ingest import IngestError, ingest_files
from ..store.store import Store, StoreError, resolve_db_path
from .errors import AlreadyReported
from .terminal import plural

# Ingest problems printed per file; the rest are counted.
SHOWN_PROBLEMS = 50


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
        click.echo("nothing was done: fix the catalog first", err=True)
        raise AlreadyReported
    return catalog


def with_data_catalog(catalog: Catalog | None, db: str | None) -> Catalog | None:
    """Add what the store has seen (docs/data.md section 1: without a catalog, the data
    seen so far is the catalog). Only an existing store is read; none is created."""
    path = resolve_db_path(db, catalog)
    if not path.is_file():
        return catalog
    try:
        with Store.open(path, read_only=True) as store:
            return merge_catalogs(catalog, store.data_catalog())
    except StoreError as exc:
        click.echo(f"starrating: note: the store was not read: {exc}", err=True)
        return catalog


def open_store(db: str | None, catalog: Catalog | None, read_only: bool = False) -> Store:
    """The store of --db (or the catalog's `database`, or the default); read-only for the
    commands that only look (`runs`, `replay`, `explain`, `report`), which also need it to
    exist already. A StoreError becomes `starrating: error:` (main.py)."""
    return Store.open(resolve_db_path(db, catalog), read_only=read_only)


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


def check_period_syntax(period: str, as_of_text: str | None) -> None:
    """A malformed --period or --as-of is a usage error (exit 2), found before any work."""
    if period.strip().lower() != "previous":
        try:
            parse_label(period)
        except PeriodError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from None
    if as_of_text is not None:
        try:
            parse_as_of(as_of_text, UTC)
        except RunError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None


def ingest_data(
    store: Store,
    roster_files: Sequence[str],
    event_files: Sequence[str],
    catalog: Catalog | None,
    quiet: bool = True,
) -> None:
    """Ingest the files (rosters first) in one transaction; on any problem report every
    problem, keep nothing, and exit 1. ``quiet`` (for `run` and `diff`, which ingest
    first) sends the report to standard error and leaves out the per-file counts; the
    `ingest` command prints it on standard output."""
    if not event_files and not roster_files:
        return
    for name in (*roster_files, *event_files):
        if not Path(name).is_file():
            raise click.UsageError(f"no such file: {name}")
    try:
        reports = ingest_files(
            store,
            events=[Path(f) for f in event_files],
            rosters=[Path(f) for f in roster_files],
            catalog=catalog,
            now=datetime.now(UTC),
        )
        failed = False
    except IngestError as exc:
        reports, failed = exc.reports, True
    for report in reports:
        for problem in report.problems[:SHOWN_PROBLEMS]:
            click.echo(problem, err=quiet)
        if len(report.problems) > SHOWN_PROBLEMS:
            more = plural(len(report.problems) - SHOWN_PROBLEMS, "more problem")
            click.echo(f"... and {more}", err=quiet)
        if not report.problems and not quiet:
            click.echo(f"{report.file}: {plural(report.rows, 'row')}, {report.added} new")
    if failed:
        click.echo(
            "nothing was ingested: fix the problems above and run the command again", err=quiet
        )
        raise AlreadyReported
