"""The formatter: exact output for the constructs people write, and the two guarantees
(``parse(fmt(p)) == p`` and idempotence) as properties over generated and real policies."""

from __future__ import annotations

import re
from functools import lru_cache
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import LANGUAGE_EXAMPLE

from starrating.language import ast as A
from starrating.language.formatter import format_policy, format_source
from starrating.language.grammar import parse_tree
from starrating.language.parser import parse
from tests.strategies import exprs, operator_exprs, policies

# ---- helpers ----------------------------------------------------------------------------


def check_fmt(text: str) -> str:
    """Format ``text`` and check everything a formatter owes its user: the result parses
    to the same AST, keeps every comment in order, and formats to itself."""
    return _check(text)[0]


def _check(text: str) -> tuple[str, A.Policy]:
    source = parse(text)
    assert not source.diagnostics, [d.message for d in source.diagnostics]
    assert source.policy is not None
    out = format_policy(source.policy)
    again = parse(out)
    assert not again.diagnostics, (out, [d.message for d in again.diagnostics])
    assert again.policy == source.policy
    assert [c.text for c in again.policy.comments] == [c.text for c in source.policy.comments]
    assert format_policy(again.policy) == out
    assert out.endswith("\n") and not out.endswith("\n\n")
    return out, source.policy


def expr_text(expr: A.Expr) -> str:
    """How an expression prints in a `let` (a top-level expression slot)."""
    policy = A.Policy("p", blocks=(A.Block(A.Period("month"), (A.Let("v", expr),)),))
    line = format_policy(policy).splitlines()[3]
    assert line.startswith("  let v = ")
    return line.removeprefix("  let v = ")


def let_text(source: str) -> str:
    """Format ``let v = SOURCE`` and return the formatted right-hand side."""
    out = check_fmt(f'policy "p"\neach month {{\n  let v = {source}\n}}\n')
    return out.splitlines()[3].removeprefix("  let v = ")


def n(text: str) -> A.Number:
    return A.Number(text)


a, b, c, x, y = (A.Name(s) for s in "abcxy")

# ---- header and statements --------------------------------------------------------------


def test_header_lines_in_order_with_blank_line_before_first_block() -> None:
    out = check_fmt(
        'policy   "客服台"   version   2\n'
        'timezone "x"\n'
        'effective 2026-01-01 applies to role = "desk"   and tenure>=1\n'
        "each month { }\n"
    )
    assert out == dedent(
        """\
        policy "客服台" version 2
        timezone "x"
        effective 2026-01-01
        applies to role = "desk" and tenure >= 1

        each month {
        }
        """
    )


@pytest.mark.parametrize(
    ("version", "printed"),
    [(None, ""), ("2", " version 2"), ("1.5", " version 1.5"), ("v2 beta", ' version "v2 beta"'),
     ("2.", ' version "2."'), ("1.2.3", ' version "1.2.3"')],
)  # fmt: skip
def test_version_bare_only_when_a_number(version: str | None, printed: str) -> None:
    policy = A.Policy('say "hi" \\o/', version)
    assert format_policy(policy) == f'policy "say \\"hi\\" \\\\o/"{printed}\n'
    assert parse(format_policy(policy)).policy == policy


def test_every_statement_kind() -> None:
    source = """\
policy "all"
each week ending friday {
let `rated by`=count(complaint where level>=2)
score direct = 1.50
score s starts at 100 { minus 5 per complaint where level = 1 when x > 0 , at most 30
plus 2 per praise_letter
never below 0 never above 100 }
red 1 per praise_letter where level = 1 when x > 0, at most 3
green   2
veto "有责投诉" when count(complaint where responsible) > 0
stars { 5 when service >= 95% 4 when service >= 85
1 otherwise }
award "X" to top 1 by net then by red within department when x > 0 with reward 100
award "Y" to top 10% by sum(exam.value)
award "Z"
reward 50 when stars = 5
reward by stars {5:500,4:300,}
reward by stars { }
}
"""
    assert check_fmt(source) == dedent(
        """\
        policy "all"

        each week ending friday {
          let `rated by` = count(complaint where level >= 2)
          score direct = 1.50
          score s starts at 100 {
            minus 5 per complaint where level = 1 when x > 0, at most 30
            plus 2 per praise_letter
            never below 0
            never above 100
          }
          red 1 per praise_letter where level = 1 when x > 0, at most 3
          green 2
          veto "有责投诉" when count(complaint where responsible) > 0
          stars {
            5 when service >= 95%
            4 when service >= 85
            1 otherwise
          }
          award "X" to top 1 by net then by red within department when x > 0 with reward 100
          award "Y" to top 10% by sum(exam.value)
          award "Z"
          reward 50 when stars = 5
          reward by stars { 5: 500, 4: 300 }
          reward by stars {}
        }
        """
    )


