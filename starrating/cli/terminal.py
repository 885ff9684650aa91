"""Small pieces of terminal output the commands share."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import click


def progress(items: Sequence[Any], label: str) -> AbstractContextManager[Any]:
    """A progress bar on a terminal (stderr), nothing when the output is not a terminal
    (docs/data.md section 4): batch jobs and pipes stay quiet. ``label`` is shown as it
    is (the caller translates it)."""
    if len(items) > 1 and sys.stderr.isatty():
        return click.progressbar(items, label=label, file=sys.stderr)
    return contextlib.nullcontext(items)
