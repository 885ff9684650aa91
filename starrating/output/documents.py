"""A recorded run as a report reads it, and the summaries both report formats show.

Enters: a store connection and a run id. Leaves: :class:`ReportData` (the run's header,
its result rows, its contributions, the rated employees' names and departments, and its
stored policy text parsed, read through the one reader of recorded runs,
:func:`~starrating.store.records.read_run`) and its summaries
per period instance: star distribution, leaderboard, award winners, total reward. The
HTML page (:mod:`.html`) and the workbook (:mod:`.xlsx`) are made from these, so a
report never depends on today's policy files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import duckdb

from ..language import ast as A
from ..language.diagnostics import has_errors
from ..language.parser import parse
from ..store.records import Contribution, ResultRow, RunNotFound, StoredRun, read_run, show_time
from .columns import PolicyShape


class ReportError(Exception):
    """No such run in the store (exit status 1)."""


# The run's digests, and its links in the chain of runs (None for a run recorded before
# the chain: docs/data.md section 5).
DIGESTS = (
    "policy_sha256", "events_sha256", "roster_sha256", "results_sha256", "run_sha256",
    "previous_run_sha256",
)  # fmt: skip
TOP = 10


@dataclass(frozen=True)
class ReportData:
    run: dict[str, object]
    rows: list[ResultRow]
    names: dict[str, str] = field(default_factory=dict)
    contributions: list[Contribution] = field(default_factory=list)
    # The run's own policy text, parsed (None if it no longer parses): which result
    # columns its blocks fill (output/columns.py), so reports leave out the others.
    policy: A.Policy | None = None
    # employee_id -> department as the roster said at the run's as-of time (None: no
    # department), so that a later move does not change an old run's report.
    departments: dict[str, str | None] = field(default_factory=dict)

    @cached_property
    def shape(self) -> PolicyShape:
        """What the run's policy fills, per block kind (every column when it is None)."""
        return PolicyShape(self.policy)

    def name(self, employee_id: str) -> str:
        return self.names.get(employee_id, "")

    def periods(self) -> dict[str, list[ResultRow]]:
        """Rows by period instance, in the run's order (by period end)."""
        out: dict[str, list[ResultRow]] = {}
        for row in self.rows:
            out.setdefault(row["period"], []).append(row)
        return out


def load_report(con: duckdb.DuckDBPyConnection, run_id: str) -> ReportData:
    try:
        recorded = read_run(con, run_id, contributions=True)
    except RunNotFound as missing:
        raise ReportError(missing.message) from None
    rated = {r["employee_id"] for r in recorded.results}
    names = {
        employee: name or ""
        for employee, name in con.execute(
            "SELECT employee_id, arg_max(name, version) FROM roster GROUP BY employee_id"
        ).fetchall()
        if employee in rated
    }
    departments = dict(
        con.execute(
            "SELECT employee_id, arg_max(json_extract_string(attributes, '$.department'), version)"
            " FROM roster WHERE recorded_at <= ?"
            " AND employee_id IN (SELECT employee_id FROM results WHERE run_id = ?)"
            " GROUP BY employee_id",
            [recorded.run.as_of, recorded.run.run_id],
        ).fetchall()
    )
    parsed = parse(recorded.run.policy_text)
    policy = None if has_errors(parsed.diagnostics) else parsed.policy
    return ReportData(
        _header(recorded.run), recorded.results, names, recorded.contributions, policy, departments
    )


def _header(run: StoredRun) -> dict[str, object]:
    """The run's facts a report shows; times in the policy's time zone, with their offset
    (``2026-11-03T00:00:00+08:00``), as `runs`, `run` and `explain` show them."""
    return {
        "run_id": run.run_id,
        "policy": run.policy,
        "version": run.version,
        "period": run.period,
        "as_of": show_time(run.as_of, run.zone),
        "policy_sha256": run.policy_sha256,
        "events_sha256": run.events_sha256,
        "roster_sha256": run.roster_sha256,
        "results_sha256": run.results_sha256,
        "run_sha256": run.run_sha256,
        "previous_run_sha256": run.previous_run_sha256,
        "engine_version": run.engine_version,
        "created_at": show_time(run.created_at, run.zone),
        "official": run.official,
        "amends": run.amends,
        "amend_reason": run.amend_reason,
        "policy_text": run.policy_text,
        # None for a run recorded before runs kept them (docs/data.md section 5).
        "events_seen": run.events_seen,
        "warnings": run.warnings,
    }


# ---- summaries shared by both formats ---------------------------------------------------


def star_levels(rows: list[ResultRow]) -> list[Decimal | int | None]:
    """Star levels to count: 5 down to 1, any other level a row has (half stars), then
    None (no stars)."""
    levels = {Decimal(n) for n in range(1, 6)}
    levels |= {Decimal(r["stars"]) for r in rows if r["stars"] is not None}
    return [*sorted(levels, reverse=True), None]


def distribution(rows: list[ResultRow]) -> list[tuple[Decimal | None, int]]:
    counts: dict[Decimal | None, int] = {}
    for row in rows:
        level = None if row["stars"] is None else Decimal(row["stars"])
        counts[level] = counts.get(level, 0) + 1
    return [(level, counts.get(level, 0)) for level in star_levels(rows)]


def leaderboard(rows: list[ResultRow], top: int = TOP) -> list[ResultRow]:
    """Stars (none last), then net, then reward, all descending; then employee id."""

    def key(row: dict) -> tuple:
        stars = row["stars"]
        return (
            stars is None,
            -(stars or 0),
            -(row["net"] or 0),
            -(row["reward"] or 0),
            row["employee_id"],
        )

    return sorted(rows, key=key)[:top]


def award_winners(rows: list[ResultRow]) -> dict[str, list[str]]:
    """Award name -> employee ids, awards in the policy's order."""
    out: dict[str, list[str]] = {}
    for row in rows:
        for award in row["awards"]:
            out.setdefault(award, []).append(row["employee_id"])
    return out
