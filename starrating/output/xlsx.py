"""A recorded run as an Excel workbook, written with XlsxWriter.

Enters: :class:`~.documents.ReportData` and a path. Leaves: an .xlsx file with a Summary
sheet (the run's facts; per period instance its counts, star distribution, leaderboard and
award winners), a Charts sheet (native column/bar charts of the star distribution and of
the reward by department, with the tables they plot), one sheet of result rows per period
kind (Weeks, Months...) and a Contributions sheet (each rule's effect, worded as `explain`
words it). Every table has a bold frozen header row, an autofilter, columns fitted to their
content and number formats; numbers stay numeric cells holding the exact stored value.

Every word the workbook shows (sheet names, headings, labels) is in :data:`TEXTS` and
translated through the gettext catalog when the workbook is written (zh-CN: Chinese sheet
names and headings); the values (names, labels, award names) are the data's own, and
number formats are the same in every language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from os import PathLike

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from ..audit.explain import effect_text
from ..engine.periods import KINDS, parse_label
from ..i18n import N_
from ..store.records import as_decimal, total_reward
from .documents import DIGESTS, ReportData, award_winners, distribution, leaderboard
from .values import joined, show, text_of

# Every heading, label and sheet name the workbook shows, keyed by an id, marked for the
# gettext catalog and translated by :func:`text` when the workbook is written. The digests'
# names stay as they are: they are the fields a reviewer compares with the JSON.
TEXTS: dict[str, str] = {
    "sheet.summary": N_("Summary"),
    "sheet.charts": N_("Charts"),
    "sheet.contributions": N_("Contributions"),
    "sheet.week": N_("Weeks"),
    "sheet.month": N_("Months"),
    "sheet.quarter": N_("Quarters"),
    "sheet.half": N_("Half years"),
    "sheet.year": N_("Years"),
    "run.title": N_("Star rating report"),
    "run.policy": N_("Policy"),
    "run.version": N_("Version"),
    "run.period": N_("Period"),
    "run.as_of": N_("As of"),
    "run.run_id": N_("Run id"),
    "run.official": N_("Official"),
    "run.amends": N_("Amends run"),
    "run.amend_reason": N_("Reason for the amendment"),
    "run.created_at": N_("Recorded at"),
    "run.engine_version": N_("Engine version"),
    "run.policy_sha256": "policy_sha256",
    "run.events_sha256": "events_sha256",
    "run.roster_sha256": "roster_sha256",
    "run.results_sha256": "results_sha256",
    "run.run_sha256": "run_sha256",
    "run.previous_run_sha256": "previous_run_sha256",
    "run.events_seen": N_("Events seen"),
    "run.warning": N_("Warning"),
    "period.heading": N_("Period {period}"),
    "period.from_to": N_("{start} to {end}"),
    "period.rated": N_("Rated"),
    "period.vetoed": N_("Vetoed"),
    "period.total_reward": N_("Total reward"),
    "period.leaderboard": N_("Leaderboard (top {top})"),
    "col.stars_level": N_("Stars"),
    "col.employees": N_("Employees"),
    "col.rank": N_("Rank"),
    "col.award": N_("Award"),
    "col.employee_id": N_("Employee"),
    "col.name": N_("Name"),
    "col.department": N_("Department"),
    "col.period": N_("Period"),
    "col.period_start": N_("Start"),
    "col.period_end": N_("End"),
    "col.red": N_("Red"),
    "col.green": N_("Green"),
    "col.net": N_("Net"),
    "col.stars": N_("Stars"),
    "col.reward": N_("Reward"),
    "col.awards": N_("Awards"),
    "col.vetoed": N_("Vetoed"),
    "col.veto_reasons": N_("Veto reasons"),
    "col.line": N_("Line"),
    "col.source": N_("Policy line"),
    "col.kind": N_("Kind"),
    "col.label": N_("Label"),
    "col.amount": N_("Amount"),
    "col.effect": N_("Effect"),
    "col.events": N_("Events"),
    "col.event_ids": N_("Event ids"),
    "stars.none": N_("No stars"),
    "stars.level": N_("{level} ★"),
    "department.none": N_("(no department)"),
    "chart.stars": N_("Star distribution"),
    "chart.reward": N_("Reward by department"),
    "chart.no_stars": N_("No star chart: the policy gives no stars."),
    "chart.no_reward": N_("No reward chart: the policy pays no reward."),
    "chart.no_reward_paid": N_("No reward chart: the run pays nobody a reward."),
}

# Excel's own limits: a sheet name is at most 31 characters, none of []:*?/\ and not
# starting or ending with an apostrophe; a cell holds at most 32767 characters.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32767
# Column widths in Excel's character units: wide enough for a digest, not for a paragraph.
MIN_WIDTH, MAX_WIDTH = 6, 70

# Money shows at least 2 decimals and up to the 6 a value stores, so 200.125 is not shown
# as 200.13 while the cell (and the JSON) hold 200.125. A whole number shows no decimal
# point; any other number every digit it has (at most 6, docs/language.md 9.1).
MONEY_FORMAT = "#,##0.00####"
WHOLE_FORMAT = "0"
DECIMAL_FORMAT = "0.0#####"
DATE_FORMAT = "yyyy-mm-dd"
A4 = 9  # Excel's paper size code


@dataclass(frozen=True)
class Money:
    """A cell shown as money (a reward)."""

    amount: Decimal


Cell = str | int | Decimal | Money | bool | date | None


# The text of a key of TEXTS in the current language, fields filled in after translation.
text = partial(text_of, TEXTS)


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid worksheet name for ``name`` (any script): at most 31 characters, none of
    []:*?/\\, not blank, and unlike every name in ``taken`` (Excel ignores case)."""
    base = _BAD_SHEET_CHARS.sub("_", _ILLEGAL_XML.sub("", name)).strip().strip("'")
    base = base[:MAX_SHEET_NAME].strip() or "Sheet"
    used = {t.lower() for t in taken}
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    return candidate


