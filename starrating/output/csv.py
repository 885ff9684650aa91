"""Runs' results as CSV, one line a result row, written by DuckDB.

Enters: run documents evaluated in this process (each carries its rows' CSV cells, made
by DuckDB with the rows: engine/canonical.py ``row_cells``). Leaves: CSV text with a
header line: the run (policy, version, run id), the row's fields and one ``value:NAME``
column per value any row has, in the order they first appear. Numbers keep every digit;
booleans are ``true``/``false``; lists are joined with ``;``; nothing is an empty cell.

The rows never pass through Python: an in-memory DuckDB database unpacks the cells and
its CSV writer (``COPY ... TO``) quotes them. Only the value names, one per column, are
read to build the header.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from ..compiler.expressions import quote_ident, quote_text
from ..engine.runs import RunDocument
from .values import ROW_FIELDS

CSV_FIELDS = ["policy", "version", "run_id", "employee_id", *ROW_FIELDS]


def render_csv(documents: Sequence[RunDocument]) -> str:
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE documents (seq INTEGER, policy VARCHAR, version VARCHAR,"
            " run_id VARCHAR, cells VARCHAR)"
        )
        if documents:
            con.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
                [
                    (seq, str(d.run["policy"]), str(d.run["version"]), str(d.run["run_id"]),
                     "[" + _cell_rows(d) + "]")
                    for seq, d in enumerate(documents)
                ],
            )  # fmt: skip
        con.execute(
            "CREATE TABLE cells AS SELECT seq, generate_subscripts(list, 1) AS position,"
            " unnest(list) AS cell FROM (SELECT seq,"
            " CAST(json_extract(cells, '$[*]') AS JSON[]) AS list FROM documents)"
        )
        # The value columns: every value name, in the order it first appears.
        value_names = [
            name
            for (name,) in con.execute(
                "SELECT name FROM (SELECT seq, position, unnest(names) AS name,"
                " generate_subscripts(names, 1) AS place FROM (SELECT seq, position,"
                " json_keys(cell, '$.values') AS names FROM cells))"
                " GROUP BY name ORDER BY min([seq, position, place])"
            ).fetchall()
        ]
        columns = [
            "d.policy", "d.version", "d.run_id",
            *(_cell(f"$.{field}", field) for field in ["employee_id", *ROW_FIELDS]),
            *(_cell(_pointer(name), f"value:{name}") for name in value_names),
        ]  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="starrating-csv-") as folder:
            path = Path(folder) / "results.csv"
            con.execute(
                f"COPY (SELECT {', '.join(columns)} FROM cells c JOIN documents d"
                " USING (seq) ORDER BY seq, position)"
                f" TO {quote_text(str(path))} (HEADER, DELIMITER ',', QUOTE '\"')"
            )
            return path.read_text(encoding="utf-8")
    finally:
        con.close()


def _cell_rows(document: RunDocument) -> str:
    if document.evaluation is None:
        raise ValueError("CSV is written for runs evaluated in this process")
    return document.evaluation.cell_rows


def _cell(path: str, header: str) -> str:
    # An empty text is an empty cell, as nothing is (DuckDB would write it as "").
    return f"nullif(json_extract_string(c.cell, {quote_text(path)}), '') AS {quote_ident(header)}"


def _pointer(name: str) -> str:
    """The JSON pointer of a value of the row: any name, escaped as RFC 6901 says."""
    return "/values/" + name.replace("~", "~0").replace("/", "~1")
