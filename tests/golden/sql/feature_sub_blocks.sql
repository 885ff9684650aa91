-- feature: weeks in a month (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- Each block's query runs for the instances with seq in [$seq_lo, $seq_hi], shortest block first; its rows become sr_results_KIND.
-- Exact decimal arithmetic (docs/language.md, Numbers): the macros the queries call.
CREATE OR REPLACE TEMP MACRO sr_scaled(x) AS CAST(trunc(x) AS HUGEINT) * 1000000000000000000 + CAST((x - trunc(x)) * 1000000000000000000 AS HUGEINT);
CREATE OR REPLACE TEMP MACRO sr_unscaled(q) AS CAST(q AS DECIMAL(38,0)) * CAST('0.000000000000000001' AS DECIMAL(38,18));
CREATE OR REPLACE TEMP MACRO sr_mul(x, y) AS list_transform(
  [struct_pack(a := CAST(x AS DECIMAL(38,18)), b := CAST(y AS DECIMAL(38,18)))],
  lambda p: CAST(trunc(p.a) * trunc(p.b) + trunc(p.a) * (p.b - trunc(p.b)) + (p.a - trunc(p.a)) * trunc(p.b)
    + CAST((p.a - trunc(p.a)) * (p.b - trunc(p.b)) AS DECIMAL(38,18)) AS DECIMAL(38,18)))[1];
CREATE OR REPLACE TEMP MACRO sr_quotient_by_integer(n, d) AS n // d + CASE WHEN 2 * (n % d) >= d THEN 1 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO sr_quotient_long(n, d) AS (((((n // d) * 100000 + ((n % d) * 100000) // d) * 100000 + ((((n % d) * 100000) % d) * 100000) // d) * 100000 + ((((((n % d) * 100000) % d) * 100000) % d) * 100000) // d) * 1000 + ((((((((n % d) * 100000) % d) * 100000) % d) * 100000) % d) * 1000) // d) + CASE WHEN 2 * (((((((((n % d) * 100000) % d) * 100000) % d) * 100000) % d) * 1000) % d) >= d THEN 1 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO sr_div(x, y) AS list_transform(list_transform(
  [struct_pack(a := CAST(x AS DECIMAL(38,18)), b := CAST(y AS DECIMAL(38,18)))],
  lambda p: CASE WHEN (p.a < 0) <> (p.b < 0) THEN -1 ELSE 1 END * CASE
    WHEN p.b = trunc(p.b) THEN sr_quotient_by_integer(sr_scaled(abs(p.a)), nullif(CAST(abs(p.b) AS HUGEINT), 0))
    ELSE sr_quotient_long(sr_scaled(abs(p.a)), nullif(sr_scaled(abs(p.b)), 0)) END),
  lambda q: sr_unscaled(q))[1];

-- each week block: evaluated all instances at once
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'week' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg3",
    count(*) FILTER (WHERE e.type = 'verbal_warning') AS "agg5"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('praise_letter', 'verbal_warning')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg3", 0) AS DECIMAL(38,18)) AS "agg3",
    CAST(coalesce(ea."agg5", 0) AS DECIMAL(38,18)) AS "agg5"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "praise"
