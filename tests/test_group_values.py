"""Group values (docs/language.md, "Group values"): `group_count`, `group_sum`, `group_avg`,
`group_min`, `group_max` and `top_share`, with and without `within`, and `score` as a
name: parsing, formatting, the checks (E115 and the existing codes they reuse), and runs
end to end through the command line, worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import invoke, write_text
from test_differential import check_fixed, fixed, person

from starrating.language import ast as A
from starrating.language.checker import check_policy
from starrating.language.formatter import format_policy
from starrating.language.parser import parse

FUNCS = ("group_count", "group_sum", "group_avg", "group_min", "group_max", "top_share")


def _block(body: str) -> str:
    return f'policy "p"\n\neach month {{\n{body}\n}}\n'


def _diagnostics(body: str) -> list[tuple[str, int | None, int | None, str]]:
    parsed = parse(_block(body))
    assert parsed.policy is not None, parsed.diagnostics
    return [
        (d.code, d.span.line if d.span else None, d.span.column if d.span else None, d.message)
        for d in check_policy(parsed.policy).diagnostics
    ]


# ---- parser and formatter ---------------------------------------------------------------


@pytest.mark.parametrize("func", FUNCS)
def test_each_function_parses_with_and_without_within(func: str) -> None:
    operand = "x > 1" if func == "group_count" else "x"
    parsed = parse(_block(f"  let a = {func}({operand})\n  let b = {func}({operand} within dept)"))
    assert parsed.policy is not None, parsed.diagnostics
    first, second = parsed.policy.blocks[0].statements
    assert isinstance(first.expr, A.GroupAggregate) and first.expr.func == func
    assert first.expr.within is None
    assert second.expr.within == "dept"
    line = _block(f"  let a = {func}({operand})\n  let b = {func}({operand} within dept)")
    assert second.expr.within_span.start_pos == line.index("dept)")


def test_group_values_format_canonically_and_round_trip() -> None:
    source = _block(
        "  let share = top_share(  calls   within   department )\n"
        "  let n = group_count(calls > 2 and calls < 9)\n"
        '  award "a" when group_avg((calls) within `部门 名`) >= 90%'
    )
    policy = parse(source).policy
    assert policy is not None
    text = format_policy(policy)
    assert "  let share = top_share(calls within department)\n" in text
    assert "  let n = group_count(calls > 2 and calls < 9)\n" in text
    assert '  award "a" when group_avg(calls within `部门 名`) >= 90%\n' in text
    assert parse(text).policy == policy
    assert format_policy(parse(text).policy) == text


@pytest.mark.parametrize("func", FUNCS)
def test_the_six_names_are_reserved(func: str) -> None:
    parsed = parse(_block(f"  let {func} = 1"))
    assert parsed.policy is None
    (diagnostic,) = parsed.diagnostics
    assert diagnostic.code == "E001"
    assert diagnostic.message == f"expected a name after `let`, found the keyword `{func}`"
    assert diagnostic.help == (
        f"`{func}` is a reserved word; to use it as a name, write it as `` `{func}` ``"
    )
    assert parse(_block(f"  let `{func}` = 1")).policy is not None


def test_score_is_a_name_wherever_a_name_stands() -> None:
    source = _block(
        "  score score = count(call)\n"
        "  let total = score + 1\n"
        "  let score2 = top_share(score within department)\n"
        '  award "a" to top 2 by score within department\n'
        "  score other starts at score {\n    minus 1 per call\n  }"
    )
    policy = parse(source).policy
    assert policy is not None
    score, total, share, award, other = policy.blocks[0].statements
    assert isinstance(score, A.ScoreValue) and score.name == "score"
    assert total.expr == A.Binary("+", A.Name("score"), A.Number("1"))
    assert share.expr == A.GroupAggregate("top_share", A.Name("score"), "department")
    assert award.top.keys == (A.Name("score"),)
    assert isinstance(other, A.ScoreBuilt) and other.base == A.Name("score")
    # Printed bare, never in backticks, and read back the same.
    text = format_policy(policy)
    assert "`score`" not in text
    assert parse(text).policy == policy
    assert check_policy(policy).diagnostics == []


def test_a_score_after_a_complete_expression_starts_the_next_statement() -> None:
    policy = parse(_block("  let score = 1\n  let x = score\n  score y = score * 2")).policy
    assert policy is not None
    assert [type(s).__name__ for s in policy.blocks[0].statements] == [
        "Let",
        "Let",
        "ScoreValue",
    ]


def test_an_unfinished_line_before_a_score_statement_is_reported_where_it_ends() -> None:
    # `score` is a name, so the unfinished `let` reads it as its value; the error is still
    # placed at the `=` that lacks a value, as for `red 3 when` + `green 1 ...`.
    parsed = parse(_block("  let a =\n  score b = 1"))
    assert [(d.code, d.span.line, d.span.column, d.message) for d in parsed.diagnostics] == [
        ("E001", 4, 9, "expected a value after `=`, but the line ends here")
    ]


# ---- checks -----------------------------------------------------------------------------


def test_a_veto_may_not_read_a_group_value() -> None:
    (found,) = _diagnostics('  veto "v" when top_share(count(x)) <= 50%')
    assert found == ("E115", 4, 17, "a veto cannot depend on the group value `top_share(...)`")


def test_a_veto_may_not_read_a_group_value_through_a_name() -> None:
    found = _diagnostics(
        "  let team = group_avg(count(x) within department)\n"
        "  let gap = count(x) - team\n"
        '  veto "v" when gap > 1'
    )
    assert found == [
        (
            "E115",
            6,
            17,
            "a veto cannot depend on the group value `group_avg(...)`, which `gap` uses (line 4)",
        )
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # group_count counts where a condition holds; the others take numbers.
        ("  let n = group_count(count(x))", ("E023", 4, 23)),
        ('  let n = group_sum("a")', ("E024", 4, 21)),
        ("  let n = top_share(count(x) > 1)", ("E022", 4, 21)),
        # `within` names a roster attribute.
        ("  let n = group_max(count(x) within nope)", ("E014", 4, 37)),
        # Only over a block's employees: not in a `where` filter or in `applies to`.
        ("  let n = count(x where group_count(true) > 0)", ("E015", 4, 25)),
        # A quota may read only the `within` attribute.
        ('  award "a" to top group_count(true within department) by count(x) within department',
         ("E104", 4, 20)),
    ],
)  # fmt: skip
def test_the_checks_group_values_reuse(body: str, expected: tuple[str, int, int]) -> None:
    assert [d[:3] for d in _diagnostics(body)] == [expected]


def test_group_values_may_be_keys_conditions_amounts_and_stars() -> None:
    body = (
        "  let share = top_share(count(x) within department)\n"
        "  red group_count(count(x) > 1)\n"
        "  stars {\n    5 when share <= 10%\n    4 otherwise\n  }\n"
        '  award "a" to top 3 by group_sum(count(x) within role) then by count(x)\n'
        '  award "b" when group_min(count(x)) > 0 with reward group_max(count(x))'
    )
    assert _diagnostics(body) == []


def test_applies_to_may_not_read_a_group_value() -> None:
    parsed = parse('policy "p"\napplies to group_count(true) > 1\n\neach month {\n}\n')
    assert parsed.policy is not None
    codes = [d.code for d in check_policy(parsed.policy).diagnostics]
    assert codes == ["E013"]


# ---- runs -------------------------------------------------------------------------------

# The example of the language spec, section 9.4, as written: `score` is a `let` name here.
EXAMPLE = (
    'award "窗口服务之星" to top match district { "东城": 2, "西城": 4, otherwise: 3 } '
    "by score within district"
)
POLICY = """policy "组" version 1
timezone "Asia/Shanghai"

