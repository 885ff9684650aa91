"""`starrating report RUN_ID (--html FILE | --xlsx FILE)`: a recorded run as people read it.

Everything comes from what the run stored (its header, its result rows, its contributions)
plus the employees' names from the roster, so a report never depends on today's policy
files. The HTML is one self-contained page; the .xlsx is written with the standard library
(zipfile and SpreadsheetML text), with inline strings and numeric cells.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import duckdb

from ..audit.runs import unknown_run_message
from .reports import show


class ReportError(Exception):
    """No such run in the store (exit status 1)."""


RUN_FIELDS = ("run_id", "policy", "version", "period", "as_of", "policy_sha256",
              "events_sha256", "roster_sha256", "results_sha256", "engine_version",
              "created_at", "official", "amends", "amend_reason", "policy_text")  # fmt: skip
DIGESTS = ("policy_sha256", "events_sha256", "roster_sha256", "results_sha256")
TOP = 10


@dataclass
class Contribution:
    period: str
    employee_id: str
    line: int
    kind: str
    label: str | None
    amount: Decimal | None
    detail: str | None
    event_ids: list[str]


@dataclass
class ReportData:
    run: dict[str, object]
    rows: list[dict]
    names: dict[str, str] = field(default_factory=dict)
    contributions: list[Contribution] = field(default_factory=list)

    def name(self, employee_id: str) -> str:
        return self.names.get(employee_id, "")

    def periods(self) -> dict[str, list[dict]]:
        """Rows by period instance, in the run's order (by period end)."""
        out: dict[str, list[dict]] = {}
        for row in self.rows:
            out.setdefault(row["period"], []).append(row)
        return out

    def value_names(self) -> list[str]:
        names: list[str] = []
        for row in self.rows:
            names += [v for v in row["values"] if v not in names]
        return names


