"""The checker: every static check of docs/language.md section 7 (and every code the checker
emits) reports the right code, severity and line; valid policies give no diagnostics; the
analysis orders each block's values by their dependencies.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from samples import LANGUAGE_EXAMPLE

from starrating.language import ast as A
from starrating.language.catalog import Catalog, load_catalog
from starrating.language.checker import CheckResult, check_policy
from starrating.language.diagnostics import Diagnostic
from starrating.language.parser import parse
from starrating.language.policyfiles import check_files

# ---- helpers ----------------------------------------------------------------------------

H = 'policy "x"\n'


def run(source: str, catalog: Catalog | None = None, file: str | None = None) -> CheckResult:
    parsed = parse(source, file)
    assert parsed.diagnostics == [], [(d.code, d.message) for d in parsed.diagnostics]
    assert parsed.policy is not None
    result = check_policy(parsed.policy, catalog, file)
    for d in result.diagnostics:
        assert d.code and d.message and d.span is not None, d
    return result


def diagnostics(source: str, catalog: Catalog | None = None) -> list[Diagnostic]:
    return run(source, catalog).diagnostics


def found(source: str, catalog: Catalog | None = None) -> list[tuple[str, str, int]]:
    return [(d.code, d.severity, d.span.line) for d in diagnostics(source, catalog)]


def one(source: str, catalog: Catalog | None = None) -> Diagnostic:
    (only,) = diagnostics(source, catalog)
    return only


def clean(source: str, catalog: Catalog | None = None) -> CheckResult:
    result = run(source, catalog)
    assert result.diagnostics == [], [(d.code, d.message) for d in result.diagnostics]
    assert result.ok
    assert result.analysis is not None
    return result


CATALOG = Catalog(
    events={
        "complaint": {"level": "number", "responsible": "boolean", "channel": "text"},
        "praise_letter": {},
        "verbal_warning": {},
        "point_deduction": {},
        "member_signup": {"channel": "text"},
        "suggestion": {},
        "exam": {},
    },
    known_events=True,
)

# The data seen so far as the catalog (no starrating.yaml): unknown names are warnings.
SEEN = dataclasses.replace(CATALOG, inferred=True)

CATALOG_YAML = """\
timezone: Asia/Shanghai
events:
  complaint: {level: integer, responsible: boolean, channel: text}
  praise_letter: {}
  verbal_warning: {}
  point_deduction: {}
  member_signup: {channel: text}
  suggestion:
  exam: {}
roster:
  post: text
"""


# ---- valid policies ---------------------------------------------------------------------

EXAMPLE = LANGUAGE_EXAMPLE

EVERYTHING = """\
policy "全部" version "2026.1"
effective 2026-04-01
timezone "UTC"
applies to department in ["前台", "客服"] and not (role = "intern") and tenure >= 0

each week ending friday {
  let 投诉 = count(complaint where level >= 2 and responsible)
  score quick = 10 - 投诉
  red 2 when 投诉 = 0
  green 1 per complaint where level = 1, at most 2
  stars {
    5 when net >= 3
    4 when net >= 2
    3 when net >= 1
    2 when net >= 0
    1 otherwise
  }
  award "周星" to top 20% by net then by -green within department when net > 0
  reward 10 when awarded("周星")
}

each month {
  let wk = count(weeks where stars >= 4 and quick > 5)
  let `rated by` = sum(weeks.net) + (avg(weeks.reward) default 0) + max(weeks.red) default 0
  score quality = 80 + wk * 5
  veto "x" when wins("周星") > 3 or sum(weeks.net) < -10 or previous(stars) default 0 = 1
  stars {
    5 when quality >= 95 and wins("周星") >= 2
    4 when quality >= 85
    3 when quality >= 70
    2 when quality >= 50
    1 otherwise
  }
  reward 50 when previous(stars) default 0 = 5
  award "月星" to top 3 by `rated by` then by quality
  award "连冠" when awarded("月星") and stars >= 3 for 2 consecutive months
}

each quarter {
  let best = max(months.stars) default 0
  veto "q" when count(complaint where responsible) > 2
  stars {
    4 when best >= 4 for 2 consecutive quarters
    3 when best >= 3
    2 otherwise
  }
  award "季度之星" when stars >= 4 and not (previous(awarded("季度之星")) default false)
    with reward 1000
  reward by stars { 4: 400, 2: 100, }
}

each half {
  let m = wins("月星") + wins("季度之星")
  red rank(m within department) when m > 0
}

