"""Policy names never meet in SQL, whatever their spelling.

Before the compiler built a typed plan, a column's SQL name was made from its spelling
(``"e:{type}.{attribute}"``, ``"v:{name}"``, ``"r:{name}"``): event type `a.b` with
attribute `c` and type `a` with attribute `b.c` were both ``"e:a.b.c"``, DuckDB renamed
the second column, and ``count(`a.b` where c = "p")`` counted 0 instead of 1. DuckDB also
compares identifiers and struct keys without regard to case, so values `A` and `a` broke
every run. SQL names now come from plan ids (``starrating/compiler/sql.py``); these
policies run through the real command line and count by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from starrating.cli import cli

ROSTER = """employee_id,name,department,role,hire_date,leave_date
E1,Ann,前台,desk,2020-01-01,
E2,Bob,收银,desk,2020-01-01,
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The project root holds a starrating.yaml; these tests bring their own catalog.
    monkeypatch.chdir(tmp_path)


def event(event_id: str, employee: str, event_type: str, **attributes: object) -> dict:
    return {
        "event_id": event_id,
        "employee_id": employee,
        "type": event_type,
        "occurred_at": "2026-01-10T10:00:00+08:00",
        **attributes,
    }


def run(policy: str, catalog: str, events: list[dict], roster: str = ROSTER) -> dict:
    """The JSON rows of a run for January 2026, by employee."""
    Path("starrating.yaml").write_text("timezone: Asia/Shanghai\n" + catalog, encoding="utf-8")
    Path("roster.csv").write_text(roster, encoding="utf-8")
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
    Path("events.jsonl").write_text(lines, encoding="utf-8")
    Path("p.policy").write_text(policy, encoding="utf-8")
    runner = CliRunner()
    ingest = runner.invoke(
        cli, ["ingest", "--db", "s.duckdb", "--roster", "roster.csv", "--events", "events.jsonl"]
    )
    assert ingest.exit_code == 0, ingest.output
    result = runner.invoke(
        cli, ["run", "p.policy", "--db", "s.duckdb", "--period", "2026-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return {row["employee_id"]: row for row in json.loads(result.output)["results"]}


def test_event_types_and_attributes_whose_dotted_spellings_meet() -> None:
    catalog = "events:\n  a.b: {c: text}\n  a: {b.c: text}\n"
    policy = (
        'policy "x"\neach month {\n'
        '  let ab = count(`a.b` where c = "p")\n'
        '  let a = count(a where `b.c` = "q")\n'
        '  let neither = count(a where `b.c` = "p")\n'
        "}\n"
    )
    events = [event("x1", "E1", "a.b", c="p"), event("x2", "E1", "a", **{"b.c": "q"})]
    rows = run(policy, catalog, events)
    assert rows["E1"]["values"] == {"ab": 1, "a": 1, "neither": 0}
    assert rows["E2"]["values"] == {"ab": 0, "a": 0, "neither": 0}


def test_values_and_awards_differing_only_in_case() -> None:
    policy = (
        'policy "x"\neach month {\n'
        "  let A = count(praise)\n"
        "  let a = A + 1\n"
        "  let `A ` = a * 10\n"
        '  award "a" when A = 1\n'
        '  award "A" when a = 1\n'
        "}\n"
    )
    rows = run(policy, "events:\n  praise: {}\n", [event("x1", "E1", "praise")])
    assert rows["E1"]["values"] == {"A": 1, "a": 2, "A ": 20}
    assert rows["E1"]["awards"] == ["a"]
    assert rows["E2"]["values"] == {"A": 0, "a": 1, "A ": 10}
    assert rows["E2"]["awards"] == ["A"]


def test_names_with_quotes_apostrophes_dots_colons_and_chinese() -> None:
    # Every name below once went into SQL as (part of) an identifier or a regex's input.
    catalog = "events:\n  \"it's\": {'a:b': text, 'x.\"y\"': number}\n  销售: {渠道: text}\n"
    policy = (
        'policy "x"\neach month {\n'
        "  let `v:it's` = count(`it's` where `a:b` = \"o'k\")\n"
        '  let `award:won` = sum(`it\'s`.`x."y"`)\n'
        '  let 销售额 = count(销售 where 渠道 = "门店")\n'
        "  red 1 per `it's`\n"
        '  award "won" when `v:it\'s` > 0 with reward `award:won`\n'
        '  award "won\'s" to top 1 by 销售额 within department\n'
        "}\n"
    )
    events = [
        event("x1", "E1", "it's", **{"a:b": "o'k", 'x."y"': "2.5"}),
        event("x2", "E1", "it's", **{"a:b": "no", 'x."y"': "1"}),
        event("x3", "E2", "销售", 渠道="门店"),
    ]
    rows = run(policy, catalog, events)
    assert rows["E1"]["values"] == {"v:it's": 1, "award:won": 3.5, "销售额": 0}
    assert rows["E1"]["awards"] == ["won", "won's"]  # alone in 前台: top 1 of its group
    assert rows["E1"]["red"] == 2
    assert rows["E1"]["reward"] == 3.5
    # a sum over no events is 0
    assert rows["E2"]["values"] == {"v:it's": 0, "award:won": 0, "销售额": 1}
    assert rows["E2"]["awards"] == ["won's"]


def test_roster_attributes_differing_only_in_case_with_dots_and_standard() -> None:
    roster = (
        "employee_id,name,department,role,hire_date,leave_date,Grade,grade,g.x\n"
        "E1,Ann,前台,desk,2020-01-01,,A,b,1\n"
        "E2,Bob,收银,desk,2020-01-01,,B,a,2\n"
    )
    catalog = "roster:\n  Grade: text\n  grade: text\n  g.x: number\nevents:\n  praise: {}\n"
    policy = (
        'policy "x"\napplies to `g.x` >= 1\neach month {\n'
        '  let upper = Grade = "A"\n'
        '  let lower = grade = "a"\n'
        "  let gx = `g.x` * 2\n"
        "  let who = name\n"  # a column of the roster itself, not a stored attribute
        "}\n"
    )
    rows = run(policy, catalog, [], roster)
    assert rows["E1"]["values"] == {"upper": True, "lower": False, "gx": 2, "who": "Ann"}
    assert rows["E2"]["values"] == {"upper": False, "lower": True, "gx": 4, "who": "Bob"}
