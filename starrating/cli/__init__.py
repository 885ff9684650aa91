"""The command line: arguments in, library calls and exit codes out.

Enters: the command line. Leaves: what the library returns, printed, and the exit status.
The commands only parse arguments and call the stages above.

- main.py: the `cli` group, which knows each command by name and imports its module on
  first use (so that `check` and `fmt` never import DuckDB), the library errors it maps to
  `starrating: error:` (exit 1), and the console entry `main`;
- errors.py: `CommandError`, the one way a command fails;
- options.py: the options several commands share (`--db`, `--catalog`, `--format`, ...);
- inputs.py: policy files and the catalog, read for a command (the language package only);
- data_inputs.py: the store, data files to ingest first, a period and an as-of time;
- language.py (check, fmt, compile), data.py (ingest, run, test), audit.py (runs,
  replay, explain, report, diff): the commands.
"""

from .main import cli, main

__all__ = ["cli", "main"]
