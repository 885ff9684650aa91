"""What the test modules share: repository paths, the CLI runner, and the fixtures for a
test's own folder, an open store, the repository's catalog, a recorded run and a database
held by another process.

pytest loads this file before the test modules and puts this folder on ``sys.path`` (that
is how the tests import ``samples`` and ``generators``), so the plain names below are
imported with ``from conftest import ROOT, invoke``; the fixtures are found by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from starrating.cli import cli
from starrating.language.catalog import Catalog, load_catalog
from starrating.store.store import Store

# Messages follow the locale (LC_ALL, LC_MESSAGES, LANG): the tests expect English unless
# they ask for Chinese (`--lang zh-CN`, `env={"LANG": ...}`, `i18n.language`), whatever
# the locale of the machine running them.
for _variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
    os.environ.pop(_variable, None)

ROOT = Path(__file__).resolve().parent.parent
"""The repository: README.md, docs/, policies/, data/ and its catalog starrating.yaml."""

ROW_KEYS = [
    "employee_id",
    "period",
    "period_start",
    "period_end",
    "vetoed",
    "veto_reasons",
    "values",
    "red",
    "green",
    "net",
    "stars",
    "awards",
    "reward",
]
"""The fields of a result row, in the order a run prints them (docs/data.md section 5)."""


def invoke(args: list[str]) -> Result:
    """Run the CLI in this process. Exceptions are not caught, so a crash fails the test
    with its own traceback instead of a bare exit code 1."""
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def write_text(path: Path, text: str) -> Path:
    """Write a UTF-8 file (policies and data hold Chinese text), making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from its own empty folder (``tmp_path``, returned).

    The repository holds a starrating.yaml, found from the current folder upwards; a test
    run from the repository would pick it up. Modules whose every test needs this say
    ``pytestmark = pytest.mark.usefixtures("in_tmp")``."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store at ``tmp_path / "store.duckdb"``, open for the test.

    A module that needs data in it overrides this fixture with one that takes ``store``
    (this one) and ingests its data."""
    with Store.open(tmp_path / "store.duckdb") as opened:
        yield opened


@pytest.fixture(scope="session")
def repository_catalog() -> Catalog:
    """The repository's catalog (starrating.yaml), which must load without a problem."""
    catalog, problems = load_catalog(ROOT / "starrating.yaml")
    assert problems == [], problems
    assert catalog is not None
    return catalog


@pytest.fixture
def record_run(in_tmp: Path) -> Callable[[str, str, str, str], tuple[Path, str]]:
    """A function that records one run through the CLI, from the test's own folder:
    ``record_run(policy, roster, events, period)`` writes p.policy, roster.csv and
    events.csv, runs the period into s.duckdb and returns that store and the run's id."""

    def record(policy: str, roster: str, events: str, period: str) -> tuple[Path, str]:
        write_text(in_tmp / "p.policy", policy)
        write_text(in_tmp / "roster.csv", roster)
        write_text(in_tmp / "events.csv", events)
        result = CliRunner().invoke(
            cli,
            ["run", "p.policy", "--period", period, "--roster", "roster.csv", "--events",
             "events.csv", "--format", "json", "--db", "s.duckdb"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return in_tmp / "s.duckdb", json.loads(result.stdout)["run"]["run_id"]

    return record


# Opens the database given as its argument and keeps it open (DuckDB then refuses every
# other process) until its stdin is closed or it is killed.
_HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.read()  # hold the file until the test closes our stdin (or kills us)
    """
)


@contextmanager
def _held(db: Path) -> Iterator[Path]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        yield db
    finally:
        holder.kill()
        holder.wait(timeout=30)


@pytest.fixture
def hold_database() -> Callable[[Path], AbstractContextManager[Path]]:
    """``with hold_database(db):`` another process holds the database ``db`` open for the
    block, so that the test can see how a busy database is reported."""
    return _held
