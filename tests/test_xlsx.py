"""`starrating report --xlsx`: the workbook, read back with openpyxl (cells, formats,
widths, frozen panes, filters) and, for the charts openpyxl does not load, from its parts."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from conftest import invoke
from openpyxl.utils import get_column_letter

from starrating.output.documents import ReportData, load_report
from starrating.output.xlsx import (
    DECIMAL_FORMAT,
    MONEY_FORMAT,
    TEXTS,
    WHOLE_FORMAT,
    display_width,
    sheet_name,
    write_xlsx,
)
from starrating.store.store import Store

POLICY = """policy "客服月度服务之星" version 3
timezone "Asia/Shanghai"

each week ending sunday {
  red 1 per praise_letter
}

each month {
  let n = count(praise_letter)
  let share = n / 3
  red 1 per praise_letter
  green 1 per verbal_warning
  veto "有责投诉" when count(complaint where responsible) > 0
  stars {
    5 when n >= 3
    3 when n >= 1
    1 otherwise
  }
  award "月度之星" to top 1 by net
  reward by stars { 5: 1500, 3: 200.5 }
}
"""

# Neither stars nor red/green nor a reward: only values and an award.
PLAIN_POLICY = """policy "出勤" version 1
timezone "Asia/Shanghai"

each month {
  let n = count(praise_letter)
  award "表扬" when n >= 1
}
"""

ROSTER = """employee_id,name,department,role,hire_date
A,张三,前台,service_desk,2024-01-01
B,李四,客服中心,service_desk,2024-01-01
C,王五,前台,service_desk,2024-01-01
D,赵六,,service_desk,2024-01-01
"""

EVENTS = """event_id,employee_id,type,occurred_at,responsible
a1,A,praise_letter,2026-10-02T10:00:00+08:00,
a2,A,praise_letter,2026-10-03T10:00:00+08:00,
a3,A,praise_letter,2026-10-04T10:00:00+08:00,
b1,B,praise_letter,2026-10-05T10:00:00+08:00,
b2,B,verbal_warning,2026-10-06T10:00:00+08:00,
c1,C,complaint,2026-10-07T10:00:00+08:00,true
c2,C,praise_letter,2026-10-07T11:00:00+08:00,
"""

CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def _report(record_run: Callable[..., tuple[Path, str]], policy: str) -> ReportData:
    path, run_id = record_run(policy, ROSTER, EVENTS, "2026-10")
    with Store.open(path, read_only=True) as store:
        return load_report(store.connection, run_id)


@pytest.fixture
def workbook_path(record_run: Callable[..., tuple[Path, str]], tmp_path: Path) -> Path:
    out = tmp_path / "report.xlsx"
    write_xlsx(_report(record_run, POLICY), out)
    return out


def _table(sheet) -> list[dict[str, object]]:
    """The rows of a sheet's table as dicts keyed by its header."""
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def _by_employee(sheet) -> dict[str, dict[str, object]]:
    return {row[TEXTS["col.employee_id"]].value: row for row in _table(sheet)}


def test_sheets_and_the_month_table(workbook_path: Path) -> None:
    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames == ["Summary", "Charts", "Weeks", "Months", "Contributions"]
    months = book["Months"]
    header = [c.value for c in months[1]]
    assert header == ["Employee", "Name", "Department", "Period", "Start", "End", "n", "share",
                      "Red", "Green", "Net", "Stars", "Reward", "Awards", "Vetoed",
                      "Veto reasons"]  # fmt: skip
    assert all(c.font.b for c in months[1])
    assert months.freeze_panes == "A2"
    assert months.auto_filter.ref == "A1:P5"
    rows = _by_employee(months)
    a, b, c, d = rows["A"], rows["B"], rows["C"], rows["D"]
    assert (a["Name"].value, a["Department"].value, d["Department"].value) == ("张三", "前台", None)
    assert a["Stars"].value == 5 and a["Stars"].number_format == WHOLE_FORMAT
    assert a["Reward"].value == 1500 and a["Reward"].number_format == MONEY_FORMAT
    assert b["Reward"].value == 200.5
    # a value keeps every digit stored (two thirds at 6 places), as a number
    assert b["share"].value == 0.333333 and b["share"].number_format == DECIMAL_FORMAT
    assert a["share"].value == 1 and a["share"].number_format == WHOLE_FORMAT
    assert a["Start"].value.date().isoformat() == "2026-10-01"
    assert a["Awards"].value == "月度之星" and a["Vetoed"].value is False
    assert (c["Vetoed"].value, c["Veto reasons"].value, c["Stars"].value) == (
        True,
        "有责投诉",
        None,
    )


