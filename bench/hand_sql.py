"""The policy of docs/language.md section 1, written by hand in DuckDB SQL: the practical limit.

    python bench/hand_sql.py DATA_DIR OUT.json [--period 2026-10]

Loads DATA_DIR/roster.parquet and DATA_DIR/events.parquet (bench/generate.py) into an
in-memory DuckDB, computes the month and its weeks ending Sunday whose last day lies in it,
and writes the result rows of the JSON contract (docs/data.md section 5: the `results`
array, same fields, same order, exact decimals) as a JSON array. Prints the seconds of each
phase (load, query, write) as one JSON object on standard output.

This is what a careful engineer writes for this one policy: one pass over the events per
block kind with FILTER aggregates, window functions for the pyramids and the weekly award,
and self-joins for the three-month streak. It knows the policy; nothing here is general.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

LOAD_SQL = """
CREATE TABLE roster AS
SELECT employee_id, department, role,
       CAST(hire_date AS DATE) AS hire_date, CAST(leave_date AS DATE) AS leave_date
FROM read_parquet('{roster}');

CREATE TABLE events AS
SELECT employee_id, type, CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at,
       CAST(value AS DECIMAL(38, 10)) AS value, channel,
       CAST(level AS INTEGER) AS level, CAST(responsible AS BOOLEAN) AS responsible
FROM read_parquet('{events}');
"""

MACROS_SQL = """
-- whole months from hire to a day: the largest k with hire + k months <= day (month ends
-- clamp: 31 January + 1 month = 28 February), docs/language.md section 5.4
CREATE OR REPLACE MACRO month_steps(hire, day) AS
    12 * (year(day) - year(hire)) + month(day) - month(hire);
CREATE OR REPLACE MACRO tenure(hire, day) AS
    month_steps(hire, day)
    - CASE WHEN CAST(hire + to_months(CAST(month_steps(hire, day) AS INTEGER)) AS DATE) > day
           THEN 1 ELSE 0 END;
-- applies to role = "service_desk" and tenure >= 1, employed on a day of the instance
CREATE OR REPLACE MACRO rated(r, first_day, last_day) AS
    r.role = 'service_desk' AND tenure(r.hire_date, last_day) >= 1
    AND r.hire_date <= last_day AND (r.leave_date IS NULL OR r.leave_date >= first_day);
-- a number as the JSON contract prints it: exact, no trailing zeros
CREATE OR REPLACE MACRO num(x) AS json(
    CASE WHEN CAST(x AS VARCHAR) LIKE '%.%'
         THEN regexp_replace(CAST(x AS VARCHAR), '\\.?0+$', '')
         ELSE CAST(x AS VARCHAR) END);
