"""Syntax errors: Lark's exceptions turned into Diagnostics a manager can act on.

Enters: the exception Lark raised (unexpected character, token or end of file) and the
text being parsed; the full-width slips ``fullwidth`` found. Leaves: one ``SyntaxProblem``
per Lark error: a ``Diagnostic`` in plain words (E001 unexpected token, E002 unexpected
character, E003 early end of file, E007 a block never closed, E008 a Chinese word used as
`and`/`or`/`not`), with a hint where one helps, located where the fix goes, and how
recovery goes on; the E006 diagnostics of full-width characters (``slip_diagnostics``);
and ``blank_statement``, the recovery itself: the text with the broken statement blanked
out, so that the parser can look for the next error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from ..i18n import N_, _
from . import ast as A
from .diagnostics import Diagnostic, did_you_mean, error
from .fullwidth import SlipGroup
from .grammar import (
    ADJUSTMENT_KEYWORDS,
    HEADER_KEYWORDS,
    NAME_KEYWORDS,
    STATEMENT_KEYWORDS,
    VALUE_KEYWORDS,
    keywords,
    terminal_text,
)
from .grammar import span as token_span


@dataclass(frozen=True)
class SyntaxProblem:
    """One syntax error and how the parser goes on after it."""

    diagnostic: Diagnostic
    resume_at: int  # recovery blanks the statement around this position
    # Where a `}` is missing: recovery inserts one there instead of blanking anything.
    close_block_at: int | None = None


_VALUE_STARTS = {"NAME", "QUOTED_NAME", "NUMBER", "PERCENT", "STRING", "LPAR"}
_CONDITION_AFTER = {"when", "where", "to", "not", "and", "or"}


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return _("the end of the file")
    text = str(token)
    if token.type in ("NAME", "QUOTED_NAME"):
        return _("the name `{name}`").format(name=text)
    if token.type == "STRING":
        return _("the text {text}").format(text=text)
    if token.type in ("NUMBER", "PERCENT"):
        return _("the number `{number}`").format(number=text)
    if token.type == "DATE":
        return _("the date `{date}`").format(date=text)
    if text in keywords():
        return _("the keyword `{keyword}`").format(keyword=text)
    return f"`{text}`"


_OPERATOR_TEXTS = {"=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "and", "or", "default",
                   "in", "not", "for"}  # fmt: skip
_NAME_TERMINALS = {"NAME", "QUOTED_NAME"}
# What a text in double quotes is, after the keyword before it (a whole phrase each).
_QUOTED_NAMES = {
    "award": N_("the award name in double quotes"),
    "veto": N_("the veto reason in double quotes"),
    "policy": N_("the policy name in double quotes"),
}
_QUOTED_TEXT = N_("a text in double quotes")


def _describe_expected(expected: set[str], previous: str | None) -> list[str]:
    """The terminals the parser would accept, in words a manager understands."""
    if previous == ".":
        return [_("an attribute name")]
    words: list[str] = []
    names = set(expected)
    value_starts = names & _VALUE_STARTS - {"STRING"}
    if value_starts and value_starts != {"LPAR"}:
        if previous in _CONDITION_AFTER:
            words.append(_("a condition"))
        elif value_starts <= _NAME_TERMINALS:
            words.append(_("a name"))
        else:
            words.append(_("a value"))
        names -= _VALUE_STARTS | {"DATE"}  # a date literal is a value too
        # keywords and the unary minus that can start a value are part of "a value"
        names -= {t for t in names if (terminal_text(t) or "") in {*_EXPRESSION_KEYWORDS, "-"}}
    if "STRING" in names:
        words.append(_(_QUOTED_NAMES.get(previous or "", _QUOTED_TEXT)))
        names.discard("STRING")
    statement_starts = {t for t in names if terminal_text(t) in STATEMENT_KEYWORDS}
    if len(statement_starts) >= 3:
        words.append(
            _("a statement (`let`, `score`, `red`, `green`, `veto`, `stars`, `award`, `reward`)")
        )
        names -= statement_starts
    operators = {t for t in names if terminal_text(t) in _OPERATOR_TEXTS}
    if len(operators) >= 3:
        words.append(_("an operator"))
        names -= operators
    words += [
        _describe_terminal(name) for name in sorted(names, key=lambda n: terminal_text(n) or n)
    ]
    return list(dict.fromkeys(words))  # without repeats, in order


_TERMINAL_WORDS = {
    "$END": N_("the end of the file"),
    "DATE": N_("a date such as 2026-01-01"),
    "NUMBER": N_("a number"),
    "PERCENT": N_("a number"),
    "NAME": N_("a name"),
    "QUOTED_NAME": N_("a name"),
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _(_TERMINAL_WORDS[name])
    text = terminal_text(name)
    return f"`{text}`" if text else name.lower()


_EXPRESSION_KEYWORDS = {
    "true",
    "false",
    "red",
    "green",
    "stars",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "wins",
    "awarded",
    "pyramid",
    "rank",
    "group_count",
    "group_sum",
    "group_avg",
    "group_min",
    "group_max",
    "top_share",
    "previous",
    "match",
    "not",
}


def _join_words(words: list[str]) -> str:
    """``a, b or c`` (``a、b 或 c`` in Chinese): the list of what the parser would accept,
    built from whole frames so that a translation can choose its own separators."""
    if len(words) <= 1:
        return "".join(words)
    joined = words[0]
    if len(words) > 6:
        for word in words[1:5]:
            joined = _("{words}, {word}").format(words=joined, word=word)
        return _("{words}, ...").format(words=joined)
    for word in words[1:-1]:
        joined = _("{words}, {word}").format(words=joined, word=word)
    return _("{words} or {word}").format(words=joined, word=words[-1])


_LAST_TOKEN = re.compile(
    r'(`[^`\n]*`|"(?:[^"\\\n]|\\.)*"|[0-9]+(?:\.[0-9]+)?%?|[^\W\d]\w*|[<>!=]=|\S)$'
)


def _code(text: str) -> str:
    """`text` quoted for a message; a backtick name is wrapped in double backticks."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _previous_token_text(text: str, pos: int) -> str | None:
    before = _strip_comments(text[:pos]).rstrip()
    match = _LAST_TOKEN.search(before)
    return match.group(1) if match else None


