"""Policy text -> AST. Lark LALR with positions; syntax errors become Diagnostics.

The grammar lives in ``grammar/policy.lark`` at the top of the repository and is shipped
inside the installed package as ``starrating.grammar``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from . import ast as A
from .diagnostics import Diagnostic, did_you_mean, error

# Deeper than this and a policy is certainly not written by a person; refusing it keeps
# every later stage (checker, formatter, compiler) safely inside Python's recursion limit.
MAX_DEPTH = 120
MAX_SYNTAX_ERRORS = 20

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


@lru_cache(maxsize=1)
def _lark() -> Lark:
    text = grammar_text()
    probe = Lark(text, parser="lalr")
    keyword_terminals = tuple(
        t.name
        for t in probe.terminals
        if t.pattern.type == "str" and re.fullmatch(r"[a-z]+", t.pattern.value)
    )
    return Lark(
        text,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_AlwaysAcceptKeywords(("NAME", "QUOTED_NAME", *keyword_terminals)),
        lexer_callbacks={"COMMENT": _collect_comment},
    )


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every reserved word of the language."""
    return frozenset(
        t.pattern.value
        for t in _lark().terminals
        if t.pattern.type == "str" and re.fullmatch(r"[a-z]+", t.pattern.value)
    )


NAME_RE = re.compile(r"[^\W\d]\w*")
# Keywords that also stand for values in expressions (`red`, `green`, `stars`).
VALUE_KEYWORDS = frozenset({"red", "green", "stars"})


def needs_backticks(name: str) -> bool:
    return not NAME_RE.fullmatch(name) or name in keywords()


# ---- tree -> AST ------------------------------------------------------------------------


def _span(meta_or_token: object) -> A.Span | None:
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


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


@dataclass(frozen=True)
class _NameTok:
    """A name with its span, while building (names become plain str in the AST)."""

    text: str
    span: A.Span | None


