"""Runs' results as CSV, one line a result row.

Enters: run documents. Leaves: CSV text with a header line: the run (policy, version,
run id), the row's fields and one ``value:NAME`` column per value any row has. Numbers
keep every digit; booleans are ``true``/``false``; lists are joined with ``;``.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ..engine.runs import RunDocument
from .values import ROW_FIELDS

CSV_FIELDS = ["policy", "version", "run_id", "employee_id", *ROW_FIELDS]


def render_csv(documents: list[RunDocument]) -> str:
    value_names: list[str] = []
    for document in documents:
        for row in document.results:
            value_names += [v for v in row["values"] if v not in value_names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS + [f"value:{v}" for v in value_names])
    for document in documents:
        run = document.run
        for row in document.results:
            writer.writerow(
                [
                    run["policy"], run["version"], run["run_id"], row["employee_id"],
                    *(_csv(row[name]) for name in ROW_FIELDS),
                    *(_csv(row["values"].get(v)) for v in value_names),
                ]
            )  # fmt: skip
    return out.getvalue()


def _csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)
