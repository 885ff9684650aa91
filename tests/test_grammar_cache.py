"""The Lark parser is built once per machine and then loaded from the cache folder; a cache
folder that cannot be used (or a damaged cache file) only costs the build."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from samples import LANGUAGE_EXAMPLE

from starrating.language import grammar
from starrating.language.grammar import CACHE_ENV, cache_directory, lark
from starrating.language.parser import keywords, parse


@pytest.fixture
def fresh_parser(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test builds the parser itself, and the next test gets the usual one again."""
    lark.cache_clear()
    keywords.cache_clear()
    yield
    monkeypatch.undo()
    lark.cache_clear()
    keywords.cache_clear()


def _parsed_fresh() -> object:
    lark.cache_clear()
    keywords.cache_clear()
    return parse(LANGUAGE_EXAMPLE, "example.star")


def _cache_files(folder: Path) -> list[str]:
    return sorted(p.name.split("-")[1] for p in folder.glob("policy-*.lark-cache"))


def test_cache_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert cache_directory() == tmp_path / "mine"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "starrating"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() == tmp_path / "home" / ".cache" / "starrating"


def test_second_build_loads_the_cache_and_parses_the_same(
    fresh_parser: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    caplog.set_level(logging.DEBUG, logger="lark")
    first = _parsed_fresh()
    assert _cache_files(folder) == ["keywords", "parser"]
    assert "Loading grammar from cache" not in caplog.text
    caplog.clear()
    second = _parsed_fresh()
    # Only the parser: the keyword terminals come from their own file, with no probe.
    assert caplog.text.count("Loading grammar from cache") == 1
    assert "Saving grammar to cache" not in caplog.text
    assert second == first
    assert "let" in keywords() and "when" in keywords()


def test_the_keywords_file_names_the_parser_s_keyword_terminals(
    fresh_parser: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    _parsed_fresh()
    (saved,) = tmp_path.glob("policy-keywords-*.lark-cache")
    *names, end = saved.read_text("utf-8").splitlines()
    assert end == "# end"
    assert {name.lower() for name in names} >= {"let", "when", "veto", "stars", "policy"}
    assert set(names) == {
        t.name
        for t in lark().terminals
        if t.pattern.type == "str" and re.fullmatch("[a-z][a-z_]*", t.pattern.value)
    }
    # Loaded from the file, the post-lexer accepts the same terminals everywhere.
    lark.cache_clear()
    assert set(lark().options.postlex.always_accept) == {"NAME", "QUOTED_NAME", *names}


def test_a_folder_that_cannot_be_created_only_costs_the_build(
    fresh_parser: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected = _parsed_fresh()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert grammar._cache_file("text", "parser") is False
    assert _parsed_fresh() == expected
    assert blocker.read_text() == "not a folder"


def test_cache_files_that_can_be_neither_read_nor_written(
    fresh_parser: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A folder where each cache file should be: opening it fails both ways, even for root
    # (for whom a read-only folder is writable).
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    expected = _parsed_fresh()
    for path in folder.glob("policy-*.lark-cache"):
        path.unlink()
        path.mkdir()
    assert _parsed_fresh() == expected
    assert all(p.is_dir() for p in folder.glob("policy-*.lark-cache"))


def test_a_damaged_cache_file_is_rebuilt(
    fresh_parser: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    expected = _parsed_fresh()
    files = sorted(folder.glob("policy-*.lark-cache"))
    for path in files:
        path.write_bytes(path.read_bytes()[:200])
    assert _parsed_fresh() == expected
    assert all(path.stat().st_size > 200 for path in files)  # written again, whole


def test_another_grammar_gets_its_own_cache_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    one = grammar._cache_file('start: A\nA: "a"', "parser")
    other = grammar._cache_file('start: B\nB: "b"', "parser")
    assert isinstance(one, str) and isinstance(other, str) and one != other
