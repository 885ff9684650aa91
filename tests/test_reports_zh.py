"""Reports in Simplified Chinese (issue 12): under zh-CN the terminal table, the HTML page
and the workbook show Chinese headings, labels and sheet names, while the data (names,
period labels, value names, award names), the numbers and their formats stay as they are;
CSV and JSON are machine formats and do not change with the language."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from test_html_report import MONTHLY, Page
from test_html_report import ROSTER as HTML_ROSTER
from test_run_table import ROSTER as TABLE_ROSTER
from test_run_table import STARS_ONLY, _tables
from test_xlsx import EVENTS, POLICY, ROSTER

from starrating import i18n
from starrating.cli import cli
from starrating.i18n import catalogs
from starrating.language.diagnostics import display_width
from starrating.output.documents import ReportData, load_report
from starrating.output.html import render_html
from starrating.output.values import joined, show
from starrating.output.xlsx import MAX_SHEET_NAME, MONEY_FORMAT, WHOLE_FORMAT, write_xlsx
from starrating.store.store import Store

CJK = re.compile(r"[\u4e00-\u9fff]")


def _report(record_run: Callable[..., tuple[Path, str]], policy: str, roster: str) -> ReportData:
    path, run_id = record_run(policy, roster, EVENTS, "2026-10")
    with Store.open(path, read_only=True) as store:
        return load_report(store.connection, run_id)


# ---- the workbook -------------------------------------------------------------------------


def test_the_workbook_in_chinese(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    data = _report(record_run, POLICY, ROSTER)
    with i18n.language("zh-CN"):
        write_xlsx(data, tmp_path / "zh.xlsx")
    assert i18n.current_language() == "en"
    write_xlsx(data, tmp_path / "en.xlsx")
    zh, en = (openpyxl.load_workbook(tmp_path / f"{n}.xlsx") for n in ("zh", "en"))

    assert zh.sheetnames == ["汇总", "图表", "周度", "月度", "计分明细"]
    assert en.sheetnames == ["Summary", "Charts", "Weeks", "Months", "Contributions"]
    for name in zh.sheetnames:
        assert len(name) <= MAX_SHEET_NAME and not re.search(r"[\[\]:*?/\\]", name)

    months = zh["月度"]
    header = [c.value for c in months[1]]
    assert header == ["工号", "姓名", "部门", "周期", "开始日期", "结束日期", "n", "share",
                      "红星", "绿星", "净星数", "星级", "奖励", "奖项", "被一票否决",
                      "否决原因"]  # fmt: skip
    # The cells are the same cells with the same formats: only the words differ.
    for zh_row, en_row in zip(months.iter_rows(min_row=2), en["Months"].iter_rows(min_row=2),
                              strict=True):  # fmt: skip
        assert [c.value for c in zh_row] == [c.value for c in en_row]
        assert [c.number_format for c in zh_row] == [c.number_format for c in en_row]
    by_employee = {row[0].value: row for row in months.iter_rows(min_row=2)}
    assert by_employee["A"][header.index("星级")].number_format == WHOLE_FORMAT
    assert by_employee["A"][header.index("奖励")].number_format == MONEY_FORMAT
    assert by_employee["C"][header.index("否决原因")].value == "有责投诉"

    summary = [[c.value for c in row if c.value is not None] for row in zh["汇总"].iter_rows()]
    assert ["评星报表"] in summary and ["方案", "客服月度服务之星"] in summary
    assert ["读取事件数", 7] in summary and ["5 ★", 1] in summary and ["无星级", 1] in summary
    assert ["排名", "工号", "姓名", "星级", "净星数", "奖励"] in summary
    assert ["周期 2026-10", "2026-10-01 至 2026-10-31"] in summary
    # The digests are named as in the JSON a reviewer compares them with.
    assert any(row[:1] == ["results_sha256"] for row in summary)
    # The run's link in the chain of runs, and the link to the run before it.
    (link,) = [row for row in summary if row[:1] == ["run_sha256"]]
    assert re.fullmatch(r"[0-9a-f]{64}", link[1])
    assert any(row[:1] == ["previous_run_sha256"] for row in summary)

    charts = [c.value for row in zh["图表"].iter_rows() for c in row if c.value is not None]
    assert {"星级", "部门", "月度", "（无部门）"} <= set(charts)

    contributions = zh["计分明细"]
    assert [c.value for c in contributions[1]] == ["周期", "工号", "姓名", "行号", "方案原文",
                                                   "类型", "标签", "数值", "作用", "事件数",
                                                   "事件编号"]  # fmt: skip


def test_the_workbook_keeps_the_policys_order_of_values(
    record_run: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    """The value columns follow the policy's declarations, as on the page and in the
    terminal table, not the stored rows' order (sorted by name)."""
    policy = POLICY.replace(
        "  let n = count(praise_letter)\n  let share = n / 3\n",
        "  let zulu = count(praise_letter)\n  let n = zulu\n"
        "  let alpha = n / 3\n  let share = n / 3\n",
    )
    policy = policy.replace(
        "each week ending sunday {\n", "each week ending sunday {\n  let w = 1\n"
    )
    data = _report(record_run, policy, ROSTER)
    assert list(data.rows[0]["values"]) == sorted(data.rows[0]["values"])  # stored sorted
    write_xlsx(data, tmp_path / "order.xlsx")
    months = openpyxl.load_workbook(tmp_path / "order.xlsx")["Months"]
    header = [c.value for c in months[1]]
    assert header[6:10] == ["zulu", "n", "alpha", "share"]
    a = next(row for row in months.iter_rows(min_row=2) if row[0].value == "A")
    assert [c.value for c in a[6:10]] == [3, 3, 1, 1]


