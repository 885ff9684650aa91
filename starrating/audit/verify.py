"""`starrating verify`: recompute every run's digests and both hash chains from the rows
in the store, and name what no longer matches (docs/data.md section 4.12).

Enters: an open store (read-only: this never writes, never repairs). Leaves: a
:class:`Verification` (the runs and ingests checked, and one :class:`Problem` per thing
that differs), and its text and JSON.

Each check is one query over every run (or ingest) at once, in DuckDB; the digests are
the ones :mod:`starrating.store.chain` defines, and a link is checked against the run (or
ingest) recorded just before, found with a window function over the recorded order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from ..i18n import N_, _, ngettext
from ..store.chain import (
    EMPTY_RESULTS_SHA256,
    EMPTY_SHA256,
    RESULTS_BY_RUN,
    RUN_ORDER,
    contributions_by_run,
    ingest_sha256_sql,
    run_sha256_sql,
)
from ..store.records import document_json, has_runs
from ..store.store import Store

# What differs, by the code a problem carries in JSON (``what``), worded in the reader's
# language when shown. {run} is a run id, {ingest} an ingest id.
MESSAGES = {
    "policy_text": N_("run {run}: its policy text no longer matches its policy_sha256"),
    "result_row": N_(
        "run {run}: the result row at position {position} (employee {employee}, period"
        " {period}) was changed after it was recorded"
    ),
    "results": N_(
        "run {run}: its result rows no longer match its results_sha256 (a row was added,"
        " removed or re-ordered)"
    ),
    "contributions": N_(
        "run {run}: its contributions no longer match its contributions_sha256 (a"
        " contribution was changed, added or removed)"
    ),
    "run": N_(
        "run {run}: its recorded facts no longer match its run_sha256 (its id, policy,"
        " version, period, as-of time, creation time, a digest or its link was changed)"
    ),
    "missing_run": N_(
        "run {run}: the run recorded before it is missing (no run in the store has the"
        " run_sha256 {link} it names as its previous_run_sha256)"
    ),
    "reordered_run": N_(
        "run {run}: re-ordered: its previous_run_sha256 names run {named}, but run"
        " {before} was recorded just before it"
    ),
    "reordered_first_run": N_(
        "run {run}: re-ordered: its previous_run_sha256 is empty (the start of the chain),"
        " but run {before} was recorded before it"
    ),
    "reordered_not_first_run": N_(
        "run {run}: re-ordered: it is the first run recorded, but its previous_run_sha256"
        " names run {named}"
    ),
    "ingest": N_(
        "ingest {ingest}: its recorded facts no longer match its ingest_sha256 (its file"
        " digest, rows, time or link was changed)"
    ),
    "missing_ingest": N_(
        "ingest {ingest}: the ingest recorded before it is missing (no ingest in the store"
        " has the ingest_sha256 {link} it names as its previous_ingest_sha256)"
    ),
    "reordered_ingest": N_(
        "ingest {ingest}: re-ordered: its previous_ingest_sha256 names ingest {named}, but"
        " ingest {before} was recorded just before it"
    ),
    "reordered_first_ingest": N_(
        "ingest {ingest}: re-ordered: its previous_ingest_sha256 is empty (the start of the"
        " chain), but ingest {before} was recorded before it"
    ),
    "reordered_not_first_ingest": N_(
        "ingest {ingest}: re-ordered: it is the first ingest recorded, but its"
        " previous_ingest_sha256 names ingest {named}"
    ),
}

PREDATES_CHAIN = N_(
    "the store {path} predates the chain of runs and ingests (schema version 1): only the"
    " runs' policy texts and results were verified; a command that writes to it (ingest,"
    " run) upgrades it once"
)


@dataclass(frozen=True)
class Problem:
    """One thing that differs: ``what`` (a key of :data:`MESSAGES`), the run id or the
    ingest id it is about, and the facts its message names."""

    what: str
    run_id: str | None = None
    ingest_id: int | None = None
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return _(MESSAGES[self.what]).format(run=self.run_id, ingest=self.ingest_id, **self.facts)

    def to_json(self) -> dict[str, object]:
        about: dict[str, object] = (
            {"run_id": self.run_id} if self.run_id is not None else {"ingest_id": self.ingest_id}
        )
        return {**about, "what": self.what, **self.facts, "message": self.message}


@dataclass(frozen=True)
class Verification:
    """What `verify` found. ``chained`` is False for a version-1 store read as it is (its
    links and contributions have no digests to check). ``last_run`` is the end of the
    chain of runs, ``(run_id, run_sha256)``: the value an auditor notes down, since a run
    deleted from the end leaves no broken link."""

    path: str
    runs: int
    ingests: int
    chained: bool
    problems: list[Problem]
    last_run: tuple[str, str | None] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


Step = Callable[[], list[Problem]]


def verify_store(
    store: Store,
    progress: Callable[[Sequence[Step]], Iterator[Step]] | None = None,
) -> Verification:
    """Check every run and ingest of ``store``; ``progress`` wraps the steps (a progress
    bar on a terminal)."""
    con = store.connection
    chained = store.schema_version != "1"
    runs_recorded = has_runs(con)
    steps: list[Step] = []
    if runs_recorded:
        steps += [lambda: _run_digests(store, chained), lambda: _result_rows(store, chained)]
        if chained:
            steps.append(lambda: _run_links(store))
    if chained:
        steps.append(lambda: _ingest_chain(store))
    problems: list[Problem] = []
    for step in progress(steps) if progress else steps:
        problems += step()
    runs = _count(store, "runs") if runs_recorded else 0
    last_run = None
    if runs_recorded and runs:
        chain_column = "run_sha256" if chained else "CAST(NULL AS VARCHAR)"
        row = con.execute(
            f"SELECT run_id, {chain_column} FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1"
        ).fetchone()
        last_run = (str(row[0]), row[1]) if row else None
    return Verification(
        str(store.path), runs, _count(store, "ingests"), chained, _ordered(problems), last_run
    )


def _ordered(problems: list[Problem]) -> list[Problem]:
    """Runs first in id order (ids sort by creation time), then ingests by id; each
    subject's problems in the order of :data:`MESSAGES`. A run whose changed result rows
    are named does not also get the general "results" problem."""
    named_rows = {p.run_id for p in problems if p.what == "result_row"}
    kept = [p for p in problems if not (p.what == "results" and p.run_id in named_rows)]
    rank = {what: number for number, what in enumerate(MESSAGES)}
    return sorted(
        kept,
        key=lambda p: (
            p.run_id is None,
            p.run_id or "",
            p.ingest_id or 0,
            rank[p.what],
            int(str(p.facts.get("position", 0))),
        ),
    )


def _count(store: Store, table: str) -> int:
    row = store.connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _run_digests(store: Store, chained: bool) -> list[Problem]:
    """Policy text, results, contributions and the run digest, recomputed for every run
    in one query."""
    contributions = (
        f"coalesce(c.contributions_sha256, {EMPTY_SHA256}) IS DISTINCT FROM r.contributions_sha256"
        if chained
        else "FALSE"
    )
    run_digest = (
        f"{run_sha256_sql('r', 'r.previous_run_sha256')} IS DISTINCT FROM r.run_sha256"
        if chained
        else "FALSE"
    )
    rows = store.connection.execute(
        f"""SELECT r.run_id,
                   sha256(r.policy_text) IS DISTINCT FROM r.policy_sha256,
                   coalesce(s.results_sha256, {EMPTY_RESULTS_SHA256})
                       IS DISTINCT FROM r.results_sha256,
                   {contributions},
                   {run_digest}
            FROM runs r
            LEFT JOIN ({RESULTS_BY_RUN}) s ON s.run_id = r.run_id
            LEFT JOIN ({contributions_by_run() if chained else "SELECT NULL AS run_id"}) c
                ON c.run_id = r.run_id"""
    ).fetchall()
    problems = []
    for run_id, policy, results, contributions_differ, run in rows:
        for what, differs in (
            ("policy_text", policy),
            ("results", results),
            ("contributions", contributions_differ),
            ("run", run),
        ):
            if differs:
                problems.append(Problem(what, run_id=run_id))
    return problems


def _result_rows(store: Store, chained: bool) -> list[Problem]:
    """The result rows whose text no longer matches the digest recorded with them; a run
    with such a row has it named instead of the general "results" problem."""
    if not chained:
        return []
    rows = store.connection.execute(
        """SELECT run_id, position, employee_id, period FROM results
           WHERE sha256(row_json) IS DISTINCT FROM row_sha256
           ORDER BY run_id, position"""
    ).fetchall()
    return [
        Problem(
            "result_row",
            run_id=run_id,
            facts={"position": position, "employee": employee, "period": period},
        )
        for run_id, position, employee, period in rows
    ]


def _run_links(store: Store) -> list[Problem]:
    """Each run's previous_run_sha256 against the run recorded just before it."""
    rows = store.connection.execute(
        f"""WITH ordered AS (
                SELECT run_id, previous_run_sha256,
                       lag(run_id) OVER (ORDER BY {RUN_ORDER}) AS before_id,
                       coalesce(lag(run_sha256) OVER (ORDER BY {RUN_ORDER}), '') AS expected
                FROM runs)
            SELECT o.run_id, o.previous_run_sha256, o.before_id,
                   (SELECT min(p.run_id) FROM runs p
                    WHERE p.run_sha256 = o.previous_run_sha256) AS named_id
            FROM ordered o
            WHERE o.previous_run_sha256 IS DISTINCT FROM o.expected"""
    ).fetchall()
    return [
        _link_problem("run", link, before, named, run_id=run_id)
        for run_id, link, before, named in rows
    ]


