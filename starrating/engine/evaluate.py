"""Evaluating a compiled policy for one period over the store, in DuckDB.

A run (docs/data.md section 4) evaluates the block of the period's kind and every shorter
block whose instances lie in it. The engine prepares the run's input tables (instances,
the roster in force at the as-of time, the visible events with their local dates), then
executes each block's compiled query, shortest block first, because longer blocks read
the results of shorter ones. Nothing here loops over employees or events: the only
Python loop is over blocks, and over the instances of a block that looks back
(``previous``/``for N consecutive``), which must be evaluated in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb

from ..compiler import CompiledPolicy
from ..compiler.build import build_plan
from ..compiler.expressions import DEC, SQL_TYPES, quote_ident, quote_text
from ..compiler.sql import EVERY_EVENT, render_policy
from ..i18n import N_, _
from ..language import ast as A
from ..language.catalog import BOOLEAN, DATE, NUMBER, TIMESTAMP, Catalog
from ..language.checker import Analysis
from ..store.chain import RESULTS_DIGEST
from ..store.schema import has_for_period
from .canonical import write_row_json
from .forperiod import UNLABELLED_RANK, counted_date_sql, counted_rank_sql
from .guards import check_run
from .periods import Instance, instance_containing, instances_within, shift

# How `events_sha256` is computed (docs/data.md section 5). 1: one ordered text of every
# event; 2: one digest per local day, then a digest of the days (the same events, but no
# text of the whole period is held in memory at once). A run records the version it used,
# so that a replay recomputes the digest the way the run did. 3: as 2, but each event is
# digested on the day it counts on (an event with a `for_period` on its label's last day,
# docs/language.md 3.4), and only the events the run's blocks counted; 1 and 2 took every
# event seen by its own date (no event had a label then).
EVENTS_DIGEST_VERSION = 3


class NumberOutOfRange(Exception):
    """A value or intermediate result beyond the range of exact arithmetic (docs/language.md
    9.1): the run stops (exit status 1) rather than round or wrap it."""


# Said once, here; translated where it is raised (the language is set per command).
OUT_OF_RANGE = N_(
    "a number of the {kind} block is too large for exact arithmetic: every value and "
    "intermediate result must stay below 10^20 (values up to 10^15 are exact, and a "
    "divisor that is not a whole number must stay below 10^15); the run was not recorded "
    "(DuckDB said: {detail})"
)


@dataclass
class Evaluation:
    instances: dict[str, list[Instance]]  # every evaluated instance per kind (incl. look-back)
    compiled: CompiledPolicy
    events_sha256: str  # the events the run saw (in the evaluated days), for replay
    roster_sha256: str  # the roster versions the run saw
    results_sha256: str  # of the rows' canonical JSON (docs/data.md section 5)
    # The rows as the printed document writes them, written by DuckDB: joined by ",\n",
    # each indented as if the row stood at the left margin (output/json.py places them).
    printed_rows: str
    # The rows as CSV cells (engine/canonical.py ``row_cells``), joined by ",": the text
    # output/csv.py writes the CSV from.
    cell_rows: str
    names: dict[str, str]  # employee_id -> name, for reports
    # The events, after as-of and voids, dated inside the period run and belonging to
    # employees on the roster in force; and what the results rest on that is missing
    # (engine/guards.py). Both go into the run document's `run` object.
    events_seen: int = 0
    warnings: list[str] = field(default_factory=list)
    # The policy evaluated: the terminal table leaves out the columns it never fills.
    policy: A.Policy | None = None


def policy_timezone(policy: A.Policy, catalog: Catalog | None) -> ZoneInfo:
    return ZoneInfo(policy.timezone or (catalog.timezone if catalog else None) or "UTC")


def evaluate(
    con: duckdb.DuckDBPyConnection,
    policy: A.Policy,
    analysis: Analysis,
    catalog: Catalog,
    target: Instance,
    as_of: datetime,
    contributions: bool = True,
    events_digest_version: int = EVENTS_DIGEST_VERSION,
) -> Evaluation:
    """Evaluate ``policy`` for ``target`` over the store behind ``con``.

    The store's ``events`` and ``roster`` tables are read as they were at ``as_of``.
    Temporary ``sr_*`` tables are created on ``con`` and dropped afterwards, except the
    two a run is recorded from, which the caller drops: ``sr_rows`` (each result row's
    position and canonical JSON) and, if ``contributions``, ``sr_contributions``.
    ``events_digest_version`` says how ``events_sha256`` is computed (a replay passes the
    version its run recorded).
    """
    tz = policy_timezone(policy, catalog)
    # The plan is kept beside its SQL: the guards read which columns each line reads.
    plan_of_policy = build_plan(analysis, catalog)
    compiled = render_policy(plan_of_policy)
    kinds = [k for k in A.PERIOD_KINDS if k in compiled.blocks]
    target_rank = A.PERIOD_KINDS.index(target.kind)
    evaluated_kinds = [k for k in kinds if A.PERIOD_KINDS.index(k) <= target_rank]
    try:
        for macro in compiled.macros:
            con.execute(macro)
        label = "for_period" if has_for_period(con) else "CAST(NULL AS VARCHAR)"
        week_ending = _week_ending(policy, "week")
        _prepare_events(con, compiled, tz, as_of, label, week_ending)
        history_start = con.execute("SELECT min(local_date) FROM sr_events").fetchone()[0]
        plan = _plan_instances(policy, compiled, evaluated_kinds, target, history_start)
        _prepare_instances(con, plan, target)
        _prepare_roster(con, compiled, as_of)
        for kind in evaluated_kinds:
            # Look-back sees nothing before the instance holding the first event.
            first_kept = (
                next(
                    (i for i, inst in enumerate(plan[kind]) if inst.end >= history_start),
                    len(plan[kind]),  # the whole plan ends before the first event
                )
                if history_start is not None
                else 0
            )
            _release_labelled_events(con, A.PERIOD_KINDS.index(kind))
            try:
                _run_block(con, compiled, kind, len(plan[kind]), first_kept)
            except (duckdb.OutOfRangeException, duckdb.ConversionException) as exc:
                detail = str(exc).splitlines()[0].split(": ", 1)[-1]
                raise NumberOutOfRange(_(OUT_OF_RANGE).format(kind=kind, detail=detail)) from None
        # Stored events are placed in the target as the blocks placed them: a labelled
        # event by its label's last day, when the label is no longer than the target.
        # (An event without a label has rank 0, so it always counts, on its own date.)
        counted_in_target = (
            f"CASE WHEN {counted_rank_sql(label)} <= {target_rank}"
            f" THEN {counted_date_sql(local_date_sql(tz), label, week_ending)} END"
        )
        guards = check_run(
            con, plan_of_policy, evaluated_kinds, target, as_of, tz, counted_in_target
        )
        write_row_json(con, compiled, evaluated_kinds)
        # After the rows: the checks' JSON is written with the macros write_row_json makes.
        if contributions:
            _collect_contributions(con, compiled, evaluated_kinds)
        events_sha256, roster_sha256, results_sha256 = _digests(
            con, plan, events_digest_version, _window_start(con, compiled, evaluated_kinds)
        )
        printed_rows, cell_rows = con.execute(
            "SELECT coalesce(string_agg(row_document, ',\n' ORDER BY position), ''),"
            " coalesce(string_agg(row_cells, ',' ORDER BY position), '') FROM sr_rows"
        ).fetchone()
        names = dict(con.execute("SELECT employee_id, name FROM sr_roster").fetchall())
    finally:
        for table in [
            "sr_events",
            "sr_events_held",
            "sr_instances",
            "sr_roster",
            *(f"sr_results_{k}" for k in A.PERIOD_KINDS),
            *(f"sr_history_{k}" for k in A.PERIOD_KINDS),
        ]:
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
    return Evaluation(
        plan,
        compiled,
        events_sha256,
        roster_sha256,
        results_sha256,
        printed_rows,
        cell_rows,
        names,
        guards.events_seen,
        guards.warnings,
        policy,
    )


def _window_start(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPolicy, kinds: list[str]
) -> date | None:
    """The first day any rolling window of the evaluated blocks read (None without any)."""
    starts = [
        con.execute(compiled.blocks[kind].window_start_sql).fetchone()[0]
        for kind in kinds
        if compiled.blocks[kind].window_start_sql
    ]
    return min(starts) if starts else None


def _digests(
    con: duckdb.DuckDBPyConnection,
    plan: dict[str, list[Instance]],
    events_version: int,
    window_start: date | None = None,
) -> tuple[str, str, str]:
    """sha256 of the events inside the evaluated days (with the days rolling windows read,
    from ``window_start``), of the roster versions used and of the result rows, computed
    by DuckDB as docs/data.md section 5 defines them."""
    first = min(instances[0].start for instances in plan.values())
    if window_start is not None:
        first = min(first, window_start)
    last = max(instances[-1].end for instances in plan.values())
    if events_version == 1:
        events = con.execute(_EVENTS_DIGEST_V1, {"first": first, "last": last}).fetchone()[0]
    else:
        # Versions 1 and 2 placed every event by its own date (`dated`); version 3 by the
        # day it counts on, so that an event counted through its `for_period` although
        # dated outside the evaluated days is covered, and a changed label is noticed.
        day = "local_date" if events_version >= 3 else "dated"
        # Rolling windows also read the labelled events still held back from the blocks
        # (a `2026` vote in a monthly run's 12-month window): the digest covers them too.
        source = "sr_events" if window_start is None else EVERY_EVENT
        events = _events_digest_by_day(con, first, last, day, source)
    roster = con.execute(
        "SELECT sha256(coalesce(string_agg(employee_id || ':' || version, ',' "
        "ORDER BY employee_id), '')) FROM sr_roster"
    ).fetchone()[0]
    results = con.execute(f"SELECT {RESULTS_DIGEST} FROM sr_rows").fetchone()[0]
    return events, roster, results


# Version 1 of the events digest (docs/data.md section 5): one text of every event.
_EVENTS_DIGEST_V1 = (
    "SELECT sha256(coalesce(string_agg(event_id || ':' || content_sha256, ',' "
    "ORDER BY event_id), '')) FROM sr_events WHERE dated BETWEEN $first AND $last"
)

# At most this many events' texts are held at once by the digest of version 2.
DIGEST_EVENTS_AT_ONCE = 2_000_000


def _events_digest_by_day(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    day: str = "local_date",
    source: str = "sr_events",
) -> str:
    """Versions 2 and 3 of the events digest: a sha256 per local day (``day`` names the
    column that places an event on a day) of the events of ``source``, then one of the
    days.

    DuckDB holds every input of an ordered ``string_agg`` in memory until it ends, and
    cannot spill it to disk: over 20 million events that is gigabytes. So the days are
    digested in runs of consecutive days of at most :data:`DIGEST_EVENTS_AT_ONCE` events
    (a day with more is a run of its own), one query per run; the loop is over those
    runs of days, never over events. The digest is the same whatever the runs."""
    con.execute("CREATE OR REPLACE TEMP TABLE sr_digest_days (local_date DATE, day_sha256 VARCHAR)")
    counts = con.execute(
        f"SELECT {day}, count(*) FROM {source} WHERE {day} BETWEEN $first AND $last"
        f" GROUP BY {day} ORDER BY {day}",
        {"first": first, "last": last},
    ).fetchall()
    for start, end in _runs_of_days(counts, DIGEST_EVENTS_AT_ONCE):
        con.execute(
            f"INSERT INTO sr_digest_days SELECT {day},"
            " sha256(string_agg(event_id || ':' || content_sha256, ',' ORDER BY event_id))"
            f" FROM {source} WHERE {day} BETWEEN $start AND $end GROUP BY {day}",
            {"start": start, "end": end},
        )
    try:
        return con.execute(
            "SELECT sha256(coalesce(string_agg(strftime(local_date, '%Y-%m-%d') || ':' ||"
            " day_sha256, ',' ORDER BY local_date), '')) FROM sr_digest_days"
        ).fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS sr_digest_days")


def _runs_of_days(counts: list[tuple[date, int]], budget: int) -> list[tuple[date, date]]:
    """Consecutive days (with their event counts, in order) grouped into runs of at most
    ``budget`` events; a day over the budget alone."""
    runs: list[tuple[date, date]] = []
    held = 0
    for day, count in counts:
        if runs and held + count <= budget:
            runs[-1] = (runs[-1][0], day)
            held += count
        else:
            runs.append((day, day))
            held = count
    return runs


# ---- which instances to evaluate --------------------------------------------------------


def _week_ending(policy: A.Policy, kind: str) -> str:
    block = policy.block(kind)
    return (block.period.week_ending if block else None) or "sunday"


def _plan_instances(
    policy: A.Policy,
    compiled: CompiledPolicy,
    kinds: list[str],
    target: Instance,
    history_start: date | None,
) -> dict[str, list[Instance]]:
    """Every instance each block must evaluate: the target's own, the shorter blocks'
    instances nested in what the longer blocks evaluate, and for a block that looks back
    every instance from the start of history (docs/language.md)."""
    plan: dict[str, list[Instance]] = {}
    start = target.start  # first day covered by the longer block evaluated so far
    for kind in reversed(kinds):
        week_ending = _week_ending(policy, kind)
        if kind == target.kind:
            first = last = target
        else:
            nested = instances_within(kind, start, target.end, week_ending)
            if not nested:  # cannot happen for real calendars; keep the plan well-formed
                nested = [instance_containing(kind, target.end, week_ending)]
            first, last = nested[0], nested[-1]
        if compiled.blocks[kind].looks_back and history_start is not None:
            earliest = instance_containing(kind, history_start, week_ending)
            if earliest < first:
                first = earliest
        instances = [first]
        while instances[-1] < last:
            instances.append(shift(instances[-1], 1))
        plan[kind] = instances
        start = min(start, first.start)
    return plan


# ---- the run's input tables -------------------------------------------------------------


def _prepare_instances(
    con: duckdb.DuckDBPyConnection, plan: dict[str, list[Instance]], target: Instance
) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_instances (kind VARCHAR, seq INTEGER, label VARCHAR, "
        "period_start DATE, period_end DATE, shown BOOLEAN)"
    )
    rows = [
        (
            kind,
            seq,
            inst.label,
            inst.start,
            inst.end,
            target.start <= inst.end <= target.end,
        )
        for kind, instances in plan.items()
        for seq, inst in enumerate(instances)
    ]
    con.executemany("INSERT INTO sr_instances VALUES (?, ?, ?, ?, ?, ?)", rows)


def _cast_text(expr: str, kind: str) -> str:
    """SQL turning a stored text value into the attribute's type (NULL where it cannot)."""
    if kind == BOOLEAN:
        return (
            f"CASE lower({expr}) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE "
            "WHEN 'false' THEN FALSE WHEN '0' THEN FALSE END"
        )
    if kind in (NUMBER, DATE, TIMESTAMP):
        return f"TRY_CAST({expr} AS {SQL_TYPES[kind]})"
    return expr