def load_report(con: duckdb.DuckDBPyConnection, run_id: str) -> ReportData:
    has_runs = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'runs'"
    ).fetchone()
    if not has_runs or not has_runs[0]:
        raise ReportError(f"no run {run_id} in this store: it has no recorded runs")
    row = con.execute(
        "SELECT run_id, policy, version, period, strftime(as_of, '%Y-%m-%dT%H:%M:%SZ'), "
        "policy_sha256, events_sha256, roster_sha256, results_sha256, engine_version, "
        "strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'), official, amends, amend_reason, "
        "policy_text FROM runs WHERE run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        raise ReportError(unknown_run_message(con, run_id, "this store"))
    run = dict(zip(RUN_FIELDS, row, strict=True))
    rows = [
        json.loads(text, parse_float=Decimal)
        for (text,) in con.execute(
            "SELECT row_json FROM results WHERE run_id = ? ORDER BY position", [run_id]
        ).fetchall()
    ]
    rated = {r["employee_id"] for r in rows}
    names = {
        employee: name or ""
        for employee, name in con.execute(
            "SELECT employee_id, arg_max(name, version) FROM roster GROUP BY employee_id"
        ).fetchall()
        if employee in rated
    }
    contributions = [
        Contribution(p, e, line, kind, label, amount, detail, list(ids or []))
        for p, e, line, kind, label, amount, detail, ids in con.execute(
            "SELECT period, employee_id, line, kind, label, amount, detail, event_ids "
            "FROM contributions WHERE run_id = ? ORDER BY period, employee_id, line, kind",
            [run_id],
        ).fetchall()
    ]
    return ReportData(run, rows, names, contributions)


# ---- summaries shared by both formats ---------------------------------------------------


def star_levels(rows: list[dict]) -> list[Decimal | int | None]:
    """Star levels to count: 5 down to 1, any other level a row has (half stars), then
    None (no stars)."""
    levels = {Decimal(n) for n in range(1, 6)}
    levels |= {Decimal(r["stars"]) for r in rows if r["stars"] is not None}
    return [*sorted(levels, reverse=True), None]


def distribution(rows: list[dict]) -> list[tuple[Decimal | None, int]]:
    counts: dict[Decimal | None, int] = {}
    for row in rows:
        level = None if row["stars"] is None else Decimal(row["stars"])
        counts[level] = counts.get(level, 0) + 1
    return [(level, counts.get(level, 0)) for level in star_levels(rows)]


def leaderboard(rows: list[dict], top: int = TOP) -> list[dict]:
    """Stars (none last), then net, then reward, all descending; then employee id."""

    def key(row: dict) -> tuple:
        stars = row["stars"]
        return (
            stars is None,
            -(stars or 0),
            -(row["net"] or 0),
            -(row["reward"] or 0),
            row["employee_id"],
        )

    return sorted(rows, key=key)[:top]


def award_winners(rows: list[dict]) -> dict[str, list[str]]:
    """Award name -> employee ids, awards in the policy's order."""
    out: dict[str, list[str]] = {}
    for row in rows:
        for award in row["awards"]:
            out.setdefault(award, []).append(row["employee_id"])
    return out


def total_reward(rows: list[dict]) -> Decimal:
    return sum((Decimal(r["reward"] or 0) for r in rows), Decimal(0))


def _level(level: Decimal | None) -> str:
    return "no stars" if level is None else f"{show(level)} ★"


# ---- HTML -------------------------------------------------------------------------------

CSS = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em;
       color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid
  #ccc; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.header { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.header dt { font-weight: bold; } dl.header dd { margin: 0; }
code { font-size: 0.9em; word-break: break-all; }
.bar { display: inline-block; height: 0.9em; background: #f0b400; vertical-align: middle; }
.bar.none { background: #aaa; }
td.barcell { width: 20em; }
.veto { color: #b00020; }
"""


def _e(value: object) -> str:
    return html.escape(value if isinstance(value, str) else show(value), quote=True)


def _table(header: list[str], body: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """``body`` cells are HTML already (escaped by the caller)."""
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header)
           + "</tr></thead>", "<tbody>"]  # fmt: skip
    for cells in body:
        out.append(
            "<tr>"
            + "".join(
                f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(data: ReportData) -> str:
    run = data.run
    title = f"{run['policy']} (version {run['version']}) {run['period']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(run['policy'])}</h1>",
        '<dl class="header">',
    ]
    facts = [
        ("policy", run["policy"]),
        ("version", run["version"]),
        ("period", run["period"]),
        ("as of", run["as_of"]),
        ("run id", run["run_id"]),
        ("official", "yes" if run["official"] else "no"),
    ]
    if run.get("amends"):
        facts += [("amends", run["amends"]), ("amend reason", run["amend_reason"] or "")]
    facts += [("recorded", run["created_at"]), ("engine", run["engine_version"])]
    for name, value in facts:
        parts.append(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>")
    for name in DIGESTS:
        parts.append(f"<dt>{_e(name)}</dt><dd><code>{_e(run[name])}</code></dd>")
    parts.append("</dl>")

    by_period = data.periods()
    if not by_period:
        parts.append("<p>Nobody is rated in this period.</p>")
    for period, rows in by_period.items():
        first = rows[0]
        parts.append(
            f"<h2>{_e(period)} <small>({_e(first['period_start'])} to "
            f"{_e(first['period_end'])})</small></h2>"
        )
        parts.append(
            f"<p>{len(rows)} rated, {sum(1 for r in rows if r['vetoed'])} vetoed, "
            f"total reward <strong>{_e(total_reward(rows))}</strong></p>"
        )
        # star distribution
        dist = distribution(rows)
        most = max(count for _, count in dist) or 1
        body = []
        for level, count in dist:
            css = "bar none" if level is None else "bar"
            bar = f'<span class="{css}" style="width:{round(100 * count / most)}%"></span>'
            body.append([_e(_level(level)), str(count), bar])
        parts.append("<h3>Star distribution</h3>")
        parts.append(
            _table(["stars", "employees", ""], body, {1}).replace(
                "<td><span", '<td class="barcell"><span'
            )
        )
        # leaderboard
        body = [
            [str(i), _e(r["employee_id"]), _e(data.name(r["employee_id"])), _e(r["stars"]),
             _e(r["net"]), _e(r["reward"]), _e(r["awards"])]
            for i, r in enumerate(leaderboard(rows), 1)
        ]  # fmt: skip
        parts.append(f"<h3>Leaderboard (top {min(TOP, len(rows))})</h3>")
        header = ["#", "employee", "name", "stars", "net", "reward", "awards"]
        parts.append(_table(header, body, {0, 3, 4, 5}))
        # awards
        parts.append("<h3>Awards</h3>")
        winners = award_winners(rows)
        if winners:
            body = [
                [_e(award), "<br>".join(
                    f"{_e(e)} {_e(data.name(e))}".rstrip() for e in employees
                )]
                for award, employees in winners.items()
            ]  # fmt: skip
            parts.append(_table(["award", "winners"], body))
        else:
            parts.append("<p>No awards.</p>")
        # vetoes
        vetoed = [r for r in rows if r["vetoed"]]
        if vetoed:
            parts.append("<h3>Vetoed</h3>")
            body = [
                [_e(r["employee_id"]), _e(data.name(r["employee_id"])),
                 f'<span class="veto">{_e(r["veto_reasons"])}</span>']
                for r in vetoed
            ]  # fmt: skip
            parts.append(_table(["employee", "name", "reasons"], body))

    # per-employee detail
    value_names = data.value_names()
    parts.append("<h2>Per-employee detail</h2>")
    header_cells = ["employee", "name", "period", *value_names, "red", "green", "net", "stars",
                    "reward", "awards", "veto"]  # fmt: skip
    body = []
    for r in data.rows:
        veto = f'<span class="veto">{_e(r["veto_reasons"])}</span>' if r["vetoed"] else ""
        body.append(
            [_e(r["employee_id"]), _e(data.name(r["employee_id"])), _e(r["period"]),
             *(_e(r["values"].get(v)) for v in value_names),
             _e(r["red"]), _e(r["green"]), _e(r["net"]), _e(r["stars"]), _e(r["reward"]),
             _e(r["awards"]), veto]
        )  # fmt: skip
    numeric = set(range(3, 3 + len(value_names) + 5))
    parts.append(_table(header_cells, body, numeric))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


# ---- XLSX -------------------------------------------------------------------------------

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
    for period, prows in data.periods().items():
        rows.append(([], False))
        rows.append(([f"period {period}", prows[0]["period_start"], prows[0]["period_end"]],
                     True))  # fmt: skip
        rows.append((["rated", len(prows)], False))
        rows.append((["vetoed", sum(1 for r in prows if r["vetoed"])], False))
        rows.append((["total reward", total_reward(prows)], False))
        rows.append((["stars", "employees"], True))
        for level, count in distribution(prows):
            rows.append(([_level(level), count], False))
        winners = award_winners(prows)
        if winners:
            rows.append((["award", "employee", "name"], True))
            for award, employees in winners.items():
                for employee in employees:
                    rows.append(([award, employee, data.name(employee)], False))
    return rows


RESULT_FIELDS = ["employee_id", "name", "period", "period_start", "period_end", "vetoed",
                 "veto_reasons", "red", "green", "net", "stars", "reward", "awards"]  # fmt: skip


def result_rows(data: ReportData) -> list[tuple[list[Cell], bool]]:
    value_names = data.value_names()
    rows: list[tuple[list[Cell], bool]] = [
        ([*RESULT_FIELDS, *(f"value:{v}" for v in value_names)], True)
    ]
    for r in data.rows:
        cells: list[Cell] = [
            _number(data.name(r["employee_id"])) if f == "name" else _number(r[f])
            for f in RESULT_FIELDS
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
