-- 星级服务月度评定 (version 1), period 2026-10
-- Input tables prepared by the engine for each run:
--   sr_instances(kind, seq, label, period_start, period_end, shown)
--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)
--   sr_events(event_id, content_sha256, employee_id, type, local_date, value, attributes...)
-- with these attribute columns:
--   "r8_service_certified": roster attribute "service_certified"
--   "e9_commendation_kind": "kind" of event type "commendation"
--   "e23_complaint_responsible": "responsible" of event type "complaint"
--   "e12_service_issue_kind": "kind" of event type "service_issue"
-- Each block's query runs for the instances with seq in [$seq_lo, $seq_hi], shortest block first; its rows become sr_results_KIND.

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
    CAST(((year(i.period_end) - year(r.hire_date)) * 12 + (month(i.period_end) - month(r.hire_date)) - CASE WHEN day(r.hire_date) > day(i.period_end) AND i.period_end < last_day(i.period_end) THEN 1 ELSE 0 END) AS DECIMAL(38,10)) AS "tenure", r."r8_service_certified"
  FROM inst i JOIN sr_roster r
    ON r.hire_date <= i.period_end
   AND (r.leave_date IS NULL OR r.leave_date >= i.period_start)
  WHERE coalesce(r."r8_service_certified", FALSE)
),
-- one pass over the instances' events
events_agg AS (
  SELECT i.seq, e.employee_id,
    count(*) FILTER (WHERE e.type = 'commendation' AND coalesce((e."e9_commendation_kind") = ('courtesy'), FALSE)) AS "agg10",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e12_service_issue_kind") = ('attitude'), FALSE)) AS "agg13",
    count(*) FILTER (WHERE e.type = 'task_overdue') AS "agg15",
    count(*) FILTER (WHERE e.type = 'service_issue' AND coalesce((e."e12_service_issue_kind") = ('error'), FALSE)) AS "agg16",
    CAST(avg(CAST(e.value AS DECIMAL(38,10))) FILTER (WHERE e.type = 'survey') AS DECIMAL(38,10)) AS "agg20",
    count(*) FILTER (WHERE e.type = 'praise_letter') AS "agg21",
    count(*) FILTER (WHERE e.type = 'complaint' AND coalesce(e."e23_complaint_responsible", FALSE)) AS "agg24",
    CAST(avg(CAST(e.value AS DECIMAL(38,10))) FILTER (WHERE e.type = 'self_assessment') AS DECIMAL(38,10)) AS "agg26"
  FROM inst i JOIN sr_events e
    ON e.local_date BETWEEN i.period_start AND i.period_end
  WHERE e.type IN ('commendation', 'complaint', 'praise_letter', 'self_assessment', 'service_issue', 'survey', 'task_overdue')
  GROUP BY i.seq, e.employee_id
),
-- how many of the 2 instances before held
st28 AS (
  SELECT i.seq, h.employee_id, count(*) FILTER (WHERE h."h28") AS streak
  FROM inst i JOIN "sr_history_month" h
    ON h.seq BETWEEN i.seq - 2 AND i.seq - 1
  GROUP BY i.seq, h.employee_id
),
-- each rated employee with the aggregates and the values kept before
base AS (
  SELECT p.*,
    CAST(coalesce(ea."agg10", 0) AS DECIMAL(38,10)) AS "agg10",
    CAST(coalesce(ea."agg13", 0) AS DECIMAL(38,10)) AS "agg13",
    CAST(coalesce(ea."agg15", 0) AS DECIMAL(38,10)) AS "agg15",
    CAST(coalesce(ea."agg16", 0) AS DECIMAL(38,10)) AS "agg16",
    ea."agg20" AS "agg20",
    CAST(coalesce(ea."agg21", 0) AS DECIMAL(38,10)) AS "agg21",
    CAST(coalesce(ea."agg24", 0) AS DECIMAL(38,10)) AS "agg24",
    ea."agg26" AS "agg26",
    st28.streak AS "streak29"
  FROM rated p
  LEFT JOIN events_agg ea ON ea.seq = p.seq AND ea.employee_id = p.employee_id
  LEFT JOIN st28 ON st28.seq = p.seq AND st28.employee_id = p.employee_id
),
-- plus line of "attitude"
step1 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,10)) IS NULL OR (CAST('5' AS DECIMAL(38,10)) * "agg10") IS NULL THEN (CAST('5' AS DECIMAL(38,10)) * "agg10") ELSE least((CAST('5' AS DECIMAL(38,10)) * "agg10"), CAST('20' AS DECIMAL(38,10))) END) AS DECIMAL(38,10)), 0) AS "line11"
  FROM base
),
-- minus line of "attitude"
step2 AS (
  SELECT *,
    coalesce(CAST((CAST('5' AS DECIMAL(38,10)) * "agg13") AS DECIMAL(38,10)), 0) AS "line14"
  FROM step1
),
-- value "attitude"
step3 AS (
  SELECT *,
    CAST(CASE WHEN CASE WHEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") ELSE greatest(((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14"), CAST('0' AS DECIMAL(38,10))) END IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,10)) IS NULL THEN CASE WHEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") ELSE greatest(((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14"), CAST('0' AS DECIMAL(38,10))) END ELSE least(CASE WHEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14") ELSE greatest(((CAST('80' AS DECIMAL(38,10)) + "line11") - "line14"), CAST('0' AS DECIMAL(38,10))) END, CAST('100' AS DECIMAL(38,10))) END AS DECIMAL(38,10)) AS "v1_attitude"
  FROM step2
),
-- plus line of "quality"
step4 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN (coalesce(("agg15") = (CAST('0' AS DECIMAL(38,10))), FALSE) AND coalesce(("agg16") = (CAST('0' AS DECIMAL(38,10))), FALSE)) THEN CAST('20' AS DECIMAL(38,10)) ELSE 0 END) AS DECIMAL(38,10)), 0) AS "line17"
  FROM step3
),
-- minus line of "quality"
step5 AS (
  SELECT *,
    coalesce(CAST((CAST('5' AS DECIMAL(38,10)) * "agg16") AS DECIMAL(38,10)), 0) AS "line18"
  FROM step4
),
-- minus line of "quality"
step6 AS (
  SELECT *,
    coalesce(CAST((CAST('3' AS DECIMAL(38,10)) * "agg15") AS DECIMAL(38,10)), 0) AS "line19"
  FROM step5
),
-- value "quality"
step7 AS (
  SELECT *,
    CAST(CASE WHEN CASE WHEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") ELSE greatest((((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19"), CAST('0' AS DECIMAL(38,10))) END IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,10)) IS NULL THEN CASE WHEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") ELSE greatest((((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19"), CAST('0' AS DECIMAL(38,10))) END ELSE least(CASE WHEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN (((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19") ELSE greatest((((CAST('80' AS DECIMAL(38,10)) + "line17") - "line18") - "line19"), CAST('0' AS DECIMAL(38,10))) END, CAST('100' AS DECIMAL(38,10))) END AS DECIMAL(38,10)) AS "v2_quality"
  FROM step6
),
-- plus line of "feedback"
step8 AS (
  SELECT *,
    coalesce(CAST((CASE WHEN CAST('20' AS DECIMAL(38,10)) IS NULL OR (CAST('5' AS DECIMAL(38,10)) * "agg21") IS NULL THEN (CAST('5' AS DECIMAL(38,10)) * "agg21") ELSE least((CAST('5' AS DECIMAL(38,10)) * "agg21"), CAST('20' AS DECIMAL(38,10))) END) AS DECIMAL(38,10)), 0) AS "line22"
  FROM step7
),
-- minus line of "feedback"
step9 AS (
  SELECT *,
    coalesce(CAST((CAST('10' AS DECIMAL(38,10)) * "agg24") AS DECIMAL(38,10)), 0) AS "line25"
  FROM step8
),
-- value "feedback"
step10 AS (
  SELECT *,
    CAST(CASE WHEN CASE WHEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") ELSE greatest(((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25"), CAST('0' AS DECIMAL(38,10))) END IS NULL THEN NULL WHEN CAST('100' AS DECIMAL(38,10)) IS NULL THEN CASE WHEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") ELSE greatest(((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25"), CAST('0' AS DECIMAL(38,10))) END ELSE least(CASE WHEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") IS NULL THEN NULL WHEN CAST('0' AS DECIMAL(38,10)) IS NULL THEN ((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25") ELSE greatest(((coalesce(CAST(("agg20") * (CAST('20' AS DECIMAL(38,10))) AS DECIMAL(38,10)), CAST('80' AS DECIMAL(38,10))) + "line22") - "line25"), CAST('0' AS DECIMAL(38,10))) END, CAST('100' AS DECIMAL(38,10))) END AS DECIMAL(38,10)) AS "v3_feedback"
  FROM step9
),
-- value "self_view"
step11 AS (
  SELECT *,
    CAST(coalesce("agg26", CAST('0' AS DECIMAL(38,10))) AS DECIMAL(38,10)) AS "v4_self_view"
  FROM step10
),
-- value "composite"
step12 AS (
  SELECT *,
    CAST(CAST((CAST((CAST((CAST((CAST('0.25' AS DECIMAL(38,10))) * ("v1_attitude") AS DECIMAL(38,10))) + (CAST((CAST('0.25' AS DECIMAL(38,10))) * ("v2_quality") AS DECIMAL(38,10))) AS DECIMAL(38,10))) + (CAST((CAST('0.35' AS DECIMAL(38,10))) * ("v3_feedback") AS DECIMAL(38,10))) AS DECIMAL(38,10))) + (CAST((CAST('0.15' AS DECIMAL(38,10))) * ("v4_self_view") AS DECIMAL(38,10))) AS DECIMAL(38,10)) AS DECIMAL(38,10)) AS "v5_composite"
  FROM step11
),
-- red
step13 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,10)) AS "red"
  FROM step12
),
-- green
step14 AS (
  SELECT *,
    CAST(0 AS DECIMAL(38,10)) AS "green"
  FROM step13
),
-- net
step15 AS (
  SELECT *,
    CAST("red" - "green" AS DECIMAL(38,10)) AS "net"
  FROM step14
),
-- vetoes
step16 AS (
  SELECT *,
    (FALSE) AS "vetoed",
    CAST([] AS VARCHAR[]) AS "veto_reasons"
  FROM step15
),
-- stars
step17 AS (
  SELECT *,
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce(("v5_composite") >= (CAST('95' AS DECIMAL(38,10))), FALSE) THEN 5 WHEN coalesce(("v5_composite") >= (CAST('85' AS DECIMAL(38,10))), FALSE) THEN 4 WHEN coalesce(("v5_composite") >= (CAST('75' AS DECIMAL(38,10))), FALSE) THEN 3 WHEN coalesce(("v5_composite") >= (CAST('60' AS DECIMAL(38,10))), FALSE) THEN 2 ELSE 1 END AS INTEGER) AS "stars",
    CAST(CASE WHEN "vetoed" THEN NULL WHEN coalesce(("v5_composite") >= (CAST('95' AS DECIMAL(38,10))), FALSE) THEN 81 WHEN coalesce(("v5_composite") >= (CAST('85' AS DECIMAL(38,10))), FALSE) THEN 82 WHEN coalesce(("v5_composite") >= (CAST('75' AS DECIMAL(38,10))), FALSE) THEN 83 WHEN coalesce(("v5_composite") >= (CAST('60' AS DECIMAL(38,10))), FALSE) THEN 84 ELSE 85 END AS INTEGER) AS "stars_line"
  FROM step16
),
-- reward line
step18 AS (
  SELECT *,
    coalesce(CAST(CASE "stars" WHEN 5 THEN CAST('500' AS DECIMAL(38,10)) WHEN 4 THEN CAST('300' AS DECIMAL(38,10)) WHEN 3 THEN CAST('200' AS DECIMAL(38,10)) WHEN 2 THEN CAST('100' AS DECIMAL(38,10)) WHEN 1 THEN CAST('50' AS DECIMAL(38,10)) ELSE 0 END AS DECIMAL(38,10)), 0) AS "line27"
  FROM step17
),
-- reward
step19 AS (
  SELECT *,
    CASE WHEN "vetoed" THEN CAST(0 AS DECIMAL(38,10)) ELSE CAST("line27" AS DECIMAL(38,10)) END AS "reward"
  FROM step18
),
-- award "服务之星"
step20 AS (
  SELECT *,
    ((NOT "vetoed") AND coalesce(("stars") = (CAST('5' AS DECIMAL(38,10))), FALSE)) AS "a6"
  FROM step19
),
-- award "优先晋升"
step21 AS (
  SELECT *,
    ((NOT "vetoed") AND (coalesce(("stars") = (CAST('5' AS DECIMAL(38,10))), FALSE) AND coalesce("streak29", 0) = 2)) AS "a7"
  FROM step20
),
-- values kept for later instances (previous, consecutive)
step22 AS (
  SELECT *,
    CAST(coalesce(("stars") = (CAST('5' AS DECIMAL(38,10))), FALSE) AS BOOLEAN) AS "h28"
  FROM step21
)
SELECT seq, label AS period, period_start, period_end, employee_id, "vetoed", "veto_reasons", "v1_attitude", "v2_quality", "v3_feedback", "v4_self_view", "v5_composite", "red", "green", "net", "stars", "a6", "a7", "reward", "h28", "line11", "line14", "line17", "line18", "line19", "line22", "line25", "stars_line", "line27"
FROM step22
ORDER BY period_end, employee_id;
