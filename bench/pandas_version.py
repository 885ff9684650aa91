"""The policy of docs/language.md section 1 in pandas: what teams write today.

    python bench/pandas_version.py DATA_DIR OUT.json [--period 2026-10]

Reads DATA_DIR/roster.parquet and DATA_DIR/events.parquet (bench/generate.py), computes the
month and its weeks ending Sunday whose last day lies in it, and writes the result rows of
the JSON contract (docs/data.md section 5) as a JSON array, in the contract's order. Prints
the seconds of each phase (load, compute, write) as one JSON object on standard output.

Written the way an analyst would: DataFrames, groupby, merges and rank. Numbers are floats
here, which is exact for this policy and data (counts, halves, exam scores in halves);
they are printed without trailing zeros, as the contract does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

TIME_ZONE = "Asia/Shanghai"
STAR_REWARD = {5: 500, 4: 300, 3: 200, 2: 100, 1: 50}
NO_DEPARTMENT = "\0"  # groupby drops NaN keys; employees without one form one group


def tenure(hire: pd.Series, day: pd.Series) -> pd.Series:
    """Whole months from hire to day: the largest k with hire + k months <= day, where
    adding months clamps to the month's end (docs/language.md section 5.4)."""
    steps = (day.dt.year - hire.dt.year) * 12 + (day.dt.month - hire.dt.month)
    months = hire.dt.year * 12 + (hire.dt.month - 1) + steps
    first = pd.to_datetime(pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1}))
    shifted = first + pd.to_timedelta(hire.dt.day.clip(upper=first.dt.days_in_month) - 1, unit="D")
    return steps - (shifted > day).astype(int)


def rated(roster: pd.DataFrame, instances: pd.DataFrame) -> pd.DataFrame:
    """Roster x instances, kept where the policy's `applies to` holds and the employee is
    employed on a day of the instance."""
    pairs = instances.merge(roster, how="cross")
    keep = (
        (pairs["role"] == "service_desk")
        & (tenure(pairs["hire_date"], pairs["last_day"]) >= 1)
        & (pairs["hire_date"] <= pairs["last_day"])
        & (pairs["leave_date"].isna() | (pairs["leave_date"] >= pairs["first_day"]))
    )
    return pairs[keep]