@v_args(meta=True)
class _ToAst(Transformer):
    # -- names and literals
    def name(self, meta, children):
        (tok,) = children
        text = str(tok)
        if tok.type == "QUOTED_NAME":
            text = text[1:-1]
        return _NameTok(text, _span(tok))

    def attribute(self, meta, children):
        (item,) = children
        if isinstance(item, _NameTok):
            return item
        return _NameTok(str(item), _span(item))

    def number(self, meta, children):
        return A.Number(str(children[0]), _span(meta))

    def string(self, meta, children):
        return A.String(_unquote(children[0]), _span(meta))

    def true(self, meta, children):
        return A.Boolean(True, _span(meta))

    def false(self, meta, children):
        return A.Boolean(False, _span(meta))

    def name_ref(self, meta, children):
        return A.Name(children[0].text, _span(meta))

    def builtin_ref(self, meta, children):
        return A.Name(str(children[0]), _span(meta))

    # -- operators
    def neg(self, meta, children):
        return A.Unary("-", children[0], _span(meta))

    def not_(self, meta, children):
        return A.Unary("not", children[0], _span(meta))

    def arith(self, meta, children):
        left, op, right = children
        return A.Binary(op, left, right, _span(meta))

    compare = arith

    def comparison_op(self, meta, children):
        return str(children[0])

    add_op = mul_op = comparison_op

    def and_(self, meta, children):
        return A.Binary("and", children[0], children[1], _span(meta))

    def or_(self, meta, children):
        return A.Binary("or", children[0], children[1], _span(meta))

    def default(self, meta, children):
        return A.Binary("default", children[0], children[1], _span(meta))

    def value_list(self, meta, children):
        return tuple(c for c in children if c is not None)

    def in_list(self, meta, children):
        return A.InList(children[0], children[1], False, _span(meta))

    def not_in_list(self, meta, children):
        return A.InList(children[0], children[1], True, _span(meta))

    def consecutive(self, meta, children):
        operand, count, periods = children
        return A.Consecutive(operand, A.Number(str(count), _span(count)), str(periods), _span(meta))

    # -- calls
    def source(self, meta, children):
        head, attribute = children
        if isinstance(head, _NameTok):
            return (head.text, False, head.span, attribute)
        return (str(head), True, _span(head), attribute)

    def aggregate(self, meta, children):
        func, (source, over_periods, source_span, attribute), where = children
        return A.Aggregate(
            func=str(func),
            source=source,
            over_periods=over_periods,
            attribute=attribute.text if attribute else None,
            where=where,
            span=_span(meta),
            source_span=source_span,
            attribute_span=attribute.span if attribute else None,
        )

    def wins(self, meta, children):
        return A.Wins(_unquote(children[0]), _span(meta))

    def awarded(self, meta, children):
        return A.Awarded(_unquote(children[0]), _span(meta))

    def within(self, meta, children):
        return children[0]

    def ranking(self, meta, children):
        func, operand, within = children
        return A.Ranking(
            str(func),
            operand,
            within.text if within else None,
            _span(meta),
            within.span if within else None,
        )

    def previous(self, meta, children):
        return A.Previous(children[0], _span(meta))

    # -- statements
    def let(self, meta, children):
        name, expr = children
        return A.Let(name.text, expr, _span(meta), name.span)

    def score_value(self, meta, children):
        name, expr = children
        return A.ScoreValue(name.text, expr, _span(meta), name.span)

    def score_built(self, meta, children):
        name, base, *adjustments = children
        span = _span(meta)
        close = _close_brace_span(meta)
        return A.ScoreBuilt(
            name.text, base, tuple(adjustments), span=span, name_span=name.span, close_span=close
        )

    def event_ref(self, meta, children):
        name, where = children
        return A.EventRef(name.text, where, _span(meta), name.span)

    def per(self, meta, children):
        return children[0]

    def when(self, meta, children):
        return children[0]

    def at_most(self, meta, children):
        return children[0]

    def adjust(self, meta, children):
        kind, amount, per, when, at_most = children
        return A.Adjust(str(kind), amount, per, when, at_most, _span(meta))

    def clamp(self, meta, children):
        kind, bound = children
        return A.Clamp(str(kind), bound, _span(meta))

    def tally(self, meta, children):
        color, amount, per, when, at_most = children
        return A.Tally(str(color), amount, per, when, at_most, _span(meta))

    def veto(self, meta, children):
        reason, condition = children
        return A.Veto(_unquote(reason), condition, _span(meta), _span(reason))

    def star_when(self, meta, children):
        level, condition = children
        return A.StarLine(A.Number(str(level), _span(level)), condition, _span(meta))

    def star_otherwise(self, meta, children):
        (level,) = children
        return A.StarLine(A.Number(str(level), _span(level)), None, _span(meta))

    def stars(self, meta, children):
        _keyword, *lines = children
        return A.Stars(tuple(lines), _span(meta), _close_brace_span(meta))

    def then_by(self, meta, children):
        return children[0]

    def top_clause(self, meta, children):
        count, first, *rest = children
        within = rest.pop() if rest else None
        keys = (first, *rest)
        return A.TopClause(
            A.Number(str(count), _span(count)),
            tuple(keys),
            within.text if within else None,
            _span(meta),
            within.span if within else None,
        )

    def award_reward(self, meta, children):
        return children[1]

    def award(self, meta, children):
        name, top, when, reward = children
        return A.Award(_unquote(name), top, when, reward, _span(meta), _span(name))

    def reward(self, meta, children):
        _keyword, amount, when = children
        return A.Reward(amount, when, _span(meta))

    def star_reward(self, meta, children):
        level, amount = children
        return A.StarReward(A.Number(str(level), _span(level)), amount, _span(meta))

    def reward_by_stars(self, meta, children):
        entries = tuple(c for c in children[2:] if isinstance(c, A.StarReward))
        return A.RewardByStars(entries, _span(meta))

    # -- header and blocks
    def week(self, meta, children):
        (weekday,) = children
        if weekday is None:
            return A.Period("week", "sunday", _span(meta))
        return A.Period("week", weekday.text, _span(meta), weekday.span)

    def month(self, meta, children):
        return A.Period("month", None, _span(meta))

    def quarter(self, meta, children):
        return A.Period("quarter", None, _span(meta))

    def half(self, meta, children):
        return A.Period("half", None, _span(meta))

    def year(self, meta, children):
        return A.Period("year", None, _span(meta))

    def block(self, meta, children):
        period, *statements = children
        return A.Block(period, tuple(statements), _span(meta), _close_brace_span(meta))

    def policy_line(self, meta, children):
        name, version = children
        if version is None:
            label = None
        elif version.type == "STRING":
            label = _unquote(version)
        else:
            label = str(version)
        return (_unquote(name), label, _span(meta))

    def effective(self, meta, children):
        return A.HeaderLine("effective", str(children[0]), _span(meta))

    def timezone(self, meta, children):
        return A.HeaderLine("timezone", _unquote(children[0]), _span(meta))

    def applies_to(self, meta, children):
        return A.HeaderLine("applies", children[0], _span(meta))

    def start(self, meta, children):
        (name, version, name_span), *rest = children
        header = tuple(c for c in rest if isinstance(c, A.HeaderLine))
        blocks = tuple(c for c in rest if isinstance(c, A.Block))
        return A.Policy(name, version, header, blocks, (), _span(meta), name_span)


