"""Exact arithmetic (docs/language.md, "Numbers"; LANGUAGE.md 9.1).

Every intermediate value keeps 18 decimal places, products and quotients rounded half away
from zero; comparisons, rankings and the values a row stores and shows use 6 places. No
binary floating point anywhere in the compiled SQL. The macros are checked against
Python's decimal module, and the rules end to end through `starrating run`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, invoke, write_text
from hypothesis import given, settings
from hypothesis import strategies as st

from starrating.compiler import compile_policy
from starrating.compiler.arithmetic import MACROS
from starrating.language.catalog import load_catalog
from starrating.language.policyfiles import check_files

pytestmark = pytest.mark.usefixtures("in_tmp")

EXACT = Context(prec=100)
PLACES_18 = Decimal("1e-18")


def _rounded_18(value: Decimal) -> Decimal:
    return value.quantize(PLACES_18, rounding=ROUND_HALF_UP, context=EXACT)


# ---- the macros against Python's decimal module -----------------------------------------

# Operands below 10^15 (the size the spec guarantees exact), with up to 18 places.
operands = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(-(10**15) * 10**6, 10**15 * 10**6),
    st.integers(0, 18),
).filter(lambda d: abs(d) < 10**15)


@pytest.fixture(scope="module")
def macros() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for macro in MACROS:
        con.execute(macro)
    return con


def _sql_decimal(value: Decimal) -> str:
    return f"CAST('{value:f}' AS DECIMAL(38,18))"


@settings(max_examples=100, deadline=None)
@given(operands, operands)
def test_products_and_quotients_are_exact_to_18_places(
    macros: duckdb.DuckDBPyConnection, x: Decimal, y: Decimal
) -> None:
    product = EXACT.multiply(x, y)
    quotient = EXACT.divide(x, y) if y else None
    sql_product = f"sr_mul({_sql_decimal(x)}, {_sql_decimal(y)})"
    sql_quotient = f"sr_div({_sql_decimal(x)}, {_sql_decimal(y)})"
    if abs(product) < 10**19:
        assert macros.execute(f"SELECT {sql_product}").fetchone()[0] == _rounded_18(product)
    if quotient is None:
        assert macros.execute(f"SELECT {sql_quotient}").fetchone()[0] is None
    elif abs(quotient) < 10**19:
        assert macros.execute(f"SELECT {sql_quotient}").fetchone()[0] == _rounded_18(quotient)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("sr_mul(sr_div(2, 3), 15)", "10.000000000000000005"),
        ("sr_mul(sr_div(1, 3), 3)", "0.999999999999999999"),
        ("sr_div(1000000000.01, 1)", "1000000000.01"),
        ("sr_div(-2, 3)", "-0.666666666666666667"),  # half away from zero, negative too
        ("sr_div(1, -0.3)", "-3.333333333333333333"),
        ("sr_mul(-0.000000000000000001, 0.5)", "-0.000000000000000001"),  # a half: away
        ("sr_div(999999999999999, 0.5)", "1999999999999998"),
        ("sr_mul(999999999999999.999999, 1)", "999999999999999.999999"),
        ("round(CAST(-0.0000005 AS DECIMAL(38,18)), 6)", "-0.000001"),
    ],
)
def test_worked_values(macros: duckdb.DuckDBPyConnection, expression: str, expected: str) -> None:
    assert macros.execute(f"SELECT {expression}").fetchone()[0] == Decimal(expected)


def test_division_by_zero_is_missing(macros: duckdb.DuckDBPyConnection) -> None:
    assert macros.execute("SELECT sr_div(1, 0), sr_div(1, 0.0), sr_div(NULL, 2)").fetchone() == (
        None,
        None,
        None,
    )


# ---- no binary floating point in any compiled policy -------------------------------------

FLOATING = re.compile(r"\b(DOUBLE|FLOAT[48]?|REAL)\b", re.IGNORECASE)
POLICIES = sorted((ROOT / "policies").glob("*.policy")) + sorted(
    (ROOT / "tests" / "golden" / "sql").glob("*.policy")
)


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_compiled_sql_has_no_binary_floating_point(path: Path) -> None:
    catalog, problems = load_catalog(ROOT / "starrating.yaml")
    assert not problems
    [item] = check_files([path], catalog)
    assert item.analysis is not None
    compiled = compile_policy(item.analysis, catalog)
    texts = [*compiled.macros, *(b.sql for b in compiled.blocks.values())]
    texts += [b.contributions_sql for b in compiled.blocks.values()]  # explain's queries
    for text in texts:
        assert not FLOATING.search(text), FLOATING.search(text)


def test_compile_prints_the_macros_its_queries_call(tmp_path: Path) -> None:
    """`starrating compile` stays runnable: the arithmetic macros come first."""
    policy = write_text(tmp_path / "p.policy", POLICY)
    result = invoke(["compile", str(policy), "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.index("CREATE OR REPLACE TEMP MACRO sr_div") < text.index("sr_div(CAST")
    assert not FLOATING.search(text)


# ---- end to end ---------------------------------------------------------------------------

ROSTER = "employee_id,name,department,role,hire_date,leave_date\n"
EVENTS = "event_id,employee_id,type,occurred_at,recorded_at,voids,value\n"

POLICY = """policy "终评" version 1