def _strip_comments(text: str) -> str:
    # Comments become spaces of the same length, so that positions stay valid.
    return re.sub(
        r'"(?:[^"\\\n]|\\.)*"|#[^\n]*',
        lambda m: m.group(0) if m.group(0)[0] == '"' else " " * len(m.group(0)),
        text,
    )


def syntax_diagnostic(exc: Exception, text: str) -> SyntaxProblem:
    """The diagnostic for one Lark error in ``text``, and how to recover from it."""
    if isinstance(exc, UnexpectedCharacters):
        return SyntaxProblem(*_character_diagnostic(exc, text))
    if isinstance(exc, UnexpectedEOF):
        return SyntaxProblem(_eof_diagnostic(text, _end_span(text), set(exc.expected)), len(text))
    assert isinstance(exc, UnexpectedToken)
    return _token_diagnostic(exc, text)


def _character_diagnostic(exc: UnexpectedCharacters, text: str) -> tuple[Diagnostic, int]:
    """A character no token can start with (E002)."""
    pos = exc.pos_in_stream
    char = text[pos] if pos < len(text) else ""
    span = A.Span(exc.line, exc.column, exc.line, exc.column + 1, pos, pos + 1)
    if char == '"':
        return error(
            "E002",
            _("this text is never closed"),
            span,
            _(
                'close it with `"` on the same line; write `\\"` for a quote inside '
                "it and `\\\\` for a backslash"
            ),
        ), pos
    if char == "`":
        return error(
            "E002",
            _("this backtick name is never closed"),
            span,
            _("close it with a second ` on the same line"),
        ), pos
    if not char:
        message = _("unexpected character end of line")
    else:
        shown = f"`{char}`" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
        message = _("unexpected character {character}").format(character=shown)
    return error("E002", message, span, _character_help(char)), pos


def _character_help(char: str) -> str | None:
    # At the very end of the text `char` is "", which is "in" every string below: an
    # unclosed quote of some other kind is the likeliest cause there.
    if char in "'“”「」":
        return _('texts are written in straight double quotes: "like this"')
    if char in "%％":
        return _("a percentage is written right after its number: `95%`")
    # Full-width `（` `，` ... never get here: they are E006 (``slip_diagnostics``).
    return None


