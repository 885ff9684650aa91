-- 星级服务月度评定 (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r8_service_certified": roster attribute "service_certified"
--   "e9_commendation_kind": "kind" of event type "commendation"
--   "e27_complaint_responsible": "responsible" of event type "complaint"
--   "e12_service_issue_kind": "kind" of event type "service_issue"
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

-- each month block: evaluated instance by instance, in time order (it looks back)
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'month' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r8_service_certified"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce(r."r8_service_certified", FALSE)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'commendation' AND coalesce((e."e9_commendation_kind") = ('courtesy'), FALSE)) AS "agg10",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e12_service_issue_kind") = ('attitude'), FALSE)) AS "agg13",
    count(*) FILTER (WHERE e.type = 'task_overdue') AS "agg17",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e12_service_issue_kind") = ('error'), FALSE)) AS "agg18",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey')) AS "agg24",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg25",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e27_complaint_responsible", FALSE)) AS "agg28",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'self_assessment'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'self_assessment')) AS "agg32"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('commendation', 'complaint', 'praise_letter', 'self_assessment', 'service_issue', 'survey', 'task_overdue')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st34 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h34") AS streak
  FROM inst i JOIN "sr_history_month" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg10", 0) AS DECIMAL(38,18)) AS "agg10",
    CAST(coalesce(ea."agg13", 0) AS DECIMAL(38,18)) AS "agg13",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,18)) AS "agg17",
    CAST(coalesce(ea."agg18", 0) AS DECIMAL(38,18)) AS "agg18",
    ea."agg24" AS "agg24",
    CAST(coalesce(ea."agg25", 0) AS DECIMAL(38,18)) AS "agg25",
    CAST(coalesce(ea."agg28", 0) AS DECIMAL(38,18)) AS "agg28",
    ea."agg32" AS "agg32",
    st34.streak AS "streak35"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN st34 ON st34.seq = p.seq AND st34.employee_id = p.employee_id
),
-- plus of "attitude", line 34
step1 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg10" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg10" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg10" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('20' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line11"
  FROM base
),
-- minus of "attitude", line 36
step2 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg13" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line14"
  FROM step1
),
-- "attitude" before `never below`, line 38
step3 AS (
  SELECT *,
    CAST(((CAST('80' AS DECIMAL(38,18)) + "line11") - "line14") AS DECIMAL(38,18)) AS "partial15"
  FROM step2
),
-- "attitude" before `never above`, line 40
step4 AS (
  SELECT *,
    CAST(CASE WHEN "partial15" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial15" ELSE greatest("partial15", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial16"
  FROM step3
),
-- value "attitude"
step5 AS (
  SELECT *,
    CAST(CASE WHEN "partial16" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial16" ELSE least("partial16", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v1_attitude"
  FROM step4
),
-- plus of "quality", line 47
step6 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("agg17", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("agg18", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) THEN CAST('20' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line19"
  FROM step5
),
-- minus of "quality", line 49
step7 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg18" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line20"
  FROM step6
),
-- minus of "quality", line 51
step8 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('3' AS DECIMAL(38,18))) * CAST("agg17" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line21"
  FROM step7
),
-- "quality" before `never below`, line 53
step9 AS (
  SELECT *,
    CAST((((CAST('80' AS DECIMAL(38,18)) + "line19") - "line20") - "line21") AS DECIMAL(38,18)) AS "partial22"
  FROM step8
),
-- "quality" before `never above`, line 55
step10 AS (
  SELECT *,
    CAST(CASE WHEN "partial22" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial22" ELSE greatest("partial22", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial23"
  FROM step9
),
-- value "quality"
step11 AS (
  SELECT *,
    CAST(CASE WHEN "partial23" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial23" ELSE least("partial23", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v2_quality"
  FROM step10
),
-- plus of "feedback", line 62
step12 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg25" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg25" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg25" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('20' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line26"
  FROM step11
),
-- minus of "feedback", line 64
step13 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('10' AS DECIMAL(38,18))) * CAST("agg28" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line29"
  FROM step12
),
-- "feedback" before `never below`, line 66
step14 AS (
  SELECT *,
    CAST(((coalesce(sr_mul("agg24", CAST('20' AS DECIMAL(38,18))), CAST('80' AS DECIMAL(38,18))) + "line26") - "line29") AS DECIMAL(38,18)) AS "partial30"
  FROM step13
),
-- "feedback" before `never above`, line 68
step15 AS (
  SELECT *,
    CAST(CASE WHEN "partial30" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial30" ELSE greatest("partial30", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial31"
  FROM step14
),
-- value "feedback"
step16 AS (
  SELECT *,
    CAST(CASE WHEN "partial31" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial31" ELSE least("partial31", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v3_feedback"
  FROM step15
),
-- value "self_view"
step17 AS (
  SELECT *,
    CAST(coalesce("agg32", CAST('0' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v4_self_view"
  FROM step16
),
-- value "composite"
step18 AS (
  SELECT *,
    CAST(CAST((CAST((CAST((sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v1_attitude")) + (sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v2_quality")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.35' AS DECIMAL(38,18)), "v3_feedback")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.15' AS DECIMAL(38,18)), "v4_self_view")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v5_composite"
  FROM step17
),
-- red
step19 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step18
),
-- green
step20 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step19
),
-- net
step21 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step20
),
-- vetoes
step22 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step21
),
-- stars
step23 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('95' AS DECIMAL(38,18)), 6)), FALSE) THEN 5 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('85' AS DECIMAL(38,18)), 6)), FALSE) THEN 4 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('75' AS DECIMAL(38,18)), 6)), FALSE) THEN 3 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE) THEN 2 ELSE 1 END AS INTEGER) AS "stars",
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('95' AS DECIMAL(38,18)), 6)), FALSE) THEN 81 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('85' AS DECIMAL(38,18)), 6)), FALSE) THEN 82 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('75' AS DECIMAL(38,18)), 6)), FALSE) THEN 83 WHEN coalesce((round("v5_composite", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE) THEN 84 ELSE 85 END AS INTEGER) AS "stars_line"
  FROM step22
),
-- reward, line 89
step24 AS (
  SELECT *,
    coalesce(CAST(CASE "stars" WHEN 5 THEN CAST('500' AS DECIMAL(38,18)) WHEN 4 THEN CAST('300' AS DECIMAL(38,18)) WHEN 3 THEN CAST('200' AS DECIMAL(38,18)) WHEN 2 THEN CAST('100' AS DECIMAL(38,18)) WHEN 1 THEN CAST('50' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line33"
  FROM step23
),
-- reward
step25 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line33" AS DECIMAL(38,18)) END AS "reward"
  FROM step24
),
-- award "服务之星"
step26 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE)) AS "a6"
  FROM step25
),
-- award "优先晋升"
step27 AS (
  SELECT *,
    ((NOT "vetoed") AND (coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce("streak35", 0) = 2)) AS "a7"
  FROM step26
),
-- values kept for later instances (previous, consecutive)
step28 AS (
  SELECT *,
    CAST(coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE) AS BOOLEAN) AS "h34"
  FROM step27
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_attitude", "v2_quality", "v3_feedback", "v4_self_view", "v5_composite", "red", "green", "net", "stars", "a6", "a7", "reward", "h34", "line11", "line14", "line19", "agg17", "agg18", "line20", "line21", "line26", "line29", "stars_line", "line33", "streak35"
FROM step28
ORDER BY period_end, employee_id;
