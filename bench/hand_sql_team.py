"""The team policy (bench/team_window.policy), written by hand in DuckDB SQL.

    python bench/hand_sql_team.py DATA_DIR OUT.json [--period 2026-10]

The second policy of the benchmark (docs/performance.md): rolling windows (`over last 90
days`, `over last 3 months`) and the department's figures (`group_avg`, `top_share`,
`group_count`, `group_sum`) over its rated, non-vetoed staff. Loads the same Parquet files as
bench/hand_sql.py, computes the month, and writes the result rows of the JSON contract as a
JSON array; prints the seconds of each phase (load, query, write) as one JSON object.

What a careful engineer writes for this one policy: one pass over the events with FILTER
aggregates on the windows' day ranges, and window functions over the departments. Shares
and averages are rounded at 6 places, half away from zero, with integer arithmetic, as the
language shows them (docs/language.md, exact arithmetic); nothing here is general.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import hand_sql
from hand_sql import main, month_bounds

QUERY_SQL = """
CREATE TABLE results AS
WITH local_events AS (
    SELECT employee_id, type, CAST(timezone('Asia/Shanghai', occurred_at) AS DATE) AS day,
           value, responsible
    FROM events
    WHERE type IN ('complaint', 'praise_letter', 'member_signup', 'exam')
), counts AS (
    SELECT employee_id,
           count(*) FILTER (WHERE type = 'complaint' AND day >= DATE '{days_start}')
               AS complaints_90d,
           count(*) FILTER (WHERE type = 'complaint' AND responsible
                            AND day >= DATE '{months_start}') AS responsible_3m,
           count(*) FILTER (WHERE type = 'praise_letter' AND day >= DATE '{months_start}')
               AS letters_3m,
           count(*) FILTER (WHERE type = 'member_signup' AND day >= DATE '{first}') AS signups,
           max(value) FILTER (WHERE type = 'exam' AND day >= DATE '{months_start}')
               AS best_exam
    FROM local_events
    WHERE day BETWEEN least(DATE '{days_start}', DATE '{months_start}') AND DATE '{last}'
    GROUP BY ALL
), member AS (
    SELECT r.employee_id, r.department,
           coalesce(c.complaints_90d, 0) AS complaints_90d,
           coalesce(c.responsible_3m, 0) AS responsible_3m,
           coalesce(c.letters_3m, 0) AS letters_3m,
           coalesce(c.signups, 0) AS signups,
           coalesce(c.best_exam, 0) AS exam,
           coalesce(c.responsible_3m, 0) > 0 AS vetoed
    FROM roster r
    LEFT JOIN counts c ON c.employee_id = r.employee_id
    WHERE rated(r, DATE '{first}', DATE '{last}')
), team AS (
    -- the department's figures over its rated staff who are not vetoed (no department is
    -- one group); a vetoed employee reads their department's figures but has no share
    SELECT department,
           sum(exam) FILTER (WHERE NOT vetoed) AS exam_sum,
           count(*) FILTER (WHERE NOT vetoed) AS members,
           count(*) FILTER (WHERE NOT vetoed AND complaints_90d <= 5) AS team_calm,
           coalesce(sum(letters_3m) FILTER (WHERE NOT vetoed), 0) AS team_letters
    FROM member
    GROUP BY department
), shares AS (
    SELECT employee_id,
           count(*) OVER (PARTITION BY department ORDER BY signups DESC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_least_mine,
           count(*) OVER (PARTITION BY department) AS members
    FROM member
    WHERE NOT vetoed
), valued AS (
    SELECT m.*,
           -- exam values are in halves: the average of 2 * exam / 2, rounded at 6 places
           ((CAST(2 * t.exam_sum AS HUGEINT) * 2000000 + 2 * t.members) // (4 * t.members))
               * 0.000001 AS team_exam,
           ((CAST(s.at_least_mine AS HUGEINT) * 2000000 + s.members) // (2 * s.members))
               * 0.000001 AS signup_share,
           complaints_90d <= 5 AS calm, t.team_calm, t.members AS team_size, t.team_letters
    FROM member m
    JOIN team t ON t.department IS NOT DISTINCT FROM m.department
    LEFT JOIN shares s ON s.employee_id = m.employee_id
), awarded AS (
    SELECT *,
           NOT vetoed AND exam >= team_exam + 10 AS above_team,
           NOT vetoed AND signup_share <= 0.3 AS top_signups,
           NOT vetoed AND calm AND team_calm >= 0.25 * team_size AS calm_team
    FROM valued
)
SELECT employee_id, '{period}' AS period,
       '{first}' AS period_start, '{last}' AS period_end,
       vetoed,
       CASE WHEN vetoed THEN ['三个月内有责投诉'] ELSE CAST([] AS VARCHAR[]) END
           AS veto_reasons,
       json_object('complaints_90d', num(complaints_90d), 'responsible_3m', num(responsible_3m),
                   'letters_3m', num(letters_3m), 'signups', num(signups), 'exam', num(exam),
                   'team_exam', num(team_exam), 'signup_share', num(signup_share),
                   'calm', calm, 'team_calm', num(team_calm), 'team_size', num(team_size),
                   'team_letters', num(team_letters))
           AS "values",
       num(0) AS red, num(0) AS green, num(0) AS net, num(NULL) AS stars,
       list_concat(CASE WHEN above_team THEN ['考试优于团队'] ELSE CAST([] AS VARCHAR[]) END,
                   CASE WHEN top_signups THEN ['组内签约前30%'] ELSE CAST([] AS VARCHAR[]) END,
                   CASE WHEN calm_team THEN ['低投诉团队'] ELSE CAST([] AS VARCHAR[]) END)
           AS awards,
       num(CASE WHEN vetoed THEN 0
                ELSE 10 * letters_3m + CASE WHEN above_team THEN 200 ELSE 0 END
                     + CASE WHEN top_signups THEN 100 ELSE 0 END END) AS reward
FROM awarded
"""

WRITE_SQL = """
COPY (SELECT * FROM results ORDER BY employee_id) TO '{out}' (FORMAT json, ARRAY true)
"""


def months_before(first: date, count: int) -> date:
    """The first day of the month `count` months before the month starting on `first`."""
    months = first.year * 12 + first.month - 1 - count
    return date(months // 12, months % 12 + 1, 1)


def team_query(period: str) -> str:
    """This policy's query for the month `period`."""
    first, last = month_bounds(period)
    return QUERY_SQL.format(
        period=period, first=first, last=last,
        # `over last 90 days`: 90 days ending on the last day, the last day included
        days_start=last - timedelta(days=89),
        # `over last 3 months`: from the first day of the month two before
        months_start=months_before(first, 2),
    )  # fmt: skip


def run(data: Path, out: Path, period: str = "2026-10") -> dict[str, float]:
    """Load, query and write; return the seconds of each phase."""
    return hand_sql.run(data, out, period, query=team_query, write_sql=WRITE_SQL)


if __name__ == "__main__":
    main(run)
