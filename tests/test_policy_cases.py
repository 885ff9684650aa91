"""The policy test cases of tests/policies/*.yaml, one pytest test per case.

Each YAML file holds hand-worked cases for one bundled policy (docs/data.md section 6);
they run through the library (`starrating.engine.policytest.run_test_file`) with the repository
catalog, exactly as `starrating test` runs them. Each file is run once and its results
are shared by the tests of its cases.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from starrating.engine.policytest import CaseResult, run_test_file
from starrating.language.catalog import Catalog

CASES_DIR = ROOT / "tests" / "policies"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
POLICIES = sorted((ROOT / "policies").glob("*.policy"))


def _case_names(path: Path) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [str(case["name"]) for case in document["cases"]]


CASES = [(path, name) for path in CASE_FILES for name in _case_names(path)]


# A case file's cases are run together once (one store for the file), then looked up.
_RESULTS: dict[Path, dict[str, CaseResult]] = {}


def _results(path: Path, catalog: Catalog) -> dict[str, CaseResult]:
    if path not in _RESULTS:
        _RESULTS[path] = {r.name: r for r in run_test_file(path, catalog)}
    return _RESULTS[path]


@pytest.mark.parametrize(
    ("path", "name"), CASES, ids=[f"{path.stem}/{name}" for path, name in CASES]
)
def test_policy_case(path: Path, name: str, repository_catalog: Catalog) -> None:
    result = _results(path, repository_catalog).get(name)
    assert result is not None, f"{path.name}: no result for case {name!r}"
    assert result.passed, f"{path.name}: {name}\n" + "\n".join(result.failures)


def test_every_policy_has_a_case_file() -> None:
    assert POLICIES, "no policies found"
    for policy in POLICIES:
        case_file = CASES_DIR / f"{policy.stem}.yaml"
        assert case_file.is_file(), f"{policy.name} has no tests/policies/{case_file.name}"
        document = yaml.safe_load(case_file.read_text(encoding="utf-8"))
        assert (case_file.parent / document["policy"]).resolve() == policy.resolve()
        names = _case_names(case_file)
        assert names, f"{case_file.name} has no cases"
        assert len(names) == len(set(names)), f"{case_file.name} repeats a case name"


def test_the_cli_runs_a_case_file() -> None:
    case_file = CASES_DIR / "d_window_service_star.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "starrating", "test", str(case_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    cases = len(_case_names(case_file))
    assert re.fullmatch(rf"{cases} passed, 0 failed", lines[-1]), done.stdout
    assert sum(line.startswith("ok ") for line in lines) == cases, done.stdout
