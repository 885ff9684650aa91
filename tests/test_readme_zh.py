"""README.zh-CN.md stays in step with README.md: a Chinese reader types the same
commands and reads the same policy as an English one, and every link of either README
leads somewhere.

- The commands of "试用", "运行测试" and "月度批处理" are those of "Try it", "Run the
  tests" and "The monthly batch job", read as .ci/run reads them: the first line of the
  ```sh block after the heading.
- The auditor walk-through has the same six steps and the same command lines, in the same
  order (a Chinese line may add `--lang zh-CN`, and the block may set LANG first).
- The tour shows the same policy (its comments may be Chinese), a clean one.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT, invoke
from test_docs import LINK, POLICY_BLOCK
from test_formatter import check_fmt

ENGLISH = ROOT / "README.md"
CHINESE = ROOT / "README.zh-CN.md"

# The same section under its English and its Chinese heading.
SECTIONS = {
    "try": ("## Try it", "## 试用"),
    "tests": ("## Run the tests", "## 运行测试"),
    "batch": ("## The monthly batch job", "## 月度批处理"),
    "auditors": ("## For auditors", "## 审计人员指南"),
    "tour": ("## A short tour of the language", "## 方案语言简介"),
}


def section(path: Path, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same level."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert heading in lines, f"{path.name} has no heading {heading!r}"
    start = lines.index(heading) + 1
    end = next(
        (i for i in range(start, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    return "\n".join(lines[start:end])


def sh_block(path: Path, heading: str) -> list[str]:
    """The lines of the first ```sh block after ``heading`` (as .ci/run finds it)."""
    lines = section(path, heading).splitlines()
    opening = next((i for i, line in enumerate(lines) if line.startswith("```sh")), None)
    assert opening is not None, f"{path.name}: no ```sh block under {heading!r}"
    closing = next(i for i in range(opening + 1, len(lines)) if lines[i].startswith("```"))
    return lines[opening + 1 : closing]


def first_command(path: Path, heading: str) -> str:
    """What .ci/run runs: the first non-empty line of the block."""
    command = next((line for line in sh_block(path, heading) if line.strip()), "")
    assert command, f"{path.name}: the block under {heading!r} is empty"
    return command


@pytest.mark.parametrize("name", ["try", "tests", "batch"])
def test_the_chinese_readme_runs_the_same_command(name: str) -> None:
    english, chinese = SECTIONS[name]
    assert first_command(CHINESE, chinese) == first_command(ENGLISH, english)


LANG_OPTION = ("--lang", "zh-CN")


def command_lines(path: Path, heading: str) -> list[list[str]]:
    """The walk-through's commands as the shell splits them: comments dropped, and the
    Chinese page's choice of language (`--lang zh-CN`, `export LANG=...`) left out."""
    commands = []
    for line in sh_block(path, heading):
        words = shlex.split(line, comments=True)
        if not words or (words[0] == "export" and words[1].startswith("LANG=")):
            continue
        kept: list[str] = []
        for word in words:
            if kept[-1:] == [LANG_OPTION[0]] and word == LANG_OPTION[1]:
                kept.pop()
            elif word != "=".join(LANG_OPTION):
                kept.append(word)
        commands.append(kept)
    return commands


def test_the_auditor_walk_through_has_the_same_commands() -> None:
    english, chinese = SECTIONS["auditors"]
    expected = command_lines(ENGLISH, english)
    assert sum(words[0] == "starrating" for words in expected) >= 9  # guards the reading
    assert command_lines(CHINESE, chinese) == expected


def test_the_auditor_walk_through_has_the_same_steps() -> None:
    english, chinese = SECTIONS["auditors"]
    step = re.compile(r"^# (\d+)\. ", re.MULTILINE)
    steps = step.findall("\n".join(sh_block(ENGLISH, english)))
    assert steps == ["1", "2", "3", "4", "5", "6", "7"]
    assert step.findall("\n".join(sh_block(CHINESE, chinese))) == steps


def test_the_chinese_walk_through_is_in_chinese() -> None:
    # Either every command runs under a Chinese locale, or one shows `--lang zh-CN`.
    block = "\n".join(sh_block(CHINESE, SECTIONS["auditors"][1]))
    assert "export LANG=zh_CN.UTF-8" in block or "--lang zh-CN" in block


def tour_policy(path: Path, heading: str) -> str:
    match = POLICY_BLOCK.search(section(path, heading))
    assert match is not None, f"{path.name}: no policy under {heading!r}"
    return match.group(1)


def without_comments(policy: str) -> list[str]:
    return [line for line in policy.splitlines() if not line.lstrip().startswith("#")]


def test_the_tour_shows_the_same_policy(tmp_path: Path) -> None:
    english, chinese = SECTIONS["tour"]
    policy = tour_policy(CHINESE, chinese)
    assert without_comments(policy) == without_comments(tour_policy(ENGLISH, english))
    # test_docs.py checks README.md's policies; this page is checked here the same way.
    path = tmp_path / "tour.policy"
    path.write_text(policy, encoding="utf-8")
    result = invoke(["check", str(path), "--catalog", str(ROOT / "starrating.yaml")])
    assert result.exit_code == 0, result.output
    check_fmt(policy)


def test_each_readme_links_to_the_other() -> None:
    def first_line(path: Path) -> str:
        return path.read_text(encoding="utf-8").splitlines()[0]

    assert first_line(ENGLISH) == "中文说明：[README.zh-CN.md](README.zh-CN.md)"
    assert first_line(CHINESE) == "English: [README.md](README.md)"


@pytest.mark.parametrize("document", [ENGLISH, CHINESE], ids=lambda p: p.name)
def test_no_link_is_broken(document: Path) -> None:
    targets = [t for t in LINK.findall(document.read_text(encoding="utf-8")) if "://" not in t]
    assert len(targets) >= 5  # guards the pattern
    broken = [target for target in targets if not (document.parent / target).exists()]
    assert not broken, f"{document.name} links to missing files: {broken}"


def test_the_broken_policy_example_is_what_check_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "方案写错了怎么办" example shows what `check --lang zh-CN` really prints."""
    block = re.search(r"```text\n\$ (.*?)\n(.*?)```", section(CHINESE, "## 方案写错了怎么办"), re.S)
    assert block is not None
    command, shown = shlex.split(block[1]), block[2]
    assert command[:3] == ["starrating", "check", "--lang"]
    golden = ROOT / "tests" / "golden" / "diagnostics" / "E010_unknown_name.policy"
    (tmp_path / command[-1]).write_text(golden.read_text("utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke(command[1:])
    assert result.exit_code == 1
    assert result.stdout == shown
