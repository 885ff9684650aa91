"""Commands that take in data and evaluate it: `ingest`, `run` and `test` (docs/data.md
4.3, 4.4, 4.10)."""

from __future__ import annotations

from pathlib import Path

import click

from ..audit.closing import check_periods_ended, close_each, close_periods
from ..engine.policytest import TestFileError, run_test_file
from ..engine.runs import PlannedRun, RunDocument, plan_runs, run_policy
from ..i18n import N_, _
from ..language.catalog import Catalog, merge_catalogs
from ..language.diagnostics import display_width
from ..language.policyfiles import PolicyFile
from ..output.csv import render_csv
from ..output.json import render_run_documents as render_runs_json
from ..output.text import render_table
from ..store.store import Store
from .data_inputs import check_period_syntax, ingest_data, open_store
from .errors import (
    NOTHING_WAS_RUN,
    AlreadyReported,
    CommandError,
    report_error,
    report_warning,
)
from .inputs import checked_policies, load_catalog
from .options import (
    CATALOG_SEARCH_HELP,
    as_of_option,
    catalog_option,
    db_option,
    events_option,
    format_option,
    period_option,
    policy_name_option,
    roster_option,
)
from .terminal import progress
from .translated import command, option


@command(
    help=N_(
        "Validate data files and add them to the store (rosters first, then events).\n\n"
        "Every bad row is reported as FILE:LINE: message; if any file has a problem, nothing "
        "of this command is kept."
    )
)
@events_option(N_("an events file (.csv, .jsonl or .parquet); may be repeated"))
@roster_option(N_("a roster file; may be repeated"))
@catalog_option(CATALOG_SEARCH_HELP)
@db_option(N_("the store (default: `database` in starrating.yaml, else starrating.duckdb here)"))
def ingest(
    event_files: tuple[str, ...],
    roster_files: tuple[str, ...],
    catalog_path: str | None,
    db: str | None,
) -> None:
    """Validate data files and add them to the store (rosters first, then events).

    Every bad row is reported as FILE:LINE: message; if any file has a problem, nothing
    of this command is kept.
    """

    if not event_files and not roster_files:
        raise click.UsageError(_("nothing to ingest: give --events FILE and/or --roster FILE"))
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog) as store:
        ingest_data(store, roster_files, event_files, catalog, quiet=False)


@command(
    help=N_(
        "Evaluate POLICY (a file or a folder) for a period, record the run, print results.\n\n"
        "With --official the run closes the period: it becomes the official result for its "
        "policy and period. Again for a closed period, it exits 0 naming the official run when "
        "the results are identical, and 1 when they differ, unless --amend --reason TEXT."
    )
)
@click.argument("policy")
@period_option()
@events_option()
@roster_option()
@as_of_option()
@format_option("table", "json", "csv")
@option("--out", "out_file", metavar="FILE", help=N_("write the results to FILE"))
@policy_name_option(N_("pick one policy of a folder"))
@option("--official", is_flag=True,
        help=N_("close the period: record the run as its official result"))  # fmt: skip
@option("--amend", is_flag=True,
        help=N_("with --official: replace an official result that differs"))  # fmt: skip
@option("--reason", metavar="TEXT", help=N_("with --amend: why the official result changes"))
@catalog_option()
@db_option()
def run(policy: str, period: str, event_files: tuple[str, ...], roster_files: tuple[str, ...],
        as_of_text: str | None, output_format: str, out_file: str | None,
        policy_name: str | None, official: bool, amend: bool, reason: str | None,
        catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """Evaluate POLICY (a file or a folder) for a period, record the run, print results.

    With --official the run closes the period: it becomes the official result for its
    policy and period. Again for a closed period, it exits 0 naming the official run when
    the results are identical, and 1 when they differ, unless --amend --reason TEXT.
    """
    check_period_syntax(period, as_of_text)
    if (amend or reason is not None) and not official:
        raise click.UsageError(_("--amend and --reason go with --official"))
    if amend and not (reason or "").strip():
        raise click.UsageError(_("--amend needs --reason TEXT: why the official result changes"))
    if reason is not None and not amend:
        raise click.UsageError(_("--reason goes with --amend"))
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog) as store:
        # The data files go in only if the policy checks clean and can run (and, with
        # --official for one policy, only if the period may be closed): one transaction
        # for all of it, so that an exit status of 1 means nothing changed (the error
        # raised inside rolls it back). A folder's policies are closed each on its own
        # afterwards: one refusal (exit 1) does not keep the others' periods open.
        documents: list[RunDocument] = []
        with store.transaction():
            ingest_data(store, roster_files, event_files, catalog)
            run_catalog = merge_catalogs(catalog, store.data_catalog())
            files = checked_policies((policy,), run_catalog)
            if any(not f.ok for f in files):
                raise CommandError(_(NOTHING_WAS_RUN))
            batch = Path(policy).is_dir() and policy_name is None
            planned = _plan(files, period, policy_name, as_of_text, run_catalog, batch)
            if official:
                # Before anything is closed, and inside the transaction so that the data
                # files go too: a folder's policies are all refused or none.
                check_periods_ended(planned, run_catalog)
            if official and not batch:
                documents = _close(store, planned, run_catalog, reason)
        refused = False
        if official and batch:
            # Each policy of a folder is its own run and is closed on its own.
            outcomes = close_each(store, planned, run_catalog, amend_reason=reason)
            for outcome in outcomes:
                if outcome.ok:
                    click.echo(outcome.message, err=True)
                else:
                    report_error(outcome.message)
            documents = [o.document for o in outcomes if o.ok]
            refused = not all(o.ok for o in outcomes)
        if not official:
            with progress(planned, _("running")) as steps:
                documents = [
                    run_policy(store.connection, p.item, run_catalog, p.target, p.as_of)
                    for p in steps
                ]
        # One document for a file, a folder with one policy name or --policy NAME; an
        # array otherwise.
        names = {f.policy.name for f in files if f.policy is not None}
        single = policy_name is not None or len(names) == 1
    _print_warnings(documents)
    _print_results(documents, output_format, single, out_file)
    if refused:
        raise AlreadyReported  # the other policies' periods were closed, and are printed above


