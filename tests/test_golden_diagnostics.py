"""Golden tests for `starrating check`: the exact text a person sees for each mistake.

Layout of ``tests/golden/diagnostics/``; every case has one ``NAME.expected`` holding the
exact stdout of ``starrating check``:

- ``NAME.policy``          checked on its own, without a catalog;
- ``catalog/NAME.policy``  checked with ``--catalog starrating.yaml`` from ``catalog/``;
- ``NAME/`` (a folder)     its ``*.policy`` files checked together in one run, from inside
                           the folder, with the extra options listed in ``NAME/args.txt``
                           (if any), after the `starrating` commands listed one per line in
                           ``NAME/setup.txt`` (if any: e.g. an ``ingest`` that makes the
                           store whose data serves as the catalog); the expected output is
                           ``NAME.expected`` beside it;
- ``GENERATED`` below      inputs that must be exact bytes (not UTF-8, binary): the test
                           writes ``NAME.policy``; ``NAME.expected`` is in the top folder.

The exit status is implied by the expected text: 1 if it holds ``error[``, else 0 (a
policy with warnings only passes the check).

Every case runs in a copy of the golden folder under pytest's tmp_path and names its
files relatively, so the output shows short, stable paths, and no ``starrating.yaml`` in
a parent folder (the repository's own, say) can leak into the cases meant to run without
a catalog: ``find_catalog`` searches the current folder and all its parents.

Every case also runs with ``--lang zh-CN``: its Chinese output is
``tests/golden/diagnostics-zh-CN/NAME.expected``, with the same lines as the English one
(the frame, the places, the carets), every message and help in Chinese.

To (re)write the .expected files after an intended change of a message, run

    STARRATING_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_diagnostics.py

and then read every changed file (``git diff tests/golden``) before keeping it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from starrating.cli import cli
from starrating.language.catalog import find_catalog

GOLDEN = Path(__file__).parent / "golden" / "diagnostics"
GOLDEN_CHINESE = GOLDEN.parent / "diagnostics-zh-CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
DIAGNOSTIC_LINE = re.compile(r"^\S.*?: (?:error|warning)\[[EW]\d{3}\]: (?P<message>.*)$")
CATALOG_FOLDER = "catalog"
UPDATE = os.environ.get("STARRATING_UPDATE_GOLDEN") == "1"

_GBK_POLICY = """# 前台周服务之星 (saved as GBK, not UTF-8)
policy "前台周服务之星"

each week {
  red 1 per praise_letter
}
"""

# Inputs that are bytes, written by the test so that no editor or git setting can
# "repair" them.
GENERATED: dict[str, bytes] = {
    "E004_not_utf8": _GBK_POLICY.encode("gbk"),
    "E004_binary": b'policy "x"\n\x00\x01\x02\x03',  # UTF-8, but with NUL bytes
}


@dataclass(frozen=True)
class Case:
    name: str  # the test id, e.g. "catalog/E011_unknown_event_type"
    expected: Path  # the .expected file
    folder: str  # where `check` runs, relative to the golden folder
    args: tuple[str, ...]  # what follows `starrating check`
    setup: tuple[tuple[str, ...], ...] = ()  # `starrating` commands to run first


def collect_cases() -> list[Case]:
    cases: list[Case] = []
    for policy in sorted(GOLDEN.glob("*.policy")):
        cases.append(Case(policy.stem, policy.with_suffix(".expected"), ".", (policy.name,)))
    for policy in sorted((GOLDEN / CATALOG_FOLDER).glob("*.policy")):
        cases.append(
            Case(
                f"{CATALOG_FOLDER}/{policy.stem}",
                policy.with_suffix(".expected"),
                CATALOG_FOLDER,
                ("--catalog", "starrating.yaml", policy.name),
            )
        )
    for folder in sorted(p for p in GOLDEN.iterdir() if p.is_dir() and p.name != CATALOG_FOLDER):
        args_file = folder / "args.txt"
        extra = tuple(shlex.split(args_file.read_text("utf-8"))) if args_file.is_file() else ()
        policies = tuple(sorted(p.name for p in folder.glob("*.policy")))
        setup_file = folder / "setup.txt"
        setup = tuple(
            tuple(shlex.split(line))
            for line in (setup_file.read_text("utf-8").splitlines() if setup_file.is_file() else [])
            if line.strip()
        )
        cases.append(
            Case(
                folder.name,
                GOLDEN / f"{folder.name}.expected",
                folder.name,
                (*extra, *policies),
                setup,
            )
        )
    for name in GENERATED:
        cases.append(Case(name, GOLDEN / f"{name}.expected", ".", (f"{name}.policy",)))
    return sorted(cases, key=lambda c: c.name)


CASES = collect_cases()


def copy_golden_inputs(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The golden inputs, copied away from the repository (and its starrating.yaml); the
    Chinese tests of the diagnostics use it too."""
    root = tmp_path_factory.mktemp(name) / "diagnostics"
    shutil.copytree(GOLDEN, root, ignore=shutil.ignore_patterns("*.expected"))
    for generated, data in GENERATED.items():
        (root / f"{generated}.policy").write_bytes(data)
    return root


