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

from ..i18n import N_, _, ngettext
from ..language.diagnostics import suggestion
from ..output.values import show
from ..store.records import Contribution, RunNotFound, read_run, show_time
from ..store.schema import has_for_period
from .details import detail_text

# The kind of the contributions that say whether a conditional line applied and why
# (compiler/explained.py writes their JSON detail). Runs recorded before they existed
# have none and explain as they always did.
CHECK = "check"
# How an event counted through its `for_period` is shown beside its id (docs/data.md 1).
LABELLED_EVENT = N_("{event_id} (dated {dated}, for {label})")
# The detail a plain award's contribution records when it is won (compiler/build.py).
AWARD_WON = "won"


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
            message = _("employee {employee} is not rated in run {run_id}").format(
                employee=employee, run_id=run_id
            )
            if hint:
                message = _("{message}; {hint}").format(message=message, hint=hint)
            raise ExplainError(message)
        periods = [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM results WHERE run_id = ? AND employee_id = ?",
            [run_id, employee],
        ).fetchall()]  # fmt: skip
        raise ExplainError(
            _(
                "employee {employee} has no result for {period} in run {run_id}; "
                "their periods are: {periods}"
            ).format(employee=employee, period=period, run_id=run_id, periods=_(", ").join(periods))
        )
    source = run.policy_text.split("\n")
    lines = [
        _("run {run_id}: {policy} (version {version}), period {period}, as of {as_of}").format(
            run_id=run.run_id, policy=run.policy, version=run.version, period=run.period,
            as_of=show_time(run.as_of, run.zone),
        ),
        _("employee {employee}").format(employee=employee),
    ]  # fmt: skip
    by_period: dict[str, list[Contribution]] = {}
    for effect in recorded.contributions:
        by_period.setdefault(effect.period, []).append(effect)
    labelled = _labelled_events(con, recorded.contributions)
    for row in recorded.results:
        lines.append("")
        lines.append(_summary(row))
        for line, effects in _by_line(by_period.get(row["period"], [])):
            text = source[line - 1].strip() if 0 < line <= len(source) else ""
            lines.append("  " + _("line {number:>3}").format(number=line) + f"  {text}")
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
        event_id: _(LABELLED_EVENT).format(event_id=event_id, dated=dated, label=label)
        for event_id, dated, label in rows
    }


def _events(event_ids: list[str], labelled: dict[str, str]) -> str:
    shown = _(", ").join(labelled.get(event_id, event_id) for event_id in event_ids[:20])
    if len(event_ids) > 20:
        message = _("events ({count}): {events} and {more} more")
    else:
        message = _("events ({count}): {events}")
    return message.format(count=len(event_ids), events=shown, more=len(event_ids) - 20)


def effect_text(effect: Contribution) -> str:
    """What one contribution did, in explain's words (also the workbook's Effect column)."""
    if effect.kind == CHECK and effect.detail is not None:
        return _check(effect.label or "", json.loads(effect.detail, parse_float=Decimal))
    return _effect(effect.kind, effect.label or "", effect.amount, effect.detail)


def _summary(row: dict) -> str:
    text = _(
        "{period} ({start} to {end}): red {red}, green {green}, net {net}, stars {stars}, "
        "reward {reward}"
    ).format(
        period=row["period"], start=row["period_start"], end=row["period_end"],
        red=show(row["red"]), green=show(row["green"]), net=show(row["net"]),
        stars=show(row["stars"]), reward=show(row["reward"]),
    )  # fmt: skip
    if row["awards"]:
        text += " " + _("awards: {awards}").format(awards=_(", ").join(row["awards"]))
    if row["vetoed"]:
        text += " " + _("VETOED: {reasons}").format(reasons=_(", ").join(row["veto_reasons"]))
    return text


def _effect(kind: str, label: str, amount: Decimal | None, detail: str | None) -> str:
    """What one line did, in words."""
    shown = show(amount) if amount is not None else ""
    if detail and kind not in ("award", "veto"):
        # The detail (a ranking's place, a group value's members) is written by the run's
        # SQL (compiler/sql.py) and stored with the run as it was written.
        fields = {"label": label, "amount": shown, "detail": detail_text(detail)}
        if kind == "red":
            return _("red +{amount} ({detail})").format(**fields)
        if kind == "green":
            return _("green +{amount} ({detail})").format(**fields)
        if kind == "minus":
            return _("{label} -{amount} ({detail})").format(**fields)
        if kind == "plus":
            return _("{label} +{amount} ({detail})").format(**fields)
    fields = {"label": label, "amount": shown}
    if kind == "value":
        if amount is None:
            value = detail_text(detail) if detail else _("missing")
            return _("{label} = {value}").format(label=label, value=value)
        return _("{label} = {value}").format(label=label, value=shown)
    if kind == "red":
        return _("red +{amount}").format(**fields)
    if kind == "green":
        return _("green +{amount}").format(**fields)
    if kind == "minus":
        return _("{label} -{amount}").format(**fields)
    if kind == "plus":
        return _("{label} +{amount}").format(**fields)
    if kind == "veto":
        return _('veto "{label}" fired: no stars, no awards, reward 0').format(**fields)
    if kind == "stars":
        return _("this stars line matched: {amount} stars").format(**fields)
    if kind == "award":
        if detail == AWARD_WON:
            return _('award "{label}": won').format(**fields)
        return _('award "{label}": {detail}').format(label=label, detail=detail_text(detail or ""))
    if kind == "reward":
        if label != "reward":
            return _('reward +{amount} (award "{label}")').format(**fields)
        return _("reward +{amount}").format(**fields)
    return f"{kind} {label} {show(amount)}"


