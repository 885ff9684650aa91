"""`starrating check` and `starrating fmt` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke, write_text

GOOD = """policy "前台月度星级" version 1
timezone "Asia/Shanghai"

each month {
  # 服务态度
  score attitude starts at 100 {
    minus 4 per complaint, at most 20
  }
  stars {
    5 when attitude >= 95
    4 otherwise
  }
}
"""

MESSY = """policy   "前台月度星级"  version 1
timezone "Asia/Shanghai"
each month {   # 月度
    # 服务态度
  score attitude starts at 100 { minus 4 per complaint , at most 20 }
  stars { 5 when (attitude>=95)
  4 otherwise }
}
"""

CATALOG = """events:
  complaint: {level: integer, responsible: boolean}
  praise_letter: {}
roster:
  post: text
"""


def run(args: list[str]) -> tuple[int, str]:
    result = invoke(args)
    return result.exit_code, result.output


@pytest.mark.usefixtures("in_tmp")
def test_check_clean_policy_exits_0(tmp_path: Path) -> None:
    write_text(tmp_path / "good.policy", GOOD)
    code, out = run(["check", "good.policy"])
    assert code == 0
    assert out.strip() == "checked 1 policy: 0 errors, 0 warnings"


@pytest.mark.usefixtures("in_tmp")
def test_check_reports_every_error_with_caret_and_help(tmp_path: Path) -> None:
    write_text(tmp_path / "bad.policy", GOOD.replace("attitude >= 95", "atitude >= 95").replace(
        "4 otherwise", "7 otherwise"))  # fmt: skip
    code, out = run(["check", "bad.policy"])
    assert code == 1
    assert "bad.policy:10:12: error[E010]: unknown name `atitude`" in out
    assert "help: did you mean `attitude`?" in out
    assert "bad.policy:11:5: error[E050]" in out
    assert "10 |     5 when atitude >= 95\n   |            ^~~~~~~" in out
    assert out.rstrip().endswith("checked 1 policy: 2 errors, 0 warnings")


@pytest.mark.usefixtures("in_tmp")
def test_check_json(tmp_path: Path) -> None:
    write_text(tmp_path / "bad.policy", GOOD.replace("attitude >= 95", "atitude >= 95"))
    code, out = run(["check", "bad.policy", "--format", "json"])
    assert code == 1
    document = json.loads(out)
    assert document["errors"] == 1
    (diagnostic,) = document["diagnostics"]
    assert diagnostic["code"] == "E010"
    assert (diagnostic["line"], diagnostic["column"]) == (10, 12)
    assert diagnostic["help"] == "did you mean `attitude`?"


@pytest.mark.usefixtures("in_tmp")
def test_check_a_folder_and_several_files(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    write_text(tmp_path / "p" / "a.policy", GOOD)
    write_text(tmp_path / "p" / "b.policy", GOOD.replace("前台月度星级", "收银月度星级"))
    code, out = run(["check", "p"])
    assert code == 0, out
    assert "checked 2 policies" in out


@pytest.mark.usefixtures("in_tmp")
def test_same_name_and_effective_date_conflict(tmp_path: Path) -> None:
    write_text(tmp_path / "a.policy", GOOD)
    write_text(tmp_path / "b.policy", GOOD.replace("version 1", "version 2"))
    code, out = run(["check", "a.policy", "b.policy"])
    assert code == 1
    assert "error[E037]" in out


def test_catalog_found_in_a_parent_folder(tmp_path, monkeypatch) -> None:
    write_text(tmp_path / "starrating.yaml", CATALOG)
    (tmp_path / "sub").mkdir()
    write_text(tmp_path / "sub" / "p.policy", GOOD.replace("per complaint", "per complaints"))
    monkeypatch.chdir(tmp_path / "sub")
    code, out = run(["check", "p.policy"])
    assert code == 1
    assert "error[E011]: unknown event type `complaints`" in out
    assert "did you mean `complaint`?" in out
    # a catalog named on the command line must exist: a usage error, like a missing policy
    code, out = run(["check", "p.policy", "--catalog", str(tmp_path / "missing.yaml")])
    assert code == 2 and "no catalog file at" in out


def test_bad_catalog_is_reported(tmp_path, monkeypatch) -> None:
    write_text(tmp_path / "starrating.yaml", "events:\n  complaint: {level: integr}\n")
    write_text(tmp_path / "p.policy", GOOD)
    monkeypatch.chdir(tmp_path)
    code, out = run(["check", "p.policy"])
    assert code == 1
    assert "error[E090]" in out and "integr" in out


@pytest.mark.usefixtures("in_tmp")
def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run(["check", "nope.policy"])[0] == 2
    (tmp_path / "empty").mkdir()
    code, out = run(["check", "empty"])
    assert code == 2 and "no .policy files" in out
    assert run(["check"])[0] == 2
    assert run(["fmt", "--check", "--write", "x.policy"])[0] == 2


@pytest.mark.usefixtures("in_tmp")
def test_fmt_prints_check_and_write(tmp_path: Path) -> None:
    path = write_text(tmp_path / "m.policy", MESSY)
    code, out = run(["fmt", "m.policy"])
    assert code == 0
    expected = GOOD.replace("each month {\n", "each month {  # 月度\n")
    assert out == expected
    code, out = run(["fmt", "--check", "m.policy"])
    assert code == 1 and "would reformat m.policy" in out
    assert path.read_text(encoding="utf-8") == MESSY  # --check changes nothing
    code, out = run(["fmt", "--write", "m.policy"])
    assert code == 0 and "reformatted m.policy" in out
    assert path.read_text(encoding="utf-8") == expected
    code, out = run(["fmt", "--check", "m.policy"])
    assert code == 0


@pytest.mark.usefixtures("in_tmp")
def test_fmt_refuses_a_file_that_does_not_parse(tmp_path: Path) -> None:
    text = 'policy "x"\neach month {\n  red 3 when\n}\n'
    path = write_text(tmp_path / "x.policy", text)
    result = invoke(["fmt", "--write", "x.policy"])
    assert result.exit_code == 1
    assert "x.policy:3:9: error[E001]: expected a condition after `when`" in result.output
    assert path.read_text(encoding="utf-8") == text


TYPED_IN_FULL_WIDTH = GOOD.replace("at most 20", "at most ２０").replace(", at", "，at")


@pytest.mark.usefixtures("in_tmp")
def test_check_reports_full_width_characters_that_fmt_repairs(tmp_path: Path) -> None:
    path = write_text(tmp_path / "w.policy", TYPED_IN_FULL_WIDTH)
    code, out = run(["check", "w.policy"])
    assert code == 1
    assert "w.policy:7:26: error[E006]: `，` is a full-width character" in out
    assert "help: use `20` (`starrating fmt --write` repairs it)" in out
    # fmt prints the repaired canonical text; the note goes to standard error
    result = invoke(["fmt", "w.policy"])
    assert result.exit_code == 0
    assert result.stdout == GOOD
    assert result.stderr == (
        "w.policy: 3 full-width characters replaced; `fmt --write` saves the repair\n"
    )
    assert path.read_text(encoding="utf-8") == TYPED_IN_FULL_WIDTH
    code, out = run(["fmt", "--check", "w.policy"])
    assert (code, out) == (1, "would reformat w.policy (3 full-width characters to replace)\n")
    code, out = run(["fmt", "--write", "w.policy"])
    assert (code, out) == (0, "reformatted w.policy (3 full-width characters replaced)\n")
    assert path.read_text(encoding="utf-8") == GOOD
    assert run(["check", "w.policy"])[0] == 0


@pytest.mark.usefixtures("in_tmp")
def test_fmt_shows_only_what_its_repair_cannot_fix(tmp_path: Path) -> None:
    text = TYPED_IN_FULL_WIDTH.replace("minus 4", "minsu 4")
    path = write_text(tmp_path / "w.policy", text)
    result = invoke(["fmt", "--write", "w.policy"])
    assert result.exit_code == 1
    assert "error[E006]" not in result.stderr
    assert "w.policy:7:5: error[E001]: " in result.stderr
    assert "help: did you mean `minus`?" in result.stderr
    assert result.stderr.endswith("w.policy: not formatted: it does not parse\n")
    assert path.read_text(encoding="utf-8") == text


def test_console_script_runs(tmp_path) -> None:
    write_text(tmp_path / "good.policy", GOOD)
    done = subprocess.run(
        [sys.executable, "-m", "starrating", "check", "good.policy"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 errors" in done.stdout
