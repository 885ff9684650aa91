"""The `starrating` command line: parses arguments and calls the library, nothing more.

Exit status (docs/data.md section 4): 0 success, 1 a problem in a policy or the data
(reported, nothing changed), 2 a usage error.
"""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .. import __version__
from ..audit.closing import ClosingRefused, close_each, close_periods
from ..audit.explain import ExplainError
from ..audit.explain import explain as explain_run
from ..audit.replay import render_replay, replay_run
from ..audit.runs import AuditError, list_runs, no_runs_message, render_runs, runs_json
from ..audit.whatif import WhatIfError, evaluate_whatif
from ..audit.whatif import render_json as render_whatif_json
from ..audit.whatif import render_text as render_whatif_text
from ..engine.evaluate import policy_timezone
from ..engine.periods import PeriodError, parse_label
from ..engine.policytest import TestFileError, run_test_file
from ..engine.runs import (
    PlannedRun,
    RunDocument,
    RunError,
    compile_sql,
    document_json,
    parse_as_of,
    plan_runs,
    resolve_target,
    run_policy,
)
from ..language.catalog import Catalog, merge_catalogs
from ..language.diagnostics import has_errors, render_json, render_text
from ..language.policyfiles import (
    PolicyFile,
    PolicyPathError,
    check_files,
    expand_paths,
    read_policy,
    resolve_catalog,
)
from ..output.csv import render_csv
from ..output.documents import ReportError, load_report
from ..output.html import render_html
from ..output.json import render_run_documents as render_runs_json
from ..output.text import render_table
from ..output.xlsx import write_xlsx
from ..store.ingest import IngestError, ingest_files
from ..store.store import Store, StoreError, resolve_db_path


def _policy_paths(paths: tuple[str, ...]) -> list[Path]:
    try:
        return expand_paths(list(paths))
    except PolicyPathError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="starrating")
def cli() -> None:
    """Star ratings for service staff, driven by a policy language."""


@cli.command()
@click.argument("policies", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for editors and CI",
)
@click.option(
    "--catalog",
    "catalog_path",
    metavar="FILE",
    help="catalog of event types and attributes (default: starrating.yaml here or "
    "in a parent folder)",
)
@click.option("--db", metavar="PATH", help="the store (accepted by every command)")
def check(
    policies: tuple[str, ...], output_format: str, catalog_path: str | None, db: str | None
) -> None:
    """Parse and check POLICIES (files or folders); exit 1 if any has an error."""
    paths = _policy_paths(policies)
    try:
        catalog, catalog_problems = resolve_catalog(catalog_path)
    except PolicyPathError as exc:
        raise click.UsageError(str(exc)) from None
    catalog = _with_data_catalog(catalog, db)
    files = check_files(paths, catalog)
    diagnostics = [*catalog_problems, *(d for f in files for d in f.diagnostics)]
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if output_format == "json":
        document = {
            "files": [f.path for f in files],
            "catalog": catalog.path if catalog else None,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": json.loads(render_json(diagnostics)),
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        sources = {f.path: f.source for f in files}
        for diagnostic in diagnostics:
            click.echo(render_text(diagnostic, sources.get(diagnostic.file or "")))
            click.echo()
        noun = "policy" if len(files) == 1 else "policies"
        click.echo(
            f"checked {len(files)} {noun}: {_count(errors, 'error')}, {_count(warnings, 'warning')}"
        )
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("policies", nargs=-1, required=True)
@click.option("--check", "check_only", is_flag=True, help="exit 1 if a file is not canonical")
@click.option("--write", is_flag=True, help="rewrite files in canonical form")
@click.option("--db", metavar="PATH", help="the store (accepted by every command)")
def fmt(policies: tuple[str, ...], check_only: bool, write: bool, db: str | None) -> None:
    """Print POLICIES in canonical form (or check or rewrite them)."""
    from ..language.formatter import format_policy

    if check_only and write:
        raise click.UsageError("--check and --write cannot be used together")
    paths = _policy_paths(policies)
    failed = False
    not_canonical: list[str] = []
    for path in paths:
        item = read_policy(path)
        if item.policy is None or has_errors(item.diagnostics):
            for diagnostic in item.diagnostics:
                click.echo(render_text(diagnostic, item.source), err=True)
            click.echo(f"{item.path}: not formatted: it does not parse", err=True)
            failed = True
            continue
        canonical = format_policy(item.policy)
        if check_only:
            if canonical != item.source:
                not_canonical.append(item.path)
                click.echo(f"would reformat {item.path}")
        elif write:
            if canonical != item.source:
                path.write_text(canonical, encoding="utf-8")
                click.echo(f"reformatted {item.path}")
        else:
            if len(paths) > 1:
                click.echo(f"==> {item.path} <==")
            click.echo(canonical, nl=False)
    if check_only and not not_canonical and not failed:
        click.echo(f"{_count(len(paths), 'file')} already canonical")
    sys.exit(1 if failed or not_canonical else 0)


@cli.command()
@click.option(
    "--events",
    "events_files",
    metavar="FILE",
    multiple=True,
    help="an events file (.csv, .jsonl or .parquet); may be repeated",
)
@click.option(
    "--roster", "roster_files", metavar="FILE", multiple=True, help="a roster file; may be repeated"
)
@click.option(
    "--catalog",
    "catalog_path",
    metavar="FILE",
    help="catalog of event types and attributes (default: starrating.yaml here or "
    "in a parent folder)",
)
@click.option(
    "--db",
    metavar="PATH",
    help="the store (default: `database` in starrating.yaml, else starrating.duckdb here)",
)
def ingest(
    events_files: tuple[str, ...],
    roster_files: tuple[str, ...],
    catalog_path: str | None,
    db: str | None,
) -> None:
    """Validate data files and add them to the store (rosters first, then events).

    Every bad row is reported as FILE:LINE: message; if any file has a problem, nothing
    of this command is kept.
    """

    if not events_files and not roster_files:
        raise click.UsageError("nothing to ingest: give --events FILE and/or --roster FILE")
    catalog = _catalog_or_exit(catalog_path)
    with _open_store(db, catalog) as store:
        _ingest_or_exit(store, roster_files, events_files, catalog, quiet=False)


# ---- evaluation: run, compile, test ------------------------------------------------------


def _open_store(db: str | None, catalog: Catalog | None) -> Store:
    try:
        return Store.open(resolve_db_path(db, catalog))
    except StoreError as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)


