"""Ingest: reading CSV, JSON Lines and Parquet, every validation rule, all or nothing,
idempotency, roster versions, attribute types, and the `ingest` command."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import Result
from conftest import invoke

from starrating.language.catalog import Catalog
from starrating.store import ingest as ingest_module
from starrating.store.ingest import (
    INGEST_MEMORY_LIMIT,
    INGEST_MEMORY_MB,
    IngestError,
    IngestReport,
    ingest_events,
    ingest_files,
    ingest_roster,
)
from starrating.store.schema import STORE_TABLES
from starrating.store.store import MEMORY_LIMIT_ENV, Store

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
C3 = Path(__file__).resolve().parent / "conformance" / "c3_audit_basics"
HEADER = "event_id,employee_id,type,occurred_at"

CATALOG = Catalog(
    events={
        "complaint": {"level": "number", "responsible": "boolean"},
        "praise_letter": {},
        "exam": {"taken": "date", "checked": "timestamp"},
    },
    roster={
        "employee_id": "text",
        "name": "text",
        "department": "text",
        "role": "text",
        "hire_date": "date",
        "leave_date": "date",
        "post": "text",
        "certified": "boolean",
    },
    known_events=True,
    timezone="Asia/Shanghai",
    path="starrating.yaml",
)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def to_parquet(store: Store, csv_path: Path) -> Path:
    """The same rows as a Parquet file (all columns text), written by DuckDB."""
    target = csv_path.with_suffix(".parquet")
    store.connection.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true, header = true)) "
        f"TO '{target}' (FORMAT parquet)"
    )
    return target


def to_jsonl(csv_path: Path, rows: list[dict[str, object]]) -> Path:
    target = csv_path.with_suffix(".jsonl")
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return target


def counts(store: Store) -> dict[str, int]:
    return store.table_counts()


def rows(store: Store, sql: str, params: list[object] | None = None) -> list[tuple]:
    return store.connection.execute(sql, params or []).fetchall()


def problems(report: IngestReport) -> list[str]:
    assert report.added == 0
    return report.problems


def one_problem(report: IngestReport) -> str:
    found = problems(report)
    assert len(found) == 1, found
    return found[0]


# -- the conformance files ------------------------------------------------------------


def test_c3_files(store: Store) -> None:
    roster = ingest_roster(store, C3 / "roster.csv", None, NOW)
    events = ingest_events(store, C3 / "events.csv", None, NOW)
    assert (roster.rows, roster.added, roster.problems) == (2, 2, [])
    assert (events.rows, events.added, events.problems) == (4, 4, [])
    assert (
        events.sha256 == __import__("hashlib").sha256((C3 / "events.csv").read_bytes()).hexdigest()
    )
    before = counts(store)
    bad = ingest_events(store, C3 / "bad.csv", None, NOW)
    message = one_problem(bad)
    assert message.startswith(f"{C3 / 'bad.csv'}:3: ")
    assert "no event `no-such-event`" in message
    assert counts(store) == before


def test_c3_bad_csv_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(C3)
    db = str(tmp_path / "s.duckdb")
    result = invoke(["ingest", "--db", db, "--events", "bad.csv"])
    assert result.exit_code == 1
    assert "bad.csv:3: " in result.output
    assert "no event" in result.output
    assert "Traceback" not in result.output


# -- what is stored -------------------------------------------------------------------


def test_stored_columns(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},recorded_at,value,level,channel",
        "e1,A,complaint,2026-10-28T10:00:00+08:00,,1.50,2,",
        "e2,A,complaint,2026-10-28 10:00,2026-10-29T09:00:00Z,-3,,phone",
        "e3,B,praise_letter,2026-10-28,2026-10-29 09:00,,,",
    )
    report = ingest_events(store, path, Catalog(timezone="Asia/Shanghai"), NOW)
    assert (report.rows, report.added, report.problems) == (3, 3, [])
    found = rows(
        store,
        """SELECT event_id, employee_id, type, occurred_at, CAST(occurred_utc AS VARCHAR),
                  CAST(occurred_local AS VARCHAR), CAST(recorded_at AS VARCHAR),
                  CAST(value AS VARCHAR), voids, CAST(attributes AS VARCHAR), ingest_id
           FROM events ORDER BY event_id""",
    )
    assert found == [
        (
            "e1",
            "A",
            "complaint",
            "2026-10-28T10:00:00+08:00",
            "2026-10-28 02:00:00+00",
            None,
            "2026-11-01 12:00:00+00",  # no recorded_at: the ingest time
            "1.5000000000",
            None,
            '{"level":"2"}',  # empty cells are omitted
            1,
        ),
        (
            "e2",
            "A",
            "complaint",
            "2026-10-28 10:00",
            None,
            "2026-10-28 10:00:00",  # no offset: local time in the policy's zone
            "2026-10-29 09:00:00+00",
            "-3.0000000000",
            None,
            '{"channel":"phone"}',
            1,
        ),
        (
            "e3",
            "B",
            "praise_letter",
            "2026-10-28",
            None,
            "2026-10-28 00:00:00",  # a bare date is local midnight
            "2026-10-29 01:00:00+00",  # naive recorded_at: the catalog's zone (UTC+8)
            None,
            None,
            "{}",
            1,
        ),
    ]
    ingest = rows(
        store,
        "SELECT ingest_id, kind, file, sha256, rows, added, CAST(ingested_at AS VARCHAR) "
        "FROM ingests",
    )
    assert ingest == [(1, "events", str(path), report.sha256, 3, 3, "2026-11-01 12:00:00+00")]


def test_naive_recorded_at_without_a_catalog_is_utc(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},recorded_at", "e1,A,x,2026-10-28,2026-10-29 09:00")
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT CAST(recorded_at AS VARCHAR) FROM events") == [
        ("2026-10-29 09:00:00+00",)
    ]


def test_attribute_keys_are_sorted_and_values_are_text(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},zeta,alpha,mid", "e1,A,x,2026-10-28, z ,1.0,true")
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT CAST(attributes AS VARCHAR) FROM events") == [
        ('{"alpha":"1.0","mid":"true","zeta":"z"}',)
    ]


@pytest.mark.parametrize(
    ("text", "utc", "local"),
    [
        ("2026-10-28T10:00:00+08:00", "2026-10-28 02:00:00+00", None),
        ("2026-10-28T10:00:00.250+08:00", "2026-10-28 02:00:00.25+00", None),
        ("2026-10-28 10:00+0800", "2026-10-28 02:00:00+00", None),
        ("2026-10-28T10:00Z", "2026-10-28 10:00:00+00", None),
        ("2026-10-28T10:00:00-05", "2026-10-28 15:00:00+00", None),
        ("2026-10-28T10:00:00", None, "2026-10-28 10:00:00"),
        ("2026-10-28T10:00", None, "2026-10-28 10:00:00"),
        ("2026-10-28", None, "2026-10-28 00:00:00"),
    ],
)
def test_time_formats(
    store: Store, tmp_path: Path, text: str, utc: str | None, local: str | None
) -> None:
    path = write(tmp_path, "e.csv", HEADER, f'e1,A,x,"{text}"')
    assert ingest_events(store, path, None, NOW).ok
    assert rows(
        store,
        "SELECT CAST(occurred_utc AS VARCHAR), CAST(occurred_local AS VARCHAR) FROM events",
    ) == [(utc, local)]


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026/10/28",
        "28.10.2026",
        "2026-13-01",
        "2026-02-30",
        "2026-10-28T25:00",
        "2026-10-28T10",
        "2026-10-28Z",
        "2026-10-28T10:00+8",
        "20261028T1000",
    ],
)
def test_bad_times(store: Store, tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},recorded_at", f"e1,A,x,{text},{text}")
    found = problems(ingest_events(store, path, None, NOW))
    assert found == [
        f"{path}:2: occurred_at `{text}` is not an ISO 8601 time "
        "(like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00)",
        f"{path}:2: recorded_at `{text}` is not an ISO 8601 time "
        "(like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00)",
    ]


@pytest.mark.parametrize("good", ["1", "-2.5", "+3", ".5", "5.", "1e3", "0.0000001"])
def test_numbers(store: Store, tmp_path: Path, good: str) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},value", f"e1,A,x,2026-10-28,{good}")
    assert ingest_events(store, path, None, NOW).ok


@pytest.mark.parametrize("bad", ["abc", "1,5", "1_000", "0x10", "NaN", "inf", "1e400", "--1"])
def test_non_numeric_value(store: Store, tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},value", f'e1,A,x,2026-10-28,"{bad}"')
    assert one_problem(ingest_events(store, path, None, NOW)) == (
        f"{path}:2: value `{bad}` is not a number"
    )


# -- row problems ---------------------------------------------------------------------


def test_every_bad_row_is_reported(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        HEADER,
        ",A,x,2026-10-28",
        "e2,,x,2026-10-28",
        "e3,A,,2026-10-28",
        "e4,A,x,",
        "e5,A,x,2026-10-28",
        "  ,A,x,2026-10-28",
    )
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:2: `event_id` is empty",
        f"{path}:3: `employee_id` is empty",
        f"{path}:4: `type` is empty",
        f"{path}:5: `occurred_at` is empty",
        f"{path}:7: `event_id` is empty",
    ]


def test_missing_columns(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "event_id,employee_id,occured_at", "e1,A,2026-10-28")
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}: missing column `type`; an events file needs the columns "
        "event_id, employee_id, type, occurred_at",
        f"{path}: missing column `occurred_at` (the file has `occured_at`: rename it to "
        "`occurred_at`); an events file needs the columns event_id, employee_id, type, "
        "occurred_at",
    ]


def test_header_problems(store: Store, tmp_path: Path) -> None:
    twice = write(tmp_path, "twice.csv", f"{HEADER},level,level", "e1,A,x,2026-10-28,1,2")
    assert one_problem(ingest_events(store, twice, None, NOW)) == (
        f"{twice}: column `level` appears twice (columns 5 and 6)"
    )
    unnamed = write(
        tmp_path, "unnamed.csv", f"{HEADER},", "e1,A,x,2026-10-28,", "e2,A,x,2026-10-28,1"
    )
    assert one_problem(ingest_events(store, unnamed, None, NOW)) == (
        f"{unnamed}:3: column 5 has a value but no name"
    )
    # A spreadsheet's trailing comma: an unnamed column without values is ignored.
    trailing = write(tmp_path, "trailing.csv", f"{HEADER},", "e1,A,x,2026-10-28,")
    assert ingest_events(store, trailing, None, NOW).ok
    assert rows(store, "SELECT CAST(attributes AS VARCHAR) FROM events") == [("{}",)]
    jsonl = tmp_path / "e.jsonl"
    jsonl.write_text('{"event_id": "e9", "employee_id": "A", "type": "x", '
                     '"occurred_at": "2026-10-28", "": 1}\n')  # fmt: skip
    assert one_problem(ingest_events(store, jsonl, None, NOW)) == (
        f'{jsonl}:1: the key "" has a value but no name'
    )


def test_quoted_header_and_values(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        '"event_id","employee_id","type","occurred_at","note"',
        'e1,A,x,2026-10-28,"a, ""quoted"" note"',
    )
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT attributes ->> 'note' FROM events") == [('a, "quoted" note',)]


# -- void rows ------------------------------------------------------------------------


def test_void_rules(store: Store, tmp_path: Path) -> None:
    stored = write(tmp_path, "first.csv", HEADER, "old,A,complaint,2026-10-01")
    assert ingest_events(store, stored, None, NOW).ok
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},voids,reason",
        "c1,A,complaint,2026-10-02,,",
        "v1,A,void,2026-10-03,c1,appeal upheld",  # an event of this file: fine
        "v2,A,void,2026-10-03,old,",  # an event of the store: fine
        "v3,A,void,2026-10-03,,",  # voids nothing
        "v4,A,void,2026-10-03,nope,",  # voids an unknown event
        "c2,A,complaint,2026-10-03,c1,",  # voids on a non-void row
        "v5,A,void,2026-10-03,v1,",  # voids a void
    )
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:5: a `void` row needs `voids`: the event_id of the event it cancels",
        f"{path}:6: voids `nope`, but there is no event `nope` in this file or the store",
        f"{path}:7: `voids` is only for rows of type `void` (this row's type is `complaint`)",
        f"{path}:8: voids `v1`, which is itself a void: a void can only cancel an event",
    ]


def test_void_rows_are_stored_with_their_attributes(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},voids,reason",
        "c1,A,complaint,2026-10-02,,",
        "v1,A,void,2026-10-03,c1,申诉成立",
    )
    assert ingest_events(store, path, CATALOG, NOW).ok  # `void` needs no catalog entry
    assert rows(store, "SELECT type, voids, attributes ->> 'reason' FROM events ORDER BY 1") == [
        ("complaint", None, None),
        ("void", "c1", "申诉成立"),
    ]
    assert rows(store, "SELECT * FROM attribute_types") == []  # void attributes are untyped


# -- duplicates and idempotency -------------------------------------------------------


def test_ingesting_the_same_file_again_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},value", "e1,A,x,2026-10-28,1", "e2,A,x,2026-10-29,")
    assert ingest_events(store, path, None, NOW).added == 2
    again = ingest_events(store, path, None, LATER)  # no recorded_at: `now` is not content
    assert (again.rows, again.added, again.problems) == (2, 0, [])
    assert counts(store)["events"] == 2
    assert rows(store, "SELECT ingest_id, rows, added FROM ingests ORDER BY 1") == [
        (1, 2, 2),
        (2, 2, 0),
    ]
    assert rows(store, "SELECT DISTINCT CAST(recorded_at AS VARCHAR) FROM events") == [
        ("2026-11-01 12:00:00+00",)
    ]


def test_new_rows_of_a_growing_file_are_added(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28")
    assert ingest_events(store, path, None, NOW).added == 1
    path = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28", "e2,A,x,2026-10-29")
    assert ingest_events(store, path, None, LATER).added == 1


def test_same_rows_in_another_format_add_nothing(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},recorded_at,value,level",
        "e1,A,complaint,2026-10-28T10:00:00+08:00,2026-10-28T12:00:00+08:00,1.50,2",
        "e2,B,complaint,2026-10-28 10:00,,,",
    )
    assert ingest_events(store, path, None, NOW).added == 2
    jsonl = to_jsonl(
        path,
        [
            {
                "event_id": "e1",
                "employee_id": "A",
                "type": "complaint",
                "occurred_at": "2026-10-28T10:00:00+08:00",
                "recorded_at": "2026-10-28T04:00:00Z",  # the same instant
                "value": 1.5,
                "level": 2,
            },
            {
                "event_id": "e2",
                "employee_id": "B",
                "type": "complaint",
                "occurred_at": "2026-10-28 10:00",
                "value": None,
            },
        ],
    )
    assert ingest_events(store, jsonl, None, LATER).problems == []
    assert ingest_events(store, jsonl, None, LATER).added == 0
    parquet = to_parquet(store, path)
    assert ingest_events(store, parquet, None, LATER).added == 0
    assert counts(store)["events"] == 2


def test_duplicates_inside_a_file(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},value",
        "e1,A,x,2026-10-28,1",
        "e2,A,x,2026-10-28,1",
        "e1,A,x,2026-10-28,1.0",  # the same content (the same number): kept once
        "e2,A,x,2026-10-28,2",
    )
    assert one_problem(ingest_events(store, path, None, NOW)) == (
        f"{path}:5: event_id `e2` is also on line 3 with different content"
    )
    path = write(tmp_path, "e.csv", f"{HEADER},value", "e1,A,x,2026-10-28,1", "e1,A,x,2026-10-28,1")
    report = ingest_events(store, path, None, NOW)
    assert (report.rows, report.added) == (2, 1)


def test_content_digest_is_the_documented_one(store: Store, tmp_path: Path) -> None:
    # Stores ingested by earlier versions hold these digests: a re-sent file must still
    # match them, so the definition never changes (docs/data.md, section 2).
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},recorded_at,value,level,note,voids",
        'e1,A,complaint,2026-10-28T10:00:00+08:00,2026-10-28 12:00,1.50,2,"说 ""hi""",',
        "e2,B,void,2026-10-29,,,,,e1",
    )
    catalog = Catalog(events={}, roster={}, known_events=False, timezone="Asia/Shanghai")
    assert ingest_events(store, path, catalog, NOW).added == 2
    stored = dict(rows(store, "SELECT event_id, content_sha256 FROM events"))
    assert stored == {
        "e1": "f78028baefe047e941bfdab6a0af96538a5c0cf440cff0e3c8587731edd8c3e7",
        "e2": "9e8c002e4f43fcef56cd421cb56e904f6ba74a1efb9994dd1d2d12e23bf03f24",
    }
    # employee, type, occurred_at as written, value as DECIMAL(38, 10) text, voids, the
    # attributes (keys sorted), recorded_at in UTC only when the file gives it
    written = [
        "A",
        "complaint",
        "2026-10-28T10:00:00+08:00",
        "1.5000000000",
        None,
        json.dumps({"level": "2", "note": '说 "hi"'}, ensure_ascii=False, separators=(",", ":")),
        "2026-10-28 04:00:00+00",
    ]
    text = json.dumps(written, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == stored["e1"]
    again = ingest_events(store, to_parquet(store, path), catalog, LATER)
    assert (again.problems, again.added) == ([], 0)


def test_attributes_json_is_duckdbs_json_of_the_map(store: Store, tmp_path: Path) -> None:
    # Attributes are written by concatenation; stores ingested before hold DuckDB's JSON
    # of a map of the non-empty values (inside the content digests too): the same text.
    tricky = ['a"b', "back\\slash", "tab\there", "/slash", "emoji 😀", "it's", '{"j": 1}', ""]
    records = [
        {"event_id": f"e{i}", "employee_id": "A", "type": "x", "occurred_at": "2026-10-28"}
        | {'k"ey': value, "ключ": tricky[-1 - i], "/": None}
        for i, value in enumerate(tricky)
    ]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    assert ingest_events(store, path, None, NOW).added == len(tricky)
    compared = rows(
        store,
        """SELECT count(*), count(*) FILTER (WHERE
                 CAST(attributes AS VARCHAR) IS DISTINCT FROM CAST(to_json(map_from_entries(
                 list_filter([{'k': 'k"ey', 'v': NULLIF(f."k""ey", '')},
                              {'k': 'ключ', 'v': NULLIF(f."ключ", '')}],
                             lambda e: e.v IS NOT NULL))) AS VARCHAR))
           FROM events, read_json(?, format = 'newline_delimited',
                                                 columns = {'event_id': 'VARCHAR',
                                                            'k"ey': 'VARCHAR',
                                                            'ключ': 'VARCHAR'}) f
           WHERE events.event_id = f.event_id""",
        [str(path)],
    )
    assert compared == [(len(tricky), 0)]
    assert rows(store, "SELECT CAST(attributes AS VARCHAR) FROM events WHERE event_id = 'e0'") == [
        ('{"k\\"ey":"a\\"b"}',)
    ]


def test_first_line_of_a_repeated_event_is_kept(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        HEADER,
        "e2,A,x,2026-10-28",
        "e1,A,x,2026-10-27",
        "e2,A,x,2026-10-28",
        "e3,A,x,2026-10-29",
        "e1,A,x,2026-10-27",
    )
    assert ingest_events(store, path, None, NOW).added == 3
    # Identical lines: the first is written, the others add nothing (the order in which
    # rows are stored means nothing).
    assert rows(store, "SELECT event_id, ingest_id FROM events ORDER BY event_id") == [
        ("e1", 1),
        ("e2", 1),
        ("e3", 1),
    ]


# The events table of stores created before event_id lost its PRIMARY KEY (schema
# version 1 both): written here by hand, as those versions wrote it.
EVENTS_WITH_A_KEY = """CREATE TABLE events (
    event_id VARCHAR PRIMARY KEY,
    employee_id VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    occurred_at VARCHAR NOT NULL,
    occurred_utc TIMESTAMPTZ,
    occurred_local TIMESTAMP,
    recorded_at TIMESTAMPTZ NOT NULL,
    value DECIMAL(38, 10),
    voids VARCHAR,
    attributes JSON,
    content_sha256 VARCHAR NOT NULL,
    ingest_id BIGINT NOT NULL
)"""


def test_a_store_whose_events_have_a_primary_key_keeps_working(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    for statement in STORE_TABLES:
        con.execute(EVENTS_WITH_A_KEY if "CREATE TABLE events" in statement else statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},value,level",
        "e1,A,complaint,2026-10-28T10:00:00+08:00,1.5,2",
        "e2,A,praise_letter,2026-10-29,,",
        "e1,A,complaint,2026-10-28T10:00:00+08:00,1.50,2",  # the same event again
    )
    with Store.open(db) as store:
        assert ingest_events(store, path, None, NOW).added == 2
        keys = rows(
            store,
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = 'events' AND constraint_type = 'PRIMARY KEY'",
        )
        assert keys == [(["event_id"],)]
        again = ingest_events(store, to_parquet(store, path), None, LATER)
        assert (again.problems, again.added) == ([], 0)
        changed = write(tmp_path, "changed.csv", f"{HEADER},level", "e1,A,complaint,2026-10-28,3")
        assert one_problem(ingest_events(store, changed, None, LATER)) == (
            f"{changed}:2: event_id `e1` is already in the store with different content "
            f"(from {path}); a correction is a new event and a `void` row"
        )
        assert counts(store)["events"] == 2


def test_a_new_store_keeps_event_ids_unique_without_a_key(store: Store, tmp_path: Path) -> None:
    # No index guards event_id in a new store: the insert's anti-joins do, against the
    # store and within the file, whichever format and however often a file is sent.
    path = write(
        tmp_path,
        "e.csv",
        HEADER,
        *(f"e{i % 7},A,x,2026-10-{1 + i % 7:02d}" for i in range(40)),
    )
    for sent in (path, to_parquet(store, path), path):
        ingest_events(store, sent, None, NOW)
    assert rows(store, "SELECT count(*), count(DISTINCT event_id) FROM events") == [(7, 7)]


def test_an_event_id_stored_with_other_content(store: Store, tmp_path: Path) -> None:
    first = write(tmp_path, "first.csv", f"{HEADER},level", "e1,A,complaint,2026-10-28,1")
    assert ingest_events(store, first, None, NOW).ok
    before = counts(store)
    changed = write(tmp_path, "changed.csv", f"{HEADER},level", "e1,A,complaint,2026-10-28,3")
    assert one_problem(ingest_events(store, changed, None, NOW)) == (
        f"{changed}:2: event_id `e1` is already in the store with different content "
        f"(from {first}); a correction is a new event and a `void` row"
    )
    assert counts(store) == before


def test_recorded_at_is_content_when_given(store: Store, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", f"{HEADER},recorded_at", "e1,A,x,2026-10-28,2026-10-29")
    assert ingest_events(store, first, None, NOW).ok
    later = write(tmp_path, "b.csv", f"{HEADER},recorded_at", "e1,A,x,2026-10-28,2026-10-30")
    assert "different content" in one_problem(ingest_events(store, later, None, NOW))


# -- the catalog ----------------------------------------------------------------------


def test_unknown_event_type_with_a_suggestion(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        HEADER,
        "e1,A,complaint,2026-10-28",
        "e2,A,complaints,2026-10-28",
        "e3,A,zzz,2026-10-28",
    )
    assert problems(ingest_events(store, path, CATALOG, NOW)) == [
        f"{path}:3: unknown event type `complaints` (not in starrating.yaml); "
        "did you mean `complaint`?",
        f"{path}:4: unknown event type `zzz` (not in starrating.yaml)",
    ]


def test_undeclared_attribute_with_a_suggestion(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},levle,note",
        "e1,A,complaint,2026-10-28,1,",
        "e2,A,praise_letter,2026-10-28,,hi",
        "e3,A,praise_letter,2026-10-28,,",  # empty cells name nothing
    )
    assert problems(ingest_events(store, path, CATALOG, NOW)) == [
        f"{path}:2: event type `complaint` has no attribute `levle` in starrating.yaml; "
        "did you mean `level`?",
        f"{path}:3: event type `praise_letter` has no attribute `note` in starrating.yaml",
    ]


def test_declared_attribute_types_are_checked(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},level,responsible,taken,checked",
        "e1,A,complaint,2026-10-28,2,TRUE,,",
        "e2,A,complaint,2026-10-28,two,yes,,",
        "e3,A,exam,2026-10-28,,,2026-10-01,2026-10-02T10:00+08:00",
        "e4,A,exam,2026-10-28,,,01/10/2026,tomorrow",
        "e5,A,complaint,2026-10-28,1.5,0,,",
    )
    assert problems(ingest_events(store, path, CATALOG, NOW)) == [
        f"{path}:3: `level` = `two` is not a number (`level` of `complaint` is declared "
        "number in starrating.yaml)",
        f"{path}:3: `responsible` = `yes` is not true or false (`responsible` of `complaint` "
        "is declared boolean in starrating.yaml)",
        f"{path}:5: `taken` = `01/10/2026` is not a date (YYYY-MM-DD) (`taken` of `exam` is "
        "declared date in starrating.yaml)",
        f"{path}:5: `checked` = `tomorrow` is not an ISO 8601 time (like "
        "2026-10-28T10:00:00+08:00 or 2026-10-28 10:00) (`checked` of `exam` is declared "
        "timestamp in starrating.yaml)",
    ]


