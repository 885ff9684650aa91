"""Golden SQL: the compiled SQL of every bundled policy and of a few feature policies.

``tests/golden/sql/NAME.sql`` holds exactly what ``starrating compile FILE --period P
--catalog starrating.yaml`` prints (the repository's catalog), for

- every bundled policy ``policies/NAME.policy``, and
- every feature policy ``tests/golden/sql/NAME.policy`` (look-back, rankings, a month
  reading its weeks, scores and stars),

where P is a 2026 period of the policy's longest block (the SQL of every block is
printed). A change of the compiler shows here as a diff of SQL a reviewer can read.

To (re)write the .sql files after an intended change of the compiler, run

    STARRATING_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_sql.py

(the same variable as tests/test_golden_diagnostics.py) and then read every changed file
(``git diff tests/golden/sql``) before keeping it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from starrating.cli import cli
from starrating.language import ast as A
from starrating.language.parser import parse

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "sql"
CATALOG = ROOT / "starrating.yaml"
UPDATE = os.environ.get("STARRATING_UPDATE_GOLDEN") == "1"
# A period of each kind in 2026 (any would do: the SQL does not depend on the period
# beyond the header line).
PERIODS = {"week": "2026-W44", "month": "2026-10", "quarter": "2026-Q4", "half": "2026-H2",
           "year": "2026"}  # fmt: skip
POLICIES = sorted((ROOT / "policies").glob("*.policy")) + sorted(GOLDEN.glob("*.policy"))


def longest_period(policy_file: Path) -> str:
    policy = parse(policy_file.read_text(encoding="utf-8")).policy
    assert policy is not None, f"{policy_file} does not parse"
    kinds = [kind for kind in A.PERIOD_KINDS if policy.block(kind) is not None]
    return PERIODS[kinds[-1]]


def test_every_bundled_policy_has_golden_sql() -> None:
    bundled = {p.stem for p in (ROOT / "policies").glob("*.policy")}
    features = {p.stem for p in GOLDEN.glob("*.policy")}
    assert bundled and len(features) >= 3
    assert not bundled & features, "a feature policy is named like a bundled one"
    if not UPDATE:
        assert {p.stem for p in GOLDEN.glob("*.sql")} == bundled | features


@pytest.mark.parametrize("policy_file", POLICIES, ids=lambda p: p.stem)
def test_compiled_sql_matches_golden(policy_file: Path) -> None:
    args = ["compile", str(policy_file), "--period", longest_period(policy_file)]
    result = CliRunner().invoke(cli, [*args, "--catalog", str(CATALOG)])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{policy_file.stem}.sql"
    if UPDATE:
        golden.write_text(result.stdout, encoding="utf-8")
        return
    assert golden.exists(), (
        f"no golden SQL {golden.relative_to(ROOT)}; write it with "
        "`STARRATING_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_sql.py`, then read it"
    )
    expected = golden.read_text(encoding="utf-8")
    if result.stdout != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            result.stdout.splitlines(keepends=True),
            str(golden.relative_to(ROOT)),
            "compiled now",
        )
        pytest.fail("compiled SQL differs from the golden file:\n" + "".join(diff))
