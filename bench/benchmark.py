"""Benchmark: ingest and evaluate a large synthetic event log on this machine.

    python bench/benchmark.py --events 1000000 --employees 2000

Generates a roster and an event log (with DuckDB, as Parquet) for the bundled catalog's
event types, ingests them into a fresh store and runs the bundled policies for one month
and for the whole year so far, printing wall-clock times. Speed is measured here, never in
the test suite. Nothing is written outside a temporary folder unless --keep is given.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from starrating.engine.runs import resolve_target, run_policy  # noqa: E402
from starrating.language.catalog import load_catalog, merge_catalogs  # noqa: E402
from starrating.language.policyfiles import check_files, expand_paths  # noqa: E402
from starrating.store.ingest import ingest_files  # noqa: E402
from starrating.store.store import Store  # noqa: E402

# Event types with the attributes the bundled policies filter on.
TYPES = [
    ("member_signup",
     "json_object('channel', CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'free_with_purchase' END)"),
    ("praise_letter", "json_object()"),
    ("complaint",
     "json_object('level', CAST(1 + i % 3 AS VARCHAR), 'responsible', i % 7 = 0)"),
    ("survey", "json_object('channel', 'online')"),
    ("exam", "json_object()"),
    ("verbal_warning", "json_object()"),
    ("satisfaction_rating",
     "json_object('rating', CASE WHEN i % 11 = 0 THEN 'unsatisfied' ELSE 'satisfied' END)"),
]  # fmt: skip


def generate(folder: Path, events: int, employees: int) -> tuple[Path, Path]:
    con = duckdb.connect()
    roster = folder / "roster.csv"
    con.execute(
        f"""COPY (
        SELECT 'B' || lpad(CAST(i AS VARCHAR), 6, '0') AS employee_id,
               'Employee ' || i AS name,
               DATE '2020-01-01' + CAST(i % 1500 AS INTEGER) AS hire_date,
               NULL AS leave_date,
               CASE i % 4 WHEN 0 THEN '前台' WHEN 1 THEN '收银' WHEN 2 THEN '客服中心'
                          ELSE '物业服务中心' END AS department,
               CASE i % 3 WHEN 0 THEN 'service_desk' WHEN 1 THEN 'customer_support'
                          ELSE 'sales_advisor' END AS role,
               CASE i % 4 WHEN 0 THEN 'reception' WHEN 1 THEN 'security'
                          WHEN 2 THEN 'maintenance' ELSE 'cleaning' END AS post,
               'regular' AS employment_type,
               'true' AS service_certified,
               'district_' || (i % 4) AS district
        FROM range({employees}) t(i)
        ) TO '{roster}' (HEADER, DELIMITER ',')"""
    )
    cases = " ".join(f"WHEN {n} THEN '{t}'" for n, (t, _) in enumerate(TYPES))
    attributes = " ".join(f"WHEN {n} THEN {a}" for n, (_, a) in enumerate(TYPES))
    path = folder / "events.parquet"
    con.execute(
        f"""COPY (
        SELECT 'X' || i AS event_id,
               'B' || lpad(CAST(hash(i) % {employees} AS VARCHAR), 6, '0') AS employee_id,
               CASE i % {len(TYPES)} {cases} END AS type,
               strftime(TIMESTAMP '2026-01-01' + INTERVAL (i % 26000000) SECOND,
                        '%Y-%m-%dT%H:%M:%S') || '+08:00' AS occurred_at,
               CASE WHEN i % {len(TYPES)} IN (3, 4) THEN CAST(60 + i % 41 AS VARCHAR) END
                   AS value,
               json_extract_string(CASE i % {len(TYPES)} {attributes} END, '$.channel')
                   AS channel,
               json_extract_string(CASE i % {len(TYPES)} {attributes} END, '$.level') AS level,
               json_extract_string(CASE i % {len(TYPES)} {attributes} END, '$.responsible')
                   AS responsible,
               json_extract_string(CASE i % {len(TYPES)} {attributes} END, '$.rating')
                   AS rating
        FROM range({events}) t(i)
        ) TO '{path}' (FORMAT parquet)"""
    )
    return roster, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--employees", type=int, default=2_000)
    parser.add_argument("--period", default="2026-09")
    parser.add_argument("--keep", metavar="FOLDER", help="keep the data and store here")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="starrating-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    catalog, _ = load_catalog(ROOT / "starrating.yaml")
    try:
        started = time.perf_counter()
        roster, events = generate(folder, args.events, args.employees)
        print(f"generated {args.events:,} events, {args.employees:,} employees: "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        with Store.open(folder / "bench.duckdb") as store:
            started = time.perf_counter()
            ingest_files(store, events=[events], rosters=[roster], catalog=catalog,
                         now=datetime.now(UTC))  # fmt: skip
            print(f"ingest: {time.perf_counter() - started:.1f} s")
            run_catalog = merge_catalogs(catalog, store.data_catalog())
            files = check_files(expand_paths([str(ROOT / "policies")]), run_catalog)
            as_of = datetime.now(UTC)
            for item in files:
                assert item.policy is not None
                kinds = {b.period.kind for b in item.policy.blocks}
                period = args.period if "month" in kinds else "2026"
                if "year" not in kinds and "month" not in kinds:
                    period = "2026-H1"
                target = resolve_target(item.policy, period, as_of, run_catalog)
                started = time.perf_counter()
                document = run_policy(store.connection, item, run_catalog, target, as_of)
                seconds = time.perf_counter() - started
                name = Path(item.path).name
                print(
                    f"run {name} for {target.label}: "
                    f"{len(document.results):,} rows in {seconds:.2f} s"
                )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