def _prepare_roster(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPolicy, as_of: datetime
) -> None:
    """The roster in force at ``as_of``: each employee's newest version recorded by then,
    with a typed column for each roster attribute the policy reads."""
    extracted = "".join(
        f",\n  {quote_ident(c.name) if c.stored else _attribute(c.name, c.type)} AS {c.sql_name}"
        for c in compiled.roster_columns
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_roster AS\n"
        "SELECT employee_id, version, name, hire_date, leave_date" + extracted + "\n"
        "FROM roster WHERE recorded_at <= $as_of\n"
        "QUALIFY row_number() OVER (PARTITION BY employee_id ORDER BY version DESC) = 1",
        {"as_of": as_of},
    )


def _attribute(name: str, kind: str) -> str:
    """A stored JSON attribute, typed."""
    return _cast_text(f"attributes ->> {quote_text(name)}", kind)


def local_date_sql(tz: ZoneInfo) -> str:
    """A stored event's local date in ``tz``: of its instant, or of its wall-clock time
    when it was written without an offset (docs/data.md section 1.1)."""
    zone = quote_text(tz.key)
    return f"CAST(coalesce(timezone({zone}, occurred_utc), occurred_local) AS DATE)"


def _prepare_events(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPolicy,
    tz: ZoneInfo,
    as_of: datetime,
    label: str,
    week_ending: str,
) -> None:
    """The events the run sees: recorded by ``as_of``, not voided by then, not voids
    themselves; with the local date they count on (``local_date``: their own, in the
    policy's time zone, or their ``for_period`` label's last day) and their own
    (``dated``).

    The blocks join events to instances by ``local_date`` alone (compiler/sql.py), which
    places a labelled event in its label's instance and every longer one that contains
    it. A labelled event must not count in a shorter kind (a `2026` vote in no month), so
    ``sr_events_held`` keeps it out of ``sr_events`` until the first block long enough
    for its label: :func:`_release_labelled_events`. Rolling windows (``over last N``,
    docs/language.md 5.6.1) take a labelled event by ``local_date``, its label's last day,
    in a block of any kind: they read ``sr_events`` with the still held ones
    (compiler/sql.py ``EVERY_EVENT``). Every event recorded by ``as_of`` is here, whatever
    its date, so a window sees the days before the first instance evaluated and before the
    policy's ``effective`` date."""
    extracted = "".join(
        f",\n  CASE WHEN type = {quote_text(str(c.event_type))} THEN "
        f"{_attribute(c.name, c.type)} END AS {c.sql_name}"
        for c in compiled.event_columns
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_events AS\n"
        "SELECT event_id, content_sha256, employee_id, type,\n"
        f"  {counted_date_sql('dated', 'for_period', week_ending)} AS local_date,\n"
        f"  CAST(value AS {DEC}) AS value" + extracted + ",\n"
        f"  dated, for_period, {counted_rank_sql('for_period')} AS for_rank\n"
        "FROM (SELECT event_id, content_sha256, employee_id, type, value, attributes,\n"
        f"  {local_date_sql(tz)} AS dated, {label} AS for_period FROM events\n"
        "WHERE recorded_at <= $as_of AND type <> 'void'\n"
        "  AND event_id NOT IN (\n"
        "    SELECT voids FROM events\n"
        "    WHERE type = 'void' AND recorded_at <= $as_of AND voids IS NOT NULL))",
        {"as_of": as_of},
    )
    # Labelled events are few: moving them aside is cheap, and the blocks' one pass over
    # the events stays the equality join on the day.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_events_held AS "
        f"SELECT * FROM sr_events WHERE for_rank > {UNLABELLED_RANK}"
    )
    con.execute(f"DELETE FROM sr_events WHERE for_rank > {UNLABELLED_RANK}")