def display_width(value: str) -> int:
    """How many character cells ``value`` takes: CJK (wide and full-width) characters two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def _number(value: object) -> Decimal | None:
    """A numeric value of a row as an exact Decimal (JSON floats via their shortest text)."""
    if value is None or isinstance(value, bool):
        return None
    return as_decimal(value) if isinstance(value, int | float | Decimal) else None


def _value_cell(value: object) -> Cell:
    """A value of a result row (a let/score) as a cell: numbers stay numbers."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    number = _number(value)
    return number if number is not None else str(value)


def _column_cell(column: str, value: object) -> Cell:
    """One of red, green, net, stars, reward as a cell."""
    number = _number(value)
    if number is None:
        return None
    return Money(number) if column == "reward" else number


# ---- the sheets as rows ---------------------------------------------------------------

# How a row is styled: a title, a bold heading row, or plain cells; a FACT row is plain
# but its long values (digests, the period's dates) spill into the empty cells beside them
# rather than widen their column for the tables below; so does a NOTE (a sentence).
TITLE, HEADING, PLAIN, FACT, NOTE = "title", "heading", "plain", "fact", "note"
Row = tuple[list[Cell], str]


def summary_rows(data: ReportData) -> list[Row]:
    """The Summary sheet: the run's facts, then each period instance's summaries."""
    run = data.run
    rows: list[Row] = [([text("run.title")], TITLE)]
    for key in ("policy", "version", "period", "as_of", "run_id", "official", "amends",
                "amend_reason", "created_at", "engine_version", *DIGESTS):  # fmt: skip
        if key in ("amends", "amend_reason") and not run.get("amends"):
            continue
        rows.append(([text(f"run.{key}"), _value_cell(run.get(key))], FACT))
    # Empty for a run recorded before runs kept it (docs/data.md section 5).
    rows.append(([text("run.events_seen"), _value_cell(run.get("events_seen"))], FACT))
    rows += [([text("run.warning"), str(w)], FACT) for w in run.get("warnings") or []]
    for period, prows in data.periods().items():
        shown = data.shape.columns([period])
        rows.append(([], PLAIN))
        start, end = prows[0]["period_start"], prows[0]["period_end"]
        rows.append(
            ([text("period.heading", period=period), text("period.from_to", start=start,
              end=end)], TITLE)
        )  # fmt: skip
        rows.append(([text("period.rated"), len(prows)], PLAIN))
        rows.append(([text("period.vetoed"), sum(1 for r in prows if r["vetoed"])], PLAIN))
        if "reward" in shown:
            rows.append(([text("period.total_reward"), Money(total_reward(prows))], PLAIN))
        if "stars" in shown:
            rows.append(([text("col.stars_level"), text("col.employees")], HEADING))
            rows += [([level_label(level), count], PLAIN) for level, count in distribution(prows)]
        board_columns = [c for c in ("stars", "net", "reward") if c in shown]
        if board_columns:
            board = leaderboard(prows)
            rows.append(([text("period.leaderboard", top=len(board))], HEADING))
            rows.append(
                ([text("col.rank"), text("col.employee_id"), text("col.name"),
                  *(text(f"col.{c}") for c in board_columns)], HEADING)
            )  # fmt: skip
            for rank, r in enumerate(board, 1):
                cells = [_column_cell(c, r[c]) for c in board_columns]
                rows.append(([rank, r["employee_id"], data.name(r["employee_id"]), *cells], PLAIN))
        winners = award_winners(prows)
        if winners:
            rows.append(([text("col.award"), text("col.employee_id"), text("col.name")], HEADING))
            for award, employees in winners.items():
                rows += [([award, e, data.name(e)], PLAIN) for e in employees]
    return rows