def test_periods_and_blank_line_between_blocks() -> None:
    source = 'policy "p" each week { } each month{}each quarter {} each half {}\neach year {}'
    assert check_fmt(source) == dedent(
        """\
        policy "p"

        each week ending sunday {
        }

        each month {
        }

        each quarter {
        }

        each half {
        }

        each year {
        }
        """
    )


def test_hand_built_policy_prints_without_blank_lines_inside_blocks() -> None:
    policy = A.Policy(
        "p",
        "3",
        (A.HeaderLine("effective", "2026-01-01"), A.HeaderLine("timezone", "UTC")),
        (
            A.Block(
                A.Period("month"),
                (
                    A.Let("a", n("1")),
                    A.Stars((A.StarLine(n("5"), A.Binary(">", a, n("0"))),)),
                    A.Reward(n("10")),
                ),
            ),
        ),
    )
    out = format_policy(policy)
    assert out == dedent(
        """\
        policy "p" version 3
        effective 2026-01-01
        timezone "UTC"

        each month {
          let a = 1
          stars {
            5 when a > 0
          }
          reward 10
        }
        """
    )
    assert parse(out).policy == policy


# ---- names, literals and calls ----------------------------------------------------------


def test_names_and_literals() -> None:
    assert expr_text(A.Name("week")) == "`week`"
    assert expr_text(A.Name("rated by")) == "`rated by`"
    assert expr_text(A.Name("部门")) == "部门"
    assert expr_text(A.Name("2nd")) == "`2nd`"
    for keyword in ("red", "green", "stars"):
        assert expr_text(A.Name(keyword)) == keyword
    assert expr_text(A.Name("reward")) == "`reward`"
    assert expr_text(A.String('a "b" \\ c')) == '"a \\"b\\" \\\\ c"'
    assert expr_text(A.Boolean(True)) == "true"
    assert expr_text(n("95%")) == "95%"
    assert expr_text(n("1.50")) == "1.50"
    assert expr_text(A.Unary("-", n("3"))) == "-3"


def test_calls() -> None:
    assert let_text("count ( complaint where level >= 2 )") == "count(complaint where level >= 2)"
    assert let_text("sum(exam . value)") == "sum(exam.value)"
    assert let_text("avg(weeks.stars) + max(months.reward) + sum(weeks.red)") == (
        "avg(weeks.stars) + max(months.reward) + sum(weeks.red)"
    )
    assert let_text("count(`weeks`) + count(weeks where net > 0)") == (
        "count(`weeks`) + count(weeks where net > 0)"
    )
    assert let_text("sum(e.`reward`) + sum(e.`when`)") == "sum(e.reward) + sum(e.`when`)"
    assert let_text("pyramid( count(x) within department )") == (
        "pyramid(count(x) within department)"
    )
    assert let_text("rank(net within `rated by`)") == "rank(net within `rated by`)"
    assert let_text('wins( "周服务之星" ) + previous(net)') == 'wins("周服务之星") + previous(net)'
    assert let_text('awarded("X")') == 'awarded("X")'
    assert let_text('x in ["a","b",]') == 'x in ["a", "b"]'
    assert let_text("x not in [ ]") == "x not in []"