def _check(label: str, check: dict[str, Any]) -> str:
    """Whether a conditional line applied and why, from its check's recorded facts. Where
    the line's effect is shown just above (an award won, a veto fired, the stars line
    matched), the check only adds why."""
    line, applied = check["line"], bool(check["applied"])
    because = _condition(check, check.get("holds", applied))
    fields = {"label": label, "because": because}
    if line == "award":
        if applied:
            if because:
                return _("because {because}").format(**fields)
            return _('award "{label}": awarded').format(**fields)
        if check.get("vetoed"):
            return _('award "{label}": not awarded: vetoed').format(**fields)
        return _('award "{label}": not awarded: {because}').format(**fields)
    if line == "top":
        return _('award "{label}": {outcome}').format(
            label=label, outcome=_top(check, applied, because)
        )
    if line == "veto":
        if applied:
            return _("because {because}").format(**fields)
        return _('veto "{label}": did not apply: {because}').format(**fields)
    if line == "stars":
        if applied:
            return _("because {because}").format(**fields)
        return _("{level} stars: this line did not match: {because}").format(
            level=check.get("level"), because=because
        )
    if applied:
        return _("applied: {because}").format(**fields)
    return _("did not apply: {because}").format(**fields)


def _top(check: dict[str, Any], applied: bool, because: str) -> str:
    """A `top` award: the place among the candidates, or why the employee was none."""
    if check.get("vetoed"):
        return _("not awarded: vetoed")
    if not check.get("candidate"):
        if because and not check.get("holds"):
            return _("not awarded: not a candidate: {because}").format(because=because)
        return _("not awarded: not a candidate: nothing to rank by ({values})").format(
            values=_values(check)
        )
    top = str(check.get("top"))
    places = check.get("places")
    shown_places = show(places, None)
    if top.endswith("%"):
        count = 1 if places == 1 else 2  # the form for one place, or for several
        limit = ngettext("top {top} = {places} place", "top {top} = {places} places", count)
    elif not top.isdigit():
        # A quota by group: the candidate's group's own number, then how it was worked out.
        if places is not None:
            limit = _("top {places}, the quota of its group: {top}")
        else:
            limit = _("no quota for its group: {top}")
    else:
        limit = _("top {top}")
    limit = limit.format(top=top, places=shown_places)
    if applied:
        outcome = _("awarded: place {place} of {candidates} candidates ({limit})")
    else:
        outcome = _("not awarded: place {place} of {candidates} candidates ({limit})")
    text = outcome.format(
        place=show(check.get("place"), None),
        candidates=show(check.get("candidates"), None),
        limit=limit,
    )
    if check.get("values"):
        text = _("{outcome}; {values}").format(outcome=text, values=_values(check))
    return text


def _condition(check: dict[str, Any], holds: object) -> str:
    """``yes >= 2 / 3 * all is false (yes = 9, all = 15)``; empty without a condition."""
    if check.get("condition") is None:
        return ""
    values = _values(check)
    # The condition is the policy's own text (its keywords and names), never translated.
    if values:
        message = (
            _("{condition} is true ({values})") if holds else _("{condition} is false ({values})")
        )
    else:
        message = _("{condition} is true") if holds else _("{condition} is false")
    return message.format(condition=check["condition"], values=values)


def _values(check: dict[str, Any]) -> str:
    """``yes = 9, all = 15``, then for each `for N consecutive`
    ``stars = 5: held in 1 of the 2 months before``."""
    values = [f"{text} = {_value(value)}" for text, value in check.get("values", [])]
    values += [
        _("{condition}: held in {held} of the {before} {periods} before").format(
            condition=text, held=_value(held), before=before, periods=periods
        )
        for text, held, before, periods in check.get("streaks", [])
    ]
    return _(", ").join(values)


def _value(value: object) -> str:
    """An operand as the condition compared it: every digit, a text quoted; true and false
    as the policy language writes them."""
    if value is None:
        return _("missing")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return show(Decimal(value), None)
    return json.dumps(value, ensure_ascii=False)
