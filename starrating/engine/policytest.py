"""`starrating test FILE.yaml`: policy test cases (docs/data.md section 6).

Each case gets a store of its own (a temporary DuckDB file), ingests the case's roster
and events through the real ingest path, runs the policy for the case's period and
compares every listed field of every expected row.

Enters: a test file (YAML: the policy, and cases with roster, events, period, as-of and
expected rows) and the catalog. Leaves: a :class:`CaseResult` per case, with a message
per field that differs and the policy lines that decide it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..compiler.arithmetic import at_shown_places
from ..i18n import _
from ..language import ast as A
from ..language.catalog import Catalog, merge_catalogs
from ..language.policyfiles import PolicyFile, check_files
from ..store.ingest import ingest_events, ingest_roster
from ..store.records import document_json
from ..store.store import Store
from .runs import RunError, parse_as_of, resolve_target, run_policy


@dataclass
class CaseResult:
    file: str
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


class TestFileError(Exception):
    """A test file that cannot be read or has the wrong shape (exit status 1)."""


class _DecimalLoader(yaml.SafeLoader):
    """YAML with its numbers with a point read as exact decimals, not binary floats: an
    expected `123456789012345.123456` keeps every digit (docs/language.md section 9)."""


def _yaml_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | float:
    try:
        return Decimal(str(loader.construct_scalar(node)))
    except InvalidOperation:  # .inf and .nan, which no result holds
        return loader.construct_yaml_float(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _yaml_decimal)


def run_test_file(path: Path, catalog: Catalog | None) -> list[CaseResult]:
    try:
        # A SafeLoader with one constructor more: safe as yaml.safe_load.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_DecimalLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TestFileError(
            _("{path}: cannot read the test file: {error}").format(path=path, error=exc)
        ) from None
    if not isinstance(document, dict) or "policy" not in document or "cases" not in document:
        raise TestFileError(_("{path}: a test file needs `policy:` and `cases:`").format(path=path))
    policy_path = (path.parent / str(document["policy"])).resolve()
    if not policy_path.is_file():
        raise TestFileError(
            _("{path}: the policy {policy} does not exist").format(
                path=path, policy=document["policy"]
            )
        )
    (item,) = check_files([policy_path], catalog)
    if not item.ok:
        messages = _("; ").join(f"{d.code} {d.message}" for d in item.diagnostics if d.is_error)
        raise TestFileError(
            _("{path}: the policy {policy} has errors: {messages}").format(
                path=path, policy=document["policy"], messages=messages
            )
        )
    cases = document["cases"] or []
    if not isinstance(cases, list):
        raise TestFileError(_("{path}: `cases:` must be a list").format(path=path))
    return [_run_case(path, item, catalog, case, i) for i, case in enumerate(cases, 1)]


def _run_case(
    path: Path, item: PolicyFile, catalog: Catalog | None, case: object, number: int
) -> CaseResult:
    unnamed = _("case {number}").format(number=number)
    if not isinstance(case, dict):
        return CaseResult(str(path), unnamed, [_("a case must be a mapping")])
    result = CaseResult(str(path), str(case.get("name") or unnamed))
    if "period" not in case:
        result.failures.append(_("the case has no `period:`"))
        return result
    with tempfile.TemporaryDirectory(prefix="starrating-test-") as folder:
        with Store.open(Path(folder) / "case.duckdb") as store:
            now = datetime.now(UTC)
            for kind, rows in (("roster", case.get("roster")), ("events", case.get("events"))):
                if not rows:
                    continue
                data = Path(folder) / f"{kind}.jsonl"
                data.write_text(
                    "".join(json.dumps(r, ensure_ascii=False, default=_plain) + "\n" for r in rows),
                    encoding="utf-8",
                )
                ingest = ingest_roster if kind == "roster" else ingest_events
                report = ingest(store, data, catalog, now)
                if report.problems:
                    # The data's kind as the case file names it (`roster:`, `events:`).
                    frame = _("roster: {problem}") if kind == "roster" else _("events: {problem}")
                    result.failures += [frame.format(problem=p) for p in report.problems]
            if result.failures:
                return result
            run_catalog = merge_catalogs(catalog, store.data_catalog())
            assert item.policy is not None
            try:
                as_of = (
                    parse_as_of(str(case["as_of"]), _zone(item.policy, run_catalog))
                    if case.get("as_of")
                    else now + timedelta(seconds=1)
                )
                target = resolve_target(item.policy, str(case["period"]), as_of, run_catalog)
                document = run_policy(
                    store.connection, item, run_catalog, target, as_of, record=False
                )
            except RunError as exc:
                result.failures.append(str(exc))
                return result
    rows = {(r["employee_id"], str(r["period"])): r for r in document.results}
    # `absent:` lists rows that must not exist (an employee not rated in a period): the
    # conformance cases' convention, so that `applies to` and employment dates can be
    # tested directly.
    for unexpected in case.get("absent") or []:
        key = (str(unexpected.get("employee_id")), str(unexpected.get("period", case["period"])))
        if key in rows:
            result.failures.append(
                _(
                    "employee {employee} should not be rated in period {period}, but has a row"
                ).format(employee=key[0], period=key[1])
            )
    for expected in case.get("expect") or []:
        key = (str(expected.get("employee_id")), str(expected.get("period", case["period"])))
        actual = rows.get(key)
        if actual is None:
            result.failures.append(
                _("no result row for employee {employee} in period {period}").format(
                    employee=key[0], period=key[1]
                )
            )
            continue
        for field_name, want in expected.items():
            if field_name in ("employee_id", "period"):
                continue
            for label, want_value, have in _compare(field_name, want, actual):
                lines = _policy_lines(item, field_name)
                mismatch = _("{employee} {period} {field}: expected {expected}, got {actual}")
                result.failures.append(
                    mismatch.format(
                        employee=key[0], period=key[1], field=label,
                        expected=_show(want_value), actual=_show(have),
                    )
                    + (f"\n{lines}" if lines else "")
                )  # fmt: skip
    if result.failures:
        # What the run found missing (a type with no events, a value missing for the
        # employee) often explains why a case fails; a passing case stays quiet.
        warnings = document.run.get("warnings") or []
        assert isinstance(warnings, list)
        result.failures += [_("warning: {warning}").format(warning=w) for w in warnings]
    return result


def _zone(policy: A.Policy, catalog: Catalog):
    from .evaluate import policy_timezone

    return policy_timezone(policy, catalog)


def _plain(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _compare(field_name: str, want: object, actual: dict) -> list[tuple[str, object, object]]:
    """(label, expected, actual) for every mismatch of one expected field."""
    if field_name == "values" and isinstance(want, dict):
        no_value = _("<no such value>")
        return [
            (f"values.{k}", v, actual["values"].get(k, no_value))
            for k, v in want.items()
            if not _equal(v, actual["values"].get(k, no_value))
        ]
    have = actual.get(field_name, _("<no such field>"))
    return [] if _equal(want, have) else [(field_name, want, have)]


def _equal(want: object, have: object) -> bool:
    if isinstance(want, bool) or want is None or isinstance(have, bool) or have is None:
        return want == have
    if isinstance(want, int | float | Decimal) and isinstance(have, int | float | Decimal):
        # Numbers are compared at the 6 places results are shown at (docs/language.md,
        # Numbers), so `0.6666666667` and `0.666667` both expect two thirds.
        try:
            return at_shown_places(want) == at_shown_places(have)
        except InvalidOperation:
            return False
    if isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) and all(_equal(a, b) for a, b in zip(want, have, strict=True))
    return str(want) == str(have)


def _show(value: object) -> str:
    # On one line, decimals exact; a date from the YAML file as its text.
    return document_json(value, indent=None)


def _policy_lines(item: PolicyFile, field_name: str) -> str:
    """The policy lines that decide a field, to show beside a failure."""
    policy = item.policy
    assert policy is not None
    spans: list[A.Span] = []
    for block in policy.blocks:
        for s in block.statements:
            relevant = {
                "red": isinstance(s, A.Tally) and s.color == "red",
                "green": isinstance(s, A.Tally) and s.color == "green",
                "net": isinstance(s, A.Tally),
                "stars": isinstance(s, A.Stars),
                "awards": isinstance(s, A.Award),
                "reward": isinstance(s, A.Reward | A.RewardByStars)
                or (isinstance(s, A.Award) and s.reward is not None),
                "vetoed": isinstance(s, A.Veto),
                "veto_reasons": isinstance(s, A.Veto),
                "values": isinstance(s, A.Let | A.ScoreValue | A.ScoreBuilt),
            }.get(field_name.split(".")[0], False)
            if relevant and s.span is not None:
                spans.append(s.span)
    source = item.source.split("\n")
    shown: list[str] = []
    for span in spans[:12]:
        for line in range(span.line, min(span.end_line, span.line + 2) + 1):
            text = f"    {line:>4} | {source[line - 1]}" if line <= len(source) else ""
            if text and text not in shown:
                shown.append(text)
    return "\n".join(shown)
