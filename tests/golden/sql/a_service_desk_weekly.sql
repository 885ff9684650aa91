-- 客服台周服务之星 (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r15_department": roster attribute "department"
--   "r4_role": roster attribute "role"
--   "e32_commendation_kind": "kind" of event type "commendation"
--   "e10_member_signup_channel": "channel" of event type "member_signup"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r15_department", r."r4_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce((r."r4_role") = ('service_desk'), FALSE)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'verbal_warning') AS "agg5",
    count(*) FILTER (WHERE e.type = 'point_deduction') AS "agg6",
    count(*) FILTER (WHERE e.type = 'member_signup' AND coalesce((e."e10_member_signup_channel") = ('free_with_purchase'), FALSE)) AS "agg11",
    count(*) FILTER (WHERE e.type = 'member_signup' AND coalesce((e."e10_member_signup_channel") = ('paid'), FALSE)) AS "agg17",
    max(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam') AS "agg22",
    count(*) FILTER (WHERE e.type = 'suggestion') AS "agg27",
    count(*) FILTER (WHERE e.type = 'commendation' AND coalesce((e."e32_commendation_kind") = ('teamwork'), FALSE)) AS "agg33",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg35"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('commendation', 'exam', 'member_signup', 'point_deduction', 'praise_letter', 'suggestion', 'verbal_warning')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg5", 0) AS DECIMAL(38,18)) AS "agg5",
    CAST(coalesce(ea."agg6", 0) AS DECIMAL(38,18)) AS "agg6",
    CAST(coalesce(ea."agg11", 0) AS DECIMAL(38,18)) AS "agg11",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,18)) AS "agg17",
    ea."agg22" AS "agg22",
    CAST(coalesce(ea."agg27", 0) AS DECIMAL(38,18)) AS "agg27",
    CAST(coalesce(ea."agg33", 0) AS DECIMAL(38,18)) AS "agg33",
    CAST(coalesce(ea."agg35", 0) AS DECIMAL(38,18)) AS "agg35"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "warnings"
