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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,10)) AS "tenure", r."r15_department", r."r4_role"
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
    max(CAST(e.value AS DECIMAL(38,10))) FILTER (WHERE e.type = 'exam') AS "agg22",
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
    CAST(coalesce(ea."agg5", 0) AS DECIMAL(38,10)) AS "agg5",
    CAST(coalesce(ea."agg6", 0) AS DECIMAL(38,10)) AS "agg6",
    CAST(coalesce(ea."agg11", 0) AS DECIMAL(38,10)) AS "agg11",
    CAST(coalesce(ea."agg17", 0) AS DECIMAL(38,10)) AS "agg17",
    ea."agg22" AS "agg22",
    CAST(coalesce(ea."agg27", 0) AS DECIMAL(38,10)) AS "agg27",
    CAST(coalesce(ea."agg33", 0) AS DECIMAL(38,10)) AS "agg33",
    CAST(coalesce(ea."agg35", 0) AS DECIMAL(38,10)) AS "agg35"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "warnings"
step1 AS (
  SELECT *,
    CAST("agg5" AS DECIMAL(38,10)) AS "v1_warnings"
  FROM base
),
-- value "deductions"
step2 AS (
  SELECT *,
    CAST("agg6" AS DECIMAL(38,10)) AS "v2_deductions"
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
    coalesce(CAST((CASE WHEN (coalesce(("v2_deductions") = (CAST('0' AS DECIMAL(38,10))), FALSE) AND coalesce(("v1_warnings") = (CAST('0' AS DECIMAL(38,10))), FALSE)) THEN CAST('3' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line7"
  FROM step3
),
-- red, line 37
step5 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce(("v2_deductions") = (CAST('0' AS DECIMAL(38,10))), FALSE) AND coalesce(("v1_warnings") = (CAST('1' AS DECIMAL(38,10))), FALSE)) THEN CAST('2' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line8"
  FROM step4
),
-- red, line 39
step6 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce(("v2_deductions") = (CAST('0' AS DECIMAL(38,10))), FALSE) AND coalesce(("v1_warnings") = (CAST('2' AS DECIMAL(38,10))), FALSE)) THEN CAST('1.5' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line9"
  FROM step5
),
-- pyramid: the value
step7 AS (
  SELECT *,
    CAST("agg11" AS DECIMAL(38,10)) AS "ranked12"
  FROM step6
),
-- pyramid: the place
step8 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked12" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked12" IS NULL ORDER BY "ranked12" ASC) END AS DECIMAL(38,10)) AS "rank13"
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
    coalesce(CAST("rank13" AS DECIMAL(38,10)), 0) AS "line16"
  FROM step9
),
-- pyramid: the value
step11 AS (
  SELECT *,
    CAST("agg17" AS DECIMAL(38,10)) AS "ranked18"
  FROM step10
),
-- pyramid: the place
step12 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked18" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked18" IS NULL ORDER BY "ranked18" ASC) END AS DECIMAL(38,10)) AS "rank19"
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
    coalesce(CAST("rank19" AS DECIMAL(38,10)), 0) AS "line21"
  FROM step13
),
-- pyramid: the value
step15 AS (
  SELECT *,
    CAST("agg22" AS DECIMAL(38,10)) AS "ranked23"
  FROM step14
),
-- pyramid: the place
step16 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked23" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked23" IS NULL ORDER BY "ranked23" ASC) END AS DECIMAL(38,10)) AS "rank24"
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
    coalesce(CAST("rank24" AS DECIMAL(38,10)), 0) AS "line26"
  FROM step17
),
-- pyramid: the value
step19 AS (
  SELECT *,
    CAST("agg27" AS DECIMAL(38,10)) AS "ranked28"
  FROM step18
),
-- pyramid: the place
step20 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked28" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "r15_department", "vetoed", "ranked28" IS NULL ORDER BY "ranked28" ASC) END AS DECIMAL(38,10)) AS "rank29"
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
    coalesce(CAST("rank29" AS DECIMAL(38,10)), 0) AS "line31"
  FROM step21
),
-- red, line 59
step23 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce(("agg33") > (CAST('0' AS DECIMAL(38,10))), FALSE) THEN CAST('1' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line34"
  FROM step22
),
-- red, line 61
step24 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('3' AS DECIMAL(38,10)) IS NULL OR (CAST('1' AS DECIMAL(38,10)) * "agg35") IS NULL THEN (CAST('1' AS DECIMAL(38,10)) * "agg35") ELSE least((CAST('1' AS DECIMAL(38,10)) * "agg35"), CAST('3' AS DECIMAL(38,10))) END) AS DECIMAL(38,10)), 0) AS "line36"
  FROM step23
),
-- red
step25 AS (
  SELECT *,
    CAST("line7" + "line8" + "line9" + "line16" + "line21" + "line26" + "line31" + "line34" + "line36" AS DECIMAL(38,10)) AS "red"
  FROM step24
),
-- green, line 42
step26 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN coalesce(("v2_deductions") > (CAST('0' AS DECIMAL(38,10))), FALSE) THEN CAST('1' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line37"
  FROM step25
),
-- green
step27 AS (
  SELECT *,
    CAST("line37" AS DECIMAL(38,10)) AS "green"
  FROM step26
),
-- net
step28 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,10)) AS "net"
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
    rank() OVER (PARTITION BY seq, "r15_department", "cand38" ORDER BY ("net") DESC NULLS LAST, ("red") DESC NULLS LAST) AS "place39",
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
    CAST("net" AS DECIMAL(38,10)) AS "key41"
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
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,10)) ELSE CAST(0 AS DECIMAL(38,10)) END AS "reward"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,10)) AS "tenure", r."r4_role"
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
    max(CAST(e.value AS DECIMAL(38,10))) FILTER (WHERE e.type = 'exam') AS "agg50"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('exam')
  GROUP BY d.seq, e.employee_id
),
-- one pass over the results of the weeks in each instance
sa_week AS (
  SELECT i.seq, s.employee_id,
    count(*) FILTER (WHERE s."a3") AS "wins47",
    sum(CAST(s."net" AS DECIMAL(38,10))) FILTER (WHERE TRUE) AS "sub48",
    count(*) FILTER (WHERE (coalesce((s."v2_deductions") = (CAST('0' AS DECIMAL(38,10))), FALSE) AND coalesce((s."v1_warnings") = (CAST('0' AS DECIMAL(38,10))), FALSE))) AS "sub49"
  FROM inst i JOIN "sr_results_week" s
    ON s.period_end BETWEEN i.period_start AND i.period_end
  LEFT JOIN sr_roster sr ON sr.employee_id = s.employee_id
  GROUP BY i.seq, s.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg50" AS "agg50",
    CAST(coalesce(sa_week."wins47", 0) AS DECIMAL(38,10)) AS "wins47",
    CAST(coalesce(sa_week."sub48", 0) AS DECIMAL(38,10)) AS "sub48",
    CAST(coalesce(sa_week."sub49", 0) AS DECIMAL(38,10)) AS "sub49"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN sa_week ON sa_week.seq = p.seq AND sa_week.employee_id = p.employee_id
),
-- value "weekly_stars"
step1 AS (
  SELECT *,
    CAST("wins47" AS DECIMAL(38,10)) AS "v42_weekly_stars"
  FROM base
),
-- value "month_net"
step2 AS (
  SELECT *,
    CAST("sub48" AS DECIMAL(38,10)) AS "v43_month_net"
  FROM step1
),
-- value "clean_weeks"
step3 AS (
  SELECT *,
    CAST("sub49" AS DECIMAL(38,10)) AS "v44_clean_weeks"
  FROM step2
),
-- value "exam_score"
step4 AS (
  SELECT *,
    CAST("agg50" AS DECIMAL(38,10)) AS "v45_exam_score"
  FROM step3
),
-- red
step5 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,10)) AS "red"
  FROM step4
),
-- green
step6 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,10)) AS "green"
  FROM step5
),
-- net
step7 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,10)) AS "net"
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
    ((NOT "vetoed") AND coalesce(("wins47") >= (CAST('3' AS DECIMAL(38,10))), FALSE)) AS "a46"
  FROM step8
),
-- reward, line 80
step10 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a46" THEN CAST('100' AS DECIMAL(38,10)) ELSE 0 END AS DECIMAL(38,10)), 0) AS "line51"
  FROM step9
),
-- reward
step11 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,10)) ELSE CAST("line51" AS DECIMAL(38,10)) END AS "reward"
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