# ---- parentheses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "printed"),
    [
        (A.Binary("*", A.Binary("+", a, b), c), "(a + b) * c"),
        (A.Binary("+", A.Binary("*", a, b), c), "a * b + c"),
        (A.Binary("-", a, A.Binary("-", b, c)), "a - (b - c)"),
        (A.Binary("-", A.Binary("-", a, b), c), "a - b - c"),
        (A.Binary("/", a, A.Binary("*", b, c)), "a / (b * c)"),
        (A.Unary("not", A.Binary("and", a, b)), "not (a and b)"),
        (A.Unary("not", A.Binary("=", a, b)), "not a = b"),
        (A.Unary("not", A.Unary("not", a)), "not not a"),
        (A.Unary("-", A.Binary("+", a, b)), "-(a + b)"),
        (A.Unary("-", A.Binary("*", a, b)), "-(a * b)"),
        (A.Binary("*", A.Unary("-", a), b), "-a * b"),
        (A.Unary("-", A.Unary("-", a)), "--a"),
        (A.Unary("-", A.Unary("not", a)), "-(not a)"),
        (A.Binary("-", a, A.Unary("-", n("1"))), "a - -1"),
        (A.Binary("=", A.Unary("not", a), b), "(not a) = b"),
        (A.Binary("=", A.Binary("=", a, b), c), "(a = b) = c"),
        (A.Binary("=", a, A.Binary("<", b, c)), "a = (b < c)"),
        (A.Binary("=", A.InList(a, (b,)), A.Boolean(True)), "(a in [b]) = true"),
        (A.InList(A.Binary("=", a, b), (c,), True), "(a = b) not in [c]"),
        (A.InList(A.Binary("+", a, b), (A.Binary("or", x, y),)), "a + b in [x or y]"),
        (A.Binary("default", a, A.Binary("default", b, c)), "a default (b default c)"),
        (A.Binary("default", A.Binary("default", a, b), c), "a default b default c"),
        (A.Binary(">=", A.Binary("default", a, b), c), "a default b >= c"),
        (A.Binary("+", A.Binary("default", a, b), c), "(a default b) + c"),
        (A.Binary("and", A.Binary("or", a, b), c), "(a or b) and c"),
        (A.Binary("or", a, A.Binary("and", b, c)), "a or b and c"),
        (A.Binary("or", a, A.Binary("or", b, c)), "a or (b or c)"),
        (A.Binary("and", A.Consecutive(x, n("2"), "months"), y),
         "(x for 2 consecutive months) and y"),
        (A.Consecutive(A.Binary("and", x, y), n("3"), "weeks"), "x and y for 3 consecutive weeks"),
        (A.Consecutive(A.Consecutive(x, n("2"), "weeks"), n("3"), "weeks"),
         "(x for 2 consecutive weeks) for 3 consecutive weeks"),
        (A.Unary("not", A.Consecutive(x, n("2"), "weeks")), "not (x for 2 consecutive weeks)"),
        (A.Previous(A.Consecutive(x, n("2"), "weeks")), "previous(x for 2 consecutive weeks)"),
        (A.Ranking("rank", A.Binary("+", a, b), "d"), "rank(a + b within d)"),
        (A.Aggregate("count", "e", where=A.Binary("or", a, b)), "count(e where a or b)"),
    ],
)  # fmt: skip
def test_minimal_parentheses(expr: A.Expr, printed: str) -> None:
    assert expr_text(expr) == printed
    assert let_text(printed) == printed  # and it reads back as the same tree:
    policy = A.Policy("p", blocks=(A.Block(A.Period("month"), (A.Let("v", expr),)),))
    assert parse(format_policy(policy)).policy == policy


def test_redundant_parentheses_are_dropped() -> None:
    assert let_text("((a)) + (b * (c))") == "a + b * c"
    assert let_text("(not (a = 1)) and (b)") == "not a = 1 and b"
    assert let_text("(-(1))") == "-1"


def test_consecutive_in_statement_slots_needs_no_parentheses() -> None:
    out = check_fmt(
        'policy "p"\neach month {\n'
        '  award "A" when (stars = 5 for 3 consecutive months) with reward (1)\n'
        "  stars {\n    5 when (x for 2 consecutive months)\n  }\n}\n"
    )
    assert '  award "A" when stars = 5 for 3 consecutive months with reward 1\n' in out
    assert "    5 when x for 2 consecutive months\n" in out


# ---- comments and blank lines -----------------------------------------------------------


def test_every_parse_returns_its_comments() -> None:
    # The formatter can only keep comments the parser hands over, on every parse (Lark
    # builds its lexers once, so a per-parse comment callback used to go stale).
    text = 'policy "p"  # a\neach month {  # b\n  let x = 1  # c\n}  # d\n'
    for _ in range(3):
        result = parse(text)
        assert result.policy is not None
        assert [c.text for c in result.policy.comments] == ["# a", "# b", "# c", "# d"]