def _close_brace_span(meta: object) -> A.Span | None:
    # The node ends with its closing brace: a one-character span at its end.
    if getattr(meta, "empty", False):
        return None
    end_line, end_col, end_pos = meta.end_line, meta.end_column, meta.end_pos  # type: ignore[attr-defined]
    return A.Span(end_line, end_col - 1, end_line, end_col, end_pos - 1, end_pos)


# ---- parsing with diagnostics -----------------------------------------------------------


@dataclass
class ParseResult:
    policy: A.Policy | None
    diagnostics: list[Diagnostic]
    source: str


def parse(text: str, file: str | None = None) -> ParseResult:
    """Parse policy text. Never raises for bad input: problems come back as diagnostics."""
    # Lark counts lines by "\n" only; old Mac ("\r") and Windows ("\r\n") endings would
    # otherwise shift every position (and a lone "\r" would hide the rest of a comment line).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        d = error(
            "E004",
            "this is not a policy file: it holds binary data",
            None,
            "a policy is UTF-8 text, usually named NAME.policy",
        )
        return ParseResult(None, [d.with_file(file) if file else d], text)
    comments: list[A.Comment] = []
    diagnostics: list[Diagnostic] = []
    attempt = text
    last_error_pos = -1
    for _ in range(MAX_SYNTAX_ERRORS):
        comments.clear()
        try:
            tree = _parse_tree(attempt, comments)
        except (UnexpectedToken, UnexpectedCharacters, UnexpectedEOF) as exc:
            diagnostic, pos = _syntax_diagnostic(exc, attempt)
            if pos <= last_error_pos:
                break  # recovery went backwards: what follows would only be noise
            diagnostics.append(diagnostic)
            last_error_pos = pos
            at_token = isinstance(exc, UnexpectedToken) and pos == (exc.token.start_pos or 0)
            recovered = _blank_statement(attempt, pos, at_token)
            if recovered is None:
                break
            attempt = recovered
            continue
        except LarkError as exc:  # anything else Lark may raise on odd input
            diagnostics.append(error("E001", f"cannot parse this policy: {exc}", None))
            break
        if diagnostics:
            break
        return _to_policy(tree, comments, text, file)
    return ParseResult(None, [d.with_file(file) if file else d for d in diagnostics], text)


# Lark copies lexer callbacks when the lexer is first used, so the COMMENT callback is set
# once, when the parser is built, and writes into whichever list the current parse pushed.
_COMMENT_SINKS: list[list[A.Comment]] = []


def _collect_comment(token: Token) -> Token:
    if _COMMENT_SINKS:
        _COMMENT_SINKS[-1].append(A.Comment(str(token).rstrip(), _span(token)))
    return token