"""

QUERY_SQL = """
CREATE TABLE results AS
WITH history AS (
    -- look-backs reach no further back than the month of the first event (language.md 5.9)
    SELECT date_trunc('month', min(CAST(timezone('Asia/Shanghai', occurred_at) AS DATE)))
               AS first_month
    FROM events
), months AS (
    -- the month run and the two before it, which `for 3 consecutive months` reads
    SELECT CAST(m AS DATE) AS first_day,
           CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last_day
    FROM range(DATE '{first}' - INTERVAL 2 MONTH, DATE '{first}' + INTERVAL 1 DAY,
               INTERVAL 1 MONTH) t(m), history
    WHERE m >= history.first_month OR m = DATE '{first}'
), weeks AS (
    -- weeks ending Sunday whose last day lies in the month
    SELECT CAST(d AS DATE) - 6 AS first_day, CAST(d AS DATE) AS last_day
    FROM range(DATE '{first}', DATE '{last}' + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)
    WHERE isodow(d) = 7
), local_events AS (
    SELECT employee_id, type, CAST(timezone('Asia/Shanghai', occurred_at) AS DATE) AS day,
           value, channel, level, responsible
    FROM events
    WHERE type IN ('verbal_warning', 'point_deduction', 'member_signup', 'suggestion',
                   'praise_letter', 'exam', 'complaint')
), week_counts AS (
    SELECT employee_id, day + CAST(7 - isodow(day) AS INTEGER) AS week_end,
           count(*) FILTER (WHERE type = 'verbal_warning') AS warnings,
           count(*) FILTER (WHERE type = 'point_deduction') AS deductions,
           count(*) FILTER (WHERE type = 'member_signup' AND channel = 'free_with_purchase')
               AS free_cards,
           count(*) FILTER (WHERE type = 'member_signup' AND channel = 'paid') AS paid_cards,
           count(*) FILTER (WHERE type = 'suggestion') AS suggestions,
           count(*) FILTER (WHERE type = 'praise_letter') AS letters
    FROM local_events
    WHERE day BETWEEN (SELECT min(first_day) FROM weeks) AND DATE '{last}'
    GROUP BY ALL
), month_counts AS (
    SELECT employee_id, CAST(date_trunc('month', day) AS DATE) AS month,
           count(*) FILTER (WHERE type = 'complaint' AND level = 1) AS level_one,
           count(*) FILTER (WHERE type = 'complaint' AND level >= 2) AS level_two_up,
           count(*) FILTER (WHERE type = 'complaint' AND responsible) AS responsible,
           count(*) FILTER (WHERE type = 'praise_letter') AS letters,
           max(value) FILTER (WHERE type = 'exam') AS best_exam
    FROM local_events
    WHERE day BETWEEN (SELECT min(first_day) FROM months) AND DATE '{last}'
    GROUP BY ALL
), week_values AS (
    SELECT w.first_day, w.last_day, r.employee_id, r.department,
           coalesce(c.warnings, 0) AS warnings, coalesce(c.deductions, 0) AS deductions,
           coalesce(c.free_cards, 0) AS free_cards, coalesce(c.paid_cards, 0) AS paid_cards,
           coalesce(c.suggestions, 0) AS suggestions, coalesce(c.letters, 0) AS letters
    FROM weeks w
    JOIN roster r ON rated(r, w.first_day, w.last_day)
    LEFT JOIN week_counts c ON c.employee_id = r.employee_id AND c.week_end = w.last_day
), week_tallies AS (
    SELECT *,
           CAST(CASE WHEN deductions = 0 AND warnings = 0 THEN 3
                     WHEN deductions = 0 AND warnings = 1 THEN 2
                     WHEN deductions = 0 AND warnings = 2 THEN 1.5
                     ELSE 0 END AS DECIMAL(38, 10))
           + dense_rank() OVER (PARTITION BY last_day ORDER BY free_cards)
           + dense_rank() OVER (PARTITION BY last_day ORDER BY paid_cards)
           + dense_rank() OVER (PARTITION BY last_day ORDER BY suggestions)
           + least(letters, 3) AS red,
           CASE WHEN deductions > 0 THEN 1 ELSE 0 END AS green
    FROM week_values
), week_results AS (
    SELECT *, red - green AS net,
           rank() OVER (PARTITION BY last_day, department ORDER BY red - green DESC) = 1
               AS weekly_star
    FROM week_tallies
), month_values AS (
    SELECT m.first_day, m.last_day, r.employee_id,
           coalesce(c.best_exam, 0) AS exam,
           least(greatest(
               100 - 5 * coalesce(c.level_one, 0) - least(10 * coalesce(c.level_two_up, 0), 30)
               + least(2 * coalesce(c.letters, 0), 10)
               + CASE WHEN coalesce(c.best_exam, 0) >= 90 THEN 5 ELSE 0 END,
               0), 100) AS service,
           coalesce(c.responsible, 0) > 0 AS vetoed
    FROM months m
    JOIN roster r ON rated(r, m.first_day, m.last_day)
    LEFT JOIN month_counts c ON c.employee_id = r.employee_id AND c.month = m.first_day
), month_stars AS (
    SELECT *,
           CASE WHEN vetoed THEN NULL
                WHEN service >= 95 THEN 5 WHEN service >= 85 THEN 4 WHEN service >= 75 THEN 3
                WHEN service >= 60 THEN 2 ELSE 1 END AS stars
    FROM month_values
), wins AS (
    SELECT employee_id, count(*) FILTER (WHERE weekly_star) AS wins
    FROM week_results
    GROUP BY ALL
), month_results AS (
    SELECT m.*,
           NOT m.vetoed AND coalesce(w.wins, 0) >= 3 AS monthly_star,
           coalesce(m.stars = 5 AND one.stars = 5 AND two.stars = 5, false) AS promoted
    FROM month_stars m
    LEFT JOIN wins w ON w.employee_id = m.employee_id
    LEFT JOIN month_stars one
        ON one.employee_id = m.employee_id
       AND one.first_day = CAST(m.first_day - INTERVAL 1 MONTH AS DATE)
    LEFT JOIN month_stars two
        ON two.employee_id = m.employee_id
       AND two.first_day = CAST(m.first_day - INTERVAL 2 MONTH AS DATE)
    WHERE m.first_day = DATE '{first}'
)
SELECT employee_id, strftime(last_day, '%G-W%V') AS period,
       strftime(first_day, '%Y-%m-%d') AS period_start,
       strftime(last_day, '%Y-%m-%d') AS period_end,
       false AS vetoed, CAST([] AS VARCHAR[]) AS veto_reasons,
       json_object('warnings', num(warnings), 'deductions', num(deductions)) AS "values",
       num(red) AS red, num(green) AS green, num(net) AS net, num(NULL) AS stars,
       CASE WHEN weekly_star THEN ['周服务之星'] ELSE CAST([] AS VARCHAR[]) END AS awards,
       num(0) AS reward, last_day AS sort_end, 0 AS sort_kind
