"""The `starrating` group, the errors every command may meet, and the console entry.

Exit status (docs/data.md section 4): 0 success, 1 a problem in a policy or the data
(reported, nothing changed), 2 a usage error.

Commands are registered by name and imported when they are used: `check` and `fmt` run
on every save in editors and CI, and importing every command would bring in DuckDB, the
engine, the store, the audit trail and the output writers, which cost several times what
checking a folder of policies does.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from .. import __version__
from ..i18n import N_, _, language, language_from_environment
from ..language.diagnostics import display_width
from .errors import CommandError, StoreRefused
from .translated import (
    VERSION_OPTION_HELP,
    TranslatedHelp,
    TranslatedOption,
    lang_option,
    requested_language,
    route_click_messages,
)

route_click_messages()


@dataclass(frozen=True)
class LazyCommand:
    """A command known by name before its module is imported.

    ``summary`` is the first paragraph of the command's help (its ``help=N_(...)``, which
    its docstring repeats for developers): `starrating --help` shortens it as click would
    the help itself (translated: ``short_help``), without importing the module
    (tests/test_cli_imports.py checks that the two stay the same).
    """

    module: str
    attribute: str
    summary: str

    def load(self) -> click.Command:
        """The command itself, its module imported (once: Python keeps it)."""
        command: click.Command = getattr(
            importlib.import_module(self.module, __package__), self.attribute
        )
        return command


COMMANDS: dict[str, LazyCommand] = {
    "check": LazyCommand(
        ".language", "check",
        N_(
            "Parse and check POLICIES (files or folders); exit 1 if any has an error."
        ),
    ),
    "fmt": LazyCommand(
        ".language", "fmt", N_("Print POLICIES in canonical form (or check or rewrite them).")
    ),
    "compile": LazyCommand(
        ".language", "compile_command",
        N_(
            "Print the DuckDB SQL a run of POLICY for the period would execute."
        ),
    ),
    "ingest": LazyCommand(
        ".data", "ingest",
        N_(
            "Validate data files and add them to the store (rosters first, then events)."
        ),
    ),
    "run": LazyCommand(
        ".data", "run",
        N_(
            "Evaluate POLICY (a file or a folder) for a period, record the run, print results."
        ),
    ),
    "test": LazyCommand(
        ".data", "test_command",
        N_(
            "Run policy test cases (given roster and events, expect values)."
        ),
    ),
    "runs": LazyCommand(
        ".audit", "runs_command",
        N_(
            "List recorded runs, oldest first: which one is official for its policy and "
            "period, and which official run each amendment replaced, and why."
        ),
    ),
    "replay": LazyCommand(
        ".audit", "replay",
        N_(
            "Recompute run RUN_ID from its stored policy text and as-of time: exit 0 if it is "
            "identical, 1 with each difference and the late data behind it."
        ),
    ),
    "explain": LazyCommand(
        ".audit", "explain",
        N_(
            "Every rule's contribution to one employee's result in a recorded run: the policy "
            "line, the amount, the events behind it, rank context, vetoes and the stars line."
        ),
    ),
    "report": LazyCommand(
        ".audit", "report",
        N_(
            "A report people read for a recorded run: the distribution of stars, leaderboards, "
            "awards, vetoes and per-employee detail, as one HTML page or an .xlsx workbook."
        ),
    ),
    "diff": LazyCommand(
        ".audit", "diff",
        N_(
            "What-if: evaluate POLICY_A (before) and POLICY_B (after) on the same data for the "
            "same period and as-of time, and show what changes per employee. Nothing is recorded."
        ),
    ),
    "verify": LazyCommand(
        ".audit", "verify",
        N_(
            "Recompute every run's digests and the chains of runs and ingests from the rows in "
            "the store: exit 0 if all match, 1 naming each run or ingest that no longer does."
        ),
    ),
}  # fmt: skip

# The library's errors that end any command with `starrating: error: MESSAGE` and exit
# status 1: a store that cannot be opened or saved, a period no policy can run, an unknown
# run or employee, a period that may not be closed, a what-if that cannot be compared.
# IngestError is not here: its problems are listed (ingest_data), not one message.
# Named by module and class rather than imported, so that a command imports only the
# library it uses (see library_error_types).
LIBRARY_ERRORS: tuple[tuple[str, str], ...] = (
    ("starrating.store.store", "StoreError"),
    ("starrating.engine.runs", "RunError"),
    ("starrating.engine.evaluate", "NumberOutOfRange"),
    ("starrating.audit.runs", "AuditError"),
    ("starrating.audit.explain", "ExplainError"),
    ("starrating.audit.whatif", "WhatIfError"),
    ("starrating.output.documents", "ReportError"),
)


# Of those, the store refusals that are the user's choice of file (a CSV as --db, a store
# of a newer version...): exit status 2, like a usage error (StoreRefused).
STORE_REFUSALS: tuple[tuple[str, str], ...] = (("starrating.store.store", "UnusableStoreError"),)


def library_error_types(
    errors: tuple[tuple[str, str], ...] = LIBRARY_ERRORS,
) -> tuple[type[Exception], ...]:
    """The classes of ``errors`` whose modules are imported. An exception can only be
    an instance of a class that exists, so the modules not imported are not needed (and
    not imported) to recognise what a command raised."""
    loaded = [(sys.modules.get(module), name) for module, name in errors]
    return tuple(getattr(module, name) for module, name in loaded if module is not None)


class StarratingGroup(TranslatedHelp, click.Group):
    """A click group whose commands are imported on first use (``COMMANDS``), and which
    turns the library's errors into `CommandError` for every command, so that no command
    repeats the message and the exit status."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy_commands.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        return entry.load()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short help, laid out as click.Group lays them out, but
        from the summaries of COMMANDS: `starrating --help` imports no command module."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            entry = self.lazy_commands.get(name)
            # A command holding only the summary shortens it as click shortens the
            # help of the real one.
            command = (
                click.Command(name, help=_(entry.summary))
                if entry is not None
                else super().get_command(ctx, name)
            )
            if command is not None and not command.hidden:
                commands.append((name, command))
        if not commands:
            return
        # The width click.Group.format_commands gives the short help.
        limit = formatter.width - 6 - max(len(name) for name, _command in commands)
        rows = [(name, short_help(command, limit)) for name, command in commands]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def main(self, args: Any = None, *more: Any, **settings: Any) -> Any:
        """The command in the language asked for: `--lang` anywhere on the command line,
        else the locale (LC_ALL, LC_MESSAGES, LANG); the language before is restored
        after it (a program that calls the command line twice in one process)."""
        arguments = sys.argv[1:] if args is None else list(args)
        with language(command_language(arguments)):
            return super().main(arguments, *more, **settings)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecursionError:
            # Deeply nested input that got past the parser's own depth check (E005).
            raise CommandError(_("the input is nested too deeply to process")) from None
        except Exception as exc:
            if isinstance(exc, library_error_types(STORE_REFUSALS)):
                raise StoreRefused(str(exc)) from exc
            if isinstance(exc, library_error_types()):
                raise CommandError(str(exc)) from exc
            raise


