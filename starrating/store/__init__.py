"""The store: input files in, a DuckDB database out.

Enters: roster and event files (CSV, JSON lines, Parquet) and the catalog.
Leaves: the store — a DuckDB file holding the ingested roster and events, each ingest, and
every recorded run with its results and contributions. The schema (all DDL) is defined here.
"""
