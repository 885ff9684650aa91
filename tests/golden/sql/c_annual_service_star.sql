-- 年度优秀服务之星评选 (version 1), period 2026
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r44_department": roster attribute "department"
--   "r33_employment_type": roster attribute "employment_type"
--   "r34_role": roster attribute "role"
--   "e74_committee_vote_approve": "approve" of event type "committee_vote"
--   "e36_complaint_level": "level" of event type "complaint"
--   "e51_satisfaction_rating_rating": "rating" of event type "satisfaction_rating"
--   "e54_service_kpi_metric": "metric" of event type "service_kpi"
--   "e57_skill_assessment_grade": "grade" of event type "skill_assessment"
--   "e59_suggestion_adopted": "adopted" of event type "suggestion"
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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,18)) AS "tenure", r."r44_department", r."r33_employment_type", r."r34_role"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE ((coalesce((r."r33_employment_type") = ('regular'), FALSE) AND coalesce((round((((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END)), 6)) >= (round(CAST('6' AS DECIMAL(38,18)), 6)), FALSE)) AND (coalesce((r."r34_role") = ('service_desk'), FALSE) OR coalesce((r."r34_role") = ('customer_support'), FALSE) OR coalesce((r."r34_role") = ('tech_support'), FALSE) OR coalesce((r."r34_role") = ('sales_advisor'), FALSE)))
),
-- the days of the instances, which their events are joined on
inst_days AS (
  SELECT seq, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM inst
),
-- one pass over the instances' events
events_agg AS (
  SELECT d.seq, e.employee_id,
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'survey')) AS "agg35",
    count(*) FILTER (WHERE e.type = 'discipline_notice') AS "agg39",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'mystery_shopper')) AS "agg49",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating') AS "agg50",
    count(*) FILTER (WHERE e.type = 'satisfaction_rating' AND (coalesce((e."e51_satisfaction_rating_rating") = ('very_satisfied'), FALSE) OR coalesce((e."e51_satisfaction_rating_rating") = ('satisfied'), FALSE))) AS "agg52",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam'), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'exam')) AS "agg53",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e54_service_kpi_metric") = ('first_contact_resolution'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e54_service_kpi_metric") = ('first_contact_resolution'), FALSE))) AS "agg55",
    min(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e54_service_kpi_metric") = ('response_on_time'), FALSE)) AS "agg56",
    count(*) FILTER (WHERE e.type = 'skill_assessment' AND coalesce((e."e57_skill_assessment_grade") = ('A+'), FALSE)) AS "agg58",
    count(*) FILTER (WHERE e.type = 'suggestion' AND coalesce(e."e59_suggestion_adopted", FALSE)) AS "agg60",
    sr_div(sum(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e54_service_kpi_metric") = ('nps'), FALSE)), count(CAST(e.value AS DECIMAL(38,18))) FILTER (WHERE e.type = 'service_kpi' AND coalesce((e."e54_service_kpi_metric") = ('nps'), FALSE))) AS "agg61",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg62",
    count(*) FILTER (WHERE e.type = 'committee_vote') AS "agg73",
    count(*) FILTER (WHERE e.type = 'committee_vote' AND coalesce(e."e74_committee_vote_approve", FALSE)) AS "agg75"
  FROM inst_days d JOIN sr_events e ON e.local_date = d.local_date
  WHERE e.type IN ('committee_vote', 'discipline_notice', 'exam', 'mystery_shopper', 'praise_letter', 'satisfaction_rating', 'service_kpi', 'skill_assessment', 'suggestion', 'survey')
  GROUP BY d.seq, e.employee_id
),
-- the days of the instances' rolling windows, which their events are joined on, with the first day of each window
window_days AS (
  SELECT seq, from_12_months,
    CAST(unnest(generate_series(from_12_months, period_end, INTERVAL 1 DAY)) AS DATE) AS local_date
  FROM (
    SELECT seq, period_end,
      CAST(date_trunc('month', period_end) - INTERVAL 11 MONTH AS DATE) AS from_12_months
    FROM inst)
),
-- one pass over the events of the instances' rolling windows
window_agg AS (
  SELECT d.seq, e.employee_id,
    count(*) FILTER (WHERE e.local_date >= d.from_12_months AND (e.type = 'complaint' AND coalesce((e."e36_complaint_level") = (round(CAST('3' AS DECIMAL(38,18)), 6)), FALSE))) AS "agg37"
  FROM window_days d JOIN (SELECT * FROM sr_events UNION ALL SELECT * FROM sr_events_held) e ON e.local_date = d.local_date
  WHERE e.type IN ('complaint')
  GROUP BY d.seq, e.employee_id
),
-- how many of the 2 instances before held
st104 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h104") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st106 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h106") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st108 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h108") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- how many of the 2 instances before held
st110 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h110") AS streak
  FROM inst i JOIN "sr_history_year" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    ea."agg35" AS "agg35",
    CAST(coalesce(ea."agg39", 0) AS DECIMAL(38,18)) AS "agg39",
    ea."agg49" AS "agg49",
    CAST(coalesce(ea."agg50", 0) AS DECIMAL(38,18)) AS "agg50",
    CAST(coalesce(ea."agg52", 0) AS DECIMAL(38,18)) AS "agg52",
    ea."agg53" AS "agg53",
    ea."agg55" AS "agg55",
    ea."agg56" AS "agg56",
    CAST(coalesce(ea."agg58", 0) AS DECIMAL(38,18)) AS "agg58",
    CAST(coalesce(ea."agg60", 0) AS DECIMAL(38,18)) AS "agg60",
    ea."agg61" AS "agg61",
    CAST(coalesce(ea."agg62", 0) AS DECIMAL(38,18)) AS "agg62",
    CAST(coalesce(ea."agg73", 0) AS DECIMAL(38,18)) AS "agg73",
    CAST(coalesce(ea."agg75", 0) AS DECIMAL(38,18)) AS "agg75",
    CAST(coalesce(wa."agg37", 0) AS DECIMAL(38,18)) AS "agg37",
    prev."h63" AS "prev64",
    prev."h65" AS "prev66",
    prev."h67" AS "prev68",
    prev."h69" AS "prev70",
    prev."h71" AS "prev72",
    st104.streak AS "streak105",
    st106.streak AS "streak107",
    st108.streak AS "streak109",
    st110.streak AS "streak111"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN window_agg wa ON wa.seq = p.seq AND wa.employee_id = p.employee_id
  LEFT JOIN "sr_history_year" prev ON prev.seq = p.seq - 1 AND prev.employee_id = p.employee_id
  LEFT JOIN st104 ON st104.seq = p.seq AND st104.employee_id = p.employee_id
  LEFT JOIN st106 ON st106.seq = p.seq AND st106.employee_id = p.employee_id
  LEFT JOIN st108 ON st108.seq = p.seq AND st108.employee_id = p.employee_id
  LEFT JOIN st110 ON st110.seq = p.seq AND st110.employee_id = p.employee_id
),
-- value "satisfaction"
step1 AS (
  SELECT *,
    CAST(sr_mul("agg35", CAST('20' AS DECIMAL(38,18))) AS DECIMAL(38,18)) AS "v1_satisfaction"
  FROM base
),
-- veto "重大服务投诉", line 40
step2 AS (
  SELECT *,
    coalesce((round("agg37", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired38"
  FROM step1
),
-- veto "违规违纪", line 42
step3 AS (
  SELECT *,
    coalesce((round("agg39", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "fired40"
  FROM step2
),
-- vetoes
step4 AS (
  SELECT *,
    ("fired38" OR "fired40") AS "vetoed",
    list_filter([CASE WHEN "fired38" THEN '重大服务投诉' END, CASE WHEN "fired40" THEN '违规违纪' END], lambda item: item IS NOT NULL) AS "veto_reasons"
  FROM step3
),
-- rank: the value
step5 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "ranked41"
  FROM step4
),
-- rank: the place
step6 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" OR "ranked41" IS NULL THEN NULL ELSE rank() OVER (PARTITION BY seq, "r44_department", "vetoed", "ranked41" IS NULL ORDER BY "ranked41" DESC) END AS DECIMAL(38,18)) AS "rank42"
  FROM step5
),
-- rank: how many places
step7 AS (
  SELECT *,
    CAST(count(CASE WHEN NOT "vetoed" AND "ranked41" IS NOT NULL THEN 1 END) OVER (PARTITION BY seq, "r44_department") AS BIGINT) AS "places43"
  FROM step6
),
-- value "satisfaction_rank"
step8 AS (
  SELECT *,
    CAST("rank42" AS DECIMAL(38,18)) AS "v2_satisfaction_rank"
  FROM step7
),
-- top_share: each employee's value
step9 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "grouped45"
  FROM step8
),
-- top_share: how many count
step10 AS (
  SELECT *,
    count(*) FILTER (WHERE NOT "vetoed") OVER (PARTITION BY seq, "r44_department") AS "members46",
    CASE WHEN "vetoed" OR "grouped45" IS NULL THEN NULL ELSE count(*) OVER (PARTITION BY seq, "r44_department", "vetoed" ORDER BY "grouped45" DESC NULLS LAST RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "counted47"
  FROM step9
),
-- top_share
step11 AS (
  SELECT *,
    sr_div("counted47", "members46") AS "grp48"
  FROM step10
),
-- value "satisfaction_share"
step12 AS (
  SELECT *,
    CAST("grp48" AS DECIMAL(38,18)) AS "v3_satisfaction_share"
  FROM step11
),
-- value "eligible"
step13 AS (
  SELECT *,
    coalesce((round("v3_satisfaction_share", 6)) <= (round(CAST('0.3' AS DECIMAL(38,18)), 6)), FALSE) AS "v4_eligible"
  FROM step12
),
-- value "smile"
step14 AS (
  SELECT *,
    CAST("agg49" AS DECIMAL(38,18)) AS "v5_smile"
  FROM step13
),
-- value "ratings"
step15 AS (
  SELECT *,
    CAST("agg50" AS DECIMAL(38,18)) AS "v6_ratings"
  FROM step14
),
-- value "satisfied_ratings"
step16 AS (
  SELECT *,
    CAST("agg52" AS DECIMAL(38,18)) AS "v7_satisfied_ratings"
  FROM step15
),
-- value "knowledge"
step17 AS (
  SELECT *,
    CAST("agg53" AS DECIMAL(38,18)) AS "v8_knowledge"
  FROM step16
),
-- value "first_contact"
step18 AS (
  SELECT *,
    CAST("agg55" AS DECIMAL(38,18)) AS "v9_first_contact"
  FROM step17
),
-- value "response_on_time"
step19 AS (
  SELECT *,
    CAST("agg56" AS DECIMAL(38,18)) AS "v10_response_on_time"
  FROM step18
),
-- value "skill_a_plus"
step20 AS (
  SELECT *,
    coalesce((round("agg58", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AS "v11_skill_a_plus"
  FROM step19
),
-- value "adopted_proposals"
step21 AS (
  SELECT *,
    CAST("agg60" AS DECIMAL(38,18)) AS "v12_adopted_proposals"
  FROM step20
),
-- value "nps"
step22 AS (
  SELECT *,
    CAST("agg61" AS DECIMAL(38,18)) AS "v13_nps"
  FROM step21
),
-- value "praise"
step23 AS (
  SELECT *,
    CAST("agg62" AS DECIMAL(38,18)) AS "v14_praise"
  FROM step22
),
-- value "attitude_standards"
step24 AS (
  SELECT *,
    ((coalesce((round("v5_smile", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v6_ratings", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce((round("v7_satisfied_ratings", 6)) >= (round(sr_mul(CAST('0.95' AS DECIMAL(38,18)), "v6_ratings"), 6)), FALSE)) AS "v15_attitude_standards"
  FROM step23
),
-- value "skill_standards"
step25 AS (
  SELECT *,
    (((coalesce((round("v8_knowledge", 6)) >= (round(CAST('90' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v9_first_contact", 6)) >= (round(CAST('0.85' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce((round("v10_response_on_time", 6)) >= (round(CAST('1' AS DECIMAL(38,18)), 6)), FALSE)) AND coalesce("v11_skill_a_plus", FALSE)) AS "v16_skill_standards"
  FROM step24
),
-- value "meets_standards"
step26 AS (
  SELECT *,
    (coalesce("v15_attitude_standards", FALSE) AND coalesce("v16_skill_standards", FALSE)) AS "v17_meets_standards"
  FROM step25
),
-- value "quant_score"
step27 AS (
  SELECT *,
    CAST(CAST((CAST((CAST((sr_mul(CAST('0.3' AS DECIMAL(38,18)), "v1_satisfaction")) + (sr_mul(sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v9_first_contact"), CAST('100' AS DECIMAL(38,18)))) AS DECIMAL(38,18))) + (sr_mul(CAST('0.25' AS DECIMAL(38,18)), "v8_knowledge")) AS DECIMAL(38,18))) + (sr_mul(CAST('0.2' AS DECIMAL(38,18)), "v5_smile")) AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v18_quant_score"
  FROM step26
),
-- value "improvement"
step28 AS (
  SELECT *,
    CAST(CAST(("v18_quant_score") - ("prev64") AS DECIMAL(38,18)) AS DECIMAL(38,18)) AS "v19_improvement"
  FROM step27
),
-- value "star_streak"
step29 AS (
  SELECT *,
    coalesce("prev66", FALSE) AS "v20_star_streak"
  FROM step28
),
-- value "innovation_streak"
step30 AS (
  SELECT *,
    coalesce("prev68", FALSE) AS "v21_innovation_streak"
  FROM step29
),
-- value "progress_streak"
step31 AS (
  SELECT *,
    coalesce("prev70", FALSE) AS "v22_progress_streak"
  FROM step30
),
-- value "satisfaction_streak"
step32 AS (
  SELECT *,
    coalesce("prev72", FALSE) AS "v23_satisfaction_streak"
  FROM step31
),
-- value "committee_votes"
step33 AS (
  SELECT *,
    CAST("agg73" AS DECIMAL(38,18)) AS "v24_committee_votes"
  FROM step32
),
-- value "committee_yes"
step34 AS (
  SELECT *,
    CAST("agg75" AS DECIMAL(38,18)) AS "v25_committee_yes"
  FROM step33
),
-- value "committee_approved"
step35 AS (
  SELECT *,
    (coalesce((round("v24_committee_votes", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE) AND coalesce((round("v25_committee_yes", 6)) >= (round(sr_mul(sr_div(CAST('2' AS DECIMAL(38,18)), CAST('3' AS DECIMAL(38,18))), "v24_committee_votes"), 6)), FALSE)) AS "v26_committee_approved"
  FROM step34
),
-- red
step36 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "red"
  FROM step35
),
-- green
step37 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,18)) AS "green"
  FROM step36
),
-- net
step38 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,18)) AS "net"
  FROM step37
),
-- candidates for award "初评入围"
step39 AS (
  SELECT *,
    (((NOT "vetoed") AND coalesce("v4_eligible", FALSE)) AND ("v18_quant_score") IS NOT NULL) AS "cand76"
  FROM step38
),
-- places for award "初评入围"
step40 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand76" ORDER BY round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place77",
    count(*) OVER (PARTITION BY seq, "cand76") AS "cands78"
  FROM step39
),
-- award "初评入围"
step41 AS (
  SELECT *,
    coalesce("cand76" AND "place77" <= ceil(sr_mul(CAST('0.5' AS DECIMAL(38,18)), "cands78")), FALSE) AS "a27"
  FROM step40
),
-- first key of award "初评入围"
step42 AS (
  SELECT *,
    CAST(round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key79"
  FROM step41
),
-- candidates for award "岗位组优胜"
step43 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a27", FALSE) AND coalesce("v17_meets_standards", FALSE)) AND (NOT coalesce("v20_star_streak", FALSE)))) AND ("v18_quant_score") IS NOT NULL) AS "cand80"
  FROM step42
),
-- places for award "岗位组优胜"
step44 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "r34_role", "cand80" ORDER BY round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place81",
    count(*) OVER (PARTITION BY seq, "r34_role", "cand80") AS "cands82"
  FROM step43
),
-- award "岗位组优胜"
step45 AS (
  SELECT *,
    coalesce("cand80" AND "place81" <= 2, FALSE) AS "a28"
  FROM step44
),
-- first key of award "岗位组优胜"
step46 AS (
  SELECT *,
    CAST(round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key83"
  FROM step45
),
-- candidates for award "年度服务之星"
step47 AS (
  SELECT *,
    (((NOT "vetoed") AND (coalesce("a28", FALSE) AND coalesce("v26_committee_approved", FALSE))) AND ("v18_quant_score") IS NOT NULL) AS "cand84"
  FROM step46
),
-- places for award "年度服务之星"
step48 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand84" ORDER BY round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v14_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place85",
    count(*) OVER (PARTITION BY seq, "cand84") AS "cands86"
  FROM step47
),
-- award "年度服务之星"
step49 AS (
  SELECT *,
    coalesce("cand84" AND "place85" <= 5, FALSE) AS "a29"
  FROM step48
),
-- first key of award "年度服务之星"
step50 AS (
  SELECT *,
    CAST(round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key87"
  FROM step49
),
-- candidates for award "创新服务奖"
step51 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a27", FALSE) AND coalesce((round("v12_adopted_proposals", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v21_innovation_streak", FALSE)))) AND ("v12_adopted_proposals") IS NOT NULL) AS "cand88"
  FROM step50
),
-- places for award "创新服务奖"
step52 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand88" ORDER BY round(CAST("v12_adopted_proposals" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v18_quant_score" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place89",
    count(*) OVER (PARTITION BY seq, "cand88") AS "cands90"
  FROM step51
),
-- award "创新服务奖"
step53 AS (
  SELECT *,
    coalesce("cand88" AND "place89" <= 10, FALSE) AS "a30"
  FROM step52
),
-- first key of award "创新服务奖"
step54 AS (
  SELECT *,
    CAST(round(CAST("v12_adopted_proposals" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key91"
  FROM step53
),
-- candidates for award "服务进步奖"
step55 AS (
  SELECT *,
    (((NOT "vetoed") AND ((coalesce("a27", FALSE) AND coalesce((round("v19_improvement", 6)) > (round(CAST('0' AS DECIMAL(38,18)), 6)), FALSE)) AND (NOT coalesce("v22_progress_streak", FALSE)))) AND ("v19_improvement") IS NOT NULL) AS "cand92"
  FROM step54
),
-- places for award "服务进步奖"
step56 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand92" ORDER BY round(CAST("v19_improvement" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place93",
    count(*) OVER (PARTITION BY seq, "cand92") AS "cands94"
  FROM step55
),
-- award "服务进步奖"
step57 AS (
  SELECT *,
    coalesce("cand92" AND "place93" <= 10, FALSE) AS "a31"
  FROM step56
),
-- first key of award "服务进步奖"
step58 AS (
  SELECT *,
    CAST(round(CAST("v19_improvement" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key95"
  FROM step57
),
-- candidates for award "最佳客户满意度奖"
step59 AS (
  SELECT *,
    (((NOT "vetoed") AND (coalesce("a27", FALSE) AND (NOT coalesce("v23_satisfaction_streak", FALSE)))) AND ("v1_satisfaction") IS NOT NULL) AS "cand96"
  FROM step58
),
-- places for award "最佳客户满意度奖"
step60 AS (
  SELECT *,
    rank() OVER (PARTITION BY seq, "cand96" ORDER BY round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST(coalesce("v13_nps", (- CAST('100' AS DECIMAL(38,18)))) AS DECIMAL(38,18)), 6) DESC NULLS LAST, round(CAST("v14_praise" AS DECIMAL(38,18)), 6) DESC NULLS LAST) AS "place97",
    count(*) OVER (PARTITION BY seq, "cand96") AS "cands98"
  FROM step59
),
-- award "最佳客户满意度奖"
step61 AS (
  SELECT *,
    coalesce("cand96" AND "place97" <= 10, FALSE) AS "a32"
  FROM step60
),
-- first key of award "最佳客户满意度奖"
step62 AS (
  SELECT *,
    CAST(round(CAST("v1_satisfaction" AS DECIMAL(38,18)), 6) AS DECIMAL(38,18)) AS "key99"
  FROM step61
),
-- reward, line 119
step63 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a29" THEN CAST('10000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line100"
  FROM step62
),
-- reward, line 121
step64 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a30" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line101"
  FROM step63
),
-- reward, line 123
step65 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a31" THEN CAST('3000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line102"
  FROM step64
),
-- reward, line 126
step66 AS (
  SELECT *,
    coalesce(CAST(CASE WHEN "a32" THEN CAST('5000' AS DECIMAL(38,18)) ELSE 0 END AS DECIMAL(38,18)), 0) AS "line103"
  FROM step65
),
-- reward
step67 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,18)) ELSE CAST("line100" + "line101" + "line102" + "line103" AS DECIMAL(38,18)) END AS "reward"
  FROM step66
),
-- stars (none)
step68 AS (
  SELECT *,
    CAST(NULL AS INTEGER) AS "stars",
    CAST(NULL AS INTEGER) AS "stars_line"
  FROM step67
),
-- values kept for later instances (previous, consecutive)
step69 AS (
  SELECT *,
    CAST("v18_quant_score" AS DECIMAL(38,18)) AS "h63",
    CAST((coalesce("a29", FALSE) AND coalesce("streak105", 0) = 2) AS BOOLEAN) AS "h65",
    CAST((coalesce("a30", FALSE) AND coalesce("streak107", 0) = 2) AS BOOLEAN) AS "h67",
    CAST((coalesce("a31", FALSE) AND coalesce("streak109", 0) = 2) AS BOOLEAN) AS "h69",
    CAST((coalesce("a32", FALSE) AND coalesce("streak111", 0) = 2) AS BOOLEAN) AS "h71",
    CAST(coalesce("a29", FALSE) AS BOOLEAN) AS "h104",
    CAST(coalesce("a30", FALSE) AS BOOLEAN) AS "h106",
    CAST(coalesce("a31", FALSE) AS BOOLEAN) AS "h108",
    CAST(coalesce("a32", FALSE) AS BOOLEAN) AS "h110"
  FROM step68
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_satisfaction", "v2_satisfaction_rank", "v3_satisfaction_share", "v4_eligible", "v5_smile", "v6_ratings", "v7_satisfied_ratings", "v8_knowledge", "v9_first_contact", "v10_response_on_time", "v11_skill_a_plus", "v12_adopted_proposals", "v13_nps", "v14_praise", "v15_attitude_standards", "v16_skill_standards", "v17_meets_standards", "v18_quant_score", "v19_improvement", "v20_star_streak", "v21_innovation_streak", "v22_progress_streak", "v23_satisfaction_streak", "v24_committee_votes", "v25_committee_yes", "v26_committee_approved", "red", "green", "net", "stars", "a27", "a28", "a29", "a30", "a31", "a32", "reward", "h63", "h65", "h67", "h69", "h71", "h104", "h106", "h108", "h110", "fired38", "agg37", "fired40", "agg39", "rank42", "places43", "r44_department", "ranked41", "counted47", "members46", "grouped45", "cand76", "place77", "cands78", "key79", "cand80", "place81", "cands82", "r34_role", "key83", "cand84", "place85", "cands86", "key87", "cand88", "place89", "cands90", "key91", "cand92", "place93", "cands94", "key95", "cand96", "place97", "cands98", "key99", "line100", "line101", "line102", "line103"
FROM step69
ORDER BY period_end, employee_id;
