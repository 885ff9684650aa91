"""Benchmark: starrating against hand-written DuckDB SQL and pandas, on the same data.

    python bench/compare.py --events 2000000 --employees 10000 [--data DIR] [--keep DIR]
                            [--policy service_desk|team_window]

Generates the data (bench/generate.py) into a temporary folder, or reuses --data DIR (and
generates into it when it holds no data yet), then runs, each in a subprocess of its own so
that its peak memory (maximum resident set size) is its own:

1. starrating: `starrating ingest` of the two Parquet files into a fresh store, then
   `starrating run bench/service_desk.policy --period 2026-10 --format json --out FILE`;
2. the hand-written SQL (bench/hand_sql.py): load the Parquet files, query, write JSON;
3. pandas (bench/pandas_version.py).

The policy is that of docs/language.md section 1 (`--policy service_desk`, the default), or
the team policy with rolling windows and group aggregates (`--policy team_window`:
bench/team_window.policy, bench/hand_sql_team.py, bench/pandas_team.py), on the same data.
The three results must be identical row by row (exact decimals); the first differences
are printed and the exit status is 1 otherwise. Then a table gives the time and peak
memory of each step and the ratios the performance targets name (docs/performance.md).
Times are wall-clock seconds of the subprocess, Python start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


@dataclass(frozen=True)
class Workload:
    """A policy of the benchmark with the two hand-written versions of it."""

    policy: Path
    hand_sql: Path
    pandas: Path


WORKLOADS = {
    "service_desk": Workload(
        BENCH / "service_desk.policy", BENCH / "hand_sql.py", BENCH / "pandas_version.py"
    ),
    "team_window": Workload(
        BENCH / "team_window.policy", BENCH / "hand_sql_team.py", BENCH / "pandas_team.py"
    ),
}
CATALOG = ROOT / "starrating.yaml"
STARRATING = [sys.executable, "-c", "from starrating.cli import main; main()"]


@dataclass
class Step:
    """One subprocess: wall-clock seconds, peak memory, and the phases it reported."""

    seconds: float
    peak_bytes: int
    phases: dict[str, float] = field(default_factory=dict)


def measure(command: list[str], log: Path) -> Step:
    """Run command, its standard output into log and its standard error into log.err; its
    own peak RSS from wait4 (not the maximum over every child so far, which is what
    getrusage(RUSAGE_CHILDREN) would give). A last line of output that is a JSON object
    gives the phases."""
    errors = log.with_suffix(".err")
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as output, errors.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(command, stdout=output, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8")
    if process.returncode != 0:
        problem = text + errors.read_text(encoding="utf-8")
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{problem}")
    phases: dict[str, float] = {}
    last_line = text.strip().splitlines()[-1] if text.strip() else ""
    if last_line.startswith("{"):
        phases = json.loads(last_line)
    # ru_maxrss is in kilobytes on Linux
    return Step(seconds, usage.ru_maxrss * 1024, phases)


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The result rows of a file: a run document of starrating, or a plain array."""
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return document["results"] if isinstance(document, dict) else document