# ---- the page -----------------------------------------------------------------------------


def test_the_page_in_chinese(record_run: Callable[..., tuple[Path, str]]) -> None:
    data = _report(record_run, MONTHLY, HTML_ROSTER)
    with i18n.language("zh-CN"):
        text = render_html(data)
    english = render_html(data)
    page = Page(text)
    assert page.problems == [] and page.open == []
    assert ("html", {"lang": "zh-CN"}) in page.attributes
    assert ("html", {"lang": "en"}) in Page(english).attributes

    title = re.search(r"<title>(.*)</title>", text)[1]  # type: ignore[index]
    assert title == "客服月度服务之星（版本 3）2026-10"
    assert page.headings("results-2026-10") == [
        "工号", "姓名", "部门", "n", "红星", "绿星", "净星数", "星级", "奖励", "奖项", "一票否决"
    ]  # fmt: skip
    assert page.headings("leaderboard-2026-10")[:3] == ["名次", "工号", "姓名"]
    assert page.headings("detail")[:4] == ["周期", "工号", "姓名", "行号"]
    # Chart captions, labels and tooltips.
    assert {"星级分布", "各部门星级", "各部门奖励"} <= set(page.figures)
    bars = [title for _tone, title in page.figures["星级分布"]]
    assert bars == ["5 ★：1", "3 ★：1", "1 ★：1", "无星级：1"]
    assert [t for _tone, t in page.figures["各部门星级"]][-1] == "收银 无星级：1"
    legend = re.findall(r'<li><span class="swatch [^"]+"></span>([^<]*)</li>', text)
    assert "无星级" in legend
    # The filter boxes' placeholder, the headings of the sections, the facts.
    filters = [a for tag, a in page.attributes if tag == "input"]
    assert filters and all(a["placeholder"] == "筛选行…" for a in filters)
    for words in ('<h2 class="small">校验值</h2>', "<dt>读取事件数</dt><dd>7</dd>",
                  "<dt>正式运行</dt><dd>否</dd>", "排行榜（前 4 名）",
                  '<h3 class="veto">被一票否决</h3>', "（2026-10-01 至 2026-10-31）",
                  "参评 4 人 · 被一票否决 1 人", "点击列标题排序", "员工计分明细"):  # fmt: skip
        assert words in text, words
    # No English word of the page's own is left: every heading, caption, label and
    # paragraph outside the data has Chinese in it (value names and digests are data).
    own = re.findall(r"<(h[1-3]|figcaption|dt|th|p)[^>]*>([^<]+)<", text)
    data_words = {"n", "policy_sha256", "events_sha256", "roster_sha256", "results_sha256",
                  "run_sha256", "previous_run_sha256"}  # fmt: skip
    english_left = [w for _tag, w in own if not CJK.search(w) and w.strip() not in data_words
                    and not re.fullmatch(r"[\d\s\-W()]+", w)]  # fmt: skip
    assert english_left == []


def test_the_templates_messages_are_in_the_catalog() -> None:
    """The extractor reads the templates (Jinja2's i18n extension): their words are
    messages with a translation like the Python code's."""
    template = catalogs.extracted()
    located = {
        message.id: {file for file, _line in message.locations}
        for message in template
        if message.id
    }
    assert "starrating/output/templates/table.html.j2" in located["filter rows…"]
    assert "starrating/output/templates/report.html.j2" in located["Leaderboard (top {count})"]
    with i18n.language("zh-CN"):
        assert i18n._("Leaderboard (top {count})").format(count=3) == "排行榜（前 3 名）"