def test_declared_types_are_stored(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},level,responsible",
        "e1,A,complaint,2026-10-28,2,true",
        "e2,A,praise_letter,2026-10-28,,",
    )
    assert ingest_events(store, path, CATALOG, NOW).ok
    assert rows(store, "SELECT * FROM attribute_types ORDER BY ALL") == [
        ("complaint", "level", "number"),
        ("complaint", "responsible", "boolean"),
    ]


def test_a_catalog_without_events_checks_no_types(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", f"{HEADER},anything", "e1,A,whatever,2026-10-28,1")
    assert ingest_events(store, path, Catalog(path="starrating.yaml"), NOW).ok


def test_an_unknown_catalog_timezone(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28")
    catalog = Catalog(timezone="Mars/Olympus")
    assert one_problem(ingest_events(store, path, catalog, NOW)) == (
        f"{path}: the catalog's timezone `Mars/Olympus` is not a known time zone"
    )


# -- inferred attribute types ---------------------------------------------------------


def test_inferred_types(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},flag,level,kind,mixed",
        "e1,A,complaint,2026-10-28,TRUE,1,a,1",
        "e2,A,complaint,2026-10-28,false,2.5,b,true",
        "e3,A,complaint,2026-10-28,,,,",
        "e4,A,praise,2026-10-28,,,,",
    )
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT * FROM attribute_types ORDER BY ALL") == [
        ("complaint", "flag", "boolean"),
        ("complaint", "kind", "text"),
        ("complaint", "level", "number"),
        ("complaint", "mixed", "text"),
    ]


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [
        ("1", "2", "number"),
        ("true", "False", "boolean"),
        ("1", "true", "text"),
        ("true", "1", "text"),
        ("1", "one", "text"),
        ("one", "1", "text"),
    ],
)
def test_inferred_types_merge(
    store: Store, tmp_path: Path, first: str, second: str, merged: str
) -> None:
    a = write(tmp_path, "a.csv", f"{HEADER},x", f"e1,A,t,2026-10-28,{first}")
    b = write(tmp_path, "b.csv", f"{HEADER},x", f"e2,A,t,2026-10-28,{second}")
    assert ingest_events(store, a, None, NOW).ok
    assert ingest_events(store, b, None, NOW).ok
    assert rows(store, "SELECT type FROM attribute_types") == [(merged,)]


