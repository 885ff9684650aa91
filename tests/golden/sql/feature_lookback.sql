-- feature: look-back (version 1), period 2026-W44
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

-- each week block: evaluated instance by instance, in time order (it looks back)
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
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg5"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('praise_letter')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st10 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h10") AS streak
  FROM inst i JOIN "sr_history_week" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg5", 0) AS DECIMAL(38,18)) AS "agg5",
    prev."h6" AS "prev7",
    prev."h8" AS "prev9",
    st10.streak AS "streak11"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN "sr_history_week" prev ON prev.seq = p.seq - 1 AND prev.employee_id = p.employee_id
  LEFT JOIN st10 ON st10.seq = p.seq AND st10.employee_id = p.employee_id
),
-- value "praise"
step1 AS (
  SELECT *,
    CAST("agg5" AS DECIMAL(38,18)) AS "v1_praise"
  FROM base
),
-- value "change"
step2 AS (
  SELECT *,
    CAST(coalesce(CAST(("v1_praise") - ("prev7") AS DECIMAL(38,18)), CAST('0' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v2_change"
  FROM step1
),
-- value "was_busy"
step3 AS (
  SELECT *,
    coalesce("prev9", FALSE) AS "v3_was_busy"
  FROM step2
),
-- red
step4 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step3
),
-- green, line 9
step5 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("v1_praise", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce("streak11", 0) = 2) THEN CAST('1' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line12"
  FROM step4
),
-- green
step6 AS (
  SELECT *,
    CAST("line12" AS DECIMAL(38,18)) AS "green"
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
-- award "steady"
step9 AS (
  SELECT *,
    ((NOT "vetoed") AND (coalesce((round("v2_change", 6)) >= (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND (NOT coalesce("v3_was_busy", FALSE)))) AS "a4_steady"
  FROM step8
),
-- stars (none)
step10 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step9
),
-- reward
step11 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step10
),
-- values kept for later instances (previous, consecutive)
step12 AS (
  SELECT *,
    CAST("v1_praise" AS DECIMAL(38,18)) AS "h6",
    CAST(coalesce((round("prev7", 6)) > (round(CAST('2' AS DECIMAL(38,18)), 6)), FALSE) AS BOOLEAN) AS "h8",
    CAST(coalesce((round("v1_praise", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE) AS BOOLEAN) AS "h10"
  FROM step11
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_praise", "v2_change", "v3_was_busy", "red", "green", "net", "stars", "a4_steady", "reward", "h6", "h8", "h10", "line12", "streak11"
FROM step12
ORDER BY period_end, employee_id;
