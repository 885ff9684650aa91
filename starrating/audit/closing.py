"""Closing a period (`starrating run --official`): a run becomes the official result.

Enters: a store, planned runs, the catalog and, to amend, a reason. Leaves: a
:class:`CloseOutcome` per run: closed, identical (nothing recorded), amended (the new run
is official; the old one is kept, no longer official) or refused (results differ and no
reason was given: nothing of the batch is recorded, :class:`ClosingRefused`). A period
that has not ended at the as-of time is never closed (:class:`PeriodNotEnded`).

Runs are immutable records. The one change ever made to a recorded run is the
``official`` flag of the run an amendment replaces, which is set to false in the
transaction that records the amendment (whose ``amends`` names the replaced run); every
other column of a run, its results and its contributions stay as they were written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import duckdb

from ..engine.evaluate import policy_timezone
from ..engine.periods import local_date
from ..engine.runs import PlannedRun, RunDocument, run_policy
from ..i18n import N_, _
from ..language.catalog import Catalog
from ..store.records import read_run, run_columns, stored_run
from ..store.store import Store
from .replay import Difference, compare_results
from .runs import AuditError


@dataclass(frozen=True)
class CloseOutcome:
    """What ``run --official`` did for one policy and period.

    ``status``: ``closed`` (no official run existed: this run is now official),
    ``identical`` (an official run with the same results exists: nothing recorded,
    ``run_id`` names it), ``amended`` (recorded as the new official run; ``previous``
    keeps its row but is no longer official), ``refused`` (the results differ from the
    official run and no reason to amend was given: nothing recorded).
    """

    status: str
    policy: str
    period: str
    run_id: str  # the official run after this (for `refused`: the existing one)
    previous: str | None  # the official run before this, if any
    document: RunDocument  # what to print; for `identical`, headed by the existing run
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    @property
    def message(self) -> str:
        names = {"period": self.period, "policy": self.policy, "run_id": self.run_id}
        if self.status == "closed":
            return _('closed {period} of "{policy}": run {run_id} is its official result').format(
                **names
            )
        if self.status == "amended":
            return _(
                'amended {period} of "{policy}": run {run_id} replaces run {previous} as its '
                "official result (run {previous} is kept)"
            ).format(**names, previous=self.previous)
        if self.status == "identical":
            return _(
                '{period} of "{policy}" is already closed by run {run_id} with identical '
                "results; nothing was recorded"
            ).format(**names)
        shown = [f"  {d.describe()}" for d in self.differences[:10]]
        if len(self.differences) > 10:
            more = _("... and {count} more").format(count=len(self.differences) - 10)
            shown.append(f"  {more}")
        detail = (
            "\n".join(shown) if shown else "  " + _("(the same rows, but not the same results)")
        )
        return _(
            '{period} of "{policy}" is already closed by run {run_id}, and these results '
            "differ from it (official → now):\n{differences}\n"
            "to make them the official result, run again with --amend --reason TEXT "
            "(run {run_id} is kept)"
        ).format(**names, differences=detail)


class ClosingRefused(AuditError):
    """``run --official`` found results that differ from a period's official run and was
    given no reason to amend it. Raised out of the closing transaction, so nothing of it
    is kept (nor of an outer transaction it joined). ``outcomes`` has every planned run's
    outcome; the refused ones say what differs."""

    def __init__(self, outcomes: list[CloseOutcome]) -> None:
        self.outcomes = outcomes
        super().__init__("\n".join(o.message for o in outcomes if not o.ok))


# A period that has not ended at the as-of time cannot be closed (docs/data.md 4.4).
NOT_ENDED = N_(
    '{period} of "{policy}" has not ended at the as-of time {as_of}: its last day is '
    "{last_day} ({zone}), so it can be closed from {first_free_day} on; nothing was recorded "
    "(without --official the run is a provisional result)"
)


class PeriodNotEnded(AuditError):
    """``run --official`` for a period whose last day, in the policy's time zone, is not
    over at the as-of time: its data may still grow, so its result cannot be official.
    ``refused`` holds every such planned run; the message has a line for each."""

    def __init__(self, refused: list[PlannedRun], catalog: Catalog | None) -> None:
        self.refused = refused
        super().__init__("\n".join(_not_ended_message(plan, catalog) for plan in refused))


def check_periods_ended(planned: Sequence[PlannedRun], catalog: Catalog | None) -> None:
    """Raise :class:`PeriodNotEnded` unless every planned run's period has ended at its
    as-of time. A period ends when its whole last day is over in the policy's time zone,
    as for ``--period previous`` (engine.periods.latest_ended): closing October at
    2026-10-31T23:00+08:00 is refused, at 2026-11-01T00:00+08:00 it is allowed."""
    refused = [plan for plan in planned if plan.target.end >= _as_of_date(plan, catalog)]
    if refused:
        raise PeriodNotEnded(refused, catalog)


def _as_of_date(plan: PlannedRun, catalog: Catalog | None) -> date:
    assert plan.item.policy is not None
    return local_date(plan.as_of, policy_timezone(plan.item.policy, catalog))


def _not_ended_message(plan: PlannedRun, catalog: Catalog | None) -> str:
    assert plan.item.policy is not None
    zone = policy_timezone(plan.item.policy, catalog)
    return _(NOT_ENDED).format(
        period=plan.target.label,
        policy=plan.item.policy.name,
        as_of=plan.as_of.astimezone(zone).isoformat(timespec="seconds"),
        last_day=plan.target.end.isoformat(),
        zone=zone.key,
        first_free_day=(plan.target.end + timedelta(days=1)).isoformat(),
    )


def close_period(
    store: Store, planned: PlannedRun, catalog: Catalog, amend_reason: str | None = None
) -> CloseOutcome:
    """Evaluate ``planned`` and make it the official result of its policy and period
    (see :func:`close_periods`)."""
    return close_periods(store, [planned], catalog, amend_reason)[0]


def close_periods(
    store: Store,
    planned: Sequence[PlannedRun],
    catalog: Catalog,
    amend_reason: str | None = None,
) -> list[CloseOutcome]:
    """``run --official``: evaluate each planned run and close its (policy, period).

    * No official run yet: the run is recorded as official (``closed``).
    * An official run with the same ``results_sha256``: nothing is recorded
      (``identical``), so a retried batch job is harmless.
    * Different results, no ``amend_reason``: :class:`ClosingRefused` is raised and
      nothing of any planned run is recorded (exit status 1 means nothing changed).
    * Different results with ``amend_reason``: the run is recorded as official with
      ``amends`` = the old official run and the reason; the old run stays, no longer
      official (``amended``).
    * A period that has not ended at the as-of time: :class:`PeriodNotEnded`, before
      anything is evaluated or recorded.

    All of it is one transaction, which joins the caller's if one is open (then a
    refusal rolls back the caller's changes too, e.g. the data `run --events` ingested).
    The evaluation happens here, not before, because a run's per-rule contributions can
    be recorded only while its evaluation is at hand (engine.runs.run_policy).
    """
    check_periods_ended(planned, catalog)
    store.ensure_run_tables()
    with store.transaction():
        outcomes = [_close_one(store, plan, catalog, amend_reason) for plan in planned]
        if any(not o.ok for o in outcomes):
            raise ClosingRefused(outcomes)
    return outcomes


def close_each(
    store: Store,
    planned: Sequence[PlannedRun],
    catalog: Catalog,
    amend_reason: str | None = None,
) -> list[CloseOutcome]:
    """``run FOLDER --official``: close each policy of a batch on its own (each in its own
    transaction, as :func:`close_periods`), so that one policy whose closed period no
    longer matches the data (a refusal) does not keep the others from being closed. The
    refused outcomes are returned with the others; nothing of them is recorded."""
    outcomes: list[CloseOutcome] = []
    for plan in planned:
        try:
            outcomes += close_periods(store, [plan], catalog, amend_reason)
        except ClosingRefused as refused:
            outcomes += refused.outcomes
    return outcomes


def _close_one(
    store: Store, plan: PlannedRun, catalog: Catalog, amend_reason: str | None
) -> CloseOutcome:
    con = store.connection
    assert plan.item.policy is not None
    policy, period = plan.item.policy.name, plan.target.label
    current = con.execute(
        f"SELECT {run_columns(con)} FROM runs r"
        " WHERE r.policy = ? AND r.period = ? AND r.official"
        " ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1",
        [policy, period],
    ).fetchone()
    if current is None:
        document = _record(store, plan, catalog, official=True)
        return CloseOutcome("closed", policy, period, str(document.run["run_id"]), None,
                            document)  # fmt: skip
    official = stored_run(current, catalog)
    document = run_policy(con, plan.item, catalog, plan.target, plan.as_of, record=False)
    if document.run["results_sha256"] == official.results_sha256:
        zone = policy_timezone(plan.item.policy, catalog)
        document = replace(document, run=replace(official, zone=zone).header())
        return CloseOutcome("identical", policy, period, official.run_id, official.run_id,
                            document)  # fmt: skip
    recorded = read_run(con, official.run_id)
    differences = compare_results(recorded.results, document.results)
    if not amend_reason or not amend_reason.strip():
        return CloseOutcome("refused", policy, period, official.run_id, official.run_id,
                            document, differences)  # fmt: skip
    # The one update ever made to a recorded run: it is no longer the official result.
    con.execute("UPDATE runs SET official = FALSE WHERE run_id = ?", [official.run_id])
    document = _record(store, plan, catalog, official=True, amends=official.run_id,
                       amend_reason=amend_reason.strip())  # fmt: skip
    return CloseOutcome("amended", policy, period, str(document.run["run_id"]), official.run_id,
                        document, differences)  # fmt: skip


def _record(
    store: Store,
    plan: PlannedRun,
    catalog: Catalog,
    official: bool,
    amends: str | None = None,
    amend_reason: str | None = None,
) -> RunDocument:
    """Evaluate and record through engine.runs.run_policy, inside the caller's transaction."""
    assert store.in_transaction
    document = run_policy(
        _JoinedConnection(store.connection), plan.item, catalog, plan.target, plan.as_of
    )  # type: ignore[arg-type]
    # The run row was inserted a moment ago in this same transaction: these columns
    # complete it before anyone can see it.
    store.connection.execute(
        "UPDATE runs SET official = ?, amends = ?, amend_reason = ? WHERE run_id = ?",
        [official, amends, amend_reason, document.run["run_id"]],
    )
    return document


class _JoinedConnection:
    """A DuckDB connection for ``engine.runs.run_policy`` that leaves the transaction to the
    caller: engine.runs._record brackets its writes in BEGIN/COMMIT (ROLLBACK on failure), which
    would fail inside an open transaction. Here those three statements do nothing; a
    failure still propagates and rolls back the caller's transaction."""

    _CONTROL = frozenset({"BEGIN", "BEGIN TRANSACTION", "COMMIT", "ROLLBACK"})

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        if " ".join(sql.split()).upper().rstrip(";") in self._CONTROL:
            return self._connection
        return self._connection.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)