step1 AS (
  SELECT *,
    CAST("agg5" AS DECIMAL(38,18)) AS "v1_warnings"
  FROM base
),
-- value "deductions"
step2 AS (
  SELECT *,
    CAST("agg6" AS DECIMAL(38,18)) AS "v2_deductions"
  FROM step1
),
-- vetoes
step3 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step2
),
-- red, line 35
step4 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("v2_deductions", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v1_warnings", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) THEN CAST('3' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line7"
  FROM step3
),
-- red, line 37
step5 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("v2_deductions", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v1_warnings", 6)) = (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE)) THEN CAST('2' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line8"
  FROM step4
),
-- red, line 39
step6 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce((round("v2_deductions", 6)) = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v1_warnings", 6)) = (round(CAST('2' AS DECIMAL(38,18)), 6)), FALSE)) THEN CAST('1.5' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line9"
  FROM step5
),
-- pyramid: the value
step7 AS (
  SELECT *,
    CAST(round(CAST("agg11" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked12"
  FROM step6
),
-- pyramid: the place
step8 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked12" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked12" IS NULL ORDER BY "ranked12" ASC) END AS DECIMAL(38,18)) AS "rank13"
  FROM step7
),
-- pyramid: how many places
step9 AS (
  SELECT *,
    CAST(max(CASE WHEN NOT "vetoed" THEN "rank13" END) OVER (PARTITION BY seq, "r15_department") AS BIGINT) AS "places14"
  FROM step8
),
-- red, line 46
step10 AS (
  SELECT *,
    coalesce(CAST("rank13" AS DECIMAL(38,18)), 0) AS "line16"
  FROM step9
),
-- pyramid: the value
step11 AS (
  SELECT *,
    CAST(round(CAST("agg17" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked18"
  FROM step10
),
-- pyramid: the place
step12 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked18" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked18" IS NULL ORDER BY "ranked18" ASC) END AS DECIMAL(38,18)) AS "rank19"
  FROM step11
),
-- pyramid: how many places
step13 AS (
  SELECT *,
    CAST(max(CASE WHEN NOT "vetoed" THEN "rank19" END) OVER (PARTITION BY seq, "r15_department") AS BIGINT) AS "places20"
  FROM step12
),
-- red, line 49
step14 AS (
  SELECT *,
    coalesce(CAST("rank19" AS DECIMAL(38,18)), 0) AS "line21"
  FROM step13
),
-- pyramid: the value
step15 AS (
  SELECT *,
    CAST(round(CAST("agg22" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked23"
  FROM step14
),
-- pyramid: the place
step16 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked23" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked23" IS NULL ORDER BY "ranked23" ASC) END AS DECIMAL(38,18)) AS "rank24"
  FROM step15
),
-- pyramid: how many places
step17 AS (
  SELECT *,
    CAST(max(CASE WHEN NOT "vetoed" THEN "rank24" END) OVER (PARTITION BY seq, "r15_department") AS BIGINT) AS "places25"
  FROM step16
),
-- red, line 53
step18 AS (
  SELECT *,
    coalesce(CAST("rank24" AS DECIMAL(38,18)), 0) AS "line26"
  FROM step17
),
-- pyramid: the value
step19 AS (
  SELECT *,
    CAST(round(CAST("agg27" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked28"
  FROM step18
),
-- pyramid: the place
step20 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked28" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked28" IS NULL ORDER BY "ranked28" ASC) END AS DECIMAL(38,18)) AS "rank29"
  FROM step19
),
-- pyramid: how many places
step21 AS (
  SELECT *,
    CAST(max(CASE WHEN NOT "vetoed" THEN "rank29" END) OVER (PARTITION BY seq, "r15_department") AS BIGINT) AS "places30"
  FROM step20
),
-- red, line 57
step22 AS (
  SELECT *,
    coalesce(CAST("rank29" AS DECIMAL(38,18)), 0) AS "line31"
  FROM step21
),
-- red, line 59
step23 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce((round("agg33", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) THEN CAST('1' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line34"
  FROM step22
),
-- red, line 61
step24 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('3' AS DECIMAL(38,18)) IS NULL OR CAST((CAST('1' AS DECIMAL(38,18))) * CAST("agg35" AS DECIMAL(38,0)) AS DECIMAL(38,18)) IS NULL THEN CAST((CAST('1' AS DECIMAL(38,18))) * CAST("agg35" AS DECIMAL(38,0)) AS DECIMAL(38,18)) ELSE least(CAST((CAST('1' AS DECIMAL(38,18))) * CAST("agg35" AS DECIMAL(38,0)) AS DECIMAL(38,18)), CAST('3' AS DECIMAL(38,18))) END) AS DECIMAL(38,18)), 0) AS "line36"
  FROM step23
),
-- red
step25 AS (
  SELECT *,
    CAST("line7" + "line8" + "line9" + "line16" + "line21" + "line26" + "line31" + "line34" + "line36" AS DECIMAL(38,18)) AS "red"
  FROM step24
),
-- green, line 42
step26 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce((round("v2_deductions", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) THEN CAST('1' AS DECIMAL(38,18)) ELSE 0 END) AS DECIMAL(38,18)), 0) AS "line37"
  FROM step25
),
-- green
step27 AS (
  SELECT *,
    CAST("line37" AS DECIMAL(38,18)) AS "green"
  FROM step26
),
-- net
step28 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step27
),
-- candidates for award "周服务之星"
step29 AS (
  SELECT *,
    ((NOT "vetoed") AND ("net") IS NOT NULL) AS "cand38"
  FROM step28
),
-- places for award "周服务之星"
step30 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r15_department", "cand38" ORDER BY round(CAST("net" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("red" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place39",
    count(*) OVER (PARTITION BY seq, "r15_department", "cand38") AS "cands40"
  FROM step29
),
-- award "周服务之星"
step31 AS (
  SELECT *,
    coalesce("cand38" AND "place39" <= 1, FALSE) AS "a3"
  FROM step30
),
-- first key of award "周服务之星"
step32 AS (
  SELECT *,
    CAST(round(CAST("net" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key41"
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
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_warnings", "v2_deductions", "red", "green", "net", "stars", "a3", "reward", "line7", "line8", "line9", "line16", "rank13", "places14", "r15_department", "ranked12", "line21", "rank19", "places20", "ranked18", "line26", "rank24", "places25", "ranked23", "line31", "rank29", "places30", "ranked28", "line34", "agg33", "line36", "line37", "cand38", "place39", "cands40", "key41"
FROM step34
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r4_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce((r."r4_role") = ('service_desk'), FALSE)
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    max(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam') AS "agg50"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('exam')
  GROUP BY d.seq, e.employee_id
),
-- one pass over the results of the weeks in each instance
sa_week AS (
  SELECT i.seq, s.employee_id,
    count(*) FILTER (WHERE s."a3") AS "wins47",
    sum(CAST(s."net" AS DECIMAL(38,18))) FILTER (WHERE TRUE) AS "sub48",
    count(*) FILTER (WHERE (coalesce((s."v2_deductions") = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((s."v1_warnings") = (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE))) AS "sub49"
  FROM inst i JOIN "sr_results_week" s
    ON s.period_end BETWEEN i.period_start AND i.period_end
  LEFT JOIN sr_roster sr ON sr.employee_id = s.employee_id
  GROUP BY i.seq, s.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg50" AS "agg50",
    CAST(coalesce(sa_week."wins47", 0) AS DECIMAL(38,18)) AS "wins47",
    CAST(coalesce(sa_week."sub48", 0) AS DECIMAL(38,18)) AS "sub48",
    CAST(coalesce(sa_week."sub49", 0) AS DECIMAL(38,18)) AS "sub49"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN sa_week ON sa_week.seq = p.seq AND sa_week.employee_id = p.employee_id
),
-- value "weekly_stars"
step1 AS (
  SELECT *,
    CAST("wins47" AS DECIMAL(38,18)) AS "v42_weekly_stars"
  FROM base
),
-- value "month_net"
step2 AS (
  SELECT *,
    CAST("sub48" AS DECIMAL(38,18)) AS "v43_month_net"
  FROM step1
),
-- value "clean_weeks"
step3 AS (
  SELECT *,
    CAST("sub49" AS DECIMAL(38,18)) AS "v44_clean_weeks"
  FROM step2
),
-- value "exam_score"
step4 AS (
  SELECT *,
    CAST("agg50" AS DECIMAL(38,18)) AS "v45_exam_score"
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
-- award "月度服务明星"
step9 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce((round("wins47", 6)) >= (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE)) AS "a46"
  FROM step8
),
-- reward, line 80
step10 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a46" THEN CAST('100' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line51"
  FROM step9
),
-- reward
step11 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line51" AS DECIMAL(38,18)) END AS "reward"
  FROM step10
),
-- stars (none)
step12 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step11
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v42_weekly_stars", "v43_month_net", "v44_clean_weeks", "v45_exam_score", "red", "green", "net", "stars", "a46", "reward", "wins47", "line51"
FROM step12
ORDER BY period_end, employee_id;
