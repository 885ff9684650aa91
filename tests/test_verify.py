"""The hash chains of runs and ingests, and `starrating verify` (docs/data.md sections 3,
4.12 and 5): a store tampered with by editing its rows with DuckDB directly is named run
by run; a version-1 store is upgraded once by a writer and read as it is by a reader."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import invoke, write_text

from starrating.audit.verify import Step, verify_store
from starrating.cli.main import cli
from starrating.store.store import Store

pytestmark = pytest.mark.usefixtures("in_tmp")

ROSTER = """employee_id,name,department,role,hire_date,leave_date
A,甲,前台,sd,2024-01-01,
B,乙,前台,sd,2024-01-01,
"""

EVENTS = """event_id,employee_id,type,occurred_at
e1,A,complaint,2026-08-27T10:00:00+08:00
e2,B,complaint,2026-09-03T10:00:00+08:00
e3,A,complaint,2026-10-27T10:00:00+08:00
e4,A,complaint,2026-10-28T10:00:00+08:00
"""

MORE_EVENTS = """event_id,employee_id,type,occurred_at
e5,B,complaint,2026-10-29T10:00:00+08:00
"""

MONTHLY = """policy "月度" version 1
timezone "Asia/Shanghai"

each month {
  let c = count(complaint)
  red 1 per complaint
  stars {
    5 when red = 0
    3 otherwise
  }
}
"""

PERIODS = ("2026-08", "2026-09", "2026-10")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _store(tmp: Path) -> tuple[Path, list[str]]:
    """A store of two ingests (roster, events), three runs (one per month), then one more
    ingest: returns it and the run ids in recorded order."""
    db = tmp / "s.duckdb"
    write_text(tmp / "p.policy", MONTHLY)
    write_text(tmp / "roster.csv", ROSTER)
    write_text(tmp / "events.csv", EVENTS)
    write_text(tmp / "more.csv", MORE_EVENTS)
    result = invoke(["ingest", "--roster", "roster.csv", "--events", "events.csv", "--db", str(db)])
    assert result.exit_code == 0, result.output
    run_ids = []
    for period in PERIODS:
        result = invoke(["run", "p.policy", "--period", period, "--format", "json", "--db",
                         str(db)])  # fmt: skip
        assert result.exit_code == 0, result.output
        run_ids.append(json.loads(result.stdout)["run"]["run_id"])
    assert invoke(["ingest", "--events", "more.csv", "--db", str(db)]).exit_code == 0
    return db, run_ids


def _verify(db: Path, *more: str) -> Result:
    return invoke(["verify", "--db", str(db), *more])


def _edit(db: Path, *statements: str) -> None:
    """Change the store behind starrating's back, as anyone with the file could."""
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement)


def test_an_untouched_store_verifies(tmp_path: Path) -> None:
    db, _ = _store(tmp_path)
    before = db.read_bytes(), os.stat(db).st_mtime_ns
    result = _verify(db)
    assert result.exit_code == 0, result.output
    assert result.stdout == "3 runs and 3 ingests verified\n"
    assert (db.read_bytes(), os.stat(db).st_mtime_ns) == before  # it only reads


def test_the_run_document_carries_its_link_in_the_chain(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT run_id, run_sha256, previous_run_sha256 FROM runs ORDER BY created_at"
        ).fetchall()
    assert [row[0] for row in stored] == run_ids
    assert stored[0][2] == ""  # the first run's empty link
    assert [row[2] for row in stored[1:]] == [row[1] for row in stored[:-1]]
    listed = json.loads(invoke(["runs", "--format", "json", "--db", str(db)]).stdout)
    assert [(r["run_id"], r["run_sha256"], r["previous_run_sha256"]) for r in listed] == stored
    keys = list(listed[0])
    assert keys.index("run_sha256") == keys.index("results_sha256") + 1
    assert keys.index("previous_run_sha256") == keys.index("run_sha256") + 1


