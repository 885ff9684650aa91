"""The documentation users read: every policy it shows is a real, clean policy, every
link leads somewhere, and the repository stands alone.

- Every ```policy block of docs/*.md and README.md is a complete policy that
  `starrating check` accepts (exit 0) with the repository's catalog, and that the
  formatter reproduces faithfully. Fragments and broken examples use ```text.
- The whole example at the top of docs/language.md is the one the other tests use.
- Relative links in the docs name files that exist.
- No file of the repository points outside it (users clone the repository alone).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, invoke
from samples import LANGUAGE_EXAMPLE
from test_formatter import check_fmt

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
POLICY_BLOCK = re.compile(r"^```policy\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def policy_blocks() -> list:
    blocks = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in POLICY_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{document.relative_to(ROOT)}:{line}"
            blocks.append(pytest.param(match.group(1), id=name))
    return blocks


BLOCKS = policy_blocks()


def test_the_docs_show_policies() -> None:
    # Guards the pattern: the README's tour and the language reference hold several.
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("text", BLOCKS)
def test_policy_block_passes_check(text: str, tmp_path: Path) -> None:
    path = tmp_path / "example.policy"
    path.write_text(text, encoding="utf-8")
    result = invoke(["check", str(path), "--catalog", str(ROOT / "starrating.yaml")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("text", BLOCKS)
def test_policy_block_formats_faithfully(text: str) -> None:
    check_fmt(text)


def test_language_reference_opens_with_the_whole_example() -> None:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text.split("\n## 1. ", 1)[1].split("\n## 2. ", 1)[0]
    first = POLICY_BLOCK.search(section)
    assert first is not None, "section 1 of docs/language.md shows no policy"
    assert first.group(1) == LANGUAGE_EXAMPLE


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    broken = [
        target
        for target in LINK.findall(text)
        if "://" not in target and not (document.parent / target).exists()
    ]
    assert not broken, f"{document.relative_to(ROOT)} links to missing files: {broken}"


SKIPPED_FOLDERS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def repository_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIPPED_FOLDERS or p.endswith(".egg-info") for p in parts):
            continue
        if path.is_file() and path.suffix not in {".duckdb", ".wal", ".parquet", ".xlsx"}:
            files.append(path)
    return files


def test_no_file_points_outside_the_repository() -> None:
    # Users clone the repository alone: nothing in it may refer to material kept beside
    # it. The patterns are built here so that this file does not match itself.
    outside = ["../" + "shared", "shared" + "/spec", "shared" + "/seeds"]
    files = repository_files()
    assert len(files) > 50  # guards the walk
    found = [
        f"{path.relative_to(ROOT)}: {pattern}"
        for path in files
        for pattern in outside
        if pattern in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert not found, "files that point outside the repository:\n" + "\n".join(found)