@pytest.fixture(scope="module")
def golden_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_golden_inputs(tmp_path_factory, "golden")


def assert_no_leaked_catalog(args: tuple[str, ...], cwd: Path) -> None:
    if "--catalog" not in args:
        leaked = find_catalog(cwd)
        assert leaked is None, f"a catalog outside the golden cases would be used: {leaked}"


def run_check(
    args: tuple[str, ...], cwd: Path, monkeypatch: pytest.MonkeyPatch, language: str = "en"
) -> tuple[str, int]:
    assert_no_leaked_catalog(args, cwd)
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, ["--lang", language, "check", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash, not a diagnostic: show its traceback
    return result.stdout, result.exit_code


def implied_status(output: str) -> int:
    return 1 if "error[" in output else 0


def assert_same(expected: str, actual: str, where: Path) -> None:
    if expected == actual:
        return
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{where.name} (expected)",
            tofile="starrating check (actual)",
        )
    )
    pytest.fail(
        f"output differs from {where}\n{diff}\n"
        "if the change is intended: STARRATING_UPDATE_GOLDEN=1 python -m pytest "
        "tests/test_golden_diagnostics.py",
        pytrace=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Case, golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for command in case.setup:
        monkeypatch.chdir(golden_copy / case.folder)
        done = CliRunner().invoke(cli, list(command))
        assert done.exit_code == 0, f"setup `{' '.join(command)}` failed:\n{done.output}"
    output, status = run_check(case.args, golden_copy / case.folder, monkeypatch)
    if UPDATE:
        case.expected.write_text(output, encoding="utf-8")
    elif not case.expected.is_file():
        pytest.fail(
            f"{case.expected} is missing; the output was:\n{output}\n"
            "write it with STARRATING_UPDATE_GOLDEN=1",
            pytrace=False,
        )
    else:
        assert_same(case.expected.read_text(encoding="utf-8"), output, case.expected)
    assert status == implied_status(output), f"exit status {status} for:\n{output}"


def chinese_expected(case: Case) -> Path:
    return GOLDEN_CHINESE / f"{case.name}.expected"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_in_chinese(case: Case, golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case under `--lang zh-CN`: the same lines as in English, line for line
    (the frame `FILE:LINE:COL: error[CODE]:`, the source line, the caret), each message
    and help in Chinese."""
    for command in case.setup:
        monkeypatch.chdir(golden_copy / case.folder)
        done = CliRunner().invoke(cli, list(command))
        assert done.exit_code == 0, f"setup `{' '.join(command)}` failed:\n{done.output}"
    output, status = run_check(case.args, golden_copy / case.folder, monkeypatch, "zh-CN")
    expected = chinese_expected(case)
    if UPDATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(output, encoding="utf-8")
    elif not expected.is_file():
        pytest.fail(f"{expected} is missing; write it with STARRATING_UPDATE_GOLDEN=1",
                    pytrace=False)  # fmt: skip
    else:
        assert_same(expected.read_text(encoding="utf-8"), output, expected)
    english = case.expected.read_text(encoding="utf-8").splitlines()
    chinese = output.splitlines()
    assert len(chinese) == len(english)
    for english_line, chinese_line in zip(english, chinese, strict=True):
        match = DIAGNOSTIC_LINE.match(chinese_line)
        if match is not None:
            assert CJK.search(match["message"]), chinese_line
            assert chinese_line.split(": ")[0] == english_line.split(": ")[0]  # the place
        elif chinese_line.startswith("help: "):
            assert CJK.search(chinese_line), chinese_line
    assert status == implied_status(output)


def test_every_chinese_expected_file_belongs_to_a_case() -> None:
    known = {chinese_expected(c) for c in CASES}
    orphans = sorted(str(p) for p in GOLDEN_CHINESE.rglob("*.expected") if p not in known)
    assert not orphans, f"these .expected files have no input: {orphans}"


def test_every_expected_file_belongs_to_a_case() -> None:
    known = {c.expected for c in CASES}
    orphans = sorted(
        str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.expected") if p not in known
    )
    assert not orphans, f"these .expected files have no input: {orphans}"


def test_generated_cases_do_not_shadow_committed_files() -> None:
    clashes = [name for name in GENERATED if (GOLDEN / f"{name}.policy").exists()]
    assert not clashes


def test_cases_cover_errors_warnings_and_several_files() -> None:
    # The conventions above are only meaningful if both exit statuses occur.
    outputs = {c.name: c.expected.read_text("utf-8") for c in CASES if c.expected.is_file()}
    assert any(implied_status(text) == 0 for text in outputs.values())
    assert "checked 2 policies" in outputs["E037_versions"]
    several = outputs["several_errors"]
    assert len(set(re.findall(r"error\[(E\d{3})\]", several))) >= 5


def test_warning_only_passes(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output, status = run_check(("W051_shadowed_stars_line.policy",), golden_copy, monkeypatch)
    assert status == 0
    assert "warning[W051]" in output
    assert output.rstrip().endswith("checked 1 policy: 0 errors, 1 warning")


def test_json_format(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--format json`: one object per diagnostic, the same ones the text shows."""
    names = ("several_errors.policy", "W051_shadowed_stars_line.policy", "E004_not_utf8.policy")
    output, status = run_check(("--format", "json", *names), golden_copy, monkeypatch)
    assert status == 1
    document = json.loads(output)
    assert set(document) == {"files", "catalog", "errors", "warnings", "diagnostics"}
    assert document["files"] == list(names)
    assert document["catalog"] is None
    diagnostics = document["diagnostics"]
    keys = {"file", "line", "column", "end_line", "end_column", "severity", "code", "message",
            "help"}  # fmt: skip
    for item in diagnostics:
        assert set(item) == keys
        assert item["severity"] in ("error", "warning")
        assert re.fullmatch(r"[EW]\d{3}", item["code"])
        assert item["file"] in names
    assert document["errors"] == sum(d["severity"] == "error" for d in diagnostics)
    assert document["warnings"] == sum(d["severity"] == "warning" for d in diagnostics)
    assert document["warnings"] == 1

    # Each JSON diagnostic is exactly one of the text diagnostics of the golden files.
    expected_text = "".join((GOLDEN / f"{Path(n).stem}.expected").read_text("utf-8") for n in names)
    for item in diagnostics:
        where = (
            item["file"]
            if item["line"] is None
            else f"{item['file']}:{item['line']}:{item['column']}"
        )
        first_line = f"{where}: {item['severity']}[{item['code']}]: {item['message']}"
        assert first_line in expected_text.splitlines()
        if item["help"] is not None:
            assert f"help: {item['help']}" in expected_text
    located = [d for d in diagnostics if d["line"] is not None]
    for item in located:
        assert (item["end_line"], item["end_column"]) >= (item["line"], item["column"])
    unlocated = [d for d in diagnostics if d["code"] == "E004"]
    assert unlocated and all(d["line"] is d["column"] is None for d in unlocated)


def test_the_real_command_prints_the_same(golden_copy: Path) -> None:
    """One case through `python -m starrating`, the way a person runs it."""
    case = next(c for c in CASES if c.name == "E010_unknown_name")
    assert_no_leaked_catalog(case.args, golden_copy)
    done = subprocess.run(
        [sys.executable, "-m", "starrating", "check", *case.args],
        cwd=golden_copy,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.stderr == ""
    assert done.returncode == 1
    assert_same(case.expected.read_text("utf-8"), done.stdout, case.expected)