def _token_diagnostic(exc: UnexpectedToken, text: str) -> SyntaxProblem:
    """A token the grammar does not allow where it stands (E001, E007, E008), or an early
    end (E003)."""
    token = exc.token
    # `accepts` simulates the pending reductions, so it is exact where `expected` is not.
    expected = set(exc.accepts or exc.expected)
    if "NAME" in expected:
        # Where a name may stand, `score` is one of the names (grammar `name`), not a keyword.
        expected.discard("SCORE")
    if token.type == "$END":
        return SyntaxProblem(_eof_diagnostic(text, _end_span(text), expected), len(text))
    pos = token.start_pos or 0
    span = token_span(token)
    dangling = _dangling_line_end(text, pos)
    if dangling is not None and dangling.span is not None:
        # Recover from the unfinished line, not from the innocent line after it.
        return SyntaxProblem(dangling, dangling.span.end_pos)
    unclosed = _unclosed_block(token, expected, text)
    if unclosed is not None:
        # The missing `}` goes right after the last statement of the block, where the
        # matching of braces above takes a `}` in mid-line for the innermost block's.
        last_end = len(_strip_comments(text[:pos]).rstrip())
        return SyntaxProblem(unclosed, pos, close_block_at=last_end)
    connective = _connective_diagnostic(token, text)
    if connective is not None:
        return SyntaxProblem(connective, pos)
    previous = _previous_token_text(text, pos)
    words = _describe_expected(expected, previous)
    found = _describe_token(token)
    if previous:
        message = _("expected {expected} after {previous}, found {found}").format(
            expected=_join_words(words), previous=_code(previous), found=found
        )
    else:
        message = _("expected {expected}, found {found}").format(
            expected=_join_words(words), found=found
        )
    help_text = _syntax_help(token, expected, previous, text)
    if token.type in ("NAME",) and {t for t in expected if terminal_text(t) in STATEMENT_KEYWORDS}:
        message = _("`{word}` does not start a statement").format(word=token)
    elif previous == "policy" and "STRING" in expected:
        message = _(
            "expected the policy name in double quotes after `policy`, found {found}"
        ).format(found=found)
    elif previous is None and expected == {"POLICY"}:
        message = _('a policy file starts with `policy "NAME"`, found {found}').format(found=found)
        help_text = _('start the file with the policy name, e.g. policy "前台周服务之星" version 1')
    window = _window_syntax(token, expected, previous)
    if window is not None:
        message, help_text = window[0] or message, window[1]

    return SyntaxProblem(error("E001", message, span, help_text), pos)


_WINDOW_FORM = N_("a window is written `over last N UNIT`, e.g. `over last 3 months`")


def _window_syntax(
    token: Token, expected: set[str], previous: str | None
) -> tuple[str | None, str] | None:
    """A rolling window written wrong (docs/language.md 5.6.1): a better message, if any,
    and a hint; None elsewhere."""
    words = {terminal_text(t) for t in expected}
    if previous in ("over", "last"):
        return None, _(_WINDOW_FORM)
    if {"month", "months"} <= words and previous != "consecutive":
        message = _(
            "expected the window's unit (days, weeks, months, quarters, halves or years) "
            "after `{previous}`, found {found}"
        ).format(previous=previous, found=_describe_token(token))
        return message, _("for example `over last {length} months`").format(length=previous)
    if str(token) == "where" and previous in (*A.WINDOW_UNITS, *A.WINDOW_UNITS.values()):
        return None, _(
            "write the filter before the window: count(TYPE where FILTER over last N UNIT)"
        )
    if str(token) == "last" and "over" in words:
        return None, _("a window starts with `over`: `over last 3 months`")
    return None


def _comparison_before(token: Token, source: str) -> bool:
    """Does the statement line before ``token`` already hold a comparison?"""
    pos = token.start_pos or 0
    line = _strip_comments(source[source.rfind("\n", 0, pos) + 1 : pos])
    line = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', line)
    line = re.sub(r"^\s*(?:let|score)\s+\S+\s*=", "", line)  # the `=` of a definition
    return re.search(r"[<>=]", line) is not None


