"""Messages in English and Simplified Chinese (INTERFACE: languages): the catalog is
complete, the language is chosen by `--lang` or the locale, and click's own messages
follow it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from starrating import i18n
from starrating.cli import cli
from starrating.i18n import catalogs

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_has_a_translation() -> None:
    """Fails on a message of the code (or of click) without a Chinese translation, on a
    translation that loses or invents a {placeholder}, and on a stale .mo."""
    problems = catalogs.problems()
    assert problems == [], "\n".join(problems[:50])


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-CN"),
        ({"LANG": "zh"}, "zh-CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030", "LANG": "en_GB.UTF-8"}, "zh-CN"),
        ({"LANG": "", "LC_ALL": ""}, "en"),
    ],
)
def test_the_locale_chooses_the_language(environment: dict[str, str], expected: str) -> None:
    assert i18n.language_from_environment(environment) == expected


def test_a_language_block_restores_the_language_before() -> None:
    assert i18n.current_language() == "en"
    with i18n.language("zh-CN"):
        assert i18n.current_language() == "zh-CN"
        assert CJK.search(i18n._("Show this message and exit."))
    assert i18n.current_language() == "en"
    assert i18n._("Show this message and exit.") == "Show this message and exit."


def test_chinese_has_one_plural_form() -> None:
    with i18n.language("zh-CN"):
        one = i18n.ngettext("Got unexpected extra argument ({args})",
                            "Got unexpected extra arguments ({args})", 1)  # fmt: skip
        many = i18n.ngettext("Got unexpected extra argument ({args})",
                             "Got unexpected extra arguments ({args})", 5)  # fmt: skip
    assert one == many and CJK.search(one)


NO_ENVIRONMENT = {"LANG": "", "LC_ALL": "", "LC_MESSAGES": ""}


@pytest.mark.parametrize(
    ("arguments", "environment"),
    [
        (["--lang", "zh-CN", "--help"], NO_ENVIRONMENT),
        (["--lang=zh-CN", "check", "--help"], NO_ENVIRONMENT),
        (["check", "--lang", "zh-CN", "--help"], NO_ENVIRONMENT),
        (["check", "--help"], {**NO_ENVIRONMENT, "LANG": "zh_CN.UTF-8"}),
        (["check", "--help"], {**NO_ENVIRONMENT, "LC_MESSAGES": "zh_CN.UTF-8"}),
    ],
)
def test_help_is_in_chinese(arguments: list[str], environment: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, arguments, env=environment)
    assert result.exit_code == 0, result.output
    assert "用法" in result.output and "选项" in result.output
    assert "--lang" in result.output  # options keep their names
    assert i18n.current_language() == "en"  # restored after the command


def test_help_is_in_english_by_default() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"], env=NO_ENVIRONMENT)
    assert result.exit_code == 0
    assert "Usage:" in result.output and not CJK.search(result.output)


def test_lang_overrides_the_locale() -> None:
    result = CliRunner().invoke(
        cli, ["--lang", "en", "--help"], env={**NO_ENVIRONMENT, "LANG": "zh_CN.UTF-8"}
    )
    assert "Usage:" in result.output and not CJK.search(result.output)


def test_usage_errors_are_in_chinese() -> None:
    result = CliRunner().invoke(cli, ["--lang", "zh-CN", "check", "--bogus"], env=NO_ENVIRONMENT)
    assert result.exit_code == 2
    assert CJK.search(result.output) and "--bogus" in result.output


def test_an_unknown_language_is_refused() -> None:
    result = CliRunner().invoke(cli, ["--lang", "fr", "check", "x"], env=NO_ENVIRONMENT)
    assert result.exit_code == 2
    assert "en" in result.output and "zh-CN" in result.output


def test_the_catalog_ships_with_the_package() -> None:
    assert (i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "starrating.mo").is_file()


def test_click_marks_are_translated() -> None:
    # click writes `[required]` and `[default: ...]` with texts of its own catalog entries.
    result = CliRunner().invoke(cli, ["run", "--help", "--lang", "zh-CN"], env=NO_ENVIRONMENT)
    assert "[必填]" in result.output and "[默认：table]" in result.output
    assert "required" not in result.output and "default:" not in result.output


@pytest.mark.parametrize("command", ["run", "ingest", "explain", "report", "check"])
def test_chinese_help_fits_the_terminal(command: str) -> None:
    # click counts characters; a Chinese character takes two columns (cli/translated.py).
    from starrating.language.diagnostics import display_width

    result = CliRunner().invoke(
        cli, [command, "--help", "--lang", "zh-CN"], env=NO_ENVIRONMENT, terminal_width=80
    )
    assert result.exit_code == 0
    too_wide = [line for line in result.output.splitlines() if display_width(line) > 80]
    assert too_wide == []
    assert CJK.search(result.output)


def test_chinese_lines_never_start_with_a_closing_sign() -> None:
    from starrating.cli.translated import _wrap_by_width
    from starrating.language.diagnostics import display_width

    text = "一二三四五六七八九，十一二三四五六七八九。use --lang zh-CN 十一二三"
    for width in range(8, 40):
        lines = _wrap_by_width(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(display_width(line) <= width for line in lines), (width, lines)
        assert not any(line[0] in "，。" for line in lines), (width, lines)