def _widths(sheet) -> dict[str, int]:
    """Column letter -> width set (whole characters: XlsxWriter adds a fraction for the
    cell margins); a <col> element may cover several columns of the same width."""
    return {
        get_column_letter(col): int(dim.width)
        for dim in sheet.column_dimensions.values()
        if dim.customWidth
        for col in range(dim.min, dim.max + 1)
    }


def test_column_widths_fit_the_content(workbook_path: Path) -> None:
    months = openpyxl.load_workbook(workbook_path)["Months"]
    widths = _widths(months)
    assert set(widths) == set("ABCDEFGHIJKLMNOP")
    # CJK characters count double: "Veto reasons" fits, and so does 有责投诉 (8 cells)
    assert widths["P"] >= display_width("Veto reasons") >= display_width("有责投诉")
    assert display_width("客服中心") == 8 and widths["C"] >= 8 + 2
    assert widths["F"] >= len("2026-10-31")
    # Awards: 月度之星 is 8 cells wide, wider than its heading: 8 and a margin of 2
    assert widths["N"] == 10 and widths["M"] == len("1,500.00") + 2


def test_translated_texts_make_valid_sheet_names(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Texts a sheet name cannot hold as they are (too long, with []/:, twice the same):
    # the workbook makes valid names of them whatever the language (zh-CN's own names are
    # in test_reports_zh.py).
    chinese = {"sheet.summary": "汇总", "sheet.charts": "图表", "sheet.week": "周/明细",
               "col.name": "姓名",
               "sheet.month": "月度考核结果[按员工]：星级、奖励与一票否决明细表（二〇二六年十月）",
               "sheet.contributions": "汇总"}  # fmt: skip
    for key, value in chinese.items():
        monkeypatch.setitem(TEXTS, key, value)
    out = tmp_path / "zh.xlsx"
    write_xlsx(_report(record_run, POLICY), out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "汇总",
        "图表",
        "周_明细",
        "月度考核结果_按员工_：星级、奖励与一票否决明细表（二〇二六年",
        "汇总 (2)",
    ]
    assert book["周_明细"]["B1"].value == "姓名"


def test_week_sheet_has_only_what_its_block_fills(workbook_path: Path) -> None:
    weeks = openpyxl.load_workbook(workbook_path)["Weeks"]
    header = [c.value for c in weeks[1]]
    # the week block has only a red line: red and net, no green, stars or reward
    assert header[6:9] == ["Red", "Net", "Awards"]
    assert {row["Period"].value[:5] for row in _table(weeks)} == {"2026-"}
    assert all("-W" in row["Period"].value for row in _table(weeks))


def test_summary(workbook_path: Path) -> None:
    summary = openpyxl.load_workbook(workbook_path)["Summary"]
    rows = [[c for c in row if c.value is not None] for row in summary.iter_rows()]
    texts = [[c.value for c in row] for row in rows]
    assert ["Policy", "客服月度服务之星"] in texts and ["Version", "3"] in texts
    assert ["Events seen", 7] in texts
    reward = next(row for row in rows if row and row[0].value == "Total reward")
    assert reward[1].value == 1700.5 and reward[1].number_format == MONEY_FORMAT
    assert ["5 ★", 1] in texts and ["No stars", 1] in texts and ["4 ★", 0] in texts
    assert ["月度之星", "A", "张三"] in texts
    board = texts.index(["Rank", "Employee", "Name", "Stars", "Net", "Reward"])
    assert [row[1] for row in texts[board + 1 : board + 5]] == ["A", "B", "D", "C"]
    assert texts[board + 1] == [1, "A", "张三", 5, 3, 1500]


def test_contributions_are_worded_as_explain_words_them(workbook_path: Path) -> None:
    sheet = openpyxl.load_workbook(workbook_path)["Contributions"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:K")
    rows = _table(sheet)
    veto = next(r for r in rows if r["Kind"].value == "veto")
    assert (veto["Employee"].value, veto["Label"].value) == ("C", "有责投诉")
    assert veto["Effect"].value == 'veto "有责投诉" fired: no stars, no awards, reward 0'
    assert veto["Policy line"].value.startswith("veto ") and veto["Events"].value == 1
    assert veto["Event ids"].value == "c1"
    checks = [r["Effect"].value for r in rows if r["Kind"].value == "check"]
    assert checks and not any(effect.lstrip().startswith("{") for effect in checks)
    assert "5 stars: this line did not match: n >= 3 is false (n = 1)" in checks


def _chart_parts(path: Path) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(path) as z:
        return {n: ElementTree.fromstring(z.read(n)) for n in z.namelist() if "chart" in n
                or "drawing" in n}  # fmt: skip


def test_native_charts(workbook_path: Path) -> None:
    parts = _chart_parts(workbook_path)
    assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/drawings/drawing1.xml",
            "xl/drawings/_rels/drawing1.xml.rels"} <= set(parts)  # fmt: skip
    targets = [r.get("Target") for r in parts["xl/drawings/_rels/drawing1.xml.rels"]]
    assert targets == ["../charts/chart1.xml", "../charts/chart2.xml"]
    with zipfile.ZipFile(workbook_path) as z:
        # the drawing hangs on the Charts sheet (the second)
        assert "drawing1.xml" in z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()

    def refs(name: str) -> tuple[str | None, list[str]]:
        chart = parts[f"xl/charts/{name}"]
        direction = chart.find(f".//{CHART}barDir")
        return (direction.get("val") if direction is not None else None,
                [f.text or "" for f in chart.iter(f"{CHART}f")])  # fmt: skip

    # stars: a column per level (5 to 1 and none), one series for October
    assert refs("chart1.xml") == ("col", ["Charts!$B$1", "Charts!$A$2:$A$7", "Charts!$B$2:$B$7"])
    direction, reward = refs("chart2.xml")
    assert direction == "bar" and reward[1:] == ["Charts!$A$21:$A$23", "Charts!$B$21:$B$23"]
    charts = openpyxl.load_workbook(workbook_path)["Charts"]
    assert [charts.cell(r, 1).value for r in range(20, 24)] == [
        "Department", "前台", "客服中心", TEXTS["department.none"]]  # fmt: skip
    # 前台: A's 1500 (C vetoed); 客服中心: B's 200.5; no department: D's 0
    assert [charts.cell(r, 2).value for r in range(21, 24)] == [1500, 200.5, 0]
    assert charts.cell(21, 2).number_format == MONEY_FORMAT


def test_policy_without_stars_tallies_or_reward(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    out = tmp_path / "plain.xlsx"
    write_xlsx(_report(record_run, PLAIN_POLICY), out)
    book = openpyxl.load_workbook(out)
    header = [c.value for c in book["Months"][1]]
    assert header == ["Employee", "Name", "Department", "Period", "Start", "End", "n", "Awards",
                      "Vetoed", "Veto reasons"]  # fmt: skip
    # no empty charts: a sentence says why there is none
    assert [book["Charts"].cell(r, 1).value for r in (1, 3)] == [
        TEXTS["chart.no_stars"], TEXTS["chart.no_reward"]]  # fmt: skip
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "chart" in n.split("/")[-1]]
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    assert not [row for row in summary if row[0] in ("Total reward", "Rank", "Stars")]


def test_a_reward_nobody_earned_gets_no_chart(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    out = tmp_path / "unpaid.xlsx"
    unpaid = PLAIN_POLICY.replace('award "表扬"', 'reward 300 when n >= 10\n  award "表扬"')
    write_xlsx(_report(record_run, unpaid), out)
    book = openpyxl.load_workbook(out)
    assert "Reward" in [c.value for c in book["Months"][1]]
    assert book["Charts"].cell(3, 1).value == TEXTS["chart.no_reward_paid"]
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "chart" in n.split("/")[-1]]


def test_sheet_names_for_any_script() -> None:
    assert sheet_name("月份/周[一]:*?\\") == "月份_周_一_____"
    assert len(sheet_name("季" * 40)) == 31
    assert sheet_name("Months", ["months"]) == "Months (2)"
    assert sheet_name("月" * 31, ["月" * 31]) == "月" * 27 + " (2)"
    assert sheet_name("'  '") == "Sheet"


def test_a_file_that_cannot_be_written(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    with pytest.raises(OSError):
        write_xlsx(_report(record_run, POLICY), tmp_path / "missing" / "r.xlsx")


def test_report_command_writes_the_workbook(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    store, run_id = record_run(POLICY, ROSTER, EVENTS, "2026-10")
    result = invoke(["report", run_id, "--xlsx", "r.xlsx", "--db", str(store)])
    assert result.exit_code == 0 and result.stderr == "wrote r.xlsx\n"
    assert re.fullmatch(r"[0-9T]+-[0-9a-f]+", run_id)
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Summary"
    result = invoke(["report", run_id, "--xlsx", "no/r.xlsx", "--db", str(store)])
    assert result.exit_code == 1 and "cannot write no/r.xlsx" in result.stderr
