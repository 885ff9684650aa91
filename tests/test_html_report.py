"""`starrating report --html`: one self-contained page from Jinja2 templates, read back with
html.parser: its structure, escaping, charts, tables and the columns it leaves out."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT
from test_documents import POLICY as DOCUMENTS_POLICY

from starrating.output.documents import ReportData, load_report
from starrating.output.html import TEXTS, render_html
from starrating.store.store import Store

# A monthly policy with tallies, stars, vetoes, awards and rewards and an award name that
# looks like markup (test_documents.py); the roster below adds a name that does.
MONTHLY = DOCUMENTS_POLICY

ROSTER = """employee_id,name,department,role,hire_date
A,张三,前台,service_desk,2024-01-01
B,<script>alert(2)</script>,前台,service_desk,2024-01-01
C,王五,收银,service_desk,2024-01-01
D,赵六,收银,service_desk,2024-01-01
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

# Weekly tallies, a month without stars or tallies: the trend is the weekly net.
WEEKLY = """policy "周评" version 1
timezone "Asia/Shanghai"

each week ending sunday {
  let letters = count(praise_letter)
  red 1 per praise_letter
}

each month {
  let weeks_with_letters = count(weeks where net > 0)
  reward 10 * weeks_with_letters
}
"""

WEEKLY_EVENTS = """event_id,employee_id,type,occurred_at,responsible
w1,A,praise_letter,2026-10-06T10:00:00+08:00,
w2,A,praise_letter,2026-10-13T10:00:00+08:00,
w3,B,praise_letter,2026-10-13T11:00:00+08:00,
w4,C,praise_letter,2026-10-20T10:00:00+08:00,
w5,A,praise_letter,2026-10-27T10:00:00+08:00,
"""

# Values only (scheme E-like): no tallies, no stars, no reward, no veto, no award.
VALUES_ONLY = """policy "只有数值" version 1
timezone "Asia/Shanghai"

each month {
  let letters = count(praise_letter)
}
"""


# HTML elements without an end tag (the SVG ones are closed, or end in "/>").
VOID = frozenset({"meta", "link", "br", "input", "img", "hr", "wbr"})


