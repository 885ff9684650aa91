"""Recorded runs as typed records, read back through one reader; the exact JSON writer.

Enters: the ``runs``, ``results`` and ``contributions`` tables of a store (see
:mod:`.schema`), or any JSON-contract value to write. Leaves: :class:`StoredRun` (one
``runs`` row), :class:`Contribution` (one rule's effect on one result),
:class:`RecordedRun` (a run with its result rows and, when asked for, contributions) from
:func:`read_run`; and JSON text with exact decimals (:func:`canonical_json`, the form
result rows are stored and digested in; :func:`document_json`, the form printed).

Times are fetched from DuckDB as microseconds since the epoch (``epoch_us``): handing a
``TIMESTAMPTZ`` to Python would need pytz (see store.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from ..i18n import _
from ..language.catalog import Catalog
from ..language.diagnostics import suggestion
from ..language.parser import parse


class ResultRow(TypedDict):
    """One rated employee in one period instance: a row of the JSON contract (docs/data.md
    section 5). A typed dict rather than a class, because it is the JSON row itself: it is
    digested, stored and printed as it is. Numbers are exact (``Decimal``); a row read back
    from the store's JSON may hold them as JSON numbers (see :func:`as_decimal`)."""

    employee_id: str
    period: str
    period_start: str  # ISO date
    period_end: str
    vetoed: bool
    veto_reasons: list[str]
    values: dict[str, Decimal | str | bool | None]  # every let/score of the block
    red: Decimal | None
    green: Decimal | None
    net: Decimal | None
    stars: int | None
    awards: list[str]
    reward: Decimal | None


# The keys of a result row, in the order the JSON contract writes them.
RESULT_FIELDS: tuple[str, ...] = tuple(ResultRow.__annotations__)


def as_decimal(value: object) -> Decimal:
    """A number of a result row as an exact Decimal (missing counts 0); JSON floats go
    through their shortest text form, so 1.5 stays 1.5."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def total_reward(rows: list[ResultRow]) -> Decimal:
    """The reward of every row, summed exactly."""
    return sum((as_decimal(r["reward"]) for r in rows), Decimal(0))


# ---- JSON with exact decimals -----------------------------------------------------------


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces; decimals written exactly (not via float)."""
    return _dump(value, sort_keys=True, indent=None, separators=(",", ":"))


def document_json(value: object, indent: int | None = 2) -> str:
    """JSON in the order given; indented, or on one line spaced as ``json.dumps`` spaces
    it (``[1, 2]``, ``{"a": 1}``). Values JSON has no type for (dates...) are written
    as their text."""
    return _dump(value, sort_keys=False, indent=indent, separators=(", ", ": "), default=str)


