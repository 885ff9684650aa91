"""A run: choose the policy version, resolve the period, evaluate, digest and record.

Enters: checked policy files, a period text, an as-of time and a store connection.
Leaves: the planned runs (:func:`plan_runs`) and a :class:`RunDocument` per run, recorded
in ``runs``, ``results`` and ``contributions`` unless asked not to.

The JSON document of a run is docs/data.md section 5. Runs are written to the store in
one transaction together with their result rows, so a failed run leaves nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

import duckdb

from .. import __version__
from ..compiler import compile_policy
from ..compiler.sql import comment, describe_inputs
from ..i18n import _
from ..language import ast as A
from ..language.catalog import Catalog
from ..language.policyfiles import PolicyFile
from ..store.chain import chain_run
from ..store.records import ResultRow
from ..store.schema import ensure_run_tables
from .evaluate import EVENTS_DIGEST_VERSION, Evaluation, evaluate, policy_timezone
from .periods import (
    KINDS,
    Instance,
    PeriodError,
    instance_containing,
    parse_label,
    resolve_period,
)


class RunError(Exception):
    """A run that cannot be made (bad period, no version in force...): exit status 1."""


@dataclass(frozen=True)
class RunDocument:
    """A run as the JSON contract writes it (docs/data.md section 5): the ``run`` header
    and the result rows; ``evaluation`` is at hand for a run evaluated in this process
    (names, roster digest), not for one read back from the store.

    The rows are held as the JSON text DuckDB printed them (``printed_rows``: each row as
    the document shows it, keys in the contract's order, joined by ",\n");
    :attr:`results` turns them into Python dicts only for a reader that wants them (the
    terminal table, a comparison), so that JSON output never does."""

    run: dict[str, object]
    printed_rows: str = ""
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)

    @cached_property
    def results(self) -> list[ResultRow]:
        """The result rows as JSON-contract dicts, numbers exact (Decimal, or int)."""
        return json.loads("[" + self.printed_rows + "]", parse_float=Decimal)

    def to_json(self) -> dict[str, object]:
        return {"run": self.run, "results": self.results}


# ---- choosing what to run ---------------------------------------------------------------


def policy_kinds(policy: A.Policy) -> dict[str, str | None]:
    return {b.period.kind: b.period.week_ending for b in policy.blocks}


@dataclass
class PlannedRun:
    item: PolicyFile
    target: Instance
    as_of: datetime


class NothingToRun(RunError):
    """A policy that has nothing to run for the period asked for: no block of its kind,
    or no version in force. In a batch (a folder) the policy is skipped with a note."""


def plan_runs(
    files: list[PolicyFile],
    period_text: str,
    name: str | None,
    as_of_text: str | None,
    catalog: Catalog | None,
    batch: bool = False,
) -> tuple[list[PlannedRun], list[str]]:
    """For each policy name (or just ``name``): the period to run and the version in force
    for it, the one with the latest ``effective`` date on or before the period's first
    day (docs/language.md section 2).

    ``previous`` is resolved per policy name: the latest ended period, among those of its
    versions' longest block kinds, for which a version is in force (see
    :func:`_plan_previous`). In a ``batch`` (a folder run without ``--policy``), a policy
    that has nothing to run (no block of the period's kind, no version in force) is
    skipped and a note says why; elsewhere that is an error. Returns the runs and the
    notes."""
    by_name: dict[str, list[PolicyFile]] = {}
    for item in files:
        assert item.policy is not None
        by_name.setdefault(item.policy.name, []).append(item)
    if name is not None:
        if name not in by_name:
            known = ", ".join(f'"{n}"' for n in sorted(by_name))
            raise RunError(
                _('no policy named "{name}" here; the policies are: {known}').format(
                    name=name, known=known
                )
            )
        by_name = {name: by_name[name]}
    previous = period_text.strip().lower() == "previous"
    planned: list[PlannedRun] = []
    skipped: list[str] = []
    for policy_name, versions in by_name.items():
        versions = sorted(versions, key=_effective)
        try:
            if previous:
                planned.append(_plan_previous(policy_name, versions, as_of_text, catalog))
            else:
                planned.append(_plan_label(policy_name, versions, period_text, as_of_text, catalog))
        except NothingToRun as exc:
            if not batch:
                raise
            skipped.append(_("skipped {path}: {reason}").format(path=versions[-1].path, reason=exc))
    return planned, skipped


def _effective(item: PolicyFile) -> str:
    assert item.policy is not None
    return item.policy.effective or ""


def _in_force(versions: list[PolicyFile], target: Instance) -> PolicyFile | None:
    """The version in force for ``target``: the latest ``effective`` on or before its
    first day (``versions`` sorted by ``effective``)."""
    in_force = [v for v in versions if _effective(v) <= target.start.isoformat()]
    return in_force[-1] if in_force else None


def _not_in_force(policy_name: str, versions: list[PolicyFile], target: Instance) -> NothingToRun:
    dates = ", ".join(_effective(v) for v in versions)
    return NothingToRun(
        _(
            'no version of "{policy}" is in force for {period}: its versions take effect on {dates}'
        ).format(policy=policy_name, period=target.label, dates=dates)
    )


def _plan_label(
    policy_name: str,
    versions: list[PolicyFile],
    period_text: str,
    as_of_text: str | None,
    catalog: Catalog | None,
) -> PlannedRun:
    # The newest version says what the label means (a week's weekday); the version in
    # force for that period is then the one that runs.
    kind = parse_label(period_text).kind
    chosen = versions[-1]
    for _attempt in range(2):
        policy = chosen.policy
        assert policy is not None
        as_of = parse_as_of(as_of_text, policy_timezone(policy, catalog))
        try:
            target = resolve_target(policy, period_text, as_of, catalog)
        except RunError as exc:
            if kind in policy_kinds(policy):
                raise
            raise NothingToRun(str(exc)) from None  # the policy has no block of that kind
        in_force = _in_force(versions, target)
        if in_force is None:
            raise _not_in_force(policy_name, versions, target)
        if in_force is chosen:
            return PlannedRun(chosen, target, as_of)
        chosen = in_force
    raise AssertionError("unreachable: the version in force was chosen in the second pass")


def _plan_previous(
    policy_name: str, versions: list[PolicyFile], as_of_text: str | None, catalog: Catalog | None
) -> PlannedRun:
    """``--period previous`` for one policy name: the latest ended period for which a
    version is in force.

    Each version proposes the latest ended instance of its own longest block kind (in its
    time zone, at the as-of time) that it is in force for: where a newer version has taken
    over, the last instance that starts before the newer version's ``effective`` date. The
    proposal that ends last runs (the longer period on the same last day). A policy whose
    first version takes effect after its latest ended period has nothing to run yet."""
    candidates: list[PlannedRun] = []
    latest_ended: list[Instance] = []  # each version's own, for the message below
    for position, version in enumerate(versions):
        policy = version.policy
        assert policy is not None
        as_of = parse_as_of(as_of_text, policy_timezone(policy, catalog))
        target = resolve_target(policy, "previous", as_of, catalog)
        latest_ended.append(target)
        if position + 1 < len(versions):
            newer_from = date.fromisoformat(_effective(versions[position + 1]))
            if target.start >= newer_from:
                last_day = newer_from - timedelta(days=1)
                target = instance_containing(target.kind, last_day, target.week_ending)
        if _in_force(versions, target) is version:
            candidates.append(PlannedRun(version, target, as_of))
    if candidates:
        return max(candidates, key=lambda p: (p.target.end, KINDS.index(p.target.kind)))
    first = latest_ended[0]
    raise NothingToRun(
        _(
            'no version of "{policy}" is in force for {period}, its latest ended {kind}: its '
            "first version takes effect on {effective}"
        ).format(
            policy=policy_name,
            period=first.label,
            kind=first.describe_kind(),
            effective=_effective(versions[0]),
        )
    )


def resolve_target(
    policy: A.Policy, period_text: str, as_of: datetime, catalog: Catalog | None
) -> Instance:
    tz = policy_timezone(policy, catalog)
    try:
        return resolve_period(period_text, policy_kinds(policy), as_of, tz)
    except PeriodError as exc:
        raise RunError(str(exc)) from None


def parse_as_of(text: str | None, tz: ZoneInfo) -> datetime:
    """``--as-of``: ISO 8601; a time without offset is local in the policy's zone; a bare
    date means the start of that day. Default: now."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RunError(
            _("--as-of {text} is not a time: write e.g. 2026-11-02T00:00:00+08:00").format(
                text=repr(text)
            )
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


# ---- running ----------------------------------------------------------------------------


def run_policy(
    con: duckdb.DuckDBPyConnection,
    item: PolicyFile,
    catalog: Catalog,
    target: Instance,
    as_of: datetime,
    record: bool = True,
    events_digest_version: int = EVENTS_DIGEST_VERSION,
) -> RunDocument:
    """Evaluate ``item`` for ``target`` as seen at ``as_of`` and, if ``record``, record the
    run. A replay passes the ``events_digest_version`` its run was recorded with."""
    policy, analysis = item.policy, item.analysis
    assert policy is not None and analysis is not None
    tz = policy_timezone(policy, catalog)
    evaluation = evaluate(
        con, policy, analysis, catalog, target, as_of,
        contributions=record, events_digest_version=events_digest_version,
    )  # fmt: skip
    run = {
        "run_id": _new_run_id(),
        "policy": policy.name,
        "version": policy.version or "1",
        "policy_sha256": sha256_text(item.source),
        "period": target.label,
        "as_of": as_of.astimezone(tz).isoformat(timespec="seconds"),
        "events_sha256": evaluation.events_sha256,
        "results_sha256": evaluation.results_sha256,
        # Filled in when the run is recorded (its link in the chain of runs); null when not.
        "run_sha256": None,
        "previous_run_sha256": None,
        "events_seen": evaluation.events_seen,
        "warnings": evaluation.warnings,
    }
    document = RunDocument(run, evaluation.printed_rows, evaluation)
    try:
        if record:
            run["run_sha256"], run["previous_run_sha256"] = _record(
                con, item, document, as_of, evaluation.roster_sha256, events_digest_version
            )
    finally:
        con.execute("DROP TABLE IF EXISTS sr_rows")
        con.execute("DROP TABLE IF EXISTS sr_contributions")
    return document


def _record(
    con: duckdb.DuckDBPyConnection,
    item: PolicyFile,
    document: RunDocument,
    as_of: datetime,
    roster_sha256: str,
    events_digest_version: int,
) -> tuple[str, str]:
    """Write the run, its results and contributions, and its link in the chain of runs, in
    one transaction; returns its ``(run_sha256, previous_run_sha256)``."""
    ensure_run_tables(con)
    run = document.run
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO runs (run_id, policy, version, policy_file, policy_text, policy_sha256,"
            " period, as_of, events_sha256, roster_sha256, results_sha256, engine_version,"
            " created_at, created_by, events_digest_version, events_seen, warnings)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run["run_id"], run["policy"], run["version"], item.path, item.source,
                run["policy_sha256"], run["period"], as_of, run["events_sha256"],
                roster_sha256, run["results_sha256"], __version__,
                datetime.now(UTC), _user(), events_digest_version,
                run["events_seen"], run["warnings"],
            ],
        )  # fmt: skip
        # Both written from the tables the evaluation left (engine/evaluate.py): the rows'
        # canonical JSON was made there by DuckDB, the text the digest was taken of.
        con.execute(
            "INSERT INTO results (run_id, position, employee_id, period, row_json, row_sha256)"
            " SELECT ?, position, employee_id, period, row_json, sha256(row_json) FROM sr_rows",
            [run["run_id"]],
        )
        con.execute(
            "INSERT INTO contributions SELECT ?, period, employee_id, line, kind, label, "
            "amount, detail, event_ids FROM sr_contributions",
            [run["run_id"]],
        )
        chained = chain_run(con, str(run["run_id"]))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return chained


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:
        return None


