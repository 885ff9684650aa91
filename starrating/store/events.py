"""Loading a staged events file: checks its rows and adds its new events.

Enters: a :class:`~.staging.Staged` events file, the catalog and the ingest time.
Leaves: new rows in ``events`` (voids too), attribute types and one ``ingests`` row, or
the problems of the file (then nothing). The rules are in :mod:`.ingest`.
"""

from __future__ import annotations

import functools
from datetime import datetime

import duckdb

from ..i18n import CHINESE, _, current_language, ngettext
from ..language.catalog import TEXT, Catalog
from ..language.diagnostics import suggestion
from .checks import (
    KIND_WORDS,
    PERIOD_EXAMPLE,
    RowChecks,
    added_rows,
    attributes_sql,
    catalog_name,
    empty_value,
    has_offset_sql,
    infer_sql,
    inferred_types,
    ingest_zone,
    instant_sql,
    iso_time_sql,
    local_sql,
    merge_types,
    missing_columns,
    next_ingest_id,
    not_a_time,
    number_sql,
    period_label_sql,
    record_ingest,
    utc_sql,
    valid_sql,
)
from .schema import VOID_TYPE
from .staging import (
    IngestReport,
    Staged,
    lit,
    read_values,
)
from .store import Store

# How many of the employee ids that are not on the roster a warning names.
SHOWN_UNKNOWN = 5

EVENT_REQUIRED = ("event_id", "employee_id", "type", "occurred_at")
EVENT_STANDARD = (*EVENT_REQUIRED, "recorded_at", "value", "voids", "for_period")
# The SQL types of the optional columns that are parsed.
PARSED_COLUMN_TYPES = {
    "recorded_at": "TIMESTAMPTZ",
    "value": "DECIMAL(38, 10)",
    "for_period": "VARCHAR",
}


def content_sql(row: str) -> str:
    """``content_sha256`` of the parsed file row ``row`` (docs/data.md section 2): the
    definition stores written by every version hold, so it never changes.

    ``for_period`` (the normalised label) is an eighth item only when the row has one: the
    digest of every event without it, which recorded runs' events digests rest on, is the
    one it always was."""
    recorded = (
        f"CASE WHEN {row}.recorded_text IS NOT NULL "
        f"THEN coalesce(CAST({row}.rec_utc AS VARCHAR), {row}.recorded_text) END"
    )
    items = (
        f"{row}.employee_id, {row}.type, {row}.occurred_at, "
        f"CAST({row}.value AS VARCHAR), {row}.voids, {row}.attrs, {recorded}"
    )
    return (
        f"CASE WHEN {row}.for_period IS NULL THEN sha256(to_json([{items}]))"
        f" ELSE sha256(to_json([{items}, {row}.for_period])) END"
    )


