"""The grammar and the Lark parser built from it: reserved words, names, source spans.

Enters: ``grammar/policy.lark`` (shipped inside the package as ``starrating.grammar``).
Leaves: the LALR parser (``lark()``, built once per machine and then loaded from the
cache, see :func:`cache_directory`), the reserved words (``keywords()``), whether a name
must be written in backticks, the text of a grammar terminal, ``Span`` values made from
Lark's positions, and ``parse_tree``, which parses text and collects its comments.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

import lark as lark_package
from lark import Lark, Token, Tree

from . import ast as A

STATEMENT_KEYWORDS = ("let", "score", "red", "green", "veto", "stars", "award", "reward")
ADJUSTMENT_KEYWORDS = ("minus", "plus", "never")
HEADER_KEYWORDS = ("policy", "effective", "timezone", "applies")


def grammar_text() -> str:
    """The grammar, from the installed package or, when running from a checkout, the repo."""
    try:
        return resources.files("starrating.grammar").joinpath("policy.lark").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        here = Path(__file__).resolve().parents[2] / "grammar" / "policy.lark"
        return here.read_text("utf-8")


class _AlwaysAcceptKeywords:
    """A no-op post-lexer whose only job is its ``always_accept`` list.

    Lark's contextual lexer only tries the terminals the parser can accept in the current
    state. Letting it also try NAME and every keyword means keywords are reserved words
    everywhere (``let red = 1`` is an error, not a let named red) and a misspelled keyword
    arrives as a NAME we can suggest a correction for, instead of as a stray fragment.
    """

    def __init__(self, terminals: tuple[str, ...]) -> None:
        self.always_accept = terminals

    def process(self, stream):
        return stream


CACHE_ENV = "STARRATING_CACHE_DIR"


def cache_directory() -> Path:
    """Where the analysed grammar is kept between commands.

    ``$STARRATING_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/starrating``, else
    ``~/.cache/starrating``. Building the LALR tables takes most of a second, which every
    command (``check`` included) would otherwise pay; loading them takes milliseconds.
    """
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "starrating"


def _cache_file(text: str, role: str) -> str | bool:
    """The cache file for one build of the grammar, or False when there is nowhere to put it.

    The name carries a digest of the grammar, Lark's version and Python's, so installs of
    different versions side by side never overwrite each other's file; Lark checks its own
    digest inside the file too, and rebuilds (and rewrites it) on any mismatch or damage.
    An unwritable folder only costs the build: Lark ignores a failed save.
    """
    folder = cache_directory()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        return False
    key = f"{text}\0{lark_package.__version__}\0{sys.version_info[:2]}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return str(folder / f"policy-{role}-{digest}.lark-cache")


@lru_cache(maxsize=1)
def lark() -> Lark:
    text = grammar_text()
    return Lark(
        text,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_AlwaysAcceptKeywords(("NAME", "QUOTED_NAME", *_keyword_terminals(text))),
        lexer_callbacks={"COMMENT": _collect_comment},
        cache=_cache_file(text, "parser"),
    )


# A keyword is a grammar string of letters (`top_share` and the `group_` functions with an
# underscore); the others (`(`, `<=`...) are punctuation.
_KEYWORD = re.compile(r"[a-z][a-z_]*")
# The last line of a keywords cache file: a file cut short (a full disk, a kill) lacks it.
_KEYWORDS_END = "# end"
_TERMINAL_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _keyword_terminals(text: str) -> tuple[str, ...]:
    """The names Lark gives the grammar's keyword terminals (`LET` for "let"), which the
    parser's post-lexer needs before the parser is built.

    Only a parser of their own (the probe) can tell them, and loading it even from Lark's
    cache costs a third of the parser's start-up in every command, so the names are kept
    in a cache file of their own, one per line, named like the parser's and rebuilt the
    same way when missing or damaged.
    """
    path = _cache_file(text, "keywords")
    if path:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            lines = Path(path).read_text("utf-8").splitlines()
            names = lines[:-1]
            if lines[-1:] == [_KEYWORDS_END] and all(_TERMINAL_NAME.fullmatch(n) for n in names):
                return tuple(names)
    probe = Lark(text, parser="lalr")
    found = tuple(
        t.name
        for t in probe.terminals
        if t.pattern.type == "str" and _KEYWORD.fullmatch(t.pattern.value)
    )
    if path:
        # Written whole, then renamed: a reader sees the old file, the new one, or none.
        partial = f"{path}.{os.getpid()}.tmp"
        with contextlib.suppress(OSError):
            Path(partial).write_text("\n".join((*found, _KEYWORDS_END)) + "\n", "utf-8")
            os.replace(partial, path)
        with contextlib.suppress(OSError):
            Path(partial).unlink(missing_ok=True)
    return found


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every reserved word of the language."""
    return frozenset(
        t.pattern.value
        for t in lark().terminals
        if t.pattern.type == "str" and _KEYWORD.fullmatch(t.pattern.value)
    )


NAME_RE = re.compile(r"[^\W\d]\w*")
# Keywords that also stand for values in expressions (`red`, `green`, `stars`).
VALUE_KEYWORDS = frozenset({"red", "green", "stars"})


# Keywords that the grammar also takes as names (`let score = ...`, `by score`).
NAME_KEYWORDS = frozenset({"score"})


def needs_backticks(name: str) -> bool:
    """Whether ``name`` must be written in backticks (not a plain word, or reserved)."""
    return not NAME_RE.fullmatch(name) or (name in keywords() and name not in NAME_KEYWORDS)


def terminal_text(name: str) -> str | None:
    """The fixed text of a terminal (`when` for WHEN), None for a pattern or an unknown one."""
    try:
        pattern = lark().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


def span(meta_or_token: object) -> A.Span | None:
    """The source span of a Lark token or tree node; None for an empty (absent) node."""
    m = meta_or_token
    if getattr(m, "empty", False) or getattr(m, "line", None) is None:
        return None
    return A.Span(
        m.line,  # type: ignore[attr-defined]
        m.column,  # type: ignore[attr-defined]
        m.end_line,  # type: ignore[attr-defined]
        m.end_column,  # type: ignore[attr-defined]
        m.start_pos,  # type: ignore[attr-defined]
        m.end_pos,  # type: ignore[attr-defined]
    )


# Lark copies lexer callbacks when the lexer is first used, so the COMMENT callback is set
# once, when the parser is built, and writes into whichever list the current parse pushed.
_COMMENT_SINKS: list[list[A.Comment]] = []


def _collect_comment(token: Token) -> Token:
    if _COMMENT_SINKS:
        _COMMENT_SINKS[-1].append(A.Comment(str(token).rstrip(), span(token)))
    return token


def parse_tree(text: str, comments: list[A.Comment]) -> Tree:
    # Comments are ignored by the grammar; the lexer hands them to us for the formatter.
    _COMMENT_SINKS.append(comments)
    try:
        return lark().parse(text)
    finally:
        _COMMENT_SINKS.pop()
