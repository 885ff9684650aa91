"""The command line in Simplified Chinese (issue 12, INTERFACE: languages): every command's
help, and the lines the commands and the store print (summaries, ingest problems, refusals,
`fmt --check`, `test`, `run`), in Chinese under `--lang zh-CN` or a zh* locale, while file
names, line numbers, codes, option names and JSON keys stay as they are, and the prefix
`starrating: error:` stays the frame it is."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sys
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, write_text

from starrating import i18n
from starrating.cli.main import COMMANDS, cli, short_help
from starrating.language.diagnostics import display_width
from starrating.store.records import StoredRun, instant
from starrating.store.store import THREADS_ENV, Store, StoreError

pytestmark = pytest.mark.usefixtures("in_tmp")

CJK = re.compile(r"[\u4e00-\u9fff]")
NO_LOCALE = {"LANG": "", "LC_ALL": "", "LC_MESSAGES": ""}

ROSTER = """employee_id,name,department,role,hire_date,leave_date
A,甲,前台,sd,2024-01-01,
B,乙,前台,sd,2024-01-01,
"""

MONTHLY = """policy "月度" version 1
timezone "Asia/Shanghai"

each month {
  let c = count(complaint)
  red 1 per complaint
}
"""


def zh(args: list[str], env: dict[str, str] | None = None) -> Result:
    """`starrating --lang zh-CN ARGS` in this process, with no locale of its own."""
    return CliRunner().invoke(cli, ["--lang", "zh-CN", *args], env={**NO_LOCALE, **(env or {})})


def squeezed(text: str) -> str:
    """``text`` without whitespace: help texts are wrapped to the terminal's width."""
    return "".join(text.split())


# -- help -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_s_help_is_in_chinese(name: str) -> None:
    command = COMMANDS[name].load()
    result = zh([name, "--help"])
    assert result.exit_code == 0, result.output
    shown = squeezed(result.output)
    with i18n.language("zh-CN"):
        help_text, summary = command.help or "", i18n._(COMMANDS[name].summary)
        option_helps = [p.help for p in command.params if isinstance(p, click.Option) and p.help]
    assert CJK.search(help_text) and squeezed(help_text) in shown
    # `starrating --help` lists the same first paragraph (tests/test_cli_imports.py in English).
    assert squeezed(summary) == squeezed(help_text.split("\n\n")[0])
    for text in option_helps:
        assert CJK.search(text), text
        assert squeezed(text) in shown
    # Option names and metavars are never translated.
    for option in command.params:
        if isinstance(option, click.Option):
            assert option.opts[0] in result.output
    assert "--lang" in result.output and "用法" in result.output


@pytest.mark.parametrize("width", [40, 80, 120])
def test_the_command_list_fits_the_terminal_in_chinese(width: int) -> None:
    result = CliRunner().invoke(
        cli, ["--lang", "zh-CN", "--help"], env=NO_LOCALE, terminal_width=width
    )
    assert result.exit_code == 0
    listed = result.output.split("命令:")[1].strip("\n").splitlines()
    names = [line.split()[0] for line in listed if line.startswith("  ") and line[2] != " "]
    assert names == sorted(COMMANDS)
    # click would cut by characters: a Chinese character takes two columns.
    assert all(display_width(line) <= max(width, 40) for line in listed), listed
    assert any(CJK.search(line) for line in listed)


def test_a_chinese_summary_is_cut_at_its_first_sentence_then_by_columns() -> None:
    two_sentences = click.Command("x", help="第一句话。第二句话。")
    assert short_help(two_sentences, 40) == "第一句话。"
    long = click.Command("x", help="很长的说明" * 10)
    cut = short_help(long, 21)
    assert cut.endswith("...") and display_width(cut) <= 21 and cut.startswith("很长的说明")
    # English is shortened exactly as click shortens it.
    english = click.Command("x", help="Print the DuckDB SQL a run of POLICY would execute.")
    assert short_help(english, 20) == english.get_short_help_str(20)