def level_label(level: Decimal | None) -> str:
    """A star level as a category: ``5 ★``, ``4.5 ★``, or no stars."""
    return text("stars.none") if level is None else text("stars.level", level=show(level))


def result_table(data: ReportData, kind: str) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of one period kind's sheet; result columns no block of the kind
    fills are left out."""
    rows = [r for r in data.rows if parse_label(r["period"]).kind == kind]
    shown = data.shape.columns({r["period"] for r in rows})
    # The policy's order, as the page and the terminal table show them (a stored row
    # keeps its values sorted by name).
    value_names = data.shape.value_names(kind, rows)
    header = [text(f"col.{c}") for c in ("employee_id", "name", "department", "period",
                                          "period_start", "period_end")]  # fmt: skip
    header += value_names + [text(f"col.{c}") for c in shown]
    header += [text("col.awards"), text("col.vetoed"), text("col.veto_reasons")]
    body = [
        [r["employee_id"], data.name(r["employee_id"]), data.departments.get(r["employee_id"]),
         r["period"], date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"]),
         *(_value_cell(r["values"].get(v)) for v in value_names),
         *(_column_cell(c, r[c]) for c in shown),
         joined(r["awards"]), bool(r["vetoed"]), joined(r["veto_reasons"])]
        for r in rows
    ]  # fmt: skip
    return header, body


def contribution_table(data: ReportData) -> tuple[list[str], list[list[Cell]]]:
    """Each contribution with its policy line and what it did, worded as `explain` does."""
    source = str(data.run.get("policy_text") or "").split("\n")
    header = [text(f"col.{c}") for c in ("period", "employee_id", "name", "line", "source",
                                          "kind", "label", "amount", "effect", "events",
                                          "event_ids")]  # fmt: skip
    body = [
        [c.period, c.employee_id, data.name(c.employee_id), c.line,
         source[c.line - 1].strip() if 0 < c.line <= len(source) else "", c.kind, c.label,
         c.amount, effect_text(c), len(c.event_ids), joined(c.event_ids)]
        for c in data.contributions
    ]  # fmt: skip
    return header, body


def kinds_of(data: ReportData) -> list[str]:
    """The period kinds the run has rows of, shortest first."""
    present = {parse_label(r["period"]).kind for r in data.rows}
    return [kind for kind in KINDS if kind in present]


# ---- chart data -------------------------------------------------------------------------


def star_chart_table(data: ReportData) -> tuple[list[str], list[list[Cell]]] | None:
    """Star levels by the instances of the longest period kind that gives stars; None when
    no block gives stars."""
    kinds = [k for k in kinds_of(data) if "stars" in data.shape.columns(_labels(data, k))]
    if not kinds:
        return None
    periods = {p: rows for p, rows in data.periods().items() if parse_label(p).kind == kinds[-1]}
    counts = {p: dict(distribution(rows)) for p, rows in periods.items()}
    levels = distribution([r for rows in periods.values() for r in rows])
    header = [text("col.stars_level"), *periods]
    body = [[level_label(level), *(counts[p].get(level, 0) for p in periods)]
            for level, _total in levels]  # fmt: skip
    return header, body


def reward_chart_table(data: ReportData) -> tuple[list[str], list[list[Cell]]] | None:
    """Reward paid per roster department, a column per period kind that pays one; None when
    no block pays."""
    kinds = [k for k in kinds_of(data) if "reward" in data.shape.columns(_labels(data, k))]
    if not kinds:
        return None
    none = text("department.none")
    by_department: dict[str, dict[str, list]] = {}
    for r in data.rows:
        kind = parse_label(r["period"]).kind
        department = data.departments.get(r["employee_id"]) or none
        by_department.setdefault(department, {}).setdefault(kind, []).append(r)
    header = [text("col.department"), *(text(f"sheet.{k}") for k in kinds)]
    body = [
        [department, *(Money(total_reward(by_kind.get(k, []))) for k in kinds)]
        for department, by_kind in sorted(by_department.items(), key=lambda d: d[0] == none)
    ]
    return header, body


def _labels(data: ReportData, kind: str) -> list[str]:
    return [p for p in data.periods() if parse_label(p).kind == kind]


# ---- writing --------------------------------------------------------------------------


class _Writer:
    """Writes cells with the workbook's formats and fits each sheet's column widths."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.names: list[str] = []
        self.widths: dict[str, dict[int, int]] = {}
        self.formats: dict[str, Format] = {
            TITLE: workbook.add_format({"bold": True, "font_size": 13}),
            HEADING: workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF7"}),
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "whole": workbook.add_format({"num_format": WHOLE_FORMAT}),
            "decimal": workbook.add_format({"num_format": DECIMAL_FORMAT}),
            "date": workbook.add_format({"num_format": DATE_FORMAT}),
        }

    def sheet(self, name: str) -> Worksheet:
        name = sheet_name(name, self.names)
        self.names.append(name)
        worksheet = self.workbook.add_worksheet(name)
        # Printed on A4 across, as wide as one page: a clerk prints the sheet rather than
        # reading its columns spread over several pages.
        worksheet.set_paper(A4)
        worksheet.set_landscape()
        worksheet.fit_to_pages(1, 0)
        self.widths[worksheet.name] = {}
        return worksheet

    def cell(self, sheet: Worksheet, row: int, col: int, value: Cell, style: str = PLAIN) -> None:
        """Write ``value`` with the format its type calls for (a heading's is bold)."""
        row_format = self.formats.get(style)
        if value is None:
            if row_format is not None:
                sheet.write_blank(row, col, None, row_format)
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value, row_format)
            shown = "FALSE"
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self.formats["date"])
            shown = value.isoformat()
        elif isinstance(value, Money | int | Decimal):
            number = value.amount if isinstance(value, Money) else Decimal(value)
            kind = "money" if isinstance(value, Money) else _number_kind(number)
            # A stored value has at most 6 places and so survives the float a cell holds:
            # 0.666667 reads back as 0.666667.
            sheet.write_number(row, col, float(number), self.formats[kind])
            shown = _money_text(number) if kind == "money" else show(number)
        else:
            shown = _ILLEGAL_XML.sub("", str(value))[:MAX_CELL_TEXT]
            sheet.write_string(row, col, shown, row_format)
        if style in (PLAIN, HEADING) or (style == FACT and col == 0):
            widths = self.widths[sheet.name]
            widths[col] = max(widths.get(col, MIN_WIDTH), display_width(shown) + 2)

    def rows(self, sheet: Worksheet, rows: list[Row], first: int = 0, col: int = 0) -> None:
        for r, (cells, style) in enumerate(rows, first):
            for c, value in enumerate(cells, col):
                self.cell(sheet, r, c, value, style)

    def table(self, sheet: Worksheet, header: list[str], body: list[list[Cell]],
              first: int = 0, frozen: bool = True) -> None:  # fmt: skip
        """A table with its header row bold; frozen below the header and filtered when it
        is the sheet's one table."""
        self.rows(sheet, [(header, HEADING)], first)
        self.rows(sheet, [(cells, PLAIN) for cells in body], first + 1)
        if frozen:
            sheet.freeze_panes(first + 1, 0)
            sheet.autofilter(first, 0, first + len(body), len(header) - 1)
            sheet.repeat_rows(first)  # the header on every printed page

    def fit_columns(self) -> None:
        for worksheet in self.workbook.worksheets():
            for col, width in self.widths[worksheet.name].items():
                worksheet.set_column(col, col, min(width, MAX_WIDTH))