def _progress(items: list, label: str):
    """A progress bar on a terminal (stderr), nothing when the output is not a terminal
    (docs/data.md section 4): batch jobs and pipes stay quiet."""
    if len(items) > 1 and sys.stderr.isatty():
        return click.progressbar(items, label=label, file=sys.stderr)
    return contextlib.nullcontext(items)


class _PolicyErrors(Exception):
    """The policy did not check clean (its diagnostics are printed): roll back, exit 1."""


def _check_period_syntax(period: str, as_of_text: str | None) -> None:
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


def _checked_policies(
    policies: tuple[str, ...], catalog: Catalog | None, exit_on_error: bool = True
) -> list[PolicyFile]:
    """Parse and check, printing the diagnostics; on any error exit 1 (nothing runs)
    unless ``exit_on_error`` is false (the caller then rolls back and exits)."""
    files = check_files(_policy_paths(policies), catalog)
    problems = [d for f in files for d in f.diagnostics]
    if problems:
        sources = {f.path: f.source for f in files}
        for diagnostic in problems:
            click.echo(render_text(diagnostic, sources.get(diagnostic.file or "")), err=True)
    if exit_on_error and any(not f.ok for f in files):
        click.echo("starrating: error: the policy has errors; nothing was run", err=True)
        sys.exit(1)
    return files


@cli.command()
@click.argument("policy")
@click.option(
    "--period", required=True, help="2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026 or previous"
)
@click.option("--events", "event_files", multiple=True, metavar="FILE", help="ingest first")
@click.option("--roster", "roster_files", multiple=True, metavar="FILE", help="ingest first")
@click.option("--as-of", "as_of_text", metavar="TIME", help="hide data recorded after TIME")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True)  # fmt: skip
@click.option("--out", "out_file", metavar="FILE", help="write the results to FILE")
@click.option("--policy", "policy_name", metavar="NAME", help="pick one policy of a folder")
@click.option("--official", is_flag=True,
              help="close the period: record the run as its official result")  # fmt: skip
@click.option("--amend", is_flag=True,
              help="with --official: replace an official result that differs")  # fmt: skip
