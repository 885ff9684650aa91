"""The schema of the store, version 2: every table's DDL, in one place.

Enters: a DuckDB connection. Leaves: the tables created (:func:`create_schema` for a new
store, :func:`ensure_run_tables` before the first run is recorded) and the constants that
name the schema version and the special values the tables hold.

Schema version 2 (``meta.schema_version`` = "2")::

    meta(key, value)                          schema_version
    ingests(ingest_id, kind, file, sha256, rows, added, ingested_at,
            ingest_sha256, previous_ingest_sha256)
    events(event_id, employee_id, type, occurred_at, occurred_utc, occurred_local,
           recorded_at, value, voids, attributes, content_sha256, ingest_id, for_period)
    roster(employee_id, version, name, hire_date, leave_date, attributes,
           content_sha256, recorded_at, ingest_id)
    attribute_types(scope, name, type)        scope: an event type, or "@roster"
    runs(run_id, policy, version, policy_file, policy_text, policy_sha256, period, as_of,
         events_sha256, roster_sha256, results_sha256, engine_version, created_at,
         created_by, official, amends, amend_reason, events_digest_version,
         events_seen, warnings, contributions_sha256, run_sha256, previous_run_sha256)
    results(run_id, position, employee_id, period, row_json, row_sha256)
    contributions(run_id, period, employee_id, line, kind, label, amount, detail,
                  event_ids)

* ``events.occurred_at`` is the text as written; ``occurred_utc`` is set when the text
  had an offset (``Z``, ``+08:00``), ``occurred_local`` (the wall-clock time in the
  policy's zone) when it had none. ``void`` rows (``voids`` = an event id) live in the
  same table. ``attributes`` is a JSON object of text values (empty cells omitted); their
  types are in ``attribute_types``.
* ``events.event_id`` is unique without a ``PRIMARY KEY``: an ingest writes only the
  first row of each id in its file and only ids the store does not hold (the anti-join of
  its ``INSERT``), after the checks that refuse an id with other content. Maintaining an
  index over every stored id cost an ingest more than the rest of writing its rows and
  held the whole index in memory. Stores created before this (schema version 1 too)
  keep their key on ``event_id``; both layouts are read and written alike.
* ``events.for_period`` came after the other columns: a store written before it gets it,
  empty, when opened for writing (:func:`ensure_event_columns`); reading a store that
  lacks it sees every event without a label (the engine asks :func:`has_for_period`).
* Version 2 added the hash chains of runs and ingests (:mod:`.chain`): the ``*_sha256``
  columns after ``warnings``, ``added`` and ``row_json``. A version-1 store is upgraded
  to version 2 the first time a command opens it for writing (:func:`.chain.upgrade_to_v2`,
  called by the store); read-only, it is read as it is (:data:`READABLE_VERSIONS`).
* ``roster`` keeps every version of an employee; a run uses the newest version recorded
  at or before its as-of time.
* ``runs``, ``results`` and ``contributions`` exist once a run has been recorded (see
  :data:`RUN_TABLES`); a store written before they existed opens as it is.
"""

from __future__ import annotations

import duckdb

from ..language.catalog import BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP

SCHEMA_VERSION = "2"
# The versions a read-only command reads as they are: a version-1 store has no chains.
READABLE_VERSIONS = ("1", SCHEMA_VERSION)
ROSTER_SCOPE = "@roster"  # attribute_types.scope of roster attributes
VOID_TYPE = "void"
ATTRIBUTE_TYPES = (TEXT, NUMBER, BOOLEAN, DATE, TIMESTAMP)

