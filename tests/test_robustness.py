"""No input may end in a traceback.

Junk, huge, deeply nested and randomly mutated policies go through the library and the
real command line: the answer is always a clean exit status (1 for anything broken, 0 for
valid input) with diagnostics, never ``Traceback`` or ``internal error``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import LANGUAGE_EXAMPLE

from starrating.cli import cli
from starrating.language.checker import check_policy
from starrating.language.formatter import format_policy
from starrating.language.parser import parse

# ---- valid policies to start from -------------------------------------------------------


ANNUAL = """\
# 年度优秀服务之星 (scheme C) and the half-yearly window star (scheme D)
policy "年度优秀服务之星" version "2026"
effective 2026-01-01
timezone "Asia/Shanghai"
applies to tenure >= 6 and role in ["regular", "window"]

each month {
  let 满意度 = avg(survey.value) default 0
  score service starts at 100 {
    minus 10 per complaint where responsible, at most 50
    plus  1  per praise_letter, at most 5
    never below 0
  }
  stars {
    5 when service >= 95 and 满意度 >= 95%
    4 when service >= 85
    3 when service >= 70
    2 otherwise
  }
  reward by stars { 5: 500, 4: 300, 3: 100, 2: 0 }
}

each half {
  let rating = avg(months.service) * 60% + (avg(office_rating.value) default 0) * 40%
  veto "一票否决" when count(survey where value < 3) > 0 or count(disciplinary) > 0
  award "窗口服务之星" to top 5 by rating then by sum(months.reward) within department
}

each year {
  let `smile index` = avg(mystery_shop.value) default 0
  let 提案 = count(proposal where adopted)
  veto "重大投诉" when count(complaint where level = 3) > 0
  award "年度服务之星" to top 50% by `smile index` then by 提案 within department
    when `smile index` >= 90 and not (previous(awarded("年度服务之星")) default false)
    with reward 2000
  award "创新奖" to top 10 by 提案 when 提案 > 0
  reward 100 * wins("窗口服务之星")
}
"""

EVERYTHING = """\
policy "全部" version "2026.1"
effective 2026-04-01
timezone "UTC"
applies to department in ["前台", "客服"] and not (role = "intern") and tenure >= 0

each week ending friday {
  let 投诉 = count(complaint where level >= 2 and responsible)
  score quick = 10 - 投诉
  red 2 when 投诉 = 0
  green 1 per complaint where level = 1, at most 2
  stars {
    5 when net >= 3
    4 when net >= 1
    3 otherwise
  }
  award "周星" to top 20% by net then by -green within department when net > 0
  reward 10 when awarded("周星")
}

each month {
  let wk = count(weeks where stars >= 4 and quick > 5)
  let `rated by` = sum(weeks.net) + (avg(weeks.reward) default 0) + max(weeks.red) default 0
  score quality = 80 + wk * 5
  veto "x" when wins("周星") > 3 or sum(weeks.net) < -10 or previous(stars) default 0 = 1
  stars {
    5 when quality >= 95 and wins("周星") >= 2
    4 when quality >= 70
    3 otherwise
  }
  reward 50 when previous(stars) default 0 = 5
  award "月星" to top 3 by `rated by` then by quality
  award "连冠" when awarded("月星") and stars >= 3 for 2 consecutive months
}

each quarter {
  let best = max(months.stars) default 0
  veto "q" when count(complaint where responsible) > 2
  stars {
    4 when best >= 4 for 2 consecutive quarters
    3 otherwise
  }
  award "季度之星" when stars >= 4 and not (previous(awarded("季度之星")) default false)
    with reward 1000
  reward by stars { 4: 400, 3: 100, }
}