each month {
  let satisfaction = avg(survey.value)
  let score = satisfaction default 0
  let share = top_share(satisfaction within department)
  let share_all = top_share(satisfaction)
  let team_avg = group_avg(satisfaction within department)
  let team_sum = group_sum(satisfaction within department)
  let team_min = group_min(satisfaction within department)
  let team_max = group_max(satisfaction within department)
  let satisfied = group_count(satisfaction >= 90% within department)
  let satisfied_all = group_count(satisfaction >= 90%)
  veto "有责投诉" when count(complaint) > 0
  award "满意度前30%" when top_share(satisfaction within department) <= 30%
  award "组内前半" when share <= 50%
  award "团队达标" when group_avg(satisfaction within department) >= 90%
  EXAMPLE
}
""".replace("EXAMPLE", EXAMPLE)

# 一组: A1 0.95, A2 0.9, A3 0.9 (0.85 and 0.95), A4 no survey. 二组: B1 0.92, B2 0.99 but
# vetoed (a complaint), B3 hired after the month (not rated). No department: C1 (no survey)
# and C2 0.5, a group of their own. 三组: D1 alone, no survey.
ROSTER = """employee_id,name,department,district,hire_date
A1,A1,一组,东城,2024-01-01
A2,A2,一组,东城,2024-01-01
A3,A3,一组,西城,2024-01-01
A4,A4,一组,西城,2024-01-01
B1,B1,二组,东城,2024-01-01
B2,B2,二组,东城,2024-01-01
B3,B3,二组,东城,2026-11-15
C1,C1,,,2024-01-01
C2,C2,,,2024-01-01
D1,D1,三组,,2024-01-01
"""
EVENTS = """event_id,employee_id,type,occurred_at,value
s1,A1,survey,2026-10-05T10:00:00+08:00,0.95
s2,A2,survey,2026-10-05T10:00:00+08:00,0.9
s3,A3,survey,2026-10-05T10:00:00+08:00,0.85
s4,A3,survey,2026-10-06T10:00:00+08:00,0.95
s5,B1,survey,2026-10-05T10:00:00+08:00,0.92
s6,B2,survey,2026-10-05T10:00:00+08:00,0.99
s7,B3,survey,2026-10-05T10:00:00+08:00,1
s8,C2,survey,2026-10-05T10:00:00+08:00,0.5
c1,B2,complaint,2026-10-06T10:00:00+08:00,
"""


@pytest.fixture
def recorded(in_tmp: Path) -> tuple[str, dict[str, dict]]:
    write_text(in_tmp / "p.policy", POLICY)
    write_text(in_tmp / "roster.csv", ROSTER)
    write_text(in_tmp / "events.csv", EVENTS)
    result = invoke(
        ["run", "p.policy", "--period", "2026-10", "--roster", "roster.csv", "--events",
         "events.csv", "--format", "json", "--db", "s.duckdb"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {row["employee_id"]: row for row in document["results"]}
    return document["run"]["run_id"], rows


def _values(rows: dict[str, dict], name: str) -> dict[str, object]:
    return {employee: row["values"][name] for employee, row in rows.items()}


def _winners(rows: dict[str, dict], award: str) -> list[str]:
    return sorted(employee for employee, row in rows.items() if award in row["awards"])


def test_top_share_counts_missing_values_in_the_denominator_and_ties_together(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    _run, rows = recorded
    assert "B3" not in rows  # hired after the month: not rated, in no group
    assert _values(rows, "share") == {
        # 一组 has 4 rated members, A4 without a value: A1 is 1 of 4; A2 and A3 tie at 0.9
        # and count each other (3 of 4); A4 gets no share.
        "A1": 0.25, "A2": 0.75, "A3": 0.75, "A4": None,
        # 二组: the vetoed B2 is not a member, so B1 is alone; B2 gets no share.
        "B1": 1, "B2": None,
        # A missing department is a group of its own: C1 and C2.
        "C1": None, "C2": 0.5,
        "D1": None,
    }  # fmt: skip
    # Without `within`: the 8 rated, non-vetoed employees. B1's 0.92: A1 and B1 of 8.
    assert _values(rows, "share_all") == {
        "A1": 0.125, "A2": 0.5, "A3": 0.5, "A4": None, "B1": 0.25, "B2": None,
        "C1": None, "C2": 0.625, "D1": None,
    }  # fmt: skip


def test_group_aggregates_skip_vetoed_members_and_missing_values(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    _run, rows = recorded
    one = {"team_avg": 0.916667, "team_sum": 2.75, "team_min": 0.9, "team_max": 0.95}
    two = {"team_avg": 0.92, "team_sum": 0.92, "team_min": 0.92, "team_max": 0.92}
    # 三组's only member has no value: the sum of none is 0, the others are missing.
    three = {"team_avg": None, "team_sum": 0, "team_min": None, "team_max": None}
    none = {"team_avg": 0.5, "team_sum": 0.5, "team_min": 0.5, "team_max": 0.5}
    expected = {"A1": one, "A2": one, "A3": one, "A4": one, "B1": two, "B2": two,
                "C1": none, "C2": none, "D1": three}  # fmt: skip
    for employee, values in expected.items():
        for name, value in values.items():
            assert rows[employee]["values"][name] == value, (employee, name)
    # A vetoed employee reads their group's value (B2: 0.92, not with their own 0.99).
    assert _values(rows, "satisfied") == {
        "A1": 3,
        "A2": 3,
        "A3": 3,
        "A4": 3,
        "B1": 1,
        "B2": 1,
        "C1": 0,
        "C2": 0,
        "D1": 0,
    }
    assert set(_values(rows, "satisfied_all").values()) == {4}


def test_the_specs_sentences_as_awards(recorded: tuple[str, dict[str, dict]]) -> None:
    _run, rows = recorded
    # "satisfaction in the top 30% of the department": 30% of 一组's 4 rated staff.
    assert _winners(rows, "满意度前30%") == ["A1"]
    assert _winners(rows, "组内前半") == ["A1", "C2"]
    # "the team beat its target": 一组 0.916667 and 二组 0.92; B2 is vetoed.
    assert _winners(rows, "团队达标") == ["A1", "A2", "A3", "A4", "B1"]


def test_the_district_quota_example_runs_as_written_with_score_as_a_name(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    _run, rows = recorded
    # 东城 top 2 by score: A1 0.95, B1 0.92 (A2 0.9 third; B2 vetoed, no candidate);
    # 西城 quota 4: A3 and A4; no district: `otherwise` 3, C1, C2 and D1.
    assert _winners(rows, "窗口服务之星") == ["A1", "A3", "A4", "B1", "C1", "C2", "D1"]


def test_explain_shows_group_values_and_what_they_were_taken_over(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    run_id, _rows = recorded

    def explain(employee: str) -> str:
        result = invoke(["explain", run_id, "--employee", employee, "--db", "s.duckdb"])
        assert result.exit_code == 0, result.output
        return result.output

    a1 = explain("A1")
    assert "            share = 0.25\n" in a1
    assert (
        'award "满意度前30%": won\n            because top_share(satisfaction within department)'
        " <= 30% is true (top_share(satisfaction within department) = 0.25)"
    ) in a1
    assert "because share <= 50% is true (share = 0.25)" in a1
    assert (
        "because group_avg(satisfaction within department) >= 90% is true"
        " (group_avg(satisfaction within department) = 0.916667)"
    ) in a1
    b2 = explain("B2")
    assert "share = top_share: none (vetoed)" in b2
    a4 = explain("A4")
    assert "share = top_share: none (no value)" in a4
    assert 'award "组内前半": not awarded: share <= 50% is false (share = missing)' in a4
    d1 = explain("D1")
    assert "team_avg = group_avg: none, no value among 1 in 三组" in d1
    assert "team_sum = 0\n" in d1


def test_a_line_amount_from_a_group_value_shows_its_counts(in_tmp: Path) -> None:
    policy = (
        'policy "p"\ntimezone "Asia/Shanghai"\n\neach month {\n'
        "  red top_share(count(praise) within department) * 10\n"
        "  green group_count(count(praise) > 1)\n}\n"
    )
    write_text(in_tmp / "p.policy", policy)
    write_text(in_tmp / "roster.csv", ROSTER)
    write_text(
        in_tmp / "events.csv",
        "event_id,employee_id,type,occurred_at\n"
        "p1,A1,praise,2026-10-05T10:00:00+08:00\np2,A1,praise,2026-10-06T10:00:00+08:00\n"
        "p3,A2,praise,2026-10-05T10:00:00+08:00\n",
    )
    result = invoke(
        ["run", "p.policy", "--period", "2026-10", "--roster", "roster.csv", "--events",
         "events.csv", "--format", "json", "--db", "s.duckdb"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {row["employee_id"]: row for row in document["results"]}
    # 一组: A1 2 praises, A2 1, A3 and A4 none (0, tied): A2 is 2 of 4, A3 4 of 4.
    assert (rows["A1"]["red"], rows["A2"]["red"], rows["A3"]["red"]) == (2.5, 5, 10)
    assert {row["green"] for row in rows.values()} == {1}
    out = invoke(
        ["explain", document["run"]["run_id"], "--employee", "A2", "--db", "s.duckdb"]
    ).output
    assert "red +5 (top_share: 2 of 4 in 一组 at or above 1)" in out
    assert "green +1 (group_count: 1 of 9)" in out


# ---- the engine against the reference evaluator, on a hand-made log ---------------------


def test_engine_and_reference_agree_on_group_values_across_blocks_and_look_backs() -> None:
    policy = (
        'policy "g"\ntimezone "Asia/Shanghai"\n'
        "each week {\n"
        "  let sales = count(sale)\n"
        "  let share = top_share(sales within department)\n"
        "}\n"
        "each month {\n"
        "  let big = max(sale.value)\n"
        "  let team_big = group_max(big within department)\n"
        "  let share = top_share(big within department)\n"
        "  let before = previous(share) default 0\n"
        "  let weeks_top = count(weeks where share <= 50%)\n"
        '  veto "有责投诉" when count(complaint where responsible) > 0\n'
        "  red group_count(big >= 3 within role)\n"
        "  green group_sum(big) - group_min(big within department)\n"
        '  award "top" to top 1 by group_avg(big within department) then by big\n'
        "}\n"
    )
    scenario = fixed(
        policy,
        "2026-02",
        [person("E1"), person("E2"), person("E3"), person("E4"), person("E5", "B"),
         person("E6", None)],
        [
            ("E1", "sale", "2026-01-10 10:00", "offset", "1"),
            ("E2", "sale", "2026-01-11 10:00", "offset", "2"),
            ("E1", "sale", "2026-02-02 10:00", "offset", "3"),
            ("E2", "sale", "2026-02-03 10:00", "naive", "3"),
            ("E3", "sale", "2026-02-03 11:00", "utc", "9"),
            ("E3", "complaint", "2026-02-04 12:00", "offset", None, {"responsible": "1"}),
            ("E5", "sale", "2026-02-05 08:00", "offset", "1"),
            ("E6", "sale", "2026-02-06 08:00", "offset", "5"),
        ],
    )  # fmt: skip
    # February, department A: E1 and E2 (3, tied) and E4 (no sale) are the members; E3
    # (9) is vetoed. E1 is 2 of 3. In January nobody was vetoed: E1 (1) and E2 (2) of 4.
    # red: 3 members with big >= 3 (E1, E2, E6; not the vetoed E3). green: the sum over
    # the 5 members, 12, less the least of the department (A 3, B 1, none 5). The award
    # goes by the department's average: E6's group of one, 5, is the highest.
    month = "2026-02"
    a_member = {"red": Decimal(3), "green": Decimal(9), "awards": []}
    check_fixed(
        scenario,
        {
            (month, "E1"): {**a_member, "values": {
                "big": Decimal(3), "team_big": Decimal(3), "share": Decimal("0.666667"),
                "before": Decimal("0.5"), "weeks_top": Decimal(0)}},
            (month, "E2"): {**a_member},
            (month, "E3"): {"vetoed": True, "red": Decimal(3), "awards": []},
            (month, "E4"): {**a_member},
            (month, "E5"): {"green": Decimal(11), "awards": []},
            (month, "E6"): {"green": Decimal(7), "awards": ["top"]},
            ("2026-W06", "E1"): {"values": {"sales": Decimal(1), "share": Decimal("0.75")}},
        },
    )  # fmt: skip