def _number_kind(number: Decimal) -> str:
    return "whole" if number == number.to_integral_value() else "decimal"


def _money_text(amount: Decimal) -> str:
    """Money as :data:`MONEY_FORMAT` shows it (for the column width): ``1,234.50``."""
    places = max(2, -amount.normalize().as_tuple().exponent)
    return f"{amount:,.{places}f}"


def _chart(writer: _Writer, sheet: Worksheet, table: tuple[list[str], list[list[Cell]]],
           first: int, kind: str, title: str, values_name: str) -> None:  # fmt: skip
    """The table at row ``first`` and, to its right, a native chart of it: a series per
    column after the first, the first column as the categories."""
    header, body = table
    writer.table(sheet, header, body, first, frozen=False)
    chart = writer.workbook.add_chart({"type": kind})
    last = first + len(body)
    for col in range(1, len(header)):
        chart.add_series({
            "name": [sheet.name, first, col],
            "categories": [sheet.name, first + 1, 0, last, 0],
            "values": [sheet.name, first + 1, col, last, col],
        })  # fmt: skip
    chart.set_title({"name": title})
    chart.set_legend({"position": "bottom" if len(header) > 2 else "none"})
    if kind == "bar":
        # A bar chart draws its first category at the bottom; read top down like the table.
        # (In XlsxWriter a bar chart's y axis is the category axis, its x axis the values.)
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"name": values_name, "num_format": "#,##0"})
    else:
        chart.set_y_axis({"name": values_name})
    sheet.insert_chart(first, len(header) + 1, chart, {"x_scale": 1.2, "y_scale": 1.1})


