"""The team policy (bench/team_window.policy) in pandas: what teams write today.

    python bench/pandas_team.py DATA_DIR OUT.json [--period 2026-10]

Reads the same Parquet files as bench/pandas_version.py, computes the month with its rolling
windows and the departments' figures, and writes the result rows of the JSON contract as a
JSON array; prints the seconds of each phase (load, compute, write) as one JSON object.

Written the way an analyst would: boolean masks for the windows, groupby/transform for the
departments. Shares and averages are rounded at 6 places, half away from zero, in integer
arithmetic (floats would not be exact), as the language shows them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas_version
from pandas_version import NO_DEPARTMENT, main, number, rated, with_local_day


def rounded_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator (non-negative integers) rounded at 6 places, half away from
    zero, as a float that prints with at most 6 places."""
    micro = (numerator.astype("int64") * 2_000_000 + denominator) // (2 * denominator)
    return micro / 1_000_000


def compute(roster: pd.DataFrame, events: pd.DataFrame, period: str) -> list[dict]:
    first = pd.Timestamp(f"{period}-01")
    last = first + pd.offsets.MonthEnd(0)
    days_start = last - pd.Timedelta(days=89)  # over last 90 days
    months_start = first - pd.DateOffset(months=2)  # over last 3 months
    events = with_local_day(events)
    events = events[(events["day"] >= min(days_start, months_start)) & (events["day"] <= last)]
    kind = events["type"]
    in_months = events["day"] >= months_start
    complaint = kind == "complaint"
    responsible = events["responsible"].fillna(False).astype(bool)
    per_employee = pd.DataFrame(
        {
            "complaints_90d": complaint & (events["day"] >= days_start),
            "responsible_3m": complaint & responsible & in_months,
            "letters_3m": (kind == "praise_letter") & in_months,
            "signups": (kind == "member_signup") & (events["day"] >= first),
        }
    )
    per_employee["employee_id"] = events["employee_id"]
    counts = per_employee.groupby("employee_id").sum().reset_index()
    exams = (
        events[(kind == "exam") & in_months]
        .groupby("employee_id")["value"]
        .max()
        .rename("exam")
        .reset_index()
    )
    month = pd.DataFrame({"first_day": [first], "last_day": [last]})
    staff = rated(roster, month).merge(counts, on="employee_id", how="left")
    staff = staff.merge(exams, on="employee_id", how="left")
    for column in ["complaints_90d", "responsible_3m", "letters_3m", "signups", "exam"]:
        staff[column] = staff[column].fillna(0)
    staff["vetoed"] = staff["responsible_3m"] > 0
    staff["group"] = staff["department"].fillna(NO_DEPARTMENT)

    # the department's figures over its rated staff who are not vetoed; a vetoed employee
    # reads their department's figures but has no share
    team = staff[~staff["vetoed"]].copy()
    team["calm"] = team["complaints_90d"] <= 5
    totals = team.groupby("group").agg(
        exam_sum=("exam", "sum"), team_size=("employee_id", "size"),
        team_calm=("calm", "sum"), team_letters=("letters_3m", "sum"),
    )  # fmt: skip
    at_least_mine = team.groupby("group")["signups"].rank(method="max", ascending=False)
    members = team.groupby("group")["employee_id"].transform("size")
    # aligned on the index: the vetoed get none
    staff["signup_share"] = rounded_ratio(at_least_mine, members)
    staff = staff.merge(totals, left_on="group", right_index=True, how="left")
    for column in ["team_size", "team_calm", "team_letters"]:
        staff[column] = staff[column].fillna(0)
    has_members = staff["team_size"] > 0
    staff["team_exam"] = rounded_ratio(
        (2 * staff["exam_sum"].where(has_members, 0)).round().astype("int64"),
        (2 * staff["team_size"]).where(has_members, 1).astype("int64"),
    ).where(has_members)
    staff["calm"] = staff["complaints_90d"] <= 5

    eligible = ~staff["vetoed"]
    staff["above_team"] = eligible & (staff["exam"] >= staff["team_exam"] + 10)
    staff["top_signups"] = eligible & (staff["signup_share"] <= 0.3)
    # 25% * team_size compared exactly: 4 * team_calm >= team_size
    staff["calm_team"] = eligible & staff["calm"] & (4 * staff["team_calm"] >= staff["team_size"])
    staff["reward"] = (
        10 * staff["letters_3m"] + 200 * staff["above_team"] + 100 * staff["top_signups"]
    ).where(eligible, 0)
    staff = staff.sort_values("employee_id")

    def shown(value: float) -> int | float | None:
        return None if pd.isna(value) else number(value)

    rows: list[dict] = []
    for row in staff.itertuples():
        awards = (
            (["考试优于团队"] if row.above_team else [])
            + (["组内签约前30%"] if row.top_signups else [])
            + (["低投诉团队"] if row.calm_team else [])
        )
        rows.append(
            {
                "employee_id": row.employee_id, "period": period,
                "period_start": f"{first:%Y-%m-%d}", "period_end": f"{last:%Y-%m-%d}",
                "vetoed": bool(row.vetoed),
                "veto_reasons": ["三个月内有责投诉"] if row.vetoed else [],
                "values": {
                    "complaints_90d": number(row.complaints_90d),
                    "responsible_3m": number(row.responsible_3m),
                    "letters_3m": number(row.letters_3m), "signups": number(row.signups),
                    "exam": number(row.exam), "team_exam": shown(row.team_exam),
                    "signup_share": shown(row.signup_share),
                    "calm": bool(row.calm), "team_calm": shown(row.team_calm),
                    "team_size": shown(row.team_size),
                    "team_letters": shown(row.team_letters),
                },
                "red": 0, "green": 0, "net": 0, "stars": None,
                "awards": awards, "reward": number(row.reward),
            }
        )  # fmt: skip
    return rows


def run(data: Path, out: Path, period: str = "2026-10") -> dict[str, float]:
    """Load, compute and write; return the seconds of each phase."""
    columns = ["employee_id", "type", "occurred_at", "value", "responsible"]
    return pandas_version.run(data, out, period, compute_rows=compute, event_columns=columns)


if __name__ == "__main__":
    main(run)
