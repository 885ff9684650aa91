"""`match` expressions and quotas that differ by group (docs/language.md, "match and quotas
that differ by group"): parsing, formatting, the checks E100-E105, and runs end to end
through the command line, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke, write_text

from starrating.language import ast as A
from starrating.language.checker import check_policy
from starrating.language.formatter import format_policy
from starrating.language.parser import parse


def _block(body: str) -> str:
    return f'policy "p"\n\neach month {{\n{body}\n}}\n'


def _codes(body: str) -> list[tuple[str, int | None]]:
    parsed = parse(_block(body))
    assert parsed.policy is not None, parsed.diagnostics
    return [
        (d.code, d.span.column if d.span else None) for d in check_policy(parsed.policy).diagnostics
    ]


# ---- parser and formatter ---------------------------------------------------------------


def test_match_parses_into_keys_values_and_otherwise() -> None:
    parsed = parse(_block('  let q = match district { "东城": 2, "西城": 4, otherwise: 3 }'))
    assert parsed.policy is not None
    (let,) = parsed.policy.blocks[0].statements
    assert let.expr == A.Match(
        A.Name("district"),
        (
            A.MatchArm(A.String("东城"), A.Number("2")),
            A.MatchArm(A.String("西城"), A.Number("4")),
        ),
        A.Number("3"),
    )


def test_a_quota_is_any_expression_and_a_bare_percentage_stays_a_share() -> None:
    parsed = parse(_block('  award "a" to top 30% by x\n  award "b" to top 1 + 1 by x'))
    assert parsed.policy is not None
    first, second = parsed.policy.blocks[0].statements
    assert first.top.is_share and first.top.count == A.Number("30%")
    assert not second.top.is_share
    assert second.top.count == A.Binary("+", A.Number("1"), A.Number("1"))


def test_match_formats_on_one_line_and_round_trips() -> None:
    source = _block(
        '  let q = match   district {\n    "东城": 2,\n    "西城": 4,\n    otherwise: 3,\n  }\n'
        '  award "a" to top match district { "东城": 2 } * 2 by q within district'
    )
    policy = parse(source).policy
    assert policy is not None
    text = format_policy(policy)
    assert '  let q = match district { "东城": 2, "西城": 4, otherwise: 3 }\n' in text
    assert 'to top match district { "东城": 2 } * 2 by q within district' in text
    assert parse(text).policy == policy
    assert format_policy(parse(text).policy) == text


def test_a_match_without_a_keyed_arm_is_a_syntax_error() -> None:
    assert parse(_block("  let q = match x { otherwise: 3 }")).policy is None


# ---- checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('  let q = match department { "a": 1, 2: 3 }', [("E100", 38)]),
        ('  let q = match department { "a": 1, "a": 3 }', [("E101", 38)]),
        ("  let q = match count(x) { 1: 1, 1.0: 3 }", [("E101", 34)]),
        ("  let q = match department { 1: 1 }", [("E102", 17)]),
        ('  let q = match department { "a": 1, otherwise: "b" }', [("E103", 49)]),
        ('  award "a" to top count(x) by count(x)', [("E104", 20)]),
        ('  award "a" to top match role { "x": 1 } by count(x) within department', [("E104", 26)]),
        (
            '  award "a" to top match department { "x": 50% } by count(x) within department',
            [("E105", 44)],
        ),
        ('  award "a" to top "two" by count(x)', [("E024", 20)]),
    ],
)
def test_each_check_is_located(body: str, expected: list[tuple[str, int]]) -> None:
    assert _codes(body) == expected


def test_a_quota_from_the_within_attribute_passes() -> None:
    body = (
        '  award "a" to top match department { "x": 2, otherwise: 1 } + 1 by count(x)'
        " within department"
    )
    assert _codes(body) == []
    assert _codes('  let n = match count(x) { 1: "one", 2: "two" }') == []


# ---- runs -------------------------------------------------------------------------------

# The example of the language spec, section 9.4, as written (but for the key's name).
EXAMPLE = (
    'award "窗口服务之星" to top match district { "东城": 2, "西城": 4, otherwise: 3 } '
    "by pts within district"
)
POLICY = f"""policy "窗口" version 1
timezone "Asia/Shanghai"