def _print_warnings(documents: list[RunDocument]) -> None:
    """Each run's warnings on standard error; with several runs, each names its run."""
    for document in documents:
        run = document.run
        warnings = run.get("warnings") or []
        assert isinstance(warnings, list)
        for warning in warnings:
            if len(documents) > 1:
                warning = f'"{run["policy"]}" {run["period"]}: {warning}'
            report_warning(warning)


def _print_results(
    documents: list[RunDocument], output_format: str, single: bool, out_file: str | None
) -> None:
    """The results of `run` in the chosen format, on standard output or into --out FILE."""
    if output_format == "json":
        text = render_runs_json(documents, single=single)
    elif output_format == "csv":
        text = render_csv(documents)
    else:
        text = "\n".join(
            render_table(d, d.evaluation.names if d.evaluation else None) for d in documents
        )
    if out_file:
        Path(out_file).write_text(text, encoding="utf-8")
        click.echo(
            _("wrote {count} run(s) to {file}").format(count=len(documents), file=out_file),
            err=True,
        )
    else:
        click.echo(text, nl=False)


def _plan(
    files: list[PolicyFile], period: str, policy_name: str | None, as_of_text: str | None,
    run_catalog: Catalog, batch: bool,
) -> list[PlannedRun]:  # fmt: skip
    """The runs to make, each skipped policy noted on standard error; a RunError (no such
    policy, no version in force) becomes `starrating: error:` (main.py)."""
    planned, skipped = plan_runs(files, period, policy_name, as_of_text, run_catalog, batch)
    for note in skipped:
        click.echo(note, err=True)
    if not planned and period.strip().lower() != "previous":
        raise CommandError(_("no policy here can run {period}").format(period=period))
    # With `previous` (the batch job), a folder whose policies all have nothing to run
    # yet is not a failure: each was skipped with a note, and the job has done its work.
    return planned


def _close(
    store: Store, planned: list[PlannedRun], run_catalog: Catalog, reason: str | None
) -> list[RunDocument]:
    """`run --official`: close each planned run's period (audit.close_periods), inside the
    caller's transaction; a refusal (ClosingRefused, an AuditError) exits 1 and so rolls
    all of it back."""
    outcomes = close_periods(store, planned, run_catalog, amend_reason=reason)
    for outcome in outcomes:
        click.echo(outcome.message, err=True)
    return [o.document for o in outcomes]


@command(name="test", help=N_("Run policy test cases (given roster and events, expect values)."))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@catalog_option()
@db_option(N_("accepted for symmetry; each case uses its own store"))
def test_command(files: tuple[str, ...], catalog_path: str | None, db: str | None) -> None:
    """Run policy test cases (given roster and events, expect values)."""
    catalog = load_catalog(catalog_path)
    passed = failed = 0
    # `ok    FILE: CASE` and `FAIL  FILE: CASE`, the names in one column and each failure
    # under its case, in columns of the terminal (a Chinese mark is wider than its letters).
    ok_mark, fail_mark = _("ok"), _("FAIL")
    width = max(display_width(ok_mark), display_width(fail_mark)) + 2
    ok_mark += " " * (width - display_width(ok_mark))
    fail_mark += " " * (width - display_width(fail_mark))
    for name in files:
        try:
            results = run_test_file(Path(name), catalog)
        except TestFileError as exc:
            # A broken test file counts as a failure; the other files still run.
            report_error(str(exc))
            failed += 1
            continue
        for result in results:
            if result.passed:
                passed += 1
                click.echo(f"{ok_mark}{result.file}: {result.name}")
            else:
                failed += 1
                click.echo(f"{fail_mark}{result.file}: {result.name}")
                for failure in result.failures:
                    click.echo(" " * width + failure)
    click.echo(_("{passed} passed, {failed} failed").format(passed=passed, failed=failed))
    if failed:
        raise AlreadyReported