def test_leading_and_trailing_comments() -> None:
    source = """\
# the policy
policy "p" # trailing on policy
  # before effective
effective 2026-01-01
# before the block
each month {   # on the opening line
    # before a
  let a = 1     # after a
}   # after the block
"""
    assert check_fmt(source) == dedent(
        """\
        # the policy
        policy "p"  # trailing on policy
        # before effective
        effective 2026-01-01

        # before the block
        each month {  # on the opening line
          # before a
          let a = 1  # after a
        }  # after the block
        """
    )


def test_comments_inside_a_stars_block_and_before_closing_braces() -> None:
    source = """\
policy "p"
each month {
  score s starts at 100 {  # base 100
    minus 5 per complaint
      # no more adjustments
  }
  stars {
  # best first
    5 when s >= 95  # top
    # the rest
    1 otherwise
  # nothing after otherwise
  }
# end of month
}
"""
    assert check_fmt(source) == dedent(
        """\
        policy "p"

        each month {
          score s starts at 100 {  # base 100
            minus 5 per complaint
            # no more adjustments
          }
          stars {
            # best first
            5 when s >= 95  # top
            # the rest
            1 otherwise
            # nothing after otherwise
          }
          # end of month
        }
        """
    )


def test_comments_at_the_end_of_the_file() -> None:
    source = 'policy "p"\neach year {\n}\n# bye\n\n\n   # really\n'
    assert check_fmt(source) == 'policy "p"\n\neach year {\n}\n# bye\n\n# really\n'
    assert check_fmt('policy "p" # only\n') == 'policy "p"  # only\n'
    assert check_fmt('policy "p"\n# only\n') == 'policy "p"\n# only\n'


def test_comment_inside_a_multi_line_statement_goes_before_it() -> None:
    source = """\
policy "p"
each month {
  red 1  # one star
    # only for the good ones
    when good  # if good
  let a = 1 let b = 2  # on b's line
}
"""
    assert check_fmt(source) == dedent(
        """\
        policy "p"

        each month {
          # one star
          # only for the good ones
          red 1 when good  # if good
          let a = 1
          let b = 2  # on b's line
        }
        """
    )


def test_blank_lines_kept_single_but_never_after_open_or_before_close() -> None:
    source = """\
policy "p"


effective 2026-01-01
each month {

  let a = 1


  let b = 2

  # about c

  let c = 3

}
# between blocks
each year {
  stars {

    5 when a > 0

  }
}
"""
    assert check_fmt(source) == dedent(
        """\
        policy "p"

        effective 2026-01-01

        each month {
          let a = 1

          let b = 2

          # about c

          let c = 3
        }

        # between blocks
        each year {
          stars {
            5 when a > 0
          }
        }
        """
    )


# ---- properties -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(policies)
def test_generated_policies_round_trip(policy: A.Policy) -> None:
    out = format_policy(policy)
    result = parse(out)
    assert result.diagnostics == [], out
    assert result.policy == policy, out


@settings(max_examples=200, deadline=None)
@given(policies)
def test_formatting_is_idempotent_on_generated_policies(policy: A.Policy) -> None:
    out = format_policy(policy)
    result = parse(out)
    assert result.policy is not None, out
    assert format_policy(result.policy) == out


@settings(max_examples=200, deadline=None)
@given(operator_exprs)
def test_generated_operator_expressions_round_trip(expr: A.Expr) -> None:
    policy = A.Policy("p", blocks=(A.Block(A.Period("month"), (A.Let("v", expr),)),))
    out = format_policy(policy)
    result = parse(out)
    assert result.diagnostics == [], out
    assert result.policy == policy, out
    assert format_policy(result.policy) == out


@settings(max_examples=200, deadline=None)
@given(exprs)
def test_generated_expressions_round_trip_in_every_slot(expr: A.Expr) -> None:
    # The same expression in slots whose next token differs (`{`, `per`, `,`, `then`,
    # `within`, `with`, a star level), where a greedy or wrong parse would show.
    top = A.TopClause(n("1"), (expr, expr), "d")
    statements = (
        A.ScoreBuilt("s", expr, (A.Adjust("minus", expr, A.EventRef("e", expr), expr, expr),
                                 A.Clamp("below", expr))),
        A.Tally("red", expr, A.EventRef("e", expr), expr, expr),
        A.Stars((A.StarLine(n("5"), expr), A.StarLine(n("4"), expr))),
        A.Award("a", top, expr, expr),
        A.Reward(expr, expr),
        A.RewardByStars((A.StarReward(n("5"), expr), A.StarReward(n("4"), expr))),
        A.Veto("v", expr),
    )  # fmt: skip
    policy = A.Policy(
        "p", header=(A.HeaderLine("applies", expr),),
        blocks=(A.Block(A.Period("month"), statements),),
    )  # fmt: skip
    out = format_policy(policy)
    result = parse(out)
    assert result.diagnostics == [], out
    assert result.policy == policy, out