STORE_TABLES = (
    """CREATE TABLE meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR
    )""",
    """CREATE TABLE ingests (
        ingest_id BIGINT PRIMARY KEY,
        kind VARCHAR,              -- 'events' or 'roster'
        file VARCHAR,              -- as named on the command line
        sha256 VARCHAR,            -- of the file's bytes
        rows BIGINT,               -- data rows in the file
        added BIGINT,              -- events or roster versions it added
        ingested_at TIMESTAMPTZ,
        ingest_sha256 VARCHAR,     -- the chain of ingests (store/chain.py)
        previous_ingest_sha256 VARCHAR  -- ingest_sha256 of the ingest before, '' for the first
    )""",
    """CREATE TABLE events (
        event_id VARCHAR NOT NULL,        -- unique: see the module's docstring
        employee_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        occurred_at VARCHAR NOT NULL,     -- as written
        occurred_utc TIMESTAMPTZ,         -- when the text had an offset (Z, +08:00)
        occurred_local TIMESTAMP,         -- when it had none: local time, policy's zone
        recorded_at TIMESTAMPTZ NOT NULL,
        value DECIMAL(38, 10),
        voids VARCHAR,                    -- on `void` rows: the event_id cancelled
        attributes JSON,                  -- other columns: object of text values
        content_sha256 VARCHAR NOT NULL,
        ingest_id BIGINT NOT NULL,
        for_period VARCHAR                -- the period it belongs to (2026-10), upper case
    )""",
    """CREATE TABLE roster (
        employee_id VARCHAR,
        version INTEGER,
        name VARCHAR,
        hire_date DATE,
        leave_date DATE,
        attributes JSON,                  -- other columns (department, role...): text
        content_sha256 VARCHAR,
        recorded_at TIMESTAMPTZ,
        ingest_id BIGINT,
        PRIMARY KEY (employee_id, version)
    )""",
    """CREATE TABLE attribute_types (
        scope VARCHAR,                    -- an event type, or '@roster'
        name VARCHAR,
        type VARCHAR,                     -- text, number, boolean, date, timestamp
        PRIMARY KEY (scope, name)
    )""",
)

# Created when the first run is recorded, not with the store: until then a store has
# no `runs` table, and the audit commands say "no runs are recorded in STORE".
RUN_TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        policy VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        policy_file VARCHAR,
        policy_text VARCHAR NOT NULL,
        policy_sha256 VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        as_of TIMESTAMPTZ NOT NULL,
        events_sha256 VARCHAR NOT NULL,
        roster_sha256 VARCHAR NOT NULL,
        results_sha256 VARCHAR NOT NULL,
        engine_version VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR,
        official BOOLEAN NOT NULL DEFAULT FALSE,  -- the official result of (policy, period)
        amends VARCHAR,  -- the official run this one replaced (run --official --amend)
        amend_reason VARCHAR,
        events_digest_version INTEGER NOT NULL DEFAULT 1,  -- how events_sha256 was computed
        -- NULL for a run recorded before runs kept them (shown as null: not recorded)
        events_seen BIGINT,  -- events dated in the period, seen, of employees on the roster
        warnings VARCHAR[],  -- what the results rest on that is missing (engine/guards.py)
        contributions_sha256 VARCHAR,  -- the chain of runs (store/chain.py)
        run_sha256 VARCHAR,
        previous_run_sha256 VARCHAR  -- run_sha256 of the run recorded before, '' for the first
    )""",
    """CREATE TABLE IF NOT EXISTS contributions (
        run_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        employee_id VARCHAR NOT NULL,
        line INTEGER NOT NULL,  -- the policy line (in runs.policy_text)
        kind VARCHAR NOT NULL,  -- value, red, green, minus, plus, veto, stars, award, reward
        label VARCHAR,
        amount DECIMAL(38,10),
        detail VARCHAR,
        event_ids VARCHAR[]
    )""",
    """CREATE TABLE IF NOT EXISTS results (
        run_id VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        employee_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        row_json VARCHAR NOT NULL,
        row_sha256 VARCHAR,  -- sha256(row_json): names the row that changed (`verify`)
        PRIMARY KEY (run_id, position)
    )""",
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The tables of a new store and its schema version (inside the caller's transaction)."""
    for statement in STORE_TABLES:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def ensure_event_columns(con: duckdb.DuckDBPyConnection) -> None:
    """The events columns added after schema version 1 was first written, last in the
    table (as a new store has them), so that inserts by position fit both."""
    con.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS for_period VARCHAR")


def has_for_period(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store's ``events`` has ``for_period`` (a store written before it and
    opened read-only has not)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'events' AND column_name = 'for_period'"
    ).fetchone()
    return bool(row and row[0])


def ensure_run_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``runs``, ``results`` and ``contributions``, unless they exist already."""
    for statement in RUN_TABLES:
        con.execute(statement)
    # Runs recorded before the events digest had versions computed version 1.
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS events_digest_version INTEGER DEFAULT 1")
    # Runs recorded before runs kept their guards have none: NULL, shown as null.
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS events_seen BIGINT")
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS warnings VARCHAR[]")
