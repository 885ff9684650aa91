"""`starrating explain RUN_ID --employee ID`: a recorded result, rule line by rule line.

Enters: a store connection, a run id, an employee id and optionally a period. Leaves:
the text of the explanation: the run, then per period instance the employee's result and
each policy line that contributed, with its effect and the events behind it, and for each
conditional line (award, veto, stars line, line with `when`) whether it applied and why,
from its check (a contribution whose detail is a JSON record of facts, written by
compiler/explained.py; the words are all here).

Everything shown comes from what the run stored: its policy text, its result rows and its
contributions (written by the run's own SQL, see engine/evaluate.py), so an explanation never
depends on today's data or policy files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb

from ..language.diagnostics import suggestion
from ..output.values import show
from ..store.records import Contribution, RunNotFound, read_run, utc_text
from ..store.schema import has_for_period

# The kind of the contributions that say whether a conditional line applied and why
# (compiler/explained.py writes their JSON detail). Runs recorded before they existed
# have none and explain as they always did.
CHECK = "check"
# How an event counted through its `for_period` is shown beside its id (docs/data.md 1).
LABELLED_EVENT = "{event_id} (dated {dated}, for {label})"


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
    labelled = _labelled_events(con, recorded.contributions)
    for row in recorded.results:
        lines.append("")
        lines.append(_summary(row))
        for line, effects in _by_line(by_period.get(row["period"], [])):
            text = source[line - 1].strip() if 0 < line <= len(source) else ""
            lines.append(f"  line {line:>3}  {text}")
            listed: list[list[str]] = []
            for effect in effects:
                lines.append(f"            {effect_text(effect)}")
                # A check reads the events its line's effect already listed: once is enough.
                if effect.event_ids and effect.event_ids not in listed:
                    listed.append(effect.event_ids)
                    lines.append(f"            {_events(effect.event_ids, labelled)}")
    return "\n".join(lines) + "\n"


def _by_line(effects: list[Contribution]) -> list[tuple[int, list[Contribution]]]:
    """One employee's contributions in one period, grouped by policy line (in line
    order): on each line what it did first, then why it applied or not (its check)."""
    grouped: dict[int, list[Contribution]] = {}
    for effect in effects:
        grouped.setdefault(effect.line, []).append(effect)
    return [
        (line, sorted(group, key=lambda effect: effect.kind == CHECK))
        for line, group in grouped.items()
    ]


def _labelled_events(
    con: duckdb.DuckDBPyConnection, contributions: list[Contribution]
) -> dict[str, str]:
    """Each listed event that has a ``for_period`` label, as it is shown: the date it was
    written with and its label, so a reader sees why an event dated outside the period
    counted in it. One query for the whole explanation."""
    ids = sorted({i for effect in contributions for i in effect.event_ids or []})
    if not ids or not has_for_period(con):
        return {}
    rows = con.execute(
        "SELECT event_id, left(occurred_at, 10), for_period FROM events"
        " WHERE for_period IS NOT NULL AND event_id IN (SELECT unnest(?))",
        [ids],
    ).fetchall()
    return {
        event_id: LABELLED_EVENT.format(event_id=event_id, dated=dated, label=label)
        for event_id, dated, label in rows
    }


def _events(event_ids: list[str], labelled: dict[str, str]) -> str:
    shown = ", ".join(labelled.get(event_id, event_id) for event_id in event_ids[:20])
    more = f" and {len(event_ids) - 20} more" if len(event_ids) > 20 else ""
    return f"events ({len(event_ids)}): {shown}{more}"


def effect_text(effect: Contribution) -> str:
    """What one contribution did, in explain's words (also the workbook's Effect column)."""
    if effect.kind == CHECK and effect.detail is not None:
        return _check(effect.label or "", json.loads(effect.detail, parse_float=Decimal))
    return _effect(effect.kind, effect.label or "", effect.amount, effect.detail)


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


def _check(label: str, check: dict[str, Any]) -> str:
    """Whether a conditional line applied and why, from its check's recorded facts. Where
    the line's effect is shown just above (an award won, a veto fired, the stars line
    matched), the check only adds why."""
    line, applied = check["line"], bool(check["applied"])
    because = _condition(check, check.get("holds", applied))
    if line == "award":
        if applied:
            return f"because {because}" if because else f'award "{label}": awarded'
        if check.get("vetoed"):
            return f'award "{label}": not awarded: vetoed'
        return f'award "{label}": not awarded: {because}'
    if line == "top":
        return f'award "{label}": {_top(check, applied, because)}'
    if line == "veto":
        return f"because {because}" if applied else f'veto "{label}": did not apply: {because}'
    if line == "stars":
        if applied:
            return f"because {because}"
        return f"{check.get('level')} stars: this line did not match: {because}"
    return ("applied" if applied else "did not apply") + f": {because}"


def _top(check: dict[str, Any], applied: bool, because: str) -> str:
    """A `top` award: the place among the candidates, or why the employee was none."""
    if check.get("vetoed"):
        return "not awarded: vetoed"
    if not check.get("candidate"):
        if because and not check.get("holds"):
            return f"not awarded: not a candidate: {because}"
        return f"not awarded: not a candidate: nothing to rank by ({_values(check)})"
    top = str(check.get("top"))
    places = check.get("places")
    limit = f"top {top}"
    if top.endswith("%"):
        limit += f" = {show(places, None)} place" + ("" if places == 1 else "s")
    elif not top.isdigit():
        # A quota by group: the candidate's group's own number, then how it was worked out.
        limit = (
            f"top {show(places, None)}, the quota of its group: {top}"
            if places is not None
            else f"no quota for its group: {top}"
        )
    outcome = "awarded" if applied else "not awarded"
    return (
        f"{outcome}: place {show(check.get('place'), None)} of "
        f"{show(check.get('candidates'), None)} candidates ({limit})"
        + (f"; {_values(check)}" if check.get("values") else "")
    )


def _condition(check: dict[str, Any], holds: object) -> str:
    """``yes >= 2 / 3 * all is false (yes = 9, all = 15)``; empty without a condition."""
    if check.get("condition") is None:
        return ""
    values = _values(check)
    truth = "true" if holds else "false"
    return f"{check['condition']} is {truth}" + (f" ({values})" if values else "")


def _values(check: dict[str, Any]) -> str:
    """``yes = 9, all = 15``, then for each `for N consecutive`
    ``stars = 5: held in 1 of the 2 months before``."""
    values = [f"{text} = {_value(value)}" for text, value in check.get("values", [])]
    values += [
        f"{text}: held in {_value(held)} of the {before} {periods} before"
        for text, held, before, periods in check.get("streaks", [])
    ]
    return ", ".join(values)


def _value(value: object) -> str:
    """An operand as the condition compared it: every digit, a text quoted."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return show(Decimal(value), None)
    return json.dumps(value, ensure_ascii=False)
