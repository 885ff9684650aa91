"""The monthly batch job: the README's cron line, `run FOLDER --period previous
[--official]`, on the bundled policies and data at several as-of times, and how
`previous` picks each policy's period among its versions.

Every policy name of a folder runs its own latest ended period for which one of its
versions is in force; a policy with none is skipped with a note, and the batch exits 0
when every policy either ran or was skipped for that reason.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import Result
from conftest import ROOT, invoke, write_text

A, B, C, D, E = (
    "客服台周服务之星",
    "星级服务月度评定",
    "年度优秀服务之星评选",
    "窗口服务之星",
    "物业员工服务之星",
)
FILES = {
    A: "a_service_desk_weekly.policy",
    B: "b_monthly_star_levels.policy",
    C: "c_annual_service_star.policy",
    D: "d_window_service_star.policy",
    E: "e_property_staff.policy",
}


def readme_cron_line() -> list[str]:
    """The batch job exactly as the README gives it (in a ```sh block)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^(starrating run policies/ --period previous[^\n#]*)", readme, re.M)
    assert lines, "the README gives no cron line `starrating run policies/ --period previous`"
    assert len(set(lines)) == 1, f"the README gives several cron lines: {lines}"
    words = shlex.split(lines[0])
    assert words[0] == "starrating"
    return words[1:]


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled data, as the README's "Try it" leaves it."""
    db = tmp_path_factory.mktemp("bundled") / "store.duckdb"
    result = invoke(["ingest", "--db", str(db), "--events", str(ROOT / "data/events.csv"),
                     "--roster", str(ROOT / "data/roster.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cron line names `policies/` and finds the catalog starrating.yaml from the
    # current folder, as in a clone of the repository.
    monkeypatch.chdir(ROOT)


def official_runs(db: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "runs" not in tables:  # nothing was ever run: the table is made by the first run
            return {}
        rows = con.execute(
            "SELECT policy, period FROM runs WHERE official ORDER BY policy, period"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for policy, period in rows:
        found.setdefault(policy, []).append(period)
    return found


# At each as-of time (00:05 in Shanghai, the policies' zone): the period each policy
# closes, or None where it is skipped because no version is in force yet (every bundled
# policy takes effect on 2026-01-01).
SCHEDULE = {
    "2026-01-01": {A: None, B: None, C: None, D: None, E: None},  # first of a year
    "2026-02-01": {A: "2026-01", B: "2026-01", C: None, D: None, E: "2026-01"},
    "2026-04-01": {A: "2026-03", B: "2026-03", C: None, D: None, E: "2026-03"},  # quarter
    "2026-07-01": {A: "2026-06", B: "2026-06", C: None, D: "2026-H1", E: "2026-06"},  # half
    "2026-10-01": {A: "2026-09", B: "2026-09", C: None, D: "2026-H1", E: "2026-09"},
    "2026-11-30": {A: "2026-10", B: "2026-10", C: None, D: "2026-H1", E: "2026-10"},
    "2026-12-31": {A: "2026-11", B: "2026-11", C: None, D: "2026-H1", E: "2026-11"},
    "2027-01-01": {A: "2026-12", B: "2026-12", C: "2026", D: "2026-H2", E: "2026-12"},
}


@pytest.mark.parametrize("day", SCHEDULE)
def test_the_readme_cron_line_succeeds(
    day: str, loaded_store: Path, tmp_path: Path, in_repository: None
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(loaded_store, db)
    as_of = f"{day}T00:05:00+08:00"
    result = invoke([*readme_cron_line(), "--db", str(db), "--as-of", as_of])
    assert result.exit_code == 0, result.output
    expected = SCHEDULE[day]
    closed = {p: [period] for p, period in expected.items() if period is not None}
    assert official_runs(db) == closed
    for policy, period in expected.items():
        note = f'skipped policies/{FILES[policy]}: no version of "{policy}" is in force'
        assert (note in result.stderr) == (period is None), result.stderr
    # A batch job that is retried the same day changes nothing and still succeeds.
    again = invoke([*readme_cron_line(), "--db", str(db), "--as-of", as_of])
    assert again.exit_code == 0, again.output
    assert official_runs(db) == closed


def test_the_cron_line_without_official_on_the_first_of_every_month(
    loaded_store: Path, tmp_path: Path, in_repository: None
) -> None:
    # Month after month in one store, as a provisional batch: never a failure.
    db = tmp_path / "store.duckdb"
    shutil.copyfile(loaded_store, db)
    ran: list[tuple[str, str]] = []
    for month in range(1, 14):
        year, month = (2026, month) if month <= 12 else (2027, 1)
        as_of = f"{year}-{month:02d}-01T00:05:00+08:00"
        result = invoke(["run", "policies/", "--period", "previous", "--format", "json",
                         "--db", str(db), "--as-of", as_of])  # fmt: skip
        assert result.exit_code == 0, (as_of, result.output)
        ran += [(d["run"]["policy"], d["run"]["period"]) for d in json.loads(result.stdout)]
    assert (C, "2026") in ran and (D, "2026-H2") in ran
    assert [p for policy, p in ran if policy == B] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [p for policy, p in ran if policy == D] == ["2026-H1"] * 6 + ["2026-H2"]


def test_nothing_to_run_yet_prints_an_empty_batch(
    loaded_store: Path, tmp_path: Path, in_repository: None
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(loaded_store, db)
    result = invoke(["run", "policies/", "--period", "previous", "--format", "json",
                     "--db", str(db), "--as-of", "2026-01-15T00:00:00+08:00"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert result.stderr.count("skipped policies/") == 5


# ---- previous among versions -------------------------------------------------------------

ROSTER = "employee_id,name,department,role,hire_date,leave_date\nA,甲,前台,sd,2024-01-01,\n"
MONTHLY_V1 = """policy "分版本" version 1
effective 2025-01-01
timezone "Asia/Shanghai"

each month {
  red 1
}
"""
QUARTERLY_V2 = """policy "分版本" version 2
effective 2026-07-01
timezone "Asia/Shanghai"

each quarter {
  red 2
}
"""
YEARLY = """policy "年度" version 1
effective 2026-01-01
timezone "Asia/Shanghai"

each year {
  red 3
}
"""


@pytest.fixture
def folder(in_tmp: Path) -> Path:
    tmp_path = in_tmp  # away from the repository's catalog
    write_text(tmp_path / "policies" / "v1.policy", MONTHLY_V1)
    write_text(tmp_path / "policies" / "v2.policy", QUARTERLY_V2)
    write_text(tmp_path / "policies" / "year.policy", YEARLY)
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    assert invoke(["ingest", "--db", "s.duckdb", "--roster", str(roster)]).exit_code == 0
    return Path("policies")  # as a user types it, from the current folder


def previous(target: Path, as_of: str, *extra: str) -> Result:
    return invoke(["run", str(target), "--period", "previous", "--format", "json",
                   "--db", "s.duckdb", "--as-of", as_of, *extra])  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "version", "period"),
    [
        # v1 (monthly, from 2025) is in force for June; v2's latest ended quarter, Q2, is
        # v1's time, and v1 has no quarter block.
        ("2026-07-15T00:00:00+08:00", "1", "2026-06"),
        # v2 has taken over for July, and has no month block: v1's last month is June.
        ("2026-08-01T00:00:00+08:00", "1", "2026-06"),
        # v2's first quarter has ended: it ends after v1's June.
        ("2026-10-02T00:00:00+08:00", "2", "2026-Q3"),
        ("2027-01-01T00:00:00+08:00", "2", "2026-Q4"),
    ],
)
def test_previous_picks_the_latest_ended_period_with_a_version_in_force(
    folder: Path, as_of: str, version: str, period: str
) -> None:
    result = previous(folder, as_of, "--policy", "分版本")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["run"]["version"], doc["run"]["period"]) == (version, period)


def test_a_policy_not_yet_in_force_is_skipped_in_a_folder(folder: Path) -> None:
    result = previous(folder, "2026-07-15T00:00:00+08:00", "--official")
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [(d["run"]["policy"], d["run"]["period"]) for d in docs] == [("分版本", "2026-06")]
    assert (
        'skipped policies/year.policy: no version of "年度" is in force for 2025, its latest '
        "ended year: its first version takes effect on 2026-01-01"
    ) in result.stderr


@pytest.mark.parametrize("how", ["file", "--policy"])
def test_a_policy_named_alone_and_not_yet_in_force_is_an_error(folder: Path, how: str) -> None:
    # Asked for by name, a policy that cannot run is a mistake to report, not to skip.
    extra = ("--policy", "年度") if how == "--policy" else ()
    target = folder if how == "--policy" else folder / "year.policy"
    result = previous(target, "2026-07-15T00:00:00+08:00", *extra)
    assert result.exit_code == 1
    assert 'no version of "年度" is in force for 2025' in result.stderr
    assert result.stdout == ""


HALF = """policy "半年" version 1
effective 2026-01-01
timezone "Asia/Shanghai"

each half {
  red 1 per praise_letter
}
"""


@pytest.mark.usefixtures("in_tmp")
def test_a_refused_policy_does_not_keep_the_others_of_a_batch_open(tmp_path: Path) -> None:
    # The half-year is closed on 1 July; a praise letter of June recorded on 3 July then
    # changes it. On 1 August the monthly policy closes July and the half-year's re-close
    # is refused (exit 1, asking for an amendment); an amendment then closes it again.
    write_text(tmp_path / "batch" / "month.policy", MONTHLY_V1)
    write_text(tmp_path / "batch" / "half.policy", HALF)
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    late = write_text(
        tmp_path / "late.csv",
        "event_id,employee_id,type,occurred_at,recorded_at\n"
        "L1,A,praise_letter,2026-06-20T10:00:00+08:00,2026-07-03T09:00:00+08:00\n",
    )
    assert invoke(["ingest", "--db", "s.duckdb", "--roster", str(roster)]).exit_code == 0
    batch = ["run", "batch", "--period", "previous", "--official", "--format", "json",
             "--db", "s.duckdb"]  # fmt: skip
    first = invoke([*batch, "--as-of", "2026-07-01T00:05:00+08:00"])
    assert first.exit_code == 0, first.output
    assert invoke(["ingest", "--db", "s.duckdb", "--events", str(late)]).exit_code == 0

    august = invoke([*batch, "--as-of", "2026-08-01T00:05:00+08:00"])
    assert august.exit_code == 1
    assert 'closed 2026-07 of "分版本"' in august.stderr
    assert 'starrating: error: 2026-H1 of "半年" is already closed' in august.stderr
    assert "--amend --reason" in august.stderr
    printed = json.loads(august.stdout)
    assert [(d["run"]["policy"], d["run"]["period"]) for d in printed] == [("分版本", "2026-07")]
    assert official_runs(tmp_path / "s.duckdb") == {
        "分版本": ["2026-06", "2026-07"],
        "半年": ["2026-H1"],
    }

    amended = invoke([*batch, "--as-of", "2026-08-01T00:05:00+08:00", "--amend", "--reason",
                      "a praise letter of June was recorded on 3 July"])  # fmt: skip
    assert amended.exit_code == 0, amended.output
    assert 'amended 2026-H1 of "半年"' in amended.stderr
    assert '2026-07 of "分版本" is already closed by run' in amended.stderr  # identical
