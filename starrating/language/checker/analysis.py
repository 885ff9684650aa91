"""The checker's records: what it hands the compiler, and what its parts share while checking.

Enters: nothing (definitions only). Leaves: ``BlockAnalysis`` / ``Analysis`` (the checked
policy, as the compiler reads it), ``CheckResult``, the ``Scope`` an expression is read in,
and ``Reporter``, the one list every part of the checker appends its diagnostics to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ...i18n import N_, _
from .. import ast as A
from ..catalog import ANY, BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP
from ..diagnostics import Diagnostic, error, warning

BUILTIN_VALUES = ("tenure", "red", "green", "net", "stars")
SUB_PERIOD_BUILTINS = {
    "red": NUMBER,
    "green": NUMBER,
    "net": NUMBER,
    "stars": NUMBER,
    "reward": NUMBER,
}
# A type as the messages name it ("cannot compare {left} with {right}"); marked here and
# translated where a message is written (the language is chosen after import).
TYPE_WORDS = {
    NUMBER: N_("a number"),
    TEXT: N_("a text"),
    BOOLEAN: N_("a condition (true/false)"),
    DATE: N_("a date"),
    TIMESTAMP: N_("a time"),
    ANY: N_("a value"),
}


def type_words(kind: str) -> str:
    """A type's words in the current language: ``a number``."""
    return _(TYPE_WORDS[kind])


def listing(items: Iterable[str]) -> str:
    """Names one after another, separated as the language separates them in a sentence
    (`a, b` in English, `a、b` in Chinese)."""
    return _(", ").join(items)


Definition = A.Let | A.ScoreValue | A.ScoreBuilt


@dataclass
class BlockAnalysis:
    """What the compiler needs to know about one checked block."""

    kind: str
    block: A.Block
    definitions: dict[str, A.Let | A.ScoreValue | A.ScoreBuilt] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    awards: dict[str, A.Award] = field(default_factory=dict)
    # Dependency order of the block's value nodes: "def:NAME", "red", "green", "net",
    # "veto", "stars", "award:NAME", "reward".
    order: list[str] = field(default_factory=list)
    has_stars: bool = False


@dataclass
class Analysis:
    policy: A.Policy
    blocks: dict[str, BlockAnalysis] = field(default_factory=dict)


@dataclass
class CheckResult:
    analysis: Analysis | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


@dataclass
class Scope:
    """Where an expression stands, which decides what its names mean."""

    kind: str  # "header", "block", "event", "periods"
    block: BlockAnalysis | None = None
    event_type: str | None = None  # for "event"
    sub_block: BlockAnalysis | None = None  # for "periods"
    sub_kind: str | None = None


class Reporter:
    """Collects diagnostics in the order the checks find them (``check_policy`` sorts them
    by position; the order of finding breaks ties, so it is part of the behaviour)."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span: A.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(error(code, message, span, help))

    def warn(self, code: str, message: str, span: A.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(warning(code, message, span, help))