def apply_events(
    store: Store, staged: Staged, catalog: Catalog | None, now: datetime, report: IngestReport
) -> None:
    """Read, check and (when it has no problem) write a staged events file."""
    con = store.connection
    if missing_columns(staged, EVENT_REQUIRED):
        return
    zone = ingest_zone(con, catalog, staged)
    if staged.problems:
        return
    attributes = [n for n in staged.columns if n not in EVENT_STANDARD]
    ev = _read_events(con, staged, zone, attributes)
    if ev is None:
        return
    checks = RowChecks()
    check = checks.add

    for name in EVENT_REQUIRED:
        check(
            f"SELECT __line FROM {ev} WHERE {name} IS NULL",
            lambda a, name=name: empty_value(staged, name),
        )
    check(
        f"""SELECT __line, occurred_at FROM {ev}
            WHERE occurred_at IS NOT NULL AND occ_utc IS NULL AND occ_local IS NULL""",
        lambda a: not_a_time("occurred_at", a[0]),
    )
    check(
        f"SELECT __line, recorded_text FROM {ev} WHERE recorded_text IS NOT NULL "
        "AND rec_utc IS NULL",
        lambda a: not_a_time("recorded_at", a[0]),
    )
    check(
        f"SELECT __line, value_text FROM {ev} WHERE value_text IS NOT NULL AND value IS NULL",
        lambda a: _("value `{value}` is not a number").format(value=a[0]),
    )
    check(
        f"SELECT __line, for_text FROM {ev} WHERE for_text IS NOT NULL AND for_period IS NULL",
        lambda a: _("for_period `{value}` is not a period label ({example})").format(
            value=a[0], example=_(PERIOD_EXAMPLE)
        ),
    )
    checked = catalog is not None and catalog.known_events
    if checked:
        assert catalog is not None
        known = sorted(catalog.events)
        where = catalog_name(catalog)

        @functools.cache
        def type_hint(word: str) -> str | None:
            return suggestion(word, known)

        def unknown_type(a: tuple[object, ...]) -> str:
            hint = type_hint(str(a[0]))
            if hint:
                return _("unknown event type `{type}` (not in {where}); {hint}").format(
                    type=a[0], where=where, hint=hint
                )
            return _("unknown event type `{type}` (not in {where})").format(type=a[0], where=where)

        check(
            f"""SELECT __line, type FROM {ev}
                WHERE type IS NOT NULL AND type <> '{VOID_TYPE}' AND NOT list_contains(?, type)""",
            unknown_type,
            [known],
        )

        @functools.cache
        def attribute_hint(name: str, event_type: str) -> str | None:
            return suggestion(name, catalog.events.get(event_type, {}))

        for name in attributes:
            column = staged.columns[name]
            having = [t for t in known if name in catalog.event_attributes(t)]

            def undeclared(a: tuple[object, ...], name: str = name) -> str:
                hint = attribute_hint(name, str(a[0]))
                if hint:
                    return _(
                        "event type `{type}` has no attribute `{name}` in {where}; {hint}"
                    ).format(type=a[0], name=name, where=where, hint=hint)
                return _("event type `{type}` has no attribute `{name}` in {where}").format(
                    type=a[0], name=name, where=where
                )

            check(
                f"""SELECT __line, type FROM {ev}
                    WHERE {column} IS NOT NULL AND list_contains(?, type)
                      AND NOT list_contains(?, type)""",
                undeclared,
                [known, having],
            )
            kinds = {catalog.event_attributes(t)[name] for t in having}
            for kind in sorted(kinds - {TEXT}):
                typed = [t for t in having if catalog.event_attributes(t)[name] == kind]
                check(
                    f"""SELECT __line, type, {column} FROM {ev}
                        WHERE {column} IS NOT NULL AND list_contains(?, type)
                          AND NOT ({valid_sql(column, kind)})""",
                    lambda a, name=name, kind=kind: _(
                        "`{name}` = `{value}` is not {kind_words} (`{name}` of `{type}` is "
                        "declared {kind} in {where})"
                    ).format(
                        name=name,
                        value=a[1],
                        kind_words=_(KIND_WORDS[kind]),
                        type=a[0],
                        kind=kind,
                        where=where,
                    ),
                    [typed],
                )
    check(
        f"SELECT __line FROM {ev} WHERE type = '{VOID_TYPE}' AND voids IS NULL",
        lambda a: _("a `void` row needs `voids`: the event_id of the event it cancels"),
    )
    check(
        f"SELECT __line, type FROM {ev} WHERE voids IS NOT NULL AND type <> '{VOID_TYPE}'",
        lambda a: _("`voids` is only for rows of type `void` (this row's type is `{type}`)").format(
            type=a[0]
        ),
    )
    # The events the file's voids name, found in the file and in the store once, for
    # both checks below (each of them joined the whole file and the whole store before).
    named = f"SELECT voids FROM {ev} WHERE type = '{VOID_TYPE}' AND voids IS NOT NULL"
    targets = ev + "_targets"
    staged.temp.append(targets)
    con.execute(
        f"""CREATE TEMP TABLE {targets} AS
            SELECT event_id, bool_or(type = '{VOID_TYPE}') AS is_void FROM (
                SELECT event_id, type FROM {ev} WHERE event_id IN ({named})
                UNION ALL
                SELECT event_id, type FROM events WHERE event_id IN ({named}))
            GROUP BY event_id"""
    )
    check(
        f"""SELECT v.__line, v.voids FROM {ev} v
            WHERE v.type = '{VOID_TYPE}' AND v.voids IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM {targets} t WHERE t.event_id = v.voids)""",
        lambda a: _("voids `{id}`, but there is no event `{id}` in this file or the store").format(
            id=a[0]
        ),
    )
    check(
        f"""SELECT v.__line, v.voids FROM {ev} v
            WHERE v.type = '{VOID_TYPE}' AND v.voids IS NOT NULL
              AND EXISTS (SELECT 1 FROM {targets} t WHERE t.event_id = v.voids AND t.is_void)""",
        lambda a: _("voids `{id}`, which is itself a void: a void can only cancel an event").format(
            id=a[0]
        ),
    )
    # An event_id on several lines of the file: rare, so the lines are compared only
    # within that small set instead of a window over every row of the file.
    dup = ev + "_dup"
    staged.temp.append(dup)
    con.execute(
        f"""CREATE TEMP TABLE {dup} AS
            SELECT event_id, min(__line) AS first_line FROM {ev}
            WHERE event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1"""
    )
    check(
        f"""SELECT __line, event_id, first_line FROM (
                SELECT __line, event_id, content,
                       first_value(content) OVER w AS first_content,
                       first_value(__line) OVER w AS first_line
                FROM (SELECT __line, event_id, {content_sql("v")} AS content
                      FROM {ev} v WHERE event_id IN (SELECT event_id FROM {dup}))
                WINDOW w AS (PARTITION BY event_id ORDER BY __line))
            WHERE content <> first_content""",
        lambda a: _("event_id `{id}` is also on {line} with different content").format(
            id=a[0], line=staged.line_word(a[1])
        ),
    )
    # The file's ids the store already holds: the store is read once, for the check
    # below and for the insert, which then joins the file with this (small) table.
    stored = ev + "_stored"
    staged.temp.append(stored)
    con.execute(
        f"""CREATE TEMP TABLE {stored} AS
            SELECT event_id, content_sha256, ingest_id FROM events
            WHERE event_id IN (SELECT event_id FROM {ev})"""
    )
    # The digest of the file's row only where its event_id is stored: a new file's rows
    # are not hashed twice (here and when written).
    check(
        f"""SELECT v.__line, v.event_id, i.file FROM {ev} v
            JOIN {stored} e ON e.event_id = v.event_id
            LEFT JOIN ingests i ON i.ingest_id = e.ingest_id
            WHERE e.content_sha256 <> {content_sql("v")}""",
        lambda a: _(
            "event_id `{id}` is already in the store with different content (from {source}); "
            "a correction is a new event and a `void` row"
        ).format(id=a[0], source=a[1] or _("an earlier ingest")),
    )
    if checks.report(con, staged):
        return

    _write_events(con, staged, ev, (dup, stored), catalog if checked else None, now, report)


