"""A recorded run as an Excel workbook, written with the standard library.

Enters: :class:`~.documents.ReportData` and a path. Leaves: an .xlsx file (zipfile and
SpreadsheetML text, inline strings and numeric cells) with three sheets: Summary (the
run's facts and each period instance's summaries), Results (one row a result) and
Contributions (one row a rule's effect, with its policy line).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from os import PathLike
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from ..store.records import total_reward
from .documents import DIGESTS, ReportData, award_winners, distribution, level_text
from .values import ROW_FIELDS

Cell = str | int | Decimal | bool | None

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_CELL_TEXT = 32767


def _x(text: str) -> str:
    return xml_escape(_ILLEGAL_XML.sub("", text))


def sheet_name(name: str, taken: set[str] = frozenset()) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\, not blank."""
    base = _BAD_SHEET_CHARS.sub("_", _ILLEGAL_XML.sub("", name)).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: Cell, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal):
        return f'<c r="{ref}"{s}><v>{format(Decimal(value).normalize(), "f")}</v></c>'
    text = _x(str(value)[:MAX_CELL_TEXT])
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(rows: list[tuple[list[Cell], bool]]) -> str:
    """``rows``: cells and whether the row is a header (bold)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        "<sheetData>",
    ]
    for r, (cells, bold) in enumerate(rows, 1):
        body = "".join(
            _cell(f"{column_letter(c)}{r}", v, 1 if bold else 0) for c, v in enumerate(cells)
        )
        out.append(f'<row r="{r}">{body}</row>')
    out += ["</sheetData>", "</worksheet>"]
    return "".join(out)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/{kind}" Target="{target}"/>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def write_workbook(sheets: list[tuple[str, list[tuple[list[Cell], bool]]]],
                   path: str | PathLike[str]) -> None:  # fmt: skip
    """Write an .xlsx of ``sheets`` (name, rows) to ``path``."""
    names: list[str] = []
    for name, _rows in sheets:
        names.append(sheet_name(name, set(names)))
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<sheets>"
        + "".join(
            f'<sheet name={quoteattr(_ILLEGAL_XML.sub("", n))} sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, 1)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            REL.format(n=i, kind="worksheet", target=f"worksheets/sheet{i}.xml")
            for i in range(1, len(names) + 1)
        )
        + REL.format(n=len(names) + 1, kind="styles", target="styles.xml")
        + "</Relationships>"
    )
    content_types = CONTENT_TYPES.format(
        sheets="".join(SHEET_TYPE.format(n=i) for i in range(1, len(names) + 1))
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/styles.xml", STYLES)
        for i, (_name, rows) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows))


def _number(value: object) -> Cell:
    """A JSON value as a cell: numbers stay numbers, lists are joined."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None or isinstance(value, str | int | Decimal | bool):
        return value
    return str(value)


def summary_rows(data: ReportData) -> list[tuple[list[Cell], bool]]:
    run = data.run
    rows: list[tuple[list[Cell], bool]] = [(["run"], True)]
    for key in ("policy", "version", "period", "as_of", "run_id", "official", "amends",
                "amend_reason", "created_at", "engine_version", *DIGESTS):  # fmt: skip
        if key in ("amends", "amend_reason") and not run.get("amends"):
            continue
        rows.append(([key, _number(run[key])], False))
    # Empty for a run recorded before runs kept them (docs/data.md section 5).
    rows.append((["events_seen", _number(run.get("events_seen"))], False))
    rows += [(["warning", str(w)], False) for w in run.get("warnings") or []]
    for period, prows in data.periods().items():
        rows.append(([], False))
        rows.append(([f"period {period}", prows[0]["period_start"], prows[0]["period_end"]],
                     True))  # fmt: skip
        rows.append((["rated", len(prows)], False))
        rows.append((["vetoed", sum(1 for r in prows if r["vetoed"])], False))
        rows.append((["total reward", total_reward(prows)], False))
        rows.append((["stars", "employees"], True))
        for level, count in distribution(prows):
            rows.append(([level_text(level), count], False))
        winners = award_winners(prows)
        if winners:
            rows.append((["award", "employee", "name"], True))
            for award, employees in winners.items():
                for employee in employees:
                    rows.append(([award, employee, data.name(employee)], False))
    return rows


RESULT_COLUMNS = ["employee_id", "name", *ROW_FIELDS]


def result_rows(data: ReportData) -> list[tuple[list[Cell], bool]]:
    value_names = data.value_names()
    rows: list[tuple[list[Cell], bool]] = [
        ([*RESULT_COLUMNS, *(f"value:{v}" for v in value_names)], True)
    ]
    for r in data.rows:
        cells: list[Cell] = [
            _number(data.name(r["employee_id"])) if f == "name" else _number(r[f])
            for f in RESULT_COLUMNS
        ]
        cells += [_number(r["values"].get(v)) for v in value_names]
        rows.append((cells, False))
    return rows


def contribution_rows(data: ReportData) -> list[tuple[list[Cell], bool]]:
    source = str(data.run.get("policy_text") or "").split("\n")
    rows: list[tuple[list[Cell], bool]] = [
        (["period", "employee_id", "name", "line", "source", "kind", "label", "amount",
          "detail", "events", "event_ids"], True)
    ]  # fmt: skip
    for c in data.contributions:
        text = source[c.line - 1].strip() if 0 < c.line <= len(source) else ""
        rows.append(
            ([c.period, c.employee_id, data.name(c.employee_id), c.line, text, c.kind,
              c.label, c.amount, c.detail, len(c.event_ids), ", ".join(c.event_ids)], False)
        )  # fmt: skip
    return rows


def write_xlsx(data: ReportData, path: str | PathLike[str]) -> None:
    write_workbook(
        [
            ("Summary", summary_rows(data)),
            ("Results", result_rows(data)),
            ("Contributions", contribution_rows(data)),
        ],
        path,
    )