each year {
  let q = count(quarters where stars = 4) + sum(halves.net)
  award "年度" when q >= 2 and rank(q) = 1
}
"""


def test_language_example_is_clean_without_a_catalog() -> None:
    clean(EXAMPLE)


def test_language_example_is_clean_with_a_catalog() -> None:
    clean(EXAMPLE, CATALOG)


def test_every_construct_together_is_clean() -> None:
    clean(EVERYTHING)
    clean(EVERYTHING, CATALOG)


def test_an_empty_policy_is_clean() -> None:
    clean(H)
    clean(H + "each month {\n}\n")


def test_file_name_is_attached() -> None:
    (d,) = run(H + "each month {\n  red foo\n}\n", file="p/a.policy").diagnostics
    assert d.file == "p/a.policy"


# ---- one focused test per check ---------------------------------------------------------

ERROR, WARNING = "error", "warning"

# fmt: off
CASES = [
    # (id, source, catalog, [(code, severity, line), ...])
    ("E010 unknown name", H + "each week {\n  red 1 when foo > 1\n}\n", None,
         [("E010", ERROR, 3)]),
    ("E010 in applies to", H + "applies to foo > 1\neach week {\n}\n", None, [("E010", ERROR, 2)]),
    ("E010 sub-period attribute",
         H + "each week {\n  let foo = 1\n}\neach month {\n  let a = sum(weeks.fooo)\n}\n", None,
         [("E010", ERROR, 6)]),
    ("E011 per", H + "each week {\n  red 1 per complain\n}\n", CATALOG, [("E011", ERROR, 3)]),
    ("W011 never ingested", H + "each week {\n  red 1 per complain\n}\n", SEEN,
         [("W011", WARNING, 3)]),
    ("W012 never ingested", H + "each week {\n  let a = count(complaint where levl = 1)\n}\n",
         SEEN, [("W012", WARNING, 3)]),
    ("E011 aggregate", H + "each week {\n  let a = count(complain)\n}\n", CATALOG,
         [("E011", ERROR, 3)]),
    ("E012 where", H + "each week {\n  let a = count(complaint where levl = 1)\n}\n", CATALOG,
         [("E012", ERROR, 3)]),
    ("E012 attribute", H + "each week {\n  let a = sum(complaint.levle)\n}\n", CATALOG,
         [("E012", ERROR, 3)]),
    ("E012 per where", H + "each week {\n  red 1 per complaint where levl = 1\n}\n", CATALOG,
         [("E012", ERROR, 3)]),
    ("E013 aggregate in applies to", H + "applies to count(x) > 1\neach week {\n}\n", None,
         [("E013", ERROR, 2)]),
    ("E013 block value in applies to", H + "applies to stars > 1\neach week {\n}\n", None,
         [("E013", ERROR, 2)]),
    ("E013 consecutive in applies to",
         H + "applies to tenure > 1 for 2 consecutive months\neach month {\n}\n", None,
         [("E013", ERROR, 2)]),
    ("E014 within", H + 'each week {\n  award "a" to top 1 by net within departmnt\n}\n', None,
         [("E014", ERROR, 3)]),
    ("E014 ranking within", H + "each month {\n  let r = rank(count(x) within nope)\n}\n", None,
         [("E014", ERROR, 3)]),
    ("E015 ranking in filter", H + "each week {\n  let a = count(x where pyramid(1) > 0)\n}\n",
         None, [("E015", ERROR, 3)]),
    ("E015 consecutive in filter",
         H + "each month {\n  let a = count(x where v > 1 for 2 consecutive months)\n}\n", None,
         [("E015", ERROR, 3)]),
    ("E016 count with attribute", H + "each week {\n  let a = count(x.level)\n}\n", None,
         [("E016", ERROR, 3)]),
    ("E016 sum without attribute", H + "each week {\n  let a = sum(x)\n}\n", None,
         [("E016", ERROR, 3)]),
    ("E020 text with number", H + "each week {\n  red 1 when department > 3\n}\n", None,
         [("E020", ERROR, 3)]),
    ("E020 ordering texts", H + 'each week {\n  red 1 when department > "a"\n}\n', None,
         [("E020", ERROR, 3)]),
    ("E020 list", H + 'each week {\n  red 1 when department in ["a",\n    1]\n}\n', None,
         [("E020", ERROR, 4)]),
    ("E020 default", H + 'each month {\n  let a = max(x.v) default "none"\n}\n', None,
         [("E020", ERROR, 3)]),
    ("E020 catalog attribute",
         H + 'each month {\n  let c = count(complaint where level = "1")\n}\n', CATALOG,
         [("E020", ERROR, 3)]),
    ("E021 aggregate of text", H + "each week {\n  let a = sum(complaint.channel)\n}\n", CATALOG,
         [("E021", ERROR, 3)]),
    ("E022 boolean arithmetic", H + "each week {\n  let a = (1 > 0) + 1\n}\n", None,
         [("E022", ERROR, 3)]),
    ("E022 condition as amount", H + "each month {\n  let ok = count(x) = 0\n  red ok\n}\n", None,
         [("E022", ERROR, 4)]),
    ("E023 number as condition", H + "each week {\n  red 1 when 3\n}\n", None,
         [("E023", ERROR, 3)]),
    ("E023 non-boolean attribute as filter",
         H + "each month {\n  let a = count(complaint where level)\n}\n", CATALOG,
         [("E023", ERROR, 3)]),
    ("E024 text as amount", H + 'each week {\n  red "a"\n}\n', None, [("E024", ERROR, 3)]),
    ("E024 text as ranking key", H + 'each month {\n  award "a" to top 1 by department\n}\n', None,
         [("E024", ERROR, 3)]),
    ("E030 let twice", H + "each week {\n  let a = 1\n  let a = 2\n}\n", None,
         [("E030", ERROR, 4)]),
    ("E030 score twice",
         H + "each month {\n  score s starts at 1 {\n    plus 1\n  }\n"
         "  score s starts at 1 {\n    plus 1\n  }\n}\n",
         None, [("E030", ERROR, 6)]),
    ("E031 award twice",
         H + 'each week {\n  award "a" when 1 > 0\n}\neach month {\n  award "a" when 1 > 0\n}\n',
         None, [("E031", ERROR, 6)]),
    ("E032 block twice", H + "each week {\n}\neach week ending monday {\n}\n", None,
         [("E032", ERROR, 4)]),
    ("E033 cycle", H + "each week {\n  let a = b\n  let b = a\n}\n", None, [("E033", ERROR, 3)]),
    ("E033 self", H + "each week {\n  let a = a + 1\n}\n", None, [("E033", ERROR, 3)]),
    ("E033 through a score",
         H + "each month {\n  score s starts at 1 {\n    plus 1 when t > 0\n  }\n  let t = s\n}\n",
         None, [("E033", ERROR, 3)]),
    ("E033 tally and stars",
         H + "each week {\n  stars { 5 when red > 3 }\n  red 1 when stars > 3\n}\n", None,
         [("W062", WARNING, 3), ("E033", ERROR, 4)]),
    ("E033 two awards",
         H + 'each month {\n  award "X" when awarded("Y")\n  award "Y" when awarded("X")\n}\n',
         None, [("E033", ERROR, 3)]),
    ("E034 header twice", H + 'timezone "UTC"\ntimezone "UTC"\neach week {\n}\n', None,
         [("E034", ERROR, 3)]),
    ("E035 stars twice", H + "each week {\n  stars { 1 otherwise }\n  stars { 2 otherwise }\n}\n",
         None, [("E035", ERROR, 4)]),
    ("E036 built-in", H + "each week {\n  let net = 1\n}\n", None, [("E036", ERROR, 3)]),
    ("E036 roster attribute", H + "each week {\n  score department = 1\n}\n", None,
         [("E036", ERROR, 3)]),
    ("E036 catalog roster attribute", H + "each week {\n  let tenure = 1\n  let post = 2\n}\n",
         Catalog(roster={"post": "text"}), [("E036", ERROR, 3), ("E036", ERROR, 4)]),
    ("E040 tally", H + 'each week {\n  veto "v" when net > 0\n}\n', None, [("E040", ERROR, 3)]),
    ("E040 stars", H + 'each week {\n  stars { 1 otherwise }\n  veto "v" when stars > 3\n}\n',
         None, [("E040", ERROR, 4)]),
    ("E040 ranking", H + 'each week {\n  veto "v" when rank(count(x)) = 1\n}\n', None,
         [("E040", ERROR, 3)]),
    ("E040 award", H + 'each week {\n  award "a"\n  veto "v" when awarded("a")\n}\n', None,
         [("E040", ERROR, 4)]),
    ("E040 consecutive", H + 'each week {\n  veto "v" when red > 0 for 2 consecutive weeks\n}\n',
         None, [("E040", ERROR, 3)]),
    ("E115 group value", H + 'each week {\n  veto "v" when top_share(count(x)) < 50%\n}\n',
         None, [("E115", ERROR, 3)]),
    ("E050 level too high and too low",
         H + "each week {\n  stars {\n    6 when red > 1\n    0 otherwise\n  }\n}\n", None,
         [("E050", ERROR, 4), ("E050", ERROR, 5)]),
    ("E050 decimal level",
         H + "each week {\n  stars {\n"
         "    1.5 when red > 1\n    1 otherwise\n  }\n}\n", None,
         [("E050", ERROR, 4)]),
    ("W051 never matches",
         H + "each week {\n  stars {\n"
         "    4 when red >= 2\n    5 when red >= 3\n    4 otherwise\n  }\n}\n",
         None, [("W051", WARNING, 5)]),
    ("W051 same condition",
         H + "each week {\n  stars {\n"
         "    5 when red > 1\n    4 when red > 1\n    4 otherwise\n  }\n}\n", None,
         [("W051", WARNING, 5)]),
    ("W051 upper bounds",
         H + "each week {\n  stars {\n"
         "    1 when red < 10\n    2 when red < 5\n    2 otherwise\n  }\n}\n", None,
         [("W051", WARNING, 5)]),
    ("W051 bound written first",
         H + "each week {\n  stars {\n"
         "    5 when 95 <= red\n    4 when 96 <= red\n    4 otherwise\n  }\n}\n", None,
         [("W051", WARNING, 5)]),
    ("W051 after a line that is always true",
         H + "each week {\n  stars {\n    3 when true\n    2 when red > 1\n  }\n}\n", None,
         [("W051", WARNING, 5)]),
    ("W051 narrower by an extra condition",
         H + "each week {\n  stars {\n    5 when red >= 70\n    4 when red >= 80 and green > 1\n"
         "    3 otherwise\n  }\n}\n", None, [("W051", WARNING, 5)]),
    ("W051 an exact value inside an earlier range",
         H + "each week {\n  stars {\n    5 when red > 2 or green > 1\n    4 when red = 3\n"
         "    3 otherwise\n  }\n}\n", None, [("W051", WARNING, 5)]),
    ("W061 levels skip a number",
         H + "each week {\n  stars {\n    5 when red > 2\n    4 when red > 1\n    2 otherwise\n"
         "  }\n}\n", None, [("W061", WARNING, 6)]),
    ("W062 no otherwise", H + "each week {\n  stars {\n    5 when red > 2\n  }\n}\n", None,
         [("W062", WARNING, 3)]),
    ("W063 reward key no line gives",
         H + "each week {\n  stars {\n    5 when red > 2\n    4 otherwise\n  }\n"
         "  reward by stars { 5: 10, 4: 5, 3: 1 }\n}\n", None, [("W063", WARNING, 7)]),
    ("W063 reward key of a shadowed line",
         H + "each week {\n  stars {\n    4 when red >= 2\n    5 when red >= 3\n    4 otherwise\n"
         "  }\n  reward by stars { 5: 10, 4: 5 }\n}\n", None,
         [("W051", WARNING, 5), ("W063", WARNING, 8)]),
    ("E052 key out of range",
         H + "each week {\n  stars { 1 otherwise }\n"
         "  reward by stars {\n    6: 1,\n    0: 2\n  }\n}\n",
         None, [("E052", ERROR, 5), ("E052", ERROR, 6)]),
    ("E053 key twice",
         H + "each week {\n  stars { 1 otherwise }\n  reward by stars { 1: 1, 1: 2 }\n}\n", None,
         [("E053", ERROR, 4)]),
    ("E054 line after otherwise",
         H + "each week {\n  stars {\n    1 otherwise\n    2 when red > 1\n  }\n}\n", None,
         [("E054", ERROR, 5)]),
    ("E055 reward by stars without stars", H + "each week {\n  reward by stars { 5: 1 }\n}\n",
         None, [("E055", ERROR, 3)]),
    ("E056 stars without stars", H + "each week {\n  red 1 when stars > 3\n}\n", None,
         [("E056", ERROR, 3)]),
    ("E056 sub-period stars",
         H + "each week {\n}\neach month {\n  let a = count(weeks where stars >= 4)\n}\n", None,
         [("E056", ERROR, 5)]),
    ("E060 weeks in a week block", H + "each week {\n  let a = count(weeks)\n}\n", None,
         [("E060", ERROR, 3)]),
    ("E060 weeks without a week block", H + "each month {\n  let a = sum(weeks.net)\n}\n", None,
         [("E060", ERROR, 3)]),
    ("E060 wins with no shorter block", H + 'each week {\n  award "a"\n  let w = wins("a")\n}\n',
         None, [("E060", ERROR, 4)]),
    ("E061 wins of an award of the same block",
         H + 'each week {\n}\neach month {\n  award "a"\n  let w = wins("a")\n}\n', None,
         [("E061", ERROR, 6)]),
    ("E062 wrong consecutive kind",
         H + 'each month {\n  award "a" when red > 1 for 3 consecutive weeks\n}\n', None,
         [("E062", ERROR, 3)]),
    ("E063 zero consecutive",
         H + 'each month {\n  award "a" when red > 1 for 0 consecutive months\n}\n', None,
         [("E063", ERROR, 3)]),
    ("E063 fractional consecutive",
         H + 'each month {\n  award "a" when red > 1 for 1.5 consecutive months\n}\n', None,
         [("E063", ERROR, 3)]),
    ("E064 top N",
         H + 'each month {\n  award "a" to top 0 by red\n  award "b" to top 150% by red\n'
         '  award "c" to top 1.5 by red\n  award "d" to top 0% by red\n}\n',
         None, [("E064", ERROR, 3), ("E064", ERROR, 4), ("E064", ERROR, 5), ("E064", ERROR, 6)]),
    ("E100 match keys mixed", H + 'each month {\n  let q = match role { "a": 1, 2: 3 }\n}\n',
         None, [("E100", ERROR, 3)]),
    ("E101 match key twice", H + "each month {\n  let q = match red { 1: 1, 1.0: 2 }\n}\n",
         None, [("E101", ERROR, 3)]),
    ("E102 match keys of another kind", H + "each month {\n  let q = match role { 1: 1 }\n}\n",
         None, [("E102", ERROR, 3)]),
    ("E103 match values of two kinds",
         H + 'each month {\n  let q = match red { 1: 1, otherwise: "x" }\n}\n', None,
         [("E103", ERROR, 3)]),
    ("E104 quota reads a score",
         H + 'each month {\n  award "a" to top red by net within role\n}\n', None,
         [("E104", ERROR, 3)]),
    ("E104 quota without within",
         H + 'each month {\n  award "a" to top match role { "x": 1 } by net\n}\n', None,
         [("E104", ERROR, 3)]),
    ("E105 percentage inside a quota",
         H + 'each month {\n  award "a" to top match role { "x": 5% } by net within role\n}\n',
         None, [("E105", ERROR, 3)]),
    ("E070 award on itself", H + 'each month {\n  award "X" when awarded("X")\n}\n', None,
         [("E070", ERROR, 3)]),
    ("E070 award reward on itself",
         H + 'each month {\n  award "X" when red > 1 with reward (1 default 0) * count(x)\n'
         '  award "Y" to top 1 by net when awarded("Y") or red > 2\n}\n',
         None, [("E070", ERROR, 4)]),
    ("E071 unknown award", H + 'each month {\n  award "X" when awarded("Y")\n}\n', None,
         [("E071", ERROR, 3)]),
    ("E071 unknown wins", H + 'each week {\n}\neach month {\n  let a = wins("nope")\n}\n', None,
         [("E071", ERROR, 5)]),
    ("E072 awarded of another block",
         H + 'each week {\n  award "X"\n}\neach month {\n  award "Y" when awarded("X")\n}\n', None,
         [("E072", ERROR, 6)]),
    ("E080 time zone", H + 'timezone "Asia/Shangai"\neach week {\n}\n', None,
         [("E080", ERROR, 2)]),
    ("E080 path as time zone", H + 'timezone "../../etc/passwd"\neach week {\n}\n', None,
         [("E080", ERROR, 2)]),
    ("E081 weekday", H + "each week ending funday {\n}\n", None, [("E081", ERROR, 2)]),
    ("E082 date", H + "effective 2026-02-30\neach week {\n}\n", None, [("E082", ERROR, 2)]),
]
# Rolling windows (docs/language.md 5.6.1): every check, and what is accepted.
WINDOW_CASES = [
    ("E110 window of 0", H + "each month {\n  let a = count(x over last 0 days)\n}\n", None,
         [("E110", ERROR, 3)]),
    ("E110 window of 1.5", H + "each month {\n  let a = count(x over last 1.5 months)\n}\n",
         None, [("E110", ERROR, 3)]),
    ("E110 negative window", H + "each month {\n  let a = count(x over last -1 weeks)\n}\n",
         None, [("E110", ERROR, 3)]),
    ("E110 percentage window", H + "each month {\n  let a = count(x over last 50% years)\n}\n",
         None, [("E110", ERROR, 3)]),
    ("E110 window of a name",
         H + "each month {\n  let n = 3\n  let a = count(x over last n months)\n}\n", None,
         [("E110", ERROR, 4)]),
    ("E111 unknown unit", H + "each month {\n  let a = count(x over last 3 dyas)\n}\n", None,
         [("E111", ERROR, 3)]),
    ("E111 a period kind's adjective",
         H + "each month {\n  let a = count(x over last 3 monthly)\n}\n", None,
         [("E111", ERROR, 3)]),
    ("E112 singular unit", H + "each month {\n  let a = count(x over last 2 month)\n}\n", None,
         [("E112", ERROR, 3)]),
    ("E112 singular day", H + "each month {\n  let a = sum(x.value over last 7 day)\n}\n", None,
         [("E112", ERROR, 3)]),
    ("E113 window over periods",
         H + "each week {\n}\neach month {\n  let a = count(weeks over last 2 months)\n}\n",
         None, [("E113", ERROR, 5)]),
    ("windows of every unit",
         H + "each week {\n  let a = count(x over last 1 day) + count(x over last 1 week)\n"
         "  let b = count(x over last 1 month) + count(x over last 1 quarter)\n"
         "  let c = count(x over last 1 half) + count(x over last 1 year)\n"
         "  let d = count(x where level = 1 over last 13 days) + sum(x.value over last 2 weeks)\n"
         "  let e = max(x.value over last 12 months) + min(x.value over last 4 quarters)\n"
         "  let f = avg(x.value over last 2 halves) + count(x over last 3 years)\n}\n",
         None, []),
    ("`day` and `days` stay names",
         H + "each month {\n  let days = 1\n  let day = count(x over last 1 day) + days\n}\n",
         None, []),
]
CASES += WINDOW_CASES
# fmt: on


@pytest.mark.parametrize(
    ("source", "catalog", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_check(source: str, catalog: Catalog | None, expected: list[tuple[str, str, int]]) -> None:
    result = run(source, catalog)
    assert [(d.code, d.severity, d.span.line) for d in result.diagnostics] == expected
    if any(severity == ERROR for _, severity, _ in expected):
        assert not result.ok
        assert result.analysis is None
    else:
        assert result.ok
        assert result.analysis is not None


def test_every_checker_code_has_a_case() -> None:
    import re

    checker = Path(__file__).parent.parent / "starrating" / "language" / "checker"
    sources = [checker.with_suffix(".py")] if checker.with_suffix(".py").exists() else []
    sources += sorted(checker.glob("*.py")) if checker.is_dir() else []
    assert sources, "the checker's source files were not found"
    emitted = {
        code for path in sources for code in re.findall(r'"([EW]\d{3})"', path.read_text("utf-8"))
    }
    covered = {code for case in CASES for code, _, _ in case[3]}
    assert emitted - covered == set()


# ---- messages and hints -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "catalog", "message", "help_text"),
    [
        (
            H + "each week {\n  let warnings = 1\n  red 1 when warnigns > 1\n}\n",
            None,
            "unknown name `warnigns`",
            "did you mean `warnings`?",
        ),
        (
            H + "each week {\n  red 1 per complain\n}\n",
            CATALOG,
            "unknown event type `complain`",
            "did you mean `complaint`?",
        ),
        (
            H + "each week {\n  let a = count(complaint where levl = 1)\n}\n",
            CATALOG,
            "the event type `complaint` has no attribute `levl`",
            "did you mean `level`?",
        ),
        (
            H + 'each week {\n  let a = count(complaint where employee_id = "x")\n}\n',
            CATALOG,
            "the event type `complaint` has no attribute `employee_id`",
            "its attributes are: channel, level, responsible, value",
        ),
        (
            H + 'each week {\n  award "a" to top 1 by net within departmnt\n}\n',
            None,
            "`departmnt` is not a roster attribute",
            "did you mean `department`?",
        ),
        (
            H + 'timezone "Asia/Shangai"\neach week {\n}\n',
            None,
            'unknown time zone "Asia/Shangai"',
            'did you mean "Asia/Shanghai"?',
        ),
        (
            H + "each week ending funday {\n}\n",
            None,
            "`funday` is not a weekday",
            "did you mean `sunday`?",
        ),
        (
            H + "effective 2026-02-30\neach week {\n}\n",
            None,
            "`2026-02-30` is not a calendar date",
            "write the date as YYYY-MM-DD, e.g. 2026-01-01",
        ),
        (
            H + "each week {\n  let a = b\n  let b = a\n}\n",
            None,
            "these values depend on each other: `a` → `b` → `a`",
            "break the cycle; a value cannot depend on itself, directly or through others",
        ),
        (
            H + 'each month {\n  award "X" when awarded("X")\n}\n',
            None,
            'award "X" depends on itself',
            "an award cannot be a condition of itself; use previous(awarded(...)) for earlier "
            "periods",
        ),
        (
            H + 'each week {\n  award "a" when 1 > 0\n}\neach month {\n  award "a" when 1 > 0\n}\n',
            None,
            'the award "a" is declared twice',
            "the first one is on line 3; award names must be unique in a policy so that wins() "
            "and awarded() are clear",
        ),
        (
            H + "each week {\n}\neach week ending monday {\n}\n",
            None,
            "there are two `each week` blocks",
            "merge it into the block on line 2",
        ),
        (
            H + "each month {\n  red 1 when department > 3\n}\n",
            None,
            "cannot compare a text with a number",
            'texts are written in double quotes: "3"',
        ),
        (
            H + 'each month {\n  award "a" when red > 1 for 3 consecutive weeks\n}\n',
            None,
            "this is a `month` block: count consecutive months, not weeks",
            "write `for 3 consecutive months`",
        ),
        (
            H + "each month {\n  let a = sum(weeks.net)\n}\n",
            None,
            "`weeks` needs an `each week` block in this policy",
            "add an `each week` block",
        ),
        (
            H + "each week {\n  stars {\n    4 when red >= 2\n    5 when red >= 3\n"
            "    4 otherwise\n  }\n}\n",
            None,
            "this stars line can never match",
            "every employee it would select already matched line 4; put the stricter threshold "
            "first",
        ),
    ],
)
def test_messages_and_did_you_mean(
    source: str, catalog: Catalog | None, message: str, help_text: str
) -> None:
    d = one(source, catalog)
    assert (d.message, d.help) == (message, help_text)


# A roster with a boolean column spelled close to `service_desk`: it must not be offered
# for a value compared with a text.
CERTIFIED = Catalog(roster={"role": "text", "department": "text", "service_certified": "boolean"})


@pytest.mark.parametrize(
    ("source", "catalog", "help_text"),
    [
        (
            H + "each week {\n  red 1 when role = service_desk\n}\n",
            None,
            'did you mean the text "service_desk"?',
        ),
        (H + "each week {\n  red 1 when service_desk != role\n}\n", None, None),
        (
            H + "each week {\n  red 1 when role = service_desk\n}\n",
            CERTIFIED,
            'did you mean the text "service_desk"?',
        ),
        (
            H + 'applies to department in ["前台", 客服部]\neach week {\n}\n',
            None,
            'did you mean the text "客服部"?',
        ),
        (
            H + "each week {\n  red 1 when role = `service desk`\n}\n",
            None,
            'did you mean the text "service desk"?',
        ),
        (
            H + "each week {\n  let a = count(complaint where channel = phone)\n}\n",
            CATALOG,
            'did you mean the text "phone"?',
        ),
        # A close name that can hold a text is still the first guess.
        (H + "each week {\n  red 1 when department = rol\n}\n", None, "did you mean `role`?"),
        # Compared with a number, an unknown name is not taken for a text.
        (
            H + "each week {\n  red 1 when tenure = service_desk\n}\n",
            None,
            "define it with `let`, or declare the roster column in starrating.yaml",
        ),
    ],
)
def test_an_unquoted_text_value_is_named_as_a_text(
    source: str, catalog: Catalog | None, help_text: str | None
) -> None:
    d = one(source, catalog)
    assert d.code in ("E010", "E012")
    if help_text is None:
        # `service_desk = role`: the unknown name is on the left, where the value compared
        # stands; it is reported, but not guessed to be a text.
        assert "text" not in (d.help or "")
    else:
        assert d.help == help_text


def test_diagnostic_columns_point_at_the_offending_name() -> None:
    d = one(H + "each week {\n  red 1 when foo > 1\n}\n")
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 14, 17)
    d = one(H + "each week {\n  red 1 per complain\n}\n", CATALOG)
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 13, 21)


# ---- several errors in one run ----------------------------------------------------------


def test_all_errors_of_a_file_in_one_run() -> None:
    source = (
        'policy "x"\n'
        'timezone "Mars/Base"\n'  # E080
        "each week {\n"
        "  let a = 1\n"
        "  let a = 2\n"  # E030
        "  red 1 when foo > 1\n"  # E010
        "  stars {\n"
        "    7 when red > 1\n"  # E050
        "    1 otherwise\n"
        "  }\n"
        '  award "w" to top 0 by net\n'  # E064
        "}\n"
    )
    assert found(source) == [
        ("E080", ERROR, 2),
        ("E030", ERROR, 5),
        ("E010", ERROR, 6),
        ("E050", ERROR, 8),
        ("E064", ERROR, 11),
    ]


def test_errors_in_several_blocks_are_all_reported_in_line_order() -> None:
    source = (
        H
        + 'each month {\n  red foo\n  veto "v" when net > 0\n}\n'
        + "each week {\n  let a = count(weeks)\n  stars { 9 otherwise }\n}\n"
    )
    assert [(c, line) for c, _, line in found(source)] == [
        ("E010", 3),
        ("E040", 4),
        ("E060", 7),
        ("E050", 8),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("red >= 80", "red >= 70"),
        ("red > 3", "red >= 3"),
        ("red >= 70 and green > 1", "red >= 80"),
        ("red > 2 or green > 1", "red > 1"),
        ("red = 3", "red >= 3"),
        ("red >= 3", "red = 2"),
        ("not (red > 1)", "red > 1"),
        ("red >= 3", "green >= 3"),
        ("red <= 3", "red >= 5"),
        ("false", "red > 1"),
    ],
)
def test_a_stars_line_that_can_match_is_never_called_shadowed(first: str, second: str) -> None:
    # W051 is only said where it is certain: each second line here matches someone.
    clean(
        H + f"each week {{\n  stars {{\n    5 when {first}\n    4 when {second}\n"
        "    3 otherwise\n  }\n}\n"
    )


def test_a_line_written_twice_shadows_only_the_second() -> None:
    # The two lines are equal nodes; the first still gives 5 stars, so the key 5 is paid.
    source = (
        H + "each week {\n  stars {\n    5 when red > 1\n    5 when red > 1\n    4 otherwise\n"
        "  }\n  reward by stars { 5: 10, 4: 5 }\n}\n"
    )
    assert found(source) == [("W051", WARNING, 5)]


def test_star_table_warnings_say_what_is_missing() -> None:
    source = (
        H + "each week {\n  stars {\n    5 when red > 2\n    2 when red > 1\n  }\n"
        "  reward by stars { 5: 10, 3: 5 }\n}\n"
    )
    result = run(source)
    assert result.ok, "star-table warnings leave the policy runnable"
    shown = {d.code: (d.span.line, d.span.column, d.message, d.help) for d in result.diagnostics}
    assert shown == {
        "W062": (
            3,
            3,
            "this `stars` block has no `otherwise` line",
            "an employee who matches no line gets no star level (null) and nothing from "
            "`reward by stars`; end the block with a line such as `1 otherwise`",
        ),
        "W061": (
            5,
            5,
            "the star levels skip 4 and 3",
            "the lines give 5 and 2 stars, so nobody can get 4 or 3; add a line for each, "
            "or number the levels without a gap",
        ),
        "W063": (
            7,
            28,
            "no stars line can give 3 stars, so this reward is never paid",
            "the stars table on line 3 gives 5 and 2 stars",
        ),
    }


def test_a_warning_alone_keeps_the_analysis() -> None:
    result = run(
        H + "each week {\n  stars {\n    4 when red >= 2\n    5 when red >= 3\n    4 otherwise\n"
        "  }\n}\n"
    )
    assert result.ok
    assert result.analysis is not None
    assert [d.code for d in result.diagnostics] == ["W051"]


# ---- cycles, previous() and awards ------------------------------------------------------


def test_previous_breaks_cycles() -> None:
    clean(H + 'each month {\n  award "X" when not (previous(awarded("X")) default false)\n}\n')
    clean(H + "each month {\n  let a = (previous(a) default 0) + 1\n}\n")
    clean(
        H + "each month {\n  stars { 5 when previous(stars) default 0 >= 4\n 4 otherwise }\n"
        "  red 1 when stars = 5\n}\n"
    )


def test_award_on_its_own_condition_is_e070() -> None:
    d = one(H + 'each month {\n  award "X" when awarded("X")\n}\n')
    assert (d.code, d.severity, d.span.line) == ("E070", ERROR, 3)


def test_award_on_itself_through_a_let_is_a_cycle() -> None:
    assert found(H + 'each month {\n  let w = awarded("X")\n  award "X" when w\n}\n') == [
        ("E033", ERROR, 3)
    ]


def test_later_award_may_use_an_earlier_one() -> None:
    result = clean(
        H + 'each month {\n  award "X" when red > 1\n'
        '  award "Y" when awarded("X") with reward 5\n'
        '  reward 10 when awarded("Y")\n}\n'
    )
    order = result.analysis.blocks["month"].order
    assert order.index("award:X") < order.index("award:Y") < order.index("reward")


def test_sub_period_award_in_a_filter() -> None:
    clean(
        H + 'each week {\n  award "X" when red > 1\n}\neach month {\n'
        '  let n = count(weeks where awarded("X"))\n}\n'
    )


# ---- vetoes -----------------------------------------------------------------------------


# fmt: off
INDIRECT_VETOES = [
    ("  let p = pyramid(count(x))\n  let q = p + 1\n", "q > 0", "the ranking `pyramid(...)`",
     3),
    ("  let p = rank(count(x) within department)\n  let q = p\n", "q = 1",
     "the ranking `rank(...)`", 3),
    ("  let n = net\n  let q = n * 2\n", "q > 0", "the tally `net`", 3),
    ("  let q = red * 2\n", "q > 0", "the tally `red`", 3),
    ("  stars { 1 otherwise }\n  let q = stars\n", "q < 2", "the star level", 4),
    ('  award "A"\n  let q = awarded("A")\n', "q", "an award", 4),
    ("  score q starts at 0 {\n    plus 1 when green > 1\n  }\n", "q > 0",
     "the tally `green`", 4),
]
# fmt: on


@pytest.mark.parametrize(("definitions", "condition", "what", "defined_on"), INDIRECT_VETOES)
def test_veto_depending_indirectly_on_results_is_e040(
    definitions: str, condition: str, what: str, defined_on: int
) -> None:
    source = H + "each month {\n" + definitions + f'  veto "v" when {condition}\n}}\n'
    veto_line = source.count("\n") - 1
    d = one(source)
    assert (d.code, d.severity, d.span.line, d.span.column) == ("E040", ERROR, veto_line, 17)
    assert d.message == f"a veto cannot depend on {what}, which `q` uses (line {defined_on})"


@pytest.mark.parametrize(
    "condition",
    [
        "previous(stars) default 0 < 2",
        "(previous(net) default 0) < -3",
        "previous(p) > 3",
        'wins("W") > 1',
        "sum(weeks.net) < 0",
        "count(weeks where stars <= 1) >= 2",
        "avg(weeks.red) default 0 < 1",
        "count(complaint where responsible) > 0 for 2 consecutive months",
        'tenure < 1 and department = "x"',
        "e > 0",
    ],
)
def test_veto_on_looking_back_or_sub_periods_is_fine(condition: str) -> None:
    source = (
        H
        + 'each week {\n  stars { 1 otherwise }\n  award "W" to top 1 by net\n}\n'
        + "each month {\n  let p = pyramid(count(x))\n  let e = count(complaint) + 1\n"
        + "  stars { 3 otherwise }\n"
        + f'  veto "v" when {condition}\n}}\n'
    )
    clean(source)


def test_veto_order_comes_before_rankings_stars_and_awards() -> None:
    result = clean(
        H + 'each month {\n  let e = count(complaint)\n  veto "v" when e > 2\n'
        '  red pyramid(count(x))\n  stars { 1 otherwise }\n  award "A" when red > 0\n}\n'
    )
    order = result.analysis.blocks["month"].order
    assert order.index("def:e") < order.index("veto")
    for later in ("red", "stars", "award:A", "reward"):
        assert order.index("veto") < order.index(later)


# ---- catalogs ---------------------------------------------------------------------------


def test_without_a_catalog_event_types_and_attributes_are_accepted() -> None:
    clean(
        H + "each month {\n  let a = count(anything where whatever = 1 and flag)\n"
        "  let b = sum(foo.bar) + max(baz.qux where x) default 0\n  red 1 per nope where z\n}\n"
    )


def test_catalog_standard_value_attribute() -> None:
    clean(
        H + "each month {\n  let a = sum(praise_letter.value) + (avg(exam.value) default 0)\n"
        "  let b = count(praise_letter where value > 1)\n}\n",
        CATALOG,
    )


def test_catalog_boolean_attribute_as_bare_filter() -> None:
    clean(
        H + "each month {\n  let b = count(complaint where responsible)\n"
        "  let c = count(complaint where not responsible and level >= 2)\n}\n",
        CATALOG,
    )


def test_catalog_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "starrating.yaml"
    path.write_text(CATALOG_YAML, encoding="utf-8")
    catalog, problems = load_catalog(path)
    assert problems == []
    assert catalog.known_events
    clean(EXAMPLE, catalog)
    clean(H + 'each month {\n  award "a" to top 1 by net within post\n}\n', catalog)
    diags = diagnostics(
        H + "each month {\n  red 1 per complain\n  let a = count(complaint where levle = 2)\n"
        '  award "b" to top 1 by net within pots\n}\n',
        catalog,
    )
    assert [(d.code, d.span.line, d.help) for d in diags] == [
        ("E011", 3, "did you mean `complaint`?"),
        ("E012", 4, "did you mean `level`?"),
        ("E014", 5, "did you mean `post`?"),
    ]


def test_catalog_problems_are_e090(tmp_path: Path) -> None:
    path = tmp_path / "starrating.yaml"
    path.write_text("events: [1, 2]\nroster: {x: blob}\nfoo: 1\n", encoding="utf-8")
    _catalog, problems = load_catalog(path)
    assert {d.code for d in problems} == {"E090"}
    assert len(problems) == 3
    assert all(d.file == str(path) for d in problems)


def test_a_bad_catalog_type_is_one_error_not_a_cascade(tmp_path: Path) -> None:
    path = tmp_path / "starrating.yaml"
    path.write_text(
        "events:\n  complaint: {level: integr, responsible: boolean}\nroster:\n  post: txt\n",
        encoding="utf-8",
    )
    catalog, problems = load_catalog(path)
    assert [(d.code, d.span.line, d.span.column, d.help) for d in problems] == [
        ("E090", 2, 22, "did you mean `integer`?"),
        ("E090", 4, 9, "did you mean `text`?"),
    ]
    # The attributes are still there, of a type not known: the policy that uses them has
    # nothing more to fix.
    clean(
        H + "each week {\n  red 1 per complaint where level >= 2 and responsible\n"
        "  let worst = max(complaint.level) default 0\n  green 1 when worst > 3 and post = 1\n}\n",
        catalog,
    )


def test_unreadable_catalog_is_e090(tmp_path: Path) -> None:
    path = tmp_path / "starrating.yaml"
    path.write_bytes(b"events: {a: \xff}\n")
    catalog, problems = load_catalog(path)
    assert [d.code for d in problems] == ["E090"]
    assert catalog == Catalog()


def test_same_policy_name_and_date_is_e037(tmp_path: Path) -> None:
    one_file = tmp_path / "a.policy"
    other = tmp_path / "b.policy"
    third = tmp_path / "c.policy"
    one_file.write_text('policy "p"\neffective 2026-01-01\n', encoding="utf-8")
    other.write_text('# second\npolicy "p"\neffective 2026-01-01\n', encoding="utf-8")
    third.write_text('policy "p"\neffective 2026-02-01\n', encoding="utf-8")
    files = check_files([one_file, other, third], None)
    assert [[(d.code, d.span.line) for d in f.diagnostics] for f in files] == [
        [],
        [("E037", 2)],
        [],
    ]


# ---- analysis: evaluation order ---------------------------------------------------------

ORDERED = """\
policy "order"
each week {
  red 1
  stars {
    5 when net > 3
    4 otherwise
  }
  award "W" to top 1 by net
}
each month {
  reward by stars { 5: 500, 4: 10 }
  award "B" when awarded("A") with reward bonus
  award "A" when stars >= 4 and c > 0
  stars {
    5 when total >= 90
    4 otherwise
  }
  veto "v" when count(complaint where responsible) > 0
  score total starts at 100 {
    minus 5 per complaint
    plus 1 when b > 0
  }
  let c = b * 2
  let b = a + 1
  let a = count(praise_letter) + wins("W")
  let bonus = c * 10
  red c
  green previous(stars) default 0
}
"""


def test_order_respects_every_dependency() -> None:
    result = clean(ORDERED)
    order = result.analysis.blocks["month"].order
    assert len(order) == len(set(order))
    assert set(order) == {
        "def:a",
        "def:b",
        "def:c",
        "def:total",
        "def:bonus",
        "red",
        "green",
        "net",
        "veto",
        "stars",
        "award:A",
        "award:B",
        "reward",
    }
    before = {
        "def:b": ["def:a"],
        "def:c": ["def:b"],
        "def:total": ["def:b"],
        "def:bonus": ["def:c"],
        "red": ["def:c"],
        "net": ["red", "green"],
        "stars": ["def:total", "veto"],
        "award:A": ["stars", "def:c", "veto"],
        "award:B": ["award:A", "def:bonus", "veto"],
        "reward": ["award:A", "award:B", "stars", "veto"],
    }
    for node, dependencies in before.items():
        for dependency in dependencies:
            assert order.index(dependency) < order.index(node), (dependency, node, order)


def test_order_of_the_language_example() -> None:
    result = clean(EXAMPLE)
    blocks = result.analysis.blocks
    assert list(blocks) == ["week", "month"]
    week = blocks["week"].order
    for dependency, node in [
        ("def:warnings", "red"),
        ("def:deductions", "red"),
        ("def:deductions", "green"),
        ("red", "net"),
        ("green", "net"),
        ("veto", "red"),
        ("net", "award:周服务之星"),
        ("veto", "award:周服务之星"),
    ]:
        assert week.index(dependency) < week.index(node), (dependency, node, week)
    month = blocks["month"].order
    for dependency, node in [
        ("def:exam", "def:service"),
        ("def:service", "stars"),
        ("veto", "stars"),
        ("veto", "award:月度服务明星"),
        ("veto", "award:优先晋升"),
        ("stars", "award:优先晋升"),
        ("award:月度服务明星", "reward"),
        ("award:优先晋升", "reward"),
        ("stars", "reward"),
    ]:
        assert month.index(dependency) < month.index(node), (dependency, node, month)


def test_order_of_the_language_example_is_the_depth_first_one() -> None:
    # The compiler builds one layer per node in this order, so the generated SQL follows
    # it: graphlib's own choice among nodes ready together (insertion order) must not leak.
    blocks = clean(EXAMPLE).analysis.blocks
    assert blocks["week"].order == [
        "def:warnings", "def:deductions", "veto", "red", "green", "net",
        "award:周服务之星", "stars", "reward",
    ]  # fmt: skip
    assert blocks["month"].order == [
        "def:exam", "def:service", "red", "green", "net", "veto", "stars",
        "award:月度服务明星", "award:优先晋升", "reward",
    ]  # fmt: skip


def test_analysis_definitions_and_types() -> None:
    result = clean(
        H + "each month {\n  let n = count(x)\n  let ok = n = 0\n  let t = department\n"
        "  score s = n * 2\n  score b starts at 1 { }\n  stars { 1 otherwise }\n"
        '  award "A"\n}\n'
    )
    month = result.analysis.blocks["month"]
    assert month.kind == "month"
    assert list(month.definitions) == ["n", "ok", "t", "s", "b"]
    assert isinstance(month.definitions["b"], A.ScoreBuilt)
    assert month.types == {
        "n": "number",
        "ok": "boolean",
        "t": "text",
        "s": "number",
        "b": "number",
    }
    assert list(month.awards) == ["A"]
    assert month.has_stars


def test_long_chain_of_definitions_in_reverse_order() -> None:
    count = 3000
    body = "".join(f"  let v{i} = v{i + 1} + 1\n" for i in range(count))
    result = clean(H + "each month {\n" + body + f"  let v{count} = 0\n}}\n")
    order = [node for node in result.analysis.blocks["month"].order if node.startswith("def:")]
    assert order == [f"def:v{i}" for i in range(count, -1, -1)]


# ---- former bugs (kept as regression tests) ---------------------------------------


def test_capitalised_weekday_suggests_itself_in_lower_case() -> None:
    d = one(H + "each week ending Sunday {\n}\n")
    assert (d.code, d.help) == ("E081", "weekdays are written in lower case: `sunday`")


def test_errors_inside_a_duplicate_block_are_reported_too() -> None:
    source = (
        H + 'each week {\n  award "X"\n}\n'
        'each week {\n  red 1 when foo > 1\n  award "Y"\n}\n'
        'each month {\n  let w = wins("Y")\n}\n'
    )
    assert [(c, line) for c, _, line in found(source)] == [("E032", 5), ("E010", 6)]
