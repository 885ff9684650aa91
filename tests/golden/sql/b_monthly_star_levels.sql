-- 星级服务月度评定 (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r41_department": roster attribute "department"
--   "r12_service_certified": roster attribute "service_certified"
--   "e13_commendation_kind": "kind" of event type "commendation"
--   "e31_complaint_responsible": "responsible" of event type "complaint"
--   "e16_service_issue_kind": "kind" of event type "service_issue"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r41_department", r."r12_service_certified"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce(r."r12_service_certified", FALSE)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'commendation' AND coalesce((e."e13_commendation_kind") = ('courtesy'), FALSE)) AS "agg14",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e16_service_issue_kind") = ('attitude'), FALSE)) AS "agg17",
    count(*) FILTER (WHERE e.type = 'task_overdue') AS "agg21",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e16_service_issue_kind") = ('error'), FALSE)) AS "agg22",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey')) AS "agg28",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg29",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e31_complaint_responsible", FALSE)) AS "agg32",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'self_assessment'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'self_assessment')) AS "agg36"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('commendation', 'complaint', 'praise_letter', 'self_assessment', 'service_issue', 'survey', 'task_overdue')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st46 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h46") AS streak
  FROM inst i JOIN "sr_history_month" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg14", 0) AS DECIMAL(38,18)) AS "agg14",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,18)) AS "agg17",
    CAST(coalesce(ea."agg21", 0) AS DECIMAL(38,18)) AS "agg21",
    CAST(coalesce(ea."agg22", 0) AS DECIMAL(38,18)) AS "agg22",
    ea."agg28" AS "agg28",
    CAST(coalesce(ea."agg29", 0) AS DECIMAL(38,18)) AS "agg29",
    CAST(coalesce(ea."agg32", 0) AS DECIMAL(38,18)) AS "agg32",
    ea."agg36" AS "agg36",
    st46.streak AS "streak47"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN st46 ON st46.seq = p.seq AND st46.employee_id = p.employee_id
),
-- plus of "attitude", line 36
step1 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg14" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg14" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg14" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('20' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line15"
  FROM base
),
-- minus of "attitude", line 38
step2 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg17" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line18"
  FROM step1
),
-- "attitude" before `never below`, line 40
step3 AS (
  SELECT *,
    CAST(((CAST('80' AS DECIMAL(38,18)) + "line15") - "line18") AS DECIMAL(38,18)) AS "partial19"
  FROM step2
),
-- "attitude" before `never above`, line 42
step4 AS (
  SELECT *,
    CAST(CASE WHEN "partial19" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial19" ELSE greatest("partial19", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial20"
  FROM step3
),
-- value "attitude"
step5 AS (
  SELECT *,
    CAST(CASE WHEN "partial20" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial20" ELSE least("partial20", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v1_attitude"
  FROM step4
),
-- plus of "quality", line 49
step6 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("agg21", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("agg22", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) THEN CAST('20' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line23"
  FROM step5
),
-- minus of "quality", line 51
step7 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg22" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line24"
  FROM step6
),
-- minus of "quality", line 53
step8 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('3' AS DECIMAL(38,18))) * CAST("agg21" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line25"
  FROM step7
),
-- "quality" before `never below`, line 55
step9 AS (
  SELECT *,
    CAST((((CAST('80' AS DECIMAL(38,18)) + "line23") - "line24") - "line25") AS DECIMAL(38,18)) AS "partial26"
  FROM step8
),
-- "quality" before `never above`, line 57
step10 AS (
  SELECT *,
    CAST(CASE WHEN "partial26" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial26" ELSE greatest("partial26", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial27"
  FROM step9
),
-- value "quality"
step11 AS (
  SELECT *,
    CAST(CASE WHEN "partial27" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial27" ELSE least("partial27", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v2_quality"
  FROM step10
),
-- value "customer_rating"
step12 AS (
  SELECT *,
    CAST(sr_mul("agg28", CAST('20' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v3_customer_rating"
  FROM step11
),
-- plus of "feedback", line 68
step13 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg29" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg29" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg29" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('20' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line30"
  FROM step12
),
-- minus of "feedback", line 70
step14 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('10' AS DECIMAL(38,18))) * CAST("agg32" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line33"
  FROM step13
),
-- "feedback" before `never below`, line 72
step15 AS (
  SELECT *,
    CAST(((coalesce("v3_customer_rating", CAST('80' AS DECIMAL(38,18))) + "line30") - "line33") AS DECIMAL(38,18)) AS "partial34"
  FROM step14
),
-- "feedback" before `never above`, line 74
step16 AS (
  SELECT *,
    CAST(CASE WHEN "partial34" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial34" ELSE greatest("partial34", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial35"
  FROM step15
),
-- value "feedback"
step17 AS (
  SELECT *,
    CAST(CASE WHEN "partial35" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial35" ELSE least("partial35", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v4_feedback"
  FROM step16
),
-- value "self_view"
step18 AS (
  SELECT *,
    CAST(coalesce("agg36", CAST('0' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v5_self_view"
  FROM step17
),
-- value "composite"
step19 AS (
  SELECT *,
    CAST(CAST((CAST((CAST((sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v1_attitude")) + (sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v2_quality")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.35' AS DECIMAL(38,18)), "v4_feedback")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.15' AS DECIMAL(38,18)), "v5_self_view")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v6_composite"
  FROM step18
),
-- vetoes
step20 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step19
),
-- group_avg: each employee's value
step21 AS (
  SELECT *,
    CAST("v3_customer_rating" AS DECIMAL(38,18)) AS "grouped37"
  FROM step20
),
-- group_avg: how many count
step22 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r41_department") AS "members38",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped37" IS NOT NULL) OVER (PARTITION BY seq, "r41_department") AS "counted39"
  FROM step21
),
-- group_avg
step23 AS (
  SELECT *,
    sr_div(sum("grouped37") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r41_department"), "counted39") AS "grp40"
  FROM step22
),
-- value "team_satisfaction"
step24 AS (
  SELECT *,
    CAST("grp40" AS DECIMAL(38,18)) AS "v7_team_satisfaction"
  FROM step23
),
-- group_avg: each employee's value
step25 AS (
  SELECT *,
    CAST("v3_customer_rating" AS DECIMAL(38,18)) AS "grouped42"
  FROM step24
),
-- group_avg: how many count
step26 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS "members43",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped42" IS NOT NULL) OVER (PARTITION BY seq) AS "counted44"
  FROM step25
),
-- group_avg
step27 AS (
  SELECT *,
    sr_div(sum("grouped42") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq), "counted44") AS "grp45"
  FROM step26
),
-- value "company_satisfaction"
step28 AS (
  SELECT *,
    CAST("grp45" AS DECIMAL(38,18)) AS "v8_company_satisfaction"
  FROM step27
),
-- red
step29 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step28
),
-- green
step30 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step29
),
-- net
step31 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step30
),
-- stars
step32 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('95' AS DECIMAL(38,18)), 6)), FALSE) THEN 5 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('85' AS DECIMAL(38,18)), 6)), FALSE) THEN 4 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('75' AS DECIMAL(38,18)), 6)), FALSE) THEN 3 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE) THEN 2 ELSE 1 END AS INTEGER) AS "stars",
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('95' AS DECIMAL(38,18)), 6)), FALSE) THEN 87 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('85' AS DECIMAL(38,18)), 6)), FALSE) THEN 88 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('75' AS DECIMAL(38,18)), 6)), FALSE) THEN 89 WHEN coalesce((round("v6_composite", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE) THEN 90 ELSE 91 END AS INTEGER) AS "stars_line"
  FROM step31
),
-- award "服务之星"
step33 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE)) AS "a9"
  FROM step32
),
-- award "优先晋升"
step34 AS (
  SELECT *,
    ((NOT "vetoed") AND (coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce("streak47", 0) = 2)) AS "a10"
  FROM step33
),
-- award "团队满意度达标"
step35 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce((round("v7_team_satisfaction", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE)) AS "a11"
  FROM step34
),
-- reward, line 95
step36 AS (
  SELECT *,
    coalesce(CAST(CASE "stars" WHEN 5 THEN CAST('500' AS DECIMAL(38,18)) WHEN 4 THEN CAST('300' AS DECIMAL(38,18)) WHEN 3 THEN CAST('200' AS DECIMAL(38,18)) WHEN 2 THEN CAST('100' AS DECIMAL(38,18)) WHEN 1 THEN CAST('50' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line48"
  FROM step35
),
-- reward, line 109
step37 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a11" THEN CAST('100' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line49"
  FROM step36
),
-- reward
step38 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line48" + "line49" AS DECIMAL(38,18)) END AS "reward"
  FROM step37
),
-- values kept for later instances (previous, consecutive)
step39 AS (
  SELECT *,
    CAST(coalesce((round("stars", 6)) = (round(CAST('5' AS DECIMAL(38,18)), 6)), FALSE) AS BOOLEAN) AS "h46"
  FROM step38
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_attitude", "v2_quality", "v3_customer_rating", "v4_feedback", "v5_self_view", "v6_composite", "v7_team_satisfaction", "v8_company_satisfaction", "red", "green", "net", "stars", "a9", "a10", "a11", "reward", "h46", "line15", "line18", "line23", "agg21", "agg22", "line24", "line25", "line30", "line33", "counted39", "members38", "r41_department", "counted44", "members43", "stars_line", "streak47", "line48", "line49"
FROM step39
ORDER BY period_end, employee_id;
