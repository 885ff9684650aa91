"""Recorded runs as an audit trail: listing them (`starrating runs`) and reading one.

Enters: a store (and the catalog, for the time zone of policies that name none). Leaves:
the recorded runs as :class:`~starrating.store.records.StoredRun` records, oldest first,
optionally of one policy and/or period, as a terminal table or JSON; one run by its id;
and, when nothing matches, why (with a "did you mean" for a misspelt filter).

Runs are immutable records. The one change ever made to a recorded run is the
``official`` flag of the run an amendment replaces (see :mod:`.closing`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import N_, _
from ..language.catalog import Catalog
from ..language.diagnostics import suggestion
from ..output.json import render_json
from ..output.table import table_lines
from ..store.records import (
    RecordedRun,
    RunNotFound,
    StoredRun,
    has_runs,
    read_run,
    run_columns,
    show_time,
    stored_run,
)
from ..store.store import Store


class AuditError(Exception):
    """A run that cannot be listed, replayed or closed as asked: exit status 1."""


def list_runs(
    store: Store,
    policy: str | None = None,
    period: str | None = None,
    catalog: Catalog | None = None,
) -> list[StoredRun]:
    """Recorded runs, oldest first, optionally of one policy name and/or one period label."""
    con = store.connection
    if not has_runs(con):
        return []
    where, params = [], []
    if policy is not None:
        where.append("r.policy = ?")
        params.append(policy)
    if period is not None:
        where.append("r.period = ?")
        params.append(period.strip())
    sql = f"SELECT {run_columns(store.connection)} FROM runs r"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = con.execute(sql + " ORDER BY r.created_at, r.run_id", params).fetchall()
    return [stored_run(row, catalog) for row in rows]


def no_runs_message(store: Store, policy: str | None = None, period: str | None = None) -> str:
    """Why ``list_runs`` found nothing, with a "did you mean" for a misspelt filter."""
    con = store.connection
    if not has_runs(con):
        return _("no runs are recorded in {path}").format(path=store.path)
    if policy is not None and period is not None:
        message = _('no runs of "{policy}" for {period} are recorded')
    elif policy is not None:
        message = _('no runs of "{policy}" are recorded')
    elif period is not None:
        message = _("no runs for {period} are recorded")
    else:
        message = _("no runs are recorded")
    message = message.format(policy=policy, period=period)
    for column, value, quote in (("policy", policy, '"'), ("period", period, "")):
        if value is not None:
            known = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM runs").fetchall()]
            hint = None if value in known else suggestion(value, known, quote=quote)
            if hint:
                message = _("{message}; {hint}").format(message=message, hint=hint)
    return message


def load_run(store: Store, run_id: str, catalog: Catalog | None = None) -> StoredRun:
    """The stored run ``run_id``; an unknown id is an :class:`AuditError` with a
    "did you mean" for a close id."""
    return read_recorded(store, run_id, catalog, results=False).run


def read_recorded(
    store: Store, run_id: str, catalog: Catalog | None = None, results: bool = True
) -> RecordedRun:
    """The recorded run ``run_id`` with its result rows (see
    :func:`~starrating.store.records.read_run`); no such run is an :class:`AuditError`."""
    try:
        return read_run(store.connection, run_id, catalog, where=store.path, results=results)
    except RunNotFound as missing:
        if missing.no_runs:  # `runs` and `replay` have always named the store's path here
            raise AuditError(
                _("no run {run_id}: no runs are recorded in {path}").format(
                    run_id=run_id, path=store.path
                )
            ) from None
        raise AuditError(missing.message) from None


# The columns of the runs table, translated where it is shown.
RUNS_HEADER = (
    N_("run"), N_("policy"), N_("version"), N_("period"), N_("as of"), N_("created"),
    N_("by"), N_("official"),
)  # fmt: skip


def render_runs(runs: Sequence[StoredRun]) -> str:
    """A table of runs for a terminal (the last column: official state and amendments)."""
    header = [_(title) for title in RUNS_HEADER]
    body = [
        [
            r.run_id, r.policy, r.version, r.period, show_time(r.as_of, r.zone),
            show_time(r.created_at, r.zone), r.created_by or "-", r.status,
        ]
        for r in runs
    ]  # fmt: skip
    return "\n".join(table_lines(header, body)) + "\n"


def runs_json(runs: Sequence[StoredRun]) -> str:
    return render_json(list(runs))
