"""`starrating report`: a recorded run loaded for the reports (the page's own tests are in
test_html_report.py, the workbook's in test_xlsx.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from starrating.output.documents import ReportData, ReportError, load_report
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