# ---- real policies ----------------------------------------------------------------------

SPEC_EXAMPLE = LANGUAGE_EXAMPLE

FRONT_DESK = """\
# 前台 — quarterly and yearly roll-up
# owner: operations
policy "前台季度之星" version "2026 Q1 draft"   # not final yet
timezone "Asia/Shanghai"
applies to `work group` in ["前台", "礼宾"] and not (tenure < 3)


each week ending friday {   # the desk closes its week on friday
  let 投诉 = count(complaint where level >= 2 and not responsible)
  red 1 when 投诉 = 0    # clean week
  green (投诉 - 1) * 0.5 when 投诉 > 1, at most 2
}
each quarter {
  # months are not rated here; weeks roll straight into the quarter
  let clean_weeks = count(weeks where green = 0)
  let best        = max(weeks.net) default -1
  score 季度分 = sum(weeks.red) - sum(weeks.green) * 2

  award "季度之星"
        to top 10% by 季度分 then by clean_weeks   # ties: cleaner wins
        within department
        when (clean_weeks >= 10)   # at least ten clean weeks
        with reward 300 + 20 * clean_weeks
  reward 100 when previous(季度分) < 季度分 and not awarded("季度之星")
  # end of quarter
}

each year {
  stars {
    5 when avg(quarters.stars) >= 4.5 for 2 consecutive years
    3 when count(quarters where stars >= 3) >= 2
  }
  reward by stars {
    5: 2000,   # top
    3: 500,
  }
}
# archived: each half { }
"""

CALL_CENTRE = """\
policy "Call centre" version 1.1
effective 2026-07-01

# weekly tallies
each week ending monday {
  red 0.5 per call where `handled in` <= 120, at most 5 # speed
  green 1 per `missed call`
}
# monthly
each month {
  score 满意 starts at 80 { plus 1 per s, at most 20 minus 3 per s where v < 2 never below 0 } # 1
  veto "fraud" when count(fraud) > 0
  stars { 5 when 满意 >= 95 and rank(满意 within team) <= 3 4 when 满意 >= 85 # four
    3 otherwise }
  award "Voice of the month" to top 1 by 满意 then by -count(`missed call`)
}
"""

SAMPLES = {"spec example": SPEC_EXAMPLE, "front desk": FRONT_DESK, "call centre": CALL_CENTRE}


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_samples_format_faithfully(text: str) -> None:
    out = check_fmt(text)
    assert "\n\n\n" not in out


def test_spec_example_is_already_canonical_apart_from_alignment() -> None:
    out = check_fmt(SPEC_EXAMPLE)
    assert out == re.sub(r"(?<=\S) {2,}(?=\S)", " ", SPEC_EXAMPLE)


def _breakable_spaces(line: str) -> list[int]:
    """Offsets of the spaces in ``line`` that only separate tokens (not inside a string,
    a backtick name or a comment), where a line break or more spaces change nothing."""
    spaces = []
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = None
        elif ch in '"`':
            quote = ch
        elif ch == "#":
            break
        elif ch == " ":
            spaces.append(i)
        i += 1
    return spaces


