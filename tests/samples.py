"""Policy texts shared by several test modules."""

# The whole example of docs/language.md section 1, verbatim.
LANGUAGE_EXAMPLE = """\
# Weekly service star for the service desk (3+1 scheme)
policy "客服台周服务之星" version 2
effective 2026-01-01
timezone "Asia/Shanghai"
applies to role = "service_desk" and tenure >= 1

each week ending sunday {
  let warnings   = count(verbal_warning)
  let deductions = count(point_deduction)

  # daily patrol record: 3 red stars for a clean week
  red 3   when deductions = 0 and warnings = 0
  red 2   when deductions = 0 and warnings = 1
  red 1.5 when deductions = 0 and warnings = 2
  green 1 when deductions > 0

  # member recruitment: each channel ranked on its own, inverted pyramid
  red pyramid(count(member_signup where channel = "free_with_purchase"))
  red pyramid(count(member_signup where channel = "paid"))

  # bonus red stars
  red pyramid(count(suggestion))
  red 1 per praise_letter, at most 3

  award "周服务之星" to top 1 by net within department
}

each month {
  let exam = max(exam.value) default 0

  score service starts at 100 {
    minus 5  per complaint where level = 1
    minus 10 per complaint where level >= 2, at most 30
    plus  2  per praise_letter, at most 10
    plus  5  when exam >= 90
    never below 0
    never above 100
  }

  veto "有责投诉" when count(complaint where responsible) > 0

  stars {
    5 when service >= 95
    4 when service >= 85
    3 when service >= 75
    2 when service >= 60
    1 otherwise
  }

  award "月度服务明星" when wins("周服务之星") >= 3 with reward 100
  award "优先晋升" when stars = 5 for 3 consecutive months
  reward by stars { 5: 500, 4: 300, 3: 200, 2: 100, 1: 50 }
}
"""