def _parse_tree(text: str, comments: list[A.Comment]) -> Tree:
    # Comments are ignored by the grammar; the lexer hands them to us for the formatter.
    _COMMENT_SINKS.append(comments)
    try:
        return _lark().parse(text)
    finally:
        _COMMENT_SINKS.pop()


def _to_policy(tree: Tree, comments: list[A.Comment], text: str, file: str | None) -> ParseResult:
    deepest = _too_deep(tree)
    if deepest is not None:
        d = error(
            "E005",
            f"this expression is too deep (more than {MAX_DEPTH} nested operations)",
            _span(deepest.meta),
            "split it into several `let` lines",
        )
        return ParseResult(None, [d.with_file(file) if file else d], text)
    policy = _ToAst().transform(tree)
    policy = A.Policy(
        policy.name,
        policy.version,
        policy.header,
        policy.blocks,
        tuple(comments),
        policy.span,
        policy.name_span,
    )
    return ParseResult(policy, [], text)


def _too_deep(tree: Tree) -> Tree | None:
    """The statement-level node holding a subtree deeper than MAX_DEPTH, or None.
    Iterative: the tree may be far deeper than Python's recursion limit."""
    stack: list[tuple[Tree, int, Tree]] = [(tree, 1, tree)]
    while stack:
        node, level, owner = stack.pop()
        if level > MAX_DEPTH:
            return owner
        for child in node.children:
            if isinstance(child, Tree):
                # Remember the outermost node below a block: the statement to point at.
                child_owner = child if node.data in ("block", "start") else owner
                stack.append((child, level + 1, child_owner))
    return None


# ---- syntax error messages --------------------------------------------------------------

_VALUE_STARTS = {"NAME", "QUOTED_NAME", "NUMBER", "PERCENT", "STRING", "LPAR"}
_CONDITION_AFTER = {"when", "where", "to", "not", "and", "or"}


def _terminal_text(name: str) -> str | None:
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    text = str(token)
    if token.type in ("NAME", "QUOTED_NAME"):
        return f"the name `{text}`"
    if token.type == "STRING":
        return f"the text {text}"
    if token.type in ("NUMBER", "PERCENT"):
        return f"the number `{text}`"
    if token.type == "DATE":
        return f"the date `{text}`"
    if text in keywords():
        return f"the keyword `{text}`"
    return f"`{text}`"


_OPERATOR_TEXTS = {"=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "and", "or", "default",
                   "in", "not", "for"}  # fmt: skip
_NAME_TERMINALS = {"NAME", "QUOTED_NAME"}
_QUOTED_NAMES = {"award": "the award name", "veto": "the veto reason", "policy": "the policy name"}


def _describe_expected(expected: set[str], previous: str | None) -> list[str]:
    """The terminals the parser would accept, in words a manager understands."""
    if previous == ".":
        return ["an attribute name"]
    words: list[str] = []
    names = set(expected)
    value_starts = names & _VALUE_STARTS - {"STRING"}
    if value_starts and value_starts != {"LPAR"}:
        if previous in _CONDITION_AFTER:
            words.append("a condition")
        elif value_starts <= _NAME_TERMINALS:
            words.append("a name")
        else:
            words.append("a value")
        names -= _VALUE_STARTS
        # keywords and the unary minus that can start a value are part of "a value"
        names -= {t for t in names if (_terminal_text(t) or "") in {*_EXPRESSION_KEYWORDS, "-"}}
    if "STRING" in names:
        what = _QUOTED_NAMES.get(previous or "", "a text")
        words.append(f"{what} in double quotes")
        names.discard("STRING")
    statement_starts = {t for t in names if _terminal_text(t) in STATEMENT_KEYWORDS}
    if len(statement_starts) >= 3:
        words.append(
            "a statement (`let`, `score`, `red`, `green`, `veto`, `stars`, `award`, `reward`)"
        )
        names -= statement_starts
    operators = {t for t in names if _terminal_text(t) in _OPERATOR_TEXTS}
    if len(operators) >= 3:
        words.append("an operator")
        names -= operators
    for name in sorted(names, key=lambda n: _terminal_text(n) or n):
        if name == "$END":
            words.append("the end of the file")
        elif name == "DATE":
            words.append("a date such as 2026-01-01")
        elif name in ("NUMBER", "PERCENT"):
            words.append("a number")
        elif name in _NAME_TERMINALS:
            words.append("a name")
        else:
            text = _terminal_text(name)
            words.append(f"`{text}`" if text else name.lower())
    return list(dict.fromkeys(words))  # without repeats, in order


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
    "previous",
    "not",
}