# -- check, fmt -------------------------------------------------------------------------


@pytest.fixture
def policies(in_tmp: Path) -> Path:
    """The bundled policies and their catalog, in the test's folder."""
    shutil.copytree(ROOT / "policies", in_tmp / "policies")
    shutil.copy(ROOT / "starrating.yaml", in_tmp / "starrating.yaml")
    return in_tmp / "policies"


def test_check_summary_in_chinese(policies: Path) -> None:
    result = zh(["check", "policies"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已检查 5 个方案：0 个错误，0 个警告"


def test_check_counts_an_error_in_chinese_and_json_keeps_its_keys(in_tmp: Path) -> None:
    write_text(in_tmp / "broken.policy", MONTHLY.replace("per complaint", "per"))
    result = zh(["check", "broken.policy"])
    assert result.exit_code == 1
    assert "broken.policy:6:" in result.output  # the diagnostic's place stays
    assert result.output.strip().splitlines()[-1] == "已检查 1 个方案：1 个错误，0 个警告"
    document = json.loads(zh(["check", "--format", "json", "broken.policy"]).output)
    assert list(document) == ["files", "catalog", "errors", "warnings", "diagnostics"]
    assert document["errors"] == 1 and document["diagnostics"][0]["code"].startswith("E")


def test_fmt_check_of_an_unformatted_file_in_chinese(policies: Path) -> None:
    canonical = (policies / "b_monthly_star_levels.policy").read_text(encoding="utf-8")
    untidy = write_text(policies.parent / "untidy.policy", canonical.replace(" {", "   {", 1))
    result = zh(["fmt", "--check", str(untidy)])
    assert result.exit_code == 1
    assert result.output == f"需要重新格式化 {untidy}\n"
    result = zh(["fmt", "--check", "policies"])
    assert result.exit_code == 0 and result.output == "5 个文件已是规范格式\n"
    # Full-width punctuation the formatter repairs is counted in Chinese too.
    write_text(untidy, canonical.replace("count(", "count（", 1))
    result = zh(["fmt", "--check", str(untidy)])
    assert result.exit_code == 1
    assert result.output == f"需要重新格式化 {untidy}（有 1 个全角字符待替换）\n"


def test_fmt_refuses_check_with_write_in_chinese(policies: Path) -> None:
    result = zh(["fmt", "--check", "--write", "policies"])
    assert result.exit_code == 2
    assert "--check 和 --write 不能同时使用" in result.output


# -- ingest and the store ---------------------------------------------------------------


def test_ingest_problems_in_chinese_keep_their_file_and_line(in_tmp: Path) -> None:
    bad = write_text(
        in_tmp / "bad.csv",
        "event_id,employee_id,type,occurred_at,value\n"
        "x1,A,complaint,not a time,\n"
        "x1,A,complaint,2026-10-01,\n"
        ",B,complaint,2026-10-01,lots\n",
    )
    result = zh(["ingest", "--events", str(bad), "--db", "s.duckdb"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:2: occurred_at `not a time` 不是符合 ISO 8601 的时间"
        "（例如 2026-10-28T10:00:00+08:00 或 2026-10-28 10:00）",
        f"{bad}:3: event_id `x1` 也出现在第 2 行，但内容不同",
        f"{bad}:4: `event_id` 为空",
        f"{bad}:4: value `lots` 不是数字",
        "未导入任何数据：请修正以上问题后重新运行命令",
    ]


def test_ingest_problems_of_whole_files_in_chinese(in_tmp: Path) -> None:
    missing = write_text(in_tmp / "missing.csv", "event_id,employe_id,type,occurred_at\n")
    lines = write_text(in_tmp / "lines.jsonl", '{"event_id": "e1"}\nnot json\n[1]\n')
    result = zh(["ingest", "--events", str(missing), "--events", str(lines)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        f"{missing}: 缺少列 `employee_id`（文件中有 `employe_id`：请改名为 `employee_id`）；"
        "事件文件需要这些列：event_id, employee_id, type, occurred_at",
        f"{lines}:2: 这一行不是有效的 JSON",
        f"{lines}:3: 这一行不是 JSON 对象",
    ]


def test_ingest_summary_and_warning_in_chinese(in_tmp: Path) -> None:
    roster = write_text(in_tmp / "roster.csv", ROSTER)
    events = write_text(
        in_tmp / "events.csv",
        "event_id,employee_id,type,occurred_at\n"
        "e1,A,complaint,2026-10-01\ne2,Z,complaint,2026-10-01\ne3,Y,complaint,2026-10-02\n",
    )
    result = zh(["ingest", "--roster", str(roster), "--events", str(events)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{roster}: 2 行，新增 2 条",
        f"{events}: 3 行，新增 3 条",
    ]
    assert result.stderr == (
        f"starrating: warning: {events}: 2 行新事件涉及 2 个不在花名册上的工号：Y、Z；"
        "这些事件已保存，但在花名册文件列出这些员工之前，不计入任何人的评星\n"
    )


def test_ingest_warning_keeps_its_english_plurals(in_tmp: Path) -> None:
    # Three forms, one message each: one row; rows of one employee; rows of several.
    events = write_text(
        in_tmp / "events.csv",
        "event_id,employee_id,type,occurred_at\n"
        "e1,Z,complaint,2026-10-01\ne2,Z,complaint,2026-10-02\ne3,Y,complaint,2026-10-02\n",
    )
    one = write_text(
        in_tmp / "one.csv", "event_id,employee_id,type,occurred_at\ne9,Q,x,2026-10-01\n"
    )
    said = [
        CliRunner().invoke(cli, ["ingest", "--events", str(path), "--db", db], env=NO_LOCALE)
        for path, db in ((events, "b.duckdb"), (one, "c.duckdb"))
    ]
    assert "3 new rows name 2 employee ids not on the roster: Y, Z;" in said[0].stderr
    assert "1 new row names 1 employee id not on the roster: Q;" in said[1].stderr


def test_a_csv_as_the_store_is_refused_in_chinese(in_tmp: Path) -> None:
    roster = write_text(in_tmp / "roster.csv", ROSTER)
    before = roster.read_bytes()
    for command in (["runs"], ["check", "x.policy"], ["ingest", "--roster", str(roster)]):
        result = zh([*command, "--db", str(roster)])
        assert result.exit_code == 2, command
        assert result.stderr.startswith(f"starrating: error: {roster} 不是 DuckDB 数据库文件")
        assert "（文件开头是文本“employee_id,name," in result.stderr
        assert "请用 --db 指定其他文件" in result.stderr
    assert roster.read_bytes() == before


def test_a_missing_store_and_an_unknown_run_in_chinese(in_tmp: Path) -> None:
    result = zh(["runs", "--db", "none.duckdb"])
    assert result.exit_code == 1
    assert result.stderr == "starrating: error: none.duckdb 处没有数据库：请先导入数据\n"


def test_a_parquet_file_s_rows_are_named_in_chinese(in_tmp: Path) -> None:
    events = in_tmp / "events.parquet"
    duckdb.sql(
        "SELECT * FROM (VALUES ('e1', 'A', 'complaint', '2026-10-01'),"
        " ('e1', 'A', 'complaint', '2026-10-02')) t(event_id, employee_id, type, occurred_at)"
    ).write_parquet(str(events))
    result = zh(["ingest", "--events", str(events)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{events}:第 2 行: event_id `e1` 也出现在第 1 行，但内容不同"
    )


def test_store_settings_are_refused_in_chinese(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(THREADS_ENV, "two")
    with i18n.language("zh-CN"), pytest.raises(StoreError) as refused:
        Store.open(in_tmp / "s.duckdb")
    assert str(refused.value) == "STARRATING_THREADS=two 不是正整数"


def test_a_run_s_status_in_chinese() -> None:
    def stored(**changes: object) -> StoredRun:
        fields: dict[str, object] = {
            "run_id": "r2", "policy": "p", "version": "1", "policy_file": None,
            "policy_text": "", "policy_sha256": "", "period": "2026-10",
            "as_of": instant(0), "events_sha256": "", "roster_sha256": "",
            "results_sha256": "", "engine_version": "", "created_at": instant(0),
            "created_by": None, "official": False, "amends": None, "amend_reason": None,
        }  # fmt: skip
        return StoredRun(**{**fields, **changes})  # type: ignore[arg-type]

    with i18n.language("zh-CN"):
        assert stored(official=True, amends="r1", amend_reason="迟到的投诉").status == (
            "正式，更正了 r1：“迟到的投诉”"
        )
        assert stored(official=True).status == "正式运行"
        assert stored(amended_by="r3").status == "已被 r3 更正"
    assert stored(amended_by="r3").status == "amended by r3"


# -- test and run -----------------------------------------------------------------------


def test_policy_test_cases_report_in_chinese(in_tmp: Path) -> None:
    cases = ROOT / "tests" / "policies" / "a_service_desk_weekly.yaml"
    result = zh(["test", "--catalog", str(ROOT / "starrating.yaml"), str(cases)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"通过    {cases}: ")
    assert all(line.startswith("通过    ") for line in lines[:-1])
    assert lines[-1] == f"{len(lines) - 1} 个通过，0 个未通过"


def test_a_run_of_the_bundled_sample_says_its_own_lines_in_chinese(in_tmp: Path) -> None:
    result = zh([
        "run", str(ROOT / "policies" / "b_monthly_star_levels.policy"), "--period", "2026-10",
        "--roster", str(ROOT / "data" / "roster.csv"),
        "--events", str(ROOT / "data" / "events.csv"),
        "--catalog", str(ROOT / "starrating.yaml"), "--format", "json", "--out", "out.json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == "已将 1 次运行写入 out.json"
    document = json.loads((in_tmp / "out.json").read_text(encoding="utf-8"))
    assert {"run", "results"} <= set(document)  # JSON keys stay English


def test_run_refusals_in_chinese(in_tmp: Path) -> None:
    write_text(in_tmp / "set" / "m.policy", MONTHLY)
    result = zh(["run", "set", "--period", "2026-10", "--amend"])
    assert result.exit_code == 2 and "--amend 和 --reason 须与 --official 一起使用" in result.output
    # A folder none of whose policies has a block of the period's kind.
    result = zh(["run", "set", "--period", "2026-W02"])
    assert result.exit_code == 1
    assert result.stderr.endswith("starrating: error: 这里没有能运行 2026-W02 的方案\n")
    result = zh(["ingest"])
    assert result.exit_code == 2 and "没有要导入的文件" in result.output


# -- choosing the language ----------------------------------------------------------------


def test_the_locale_alone_chooses_chinese(policies: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", "policies"], env={**NO_LOCALE, "LANG": "zh_CN.UTF-8"}
    )
    assert result.output.strip() == "已检查 5 个方案：0 个错误，0 个警告"


def test_lc_all_c_overrides_a_chinese_lang(policies: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", "policies"], env={**NO_LOCALE, "LANG": "zh_CN.UTF-8", "LC_ALL": "C"}
    )
    assert result.output.strip() == "checked 5 policies: 0 errors, 0 warnings"


def test_an_internal_error_is_said_in_the_command_s_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    # The module, not the function `starrating.cli.main` its package exports by that name.
    module = importlib.import_module("starrating.cli.main")
    monkeypatch.setattr(module.cli, "main", broken)
    monkeypatch.setattr(sys, "argv", ["starrating", "--lang", "zh-CN", "check", "x.policy"])
    with pytest.raises(SystemExit) as stopped:
        module.main()
    assert stopped.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "starrating: 内部错误：RuntimeError: boom",
        "请报告此问题，并附上引发它的输入",
    ]
    assert i18n.current_language() == "en"
