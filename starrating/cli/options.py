"""The options several commands share, each declared once.

Every command accepts `--db PATH` and all but `fmt` accept `--catalog FILE` (docs/data.md
section 4). A command whose option means something narrower passes its own help text,
which `COMMAND --help` shows; the name, metavar and parameter stay the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..i18n import N_
from ..store.location import not_a_database
from .errors import StoreRefused
from .translated import option

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

# Help texts are kept in English (marked for the catalog) and translated when shown
# (translated.TranslatedOption): the options are declared at import, before `--lang` is read.
STORE_HELP = N_("the store (default: starrating.duckdb)")
STORE_ACCEPTED_HELP = N_("the store (accepted by every command)")
CATALOG_HELP = N_("catalog (default: starrating.yaml)")
CATALOG_SEARCH_HELP = N_(
    "catalog of event types and attributes (default: starrating.yaml here or in a parent folder)"
)
PERIOD_HELP = N_("2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026 or previous")
INGEST_FIRST_HELP = N_("ingest first")
AS_OF_HELP = N_("hide data recorded after TIME")


def db_option(help_text: str = STORE_HELP) -> Decorator:
    """`--db PATH`: the store (docs/data.md section 3). A PATH that is a file but not a
    DuckDB database is refused by every command, even those that read no store, before
    it does anything (exit status 2, the file untouched)."""
    return option("--db", metavar="PATH", help=help_text, callback=_refuse_non_database)


def _refuse_non_database(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    if value:
        problem = not_a_database(Path(value))
        if problem is not None:
            raise StoreRefused(problem)
    return value


def catalog_option(help_text: str = CATALOG_HELP) -> Decorator:
    """`--catalog FILE`: the catalog of event types and attributes (data.md section 1.3)."""
    return option("--catalog", "catalog_path", metavar="FILE", help=help_text)


def format_option(*choices: str, help_text: str | None = None) -> Decorator:
    """`--format`: the first of ``choices`` is the default."""
    return option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


def period_option() -> Decorator:
    """`--period LABEL`, required: the period to evaluate (language.md, periods)."""
    return option("--period", required=True, help=PERIOD_HELP)


def as_of_option() -> Decorator:
    """`--as-of TIME`: evaluate as the data stood at TIME."""
    return option("--as-of", "as_of_text", metavar="TIME", help=AS_OF_HELP)


def events_option(help_text: str = INGEST_FIRST_HELP) -> Decorator:
    """`--events FILE`, repeatable: event files to ingest."""
    return option("--events", "event_files", multiple=True, metavar="FILE", help=help_text)


def roster_option(help_text: str = INGEST_FIRST_HELP) -> Decorator:
    """`--roster FILE`, repeatable: roster files to ingest (before the events)."""
    return option("--roster", "roster_files", multiple=True, metavar="FILE", help=help_text)


def policy_name_option(help_text: str) -> Decorator:
    """`--policy NAME`: one policy by its name, among a folder's or the store's."""
    return option("--policy", "policy_name", metavar="NAME", help=help_text)