each year {
  let q = count(quarters where stars = 4)
  award "年度" when q >= 2 and rank(q) = 1
}
"""

VALID = [LANGUAGE_EXAMPLE, ANNUAL, EVERYTHING]

# Fragments a person might type, for token insertions.
TOKENS = [
    "red",
    "green",
    "stars",
    "net",
    "when",
    "where",
    "per",
    "not",
    "and",
    "or",
    "default",
    "in",
    "for 2 consecutive weeks",
    "for 3 consecutive months",
    "previous(",
    "pyramid(",
    "rank(",
    "count(",
    "sum(weeks.net)",
    "weeks",
    "months",
    'awarded("周星")',
    'wins("x")',
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    ".",
    "=",
    "!=",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    '"',
    "`",
    "#",
    "let a = ",
    "score s starts at 1 {",
    "each week {",
    "each month {",
    "each year {",
    'policy "p"',
    "stars { 9 when true }",
    'award "周星"',
    'veto "v" when',
    "reward by stars {",
    "0",
    "1.5",
    "95%",
    "2026-13-45",
    '"中文"',
    "`rated by`",
    "投诉",
    "with reward",
    "to top 0 by",
    "within department",
    ", at most",
    "\n",
    "\t",
    "\r",
    "\u2028",
    "\ufeff",
    "\x00",
]

TOKEN_RE = re.compile(r"\s+|\w+|\"(?:[^\"\\\n]|\\.)*\"|`[^`\n]*`|\S")


# ---- helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def no_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run from an empty folder, so no starrating.yaml is found for the CLI runs."""
    folder = tmp_path_factory.mktemp("robustness")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


def assert_no_crash(result: Result) -> None:
    text = result.output + (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        text[-2000:],
    )
    assert "Traceback" not in text
    assert "internal error" not in text


def check_cli(path: Path, *extra: str) -> Result:
    result = CliRunner().invoke(cli, ["check", *extra, str(path)])
    assert_no_crash(result)
    return result


def write_bytes(folder: Path, data: bytes, name: str = "junk.policy") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def write_text(folder: Path, text: str, name: str = "p.policy") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def library_never_raises(text: str) -> None:
    """parse + check_policy never raise; problems come back as proper diagnostics."""
    parsed = parse(text, "m.policy")
    for d in parsed.diagnostics:
        assert d.code and d.message and d.severity == "error", d
        assert d.file == "m.policy"
        if d.code != "E004":  # binary data: a whole-file problem without a position
            assert d.span is not None and d.span.line >= 1 and d.span.column >= 1, d
    if parsed.policy is None:
        assert parsed.diagnostics
        return
    assert parsed.diagnostics == []
    checked = check_policy(parsed.policy, None, "m.policy")
    for d in checked.diagnostics:
        assert d.code and d.message and d.severity in ("error", "warning"), d
        assert d.span is not None and d.span.line >= 1 and d.span.column >= 1, d
    assert (checked.analysis is None) == any(d.is_error for d in checked.diagnostics)
    # Formatting a policy that parses never raises and never changes its meaning.
    assert parse(format_policy(parsed.policy)).policy == parsed.policy


# ---- junk -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_binary_junk_exits_1(data: bytes) -> None:
    path = write_bytes(Path.cwd(), data)
    result = check_cli(path)
    assert result.exit_code == 1, result.output
    assert "error[" in result.output


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_random_binary_junk_in_the_library(data: bytes) -> None:
    library_never_raises(data.decode("utf-8", errors="replace"))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500))
def test_random_text_in_the_library(text: str) -> None:
    library_never_raises(text)


def test_non_utf8_file_exits_1(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, 'policy "\xff\xfe"\neach week { }\n'.encode("latin-1"))
    result = check_cli(path)
    assert result.exit_code == 1
    assert "E004" in result.output
    assert "UTF-8" in result.output


def test_utf16_file_exits_1(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, LANGUAGE_EXAMPLE.encode("utf-16"))
    result = check_cli(path)
    assert result.exit_code == 1
    assert "E004" in result.output


def test_nul_bytes_exit_1(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, LANGUAGE_EXAMPLE.encode() + b"\x00\x00")
    result = check_cli(path)
    assert result.exit_code == 1
    assert "E004" in result.output


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, b"\xef\xbb\xbf" + LANGUAGE_EXAMPLE.encode())
    assert check_cli(path).exit_code == 0


