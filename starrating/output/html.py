"""A recorded run as one self-contained HTML page.

Enters: :class:`~.documents.ReportData`. Leaves: the page's text, rendered from the Jinja2
templates in ``output/templates/`` with autoescape on: the run's header, digests and
guards; the trend over the run's period instances of each kind; per instance the star
distribution, stars and reward by department, the leaderboard, award winners, vetoes and
the result table; then every contribution (what ``explain`` shows). Charts are inline
SVG (:mod:`.charts`), sorting and filtering a few lines of inline script: the file works
offline and names no other file. Result columns the policy never fills are left out
(:mod:`.columns`). Numbers are shown by :func:`~.values.show`.

Every text a person reads on the page is in :data:`TEXTS`, so that translating the page
changes one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import jinja2
from markupsafe import Markup, escape

from ..engine.periods import KINDS, parse_label
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
from .values import show

TEXTS: dict[str, str] = {
    "title": "{policy} (version {version}) {period}",
    "subtitle": "version {version} · period {period} · as of {as_of}",
    "policy": "policy",
    "version": "version",
    "period": "period",
    "as_of": "as of",
    "run_id": "run id",
    "official": "official",
    "amends": "amends",
    "amend_reason": "amend reason",
    "recorded": "recorded",
    "engine": "engine",
    "yes": "yes",
    "no": "no",
    "digests": "Digests",
    "guards": "What the results rest on",
    "events_seen": "events seen",
    "warnings": "warnings",
    "no_warnings": "none",
    "not_recorded": "not recorded",
    "contents": "Contents",
    "trend": "Over the run's periods",
    "trend_stars": "Star levels per {kind}",
    "trend_net": "Total net per {kind}",
    "trend_reward": "Total reward per {kind}",
    "span": "{start} to {end}",
    "rated": "{count} rated",
    "vetoed_count": "{count} vetoed",
    "total_reward": "total reward {amount}",
    "nobody": "Nobody is rated in this period.",
    "distribution": "Star distribution",
    "stars_by_department": "Stars by department",
    "reward_by_department": "Reward by department",
    "no_stars": "no stars",
    "level": "{level} ★",
    "no_department": "(no department)",
    "leaderboard": "Leaderboard (top {count})",
    "awards": "Awards",
    "awards_column": "awards",
    "no_awards": "No awards.",
    "vetoed": "Vetoed",
    "results": "Results",
    "detail": "Per-employee detail",
    "detail_note": "Every policy line that contributed to a result, as explain shows it.",
    "no_detail": "No contributions were recorded for this run.",
    "filter": "filter rows…",
    "sort_hint": "click a heading to sort",
    "rank": "#",
    "employee": "employee",
    "name": "name",
    "department": "department",
    "red": "red",
    "green": "green",
    "net": "net",
    "stars": "stars",
    "reward": "reward",
    "award": "award",
    "winners": "winners",
    "veto": "veto",
    "reasons": "reasons",
    "line": "line",
    "source": "source",
    "kind": "kind",
    "label": "label",
    "amount": "amount",
    "events": "events",
    "event_ids": "event ids",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "half": "half-year",
    "year": "year",
}


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
    return TEXTS["no_stars"] if level is None else TEXTS["level"].format(level=show(level))


def _tone(level: Decimal | None) -> str:
    """The CSS class of a star level's colour; a half level takes its whole level's."""
    return "none" if level is None else f"s{max(0, min(5, int(level)))}"


# ---- the parts of the page --------------------------------------------------------------


def _header(run: dict[str, object]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    facts = [
        (TEXTS["policy"], str(run["policy"])),
        (TEXTS["version"], str(run["version"])),
        (TEXTS["period"], str(run["period"])),
        (TEXTS["as_of"], str(run["as_of"])),
        (TEXTS["run_id"], str(run["run_id"])),
        (TEXTS["official"], TEXTS["yes"] if run["official"] else TEXTS["no"]),
    ]
    if run.get("amends"):
        facts += [(TEXTS["amends"], str(run["amends"])),
                  (TEXTS["amend_reason"], str(run["amend_reason"] or ""))]  # fmt: skip
    facts += [(TEXTS["recorded"], str(run["created_at"])),
              (TEXTS["engine"], str(run["engine_version"]))]  # fmt: skip
    return facts, [(name, str(run[name])) for name in DIGESTS]


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
        out[TEXTS["no_department"]] = groups[None]
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
        figures.append(Figure(TEXTS["distribution"], chart))
    if any(d is not None for d in data.departments.values()):
        groups = _departments(data, rows)
        names = list(groups)
        if "stars" in columns:
            series_list = _star_series(list(groups.values()), star_levels(rows))
            figures.append(
                Figure(TEXTS["stars_by_department"], horizontal_bars(names, series_list))
            )
        if "reward" in columns:
            rewards = Series(TEXTS["reward"], [total_reward(g) for g in groups.values()], "reward")
            figures.append(Figure(TEXTS["reward_by_department"], horizontal_bars(names, [rewards])))
    return figures


def _results_table(
    data: ReportData, period: str, rows: list[ResultRow], columns: list[str], policy: PolicyShape
) -> Table:
    kind = parse_label(period).kind
    value_names = policy.value_names(kind, rows)
    show_departments = any(d is not None for d in data.departments.values())
    awards = policy.has(kind, A.Award) or any(r["awards"] for r in rows)
    vetoes = policy.has(kind, A.Veto) or any(r["vetoed"] for r in rows)
    headings = [TEXTS["employee"], TEXTS["name"]]
    headings += [TEXTS["department"]] if show_departments else []
    first_number = len(headings)
    headings += [*value_names, *(TEXTS[c] for c in columns)]
    numeric = set(range(first_number, len(headings)))
    headings += ([TEXTS["awards_column"]] if awards else []) + ([TEXTS["veto"]] if vetoes else [])
    body = []
    for row in rows:
        employee = row["employee_id"]
        cells = [Cell(employee, nowrap=True), Cell(data.name(employee), nowrap=True)]
        if show_departments:
            cells.append(Cell(data.departments.get(employee) or "", nowrap=True))
        cells += [_number(row["values"].get(v)) for v in value_names]
        cells += [_number(row[c]) for c in columns]  # type: ignore[literal-required]
        if awards:
            cells.append(Cell(", ".join(row["awards"])))
        if vetoes:
            cells.append(Cell(", ".join(row["veto_reasons"])))
        body.append(cells)
    return Table(f"results-{period}", headings, numeric, body)


def _leaderboard(
    data: ReportData, period: str, rows: list[ResultRow], columns: list[str]
) -> Table | None:
    ranked = [c for c in ("stars", "net", "reward") if c in columns]
    if not ranked:
        return None  # nothing to rank by: the results table lists everyone
    headings = [TEXTS["rank"], TEXTS["employee"], TEXTS["name"], *(TEXTS[c] for c in ranked),
                TEXTS["awards_column"]]  # fmt: skip
    body = [
        [_number(i), Cell(r["employee_id"], nowrap=True),
         Cell(data.name(r["employee_id"]), nowrap=True),
         *(_number(r[c]) for c in ranked), Cell(", ".join(r["awards"]))]  # type: ignore[literal-required]
        for i, r in enumerate(leaderboard(rows), 1)
    ]  # fmt: skip
    return Table(f"leaderboard-{period}", headings, {0, *range(3, 3 + len(ranked))}, body, False)


def _instance(
    data: ReportData, period: str, rows: list[ResultRow], policy: PolicyShape
) -> Instance:
    kind = parse_label(period).kind
    columns = policy.columns([period])
    first = rows[0]
    facts = [TEXTS["rated"].format(count=len(rows))]
    vetoed = [r for r in rows if r["vetoed"]]
    if policy.has(kind, A.Veto) or vetoed:
        facts.append(TEXTS["vetoed_count"].format(count=len(vetoed)))
    if "reward" in columns:
        facts.append(TEXTS["total_reward"].format(amount=show(total_reward(rows))))
    awards = None
    if policy.has(kind, A.Award) or any(r["awards"] for r in rows):
        awards = [
            (award, [f"{e} {data.name(e)}".rstrip() for e in employees])
            for award, employees in award_winners(rows).items()
        ]
    vetoed_table = None
    if vetoed:
        vetoed_table = Table(
            f"vetoed-{period}", [TEXTS["employee"], TEXTS["name"], TEXTS["reasons"]], set(),
            [[Cell(r["employee_id"], nowrap=True), Cell(data.name(r["employee_id"]), nowrap=True),
              Cell(", ".join(r["veto_reasons"]))] for r in vetoed],
            filter=False,
        )  # fmt: skip
    return Instance(
        label=period,
        anchor=f"p-{period}",
        span=TEXTS["span"].format(start=first["period_start"], end=first["period_end"]),
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
        unit = TEXTS[kind]
        figures = []
        if "stars" in columns:
            levels = star_levels([row for rows in groups for row in rows])
            chart = column_bars(periods, _star_series(groups, levels))
            figures.append(Figure(TEXTS["trend_stars"].format(kind=unit), chart))
        for column, tone in (("net", "net"), ("reward", "reward")):
            if column in columns:
                totals = [sum((as_decimal(r[column]) for r in rows), Decimal(0))  # type: ignore[literal-required]
                          for rows in groups]  # fmt: skip
                chart = column_bars(periods, [Series(TEXTS[column], totals, tone)])
                figures.append(Figure(TEXTS[f"trend_{column}"].format(kind=unit), chart))
        if figures:
            out.append((unit, figures))
    return out


def _detail(data: ReportData) -> Table | None:
    if not data.contributions:
        return None
    source = str(data.run.get("policy_text") or "").split("\n")
    headings = [TEXTS[k] for k in ("period", "employee", "name", "line", "source", "kind",
                                   "label", "amount", "events", "event_ids")]  # fmt: skip
    body = [
        [Cell(c.period, nowrap=True), Cell(c.employee_id, nowrap=True),
         Cell(data.name(c.employee_id), nowrap=True), _number(c.line),
         Cell(source[c.line - 1].strip() if 0 < c.line <= len(source) else ""),
         Cell(c.kind), Cell(c.label or ""), _number(c.amount), _number(len(c.event_ids)),
         Cell(", ".join(c.event_ids))]
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
        title=TEXTS["title"].format(
            policy=run["policy"], version=run["version"], period=run["period"]
        ),
        heading=str(run["policy"]),
        subtitle=TEXTS["subtitle"].format(
            version=run["version"], period=run["period"], as_of=run["as_of"]
        ),
        facts=facts,
        digests=digests,
        events_seen=TEXTS["not_recorded"] if seen is None else show(seen),
        warnings=None if warnings is None else [str(w) for w in warnings],  # type: ignore[union-attr]
        trends=_trends(by_period, policy),
        instances=[_instance(data, p, rows, policy) for p, rows in by_period.items()],
        detail=_detail(data),
    )


def breakable(text: str) -> Markup:
    """``text`` escaped, with a place to break the line after each underscore: a long
    value name (``company_satisfaction``) as a column heading on paper."""
    return Markup("_<wbr>").join(escape(part) for part in str(text).split("_"))


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
    )
    environment.filters["breakable"] = breakable
    return environment


def render_html(data: ReportData) -> str:
    return _environment().get_template("report.html.j2").render(page=page(data), t=TEXTS)