def _syntax_help(
    token: Token, expected: set[str], previous: str | None, source: str = ""
) -> str | None:
    text = str(token)
    expected_words = [w for w in (terminal_text(t) for t in expected) if w]
    if token.type == "NAME":
        close = did_you_mean(text, expected_words)
        if close:
            return _("did you mean {suggestion}?").format(suggestion=f"`{close}`")
        if set(STATEMENT_KEYWORDS) <= set(expected_words):
            return _(
                "each statement starts with `let`, `score`, `red`, `green`, `veto`, "
                "`stars`, `award` or `reward`"
            )
    if text in keywords() and expected and expected <= _NAME_TERMINALS:
        return _(
            "`{keyword}` is a reserved word; to use it as a name, write it as `` `{keyword}` ``"
        ).format(keyword=text)
    if text in ("=", "<", ">") and previous in ("=", "<", ">", "!"):
        return _("the comparisons are `=`, `!=`, `<`, `<=`, `>`, `>=`")
    if text in ("=", "!=", "<", "<=", ">", ">=") and _comparison_before(token, source):
        return _("comparisons cannot be chained: combine them with `and`, as in `a < b and b < c`")
    if previous == "policy":
        return _('a policy starts with its name in double quotes: policy "前台周服务之星"')
    if text == "=" and "COMPARE" not in expected and "EQUAL" not in expected:
        return None
    if "EQUAL" in expected and token.type == "COMPARE":
        return _("a `let` or `score` line is written `let NAME = VALUE`")
    return None


# A line that ends with one of these cannot be complete: the next line's first word was
# swallowed as the missing operand (`red 3 when` + `green 1 ...` reads `when green`).
_A_CONDITION = N_("a condition")
_A_VALUE = N_("a value")
_DANGLING = {
    "when": _A_CONDITION,
    "where": _A_CONDITION,
    "and": _A_CONDITION,
    "or": _A_CONDITION,
    "not": _A_CONDITION,
    "=": _A_VALUE,
    "+": _A_VALUE,
    "-": _A_VALUE,
    "*": _A_VALUE,
    "/": _A_VALUE,
    "default": _A_VALUE,
    "at": _A_VALUE,
    "most": _A_VALUE,
    "by": _A_VALUE,
    "per": N_("an event type"),
    ",": _A_VALUE,
    "to": _A_CONDITION,
    ">": _A_VALUE,
    "<": _A_VALUE,
    "in": N_('a list such as ["a", "b"]'),
}


def _dangling_line_end(text: str, pos: int) -> Diagnostic | None:
    line_start = text.rfind("\n", 0, pos) + 1
    before_on_line = _strip_comments(text[line_start:pos]).strip()
    # Only when the error is at the start of a line, or right after a value keyword (or
    # `score`, also a name) that the unfinished line before swallowed (`red 3 when` +
    # `green 1 when ...`, `let a =` + `score b = 1`).
    if before_on_line and before_on_line not in VALUE_KEYWORDS | NAME_KEYWORDS:
        return None
    keyword_pos = line_start + len(text[line_start:pos]) - len(text[line_start:pos].lstrip())
    previous_lines = _strip_comments(text[:keyword_pos]).rstrip()
    match = re.search(r"([^\W\d]\w*|\S)$", previous_lines)
    if not match or match.group(1) not in _DANGLING:
        return None
    word = match.group(1)
    end = match.end(1)
    line = previous_lines.count("\n") + 1
    column = end - (previous_lines.rfind("\n") + 1)
    span = A.Span(line, column - len(word) + 1, line, column + 1, end - len(word), end)
    return error(
        "E001",
        _("expected {expected} after `{word}`, but the line ends here").format(
            expected=_(_DANGLING[word]), word=word
        ),
        span,
        _("finish the line, or remove `{word}`").format(word=word),
    )


def _end_span(text: str) -> A.Span:
    """The last word of the file (not the empty line after it), where an early end shows."""
    cleaned = _strip_comments(text).rstrip()
    if not cleaned:
        return A.Span(1, 1, 1, 2, 0, 0)
    match = re.search(r"([^\W\d]\w*|\S)$", cleaned)
    start = match.start(1) if match else len(cleaned) - 1
    end = len(cleaned)
    line = cleaned.count("\n", 0, start) + 1
    column = start - (cleaned.rfind("\n", 0, start) + 1) + 1
    return A.Span(line, column, line, column + (end - start), start, end)