each month {
  let yes = count(vote_yes)
  let all = count(vote_yes) + count(vote_no)
  award "终评通过" when yes >= 2 / 3 * all

  let x = 2 / 3
  let y = x * 15
  let one = 1 / 3 * 3
  let is_one = 1 / 3 * 3 = 1
  let in_list = 1 / 3 * 3 in [1, 2]
  let mean = avg(survey.value)
  let seven_places = 1.2345678 + 0
  let negative = -2 / 3
  let negative_half = -0.0000005 * 1
  let big = 999999999999999.123456 * 1
  let near = count(vote_yes) / 30 * 3 + count(tie)
  let place = rank(near)
  award "并列" to top 1 by near

  reward 1000000000.01 / 1
}
"""


def _run(tmp_path: Path, output_format: str) -> str:
    policy = write_text(tmp_path / "p.policy", POLICY)
    roster = write_text(
        tmp_path / "r.csv", ROSTER + "A,甲,前台,sd,2024-01-01,\nB,乙,前台,sd,2024-01-01,\n"
    )
    rows = [f"y{n},A,vote_yes,2026-10-02T10:00:00,,," for n in range(10)]
    rows += [f"n{n},A,vote_no,2026-10-02T10:00:00,,," for n in range(5)]
    rows += [f"s{n},A,survey,2026-10-03T10:00:00,,,{v}" for n, v in enumerate((1, 2, 2))]
    rows += ["b1,B,tie,2026-10-02T10:00:00,,,"]
    events = write_text(tmp_path / "e.csv", EVENTS + "\n".join(rows) + "\n")
    args = ["run", str(policy), "--period", "2026-10", "--format", output_format]
    args += ["--db", str(tmp_path / "store.duckdb"), "--roster", str(roster)]
    args += ["--events", str(events)]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_thirds_of_the_votes_and_every_number_at_6_places(tmp_path: Path) -> None:
    text = _run(tmp_path, "json")
    rows = {r["employee_id"]: r for r in json.loads(text, parse_float=Decimal)["results"]}
    a, b = rows["A"], rows["B"]
    # 10 of 15 votes is two thirds: 2 / 3 * 15 = 10.000000000000000005, compared at 6 places.
    assert "终评通过" in a["awards"]
    assert a["values"]["x"] == Decimal("0.666667")  # shown at 6 places ...
    assert a["values"]["y"] == 10  # ... while y was computed from the 18 places of x
    assert (a["values"]["one"], a["values"]["is_one"], a["values"]["in_list"]) == (1, True, True)
    assert a["values"]["mean"] == Decimal("1.666667")  # avg(1, 2, 2)
    assert a["values"]["seven_places"] == Decimal("1.234568")
    assert a["values"]["negative"] == Decimal("-0.666667")
    assert a["values"]["negative_half"] == Decimal("-0.000001")  # half away from zero
    assert a["values"]["big"] == Decimal("999999999999999.123456")  # exact at 10^15
    assert a["reward"] == Decimal("1000000000.01") and b["reward"] == Decimal("1000000000.01")
    assert '"reward": 1000000000.01\n' in text
    # 10 / 30 * 3 = 0.999999999999999999 for A, 1 for B: equal at 6 places, so they tie.
    assert (a["values"]["near"], b["values"]["near"]) == (1, 1)
    assert (a["values"]["place"], b["values"]["place"]) == (1, 1)
    assert "并列" in a["awards"] and "并列" in b["awards"]
    assert "0.6666666" not in text and "1.6666666" not in text


def test_csv_shows_the_same_6_places(tmp_path: Path) -> None:
    rows = {r["employee_id"]: r for r in csv.DictReader(io.StringIO(_run(tmp_path, "csv")))}
    assert rows["A"]["value:x"] == "0.666667"
    assert rows["A"]["value:mean"] == "1.666667"
    assert rows["A"]["value:negative_half"] == "-0.000001"
    assert rows["A"]["reward"] == "1000000000.01"


def test_the_terminal_table_shows_the_same_6_places(tmp_path: Path) -> None:
    table = _run(tmp_path, "table")
    # The table shows what the row stores, not a shorter rounding of it.
    assert "0.666667" in table and "1.666667" in table and "-0.000001" in table
    assert "1000000000.01" in table
    assert "0.67 " not in table


def test_a_run_recorded_with_10_places_replays_different_and_says_why(tmp_path: Path) -> None:
    """Runs recorded before values were stored at 6 places hold 10: their replay differs
    (the digests differ), and says that the values are the same rounded to 6 places."""
    document = json.loads(_run(tmp_path, "json"), parse_float=Decimal)
    run_id = document["run"]["run_id"]
    db = tmp_path / "store.duckdb"
    with duckdb.connect(str(db)) as con:  # the run as the earlier engine recorded it
        con.execute(
            "UPDATE results SET row_json = replace(row_json, '\"x\":0.666667', "
            "'\"x\":0.6666666667') WHERE run_id = ?",
            [run_id],
        )
        con.execute(
            "UPDATE runs SET results_sha256 = 'recorded earlier' WHERE run_id = ?", [run_id]
        )
    result = invoke(["replay", run_id, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "A  2026-10  values.x: 0.6666666667 → 0.666667" in result.stdout
    assert "B  2026-10  values.x: 0.6666666667 → 0.666667" in result.stdout
    assert "2 of the differences are values recorded with more than 6 decimal places" in (
        result.stdout
    )
    assert "comes from the catalog" not in result.stdout


THIRDS_POLICY = """policy "三分" version 1