@pytest.mark.parametrize("content", [b"", b"\n\n\n", b"   \t  ", b"# only a comment\n"])
def test_empty_file_exits_1(tmp_path: Path, content: bytes) -> None:
    result = check_cli(write_bytes(tmp_path, content, "empty.policy"))
    assert result.exit_code == 1
    assert "E003" in result.output
    assert "the file is empty" in result.output


def test_json_output_for_junk(tmp_path: Path) -> None:
    result = check_cli(write_bytes(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00"), "--format", "json")
    assert result.exit_code == 1
    assert '"code": "E004"' in result.output


def test_fmt_on_junk_exits_1(tmp_path: Path) -> None:
    for data in (b"", b"\xff\xfe\x00", b"policy", b"{{{{"):
        result = CliRunner().invoke(cli, ["fmt", str(write_bytes(tmp_path, data))])
        assert_no_crash(result)
        assert result.exit_code == 1


# ---- size -------------------------------------------------------------------------------


def _many_lets(total: int) -> list[str]:
    """A valid policy of exactly ``total`` lines: one block of `let vN = N` lines."""
    lines = ['policy "big"', "each month {"]
    lines += [f"  let v{i} = {i}" for i in range(1, total - 2)]
    lines.append("}")
    assert len(lines) == total
    return lines


def test_ten_thousand_line_policy_is_fine(tmp_path: Path) -> None:
    lines = _many_lets(10_000)
    path = write_text(tmp_path, "\n".join(lines) + "\n", "big.policy")
    result = check_cli(path)
    assert result.exit_code == 0, result.output[-2000:]
    assert "0 errors" in result.output


def test_ten_thousand_line_policy_with_an_error_at_line_9999(tmp_path: Path) -> None:
    lines = _many_lets(10_000)
    lines[9998] = "  let bad = = 1"
    path = write_text(tmp_path, "\n".join(lines) + "\n", "big.policy")
    result = check_cli(path)
    assert result.exit_code == 1
    assert f"{path}:9999:13: error[E001]" in result.output
    assert "1 error" in result.output


def test_ten_thousand_lines_with_a_semantic_error_at_line_9999(tmp_path: Path) -> None:
    lines = _many_lets(10_000)
    lines[9998] = "  red nope"
    path = write_text(tmp_path, "\n".join(lines) + "\n", "big.policy")
    result = check_cli(path)
    assert result.exit_code == 1
    assert f"{path}:9999:7: error[E010]: unknown name `nope`" in result.output


def test_hundred_kilobyte_line_of_junk_exits_1(tmp_path: Path) -> None:
    junk = 'policy "x" each week { let a = ' + "1 + 2 ) " * 13_000 + "}"
    assert len(junk) > 100_000 and "\n" not in junk
    result = check_cli(write_text(tmp_path, junk))
    assert result.exit_code == 1
    assert ":1:" in result.output


def test_hundred_kilobyte_line_of_letters_exits_1(tmp_path: Path) -> None:
    result = check_cli(write_text(tmp_path, "policy" + "a" * 100_000))
    assert result.exit_code == 1


def test_hundred_kilobyte_valid_single_line_exits_0(tmp_path: Path) -> None:
    text = 'policy "x" each week { ' + " ".join(f"let v{i} = {i}" for i in range(8_000)) + " }"
    assert len(text) > 100_000 and "\n" not in text
    assert check_cli(write_text(tmp_path, text)).exit_code == 0


def test_hundred_kilobyte_string_exits_cleanly(tmp_path: Path) -> None:
    text = (
        'policy "' + "长" * 40_000 + '"\neach week {\n  veto "' + "x" * 60_000 + '" when 1 > 0\n}\n'
    )
    assert check_cli(write_text(tmp_path, text)).exit_code == 0


# ---- nesting ----------------------------------------------------------------------------

BLOCK = 'policy "deep"\neach week {\n  let a = %s\n}\n'


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param("(1 + " * 5_000 + "1" + ")" * 5_000, id="5000 nested parentheses"),
        pytest.param("not " * 5_000 + "true", id="5000 not"),
        pytest.param(" + ".join(["1"] * 5_000), id="5000-term sum"),
        pytest.param("-" * 5_000 + "1", id="5000 unary minus"),
        pytest.param("previous(" * 5_000 + "1" + ")" * 5_000, id="5000 previous"),
        pytest.param("1 default " * 5_000 + "1", id="5000 default"),
        pytest.param("[" * 5_000 + "1", id="5000 open brackets"),
        pytest.param("(" * 5_000, id="5000 unclosed parentheses"),
        pytest.param("1" + ")" * 5_000, id="5000 closing parentheses"),
    ],
)
def test_deep_nesting_exits_1(tmp_path: Path, expression: str) -> None:
    result = check_cli(write_text(tmp_path, BLOCK % expression))
    assert result.exit_code == 1
    assert "error[" in result.output


