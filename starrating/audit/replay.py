"""Recomputing a recorded run (`starrating replay RUN_ID`) and comparing result rows.

Enters: a store, a run id and the catalog. Leaves: a :class:`ReplayOutcome`: the run
evaluated again from its stored policy text, period and as-of time over the store as it
is now (nothing is written), each result field that differs from what was recorded, and
the data recorded by the as-of time that arrived after the run was created; as text or
JSON. :func:`compare_results` is shared with closing a period.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from .. import __version__
from ..compiler.arithmetic import SHOWN_PLACES, at_shown_places
from ..engine.evaluate import policy_timezone
from ..engine.runs import RunDocument, RunError, resolve_target, run_policy
from ..i18n import _, ngettext
from ..language.catalog import Catalog, merge_catalogs
from ..language.checker import check_policy
from ..language.diagnostics import render_text
from ..language.parser import parse
from ..language.policyfiles import PolicyFile
from ..store.records import StoredRun, canonical_json, instant, show_time
from ..store.store import Store
from .runs import AuditError, read_recorded

# The fields of a result row a replay compares, in the order they are reported
# (``values`` is expanded into ``values.NAME``).
COMPARED_FIELDS = ("vetoed", "veto_reasons", "values", "red", "green", "net", "stars", "awards",
                   "reward")  # fmt: skip

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
        if self.field is None:
            if self.old is _ABSENT:
                message = _("{employee}  {period}: a new row (the recorded run has none)")
            else:
                message = _("{employee}  {period}: the row is gone (the recorded run has one)")
            return message.format(employee=self.employee_id, period=self.period)
        old, new = _show_value(self.old), _show_value(self.new)
        # The field is a JSON key of the result row (`stars`, `values.x`): never translated.
        return f"{self.employee_id}  {self.period}  {self.field}: {old} → {new}"

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
            message = _(
                "event {event_id} ({event_type}, employee {employee}) recorded {recorded_at}, "
                "from {file} (ingest {ingest_id}, {ingested_at})"
            )
        else:
            message = _(
                "roster of employee {employee} (version {version}) recorded {recorded_at}, "
                "from {file} (ingest {ingest_id}, {ingested_at})"
            )
        return message.format(
            event_id=self.event_id, event_type=self.event_type, employee=self.employee_id,
            version=self.version, recorded_at=show_time(self.recorded_at, zone),
            file=self.file, ingest_id=self.ingest_id,
            ingested_at=show_time(self.ingested_at, zone),
        )  # fmt: skip


@dataclass(frozen=True)
class ReplayOutcome:
    run: StoredRun
    document: RunDocument  # the recomputed run (not recorded)
    differences: list[Difference]
    engine_version: str  # of this starrating, which made the replay
    zone: ZoneInfo
    late_inputs: list[LateInput] = field(default_factory=list)

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
    stored = read_recorded(store, run_id, catalog, results=False).run
    run_catalog = merge_catalogs(catalog, store.data_catalog())
    item = _stored_policy(stored, run_catalog)
    assert item.policy is not None
    zone = policy_timezone(item.policy, run_catalog)
    try:
        target = resolve_target(item.policy, stored.period, stored.as_of, run_catalog)
    except RunError as exc:
        raise AuditError(
            _("run {run_id} cannot be replayed: {reason}").format(run_id=stored.run_id, reason=exc)
        ) from None
    document = run_policy(
        store.connection, item, run_catalog, target, stored.as_of, record=False,
        events_digest_version=stored.events_digest_version,
    )  # fmt: skip
    differences: list[Difference] = []
    if document.run["results_sha256"] != stored.results_sha256:
        # Only then are the rows read and compared, field by field, to say what differs.
        recorded = read_recorded(store, run_id, catalog)
        differences = compare_results(recorded.results, document.results)
    outcome = ReplayOutcome(replace(stored, zone=zone), document, differences, __version__, zone)
    if not outcome.identical or not outcome.roster_match:
        outcome = replace(outcome, late_inputs=late_inputs(store, stored.run_id))
    return outcome


def _stored_policy(stored: StoredRun, catalog: Catalog) -> PolicyFile:
    # Where the diagnostics say the text is: its file, or (without one) the run itself.
    name = stored.policy_file or _("run {run_id}").format(run_id=stored.run_id)
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
            _(
                "run {run_id} cannot be replayed: its stored policy text does not check "
                "with the catalog of today:\n\n{diagnostics}"
            ).format(run_id=stored.run_id, diagnostics=shown)
        )
    return item


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
    for (employee, period), _row in order:
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


def _rounded_only(difference: Difference) -> bool:
    """A number recorded (before values were stored at 6 places) with more places than
    the replay shows, equal to it once rounded half away from zero to those places."""
    old, new = difference.old, difference.new
    if isinstance(old, bool) or isinstance(new, bool):
        return False
    if not isinstance(old, Decimal | int) or not isinstance(new, Decimal | int):
        return False
    return at_shown_places(old) == new


def _show_value(value: object) -> str:
    if value is _ABSENT:
        return _("(none)")
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
        _(
            "run {run_id}: {policy} (version {version}), period {period}, as of {as_of}, "
            "created {created}"
        ).format(
            run_id=run.run_id, policy=run.policy, version=run.version, period=run.period,
            as_of=show_time(run.as_of, zone), created=show_time(run.created_at, zone),
        )
    ]  # fmt: skip
    if outcome.identical:
        lines.append(_("replayed from its stored policy text: identical (results and events)"))
        if not outcome.roster_match:
            lines.append(
                _("note: the roster versions it sees differ, without changing any result:")
            )
            lines += [f"  {i.describe(zone)}" for i in outcome.late_inputs if i.kind == "roster"]
        return "\n".join(lines) + "\n"
    lines.append(_("replayed from its stored policy text: DIFFERENT"))
    lines += [f"  {line}" for line in _digest_lines(outcome)]
    if outcome.differences:
        lines.append(
            _("differences ({count}, recorded → replayed):").format(count=len(outcome.differences))
        )
        lines += [f"  {d.describe()}" for d in outcome.differences]
    else:
        lines.append(_("no result differs: only the events the run saw"))
    lines.append(_("what changed:"))
    late = outcome.late_inputs
    events = [i for i in late if i.kind == "event"]
    roster = [i for i in late if i.kind == "roster"]
    if events:
        heading = ngettext(
            "{count} event recorded by the as-of time but ingested after the run was created:",
            "{count} events recorded by the as-of time but ingested after the run was created:",
            len(events),
        )
        lines.append("  " + heading.format(count=len(events)))
        lines += [f"    {i.describe(zone)}" for i in events]
    if roster:
        heading = ngettext(
            "{count} roster version recorded by the as-of time but ingested after the run was "
            "created:",
            "{count} roster versions recorded by the as-of time but ingested after the run was "
            "created:",
            len(roster),
        )
        lines.append("  " + heading.format(count=len(roster)))
        lines += [f"    {i.describe(zone)}" for i in roster]
    if run.engine_version != outcome.engine_version:
        lines.append(
            "  "
            + _(
                "the engine: the run was made by starrating {recorded}, the replay by {replayed}"
            ).format(recorded=run.engine_version, replayed=outcome.engine_version)
        )
    rounded = [d for d in outcome.differences if _rounded_only(d)]
    if rounded:
        lines.append(
            "  "
            + _(
                "{count} of the differences are values recorded with more than {places} "
                "decimal places, which are the same rounded to {places}: values are now "
                "stored at {places} places (docs/language.md section 9)"
            ).format(count=len(rounded), places=SHOWN_PLACES)
        )
    explained = rounded and len(rounded) == len(outcome.differences)
    if not late and run.engine_version == outcome.engine_version and not explained:
        lines.append(
            "  "
            + _(
                "no data recorded by the as-of time arrived after the run: the difference "
                "comes from the catalog (starrating.yaml) or the time zone"
            )
        )
    return "\n".join(lines) + "\n"


def _digest_lines(outcome: ReplayOutcome) -> list[str]:
    """Whether the results and the events the run saw are the same, each on a line (the
    two words padded to one width in English)."""
    run = outcome.run
    lines = []
    for ok, key, same, changed in (
        (outcome.results_match, "results_sha256",
         _("results same"), _("results recorded {old}, now {new}")),
        (outcome.events_match, "events_sha256",
         _("events  same"), _("events  recorded {old}, now {new}")),
    ):  # fmt: skip
        old, new = getattr(run, key), str(outcome.document.run[key])
        lines.append(same if ok else changed.format(old=old[:12], new=new[:12]))
    return lines
