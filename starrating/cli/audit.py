"""Commands on recorded runs and what-ifs: `runs`, `replay`, `explain`, `report`, `diff`
and `verify` (docs/data.md 4.6-4.9, 4.11, 4.12). All but `diff` only read the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from ..audit.explain import explain as explain_run
from ..audit.replay import render_replay, replay_run
from ..audit.runs import list_runs, no_runs_message, render_runs, runs_json
from ..audit.verify import PREDATES_CHAIN, Step, verify_store
from ..audit.verify import render_json as render_verification_json
from ..audit.verify import render_text as render_verification
from ..audit.whatif import evaluate_whatif
from ..audit.whatif import render_text as render_whatif_text
from ..i18n import N_, _
from ..language.catalog import merge_catalogs
from ..output.documents import load_report
from ..output.html import render_html
from ..output.json import render_json
from ..output.xlsx import write_xlsx
from .data_inputs import check_period_syntax, ingest_data, open_store
from .errors import AlreadyReported, CommandError, report_note
from .inputs import checked_policies, load_catalog
from .options import (
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
    name="runs",
    help=N_(
        "List recorded runs, oldest first: which one is official for its policy and period, "
        "and which official run each amendment replaced, and why."
    ),
)
@policy_name_option(N_("only the runs of this policy"))
@option("--period", metavar="P", help=N_("only the runs of this period, e.g. 2026-10"))
@format_option("table", "json")
@catalog_option()
@db_option()
def runs_command(policy_name: str | None, period: str | None, output_format: str,
                 catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """List recorded runs, oldest first: which one is official for its policy and
    period, and which official run each amendment replaced, and why."""
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog, read_only=True) as store:
        found = list_runs(store, policy_name, period, catalog)
        note = None if found else no_runs_message(store, policy_name, period)
    if output_format == "json":
        click.echo(runs_json(found), nl=False)
    elif found:
        click.echo(render_runs(found), nl=False)
    if note:
        click.echo(note, err=True)


@command(
    help=N_(
        "Recompute run RUN_ID from its stored policy text and as-of time: exit 0 if it is "
        "identical, 1 with each difference and the late data behind it."
    )
)
@click.argument("run_id")
@format_option("text", "json")
@catalog_option()
@db_option()
def replay(run_id: str, output_format: str, catalog_path: str | None, db: str | None) -> None:
    """Recompute run RUN_ID from its stored policy text and as-of time: exit 0 if it is
    identical, 1 with each difference and the late data behind it."""
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog, read_only=True) as store:
        outcome = replay_run(store, run_id, catalog)
    shown = render_json(outcome) if output_format == "json" else render_replay(outcome)
    _show_outcome(shown, outcome.identical)


@command(
    help=N_(
        "Every rule's contribution to one employee's result in a recorded run: the policy "
        "line, the amount, the events behind it, rank context, vetoes and the stars line."
    )
)
@click.argument("run_id")
@option("--employee", required=True, metavar="ID", help=N_("the employee to explain"))
@option("--period", metavar="P", help=N_("one period of the run (default: all of them)"))
@catalog_option()
@db_option()
def explain(run_id: str, employee: str, period: str | None, catalog_path: str | None,
            db: str | None) -> None:  # fmt: skip
    """Every rule's contribution to one employee's result in a recorded run: the policy
    line, the amount, the events behind it, rank context, vetoes and the stars line."""
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog, read_only=True) as store:
        text = explain_run(store.connection, run_id, employee, period)
    click.echo(text, nl=False)


@command(
    help=N_(
        "A report people read for a recorded run: the distribution of stars, leaderboards, "
        "awards, vetoes and per-employee detail, as one HTML page or an .xlsx workbook."
    )
)
@click.argument("run_id")
@option("--html", "html_file", metavar="FILE", help=N_("write an HTML page to FILE"))
@option("--xlsx", "xlsx_file", metavar="FILE", help=N_("write an Excel workbook to FILE"))
@catalog_option()
@db_option()
def report(run_id: str, html_file: str | None, xlsx_file: str | None,
           catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """A report people read for a recorded run: the distribution of stars, leaderboards,
    awards, vetoes and per-employee detail, as one HTML page or an .xlsx workbook."""
    if (html_file is None) == (xlsx_file is None):
        raise click.UsageError(_("give exactly one of --html FILE and --xlsx FILE"))
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog, read_only=True) as store:
        data = load_report(store.connection, run_id)
    out = html_file or xlsx_file
    assert out is not None
    try:
        if html_file is not None:
            Path(html_file).write_text(render_html(data), encoding="utf-8")
        else:
            write_xlsx(data, out)
    except OSError as exc:
        raise CommandError(
            _("cannot write {file}: {reason}").format(file=out, reason=exc.strerror or exc)
        ) from None
    click.echo(_("wrote {file}").format(file=out), err=True)


@command(
    help=N_(
        "What-if: evaluate POLICY_A (before) and POLICY_B (after) on the same data for the "
        "same period and as-of time, and show what changes per employee. Nothing is recorded."
    )
)
@click.argument("policy_a")
@click.argument("policy_b")
@period_option()
@as_of_option()
@events_option()
@roster_option()
@format_option("text", "json")
@catalog_option()
@db_option()
def diff(policy_a: str, policy_b: str, period: str, as_of_text: str | None,
         event_files: tuple[str, ...], roster_files: tuple[str, ...], output_format: str,
         catalog_path: str | None, db: str | None) -> None:  # fmt: skip
    """What-if: evaluate POLICY_A (before) and POLICY_B (after) on the same data for the
    same period and as-of time, and show what changes per employee. Nothing is recorded."""
    check_period_syntax(period, as_of_text)
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog) as store:
        # As in `run`: the data files are kept only if both policies check clean (the
        # error raised inside the transaction rolls them back).
        with store.transaction():
            ingest_data(store, roster_files, event_files, catalog)
            run_catalog = merge_catalogs(catalog, store.data_catalog())
            files_a = checked_policies((policy_a,), run_catalog)
            files_b = checked_policies((policy_b,), run_catalog)
            if any(not f.ok for f in (*files_a, *files_b)):
                raise CommandError(_("a policy has errors; nothing was compared"))
        whatif = evaluate_whatif(
            store.connection, files_a, files_b, period, as_of_text, run_catalog
        )
    if output_format == "json":
        click.echo(render_json(whatif), nl=False)
    else:
        click.echo(render_whatif_text(whatif), nl=False)


@command(
    help=N_(
        "Recompute every run's digests and the chains of runs and ingests from the rows in "
        "the store: exit 0 if all match, 1 naming each run or ingest that no longer does."
    )
)
@format_option("text", "json")
@catalog_option()
@db_option()
def verify(output_format: str, catalog_path: str | None, db: str | None) -> None:
    """Recompute every run's digests and the chains of runs and ingests from the rows in
    the store: exit 0 if all match, 1 naming each run or ingest that no longer does."""
    catalog = load_catalog(catalog_path)
    with open_store(db, catalog, read_only=True) as store:

        def steps_shown(steps: Sequence[Step]) -> Iterator[Step]:
            with progress(steps, _("verifying")) as shown:
                yield from shown

        outcome = verify_store(store, steps_shown)
    if not outcome.chained:
        report_note(_(PREDATES_CHAIN).format(path=outcome.path))
    shown = (
        render_verification_json(outcome)
        if output_format == "json"
        else render_verification(outcome)
    )
    _show_outcome(shown, outcome.ok)


def _show_outcome(shown: str, ok: bool) -> None:
    """A check's outcome (replay, verify) on standard output; exit status 1 when
    something differs, the differences being the output itself."""
    click.echo(shown, nl=False)
    if not ok:
        raise AlreadyReported
