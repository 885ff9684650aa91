"""Recorded runs as an audit trail: listing them (`starrating runs`), recomputing one
(`starrating replay`) and closing a period (`starrating run --official`).

Runs are immutable records. The one change ever made to a recorded run is the
``official`` flag of the run an amendment replaces, which is set to false in the
transaction that records the amendment (whose ``amends`` names the replaced run); every
other column of a run, its results and its contributions stay as they were written.

Times are fetched from DuckDB as microseconds since the epoch (``epoch_us``): handing a
``TIMESTAMPTZ`` to Python would need pytz (see store.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from .. import __version__
from ..engine.evaluate import policy_timezone
from ..engine.runs import (
    RUN_TABLES,
    PlannedRun,
    RunDocument,
    RunError,
    canonical_json,
    resolve_target,
    run_policy,
)
from ..language.catalog import Catalog, merge_catalogs
from ..language.checker import check_policy
from ..language.diagnostics import render_text, suggestion
from ..language.parser import parse
from ..language.policyfiles import PolicyFile
from ..output.reports import pad, width
from ..store.store import Store

__all__ = [
    "AuditError", "CloseOutcome", "ClosingRefused", "Difference", "LateInput",
    "ReplayOutcome", "StoredRun", "close_period", "close_periods", "compare_results",
    "late_inputs", "list_runs", "load_run", "no_runs_message", "render_replay",
    "render_runs", "replay_run", "runs_json",
]  # fmt: skip

# The fields of a result row a replay compares, in the order they are reported
# (``values`` is expanded into ``values.NAME``).
COMPARED_FIELDS = ("vetoed", "veto_reasons", "values", "red", "green", "net", "stars", "awards",
                   "reward")  # fmt: skip


class AuditError(Exception):
    """A run that cannot be listed, replayed or closed as asked: exit status 1."""


# ---- stored runs ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    policy: str
    version: str
    policy_file: str | None
    policy_text: str
    policy_sha256: str
    period: str
    as_of: datetime
    events_sha256: str
    roster_sha256: str
    results_sha256: str
    engine_version: str
    created_at: datetime
    created_by: str | None
    official: bool
    amends: str | None  # the official run this one replaced
    amend_reason: str | None
    amended_by: str | None = None  # the run that replaced this one as the official result
    zone: ZoneInfo = field(default=ZoneInfo("UTC"), compare=False)  # for showing times

    @property
    def status(self) -> str:
        """``official``, ``official, amends X: "why"``, ``amended by Y`` or ``-``."""
        if self.official:
            if self.amends:
                reason = " ".join((self.amend_reason or "").split())  # one table line
                return f'official, amends {self.amends}: "{reason}"'
            return "official"
        if self.amended_by:
            return f"amended by {self.amended_by}"
        return "-"

    def header(self) -> dict[str, object]:
        """The ``run`` object of the run's JSON document (docs/data.md section 5)."""
        return {
            "run_id": self.run_id,
            "policy": self.policy,
            "version": self.version,
            "policy_sha256": self.policy_sha256,
            "period": self.period,
            "as_of": show_time(self.as_of, self.zone),
            "events_sha256": self.events_sha256,
            "results_sha256": self.results_sha256,
        }

    def to_json(self) -> dict[str, object]:
        return {
            **self.header(),
            "policy_file": self.policy_file,
            "roster_sha256": self.roster_sha256,
            "engine_version": self.engine_version,
            "created_at": show_time(self.created_at, self.zone),
            "created_by": self.created_by,
            "official": self.official,
            "amends": self.amends,
            "amend_reason": self.amend_reason,
            "amended_by": self.amended_by,
        }


_RUN_COLUMNS = (
    "r.run_id, r.policy, r.version, r.policy_file, r.policy_text, r.policy_sha256, r.period,"
    " epoch_us(r.as_of), r.events_sha256, r.roster_sha256, r.results_sha256, r.engine_version,"
    " epoch_us(r.created_at), r.created_by, r.official, r.amends, r.amend_reason,"
    " (SELECT min(n.run_id) FROM runs n WHERE n.amends = r.run_id)"
)