@st.composite
def reshaped_samples(draw: st.DrawFn) -> tuple[str, str]:
    """A sample policy re-laid out by hand: lines broken at token boundaries, extra and
    missing spaces, blank lines, and comments added everywhere a person might put one."""
    text = draw(st.sampled_from(sorted(SAMPLES.values())))
    out: list[str] = []
    for number, line in enumerate(text.splitlines()):
        out.extend([""] * draw(st.sampled_from([0, 0, 0, 1, 2])))
        if draw(st.booleans()):
            out.append(" " * draw(st.integers(0, 6)) + f"# own line {number}")
        spaces = _breakable_spaces(line)
        if spaces and draw(st.booleans()):
            cut = draw(st.sampled_from(spaces))
            middle = [""] if draw(st.booleans()) else []
            if draw(st.booleans()):
                middle.append(f"   # inside {number}")
            first, rest = line[:cut], line[cut + 1 :]
            if "#" not in first and draw(st.booleans()):
                first += f"  # cut {number}"
            out.extend([first, *middle, " " * draw(st.integers(0, 8)) + rest])
            continue
        line = " " * draw(st.integers(0, 4)) + line.strip()
        if "#" not in line and draw(st.booleans()):
            line += f" # trailing {number}"
        out.append(line)
    return text, "\n".join(out) + "\n" * draw(st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(reshaped_samples())
def test_reshaped_samples_format_faithfully(sample: tuple[str, str]) -> None:
    original, reshaped = sample
    _, policy = _check(reshaped)
    assert len(policy.comments) == reshaped.count("#")  # no sample has `#` inside a string
    assert policy == _parsed_sample(original)


@lru_cache
def _parsed_sample(text: str) -> A.Policy:
    policy = parse(text).policy
    assert policy is not None
    return policy


# ---- repairing full-width characters (`fmt` on a text typed on a Chinese keyboard) -------

TYPED_ON_A_CHINESE_KEYBOARD = """policy "前台周服务之星"
# 说明：一周一次，（全员）
each week {
  let letters = count（praise_letter）  # 表扬信，含“口头”
  red 1 per praise_letter，at most ３
  veto "投诉，有责（A）" when count(complaint where level ＞＝ 2) ＞ 0
  award “周服务之星” to top ５％ by letters
  green 1 when department in 【"前台"，"客服"】
}
"""


def test_format_source_repairs_full_width_characters_outside_texts_and_comments() -> None:
    formatted = format_source(TYPED_ON_A_CHINESE_KEYBOARD)
    assert formatted.diagnostics == ()
    assert formatted.repaired == 14
    assert formatted.text == dedent("""\
        policy "前台周服务之星"

        # 说明：一周一次，（全员）
        each week ending sunday {
          let letters = count(praise_letter)  # 表扬信，含“口头”
          red 1 per praise_letter, at most 3
          veto "投诉，有责（A）" when count(complaint where level >= 2) > 0
          award "周服务之星" to top 5% by letters
          green 1 when department in ["前台", "客服"]
        }
        """)
    assert check_fmt(formatted.text) == formatted.text


def test_format_source_of_canonical_text_changes_nothing() -> None:
    canonical = check_fmt(LANGUAGE_EXAMPLE)
    assert format_source(canonical) == type(format_source(canonical))(canonical, 0)


def test_format_source_reports_what_the_repair_cannot_fix() -> None:
    text = 'policy "x"\neach week {\n  red 1 when a > １ 且 b\n}\n'
    formatted = format_source(text)
    assert formatted.text is None and formatted.repaired == 1
    # Only the mistake that is left; positions are those of the text as written.
    assert [(d.code, d.span.line, d.span.column) for d in formatted.diagnostics] == [
        ("E008", 3, 20)
    ]


_FULL_WIDTH = {char: chr(ord(char) + 0xFEE0) for char in "0123456789.%"}


@lru_cache
def _number_tokens(text: str) -> tuple[tuple[int, int], ...]:
    """Where the parser finds NUMBER and PERCENT tokens in ``text``: never in texts or
    comments, by construction."""
    return tuple(
        (token.start_pos, token.end_pos)
        for token in parse_tree(text, []).scan_values(lambda v: True)
        if getattr(token, "type", None) in ("NUMBER", "PERCENT")
    )


@st.composite
def numbers_typed_in_full_width(draw: st.DrawFn) -> tuple[str, str]:
    """A sample policy with some of its numbers typed in full width, every character of
    them (the digits, the point, the percent sign)."""
    text = draw(st.sampled_from(sorted(SAMPLES.values())))
    chosen = draw(st.lists(st.sampled_from(_number_tokens(text)), min_size=1, max_size=8))
    chars = list(text)
    for start, end in chosen:
        for pos in range(start, end):
            chars[pos] = _FULL_WIDTH.get(chars[pos], chars[pos])
    return text, "".join(chars)


@settings(max_examples=40, deadline=None)
@given(numbers_typed_in_full_width())
def test_full_width_numbers_format_like_the_numbers_meant(sample: tuple[str, str]) -> None:
    original, typed = sample
    assert parse(typed).policy is None  # `check` refuses it (E006) ...
    formatted = format_source(typed)  # ... `fmt` repairs it
    assert formatted.repaired == sum(a != b for a, b in zip(original, typed, strict=True))
    assert formatted.text == format_policy(_parsed_sample(original))