def test_the_digests_are_what_the_docs_define(tmp_path: Path) -> None:
    # Recomputed here in Python from the definitions of docs/data.md (a JSON array of
    # texts, no spaces, non-ASCII as UTF-8), not through starrating's SQL.
    db, _ = _store(tmp_path)

    def digest(*fields: object) -> str:
        text = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, policy, version, period, CAST(epoch_us(as_of) AS VARCHAR),"
            " CAST(epoch_us(created_at) AS VARCHAR), policy_sha256, events_sha256,"
            " roster_sha256, results_sha256, contributions_sha256, previous_run_sha256,"
            " run_sha256 FROM runs ORDER BY created_at"
        ).fetchall()
        contributions = {
            run_id: sorted(
                json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
                for row in con.execute(
                    "SELECT period, employee_id, CAST(line AS VARCHAR), kind, label,"
                    " CAST(amount AS VARCHAR), detail, CAST(to_json(event_ids) AS VARCHAR)"
                    " FROM contributions WHERE run_id = ?",
                    [run_id],
                ).fetchall()
            )
            for run_id, *_rest in runs
        }
        ingests = con.execute(
            "SELECT sha256, CAST(rows AS VARCHAR), CAST(epoch_us(ingested_at) AS VARCHAR),"
            " previous_ingest_sha256, ingest_sha256 FROM ingests ORDER BY ingest_id"
        ).fetchall()
    for *fields, stored in runs:
        assert digest(*fields) == stored
    for run_id, *_rest, contributions_sha256, _previous, _stored in runs:
        text = "\n".join(contributions[run_id])
        assert contributions[run_id] and hashlib.sha256(text.encode()).hexdigest() == (
            contributions_sha256
        )
    previous = ""
    for file_sha, rows, time, link, stored in ingests:
        assert link == previous
        assert digest(file_sha, rows, time, link) == stored
        previous = stored


def test_a_changed_result_row_is_named_with_its_run(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _edit(
        db,
        "UPDATE results SET row_json = replace(row_json, '\"stars\":3', '\"stars\":5')"
        f" WHERE run_id = '{run_ids[2]}' AND employee_id = 'A'",
    )
    result = _verify(db)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"run {run_ids[2]}: the result row at position 0 (employee A, period 2026-10) was"
        " changed after it was recorded",
        "3 runs and 3 ingests checked: 1 problem",
    ]


def test_a_changed_result_row_whose_row_digest_was_changed_too_still_fails(
    tmp_path: Path,
) -> None:
    db, run_ids = _store(tmp_path)
    _edit(
        db,
        "UPDATE results SET row_json = replace(row_json, '\"stars\":3', '\"stars\":5')"
        f" WHERE run_id = '{run_ids[2]}' AND employee_id = 'A'",
        "UPDATE results SET row_sha256 = sha256(row_json)",
    )
    result = _verify(db)
    assert result.exit_code == 1
    assert f"run {run_ids[2]}: its result rows no longer match its results_sha256" in result.stdout


def test_a_deleted_run_breaks_the_chain_where_it_was(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    middle = run_ids[1]
    _edit(db, *(f"DELETE FROM {t} WHERE run_id = '{middle}'" for t in
                ("results", "contributions", "runs")))  # fmt: skip
    result = _verify(db)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"run {run_ids[2]}: the run recorded before it is missing")
    assert lines[1] == "2 runs and 3 ingests checked: 1 problem"


def test_a_changed_policy_text_is_named(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _edit(db, f"UPDATE runs SET policy_text = replace(policy_text, 'red 1', 'red 0')"
              f" WHERE run_id = '{run_ids[0]}'")  # fmt: skip
    result = _verify(db)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"run {run_ids[0]}: its policy text no longer matches its policy_sha256"
    )


def test_a_changed_contribution_is_named(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _edit(db, f"UPDATE contributions SET amount = 0 WHERE run_id = '{run_ids[2]}'"
              " AND kind = 'red'")  # fmt: skip
    result = _verify(db)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        f"run {run_ids[2]}: its contributions no longer match its contributions_sha256"
    )


