"""The `starrating` command line: parses arguments and calls the library, nothing more.

Exit status (INTERFACE.md section 4): 0 success, 1 a problem in a policy or the data
(reported, nothing changed), 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .diagnostics import has_errors, render_json, render_text
from .policyfiles import PolicyPathError, check_files, expand_paths, read_policy, resolve_catalog


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
    from .formatter import format_policy

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
