"""Keep the code base, docs/errors.md and the golden diagnostics in step.

- every code the code base can emit (a literal such as "E012" or "W051" in
  starrating/*.py) has a heading in docs/errors.md, and every documented code exists;
- every code has at least one golden case in tests/golden/diagnostics: a .expected file
  (the output of a case, see tests/test_golden_diagnostics.py) whose name starts with
  the code, and which really shows that code;
- every diagnostic quoted in a ```text block of docs/errors.md is a line of some golden
  .expected file, so the quoted messages are the real ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

SOURCES = sorted((ROOT / "starrating").rglob("*.py"))
DOCS = ROOT / "docs" / "errors.md"
GOLDEN = ROOT / "tests" / "golden" / "diagnostics"

CODE_LITERAL = re.compile(r"\"([EW]\d{3})\"")
HEADING = re.compile(r"^#{2,4} +([EW]\d{3})\b", re.MULTILINE)
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIAGNOSTIC_LINE = re.compile(r"^\S+: (?:error|warning)\[[EW]\d{3}\]: |^help: ")


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for source in SOURCES:
        codes |= set(CODE_LITERAL.findall(source.read_text("utf-8")))
    return codes


def documented_codes() -> list[str]:
    return HEADING.findall(DOCS.read_text("utf-8"))


def golden_outputs() -> dict[Path, str]:
    return {p: p.read_text("utf-8") for p in sorted(GOLDEN.rglob("*.expected"))}


EMITTED = sorted(emitted_codes())


def test_the_code_base_emits_codes() -> None:
    # Guards the regex: if it found nothing, every other test here would pass vacuously.
    assert {"E001", "E010", "E037", "E090", "W051"} <= set(EMITTED)


@pytest.mark.parametrize("code", EMITTED)
def test_code_is_documented(code: str) -> None:
    assert code in documented_codes(), f"{code} has no heading in {DOCS.relative_to(ROOT)}"


@pytest.mark.parametrize("code", EMITTED)
def test_code_has_a_golden_case(code: str) -> None:
    cases = {p: text for p, text in golden_outputs().items() if p.name.startswith(code)}
    assert cases, f"no golden case for {code}: add tests/golden/diagnostics/{code}_....policy"
    shows = [p for p, text in cases.items() if f"[{code}]" in text]
    assert shows, f"golden cases named {code}_... never show {code}: {sorted(cases)}"


def test_documented_codes_exist_and_appear_once() -> None:
    documented = documented_codes()
    assert len(documented) == len(set(documented)), "a code has two headings"
    stale = sorted(set(documented) - set(EMITTED))
    assert not stale, f"documented, but no longer emitted by starrating/*.py: {stale}"


def test_quoted_diagnostics_are_real() -> None:
    real_lines = {line for text in golden_outputs().values() for line in text.splitlines()}
    quoted = [
        line
        for block in TEXT_BLOCK.findall(DOCS.read_text("utf-8"))
        for line in block.splitlines()
        if DIAGNOSTIC_LINE.match(line)
    ]
    assert len(quoted) > 50  # the docs quote many messages; guard against a broken regex
    invented = [line for line in quoted if line not in real_lines]
    assert not invented, "quoted in docs/errors.md but not produced by any golden case:\n" + (
        "\n".join(invented)
    )