def counts(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """One column per value of `column`: how many rows of each key have it."""
    return frame.groupby([*keys, column]).size().unstack(fill_value=0).reset_index()


def with_local_day(events: pd.DataFrame) -> pd.DataFrame:
    """A copy of the events with `day`, the local date of `occurred_at` in the policy's
    time zone."""
    events = events.copy()
    events["day"] = (
        pd.to_datetime(events["occurred_at"], utc=True, format="ISO8601")
        .dt.tz_convert(TIME_ZONE)
        .dt.tz_localize(None)
        .dt.normalize()
    )
    return events


def compute(roster: pd.DataFrame, events: pd.DataFrame, period: str) -> list[dict]:
    month_first = pd.Timestamp(f"{period}-01")
    month_last = month_first + pd.offsets.MonthEnd(0)
    events = with_local_day(events)
    history_start = events["day"].min().to_period("M").to_timestamp()
    events = events[events["day"] <= month_last]

    # -- the weeks ending Sunday whose last day lies in the month ----------------------
    sundays = pd.date_range(month_first, month_last, freq="W-SUN")
    weeks = pd.DataFrame({"first_day": sundays - pd.Timedelta(days=6), "last_day": sundays})
    recent = events[events["day"] >= weeks["first_day"].min()].copy()
    recent["last_day"] = recent["day"] + pd.to_timedelta(6 - recent["day"].dt.day_of_week, "D")
    recent["what"] = recent["type"]
    signup = recent["type"] == "member_signup"
    recent.loc[signup, "what"] = "signup_" + recent.loc[signup, "channel"].fillna("none")
    week_counts = counts(recent, ["employee_id", "last_day"], "what")
    week = rated(roster, weeks).merge(week_counts, on=["employee_id", "last_day"], how="left")
    for column in ["verbal_warning", "point_deduction", "signup_free_with_purchase",
                   "signup_paid", "suggestion", "praise_letter"]:  # fmt: skip
        week[column] = week[column].fillna(0) if column in week else 0
    warnings, deductions = week["verbal_warning"], week["point_deduction"]
    clean = deductions == 0
    by_week = week.groupby("last_day")
    week["red"] = (
        3.0 * (clean & (warnings == 0))
        + 2.0 * (clean & (warnings == 1))
        + 1.5 * (clean & (warnings == 2))
        + by_week["signup_free_with_purchase"].rank(method="dense")
        + by_week["signup_paid"].rank(method="dense")
        + by_week["suggestion"].rank(method="dense")
        + week["praise_letter"].clip(upper=3)
    )
    week["green"] = (deductions > 0).astype(float)
    week["net"] = week["red"] - week["green"]
    week["group"] = week["department"].fillna(NO_DEPARTMENT)
    week["star"] = (
        week.groupby(["last_day", "group"])["net"].rank(method="min", ascending=False) == 1
    )

    # -- the month and the two before it, for `stars = 5 for 3 consecutive months` ------
    starts = pd.date_range(month_first - pd.DateOffset(months=2), month_first, freq="MS")
    starts = starts[(starts >= history_start) | (starts == month_first)]
    months = pd.DataFrame({"first_day": starts, "last_day": starts + pd.offsets.MonthEnd(0)})
    past = events[events["day"] >= months["first_day"].min()].copy()
    past["first_day"] = past["day"].dt.to_period("M").dt.to_timestamp()
    past["what"] = past["type"]
    complaint = past["type"] == "complaint"
    past.loc[complaint & (past["level"] == 1), "what"] = "level_one"
    past.loc[complaint & (past["level"] >= 2), "what"] = "level_two_up"
    month_counts = counts(past, ["employee_id", "first_day"], "what")
    responsible = (
        past[complaint & past["responsible"].fillna(False).astype(bool)]
        .groupby(["employee_id", "first_day"])
        .size()
        .rename("responsible")
        .reset_index()
    )
    exams = (
        past[past["type"] == "exam"]
        .groupby(["employee_id", "first_day"])["value"]
        .max()
        .rename("best_exam")
        .reset_index()
    )
    month = (
        rated(roster, months)
        .merge(month_counts, on=["employee_id", "first_day"], how="left")
        .merge(responsible, on=["employee_id", "first_day"], how="left")
        .merge(exams, on=["employee_id", "first_day"], how="left")
    )
    for column in ["level_one", "level_two_up", "praise_letter", "responsible"]:
        month[column] = month[column].fillna(0) if column in month else 0
    month["exam"] = month["best_exam"].fillna(0)
    service = (
        100
        - 5 * month["level_one"]
        - (10 * month["level_two_up"]).clip(upper=30)
        + (2 * month["praise_letter"]).clip(upper=10)
        + 5 * (month["exam"] >= 90)
    )
    month["service"] = service.clip(lower=0).clip(upper=100)
    month["vetoed"] = month["responsible"] > 0
    service = month["service"]
    levels = np.select(
        [service >= 95, service >= 85, service >= 75, service >= 60], [5, 4, 3, 2], default=1
    )
    month["stars"] = pd.Series(levels, index=month.index, dtype=float).where(~month["vetoed"])
    five = month.set_index(["employee_id", "first_day"])["stars"].eq(5)
    current = month[month["first_day"] == month_first].copy()
    current["promoted"] = True
    for back in (1, 2):
        earlier = pd.MultiIndex.from_arrays(
            [current["employee_id"], current["first_day"] - pd.DateOffset(months=back)]
        )
        current["promoted"] &= five.reindex(earlier, fill_value=False).to_numpy()
    current["promoted"] &= current["stars"].eq(5)
    wins = week[week["star"]].groupby("employee_id").size().rename("wins")
    current = current.merge(wins, on="employee_id", how="left")
    current["monthly_star"] = ~current["vetoed"] & (current["wins"].fillna(0) >= 3)
    current["reward"] = (
        current["stars"].map(STAR_REWARD).fillna(0) + 100 * current["monthly_star"]
    ).where(~current["vetoed"], 0)

    # -- the rows of the JSON contract, sorted by period_end, employee, week first -------
    week["period"] = week["last_day"].dt.strftime("%G-W%V")
    week["kind"] = 0
    current["period"] = current["first_day"].dt.strftime("%Y-%m")
    current["kind"] = 1
    rows: list[dict] = []
    for row in week.itertuples():
        rows.append(
            {
                "employee_id": row.employee_id, "period": row.period,
                "period_start": f"{row.first_day:%Y-%m-%d}",
                "period_end": f"{row.last_day:%Y-%m-%d}",
                "vetoed": False, "veto_reasons": [],
                "values": {"warnings": number(row.verbal_warning),
                           "deductions": number(row.point_deduction)},
                "red": number(row.red), "green": number(row.green), "net": number(row.net),
                "stars": None, "awards": ["周服务之星"] if row.star else [], "reward": 0,
                "_sort": (row.last_day, row.employee_id, 0),
            }
        )  # fmt: skip
    for row in current.itertuples():
        awards = (["月度服务明星"] if row.monthly_star else []) + (
            ["优先晋升"] if row.promoted else []
        )
        rows.append(
            {
                "employee_id": row.employee_id, "period": row.period,
                "period_start": f"{row.first_day:%Y-%m-%d}",
                "period_end": f"{row.last_day:%Y-%m-%d}",
                "vetoed": bool(row.vetoed), "veto_reasons": ["有责投诉"] if row.vetoed else [],
                "values": {"exam": number(row.exam), "service": number(row.service)},
                "red": 0, "green": 0, "net": 0,
                "stars": None if pd.isna(row.stars) else number(row.stars),
                "awards": awards, "reward": number(row.reward),
                "_sort": (row.last_day, row.employee_id, 1),
            }
        )  # fmt: skip
    rows.sort(key=lambda row: row.pop("_sort"))
    return rows


def number(value: float) -> int | float:
    """A float printed as the contract prints numbers: no trailing `.0`."""
    return int(value) if float(value).is_integer() else float(value)


EVENT_COLUMNS = ["employee_id", "type", "occurred_at", "value", "channel", "level", "responsible"]


def run(
    data: Path,
    out: Path,
    period: str = "2026-10",
    compute_rows: Callable[[pd.DataFrame, pd.DataFrame, str], list[dict]] = compute,
    event_columns: list[str] = EVENT_COLUMNS,
) -> dict[str, float]:
    """Load, compute and write; return the seconds of each phase. `compute_rows` makes
    the rows of a policy from the roster and the events of `event_columns`."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    roster = pd.read_parquet(data / "roster.parquet")
    for column in ("hire_date", "leave_date"):
        roster[column] = pd.to_datetime(roster[column])
    roster = roster[["employee_id", "department", "role", "hire_date", "leave_date"]]
    events = pd.read_parquet(data / "events.parquet", columns=event_columns)
    events["value"] = pd.to_numeric(events["value"])
    if "level" in events:
        events["level"] = pd.to_numeric(events["level"])
    events["responsible"] = events["responsible"].map({"true": True, "false": False})
    seconds["load"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = compute_rows(roster, events, period)
    seconds["compute"] = time.perf_counter() - started
    started = time.perf_counter()
    out.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    seconds["write"] = time.perf_counter() - started
    return seconds


def main(script_run: Callable[[Path, Path, str], dict[str, float]] = run) -> None:
    """The command line of a script of this kind: DATA_DIR OUT.json [--period P]; prints
    the seconds of each phase as one JSON object."""
    # the script that was started describes itself, whichever script's run it is
    started = sys.modules["__main__"].__doc__ or __doc__
    parser = argparse.ArgumentParser(description=started.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    print(json.dumps(script_run(args.data, args.out, args.period)))


if __name__ == "__main__":
    main()
