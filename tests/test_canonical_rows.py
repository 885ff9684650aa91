"""Result rows written as canonical JSON by DuckDB (engine/canonical.py) are byte for byte
what the Python writer (store.records.canonical_json) writes for the same rows, and the
run's ``results_sha256`` is the digest of that text: the form rows are stored in and
recorded runs are replayed against. Strings that JSON must escape (quotes, backslashes,
control characters, non-ASCII), text and date values, vetoes, awards and decimals are
covered here; the differential tests check the same on generated policies."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_text

from starrating.audit.replay import replay_run
from starrating.engine import evaluate as evaluate_module
from starrating.engine.evaluate import EVENTS_DIGEST_VERSION, evaluate
from starrating.engine.periods import parse_period
from starrating.engine.runs import run_policy
from starrating.language.catalog import merge_catalogs
from starrating.language.checker import check_policy
from starrating.language.parser import parse
from starrating.language.policyfiles import PolicyFile
from starrating.output.csv import CSV_FIELDS, render_csv
from starrating.output.json import render_run_documents
from starrating.store.ingest import ingest_files
from starrating.store.records import canonical_json, read_run
from starrating.store.store import Store

POLICY = """\
policy "引号 \\"and\\" back\\\\slash"
each week ending sunday {
  let sold = sum(sale.value)
  red 1 per sale
  award "周 \\"star\\" \\\\ 一" to top 1 by net
}
each month {
  let sold = sum(sale.value) default 0
  let share = sold / 3
  let team = department
  let hired = hire_date
  let big = sold > 10
  score points starts at 50 {
    plus 2.5 per sale
    never above 100
  }
  veto "违纪 \\"a\\"\tb" when count(sale where channel = "bad") > 0
  stars {
    5 when points >= 55
    1 otherwise
  }
  award "月度 \\\\ star" when points >= 55 with reward 12.50
  reward by stars { 5: 100.25, 1: 0 }
}
"""

# Employee ids and departments with characters JSON escapes: a quote, a backslash and
# control characters, which DuckDB's own JSON writer escapes with upper-case hex digits.
ROSTER = (
    "employee_id,name,hire_date,department\n"
    'E"1,一,2020-01-01,"A\x0bB"\n'
    "E\\2,二,2021-06-30,前台\x1f\n"
    "E3 é,三,2022-02-02,\n"
)
EVENTS = (
    "event_id,employee_id,type,occurred_at,value,channel\n"
    'a1,"E""1",sale,2026-10-05T10:00:00Z,7.125,shop\n'
    'a2,"E""1",sale,2026-10-06T10:00:00Z,4,shop\n'
    "a3,E\\2,sale,2026-10-14T10:00:00Z,0.5,bad\n"
    "a4,E3 é,sale,2026-10-20T10:00:00Z,3,shop\n"
)


def _store(tmp_path: Path) -> tuple[Store, PolicyFile]:
    roster = write_text(tmp_path / "roster.csv", ROSTER)
    events = write_text(tmp_path / "events.csv", EVENTS)
    store = Store.open(tmp_path / "store.duckdb")
    ingest_files(store, rosters=[roster], events=[events], now=datetime(2026, 11, 1, tzinfo=UTC))
    catalog = merge_catalogs(None, store.data_catalog())
    parsed = parse(POLICY)
    assert parsed.policy is not None, parsed.diagnostics
    checked = check_policy(parsed.policy, catalog)
    assert checked.analysis is not None, checked.diagnostics
    item = PolicyFile("p.policy", POLICY, parsed.policy, analysis=checked.analysis)
    return store, item


def test_sql_row_text_is_the_canonical_json_of_the_row(tmp_path: Path) -> None:
    store, item = _store(tmp_path)
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        assert item.policy is not None and item.analysis is not None
        evaluation = evaluate(
            store.connection, item.policy, item.analysis, catalog,
            parse_period("2026-10"), datetime(2026, 11, 2, tzinfo=UTC),
        )  # fmt: skip
        texts = store.connection.execute(
            "SELECT position, employee_id, period, row_json FROM sr_rows ORDER BY position"
        ).fetchall()
    # Read back by Python's own JSON parser, each text must be the canonical JSON of what
    # it holds: written again by the Python writer it comes out the same, byte for byte.
    rows = [json.loads(t[3], parse_float=Decimal) for t in texts]
    assert len(rows) == len(texts) > 4  # weeks and the month, for every employee
    assert [(t[1], t[2]) for t in texts] == [(r["employee_id"], r["period"]) for r in rows]
    assert [t[0] for t in texts] == list(range(len(rows)))
    assert [t[3] for t in texts] == [canonical_json(r) for r in rows]
    digest = hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()
    assert evaluation.results_sha256 == digest
    # The cases the SQL writer must get right are really there.
    text = "\n".join(t[3] for t in texts)
    for written in ('"E\\"1"', '"E\\\\2"', '"A\\u000bB"', '"前台\\u001f"', '"hired":"2020-01-01"',
                    '"big":true', '"reward":112.75', '"share":3.708333', "\\t"):  # fmt: skip
        assert written in text, written


def test_recorded_rows_read_back_as_the_run_printed_them(tmp_path: Path) -> None:
    store, item = _store(tmp_path)
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        document = run_policy(
            store.connection, item, catalog, parse_period("2026-10"),
            datetime(2026, 11, 2, tzinfo=UTC),
        )  # fmt: skip
        stored = store.connection.execute(
            "SELECT row_json FROM results WHERE run_id = ? ORDER BY position",
            [document.run["run_id"]],
        ).fetchall()
        recorded = read_run(store.connection, str(document.run["run_id"]))
        # The definition of docs/data.md section 5, as an auditor runs it on the store.
        (audited,) = store.connection.execute(
            "SELECT sha256('[' || coalesce(string_agg(row_json, ',' ORDER BY position), '')"
            " || ']') FROM results WHERE run_id = ?",
            [document.run["run_id"]],
        ).fetchone()
        left = store.connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'sr\\_%' ESCAPE '\\'"
        ).fetchone()
    assert [s[0] for s in stored] == [canonical_json(r) for r in document.results]
    assert canonical_json(recorded.results) == canonical_json(document.results)
    assert json.loads(canonical_json(document.results)) == json.loads(
        "[" + ",".join(s[0] for s in stored) + "]"
    )
    assert audited == document.run["results_sha256"] == recorded.run.results_sha256
    assert left == (0,)  # the run's working tables are gone


def test_a_run_recorded_by_the_python_writer_replays_identical(tmp_path: Path) -> None:
    # Before the rows were written by DuckDB, the recorder wrote each row's canonical JSON
    # and the results digest in Python: such a store must replay identical.
    store, item = _store(tmp_path)
    as_of = datetime(2026, 11, 2, tzinfo=UTC)
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        # ... and its events digest was version 1, one ordered text of all the events.
        document = run_policy(
            store.connection, item, catalog, parse_period("2026-10"), as_of, record=False,
            events_digest_version=1,
        )  # fmt: skip
        assert (
            document.run["events_sha256"]
            != run_policy(
                store.connection, item, catalog, parse_period("2026-10"), as_of, record=False
            ).run["events_sha256"]
        )
        rows = document.results
        run_id = "20261102T000000-0ldf0rm1"
        store.ensure_run_tables()
        store.connection.execute(
            "INSERT INTO runs (run_id, policy, version, policy_file, policy_text, policy_sha256,"
            " period, as_of, events_sha256, roster_sha256, results_sha256, engine_version,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id, document.run["policy"], "1", "p.policy", POLICY,
                document.run["policy_sha256"], "2026-10", as_of, document.run["events_sha256"],
                document.evaluation.roster_sha256 if document.evaluation else "",
                hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest(), "0.0",
                as_of, None,
            ],
        )  # fmt: skip
        store.connection.executemany(
            "INSERT INTO results (run_id, position, employee_id, period, row_json)"
            " VALUES (?, ?, ?, ?, ?)",
            [(run_id, i, r["employee_id"], r["period"], canonical_json(r))
             for i, r in enumerate(rows)],
        )  # fmt: skip
        outcome = replay_run(store, run_id)
    assert outcome.identical and outcome.differences == []


def test_printed_documents_are_the_python_writers(tmp_path: Path) -> None:
    # `run --format json` places the rows DuckDB printed; the Python writer is the contract.
    store, item = _store(tmp_path)
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        documents = [
            run_policy(store.connection, item, catalog, parse_period(period),
                       datetime(2026, 11, 2, tzinfo=UTC), record=False)
            for period in ("2026-10", "2019-06")  # rows, and a month before anyone was hired
        ]  # fmt: skip
    assert documents[0].results and not documents[1].results
    python_written = [replace(d, evaluation=None) for d in documents]
    for single in (True, False):
        for chosen in (documents[:1], documents[1:], documents):
            plain = [python_written[documents.index(d)] for d in chosen]
            assert render_run_documents(chosen, single) == render_run_documents(plain, single)
    assert render_run_documents([], False) == "[]\n"


CSV_POLICY = """\
policy "csv"
each week ending sunday {
  let sold = sum(sale.value) default 0
  let `a,b "q" /~0 x` = sold * 1000000000000.123456789
  let 名字 = department
}
each month {
  let sold = sum(sale.value)
  let `semi;colon` = sold / 7
}
"""


def _python_csv(documents: list) -> str:
    """The CSV as Python's csv module writes the rows: the oracle of the DuckDB writer."""
    names: list[str] = []
    for document in documents:
        for row in document.results:
            names += [n for n in row["values"] if n not in names]

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ";".join(str(v) for v in value)
        return format(value, "f") if isinstance(value, Decimal) else str(value)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS + [f"value:{n}" for n in names])
    for document in documents:
        run = document.run
        for row in document.results:
            writer.writerow(
                [run["policy"], run["version"], run["run_id"], row["employee_id"]]
                + [cell(row[f]) for f in CSV_FIELDS[4:]]
                + [cell(row["values"].get(n)) for n in names]
            )
    return out.getvalue()


