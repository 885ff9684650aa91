"""The benchmark of docs/performance.md, run small: starrating, the hand-written SQL and the
pandas version must give the same rows on the same generated data. Nothing here looks at a
time or a memory figure; those are for bench/compare.py on a full-size run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
from conftest import ROOT
from samples import LANGUAGE_EXAMPLE

BENCH = ROOT / "bench"


def bench_module(name: str) -> ModuleType:
    """A module of bench/, which is a folder of scripts rather than a package."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # registered before it runs: dataclasses look their module up in sys.modules
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


compare = bench_module("compare")


def test_the_three_agree_on_a_small_run(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCH / "compare.py"), "--events", "20000", "--employees", "200",
         "--keep", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "results identical: 680 rows from each of the three" in completed.stdout
    # every outcome the policy can give occurs, so agreeing is not agreeing on nothing
    rows = compare.load_rows(tmp_path / "starrating.json")
    months = [row for row in rows if row["period"] == "2026-10"]
    awards = {award for row in rows for award in row["awards"]}
    assert awards == {"周服务之星", "月度服务明星", "优先晋升"}
    assert any(row["vetoed"] for row in months)
    assert {row["stars"] for row in months} >= {None, 1, 5}
    assert any(Decimal(row["red"]) % 1 == Decimal("0.5") for row in rows)


def test_the_three_agree_on_the_team_policy(tmp_path: Path) -> None:
    """The second workload: rolling windows and the department's figures."""
    completed = subprocess.run(
        [sys.executable, str(BENCH / "compare.py"), "--events", "20000", "--employees", "200",
         "--policy", "team_window", "--keep", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "results identical: 138 rows from each of the three" in completed.stdout
    rows = compare.load_rows(tmp_path / "starrating.json")
    awards = {award for row in rows for award in row["awards"]}
    assert awards == {"考试优于团队", "组内签约前30%", "低投诉团队"}
    assert any(row["vetoed"] for row in rows)
    shares = {row["values"]["signup_share"] for row in rows if not row["vetoed"]}
    assert len(shares) > 10 and max(shares) == 1


def test_compare_rows_finds_a_different_number() -> None:
    row = {"employee_id": "S1", "period": "2026-W40", "red": Decimal("1.5"), "awards": []}
    same = {**row, "red": Decimal("1.50")}
    other = {**row, "red": 2}
    assert compare.compare_rows([row], [same]) == []
    assert compare.compare_rows([row], [other]) == [
        "row 1 (S1 2026-W40): red: Decimal('1.5') against 2"
    ]


def test_compare_rows_tells_true_from_one_and_counts_rows() -> None:
    row = {"employee_id": "S1", "period": "2026-10", "vetoed": True, "stars": None}
    assert compare.compare_rows([row], [{**row, "vetoed": 1}]) == [
        "row 1 (S1 2026-10): vetoed: True against 1"
    ]
    assert compare.compare_rows([row, row], [row]) == ["2 rows against 1"]


def test_compare_rows_sees_the_order_of_values() -> None:
    row = {"employee_id": "S1", "period": "2026-10", "values": {"exam": 90, "service": 95}}
    swapped = {**row, "values": {"service": 95, "exam": 90}}
    assert compare.compare_rows([row], [swapped]) != []


def test_the_benchmark_policy_is_the_language_reference_example() -> None:
    assert (BENCH / "service_desk.policy").read_text(encoding="utf-8") == LANGUAGE_EXAMPLE


@pytest.mark.parametrize("table", ["roster", "events"])
def test_the_generator_is_deterministic(tmp_path: Path, table: str) -> None:
    generate = bench_module("generate").generate
    generate(tmp_path / "a", 3000, 50, seed=7)
    generate(tmp_path / "b", 3000, 50, seed=7)
    generate(tmp_path / "c", 3000, 50, seed=8)
    con = duckdb.connect()

    def rows(folder: str) -> list[tuple]:
        return con.sql(f"SELECT * FROM '{tmp_path / folder / table}.parquet'").fetchall()

    assert rows("a") == rows("b")
    assert rows("a") != rows("c")