def _dump(
    value: object,
    sort_keys: bool,
    indent: int | None,
    separators: tuple[str, str],
    default: Callable[[object], str] | None = None,
    level: int = 0,
) -> str:
    """A small JSON writer: the json module cannot write a Decimal as an exact number."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value, ensure_ascii=False)

    def nested(item: object) -> str:
        return _dump(item, sort_keys, indent, separators, default, level + 1)

    item_separator, key_separator = separators
    if indent is not None:
        key_separator = ": "
    if isinstance(value, dict):
        items = sorted(value.items()) if sort_keys else list(value.items())
        parts = [
            f"{json.dumps(str(k), ensure_ascii=False)}{key_separator}{nested(v)}" for k, v in items
        ]
        return _wrap("{", "}", parts, indent, level, item_separator)
    if isinstance(value, list | tuple):
        return _wrap("[", "]", [nested(v) for v in value], indent, level, item_separator)
    if default is not None:
        return json.dumps(default(value), ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _wrap(
    open_: str, close: str, parts: list[str], indent: int | None, level: int, separator: str
) -> str:
    if not parts:
        return open_ + close
    if indent is None:
        return open_ + separator.join(parts) + close
    inner = " " * (indent * (level + 1))
    return f"{open_}\n{inner}" + f",\n{inner}".join(parts) + f"\n{' ' * (indent * level)}{close}"


# ---- times ------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(epoch_us: int) -> datetime:
    """A ``TIMESTAMPTZ`` fetched as ``epoch_us(...)``, exactly."""
    return _EPOCH + timedelta(microseconds=int(epoch_us))


def show_time(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")


@lru_cache(maxsize=256)
def run_zone(policy_text: str, default: str | None) -> ZoneInfo:
    """The time zone a run's times are shown in: its policy's, else the catalog's, else UTC."""
    parsed = parse(policy_text)
    name = (parsed.policy.timezone if parsed.policy else None) or default or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# ---- the records ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRun:
    """One row of ``runs``, and the run that replaced it as the official result."""

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
    events_digest_version: int = 1  # how events_sha256 was computed (docs/data.md section 5)
    # The run's guards (engine/guards.py); None for a run recorded before runs kept them,
    # shown as null: not known, which is not the same as none.
    events_seen: int | None = None
    warnings: list[str] | None = None
    # Its link in the chain of runs (store/chain.py); None in a version-1 store read as
    # it is (read-only, not upgraded yet).
    run_sha256: str | None = None
    previous_run_sha256: str | None = None

    @property
    def status(self) -> str:
        """``official``, ``official, amends X: "why"``, ``amended by Y`` or ``-``, in the
        reader's language (the JSON has the fields themselves: ``official``, ``amends``)."""
        if self.official:
            if self.amends:
                reason = " ".join((self.amend_reason or "").split())  # one table line
                return _('official, amends {run}: "{reason}"').format(
                    run=self.amends, reason=reason
                )
            return _("official")
        if self.amended_by:
            return _("amended by {run}").format(run=self.amended_by)
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
            "run_sha256": self.run_sha256,
            "previous_run_sha256": self.previous_run_sha256,
            "events_seen": self.events_seen,
            "warnings": self.warnings,
        }

    def to_json(self) -> dict[str, object]:
        """The run as ``starrating runs --format json`` lists it."""
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


@dataclass(frozen=True)
class Contribution:
    """What one policy line did to one employee's result in one period instance."""

    period: str
    employee_id: str
    line: int  # in the run's policy text
    kind: str  # value, red, green, minus, plus, veto, stars, award, reward, check
    label: str | None
    amount: Decimal | None
    detail: str | None
    event_ids: list[str]


@dataclass(frozen=True)
class RecordedRun:
    """A recorded run as :func:`read_run` reads it: the ``runs`` row, its result rows
    (JSON-contract dicts, numbers as Decimal) and, when asked for, its contributions."""

    run: StoredRun
    results: list[ResultRow]
    contributions: list[Contribution] = field(default_factory=list)


class RunNotFound(LookupError):
    """No run with that id; ``message`` says so, with a "did you mean" when one is close.
    ``no_runs``: the store has no recorded run at all."""

    def __init__(self, message: str, no_runs: bool) -> None:
        super().__init__(message)
        self.message = message
        self.no_runs = no_runs


# ---- reading ----------------------------------------------------------------------------

_RUN_COLUMNS = (
    "r.run_id, r.policy, r.version, r.policy_file, r.policy_text, r.policy_sha256, r.period,"
    " epoch_us(r.as_of), r.events_sha256, r.roster_sha256, r.results_sha256, r.engine_version,"
    " epoch_us(r.created_at), r.created_by, r.official, r.amends, r.amend_reason,"
    " (SELECT min(n.run_id) FROM runs n WHERE n.amends = r.run_id)"
)

# Columns added to ``runs`` after stores were written without them (store/schema.py
# ``ensure_run_tables`` adds them when a run is next recorded; a read-only command does
# not), with what a run recorded before them reads: digest version 1, and no guards.
_LATER_RUN_COLUMNS = {
    "events_digest_version": "1",
    "events_seen": "CAST(NULL AS BIGINT)",
    "warnings": "CAST(NULL AS VARCHAR[])",
    "run_sha256": "CAST(NULL AS VARCHAR)",
    "previous_run_sha256": "CAST(NULL AS VARCHAR)",
}


