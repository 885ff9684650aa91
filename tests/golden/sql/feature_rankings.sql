-- feature: rankings (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r12_department": roster attribute "department"
--   "e6_member_signup_channel": "channel" of event type "member_signup"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r12_department"
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
    count(*) FILTER (WHERE e.type = 'member_signup' AND (coalesce((e."e6_member_signup_channel") = ('paid'), FALSE) OR coalesce((e."e6_member_signup_channel") = ('free_with_purchase'), FALSE))) AS "agg7",
    max(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam') AS "agg8"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('exam', 'member_signup')
  GROUP BY d.seq, e.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg7", 0) AS DECIMAL(38,18)) AS "agg7",
    ea."agg8" AS "agg8"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
),
-- value "signups"
step1 AS (
  SELECT *,
    CAST("agg7" AS DECIMAL(38,18)) AS "v1_signups"
  FROM base
),
-- value "best_exam"
step2 AS (
  SELECT *,
    CAST("agg8" AS DECIMAL(38,18)) AS "v2_best_exam"
  FROM step1
),
-- vetoes
step3 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step2
),
-- rank: the value
step4 AS (
  SELECT *,
    CAST(round(CAST("v1_signups" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked9"
  FROM step3
),
-- rank: the place
step5 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" OR "ranked9" IS NULL THEN NULL ELSE rank() OVER (PARTITION BY seq, "r12_department", "vetoed", "ranked9" IS NULL ORDER BY "ranked9" DESC) END AS DECIMAL(38,18)) AS "rank10"
  FROM step4
),
-- rank: how many places
step6 AS (
  SELECT *,
    CAST(count(CASE WHEN NOT "vetoed" AND "ranked9" IS NOT NULL THEN 1 END) OVER (PARTITION BY seq, "r12_department") AS BIGINT) AS "places11"
  FROM step5
),
-- value "place"
step7 AS (
  SELECT *,
    CAST("rank10" AS DECIMAL(38,18)) AS "v3_place"
  FROM step6
),
-- pyramid: the value
step8 AS (
  SELECT *,
    CAST(round(CAST("v2_best_exam" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked13"
  FROM step7
),
-- pyramid: the place
step9 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN "ranked13" IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY seq, "vetoed", "ranked13" IS NULL ORDER BY "ranked13" ASC) END AS DECIMAL(38,18)) AS "rank14"
  FROM step8
),
-- pyramid: how many places
step10 AS (
  SELECT *,
    CAST(max(CASE WHEN NOT "vetoed" THEN "rank14" END) OVER (PARTITION BY seq) AS BIGINT) AS "places15"
  FROM step9
),
-- red, line 9
step11 AS (
  SELECT *,
    coalesce(CAST("rank14" AS DECIMAL(38,18)), 0) AS "line16"
  FROM step10
),
-- red
step12 AS (
  SELECT *,
    CAST("line16" AS DECIMAL(38,18)) AS "red"
  FROM step11
),
-- green
step13 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step12
),
-- net
step14 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step13
),
-- candidates for award "top seller"
step15 AS (
  SELECT *,
    ((NOT "vetoed") AND ("v1_signups") IS NOT NULL) AS "cand17"
  FROM step14
),
-- places for award "top seller"
step16 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r12_department", "cand17" ORDER BY round(CAST("v1_signups" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v2_best_exam" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place18",
    count(*) OVER (PARTITION BY seq, "r12_department", "cand17") AS "cands19"
  FROM step15
),
-- award "top seller"
step17 AS (
  SELECT *,
    coalesce("cand17" AND "place18" <= 2, FALSE) AS "a4_top_seller"
  FROM step16
),
-- first key of award "top seller"
step18 AS (
  SELECT *,
    CAST(round(CAST("v1_signups" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key20"
  FROM step17
),
-- candidates for award "top 10%"
step19 AS (
  SELECT *,
    ((NOT "vetoed") AND ("v2_best_exam") IS NOT NULL) AS "cand21"
  FROM step18
),
-- places for award "top 10%"
step20 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand21" ORDER BY round(CAST("v2_best_exam" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place22",
    count(*) OVER (PARTITION BY seq, "cand21") AS "cands23"
  FROM step19
),
-- award "top 10%"
step21 AS (
  SELECT *,
    coalesce("cand21" AND "place22" <= ceil(sr_mul(CAST('0.1' AS DECIMAL(38,18)), "cands23")), FALSE) AS "a5_top_10"
  FROM step20
),
-- first key of award "top 10%"
step22 AS (
  SELECT *,
    CAST(round(CAST("v2_best_exam" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key24"
  FROM step21
),
-- reward, line 10
step23 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a4_top_seller" THEN CAST('50' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line25"
  FROM step22
),
-- reward, line 11
step24 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a5_top_10" THEN CAST('20' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line26"
  FROM step23
),
-- reward
step25 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line25" + "line26" AS DECIMAL(38,18)) END AS "reward"
  FROM step24
),
-- stars (none)
step26 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step25
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_signups", "v2_best_exam", "v3_place", "red", "green", "net", "stars", "a4_top_seller", "a5_top_10", "reward", "rank10", "places11", "r12_department", "ranked9", "line16", "rank14", "places15", "ranked13", "cand17", "place18", "cands19", "key20", "cand21", "place22", "cands23", "key24", "line25", "line26"
FROM step26
ORDER BY period_end, employee_id;
