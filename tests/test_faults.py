"""Faults (docs/data.md section 3): a store file that is cut short, damaged, not a DuckDB
database, or of a newer schema version is refused by every command that opens it, with
one `starrating: error:` line and exit status 2, never a traceback and never a write; an
ingest killed at any moment leaves the store as it was before (or, once committed, as
after it), and the same ingest run again gives the store an uninterrupted one gives.

The store is a real one: the sample data (data/) ingested and a run of scheme B recorded.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest
from conftest import ROOT, invoke, write_text

from starrating.store.location import FILE_HEADERS_BYTES
from starrating.store.schema import SCHEMA_VERSION
from starrating.store.store import (
    Store,
    UnusableStoreError,
    damaged_store_error,
)

pytestmark = pytest.mark.usefixtures("in_tmp")

POLICY = ROOT / "policies" / "b_monthly_star_levels.policy"
CATALOG = ROOT / "starrating.yaml"
PERIOD = ["--period", "2026-10", "--as-of", "2026-11-06T00:00:00+08:00"]
# An mtime in the past, so that a write during the test could not leave it equal.
OLD_MTIME_NS = 1_700_000_000_000_000_000


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample data ingested and one run recorded: the store and the run's id."""
    folder = tmp_path_factory.mktemp("recorded")
    db = folder / "s.duckdb"
    ingest = invoke(["ingest", "--roster", str(ROOT / "data" / "roster.csv"), "--events",
                     str(ROOT / "data" / "events.csv"), "--catalog", str(CATALOG),
                     "--db", str(db)])  # fmt: skip
    assert ingest.exit_code == 0, ingest.output
    run = invoke(["run", str(POLICY), *PERIOD, "--catalog", str(CATALOG), "--db", str(db)])
    assert run.exit_code == 0, run.output
    runs = invoke(["runs", "--db", str(db), "--format", "json", "--catalog", str(CATALOG)])
    run_id = runs.stdout.split('"run_id": "')[1].split('"')[0]
    return db, run_id


def _command_lines(run_id: str) -> dict[str, list[str]]:
    """Every command that opens the store, with arguments that work on the good store."""
    policy, events = str(POLICY), str(ROOT / "data" / "events.csv")
    return {
        "runs": ["runs"],
        "explain": ["explain", run_id, "--employee", "E001"],
        "replay": ["replay", run_id],
        "report": ["report", run_id, "--html", "out.html"],
        "run": ["run", policy, *PERIOD],
        "ingest": ["ingest", "--events", events],
        "check": ["check", policy],
        "diff": ["diff", policy, policy, *PERIOD],
    }


COMMANDS = ["runs", "explain", "replay", "report", "run", "ingest", "check", "diff"]


def _block_size(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
    assert row is not None
    return int(row[0])


def _faulty(recorded: Path, folder: Path, fault: str) -> tuple[Path, str]:
    """The recorded store with ``fault``, alone in ``folder``, and the words its refusal
    says after the path."""
    whole = recorded.read_bytes()
    path = folder / "store.duckdb"
    folder.mkdir(parents=True, exist_ok=True)
    damaged = "is a damaged DuckDB database file (shorter than its header says"
    cuts = {
        "empty": 0,
        "main header only": 4096,
        "headers only": FILE_HEADERS_BYTES,
        "half": len(whole) // 2,
        "all but the last block": len(whole) - _block_size(recorded),
        "one byte short": len(whole) - 1,
    }
    if fault in cuts:
        path.write_bytes(whole[: cuts[fault]])
        return path, ("is an empty file" if fault == "empty" else damaged)
    if fault == "garbage over the header":
        path.write_bytes(whole[:64] + b"\xa5" * 4000 + whole[4064:])
        return path, "(the block at byte 0 does not match its checksum)"
    if fault == "text":
        path.write_text("meeting notes\n", encoding="utf-8")
        return path, 'is not a DuckDB database file (it starts with the text "meeting notes")'
    if fault == "csv":
        path.write_bytes((ROOT / "data" / "roster.csv").read_bytes())
        return path, 'is not a DuckDB database file (it starts with the text "employee_id,'
    if fault == "folder":
        path.mkdir()
        return path, "is a folder, not a DuckDB database file"
    assert fault == "newer schema"
    path.write_bytes(whole)
    newer = str(int(SCHEMA_VERSION) + 1)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [newer])
    return path, f"was written by a newer version of starrating (schema version {newer})"