def test_deep_nesting_is_reported_as_such(tmp_path: Path) -> None:
    result = check_cli(write_text(tmp_path, BLOCK % ("not " * 5_000 + "true")))
    assert (
        "p.policy:3:3: error[E005]: this expression is too deep (more than 120 nested operations)"
        in result.output
    )


def test_redundant_parentheses_are_not_nesting(tmp_path: Path) -> None:
    # 5,000 parentheses around one value still mean just that value.
    result = check_cli(write_text(tmp_path, BLOCK % ("(" * 5_000 + "1" + ")" * 5_000)))
    assert result.exit_code == 0


def test_deeply_nested_blocks_of_braces_exit_1(tmp_path: Path) -> None:
    text = 'policy "x"\neach week ' + "{" * 5_000 + "}" * 5_000
    assert check_cli(write_text(tmp_path, text)).exit_code == 1


def test_deep_nesting_error_names_its_line() -> None:
    text = 'policy "x"\neach week {\n  let a = 1\n  let b = ' + "not " * 500 + "true\n}\n"
    (d,) = parse(text).diagnostics
    assert d.code == "E005"
    assert d.span is not None and d.span.line == 4


# ---- the console entry point ------------------------------------------------------------


def _executable() -> str:
    candidate = Path(sys.executable).parent / "starrating"
    return str(candidate) if candidate.exists() else "starrating"


