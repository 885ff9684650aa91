"""Loading a staged roster file: checks its rows and adds new roster versions.

Enters: a :class:`~.staging.Staged` roster file, the catalog and the ingest time.
Leaves: new versions in ``roster``, attribute types and one ``ingests`` row, or the
problems of the file (then nothing). The rules are in :mod:`.ingest`.
"""

from __future__ import annotations

from datetime import datetime

from ..i18n import _
from ..language.catalog import TEXT, Catalog
from ..language.diagnostics import suggestion
from .checks import (
    KIND_WORDS,
    RowChecks,
    added_rows,
    attributes_sql,
    catalog_name,
    date_sql,
    empty_value,
    infer_sql,
    inferred_types,
    ingest_zone,
    instant_sql,
    merge_types,
    missing_columns,
    next_ingest_id,
    not_a_time,
    record_ingest,
    valid_sql,
)
from .schema import ROSTER_SCOPE
from .staging import (
    IngestReport,
    Staged,
    lit,
    read_values,
)
from .store import Store

ROSTER_REQUIRED = ("employee_id", "name", "hire_date")
ROSTER_STANDARD = (*ROSTER_REQUIRED, "leave_date", "recorded_at")
ROSTER_TEXT_COLUMNS = ("department", "role")  # standard roster attributes, always text