def _join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    if len(words) > 6:
        words = [*words[:5], "..."]
        return ", ".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


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


def _syntax_diagnostic(exc: Exception, text: str) -> tuple[Diagnostic, int]:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        char = text[pos] if pos < len(text) else ""
        span = A.Span(exc.line, exc.column, exc.line, exc.column + 1, pos, pos + 1)
        if char == '"':
            return error(
                "E002",
                "this text is never closed",
                span,
                'close it with `"` on the same line; write `\\"` for a quote inside '
                "it and `\\\\` for a backslash",
            ), pos
        if char == "`":
            return error(
                "E002",
                "this backtick name is never closed",
                span,
                "close it with a second ` on the same line",
            ), pos
        if char.isprintable() and not char.isspace():
            shown = f"`{char}`"
        else:
            shown = f"U+{ord(char):04X}" if char else "end of line"
        help_text = None
        if char in "'“”「」":
            help_text = 'texts are written in straight double quotes: "like this"'
        elif char == "%":
            help_text = "a percentage is written right after its number: `95%`"
        elif char in "（）":
            help_text = "use ASCII parentheses `(` `)`"
        elif char in "，：；":
            help_text = "use ASCII punctuation (`,` `:`)"
        return error("E002", f"unexpected character {shown}", span, help_text), pos
    if isinstance(exc, UnexpectedEOF):
        return _eof_diagnostic(text, _end_span(text), set(exc.expected)), len(text)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    if token.type == "$END":
        expected_at_end = set(exc.accepts or exc.expected)
        return _eof_diagnostic(text, _end_span(text), expected_at_end), len(text)
    pos = token.start_pos or 0
    span = _span(token)
    dangling = _dangling_line_end(text, pos)
    if dangling is not None and dangling.span is not None:
        # Recover from the unfinished line, not from the innocent line after it.
        return dangling, dangling.span.end_pos
    previous = _previous_token_text(text, pos)
    # `accepts` simulates the pending reductions, so it is exact where `expected` is not.
    expected = set(exc.accepts or exc.expected)
    words = _describe_expected(expected, previous)
    after = f" after {_code(previous)}" if previous else ""
    message = f"expected {_join_words(words)}{after}, found {_describe_token(token)}"
    help_text = _syntax_help(token, expected, previous, text)
    if token.type in ("NAME",) and {t for t in expected if _terminal_text(t) in STATEMENT_KEYWORDS}:
        message = f"`{token}` does not start a statement"
    elif previous == "policy" and "STRING" in expected:
        found = _describe_token(token)
        message = f"expected the policy name in double quotes after `policy`, found {found}"
    elif previous is None and expected == {"POLICY"}:
        message = f'a policy file starts with `policy "NAME"`, found {_describe_token(token)}'
        help_text = 'start the file with the policy name, e.g. policy "前台周服务之星" version 1'

    return error("E001", message, span, help_text), pos


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
    expected_words = [w for w in (_terminal_text(t) for t in expected) if w]
    if token.type == "NAME":
        close = did_you_mean(text, expected_words)
        if close:
            return f"did you mean `{close}`?"
        if set(STATEMENT_KEYWORDS) <= set(expected_words):
            return (
                "each statement starts with `let`, `score`, `red`, `green`, `veto`, "
                "`stars`, `award` or `reward`"
            )
    if text in keywords() and expected and expected <= _NAME_TERMINALS:
        return f"`{text}` is a reserved word; to use it as a name, write it as `` `{text}` ``"
    if text in ("=", "<", ">") and previous in ("=", "<", ">", "!"):
        return "the comparisons are `=`, `!=`, `<`, `<=`, `>`, `>=`"
    if text in ("=", "!=", "<", "<=", ">", ">=") and _comparison_before(token, source):
        return "comparisons cannot be chained: combine them with `and`, as in `a < b and b < c`"
    if previous == "policy":
        return 'a policy starts with its name in double quotes: policy "前台周服务之星"'
    if text == "=" and "COMPARE" not in expected and "EQUAL" not in expected:
        return None
    if "EQUAL" in expected and token.type == "COMPARE":
        return "a `let` or `score` line is written `let NAME = VALUE`"
    return None


