"""`check` and `fmt` import only the language package and click, never DuckDB, the engine,
the store, the audit trail or the output writers (cli/main.py registers commands by name
and imports each on first use); `starrating --help` lists every command without importing
any; a library error still ends a command with `starrating: error:`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, invoke

from starrating.cli.main import COMMANDS, LIBRARY_ERRORS, cli
from starrating.store.store import Store

# Run in a fresh interpreter: the test process has imported everything long ago.
PROBE = textwrap.dedent(
    """
    import json, sys
    from starrating.cli.main import cli
    try:
        cli.main(sys.argv[1:], standalone_mode=False)
    finally:
        print(json.dumps(sorted(sys.modules)), file=sys.stderr)
    """
)

# What a command on policy text alone must not bring in.
HEAVY = (
    "duckdb",
    "starrating.engine",
    "starrating.store.store",
    "starrating.compiler",
    "starrating.audit",
    "starrating.output",
    "starrating.cli.data",
    "starrating.cli.audit",
)


def _modules_after(args: list[str], cwd: Path) -> tuple[str, list[str]]:
    """Standard output of `starrating ARGS` run in a fresh interpreter in ``cwd``, and
    the modules it had imported when it finished."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.fixture
def policy_folder(tmp_path: Path) -> Path:
    """The bundled policies and their catalog, in a folder with no store in it."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    shutil.copy(ROOT / "starrating.yaml", tmp_path / "starrating.yaml")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "policies"], "checked 5 policies: 0 errors"),
        (["check", "--format", "json", "policies"], '"errors": 0'),
        (["fmt", "--check", "policies"], "5 files already canonical"),
    ],
)
def test_check_and_fmt_import_no_database(
    policy_folder: Path, args: list[str], expected: str
) -> None:
    stdout, modules = _modules_after(args, policy_folder)
    assert expected in stdout
    assert "starrating.language.parser" in modules
    assert _heavy(modules) == []


def test_check_reads_an_existing_store(policy_folder: Path) -> None:
    # What a store has seen is read only when the store exists, and then with DuckDB.
    with Store.open(policy_folder / "seen.duckdb"):
        pass
    stdout, modules = _modules_after(["check", "--db", "seen.duckdb", "policies"], policy_folder)
    assert "checked 5 policies: 0 errors" in stdout
    assert "duckdb" in modules


def test_help_lists_every_command_without_importing_one(policy_folder: Path) -> None:
    stdout, modules = _modules_after(["--help"], policy_folder)
    for name in COMMANDS:
        assert f"\n  {name} " in stdout
    expected = {"starrating.cli.main", "starrating.cli.errors", "starrating.cli.translated"}
    assert [m for m in modules if m.startswith("starrating.cli.") and m not in expected] == []
    assert _heavy(modules) == []


@pytest.mark.parametrize("width", [40, 80, 200])
def test_help_is_what_click_writes_for_the_loaded_commands(width: int) -> None:
    # A plain click group holding the real commands: its help is what `starrating --help`
    # showed before commands were imported lazily, and must still show.
    plain = click.Group(
        "starrating",
        help=cli.help,
        params=cli.params,
        context_settings=cli.context_settings,
        commands=[entry.load() for entry in COMMANDS.values()],
    )
    shown = [
        CliRunner().invoke(group, ["--help"], prog_name="starrating", terminal_width=width)
        for group in (cli, plain)
    ]
    assert shown[0].exit_code == shown[1].exit_code == 0
    assert "Commands:" in shown[0].output
    assert shown[0].output == shown[1].output


def test_each_registered_command_is_its_module_s_command() -> None:
    for name, entry in COMMANDS.items():
        command = entry.load()
        assert command.name == name
        # The summary is the docstring's first paragraph, which click shortens for --help.
        assert command.help is not None
        first_paragraph = command.help.split("\n\n")[0]
        assert entry.summary.split() == first_paragraph.split(), name


def test_every_library_error_names_an_exception_class() -> None:
    # A renamed class or module would otherwise stop being mapped, silently.
    import importlib

    for module, name in LIBRARY_ERRORS:
        error = getattr(importlib.import_module(module), name)
        assert issubclass(error, Exception) and not issubclass(error, click.ClickException)


def test_a_library_error_is_a_starrating_error(tmp_path: Path) -> None:
    # `runs` on a store that does not exist: a StoreError, imported with the command.
    result = invoke(["runs", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert result.output.startswith("starrating: error: ")