def _read_events(
    con: duckdb.DuckDBPyConnection, staged: Staged, zone: str, attributes: list[str]
) -> str | None:
    """The file's values parsed into a temporary table (its name), or None when the file
    cannot be read after all."""
    ev = staged.stage + "_ev"
    staged.temp.append(ev)
    c = staged.col
    carried = "".join(f", {staged.columns[n]}" for n in attributes)
    rec = c("recorded_at")

    def parsed(name: str, sql: str) -> str:
        # An optional column the file does not have is a typed NULL: DuckDB would
        # otherwise evaluate the parsing (time zone, patterns) on a NULL in every row.
        return sql if name in staged.columns else f"CAST(NULL AS {PARSED_COLUMN_TYPES[name]})"

    # One table of the file's values, parsed; the content digest is not in it: it is
    # computed where it is needed, for the rows written and the ids that collide.
    read = read_values(
        con,
        staged,
        f"""CREATE TEMP TABLE {ev} AS
            SELECT __line, event_id, employee_id, type, occurred_at, recorded_text,
                   value_text, voids,
                   {utc_sql("occurred_at", "occ_iso", "occ_offset")} AS occ_utc,
                   {local_sql("occurred_at", "occ_iso", "occ_offset")} AS occ_local,
                   {parsed("recorded_at", instant_sql("recorded_text", zone))} AS rec_utc,
                   {parsed("value", number_sql("value_text"))} AS value,
                   for_text, {parsed("for_period", period_label_sql("for_text"))} AS for_period,
                   attrs{carried}
            FROM (SELECT __line,
                         {c("event_id")} AS event_id, {c("employee_id")} AS employee_id,
                         {c("type")} AS type, {c("occurred_at")} AS occurred_at,
                         {iso_time_sql(c("occurred_at"))} AS occ_iso,
                         {has_offset_sql(c("occurred_at"))} AS occ_offset,
                         {rec} AS recorded_text, {c("value")} AS value_text,
                         {c("voids")} AS voids, {c("for_period")} AS for_text,
                         {attributes_sql(staged, attributes)} AS attrs{carried}
                  FROM {staged.stage})""",
    )
    return ev if read else None