def test_console_entry_point_on_junk(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    files = [
        write_bytes(tmp_path, bytes(range(256)) * 4, "binary.policy"),
        write_bytes(tmp_path, b"", "empty.policy"),
        write_text(tmp_path, BLOCK % ("not " * 5_000 + "true"), "deep.policy"),
        write_text(tmp_path, BLOCK % ("(1 + " * 5_000 + "1" + ")" * 5_000), "parens.policy"),
    ]
    for path in files:
        done = subprocess.run(
            [_executable(), "check", str(path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=120,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 1, (path.name, output[-2000:])
        assert "Traceback" not in output
        assert "internal error" not in output
        assert "error[" in output


def test_console_entry_point_on_a_valid_policy(tmp_path: Path) -> None:
    path = write_text(tmp_path, LANGUAGE_EXAMPLE)
    done = subprocess.run(
        [sys.executable, "-m", "starrating", "check", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# ---- random mutations of valid policies -------------------------------------------------


def test_the_starting_policies_are_valid(tmp_path: Path) -> None:
    for index, text in enumerate(VALID):
        parsed = parse(text)
        assert parsed.diagnostics == []
        assert parsed.policy is not None
        checked = check_policy(parsed.policy)
        assert checked.diagnostics == [], [(d.code, d.message) for d in checked.diagnostics]
        assert check_cli(write_text(tmp_path, text, f"v{index}.policy")).exit_code == 0


def _mutate(draw: st.DrawFn, text: str) -> str:
    kind = draw(
        st.sampled_from(
            [
                "delete",
                "insert",
                "duplicate",
                "swap",
                "delete token",
                "insert token",
                "duplicate token",
                "swap tokens",
                "delete line",
                "duplicate line",
                "swap lines",
                "unicode",
                "truncate",
            ]
        )
    )
    if kind in ("delete token", "insert token", "duplicate token", "swap tokens"):
        tokens = TOKEN_RE.findall(text)
        if not tokens:
            return text + draw(st.sampled_from(TOKENS))
        i = draw(st.integers(0, len(tokens) - 1))
        if kind == "delete token":
            del tokens[i]
        elif kind == "insert token":
            tokens.insert(i, " " + draw(st.sampled_from(TOKENS)) + " ")
        elif kind == "duplicate token":
            tokens.insert(i, tokens[i])
        else:
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        return "".join(tokens)
    if kind in ("delete line", "duplicate line", "swap lines"):
        lines = text.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    i = draw(st.integers(0, len(text)))
    if kind == "delete":
        return text[:i] + text[i + draw(st.integers(1, 20)) :]
    if kind == "insert":
        return (
            text[:i] + draw(st.sampled_from(list('(){}[]"`#%.,:=<>!+-*/ \n\t09azZ_中'))) + text[i:]
        )
    if kind == "duplicate":
        j = draw(st.integers(i, min(len(text), i + 200)))
        return text[:j] + text[i:j] + text[j:]
    if kind == "swap":
        if len(text) < 2:
            return text
        a, b = sorted((min(i, len(text) - 1), draw(st.integers(0, len(text) - 1))))
        chars = list(text)
        chars[a], chars[b] = chars[b], chars[a]
        return "".join(chars)
    if kind == "unicode":
        return text[:i] + draw(st.text(min_size=1, max_size=3)) + text[i:]
    return text[:i]  # truncate


@st.composite
def mutated_policies(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 6))):
        text = _mutate(draw, text)
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_policies())
def test_random_mutations_of_valid_policies_never_raise(text: str) -> None:
    library_never_raises(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_policies())
def test_random_mutations_through_the_cli(text: str) -> None:
    path = write_text(Path.cwd(), text, "mutant.policy")
    result = check_cli(path)
    assert result.exit_code in (0, 1)
    parsed = parse(text.removeprefix("\ufeff"))  # the CLI reads files as utf-8-sig
    broken = parsed.policy is None or not check_policy(parsed.policy).ok
    assert result.exit_code == (1 if broken else 0), result.output[-2000:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.data())
def test_every_prefix_of_a_valid_policy_is_handled(text: str, data: st.DataObject) -> None:
    library_never_raises(text[: data.draw(st.integers(0, len(text)))])


# ---- rendering of odd sources ---------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x0c", "\x85", "\x1c"])
def test_unicode_line_separators_in_comments_do_not_crash(tmp_path: Path, separator: str) -> None:
    text = f'policy "x"\n# note{separator}more\neach week {{\n  red 1 when foo > 1\n}}\n'
    result = check_cli(write_text(tmp_path, text))
    assert result.exit_code == 1
    assert "p.policy:4:14: error[E010]" in result.output


def test_quoted_source_line_is_the_right_one_after_a_unicode_line_separator(
    tmp_path: Path,
) -> None:
    text = 'policy "x"\n# note\u2028more\neach week {\n  red 1 when foo > 1\n}\n'
    result = check_cli(write_text(tmp_path, text))
    assert "4 |   red 1 when foo > 1" in result.output


def test_carriage_return_line_endings_exit_cleanly(tmp_path: Path) -> None:
    for newline in ("\r\n", "\r"):
        text = LANGUAGE_EXAMPLE.replace("\n", newline)
        result = check_cli(write_text(tmp_path, text))
        assert result.exit_code in (0, 1)
    assert check_cli(write_text(tmp_path, LANGUAGE_EXAMPLE.replace("\n", "\r\n"))).exit_code == 0


def test_carriage_return_only_file_is_not_called_empty(tmp_path: Path) -> None:
    result = check_cli(write_text(tmp_path, LANGUAGE_EXAMPLE.replace("\n", "\r")))
    assert "the file is empty" not in result.output
