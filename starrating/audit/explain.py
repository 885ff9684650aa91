"""`starrating explain RUN_ID --employee ID`: a recorded result, rule line by rule line.

Enters: a store connection, a run id, an employee id and optionally a period. Leaves:
the text of the explanation: the run, then per period instance the employee's result and
each policy line that contributed, with its effect and the events behind it.

Everything shown comes from what the run stored: its policy text, its result rows and its
contributions (written by the run's own SQL, see engine/evaluate.py), so an explanation never
depends on today's data or policy files.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from ..language.diagnostics import suggestion
from ..output.values import show
from ..store.records import Contribution, RunNotFound, read_run, utc_text


class ExplainError(Exception):
    """No such run, employee or period in the run (exit status 1)."""


def explain(
    con: duckdb.DuckDBPyConnection, run_id: str, employee: str, period: str | None = None
) -> str:
    try:
        recorded = read_run(con, run_id, employee=employee, period=period, contributions=True)
    except RunNotFound as missing:
        raise ExplainError(missing.message) from None
    run = recorded.run
    if not recorded.results:
        employees = [r[0] for r in con.execute(
            "SELECT DISTINCT employee_id FROM results WHERE run_id = ?", [run_id]
        ).fetchall()]  # fmt: skip
        if employee not in employees:
            hint = suggestion(employee, employees)
            raise ExplainError(
                f"employee {employee} is not rated in run {run_id}" + (f"; {hint}" if hint else "")
            )
        periods = [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM results WHERE run_id = ? AND employee_id = ?",
            [run_id, employee],
        ).fetchall()]  # fmt: skip
        raise ExplainError(
            f"employee {employee} has no result for {period} in run {run_id}; "
            f"their periods are: {', '.join(periods)}"
        )
    source = run.policy_text.split("\n")
    lines = [
        f"run {run.run_id}: {run.policy} (version {run.version}), period {run.period}, "
        f"as of {utc_text(run.as_of)}",
        f"employee {employee}",
    ]
    by_period: dict[str, list[Contribution]] = {}
    for effect in recorded.contributions:
        by_period.setdefault(effect.period, []).append(effect)
    for row in recorded.results:
        lines.append("")
        lines.append(_summary(row))
        for effect in by_period.get(row["period"], []):
            line, event_ids = effect.line, effect.event_ids
            text = source[line - 1].strip() if 0 < line <= len(source) else ""
            lines.append(f"  line {line:>3}  {text}")
            lines.append(
                f"            {_effect(effect.kind, effect.label, effect.amount, effect.detail)}"
            )
            if event_ids:
                shown = ", ".join(event_ids[:20])
                more = f" and {len(event_ids) - 20} more" if len(event_ids) > 20 else ""
                lines.append(f"            events ({len(event_ids)}): {shown}{more}")
    return "\n".join(lines) + "\n"


def _summary(row: dict) -> str:
    parts = [
        f"{row['period']} ({row['period_start']} to {row['period_end']}):",
        f"red {show(row['red'])}, green {show(row['green'])}, net {show(row['net'])},",
        f"stars {show(row['stars'])}, reward {show(row['reward'])}",
    ]
    if row["awards"]:
        parts.append(f"awards: {', '.join(row['awards'])}")
    if row["vetoed"]:
        parts.append(f"VETOED: {', '.join(row['veto_reasons'])}")
    return " ".join(parts)


def _effect(kind: str, label: str, amount: Decimal | None, detail: str | None) -> str:
    """What one line did, in words."""
    extra = f" ({detail})" if detail and kind not in ("award", "veto") else ""
    if kind == "value":
        value = show(amount) if amount is not None else (detail or "missing")
        return f"{label} = {value}"
    if kind in ("red", "green"):
        return f"{kind} +{show(amount)}{extra}"
    if kind in ("minus", "plus"):
        sign = "-" if kind == "minus" else "+"
        return f"{label} {sign}{show(amount)}{extra}"
    if kind == "veto":
        return f'veto "{label}" fired: no stars, no awards, reward 0'
    if kind == "stars":
        return f"this stars line matched: {show(amount)} stars"
    if kind == "award":
        return f'award "{label}": {detail}'
    if kind == "reward":
        return f"reward +{show(amount)}" + (f' (award "{label}")' if label != "reward" else "")
    return f"{kind} {label} {show(amount)}"
