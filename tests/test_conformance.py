"""The shared conformance cases (../shared/spec/conformance), one test per case folder,
run by the spec's own runner against the installed `starrating`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared/spec/conformance"
RUNNER = CONFORMANCE / "run.py"

# Cases that need a command of a later issue.
LATER: dict[str, str] = {}  # cases that need a command not built yet


def case_folders() -> list[str]:
    if not RUNNER.is_file():
        return []
    return sorted(p.name for p in CONFORMANCE.iterdir() if (p / "case.yaml").is_file())


def params() -> list:
    folders = case_folders()
    if not folders:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason=f"no conformance cases at {CONFORMANCE}"),
                id="absent",
            )
        ]
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=LATER[name])] if name in LATER else [],
            id=name,
        )
        for name in folders
    ]


@pytest.mark.parametrize("case", params())
def test_conformance_case(case: str) -> None:
    # The runner calls `starrating` from PATH: use this venv's.
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(CONFORMANCE / case)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    report = done.stdout + done.stderr
    assert f"ok   {case} (" in done.stdout, report
    assert done.returncode == 0, report
