"""The parser: every construct of the language (docs/language.md) gives the exact AST,
and syntax errors give clear messages at the right place.

ASTs are compared with hand-built nodes; spans take no part in equality, so they are
checked separately where they matter.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from samples import LANGUAGE_EXAMPLE

from starrating.language import ast as A
from starrating.language.parser import keywords, needs_backticks, parse

# ---- helpers ----------------------------------------------------------------------------


def parse_ok(text: str) -> A.Policy:
    result = parse(text, "t.policy")
    assert result.diagnostics == [], [(d.code, d.message) for d in result.diagnostics]
    assert result.policy is not None
    return result.policy


def statements(body: str, period: str = "month") -> tuple[A.Statement, ...]:
    policy = parse_ok(f'policy "t"\neach {period} {{\n{body}\n}}\n')
    (block,) = policy.blocks
    return block.statements


def statement(body: str, period: str = "month") -> A.Statement:
    (only,) = statements(body, period)
    return only


def expr(text: str) -> A.Expr:
    let = statement(f"  let x = {text}")
    assert isinstance(let, A.Let)
    return let.expr


def errors(text: str) -> list[tuple[str, int, int, str]]:
    result = parse(text)
    assert result.policy is None
    return [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics if d.span]


def n(text: str) -> A.Number:
    return A.Number(text)


def v(name: str) -> A.Name:
    return A.Name(name)


def s(value: str) -> A.String:
    return A.String(value)


def b(op: str, left: A.Expr, right: A.Expr) -> A.Binary:
    return A.Binary(op, left, right)


def neg(operand: A.Expr) -> A.Unary:
    return A.Unary("-", operand)


def not_(operand: A.Expr) -> A.Unary:
    return A.Unary("not", operand)


def count(source: str, where: A.Expr | None = None, periods: bool = False) -> A.Aggregate:
    return A.Aggregate("count", source, over_periods=periods, where=where)


def agg(func: str, source: str, attribute: str, periods: bool = False, where=None) -> A.Aggregate:
    return A.Aggregate(func, source, over_periods=periods, attribute=attribute, where=where)


# ---- header -----------------------------------------------------------------------------


def test_policy_line_alone() -> None:
    assert parse_ok('policy "前台周服务之星"') == A.Policy("前台周服务之星")
    assert parse_ok('policy "x"').version is None


@pytest.mark.parametrize(
    ("line", "version"),
    [
        ('policy "x" version 2', "2"),
        ('policy "x" version 2.5', "2.5"),
        ('policy "x" version "2026-春"', "2026-春"),
        ('policy "x" version "say \\"v1\\""', 'say "v1"'),
    ],
)
def test_policy_version_numeric_or_text(line: str, version: str) -> None:
    assert parse_ok(line) == A.Policy("x", version)


def test_full_header() -> None:
    policy = parse_ok(
        'policy "客服台周服务之星" version 2\n'
        "effective 2026-01-01\n"
        'timezone "Asia/Shanghai"\n'
        'applies to role = "service_desk" and tenure >= 1\n'
    )
    applies = b("and", b("=", v("role"), s("service_desk")), b(">=", v("tenure"), n("1")))
    assert policy == A.Policy(
        "客服台周服务之星",
        "2",
        (
            A.HeaderLine("effective", "2026-01-01"),
            A.HeaderLine("timezone", "Asia/Shanghai"),
            A.HeaderLine("applies", applies),
        ),
    )
    assert policy.effective == "2026-01-01"
    assert policy.timezone == "Asia/Shanghai"
    assert policy.applies_to == applies


def test_header_lines_keep_their_source_order_and_duplicates() -> None:
    # Duplicates are the checker's business (E034); the parser keeps them all, in order.
    policy = parse_ok('policy "x"\ntimezone "UTC"\neffective 2026-01-01\ntimezone "UTC"\n')
    assert [line.kind for line in policy.header] == ["timezone", "effective", "timezone"]


def test_applies_to_with_in_list_and_not() -> None:
    policy = parse_ok('policy "x"\napplies to department in ["前台", "客服"] and not tenure < 3')
    assert policy.applies_to == b(
        "and",
        A.InList(v("department"), (s("前台"), s("客服"))),
        not_(b("<", v("tenure"), n("3"))),
    )


# ---- blocks and periods -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["month", "quarter", "half", "year"])
def test_period_kinds(kind: str) -> None:
    policy = parse_ok(f'policy "x"\neach {kind} {{\n}}\n')
    assert policy.blocks == (A.Block(A.Period(kind), ()),)
    assert policy.block(kind) is policy.blocks[0]


@pytest.mark.parametrize("day", ["monday", "wednesday", "friday", "saturday", "sunday"])
def test_week_ending_weekday(day: str) -> None:
    policy = parse_ok(f'policy "x"\neach week ending {day} {{ }}')
    assert policy.blocks == (A.Block(A.Period("week", day), ()),)


def test_bare_week_means_ending_sunday() -> None:
    bare = parse_ok('policy "x"\neach week { }')
    assert bare.blocks[0].period == A.Period("week", "sunday")
    assert bare == parse_ok('policy "x"\neach week ending sunday { }')


def test_all_blocks_in_source_order() -> None:
    policy = parse_ok(
        'policy "x"\neach year { }\neach week ending friday { }\neach month { }\n'
        "each half { }\neach quarter { }\n"
    )
    assert [blk.period.kind for blk in policy.blocks] == [
        "year",
        "week",
        "month",
        "half",
        "quarter",
    ]


def test_weekday_is_taken_as_written() -> None:
    # A wrong weekday is the checker's E081, not a syntax error.
    policy = parse_ok('policy "x"\neach week ending Funday { }')
    assert policy.blocks[0].period == A.Period("week", "Funday")


# ---- statements -------------------------------------------------------------------------


def test_let_and_score_value() -> None:
    assert statements("  let a = 1\n  score 服务分 = a * 2") == (
        A.Let("a", n("1")),
        A.ScoreValue("服务分", b("*", v("a"), n("2"))),
    )


def test_score_built_with_every_adjustment() -> None:
    got = statement(
        "  score service starts at 100 {\n"
        "    minus 5  per complaint where level = 1\n"
        "    minus 10 per complaint where level >= 2, at most 30\n"
        "    plus  2  per praise_letter, at most 10\n"
        "    plus  5  when exam >= 90\n"
        "    plus  1  per suggestion when exam > 0, at most 3\n"
        "    minus 1, at most 2\n"
        "    never below 0\n"
        "    never above 100\n"
        "  }"
    )
    assert got == A.ScoreBuilt(
        "service",
        n("100"),
        (
            A.Adjust("minus", n("5"), A.EventRef("complaint", b("=", v("level"), n("1")))),
            A.Adjust(
                "minus",
                n("10"),
                A.EventRef("complaint", b(">=", v("level"), n("2"))),
                at_most=n("30"),
            ),
            A.Adjust("plus", n("2"), A.EventRef("praise_letter"), at_most=n("10")),
            A.Adjust("plus", n("5"), when=b(">=", v("exam"), n("90"))),
            A.Adjust("plus", n("1"), A.EventRef("suggestion"), b(">", v("exam"), n("0")), n("3")),
            A.Adjust("minus", n("1"), at_most=n("2")),
            A.Clamp("below", n("0")),
            A.Clamp("above", n("100")),
        ),
    )


def test_score_built_may_be_empty() -> None:
    assert statement("  score s starts at 60 { }") == A.ScoreBuilt("s", n("60"), ())


@pytest.mark.parametrize("color", ["red", "green"])
def test_tallies(color: str) -> None:
    got = statements(
        f"  {color} 3\n"
        f"  {color} 1 per praise_letter\n"
        f"  {color} 1 per praise_letter where value > 2, at most 3\n"
        f"  {color} 1.5 when deductions = 0\n"
        f"  {color} 2 per complaint when a, at most 4\n"
        f"  {color} 1, at most 2"
    )
    assert got == (
        A.Tally(color, n("3")),
        A.Tally(color, n("1"), A.EventRef("praise_letter")),
        A.Tally(
            color, n("1"), A.EventRef("praise_letter", b(">", v("value"), n("2"))), at_most=n("3")
        ),
        A.Tally(color, n("1.5"), when=b("=", v("deductions"), n("0"))),
        A.Tally(color, n("2"), A.EventRef("complaint"), v("a"), n("4")),
        A.Tally(color, n("1"), at_most=n("2")),
    )


def test_tally_of_a_pyramid() -> None:
    got = statement('  red pyramid(count(member_signup where channel = "paid"))', "week")
    assert got == A.Tally(
        "red", A.Ranking("pyramid", count("member_signup", b("=", v("channel"), s("paid"))))
    )


def test_veto() -> None:
    assert statement('  veto "有责投诉" when count(complaint where responsible) > 0') == A.Veto(
        "有责投诉", b(">", count("complaint", v("responsible")), n("0"))
    )


def test_stars_with_and_without_otherwise() -> None:
    got = statements(
        "  stars {\n    5 when service >= 95\n    4 when service >= 85\n    1 otherwise\n  }"
    )
    assert got == (
        A.Stars(
            (
                A.StarLine(n("5"), b(">=", v("service"), n("95"))),
                A.StarLine(n("4"), b(">=", v("service"), n("85"))),
                A.StarLine(n("1"), None),
            )
        ),
    )
    assert statement("  stars { 3 when a }") == A.Stars((A.StarLine(n("3"), v("a")),))
    assert statement("  stars { }") == A.Stars(())


def test_award_forms() -> None:
    got = statements(
        '  award "A"\n'
        '  award "B" to top 1 by net within department\n'
        '  award "C" to top 3 by net then by red then by -green within 部门\n'
        '  award "D" to top 30% by stars\n'
        '  award "E" when wins("周服务之星") >= 3\n'
        '  award "F" when stars = 5 with reward 100\n'
        '  award "G" to top 2 by net when net > 0 with reward 50 * 2\n'
        '  award "H" with reward 10'
    )
    assert got == (
        A.Award("A"),
        A.Award("B", A.TopClause(n("1"), (v("net"),), "department")),
        A.Award("C", A.TopClause(n("3"), (v("net"), v("red"), neg(v("green"))), "部门")),
        A.Award("D", A.TopClause(n("30%"), (v("stars"),))),
        A.Award("E", when=b(">=", A.Wins("周服务之星"), n("3"))),
        A.Award("F", when=b("=", v("stars"), n("5")), reward=n("100")),
        A.Award(
            "G", A.TopClause(n("2"), (v("net"),)), b(">", v("net"), n("0")), b("*", n("50"), n("2"))
        ),
        A.Award("H", reward=n("10")),
    )
    top = got[3].top
    assert top is not None and top.count.value == Decimal("0.3")


def test_with_reward_is_never_a_separate_reward_statement() -> None:
    got = statements('  award "A" when a\n  reward 5')
    assert got == (A.Award("A", when=v("a")), A.Reward(n("5")))


def test_reward_statements() -> None:
    got = statements(
        "  reward 100\n"
        '  reward 50 when awarded("A")\n'
        "  reward by stars { 5: 500, 4: 300, 3: 200, 2: 100, 1: 50 }\n"
        "  reward by stars {\n    5: 1 + 1,\n    4: 0,\n  }\n"
        "  reward by stars { }"
    )
    assert got == (
        A.Reward(n("100")),
        A.Reward(n("50"), A.Awarded("A")),
        A.RewardByStars(
            tuple(
                A.StarReward(n(k), n(amount))
                for k, amount in [
                    ("5", "500"),
                    ("4", "300"),
                    ("3", "200"),
                    ("2", "100"),
                    ("1", "50"),
                ]
            )
        ),
        A.RewardByStars(
            (A.StarReward(n("5"), b("+", n("1"), n("1"))), A.StarReward(n("4"), n("0")))
        ),
        A.RewardByStars(()),
    )


def test_statements_need_no_separator() -> None:
    got = statements("  let a = 1 let b = a red b green 1 when a > 0")
    assert got == (
        A.Let("a", n("1")),
        A.Let("b", v("a")),
        A.Tally("red", v("b")),
        A.Tally("green", n("1"), when=b(">", v("a"), n("0"))),
    )


# ---- expressions: literals and names ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("3", Decimal(3), False),
        ("1.5", Decimal("1.5"), False),
        ("0.25", Decimal("0.25"), False),
        ("95%", Decimal("0.95"), True),
        ("12.5%", Decimal("0.125"), True),
        ("100%", Decimal(1), True),
    ],
)
def test_numbers_keep_their_text_and_value(text: str, value: Decimal, percent: bool) -> None:
    got = expr(text)
    assert got == A.Number(text)
    assert isinstance(got, A.Number)
    assert got.value == value
    assert got.is_percent is percent


def test_negative_number_is_unary_minus() -> None:
    assert expr("-1.5") == neg(n("1.5"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"plain"', "plain"),
        ('""', ""),
        ('"有责投诉"', "有责投诉"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('"\\\\"', "\\"),
        ('"# not a comment"', "# not a comment"),
    ],
)
def test_strings_and_escapes(text: str, value: str) -> None:
    assert expr(text) == A.String(value)


def test_booleans() -> None:
    assert expr("true") == A.Boolean(True)
    assert expr("false") == A.Boolean(False)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("abc", "abc"),
        ("x_1", "x_1"),
        ("_hidden", "_hidden"),
        ("投诉数", "投诉数"),
        ("São", "São"),
        ("`rated by`", "rated by"),
        ("`week`", "week"),
        ("`2nd`", "2nd"),
        ("`服务 分`", "服务 分"),
        ("tenure", "tenure"),
        ("net", "net"),
        ("department", "department"),
    ],
)
def test_names(text: str, name: str) -> None:
    assert expr(text) == A.Name(name)


@pytest.mark.parametrize("word", ["red", "green", "stars"])
def test_keyword_values(word: str) -> None:
    assert expr(word) == A.Name(word)


def test_red_green_net_stars_as_values() -> None:
    assert expr("red - green + net * stars") == b(
        "+", b("-", v("red"), v("green")), b("*", v("net"), v("stars"))
    )


def test_chinese_identifiers_and_strings() -> None:
    policy = parse_ok(
        'policy "前台周服务之星"\neach month {\n  let 投诉 = count(投诉 where 级别 = "严重")\n'
        '  veto "有责投诉" when 投诉 > 0\n}\n'
    )
    assert policy.blocks[0].statements == (
        A.Let("投诉", count("投诉", b("=", v("级别"), s("严重")))),
        A.Veto("有责投诉", b(">", v("投诉"), n("0"))),
    )


# ---- expressions: operators and precedence ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1 + 2 * 3", b("+", n("1"), b("*", n("2"), n("3")))),
        ("1 * 2 + 3", b("+", b("*", n("1"), n("2")), n("3"))),
        ("(1 + 2) * 3", b("*", b("+", n("1"), n("2")), n("3"))),
        ("a - b - c", b("-", b("-", v("a"), v("b")), v("c"))),
        ("a / b / c", b("/", b("/", v("a"), v("b")), v("c"))),
        ("a - (b - c)", b("-", v("a"), b("-", v("b"), v("c")))),
        ("-a * b", b("*", neg(v("a")), v("b"))),
        ("- -a", neg(neg(v("a")))),
        ("1 - -1", b("-", n("1"), neg(n("1")))),
        ("-(a + b)", neg(b("+", v("a"), v("b")))),
        ("((a))", v("a")),
    ],
)
def test_arithmetic(text: str, tree: A.Expr) -> None:
    assert expr(text) == tree


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparisons(op: str) -> None:
    assert expr(f"a + 1 {op} b * 2") == b(op, b("+", v("a"), n("1")), b("*", v("b"), n("2")))


def test_in_and_not_in_lists() -> None:
    assert expr('role in ["a", "b"]') == A.InList(v("role"), (s("a"), s("b")))
    assert expr("level not in [1, 2,]") == A.InList(v("level"), (n("1"), n("2")), negated=True)
    assert expr("a in []") == A.InList(v("a"), ())
    assert expr("a + 1 in [b * 2]") == A.InList(b("+", v("a"), n("1")), (b("*", v("b"), n("2")),))
    assert expr("not a in [1]") == not_(A.InList(v("a"), (n("1"),)))


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("not a and b", b("and", not_(v("a")), v("b"))),
        ("a or b and c", b("or", v("a"), b("and", v("b"), v("c")))),
        ("a and b or c", b("or", b("and", v("a"), v("b")), v("c"))),
        ("(a or b) and c", b("and", b("or", v("a"), v("b")), v("c"))),
        ("not not a", not_(not_(v("a")))),
        ("not (a and b)", not_(b("and", v("a"), v("b")))),
        ("a and b and c", b("and", b("and", v("a"), v("b")), v("c"))),
        ("not a > 1", not_(b(">", v("a"), n("1")))),
        ("a > 1 and b < 2", b("and", b(">", v("a"), n("1")), b("<", v("b"), n("2")))),
    ],
)
def test_boolean_precedence(text: str, tree: A.Expr) -> None:
    assert expr(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a + 1 default 0 > 2", b(">", b("default", b("+", v("a"), n("1")), n("0")), n("2"))),
        ("a default b default c", b("default", b("default", v("a"), v("b")), v("c"))),
        ("a default 1 + 2", b("default", v("a"), b("+", n("1"), n("2")))),
        ("max(exam.value) default 0", b("default", agg("max", "exam", "value"), n("0"))),
        ("previous(x) default 0", b("default", A.Previous(v("x")), n("0"))),
    ],
)
def test_default_precedence(text: str, tree: A.Expr) -> None:
    assert expr(text) == tree


def test_consecutive_is_loosest() -> None:
    assert expr("stars = 5 for 3 consecutive months") == A.Consecutive(
        b("=", v("stars"), n("5")), n("3"), "months"
    )
    assert expr("a and b for 2 consecutive months") == A.Consecutive(
        b("and", v("a"), v("b")), n("2"), "months"
    )
    assert expr("a or not b for 2 consecutive weeks") == A.Consecutive(
        b("or", v("a"), not_(v("b"))), n("2"), "weeks"
    )
    assert expr("(a for 2 consecutive months) and b") == b(
        "and", A.Consecutive(v("a"), n("2"), "months"), v("b")
    )


@pytest.mark.parametrize("periods", ["weeks", "months", "quarters", "halves", "years"])
def test_consecutive_period_words(periods: str) -> None:
    assert expr(f"a for 2 consecutive {periods}") == A.Consecutive(v("a"), n("2"), periods)


# ---- expressions: calls -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("count(complaint)", count("complaint")),
        ("count(complaint where responsible)", count("complaint", v("responsible"))),
        (
            "count(complaint where level >= 2 and not responsible)",
            count("complaint", b("and", b(">=", v("level"), n("2")), not_(v("responsible")))),
        ),
        ("count(`rated by`)", count("rated by")),
        ("sum(exam.value)", agg("sum", "exam", "value")),
        (
            'sum(sale.amount where channel = "paid")',
            agg("sum", "sale", "amount", where=b("=", v("channel"), s("paid"))),
        ),
        ("avg(exam.value)", agg("avg", "exam", "value")),
        ("min(exam.points)", agg("min", "exam", "points")),
        ("max(exam.points)", agg("max", "exam", "points")),
        ("count(weeks)", count("weeks", periods=True)),
        (
            "count(weeks where stars >= 4)",
            count("weeks", b(">=", v("stars"), n("4")), periods=True),
        ),
        ("sum(weeks.net)", agg("sum", "weeks", "net", periods=True)),
        ("sum(weeks.red)", agg("sum", "weeks", "red", periods=True)),
        ("sum(weeks.green)", agg("sum", "weeks", "green", periods=True)),
        ("avg(months.stars)", agg("avg", "months", "stars", periods=True)),
        ("max(weeks.reward)", agg("max", "weeks", "reward", periods=True)),
        ("min(quarters.total)", agg("min", "quarters", "total", periods=True)),
        ("sum(halves.x)", agg("sum", "halves", "x", periods=True)),
        ('wins("周服务之星")', A.Wins("周服务之星")),
        ('awarded("优先晋升")', A.Awarded("优先晋升")),
        ("pyramid(count(suggestion))", A.Ranking("pyramid", count("suggestion"))),
        ("pyramid(net within department)", A.Ranking("pyramid", v("net"), "department")),
        ("rank(net)", A.Ranking("rank", v("net"))),
        ("rank(a + b within `所属 部门`)", A.Ranking("rank", b("+", v("a"), v("b")), "所属 部门")),
        ("previous(stars)", A.Previous(v("stars"))),
        ('previous(awarded("X"))', A.Previous(A.Awarded("X"))),
        ("previous(previous(a) + 1)", A.Previous(b("+", A.Previous(v("a")), n("1")))),
    ],
)
def test_calls(text: str, tree: A.Expr) -> None:
    assert expr(text) == tree


def test_calls_nest_in_arithmetic() -> None:
    assert expr('wins("A") * 2 + count(x) >= 3') == b(
        ">=", b("+", b("*", A.Wins("A"), n("2")), count("x")), n("3")
    )


# ---- the whole example of docs/language.md section 1 -----------------------------------------

EXAMPLE = LANGUAGE_EXAMPLE


def _clean_week(deductions: str, warnings: str) -> A.Expr:
    return b("and", b("=", v("deductions"), n(deductions)), b("=", v("warnings"), n(warnings)))


def test_language_example_exact_ast() -> None:
    week = A.Block(
        A.Period("week", "sunday"),
        (
            A.Let("warnings", count("verbal_warning")),
            A.Let("deductions", count("point_deduction")),
            A.Tally("red", n("3"), when=_clean_week("0", "0")),
            A.Tally("red", n("2"), when=_clean_week("0", "1")),
            A.Tally("red", n("1.5"), when=_clean_week("0", "2")),
            A.Tally("green", n("1"), when=b(">", v("deductions"), n("0"))),
            A.Tally(
                "red",
                A.Ranking(
                    "pyramid", count("member_signup", b("=", v("channel"), s("free_with_purchase")))
                ),
            ),
            A.Tally(
                "red", A.Ranking("pyramid", count("member_signup", b("=", v("channel"), s("paid"))))
            ),
            A.Tally("red", A.Ranking("pyramid", count("suggestion"))),
            A.Tally("red", n("1"), A.EventRef("praise_letter"), at_most=n("3")),
            A.Award("周服务之星", A.TopClause(n("1"), (v("net"),), "department")),
        ),
    )
    month = A.Block(
        A.Period("month"),
        (
            A.Let("exam", b("default", agg("max", "exam", "value"), n("0"))),
            A.ScoreBuilt(
                "service",
                n("100"),
                (
                    A.Adjust("minus", n("5"), A.EventRef("complaint", b("=", v("level"), n("1")))),
                    A.Adjust(
                        "minus",
                        n("10"),
                        A.EventRef("complaint", b(">=", v("level"), n("2"))),
                        at_most=n("30"),
                    ),
                    A.Adjust("plus", n("2"), A.EventRef("praise_letter"), at_most=n("10")),
                    A.Adjust("plus", n("5"), when=b(">=", v("exam"), n("90"))),
                    A.Clamp("below", n("0")),
                    A.Clamp("above", n("100")),
                ),
            ),
            A.Veto("有责投诉", b(">", count("complaint", v("responsible")), n("0"))),
            A.Stars(
                (
                    A.StarLine(n("5"), b(">=", v("service"), n("95"))),
                    A.StarLine(n("4"), b(">=", v("service"), n("85"))),
                    A.StarLine(n("3"), b(">=", v("service"), n("75"))),
                    A.StarLine(n("2"), b(">=", v("service"), n("60"))),
                    A.StarLine(n("1"), None),
                )
            ),
            A.Award("月度服务明星", when=b(">=", A.Wins("周服务之星"), n("3")), reward=n("100")),
            A.Award("优先晋升", when=A.Consecutive(b("=", v("stars"), n("5")), n("3"), "months")),
            A.RewardByStars(
                tuple(
                    A.StarReward(n(level), n(amount))
                    for level, amount in [
                        ("5", "500"),
                        ("4", "300"),
                        ("3", "200"),
                        ("2", "100"),
                        ("1", "50"),
                    ]
                )
            ),
        ),
    )
    expected = A.Policy(
        "客服台周服务之星",
        "2",
        (
            A.HeaderLine("effective", "2026-01-01"),
            A.HeaderLine("timezone", "Asia/Shanghai"),
            A.HeaderLine(
                "applies",
                b("and", b("=", v("role"), s("service_desk")), b(">=", v("tenure"), n("1"))),
            ),
        ),
        (week, month),
    )
    assert parse_ok(EXAMPLE) == expected


def test_layout_does_not_matter() -> None:
    one_line = (
        'policy "x" each month { let a = count(x where y = 1) red a when a > 1, at most 2 '
        "stars { 5 when a > 3 1 otherwise } reward by stars { 5: 1, 1: 0 } }"
    )
    spread = """
        policy "x"   # name
        each month {
          let a = count( x
                         where y = 1 )
          red a
            when a > 1,
            at most 2
          stars {
            5 when (a > 3)
            1 otherwise
          }
          reward by stars {
            5: 1,
            1: 0
          }
        }
    """
    assert parse_ok(one_line) == parse_ok(spread)


def test_crlf_line_endings() -> None:
    assert parse_ok(EXAMPLE.replace("\n", "\r\n")) == parse_ok(EXAMPLE)


def test_utf8_bom_free_text_with_tabs() -> None:
    assert parse_ok('policy "x"\n\teach month {\n\t\tlet a = 1\n\t}\n').blocks[0].statements == (
        A.Let("a", n("1")),
    )


# ---- comments ---------------------------------------------------------------------------


def test_comments_collected_with_line_numbers() -> None:
    policy = parse_ok(EXAMPLE)
    assert [(c.text, c.span.line, c.span.column) for c in policy.comments] == [
        ("# Weekly service star for the service desk (3+1 scheme)", 1, 1),
        ("# daily patrol record: 3 red stars for a clean week", 11, 3),
        ("# member recruitment: each channel ranked on its own, inverted pyramid", 17, 3),
        ("# bonus red stars", 21, 3),
    ]


def test_comments_anywhere() -> None:
    source = (
        "# top\n"  # 1
        'policy "a # not a comment" version "2026.1" # after the name\n'  # 2
        "effective 2026-01-01 # eff\n"  # 3
        'applies to role = "x" # inside applies\n'  # 4
        "  and tenure >= 1\n"  # 5
        "# between\n"  # 6
        "each week ending friday { # open\n"  # 7
        "  let a = 1 + # mid-expression\n"  # 8
        "    2\n"  # 9
        "  stars {\n"  # 10
        "    # inside stars\n"  # 11
        "    5 when a > 1\n"  # 12
        "  }\n"  # 13
        "  reward by stars { 5: 1, # in a list\n"  # 14
        "    4: 2 }\n"  # 15
        "  score s starts at 1 {\n"  # 16
        "    plus 1 # in a score\n"  # 17
        "  }\n"  # 18
        "} # close\n"  # 19
        "# last, without a newline"  # 20
    )
    policy = parse_ok(source)
    assert policy.name == "a # not a comment"
    assert [(c.text, c.span.line) for c in policy.comments] == [
        ("# top", 1),
        ("# after the name", 2),
        ("# eff", 3),
        ("# inside applies", 4),
        ("# between", 6),
        ("# open", 7),
        ("# mid-expression", 8),
        ("# inside stars", 11),
        ("# in a list", 14),
        ("# in a score", 17),
        ("# close", 19),
        ("# last, without a newline", 20),
    ]
    # the comments do not change the meaning
    assert policy.blocks[0].statements[0] == A.Let("a", b("+", n("1"), n("2")))


def test_comments_do_not_take_part_in_equality() -> None:
    assert parse_ok('# a\npolicy "x" # b\n') == parse_ok('policy "x"')


def test_comment_text_loses_trailing_whitespace_and_carriage_return() -> None:
    policy = parse_ok('policy "x" # note   \r\n')
    assert [c.text for c in policy.comments] == ["# note"]


def test_comments_are_collected_afresh_for_every_parse() -> None:
    parse_ok('# one\npolicy "x"')
    assert [c.text for c in parse_ok('policy "y" # two').comments] == ["# two"]


# ---- spans ------------------------------------------------------------------------------


def _pos(span: A.Span | None) -> tuple[int, int, int, int]:
    assert span is not None
    return (span.line, span.column, span.end_line, span.end_column)


def test_spans_are_one_based_and_cover_the_node() -> None:
    policy = parse_ok(EXAMPLE)
    week, month = policy.blocks
    assert _pos(week.span) == (7, 1, 26, 2)
    assert _pos(week.period.span) == (7, 6, 7, 24)
    assert _pos(week.period.weekday_span) == (7, 18, 7, 24)
    warnings = week.statements[0]
    assert isinstance(warnings, A.Let)
    assert _pos(warnings.span) == (8, 3, 8, 41)
    assert _pos(warnings.name_span) == (8, 7, 8, 15)
    assert _pos(warnings.expr.span) == (8, 20, 8, 41)
    aggregate = warnings.expr
    assert isinstance(aggregate, A.Aggregate)
    assert _pos(aggregate.source_span) == (8, 26, 8, 40)
    award = week.statements[-1]
    assert isinstance(award, A.Award)
    assert _pos(award.name_span) == (25, 9, 25, 16)
    assert award.top is not None
    assert _pos(award.top.within_span) == (25, 40, 25, 50)
    veto = month.statements[2]
    assert isinstance(veto, A.Veto)
    assert _pos(veto.span) == (40, 3, 40, 58)
    assert _pos(veto.reason_span) == (40, 8, 40, 14)
    stars = month.statements[3]
    assert isinstance(stars, A.Stars)
    assert _pos(stars.span) == (42, 3, 48, 4)
    assert _pos(stars.close_span) == (48, 3, 48, 4)
    assert _pos(stars.lines[0].level.span) == (43, 5, 43, 6)
    assert _pos(month.close_span) == (53, 1, 53, 2)


def test_multi_line_expression_span() -> None:
    policy = parse_ok('policy "x"\neach month {\n  let a = 1 +\n    22\n}\n')
    let = policy.blocks[0].statements[0]
    assert isinstance(let, A.Let) and isinstance(let.expr, A.Binary)
    assert _pos(let.expr.span) == (3, 11, 4, 7)
    assert _pos(let.expr.right.span) == (4, 5, 4, 7)


def test_span_columns_count_characters_not_bytes() -> None:
    policy = parse_ok('policy "x"\neach month {\n  let 投诉数 = 投诉 + x\n}\n')
    let = policy.blocks[0].statements[0]
    assert isinstance(let, A.Let) and isinstance(let.expr, A.Binary)
    assert _pos(let.name_span) == (3, 7, 3, 10)
    assert _pos(let.expr.right.span) == (3, 18, 3, 19)


def test_score_built_name_span_points_at_the_name() -> None:
    policy = parse_ok('policy "x"\neach month {\n  score service starts at 100 {\n  }\n}\n')
    score = policy.blocks[0].statements[0]
    assert isinstance(score, A.ScoreBuilt)
    assert _pos(score.span)[:2] == (3, 3)
    assert _pos(score.name_span) == (3, 9, 3, 16)


def test_score_built_close_span_points_at_the_brace() -> None:
    policy = parse_ok('policy "x"\neach month {\n  score service starts at 100 {\n  }\n}\n')
    score = policy.blocks[0].statements[0]
    assert isinstance(score, A.ScoreBuilt)
    assert _pos(score.close_span) == (4, 3, 4, 4)


# ---- keywords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "red",
        "green",
        "stars",
        "reward",
        "week",
        "weeks",
        "month",
        "when",
        "where",
        "count",
        "sum",
        "pyramid",
        "previous",
        "and",
        "or",
        "not",
        "default",
        "true",
        "award",
        "let",
        "in",
        "top",
        "per",
        "each",
        "policy",
        "consecutive",
        "otherwise",
    ],
)
def test_keywords_are_reserved(word: str) -> None:
    result = parse(f'policy "x"\neach month {{\n  let {word} = 1\n}}\n')
    assert result.policy is None
    (diagnostic,) = result.diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("E001", 3, 7)
    assert diagnostic.message == f"expected a name after `let`, found the keyword `{word}`"
    assert word in keywords()
    assert needs_backticks(word)


@pytest.mark.parametrize("word", ["red", "week", "when", "count", "reward", "let"])
def test_keywords_in_backticks_are_names(word: str) -> None:
    assert statements(f"  let `{word}` = 1\n  let b = `{word}` + 1") == (
        A.Let(word, n("1")),
        A.Let("b", b("+", v(word), n("1"))),
    )


@pytest.mark.parametrize("word", ["net", "tenure", "department", "sunday", "value", "level"])
def test_builtin_names_are_not_keywords(word: str) -> None:
    assert word not in keywords()
    assert not needs_backticks(word)
    assert expr(word) == A.Name(word)


def test_needs_backticks() -> None:
    assert needs_backticks("rated by")
    assert needs_backticks("2nd")
    assert not needs_backticks("服务分")


# ---- syntax errors ----------------------------------------------------------------------

H = 'policy "x"\n'

# fmt: off
SYNTAX_ERRORS = [
    # (id, source, code, line, column, message)
    ("empty file", "", "E003", 1, 1, 'the file is empty: a policy starts with `policy "NAME"`'),
    ("only a comment", "# nothing yet\n", "E003", 1, 1,
         'the file is empty: a policy starts with `policy "NAME"`'),
    ("no policy line", "each week { }", "E001", 1, 1,
         'a policy file starts with `policy "NAME"`, found the keyword `each`'),
    ("unclosed block", H + "each week {\n  red 1\n", "E003", 2, 11,
         "the file ends inside a block: the `{` opened here is never closed"),
    ("unclosed text", H + 'each week {\n  veto "abc when a\n}\n', "E002", 3, 8,
         "this text is never closed"),
    ("unclosed backtick", H + "each week {\n  let `a b = 1\n}\n", "E002", 3, 7,
         "this backtick name is never closed"),
    ("misspelled keyword", H + "each week {\n  redd 3\n}\n", "E001", 3, 3,
         "`redd` does not start a statement"),
    ("dangling when", H + "each week {\n  red 3 when\n  green 1\n}\n", "E001", 3, 9,
         "expected a condition after `when`, but the line ends here"),
    ("dangling per", H + "each week {\n  red 1 per\n  red 2\n}\n", "E001", 3, 9,
         "expected an event type after `per`, but the line ends here"),
    ("double equals in let", H + "each week {\n  let a == 1\n}\n", "E001", 3, 10,
         "expected a value after `=`, found `=`"),
    ("missing closing parenthesis", H + "each week {\n  let a = count(x\n}\n", "E001", 4, 1,
         "expected `)`, `.`, `over` or `where` after `x`, found `}`"),
    ("unknown character", H + "each week {\n  let a = 1 $ 2\n}\n", "E002", 3, 13,
         "unexpected character `$`"),
    ("curly quotes", H + "each week {\n  veto “x” when a\n}\n", "E006", 3, 8,
         "the text “x” is in Chinese quotation marks"),
    ("a lone curly quote", H + "each week {\n  veto “x when a\n}\n", "E002", 3, 8,
         "unexpected character `“`"),
    ("full-width parenthesis", H + "each week {\n  let a = count（x）\n}\n", "E006", 3, 16,
         "`（` is a full-width character"),
    ("space before percent", H + "each week {\n  let a = 95 %\n}\n", "E002", 3, 14,
         "unexpected character `%`"),
    ("semicolon", H + "each week {\n  let a = 1;\n}\n", "E002", 3, 12, "unexpected character `;`"),
    ("unknown period", H + "each day {\n}\n", "E001", 2, 6,
         "expected `half`, `month`, `quarter`, `week` or `year` after `each`, "
         "found the name `day`"),
    ("missing open brace", H + "each week\n  red 1\n}\n", "E001", 3, 3,
         "expected `ending` or `{` after `week`, found the keyword `red`"),
    ("stars line without when", H + "each week {\n  stars {\n    5 a > 1\n  }\n}\n", "E001", 4, 7,
         "expected `otherwise` or `when` after `5`, found the name `a`"),
    ("missing at in at most", H + "each week {\n  red 1 per x, most 3\n}\n", "E001", 3, 16,
         "expected `at` after `,`, found the keyword `most`"),
    ("header after a block", H + "each week {\n}\neffective 2026-01-01\n", "E001", 4, 1,
         "expected the end of the file or `each` after `}`, found the keyword `effective`"),
    ("bad date", H + "effective 2026\n", "E001", 2, 11,
         "expected a date such as 2026-01-01 after `effective`, found the number `2026`"),
    ("consecutive without its word", H + 'each month {\n  award "a" when a for 3 months\n}\n',
         "E001", 3, 26, "expected `consecutive` after `3`, found the keyword `months`"),
    ("score without starts", H + "each month {\n  score s at 100 {\n  }\n}\n", "E001", 3, 11,
         "expected `=` or `starts` after `s`, found the keyword `at`"),
    ("block inside a block", H + "each week {\n  each month { }\n}\n", "E001", 3, 3,
         "expected a statement (`let`, `score`, `red`, `green`, `veto`, `stars`, `award`, "
         "`reward`) or `}` after `{`, found the keyword `each`"),
    ("extra closing brace", H + "each month {\n  red 1\n}\n}\n", "E001", 5, 1,
         "expected the end of the file or `each` after `}`, found `}`"),
    ("if instead of when", H + "each month {\n  red 1 if a > 2\n}\n", "E001", 3, 9,
         "`if` does not start a statement"),
    ("within without a name", H + 'each month {\n  award "a" to top 3 by net within\n}\n', "E001",
         4, 1, "expected a name after `within`, found `}`"),
    ("chained comparison", H + "each month {\n  let a = x < y < z\n}\n", "E001", 3, 17,
         "expected a statement (`let`, `score`, `red`, `green`, `veto`, `stars`, `award`, "
         "`reward`), an operator or `}` after `y`, found `<`"),
]
# fmt: on


@pytest.mark.parametrize(
    ("source", "code", "line", "column", "message"),
    [case[1:] for case in SYNTAX_ERRORS],
    ids=[case[0] for case in SYNTAX_ERRORS],
)
def test_syntax_error_messages(
    source: str, code: str, line: int, column: int, message: str
) -> None:
    assert errors(source)[:1] == [(code, line, column, message)]


@pytest.mark.parametrize(
    ("source", "help_text"),
    [
        (H + "each week {\n  redd 3\n}\n", "did you mean `red`?"),
        (H + "each week {\n  red 3 when\n  green 1\n}\n", "finish the line, or remove `when`"),
        (
            H + "each week {\n  let red = 1\n}\n",
            "`red` is a reserved word; to use it as a name, write it as `` `red` ``",
        ),
        ("policy x\n", 'a policy starts with its name in double quotes: policy "前台周服务之星"'),
        (
            H + "each week {\n  veto “x when a\n}\n",
            'texts are written in straight double quotes: "like this"',
        ),
        (
            H + "each week {\n  let a = 95 %\n}\n",
            "a percentage is written right after its number: `95%`",
        ),
        (
            H + "each week {\n  let a = count（x）\n}\n",
            "use `(` (`starrating fmt --write` repairs it)",
        ),
        (
            H + "each week {\n  let a = 95 ％\n}\n",
            "a percentage is written right after its number: `95%`",
        ),
        (H + "each week {\n  red 1\n", "add a closing `}`"),
        (
            H + "each week {\n  let a = b c\n}\n",
            "each statement starts with `let`, `score`, `red`, `green`, `veto`, `stars`, `award` "
            "or `reward`",
        ),
    ],
)
def test_syntax_error_help(source: str, help_text: str) -> None:
    result = parse(source)
    assert result.policy is None
    assert result.diagnostics[0].help == help_text


def test_several_syntax_errors_in_one_run() -> None:
    source = H + "each week {\n  redd 3\n  let a == 1\n  red 2 when\n}\n"
    assert errors(source) == [
        ("E001", 3, 3, "`redd` does not start a statement"),
        ("E001", 4, 10, "expected a value after `=`, found `=`"),
        ("E001", 5, 9, "expected a condition after `when`, but the line ends here"),
    ]


def test_syntax_errors_carry_the_file_name() -> None:
    result = parse(H + "each week {\n  redd 3\n}\n", "p/a.policy")
    assert [d.file for d in result.diagnostics] == ["p/a.policy"]


def test_binary_data_is_refused() -> None:
    result = parse('policy "x"\x00\x01')
    assert result.policy is None
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "E004"
    assert diagnostic.message == "this is not a policy file: it holds binary data"


def test_too_deep_nesting_is_refused_without_recursion_error() -> None:
    result = parse(H + "each week {\n  let a = " + "not " * 3000 + "true\n}\n")
    assert result.policy is None
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "E005"
    assert diagnostic.message == "this expression is too deep (more than 120 nested operations)"
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 3)


def test_redundant_parentheses_do_not_count_as_nesting() -> None:
    assert expr("(" * 2000 + "a" + ")" * 2000) == v("a")


def test_a_realistic_long_sum_is_accepted() -> None:
    terms = [f"count(t{i})" for i in range(80)]
    tree = expr(" + ".join(terms))
    assert isinstance(tree, A.Binary)
    assert A.depth(tree) == 80


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (H + "each month {\n  red 500 600\n}\n", "after `500`"),
        (H + "each month {\n  let a = 1.5 2\n}\n", "after `1.5`"),
        (H + "each month {\n  let a = 95% 2\n}\n", "after `95%`"),
        (H + "each month {\n  let a = `x y` 2\n}\n", "after `` `x y` ``"),
    ],
)
def test_message_names_the_whole_previous_token(source: str, fragment: str) -> None:
    (diagnostic,) = parse(source).diagnostics
    assert fragment in diagnostic.message


def test_chained_comparison_gets_a_hint() -> None:
    (diagnostic,) = parse(H + "each month {\n  let a = x < y < z\n}\n").diagnostics
    assert diagnostic.help == (
        "comparisons cannot be chained: combine them with `and`, as in `a < b and b < c`"
    )


def test_double_equals_gets_a_hint() -> None:
    (diagnostic,) = parse(H + "each month {\n  red 1 when a == 1\n}\n").diagnostics
    assert diagnostic.help == "the comparisons are `=`, `!=`, `<`, `<=`, `>`, `>=`"


def test_dangling_comparison_is_reported_on_its_own_line() -> None:
    source = H + "each month {\n  red 1 when a >\n  green 1\n}\n"
    assert errors(source) == [
        ("E001", 3, 16, "expected a value after `>`, but the line ends here"),
    ]


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (H + "each month {\n  award best when a\n}\n", "double quotes"),
        (H + "each month {\n  let a = count\n}\n", "expected `(` after `count`"),
    ],
)
def test_message_names_what_can_actually_follow(source: str, fragment: str) -> None:
    (diagnostic,) = parse(source).diagnostics
    assert fragment in diagnostic.message


@pytest.mark.parametrize(("digit", "code"), [("５", "E006"), ("٣", "E002"), ("𝟓", "E002")])
def test_only_ascii_digits_are_numbers(digit: str, code: str) -> None:
    # A full-width digit is a slip of a Chinese keyboard (E006, repaired by `fmt --write`);
    # other scripts' digits are simply not part of the language.
    result = parse(H + f"each month {{\n  let a = {digit}\n}}\n")
    assert result.policy is None
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [(code, 3, 11)]


# ---- full-width characters (E006) -------------------------------------------------------


def test_full_width_characters_are_reported_once_each_and_nothing_follows_from_them() -> None:
    source = H + "each month {\n  let a = count（x）＋８５\n  red 1 per x，at most ３\n}\n"
    assert errors(source) == [
        ("E006", 3, 16, "`（` is a full-width character"),
        ("E006", 3, 18, "`）＋８５` is made of full-width characters"),
        ("E006", 4, 14, "`，` is a full-width character"),
        ("E006", 4, 23, "`３` is a full-width character"),
    ]
    helps = [d.help for d in parse(source).diagnostics]
    assert helps[1] == "use `)+85` (`starrating fmt --write` repairs it)"


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("let a = 1５", "use `15`"),
        ("let a = ８．５", "use `8.5`"),
        ("let a = b ！＝ 2", "use `!=`"),
        ("let a = ９５％ * 2", "use `95%`"),
        ("let a = b in 【1, 2】", "use `[`"),
        ("let a = 1；", "a policy has no `;`: remove it (a statement ends with its line)"),
    ],
)
def test_full_width_help_names_the_fix(line: str, fix: str) -> None:
    first = parse(H + f"each month {{\n  {line}\n}}\n").diagnostics[0]
    assert first.code == "E006"
    assert first.help is not None and first.help.startswith(fix)


def test_full_width_characters_in_texts_comments_and_names_are_kept() -> None:
    policy = parse_ok(
        H + "# 说明：前台，月度\neach month {\n  let 季度１ = 1  # 注释（一）\n"
        '  veto "投诉，有责（A）“严重”" when 季度１ > 0\n}\n'
    )
    veto = policy.blocks[0].statements[1]
    assert isinstance(veto, A.Veto) and veto.reason == "投诉，有责（A）“严重”"
    assert [c.text for c in policy.comments] == ["# 说明：前台，月度", "# 注释（一）"]


def test_chinese_quotation_marks_around_a_text_are_one_mistake() -> None:
    for text in ("“周服务之星”", "”周服务之星“", '"周服务之星”', '“周服务之星"'):
        source = H + f"each month {{\n  award {text} when true\n}}\n"
        (diagnostic,) = parse(source).diagnostics
        assert (diagnostic.code, diagnostic.span.column, diagnostic.span.end_column) == (
            "E006",
            9,
            16,
        )
        assert diagnostic.help == (
            'write the text in straight double quotes: "周服务之星" '
            "(`starrating fmt --write` repairs it)"
        )


def test_other_syntax_errors_are_found_after_full_width_characters() -> None:
    source = H + "each month {\n  let a = count（x）\n  redd 1\n}\n"
    assert [(code, line) for code, line, _, _ in errors(source)] == [
        ("E006", 3),
        ("E006", 3),
        ("E001", 4),
    ]


def test_a_lone_full_width_percent_sign_is_left_to_the_character_error() -> None:
    # Not after a number, `％` would be wrong as `%` too: one message, not two.
    (diagnostic,) = parse(H + "each month {\n  let a = 95 ％\n}\n").diagnostics
    assert diagnostic.code == "E002"


# ---- a block left open (E007) -----------------------------------------------------------


def test_a_block_left_open_is_reported_at_its_brace_not_at_the_next_block() -> None:
    source = H + "each week {\n  red 1 per x\n\neach month {\n  red 1 per x\n}\n"
    (diagnostic,) = parse(source).diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("E007", 2, 11)
    assert diagnostic.message == "the `{` opened here is never closed"
    assert diagnostic.help == (
        "the `each week` block (line 2) needs its `}` before the keyword `each` on line 5"
    )


@pytest.mark.parametrize(
    ("body", "line", "column", "head"),
    [
        ('  stars {\n    5 when a\n    1 otherwise\n  award "A" when a\n', 4, 9, "stars"),
        ("  score s starts at 0 {\n    plus 1 per x\n  let b = s\n", 4, 23, "score s starts at 0"),
        ("  reward by stars { 5: 1, 4: 2\n  red 1\n", 4, 19, "reward by stars"),
    ],
)
def test_an_inner_block_left_open_is_reported_at_its_brace(
    body: str, line: int, column: int, head: str
) -> None:
    (diagnostic,) = parse(H + "each month {\n  let a = true\n" + body + "}\n").diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == (
        "E007",
        line,
        column,
    )
    assert diagnostic.help.startswith(f"the `{head}` block (line {line}) needs its `}}`")


def test_two_blocks_left_open_and_a_later_error_are_all_reported_in_place() -> None:
    source = H + "each week {\n  stars {\n    5 when a  # note\neach month {\n  redd 1 per x\n}\n"
    result = parse(source)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [
        ("E007", 2, 11),
        ("E007", 3, 9),
        ("E001", 6, 3),
    ]
    # The `}` recovery inserted is not part of the positions reported.
    assert result.diagnostics[2].span.start_pos == source.index("redd")


def test_a_block_inside_a_block_is_not_a_block_left_open() -> None:
    # Every `{` has its `}`: the nested `each` is the mistake (E001), not a missing brace.
    (code, *_), *_ = errors(H + "each week {\n  each month { }\n}\n")
    assert code == "E001"


def test_at_the_end_of_the_file_the_brace_blamed_follows_the_indentation() -> None:
    # The `}` on the last line is the block's (same indentation): the `stars` block is
    # the one left open.
    source = H + "each week {\n  stars {\n    5 when a\n}\n"
    assert errors(source) == [
        ("E003", 3, 9, "the file ends inside a block: the `{` opened here is never closed")
    ]


# ---- Chinese connectives (E008) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "word", "column", "fix"),
    [
        ("a > 1 且 b < 5", "且", 20, "write `and` ("),
        ("a > 1 并且 b < 5", "并且", 20, "write `and` ("),
        ("a > 1且b < 5", "且", 19, "write `and`, with a space on each side"),
        ("a > 1 或 b < 5", "或", 20, "write `or` ("),
        ("a > 1 或者 b < 5", "或者", 20, "write `or` ("),
        ("非 a > 1", "非", 14, "write `not` ("),
        ('不 awarded("A")', "不", 14, "write `not` ("),
        ('role 不 in ["x"]', "不", 19, "write `not in` ("),
    ],
)
def test_chinese_connectives_get_the_keyword(
    condition: str, word: str, column: int, fix: str
) -> None:
    (diagnostic,) = parse(H + f"each month {{\n  red 1 when {condition}\n}}\n").diagnostics
    assert (diagnostic.code, diagnostic.span.column) == ("E008", column)
    assert diagnostic.message == f"`{word}` is not an operator of the language"
    assert diagnostic.help.startswith(fix)


def test_names_that_start_like_a_connective_are_names() -> None:
    body = "  let 非常好 = 1\n  let 不合格 = 非常好 > 0\n  let 或许 = 不合格 and 非常好 > 0"
    assert [s.name for s in statements(body)] == ["非常好", "不合格", "或许"]


# ---- recovery ---------------------------------------------------------------------------


def test_every_misspelled_statement_is_reported() -> None:
    source = H + 'each month {\n  lett x = 1\n  awrd "A" when x > 0\n  red 1\n}\n'
    result = parse(source)
    assert [(d.code, d.span.line, d.message, d.help) for d in result.diagnostics] == [
        ("E001", 3, "`lett` does not start a statement", "did you mean `let`?"),
        ("E001", 4, "`awrd` does not start a statement", "did you mean `award`?"),
    ]


def test_a_continuation_line_is_skipped_with_its_broken_statement() -> None:
    # `rewards 2` would look like a misspelled `reward`, but the line before cannot end
    # with `and`: it is the rest of the broken statement, not a second error.
    source = H + "each month {\n  redd 1 when a and\n    rewards 2\n  red 1\n}\n"
    assert [(code, line) for code, line, _, _ in errors(source)] == [("E001", 3)]


def test_a_name_like_a_connective_at_the_end_of_a_line_is_a_value() -> None:
    # `非` ends the line before as a value; the error below it is the misspelling.
    source = H + "each month {\n  let 非 = 1\n  let a = 非\n  redd 1\n}\n"
    assert [(code, line) for code, line, _, _ in errors(source)] == [("E001", 5)]


def test_a_misplaced_full_width_character_is_one_error_not_two() -> None:
    # `（` is reported; that a `(` would be wrong there too is not a second error.
    source = H + "each month {\n  red 1 per x（\n  redd 2\n}\n"
    assert [(code, line, column) for code, line, column, _ in errors(source)] == [
        ("E006", 3, 14),
        ("E001", 4, 3),
    ]


@pytest.mark.parametrize(
    "continuation", ["    to top 3 by letters", "    letters default 0", "    min(x) > 1"]
)
def test_a_continuation_line_is_not_taken_for_a_misspelled_statement(continuation: str) -> None:
    # A keyword (`to`) or a name (`letters`, close to `let` only loosely) opening the
    # next line continues the broken statement: one error, not two.
    source = H + f'each month {{\n  awrd "A"\n{continuation}\n  red 1\n}}\n'
    assert [(code, line) for code, line, _, _ in errors(source)] == [("E001", 3)]