def _ingest_chain(store: Store) -> list[Problem]:
    """Every ingest's digest and its link to the ingest before it (by id), in one query."""
    rows = store.connection.execute(
        f"""WITH ordered AS (
                SELECT *, lag(ingest_id) OVER (ORDER BY ingest_id) AS before_id,
                       coalesce(lag(ingest_sha256) OVER (ORDER BY ingest_id), '') AS expected
                FROM ingests)
            SELECT o.ingest_id,
                   {ingest_sha256_sql("o", "o.previous_ingest_sha256")}
                       IS DISTINCT FROM o.ingest_sha256,
                   o.previous_ingest_sha256 IS DISTINCT FROM o.expected,
                   o.previous_ingest_sha256, o.before_id,
                   (SELECT min(p.ingest_id) FROM ingests p
                    WHERE p.ingest_sha256 = o.previous_ingest_sha256) AS named_id
            FROM ordered o"""
    ).fetchall()
    problems = []
    for ingest_id, digest_differs, link_differs, link, before, named in rows:
        if digest_differs:
            problems.append(Problem("ingest", ingest_id=ingest_id))
        if link_differs:
            problems.append(_link_problem("ingest", link, before, named, ingest_id=ingest_id))
    return problems


def _link_problem(
    kind: str,
    link: str | None,
    before: object,
    named: object,
    run_id: str | None = None,
    ingest_id: int | None = None,
) -> Problem:
    """A link that does not name the one recorded just before: missing, or re-ordered."""
    facts: dict[str, object]
    if link and named is None:
        what, facts = f"missing_{kind}", {"link": link}
    elif not link:
        what, facts = f"reordered_first_{kind}", {"before": before}
    elif before is None:
        what, facts = f"reordered_not_first_{kind}", {"named": named}
    else:
        what, facts = f"reordered_{kind}", {"named": named, "before": before}
    return Problem(what, run_id=run_id, ingest_id=ingest_id, facts=facts)