def _has_runs(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'runs'"
    ).fetchone()
    return bool(row and row[0])


def _stored(row: tuple[Any, ...], catalog: Catalog | None) -> StoredRun:
    (run_id, policy, version, policy_file, text, policy_sha, period, as_of, events_sha,
     roster_sha, results_sha, engine, created_at, created_by, official, amends, reason,
     amended_by) = row  # fmt: skip
    return StoredRun(
        run_id, policy, version, policy_file, text, policy_sha, period, instant(as_of),
        events_sha, roster_sha, results_sha, engine, instant(created_at), created_by,
        bool(official), amends, reason, amended_by,
        _zone(text, catalog.timezone if catalog else None),
    )  # fmt: skip


def list_runs(
    store: Store,
    policy: str | None = None,
    period: str | None = None,
    catalog: Catalog | None = None,
) -> list[StoredRun]:
    """Recorded runs, oldest first, optionally of one policy name and/or one period label."""
    con = store.connection
    if not _has_runs(con):
        return []
    where, params = [], []
    if policy is not None:
        where.append("r.policy = ?")
        params.append(policy)
    if period is not None:
        where.append("r.period = ?")
        params.append(period.strip())
    sql = f"SELECT {_RUN_COLUMNS} FROM runs r"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = con.execute(sql + " ORDER BY r.created_at, r.run_id", params).fetchall()
    return [_stored(row, catalog) for row in rows]


def no_runs_message(store: Store, policy: str | None = None, period: str | None = None) -> str:
    """Why ``list_runs`` found nothing, with a "did you mean" for a misspelt filter."""
    con = store.connection
    if not _has_runs(con):
        return f"no runs are recorded in {store.path}"
    words = ["no runs"]
    if policy is not None:
        words.append(f'of "{policy}"')
    if period is not None:
        words.append(f"for {period}")
    hints = []
    for column, value, quote in (("policy", policy, '"'), ("period", period, "")):
        if value is not None:
            known = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM runs").fetchall()]
            hint = None if value in known else suggestion(value, known, quote=quote)
            if hint:
                hints.append(hint)
    return " ".join([*words, "are recorded"]) + "".join(f"; {h}" for h in hints)