class Page(HTMLParser):
    """The page read back: tags balance, and what the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.attributes: list[tuple[str, dict[str, str | None]]] = []
        self.figures: dict[str, list[tuple[str, str]]] = {}  # caption -> [(class, title)]
        self.tables: dict[str, list[list[str]]] = {}  # id -> rows of cell text
        self.scripts: list[str] = []
        self._caption: str | None = None
        self._in: list[str] = []
        self._text: list[str] = []
        self._rect: str | None = None
        self._table: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.attributes.append((tag, attributes))
        if tag not in VOID:
            self.open.append(tag)
        if tag in ("figcaption", "title", "th", "td", "script"):
            self._text = []
        if tag == "rect" and self._caption is not None:
            self._rect = attributes.get("class") or ""
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
        if tag == "tr" and self._table is not None:
            self.tables[self._table].append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
            return
        self.open.pop()
        text = "".join(self._text)
        if tag == "figcaption":
            self._caption = text
            self.figures[text] = []
        elif tag == "figure":
            self._caption = None
        elif tag == "title" and self._rect is not None and self._caption is not None:
            self.figures[self._caption].append((self._rect, text))
            self._rect = None
        elif tag in ("th", "td") and self._table is not None:
            self.tables[self._table][-1].append(text)
        elif tag == "table":
            self._table = None
        elif tag == "script":
            self.scripts.append(text)

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def headings(self, table_id: str) -> list[str]:
        return self.tables[table_id][0]

    def column(self, table_id: str, heading: str) -> list[str]:
        index = self.headings(table_id).index(heading)
        return [row[index] for row in self.tables[table_id][1:]]


@pytest.fixture
def report(record_run: Callable[..., tuple[Path, str]]) -> Callable[..., tuple[ReportData, str]]:
    """Record a run and return its report data and page."""

    def make(policy: str, events: str = EVENTS, period: str = "2026-10") -> tuple[ReportData, str]:
        path, run_id = record_run(policy, ROSTER, events, period)
        with Store.open(path, read_only=True) as store:
            data = load_report(store.connection, run_id)
        return data, render_html(data)

    return make


def test_report_data_has_the_policy_and_departments(
    report: Callable[..., tuple[ReportData, str]],
) -> None:
    data, _ = report(MONTHLY)
    assert data.policy is not None and data.policy.name == "客服月度服务之星"
    assert data.departments == {"A": "前台", "B": "前台", "C": "收银", "D": "收银"}


def test_page_is_well_formed_and_self_contained(
    report: Callable[..., tuple[ReportData, str]],
) -> None:
    data, text = report(MONTHLY)
    page = Page(text)
    assert page.problems == [] and page.open == []
    assert text.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "en"}) in page.attributes  # the language of its words
    assert ("meta", {"charset": "utf-8"}) in page.attributes
    # Nothing is loaded from elsewhere: every link is to a place on the page.
    for _tag, attributes in page.attributes:
        assert "src" not in attributes
        href = attributes.get("href")
        assert href is None or href.startswith("#"), href
    assert not re.search(r"https?://", text)
    # The digests and the guards.
    for digest in ("policy_sha256", "events_sha256", "roster_sha256", "results_sha256"):
        assert str(data.run[digest]) in text
    assert "<dt>events seen</dt><dd>7</dd>" in text
    # A CJK-capable font stack and the A4 print styles.
    assert '"Noto Sans CJK SC"' in text and "size: A4" in text
    assert re.search(r"@media print \{.*nav, p\.tools \{ display: none; \}", text, re.S)


def test_markup_in_names_is_escaped(report: Callable[..., tuple[ReportData, str]]) -> None:
    _, text = report(MONTHLY)
    page = Page(text)
    assert len(page.scripts) == 1  # the page's own script, nothing from the data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # the award
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text  # the name
    assert "<script>alert" not in text
    assert "<script>alert(2)</script>" in page.column("results-2026-10", TEXTS["name"])


def test_star_distribution_and_departments_are_svg_bars(
    report: Callable[..., tuple[ReportData, str]],
) -> None:
    _, text = report(MONTHLY)
    page = Page(text)
    # A 5, a 3, a 1 (D: otherwise) and C vetoed (no stars): four bars, none for 4 and 2.
    bars = page.figures[TEXTS["distribution"]]
    assert [title for _tone, title in bars] == ["5 ★: 1", "3 ★: 1", "1 ★: 1", "no stars: 1"]
    assert [tone for tone, _ in bars] == ["bar s5", "bar s3", "bar s1", "bar none"]
    # By department, one segment per level present: 前台 has A (5) and B (3); 收银 C and D.
    stacked = [title for _tone, title in page.figures[TEXTS["stars_by_department"]]]
    assert stacked == ["前台 5 ★: 1", "前台 3 ★: 1", "收银 1 ★: 1", "收银 no stars: 1"]
    reward = [title for _tone, title in page.figures[TEXTS["reward_by_department"]]]
    assert reward == ["前台: 700.5"]  # 收银 earned nothing: no bar


def test_tables_sort_and_filter_without_a_server(
    report: Callable[..., tuple[ReportData, str]],
) -> None:
    _, text = report(MONTHLY)
    page = Page(text)
    sortable = [a.get("id") for tag, a in page.attributes if tag == "table"
                and "sortable" in (a.get("class") or "")]  # fmt: skip
    assert "results-2026-10" in sortable and "detail" in sortable
    filters = [a["data-table"] for tag, a in page.attributes
               if tag == "input" and a.get("class") == "filter"]  # fmt: skip
    assert set(filters) <= set(page.tables) and {"results-2026-10", "detail"} <= set(filters)
    (script,) = page.scripts
    assert 'addEventListener("click"' in script and 'addEventListener("input"' in script
    # Numbers sort by their exact value: the reward column's cells carry it.
    assert re.search(r'<td class="num" data-sort="200.5">200.5</td>', text)
    # Ids, names and periods never break inside.
    assert '<td class="nowrap">2026-10</td>' in text


def test_results_leave_out_columns_the_policy_never_fills(
    report: Callable[..., tuple[ReportData, str]],
) -> None:
    _, text = report(MONTHLY)
    headings = Page(text).headings("results-2026-10")
    assert headings == ["employee", "name", "department", "n", "red", "green", "net", "stars",
                        "reward", "awards", "veto"]  # fmt: skip

    _, text = report(VALUES_ONLY)
    page = Page(text)
    assert page.headings("results-2026-10") == ["employee", "name", "department", "letters"]
    assert page.figures == {}  # no stars, no reward: nothing to chart
    assert "leaderboard-2026-10" not in page.tables  # nothing to rank by
    assert "<h3>Awards</h3>" not in text


def test_the_trend_over_the_weeks(report: Callable[..., tuple[ReportData, str]]) -> None:
    _, text = report(WEEKLY, WEEKLY_EVENTS)
    page = Page(text)
    weekly = page.figures[TEXTS["trend_net"].format(kind=TEXTS["week"])]
    # W40 (28 Sep - 4 Oct) has no letter: total 0, no bar; then 1, 2, 1.
    assert [title for _tone, title in weekly] == ["2026-W41: 1", "2026-W42: 2", "2026-W43: 1"]
    assert all(tone == "bar net" for tone, _ in weekly)
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', text)
    assert labels[:4] == ["2026-W40", "2026-W41", "2026-W42", "2026-W43"]
    # The weeks fill red and net only (no green line); the month its reward only.
    assert page.headings("results-2026-W41") == ["employee", "name", "department", "letters",
                                                 "red", "net"]  # fmt: skip
    assert page.headings("results-2026-10") == ["employee", "name", "department",
                                                "weeks_with_letters", "reward"]  # fmt: skip
    # One month: no monthly trend.
    assert TEXTS["trend_reward"].format(kind=TEXTS["month"]) not in page.figures


def test_templates_ship_with_the_package(tmp_path: Path) -> None:
    """A non-editable install finds the templates: setuptools builds the package from a
    copy of the sources as a wheel would hold it (build_py: modules and package data),
    and a page is rendered from there, not from this checkout."""
    source = tmp_path / "src"
    for name in ("starrating", "grammar"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((ROOT / name).read_bytes())
    built = tmp_path / "built"
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
         "--build-lib", str(built)],
        cwd=source, check=True, capture_output=True,
    )  # fmt: skip
    templates = ROOT / "starrating" / "output" / "templates"
    shipped = {p.name for p in (built / "starrating" / "output" / "templates").iterdir()}
    assert shipped == {p.name for p in templates.iterdir()}
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import starrating.output.html as h;"
        "assert h.__file__.startswith(sys.argv[1]), h.__file__;"
        "from starrating.output.documents import ReportData;"
        "run = dict(run_id='r', policy='p', version='1', period='2026-10', as_of='t',"
        " official=False, created_at='t', engine_version='0', events_seen=0, warnings=[],"
        " policy_sha256='a', events_sha256='b', roster_sha256='c', results_sha256='d');"
        "print(h.render_html(ReportData(run, [])).count('<html lang'))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", check, str(built)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