# ---- the terminal table -------------------------------------------------------------------


def _run(arguments: list[str]) -> Result:
    Path("p.policy").write_text(STARS_ONLY, encoding="utf-8")
    Path("roster.csv").write_text(TABLE_ROSTER, encoding="utf-8")
    Path("events.csv").write_text(EVENTS, encoding="utf-8")
    result = CliRunner().invoke(
        cli, [*arguments, "run", "p.policy", "--period", "2026-10", "--roster", "roster.csv",
              "--events", "events.csv", "--db", "s.duckdb", "--as-of",
              "2026-11-05T00:00:00+08:00"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.usefixtures("in_tmp")
def test_the_terminal_table_in_chinese() -> None:
    lines = _run(["--lang", "zh-CN"]).stdout.splitlines()
    assert re.fullmatch(r"星级（版本 1）  周期 2026-10  截至 \S+  运行 \S+", lines[0])
    assert "2026-10  （2026-10-01 至 2026-10-31）" in lines
    table = _tables(lines)["2026-10"]
    assert table[0].split() == ["工号", "姓名", "表扬信", "星级", "奖励"]
    # Aligned by display width: the last column is right-aligned, every line ends at the
    # same terminal column under the Chinese headings and names.
    assert {display_width(line) for line in table} == {display_width(table[0])}
    assert [line.split()[1] for line in table[1:]] == ["张三", "欧阳娜娜", "Li"]


@pytest.mark.usefixtures("in_tmp")
def test_a_veto_note_in_chinese() -> None:
    """The notes column: the veto and the award names joined as Chinese lists are."""
    with i18n.language("zh-CN"):
        assert joined(["月度之星", "进步之星"]) == "月度之星、进步之星"
        assert show(True) == "是" and show(["a", "b"]) == "a、b"
    assert joined(["月度之星", "进步之星"]) == "月度之星, 进步之星" and show(False) == "no"
    policy = POLICY.replace('award "月度之星" to top 1 by net', 'award "月度之星" when n >= 0')
    Path("p.policy").write_text(policy, encoding="utf-8")
    Path("roster.csv").write_text(ROSTER, encoding="utf-8")
    Path("events.csv").write_text(EVENTS, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--lang", "zh-CN", "run", "p.policy", "--period", "2026-10", "--roster",
              "roster.csv", "--events", "events.csv", "--db", "s.duckdb"],
        catch_exceptions=False,
    )  # fmt: skip
    month = _tables(result.stdout.splitlines())["2026-10"]
    assert month[0].split()[-3:] == ["奖项", "/", "一票否决"]
    notes = {line.split()[0]: line for line in month[1:]}
    assert notes["C"].endswith("一票否决：有责投诉") and notes["A"].endswith("月度之星")


# ---- machine formats ----------------------------------------------------------------------


@pytest.mark.usefixtures("in_tmp")
def test_csv_and_json_do_not_change_with_the_language() -> None:
    """Column names, keys, booleans and lists are the contract of a machine format
    (docs/data.md): the same under zh-CN as in English."""
    _run(["--lang", "en"])  # writes the policy and the data, ingests them
    outputs = {}
    for lang in ("en", "zh-CN"):
        result = CliRunner().invoke(
            cli, ["--lang", lang, "run", "p.policy", "--period", "2026-10", "--db",
                  "s.duckdb", "--as-of", "2026-11-05T00:00:00+08:00", "--format", "csv"],
            catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs[lang] = list(csv.DictReader(io.StringIO(result.stdout)))
    without_run = [[{k: v for k, v in row.items() if k != "run_id"} for row in outputs[lang]]
                   for lang in ("en", "zh-CN")]  # fmt: skip
    assert without_run[0] == without_run[1]
    assert list(outputs["zh-CN"][0])[:5] == ["policy", "version", "run_id", "employee_id",
                                             "period"]  # fmt: skip
    assert {row["vetoed"] for row in outputs["zh-CN"]} == {"false"}

    documents = {}
    for lang in ("en", "zh-CN"):
        result = CliRunner().invoke(
            cli, ["--lang", lang, "run", "p.policy", "--period", "2026-10", "--db",
                  "s.duckdb", "--as-of", "2026-11-05T00:00:00+08:00", "--format", "json"],
            catch_exceptions=False,
        )  # fmt: skip
        documents[lang] = json.loads(result.stdout)
    assert documents["en"]["results"] == documents["zh-CN"]["results"]
    assert list(documents["en"]["run"]) == list(documents["zh-CN"]["run"])
    assert not CJK.search(json.dumps(list(documents["zh-CN"]["results"][0])))
