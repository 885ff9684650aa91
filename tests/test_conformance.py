"""The conformance cases of the product's specification, run against the installed
`starrating` command.

Each folder of tests/conformance/ is one case, copied in as data (see the README there):
a policy, a roster, events and a ``case.yaml`` of steps. A step is either a ``run`` (the
command `run POLICY --period P --format json` with the folder's files) and the rows it
must print, or a raw ``cli`` command with its exit status and output. This module is the
project's own runner for them: one test per folder, every check of a step reported.

A case never skips. A folder listed in ``KNOWN_CASES`` that is missing fails, and so does
a step key this runner does not understand (a case added later that uses a new kind of
check must be taught here, not silently passed over). Cases that need a feature that has
not landed yet are strict expected failures: they fail the suite the day they pass, so the
mark is removed when the feature lands.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

CASES = Path(__file__).resolve().parent / "conformance"

# The cases copied in so far; a missing folder fails its test instead of vanishing.
KNOWN_CASES = (
    "c1_weekly_red_green",
    "c2_monthly_stars",
    "c3_audit_basics",
    "c4_v2_basics",
)

# Cases the engine does not meet yet, with the reason (strict: a case that starts passing
# must leave this list). Empty since language v2 is complete.
EXPECTED_TO_FAIL: dict[str, str] = {}

STEP_KEYS = {
    "run", "cli", "env", "exit", "unchanged", "output_has_cjk", "file_has_cjk",
    "output_contains", "output_lacks", "no_traceback", "exact", "warnings_contain",
    "no_warnings", "save_run_as", "run_meta", "rows", "expect", "absent",
}  # fmt: skip
RUN_KEYS = {"policy", "period", "extra", "files", "as_of"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def case_names() -> list[str]:
    found = {p.name for p in CASES.iterdir() if (p / "case.yaml").is_file()}
    return sorted(found | set(KNOWN_CASES))


def params() -> list:
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=EXPECTED_TO_FAIL[name])]
            if name in EXPECTED_TO_FAIL
            else [],
            id=name,
        )
        for name in case_names()
    ]


def test_every_case_folder_is_known() -> None:
    # A case copied in must be listed, so that deleting it later fails instead of
    # silently shrinking the suite.
    found = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert found <= set(KNOWN_CASES), f"add {sorted(found - set(KNOWN_CASES))} to KNOWN_CASES"


@pytest.mark.parametrize("name", params())
def test_conformance_case(name: str, tmp_path: Path) -> None:
    source = CASES / name
    assert (source / "case.yaml").is_file(), f"the conformance case {source} is missing"
    folder = Path(shutil.copytree(source, tmp_path / name))  # nothing written beside the case
    case = Case(folder, tmp_path / "store.duckdb")
    steps = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))["steps"]
    assert steps, f"{name}: case.yaml has no steps"
    for number, step in enumerate(steps, 1):
        case.step(f"{name} step {number}", step)
    assert not case.failures, "\n".join(case.failures)


def close(have: object, want: object) -> bool:
    """An expectation of case.yaml: numbers by value (floats to 1e-9 relative), lists
    and dicts field by field (a dict lists only the keys it checks), the rest exactly."""
    if isinstance(have, Decimal) or isinstance(want, Decimal):  # an `exact` step
        if any(isinstance(x, bool | str) or x is None for x in (have, want)):
            return have == want
        return Decimal(str(have)) == Decimal(str(want))
    if want is None or isinstance(want, bool | str):
        return have == want
    if isinstance(want, int | float):
        return (
            isinstance(have, int | float)
            and not isinstance(have, bool)
            and math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-6)
        )
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(close(h, w) for h, w in zip(have, want, strict=True))
        )
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and close(have[k], v) for k, v in want.items()
        )
    return have == want


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


class Case:
    """The state of one case while its steps run: its folder, store and saved run ids."""

    def __init__(self, folder: Path, db: Path) -> None:
        self.folder = folder
        self.db = db
        self.saved: dict[str, str] = {}
        self.failures: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.failures.append(f"{where}: {message}")

    def command(self, args: list[str], env: dict | None) -> subprocess.CompletedProcess:
        args = [str(a).format(**self.saved) for a in args]
        # The `starrating` of the Python running the tests, never another one on PATH.
        program = str(Path(sys.executable).with_name("starrating"))
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
        full_env.update(env or {"LANG": "C.UTF-8"})
        return subprocess.run(
            [program, args[0], "--db", str(self.db), *args[1:]],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=300,
            env=full_env,
        )

    def step(self, where: str, step: dict) -> None:
        unknown = set(step) - STEP_KEYS
        if unknown:
            self.fail(where, f"this runner does not know the step keys {sorted(unknown)}")
            return
        if "cli" in step:
            self.cli_step(where, step)
        elif "run" in step:
            self.run_step(where, step)
        else:
            self.fail(where, "a step needs `run` or `cli`")

    def cli_step(self, where: str, step: dict) -> None:
        before = {f: _digest(self.folder / f) for f in step.get("unchanged", [])}
        done = self.command(step["cli"], step.get("env"))
        output = done.stdout + done.stderr
        for name, digest in before.items():
            if _digest(self.folder / name) != digest or list(self.folder.glob(name + ".*")):
                self.fail(where, f"{name} was changed or got a companion file")
        if step.get("output_has_cjk") is not None:
            if bool(CJK.search(output)) != step["output_has_cjk"]:
                self.fail(
                    where,
                    f"Chinese text in the output is not {step['output_has_cjk']}: {output[:300]!r}",
                )
        for name in step.get("file_has_cjk", []):
            path = self.folder / name
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            if not CJK.search(text):
                self.fail(where, f"{name} has no Chinese text")
        wanted = step.get("exit", 0)
        if done.returncode != wanted:
            command = " ".join(map(str, step["cli"]))
            tail = output.strip()[-300:]
            self.fail(where, f"`{command}` exit {done.returncode}, wanted {wanted}: {tail}")
        for text in step.get("output_contains", []):
            if text.format(**self.saved) not in output:
                self.fail(where, f"output lacks {text!r}: {output.strip()[-300:]}")
        for text in step.get("output_lacks", []):
            if text.format(**self.saved) in output:
                self.fail(where, f"output should not mention {text!r}")
        if step.get("no_traceback") and "Traceback" in output:
            self.fail(where, "printed a Python traceback")

    def run_step(self, where: str, step: dict) -> None:
        run = step["run"]
        unknown = set(run) - RUN_KEYS
        if unknown:
            self.fail(where, f"this runner does not know the run keys {sorted(unknown)}")
            return
        args = ["run", run.get("policy", "policy.policy"), "--period", str(run["period"])]
        args += ["--format", "json", *run.get("extra", [])]
        if run.get("files", True):
            for option, name in (("--roster", "roster.csv"), ("--events", "events.csv")):
                if (self.folder / name).exists():
                    args += [option, name]
        if run.get("as_of"):
            args += ["--as-of", str(run["as_of"])]
        done = self.command(args, step.get("env"))
        wanted = step.get("exit", 0)
        if done.returncode != wanted:
            output = (done.stderr or done.stdout).strip()[-400:]
            self.fail(where, f"run exit {done.returncode}, wanted {wanted}: {output}")
            return
        if done.returncode != 0:
            return
        try:
            parse_float = Decimal if step.get("exact") else float
            document = json.loads(done.stdout, parse_float=parse_float)
            rows = document["results"]
        except (ValueError, KeyError, TypeError) as exc:
            self.fail(where, f"output is not the JSON contract ({exc}): {done.stdout[:200]!r}")
            return
        self.check_document(where, step, document, rows, done.stderr)

    def check_document(
        self, where: str, step: dict, document: dict, rows: list[dict], stderr: str
    ) -> None:
        meta = document.get("run", {})
        warnings = " ".join(map(str, meta.get("warnings") or []))
        for text in step.get("warnings_contain", []):
            if text not in stderr or text not in warnings:
                said = f"stderr: {stderr.strip()[-200:]!r}; run.warnings: {warnings[:200]!r}"
                self.fail(where, f"warning {text!r} missing ({said})")
        if step.get("no_warnings") and warnings:
            self.fail(where, f"unexpected warnings {warnings[:200]!r}")
        if step.get("save_run_as"):
            self.saved[step["save_run_as"]] = str(meta.get("run_id"))
        for field, want in step.get("run_meta", {}).items():
            have = meta.get(field, "<absent>")
            if not close(have, want):
                self.fail(where, f"run.{field} = {have!r}, wanted {want!r}")
        by_key = {(r.get("employee_id"), str(r.get("period"))): r for r in rows}
        if "rows" in step and len(rows) != step["rows"]:
            self.fail(where, f"{len(rows)} result rows, wanted {step['rows']}")
        for expected in step.get("expect", []):
            key = (expected["employee_id"], str(expected["period"]))
            row = by_key.get(key)
            if row is None:
                self.fail(where, f"no row for {key}")
                continue
            for field, want in expected.items():
                if field in ("employee_id", "period"):
                    continue
                have = row.get(field, "<absent>")
                if not close(have, want):
                    self.fail(where, f"{key} {field} = {have!r}, wanted {want!r}")
        for absent in step.get("absent", []):
            if (absent["employee_id"], str(absent["period"])) in by_key:
                self.fail(where, f"row {absent} should not be rated")


def test_the_runner_reports_a_wrong_expectation(tmp_path: Path) -> None:
    # The runner itself must be able to fail: c1 with one expected value changed, one
    # unknown step key, and a command with the wrong exit status.
    folder = Path(shutil.copytree(CASES / "c1_weekly_red_green", tmp_path / "c1"))
    steps = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))["steps"]
    first = steps[0]
    first["expect"][0]["red"] = 99
    case = Case(folder, tmp_path / "store.duckdb")
    case.step("wrong", first)
    case.step("unknown", {"run": {"period": "2026-W45"}, "expected_rows": 3})
    case.step("exit", {"cli": ["check", "policy.policy"], "exit": 1})
    assert len(case.failures) == 3, case.failures
    assert "red = 6, wanted 99" in case.failures[0]
    assert "expected_rows" in case.failures[1]
    assert "exit 0, wanted 1" in case.failures[2]
