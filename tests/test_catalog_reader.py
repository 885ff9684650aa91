"""The catalog is read with libyaml when PyYAML has it (a millisecond instead of tens, in
every `check`), and what it reads is what PyYAML's own reader reads; a file libyaml
rejects is read again by PyYAML's reader, whose messages are the E090 diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, write_text

from starrating.language.catalog import _read_yaml, load_catalog

TEXTS = [
    (ROOT / "starrating.yaml").read_text(encoding="utf-8"),
    "events:\n  complaint: {level: integer, responsible: boolean}\nroster:\n  post: text\n",
    "timezone: Asia/Shanghai\ndatabase: 2026-10-01\nevents: {a: {x: yes, y: 0o17, z: 1_000}}\n",
    "",
    "- a list\n- not a mapping\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_fast_reader_reads_what_pyyaml_reads(text: str) -> None:
    assert _read_yaml(text) == yaml.safe_load(text)


def test_a_broken_catalog_gets_pyyaml_s_own_message(tmp_path: Path) -> None:
    path = write_text(tmp_path / "starrating.yaml", "events:\n  complaint: {level: integer\n")
    with pytest.raises(yaml.MarkedYAMLError) as pure:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    catalog, problems = load_catalog(path)
    assert catalog.events == {}
    assert [p.code for p in problems] == ["E090"]
    assert problems[0].message.startswith(f"the catalog is not valid YAML: {pure.value.problem}")
    assert problems[0].span is not None and pure.value.problem_mark is not None
    assert problems[0].span.line == pure.value.problem_mark.line + 1