@click.option("--reason", metavar="TEXT", help="with --amend: why the official result changes")
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def run(policy: str, period: str, event_files: tuple[str, ...], roster_files: tuple[str, ...],
        as_of_text: str | None, output_format: str, out_file: str | None,
        policy_name: str | None, official: bool, amend: bool, reason: str | None,
        catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """Evaluate POLICY (a file or a folder) for a period, record the run, print results.

    With --official the run closes the period: it becomes the official result for its
    policy and period. Again for a closed period, it exits 0 naming the official run when
    the results are identical, and 1 when they differ, unless --amend --reason TEXT.
    """
    _check_period_syntax(period, as_of_text)
    if (amend or reason is not None) and not official:
        raise click.UsageError("--amend and --reason go with --official")
    if amend and not (reason or "").strip():
        raise click.UsageError("--amend needs --reason TEXT: why the official result changes")
    if reason is not None and not amend:
        raise click.UsageError("--reason goes with --amend")
    catalog = _catalog_or_exit(catalog_path)
    with _open_store(db, catalog) as store:
        # The data files go in only if the policy checks clean and can run (and, with
        # --official for one policy, only if the period may be closed): one transaction
        # for all of it, so that an exit status of 1 means nothing changed. A folder's
        # policies are closed each on its own afterwards: one refusal (exit 1) does not
        # keep the others' periods open.
        documents: list[RunDocument] = []
        try:
            with store.transaction():
                _ingest_or_exit(store, roster_files, event_files, catalog)
                run_catalog = merge_catalogs(catalog, store.data_catalog())
                files = _checked_policies((policy,), run_catalog, exit_on_error=False)
                if any(not f.ok for f in files):
                    raise _PolicyErrors
                batch = Path(policy).is_dir() and policy_name is None
                planned = _planned_or_exit(
                    files, period, policy_name, as_of_text, run_catalog, batch
                )
                if official and not batch:
                    documents = _close_or_exit(store, planned, run_catalog, reason)
        except _PolicyErrors:
            click.echo("starrating: error: the policy has errors; nothing was run", err=True)
            sys.exit(1)
        refused = False
        if official and batch:
            # Each policy of a folder is its own run and is closed on its own.
            outcomes = close_each(store, planned, run_catalog, amend_reason=reason)
            for outcome in outcomes:
                prefix = "" if outcome.ok else "starrating: error: "
                click.echo(prefix + outcome.message, err=True)
            documents = [o.document for o in outcomes if o.ok]
            refused = not all(o.ok for o in outcomes)
        if not official:
            with _progress(planned, "running") as steps:
                documents = [
                    run_policy(store.connection, p.item, run_catalog, p.target, p.as_of)
                    for p in steps
                ]
        # One document for a file, a folder with one policy name or --policy NAME; an
        # array otherwise.
        names = {f.policy.name for f in files if f.policy is not None}
        single = policy_name is not None or len(names) == 1
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
        click.echo(f"wrote {len(documents)} run(s) to {out_file}", err=True)
    else:
        click.echo(text, nl=False)
    if refused:
        sys.exit(1)  # the other policies' periods were closed, and are printed above


def _planned_or_exit(
    files: list[PolicyFile], period: str, policy_name: str | None, as_of_text: str | None,
    run_catalog: Catalog, batch: bool,
) -> list[PlannedRun]:  # fmt: skip
    try:
        planned, skipped = plan_runs(files, period, policy_name, as_of_text, run_catalog, batch)
    except RunError as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)
    for note in skipped:
        click.echo(note, err=True)
    if not planned and period.strip().lower() != "previous":
        click.echo(f"starrating: error: no policy here can run {period}", err=True)
        sys.exit(1)
    # With `previous` (the batch job), a folder whose policies all have nothing to run
    # yet is not a failure: each was skipped with a note, and the job has done its work.
    return planned


def _close_or_exit(
    store: Store, planned: list[PlannedRun], run_catalog: Catalog, reason: str | None
) -> list[RunDocument]:
    """`run --official`: close each planned run's period (audit.close_periods), inside the
    caller's transaction; a refusal exits 1 and so rolls all of it back."""
    try:
        outcomes = close_periods(store, planned, run_catalog, amend_reason=reason)
    except ClosingRefused as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)
    for outcome in outcomes:
        click.echo(outcome.message, err=True)
    return [o.document for o in outcomes]


@cli.command(name="compile")
@click.argument("policy")
@click.option(
    "--period", required=True, help="2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026 or previous"
)
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="accepted for symmetry; compile reads no data")
def compile_command(policy: str, period: str, catalog_path: str | None, db: str | None) -> None:
    """Print the DuckDB SQL a run of POLICY for the period would execute."""
    catalog = _catalog_or_exit(catalog_path)
    files = _checked_policies((policy,), catalog or Catalog())
    for item in files:
        assert item.policy is not None and item.analysis is not None
        try:
            zone = policy_timezone(item.policy, catalog)
            target = resolve_target(item.policy, period, parse_as_of(None, zone), catalog)
        except RunError as exc:
            click.echo(f"starrating: error: {exc}", err=True)
            sys.exit(1)
        click.echo(compile_sql(item, catalog or Catalog(), target), nl=False)