def _release_labelled_events(con: duckdb.DuckDBPyConnection, kind_rank: int) -> None:
    """Before the block of the kind ``kind_rank`` (blocks run shortest first): the held
    labelled events whose label is no longer than that kind join ``sr_events``."""
    con.execute(f"INSERT INTO sr_events SELECT * FROM sr_events_held WHERE for_rank <= {kind_rank}")
    con.execute(f"DELETE FROM sr_events_held WHERE for_rank <= {kind_rank}")


# ---- running the blocks -----------------------------------------------------------------


def _run_block(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPolicy, kind: str, count: int, first_kept: int
) -> None:
    block = compiled.blocks[kind]
    table = quote_ident(f"sr_results_{kind}")
    if not block.looks_back:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS {block.sql}",
            {"seq_lo": 0, "seq_hi": count - 1},
        )
        return
    # Each instance reads the values earlier instances kept for it (the history table),
    # so instances are evaluated one after the other, in time order.
    history = quote_ident(f"sr_history_{kind}")
    hidden = ", ".join(f"{column} {sql_type}" for column, sql_type in block.hidden.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {history} (seq INTEGER, employee_id VARCHAR, {hidden})"
    )
    for seq in range(count):
        params = {"seq_lo": seq, "seq_hi": seq}
        if seq == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {block.sql}", params)
        else:
            con.execute(f"INSERT INTO {table} {block.sql}", params)
        if seq >= first_kept:
            con.execute(
                f"INSERT INTO {history} SELECT seq, employee_id, {', '.join(block.hidden)} "
                f"FROM {table} WHERE seq = $seq",
                {"seq": seq},
            )


def _collect_contributions(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPolicy, kinds: list[str]
) -> None:
    """What each rule line contributed to each shown row, and whether each conditional
    line applied and why (its check), into ``sr_contributions`` (kept after the run's
    other tables are dropped, for the run record to copy)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sr_contributions (period VARCHAR, employee_id VARCHAR, "
        f"line INTEGER, kind VARCHAR, label VARCHAR, amount {DEC}, detail VARCHAR, "
        "event_ids VARCHAR[])"
    )
    for kind in kinds:
        sql = compiled.blocks[kind].contributions_sql
        if sql:  # it reads the shown instances of sr_instances only
            con.execute(f"INSERT INTO sr_contributions {sql}")


__all__ = [
    "EVENTS_DIGEST_VERSION",
    "Evaluation",
    "evaluate",
    "policy_timezone",
]
