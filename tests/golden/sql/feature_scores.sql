-- feature: scores and stars (version 1), period 2026-Q4
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r3_role": roster attribute "role"
--   "e8_complaint_responsible": "responsible" of event type "complaint"
--   "e5_service_issue_kind": "kind" of event type "service_issue"
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

-- each quarter block: evaluated all instances at once
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'quarter' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r3_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE (coalesce((r."r3_role") = ('service_desk'), FALSE) AND coalesce((round((((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END)), 6)) >= (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE))
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam')) AS "agg4",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e5_service_issue_kind") = ('attitude'), FALSE)) AS "agg6",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e8_complaint_responsible", FALSE)) AS "agg9",
    count(*) FILTER (WHERE e.type = 'commendation') AS "agg11",
    count(*) FILTER (WHERE e.type = 'task_overdue') AS "agg16"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('commendation', 'complaint', 'exam', 'service_issue', 'task_overdue')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg4" AS "agg4",
    CAST(coalesce(ea."agg6", 0) AS DECIMAL(38,18)) AS "agg6",
    CAST(coalesce(ea."agg9", 0) AS DECIMAL(38,18)) AS "agg9",
    CAST(coalesce(ea."agg11", 0) AS DECIMAL(38,18)) AS "agg11",
    CAST(coalesce(ea."agg16", 0) AS DECIMAL(38,18)) AS "agg16"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "exam_score"
step1 AS (
  SELECT *,
    CAST("agg4" AS DECIMAL(38,18)) AS "v1_exam_score"
  FROM base
),
-- minus of "conduct", line 9
step2 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg6" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg6" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg6" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('20' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line7"
  FROM step1
),
-- minus of "conduct", line 10
step3 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('10' AS DECIMAL(38,18))) * CAST("agg9" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line10"
  FROM step2
),
-- plus of "conduct", line 11
step4 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce((round("v1_exam_score", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE) THEN CAST((CAST('3' AS DECIMAL(38,18))) * CAST("agg11" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line12"
  FROM step3
),
-- "conduct" before `never below`, line 12
step5 AS (
  SELECT *,
    CAST((((CAST('100' AS DECIMAL(38,18)) - "line7") - "line10") + "line12") AS DECIMAL(38,18)) AS "partial13"
  FROM step4
),
-- "conduct" before `never above`, line 13
step6 AS (
  SELECT *,
    CAST(CASE WHEN "partial13" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial13" ELSE greatest("partial13", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial14"
  FROM step5
),
-- value "conduct"
step7 AS (
  SELECT *,
    CAST(CASE WHEN "partial14" IS NULL THEN NULL WHEN CAST('110' AS DECIMAL(38,18)) IS NULL THEN "partial14" ELSE least("partial14", CAST('110' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v2_conduct"
  FROM step6
),
-- red
step8 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step7
),
-- green
step9 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step8
),
-- net
step10 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step9
),
-- veto "有责投诉", line 15
step11 AS (
  SELECT *,
    coalesce((round("agg9", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired15"
  FROM step10
),
-- veto "it's \"late\"", line 16
step12 AS (
  SELECT *,
    coalesce((round("agg16", 6)) >= (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE) AS "fired17"
  FROM step11
),
-- vetoes
step13 AS (
  SELECT *,
    ("fired15" OR "fired17") AS "vetoed",
    list_filter([CASE WHEN "fired15" THEN '有责投诉' END, CASE WHEN "fired17" THEN 'it''s "late"' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step12
),
-- stars
step14 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v2_conduct", 6)) >= (round(CAST('100' AS DECIMAL(38,18)), 6)), FALSE) THEN 3 WHEN coalesce((round("v2_conduct", 6)) >= (round(CAST('80' AS DECIMAL(38,18)), 6)), FALSE) THEN 2 ELSE 1 END AS INTEGER) AS "stars",
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v2_conduct", 6)) >= (round(CAST('100' AS DECIMAL(38,18)), 6)), FALSE) THEN 18 WHEN coalesce((round("v2_conduct", 6)) >= (round(CAST('80' AS DECIMAL(38,18)), 6)), FALSE) THEN 19 ELSE 20 END AS INTEGER) AS "stars_line"
  FROM step13
),
-- reward, line 22
step15 AS (
  SELECT *,
    coalesce(CAST(CASE "stars" WHEN 3 THEN CAST('300' AS DECIMAL(38,18)) WHEN 2 THEN CAST('100' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line18"
  FROM step14
),
-- reward, line 23
step16 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce((round("v1_exam_score", 6)) > (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) THEN CAST('10' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line19"
  FROM step15
),
-- reward
step17 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line18" + "line19" AS DECIMAL(38,18)) END AS "reward"
  FROM step16
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_exam_score", "v2_conduct", "red", "green", "net", "stars", "reward", "line7", "line10", "line12", "fired15", "agg9", "fired17", "agg16", "stars_line", "line18", "line19"
FROM step17
ORDER BY period_end, employee_id;
