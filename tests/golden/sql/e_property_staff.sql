-- 物业员工服务之星 (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r11_post": roster attribute "post"
--   "r10_role": roster attribute "role"
--   "e29_commendation_kind": "kind" of event type "commendation"
--   "e20_complaint_level": "level" of event type "complaint"
--   "e13_complaint_responsible": "responsible" of event type "complaint"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r11_post", r."r10_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE (coalesce((r."r10_role") = ('property_staff'), FALSE) AND (coalesce((r."r11_post") = ('reception'), FALSE) OR coalesce((r."r11_post") = ('security'), FALSE) OR coalesce((r."r11_post") = ('maintenance'), FALSE) OR coalesce((r."r11_post") = ('cleaning'), FALSE)))
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'complaint') AS "agg12",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e13_complaint_responsible", FALSE)) AS "agg14",
    count(*) FILTER (WHERE e.type = 'attendance_late') AS "agg15",
    count(*) FILTER (WHERE e.type = 'attendance_early_leave') AS "agg16",
    count(*) FILTER (WHERE e.type = 'attendance_absent') AS "agg17",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg18",
    count(*) FILTER (WHERE e.type = 'verbal_praise') AS "agg19",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce((e."e20_complaint_level") = (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE)) AS "agg21",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce((e."e20_complaint_level") = (round(CAST('2' AS DECIMAL(38,18)), 6)), FALSE)) AS "agg23",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce((e."e20_complaint_level") = (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE)) AS "agg25",
    count(*) FILTER (WHERE e.type = 'commendation' AND coalesce((e."e29_commendation_kind") = ('outstanding_deed'), FALSE)) AS "agg30",
    max(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'public_vote') AS "agg34",
    count(*) FILTER (WHERE e.type = 'security_incident') AS "agg38",
    count(*) FILTER (WHERE e.type = 'discipline_notice') AS "agg40"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('attendance_absent', 'attendance_early_leave', 'attendance_late', 'commendation', 'complaint', 'discipline_notice', 'praise_letter', 'public_vote', 'security_incident', 'verbal_praise')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg12", 0) AS DECIMAL(38,18)) AS "agg12",
    CAST(coalesce(ea."agg14", 0) AS DECIMAL(38,18)) AS "agg14",
    CAST(coalesce(ea."agg15", 0) AS DECIMAL(38,18)) AS "agg15",
    CAST(coalesce(ea."agg16", 0) AS DECIMAL(38,18)) AS "agg16",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,18)) AS "agg17",
    CAST(coalesce(ea."agg18", 0) AS DECIMAL(38,18)) AS "agg18",
    CAST(coalesce(ea."agg19", 0) AS DECIMAL(38,18)) AS "agg19",
    CAST(coalesce(ea."agg21", 0) AS DECIMAL(38,18)) AS "agg21",
    CAST(coalesce(ea."agg23", 0) AS DECIMAL(38,18)) AS "agg23",
    CAST(coalesce(ea."agg25", 0) AS DECIMAL(38,18)) AS "agg25",
    CAST(coalesce(ea."agg30", 0) AS DECIMAL(38,18)) AS "agg30",
    ea."agg34" AS "agg34",
    CAST(coalesce(ea."agg38", 0) AS DECIMAL(38,18)) AS "agg38",
    CAST(coalesce(ea."agg40", 0) AS DECIMAL(38,18)) AS "agg40"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "complaints"