def _eof_diagnostic(text: str, span: A.Span, expected: set[str]) -> Diagnostic:
    opened = _unclosed_brace(text)
    if opened is not None:
        line, column, pos = opened
        return error(
            "E003",
            _("the file ends inside a block: the `{{` opened here is never closed").format(),
            A.Span(line, column, line, column + 1, pos, pos + 1),
            _("add a closing `}}`").format(),
        )
    if not text.strip() or not _strip_comments(text).strip():
        return error(
            "E003",
            _('the file is empty: a policy starts with `policy "NAME"`'),
            span,
            _('write for example: policy "前台周服务之星" version 1'),
        )
    last = _previous_token_text(text, len(text))
    if last == "policy":
        return error(
            "E003",
            _("the file ends after `policy`: the policy needs a name"),
            span,
            _('write the name in double quotes: policy "前台周服务之星"'),
        )
    words = _join_words(_describe_expected(expected, last))
    if last:
        message = _("the file ends too early: expected {expected} after `{previous}`").format(
            expected=words, previous=last
        )
    else:
        message = _("the file ends too early: expected {expected}").format(expected=words)
    return error("E003", message, span)


def _unclosed_brace(text: str) -> tuple[int, int, int] | None:
    """Line, column and position of the `{` the file ends inside, or None."""
    skipped, still_open = _open_braces(text)
    blamed = skipped[0] if skipped else still_open[-1] if still_open else None
    return None if blamed is None else _line_column(text, blamed)


