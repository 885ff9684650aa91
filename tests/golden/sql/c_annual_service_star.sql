-- 年度优秀服务之星评选 (version 1), period 2026
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r40_department": roster attribute "department"
--   "r29_employment_type": roster attribute "employment_type"
--   "r30_role": roster attribute "role"
--   "e32_complaint_level": "level" of event type "complaint"
--   "e43_satisfaction_rating_rating": "rating" of event type "satisfaction_rating"
--   "e46_service_kpi_metric": "metric" of event type "service_kpi"
--   "e49_skill_assessment_grade": "grade" of event type "skill_assessment"
--   "e51_suggestion_adopted": "adopted" of event type "suggestion"
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

-- each year block: evaluated instance by instance, in time order (it looks back)
WITH
-- the instances to evaluate
inst AS (
  SELECT seq, label, period_start, period_end FROM sr_instances
  WHERE kind = 'year' AND seq BETWEEN $seq_lo AND $seq_hi
),
-- the rated employees of each instance
rated AS (
  SELECT i.seq, i.label, i.period_start, i.period_end, r.employee_id,
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r40_department", r."r29_employment_type", r."r30_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE ((coalesce((r."r29_employment_type") = ('regular'), FALSE) AND coalesce((round((((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END)), 6)) >= (round(CAST('6' AS DECIMAL(38,18)), 6)), FALSE)) AND (coalesce((r."r30_role") = ('service_desk'), FALSE) OR coalesce((r."r30_role") = ('customer_support'), FALSE) OR coalesce((r."r30_role") = ('tech_support'), FALSE) OR coalesce((r."r30_role") = ('sales_advisor'), FALSE)))
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey')) AS "agg31",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce((e."e32_complaint_level") = (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE)) AS "agg33",
    count(*) FILTER (WHERE e.type = 'discipline_notice') AS "agg35",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper')) AS "agg41",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating') AS "agg42",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating' AND (coalesce((e."e43_satisfaction_rating_rating") = ('very_satisfied'), FALSE) OR coalesce((e."e43_satisfaction_rating_rating") = ('satisfied'), FALSE))) AS "agg44",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam')) AS "agg45",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e46_service_kpi_metric") = ('first_contact_resolution'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e46_service_kpi_metric") = ('first_contact_resolution'), FALSE))) AS "agg47",
    min(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e46_service_kpi_metric") = ('response_on_time'), FALSE)) AS "agg48",
    count(*) FILTER (WHERE e.type = 'skill_assessment' AND coalesce((e."e49_skill_assessment_grade") = ('A+'), FALSE)) AS "agg50",
    count(*) FILTER (WHERE e.type = 'suggestion' AND coalesce(e."e51_suggestion_adopted", FALSE)) AS "agg52",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e46_service_kpi_metric") = ('nps'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e46_service_kpi_metric") = ('nps'), FALSE))) AS "agg53",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg54"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint', 'discipline_notice', 'exam', 'mystery_shopper', 'praise_letter', 'satisfaction_rating', 'service_kpi', 'skill_assessment', 'suggestion', 'survey')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st97 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h97") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st99 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h99") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st101 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h101") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st103 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h103") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg31" AS "agg31",
    CAST(coalesce(ea."agg33", 0) AS DECIMAL(38,18)) AS "agg33",
    CAST(coalesce(ea."agg35", 0) AS DECIMAL(38,18)) AS "agg35",
    ea."agg41" AS "agg41",
    CAST(coalesce(ea."agg42", 0) AS DECIMAL(38,18)) AS "agg42",
    CAST(coalesce(ea."agg44", 0) AS DECIMAL(38,18)) AS "agg44",
    ea."agg45" AS "agg45",
    ea."agg47" AS "agg47",
    ea."agg48" AS "agg48",
    CAST(coalesce(ea."agg50", 0) AS DECIMAL(38,18)) AS "agg50",
    CAST(coalesce(ea."agg52", 0) AS DECIMAL(38,18)) AS "agg52",
    ea."agg53" AS "agg53",
    CAST(coalesce(ea."agg54", 0) AS DECIMAL(38,18)) AS "agg54",
    prev."h55" AS "prev56",
    prev."h57" AS "prev58",
    prev."h59" AS "prev60",
    prev."h61" AS "prev62",
    prev."h63" AS "prev64",
    st97.streak AS "streak98",
    st99.streak AS "streak100",
    st101.streak AS "streak102",
    st103.streak AS "streak104"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN "sr_history_year" prev ON prev.seq = p.seq - 1 AND prev.employee_id = p.employee_id
  LEFT JOIN st97 ON st97.seq = p.seq AND st97.employee_id = p.employee_id
  LEFT JOIN st99 ON st99.seq = p.seq AND st99.employee_id = p.employee_id
  LEFT JOIN st101 ON st101.seq = p.seq AND st101.employee_id = p.employee_id
  LEFT JOIN st103 ON st103.seq = p.seq AND st103.employee_id = p.employee_id
),
-- value "satisfaction"
step1 AS (
  SELECT *,
    CAST(sr_mul("agg31", CAST('20' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v1_satisfaction"
  FROM base
),
-- veto "重大服务投诉", line 35
step2 AS (
  SELECT *,
    coalesce((round("agg33", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired34"
  FROM step1
),
-- veto "违规违纪", line 37
step3 AS (
  SELECT *,
    coalesce((round("agg35", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired36"
  FROM step2
),
-- vetoes
step4 AS (
  SELECT *,
    ("fired34" OR "fired36") AS "vetoed",
    list_filter([CASE WHEN "fired34" THEN '重大服务投诉' END, CASE WHEN "fired36" THEN '违规违纪' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step3
),
-- rank: the value
step5 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked37"
  FROM step4
),
-- rank: the place
step6 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" OR "ranked37" IS NULL THEN NULL ELSE rank() OVER (PARTITION BY seq, "r40_department", "vetoed", "ranked37" IS NULL ORDER BY "ranked37" DESC) END AS DECIMAL(38,18)) AS "rank38"
  FROM step5
),
-- rank: how many places
step7 AS (
  SELECT *,
    CAST(count(CASE WHEN NOT "vetoed" AND "ranked37" IS NOT NULL THEN 1 END) OVER (PARTITION BY seq, "r40_department") AS BIGINT) AS "places39"
  FROM step6
),
-- value "satisfaction_rank"
step8 AS (
  SELECT *,
    CAST("rank38" AS DECIMAL(38,18)) AS "v2_satisfaction_rank"
  FROM step7
),
-- value "smile"
step9 AS (
  SELECT *,
    CAST("agg41" AS DECIMAL(38,18)) AS "v3_smile"
  FROM step8
),
-- value "ratings"
step10 AS (
  SELECT *,
    CAST("agg42" AS DECIMAL(38,18)) AS "v4_ratings"
  FROM step9
),
-- value "satisfied_ratings"
step11 AS (
  SELECT *,
    CAST("agg44" AS DECIMAL(38,18)) AS "v5_satisfied_ratings"
  FROM step10
),
-- value "knowledge"
step12 AS (
  SELECT *,
    CAST("agg45" AS DECIMAL(38,18)) AS "v6_knowledge"
  FROM step11
),
-- value "first_contact"
step13 AS (
  SELECT *,
    CAST("agg47" AS DECIMAL(38,18)) AS "v7_first_contact"
  FROM step12
),
-- value "response_on_time"
step14 AS (
  SELECT *,
    CAST("agg48" AS DECIMAL(38,18)) AS "v8_response_on_time"
  FROM step13
),
-- value "skill_a_plus"
step15 AS (
  SELECT *,
    coalesce((round("agg50", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "v9_skill_a_plus"
  FROM step14
),
-- value "adopted_proposals"
step16 AS (
  SELECT *,
    CAST("agg52" AS DECIMAL(38,18)) AS "v10_adopted_proposals"
  FROM step15
),
-- value "nps"
step17 AS (
  SELECT *,
    CAST("agg53" AS DECIMAL(38,18)) AS "v11_nps"
  FROM step16
),
-- value "praise"
step18 AS (
  SELECT *,
    CAST("agg54" AS DECIMAL(38,18)) AS "v12_praise"
  FROM step17
),
-- value "attitude_standards"
step19 AS (
  SELECT *,
    ((coalesce((round("v3_smile", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v4_ratings", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce((round("v5_satisfied_ratings", 6)) >= (round(sr_mul(CAST('0.95' AS DECIMAL(38,18)), "v4_ratings"), 6)), FALSE)) AS "v13_attitude_standards"
  FROM step18
),
-- value "skill_standards"
step20 AS (
  SELECT *,
    (((coalesce((round("v6_knowledge", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v7_first_contact", 6)) >= (round(CAST('0.85' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce((round("v8_response_on_time", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce("v9_skill_a_plus", FALSE)) AS "v14_skill_standards"
  FROM step19
),
-- value "meets_standards"
step21 AS (
  SELECT *,
    (coalesce("v13_attitude_standards", FALSE) AND coalesce("v14_skill_standards", FALSE)) AS "v15_meets_standards"
  FROM step20
),
-- value "quant_score"
step22 AS (
  SELECT *,
    CAST(CAST((CAST((CAST((sr_mul(CAST('0.3' AS DECIMAL(38,18)), "v1_satisfaction")) + (sr_mul(sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v7_first_contact"), CAST('100' AS DECIMAL(38,18)))) AS DECIMAL(38,18))) + (sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v6_knowledge")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.2' AS DECIMAL(38,18)), "v3_smile")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v16_quant_score"
  FROM step21
),
-- value "improvement"
step23 AS (
  SELECT *,
    CAST(CAST(("v16_quant_score") - ("prev56") AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v17_improvement"
  FROM step22
),
-- value "star_streak"
step24 AS (
  SELECT *,
    coalesce("prev58", FALSE) AS "v18_star_streak"
  FROM step23
),
-- value "innovation_streak"
step25 AS (
  SELECT *,
    coalesce("prev60", FALSE) AS "v19_innovation_streak"
  FROM step24
),
-- value "progress_streak"
step26 AS (
  SELECT *,
    coalesce("prev62", FALSE) AS "v20_progress_streak"
  FROM step25
),
-- value "satisfaction_streak"
step27 AS (
  SELECT *,
    coalesce("prev64", FALSE) AS "v21_satisfaction_streak"
  FROM step26
),
-- red
step28 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
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
-- candidates for award "参选资格"
step31 AS (
  SELECT *,
    ((NOT "vetoed") AND ("v1_satisfaction") IS NOT NULL) AS "cand65"
  FROM step30
),
-- places for award "参选资格"
step32 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r40_department", "cand65" ORDER BY round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place66",
    count(*) OVER (PARTITION BY seq, "r40_department", "cand65") AS "cands67"
  FROM step31
),
-- award "参选资格"
step33 AS (
  SELECT *,
    coalesce("cand65" AND "place66" <= ceil(sr_mul(CAST('0.3' AS DECIMAL(38,18)), "cands67")), FALSE) AS "a22"
  FROM step32
),
-- first key of award "参选资格"
step34 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key68"
  FROM step33
),
-- candidates for award "初评入围"
step35 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("a22", FALSE)) AND ("v16_quant_score") IS NOT NULL) AS "cand69"
  FROM step34
),
-- places for award "初评入围"
step36 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand69" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place70",
    count(*) OVER (PARTITION BY seq, "cand69") AS "cands71"
  FROM step35
),
-- award "初评入围"
step37 AS (
  SELECT *,
    coalesce("cand69" AND "place70" <= ceil(sr_mul(CAST('0.5' AS DECIMAL(38,18)), "cands71")), FALSE) AS "a23"
  FROM step36
),
-- first key of award "初评入围"
step38 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key72"
  FROM step37
),
-- candidates for award "岗位组优胜"
step39 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a23", FALSE) AND coalesce("v15_meets_standards", FALSE)) AND (NOT coalesce("v18_star_streak", FALSE)))) AND ("v16_quant_score") IS NOT NULL) AS "cand73"
  FROM step38
),
-- places for award "岗位组优胜"
step40 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r30_role", "cand73" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place74",
    count(*) OVER (PARTITION BY seq, "r30_role", "cand73") AS "cands75"
  FROM step39
),
-- award "岗位组优胜"
step41 AS (
  SELECT *,
    coalesce("cand73" AND "place74" <= 2, FALSE) AS "a24"
  FROM step40
),
-- first key of award "岗位组优胜"
step42 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key76"
  FROM step41
),
-- candidates for award "年度服务之星"
step43 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("a24", FALSE)) AND ("v16_quant_score") IS NOT NULL) AS "cand77"
  FROM step42
),
-- places for award "年度服务之星"
step44 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand77" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v12_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place78",
    count(*) OVER (PARTITION BY seq, "cand77") AS "cands79"
  FROM step43
),
-- award "年度服务之星"
step45 AS (
  SELECT *,
    coalesce("cand77" AND "place78" <= 5, FALSE) AS "a25"
  FROM step44
),
-- first key of award "年度服务之星"
step46 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key80"
  FROM step45
),
-- candidates for award "创新服务奖"
step47 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a23", FALSE) AND coalesce((round("v10_adopted_proposals", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v19_innovation_streak", FALSE)))) AND ("v10_adopted_proposals") IS NOT NULL) AS "cand81"
  FROM step46
),
-- places for award "创新服务奖"
step48 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand81" ORDER BY round(CAST("v10_adopted_proposals" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place82",
    count(*) OVER (PARTITION BY seq, "cand81") AS "cands83"
  FROM step47
),
-- award "创新服务奖"
step49 AS (
  SELECT *,
    coalesce("cand81" AND "place82" <= 10, FALSE) AS "a26"
  FROM step48
),
-- first key of award "创新服务奖"
step50 AS (
  SELECT *,
    CAST(round(CAST("v10_adopted_proposals" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key84"
  FROM step49
),
-- candidates for award "服务进步奖"
step51 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a23", FALSE) AND coalesce((round("v17_improvement", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v20_progress_streak", FALSE)))) AND ("v17_improvement") IS NOT NULL) AS "cand85"
  FROM step50
),
-- places for award "服务进步奖"
step52 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand85" ORDER BY round(CAST("v17_improvement" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place86",
    count(*) OVER (PARTITION BY seq, "cand85") AS "cands87"
  FROM step51
),
-- award "服务进步奖"
step53 AS (
  SELECT *,
    coalesce("cand85" AND "place86" <= 10, FALSE) AS "a27"
  FROM step52
),
-- first key of award "服务进步奖"
step54 AS (
  SELECT *,
    CAST(round(CAST("v17_improvement" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key88"
  FROM step53
),
-- candidates for award "最佳客户满意度奖"
step55 AS (
  SELECT *,
    (((NOT "vetoed") AND (coalesce("a23", FALSE) AND (NOT coalesce("v21_satisfaction_streak", FALSE)))) AND ("v1_satisfaction") IS NOT NULL) AS "cand89"
  FROM step54
),
-- places for award "最佳客户满意度奖"
step56 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand89" ORDER BY round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST(coalesce("v11_nps", (- CAST('100' AS DECIMAL(38,18)))) AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v12_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place90",
    count(*) OVER (PARTITION BY seq, "cand89") AS "cands91"
  FROM step55
),
-- award "最佳客户满意度奖"
step57 AS (
  SELECT *,
    coalesce("cand89" AND "place90" <= 10, FALSE) AS "a28"
  FROM step56
),
-- first key of award "最佳客户满意度奖"
step58 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key92"
  FROM step57
),
-- reward, line 100
step59 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a25" THEN CAST('10000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line93"
  FROM step58
),
-- reward, line 102
step60 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a26" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line94"
  FROM step59
),
-- reward, line 104
step61 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a27" THEN CAST('3000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line95"
  FROM step60
),
-- reward, line 107
step62 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a28" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line96"
  FROM step61
),
-- reward
step63 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line93" + "line94" + "line95" + "line96" AS DECIMAL(38,18)) END AS "reward"
  FROM step62
),
-- stars (none)
step64 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step63
),
-- values kept for later instances (previous, consecutive)
step65 AS (
  SELECT *,
    CAST("v16_quant_score" AS DECIMAL(38,18)) AS "h55",
    CAST((coalesce("a25", FALSE) AND coalesce("streak98", 0) = 2) AS BOOLEAN) AS "h57",
    CAST((coalesce("a26", FALSE) AND coalesce("streak100", 0) = 2) AS BOOLEAN) AS "h59",
    CAST((coalesce("a27", FALSE) AND coalesce("streak102", 0) = 2) AS BOOLEAN) AS "h61",
    CAST((coalesce("a28", FALSE) AND coalesce("streak104", 0) = 2) AS BOOLEAN) AS "h63",
    CAST(coalesce("a25", FALSE) AS BOOLEAN) AS "h97",
    CAST(coalesce("a26", FALSE) AS BOOLEAN) AS "h99",
    CAST(coalesce("a27", FALSE) AS BOOLEAN) AS "h101",
    CAST(coalesce("a28", FALSE) AS BOOLEAN) AS "h103"
  FROM step64
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_satisfaction", "v2_satisfaction_rank", "v3_smile", "v4_ratings", "v5_satisfied_ratings", "v6_knowledge", "v7_first_contact", "v8_response_on_time", "v9_skill_a_plus", "v10_adopted_proposals", "v11_nps", "v12_praise", "v13_attitude_standards", "v14_skill_standards", "v15_meets_standards", "v16_quant_score", "v17_improvement", "v18_star_streak", "v19_innovation_streak", "v20_progress_streak", "v21_satisfaction_streak", "red", "green", "net", "stars", "a22", "a23", "a24", "a25", "a26", "a27", "a28", "reward", "h55", "h57", "h59", "h61", "h63", "h97", "h99", "h101", "h103", "fired34", "agg33", "fired36", "agg35", "rank38", "places39", "r40_department", "ranked37", "cand65", "place66", "cands67", "key68", "cand69", "place70", "cands71", "key72", "cand73", "place74", "cands75", "r30_role", "key76", "cand77", "place78", "cands79", "key80", "cand81", "place82", "cands83", "key84", "cand85", "place86", "cands87", "key88", "cand89", "place90", "cands91", "key92", "line93", "line94", "line95", "line96"
FROM step65
ORDER BY period_end, employee_id;
