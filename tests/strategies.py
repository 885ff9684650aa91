"""Hypothesis strategies for policy ASTs that the grammar can express.

The trees are syntactically valid (printing and parsing them gives them back) but not
necessarily meaningful: names need not exist, types need not agree. They follow the
parser's normal forms, so that ``parse(format_policy(p)).policy == p`` can hold exactly:

- a week always has its weekday (the parser turns a bare `week` into ending sunday);
- a number's text matches ``\\d+(\\.\\d+)?%?``, and a negative one is ``Unary("-", ...)``;
- star levels, `for N consecutive` counts and reward-by-stars keys are whole numbers;
- only the last line of a `stars` block may be `otherwise`.
"""

from __future__ import annotations

from hypothesis import strategies as st

from starrating.language import ast as A

# ---- names and literals -----------------------------------------------------------------

# Written as they would be by people, including ones that must be printed in backticks:
# keywords, names with spaces, names starting with a digit.
_NOTABLE_NAMES = [
    "department", "role", "tenure", "net", "level", "value", "responsible", "channel",
    "部门", "服务分", "客服台", "rated by", "week", "let", "weeks", "reward", "true", "when",
    "in", "2nd", "a-b", "score 分", "x_1", "_hidden", "São", "naïve", "score", "top_share",
]  # fmt: skip

# Any text is a valid name in backticks, except one holding a backtick or a line break.
_FREE_NAME_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="`"
)

names = st.one_of(
    st.sampled_from(_NOTABLE_NAMES),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
    st.text(alphabet="部门服务客台星级", min_size=1, max_size=4),
    st.text(alphabet=_FREE_NAME_CHARS, min_size=1, max_size=6),
)

# Strings may hold anything but a line break; quotes and backslashes must be escaped.
texts = st.one_of(
    st.sampled_from(["", "周服务之星", 'say "hi"', "back\\slash", "\\", '"', "有责投诉", "#x"]),
    st.text(
        alphabet=st.one_of(
            st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
            st.sampled_from('"\\#`\t 中文'),
        ),
        max_size=8,
    ),
)

integer_texts = st.from_regex(r"[0-9]{1,3}", fullmatch=True)
number_texts = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?%?", fullmatch=True)
star_levels = st.sampled_from(["1", "2", "3", "4", "5"]).map(A.Number)

EVENT_FUNCS = ("count", "sum", "avg", "min", "max")
GROUP_FUNCS = ("group_count", "group_sum", "group_avg", "group_min", "group_max", "top_share")
PERIOD_SOURCES = ("weeks", "months", "quarters", "halves", "years")
ATTRIBUTES = st.one_of(st.sampled_from(["red", "green", "stars", "reward", "net", "value"]), names)

# ---- expressions ------------------------------------------------------------------------

# `over last N UNIT`: units as the checker takes them, and any name (E111 is the checker's);
# a length is any unary expression, usually a number.
window_units = st.one_of(
    st.sampled_from([*A.WINDOW_UNITS, *A.WINDOW_UNITS.values()]), st.sampled_from(["dyas"]), names
)


def _windows(lengths: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Window | None]:
    return st.none() | st.builds(A.Window, lengths, window_units)


_window_lengths = st.one_of(
    integer_texts.map(A.Number),
    number_texts.map(A.Number),
    integer_texts.map(lambda text: A.Unary("-", A.Number(text))),
)

_leaves = st.one_of(
    number_texts.map(A.Number),
    texts.map(A.String),
    st.booleans().map(A.Boolean),
    names.map(A.Name),
    st.sampled_from(["red", "green", "stars", "net", "tenure"]).map(A.Name),
    texts.map(A.Wins),
    texts.map(A.Awarded),
    st.builds(
        A.Aggregate,
        func=st.sampled_from(EVENT_FUNCS),
        source=names,
        over_periods=st.just(False),
        attribute=st.none() | ATTRIBUTES,
        window=_windows(_window_lengths),
    ),
    st.builds(
        A.Aggregate,
        func=st.sampled_from(EVENT_FUNCS),
        source=st.sampled_from(PERIOD_SOURCES),
        over_periods=st.just(True),
        attribute=st.none() | ATTRIBUTES,
    ),
)

# `match` keys: number literals without `%` (a percentage is no key), or texts.
match_keys = st.one_of(
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True).map(A.Number), texts.map(A.String)
)


