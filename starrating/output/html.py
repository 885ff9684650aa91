"""A recorded run as one self-contained HTML page.

Enters: :class:`~.documents.ReportData`. Leaves: the page's text, rendered from the Jinja2
templates in ``output/templates/`` with autoescape on: the run's header, digests and
guards; the trend over the run's period instances of each kind; per instance the star
distribution, stars and reward by department, the leaderboard, award winners, vetoes and
the result table; then every contribution (what ``explain`` shows). Charts are inline
SVG (:mod:`.charts`), sorting and filtering a few lines of inline script: the file works
offline and names no other file. Result columns the policy never fills are left out
(:mod:`.columns`). Numbers are shown by :func:`~.values.show`.

Every text a person reads on the page is a message of the gettext catalog: those the
Python side builds are in :data:`TEXTS`, the templates' own are marked in the templates
(Jinja2's i18n extension, with starrating's ``_``); both are translated when the page is
written, and ``<html lang>`` is the language they are in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial

import jinja2
from markupsafe import Markup, escape

from ..engine.periods import KINDS, parse_label
from ..i18n import N_, _, current_language, ngettext
from ..language import ast as A
from ..store.records import ResultRow, as_decimal, total_reward
from .charts import Chart, Series, column_bars, horizontal_bars
from .columns import PolicyShape
from .documents import (
    DIGESTS,
    ReportData,
    award_winners,
    distribution,
    leaderboard,
    star_levels,
)
from .values import joined, show, text_of

# The texts the page's Python side builds (headings of tables, chart titles and labels, the
# run's facts), marked for the catalog and translated by :func:`text` when the page is
# made. The templates' own words are marked in the templates, `{{ _("...") }}`.
TEXTS: dict[str, str] = {
    "title": N_("{policy} (version {version}) {period}"),
    "subtitle": N_("version {version} · period {period} · as of {as_of}"),
    "policy": N_("policy"),
    "version": N_("version"),
    "period": N_("period"),
    "as_of": N_("as of"),
    "run_id": N_("run id"),
    "official": N_("official"),
    "amends": N_("amends"),
    "amend_reason": N_("amend reason"),
    "recorded": N_("recorded"),
    "engine": N_("engine"),
    "not_recorded": N_("not recorded"),
    "trend_stars": N_("Star levels per {kind}"),
    "trend_net": N_("Total net per {kind}"),
    "trend_reward": N_("Total reward per {kind}"),
    "span": N_("({start} to {end})"),
    "rated": N_("{count} rated"),
    "vetoed_count": N_("{count} vetoed"),
    "total_reward": N_("total reward {amount}"),
    "distribution": N_("Star distribution"),
    "stars_by_department": N_("Stars by department"),
    "reward_by_department": N_("Reward by department"),
    "no_stars": N_("no stars"),
    "level": N_("{level} ★"),
    "no_department": N_("(no department)"),
    "awards_column": N_("awards"),
    "rank": N_("#"),
    "employee": N_("employee"),
    "name": N_("name"),
    "department": N_("department"),
    "red": N_("red"),
    "green": N_("green"),
    "net": N_("net"),
    "stars": N_("stars"),
    "reward": N_("reward"),
    "veto": N_("veto"),
    "reasons": N_("reasons"),
    "line": N_("line"),
    "source": N_("source"),
    "kind": N_("kind"),
    "label": N_("label"),
    "amount": N_("amount"),
    "events": N_("events"),
    "event_ids": N_("event ids"),
    "week": N_("week"),
    "month": N_("month"),
    "quarter": N_("quarter"),
    "half": N_("half-year"),
    "year": N_("year"),
}


# The text of a key of TEXTS in the current language, fields filled in after translation.
text = partial(text_of, TEXTS)


# ---- what the template draws ------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str | None = None  # the exact number a numeric column sorts by ("" for none)
    nowrap: bool = False  # ids, periods and dates: never broken inside


@dataclass(frozen=True)
class Table:
    id: str
    headings: list[str]
    numeric: set[int]  # the columns aligned right and sorted as numbers
    rows: list[list[Cell]]
    filter: bool = True


@dataclass(frozen=True)
class Figure:
    title: str
    chart: Chart


@dataclass(frozen=True)
class Instance:
    """One period instance of the run, as its section of the page shows it."""

    label: str
    anchor: str
    span: str
    facts: list[str]
    figures: list[Figure]
    leaderboard: Table | None
    awards: list[tuple[str, list[str]]] | None  # None: the block gives no awards
    vetoed: Table | None
    results: Table


@dataclass(frozen=True)
class Page:
    title: str
    heading: str
    subtitle: str
    facts: list[tuple[str, str]]
    digests: list[tuple[str, str]]
    events_seen: str
    warnings: list[str] | None
    trends: list[tuple[str, list[Figure]]] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    detail: Table | None = None


# ---- numbers and columns ----------------------------------------------------------------


def _number(value: object) -> Cell:
    """A numeric cell: shown for reading, sorted by its exact value (none sorts last)."""
    if value is None or isinstance(value, bool):
        return Cell(show(value), "")
    return Cell(show(value), str(value))


def _level(level: Decimal | None) -> str:
    return text("no_stars") if level is None else text("level", level=show(level))


def _tone(level: Decimal | None) -> str:
    """The CSS class of a star level's colour; a half level takes its whole level's."""
    return "none" if level is None else f"s{max(0, min(5, int(level)))}"


# ---- the parts of the page --------------------------------------------------------------


def _header(run: dict[str, object]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    facts = [
        (text("policy"), str(run["policy"])),
        (text("version"), str(run["version"])),
        (text("period"), str(run["period"])),
        (text("as_of"), str(run["as_of"])),
        (text("run_id"), str(run["run_id"])),
        (text("official"), show(bool(run["official"]))),
    ]
    if run.get("amends"):
        facts += [(text("amends"), str(run["amends"])),
                  (text("amend_reason"), str(run["amend_reason"] or ""))]  # fmt: skip
    facts += [(text("recorded"), str(run["created_at"])),
              (text("engine"), str(run["engine_version"]))]  # fmt: skip
    digests = [(name, run.get(name)) for name in DIGESTS]
    # The first run's previous link is empty; a run recorded before the chain has none.
    return facts, [(name, text("not_recorded") if value is None else str(value) or "-")
                   for name, value in digests]  # fmt: skip


def _departments(data: ReportData, rows: list[ResultRow]) -> dict[str, list[ResultRow]]:
    """Rows by department, departments by name, employees without one last. In Python, as
    the other summaries of a report (documents.py): every row is on the page anyway, so
    grouping them here costs no more than drawing them."""
    groups: dict[str | None, list[ResultRow]] = {}
    for row in rows:
        groups.setdefault(data.departments.get(row["employee_id"]), []).append(row)
    named = sorted(d for d in groups if d is not None)
    out = {d: groups[d] for d in named}
    if None in groups:
        out[text("no_department")] = groups[None]
    return out


def _star_series(groups: list[list[ResultRow]], levels: list[Decimal | None]) -> list[Series]:
    """One series per star level: how many rows of each group have it."""
    counts = [dict(distribution(rows)) for rows in groups]
    return [
        Series(_level(level), [c.get(level, 0) for c in counts], _tone(level)) for level in levels
    ]


def _instance_figures(data: ReportData, rows: list[ResultRow], columns: list[str]) -> list[Figure]:
    figures = []
    if "stars" in columns:
        dist = distribution(rows)
        levels = [level for level, _ in dist]
        series = Series("", [count for _, count in dist], tones=[_tone(lv) for lv in levels])
        chart = horizontal_bars([_level(lv) for lv in levels], [series])
        figures.append(Figure(text("distribution"), chart))
    if any(d is not None for d in data.departments.values()):
        groups = _departments(data, rows)
        names = list(groups)
        if "stars" in columns:
            series_list = _star_series(list(groups.values()), star_levels(rows))
            figures.append(Figure(text("stars_by_department"), horizontal_bars(names, series_list)))
        if "reward" in columns:
            rewards = Series(text("reward"), [total_reward(g) for g in groups.values()], "reward")
            figures.append(Figure(text("reward_by_department"), horizontal_bars(names, [rewards])))
    return figures


def _results_table(
    data: ReportData, period: str, rows: list[ResultRow], columns: list[str], policy: PolicyShape
) -> Table:
    kind = parse_label(period).kind
    value_names = policy.value_names(kind, rows)
    show_departments = any(d is not None for d in data.departments.values())
    awards = policy.has(kind, A.Award) or any(r["awards"] for r in rows)
    vetoes = policy.has(kind, A.Veto) or any(r["vetoed"] for r in rows)
    headings = [text("employee"), text("name")]
    headings += [text("department")] if show_departments else []
    first_number = len(headings)
    headings += [*value_names, *(text(c) for c in columns)]
    numeric = set(range(first_number, len(headings)))
    headings += ([text("awards_column")] if awards else []) + ([text("veto")] if vetoes else [])
    body = []
    for row in rows:
        employee = row["employee_id"]
        cells = [Cell(employee, nowrap=True), Cell(data.name(employee), nowrap=True)]
        if show_departments:
            cells.append(Cell(data.departments.get(employee) or "", nowrap=True))
        cells += [_number(row["values"].get(v)) for v in value_names]
        cells += [_number(row[c]) for c in columns]  # type: ignore[literal-required]
        if awards:
            cells.append(Cell(joined(row["awards"])))
        if vetoes:
            cells.append(Cell(joined(row["veto_reasons"])))
        body.append(cells)
    return Table(f"results-{period}", headings, numeric, body)


def _leaderboard(
    data: ReportData, period: str, rows: list[ResultRow], columns: list[str]
) -> Table | None:
    ranked = [c for c in ("stars", "net", "reward") if c in columns]
    if not ranked:
        return None  # nothing to rank by: the results table lists everyone
    headings = [text("rank"), text("employee"), text("name"), *(text(c) for c in ranked),
                text("awards_column")]  # fmt: skip
    body = [
        [_number(i), Cell(r["employee_id"], nowrap=True),
         Cell(data.name(r["employee_id"]), nowrap=True),
         *(_number(r[c]) for c in ranked), Cell(joined(r["awards"]))]  # type: ignore[literal-required]
        for i, r in enumerate(leaderboard(rows), 1)
    ]  # fmt: skip
    return Table(f"leaderboard-{period}", headings, {0, *range(3, 3 + len(ranked))}, body, False)


def _instance(
    data: ReportData, period: str, rows: list[ResultRow], policy: PolicyShape
) -> Instance:
    kind = parse_label(period).kind
    columns = policy.columns([period])
    first = rows[0]
    facts = [text("rated", count=len(rows))]
    vetoed = [r for r in rows if r["vetoed"]]
    if policy.has(kind, A.Veto) or vetoed:
        facts.append(text("vetoed_count", count=len(vetoed)))
    if "reward" in columns:
        facts.append(text("total_reward", amount=show(total_reward(rows))))
    awards = None
    if policy.has(kind, A.Award) or any(r["awards"] for r in rows):
        awards = [
            (award, [f"{e} {data.name(e)}".rstrip() for e in employees])
            for award, employees in award_winners(rows).items()
        ]
    vetoed_table = None
    if vetoed:
        vetoed_table = Table(
            f"vetoed-{period}", [text("employee"), text("name"), text("reasons")], set(),
            [[Cell(r["employee_id"], nowrap=True), Cell(data.name(r["employee_id"]), nowrap=True),
              Cell(joined(r["veto_reasons"]))] for r in vetoed],
            filter=False,
        )  # fmt: skip
    return Instance(
        label=period,
        anchor=f"p-{period}",
        span=text("span", start=first["period_start"], end=first["period_end"]),
        facts=facts,
        figures=_instance_figures(data, rows, columns),
        leaderboard=_leaderboard(data, period, rows, columns),
        awards=awards,
        vetoed=vetoed_table,
        results=_results_table(data, period, rows, columns, policy),
    )


def _trends(
    by_period: dict[str, list[ResultRow]], policy: PolicyShape
) -> list[tuple[str, list[Figure]]]:
    """Per kind with more than one instance in the run (the weeks of a month, the months
    of a year): star levels, total net and total reward per instance, as the kind fills
    them, left to right in time."""
    by_kind: dict[str, list[str]] = {}
    for period in by_period:
        by_kind.setdefault(parse_label(period).kind, []).append(period)
    out = []
    for kind in (k for k in KINDS if len(by_kind.get(k, [])) > 1):
        periods = by_kind[kind]
        columns = policy.columns(periods)
        groups = [by_period[p] for p in periods]
        unit = text(kind)
        figures = []
        if "stars" in columns:
            levels = star_levels([row for rows in groups for row in rows])
            chart = column_bars(periods, _star_series(groups, levels))
            figures.append(Figure(text("trend_stars", kind=unit), chart))
        for column, tone in (("net", "net"), ("reward", "reward")):
            if column in columns:
                totals = [sum((as_decimal(r[column]) for r in rows), Decimal(0))  # type: ignore[literal-required]
                          for rows in groups]  # fmt: skip
                chart = column_bars(periods, [Series(text(column), totals, tone)])
                figures.append(Figure(text(f"trend_{column}", kind=unit), chart))
        if figures:
            out.append((unit, figures))
    return out


def _detail(data: ReportData) -> Table | None:
    if not data.contributions:
        return None
    source = str(data.run.get("policy_text") or "").split("\n")
    headings = [text(k) for k in ("period", "employee", "name", "line", "source", "kind",
                                   "label", "amount", "events", "event_ids")]  # fmt: skip
    body = [
        [Cell(c.period, nowrap=True), Cell(c.employee_id, nowrap=True),
         Cell(data.name(c.employee_id), nowrap=True), _number(c.line),
         Cell(source[c.line - 1].strip() if 0 < c.line <= len(source) else ""),
         Cell(c.kind), Cell(c.label or ""), _number(c.amount), _number(len(c.event_ids)),
         Cell(joined(c.event_ids))]
        for c in data.contributions
    ]  # fmt: skip
    return Table("detail", headings, {3, 7, 8}, body)


def page(data: ReportData) -> Page:
    """What the page shows, ready for the template."""
    run = data.run
    facts, digests = _header(run)
    seen = run.get("events_seen")
    warnings = run.get("warnings")
    policy = data.shape
    by_period = data.periods()
    return Page(
        title=text("title", policy=run["policy"], version=run["version"], period=run["period"]),
        heading=str(run["policy"]),
        subtitle=text("subtitle", version=run["version"], period=run["period"], as_of=run["as_of"]),
        facts=facts,
        digests=digests,
        events_seen=text("not_recorded") if seen is None else show(seen),
        warnings=None if warnings is None else [str(w) for w in warnings],  # type: ignore[union-attr]
        trends=_trends(by_period, policy),
        instances=[_instance(data, p, rows, policy) for p, rows in by_period.items()],
        detail=_detail(data),
    )


def breakable(value: str) -> Markup:
    """``value`` escaped, with a place to break the line after each underscore: a long
    value name (``company_satisfaction``) as a column heading on paper."""
    return Markup("_<wbr>").join(escape(part) for part in str(value).split("_"))


@cache
def _environment() -> jinja2.Environment:
    # Autoescape on for every template whatever its file name (select_autoescape would
    # skip ".html.j2"); StrictUndefined so that a misspelt name fails instead of vanishing.
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("starrating.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The templates' `_("...")` is starrating's own: it reads the language when the page
    # is rendered, and its messages are in the one catalog (i18n/catalogs.py extracts the
    # templates). Old-style callables: a message is plain text, escaped like any other
    # value, with `{placeholders}` filled by `.format` as in the Python code.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_, ngettext=ngettext, newstyle=False
    )
    environment.filters["breakable"] = breakable
    return environment


def render_html(data: ReportData) -> str:
    """The page of ``data`` in the current language, its ``<html lang>`` that language's
    tag (``en`` or ``zh-CN``)."""
    template = _environment().get_template("report.html.j2")
    return template.render(page=page(data), lang=current_language())