@cli.command()
@click.argument("policy_a")
@click.argument("policy_b")
@click.option(
    "--period", required=True, help="2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026 or previous"
)
@click.option("--as-of", "as_of_text", metavar="TIME", help="hide data recorded after TIME")
@click.option("--events", "event_files", multiple=True, metavar="FILE", help="ingest first")
@click.option("--roster", "roster_files", multiple=True, metavar="FILE", help="ingest first")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)  # fmt: skip
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def diff(policy_a: str, policy_b: str, period: str, as_of_text: str | None,
         event_files: tuple[str, ...], roster_files: tuple[str, ...], output_format: str,
         catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """What-if: evaluate POLICY_A (before) and POLICY_B (after) on the same data for the
    same period and as-of time, and show what changes per employee. Nothing is recorded."""
    _check_period_syntax(period, as_of_text)
    catalog = _catalog_or_exit(catalog_path)
    with _open_store(db, catalog) as store:
        # As in `run`: the data files are kept only if both policies check clean.
        try:
            with store.transaction():
                _ingest_or_exit(store, roster_files, event_files, catalog)
                run_catalog = merge_catalogs(catalog, store.data_catalog())
                files_a = _checked_policies((policy_a,), run_catalog, exit_on_error=False)
                files_b = _checked_policies((policy_b,), run_catalog, exit_on_error=False)
                if any(not f.ok for f in (*files_a, *files_b)):
                    raise _PolicyErrors
        except _PolicyErrors:
            click.echo("starrating: error: a policy has errors; nothing was compared", err=True)
            sys.exit(1)
        try:
            whatif = evaluate_whatif(
                store.connection, files_a, files_b, period, as_of_text, run_catalog
            )
        except WhatIfError as exc:
            click.echo(f"starrating: error: {exc}", err=True)
            sys.exit(1)
    if output_format == "json":
        click.echo(render_whatif_json(whatif), nl=False)
    else:
        click.echo(render_whatif_text(whatif), nl=False)


@cli.command(name="test")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="accepted for symmetry; each case uses its own store")
def test_command(files: tuple[str, ...], catalog_path: str | None, db: str | None) -> None:
    """Run policy test cases (given roster and events, expect values)."""
    catalog = _catalog_or_exit(catalog_path)
    passed = failed = 0
    for name in files:
        try:
            results = run_test_file(Path(name), catalog)
        except TestFileError as exc:
            click.echo(f"starrating: error: {exc}", err=True)
            failed += 1
            continue
        for result in results:
            if result.passed:
                passed += 1
                click.echo(f"ok    {result.file}: {result.name}")
            else:
                failed += 1
                click.echo(f"FAIL  {result.file}: {result.name}")
                for failure in result.failures:
                    click.echo(f"      {failure}")
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("run_id")
@click.option("--employee", required=True, metavar="ID", help="the employee to explain")
@click.option("--period", metavar="P", help="one period of the run (default: all of them)")
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def explain(run_id: str, employee: str, period: str | None, catalog_path: str | None,
            db: str | None) -> None:  # fmt: skip
    """Every rule's contribution to one employee's result in a recorded run: the policy
    line, the amount, the events behind it, rank context, vetoes and the stars line."""
    catalog = _catalog_or_exit(catalog_path)
    try:
        with _open_existing_store(db, catalog) as store:
            text = explain_run(store.connection, run_id, employee, period)
    except ExplainError as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)
    click.echo(text, nl=False)


@cli.command()
@click.argument("run_id")
@click.option("--html", "html_file", metavar="FILE", help="write an HTML page to FILE")
@click.option("--xlsx", "xlsx_file", metavar="FILE", help="write an Excel workbook to FILE")
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def report(run_id: str, html_file: str | None, xlsx_file: str | None,
           catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """A report people read for a recorded run: the distribution of stars, leaderboards,
    awards, vetoes and per-employee detail, as one HTML page or an .xlsx workbook."""
    if (html_file is None) == (xlsx_file is None):
        raise click.UsageError("give exactly one of --html FILE and --xlsx FILE")
    catalog = _catalog_or_exit(catalog_path)
    try:
        with _open_existing_store(db, catalog) as store:
            data = load_report(store.connection, run_id)
    except ReportError as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)
    out = html_file or xlsx_file
    assert out is not None
    try:
        if html_file is not None:
            Path(html_file).write_text(render_html(data), encoding="utf-8")
        else:
            write_xlsx(data, out)
    except OSError as exc:
        click.echo(f"starrating: error: cannot write {out}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {out}", err=True)