each month {
  let third = count(vote_yes) / 3
  let big = 123456789012345.123456 * 1
}
"""

THIRDS_TEST = """policy: p.policy
cases:
  - name: thirds
    period: 2026-10
    roster:
      - {employee_id: A, name: 甲, department: 前台, role: sd, hire_date: 2025-01-01}
    events:
      - {event_id: e1, employee_id: A, type: vote_yes, occurred_at: "2026-10-02T10:00:00+08:00"}
      - {event_id: e2, employee_id: A, type: vote_yes, occurred_at: "2026-10-02T10:00:00+08:00"}
    expect:
      - {employee_id: A, values: {third: THIRD, big: 123456789012345.123456}}
"""


@pytest.mark.parametrize(
    ("expected", "passes"),
    [("0.666667", True), ("0.6666666667", True), ("0.67", False), ("0.666666", False)],
)
def test_policy_tests_compare_numbers_at_6_places(
    tmp_path: Path, expected: str, passes: bool
) -> None:
    """An expectation is compared at the places results are shown at, and read from the
    YAML as a decimal: the 21 digits of `big` survive (a float keeps 17)."""
    write_text(tmp_path / "p.policy", THIRDS_POLICY)
    tests = write_text(tmp_path / "p_test.yaml", THIRDS_TEST.replace("THIRD", expected))
    result = invoke(["test", str(tests)])
    assert result.exit_code == (0 if passes else 1), result.output
    if not passes:
        assert f"values.third: expected {expected}, got 0.666667" in result.stdout


def test_a_number_beyond_exact_range_stops_the_run_with_a_message(tmp_path: Path) -> None:
    policy = tmp_path / "big.policy"
    policy.write_text(
        'policy "big" version 1\ntimezone "UTC"\n\neach month {\n'
        "  let n = count(call)\n  reward 10000000000 * 10000000000 * (n + 1)\n}\n",
        encoding="utf-8",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("employee_id,name,hire_date\nA1,a,2024-01-01\n", encoding="utf-8")
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,employee_id,type,occurred_at\ne1,A1,call,2026-10-05T10:00:00Z\n",
        encoding="utf-8",
    )
    result = invoke(
        ["run", str(policy), "--period", "2026-10", "--as-of", "2026-11-02",
         "--roster", str(roster), "--events", str(events), "--db", str(tmp_path / "s.duckdb")]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert "too large for exact arithmetic" in result.stderr
    assert "below 10^20" in result.stderr
