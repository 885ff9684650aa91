"""The `starrating` group, the errors every command may meet, and the console entry.

Exit status (docs/data.md section 4): 0 success, 1 a problem in a policy or the data
(reported, nothing changed), 2 a usage error.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import __version__
from ..audit.explain import ExplainError
from ..audit.runs import AuditError
from ..audit.whatif import WhatIfError
from ..engine.runs import RunError
from ..output.documents import ReportError
from ..store.store import StoreError
from .audit import diff, explain, replay, report, runs_command
from .data import ingest, run, test_command
from .errors import CommandError
from .language import check, compile_command, fmt

# The library's errors that end any command with `starrating: error: MESSAGE` and exit
# status 1: a store that cannot be opened or saved, a period no policy can run, an unknown
# run or employee, a period that may not be closed, a what-if that cannot be compared.
# IngestError is not here: its problems are listed (ingest_data), not one message.
LIBRARY_ERRORS: tuple[type[Exception], ...] = (
    StoreError,
    RunError,
    AuditError,
    ExplainError,
    WhatIfError,
    ReportError,
)


class StarratingGroup(click.Group):
    """A click group that turns the library's errors into `CommandError` for every
    command, so that no command repeats the message and the exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LIBRARY_ERRORS as exc:
            raise CommandError(str(exc)) from exc
        except RecursionError:
            # Deeply nested input that got past the parser's own depth check (E005).
            raise CommandError("the input is nested too deeply to process") from None


@click.group(cls=StarratingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="starrating")
def cli() -> None:
    """Star ratings for service staff, driven by a policy language."""


for command in (check, fmt, compile_command, ingest, run, test_command):
    cli.add_command(command)
for command in (runs_command, replay, explain, report, diff):
    cli.add_command(command)


def main() -> None:
    """Console entry point: no input may end in a Python traceback."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("starrating: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(f"starrating: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("please report this together with the input that caused it", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
