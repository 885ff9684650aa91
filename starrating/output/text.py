"""A run's results for a terminal.

Enters: a run document (header and result rows) and the employees' names. Leaves: the
text `starrating run` prints: a title line, then a table per period instance (values
rounded for reading by :func:`~.values.show`).
"""

from __future__ import annotations

from ..engine.runs import RunDocument
from .table import table_lines
from .values import show


def render_table(document: RunDocument, names: dict[str, str] | None = None) -> str:
    run = document.run
    names = names or {}
    lines = [
        f"{run['policy']} (version {run['version']})  period {run['period']}  "
        f"as of {run['as_of']}  run {run['run_id']}"
    ]
    by_period: dict[str, list[dict]] = {}
    for row in document.results:
        by_period.setdefault(row["period"], []).append(row)
    if not by_period:
        lines.append("(nobody is rated in this period)")
    for period, rows in by_period.items():
        first = rows[0]
        lines.append("")
        lines.append(f"{period}  ({first['period_start']} to {first['period_end']})")
        value_names = list(first["values"])
        header = ["employee", "name", *value_names, "red", "green", "net", "stars", "reward",
                  "awards / veto"]  # fmt: skip
        body = []
        for row in rows:
            notes = ", ".join(row["awards"])
            if row["vetoed"]:
                notes = "VETO: " + ", ".join(row["veto_reasons"])
            body.append(
                [
                    row["employee_id"], names.get(row["employee_id"], ""),
                    *(show(row["values"].get(v)) for v in value_names),
                    show(row["red"]), show(row["green"]), show(row["net"]), show(row["stars"]),
                    show(row["reward"]), notes,
                ]
            )  # fmt: skip
        lines += table_lines(header, body, numeric=range(2, len(header) - 1), indent="  ")
    return "\n".join(lines) + "\n"