FAULTS = [
    "empty", "main header only", "headers only", "half", "all but the last block",
    "one byte short", "garbage over the header", "text", "csv", "folder", "newer schema",
]  # fmt: skip


def _snapshot(path: Path) -> tuple[bytes, int] | list[str]:
    """What "untouched" means: the bytes and the modification time (a folder: its
    entries)."""
    if path.is_dir():
        return sorted(p.name for p in path.iterdir())
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return path.read_bytes(), os.stat(path).st_mtime_ns


def _same(path: Path, before: tuple[bytes, int] | list[str]) -> bool:
    if path.is_dir():
        return sorted(p.name for p in path.iterdir()) == before
    return (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def _assert_refused(stderr: str, path: Path, words: str) -> None:
    assert stderr.startswith(f"starrating: error: {path} ") or stderr.startswith(
        f"starrating: error: the store {path} "
    ), stderr
    assert words in stderr
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr  # one line
    assert "Traceback" not in stderr and "internal error" not in stderr


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_faulty_store_and_leaves_it_untouched(
    recorded: tuple[Path, str], tmp_path: Path, fault: str, command: str
) -> None:
    db, run_id = recorded
    path, words = _faulty(db, tmp_path / "faulty", fault)
    before = _snapshot(path)
    args = [*_command_lines(run_id)[command], "--catalog", str(CATALOG), "--db", str(path)]
    result = invoke(args)
    assert result.exit_code == 2, result.output
    _assert_refused(result.stderr, path, words)
    assert result.stdout == ""
    assert _same(path, before)
    # No write-ahead log, no spill folder: nothing beside the file either.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert not (tmp_path / "out.html").exists()


@pytest.mark.parametrize("command", ["fmt", "compile", "test"])
def test_commands_that_never_open_the_store_refuse_one_cut_in_its_headers(
    recorded: tuple[Path, str], tmp_path: Path, command: str
) -> None:
    """`fmt`, `compile` and `test` judge `--db` by its first bytes alone (they import no
    DuckDB for it): a DuckDB file shorter than its three headers is refused."""
    db, _run_id = recorded
    path, words = _faulty(db, tmp_path / "faulty", "main header only")
    before = _snapshot(path)
    case = write_text(
        tmp_path / "t.yaml",
        f"policy: {POLICY}\ncases:\n  - name: none\n    period: 2026-10\n"
        "    roster: []\n    events: []\n    expect: {}\n",
    )
    args = {
        "fmt": ["fmt", str(POLICY)],
        "compile": ["compile", str(POLICY), "--period", "2026-10", "--catalog", str(CATALOG)],
        "test": ["test", str(case), "--catalog", str(CATALOG)],
    }[command]
    result = invoke([*args, "--db", str(path)])
    assert result.exit_code == 2, result.output
    _assert_refused(result.stderr, path, words)
    assert result.stdout == ""
    assert _same(path, before)


@pytest.mark.parametrize(
    ("fault", "command"),
    [("half", "ingest"), ("garbage over the header", "runs"), ("newer schema", "run")],
)
def test_the_console_entry_refuses_too_without_a_traceback(
    recorded: tuple[Path, str], tmp_path: Path, fault: str, command: str
) -> None:
    """The same through `python -m starrating`, as a person or a script runs it."""
    db, run_id = recorded
    path, words = _faulty(db, tmp_path / "faulty", fault)
    before = _snapshot(path)
    args = [*_command_lines(run_id)[command], "--catalog", str(CATALOG), "--db", str(path)]
    done = subprocess.run([sys.executable, "-m", "starrating", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    _assert_refused(done.stderr, path, words)
    assert _same(path, before)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


# ---- a block damaged inside the file --------------------------------------------------


def _damage_tables(recorded: Path, path: Path, tables: tuple[str, ...]) -> list[int]:
    """A copy of the store with every block of ``tables`` overwritten with garbage (a disk
    fault DuckDB cannot see at open: it checks a block's checksum when it reads it);
    returns the damaged blocks' offsets."""
    block = _block_size(recorded)
    with duckdb.connect(str(recorded), read_only=True) as con:
        blocks = sorted(
            {
                row[0]
                for table in tables
                for row in con.execute(
                    "SELECT block_id FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
                ).fetchall()
            }
        )
    data = bytearray(recorded.read_bytes())
    offsets = [FILE_HEADERS_BYTES + block_id * block for block_id in blocks]
    for offset in offsets:
        data[offset + 64 : offset + 4096] = b"\x5a" * (4096 - 64)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return offsets


@pytest.mark.parametrize("command", COMMANDS)
def test_a_damaged_block_is_refused_where_a_command_reads_it(
    recorded: tuple[Path, str], tmp_path: Path, command: str
) -> None:
    """The events and results of the store damaged: every command that reads them ends
    with exit status 2 naming the damaged block, and changes nothing (its transaction is
    rolled back). `runs` reads neither, and works as usual."""
    db, run_id = recorded
    path = tmp_path / "faulty" / "store.duckdb"
    offsets = _damage_tables(db, path, ("events", "results"))
    before = _snapshot(path)
    args = [*_command_lines(run_id)[command], "--catalog", str(CATALOG), "--db", str(path)]
    result = invoke(args)
    if command == "runs":
        assert result.exit_code == 0, result.output
        assert run_id in result.stdout
    else:
        assert result.exit_code == 2, result.output
        _assert_refused(result.stderr, path, "is a damaged DuckDB database file (the block at")
        offset = int(result.stderr.split("the block at byte ")[1].split(" ")[0])
        assert offset in offsets
        assert "does not match its checksum); it was not changed; restore the store from a" \
            " copy, or use another --db" in result.stderr  # fmt: skip
    assert _same(path, before)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_the_damage_is_said_in_chinese(recorded: tuple[Path, str], tmp_path: Path) -> None:
    db, run_id = recorded
    path = tmp_path / "faulty" / "store.duckdb"
    _damage_tables(db, path, ("results",))
    result = invoke(["--lang", "zh-CN", "explain", run_id, "--employee", "E001", "--db",
                     str(path), "--catalog", str(CATALOG)])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"starrating: error: {path}")
    assert "校验" in result.stderr and "--db" in result.stderr
    cut = tmp_path / "cut" / "store.duckdb"
    cut.parent.mkdir()
    cut.write_bytes(db.read_bytes()[:-1])
    result = invoke(["--lang", "zh-CN", "runs", "--db", str(cut)])
    assert result.exit_code == 2
    assert "损坏" in result.stderr


def test_check_notes_a_damaged_default_store_and_goes_on(
    recorded: tuple[Path, str], tmp_path: Path
) -> None:
    """Only `--db` makes a damaged store an error for `check`: the catalog's `database`
    (or the default) is noted, as for any store `check` cannot read."""
    db, _run_id = recorded
    cut = tmp_path / "starrating.duckdb"
    cut.write_bytes(db.read_bytes()[: len(db.read_bytes()) // 2])
    write_text(tmp_path / "p.policy", POLICY.read_text(encoding="utf-8"))
    shutil.copy(CATALOG, tmp_path / "starrating.yaml")
    result = invoke(["check", "p.policy"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("starrating: note: the store was not read: ")
    assert "is a damaged DuckDB database file (shorter than its header says" in result.stderr


# ---- an ingest killed at any moment ---------------------------------------------------

# Large enough that the ingest takes a while (half a second on 2 cores, after Python's
# start), small enough to keep the test short. Every row has its recorded_at, so that two
# ingests of the file store the same rows (without it, a row is recorded at the ingest's
# time).
KILLED_ROWS = 30_000


def _big_events(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["event_id", "employee_id", "type", "occurred_at", "recorded_at", "value"])
        for i in range(KILLED_ROWS):
            writer.writerow([f"K{i:07d}", f"E{i % 96 + 1:03d}", "complaint",
                             f"2026-10-{i % 28 + 1:02d}T10:{i % 60:02d}:00+08:00",
                             "2026-11-01T00:00:00+08:00", i % 7])  # fmt: skip
    return path


def _contents(db: Path) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows, computed in SQL (order-free:
    the rows' text sorted). The time of an ingest is left out: two ingests of one file
    differ only there."""
    with Store.open(db, read_only=True) as store:
        contents = {}
        for table in store.table_counts():
            # The ingest time, and the ingest digest over it, differ between two runs of one ingest.
            columns = "* EXCLUDE (ingested_at, ingest_sha256)" if table == "ingests" else "*"
            row = store.connection.execute(
                f"""SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), ''))
                    FROM (SELECT CAST(t AS VARCHAR) AS r
                          FROM (SELECT {columns} FROM "{table}") AS t)"""
            ).fetchone()
            assert row is not None
            contents[table] = (row[0], row[1])
        return contents


def _after_seconds(seconds: float) -> Callable[[], bool]:
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


class Whole(NamedTuple):
    """An uninterrupted ingest of the big events file into a copy of the recorded store:
    the file, the store's contents before and after, how long the command took and by how
    many bytes it grew the store."""

    events: Path
    before: dict[str, tuple[int, str]]
    after: dict[str, tuple[int, str]]
    seconds: float
    growth: int


# When to kill the ingest: half way through the time a whole one takes (while it starts
# and reads the file; its writing is the last part); as soon as DuckDB's write-ahead log
# appears (the transaction writes); when the store file first grows (new blocks written);
# when it has grown by half of what the whole ingest adds. The moments are conditions
# polled every millisecond, not assertions about time.
MOMENTS: dict[str, Callable[[Path, Whole], Callable[[], bool]]] = {
    "half way": lambda db, whole: _after_seconds(whole.seconds / 2),
    "write-ahead log": lambda db, whole: db.with_name(db.name + ".wal").exists,
    "growing": lambda db, whole: _grown(db, 1),
    "half grown": lambda db, whole: _grown(db, whole.growth // 2),
}


def _grown(db: Path, by: int) -> Callable[[], bool]:
    size = db.stat().st_size
    return lambda: db.stat().st_size >= size + by


def _ingest_command(events: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "starrating", "ingest", "--events", str(events),
            "--catalog", str(CATALOG), "--db", str(db)]  # fmt: skip


@pytest.fixture(scope="module")
def whole(recorded: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Whole:
    folder = tmp_path_factory.mktemp("killed")
    events = _big_events(folder / "big.csv")
    db = folder / "whole.duckdb"
    shutil.copy(recorded[0], db)
    start = time.monotonic()
    done = subprocess.run(_ingest_command(events, db), capture_output=True, text=True)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    growth = db.stat().st_size - recorded[0].stat().st_size
    return Whole(events, _contents(recorded[0]), _contents(db), seconds, growth)


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_killed_ingest_leaves_the_store_as_it_was(
    recorded: tuple[Path, str], whole: Whole, tmp_path: Path, moment: str
) -> None:
    events, before, after = whole.events, whole.before, whole.after
    assert after["events"][0] == before["events"][0] + KILLED_ROWS
    db = tmp_path / "s.duckdb"
    shutil.copy(recorded[0], db)
    condition = MOMENTS[moment](db, whole)
    ingest = subprocess.Popen(
        _ingest_command(events, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while ingest.poll() is None and not condition():
            time.sleep(0.001)
    finally:
        ingest.send_signal(signal.SIGKILL)
        ingest.wait(timeout=60)
    # Whatever DuckDB left (a write-ahead log, blocks written past the last checkpoint),
    # the store opens and holds exactly what it held before; or, had the ingest committed
    # before the kill, exactly what the whole ingest gives. Never a part of it.
    contents = _contents(db)
    assert contents in (before, after)
    # ... and verifies: its chains of runs and ingests are whole (issue 13's done-when).
    verified = invoke(["verify", "--db", str(db)])
    assert verified.exit_code == 0, verified.output
    # The lock died with the process, and the same ingest goes through.
    again = invoke(["ingest", "--events", str(events), "--catalog", str(CATALOG),
                    "--db", str(db)])  # fmt: skip
    assert again.exit_code == 0, again.output
    committed = contents == after
    assert again.stdout == f"{events}: {KILLED_ROWS} rows, {0 if committed else KILLED_ROWS} new\n"
    # The same store as after the uninterrupted ingest; an ingest that committed before
    # the kill is followed by the second one's own `ingests` row (0 new).
    final = _contents(db)
    assert final["ingests"][0] == after["ingests"][0] + committed
    assert {t: c for t, c in final.items() if t != "ingests"} == {
        t: c for t, c in after.items() if t != "ingests"
    }


def test_a_checksum_error_without_its_place_is_still_a_refusal(tmp_path: Path) -> None:
    # The words DuckDB uses when it does not say where the block is.
    error = duckdb.Error(
        "Corrupt database file: computed checksum 1 does not match stored checksum 2"
    )
    refusal = damaged_store_error(tmp_path / "s.duckdb", error)
    assert isinstance(refusal, UnusableStoreError)
    assert str(refusal) == (
        f"{tmp_path / 's.duckdb'} is a damaged DuckDB database file (a block does not match its"
        " checksum); it was not changed; restore the store from a copy, or use another --db"
    )
    # Other errors are not damage.
    assert damaged_store_error(tmp_path, duckdb.Error("Binder Error: no such column")) is None
    assert damaged_store_error(tmp_path, ValueError("Corrupt database file: checksum")) is None
