"""A run's results for a terminal.

Enters: a run document (header and result rows; with the policy evaluated, when the run
was evaluated in this process) and the employees' names. Leaves: the text `starrating
run` prints: a title line, then per period instance its label and dates on a line of
their own and a table (values rounded for reading by :func:`~.values.show`). The result
columns the policy never fills (a policy without `red` or `green` lines has no tallies)
are left out (:mod:`.columns`); columns are aligned by display width (:mod:`.table`), so
Chinese names and headings line up.

Every text a person reads here is in :data:`TEXTS`, so that translating the table changes
one table.
"""

from __future__ import annotations

from ..engine.periods import parse_label
from ..engine.runs import RunDocument
from ..language import ast as A
from .columns import PolicyShape
from .table import table_lines
from .values import show

TEXTS: dict[str, str] = {
    "title": "{policy} (version {version})  period {period}  as of {as_of}  run {run_id}",
    "instance": "{period}  ({start} to {end})",
    "nobody": "(nobody is rated in this period)",
    "employee": "employee",
    "name": "name",
    "red": "red",
    "green": "green",
    "net": "net",
    "stars": "stars",
    "reward": "reward",
    "notes": "awards / veto",
    "veto": "VETO: {reasons}",
}


def render_table(document: RunDocument, names: dict[str, str] | None = None) -> str:
    run = document.run
    names = names or {}
    shape = PolicyShape(document.evaluation.policy if document.evaluation is not None else None)
    lines = [
        TEXTS["title"].format(policy=run["policy"], version=run["version"],
                              period=run["period"], as_of=run["as_of"], run_id=run["run_id"])
    ]  # fmt: skip
    by_period: dict[str, list[dict]] = {}
    for row in document.results:
        by_period.setdefault(row["period"], []).append(row)
    if not by_period:
        lines.append(TEXTS["nobody"])
    for period, rows in by_period.items():
        first = rows[0]
        lines.append("")
        # The label and dates stand on their own line, never inside a column that could
        # break "2026-10" across two lines.
        lines.append(
            TEXTS["instance"].format(
                period=period, start=first["period_start"], end=first["period_end"]
            )
        )
        value_names = list(first["values"])
        columns = shape.columns([period])
        notes = shape.has(parse_label(period).kind, A.Award, A.Veto) or any(
            r["awards"] or r["vetoed"] for r in rows
        )
        header = [TEXTS["employee"], TEXTS["name"], *value_names, *(TEXTS[c] for c in columns)]
        header += [TEXTS["notes"]] if notes else []
        body = []
        for row in rows:
            cells = [row["employee_id"], names.get(row["employee_id"], "")]
            cells += [show(row["values"].get(v)) for v in value_names]
            cells += [show(row[c]) for c in columns]
            if notes:
                cells.append(_note(row))
            body.append(cells)
        numeric = range(2, 2 + len(value_names) + len(columns))
        lines += table_lines(header, body, numeric=numeric, indent="  ")
    return "\n".join(lines) + "\n"


def _note(row: dict) -> str:
    if row["vetoed"]:
        return TEXTS["veto"].format(reasons=", ".join(row["veto_reasons"]))
    return ", ".join(row["awards"])