def run_columns(con: duckdb.DuckDBPyConnection) -> str:
    """The select list :func:`stored_run` reads (``FROM runs r``), in a store whose
    ``runs`` may predate some of its columns (see :data:`_LATER_RUN_COLUMNS`)."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = 'runs'"
        ).fetchall()
    }
    later = [
        f"r.{name}" if name in present else default for name, default in _LATER_RUN_COLUMNS.items()
    ]
    return ", ".join([_RUN_COLUMNS, *later])


def has_runs(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has a ``runs`` table (created with the first recorded run)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'runs'"
    ).fetchone()
    return bool(row and row[0])


def stored_run(row: tuple[Any, ...], catalog: Catalog | None) -> StoredRun:
    """A row selected as :func:`run_columns` (``FROM runs r``)."""
    (run_id, policy, version, policy_file, text, policy_sha, period, as_of, events_sha,
     roster_sha, results_sha, engine, created_at, created_by, official, amends, reason,
     amended_by, digest_version, events_seen, warnings, run_sha, previous_sha) = row  # fmt: skip
    return StoredRun(
        run_id, policy, version, policy_file, text, policy_sha, period, instant(as_of),
        events_sha, roster_sha, results_sha, engine, instant(created_at), created_by,
        bool(official), amends, reason, amended_by,
        run_zone(text, catalog.timezone if catalog else None), int(digest_version or 1),
        None if events_seen is None else int(events_seen),
        None if warnings is None else list(warnings), run_sha, previous_sha,
    )  # fmt: skip


def read_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    catalog: Catalog | None = None,
    *,
    where: object = None,
    results: bool = True,
    contributions: bool = False,
    employee: str | None = None,
    period: str | None = None,
) -> RecordedRun:
    """The recorded run ``run_id``: its row; its result rows in their recorded order
    (unless ``results`` is False); its contributions ordered by period, employee, line
    and kind (if ``contributions``). ``employee`` and ``period`` keep only their rows and
    contributions. ``catalog`` gives the time zone when the policy names none.

    Raises :class:`RunNotFound`, whose message names the store as ``where`` (by default
    "this store").
    """
    if where is None:
        where = _("this store")
    if not has_runs(con):
        raise RunNotFound(
            _("no run {run} in {where}: it has no recorded runs").format(run=run_id, where=where),
            no_runs=True,
        )
    row = con.execute(
        f"SELECT {run_columns(con)} FROM runs r WHERE r.run_id = ?", [run_id]
    ).fetchone()
    if row is None:
        raise RunNotFound(unknown_run_message(con, run_id, where), no_runs=False)
    run = stored_run(row, catalog)
    only = "run_id = ? AND (? IS NULL OR employee_id = ?) AND (? IS NULL OR period = ?)"
    params = [run_id, employee, employee, period, period]
    rows = []
    if results:
        rows = [
            json.loads(text, parse_float=Decimal)
            for (text,) in con.execute(
                f"SELECT row_json FROM results WHERE {only} ORDER BY position", params
            ).fetchall()
        ]
    effects = []
    if contributions:
        effects = [
            Contribution(p, e, line, kind, label, amount, detail, list(ids or []))
            for p, e, line, kind, label, amount, detail, ids in con.execute(
                "SELECT period, employee_id, line, kind, label, amount, detail, event_ids "
                f"FROM contributions WHERE {only} ORDER BY period, employee_id, line, kind",
                params,
            ).fetchall()
        ]
    return RecordedRun(run, rows, effects)


def unknown_run_message(con: duckdb.DuckDBPyConnection, run_id: str, where: object) -> str:
    """``no run X is recorded in STORE; did you mean `Y`?`` (a close id or a unique
    prefix), shared by every command that takes a RUN_ID."""
    known = [r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()]
    starting = [k for k in known if k.startswith(run_id.strip())] if run_id.strip() else []
    hint = (
        _("did you mean `{run}`?").format(run=starting[0])
        if len(starting) == 1
        else suggestion(run_id, known)
    ) or _("`starrating runs` lists the recorded runs")
    return _("no run {run} is recorded in {where}; {hint}").format(
        run=run_id, where=where, hint=hint
    )