FROM week_results
UNION ALL
SELECT employee_id, strftime(first_day, '%Y-%m') AS period,
       strftime(first_day, '%Y-%m-%d') AS period_start,
       strftime(last_day, '%Y-%m-%d') AS period_end,
       vetoed,
       CASE WHEN vetoed THEN ['有责投诉'] ELSE CAST([] AS VARCHAR[]) END AS veto_reasons,
       json_object('exam', num(exam), 'service', num(service)) AS "values",
       num(0) AS red, num(0) AS green, num(0) AS net, num(stars) AS stars,
       list_concat(CASE WHEN monthly_star THEN ['月度服务明星'] ELSE CAST([] AS VARCHAR[]) END,
                   CASE WHEN promoted THEN ['优先晋升'] ELSE CAST([] AS VARCHAR[]) END)
           AS awards,
       num(CASE WHEN vetoed THEN 0
                ELSE CASE stars WHEN 5 THEN 500 WHEN 4 THEN 300 WHEN 3 THEN 200
                                WHEN 2 THEN 100 WHEN 1 THEN 50 ELSE 0 END
                     + CASE WHEN monthly_star THEN 100 ELSE 0 END END) AS reward,
       last_day AS sort_end, 1 AS sort_kind
FROM month_results
"""

WRITE_SQL = """
COPY (
    SELECT * EXCLUDE (sort_end, sort_kind) FROM results
    ORDER BY sort_end, employee_id, sort_kind
) TO '{out}' (FORMAT json, ARRAY true)
"""


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of a month label `YYYY-MM`."""
    year, month = (int(part) for part in period.split("-"))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def month_query(period: str) -> str:
    """This policy's query for the month `period`."""
    first, last = month_bounds(period)
    return QUERY_SQL.format(first=first, last=last)


def run(
    data: Path,
    out: Path,
    period: str = "2026-10",
    query: Callable[[str], str] = month_query,
    write_sql: str = WRITE_SQL,
) -> dict[str, float]:
    """Load, query and write; return the seconds of each phase. `query` gives the query
    text of a period, `write_sql` the COPY of the results (with `{out}`)."""
    # no progress bar on standard error: a log wants the phases, not the bar
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    con.execute(LOAD_SQL.format(roster=data / "roster.parquet", events=data / "events.parquet"))
    seconds["load"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute(MACROS_SQL)
    con.execute(query(period))
    seconds["query"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute(write_sql.format(out=out))
    seconds["write"] = time.perf_counter() - started
    con.close()
    return seconds


def main(script_run: Callable[[Path, Path, str], dict[str, float]] = run) -> None:
    """The command line of a script of this kind: DATA_DIR OUT.json [--period P]; prints
    the seconds of each phase as one JSON object."""
    # the script that was started describes itself, whichever script's run it is
    started = sys.modules["__main__"].__doc__ or __doc__
    parser = argparse.ArgumentParser(description=started.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    print(json.dumps(script_run(args.data, args.out, args.period)))


if __name__ == "__main__":
    main()
