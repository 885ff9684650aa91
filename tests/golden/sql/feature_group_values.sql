-- feature: group values (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r18_department": roster attribute "department"
--   "e11_complaint_responsible": "responsible" of event type "complaint"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r18_department"
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
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam')) AS "agg9",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg10",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e11_complaint_responsible", FALSE)) AS "agg12"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint', 'exam', 'praise_letter')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg9" AS "agg9",
    CAST(coalesce(ea."agg10", 0) AS DECIMAL(38,18)) AS "agg10",
    CAST(coalesce(ea."agg12", 0) AS DECIMAL(38,18)) AS "agg12"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "exam_avg"
step1 AS (
  SELECT *,
    CAST("agg9" AS DECIMAL(38,18)) AS "v1_exam_avg"
  FROM base
),
-- value "praised"
step2 AS (
  SELECT *,
    CAST("agg10" AS DECIMAL(38,18)) AS "v2_praised"
  FROM step1
),
-- veto "有责投诉", line 12
step3 AS (
  SELECT *,
    coalesce((round("agg12", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired13"
  FROM step2
),
-- vetoes
step4 AS (
  SELECT *,
    ("fired13") AS "vetoed",
    list_filter([CASE WHEN "fired13" THEN '有责投诉' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step3
),
-- top_share: each employee's value
step5 AS (
  SELECT *,
    CAST(round(CAST("v1_exam_avg" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "grouped14"
  FROM step4
),
-- top_share: how many count
step6 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r18_department") AS "members15",
    CASE WHEN "vetoed" OR "grouped14" IS NULL THEN NULL ELSE count(*) OVER (PARTITION BY seq, "r18_department", "vetoed" ORDER BY "grouped14" DESC NULLS LAST RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "counted16"
  FROM step5
),
-- top_share
step7 AS (
  SELECT *,
    sr_div("counted16", "members15") AS "grp17"
  FROM step6
),
-- value "share"
step8 AS (
  SELECT *,
    CAST("grp17" AS DECIMAL(38,18)) AS "v3_share"
  FROM step7
),
-- group_avg: each employee's value
step9 AS (
  SELECT *,
    CAST("v1_exam_avg" AS DECIMAL(38,18)) AS "grouped19"
  FROM step8
),
-- group_avg: how many count
step10 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r18_department") AS "members20",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped19" IS NOT NULL) OVER (PARTITION BY seq, "r18_department") AS "counted21"
  FROM step9
),
-- group_avg
step11 AS (
  SELECT *,
    sr_div(sum("grouped19") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r18_department"), "counted21") AS "grp22"
  FROM step10
),
-- value "team_avg"
step12 AS (
  SELECT *,
    CAST("grp22" AS DECIMAL(38,18)) AS "v4_team_avg"
  FROM step11
),
-- group_sum: each employee's value
step13 AS (
  SELECT *,
    CAST("v2_praised" AS DECIMAL(38,18)) AS "grouped23"
  FROM step12
),
-- group_sum: how many count
step14 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r18_department") AS "members24",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped23" IS NOT NULL) OVER (PARTITION BY seq, "r18_department") AS "counted25"
  FROM step13
),
-- group_sum
step15 AS (
  SELECT *,
    CAST(coalesce(sum("grouped23") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r18_department"), 0) AS DECIMAL(38,18)) AS "grp26"
  FROM step14
),
-- value "team_praise"
step16 AS (
  SELECT *,
    CAST("grp26" AS DECIMAL(38,18)) AS "v5_team_praise"
  FROM step15
),
-- group_count: each employee's value
step17 AS (
  SELECT *,
    coalesce(coalesce((round("v1_exam_avg", 6)) >= (round(CAST('60' AS DECIMAL(38,18)), 6)), FALSE), FALSE) AS "grouped27"
  FROM step16
),
-- group_count: how many count
step18 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS "members28",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped27") OVER (PARTITION BY seq) AS "counted29"
  FROM step17
),
-- group_count
step19 AS (
  SELECT *,
    CAST("counted29" AS DECIMAL(38,18)) AS "grp30"
  FROM step18
),
-- value "graded"
step20 AS (
  SELECT *,
    CAST("grp30" AS DECIMAL(38,18)) AS "v6_graded"
  FROM step19
),
-- group_max: each employee's value
step21 AS (
  SELECT *,
    CAST("v2_praised" AS DECIMAL(38,18)) AS "grouped31"
  FROM step20
),
-- group_max: how many count
step22 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS "members32",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped31" IS NOT NULL) OVER (PARTITION BY seq) AS "counted33"
  FROM step21
),
-- group_max
step23 AS (
  SELECT *,
    CAST(max("grouped31") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS DECIMAL(38,18)) AS "grp34"
  FROM step22
),
-- group_min: each employee's value
step24 AS (
  SELECT *,
    CAST("v2_praised" AS DECIMAL(38,18)) AS "grouped35"
  FROM step23
),
-- group_min: how many count
step25 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS "members36",
    count(*) FILTER (WHERE NOT "vetoed" AND "grouped35" IS NOT NULL) OVER (PARTITION BY seq) AS "counted37"
  FROM step24
),
-- group_min
step26 AS (
  SELECT *,
    CAST(min("grouped35") FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq) AS DECIMAL(38,18)) AS "grp38"
  FROM step25
),
-- red, line 13
step27 AS (
  SELECT *,
    coalesce(CAST(CAST(("grp34") - ("grp38") AS DECIMAL(38,18)) AS DECIMAL(38,18)), 0) AS "line39"
  FROM step26
),
-- red
step28 AS (
  SELECT *,
    CAST("line39" AS DECIMAL(38,18)) AS "red"
  FROM step27
),
-- green
step29 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step28
),
-- net
step30 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step29
),
-- award "组内前30%"
step31 AS (
  SELECT *,
    ((NOT "vetoed") AND (coalesce((round("v3_share", 6)) <= (round(CAST('0.3' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v4_team_avg", 6)) >= (round(CAST('80' AS DECIMAL(38,18)), 6)), FALSE))) AS "a7_30"
  FROM step30
),
-- candidates for award "团队之星"
step32 AS (
  SELECT *,
    ((NOT "vetoed") AND ("v5_team_praise") IS NOT NULL) AS "cand40"
  FROM step31
),
-- places for award "团队之星"
step33 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r18_department", "cand40" ORDER BY round(CAST("v5_team_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v2_praised" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place41",
    count(*) OVER (PARTITION BY seq, "r18_department", "cand40") AS "cands42"
  FROM step32
),
-- award "团队之星"
step34 AS (
  SELECT *,
    coalesce("cand40" AND "place41" <= 1, FALSE) AS "a8"
  FROM step33
),
-- first key of award "团队之星"
step35 AS (
  SELECT *,
    CAST(round(CAST("v5_team_praise" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key43"
  FROM step34
),
-- stars (none)
step36 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step35
),
-- reward
step37 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST(0 AS DECIMAL(38,18)) END AS "reward"
  FROM step36
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_exam_avg", "v2_praised", "v3_share", "v4_team_avg", "v5_team_praise", "v6_graded", "red", "green", "net", "stars", "a7_30", "a8", "reward", "fired13", "agg12", "counted16", "members15", "r18_department", "grouped14", "counted21", "members20", "counted25", "members24", "counted29", "members28", "line39", "counted33", "members32", "counted37", "members36", "cand40", "place41", "cands42", "key43"
FROM step37
ORDER BY period_end, employee_id;
