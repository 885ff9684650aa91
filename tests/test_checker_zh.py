"""The checker's diagnostics in Simplified Chinese (issue 12): a manager who reads only
Chinese can fix a policy from the messages alone.

Every golden case of tests/golden/diagnostics/ whose code is the checker's is checked
twice, with `--lang en` and `--lang zh-CN` (as JSON, so that message and help are apart):
the same diagnostics at the same places with the same codes; the Chinese message and help
hold Chinese; and every name, keyword or text the English quotes in backticks or double
quotes (names from the policy, keywords, examples) is still there, unchanged. A few
important messages are then compared exactly, as the terminal shows them.
"""

from __future__ import annotations

import json
import re
from contextlib import chdir
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_golden_diagnostics import CASES, GOLDEN, Case, copy_golden_inputs

from starrating import i18n
from starrating.cli import cli

CHECKER = Path(__file__).resolve().parent.parent / "starrating" / "language" / "checker"
CJK = re.compile(r"[\u4e00-\u9fff]")
# What the English quotes: `names`, `keywords ...` and "texts" of the policy.
QUOTED = re.compile(r"`[^`]+`|\"[^\"]*\"")
# The help `suggestion` writes (part A of issue 12 translates it in diagnostics.py).
NO_LOCALE: dict[str, str | None] = dict.fromkeys(i18n.LOCALE_VARIABLES)
DID_YOU_MEAN = re.compile(r"did you mean [`\"][^`\"]+[`\"]( \(.*\))?\?")


def checker_codes() -> set[str]:
    """The codes the checker reports, read from its source."""
    codes: set[str] = set()
    for module in CHECKER.glob("*.py"):
        codes |= set(re.findall(r"\"([EW]\d{3})\"", module.read_text("utf-8")))
    return codes


CODES = checker_codes()
CHECKER_CASES = [
    case for case in CASES if case.name.split("/")[-1][:4] in CODES or case.name == "several_errors"
]


@pytest.fixture(scope="module")
def golden_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_golden_inputs(tmp_path_factory, "golden_zh")


def check(case: Case, root: Path, language: str | None, *options: str) -> str:
    """stdout of `starrating --lang ... check` for ``case``, run where the golden test runs
    it (after its setup commands, run once per copy)."""
    with chdir(root / case.folder):
        for command in case.setup:
            if not (root / case.folder / ".setup_done").exists():
                done = CliRunner().invoke(cli, list(command))
                assert done.exit_code == 0, done.output
        (root / case.folder / ".setup_done").touch()
        # No locale of the machine running the tests: only `--lang` chooses.
        chosen = ["--lang", language] if language else []
        arguments = [*chosen, "check", *options, *case.args]
        result = CliRunner().invoke(cli, arguments, env=NO_LOCALE)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.stdout


def diagnostics(case: Case, root: Path, language: str) -> list[dict[str, object]]:
    output = check(case, root, language, "--format", "json")
    return [d for d in json.loads(output)["diagnostics"] if d["code"] in CODES]


@pytest.fixture(scope="module")
def both_languages(golden_copy: Path) -> dict[str, list[tuple[dict, dict]]]:
    """For each case, its checker diagnostics as (English, Chinese) pairs."""
    pairs: dict[str, list[tuple[dict, dict]]] = {}
    for case in CHECKER_CASES:
        english = diagnostics(case, golden_copy, "en")
        chinese = diagnostics(case, golden_copy, "zh-CN")
        where = [
            [(d["file"], d["line"], d["column"], d["code"], d["severity"]) for d in side]
            for side in (english, chinese)
        ]
        assert where[0] == where[1], f"{case.name}: not the same diagnostics in Chinese"
        pairs[case.name] = list(zip(english, chinese, strict=True))
    return pairs


def test_the_cases_cover_the_checker() -> None:
    """Every code the checker reports has a golden case, so this file tests it in Chinese."""
    covered = {case.name.split("/")[-1][:4] for case in CHECKER_CASES}
    assert len(CODES) > 50
    assert sorted(CODES - covered) == []