def canonical(value: Any) -> Any:
    """A form in which equal JSON values are equal and nothing else is: numbers as exact
    decimals (1.5 = 1.50), but true is not 1, and object keys keep their order."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | Decimal):
        return ("number", Decimal(value).normalize())
    if isinstance(value, list):
        return ("list", tuple(canonical(item) for item in value))
    if isinstance(value, dict):
        return ("object", tuple((key, canonical(item)) for key, item in value.items()))
    raise TypeError(f"not a JSON value: {value!r}")


def compare_rows(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], limit: int = 5
) -> list[str]:
    """The differences between two lists of result rows, row by row in order: at most
    `limit` rows that differ, each with the fields that differ; [] when identical."""
    problems: list[str] = []
    if len(expected) != len(actual):
        problems.append(f"{len(expected)} rows against {len(actual)}")
    for position, (left, right) in enumerate(zip(expected, actual, strict=False)):
        if canonical(left) == canonical(right):
            continue
        fields = [
            f"{key}: {left.get(key)!r} against {right.get(key)!r}"
            for key in dict.fromkeys([*left, *right])
            if canonical(left.get(key)) != canonical(right.get(key))
        ] or ["the same fields in another order"]
        where = f"row {position + 1} ({left.get('employee_id')} {left.get('period')})"
        problems.append(f"{where}: " + "; ".join(fields))
        if len(problems) >= limit:
            break
    return problems


def machine() -> str:
    """Cores, memory and versions of this machine, for the record."""
    memory = "unknown memory"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB memory"
    return (
        f"{os.cpu_count()} cores, {memory}, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}, DuckDB {version('duckdb')}, "
        f"pandas {version('pandas')}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def load_average() -> str:
    """The load average over 1, 5 and 15 minutes: how busy the machine was."""
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


def gigabytes(size: int) -> str:
    return f"{size / 1024**3:.2f} GB"


def report(ingest: Step, run: Step, hand: Step, frames: Step) -> list[str]:
    """The table of times and peak memory, and the ratios of the targets."""
    whole = ingest.seconds + run.seconds
    whole_peak = max(ingest.peak_bytes, run.peak_bytes)
    hand_query = hand.phases.get("query", float("nan"))
    lines = [
        f"{'step':<44}{'seconds':>10}{'peak memory':>14}",
        f"{'starrating ingest (Parquet -> store)':<44}{ingest.seconds:>10.2f}"
        f"{gigabytes(ingest.peak_bytes):>14}",
        f"{'starrating run (store -> JSON)':<44}{run.seconds:>10.2f}"
        f"{gigabytes(run.peak_bytes):>14}",
        f"{'starrating whole (ingest + run)':<44}{whole:>10.2f}{gigabytes(whole_peak):>14}",
        f"{'hand SQL whole (load, query, JSON)':<44}{hand.seconds:>10.2f}"
        f"{gigabytes(hand.peak_bytes):>14}",
        f"{'  of which load / query / write':<44}"
        + " / ".join(f"{hand.phases.get(k, float('nan')):.2f}" for k in ("load", "query", "write")),
        f"{'pandas whole (load, compute, JSON)':<44}{frames.seconds:>10.2f}"
        f"{gigabytes(frames.peak_bytes):>14}",
        "",
        f"starrating whole / hand SQL whole: {whole / hand.seconds:6.2f}x  (target <= 1.5)",
        f"starrating run / hand SQL query:   {run.seconds / hand_query:6.2f}x  (target <= 1.2)",
        f"pandas / starrating whole:         {frames.seconds / whole:6.2f}x  (target >= 10)",
        f"starrating peak memory:            {gigabytes(whole_peak)}  (target <= 4 GB at 20M)",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--data", type=Path, help="reuse (or generate once into) this folder")
    parser.add_argument("--keep", type=Path, help="keep the store and the outputs here")
    parser.add_argument("--policy", choices=sorted(WORKLOADS), default="service_desk")
    args = parser.parse_args(argv)
    workload = WORKLOADS[args.policy]
    work = args.keep or Path(tempfile.mkdtemp(prefix="starrating-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    data = args.data or work / "data"
    try:
        print(f"machine: {machine()}")
        print(f"policy: {workload.policy.name}")
        print(f"load average at the start: {load_average()}")
        if not (data / "events.parquet").exists():
            # in a subprocess too: this process stays small, because a child's peak memory
            # as Linux reports it starts from the size of the process it was forked from
            generated = measure(
                [sys.executable, str(BENCH / "generate.py"), str(data),
                 "--events", str(args.events), "--employees", str(args.employees),
                 "--seed", str(args.seed)],
                work / "generate.log",
            )  # fmt: skip
            print(
                f"generated {args.events:,} events, {args.employees:,} employees: "
                f"{generated.seconds:.1f} s"
            )
        store = work / "bench.duckdb"
        store.unlink(missing_ok=True)
        common = ["--db", str(store), "--catalog", str(CATALOG)]
        outputs = {name: work / f"{name}.json" for name in ("starrating", "hand", "pandas")}
        ingest = measure(
            [*STARRATING, "ingest", "--events", str(data / "events.parquet"),
             "--roster", str(data / "roster.parquet"), *common],
            work / "ingest.log",
        )  # fmt: skip
        run = measure(
            [*STARRATING, "run", str(workload.policy), "--period", args.period, "--format", "json",
             "--out", str(outputs["starrating"]), *common],
            work / "run.log",
        )  # fmt: skip
        hand = measure(
            [sys.executable, str(workload.hand_sql), str(data), str(outputs["hand"]),
             "--period", args.period],
            work / "hand.log",
        )  # fmt: skip
        frames = measure(
            [sys.executable, str(workload.pandas), str(data),
             str(outputs["pandas"]), "--period", args.period],
            work / "pandas.log",
        )  # fmt: skip
        # A command of a fraction of a second: the median of five, the first one warming
        # the parser cache and the bytecode of the package.
        checks = sorted(
            measure([*STARRATING, "check", str(ROOT / "policies"), "--catalog", str(CATALOG)],
                    work / "check.log").seconds
            for _ in range(5)
        )  # fmt: skip
        check_seconds = checks[len(checks) // 2]
        reference = load_rows(outputs["starrating"])
        identical = True
        for name in ("hand", "pandas"):
            problems = compare_rows(reference, load_rows(outputs[name]))
            if problems:
                identical = False
                print(f"starrating and {name} differ:")
                print("\n".join(f"  {problem}" for problem in problems))
        if identical:
            print(f"results identical: {len(reference):,} rows from each of the three")
        print("\n".join(report(ingest, run, hand, frames)))
        print(
            f"starrating check policies/:        {check_seconds:6.2f} s  (median of 5;"
            " target <= 0.3 s)"
        )
        # other work on the machine slows every step; the figures are only as good as this
        print(f"load average at the end: {load_average()}")
        return 0 if identical else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