def test_re_ordered_runs_are_named(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    first, second, third = run_ids
    # Swap the creation times of the last two runs: the recorded order no longer agrees
    # with the chain, and each run's own digest no longer matches its facts.
    _edit(
        db,
        "CREATE TEMP TABLE t AS SELECT run_id, created_at FROM runs",
        f"UPDATE runs SET created_at = (SELECT created_at FROM t WHERE run_id = '{third}')"
        f" WHERE run_id = '{second}'",
        f"UPDATE runs SET created_at = (SELECT created_at FROM t WHERE run_id = '{second}')"
        f" WHERE run_id = '{third}'",
    )
    lines = _verify(db).stdout.splitlines()
    assert (
        f"run {third}: re-ordered: its previous_run_sha256 names run {second}, but run"
        f" {first} was recorded just before it"
    ) in lines
    changed = f"run {second}: its recorded facts no longer match"
    assert any(line.startswith(changed) for line in lines)


def test_a_relinked_chain_with_recomputed_digests_is_still_re_ordered(tmp_path: Path) -> None:
    # Moving the first run to the end of the chain and recomputing its digest (the
    # facts left as they are) still leaves the chain disagreeing with the recorded order.
    db, run_ids = _store(tmp_path)
    _edit(db, f"UPDATE runs SET previous_run_sha256 = (SELECT run_sha256 FROM runs WHERE"
              f" run_id = '{run_ids[2]}') WHERE run_id = '{run_ids[0]}'")  # fmt: skip
    lines = _verify(db).stdout.splitlines()
    assert (
        f"run {run_ids[0]}: re-ordered: it is the first run recorded, but its"
        f" previous_run_sha256 names run {run_ids[2]}"
    ) in lines


def test_changed_and_deleted_ingests_are_named(tmp_path: Path) -> None:
    db, _ = _store(tmp_path)
    _edit(db, "UPDATE ingests SET rows = rows + 1 WHERE ingest_id = 1",
          "DELETE FROM ingests WHERE ingest_id = 2")  # fmt: skip
    lines = _verify(db).stdout.splitlines()
    assert lines[0].startswith("ingest 1: its recorded facts no longer match its ingest_sha256")
    assert lines[1].startswith("ingest 3: the ingest recorded before it is missing")
    assert lines[-1] == "3 runs and 2 ingests checked: 2 problems"


def test_json_output(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _edit(db, f"UPDATE runs SET policy_text = policy_text || ' ' WHERE run_id = '{run_ids[1]}'")
    document = json.loads(_verify(db, "--format", "json").stdout)
    assert document["verified"] is False
    assert (document["runs"], document["ingests"], document["chained"]) == (3, 3, True)
    assert document["last_run"]["run_id"] == run_ids[2]
    assert [(p["run_id"], p["what"]) for p in document["problems"]] == [(run_ids[1], "policy_text")]


def test_verify_in_chinese(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _edit(db, f"DELETE FROM runs WHERE run_id = '{run_ids[0]}'")
    result = CliRunner().invoke(cli, ["--lang", "zh-CN", "verify", "--db", str(db)])
    assert result.exit_code == 1
    first, last = result.stdout.splitlines()
    assert CHINESE.search(first) and run_ids[1] in first and "previous_run_sha256" in first
    assert CHINESE.search(last) and "2" in last


# ---- a store recorded before the chain (schema version 1) -------------------------------


def _as_version_1(db: Path) -> None:
    """The store as a version of starrating before the chain wrote it."""
    _edit(
        db,
        *(
            f"ALTER TABLE {table} DROP COLUMN {column}"
            for table, column in (
                ("runs", "contributions_sha256"),
                ("runs", "run_sha256"),
                ("runs", "previous_run_sha256"),
                ("results", "row_sha256"),
                ("ingests", "ingest_sha256"),
                ("ingests", "previous_ingest_sha256"),
            )
        ),
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    )


def test_a_version_1_store_is_read_as_it_is_by_readers(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    _as_version_1(db)
    _edit(db, f"UPDATE runs SET policy_text = policy_text || ' ' WHERE run_id = '{run_ids[0]}'")
    before = db.read_bytes(), os.stat(db).st_mtime_ns
    result = _verify(db)
    assert result.exit_code == 1
    assert "predates the chain of runs and ingests (schema version 1)" in result.stderr
    assert result.stdout.splitlines() == [
        f"run {run_ids[0]}: its policy text no longer matches its policy_sha256",
        "3 runs and 3 ingests checked: 1 problem",
    ]
    listed = json.loads(invoke(["runs", "--format", "json", "--db", str(db)]).stdout)
    assert [r["run_sha256"] for r in listed] == [None, None, None]
    assert (db.read_bytes(), os.stat(db).st_mtime_ns) == before  # readers never write


def test_a_version_1_store_is_upgraded_once_by_a_writer(tmp_path: Path) -> None:
    db, _ = _store(tmp_path)
    with duckdb.connect(str(db), read_only=True) as con:
        chained = con.execute("SELECT run_sha256 FROM runs ORDER BY created_at").fetchall()
    _as_version_1(db)
    result = invoke(["ingest", "--events", "more.csv", "--db", str(db)])
    assert result.exit_code == 0
    assert result.stderr == (
        f"starrating: note: upgraded the store {db} to schema version 2: chained its 3 runs"
        " and 3 ingests in their recorded order (`starrating verify` checks them)\n"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta").fetchall() == [("2",)]
        # The same chain as recorded: the upgrade follows the recorded order.
        assert con.execute("SELECT run_sha256 FROM runs ORDER BY created_at").fetchall() == (
            chained
        )
    assert _verify(db).stdout == "3 runs and 4 ingests verified\n"
    again = invoke(["ingest", "--events", "more.csv", "--db", str(db)])
    assert "upgraded" not in again.stderr  # once


def test_the_upgrade_note_in_chinese(tmp_path: Path) -> None:
    db, _ = _store(tmp_path)
    _as_version_1(db)
    result = CliRunner().invoke(
        cli, ["--lang", "zh-CN", "ingest", "--events", "more.csv", "--db", str(db)]
    )
    assert result.exit_code == 0
    assert result.stderr.startswith("starrating: note: ")
    assert CHINESE.search(result.stderr) and "starrating verify" in result.stderr


# ---- the SQL of the docs ---------------------------------------------------------------

DATA_MD = Path(__file__).resolve().parent.parent / "docs" / "data.md"


def _sql_block(containing: str) -> list[str]:
    """The statements of the ```sql block of docs/data.md that contains ``containing``."""
    blocks = re.findall(r"```sql\n(.*?)```", DATA_MD.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if containing in b]
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
    return [s for s in "\n".join(lines).split(";") if s.strip()]


def test_the_docs_sql_recomputes_the_chains_with_duckdb_alone(tmp_path: Path) -> None:
    db, run_ids = _store(tmp_path)
    runs_check, changed_rows = _sql_block("contribution_digests")
    (ingests_check,) = _sql_block("previous_ingest_sha256 = coalesce")
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(runs_check).fetchall()
        assert [row[0] for row in found] == run_ids
        assert all(all(row[1:]) for row in found)
        assert con.execute(changed_rows).fetchall() == []
        assert con.execute(ingests_check).fetchall() == [(1, True, True), (2, True, True),
                                                         (3, True, True)]  # fmt: skip
    _edit(db, f"UPDATE results SET row_json = row_json || ' ' WHERE run_id = '{run_ids[1]}'"
              " AND position = 1")  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        assert [row[2] for row in con.execute(runs_check).fetchall()] == [True, False, True]
        assert con.execute(changed_rows).fetchall() == [(run_ids[1], 1, "B", "2026-09")]


def test_the_checks_go_through_the_progress_bar(tmp_path: Path) -> None:
    # `verify` on a terminal wraps these steps in a progress bar (cli/terminal.py).
    db, _ = _store(tmp_path)
    seen: list[int] = []

    def progress(steps: Sequence[Step]) -> Iterator[Step]:
        seen.append(len(steps))
        yield from steps

    with Store.open(db, read_only=True) as store:
        outcome = verify_store(store, progress)
    assert seen == [4]  # run digests, result rows, run links, ingest chain
    assert (outcome.ok, outcome.runs, outcome.ingests) == (True, 3, 3)