each month {{
  let pts = count(praise)
  let size = match pts {{ 1: "small", 2: "small", otherwise: "large" }}
  {EXAMPLE}
  award "半额" to top match district {{ "东城": 1.5 }} by pts within district
  award "零额" to top match district {{ "东城": 0, "西城": -1, otherwise: 0.9999999 }}
    by pts within district
}}
"""

# 东城 5 people, 西城 5, 南城 4: quotas 2, 4 and 3 (otherwise). Praise: employee N of a
# district has N praises, so the places run from the highest number down.
DISTRICTS = {"东城": 5, "西城": 5, "南城": 4}


def _files() -> tuple[str, str]:
    roster = ["employee_id,name,district,hire_date"]
    events = ["event_id,employee_id,type,occurred_at"]
    for district, size in DISTRICTS.items():
        for n in range(1, size + 1):
            employee = f"{district}{n}"
            roster.append(f"{employee},{employee},{district},2024-01-01")
            events += [
                f"{employee}-{k},{employee},praise,2026-10-05T10:00:00+08:00" for k in range(n)
            ]
    return "\n".join(roster) + "\n", "\n".join(events) + "\n"


@pytest.fixture
def recorded(in_tmp: Path) -> tuple[str, dict[str, dict]]:
    roster, events = _files()
    write_text(in_tmp / "p.policy", POLICY)
    write_text(in_tmp / "roster.csv", roster)
    write_text(in_tmp / "events.csv", events)
    result = invoke(
        ["run", "p.policy", "--period", "2026-10", "--roster", "roster.csv", "--events",
         "events.csv", "--format", "json", "--db", "s.duckdb"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {row["employee_id"]: row for row in document["results"]}
    return document["run"]["run_id"], rows


def test_each_district_gets_its_own_quota(recorded: tuple[str, dict[str, dict]]) -> None:
    _run, rows = recorded
    won = sorted(e for e, row in rows.items() if "窗口服务之星" in row["awards"])
    # 东城 top 2 (5, 4), 西城 top 4 (5..2), 南城 the `otherwise` 3 (4..2).
    assert won == ["东城4", "东城5", "南城2", "南城3", "南城4", "西城2", "西城3", "西城4", "西城5"]
    assert rows["东城1"]["values"]["size"] == "small"
    assert rows["东城5"]["values"]["size"] == "large"


def test_a_fractional_quota_rounds_down_and_a_missing_one_awards_no_one(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    _run, rows = recorded
    # 1.5 in 东城 gives one place; 西城 and 南城 have no key and no `otherwise`: missing.
    assert sorted(e for e, row in rows.items() if "半额" in row["awards"]) == ["东城5"]


def test_a_quota_below_one_awards_no_one_but_is_compared_at_6_places(
    recorded: tuple[str, dict[str, dict]],
) -> None:
    _run, rows = recorded
    # 东城 0 and 西城 -1: no one; 南城 0.9999999 is 1.000000 at 6 places: one place.
    assert sorted(e for e, row in rows.items() if "零额" in row["awards"]) == ["南城4"]


def test_explain_shows_the_groups_quota(recorded: tuple[str, dict[str, dict]]) -> None:
    run_id, _rows = recorded
    result = invoke(["explain", run_id, "--employee", "西城2", "--db", "s.duckdb"])
    assert result.exit_code == 0, result.output
    assert (
        'award "窗口服务之星": awarded: place 4 of 5 candidates (top 4, the quota of its group: '
        'match district { "东城": 2, "西城": 4, otherwise: 3 }); pts = 2, district = "西城"'
    ) in result.output
    assert (
        'award "半额": not awarded: place 4 of 5 candidates (no quota for its group: '
        'match district { "东城": 1.5 }); pts = 2, district = "西城"'
    ) in result.output
    result = invoke(["explain", run_id, "--employee", "东城5", "--db", "s.duckdb"])
    assert (
        'award "半额": awarded: place 1 of 5 candidates (top 1, the quota of its group: '
        'match district { "东城": 1.5 }); pts = 5, district = "东城"'
    ) in result.output


def test_explain_shows_what_a_match_in_a_condition_read(in_tmp: Path) -> None:
    policy = (
        'policy "p"\ntimezone "Asia/Shanghai"\n\neach month {\n  let pts = count(praise)\n'
        '  award "达标" when pts >= match district { "东城": 2, otherwise: 1 }\n}\n'
    )
    write_text(in_tmp / "p.policy", policy)
    write_text(
        in_tmp / "roster.csv", "employee_id,name,district,hire_date\nE1,甲,东城,2024-01-01\n"
    )
    write_text(
        in_tmp / "events.csv",
        "event_id,employee_id,type,occurred_at\ne1,E1,praise,2026-10-05T10:00:00+08:00\n",
    )
    result = invoke(
        ["run", "p.policy", "--period", "2026-10", "--roster", "roster.csv", "--events",
         "events.csv", "--format", "json", "--db", "s.duckdb"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.stdout)["run"]["run_id"]
    out = invoke(["explain", run_id, "--employee", "E1", "--db", "s.duckdb"]).output
    # 东城's threshold is 2 and E1 has one praise.
    assert (
        'award "达标": not awarded: pts >= match district { "东城": 2, otherwise: 1 } is false '
        '(pts = 1, district = "东城")'
    ) in out
