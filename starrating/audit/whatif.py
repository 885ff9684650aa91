"""What-if: two policies evaluated on the same data, period and as-of time, compared.

The library behind ``starrating diff POLICY_A POLICY_B --period P`` (docs/data.md
section 4). Policy A is "before" (usually the policy in force), policy B is "after" (the
proposal). Neither evaluation is recorded: a what-if writes nothing to the store.

- :func:`plan_whatif` picks, for each side, the version in force for the period and one
  as-of instant shared by both sides;
- :func:`evaluate_whatif` evaluates both with ``record=False`` and compares them;
- :func:`diff_runs` compares two run documents row by row (employee and period label);
- :func:`render_text` prints the comparison for people (``output.json.render_json`` for
  programs: a ``WhatIf`` has ``to_json()``).

Every number is a :class:`~decimal.Decimal` and is compared and summed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from ..engine.evaluate import policy_timezone
from ..engine.periods import PeriodError, parse_label
from ..engine.runs import (
    PlannedRun,
    RunDocument,
    RunError,
    parse_as_of,
    plan_runs,
    run_policy,
)
from ..i18n import N_, _
from ..language import ast as A
from ..language.catalog import Catalog
from ..language.policyfiles import PolicyFile
from ..output.columns import filled_columns, shown_columns
from ..output.table import table_lines
from ..output.values import number_text, show, signed
from ..store.records import ResultRow, as_decimal, total_reward

STAR_KEYS = ("1", "2", "3", "4", "5", "none")
NUMBER_FIELDS = ("red", "green", "net", "reward")
# The order in which a row's changed fields are listed (``RowChange.changed``).
FIELDS = ("rated", "stars", "red", "green", "net", "reward", "vetoed", "veto_reasons", "awards")
RUN_KEYS = (
    "policy",
    "version",
    "policy_sha256",
    "period",
    "as_of",
    "events_sha256",
    "results_sha256",
)
CHANGED, ONLY_BEFORE, ONLY_AFTER = "changed", "only_before", "only_after"
# The columns of the text table of changes, translated where it is shown; of the result
# columns (stars ... reward), those neither policy fills are left out.
RESULT_COLUMNS_SHOWN = ("stars", "red", "green", "net", "reward")
CHANGES_HEADER = (
    N_("employee"), N_("name"), N_("stars"), N_("red"), N_("green"), N_("net"), N_("reward"),
    N_("awards"), N_("note"),
)  # fmt: skip


class WhatIfError(Exception):
    """A what-if that cannot be made (no block of the period's kind, several policies in
    one folder, two documents of different periods): exit status 1."""


# ---- the comparison ---------------------------------------------------------------------


@dataclass
class RowChange:
    """One employee and period instance whose result differs, or that only one policy
    rates (``status`` is ``changed``, ``only_before`` or ``only_after``). ``before`` and
    ``after`` are the result rows (docs/data.md section 5); the missing side is None."""

    employee_id: str
    period: str
    period_start: str
    period_end: str
    status: str
    changed: list[str]
    before: dict | None
    after: dict | None

    def value(self, side: str, name: str) -> object:
        row = self.before if side == "before" else self.after
        return None if row is None else row[name]

    def difference(self, name: str) -> Decimal | None:
        """after - before for ``red``, ``green``, ``net`` (None unless both sides rate
        the row) and ``reward`` (a side that does not rate the row pays 0)."""
        before, after = self.value("before", name), self.value("after", name)
        if name == "reward":
            return as_decimal(after) - as_decimal(before)
        if before is None or after is None:
            return None
        return as_decimal(after) - as_decimal(before)

    @property
    def awards_gained(self) -> list[str]:
        before = set(self.value("before", "awards") or [])
        return [a for a in self.value("after", "awards") or [] if a not in before]

    @property
    def awards_lost(self) -> list[str]:
        after = set(self.value("after", "awards") or [])
        return [a for a in self.value("before", "awards") or [] if a not in after]


@dataclass
class WhatIf:
    before: dict[str, object]  # the run header of each side (no run id: nothing recorded)
    after: dict[str, object]
    period: str
    kind: str  # the period's own kind: "week", "month", ...
    changes: list[RowChange]
    employees: int  # distinct employees rated by either policy
    employees_changed: int  # distinct employees with a change in any period instance
    rows_before: int
    rows_after: int
    stars_before: dict[str, int]  # rows of the period's own kind by star level, and "none"
    stars_after: dict[str, int]
    reward_before: Decimal  # every row of the run: every period instance shown
    reward_after: Decimal
    awards: list[tuple[str, int, int]]  # (award, wins before, wins after)
    names: dict[str, str] = field(default_factory=dict)  # employee_id -> name
    # The result columns either policy fills, per block kind (output.columns): the table
    # of changes leaves out the rest, as the run's table does; None: not known, all shown.
    filled: dict[str, frozenset[str]] | None = None

    @property
    def reward_difference(self) -> Decimal:
        return self.reward_after - self.reward_before

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.changes)

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "summary": {
                "employees": self.employees,
                "employees_changed": self.employees_changed,
                "rows": {
                    "before": self.rows_before,
                    "after": self.rows_after,
                    CHANGED: self.count(CHANGED),
                    ONLY_BEFORE: self.count(ONLY_BEFORE),
                    ONLY_AFTER: self.count(ONLY_AFTER),
                },
                "stars": {
                    "kind": self.kind,
                    "before": self.stars_before,
                    "after": self.stars_after,
                },
                "reward": {
                    "before": self.reward_before,
                    "after": self.reward_after,
                    "difference": self.reward_difference,
                },
                "awards": [
                    {"award": name, "before": b, "after": a, "difference": a - b}
                    for name, b, a in self.awards
                ],
            },
            "changes": [_change_json(c) for c in self.changes],
        }


def _change_json(change: RowChange) -> dict[str, object]:
    document: dict[str, object] = {
        "employee_id": change.employee_id,
        "period": change.period,
        "period_start": change.period_start,
        "period_end": change.period_end,
        "status": change.status,
        "changed": change.changed,
        "stars": _sides(change, "stars"),
    }
    for name in NUMBER_FIELDS:
        document[name] = {**_sides(change, name), "difference": change.difference(name)}
    document["vetoed"] = _sides(change, "vetoed")
    document["veto_reasons"] = _sides(change, "veto_reasons")
    document["awards"] = {
        **_sides(change, "awards"),
        "gained": change.awards_gained,
        "lost": change.awards_lost,
    }
    return document


def _sides(change: RowChange, name: str) -> dict[str, object]:
    return {"before": change.value("before", name), "after": change.value("after", name)}


def diff_runs(before: RunDocument, after: RunDocument) -> WhatIf:
    """Compare two run documents of the same period label, row by row: a row is one
    employee in one period instance, matched by ``employee_id`` and the period label."""
    period = str(before.run["period"])
    if str(after.run["period"]) != period:
        raise WhatIfError(
            _(
                "the runs are for different periods ({before} and {after}): a what-if "
                "compares one period"
            ).format(before=period, after=after.run["period"])
        )
    kind = _kind(period)
    old = {_key(r): r for r in before.results}
    new = {_key(r): r for r in after.results}
    changes: list[RowChange] = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None:
            changed = [f for f in FIELDS[1:] if _differs(f, a, b)]
            if not changed:
                continue
            status = CHANGED
        else:
            changed, status = ["rated"], (ONLY_BEFORE if b is None else ONLY_AFTER)
        shown = a if a is not None else b
        assert shown is not None
        changes.append(
            RowChange(
                employee_id=str(shown["employee_id"]),
                period=str(shown["period"]),
                period_start=str(shown["period_start"]),
                period_end=str(shown["period_end"]),
                status=status,
                changed=changed,
                before=a,
                after=b,
            )
        )
    changes.sort(key=lambda c: (c.period_end, c.period, c.employee_id))
    names: dict[str, str] = {}
    for document in (before, after):
        if document.evaluation is not None:
            names.update(document.evaluation.names)
    policies = [d.evaluation.policy for d in (before, after) if d.evaluation is not None]
    filled: dict[str, frozenset[str]] | None = None
    if len(policies) == 2 and all(p is not None for p in policies):
        sides = [filled_columns(p) for p in policies]
        filled = {k: sides[0].get(k, frozenset()) | sides[1].get(k, frozenset())
                  for k in {*sides[0], *sides[1]}}  # fmt: skip
    return WhatIf(
        before=_header(before),
        after=_header(after),
        period=period,
        kind=kind,
        changes=changes,
        employees=len({k[0] for k in (*old, *new)}),
        employees_changed=len({c.employee_id for c in changes}),
        rows_before=len(before.results),
        rows_after=len(after.results),
        stars_before=star_distribution(before.results, kind),
        stars_after=star_distribution(after.results, kind),
        reward_before=total_reward(before.results),
        reward_after=total_reward(after.results),
        awards=_award_counts(before.results, after.results),
        names=names,
        filled=filled,
    )


def star_distribution(rows: list[ResultRow], kind: str) -> dict[str, int]:
    """How many rows of period kind ``kind`` have each star level (``"1"``..``"5"``) and
    none (``"none"``: no stars line matched, or vetoed)."""
    counts = dict.fromkeys(STAR_KEYS, 0)
    for row in rows:
        if _kind(str(row["period"])) == kind:
            stars = row["stars"]
            counts["none" if stars is None else str(int(stars))] += 1
    return counts


def _award_counts(before: list[ResultRow], after: list[ResultRow]) -> list[tuple[str, int, int]]:
    """Wins per award (one per employee and period instance), in the order the awards
    first appear (before, then after; each policy lists them in declaration order)."""
    counts: dict[str, list[int]] = {}
    for side, rows in enumerate((before, after)):
        for row in rows:
            for award in row["awards"]:
                counts.setdefault(award, [0, 0])[side] += 1
    return [(name, b, a) for name, (b, a) in counts.items()]


def _differs(name: str, a: dict, b: dict) -> bool:
    if name in NUMBER_FIELDS:
        return as_decimal(a[name]) != as_decimal(b[name])
    if name == "awards":  # which awards, not their order (the policies may declare
        return sorted(a[name]) != sorted(b[name])  # them in different orders)
    return a[name] != b[name]


def _key(row: dict) -> tuple[str, str]:
    return (str(row["employee_id"]), str(row["period"]))


def _kind(label: str) -> str:
    try:
        return parse_label(label).kind
    except PeriodError as exc:
        raise WhatIfError(str(exc)) from None


def _header(document: RunDocument) -> dict[str, object]:
    return {k: document.run[k] for k in RUN_KEYS if k in document.run}


# ---- evaluating both policies -----------------------------------------------------------


def plan_whatif(
    files_a: list[PolicyFile],
    files_b: list[PolicyFile],
    period_text: str,
    as_of_text: str | None,
    catalog: Catalog | None,
) -> tuple[PlannedRun, PlannedRun]:
    """The two runs of a what-if: the same period label and the same as-of instant.

    The period is resolved with policy A's blocks (so ``previous`` means A's latest ended
    period) and its label is then resolved with B's own blocks (B's weeks may end on
    another weekday). Each side runs the version in force for that period. An as-of time
    without an offset is local in A's time zone; without ``--as-of`` both use one "now".
    """
    newest_a = _single_policy("A", files_a)
    _single_policy("B", files_b)
    try:
        as_of = parse_as_of(as_of_text, policy_timezone(newest_a, catalog))
    except RunError as exc:
        raise WhatIfError(str(exc)) from None
    instant = as_of.isoformat()
    before = _plan_side("A", files_a, period_text, instant, catalog)
    after = _plan_side("B", files_b, before.target.label, instant, catalog)
    return before, after


def evaluate_whatif(
    con: duckdb.DuckDBPyConnection,
    files_a: list[PolicyFile],
    files_b: list[PolicyFile],
    period_text: str,
    as_of_text: str | None,
    catalog: Catalog,
) -> WhatIf:
    """Evaluate both policies on the store behind ``con`` (nothing is recorded) and
    compare them. The policy files must have been checked without errors."""
    before_plan, after_plan = plan_whatif(files_a, files_b, period_text, as_of_text, catalog)
    before = run_policy(
        con, before_plan.item, catalog, before_plan.target, before_plan.as_of, record=False
    )
    after = run_policy(
        con, after_plan.item, catalog, after_plan.target, after_plan.as_of, record=False
    )
    return diff_runs(before, after)


def _single_policy(side: str, files: list[PolicyFile]) -> A.Policy:
    policies = [f.policy for f in files if f.policy is not None]
    if len(policies) != len(files) or not policies:
        raise WhatIfError(_("POLICY_{side} has errors; nothing was compared").format(side=side))
    names = sorted({p.name for p in policies})
    if len(names) > 1:
        listed = _(", ").join(f'"{n}"' for n in names)
        raise WhatIfError(
            _(
                "POLICY_{side} holds several policies ({policies}): give one .policy file, or "
                "a folder with the versions of one policy"
            ).format(side=side, policies=listed)
        )
    return max(policies, key=lambda p: p.effective or "")


def _plan_side(
    side: str,
    files: list[PolicyFile],
    period_text: str,
    as_of_text: str,
    catalog: Catalog | None,
) -> PlannedRun:
    if len(files) == 1:
        where = files[0].path
    else:
        # Always several here (a folder's versions): the plural needs no singular form.
        where = _("{count} files").format(count=len(files))
    try:
        planned, _skipped = plan_runs(files, period_text, None, as_of_text, catalog)
    except RunError as exc:
        raise WhatIfError(
            _("POLICY_{side} ({where}): {reason}").format(side=side, where=where, reason=exc)
        ) from None
    if len(planned) != 1:
        raise WhatIfError(
            _("POLICY_{side} ({where}): nothing to run for {period}").format(
                side=side, where=where, period=period_text
            )
        )
    return planned[0]


# ---- rendering --------------------------------------------------------------------------


def render_text(whatif: WhatIf) -> str:
    """The comparison for people: a header, one table per period instance that changes
    (unchanged cells show the value, changed ones ``before -> after``), and the summary."""
    lines = [
        _("what-if for {period}, as of {as_of}").format(
            period=whatif.period, as_of=whatif.after.get("as_of")
        ),
        "  " + _("before: {policy}").format(policy=_title(whatif.before)),
        "  " + _("after:  {policy}").format(policy=_title(whatif.after)),
    ]
    by_period: dict[str, list[RowChange]] = {}
    for change in whatif.changes:
        by_period.setdefault(change.period, []).append(change)
    if not by_period:
        lines += ["", _("no change: every employee gets the same result under both policies")]
    for period, changes in by_period.items():
        # employee, name, the result columns either policy fills here, awards, note
        columns = [
            column
            for column in RESULT_COLUMNS_SHOWN
            if whatif.filled is None or column in shown_columns(whatif.filled, [period])
        ]
        header = [_(CHANGES_HEADER[0]), _(CHANGES_HEADER[1]), *(_(c) for c in columns)]
        header += [_(CHANGES_HEADER[-2]), _(CHANGES_HEADER[-1])]
        numeric = set(range(2, 2 + len(columns)))
        first = changes[0]
        lines += [
            "",
            _("{period}  ({start} to {end})").format(
                period=period, start=first.period_start, end=first.period_end
            ),
        ]
        body = [
            [
                c.employee_id,
                whatif.names.get(c.employee_id, ""),
                *(_cell(c, column) for column in columns),
                _awards_cell(c),
                _note(c),
            ]
            for c in changes
        ]
        lines += table_lines(header, body, numeric, indent="  ")
    lines += ["", *_summary(whatif)]
    return "\n".join(lines) + "\n"


def _title(run: dict[str, object]) -> str:
    return _("{policy} (version {version})").format(
        policy=run.get("policy"), version=run.get("version")
    )


def _summary(whatif: WhatIf) -> list[str]:
    rows = _(
        "{changed} changed, {only_before} rated only before, {only_after} rated only after"
    ).format(
        changed=whatif.count(CHANGED),
        only_before=whatif.count(ONLY_BEFORE),
        only_after=whatif.count(ONLY_AFTER),
    )
    lines = [
        _("summary"),
        "  "
        + _("employees with a change: {changed} of {employees}").format(
            changed=whatif.employees_changed, employees=whatif.employees
        ),
        "  "
        + _("rows (employee x period): {before} before, {after} after").format(
            before=whatif.rows_before, after=whatif.rows_after
        ),
        f"    {rows}",
        "  "
        + _("reward: before {before}, after {after}, difference {difference}").format(
            before=number_text(whatif.reward_before),
            after=number_text(whatif.reward_after),
            difference=signed(whatif.reward_difference),
        ),
        "",
        "  " + _("stars ({kind} {period})").format(kind=whatif.kind, period=whatif.period),
    ]
    stars_header = ["", "1", "2", "3", "4", "5", _("none")]
    stars_body = [
        [_("before"), *(str(whatif.stars_before[k]) for k in STAR_KEYS)],
        [_("after"), *(str(whatif.stars_after[k]) for k in STAR_KEYS)],
    ]
    lines += table_lines(stars_header, stars_body, range(1, 7), indent="    ")
    if whatif.awards:
        lines += ["", "  " + _("award winners (one per employee and period instance)")]
        award_body = [
            [name, str(b), str(a), signed(Decimal(a - b))] for name, b, a in whatif.awards
        ]
        lines += table_lines(
            ["", _("before"), _("after"), _("difference")], award_body, {1, 2, 3}, indent="    "
        )
    return lines


def _cell(change: RowChange, name: str) -> str:
    # Every digit (places=None): a change can be in the third decimal.
    before, after = change.value("before", name), change.value("after", name)
    if change.status != CHANGED:  # one side only: its value (the note says which side)
        text = show(before if change.status == ONLY_BEFORE else after, places=None)
    elif not _differs(name, change.before or {}, change.after or {}):
        return show(after, places=None)
    else:
        text = f"{show(before, places=None)} -> {show(after, places=None)}"
    if name == "reward":
        text += f" ({signed(change.difference('reward') or Decimal(0))})"
    return text


def _awards_cell(change: RowChange) -> str:
    if change.status == CHANGED and "awards" not in change.changed:
        return _(", ").join(change.value("after", "awards") or []) or "-"  # type: ignore[arg-type]
    parts = [f"+{a}" for a in change.awards_gained] + [f"-{a}" for a in change.awards_lost]
    return _(", ").join(parts) or "-"


def _note(change: RowChange) -> str:
    if change.status == ONLY_BEFORE:
        return _("rated only before")
    if change.status == ONLY_AFTER:
        return _("rated only after")
    before, after = change.before or {}, change.after or {}
    if before["vetoed"] and not after["vetoed"]:
        return _("no longer vetoed")
    if after["vetoed"] and not before["vetoed"]:
        return _("now vetoed: {reasons}").format(reasons=_(", ").join(after["veto_reasons"]))
    if "veto_reasons" in change.changed:
        return _("veto: {before} -> {after}").format(
            before=_(", ").join(before["veto_reasons"]), after=_(", ").join(after["veto_reasons"])
        )
    return ""


__all__ = [
    "CHANGED",
    "ONLY_AFTER",
    "ONLY_BEFORE",
    "RowChange",
    "WhatIf",
    "WhatIfError",
    "diff_runs",
    "evaluate_whatif",
    "plan_whatif",
    "render_text",
    "star_distribution",
]