# A line that ends with one of these cannot be complete: the next line's first word was
# swallowed as the missing operand (`red 3 when` + `green 1 ...` reads `when green`).
_DANGLING = {
    "when": "a condition",
    "where": "a condition",
    "and": "a condition",
    "or": "a condition",
    "not": "a condition",
    "=": "a value",
    "+": "a value",
    "-": "a value",
    "*": "a value",
    "/": "a value",
    "default": "a value",
    "at": "a value",
    "most": "a value",
    "by": "a value",
    "per": "an event type",
    ",": "a value",
    "to": "a condition",
    ">": "a value",
    "<": "a value",
    "in": 'a list such as ["a", "b"]',
}


def _dangling_line_end(text: str, pos: int) -> Diagnostic | None:
    line_start = text.rfind("\n", 0, pos) + 1
    before_on_line = _strip_comments(text[line_start:pos]).strip()
    # Only when the error is at the start of a line, or right after a value keyword that
    # the unfinished line before swallowed (`red 3 when` + `green 1 when ...`).
    if before_on_line and before_on_line not in VALUE_KEYWORDS:
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
        f"expected {_DANGLING[word]} after `{word}`, but the line ends here",
        span,
        f"finish the line, or remove `{word}`",
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
            "the file ends inside a block: the `{` opened here is never closed",
            A.Span(line, column, line, column + 1, pos, pos + 1),
            "add a closing `}`",
        )
    if not text.strip() or not _strip_comments(text).strip():
        return error(
            "E003",
            'the file is empty: a policy starts with `policy "NAME"`',
            span,
            'write for example: policy "前台周服务之星" version 1',
        )
    last = _previous_token_text(text, len(text))
    if last == "policy":
        return error(
            "E003",
            "the file ends after `policy`: the policy needs a name",
            span,
            'write the name in double quotes: policy "前台周服务之星"',
        )
    words = _describe_expected(expected, last)
    after = f" after `{last}`" if last else ""
    return error("E003", f"the file ends too early: expected {_join_words(words)}{after}", span)


def _unclosed_brace(text: str) -> tuple[int, int, int] | None:
    stack: list[int] = []
    cleaned = re.sub(
        r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|`[^`\n]*`', lambda m: " " * len(m.group(0)), text
    )
    for pos, char in enumerate(cleaned):
        if char == "{":
            stack.append(pos)
        elif char == "}" and stack:
            stack.pop()
    if not stack:
        return None
    pos = stack[-1]
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column, pos


# ---- recovery: blank the broken statement and parse again ------------------------------

_STATEMENT_START_RE = re.compile(
    r"^[ \t]*(?:(?:let|score|red|green|veto|stars|award|reward|minus|plus|never|each|effective|"
    r"timezone|applies)\b|\d+(?:\.\d+)?[ \t]+(?:when|otherwise)\b|\})"
)


def _blank_statement(text: str, pos: int, at_token: bool) -> str | None:
    """Blank out the statement around ``pos`` (keeping newlines, so positions stay) to let
    the parser find the next error. None when no safe recovery exists."""
    lines = text.split("\n")
    offsets = []
    total = 0
    for line in lines:
        offsets.append(total)
        total += len(line) + 1
    error_line = max(i for i, off in enumerate(offsets) if off <= pos) if lines else 0
    starts_statement = [bool(_STATEMENT_START_RE.match(line)) for line in lines]
    at_line_start = not text[offsets[error_line] : pos].strip()
    if at_token and at_line_start and starts_statement[error_line]:
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
