"""The sample data (data/roster.csv, data/events.csv) is what data/generate.py writes, fits
the catalog (starrating.yaml) and gives every bundled policy a population to rate."""

from __future__ import annotations

import calendar
import csv
import importlib.util
import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, invoke

DATA = ROOT / "data"
SHANGHAI = timezone(timedelta(hours=8))
STANDARD_EVENT_COLUMNS = ("event_id", "employee_id", "type", "occurred_at", "recorded_at", "value",
                          "voids", "for_period")  # fmt: skip
C_ROLES = ["service_desk", "customer_support", "tech_support", "sales_advisor"]
E_POSTS = ["reception", "security", "maintenance", "cleaning"]
YEAR_END = date(2026, 12, 31)


def load_generator():
    spec = importlib.util.spec_from_file_location("sample_data_generate", DATA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no data/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
        sys.dont_write_bytecode = saved
    return module


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def roster() -> list[dict[str, str]]:
    return read(DATA / "roster.csv")


@pytest.fixture(scope="module")
def events() -> list[dict[str, str]]:
    return read(DATA / "events.csv")


@pytest.fixture(scope="module")
def catalog() -> dict:
    return yaml.safe_load((ROOT / "starrating.yaml").read_text(encoding="utf-8"))


def instant(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime; a naive one is local (Asia/Shanghai) time."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def local_date(text: str) -> date:
    return instant(text).astimezone(SHANGHAI).date()


def tenure(hire: date, day: date) -> int:
    """docs/language.md section 5: the largest k with hire + k months <= day (a shorter
    month takes its last day)."""
    months = (day.year - hire.year) * 12 + (day.month - hire.month)
    while months > 0:
        year, month = divmod(hire.month - 1 + months, 12)
        year, month = hire.year + year, month + 1
        if date(year, month, min(hire.day, calendar.monthrange(year, month)[1])) <= day:
            break
        months -= 1
    return max(months, 0)


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    load_generator().generate(tmp_path)
    for name in ("roster.csv", "events.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_size(events) -> None:
    assert 20_000 <= len(events) <= 60_000
    assert (DATA / "events.csv").stat().st_size < 8_000_000


def test_ids_are_unique_and_events_name_roster_employees(roster, events) -> None:
    employee_ids = [row["employee_id"] for row in roster]
    assert len(employee_ids) == len(set(employee_ids))
    event_ids = [row["event_id"] for row in events]
    assert all(event_ids) and len(event_ids) == len(set(event_ids))
    known = set(employee_ids)
    assert {row["employee_id"] for row in events} <= known


def test_at_least_60_employees_with_names_and_hire_dates(roster) -> None:
    assert len(roster) >= 60
    for row in roster:
        assert row["name"] and row["department"] and row["role"]
        hire = date.fromisoformat(row["hire_date"])
        assert date(2019, 1, 1) <= hire <= date(2026, 10, 31)
        if row["leave_date"]:
            assert hire <= date.fromisoformat(row["leave_date"])
        assert row["service_certified"] in ("true", "false")
    assert any(row["hire_date"].startswith("2026") for row in roster)
    assert any(row["leave_date"].startswith("2026") for row in roster)


def test_event_types_and_attributes_are_declared_in_the_catalog(events, catalog) -> None:
    declared = {name: attrs or {} for name, attrs in catalog["events"].items()}
    header = list(events[0])
    attribute_columns = [c for c in header if c not in STANDARD_EVENT_COLUMNS]
    for column in attribute_columns:
        assert any(column in attrs for attrs in declared.values()), column
    for row in events:
        kind = row["type"]
        # `void` is the standard type of a row that cancels another (docs/data.md section 1)
        assert kind == "void" or kind in declared, kind
        attrs = declared.get(kind, {})
        for column in attribute_columns:
            cell = row[column]
            if not cell:
                continue
            assert column in attrs, f"{row['event_id']}: `{column}` is not an attribute of {kind}"
            if attrs[column] == "boolean":
                assert cell in ("true", "false"), row
            elif attrs[column] == "integer":
                assert cell.lstrip("-").isdigit(), row
        if row["value"]:
            float(row["value"])
    # every event type the catalog declares shows up in the data
    assert set(declared) <= {row["type"] for row in events}


def test_times_are_in_range_and_recorded_after_they_occurred(events, roster) -> None:
    employed = {
        row["employee_id"]: (
            date.fromisoformat(row["hire_date"]),
            date.fromisoformat(row["leave_date"]) if row["leave_date"] else date.max,
        )
        for row in roster
    }
    export = datetime(2026, 11, 6, 18, 0, tzinfo=SHANGHAI)
    for row in events:
        occurred, recorded = instant(row["occurred_at"]), instant(row["recorded_at"])
        assert recorded >= occurred, row["event_id"]
        day = local_date(row["occurred_at"])
        if row["type"] == "committee_vote":
            # C's committee meets after the year it votes on: the only rows after the export
            assert day.year == 2027 and day.month == 1 and row["for_period"] == "2026", row
        else:
            assert date(2026, 1, 1) <= day <= date(2026, 10, 31), row["event_id"]
            assert recorded <= export, row["event_id"]
        if row["type"] != "void":
            hire, leave = employed[row["employee_id"]]
            assert hire <= day <= leave, row["event_id"]
    styles = {("Z" if t.endswith("Z") else "+" if "+" in t else "naive") for t in
              (row["occurred_at"] for row in events)}  # fmt: skip
    assert styles == {"Z", "+", "naive"}


def test_every_void_names_an_earlier_event(events) -> None:
    position = {row["event_id"]: index for index, row in enumerate(events)}
    voids = [row for row in events if row["type"] == "void"]
    assert len(voids) >= 3
    for index, row in enumerate(events):
        if row["type"] != "void":
            assert not row["voids"], row["event_id"]
            continue
        target = row["voids"]
        assert target in position and position[target] < index, row["event_id"]
        earlier = events[position[target]]
        assert earlier["type"] != "void"
        assert earlier["employee_id"] == row["employee_id"]
        assert instant(earlier["recorded_at"]) <= instant(row["recorded_at"])
    assert sum(events[position[r["voids"]]]["type"] == "complaint" for r in voids) >= 3


def test_at_least_three_months_of_2026_are_covered(events) -> None:
    months = {local_date(row["occurred_at"]).strftime("%Y-%m") for row in events}
    assert len({m for m in months if m.startswith("2026-")}) >= 3
    assert months == {f"2026-{m:02d}" for m in range(1, 11)} | {"2027-01"}


def test_ratings_made_after_the_half_carry_its_label(events) -> None:
    # D's office scores are given in early July, about the first half (LANGUAGE 9.5)
    labelled = [row for row in events if row["for_period"]]
    office = [row for row in labelled if row["type"] == "office_rating"]
    assert office and all(row["for_period"] == "2026-H1" for row in office)
    assert all(local_date(row["occurred_at"]) > date(2026, 6, 30) for row in office)
    assert {row["type"] for row in labelled} == {"office_rating", "committee_vote"}


def test_a_district_hands_in_more_nominees_than_its_quota(events, roster) -> None:
    # D's quota (民生区 and 基建区 2, any other district 4) has something to cut in H1
    district = {row["employee_id"]: row["district"] for row in roster}
    nominations = [row for row in events if row["type"] == "nomination"]
    per_district: dict[str, int] = {}
    for row in nominations:
        if local_date(row["occurred_at"]) > date(2026, 6, 30):
            continue
        name = district[row["employee_id"]]
        per_district[name] = per_district.get(name, 0) + 1
    quota = {"民生区": 2, "基建区": 2}
    assert any(count > quota.get(name, 4) for name, count in per_district.items()), per_district


def test_the_committee_votes_pass_and_fail_two_thirds(events) -> None:
    # C's 终评: at least one shortlisted candidate at exactly 10 of 15, one below
    tally: dict[str, list[int]] = {}
    for row in events:
        if row["type"] == "committee_vote":
            yes_and_all = tally.setdefault(row["employee_id"], [0, 0])
            yes_and_all[0] += row["approve"] == "true"
            yes_and_all[1] += 1
    assert [10, 15] in tally.values()
    assert any(3 * yes < 2 * cast for yes, cast in tally.values())


# What the real engine makes of the sample: each rule that needs group values fires.


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "store.duckdb"
    result = invoke(["ingest", "--db", str(db), "--events", str(DATA / "events.csv"),
                     "--roster", str(DATA / "roster.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    return db


def run_results(db: Path, policy: str, period: str, *options: str) -> list[dict]:
    result = invoke(["run", str(ROOT / "policies" / policy), "--period", period, "--db", str(db),
                     "--format", "json", *options])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]


def test_the_annual_selection_takes_the_department_top_30_percent_as_a_share(
    sample_store: Path, roster
) -> None:
    department = {row["employee_id"]: row["department"] for row in roster}
    rows = run_results(sample_store, "c_annual_service_star.policy", "2026",
                       "--as-of", "2027-01-31T00:00:00+08:00")  # fmt: skip
    scored = [r for r in rows if not r["vetoed"] and r["values"]["satisfaction"] is not None]
    eligible = [r for r in scored if r["values"]["eligible"]]
    left_out = [r for r in scored if not r["values"]["eligible"]]
    assert eligible and left_out
    assert all(float(r["values"]["satisfaction_share"]) <= 0.3 for r in eligible)
    # the share is of the employee's own department: someone left out in one department
    # has a better satisfaction than someone eligible in another
    assert any(
        float(out["values"]["satisfaction"]) > float(kept["values"]["satisfaction"])
        and department[out["employee_id"]] != department[kept["employee_id"]]
        for out in left_out
        for kept in eligible
    )
    shortlisted = {r["employee_id"] for r in rows if "初评入围" in r["awards"]}
    assert shortlisted and shortlisted <= {r["employee_id"] for r in eligible}
    # the committee's votes go to the shortlisted, and both sides of two thirds occur among
    # the group winners: approved and rejected
    winners = [r for r in rows if "岗位组优胜" in r["awards"]]
    assert {r["values"]["committee_approved"] for r in winners} == {True, False}
    assert all(
        ("年度服务之星" in r["awards"]) == r["values"]["committee_approved"] for r in winners
    )


def test_a_team_meets_the_monthly_satisfaction_target_and_another_misses_it(
    sample_store: Path, roster
) -> None:
    department = {row["employee_id"]: row["department"] for row in roster}
    rows = run_results(sample_store, "b_monthly_star_levels.policy", "2026-10")
    ratings: dict[str, list[float]] = {}
    team: dict[str, float | None] = {}
    for r in rows:
        values = r["values"]
        if values["customer_rating"] is not None:
            ratings.setdefault(department[r["employee_id"]], []).append(
                float(values["customer_rating"])
            )
        team[department[r["employee_id"]]] = values["team_satisfaction"]
    # the team figure is the average of its members' own averages
    for name, own in ratings.items():
        assert float(team[name]) == pytest.approx(sum(own) / len(own), abs=1e-6)
    met = {name for name, value in team.items() if value is not None and float(value) >= 90}
    missed = {name for name, value in team.items() if value is not None and float(value) < 90}
    assert met and missed
    # every rated member of a team that met it gets the award, and nobody else
    assert all(
        ("团队满意度达标" in r["awards"]) == (department[r["employee_id"]] in met) for r in rows
    )


# `applies to` of every bundled policy, evaluated in Python on the roster (tenure as at the
# end of the rated year). Each entry mirrors the policy line quoted as its key.
APPLIES_TO = {
    # policies/a_service_desk_weekly.policy
    'applies to role = "service_desk"': lambda r: r["role"] == "service_desk",
    # policies/b_monthly_star_levels.policy
    "applies to service_certified": lambda r: r["service_certified"] == "true",
    # policies/c_annual_service_star.policy
    'applies to employment_type = "regular" and tenure >= 6 and role in ["service_desk", '
    '"customer_support", "tech_support", "sales_advisor"]': lambda r: (
        r["employment_type"] == "regular"
        and tenure(date.fromisoformat(r["hire_date"]), YEAR_END) >= 6
        and r["role"] in C_ROLES
    ),
    # policies/d_window_service_star.policy
    'applies to role = "window"': lambda r: r["role"] == "window",
    # policies/e_property_staff.policy
    'applies to role = "property_staff" and post in ["reception", "security", "maintenance", '
    '"cleaning"]': lambda r: r["role"] == "property_staff" and r["post"] in E_POSTS,
}


def applies_to_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    (line,) = [line for line in lines if line.startswith("applies to ")]
    return line


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.policy")), ids=lambda p: p.name)
def test_every_policy_has_at_least_five_employees_to_rate(path: Path, roster) -> None:
    line = applies_to_line(path)
    assert line in APPLIES_TO, f"{path.name}: add its `applies to` to APPLIES_TO: {line}"
    matching = [row for row in roster if APPLIES_TO[line](row)]
    assert len(matching) >= 5, (path.name, len(matching))


def test_tenure_edge_cases_of_the_annual_selection(roster) -> None:
    # hired 30 June 2026: exactly 6 months on 31 December; hired 1 July: 5 months
    assert tenure(date(2026, 6, 30), YEAR_END) == 6
    assert tenure(date(2026, 7, 1), YEAR_END) == 5
    assert tenure(date(2026, 1, 31), date(2026, 2, 28)) == 1
    hires = {row["hire_date"] for row in roster if row["employment_type"] == "regular"}
    assert {"2026-06-30", "2026-07-01"} <= hires
