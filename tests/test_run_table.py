"""The table `starrating run` prints: columns the policy never fills left out, period labels
on a line of their own, columns aligned by display width (a Chinese character takes two)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import invoke, write_text

from starrating.engine.runs import RunDocument
from starrating.language.diagnostics import display_width
from starrating.output.text import TEXTS, render_table

pytestmark = pytest.mark.usefixtures("in_tmp")

ROSTER = """employee_id,name,department,role,hire_date
A,张三,前台,service_desk,2024-01-01
B,欧阳娜娜,前台,service_desk,2024-01-01
C,Li,收银,service_desk,2024-01-01
"""

EVENTS = """event_id,employee_id,type,occurred_at
a1,A,praise_letter,2026-10-02T10:00:00+08:00
a2,A,praise_letter,2026-10-13T10:00:00+08:00
b1,B,praise_letter,2026-10-14T10:00:00+08:00
"""

# Stars and a reward, no red or green line (scheme B-like), no award, no veto.
STARS_ONLY = """policy "星级" version 1
timezone "Asia/Shanghai"

each month {
  let 表扬信 = count(praise_letter)
  stars {
    5 when 表扬信 >= 2
    3 otherwise
  }
  reward by stars { 5: 500, 3: 1234.5 }
}
"""

# Weekly tallies with an award; a month that only counts.
WEEKLY = """policy "周评" version 1
timezone "Asia/Shanghai"

each week ending sunday {
  red 1 per praise_letter
  award "周之星" to top 1 by net
}

each month {
  let letters = count(praise_letter)
}
"""


def _run(policy: str, period: str = "2026-10") -> list[str]:
    write_text(Path("p.policy"), policy)
    write_text(Path("roster.csv"), ROSTER)
    write_text(Path("events.csv"), EVENTS)
    result = invoke(["run", "p.policy", "--period", period, "--roster", "roster.csv",
                     "--events", "events.csv", "--db", "s.duckdb"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def _tables(lines: list[str]) -> dict[str, list[str]]:
    """Each period instance's table lines, by the instance's label."""
    tables: dict[str, list[str]] = {}
    for line in lines[1:]:
        if line and not line.startswith(" "):
            tables[line.split()[0]] = []
        elif line:
            tables[next(reversed(tables))].append(line)
    return tables


def test_a_policy_without_tallies_shows_no_tally_columns() -> None:
    lines = _run(STARS_ONLY)
    (header, *body) = _tables(lines)["2026-10"]
    assert header.split() == ["employee", "name", "表扬信", "stars", "reward"]
    assert len(body) == 3
    # No award or veto in the block: no notes column either.
    assert TEXTS["notes"] not in "\n".join(lines)


def test_columns_line_up_under_chinese_text() -> None:
    table = _tables(_run(STARS_ONLY))["2026-10"]
    # The last column is a right-aligned number: every line ends at the same terminal
    # column however many wide characters stand before it.
    assert {display_width(line) for line in table} == {display_width(table[0])}
    # The value column after the names (right-aligned, its heading Chinese) ends at the same
    # terminal column on every line, past the widest name (欧阳娜娜, 8 columns).
    ends = {display_width(re.match(r"\s*\S+\s+\S+\s+\S+", line)[0]) for line in table}  # type: ignore[index]
    assert len(ends) == 1
    assert [line.split()[1] for line in table] == ["name", "张三", "欧阳娜娜", "Li"]


def test_period_labels_stand_on_one_line() -> None:
    lines = _run(WEEKLY)
    assert "2026-W41  (2026-10-05 to 2026-10-11)" in lines
    assert "2026-10  (2026-10-01 to 2026-10-31)" in lines
    tables = _tables(lines)
    assert list(tables) == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-10"]
    # The weeks: red and net (no green line), the award; the month: its value only.
    assert tables["2026-W42"][0].split() == ["employee", "name", "red", "net", "awards", "/",
                                             "veto"]  # fmt: skip
    assert tables["2026-10"][0].split() == ["employee", "name", "letters"]


def test_a_document_read_back_shows_every_column() -> None:
    """Without the evaluated policy at hand (a run document built from stored text) nothing
    is known to be unfilled, so every column is shown."""
    row = (
        '{"employee_id": "A", "period": "2026-10", "period_start": "2026-10-01",'
        ' "period_end": "2026-10-31", "vetoed": true, "veto_reasons": ["有责投诉"],'
        ' "values": {}, "red": 0, "green": 0, "net": 0, "stars": null, "awards": [],'
        ' "reward": 0}'
    )
    run = {"policy": "p", "version": "1", "period": "2026-10", "as_of": "t", "run_id": "r"}
    lines = render_table(RunDocument(run, row), {"A": "张三"}).splitlines()
    assert lines[3].split() == ["employee", "name", "red", "green", "net", "stars", "reward",
                                "awards", "/", "veto"]  # fmt: skip
    assert lines[4].split() == ["A", "张三", "0", "0", "0", "-", "0", "VETO:", "有责投诉"]