@pytest.mark.parametrize("case", CHECKER_CASES, ids=[c.name for c in CHECKER_CASES])
def test_messages_are_chinese_and_keep_names_and_keywords(
    case: Case, both_languages: dict[str, list[tuple[dict, dict]]]
) -> None:
    pairs = both_languages[case.name]
    assert pairs, f"{case.name} reports nothing of the checker"
    for english, chinese in pairs:
        assert CJK.search(str(chinese["message"])), chinese
        for quoted in QUOTED.findall(str(english["message"])):
            assert quoted in str(chinese["message"]), (quoted, chinese["message"])
        assert (english["help"] is None) == (chinese["help"] is None)
        if english["help"] is None:
            continue
        english_help, chinese_help = str(english["help"]), str(chinese["help"])
        for quoted in QUOTED.findall(english_help):
            assert quoted in chinese_help, (quoted, chinese_help)
        if not DID_YOU_MEAN.fullmatch(english_help):  # those: the test below
            assert CJK.search(chinese_help), chinese_help


def test_did_you_mean_helps_are_chinese(
    both_languages: dict[str, list[tuple[dict, dict]]],
) -> None:
    helps = [
        str(chinese["help"])
        for pairs in both_languages.values()
        for english, chinese in pairs
        if english["help"] is not None and DID_YOU_MEAN.fullmatch(str(english["help"]))
    ]
    assert len(helps) >= 8
    assert [h for h in helps if not CJK.search(h)] == []


# ---- exact translations of important messages, as the terminal shows them ---------------

EXACT = {
    "E010_unknown_name_in_applies_to": [
        "E010_unknown_name_in_applies_to.policy:3:12: error[E010]: 未知的名字 `departmnt`",
    ],
    "E010_unquoted_text_value": [
        "E010_unquoted_text_value.policy:3:19: error[E010]: 未知的名字 `service_desk`",
        'help: 您是想写文本 "service_desk" 吗？',
    ],
    "E024_text_as_number": [
        "E024_text_as_number.policy:5:7: error[E024]: `red` 的数量：需要数字，但这里是文本",
    ],
    "E023_number_as_condition": ["help: 请写成比较，例如 `x > 0`"],
    "E020_text_compared_with_number": [
        'help: 文本要写在双引号里："3"',
    ],
    "E033_dependency_cycle": [
        "E033_dependency_cycle.policy:5:7: error[E033]: 这些值互相依赖：`base` → `bonus` → `base`",
        "help: 请打破这个循环：一个值不能直接或通过其他值间接依赖它自己",
    ],
    "E070_award_depends_on_itself": ['奖项 "周服务之星" 依赖于它自己'],
    "E040_veto_depends_on_ranking": [
        "E040_veto_depends_on_ranking.policy:6:20: error[E040]: "
        "一票否决不能依赖排名 `rank(...)`（`place` 用到了它，第 5 行）",
        "help: 被一票否决的员工不参加排名、红绿星计数、星级和奖项评选，所以这些不能用来决定"
        "一票否决；请改用事件的次数和数值",
    ],
    "E040_veto_depends_on_tally": ["error[E040]: 一票否决不能依赖星数 `net`"],
    "W061_star_levels_skip_a_number": [
        "W061_star_levels_skip_a_number.policy:9:5: warning[W061]: 星级跳过了 3",
        "help: 各行给出的是 5、4 和 2 星，没有人能得到 3 星；请为缺少的星级补上一行，"
        "或把星级连续编号",
    ],
    "W063_reward_key_no_line_gives": ["help: 第 6 行的星级表只能给出 5、4 和 3 星"],
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_chinese(name: str, golden_copy: Path) -> None:
    case = next(c for c in CHECKER_CASES if c.name == name)
    output = check(case, golden_copy, "zh-CN")
    for expected in EXACT[name]:
        assert expected in output, f"{expected!r} not in:\n{output}"
    # The frame and the source excerpt stay as in English.
    english = check(case, golden_copy, "en")
    frame = [line for line in english.splitlines() if "|" in line]
    assert frame == [line for line in output.splitlines() if "|" in line]


def test_did_you_mean_keeps_the_name_and_the_roster_words_are_chinese(golden_copy: Path) -> None:
    """`applies to departmnt`: the suggested name as written, its kind in Chinese."""
    case = next(c for c in CHECKER_CASES if c.name == "E010_unknown_name_in_applies_to")
    help_line = next(
        line for line in check(case, golden_copy, "zh-CN").splitlines() if line.startswith("help: ")
    )
    assert "`department`" in help_line and "花名册属性" in help_line


def test_english_stays_english_after_chinese(golden_copy: Path) -> None:
    """The language is one per command: a Chinese run leaves the next one English."""
    case = next(c for c in CHECKER_CASES if c.name == "several_errors")
    check(case, golden_copy, "zh-CN")
    english = check(case, golden_copy, None)
    assert english == (GOLDEN / "several_errors.expected").read_text("utf-8")
