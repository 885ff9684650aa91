"""What the commands on data read before they work: the store, data files to ingest
first, and the period and as-of time to evaluate. Problems come out as click usage errors
(exit status 2) or as `CommandError` (exit status 1), as docs/data.md section 4 says.

Apart from inputs.py because this module imports the store (DuckDB) and the engine, which
`check` and `fmt` never need.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from ..engine.periods import PeriodError, parse_label
from ..engine.runs import RunError, parse_as_of
from ..i18n import _, ngettext
from ..language.catalog import Catalog
from ..store.ingest import IngestError, ingest_files
from ..store.location import resolve_db_path
from ..store.schema import SCHEMA_VERSION
from ..store.store import Store
from .errors import AlreadyReported, report_note, report_warning

# Ingest problems printed per file; the rest are counted.
SHOWN_PROBLEMS = 50


def open_store(db: str | None, catalog: Catalog | None, read_only: bool = False) -> Store:
    """The store of --db (or the catalog's `database`, or the default); read-only for the
    commands that only look (`runs`, `replay`, `explain`, `report`), which also need it to
    exist already. A StoreError becomes `starrating: error:` (main.py). Opening a
    version-1 store for writing upgrades it once, and says so (docs/data.md section 3)."""
    store = Store.open(resolve_db_path(db, catalog), read_only=read_only)
    if store.upgraded is not None:
        runs, ingests = store.upgraded
        report_note(
            _(
                "upgraded the store {path} to schema version {version}: chained its {runs}"
                " and {ingests} in their recorded order (`starrating verify` checks them)"
            ).format(
                path=store.path,
                version=SCHEMA_VERSION,
                runs=ngettext("{count} run", "{count} runs", runs).format(count=runs),
                ingests=ngettext("{count} ingest", "{count} ingests", ingests).format(
                    count=ingests
                ),
            )
        )
    return store


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
            raise click.UsageError(_("no such file: {file}").format(file=name))
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
            more = len(report.problems) - SHOWN_PROBLEMS
            click.echo(
                ngettext(
                    "... and {count} more problem", "... and {count} more problems", more
                ).format(count=more),
                err=quiet,
            )
        if not report.problems and not quiet:
            click.echo(
                ngettext(
                    "{file}: {count} row, {added} new",
                    "{file}: {count} rows, {added} new",
                    report.rows,
                ).format(file=report.file, count=report.rows, added=report.added)
            )
    if failed:
        click.echo(
            _("nothing was ingested: fix the problems above and run the command again"), err=quiet
        )
        raise AlreadyReported
    # Warnings go to standard error even for `ingest`, whose summary is on standard output.
    for report in reports:
        for warning in report.warnings:
            report_warning(warning)