def apply_roster(
    store: Store, staged: Staged, catalog: Catalog | None, now: datetime, report: IngestReport
) -> None:
    con = store.connection
    if missing_columns(staged, ROSTER_REQUIRED):
        return
    zone = ingest_zone(con, catalog, staged)
    attributes = [n for n in staged.columns if n not in ROSTER_STANDARD]
    if catalog is not None:
        where = catalog_name(catalog)
        for name in attributes:
            if name in catalog.roster:
                continue
            row = con.execute(
                f"SELECT count(*) FROM {staged.stage} WHERE {staged.columns[name]} IS NOT NULL"
            ).fetchone()
            if not row or not row[0]:
                continue  # an empty column says nothing
            hint = suggestion(name, [n for n in catalog.roster if n not in ROSTER_STANDARD])
            problem = (
                _("{file}: the column `{name}` is not a roster attribute in {where}; {hint}")
                if hint
                else _(
                    "{file}: the column `{name}` is not a roster attribute in {where}; "
                    "declare it under `roster:` there"
                )
            )
            staged.problems.append(
                problem.format(file=staged.file, name=name, where=where, hint=hint)
            )
    if staged.problems:
        return
    ro = staged.stage + "_ro"
    staged.temp.append(ro)
    c = staged.col
    rec = c("recorded_at")
    carried = "".join(f", {staged.columns[n]}" for n in attributes)
    read = read_values(
        con,
        staged,
        f"""CREATE TEMP TABLE {ro} AS
            SELECT *, sha256(to_json([name, CAST(hire AS VARCHAR), CAST(leave AS VARCHAR),
                                      attrs])) AS content
            FROM (SELECT __line, {c("employee_id")} AS employee_id, {c("name")} AS name,
                         {c("hire_date")} AS hire_text, {c("leave_date")} AS leave_text,
                         {rec} AS recorded_text,
                         {date_sql(c("hire_date"))} AS hire,
                         {date_sql(c("leave_date"))} AS leave,
                         {instant_sql(rec, zone)} AS rec_utc,
                         {attributes_sql(staged, attributes)} AS attrs{carried}
                  FROM {staged.stage})""",
    )
    if not read:
        return
    checks = RowChecks()
    check = checks.add

    for name, column in (
        ("employee_id", "employee_id"),
        ("name", "name"),
        ("hire_date", "hire_text"),
    ):
        check(
            f"SELECT __line FROM {ro} WHERE {column} IS NULL",
            lambda a, name=name: empty_value(staged, name),
        )
    for name, text, parsed in (
        ("hire_date", "hire_text", "hire"),
        ("leave_date", "leave_text", "leave"),
    ):
        check(
            f"SELECT __line, {text} FROM {ro} WHERE {text} IS NOT NULL AND {parsed} IS NULL",
            lambda a, name=name: _("{column} `{value}` is not a date (YYYY-MM-DD)").format(
                column=name, value=a[0]
            ),
        )
    check(
        f"SELECT __line, leave_text, hire_text FROM {ro} WHERE leave < hire",
        lambda a: _("leave_date {leave} is before hire_date {hire}").format(leave=a[0], hire=a[1]),
    )
    check(
        f"SELECT __line, recorded_text FROM {ro} WHERE recorded_text IS NOT NULL "
        "AND rec_utc IS NULL",
        lambda a: not_a_time("recorded_at", a[0]),
    )
    check(
        f"""SELECT __line, employee_id, first_line FROM (
                SELECT __line, employee_id,
                       first_value(__line) OVER (PARTITION BY employee_id ORDER BY __line)
                           AS first_line
                FROM {ro} WHERE employee_id IS NOT NULL)
            WHERE __line <> first_line""",
        lambda a: _(
            "employee_id `{id}` is also on {line}: a roster has one row per employee"
        ).format(id=a[0], line=staged.line_word(a[1])),
    )
    if catalog is not None:
        where = catalog_name(catalog)
        for name in attributes:
            kind = catalog.roster.get(name, TEXT)
            if kind == TEXT or kind not in KIND_WORDS:
                continue
            column = staged.columns[name]
            check(
                f"SELECT __line, {column} FROM {ro} WHERE {column} IS NOT NULL "
                f"AND NOT ({valid_sql(column, kind)})",
                lambda a, name=name, kind=kind: _(
                    "`{name}` = `{value}` is not {kind_words} (the roster attribute `{name}` is "
                    "declared {kind} in {where})"
                ).format(
                    name=name, value=a[0], kind_words=_(KIND_WORDS[kind]), kind=kind, where=where
                ),
            )
    if checks.report(con, staged):
        return

    # -- write -----------------------------------------------------------------------
    ingest_id = next_ingest_id(con)
    con.execute(
        f"""INSERT INTO roster
            SELECT s.employee_id, coalesce(cur.version, 0) + 1, s.name, s.hire, s.leave,
                   CAST(s.attrs AS JSON), s.content,
                   coalesce(s.rec_utc,
                            CASE WHEN cur.version IS NULL
                                 THEN least(CAST(? AS TIMESTAMPTZ),
                                            timezone('UTC', CAST(s.hire AS TIMESTAMP)))
                                 ELSE CAST(? AS TIMESTAMPTZ) END),
                   ?
            FROM {ro} s
            LEFT JOIN (SELECT r.employee_id, r.version, r.content_sha256
                       FROM roster r
                       WHERE r.version = (SELECT max(version) FROM roster x
                                          WHERE x.employee_id = r.employee_id)) cur
                   ON cur.employee_id = s.employee_id
            WHERE cur.content_sha256 IS DISTINCT FROM s.content
            ORDER BY s.__line""",
        [now.isoformat(), now.isoformat(), ingest_id],
    )
    report.added = added_rows(con, "roster", ingest_id)
    if attributes:
        if catalog is not None:
            found = {(ROSTER_SCOPE, n): catalog.roster.get(n, TEXT) for n in attributes}
            present = {
                (ROSTER_SCOPE, n)
                for n in attributes
                if (
                    con.execute(
                        f"SELECT count(*) FROM {ro} WHERE {staged.columns[n]} IS NOT NULL"
                    ).fetchone()
                    or (0,)
                )[0]
            }
            merge_types(con, {k: v for k, v in found.items() if k in present}, declared=True)
        else:
            sql = " UNION ALL ".join(
                infer_sql(ro, lit(ROSTER_SCOPE), staged.columns[n], n, "true") for n in attributes
            )
            inferred = inferred_types(con.execute(sql).fetchall())
            for key in inferred:
                if key[1] in ROSTER_TEXT_COLUMNS:
                    inferred[key] = TEXT
            merge_types(con, inferred, declared=False)
    record_ingest(con, ingest_id, report, now)