# -- all or nothing -------------------------------------------------------------------


def test_a_bad_row_keeps_the_whole_file_out(store: Store, tmp_path: Path) -> None:
    seed = write(tmp_path, "seed.csv", HEADER, "s1,A,complaint,2026-10-01")
    assert ingest_events(store, seed, None, NOW).ok
    before = counts(store)
    types = rows(store, "SELECT * FROM attribute_types")
    lines = [f"e{i},A,complaint,2026-10-28,{i},{i}" for i in range(100)]
    lines[60] = "e60,A,complaint,2026-10-28,oops,1"
    lines[90] = "e90,A,complaint,2026-10-28,1,"
    path = write(tmp_path, "e.csv", f"{HEADER},value,level", *lines)
    assert one_problem(ingest_events(store, path, None, NOW)) == (
        f"{path}:62: value `oops` is not a number"
    )
    assert counts(store) == before  # not even the ingests row
    assert rows(store, "SELECT * FROM attribute_types") == types == []


def test_ingest_files_is_one_transaction(store: Store, tmp_path: Path) -> None:
    roster = write(tmp_path, "r.csv", "employee_id,name,hire_date", "A,甲,2024-01-01")
    good = write(tmp_path, "good.csv", HEADER, "e1,A,x,2026-10-28")
    bad = write(tmp_path, "bad.csv", HEADER, "e2,A,x,never")
    before = counts(store)
    with pytest.raises(IngestError) as caught:
        ingest_files(store, events=[good, bad], rosters=[roster], catalog=None, now=NOW)
    reports = caught.value.reports
    assert [(r.file, r.kind, r.added, len(r.problems)) for r in reports] == [
        (str(roster), "roster", 1, 0),
        (str(good), "events", 1, 0),
        (str(bad), "events", 0, 1),
    ]
    assert counts(store) == before
    reports = ingest_files(store, events=[good], rosters=[roster], now=NOW)
    assert [r.added for r in reports] == [1, 1]