# -- output -------------------------------------------------------------------------------


def counts_text(verification: Verification) -> str:
    """``5 runs and 3 ingests``, in the reader's language."""
    runs = ngettext("{count} run", "{count} runs", verification.runs).format(
        count=verification.runs
    )
    ingests = ngettext("{count} ingest", "{count} ingests", verification.ingests).format(
        count=verification.ingests
    )
    return _("{runs} and {ingests}").format(runs=runs, ingests=ingests)


def render_text(verification: Verification) -> str:
    """One line per problem, then the counts."""
    lines = [problem.message for problem in verification.problems]
    counts = counts_text(verification)
    if verification.ok:
        lines.append(_("{counts} verified").format(counts=counts))
    else:
        found = len(verification.problems)
        lines.append(
            ngettext(
                "{counts} checked: {count} problem", "{counts} checked: {count} problems", found
            ).format(counts=counts, count=found)
        )
    return "\n".join(lines) + "\n"


def render_json(verification: Verification) -> str:
    """The JSON document of `verify --format json` (docs/data.md section 4.12)."""
    last = verification.last_run
    return (
        document_json(
            {
                "store": verification.path,
                "verified": verification.ok,
                "chained": verification.chained,
                "runs": verification.runs,
                "ingests": verification.ingests,
                "last_run": None if last is None else {"run_id": last[0], "run_sha256": last[1]},
                "problems": [problem.to_json() for problem in verification.problems],
            }
        )
        + "\n"
    )
