"""A run's results for a terminal.

Enters: a run document (header and result rows; with the policy evaluated, when the run
was evaluated in this process) and the employees' names. Leaves: the text `starrating
run` prints: a title line, then per period instance its label and dates on a line of
their own and a table (values rounded for reading by :func:`~.values.show`). The result
columns the policy never fills (a policy without `red` or `green` lines has no tallies)
are left out (:mod:`.columns`); columns are aligned by display width (:mod:`.table`), so
Chinese names and headings line up.

Every text a person reads here is in :data:`TEXTS`, marked for the gettext catalog and
translated when the table is written (the language is the command's, set after import).
"""

from __future__ import annotations

from functools import partial

from ..engine.periods import parse_label
from ..engine.runs import RunDocument
from ..i18n import N_
from ..language import ast as A
from .columns import PolicyShape
from .table import table_lines
from .values import joined, show, text_of

TEXTS: dict[str, str] = {
    "title": N_("{policy} (version {version})  period {period}  as of {as_of}  run {run_id}"),
    "instance": N_("{period}  ({start} to {end})"),
    "nobody": N_("(nobody is rated in this period)"),
    "employee": N_("employee"),
    "name": N_("name"),
    "red": N_("red"),
    "green": N_("green"),
    "net": N_("net"),
    "stars": N_("stars"),
    "reward": N_("reward"),
    "notes": N_("awards / veto"),
    "veto": N_("VETO: {reasons}"),
}


# The text of a key of TEXTS in the current language.
text = partial(text_of, TEXTS)


def render_table(document: RunDocument, names: dict[str, str] | None = None) -> str:
    run = document.run
    names = names or {}
    shape = PolicyShape(document.evaluation.policy if document.evaluation is not None else None)
    lines = [
        text("title").format(policy=run["policy"], version=run["version"],
                              period=run["period"], as_of=run["as_of"], run_id=run["run_id"])
    ]  # fmt: skip
    by_period: dict[str, list[dict]] = {}
    for row in document.results:
        by_period.setdefault(row["period"], []).append(row)
    if not by_period:
        lines.append(text("nobody"))
    for period, rows in by_period.items():
        first = rows[0]
        lines.append("")
        # The label and dates stand on their own line, never inside a column that could
        # break "2026-10" across two lines.
        lines.append(
            text("instance").format(
                period=period, start=first["period_start"], end=first["period_end"]
            )
        )
        value_names = list(first["values"])
        columns = shape.columns([period])
        notes = shape.has(parse_label(period).kind, A.Award, A.Veto) or any(
            r["awards"] or r["vetoed"] for r in rows
        )
        header = [text("employee"), text("name"), *value_names, *(text(c) for c in columns)]
        header += [text("notes")] if notes else []
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
        return text("veto").format(reasons=joined(row["veto_reasons"]))
    return joined(row["awards"])
