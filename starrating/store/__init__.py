"""The store: input files in, a DuckDB database out; recorded runs back out.

Enters: roster and event files (CSV, JSON lines, Parquet) and the catalog; a recorded
run's id. Leaves: the store, a DuckDB file holding the ingested roster and events, each
ingest, and every recorded run with its results and contributions; and recorded runs read
back as typed records. The schema (all DDL) is in ``schema``; ``ingest`` checks and loads
files (through ``staging``, ``checks``, ``events``, ``roster``); ``records`` is the one
reader of recorded runs and the exact JSON writer.
"""