# Rows a chart takes on the sheet (its height over the default row height), so the next
# table starts below it.
CHART_ROWS = 19


def write_xlsx(data: ReportData, path: str | PathLike[str]) -> None:
    """Write the workbook of ``data`` to ``path``."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    writer = _Writer(workbook)

    writer.rows(writer.sheet(text("sheet.summary")), summary_rows(data))

    charts = writer.sheet(text("sheet.charts"))
    first = 0
    stars = star_chart_table(data)
    if stars is None:
        writer.cell(charts, first, 0, text("chart.no_stars"), NOTE)
        first += 2
    else:
        _chart(writer, charts, stars, first, "column", text("chart.stars"), text("col.employees"))
        first += max(len(stars[1]) + 3, CHART_ROWS)
    reward = reward_chart_table(data)
    if reward is None:
        writer.cell(charts, first, 0, text("chart.no_reward"), NOTE)
    elif not total_reward(data.rows):
        # Bars of zero would read as a broken chart: say that nobody was paid instead.
        writer.cell(charts, first, 0, text("chart.no_reward_paid"), NOTE)
    else:
        _chart(writer, charts, reward, first, "bar", text("chart.reward"), text("col.reward"))

    for kind in kinds_of(data):
        writer.table(writer.sheet(text(f"sheet.{kind}")), *result_table(data, kind))
    writer.table(writer.sheet(text("sheet.contributions")), *contribution_table(data))

    writer.fit_columns()
    try:
        workbook.close()
    except FileCreateError as failed:
        # The file could not be written: the OSError behind it, as every writer raises.
        raise failed.args[0] from None