def _new_run_id() -> str:
    # Sortable by creation time, unique without coordination.
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compile_sql(item: PolicyFile, catalog: Catalog, target: Instance) -> str:
    """The SQL a run of ``item`` for ``target`` executes, block by block, with comments
    naming the input tables the engine prepares (``starrating compile``)."""
    policy, analysis = item.policy, item.analysis
    assert policy is not None and analysis is not None
    compiled = compile_policy(analysis, catalog)
    rank = A.PERIOD_KINDS.index
    parts = [
        comment(f"{policy.name} (version {policy.version or '1'}), period {target.label}"),
        "-- Input tables prepared by the engine for each run:",
        "--   sr_instances(kind, seq, label, period_start, period_end, shown)",
        "--   sr_roster(employee_id, version, name, hire_date, leave_date, attributes...)",
        "--   sr_events(event_id, content_sha256, employee_id, type, local_date, value,"
        " attributes...)",
        *describe_inputs(compiled),
        "-- Each block's query runs for the instances with seq in [$seq_lo, $seq_hi], shortest"
        " block first; its rows become sr_results_KIND.",
        "-- Exact decimal arithmetic (docs/language.md, Numbers): the macros the queries call.",
        *(f"{macro};" for macro in compiled.macros),
    ]
    for kind, block in compiled.blocks.items():
        if rank(kind) > rank(target.kind):
            continue
        mode = (
            "instance by instance, in time order (it looks back)"
            if block.looks_back
            else "all instances at once"
        )
        parts.append(f"\n-- each {kind} block: evaluated {mode}\n{block.sql};")
    return "\n".join(parts) + "\n"
