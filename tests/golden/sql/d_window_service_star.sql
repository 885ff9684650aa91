-- 窗口服务之星 (version 1), period 2026-H2
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r22_district": roster attribute "district"
--   "r7_role": roster attribute "role"
--   "e16_complaint_responsible": "responsible" of event type "complaint"
--   "e11_satisfaction_rating_rating": "rating" of event type "satisfaction_rating"
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

-- each half block: evaluated all instances at once
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'half' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r22_district", r."r7_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce((r."r7_role") = ('window'), FALSE)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'nomination') AS "agg8",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'hall_rating'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'hall_rating')) AS "agg9",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'office_rating'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'office_rating')) AS "agg10",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating' AND (coalesce((e."e11_satisfaction_rating_rating") = ('basically_satisfied'), FALSE) OR coalesce((e."e11_satisfaction_rating_rating") = ('unsatisfied'), FALSE))) AS "agg12",
    count(*) FILTER (WHERE e.type = 'discipline_notice') AS "agg14",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e16_complaint_responsible", FALSE)) AS "agg17",
    count(*) FILTER (WHERE e.type = 'prohibition_violation') AS "agg19"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint', 'discipline_notice', 'hall_rating', 'nomination', 'office_rating', 'prohibition_violation', 'satisfaction_rating')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg8", 0) AS DECIMAL(38,18)) AS "agg8",
    ea."agg9" AS "agg9",
    ea."agg10" AS "agg10",
    CAST(coalesce(ea."agg12", 0) AS DECIMAL(38,18)) AS "agg12",
    CAST(coalesce(ea."agg14", 0) AS DECIMAL(38,18)) AS "agg14",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,18)) AS "agg17",
    CAST(coalesce(ea."agg19", 0) AS DECIMAL(38,18)) AS "agg19"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "被推荐"
step1 AS (
  SELECT *,
    coalesce((round("agg8", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "v1"
  FROM base
),
-- value "大厅评分"
step2 AS (
  SELECT *,
    CAST("agg9" AS DECIMAL(38,18)) AS "v2"
  FROM step1
),
-- value "政务办评分"
step3 AS (
  SELECT *,
    CAST("agg10" AS DECIMAL(38,18)) AS "v3"
  FROM step2
),
-- value "总分"
step4 AS (
  SELECT *,
    CAST(CAST((sr_mul(CAST('0.6' AS DECIMAL(38,18)), "v2")) + (sr_mul(CAST('0.4' AS DECIMAL(38,18)), "v3")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v4"
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
-- veto "满意度测评基本满意或不满意", line 40
step8 AS (
  SELECT *,
    coalesce((round("agg12", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired13"
  FROM step7
),
-- veto "违纪通报", line 42
step9 AS (
  SELECT *,
    coalesce((round("agg14", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired15"
  FROM step8
),
-- veto "有责任投诉", line 44
step10 AS (
  SELECT *,
    coalesce((round("agg17", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired18"
  FROM step9
),
-- veto "违反禁令", line 46
step11 AS (
  SELECT *,
    coalesce((round("agg19", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired20"
  FROM step10
),
-- vetoes
step12 AS (
  SELECT *,
    ("fired13" OR "fired15" OR "fired18" OR "fired20") AS "vetoed",
    list_filter([CASE WHEN "fired13" THEN '满意度测评基本满意或不满意' END, CASE WHEN "fired15" THEN '违纪通报' END, CASE WHEN "fired18" THEN '有责任投诉' END, CASE WHEN "fired20" THEN '违反禁令' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step11
),
-- candidates for award "片区推荐名额内"
step13 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("v1", FALSE)) AND ("v4") IS NOT NULL) AS "cand21"
  FROM step12
),
-- places for award "片区推荐名额内"
step14 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r22_district", "cand21" ORDER BY round(CAST("v4" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v3" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place23",
    count(*) OVER (PARTITION BY seq, "r22_district", "cand21") AS "cands24"
  FROM step13
),
-- award "片区推荐名额内"
step15 AS (
  SELECT *,
    coalesce("cand21" AND "place23" <= floor(round(CAST(CASE WHEN CAST(("r22_district") AS VARCHAR) = '民生区' THEN CAST('2' AS DECIMAL(38,18)) WHEN CAST(("r22_district") AS VARCHAR) = '基建区' THEN CAST('2' AS DECIMAL(38,18)) ELSE CAST('4' AS DECIMAL(38,18)) END AS DECIMAL(38,18)), 6)), FALSE) AS "a5"
  FROM step14
),
-- first key of award "片区推荐名额内"
step16 AS (
  SELECT *,
    CAST(round(CAST("v4" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key25"
  FROM step15
),
-- candidates for award "服务之星"
step17 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("a5", FALSE)) AND ("v4") IS NOT NULL) AS "cand26"
  FROM step16
),
-- places for award "服务之星"
step18 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand26" ORDER BY round(CAST("v4" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v3" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place27",
    count(*) OVER (PARTITION BY seq, "cand26") AS "cands28"
  FROM step17
),
-- award "服务之星"
step19 AS (
  SELECT *,
    coalesce("cand26" AND "place27" <= 5, FALSE) AS "a6"
  FROM step18
),
-- first key of award "服务之星"
step20 AS (
  SELECT *,
    CAST(round(CAST("v4" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key29"
  FROM step19
),
-- stars (none)
step21 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step20
),
-- reward
step22 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step21
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1", "v2", "v3", "v4", "red", "green", "net", "stars", "a5", "a6", "reward", "fired13", "agg12", "fired15", "agg14", "fired18", "agg17", "fired20", "agg19", "cand21", "place23", "cands24", "r22_district", "key25", "cand26", "place27", "cands28", "key29"
FROM step22
ORDER BY period_end, employee_id;
