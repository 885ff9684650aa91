"""One Diagnostic type for every stage, rendered as compiler-style text or as JSON.

Enters: a code, severity, message, span and hint from any stage (and the source text for
rendering). Leaves: ``Diagnostic`` values, their text and JSON forms, and did-you-mean
suggestions.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..i18n import _
from .ast import Span

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    code: str  # "E012"; documented in docs/errors.md
    severity: str  # ERROR or WARNING
    message: str
    span: Span | None = None
    help: str | None = None
    file: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def with_file(self, file: str) -> Diagnostic:
        return Diagnostic(self.code, self.severity, self.message, self.span, self.help, file)

    def to_json(self) -> dict[str, object]:
        span = self.span
        return {
            "file": self.file,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "help": self.help,
        }


def error(code: str, message: str, span: Span | None, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, ERROR, message, span, help)


def warning(code: str, message: str, span: Span | None, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, WARNING, message, span, help)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled ``word``, or None if nothing is close."""
    pool = sorted({c for c in candidates if c and c != word})
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        # Case slips (`Complaint` for `complaint`) are below difflib's cutoff for short words.
        folded = [c for c in pool if c.casefold() == word.casefold()]
        return folded[0] if folded else None
    return matches[0]


def suggestion(
    word: str, candidates: Iterable[str], what: str = "", quote: str = "`"
) -> str | None:
    """A ``did you mean `x`?`` help text, or None. Texts the user writes in double quotes
    (award names, time zones) are suggested in double quotes.

    ``what`` says more about the suggestion. Written as a whole message with the field
    ``{suggestion}`` and marked for the catalog, ``N_("did you mean {suggestion} (a roster
    attribute)?")``, it is translated as one sentence (Chinese puts the words elsewhere).
    A plain phrase (``"(a roster attribute)"``) is still accepted and follows the
    suggestion; it is translated only if marked with ``N_`` somewhere."""
    match = did_you_mean(word, candidates)
    if match is None:
        return None
    suggested = f"{quote}{match}{quote}"
    if SUGGESTION_FIELD in what:
        return _(what).format(suggestion=suggested)
    if what:
        return _("did you mean {suggestion} {what}?").format(suggestion=suggested, what=_(what))
    return _("did you mean {suggestion}?").format(suggestion=suggested)


# The field a caller's whole did-you-mean message (``what``) puts the suggestion in.
SUGGESTION_FIELD = "{suggestion}"


def display_width(text: str) -> int:
    """Terminal columns of ``text``: Chinese (wide and full-width) characters take two, so
    that carets and table columns line up under them."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# Source lines longer than this are shown as a window around the caret.
MAX_SHOWN_LINE = 120


def render_text(diagnostic: Diagnostic, source: str | None) -> str:
    """``FILE:LINE:COL: error[E012]: message``, the source line, a caret, ``help: ...``."""
    span = diagnostic.span
    where = diagnostic.file or "<policy>"
    if span is not None:
        where = f"{where}:{span.line}:{span.column}"
    lines = [f"{where}: {diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"]
    if span is not None and source is not None:
        # Lines are counted by "\n" only, as the parser counts them (not str.splitlines,
        # which also breaks at form feeds and Unicode separators).
        source_lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if 1 <= span.line <= len(source_lines):
            lines += _excerpt(source_lines[span.line - 1], span)
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    return "\n".join(lines)


def _excerpt(line: str, span: Span) -> list[str]:
    # A tab becomes one space so that columns keep pointing at the same character.
    text = "".join(" " if not ch.isprintable() else ch for ch in line)
    start = max(span.column - 1, 0)
    if span.end_line == span.line and span.end_column > span.column:
        stop = span.end_column - 1
    else:
        stop = start + 1
    stop = min(max(stop, start + 1), max(len(text), start + 1))
    if len(text) > MAX_SHOWN_LINE:
        # Show a window around the caret, not a 100 KB line.
        left = max(0, start - MAX_SHOWN_LINE // 3)
        right = min(len(text), left + MAX_SHOWN_LINE)
        prefix = "..." if left else ""
        suffix = "..." if right < len(text) else ""
        text = prefix + text[left:right] + suffix
        start = start - left + len(prefix)
        stop = min(stop - left + len(prefix), len(text) - len(suffix))
    gutter = str(span.line)
    pad = " " * len(gutter)
    underline_width = max(display_width(text[start:stop]), 1)
    marker = "^" + "~" * (underline_width - 1)
    return [
        f"{pad} |",
        f"{gutter} | {text}",
        f"{pad} | {' ' * display_width(text[:start])}{marker}",
    ]


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=2)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
