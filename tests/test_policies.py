"""The bundled policies (one per scheme of docs/schemes.md) check clean and are canonical."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, invoke

from starrating.language.catalog import Catalog
from starrating.language.formatter import format_policy
from starrating.language.parser import parse
from starrating.language.policyfiles import check_files

POLICIES = sorted((ROOT / "policies").glob("*.policy"))
SCHEMES = "abcde"


def test_one_policy_per_scheme() -> None:
    prefixes = sorted({p.name[0] for p in POLICIES})
    assert prefixes == list(SCHEMES), [p.name for p in POLICIES]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_checks_clean_with_the_catalog(path: Path, repository_catalog: Catalog) -> None:
    (item,) = check_files([path], repository_catalog)
    assert item.diagnostics == [], [d.message for d in item.diagnostics]
    assert item.analysis is not None


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_is_canonical_and_formatting_is_idempotent(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    policy = parse(text, str(path)).policy
    assert policy is not None
    formatted = format_policy(policy)
    assert formatted == text
    reparsed = parse(formatted).policy
    assert reparsed == policy
    assert [c.text for c in reparsed.comments] == [c.text for c in policy.comments]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_statement_line_is_commented(path: Path) -> None:
    # Each rule line names the rule of the scheme it implements (a comment on the line
    # or on the lines just above it).
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = ("let ", "score ", "red ", "green ", "veto ", "award ", "reward ", "minus ",
              "plus ", "never ", "stars ")  # fmt: skip
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith(starts):
            continue
        above = lines[number - 1].strip() if number else ""
        assert "#" in line or above.startswith("#") or _in_commented_group(lines, number), (
            f"{path.name}:{number + 1}: no comment names the rule: {stripped}"
        )


def _in_commented_group(lines: list[str], number: int) -> bool:
    # A comment may introduce a group of consecutive statements (no blank line between).
    index = number - 1
    while index >= 0 and lines[index].strip() and not lines[index].strip().startswith("#"):
        index -= 1
    return index >= 0 and lines[index].strip().startswith("#")


def test_cli_checks_the_policies_folder(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke(["check", "policies"])
    assert result.exit_code == 0, result.output
    assert f"checked {len(POLICIES)} policies: 0 errors, 0 warnings" in result.output
    result = invoke(["fmt", "--check", "policies"])
    assert result.exit_code == 0, result.output