def _unknown_employees(con: duckdb.DuckDBPyConnection, ingest_id: int, file: str) -> list[str]:
    """The warning for the events ingest ``ingest_id`` added whose employee has no version
    in the roster table at all (a typing slip, a new hire missing from the roster file):
    they are kept, since the roster may follow, but they rate nobody until it does.

    Whether the employee is employed on the event's date, or on the roster a run sees at
    its as-of time, is the run's question (its own warning); ingest knows neither the
    period nor the as-of time. ``void`` rows are left out: they rate nobody anyway."""
    unknown = f"""FROM events e
        WHERE e.ingest_id = ? AND e.type <> '{VOID_TYPE}'
          AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.employee_id = e.employee_id)"""
    row = con.execute(
        f"SELECT count(*), count(DISTINCT employee_id) {unknown}", [ingest_id]
    ).fetchone()
    rows, employees = (int(row[0]), int(row[1])) if row else (0, 0)
    if not rows:
        return []
    shown = [
        str(r[0])
        for r in con.execute(
            f"SELECT DISTINCT employee_id {unknown} ORDER BY employee_id LIMIT {SHOWN_UNKNOWN}",
            [ingest_id],
        ).fetchall()
    ]
    ids = ("、" if current_language() == CHINESE else ", ").join(shown)
    if employees > len(shown):
        ids = _("{ids} and {count} more").format(ids=ids, count=employees - len(shown))
    # Each row names one employee: one row names one employee id, and several ids need
    # several rows (so the counts' two plurals are three messages, not four).
    if employees == 1:
        warning = ngettext(
            "{file}: {rows} new row names {employees} employee id not on the roster: {ids};"
            " they are stored, but rate nobody until a roster file names them",
            "{file}: {rows} new rows name {employees} employee id not on the roster: {ids};"
            " they are stored, but rate nobody until a roster file names them",
            rows,
        )
    else:
        warning = ngettext(
            "{file}: {rows} new rows name {employees} employee id not on the roster: {ids};"
            " they are stored, but rate nobody until a roster file names them",
            "{file}: {rows} new rows name {employees} employee ids not on the roster: {ids};"
            " they are stored, but rate nobody until a roster file names them",
            employees,
        )
    return [warning.format(file=file, rows=rows, employees=employees, ids=ids)]


def _write_events(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    ev: str,
    skipped: tuple[str, str],
    catalog: Catalog | None,
    now: datetime,
    report: IngestReport,
) -> None:
    """The new rows of a checked file, their attribute types (declared by ``catalog``
    when it names the event types, else inferred) and the ``ingests`` row. ``skipped``
    names the tables of the repeated ids in the file and of the ids already stored."""
    dup, stored = skipped
    attributes = [n for n in staged.columns if n not in EVENT_STANDARD]
    ingest_id = next_ingest_id(con)
    con.execute(
        f"""INSERT INTO events
            SELECT event_id, employee_id, type, occurred_at, occ_utc, occ_local,
                   coalesce(rec_utc, CAST(? AS TIMESTAMPTZ)), value, voids,
                   CAST(attrs AS JSON), {content_sql("v")}, ?, for_period
            FROM {ev} v
            WHERE NOT EXISTS (SELECT 1 FROM {dup} d
                              WHERE d.event_id = v.event_id AND d.first_line <> v.__line)
              AND NOT EXISTS (SELECT 1 FROM {stored} e WHERE e.event_id = v.event_id)""",
        [now.isoformat(), ingest_id],
    )
    report.added = added_rows(con, "events", ingest_id)
    report.warnings += _unknown_employees(con, ingest_id, report.file)
    if attributes:
        if catalog is not None:
            found: dict[tuple[str, str], str] = {}
            present = " UNION ALL ".join(
                f"SELECT DISTINCT type, {lit(n)} FROM {ev} "
                f"WHERE {staged.columns[n]} IS NOT NULL AND type <> '{VOID_TYPE}'"
                for n in attributes
            )
            for scope, name in con.execute(present).fetchall():
                found[(scope, name)] = catalog.event_attributes(scope).get(name, TEXT)
            merge_types(con, found, declared=True)
        else:
            sql = " UNION ALL ".join(
                infer_sql(ev, "type", staged.columns[n], n, f"type <> '{VOID_TYPE}'")
                for n in attributes
            )
            merge_types(con, inferred_types(con.execute(sql).fetchall()), declared=False)
    record_ingest(con, ingest_id, report, now)