@click.group(
    cls=StarratingGroup,
    lazy_commands=COMMANDS,
    help=N_("Star ratings for service staff, driven by a policy language."),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__, prog_name="starrating", cls=TranslatedOption, help=VERSION_OPTION_HELP
)
@lang_option()
def cli() -> None:
    """Star ratings for service staff, driven by a policy language."""


def command_language(arguments: list[str]) -> str:
    """`--lang` anywhere on the command line, else the locale's language."""
    return requested_language(arguments) or language_from_environment(os.environ)


def short_help(command: click.Command, limit: int) -> str:
    """The command's help shortened to ``limit`` terminal columns for `starrating --help`.

    click shortens by characters and at spaces, but a Chinese character takes two columns
    and Chinese puts no spaces between words: a Chinese summary is cut at its first
    sentence (``。``), then character by character to fit the columns, with ``...``.
    English is shortened exactly as click does it."""
    text = " ".join((command.help or "").split("\n\n")[0].split())
    if display_width(text) == len(text):
        return command.get_short_help_str(limit)
    sentence_end = text.find("。")
    if sentence_end != -1:
        text = text[: sentence_end + 1]
    if display_width(text) <= limit:
        return text
    ellipsis = "..."
    room = limit - len(ellipsis)
    while text and display_width(text) > room:
        text = text[:-1]
    return text.rstrip() + ellipsis


def main() -> None:
    """Console entry point: no input may end in a Python traceback. The last words are
    in the command's language (the group has restored the one before on the way out)."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        with language(command_language(sys.argv[1:])):
            click.echo("starrating: " + _("interrupted"), err=True)
        sys.exit(130)
    except Exception as exc:
        with language(command_language(sys.argv[1:])):
            click.echo(
                "starrating: "
                + _("internal error: {kind}: {detail}").format(kind=type(exc).__name__, detail=exc),
                err=True,
            )
            click.echo(_("please report this together with the input that caused it"), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
