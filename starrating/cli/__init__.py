"""The command line: arguments in, library calls and exit codes out.

Enters: the command line. Leaves: what the library returns, printed, and the exit status.
The commands only parse arguments and call the stages above.
"""

from .commands import cli, main

__all__ = ["cli", "main"]
