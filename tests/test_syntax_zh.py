"""The parser's, the file reader's and the catalog's diagnostics in Simplified Chinese.

For every golden case of those codes (syntax E001-E008, the file E004, versions E037,
the catalog E090), `starrating --lang zh-CN check` must print the same diagnostics as the
English .expected file, in the same frame (``FILE:LINE:COL: error[CODE]: ``, the source
excerpt and its caret, ``help: ``), with the message and the help in Chinese. A few exact
translations pin down the wording of the most frequent messages, and the did-you-mean
help (``suggestion``) is checked in both languages and with each way of passing ``what``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_golden_diagnostics import CASES, Case, copy_golden_inputs

from starrating import i18n
from starrating.cli import cli
from starrating.language.diagnostics import suggestion
from starrating.language.parser import parse
from starrating.language.syntax_errors import _join_words

CJK = re.compile(r"[\u4e00-\u9fff]")
NO_ENVIRONMENT = {"LANG": "", "LC_ALL": "", "LC_MESSAGES": ""}

# The codes of the parser, the file reader and the catalog: the cases named after them.
OWN_CODES = ("E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008", "E037", "E090")
OWN_CASES = [c for c in CASES if c.name.split("/")[-1].startswith(OWN_CODES)]

HEADLINE = re.compile(
    r"^(?P<frame>\S+: (?:error|warning)\[(?P<code>[EW]\d{3})\]: )(?P<message>.*)$"
)
HELP = "help: "


@pytest.fixture(scope="module")
def golden_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_golden_inputs(tmp_path_factory, "golden_zh")


def check(arguments: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, arguments, env=NO_ENVIRONMENT)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.stdout


def diagnostic_lines(output: str) -> list[str]:
    """The lines of the diagnostics, without the summary line (the command's, not theirs)."""
    return [line for line in output.splitlines() if not line.startswith(("checked ", "已检查 "))]


def test_the_own_cases_cover_every_own_code() -> None:
    # Guards the selection: a renamed golden file must not drop a code silently.
    named = {c.name.split("/")[-1][:4] for c in OWN_CASES}
    assert named == set(OWN_CODES)


@pytest.mark.parametrize("case", OWN_CASES, ids=[c.name for c in OWN_CASES])
def test_messages_and_help_are_chinese_in_the_same_frame(
    case: Case, golden_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not case.setup  # none of these cases needs a store
    english = diagnostic_lines(case.expected.read_text("utf-8"))
    chinese = diagnostic_lines(
        check(["--lang", "zh-CN", "check", *case.args], golden_copy / case.folder, monkeypatch)
    )
    assert len(chinese) == len(english), "\n".join(chinese)
    headlines = 0
    for written, expected in zip(chinese, english, strict=True):
        english_headline = HEADLINE.match(expected)
        if english_headline is not None:
            headlines += 1
            chinese_headline = HEADLINE.match(written)
            assert chinese_headline is not None, written
            # The place, the severity and the code are the frame: exactly as in English.
            assert chinese_headline["frame"] == english_headline["frame"]
            assert CJK.search(chinese_headline["message"]), written
        elif expected.startswith(HELP):
            assert written.startswith(HELP) and CJK.search(written[len(HELP) :]), written
        else:
            # The source excerpt and its caret are the policy's own text.
            assert written == expected
    assert headlines >= 1


@pytest.mark.parametrize(
    ("case_name", "message", "help_text"),
    [
        ("E001_misspelled_keyword", "语句不能以 `redd` 开头", "您是想写 `red` 吗？"),
        (
            "E001_keyword_as_name",
            "`let` 之后应为：名称；实际是：关键字 `red`",
            "`red` 是保留字；要用作名称，请写成 `` `red` ``",
        ),
        (
            "E001_missing_condition_after_when",
            "`when` 之后应为：条件；但这一行到此就结束了",
            "请把这一行写完整，或者删掉 `when`",
        ),
        (
            "E006_full_width_punctuation",
            "`（` 是全角字符",
            "请改用 `(`（`starrating fmt --write` 可自动修正）",
        ),
        (
            "E006_chinese_quotes",
            "文本 “周服务之星” 用了中文引号",
            '请用英文双引号括起文本："周服务之星"（`starrating fmt --write` 可自动修正）',
        ),
        (
            "E007_stars_not_closed",
            "这里的 `{` 一直没有闭合",
            "第 6 行的 `stars` 语句块缺少结尾的 `}`，应补在第 9 行（关键字 `award`）之前",
        ),
        (
            "E008_chinese_connectives",
            "`且` 不是方案语言的运算符",
            "请写成 `and`（运算符是英文单词 `and`、`or`、`not`）",
        ),
        (
            "E004_not_utf8",
            "这不是 UTF-8 文本：第 1 行的第 7 个字节无法读取",
            "请把方案文件另存为 UTF-8 编码（它可能被保存成了 GBK 或其他旧编码）",
        ),
        (
            "E090_unknown_attribute_type",
            "事件类型 `complaint`：属性 `level` 的类型 `integr` 无法识别",
            "您是想写 `integer` 吗？",
        ),
    ],
)
def test_exact_translations(
    case_name: str,
    message: str,
    help_text: str,
    golden_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = next(c for c in OWN_CASES if c.name == case_name)
    output = check(["--lang", "zh-CN", "check", *case.args], golden_copy / case.folder, monkeypatch)
    first = next(m for line in output.splitlines() if (m := HEADLINE.match(line)))
    assert first["message"] == message
    assert f"\n{HELP}{help_text}\n" in output


def test_the_locale_chooses_chinese_diagnostics(
    golden_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(golden_copy)
    result = CliRunner().invoke(
        cli,
        ["check", "E003_empty_file.policy"],
        env={**NO_ENVIRONMENT, "LANG": "zh_CN.UTF-8"},
    )
    assert 'error[E003]: 文件是空的：方案应以 `policy "NAME"` 开头' in result.stdout
    assert i18n.current_language() == i18n.ENGLISH  # restored after the command


def test_a_list_of_expected_items_is_joined_the_chinese_way() -> None:
    words = ["`a`", "`b`", "`c`"]
    assert _join_words(words) == "`a`, `b` or `c`"
    with i18n.language(i18n.CHINESE):
        assert _join_words(words) == "`a`、`b` 或 `c`"
        assert _join_words([f"`{n}`" for n in range(7)]) == "`0`、`1`、`2`、`3`、`4` 等"


def test_an_early_end_lists_what_was_expected_in_chinese() -> None:
    with i18n.language(i18n.CHINESE):
        (diagnostic,) = parse('policy "x" version').diagnostics
    assert diagnostic.code == "E003"
    assert diagnostic.message == "文件提前结束了（`version` 之后应为：值）"


def test_a_missing_file_or_catalog_is_named_in_chinese(
    golden_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(golden_copy)
    missing = CliRunner().invoke(cli, ["--lang", "zh-CN", "check", "nope.policy"])
    assert missing.exit_code == 2
    assert "找不到文件或文件夹：nope.policy" in missing.output
    no_catalog = CliRunner().invoke(
        cli, ["--lang", "zh-CN", "check", "--catalog", "nope.yaml", "E003_empty_file.policy"]
    )
    assert no_catalog.exit_code == 2
    assert "找不到数据目录文件：nope.yaml" in no_catalog.output


def test_an_unreadable_catalog_is_reported_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "starrating.yaml").write_bytes("events:\n  表扬信: {}\n".encode("gbk"))
    (tmp_path / "a.policy").write_text('policy "x"\n', encoding="utf-8")
    output = check(
        ["--lang", "zh-CN", "check", "--catalog", "starrating.yaml", "a.policy"],
        tmp_path,
        monkeypatch,
    )
    assert "starrating.yaml: error[E090]: 无法读取数据目录：'utf-8' codec" in output


class TestSuggestion:
    """``suggestion``: the did-you-mean help, in both languages, for each form of ``what``."""

    def test_without_what(self) -> None:
        assert suggestion("redd", ["red"]) == "did you mean `red`?"
        assert suggestion("Asia/Shanghia", ["Asia/Shanghai"], quote='"') == (
            'did you mean "Asia/Shanghai"?'
        )
        with i18n.language(i18n.CHINESE):
            assert suggestion("redd", ["red"]) == "您是想写 `red` 吗？"

    def test_what_as_a_whole_message(self) -> None:
        # The way callers pass `what` so that it is translated as one sentence: the whole
        # help with a `{suggestion}` field, marked with N_ (here a message of the catalog).
        whole = "did you mean {suggestion}?"
        assert suggestion("departmnt", ["department"], what=whole) == "did you mean `department`?"
        with i18n.language(i18n.CHINESE):
            assert suggestion("departmnt", ["department"], what=whole) == (
                "您是想写 `department` 吗？"
            )

    def test_what_as_a_phrase_keeps_the_english_text(self) -> None:
        assert suggestion("departmnt", ["department"], "(a roster attribute)") == (
            "did you mean `department` (a roster attribute)?"
        )
        with i18n.language(i18n.CHINESE):
            help_text = suggestion("departmnt", ["department"], "(a roster attribute)")
        assert help_text is not None and help_text.startswith("您是想写 `department` ")

    def test_nothing_close(self) -> None:
        assert suggestion("xyz", ["department"], what="did you mean {suggestion}?") is None
