"""A recorded run as one self-contained HTML page.

Enters: :class:`~.documents.ReportData`. Leaves: the page's text: the run's facts and
digests; per period instance the star distribution, the leaderboard, award winners and
vetoes; then every employee's result. Everything is escaped; numbers are shown rounded
for reading (:func:`~.values.show`).
"""

from __future__ import annotations

import html

from ..store.records import total_reward
from .documents import (
    DIGESTS,
    TOP,
    ReportData,
    award_winners,
    distribution,
    leaderboard,
    level_text,
)
from .values import show

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


def _guards(run: dict[str, object]) -> list[str]:
    """The run's events seen and warnings; "not recorded" for a run from before runs kept
    them (docs/data.md section 5)."""
    seen = run.get("events_seen")
    warnings = run.get("warnings")
    parts = [f"<dt>events seen</dt><dd>{_e('not recorded' if seen is None else seen)}</dd>"]
    if warnings is None:
        parts.append("<dt>warnings</dt><dd>not recorded</dd>")
    else:
        assert isinstance(warnings, list)
        parts += [f'<dt>warning</dt><dd class="warning">{_e(w)}</dd>' for w in warnings]
    return parts


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
    parts += _guards(run)
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
            body.append([_e(level_text(level)), str(count), bar])
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