def test_later_files_see_earlier_ones(store: Store, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", HEADER, "e1,A,x,2026-10-28")
    second = write(tmp_path, "b.csv", f"{HEADER},voids", "v1,A,void,2026-10-29,e1")
    reports = ingest_files(store, events=[first, second], now=NOW)
    assert [r.added for r in reports] == [1, 1]


def test_ingest_files_inside_an_outer_transaction(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", HEADER, "e1,A,x,2026-10-28")
    bad = write(tmp_path, "bad.csv", HEADER, "e2,A,x,never")
    unreadable = write(tmp_path, "u.parquet", "not parquet")
    before = counts(store)
    for files in ([good, bad], [good, unreadable]):
        with pytest.raises(IngestError), store.transaction():
            store.connection.execute("INSERT INTO meta VALUES ('outer', 'x')")
            ingest_files(store, events=files, now=NOW)
        assert counts(store) == before
    with store.transaction():
        assert [r.added for r in ingest_files(store, events=[good], now=NOW)] == [1]
    assert counts(store)["events"] == 1


# -- file formats and line numbers ----------------------------------------------------


def test_jsonl(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"event_id": "e1", "employee_id": "A", "type": "complaint", '
        '"occurred_at": "2026-10-28", "level": 2, "responsible": true, "note": null}\n'
        "\n"
        '{"event_id": "e2", "employee_id": "A", "type": "complaint", '
        '"occurred_at": "2026-10-28", "value": "x"}\n'
        '{"event_id": "e3", "type": "complaint", "occurred_at": "2026-10-28"}\r\n'
    )
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:3: value `x` is not a number",
        f"{path}:4: `employee_id` is missing or empty",
    ]
    path.write_text(
        '{"event_id": "e1", "employee_id": "A", "type": "complaint", '
        '"occurred_at": "2026-10-28", "level": 2, "responsible": true, "note": null}\n'
    )
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT CAST(attributes AS VARCHAR) FROM events") == [
        ('{"level":"2","responsible":"true"}',)
    ]