def load_run(store: Store, run_id: str, catalog: Catalog | None = None) -> StoredRun:
    """The stored run ``run_id``; an unknown id is an :class:`AuditError` with a
    "did you mean" for a close id."""
    con = store.connection
    if not _has_runs(con):
        raise AuditError(f"no run {run_id}: no runs are recorded in {store.path}")
    row = con.execute(f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.run_id = ?", [run_id]).fetchone()
    if row is not None:
        return _stored(row, catalog)
    raise AuditError(unknown_run_message(con, run_id, store.path))


def unknown_run_message(con: duckdb.DuckDBPyConnection, run_id: str, where: object) -> str:
    """``no run X is recorded in STORE; did you mean `Y`?`` (a close id or a unique
    prefix), shared by every command that takes a RUN_ID."""
    known = [r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()]
    starting = [k for k in known if k.startswith(run_id.strip())] if run_id.strip() else []
    hint = (
        f"did you mean `{starting[0]}`?" if len(starting) == 1 else suggestion(run_id, known)
    ) or "`starrating runs` lists the recorded runs"
    return f"no run {run_id} is recorded in {where}; {hint}"


def render_runs(runs: Sequence[StoredRun]) -> str:
    """A table of runs for a terminal (the last column: official state and amendments)."""
    header = ["run", "policy", "version", "period", "as of", "created", "by", "official"]
    body = [
        [
            r.run_id, r.policy, r.version, r.period, show_time(r.as_of, r.zone),
            show_time(r.created_at, r.zone), r.created_by or "-", r.status,
        ]
        for r in runs
    ]  # fmt: skip
    sizes = [max(width(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(pad(c, sizes[i]) for i, c in enumerate(row)).rstrip() for row in [header, *body]
    ]
    return "\n".join(lines) + "\n"


def runs_json(runs: Sequence[StoredRun]) -> str:
    return json.dumps([r.to_json() for r in runs], ensure_ascii=False, indent=2) + "\n"


# ---- replay -----------------------------------------------------------------------------

_ABSENT = object()


@dataclass(frozen=True)
class Difference:
    """One field of one result row that a replay computes differently; ``field`` None:
    the whole row appeared (``old`` absent) or disappeared (``new`` absent)."""

    employee_id: str
    period: str
    field: str | None
    old: object = _ABSENT
    new: object = _ABSENT

    def describe(self) -> str:
        where = f"{self.employee_id}  {self.period}"
        if self.field is None:
            if self.old is _ABSENT:
                return f"{where}: a new row (the recorded run has none)"
            return f"{where}: the row is gone (the recorded run has one)"
        return f"{where}  {self.field}: {_show_value(self.old)} → {_show_value(self.new)}"

    def to_json(self) -> dict[str, object]:
        return {
            "employee_id": self.employee_id,
            "period": self.period,
            "field": self.field,
            "old": None if self.old is _ABSENT else self.old,
            "new": None if self.new is _ABSENT else self.new,
            "row": "appeared" if self.old is _ABSENT else "gone" if self.new is _ABSENT else None,
        }


@dataclass(frozen=True)
class LateInput:
    """An event or roster version recorded at or before a run's as-of time that was
    ingested only after the run was created: the run could not see it, a replay does."""

    kind: str  # "event" or "roster"
    employee_id: str
    event_id: str | None  # events
    event_type: str | None  # events; for a `void` row: "void of ID"
    version: int | None  # roster versions
    recorded_at: datetime
    ingest_id: int
    file: str
    ingested_at: datetime

    def describe(self, zone: ZoneInfo) -> str:
        if self.kind == "event":
            what = f"event {self.event_id} ({self.event_type}, employee {self.employee_id})"
        else:
            what = f"roster of employee {self.employee_id} (version {self.version})"
        return (
            f"{what} recorded {show_time(self.recorded_at, zone)}, from {self.file} "
            f"(ingest {self.ingest_id}, {show_time(self.ingested_at, zone)})"
        )


@dataclass
class ReplayOutcome:
    run: StoredRun
    document: RunDocument  # the recomputed run (not recorded)
    differences: list[Difference]
    late_inputs: list[LateInput]
    engine_version: str  # of this starrating, which made the replay
    zone: ZoneInfo

    @property
    def results_match(self) -> bool:
        return self.document.run["results_sha256"] == self.run.results_sha256

    @property
    def events_match(self) -> bool:
        return self.document.run["events_sha256"] == self.run.events_sha256

    @property
    def roster_match(self) -> bool:
        evaluation = self.document.evaluation
        return evaluation is None or evaluation.roster_sha256 == self.run.roster_sha256

    @property
    def identical(self) -> bool:
        return self.results_match and self.events_match

    def to_json(self) -> dict[str, object]:
        return {
            "run": self.run.header(),
            "identical": self.identical,
            "replayed": {k: self.document.run[k] for k in ("events_sha256", "results_sha256")},
            "differences": [d.to_json() for d in self.differences],
            "late_inputs": [
                {
                    "kind": i.kind, "employee_id": i.employee_id, "event_id": i.event_id,
                    "type": i.event_type, "version": i.version,
                    "recorded_at": show_time(i.recorded_at, self.zone),
                    "ingest_id": i.ingest_id, "file": i.file,
                    "ingested_at": show_time(i.ingested_at, self.zone),
                }
                for i in self.late_inputs
            ],
        }  # fmt: skip


def replay_run(store: Store, run_id: str, catalog: Catalog | None = None) -> ReplayOutcome:
    """Recompute run ``run_id`` from its stored policy text, period and as-of time, over
    the store as it is now (the engine hides what was recorded after the as-of time).

    The catalog is ``catalog`` (starrating.yaml) merged with the data seen so far, as for
    a run. Nothing is written: the store may be open read-only.
    """
    stored = load_run(store, run_id, catalog)
    run_catalog = merge_catalogs(catalog, store.data_catalog())
    item = _stored_policy(stored, run_catalog)
    assert item.policy is not None
    zone = policy_timezone(item.policy, run_catalog)
    try:
        target = resolve_target(item.policy, stored.period, stored.as_of, run_catalog)
    except RunError as exc:
        raise AuditError(f"run {stored.run_id} cannot be replayed: {exc}") from None
    document = run_policy(store.connection, item, run_catalog, target, stored.as_of, record=False)
    differences = compare_results(_stored_results(store, stored.run_id), document.results)
    outcome = ReplayOutcome(
        replace(stored, zone=zone), document, differences, [], __version__, zone
    )
    if not outcome.identical or not outcome.roster_match:
        outcome.late_inputs = late_inputs(store, stored.run_id)
    return outcome


def _stored_policy(stored: StoredRun, catalog: Catalog) -> PolicyFile:
    name = stored.policy_file or f"run {stored.run_id}"
    parsed = parse(stored.policy_text, name)
    item = PolicyFile(name, stored.policy_text, parsed.policy, diagnostics=list(parsed.diagnostics))
    if item.policy is not None:
        checked = check_policy(item.policy, catalog, name)
        item.diagnostics.extend(checked.diagnostics)
        item.analysis = checked.analysis
    if item.policy is None or item.analysis is None or not item.ok:
        shown = "\n\n".join(
            render_text(d, stored.policy_text) for d in item.diagnostics if d.is_error
        )
        raise AuditError(
            f"run {stored.run_id} cannot be replayed: its stored policy text does not check "
            f"with the catalog of today:\n\n{shown}"
        )
    return item


def _stored_results(store: Store, run_id: str) -> list[dict]:
    rows = store.connection.execute(
        "SELECT row_json FROM results WHERE run_id = ? ORDER BY position", [run_id]
    ).fetchall()
    return [json.loads(r[0], parse_float=Decimal) for r in rows]


def compare_results(old: Sequence[dict], new: Sequence[dict]) -> list[Difference]:
    """Every field that differs between two runs' result rows (JSON-contract rows, or rows
    read back from their canonical JSON), matched by (employee, period); in the order of
    the periods' last days, then employees."""
    # Both sides through the same canonical JSON, so 7.5 and Decimal("7.50") compare equal.
    old_rows = {_key(r): _normal(r) for r in old}
    new_rows = {_key(r): _normal(r) for r in new}
    order = sorted(
        {**old_rows, **new_rows}.items(),
        key=lambda kv: (str(kv[1].get("period_end", "")), kv[0][0], kv[0][1]),
    )
    differences: list[Difference] = []
    for (employee, period), _ in order:
        before, after = old_rows.get((employee, period)), new_rows.get((employee, period))
        if before is None:
            differences.append(Difference(employee, period, None, new=after))
            continue
        if after is None:
            differences.append(Difference(employee, period, None, old=before))
            continue
        for name in COMPARED_FIELDS:
            if name == "values":
                old_values, new_values = before.get("values") or {}, after.get("values") or {}
                names = [*new_values, *(v for v in old_values if v not in new_values)]
                for value in names:
                    a, b = old_values.get(value, _ABSENT), new_values.get(value, _ABSENT)
                    if a != b or (a is _ABSENT) != (b is _ABSENT):
                        differences.append(Difference(employee, period, f"values.{value}", a, b))
                continue
            a, b = before.get(name, _ABSENT), after.get(name, _ABSENT)
            if a != b:
                differences.append(Difference(employee, period, name, a, b))
    return differences


def _key(row: dict) -> tuple[str, str]:
    return (str(row["employee_id"]), str(row["period"]))


def _normal(row: dict) -> dict:
    return json.loads(canonical_json(row), parse_float=Decimal)


def _show_value(value: object) -> str:
    if value is _ABSENT:
        return "(none)"
    if isinstance(value, str):
        return value
    return canonical_json(value)


def late_inputs(store: Store, run_id: str) -> list[LateInput]:
    """Events (voids too) and roster versions recorded at or before the run's as-of time
    but ingested after the run was created."""
    con = store.connection
    events = con.execute(
        """SELECT e.employee_id, e.event_id,
                  CASE WHEN e.voids IS NULL THEN e.type ELSE 'void of ' || e.voids END,
                  epoch_us(e.recorded_at), i.ingest_id, i.file, epoch_us(i.ingested_at)
           FROM events e JOIN ingests i ON i.ingest_id = e.ingest_id
           JOIN runs r ON r.run_id = ?
           WHERE i.ingested_at > r.created_at AND e.recorded_at <= r.as_of
           ORDER BY i.ingest_id, e.event_id""",
        [run_id],
    ).fetchall()
    roster = con.execute(
        """SELECT o.employee_id, o.version, epoch_us(o.recorded_at), i.ingest_id, i.file,
                  epoch_us(i.ingested_at)
           FROM roster o JOIN ingests i ON i.ingest_id = o.ingest_id
           JOIN runs r ON r.run_id = ?
           WHERE i.ingested_at > r.created_at AND o.recorded_at <= r.as_of
           ORDER BY i.ingest_id, o.employee_id, o.version""",
        [run_id],
    ).fetchall()
    found = [
        LateInput("roster", emp, None, None, version, instant(rec), ingest, file, instant(at))
        for emp, version, rec, ingest, file, at in roster
    ]
    found += [
        LateInput("event", emp, eid, etype, None, instant(rec), ingest, file, instant(at))
        for emp, eid, etype, rec, ingest, file, at in events
    ]
    return found


def render_replay(outcome: ReplayOutcome) -> str:
    run, zone = outcome.run, outcome.zone
    lines = [
        f"run {run.run_id}: {run.policy} (version {run.version}), period {run.period}, "
        f"as of {show_time(run.as_of, zone)}, created {show_time(run.created_at, zone)}"
    ]
    if outcome.identical:
        lines.append("replayed from its stored policy text: identical (results and events)")
        if not outcome.roster_match:
            lines.append("note: the roster versions it sees differ, without changing any result:")
            lines += [f"  {i.describe(zone)}" for i in outcome.late_inputs if i.kind == "roster"]
        return "\n".join(lines) + "\n"
    lines.append("replayed from its stored policy text: DIFFERENT")
    for what, ok, key in (
        ("results", outcome.results_match, "results_sha256"),
        ("events ", outcome.events_match, "events_sha256"),
    ):
        old, new = getattr(run, key), str(outcome.document.run[key])
        state = "same" if ok else f"recorded {old[:12]}, now {new[:12]}"
        lines.append(f"  {what} {state}")
    if outcome.differences:
        lines.append(f"differences ({len(outcome.differences)}, recorded → replayed):")
        lines += [f"  {d.describe()}" for d in outcome.differences]
    else:
        lines.append("no result differs: only the events the run saw")
    lines.append("what changed:")
    late = outcome.late_inputs
    events = [i for i in late if i.kind == "event"]
    roster = [i for i in late if i.kind == "roster"]
    for items, noun in ((events, "event"), (roster, "roster version")):
        if items:
            count = f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
            lines.append(
                f"  {count} recorded by the as-of time but ingested after the run was created:"
            )
            lines += [f"    {i.describe(zone)}" for i in items]
    if run.engine_version != outcome.engine_version:
        lines.append(
            f"  the engine: the run was made by starrating {run.engine_version}, "
            f"the replay by {outcome.engine_version}"
        )
    if not late and run.engine_version == outcome.engine_version:
        lines.append(
            "  no data recorded by the as-of time arrived after the run: the difference "
            "comes from the catalog (starrating.yaml) or the time zone"
        )
    return "\n".join(lines) + "\n"


# ---- closing a period (run --official) --------------------------------------------------


@dataclass
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
        what = f'{self.period} of "{self.policy}"'
        if self.status == "closed":
            return f"closed {what}: run {self.run_id} is its official result"
        if self.status == "amended":
            return (
                f"amended {what}: run {self.run_id} replaces run {self.previous} as its "
                f"official result (run {self.previous} is kept)"
            )
        if self.status == "identical":
            return (
                f"{what} is already closed by run {self.run_id} with identical results; "
                "nothing was recorded"
            )
        shown = [f"  {d.describe()}" for d in self.differences[:10]]
        if len(self.differences) > 10:
            shown.append(f"  ... and {len(self.differences) - 10} more")
        detail = "\n".join(shown) if shown else "  (the same rows, but not the same results)"
        return (
            f"{what} is already closed by run {self.run_id}, and these results differ "
            f"from it (official → now):\n{detail}\n"
            "to make them the official result, run again with --amend --reason TEXT "
            f"(run {self.run_id} is kept)"
        )


class ClosingRefused(AuditError):
    """``run --official`` found results that differ from a period's official run and was
    given no reason to amend it. Raised out of the closing transaction, so nothing of it
    is kept (nor of an outer transaction it joined). ``outcomes`` has every planned run's
    outcome; the refused ones say what differs."""

    def __init__(self, outcomes: list[CloseOutcome]) -> None:
        self.outcomes = outcomes
        super().__init__("\n".join(o.message for o in outcomes if not o.ok))


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

    All of it is one transaction, which joins the caller's if one is open (then a
    refusal rolls back the caller's changes too, e.g. the data `run --events` ingested).
    The evaluation happens here, not before, because a run's per-rule contributions can
    be recorded only while its evaluation is at hand (runner.run_policy).
    """
    for ddl in RUN_TABLES:
        store.ensure_table(ddl)
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
        f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.policy = ? AND r.period = ? AND r.official"
        " ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1",
        [policy, period],
    ).fetchone()
    if current is None:
        document = _record(store, plan, catalog, official=True)
        return CloseOutcome("closed", policy, period, str(document.run["run_id"]), None,
                            document)  # fmt: skip
    official = _stored(current, catalog)
    document = run_policy(con, plan.item, catalog, plan.target, plan.as_of, record=False)
    if document.run["results_sha256"] == official.results_sha256:
        zone = policy_timezone(plan.item.policy, catalog)
        document.run = replace(official, zone=zone).header()
        return CloseOutcome("identical", policy, period, official.run_id, official.run_id,
                            document)  # fmt: skip
    differences = compare_results(_stored_results(store, official.run_id), document.results)
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
    """Evaluate and record through runner.run_policy, inside the caller's transaction."""
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
    """A DuckDB connection for ``runner.run_policy`` that leaves the transaction to the
    caller: runner._record brackets its writes in BEGIN/COMMIT (ROLLBACK on failure), which
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


# ---- times ------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(epoch_us: int) -> datetime:
    """A ``TIMESTAMPTZ`` fetched as ``epoch_us(...)``, exactly."""
    return _EPOCH + timedelta(microseconds=int(epoch_us))


def show_time(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")


@lru_cache(maxsize=256)
def _zone(policy_text: str, default: str | None) -> ZoneInfo:
    """The time zone a run's times are shown in: its policy's, else the catalog's, else UTC."""
    parsed = parse(policy_text)
    name = (parsed.policy.timezone if parsed.policy else None) or default or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