def _line_column(text: str, pos: int) -> tuple[int, int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1, pos


def _open_braces(text: str) -> tuple[list[int], list[int]]:
    """The positions of the `{` never closed: those a `}` skipped, and those still open
    at the end of the text.

    Braces are matched by indentation where the text shows it: a `}` that starts its line
    closes the innermost `{` opened on a line indented as far as it, and a `{` opened
    inside that one was never closed (the `}` of a `stars` block forgotten, the block's
    own `}` present). Otherwise a `}` closes the innermost open `{`.
    """
    cleaned = _STRINGS_NAMES_COMMENTS.sub(lambda m: " " * len(m.group(0)), text)
    stack: list[tuple[int, int]] = []  # (position, indentation of its line)
    skipped: list[int] = []
    for match in re.finditer("[{}]", cleaned):
        pos = match.start()
        line_start = cleaned.rfind("\n", 0, pos) + 1
        before = cleaned[line_start:pos]
        indent = len(before) - len(before.lstrip(" \t"))
        if match.group() == "{":
            stack.append((pos, indent))
            continue
        if not stack:
            continue
        opened_alike = [i for i, (_, level) in enumerate(stack) if level == indent]
        if not before.strip() and opened_alike and opened_alike[-1] < len(stack) - 1:
            skipped += [brace for brace, _ in stack[opened_alike[-1] + 1 :]]
            del stack[opened_alike[-1] :]
        else:
            stack.pop()
    return sorted(skipped), [brace for brace, _ in stack]


_STRINGS_NAMES_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|`[^`\n]*`')

# Statements (and blocks) that can only follow a closed `{ ... }`: meeting one where the
# grammar could still take a `}` means that `}` was forgotten.
_OUTSIDE_BRACES = {*STATEMENT_KEYWORDS, "each"}


def _unclosed_block(token: Token, expected: set[str], text: str) -> Diagnostic | None:
    """E007 at the `{` left open, when ``token`` starts a statement or a block where only
    the inside of a `stars`/`score` block or the `}` of a block may stand, and the text
    holds a `{` before it that is never closed (a block inside a block is closed: E001)."""
    if terminal_text(token.type) not in _OUTSIDE_BRACES or "RBRACE" not in expected:
        return None
    pos = token.start_pos or 0
    skipped, still_open = _open_braces(text)
    before = [brace for brace in (*skipped, *still_open) if brace < pos]
    if not before:
        return None
    line, column, brace = _line_column(text, max(before))  # the innermost
    line_start = text.rfind("\n", 0, brace) + 1
    head = " ".join(_strip_comments(text[line_start:brace]).split()) or "{"
    if len(head) > _LONGEST_HEAD:
        head = head.split()[0] + " ..."
    return error(
        "E007",
        _("the `{{` opened here is never closed").format(),
        A.Span(line, column, line, column + 1, brace, brace + 1),
        _(
            "the `{head}` block (line {line}) needs its `}}` before {found} on line {found_line}"
        ).format(head=head, line=line, found=_describe_token(token), found_line=token.line),
    )


_LONGEST_HEAD = 30


# ---- Chinese words for `and`, `or`, `not` -----------------------------------------------

_CONNECTIVES = {"并且": "and", "且": "and", "或者": "or", "或": "or", "非": "not", "不": "not"}
# Words that may start a name glued to the next word (`1且x`); 非 and 不 start many
# ordinary names (非常好, 不合格), so only a free-standing 非 or 不 is taken for `not`.
_GLUED_CONNECTIVES = ("并且", "或者", "且", "或")


def _connective_diagnostic(token: Token, text: str) -> Diagnostic | None:
    """E008 where a Chinese connective stands as an operator: the unexpected token itself
    (`x > 1 且 y < 5`, also glued: `1且y`), or a lone word just before it (`when 非 x`)."""
    word = str(token)
    if token.type == "NAME":
        if word in _CONNECTIVES:
            followed_by_in = re.match(r"\s*in\b", text[token.end_pos or 0 :]) is not None
            return _connective_error(word, token_span(token), glued=False, before_in=followed_by_in)
        glued = next((w for w in _GLUED_CONNECTIVES if word.startswith(w)), None)
        if glued is not None:
            start = token.start_pos or 0
            return _connective_error(glued, _span_of(text, start, start + len(glued)), glued=True)
    # Only on the token's own line: a name at the end of the line before is a value.
    line_start = text.rfind("\n", 0, token.start_pos or 0) + 1
    before = _strip_comments(text[: token.start_pos or 0]).rstrip()
    previous = _LAST_TOKEN.search(before, line_start)
    if previous is not None and previous.group(1) in _CONNECTIVES:
        start, end = previous.span(1)
        return _connective_error(previous.group(1), _span_of(text, start, end), glued=False)
    return None


def _connective_error(
    word: str, span: A.Span | None, glued: bool, before_in: bool = False
) -> Diagnostic:
    keyword = _CONNECTIVES[word] + (" in" if before_in and _CONNECTIVES[word] == "not" else "")
    if glued:
        help_text = _(
            "write `{keyword}`, with a space on each side (the operators are the English "
            "words `and`, `or`, `not`)"
        )
    else:
        help_text = _("write `{keyword}` (the operators are the English words `and`, `or`, `not`)")
    return error(
        "E008",
        _("`{word}` is not an operator of the language").format(word=word),
        span,
        help_text.format(keyword=keyword),
    )


def _span_of(text: str, start: int, end: int) -> A.Span:
    """The span of ``text[start:end]``, on one line."""
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return A.Span(line, column, line, column + (end - start), start, end)


# ---- full-width characters (E006) -------------------------------------------------------

_NUMBER_CHARS = "0123456789.%"


def slip_diagnostics(groups: list[SlipGroup], text: str, repaired: str) -> list[Diagnostic]:
    """E006 for each full-width mistake: where it is, and what to write instead."""
    found: list[Diagnostic] = []
    for group in groups:
        span = _span_of(text, group.start, group.end)
        written = text[group.start : group.end]
        if group.quotes:
            message = _("the text {text} is in Chinese quotation marks").format(text=written)
            fix = repaired[group.start : group.end]
            help_text = _(
                "write the text in straight double quotes: {fix} "
                "(`starrating fmt --write` repairs it)"
            ).format(fix=fix)
        else:
            if len(group.slips) > 1:
                message = _("`{written}` is made of full-width characters").format(written=written)
            else:
                message = _("`{written}` is a full-width character").format(written=written)
            fix = _with_number_around(repaired, group.start, group.end)
            if ";" in fix:
                help_text = _("a policy has no `;`: remove it (a statement ends with its line)")
            else:
                help_text = _("use `{fix}` (`starrating fmt --write` repairs it)").format(fix=fix)
        found.append(error("E006", message, span, help_text))
    return found


def _with_number_around(repaired: str, start: int, end: int) -> str:
    """The repaired characters, widened to the whole number they belong to (`8５` → `85`)."""
    if not any(char.isdigit() for char in repaired[start:end]):
        return repaired[start:end]
    while start > 0 and repaired[start - 1] in _NUMBER_CHARS:
        start -= 1
    while end < len(repaired) and repaired[end] in _NUMBER_CHARS:
        end += 1
    return repaired[start:end]


# ---- recovery: blank the broken statement and parse again ------------------------------

_STATEMENT_START_RE = re.compile(
    r"^[ \t]*(?:(?:let|score|red|green|veto|stars|award|reward|minus|plus|never|each|effective|"
    r"timezone|applies)\b|\d+(?:\.\d+)?[ \t]+(?:when|otherwise)\b|\})"
)


def blank_statement(text: str, pos: int, at_token: bool) -> str | None:
    """Blank out the statement around ``pos`` (keeping newlines, so positions stay) to let
    the parser find the next error. None when no safe recovery exists."""
    lines = text.split("\n")
    offsets = []
    total = 0
    for line in lines:
        offsets.append(total)
        total += len(line) + 1
    error_line = max(i for i, off in enumerate(offsets) if off <= pos) if lines else 0
    starts_statement = [
        bool(_STATEMENT_START_RE.match(line)) or _misspelled_statement(lines, i)
        for i, line in enumerate(lines)
    ]
    at_line_start = not text[offsets[error_line] : pos].strip()
    if at_token and at_line_start and _STATEMENT_START_RE.match(lines[error_line]):
        # The token is fine; the statement before it was left unfinished.
        end = error_line
        first = error_line - 1
    elif at_token and at_line_start:
        # A line that starts with something that is not a statement (`redd 3`).
        first, end = error_line, error_line + 1
        starts_statement[error_line] = True
    else:
        end = error_line + 1
        first = error_line
    while first >= 0 and not starts_statement[first]:
        first -= 1
    if first < 0:
        return None
    while end < len(lines) and not starts_statement[end]:
        end += 1
    region = "\n".join(lines[first:end])
    cleaned = re.sub(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|`[^`\n]*`', "", region)
    if "{" in cleaned or "}" in cleaned or first == 0:
        return None  # blanking a brace or the policy line would only cause more noise
    blanked = [re.sub(r"[^\n]", " ", line) for line in lines[first:end]]
    new_text = "\n".join(lines[:first] + blanked + lines[end:])
    return new_text if new_text != text else None


# A line that opens with a word and goes on with a name, number, text or `{`: the shape of
# a statement (`lett x = 1`, `awrd "A" when ...`), unlike a continuation line (`x > 3`).
_WORD_THEN_OPERAND = re.compile(r"^[ \t]*([^\W\d]\w*)[ \t]+[\w\"`{]")
_STARTING_WORDS = (*STATEMENT_KEYWORDS, *ADJUSTMENT_KEYWORDS, *HEADER_KEYWORDS, "each")
_MISSPELLED = 0.7


def _misspelled_statement(lines: list[str], index: int) -> bool:
    """Does line ``index`` start a statement whose keyword is misspelled?

    Recovery blanks a broken statement up to the next line that starts one; without this,
    the second of two misspelled statements in a row would be blanked with the first and
    never reported. A line after one that cannot end there (`... when`) continues it.
    """
    match = _WORD_THEN_OPERAND.match(lines[index])
    if match is None or match.group(1) in keywords():
        return False  # `to top 3 by net` continues an `award`
    # Closer than did-you-mean asks: a name that opens a continuation line (`letters`)
    # must not pass for a misspelled `let`.
    word = match.group(1).casefold()
    if not difflib.get_close_matches(word, _STARTING_WORDS, n=1, cutoff=_MISSPELLED):
        return False
    previous = ""
    for earlier in range(index - 1, -1, -1):
        previous = _strip_comments(lines[earlier]).strip()
        if previous:
            break
    last_word = re.search(r"([^\W\d]\w*|\S)$", previous)
    return last_word is None or last_word.group(1) not in _DANGLING
