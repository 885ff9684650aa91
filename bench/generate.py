"""Deterministic benchmark data for the policy of docs/language.md section 1.

    python bench/generate.py DIR --events 2000000 --employees 10000 [--seed 2026]

Writes DIR/roster.parquet and DIR/events.parquet: a roster in the store's roster format
(docs/data.md section 1.2) and three months of events, local August to October 2026 in
Asia/Shanghai, of every type the policy counts (verbal_warning, point_deduction,
member_signup with channel, suggestion, praise_letter, exam with value, complaint with level
and responsible) plus `survey`, a type it ignores. Everything is generated in DuckDB SQL,
so 20M events take seconds; the same arguments give the same rows (the random draws are an
integer hash of the row number and the seed, not DuckDB's `random()`).

What the data holds, so that every rule of the policy is exercised:

- `service_desk` staff (70%), who are rated, and other roles that `applies to` leaves out;
  hire dates on month ends and in August to October (tenure 0 or 1 at a week's or month's
  end), leave dates in September and October, and a few employees with no department (they
  form one group in `within department`);
- strong performers (every 20th employee) with no warnings, deductions or complaints, many
  praise letters and high exam scores: five stars three months in a row (`优先晋升`);
  among them top sellers (every 1000th employee, 2% of the events, all sign-ups and
  suggestions), who win the weekly award of their department most weeks and so the
  monthly star (`月度服务明星`);
- responsible complaints (vetoes), complaints with an empty level or responsible flag,
  sign-ups with no channel, exam values with halves;
- a tenth of the times within 20 minutes of local midnight, written in UTC (`Z`) or with
  `+08:00`, and a few events on 1 November local time, which October does not count;
- events of employees who are not on the roster.

The rate of warnings, deductions, complaints, praise letters and exams per employee and
month is the same at every size (the extra events of a denser log are sign-ups,
suggestions and surveys), so the share of vetoes, awards and star levels stays comparable
from 2M to 20M events.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

# Events per employee at which every type has its base rate; denser logs scale the rates of
# the per-person record types down by BASE_DENSITY / density (see the module docstring).
BASE_DENSITY = 200

# A 32-bit integer hash (the murmur3 finaliser) computed in UBIGINT (every product stays below
# 2^64): the same row number and seed give the same draw on every machine and DuckDB
# version, which DuckDB's own hash() and random() do not promise.
MACROS = """
CREATE OR REPLACE MACRO mix_a(x) AS (CAST(x AS UBIGINT) % 4294967296) * 2654435761 % 4294967296;
CREATE OR REPLACE MACRO mix_b(v) AS xor(v, v >> 16) * 2246822519 % 4294967296;
CREATE OR REPLACE MACRO mix_c(v) AS xor(v, v >> 13) * 3266489917 % 4294967296;
CREATE OR REPLACE MACRO mix32(x) AS xor(mix_c(mix_b(mix_a(x))), mix_c(mix_b(mix_a(x))) >> 16);
"""


def _draw(row: str, stream: int, seed: int) -> str:
    """SQL for a uniform draw in [0, 1) for `row`, independent for each `stream`."""
    return f"(mix32(({row}) * 64 + {stream} + {seed * 1_000_003}) / 4294967296.0)"


def roster_sql(employees: int, seed: int) -> str:
    """SELECT of the roster rows: employee_id, name, hire_date, leave_date, department,
    role, employment_type (docs/data.md section 1.2)."""

    def u(stream: int) -> str:
        return _draw("k", stream, seed)

    departments = ["前台", "收银", "客服中心", "一楼服务台", "二楼服务台", "三楼服务台", "东区",
                   "西区"]  # fmt: skip
    department_case = " ".join(f"WHEN {n} THEN '{d}'" for n, d in enumerate(departments))
    return f"""
    WITH hired AS (
        SELECT k, CASE
                   -- tenure edges: exactly one whole month at a month's end, or not yet
                   WHEN k % 97 = 1 THEN DATE '2026-08-31'
                   WHEN k % 97 = 2 THEN DATE '2026-09-30'
                   WHEN k % 97 = 3 THEN DATE '2026-10-01'
                   WHEN k % 97 = 4 THEN DATE '2026-07-31'
                   WHEN {u(1)} < 0.12
                       THEN DATE '2026-07-01' + CAST(floor({u(2)} * 110) AS INTEGER)
                   ELSE DATE '2018-01-01' + CAST(floor({u(2)} * 3000) AS INTEGER)
               END AS hire_date
        FROM range({employees}) t(k)
    )
    SELECT 'S' || lpad(CAST(k AS VARCHAR), 6, '0') AS employee_id,
           'Employee ' || k AS name,
           CAST(hire_date AS VARCHAR) AS hire_date,
           -- leaving in September or October, never before the hire date
           CASE WHEN {u(3)} < 0.03 THEN CAST(greatest(hire_date,
                DATE '2026-08-20' + CAST(floor({u(4)} * 80) AS INTEGER)) AS VARCHAR)
           END AS leave_date,
           CASE WHEN {u(5)} < 0.01 THEN NULL
                ELSE CASE CAST(floor({u(6)} * {len(departments)}) AS INTEGER)
                     {department_case} END
           END AS department,
           CASE WHEN k % 20 = 0 THEN 'service_desk'
                WHEN {u(7)} < 0.70 THEN 'service_desk'
                WHEN {u(7)} < 0.85 THEN 'customer_support'
                WHEN {u(7)} < 0.95 THEN 'team_leader'
                ELSE 'sales_advisor'
           END AS role,
           'regular' AS employment_type
    FROM hired
    """


def events_sql(events: int, employees: int, seed: int) -> str:
    """SELECT of the event rows: event_id, employee_id, type, occurred_at, value, channel,
    level, responsible (docs/data.md section 1.1; every value as text)."""

    def u(stream: int) -> str:
        return _draw("i", stream, seed)

    scale = min(1.0, BASE_DENSITY * employees / max(events, 1))
    # Cumulative thresholds of the type draw; the per-person record types scale with density.
    bounds: list[tuple[str, float]] = []
    edge = 0.0
    for name, share in [
        ("verbal_warning", 0.10 * scale),
        ("point_deduction", 0.07 * scale),
        ("complaint", 0.08 * scale),
        ("praise_letter", 0.08 * scale),
        ("exam", 0.05 * scale),
        ("suggestion", 0.10),
        ("member_signup", 0.30),
    ]:
        edge += share
        bounds.append((name, edge))
    type_case = " ".join(f"WHEN draw < {edge!r} THEN '{name}'" for name, edge in bounds)
    # Local 2026-08-01 00:00 to 2026-11-01 00:00 in Asia/Shanghai, in seconds from its start.
    window = 92 * 86400
    return f"""
    WITH drawn AS (
        SELECT i,
               -- 2% of the events go to the top sellers, every 1000th employee
               CASE WHEN {u(10)} >= 0.001 AND {u(10)} < 0.021
                    THEN CAST(floor({u(1)} * {-(-employees // 1000)}) AS BIGINT) * 1000
                    ELSE CAST(floor({u(1)} * {employees}) AS BIGINT) END AS k,
               {u(10)} >= 0.001 AND {u(10)} < 0.021 AS top_seller,
               {u(2)} AS draw,
               {u(3)} AS u_time, {u(4)} AS u_near, {u(5)} AS u_day, {u(6)} AS u_attr,
               {u(7)} AS u_attr2, {u(8)} AS u_offset, {u(9)} AS u_value, {u(10)} AS u_other
        FROM range({events}) t(i)
    ), typed AS (
        SELECT *,
               CASE WHEN u_other < 0.001 THEN 'X' ELSE 'S' END
                   || lpad(CAST(k AS VARCHAR), 6, '0') AS employee_id,
               k % 20 = 0 AS strong,
               CASE WHEN top_seller THEN CASE WHEN draw < 0.7 THEN 'member_signup'
                                              ELSE 'suggestion' END
                    {type_case} ELSE 'survey' END AS drawn_type
        FROM drawn
    ), shaped AS (
        SELECT *,
               -- strong performers: the bad records become praise letters
               CASE WHEN strong AND drawn_type IN ('verbal_warning', 'point_deduction',
                                                   'complaint')
                    THEN 'praise_letter' ELSE drawn_type END AS type,
               CASE
                   -- a few events on 1 November local time, outside October
                   WHEN u_near < 0.005 THEN {window} + CAST(floor(u_time * 3600) AS BIGINT)
                   -- within 20 minutes of local midnight, on either side
                   WHEN u_near < 0.10 THEN greatest(0, least({window} - 1,
                        CAST(floor(u_day * 92) AS BIGINT) * 86400
                        + CAST(floor(u_time * 2400) AS BIGINT) - 1200))
                   ELSE CAST(floor(u_time * {window}) AS BIGINT)
               END AS second
        FROM typed
    )
    SELECT 'EV' || lpad(CAST(i AS VARCHAR), 9, '0') AS event_id,
           employee_id,
           type,
           CASE WHEN u_offset < 0.8
                THEN strftime(TIMESTAMP '2026-07-31 16:00:00' + to_seconds(second),
                              '%Y-%m-%dT%H:%M:%SZ')
                ELSE strftime(TIMESTAMP '2026-08-01 00:00:00' + to_seconds(second),
                              '%Y-%m-%dT%H:%M:%S+08:00')
           END AS occurred_at,
           CASE WHEN type = 'exam' THEN CAST(
                CASE WHEN strong THEN 90 + floor(u_value * 21) / 2
                     ELSE 50 + floor(u_value * 101) / 2 END AS VARCHAR)
           END AS value,
           CASE WHEN type = 'member_signup' THEN
                CASE WHEN u_attr < 0.50 THEN 'paid'
                     WHEN u_attr < 0.95 THEN 'free_with_purchase' END
           END AS channel,
           CASE WHEN type = 'complaint' THEN
                CASE WHEN u_attr < 0.02 THEN NULL
                     WHEN u_attr < 0.60 THEN '1' WHEN u_attr < 0.90 THEN '2' ELSE '3' END
           END AS level,
           CASE WHEN type = 'complaint' THEN
                CASE WHEN u_attr2 < 0.10 THEN NULL
                     WHEN u_attr2 < 0.13 THEN 'true' ELSE 'false' END
           END AS responsible
    FROM shaped
    """


def generate(folder: Path, events: int, employees: int, seed: int = 2026) -> tuple[Path, Path]:
    """Write folder/roster.parquet and folder/events.parquet; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.parquet"
    events_path = folder / "events.parquet"
    con = duckdb.connect()
    con.execute(MACROS)
    con.execute(f"COPY ({roster_sql(employees, seed)}) TO '{roster}' (FORMAT parquet)")
    con.execute(f"COPY ({events_sql(events, employees, seed)}) TO '{events_path}' (FORMAT parquet)")
    con.close()
    return roster, events_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.folder, args.events, args.employees, args.seed)
    print(
        f"generated {args.events:,} events, {args.employees:,} employees in {args.folder}: "
        f"{time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
