-- 年度优秀服务之星评选 (version 1), period 2026
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r43_department": roster attribute "department"
--   "r32_employment_type": roster attribute "employment_type"
--   "r33_role": roster attribute "role"
--   "e69_committee_vote_approve": "approve" of event type "committee_vote"
--   "e35_complaint_level": "level" of event type "complaint"
--   "e46_satisfaction_rating_rating": "rating" of event type "satisfaction_rating"
--   "e49_service_kpi_metric": "metric" of event type "service_kpi"
--   "e52_skill_assessment_grade": "grade" of event type "skill_assessment"
--   "e54_suggestion_adopted": "adopted" of event type "suggestion"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r43_department", r."r32_employment_type", r."r33_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE ((coalesce((r."r32_employment_type") = ('regular'), FALSE) AND coalesce((round((((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END)), 6)) >= (round(CAST('6' AS DECIMAL(38,18)), 6)), FALSE)) AND (coalesce((r."r33_role") = ('service_desk'), FALSE) OR coalesce((r."r33_role") = ('customer_support'), FALSE) OR coalesce((r."r33_role") = ('tech_support'), FALSE) OR coalesce((r."r33_role") = ('sales_advisor'), FALSE)))
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey')) AS "agg34",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce((e."e35_complaint_level") = (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE)) AS "agg36",
    count(*) FILTER (WHERE e.type = 'discipline_notice') AS "agg38",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper')) AS "agg44",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating') AS "agg45",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating' AND (coalesce((e."e46_satisfaction_rating_rating") = ('very_satisfied'), FALSE) OR coalesce((e."e46_satisfaction_rating_rating") = ('satisfied'), FALSE))) AS "agg47",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam')) AS "agg48",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e49_service_kpi_metric") = ('first_contact_resolution'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e49_service_kpi_metric") = ('first_contact_resolution'), FALSE))) AS "agg50",
    min(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e49_service_kpi_metric") = ('response_on_time'), FALSE)) AS "agg51",
    count(*) FILTER (WHERE e.type = 'skill_assessment' AND coalesce((e."e52_skill_assessment_grade") = ('A+'), FALSE)) AS "agg53",
    count(*) FILTER (WHERE e.type = 'suggestion' AND coalesce(e."e54_suggestion_adopted", FALSE)) AS "agg55",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e49_service_kpi_metric") = ('nps'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e49_service_kpi_metric") = ('nps'), FALSE))) AS "agg56",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg57",
    count(*) FILTER (WHERE e.type = 'committee_vote') AS "agg68",
    count(*) FILTER (WHERE e.type = 'committee_vote' AND coalesce(e."e69_committee_vote_approve", FALSE)) AS "agg70"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('committee_vote', 'complaint', 'discipline_notice', 'exam', 'mystery_shopper', 'praise_letter', 'satisfaction_rating', 'service_kpi', 'skill_assessment', 'suggestion', 'survey')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st103 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h103") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st105 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h105") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st107 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h107") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st109 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h109") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg34" AS "agg34",
    CAST(coalesce(ea."agg36", 0) AS DECIMAL(38,18)) AS "agg36",
    CAST(coalesce(ea."agg38", 0) AS DECIMAL(38,18)) AS "agg38",
    ea."agg44" AS "agg44",
    CAST(coalesce(ea."agg45", 0) AS DECIMAL(38,18)) AS "agg45",
    CAST(coalesce(ea."agg47", 0) AS DECIMAL(38,18)) AS "agg47",
    ea."agg48" AS "agg48",
    ea."agg50" AS "agg50",
    ea."agg51" AS "agg51",
    CAST(coalesce(ea."agg53", 0) AS DECIMAL(38,18)) AS "agg53",
    CAST(coalesce(ea."agg55", 0) AS DECIMAL(38,18)) AS "agg55",
    ea."agg56" AS "agg56",
    CAST(coalesce(ea."agg57", 0) AS DECIMAL(38,18)) AS "agg57",
    CAST(coalesce(ea."agg68", 0) AS DECIMAL(38,18)) AS "agg68",
    CAST(coalesce(ea."agg70", 0) AS DECIMAL(38,18)) AS "agg70",
    prev."h58" AS "prev59",
    prev."h60" AS "prev61",
    prev."h62" AS "prev63",
    prev."h64" AS "prev65",
    prev."h66" AS "prev67",
    st103.streak AS "streak104",
    st105.streak AS "streak106",
    st107.streak AS "streak108",
    st109.streak AS "streak110"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN "sr_history_year" prev ON prev.seq = p.seq - 1 AND prev.employee_id = p.employee_id
  LEFT JOIN st103 ON st103.seq = p.seq AND st103.employee_id = p.employee_id
  LEFT JOIN st105 ON st105.seq = p.seq AND st105.employee_id = p.employee_id
  LEFT JOIN st107 ON st107.seq = p.seq AND st107.employee_id = p.employee_id
  LEFT JOIN st109 ON st109.seq = p.seq AND st109.employee_id = p.employee_id
),
-- value "satisfaction"
step1 AS (
  SELECT *,
    CAST(sr_mul("agg34", CAST('20' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v1_satisfaction"
  FROM base
),
-- veto "重大服务投诉", line 36
step2 AS (
  SELECT *,
    coalesce((round("agg36", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired37"
  FROM step1
),
-- veto "违规违纪", line 38
step3 AS (
  SELECT *,
    coalesce((round("agg38", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired39"
  FROM step2
),
-- vetoes
step4 AS (
  SELECT *,
    ("fired37" OR "fired39") AS "vetoed",
    list_filter([CASE WHEN "fired37" THEN '重大服务投诉' END, CASE WHEN "fired39" THEN '违规违纪' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step3
),
-- rank: the value
step5 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked40"
  FROM step4
),
-- rank: the place
step6 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" OR "ranked40" IS NULL THEN NULL ELSE rank() OVER (PARTITION BY seq, "r43_department", "vetoed", "ranked40" IS NULL ORDER BY "ranked40" DESC) END AS DECIMAL(38,18)) AS "rank41"
  FROM step5
),
-- rank: how many places
step7 AS (
  SELECT *,
    CAST(count(CASE WHEN NOT "vetoed" AND "ranked40" IS NOT NULL THEN 1 END) OVER (PARTITION BY seq, "r43_department") AS BIGINT) AS "places42"
  FROM step6
),
-- value "satisfaction_rank"
step8 AS (
  SELECT *,
    CAST("rank41" AS DECIMAL(38,18)) AS "v2_satisfaction_rank"
  FROM step7
),
-- value "smile"
step9 AS (
  SELECT *,
    CAST("agg44" AS DECIMAL(38,18)) AS "v3_smile"
  FROM step8
),
-- value "ratings"
step10 AS (
  SELECT *,
    CAST("agg45" AS DECIMAL(38,18)) AS "v4_ratings"
  FROM step9
),
-- value "satisfied_ratings"
step11 AS (
  SELECT *,
    CAST("agg47" AS DECIMAL(38,18)) AS "v5_satisfied_ratings"
  FROM step10
),
-- value "knowledge"
step12 AS (
  SELECT *,
    CAST("agg48" AS DECIMAL(38,18)) AS "v6_knowledge"
  FROM step11
),
-- value "first_contact"
step13 AS (
  SELECT *,
    CAST("agg50" AS DECIMAL(38,18)) AS "v7_first_contact"
  FROM step12
),
-- value "response_on_time"
step14 AS (
  SELECT *,
    CAST("agg51" AS DECIMAL(38,18)) AS "v8_response_on_time"
  FROM step13
),
-- value "skill_a_plus"
step15 AS (
  SELECT *,
    coalesce((round("agg53", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "v9_skill_a_plus"
  FROM step14
),
-- value "adopted_proposals"
step16 AS (
  SELECT *,
    CAST("agg55" AS DECIMAL(38,18)) AS "v10_adopted_proposals"
  FROM step15
),
-- value "nps"
step17 AS (
  SELECT *,
    CAST("agg56" AS DECIMAL(38,18)) AS "v11_nps"
  FROM step16
),
-- value "praise"
step18 AS (
  SELECT *,
    CAST("agg57" AS DECIMAL(38,18)) AS "v12_praise"
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
    CAST(CAST(("v16_quant_score") - ("prev59") AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v17_improvement"
  FROM step22
),
-- value "star_streak"
step24 AS (
  SELECT *,
    coalesce("prev61", FALSE) AS "v18_star_streak"
  FROM step23
),
-- value "innovation_streak"
step25 AS (
  SELECT *,
    coalesce("prev63", FALSE) AS "v19_innovation_streak"
  FROM step24
),
-- value "progress_streak"
step26 AS (
  SELECT *,
    coalesce("prev65", FALSE) AS "v20_progress_streak"
  FROM step25
),
-- value "satisfaction_streak"
step27 AS (
  SELECT *,
    coalesce("prev67", FALSE) AS "v21_satisfaction_streak"
  FROM step26
),
-- value "committee_votes"
step28 AS (
  SELECT *,
    CAST("agg68" AS DECIMAL(38,18)) AS "v22_committee_votes"
  FROM step27
),
-- value "committee_yes"
step29 AS (
  SELECT *,
    CAST("agg70" AS DECIMAL(38,18)) AS "v23_committee_yes"
  FROM step28
),
-- value "committee_approved"
step30 AS (
  SELECT *,
    (coalesce((round("v22_committee_votes", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v23_committee_yes", 6)) >= (round(sr_mul(sr_div(CAST('2' AS DECIMAL(38,18)), CAST('3' AS DECIMAL(38,18))), "v22_committee_votes"), 6)), FALSE)) AS "v24_committee_approved"
  FROM step29
),
-- red
step31 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step30
),
-- green
step32 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step31
),
-- net
step33 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step32
),
-- candidates for award "参选资格"
step34 AS (
  SELECT *,
    ((NOT "vetoed") AND ("v1_satisfaction") IS NOT NULL) AS "cand71"
  FROM step33
),
-- places for award "参选资格"
step35 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r43_department", "cand71" ORDER BY round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place72",
    count(*) OVER (PARTITION BY seq, "r43_department", "cand71") AS "cands73"
  FROM step34
),
-- award "参选资格"
step36 AS (
  SELECT *,
    coalesce("cand71" AND "place72" <= ceil(sr_mul(CAST('0.3' AS DECIMAL(38,18)), "cands73")), FALSE) AS "a25"
  FROM step35
),
-- first key of award "参选资格"
step37 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key74"
  FROM step36
),
-- candidates for award "初评入围"
step38 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("a25", FALSE)) AND ("v16_quant_score") IS NOT NULL) AS "cand75"
  FROM step37
),
-- places for award "初评入围"
step39 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand75" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place76",
    count(*) OVER (PARTITION BY seq, "cand75") AS "cands77"
  FROM step38
),
-- award "初评入围"
step40 AS (
  SELECT *,
    coalesce("cand75" AND "place76" <= ceil(sr_mul(CAST('0.5' AS DECIMAL(38,18)), "cands77")), FALSE) AS "a26"
  FROM step39
),
-- first key of award "初评入围"
step41 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key78"
  FROM step40
),
-- candidates for award "岗位组优胜"
step42 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a26", FALSE) AND coalesce("v15_meets_standards", FALSE)) AND (NOT coalesce("v18_star_streak", FALSE)))) AND ("v16_quant_score") IS NOT NULL) AS "cand79"
  FROM step41
),
-- places for award "岗位组优胜"
step43 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r33_role", "cand79" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place80",
    count(*) OVER (PARTITION BY seq, "r33_role", "cand79") AS "cands81"
  FROM step42
),
-- award "岗位组优胜"
step44 AS (
  SELECT *,
    coalesce("cand79" AND "place80" <= 2, FALSE) AS "a27"
  FROM step43
),
-- first key of award "岗位组优胜"
step45 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key82"
  FROM step44
),
-- candidates for award "年度服务之星"
step46 AS (
  SELECT *,
    (((NOT "vetoed") AND (coalesce("a27", FALSE) AND coalesce("v24_committee_approved", FALSE))) AND ("v16_quant_score") IS NOT NULL) AS "cand83"
  FROM step45
),
-- places for award "年度服务之星"
step47 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand83" ORDER BY round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v12_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place84",
    count(*) OVER (PARTITION BY seq, "cand83") AS "cands85"
  FROM step46
),
-- award "年度服务之星"
step48 AS (
  SELECT *,
    coalesce("cand83" AND "place84" <= 5, FALSE) AS "a28"
  FROM step47
),
-- first key of award "年度服务之星"
step49 AS (
  SELECT *,
    CAST(round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key86"
  FROM step48
),
-- candidates for award "创新服务奖"
step50 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a26", FALSE) AND coalesce((round("v10_adopted_proposals", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v19_innovation_streak", FALSE)))) AND ("v10_adopted_proposals") IS NOT NULL) AS "cand87"
  FROM step49
),
-- places for award "创新服务奖"
step51 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand87" ORDER BY round(CAST("v10_adopted_proposals" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v16_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place88",
    count(*) OVER (PARTITION BY seq, "cand87") AS "cands89"
  FROM step50
),
-- award "创新服务奖"
step52 AS (
  SELECT *,
    coalesce("cand87" AND "place88" <= 10, FALSE) AS "a29"
  FROM step51
),
-- first key of award "创新服务奖"
step53 AS (
  SELECT *,
    CAST(round(CAST("v10_adopted_proposals" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key90"
  FROM step52
),
-- candidates for award "服务进步奖"
step54 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a26", FALSE) AND coalesce((round("v17_improvement", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v20_progress_streak", FALSE)))) AND ("v17_improvement") IS NOT NULL) AS "cand91"
  FROM step53
),
-- places for award "服务进步奖"
step55 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand91" ORDER BY round(CAST("v17_improvement" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place92",
    count(*) OVER (PARTITION BY seq, "cand91") AS "cands93"
  FROM step54
),
-- award "服务进步奖"
step56 AS (
  SELECT *,
    coalesce("cand91" AND "place92" <= 10, FALSE) AS "a30"
  FROM step55
),
-- first key of award "服务进步奖"
step57 AS (
  SELECT *,
    CAST(round(CAST("v17_improvement" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key94"
  FROM step56
),
-- candidates for award "最佳客户满意度奖"
step58 AS (
  SELECT *,
    (((NOT "vetoed") AND (coalesce("a26", FALSE) AND (NOT coalesce("v21_satisfaction_streak", FALSE)))) AND ("v1_satisfaction") IS NOT NULL) AS "cand95"
  FROM step57
),
-- places for award "最佳客户满意度奖"
step59 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand95" ORDER BY round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST(coalesce("v11_nps", (- CAST('100' AS DECIMAL(38,18)))) AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v12_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place96",
    count(*) OVER (PARTITION BY seq, "cand95") AS "cands97"
  FROM step58
),
-- award "最佳客户满意度奖"
step60 AS (
  SELECT *,
    coalesce("cand95" AND "place96" <= 10, FALSE) AS "a31"
  FROM step59
),
-- first key of award "最佳客户满意度奖"
step61 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key98"
  FROM step60
),
-- reward, line 111
step62 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a28" THEN CAST('10000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line99"
  FROM step61
),
-- reward, line 113
step63 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a29" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line100"
  FROM step62
),
-- reward, line 115
step64 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a30" THEN CAST('3000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line101"
  FROM step63
),
-- reward, line 118
step65 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a31" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line102"
  FROM step64
),
-- reward
step66 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line99" + "line100" + "line101" + "line102" AS DECIMAL(38,18)) END AS "reward"
  FROM step65
),
-- stars (none)
step67 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step66
),
-- values kept for later instances (previous, consecutive)
step68 AS (
  SELECT *,
    CAST("v16_quant_score" AS DECIMAL(38,18)) AS "h58",
    CAST((coalesce("a28", FALSE) AND coalesce("streak104", 0) = 2) AS BOOLEAN) AS "h60",
    CAST((coalesce("a29", FALSE) AND coalesce("streak106", 0) = 2) AS BOOLEAN) AS "h62",
    CAST((coalesce("a30", FALSE) AND coalesce("streak108", 0) = 2) AS BOOLEAN) AS "h64",
    CAST((coalesce("a31", FALSE) AND coalesce("streak110", 0) = 2) AS BOOLEAN) AS "h66",
    CAST(coalesce("a28", FALSE) AS BOOLEAN) AS "h103",
    CAST(coalesce("a29", FALSE) AS BOOLEAN) AS "h105",
    CAST(coalesce("a30", FALSE) AS BOOLEAN) AS "h107",
    CAST(coalesce("a31", FALSE) AS BOOLEAN) AS "h109"
  FROM step67
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_satisfaction", "v2_satisfaction_rank", "v3_smile", "v4_ratings", "v5_satisfied_ratings", "v6_knowledge", "v7_first_contact", "v8_response_on_time", "v9_skill_a_plus", "v10_adopted_proposals", "v11_nps", "v12_praise", "v13_attitude_standards", "v14_skill_standards", "v15_meets_standards", "v16_quant_score", "v17_improvement", "v18_star_streak", "v19_innovation_streak", "v20_progress_streak", "v21_satisfaction_streak", "v22_committee_votes", "v23_committee_yes", "v24_committee_approved", "red", "green", "net", "stars", "a25", "a26", "a27", "a28", "a29", "a30", "a31", "reward", "h58", "h60", "h62", "h64", "h66", "h103", "h105", "h107", "h109", "fired37", "agg36", "fired39", "agg38", "rank41", "places42", "r43_department", "ranked40", "cand71", "place72", "cands73", "key74", "cand75", "place76", "cands77", "key78", "cand79", "place80", "cands81", "r33_role", "key82", "cand83", "place84", "cands85", "key86", "cand87", "place88", "cands89", "key90", "cand91", "place92", "cands93", "key94", "cand95", "place96", "cands97", "key98", "line99", "line100", "line101", "line102"
FROM step68
ORDER BY period_end, employee_id;