def _open_existing_store(db: str | None, catalog: Catalog | None) -> Store:
    """A store that must exist already, opened read-only (`runs`, `replay`)."""
    try:
        return Store.open(resolve_db_path(db, catalog), read_only=True)
    except StoreError as exc:
        click.echo(f"starrating: error: {exc}", err=True)
        sys.exit(1)


@cli.command(name="runs")
@click.option("--policy", "policy_name", metavar="NAME", help="only the runs of this policy")
@click.option("--period", metavar="P", help="only the runs of this period, e.g. 2026-10")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True)  # fmt: skip
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def runs_command(policy_name: str | None, period: str | None, output_format: str,
                 catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """List recorded runs, oldest first: which one is official for its policy and
    period, and which official run each amendment replaced, and why."""
    catalog = _catalog_or_exit(catalog_path)
    with _open_existing_store(db, catalog) as store:
        found = list_runs(store, policy_name, period, catalog)
        note = None if found else no_runs_message(store, policy_name, period)
    if output_format == "json":
        click.echo(runs_json(found), nl=False)
    elif found:
        click.echo(render_runs(found), nl=False)
    if note:
        click.echo(note, err=True)


@cli.command()
@click.argument("run_id")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)  # fmt: skip
@click.option(
    "--catalog", "catalog_path", metavar="FILE", help="catalog (default: starrating.yaml)"
)
@click.option("--db", metavar="PATH", help="the store (default: starrating.duckdb)")
def replay(run_id: str, output_format: str, catalog_path: str | None, db: str | None) -> None:
    """Recompute run RUN_ID from its stored policy text and as-of time: exit 0 if it is
    identical, 1 with each difference and the late data behind it."""
    catalog = _catalog_or_exit(catalog_path)
    with _open_existing_store(db, catalog) as store:
        try:
            outcome = replay_run(store, run_id, catalog)
        except AuditError as exc:
            click.echo(f"starrating: error: {exc}", err=True)
            sys.exit(1)
    if output_format == "json":
        click.echo(document_json(outcome.to_json()))
    else:
        click.echo(render_replay(outcome), nl=False)
    sys.exit(0 if outcome.identical else 1)


def _with_data_catalog(catalog: Catalog | None, db: str | None) -> Catalog | None:
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


def _catalog_or_exit(catalog_path: str | None) -> Catalog | None:
    try:
        catalog, problems = resolve_catalog(catalog_path)
    except PolicyPathError as exc:
        raise click.UsageError(str(exc)) from None
    if problems:
        for problem in problems:
            click.echo(render_text(problem, None), err=True)
        click.echo("nothing was done: fix the catalog first", err=True)
        sys.exit(1)
    return catalog


def _ingest_or_exit(
    store: Store,
    roster_files: tuple[str, ...],
    event_files: tuple[str, ...],
    catalog: Catalog | None,
    quiet: bool = True,
) -> None:
    """Ingest the files (rosters first) in one transaction; on any problem report every
    problem, keep nothing, and exit 1."""
    if not event_files and not roster_files:
        return
    for name in (*roster_files, *event_files):
        if not Path(name).is_file():
            raise click.UsageError(f"no such file: {name}")
    shown = 50  # problems printed per file
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
        for problem in report.problems[:shown]:
            click.echo(problem, err=quiet)
        if len(report.problems) > shown:
            more = _count(len(report.problems) - shown, "more problem")
            click.echo(f"... and {more}", err=quiet)
        if not report.problems and not quiet:
            click.echo(f"{report.file}: {_count(report.rows, 'row')}, {report.added} new")
    if failed:
        click.echo(
            "nothing was ingested: fix the problems above and run the command again", err=quiet
        )
        sys.exit(1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def main() -> None:
    """Console entry point: no input may end in a Python traceback."""
    try:
        cli.main(standalone_mode=True)
    except RecursionError:
        click.echo("starrating: error: the input is nested too deeply to process", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("starrating: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(f"starrating: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("please report this together with the input that caused it", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