step1 AS (
  SELECT *,
    CAST("agg12" AS DECIMAL(38,18)) AS "v1_complaints"
  FROM base
),
-- value "valid_complaints"
step2 AS (
  SELECT *,
    CAST("agg14" AS DECIMAL(38,18)) AS "v2_valid_complaints"
  FROM step1
),
-- value "attendance_misses"
step3 AS (
  SELECT *,
    CAST(CAST((CAST(("agg15") + ("agg16") AS DECIMAL(38,18))) + ("agg17") AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v3_attendance_misses"
  FROM step2
),
-- value "owner_praise"
step4 AS (
  SELECT *,
    CAST(CAST(("agg18") + ("agg19") AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v4_owner_praise"
  FROM step3
),
-- minus of "qualification", line 62
step5 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg21" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line22"
  FROM step4
),
-- minus of "qualification", line 64
step6 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('10' AS DECIMAL(38,18))) * CAST("agg23" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line24"
  FROM step5
),
-- minus of "qualification", line 66
step7 AS (
  SELECT *,
    coalesce(CAST(CAST((CAST('20' AS DECIMAL(38,18))) * CAST("agg25" AS DECIMAL(38,0)) AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line26"
  FROM step6
),
-- plus of "qualification", line 68
step8 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('15' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg18" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg18" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg18" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('15' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line27"
  FROM step7
),
-- plus of "qualification", line 70
step9 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('6' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('2' AS DECIMAL(38,18))) * CAST("agg19" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('2' AS DECIMAL(38,18))) * CAST("agg19" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('2' AS DECIMAL(38,18))) * CAST("agg19" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('6' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line28"
  FROM step8
),
-- plus of "qualification", line 72
step10 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('10' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg30" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg30" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('5' AS DECIMAL(38,18))) * CAST("agg30" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('10' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line31"
  FROM step9
),
-- "qualification" before `never below`, line 74
step11 AS (
  SELECT *,
    CAST(((((((CAST('80' AS DECIMAL(38,18)) - "line22") - "line24") - "line26") + "line27") + "line28") + "line31") AS DECIMAL(38,18)) AS "partial32"
  FROM step10
),
-- "qualification" before `never above`, line 76
step12 AS (
  SELECT *,
    CAST(CASE WHEN "partial32" IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,18)) IS NULL THEN "partial32" ELSE greatest("partial32", CAST('0' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "partial33"
  FROM step11
),
-- value "qualification"
step13 AS (
  SELECT *,
    CAST(CASE WHEN "partial33" IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,18)) IS NULL THEN "partial33" ELSE least("partial33", CAST('100' AS DECIMAL(38,18))) END AS DECIMAL(38,18)) AS "v5_qualification"
  FROM step12
),
-- value "vote_score"
step14 AS (
  SELECT *,
    CAST(coalesce("agg34", CAST('0' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v6_vote_score"
  FROM step13
),
-- value "final_score"
step15 AS (
  SELECT *,
    CAST(CAST((sr_mul(CAST('0.7' AS DECIMAL(38,18)), "v5_qualification")) + (sr_mul(CAST('0.3' AS DECIMAL(38,18)), "v6_vote_score")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v7_final_score"
  FROM step14
),
-- red
step16 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step15
),
-- green
step17 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step16
),
-- net
step18 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step17
),
-- veto "月内有客户有效投诉", line 46
step19 AS (
  SELECT *,
    coalesce((round("v2_valid_complaints", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired35"
  FROM step18
),
-- veto "秩序维护员月内有客户投诉", line 48
step20 AS (
  SELECT *,
    (coalesce(("r11_post") = ('security'), FALSE) AND coalesce((round("v1_complaints", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AS "fired36"
  FROM step19
),
-- veto "月出勤率未达100%", line 51
step21 AS (
  SELECT *,
    coalesce((round("v3_attendance_misses", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired37"
  FROM step20
),
-- veto "管辖范围内发生安全事故", line 53
step22 AS (
  SELECT *,
    (coalesce(("r11_post") = ('security'), FALSE) AND coalesce((round("agg38", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AS "fired39"
  FROM step21
),
-- veto "有处罚记录", line 55
step23 AS (
  SELECT *,
    coalesce((round("agg40", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired41"
  FROM step22
),
-- vetoes
step24 AS (
  SELECT *,
    ("fired35" OR "fired36" OR "fired37" OR "fired39" OR "fired41") AS "vetoed",
    list_filter([CASE WHEN "fired35" THEN '月内有客户有效投诉' END, CASE WHEN "fired36" THEN '秩序维护员月内有客户投诉' END, CASE WHEN "fired37" THEN '月出勤率未达100%' END, CASE WHEN "fired39" THEN '管辖范围内发生安全事故' END, CASE WHEN "fired41" THEN '有处罚记录' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step23
),
-- candidates for award "岗位候选人"
step25 AS (
  SELECT *,
    (((NOT "vetoed") AND ((("r11_post") IS NOT NULL AND NOT (coalesce(("r11_post") = ('reception'), FALSE) OR coalesce(("r11_post") = ('security'), FALSE))) OR coalesce((round("v4_owner_praise", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE))) AND ("v5_qualification") IS NOT NULL) AS "cand42"
  FROM step24
),
-- places for award "岗位候选人"
step26 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r11_post", "cand42" ORDER BY round(CAST("v5_qualification" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place43",
    count(*) OVER (PARTITION BY seq, "r11_post", "cand42") AS "cands44"
  FROM step25
),
-- award "岗位候选人"
step27 AS (
  SELECT *,
    coalesce("cand42" AND "place43" <= 20, FALSE) AS "a8"
  FROM step26
),
-- first key of award "岗位候选人"
step28 AS (
  SELECT *,
    CAST(round(CAST("v5_qualification" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key45"
  FROM step27
),
-- candidates for award "物业服务之星"
step29 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("a8", FALSE)) AND ("v7_final_score") IS NOT NULL) AS "cand46"
  FROM step28
),
-- places for award "物业服务之星"
step30 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r11_post", "cand46" ORDER BY round(CAST("v7_final_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v5_qualification" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place47",
    count(*) OVER (PARTITION BY seq, "r11_post", "cand46") AS "cands48"
  FROM step29
),
-- award "物业服务之星"
step31 AS (
  SELECT *,
    coalesce("cand46" AND "place47" <= 10, FALSE) AS "a9"
  FROM step30
),
-- first key of award "物业服务之星"
step32 AS (
  SELECT *,
    CAST(round(CAST("v7_final_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key49"
  FROM step31
),
-- stars (none)
step33 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step32
),
-- reward
step34 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step33
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_complaints", "v2_valid_complaints", "v3_attendance_misses", "v4_owner_praise", "v5_qualification", "v6_vote_score", "v7_final_score", "red", "green", "net", "stars", "a8", "a9", "reward", "line22", "line24", "line26", "line27", "line28", "line31", "fired35", "fired36", "r11_post", "fired37", "fired39", "agg38", "fired41", "agg40", "cand42", "place43", "cands44", "key45", "cand46", "place47", "cands48", "key49"
FROM step34
ORDER BY period_end, employee_id;
