"""How a command fails: one exception type, shown as `starrating: error: MESSAGE`.

Commands raise `CommandError` instead of printing and exiting; click shows it and exits
with its status (docs/data.md section 4: 1 for a problem in a policy, the data, the
catalog or the store, with nothing changed). The library's own errors are turned into it
in one place, the group's `invoke` (main.py). Usage errors stay click's (exit status 2).
"""

from __future__ import annotations

from typing import IO, Any

import click

from ..i18n import N_

ERROR_PREFIX = "starrating: error: "
# A warning does not stop the command or change its exit status (a run's warnings:
# docs/data.md section 5).
WARNING_PREFIX = "starrating: warning: "
# A note says what happened besides the command's work (a store upgraded, one read as it is).
NOTE_PREFIX = "starrating: note: "

# `run` and `compile` refuse a policy with errors in the same words (translated where
# raised: the language is set per command, after import).
NOTHING_WAS_RUN = N_("the policy has errors; nothing was run")


def report_error(message: str) -> None:
    """The one form of an error line, on standard error (data.md section 4)."""
    click.echo(ERROR_PREFIX + message, err=True)


def report_warning(message: str) -> None:
    """A warning: the command goes on, but something looks wrong (on standard error)."""
    click.echo(WARNING_PREFIX + message, err=True)


def report_note(message: str) -> None:
    """A note on standard error: the command did its work, and this is worth knowing."""
    click.echo(NOTE_PREFIX + message, err=True)


class CommandError(click.ClickException):
    """The command could not do its work: `starrating: error: MESSAGE`, exit status 1.
    MESSAGE is in the reader's language already (the prefix stays English: it is the
    machine-readable frame, like a diagnostic's `error[E010]`).

    Commands raise it rather than print and exit, so that the line and the status have one
    form, and the store transaction the command is in rolls back and the store closes on
    the way out (exit status 1 means nothing changed).
    """

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        report_error(self.message)


class StoreRefused(CommandError):
    """The store named (by --db, the catalog's `database` or the default) is not one
    starrating can use: `starrating: error: MESSAGE`, exit status 2, as for a usage error
    (docs/data.md section 3): the user named the wrong file, and it was left untouched."""

    exit_code = 2


class AlreadyReported(CommandError):
    """Exit status 1 with nothing more to print: the command has reported the problems in
    their own form already (diagnostics, ingest problems, differences, failed cases)."""

    def __init__(self) -> None:
        super().__init__("")

    def show(self, file: IO[Any] | None = None) -> None:
        pass