def test_csv_written_by_duckdb_is_what_the_csv_module_writes(tmp_path: Path) -> None:
    store, item = _store(tmp_path)
    parsed = parse(CSV_POLICY)
    assert parsed.policy is not None, parsed.diagnostics
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        checked = check_policy(parsed.policy, catalog)
        assert checked.analysis is not None, checked.diagnostics
        other = PolicyFile("csv.policy", CSV_POLICY, parsed.policy, analysis=checked.analysis)
        as_of = datetime(2026, 11, 2, tzinfo=UTC)
        documents = [
            run_policy(store.connection, chosen, catalog, parse_period(period), as_of,
                       record=False)
            for chosen, period in ((item, "2026-10"), (other, "2026-10"), (item, "2019-06"))
        ]  # fmt: skip
    written = render_csv(documents)
    assert written == _python_csv(documents)
    # What makes the comparison worth having is really in it.
    for text in ('"value:a,b ""q"" /~0 x"', "value:名字", "value:semi;colon", "前台",
                 "true", "月度 \\ star", ",,"):  # fmt: skip
        assert text in written, text
    # A number of 20 digits: past what a binary float holds, so written exactly or not at all.
    assert re.search(r",\d{14}\.\d{6},", written)
    assert render_csv([]) == ",".join(CSV_FIELDS) + "\n"