def test_jsonl_lines_that_are_not_objects(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"event_id": "e1", "employee_id": "A", "type": "x", "occurred_at": "2026-10-28"}\n'
        "not json\n"
        "[1, 2]\n"
        '{"event_id": "e2", "event_id": "e3"}\n'
    )
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:2: this line is not valid JSON",
        f"{path}:3: this line is not a JSON object",
    ]
    path.write_text('{"event_id": "e2", "event_id": "e3"}\n')
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:1: the key `event_id` appears twice"
    ]


def test_empty_jsonl_and_header_only_csv(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    assert (ingest_events(store, empty, None, NOW).rows, counts(store)["ingests"]) == (0, 1)
    header = write(tmp_path, "e.csv", HEADER)
    report = ingest_events(store, header, None, NOW)
    assert (report.rows, report.added, report.problems) == (0, 0, [])


def test_parquet_rows(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, "e.csv", f"{HEADER},value", "e1,A,x,2026-10-28,1", "e2,A,x,2026-10-28,two"
    )
    parquet = to_parquet(store, path)
    assert one_problem(ingest_events(store, parquet, None, NOW)) == (
        f"{parquet}:row 2: value `two` is not a number"
    )


def test_typed_parquet_columns(store: Store, tmp_path: Path) -> None:
    parquet = tmp_path / "typed.parquet"
    store.connection.execute(
        f"""COPY (SELECT 'e1' AS event_id, 'A' AS employee_id, 'complaint' AS type,
                         TIMESTAMPTZ '2026-10-28 02:00:00+00' AS occurred_at,
                         1.5::DOUBLE AS value, 2 AS level, true AS responsible,
                         DATE '2026-10-01' AS taken)
            TO '{parquet}' (FORMAT parquet)"""
    )
    assert ingest_events(store, parquet, None, NOW).ok
    assert rows(
        store,
        "SELECT CAST(occurred_utc AS VARCHAR), CAST(value AS DOUBLE), "
        "CAST(attributes AS VARCHAR) FROM events",
    ) == [
        (
            "2026-10-28 02:00:00+00",
            1.5,
            '{"level":"2","responsible":"true","taken":"2026-10-01"}',
        )
    ]
    assert rows(store, "SELECT name, type FROM attribute_types ORDER BY 1") == [
        ("level", "number"),
        ("responsible", "boolean"),
        ("taken", "text"),
    ]


def test_csv_value_spanning_lines_moves_the_line_numbers(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        f"{HEADER},note",
        'e1,A,x,2026-10-28,"first line',
        'second line"',
        "e2,A,x,never,",
    )
    assert one_problem(ingest_events(store, path, None, NOW)).startswith(f"{path}:4: ")


def test_row_order_is_file_order_in_a_large_file(store: Store, tmp_path: Path) -> None:
    # ~40 MB: DuckDB reads it in parallel; the line numbers must still be exact.
    store.connection.execute("SET threads = 4")
    pad = "x" * 150
    lines = [f"e{i},E{i % 50},complaint,2026-08-05T10:00:00+08:00,{pad}" for i in range(200_000)]
    bad = [0, 77_776, 150_000, 199_999]
    for index in bad:
        lines[index] = lines[index].replace("2026-08-05T10:00:00+08:00", f"bad{index}")
    path = write(tmp_path, "big.csv", f"{HEADER},note", *lines)
    found = problems(ingest_events(store, path, None, NOW))
    assert found == [
        f"{path}:{index + 2}: occurred_at `bad{index}` is not an ISO 8601 time "
        "(like 2026-10-28T10:00:00+08:00 or 2026-10-28 10:00)"
        for index in bad
    ]


# -- files DuckDB cannot read ---------------------------------------------------------


def test_unsupported_file_type(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.xlsx", "whatever")
    assert one_problem(ingest_events(store, path, None, NOW)) == (
        f"{path}: unsupported file type `.xlsx`: use .csv, .jsonl or .parquet"
    )


def test_ragged_csv(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28", "e2,A,x", "e3,A,x,2026-10-28,extra"
    )
    assert problems(ingest_events(store, path, None, NOW)) == [
        f"{path}:3: cannot read this line: Expected Number of Columns: 4 Found: 3",
        f"{path}:4: cannot read this line: Expected Number of Columns: 4 Found: 5",
    ]


def test_unterminated_quote(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28", 'e2,A,"x,2026-10-28')
    found = one_problem(ingest_events(store, path, None, NOW))
    assert found.startswith(f"{path}:3: cannot read this line:")
    assert "quote" in found


def test_not_utf8(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(f"{HEADER}\ne1,A,投诉,2026-10-28\n".encode("gbk"))
    assert one_problem(ingest_events(store, path, None, NOW)) == (
        f"{path}:2: this line is not UTF-8 text (save the file as UTF-8)"
    )
    jsonl = tmp_path / "e.jsonl"
    jsonl.write_bytes('{"type": "投诉"}\n'.encode("gbk"))
    assert one_problem(ingest_events(store, jsonl, None, NOW)) == (
        f"{jsonl}: cannot read the file: the file is not UTF-8 text"
    )


def test_empty_csv_and_corrupt_parquet(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert one_problem(ingest_events(store, empty, None, NOW)) == (
        f"{empty}: the file is empty: it needs a header line"
    )
    corrupt = write(tmp_path, "e.parquet", "this is not parquet at all")
    found = one_problem(ingest_events(store, corrupt, None, NOW))
    assert found.startswith(f"{corrupt}: cannot read the file: ")
    assert "\n" not in found
    assert counts(store)["ingests"] == 0


def test_a_parquet_file_damaged_after_its_metadata(store: Store, tmp_path: Path) -> None:
    # Parquet is read when its values are checked, inside the ingest's transaction: a
    # damaged page is reported like any unreadable file, and nothing of the command is kept.
    damaged = tmp_path / "e.parquet"
    store.connection.execute(
        f"""COPY (SELECT 'e' || i AS event_id, 'A' AS employee_id, 'x' AS type,
                         '2026-10-28' AS occurred_at, md5(CAST(i AS VARCHAR)) AS note
                  FROM range(5000) t(i)) TO '{damaged}' (FORMAT parquet, COMPRESSION zstd)"""
    )
    data = bytearray(damaged.read_bytes())
    data[4 : len(data) - 3000] = b"\xff" * (len(data) - 3004)  # the pages, not the footer
    damaged.write_bytes(bytes(data))
    found = one_problem(ingest_events(store, damaged, None, NOW))
    assert found.startswith(f"{damaged}: cannot read the file: ")
    assert "\n" not in found
    roster = write(tmp_path, "r.csv", "employee_id,name,hire_date", "A,Ann,2025-01-01")
    with pytest.raises(IngestError) as raised:
        ingest_files(store, events=[damaged], rosters=[roster], now=NOW)
    assert [r.file for r in raised.value.reports] == [str(damaged)]
    assert counts(store)["ingests"] == counts(store)["roster"] == 0
    with pytest.raises(IngestError), store.transaction():  # the caller's transaction too
        ingest_roster(store, roster, None, NOW)
        ingest_events(store, damaged, None, NOW)
    assert counts(store)["roster"] == 0
    assert ingest_roster(store, roster, None, NOW).added == 1  # the store is still usable


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]


def _as_duckdb_shows(memory_limit: str) -> str:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    return _memory_limit(con)


def test_an_ingest_lowers_the_memory_limit_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    original = ingest_module.apply_events

    def observed(store: Store, *args: object) -> None:
        seen.append(_memory_limit(store.connection))
        original(store, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "apply_events", observed)
    path = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28")
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    with Store.open(tmp_path / "s.duckdb") as store:
        assert store.settings is not None
        own, own_mb = store.settings.memory_limit, store.settings.memory_mb
        before = _memory_limit(store.connection)
        assert ingest_events(store, path, None, NOW).added == 1
        assert ingest_files(store, events=[path], now=NOW)[0].added == 0
        assert _memory_limit(store.connection) == before  # a run after it has the store's
    assert own_mb is not None and own == f"{own_mb}MB"  # chosen by starrating
    lowered = own_mb > INGEST_MEMORY_MB
    expected = _as_duckdb_shows(INGEST_MEMORY_LIMIT if lowered else own)
    assert seen == [expected, expected]
    # A limit the user chose is the ingest's too.
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "20GB")
    with Store.open(tmp_path / "s.duckdb") as store:
        ingest_events(store, path, None, NOW)
    assert seen[-1] == _as_duckdb_shows("20GB")


def test_a_bom_and_crlf_are_fine(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(f"\ufeff{HEADER},note\r\ne1,A,x,2026-10-28,n\r\n".encode())
    assert ingest_events(store, path, None, NOW).ok
    assert rows(store, "SELECT CAST(attributes AS VARCHAR) FROM events") == [('{"note":"n"}',)]


# -- roster ---------------------------------------------------------------------------

ROSTER = "employee_id,name,department,role,hire_date,leave_date"


def roster_rows(store: Store) -> list[tuple]:
    return rows(
        store,
        """SELECT employee_id, version, name, CAST(hire_date AS VARCHAR),
                  CAST(leave_date AS VARCHAR), CAST(attributes AS VARCHAR),
                  CAST(recorded_at AS VARCHAR), ingest_id
           FROM roster ORDER BY employee_id, version""",
    )


def test_roster_first_version_is_known_from_the_hire_date(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        ROSTER,
        "A,甲,前台,service_desk,2024-01-01,",
        "B,乙,收银,,2026-12-01,",  # hired after `now`: known from now
    )
    report = ingest_roster(store, path, None, NOW)
    assert (report.rows, report.added, report.kind) == (2, 2, "roster")
    assert roster_rows(store) == [
        (
            "A",
            1,
            "甲",
            "2024-01-01",
            None,
            '{"department":"前台","role":"service_desk"}',
            "2024-01-01 00:00:00+00",
            1,
        ),
        ("B", 1, "乙", "2026-12-01", None, '{"department":"收银"}', "2026-11-01 12:00:00+00", 1),
    ]


def test_roster_versions(store: Store, tmp_path: Path) -> None:
    first = write(tmp_path, "r1.csv", ROSTER, "A,甲,前台,service_desk,2024-01-01,")
    assert ingest_roster(store, first, None, NOW).added == 1
    assert ingest_roster(store, first, None, LATER).added == 0  # identical: nothing
    moved = write(
        tmp_path,
        "r2.csv",
        ROSTER,
        "A,甲,收银,service_desk,2024-01-01,2026-12-31",
        "B,乙,前台,,2025-01-01,",
    )
    assert ingest_roster(store, moved, None, LATER).added == 2
    assert ingest_roster(store, moved, None, LATER).added == 0
    assert ingest_roster(store, first, None, LATER).added == 1  # back again: a version 3
    found = [(r[0], r[1], r[2 + 2], r[6]) for r in roster_rows(store)]
    assert found == [
        ("A", 1, None, "2024-01-01 00:00:00+00"),
        ("A", 2, "2026-12-31", "2026-11-20 12:00:00+00"),  # a later version: now
        ("A", 3, None, "2026-11-20 12:00:00+00"),
        ("B", 1, None, "2025-01-01 00:00:00+00"),
    ]


def test_roster_recorded_at_column(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        f"{ROSTER},recorded_at",
        "A,甲,前台,,2024-01-01,,2025-06-01T08:00:00+08:00",
        "B,乙,前台,,2024-01-01,,",
    )
    assert ingest_roster(store, path, Catalog(timezone="Asia/Shanghai"), NOW).ok
    assert [(r[0], r[6]) for r in roster_rows(store)] == [
        ("A", "2025-06-01 00:00:00+00"),
        ("B", "2024-01-01 00:00:00+00"),
    ]


def test_roster_problems(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        ROSTER,
        ",甲,前台,,2024-01-01,",
        "B,,前台,,2024-01-01,",
        "C,丙,前台,,,",
        "D,丁,前台,,2024/01/01,",
        "E,戊,前台,,2024-01-01,soon",
        "F,己,前台,,2024-05-01,2024-04-30",
        "G,庚,前台,,2024-01-01,",
        "G,庚,前台,,2024-01-01,",
    )
    assert problems(ingest_roster(store, path, None, NOW)) == [
        f"{path}:2: `employee_id` is empty",
        f"{path}:3: `name` is empty",
        f"{path}:4: `hire_date` is empty",
        f"{path}:5: hire_date `2024/01/01` is not a date (YYYY-MM-DD)",
        f"{path}:6: leave_date `soon` is not a date (YYYY-MM-DD)",
        f"{path}:7: leave_date 2024-04-30 is before hire_date 2024-05-01",
        f"{path}:9: employee_id `G` is also on line 8: a roster has one row per employee",
    ]
    assert counts(store)["roster"] == 0


def test_roster_missing_columns(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "employee_id,name,hired", "A,甲,2024-01-01")
    assert one_problem(ingest_roster(store, path, None, NOW)) == (
        f"{path}: missing column `hire_date` (the file has `hired`: rename it to "
        "`hire_date`); a roster file needs the columns employee_id, name, hire_date"
    )


def test_roster_with_a_catalog(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        "employee_id,name,hire_date,post,certified,pots,shoe_size,empty_column",
        "A,甲,2024-01-01,reception,yes,x,42,",
    )
    assert problems(ingest_roster(store, path, CATALOG, NOW)) == [
        f"{path}: the column `pots` is not a roster attribute in starrating.yaml; "
        "did you mean `post`?",
        f"{path}: the column `shoe_size` is not a roster attribute in starrating.yaml; "
        "declare it under `roster:` there",
    ]
    path = write(
        tmp_path, "r.csv", "employee_id,name,hire_date,post,certified", "A,甲,2024-01-01,a,yes"
    )
    assert one_problem(ingest_roster(store, path, CATALOG, NOW)) == (
        f"{path}:2: `certified` = `yes` is not true or false (the roster attribute "
        "`certified` is declared boolean in starrating.yaml)"
    )
    path = write(
        tmp_path, "r.csv", "employee_id,name,hire_date,post,certified", "A,甲,2024-01-01,a,1"
    )
    assert ingest_roster(store, path, CATALOG, NOW).ok
    assert rows(store, "SELECT * FROM attribute_types ORDER BY ALL") == [
        ("@roster", "certified", "boolean"),
        ("@roster", "post", "text"),
    ]


def test_roster_inferred_types(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        f"{ROSTER},grade,certified,district",
        "A,甲,1,2,2024-01-01,,3,true,北区",
        "B,乙,2,3,2024-01-01,,4.5,false,",
    )
    assert ingest_roster(store, path, None, NOW).ok
    assert rows(store, "SELECT name, type FROM attribute_types ORDER BY 1") == [
        ("certified", "boolean"),
        ("department", "text"),  # a standard column: always text
        ("district", "text"),
        ("grade", "number"),
        ("role", "text"),
    ]


def test_roster_jsonl_and_parquet(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", ROSTER, "A,甲,前台,service_desk,2024-01-01,")
    assert ingest_roster(store, path, None, NOW).added == 1
    jsonl = to_jsonl(
        path,
        [{"employee_id": "A", "name": "甲", "department": "前台", "role": "service_desk",
          "hire_date": "2024-01-01", "leave_date": None}],
    )  # fmt: skip
    assert ingest_roster(store, jsonl, None, LATER).added == 0
    assert ingest_roster(store, to_parquet(store, path), None, LATER).added == 0


# -- the command line -----------------------------------------------------------------


def ingest_command(*args: str) -> Result:
    return invoke(["ingest", *args])


def test_cli_ingest(in_tmp: Path) -> None:
    tmp_path = in_tmp
    db = str(tmp_path / "s.duckdb")
    roster = write(tmp_path, "r.csv", ROSTER, "A,甲,前台,,2024-01-01,")
    events = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28", "e2,A,x,2026-10-29")
    result = ingest_command("--db", db, "--events", str(events), "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert result.output == f"{roster}: 1 row, 1 new\n{events}: 2 rows, 2 new\n"
    result = ingest_command("--db", db, "--events", str(events))
    assert (result.exit_code, result.output) == (0, f"{events}: 2 rows, 0 new\n")


def test_cli_problems_keep_the_whole_command_out(in_tmp: Path) -> None:
    tmp_path = in_tmp
    db = tmp_path / "s.duckdb"
    roster = write(tmp_path, "r.csv", ROSTER, "A,甲,前台,,2024-01-01,")
    lines = [f"e{i},A,x,bad" for i in range(60)]
    events = write(tmp_path, "e.csv", HEADER, *lines)
    result = ingest_command("--db", str(db), "--roster", str(roster), "--events", str(events))
    assert result.exit_code == 1
    output = result.output.splitlines()
    assert output[0] == f"{roster}: 1 row, 1 new"
    assert output[1].startswith(f"{events}:2: occurred_at `bad`")
    assert output[50].startswith(f"{events}:51: ")
    assert output[51] == "... and 10 more problems"
    assert output[52].startswith("nothing was ingested")
    with Store.open(db) as store:
        assert counts(store)["roster"] == counts(store)["ingests"] == 0


def test_cli_usage_errors(in_tmp: Path) -> None:
    tmp_path = in_tmp
    db = str(tmp_path / "s.duckdb")
    result = ingest_command("--db", db)
    assert result.exit_code == 2
    assert "nothing to ingest" in result.output
    result = ingest_command("--db", db, "--events", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2
    assert "no such file" in result.output
    events = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28")
    result = ingest_command(
        "--db", db, "--events", str(events), "--catalog", str(tmp_path / "no.yaml")
    )
    assert result.exit_code == 2
    assert "no catalog file" in result.output


def test_cli_uses_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "starrating.yaml").write_text(
        "database: data/store.duckdb\nevents:\n  complaint: {level: integer}\n"
    )
    write(tmp_path, "e.csv", f"{HEADER},level", "e1,A,complaint,2026-10-28,2")
    write(tmp_path, "bad.csv", f"{HEADER},level", "e2,A,complain,2026-10-28,2")
    monkeypatch.chdir(tmp_path)
    result = ingest_command("--events", "bad.csv")
    assert result.exit_code == 1
    assert "bad.csv:2: unknown event type `complain`" in result.output
    assert "did you mean `complaint`?" in result.output
    result = ingest_command("--events", "e.csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "store.duckdb").is_file()


def test_cli_broken_catalog(in_tmp: Path) -> None:
    tmp_path = in_tmp
    catalog = tmp_path / "c.yaml"
    catalog.write_text("events: [\n")
    events = write(tmp_path, "e.csv", HEADER, "e1,A,x,2026-10-28")
    db = str(tmp_path / "s.duckdb")
    result = ingest_command("--db", db, "--catalog", str(catalog), "--events", str(events))
    assert result.exit_code == 1
    assert "fix the catalog first" in result.output
