-- feature: rolling windows (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "e10_complaint_responsible": "responsible" of event type "complaint"
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
-- the days of the instances' rolling windows, which their events are joined on, with the first day of each window
window_days AS (
  SELECT seq, from_10_days,
    CAST(unnest(generate_series(from_10_days, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM (
    SELECT seq, period_end,
      CAST(period_end - INTERVAL 9 DAY AS DATE) AS from_10_days
    FROM inst)
),
-- one pass over the events of the instances' rolling windows
window_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.local_date >= d.from_10_days AND (e.type = 'praise_letter')) AS "agg2"
  FROM window_days d JOIN (SELECT * FROM sr_events UNION ALL SELECT * FROM sr_events_held) e ON e.local_date = d.local_date
  WHERE e.type IN ('praise_letter')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 1 instances before held
st3 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h3") AS streak
  FROM inst i JOIN "sr_history_week" h
    ON h.seq BETWEEN i.seq - 1 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(wa."agg2", 0) AS DECIMAL(38,18)) AS "agg2",
    st3.streak AS "streak4"
  FROM rated p
  LEFT JOIN window_agg wa ON wa.seq = p.seq AND wa.employee_id = p.employee_id
  LEFT JOIN st3 ON st3.seq = p.seq AND st3.employee_id = p.employee_id
),
-- value "praise_10d"
step1 AS (
  SELECT *,
    CAST("agg2" AS DECIMAL(38,18)) AS "v1_praise_10d"
  FROM base
),
-- red
step2 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step1
),
-- green, line 8
step3 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("v1_praise_10d", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce("streak4", 0) = 1) THEN CAST('1' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line5"
  FROM step2
),
-- green
step4 AS (
  SELECT *,
    CAST("line5" AS DECIMAL(38,18)) AS "green"
  FROM step3
),
-- net
step5 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step4
),
-- vetoes
step6 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step5
),
-- stars (none)
step7 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step6
),
-- reward
step8 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step7
),
-- values kept for later instances (previous, consecutive)
step9 AS (
  SELECT *,
    CAST(coalesce((round("v1_praise_10d", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE) AS BOOLEAN) AS "h3"
  FROM step8
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_praise_10d", "red", "green", "net", "stars", "reward", "h3", "line5", "streak4"
FROM step9
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
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'complaint') AS "agg9"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint')
  GROUP BY d.seq, e.employee_id
),
-- the days of the instances' rolling windows, which their events are joined on, with the first day of each window
window_days AS (
  SELECT seq, from_12_months, from_2_quarters,
    CAST(unnest(generate_series(least(from_12_months, from_2_quarters), period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM (
    SELECT seq, period_end,
      CAST(date_trunc('month', period_end) - INTERVAL 11 MONTH AS DATE) AS from_12_months,
      CAST(date_trunc('quarter', period_end) - INTERVAL 3 MONTH AS DATE) AS from_2_quarters
    FROM inst)
),
-- one pass over the events of the instances' rolling windows
window_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.local_date >= d.from_12_months AND (e.type = 'complaint' AND coalesce(e."e10_complaint_responsible", FALSE))) AS "agg11",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.local_date >= d.from_2_quarters AND (e.type = 'mystery_shopper')), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.local_date >= d.from_2_quarters AND (e.type = 'mystery_shopper'))) AS "agg12"
  FROM window_days d JOIN (SELECT * FROM sr_events UNION ALL SELECT * FROM sr_events_held) e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint', 'mystery_shopper')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg9", 0) AS DECIMAL(38,18)) AS "agg9",
    CAST(coalesce(wa."agg11", 0) AS DECIMAL(38,18)) AS "agg11",
    wa."agg12" AS "agg12"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN window_agg wa ON wa.seq = p.seq AND wa.employee_id = p.employee_id
),
-- value "complaints"
step1 AS (
  SELECT *,
    CAST("agg9" AS DECIMAL(38,18)) AS "v6_complaints"
  FROM base
),
-- value "complaints_12m"
step2 AS (
  SELECT *,
    CAST("agg11" AS DECIMAL(38,18)) AS "v7_complaints_12m"
  FROM step1
),
-- value "smile_2q"
step3 AS (
  SELECT *,
    CAST("agg12" AS DECIMAL(38,18)) AS "v8_smile_2q"
  FROM step2
),
-- red, line 15
step4 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('1' AS DECIMAL(38,18))) * CAST("agg9" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line13"
  FROM step3
),
-- red
step5 AS (
  SELECT *,
    CAST("line13" AS DECIMAL(38,18)) AS "red"
  FROM step4
),
-- green, line 16
step6 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce((round("v8_smile_2q", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) THEN CAST('1' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line14"
  FROM step5
),
-- green
step7 AS (
  SELECT *,
    CAST("line14" AS DECIMAL(38,18)) AS "green"
  FROM step6
),
-- net
step8 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step7
),
-- veto "past-year responsible complaint", line 14
step9 AS (
  SELECT *,
    coalesce((round("v7_complaints_12m", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired15"
  FROM step8
),
-- vetoes
step10 AS (
  SELECT *,
    ("fired15") AS "vetoed",
    list_filter([CASE WHEN "fired15" THEN 'past-year responsible complaint' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step9
),
-- stars (none)
step11 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step10
),
-- reward
step12 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step11
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v6_complaints", "v7_complaints_12m", "v8_smile_2q", "red", "green", "net", "stars", "reward", "line13", "line14", "fired15"
FROM step12
ORDER BY period_end, employee_id;