def test_a_store_from_before_digest_versions_replays_and_records(tmp_path: Path) -> None:
    # A store whose `runs` table has no events_digest_version column: its runs hashed
    # their events as version 1. Read-only commands read them as such; the next run
    # recorded adds the column, and the old runs stay version 1.
    store, item = _store(tmp_path)
    as_of = datetime(2026, 11, 2, tzinfo=UTC)
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        old = run_policy(
            store.connection, item, catalog, parse_period("2026-10"), as_of,
            events_digest_version=1,
        )  # fmt: skip
        store.connection.execute("ALTER TABLE runs DROP COLUMN events_digest_version")
    path = tmp_path / "store.duckdb"
    with Store.open(path, read_only=True) as reader:
        outcome = replay_run(reader, str(old.run["run_id"]))
        assert outcome.run.events_digest_version == 1
        assert outcome.identical
    with Store.open(path) as writer:
        catalog = merge_catalogs(None, writer.data_catalog())
        new = run_policy(writer.connection, item, catalog, parse_period("2026-10"), as_of)
        versions = dict(
            writer.connection.execute("SELECT run_id, events_digest_version FROM runs").fetchall()
        )
        assert replay_run(writer, str(old.run["run_id"])).identical
        assert replay_run(writer, str(new.run["run_id"])).identical
    assert versions == {old.run["run_id"]: 1, new.run["run_id"]: EVENTS_DIGEST_VERSION}
    assert old.run["events_sha256"] != new.run["events_sha256"]


def test_events_digest_by_day_is_the_documented_one_in_any_runs_of_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, item = _store(tmp_path)
    as_of = datetime(2026, 11, 2, tzinfo=UTC)
    digests = []
    with store:
        catalog = merge_catalogs(None, store.data_catalog())
        for budget in (1, 2, 1_000_000):  # a day a query, two events a query, all at once
            monkeypatch.setattr(evaluate_module, "DIGEST_EVENTS_AT_ONCE", budget)
            document = run_policy(
                store.connection, item, catalog, parse_period("2026-10"), as_of, record=False
            )
            digests.append(document.run["events_sha256"])
        # docs/data.md section 5, as an auditor runs it: the policy's zone is UTC, and
        # every event of the store lies inside the evaluated days.
        (documented,) = store.connection.execute(
            """WITH seen AS (SELECT event_id, content_sha256,
                                    CAST(occurred_utc AS DATE) AS local_date FROM events),
               days AS (
                 SELECT local_date, sha256(string_agg(event_id || ':' || content_sha256, ','
                                                      ORDER BY event_id)) AS day_sha256
                 FROM seen GROUP BY local_date)
               SELECT sha256(coalesce(string_agg(strftime(local_date, '%Y-%m-%d') || ':' ||
                                                 day_sha256, ',' ORDER BY local_date), ''))
               FROM days"""
        ).fetchone()
    assert digests == [documented] * 3
