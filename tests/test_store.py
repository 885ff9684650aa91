"""The store: where it is, its schema, versions, transactions, a second writer."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import invoke

from starrating.language.catalog import Catalog
from starrating.store.ingest import ingest_events, ingest_roster
from starrating.store.location import DEFAULT_DATABASE, resolve_db_path
from starrating.store.store import (
    MEMORY_LIMIT_ENV,
    SCHEMA_VERSION,
    TEMP_DIRECTORY_ENV,
    THREADS_ENV,
    Store,
    StoreBusyError,
    StoreError,
    engine_settings,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)

EXPECTED_COLUMNS = {
    "meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
    "ingests": [
        ("ingest_id", "BIGINT"),
        ("kind", "VARCHAR"),
        ("file", "VARCHAR"),
        ("sha256", "VARCHAR"),
        ("rows", "BIGINT"),
        ("added", "BIGINT"),
        ("ingested_at", "TIMESTAMP WITH TIME ZONE"),
        ("ingest_sha256", "VARCHAR"),
        ("previous_ingest_sha256", "VARCHAR"),
    ],
    "events": [
        ("event_id", "VARCHAR"),
        ("employee_id", "VARCHAR"),
        ("type", "VARCHAR"),
        ("occurred_at", "VARCHAR"),
        ("occurred_utc", "TIMESTAMP WITH TIME ZONE"),
        ("occurred_local", "TIMESTAMP"),
        ("recorded_at", "TIMESTAMP WITH TIME ZONE"),
        ("value", "DECIMAL(38,10)"),
        ("voids", "VARCHAR"),
        ("attributes", "JSON"),
        ("content_sha256", "VARCHAR"),
        ("ingest_id", "BIGINT"),
        ("for_period", "VARCHAR"),
    ],
    "roster": [
        ("employee_id", "VARCHAR"),
        ("version", "INTEGER"),
        ("name", "VARCHAR"),
        ("hire_date", "DATE"),
        ("leave_date", "DATE"),
        ("attributes", "JSON"),
        ("content_sha256", "VARCHAR"),
        ("recorded_at", "TIMESTAMP WITH TIME ZONE"),
        ("ingest_id", "BIGINT"),
    ],
    "attribute_types": [("scope", "VARCHAR"), ("name", "VARCHAR"), ("type", "VARCHAR")],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


# -- where the store is ---------------------------------------------------------------


def test_db_option_wins(tmp_path: Path) -> None:
    catalog = Catalog(database="other.duckdb", path=str(tmp_path / "starrating.yaml"))
    assert resolve_db_path("mine.duckdb", catalog) == Path("mine.duckdb")


def test_catalog_database_is_relative_to_the_catalog(tmp_path: Path) -> None:
    catalog = Catalog(database="data/s.duckdb", path=str(tmp_path / "starrating.yaml"))
    assert resolve_db_path(None, catalog) == tmp_path / "data" / "s.duckdb"
    absolute = Catalog(database=str(tmp_path / "abs.duckdb"), path="/elsewhere/starrating.yaml")
    assert resolve_db_path(None, absolute) == tmp_path / "abs.duckdb"


def test_default_is_starrating_duckdb_here() -> None:
    assert resolve_db_path(None, None) == Path(DEFAULT_DATABASE) == Path("starrating.duckdb")
    assert resolve_db_path(None, Catalog()) == Path("starrating.duckdb")


# -- schema ---------------------------------------------------------------------------


def test_a_new_store_has_schema_version_2(db: Path) -> None:
    with Store.open(db) as store:
        con = store.connection
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (SCHEMA_VERSION,)
        ]
        assert SCHEMA_VERSION == "2"
        for table, columns in EXPECTED_COLUMNS.items():
            found = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            assert found == columns, table
        keys = {
            (row[0], tuple(row[1]))
            for row in con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        }
        assert keys == {
            ("meta", ("key",)),
            ("ingests", ("ingest_id",)),
            ("roster", ("employee_id", "version")),
            ("attribute_types", ("scope", "name")),
        }
        assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
    assert db.is_file()


def test_reopening_keeps_the_data(db: Path, tmp_path: Path) -> None:
    events = tmp_path / "e.csv"
    events.write_text("event_id,employee_id,type,occurred_at\ne1,A,praise,2026-10-01\n")
    with Store.open(db) as store:
        assert ingest_events(store, events, None, NOW).added == 1
    with Store.open(db) as store:
        assert store.table_counts()["events"] == 1
        assert store.connection.execute("SELECT count(*) FROM meta").fetchone() == (1,)


def test_the_parent_folder_is_created(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a" / "b" / "s.duckdb") as store:
        assert store.table_counts()["events"] == 0


@pytest.mark.parametrize(
    ("version", "words"),
    [("3", "newer version of starrating"), ("x", "unknown layout"), (None, "missing")],
)
def test_an_unknown_schema_version_is_refused(db: Path, version: str | None, words: str) -> None:
    Store.open(db).close()
    con = duckdb.connect(str(db))
    if version is None:
        con.execute("DELETE FROM meta")
    else:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    con.close()
    with pytest.raises(StoreError) as caught:
        Store.open(db)
    assert words in str(caught.value)
    assert "schema version 2" in str(caught.value)


def test_another_duckdb_database_is_not_a_store(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a starrating store"):
        Store.open(db)


def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(db: Path) -> None:
    db.write_bytes(b"name,age\n" * 1000)
    with pytest.raises(StoreError, match="not a DuckDB database file"):
        Store.open(db)
    assert db.read_bytes() == b"name,age\n" * 1000


def test_read_only_needs_an_existing_store(db: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store.open(db, read_only=True)
    assert not db.exists()
    Store.open(db).close()
    with Store.open(db, read_only=True) as store:
        assert store.table_counts()["events"] == 0


# -- transactions ---------------------------------------------------------------------


def test_transaction_commits(db: Path) -> None:
    with Store.open(db) as store:
        with store.transaction():
            store.connection.execute("INSERT INTO meta VALUES ('k', 'v')")
        assert not store.in_transaction
    with Store.open(db) as store:
        assert store.connection.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == (
            "v",
        )


def test_transaction_rolls_back_on_an_exception(db: Path) -> None:
    with Store.open(db) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.connection.execute("INSERT INTO meta VALUES ('k', 'v')")
            raise RuntimeError("boom")
        assert store.table_counts()["meta"] == 1


def test_nested_transactions_join_the_outer_one(db: Path) -> None:
    with Store.open(db) as store:
        with pytest.raises(RuntimeError), store.transaction():
            with store.transaction():
                store.connection.execute("INSERT INTO meta VALUES ('inner', 'v')")
            assert store.in_transaction
            raise RuntimeError("boom")
        assert store.table_counts()["meta"] == 1
        with store.transaction(), store.transaction():
            store.connection.execute("INSERT INTO meta VALUES ('inner', 'v')")
        assert store.table_counts()["meta"] == 2


def test_a_failed_statement_is_not_silently_rolled_back(db: Path) -> None:
    # DuckDB would turn the COMMIT into a ROLLBACK without a word.
    with Store.open(db) as store:
        with pytest.raises(StoreError, match="nothing was saved"), store.transaction():
            store.connection.execute("INSERT INTO meta VALUES ('k', 'v')")
            with pytest.raises(duckdb.Error):
                store.connection.execute("SELECT * FROM no_such_table_at_all")
        assert store.table_counts()["meta"] == 1
        with store.transaction():  # the connection is usable again
            store.connection.execute("INSERT INTO meta VALUES ('k', 'v')")
        assert store.table_counts()["meta"] == 2


def test_run_tables_are_created_once_for_the_engine(db: Path) -> None:
    with Store.open(db) as store:
        store.ensure_run_tables()
        store.ensure_run_tables()
        assert store.table_counts()["runs"] == 0


# -- the data catalog -----------------------------------------------------------------


def test_data_catalog_of_an_empty_store(db: Path) -> None:
    with Store.open(db) as store:
        catalog = store.data_catalog()
    assert catalog.events == {}
    assert catalog.known_events is False
    assert catalog.roster["hire_date"] == "date"


def test_data_catalog_is_the_data_seen_so_far(db: Path, tmp_path: Path) -> None:
    events = tmp_path / "e.csv"
    events.write_text(
        "event_id,employee_id,type,occurred_at,voids,level,responsible,reason\n"
        "e1,A,complaint,2026-10-01,,2,true,\n"
        "e2,A,praise_letter,2026-10-02,,,,\n"
        "v1,A,void,2026-10-03,e1,,,appeal upheld\n"
    )
    roster = tmp_path / "r.csv"
    roster.write_text(
        "employee_id,name,hire_date,department,role,post,certified\n"
        "A,甲,2024-01-01,前台,service_desk,reception,true\n"
    )
    with Store.open(db) as store:
        assert ingest_roster(store, roster, None, NOW).ok
        assert ingest_events(store, events, None, NOW).ok
        catalog = store.data_catalog()
    assert catalog.known_events is True
    assert catalog.events == {
        "complaint": {"level": "number", "responsible": "boolean"},
        "praise_letter": {},
    }
    assert catalog.roster["post"] == "text"
    assert catalog.roster["certified"] == "boolean"
    assert catalog.roster["department"] == "text"
    assert catalog.roster["hire_date"] == "date"
    assert catalog.event_attributes("complaint")["value"] == "number"


# -- a second writer ------------------------------------------------------------------


@pytest.fixture
def held_store(
    db: Path, hold_database: Callable[[Path], AbstractContextManager[Path]]
) -> Iterator[Path]:
    Store.open(db).close()
    with hold_database(db):
        yield db


def test_a_second_writer_gets_database_is_busy(held_store: Path) -> None:
    before = held_store.read_bytes()
    with pytest.raises(StoreBusyError) as caught:
        Store.open(held_store)
    message = str(caught.value)
    assert message == (
        f"database is busy: another starrating process is using {held_store}; "
        "try again when it has finished"
    )
    assert isinstance(caught.value, StoreError)
    assert held_store.read_bytes() == before


def test_ingest_command_on_a_busy_database(held_store: Path, tmp_path: Path) -> None:
    events = tmp_path / "e.csv"
    events.write_text("event_id,employee_id,type,occurred_at\ne1,A,praise,2026-10-01\n")
    result = invoke(["ingest", "--db", str(held_store), "--events", str(events)])
    assert result.exit_code == 1
    assert "database is busy" in result.output
    assert "Traceback" not in result.output


# -- DuckDB's memory, threads and spill folder -----------------------------------------


def _setting(store: Store, name: str) -> object:
    row = store.connection.execute("SELECT current_setting(?)", [name]).fetchone()
    assert row is not None
    return row[0]


def _as_duckdb_shows(memory_limit: str) -> object:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]


@pytest.fixture
def no_setting_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (MEMORY_LIMIT_ENV, THREADS_ENV, TEMP_DIRECTORY_ENV):
        monkeypatch.delenv(name, raising=False)


def test_settings_chosen_for_the_machine(db: Path, no_setting_overrides: None) -> None:
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    # 3 GB, or 80% of the machine if less (docs/data.md section 3).
    expected_bytes = max(256 * 1024**2, min(3 * 1024**3, int(physical * 0.8)))
    with Store.open(db) as store:
        assert store.settings is not None
        expected = _as_duckdb_shows(f"{expected_bytes // 1024**2}MB")
        assert _setting(store, "memory_limit") == expected
        assert _setting(store, "threads") == len(os.sched_getaffinity(0))
        assert _setting(store, "temp_directory") == f"{db}.tmp"


def test_a_reader_spills_to_the_user_cache(
    db: Path, tmp_path: Path, no_setting_overrides: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db).close()
    monkeypatch.delenv("STARRATING_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with Store.open(db, read_only=True) as store:
        assert _setting(store, "temp_directory") == str(
            tmp_path / "cache" / "starrating" / f"spill-{os.getpid()}"
        )


def test_settings_from_the_environment(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "512MB")
    monkeypatch.setenv(THREADS_ENV, "1")
    monkeypatch.setenv(TEMP_DIRECTORY_ENV, str(tmp_path / "spill"))
    with Store.open(db) as store:
        assert _setting(store, "memory_limit") == _as_duckdb_shows("512MB")
        assert _setting(store, "threads") == 1
        assert _setting(store, "temp_directory") == str(tmp_path / "spill")
    assert engine_settings(db, read_only=False).memory_limit == "512MB"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (MEMORY_LIMIT_ENV, "lots", "STARRATING_MEMORY_LIMIT=lots is not an amount of memory"),
        (MEMORY_LIMIT_ENV, "100", r"STARRATING_MEMORY_LIMIT=100 is not an amount of memory \(like"),
        (THREADS_ENV, "0", "STARRATING_THREADS=0 is not a positive whole number"),
        (THREADS_ENV, "two", "STARRATING_THREADS=two is not a positive whole number"),
    ],
)
def test_a_bad_setting_is_refused(
    db: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(StoreError, match=message):
        Store.open(db)
