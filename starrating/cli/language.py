"""Commands on policy text alone: `check`, `fmt` and `compile` (docs/data.md 4.1, 4.2,
4.5). None of them reads events; `check` reads what an existing store has seen.

`check` and `fmt` run in editors and CI on every save, so this module imports only the
language package at the top; `compile` imports the engine (and with it DuckDB) itself.
"""

from __future__ import annotations

import json

import click

from ..i18n import N_, _, ngettext
from ..language.catalog import Catalog
from ..language.diagnostics import has_errors, render_json, render_text
from ..language.policyfiles import check_files, read_policy
from .errors import NOTHING_WAS_RUN, AlreadyReported, CommandError
from .inputs import (
    catalog_with_problems,
    checked_policies,
    load_catalog,
    policy_paths,
    with_data_catalog,
)
from .options import (
    CATALOG_SEARCH_HELP,
    STORE_ACCEPTED_HELP,
    catalog_option,
    db_option,
    format_option,
    period_option,
)
from .translated import command, option


@command(help=N_("Parse and check POLICIES (files or folders); exit 1 if any has an error."))
@click.argument("policies", nargs=-1, required=True)
@format_option("text", "json", help_text=N_("text for people, json for editors and CI"))
@catalog_option(CATALOG_SEARCH_HELP)
@db_option(STORE_ACCEPTED_HELP)
def check(
    policies: tuple[str, ...], output_format: str, catalog_path: str | None, db: str | None
) -> None:
    """Parse and check POLICIES (files or folders); exit 1 if any has an error."""
    paths = policy_paths(policies)
    catalog, catalog_problems = catalog_with_problems(catalog_path)
    catalog = with_data_catalog(catalog, db)
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
        click.echo(
            ngettext(
                "checked {count} policy: {errors}, {warnings}",
                "checked {count} policies: {errors}, {warnings}",
                len(files),
            ).format(
                count=len(files),
                errors=ngettext("{count} error", "{count} errors", errors).format(count=errors),
                warnings=ngettext("{count} warning", "{count} warnings", warnings).format(
                    count=warnings
                ),
            )
        )
    if errors:
        raise AlreadyReported


@command(help=N_("Print POLICIES in canonical form (or check or rewrite them)."))
@click.argument("policies", nargs=-1, required=True)
@option("--check", "check_only", is_flag=True, help=N_("exit 1 if a file is not canonical"))
@option("--write", is_flag=True, help=N_("rewrite files in canonical form"))
@db_option(STORE_ACCEPTED_HELP)
def fmt(policies: tuple[str, ...], check_only: bool, write: bool, db: str | None) -> None:
    """Print POLICIES in canonical form (or check or rewrite them)."""
    from ..language.formatter import format_policy, format_source

    if check_only and write:
        raise click.UsageError(_("--check and --write cannot be used together"))
    paths = policy_paths(policies)
    failed = False
    not_canonical: list[str] = []
    for path in paths:
        item = read_policy(path)
        if item.policy is not None and not has_errors(item.diagnostics):
            canonical, repaired = format_policy(item.policy), 0
        else:
            # Unreadable (E004) stays as it is; full-width characters are repaired first.
            formatted = format_source(item.source, item.path) if item.source else None
            if formatted is None or formatted.text is None:
                problems = formatted.diagnostics if formatted else item.diagnostics
                for diagnostic in problems:
                    click.echo(render_text(diagnostic, item.source), err=True)
                click.echo(
                    _("{path}: not formatted: it does not parse").format(path=item.path), err=True
                )
                failed = True
                continue
            canonical, repaired = formatted.text, formatted.repaired
        if check_only:
            if canonical != item.source:
                not_canonical.append(item.path)
                click.echo(_would_reformat(item.path, repaired))
        elif write:
            if canonical != item.source:
                path.write_text(canonical, encoding="utf-8")
                click.echo(_reformatted(item.path, repaired))
        else:
            if len(paths) > 1:
                click.echo(f"==> {item.path} <==")
            click.echo(canonical, nl=False)
            if repaired:
                # On standard error: standard output stays the canonical text alone.
                click.echo(
                    ngettext(
                        "{path}: {count} full-width character replaced; "
                        "`fmt --write` saves the repair",
                        "{path}: {count} full-width characters replaced; "
                        "`fmt --write` saves the repair",
                        repaired,
                    ).format(path=item.path, count=repaired),
                    err=True,
                )
    if check_only and not not_canonical and not failed:
        click.echo(
            ngettext(
                "{count} file already canonical", "{count} files already canonical", len(paths)
            ).format(count=len(paths))
        )
    if failed or not_canonical:
        raise AlreadyReported


def _would_reformat(path: str, repaired: int) -> str:
    """`fmt --check`'s line for a file that is not canonical."""
    if not repaired:
        return _("would reformat {path}").format(path=path)
    return ngettext(
        "would reformat {path} ({count} full-width character to replace)",
        "would reformat {path} ({count} full-width characters to replace)",
        repaired,
    ).format(path=path, count=repaired)


def _reformatted(path: str, repaired: int) -> str:
    """`fmt --write`'s line for a file it rewrote."""
    if not repaired:
        return _("reformatted {path}").format(path=path)
    return ngettext(
        "reformatted {path} ({count} full-width character replaced)",
        "reformatted {path} ({count} full-width characters replaced)",
        repaired,
    ).format(path=path, count=repaired)


@command(
    name="compile",
    help=N_("Print the DuckDB SQL a run of POLICY for the period would execute."),
)
@click.argument("policy")
@period_option()
@catalog_option()
@db_option(N_("accepted for symmetry; compile reads no data"))
def compile_command(policy: str, period: str, catalog_path: str | None, db: str | None) -> None:
    """Print the DuckDB SQL a run of POLICY for the period would execute."""
    # The engine imports DuckDB: imported here so that `check` and `fmt`, which share this
    # module, do not pay for it (see the module docstring).
    from ..engine.evaluate import policy_timezone
    from ..engine.runs import compile_sql, parse_as_of, resolve_target

    catalog = load_catalog(catalog_path)
    files = checked_policies((policy,), catalog or Catalog())
    if any(not f.ok for f in files):
        raise CommandError(_(NOTHING_WAS_RUN))
    for item in files:
        assert item.policy is not None and item.analysis is not None
        # A RunError (no block of the period's kind) stops at this file, after the SQL of
        # the files before it (data.md 4.5).
        zone = policy_timezone(item.policy, catalog)
        target = resolve_target(item.policy, period, parse_as_of(None, zone), catalog)
        click.echo(compile_sql(item, catalog or Catalog(), target), nl=False)
