"""The hash chains of runs and of ingests (docs/data.md sections 3 and 5): their digests
as DuckDB SQL, in one place, for recording, for upgrading a version-1 store and for
`starrating verify`.

Enters: a DuckDB connection to a store. Leaves: the digests written with a new run or
ingest (:func:`chain_run`, :func:`chain_ingest`), a version-1 store's chains computed over
its existing rows (:func:`upgrade_to_v2`), and the SQL expressions `verify` recomputes.

Every digest is the sha256 of a text DuckDB writes with ``to_json`` of a list of texts
(a JSON array: its items quoted and escaped, so no field can be confused with the next),
so that an auditor recomputes each with DuckDB alone. Times are written as microseconds
since the epoch (``epoch_us``), which does not depend on the session's time zone. An
empty link (the first run or ingest) is the empty text ``''``.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

# One contribution's canonical text; a run's contributions are hashed in the order of
# these texts (contributions have no position of their own), joined by newlines.
CONTRIBUTION_TEXT = (
    "CAST(to_json([c.period, c.employee_id, CAST(c.line AS VARCHAR), c.kind, c.label,"
    " CAST(c.amount AS VARCHAR), c.detail, CAST(to_json(c.event_ids) AS VARCHAR)]) AS VARCHAR)"
)


def contributions_by_run(where: str = "TRUE") -> str:
    """``(run_id, contributions_sha256)`` of every run with at least one contribution
    (``c``) for which ``where`` holds; a run with none has :data:`EMPTY_SHA256`."""
    return f"""
    SELECT run_id, sha256(string_agg(text, chr(10) ORDER BY text)) AS contributions_sha256
    FROM (SELECT c.run_id, {CONTRIBUTION_TEXT} AS text FROM contributions c WHERE {where})
    GROUP BY run_id"""


# results_sha256 (docs/data.md section 5): the canonical JSON of the `results` array, its
# rows' texts joined in order; an aggregate over rows with `row_json` and `position`. The
# engine digests a run's rows with it as it records them, `verify` the stored ones.
RESULTS_DIGEST = "sha256('[' || coalesce(string_agg(row_json, ',' ORDER BY position), '') || ']')"

# Per run_id with at least one result row; a run with none has EMPTY_RESULTS_SHA256.
RESULTS_BY_RUN = f"""
    SELECT run_id, {RESULTS_DIGEST} AS results_sha256
    FROM results GROUP BY run_id"""

EMPTY_SHA256 = "sha256('')"
EMPTY_RESULTS_SHA256 = "sha256('[]')"


def run_sha256_sql(run: str, previous: str) -> str:
    """The expression of ``run_sha256`` for the ``runs`` row aliased ``run``, linked to
    the text expression ``previous``."""
    return (
        f"sha256(CAST(to_json([{run}.run_id, {run}.policy, {run}.version, {run}.period,"
        f" CAST(epoch_us({run}.as_of) AS VARCHAR), CAST(epoch_us({run}.created_at) AS VARCHAR),"
        f" {run}.policy_sha256, {run}.events_sha256, {run}.roster_sha256,"
        f" {run}.results_sha256, {run}.contributions_sha256, {previous}]) AS VARCHAR))"
    )


def ingest_sha256_sql(ingest: str, previous: str) -> str:
    """The expression of ``ingest_sha256`` for the ``ingests`` row aliased ``ingest``."""
    return (
        f"sha256(CAST(to_json([{ingest}.sha256, CAST({ingest}.rows AS VARCHAR),"
        f" CAST(epoch_us({ingest}.ingested_at) AS VARCHAR), {previous}]) AS VARCHAR))"
    )


# The recorded order of runs (the chain's order): by creation time, then id.
RUN_ORDER = "created_at, run_id"

# The last run of the chain before the run $1 being recorded.
_HEAD_RUN = """
    SELECT coalesce((SELECT run_sha256 FROM runs WHERE run_id <> $1
                     ORDER BY created_at DESC, run_id DESC LIMIT 1), '')"""


def chain_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, str]:
    """Digest the run ``run_id`` just written (its results and contributions are in) and
    link it to the run recorded before it, inside the caller's transaction. Returns its
    ``(run_sha256, previous_run_sha256)``."""
    con.execute(
        f"""UPDATE runs SET
              contributions_sha256 = coalesce(
                  (SELECT contributions_sha256 FROM ({contributions_by_run("c.run_id = $1")})),
                  {EMPTY_SHA256}),
              previous_run_sha256 = ({_HEAD_RUN})
            WHERE run_id = $1""",
        [run_id],
    )
    con.execute(
        f"UPDATE runs r SET run_sha256 = {run_sha256_sql('r', 'r.previous_run_sha256')}"
        " WHERE run_id = $1",
        [run_id],
    )
    row = con.execute(
        "SELECT run_sha256, previous_run_sha256 FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def chain_ingest(con: duckdb.DuckDBPyConnection, ingest_id: int) -> None:
    """Link the ingest ``ingest_id`` just written to the one before it (by id)."""
    con.execute(
        """UPDATE ingests i SET
              previous_ingest_sha256 = coalesce(
                  (SELECT p.ingest_sha256 FROM ingests p WHERE p.ingest_id < $1
                   ORDER BY p.ingest_id DESC LIMIT 1), '')
            WHERE ingest_id = $1""",
        [ingest_id],
    )
    con.execute(
        f"UPDATE ingests i SET ingest_sha256 = {ingest_sha256_sql('i', 'i.previous_ingest_sha256')}"
        " WHERE ingest_id = $1",
        [ingest_id],
    )


# -- upgrading a version-1 store ----------------------------------------------------------

_RUN_CHAIN_COLUMNS = ("contributions_sha256", "run_sha256", "previous_run_sha256")
_INGEST_CHAIN_COLUMNS = ("ingest_sha256", "previous_ingest_sha256")


def upgrade_to_v2(con: duckdb.DuckDBPyConnection, has_run_tables: bool) -> tuple[int, int]:
    """Add the chain columns to a version-1 store and compute both chains over its rows in
    their recorded order, inside the caller's transaction. Returns the runs and ingests
    chained. The digests of a run's results and contributions are taken as they are now:
    the upgrade is the moment from which changes can be seen."""
    for column in _INGEST_CHAIN_COLUMNS:
        con.execute(f"ALTER TABLE ingests ADD COLUMN IF NOT EXISTS {column} VARCHAR")
    ingests = _chain_all(
        con,
        table="ingests",
        key="ingest_id",
        order="ingest_id",
        digest=ingest_sha256_sql,
        digest_column="ingest_sha256",
        previous_column="previous_ingest_sha256",
    )
    runs = 0
    if has_run_tables:
        for column in _RUN_CHAIN_COLUMNS:
            con.execute(f"ALTER TABLE runs ADD COLUMN IF NOT EXISTS {column} VARCHAR")
        con.execute("ALTER TABLE results ADD COLUMN IF NOT EXISTS row_sha256 VARCHAR")
        con.execute("UPDATE results SET row_sha256 = sha256(row_json)")
        con.execute(f"UPDATE runs SET contributions_sha256 = {EMPTY_SHA256}")
        con.execute(
            f"""UPDATE runs r SET contributions_sha256 = d.contributions_sha256
                FROM ({contributions_by_run()}) d WHERE d.run_id = r.run_id"""
        )
        runs = _chain_all(
            con,
            table="runs",
            key="run_id",
            order=RUN_ORDER,
            digest=run_sha256_sql,
            digest_column="run_sha256",
            previous_column="previous_run_sha256",
        )
    return runs, ingests


def _chain_all(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    key: str,
    order: str,
    digest: Callable[[str, str], str],
    digest_column: str,
    previous_column: str,
) -> int:
    """Compute a whole chain with one recursive query (each link needs the digest before
    it, so the chain is walked in order, inside DuckDB), then write it with one UPDATE."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE sr_chain_order AS SELECT *,"
        f" row_number() OVER (ORDER BY {order}) AS chain_seq FROM {table}"
    )
    first = digest("o", "''")
    following = digest("o", f"c.{digest_column}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE sr_chain AS
            WITH RECURSIVE chain(chain_seq, {key}, {previous_column}, {digest_column}) AS (
                SELECT o.chain_seq, o.{key}, '', {first}
                FROM sr_chain_order o WHERE o.chain_seq = 1
                UNION ALL
                SELECT o.chain_seq, o.{key}, c.{digest_column}, {following}
                FROM chain c JOIN sr_chain_order o ON o.chain_seq = c.chain_seq + 1)
            SELECT * FROM chain"""
    )
    con.execute(
        f"""UPDATE {table} t SET {previous_column} = c.{previous_column},
                                 {digest_column} = c.{digest_column}
            FROM sr_chain c WHERE c.{key} = t.{key}"""
    )
    row = con.execute("SELECT count(*) FROM sr_chain").fetchone()
    con.execute("DROP TABLE sr_chain")
    con.execute("DROP TABLE sr_chain_order")
    return int(row[0]) if row else 0
