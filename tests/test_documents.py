"""`starrating report`: a recorded run as an HTML page and an .xlsx workbook (the page's own
tests are in test_html_report.py)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from starrating.output.documents import ReportData, ReportError, load_report
from starrating.output.xlsx import column_letter, sheet_name, write_xlsx
from starrating.store.store import Store

POLICY = """policy "客服月度服务之星" version 3
timezone "Asia/Shanghai"

each month {
  let n = count(praise_letter)
  red 1 per praise_letter
  green 1 per verbal_warning
  veto "有责投诉" when count(complaint where responsible) > 0
  stars {
    5 when n >= 3
    3 when n >= 1
    1 otherwise
  }
  award "月度之星" to top 1 by net
  award "<script>alert(1)</script>" when n >= 1
  reward by stars { 5: 500, 3: 200.5 }
}
"""

ROSTER = """employee_id,name,department,role,hire_date
A,张三,前台,service_desk,2024-01-01
B,李四,前台,service_desk,2024-01-01
C,王五,前台,service_desk,2024-01-01
D,赵六,前台,service_desk,2024-01-01
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

SS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def store_and_run(record_run: Callable[..., tuple[Path, str]]) -> tuple[Path, str]:
    return record_run(POLICY, ROSTER, EVENTS, "2026-10")


@pytest.fixture
def data(store_and_run: tuple[Path, str]) -> ReportData:
    path, run_id = store_and_run
    with Store.open(path, read_only=True) as store:
        return load_report(store.connection, run_id)


def test_load_report(data: ReportData) -> None:
    assert data.run["policy"] == "客服月度服务之星" and data.run["version"] == "3"
    assert [r["employee_id"] for r in data.rows] == ["A", "B", "C", "D"]
    assert data.names == {"A": "张三", "B": "李四", "C": "王五", "D": "赵六"}
    by_id = {r["employee_id"]: r for r in data.rows}
    assert (by_id["A"]["stars"], by_id["B"]["stars"], by_id["C"]["stars"]) == (5, 3, None)
    assert by_id["A"]["awards"] == ["月度之星", "<script>alert(1)</script>"]
    assert by_id["C"]["veto_reasons"] == ["有责投诉"]
    assert data.contributions and {c.kind for c in data.contributions} >= {"red", "veto"}


def test_unknown_run_id(store_and_run: tuple[Path, str]) -> None:
    path, run_id = store_and_run
    with Store.open(path, read_only=True) as store:
        with pytest.raises(ReportError, match="did you mean"):
            load_report(store.connection, run_id[:-1] + ("x" if run_id[-1] != "x" else "y"))
        with pytest.raises(ReportError, match="no run nope"):
            load_report(store.connection, "nope")


def test_store_without_runs(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.duckdb") as store:
        with pytest.raises(ReportError, match="no recorded runs"):
            load_report(store.connection, "r1")


def _parts(path: Path) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {name: ElementTree.fromstring(z.read(name)) for name in z.namelist()}


def _sheet(root: ElementTree.Element) -> list[list[tuple[str, str | None, str]]]:
    """Rows of (ref, type, text) cells."""
    rows = []
    for row in root.iter(f"{SS}row"):
        cells = []
        for c in row.findall(f"{SS}c"):
            if c.get("t") == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{SS}t"))
            else:
                text = c.findtext(f"{SS}v") or ""
            cells.append((c.get("r") or "", c.get("t"), text))
        rows.append(cells)
    return rows


def test_xlsx(data: ReportData, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    write_xlsx(data, out)
    parts = _parts(out)
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"} == set(parts)  # fmt: skip
    sheets = [s.get("name") for s in parts["xl/workbook.xml"].iter(f"{SS}sheet")]
    assert sheets == ["Summary", "Results", "Contributions"]
    content_types = ElementTree.tostring(parts["[Content_Types].xml"], encoding="unicode")
    assert "/xl/worksheets/sheet3.xml" in content_types

    results = _sheet(parts["xl/worksheets/sheet2.xml"])
    assert len(results) == 1 + len(data.rows)
    header = [text for _ref, _t, text in results[0]]
    assert header[:3] == ["employee_id", "name", "period"] and "value:n" in header
    a = {header[i]: cell for i, cell in enumerate(results[1])}
    assert a["name"] == ("B2", "inlineStr", "张三")
    assert a["stars"][1:] == (None, "5") and a["reward"][1:] == (None, "500")
    assert a["value:n"][1:] == (None, "3")
    assert a["vetoed"][1:] == ("b", "0")
    assert a["awards"][2] == "月度之星, <script>alert(1)</script>"
    b = {header[i]: cell for i, cell in enumerate(results[2])}
    assert b["reward"][1:] == (None, "200.5") and b["green"][1:] == (None, "1")

    summary = _sheet(parts["xl/worksheets/sheet1.xml"])
    texts = [[text for _r, _t, text in row] for row in summary]
    assert ["policy", "客服月度服务之星"] in texts
    assert ["no stars", "1"] in texts and ["5 ★", "1"] in texts
    assert ["月度之星", "A", "张三"] in texts
    assert ["total reward", "700.5"] in texts

    contributions = _sheet(parts["xl/worksheets/sheet3.xml"])
    assert len(contributions) == 1 + len(data.contributions)
    cols = [{re.sub(r"\d", "", ref): (t, text) for ref, t, text in row} for row in contributions]
    veto = [row for row in cols if row["F"][1] == "veto"]
    # period, employee, name, line, source, kind, label, amount, detail, events, event_ids
    assert veto and veto[0]["B"][1] == "C" and veto[0]["G"][1] == "有责投诉"
    assert veto[0]["D"] == (None, "8") and veto[0]["E"][1].startswith("veto ")
    assert veto[0]["J"] == (None, "1") and veto[0]["K"][1] == "c1"


def test_cell_helpers() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert sheet_name("a/b[c]:d*e?f\\g") == "a_b_c__d_e_f_g"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("Results", {"results"}) == "Results (2)"