step1 AS (
  SELECT *,
    CAST("agg3" AS DECIMAL(38,18)) AS "v1_praise"
  FROM base
),
-- red, line 7
step2 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('1' AS DECIMAL(38,18))) * CAST("agg3" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line4"
  FROM step1
),
-- red
step3 AS (
  SELECT *,
    CAST("line4" AS DECIMAL(38,18)) AS "red"
  FROM step2
),
-- green, line 8
step4 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('2' AS DECIMAL(38,18))) * CAST("agg5" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line6"
  FROM step3
),
-- green
step5 AS (
  SELECT *,
    CAST("line6" AS DECIMAL(38,18)) AS "green"
  FROM step4
),
-- net
step6 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step5
),
-- vetoes
step7 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step6
),
-- candidates for award "week star"
step8 AS (
  SELECT *,
    ((NOT "vetoed") AND ("net") IS NOT NULL) AS "cand7"
  FROM step7
),
-- places for award "week star"
step9 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand7" ORDER BY round(CAST("net" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place8",
    count(*) OVER (PARTITION BY seq, "cand7") AS "cands9"
  FROM step8
),
-- award "week star"
step10 AS (
  SELECT *,
    coalesce("cand7" AND "place8" <= 1, FALSE) AS "a2_week_star"
  FROM step9
),
-- first key of award "week star"
step11 AS (
  SELECT *,
    CAST(round(CAST("net" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key10"
  FROM step10
),
-- stars (none)
step12 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step11
),
-- reward
step13 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step12
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_praise", "red", "green", "net", "stars", "a2_week_star", "reward", "line4", "line6", "cand7", "place8", "cands9", "key10"
FROM step13
ORDER BY period_end, employee_id;

-- each month block: evaluated all instances at once
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'month' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
),
-- one pass over the results of the weeks in each instance
sa_week AS (
  SELECT i.seq, s.employee_id,
    count(*) FILTER (WHERE s."a2_week_star") AS "wins16",
    count(*) FILTER (WHERE (coalesce((round(s."net", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND (NOT coalesce(s."a2_week_star", FALSE)))) AS "sub17",
    sum(CAST(s."net" AS DECIMAL(38,18))) FILTER (WHERE TRUE) AS "sub18",
    sr_div(sum(CAST(s."v1_praise" AS DECIMAL(38,18))) FILTER (WHERE TRUE), count(CAST(s."v1_praise" AS DECIMAL(38,18))) FILTER (WHERE TRUE)) AS "sub19"
  FROM inst i JOIN "sr_results_week" s
    ON s.period_end BETWEEN i.period_start AND i.period_end
  LEFT JOIN sr_roster sr ON sr.employee_id = s.employee_id
  GROUP BY i.seq, s.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(sa_week."wins16", 0) AS DECIMAL(38,18)) AS "wins16",
    CAST(coalesce(sa_week."sub17", 0) AS DECIMAL(38,18)) AS "sub17",
    CAST(coalesce(sa_week."sub18", 0) AS DECIMAL(38,18)) AS "sub18",
    sa_week."sub19" AS "sub19"
  FROM rated p
  LEFT JOIN sa_week ON sa_week.seq = p.seq AND sa_week.employee_id = p.employee_id
),
-- value "star_weeks"
step1 AS (
  SELECT *,
    CAST("wins16" AS DECIMAL(38,18)) AS "v11_star_weeks"
  FROM base
),
-- value "good_weeks"
step2 AS (
  SELECT *,
    CAST("sub17" AS DECIMAL(38,18)) AS "v12_good_weeks"
  FROM step1
),
-- value "weekly_net"
step3 AS (
  SELECT *,
    CAST("sub18" AS DECIMAL(38,18)) AS "v13_weekly_net"
  FROM step2
),
-- value "weekly_praise"
step4 AS (
  SELECT *,
    CAST("sub19" AS DECIMAL(38,18)) AS "v14_weekly_praise"
  FROM step3
),
-- red
step5 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step4
),
-- green
step6 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step5
),
-- net
step7 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step6
),
-- vetoes
step8 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step7
),
-- award "month star"
step9 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce((round("v11_star_weeks", 6)) >= (round(CAST('2' AS DECIMAL(38,18)), 6)), FALSE)) AS "a15_month_star"
  FROM step8
),
-- reward, line 17
step10 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a15_month_star" THEN CAST('100' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line20"
  FROM step9
),
-- reward
step11 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line20" AS DECIMAL(38,18)) END AS "reward"
  FROM step10
),
-- stars (none)
step12 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step11
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v11_star_weeks", "v12_good_weeks", "v13_weekly_net", "v14_weekly_praise", "red", "green", "net", "stars", "a15_month_star", "reward", "line20"
FROM step12
ORDER BY period_end, employee_id;
