"""Run results as people read them: a terminal table, CSV, or the JSON contract."""

from __future__ import annotations

import csv
import io
import unicodedata
from decimal import Decimal

from ..engine.runs import RunDocument, document_json


def width(text: str) -> int:
    """Terminal columns of ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(size - width(text), 0)
    return fill + text if right else text + fill


def show(value: object) -> str:
    """A value for a table cell: decimals rounded to 2 places for reading (JSON and CSV
    keep every digit)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "-"
    return str(value)


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
        numeric = set(range(2, len(header) - 1))
        sizes = [max(width(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        for cells in [header, *body]:
            lines.append(
                "  "
                + "  ".join(
                    pad(str(c), sizes[i], right=i in numeric) for i, c in enumerate(cells)
                ).rstrip()
            )
    return "\n".join(lines) + "\n"


CSV_FIELDS = ["policy", "version", "run_id", "employee_id", "period", "period_start",
              "period_end", "vetoed", "veto_reasons", "red", "green", "net", "stars", "reward",
              "awards"]  # fmt: skip


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
                    row["period"], row["period_start"], row["period_end"],
                    "true" if row["vetoed"] else "false", ";".join(row["veto_reasons"]),
                    _csv(row["red"]), _csv(row["green"]), _csv(row["net"]), _csv(row["stars"]),
                    _csv(row["reward"]), ";".join(row["awards"]),
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
    return str(value)


def render_json(documents: list[RunDocument], single: bool) -> str:
    if single and len(documents) == 1:
        return document_json(documents[0].to_json()) + "\n"
    return document_json([d.to_json() for d in documents]) + "\n"