def _matches(children: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
    arms = st.lists(st.builds(A.MatchArm, match_keys, children), min_size=1, max_size=3)
    return st.builds(A.Match, children, arms.map(tuple), st.none() | children)


BINARY_OPS = ("+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "and", "or", "default")


def _compound(children: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
    return st.one_of(
        st.builds(A.Unary, st.sampled_from(["-", "not"]), children),
        st.builds(A.Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(A.InList, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
        st.builds(
            A.Aggregate,
            func=st.sampled_from(EVENT_FUNCS),
            source=names,
            over_periods=st.just(False),
            attribute=st.none() | ATTRIBUTES,
            where=children,
            window=_windows(st.one_of(_window_lengths, children)),
        ),
        st.builds(
            A.Aggregate,
            func=st.sampled_from(EVENT_FUNCS),
            source=st.sampled_from(PERIOD_SOURCES),
            over_periods=st.just(True),
            attribute=st.none() | ATTRIBUTES,
            where=children,
        ),
        st.builds(A.Ranking, st.sampled_from(["pyramid", "rank"]), children, st.none() | names),
        st.builds(A.GroupAggregate, st.sampled_from(GROUP_FUNCS), children, st.none() | names),
        st.builds(A.Previous, children),
        st.builds(
            A.Consecutive, children, integer_texts.map(A.Number), st.sampled_from(PERIOD_SOURCES)
        ),
        _matches(children),
    )


exprs: st.SearchStrategy[A.Expr] = st.recursive(_leaves, _compound, max_leaves=10)


def _operators(children: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
    # One alternative per precedence level, so that each level is as likely as any other.
    binary_levels = [["*", "/"], ["+", "-"], ["default"], ["=", "<", ">="], ["and"], ["or"]]
    return st.one_of(
        st.builds(A.Unary, st.just("-"), children),
        st.builds(A.Unary, st.just("not"), children),
        *(st.builds(A.Binary, st.sampled_from(ops), children, children) for ops in binary_levels),
        st.builds(A.InList, children, st.lists(children, max_size=2).map(tuple), st.booleans()),
        st.builds(A.Consecutive, children, st.just(A.Number("2")), st.just("weeks")),
        _matches(children),
    )


# Operators only, over plain names: every pairing of operators is likely, so this is the
# strategy that finds a missing or a wrong pair of parentheses.
operator_exprs: st.SearchStrategy[A.Expr] = st.recursive(
    st.sampled_from("abcd").map(A.Name), _operators, max_leaves=8
)

# ---- statements -------------------------------------------------------------------------

event_refs = st.builds(A.EventRef, names, st.none() | exprs)
maybe_expr = st.none() | exprs

adjustments = st.one_of(
    st.builds(
        A.Adjust,
        st.sampled_from(["minus", "plus"]),
        exprs,
        st.none() | event_refs,
        maybe_expr,
        maybe_expr,
    ),
    st.builds(A.Clamp, st.sampled_from(["below", "above"]), exprs),
)


@st.composite
def stars_blocks(draw: st.DrawFn) -> A.Stars:
    lines = draw(st.lists(st.builds(A.StarLine, star_levels, exprs), max_size=4))
    if draw(st.booleans()):
        lines.append(A.StarLine(draw(star_levels), None))
    return A.Stars(tuple(lines))


top_clauses = st.builds(
    A.TopClause,
    st.one_of(
        st.one_of(integer_texts, st.from_regex(r"[0-9]{1,2}(\.[0-9])?%", fullmatch=True)).map(
            A.Number
        ),
        exprs,  # a quota by group (docs/language.md 6.5): any expression parses
    ),
    st.lists(exprs, min_size=1, max_size=3).map(tuple),
    st.none() | names,
)

statements: st.SearchStrategy[A.Statement] = st.one_of(
    st.builds(A.Let, names, exprs),
    st.builds(A.ScoreValue, names, exprs),
    st.builds(A.ScoreBuilt, names, exprs, st.lists(adjustments, max_size=4).map(tuple)),
    st.builds(
        A.Tally,
        st.sampled_from(["red", "green"]),
        exprs,
        st.none() | event_refs,
        maybe_expr,
        maybe_expr,
    ),
    st.builds(A.Veto, texts, exprs),
    stars_blocks(),
    st.builds(A.Award, texts, st.none() | top_clauses, maybe_expr, maybe_expr),
    st.builds(A.Reward, exprs, maybe_expr),
    st.builds(
        A.RewardByStars,
        st.lists(st.builds(A.StarReward, star_levels, exprs), max_size=5).map(tuple),
    ),
)

# ---- blocks, header, policy -------------------------------------------------------------

periods = st.one_of(
    st.builds(A.Period, st.just("week"), st.sampled_from(A.WEEKDAYS)),
    st.builds(A.Period, st.sampled_from(["month", "quarter", "half", "year"]), st.none()),
)

blocks = st.builds(A.Block, periods, st.lists(statements, max_size=4).map(tuple))

header_lines = st.one_of(
    st.builds(
        A.HeaderLine,
        st.just("effective"),
        st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]", fullmatch=True),
    ),
    st.builds(A.HeaderLine, st.just("timezone"), texts),
    st.builds(A.HeaderLine, st.just("applies"), exprs),
)

versions = st.one_of(
    st.none(),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True),
    texts,
)

policies: st.SearchStrategy[A.Policy] = st.builds(
    A.Policy,
    texts,
    versions,
    st.lists(header_lines, max_size=3).map(tuple),
    st.lists(blocks, max_size=3).map(tuple),
)
