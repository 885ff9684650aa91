"""Stars tables: the checks of `stars { ... }` and of the `reward by stars` keys it feeds.

Enters: a block's ``Stars`` statement (and its ``RewardByStars``), with the ``Reporter``.
Leaves: errors for levels that are not 1 to 5 and lines after `otherwise` (E050, E054), and
the warnings of docs/language.md section 4.6, which leave the policy runnable: a line an
earlier line always catches first (W051), levels that skip a number (W061), no `otherwise`
line (W062), and a `reward by stars` key that no line can give (W063).

A warning here must never be wrong: "can never match" is claimed only where it is certain
(``implies``); where it cannot be decided, nothing is said.
"""

from __future__ import annotations

from decimal import Decimal

from ...i18n import N_, _, ngettext
from .. import ast as A
from .analysis import Reporter, listing

# ---- messages (one place; marked for the catalog, translated where they are reported) --

_NOT_A_LEVEL = N_("star level `{level}` is not one of 1 to 5")
_NOT_A_LEVEL_HELP = N_("star levels are whole numbers from 1 to 5")
_AFTER_OTHERWISE = N_("no line can follow `otherwise`")
_AFTER_OTHERWISE_HELP = N_(
    "`otherwise` on line {line} already matches everyone left; move it to the end"
)
_SHADOWED = N_("this stars line can never match")
_SHADOWED_HELP = N_(
    "every employee it would select already matched line {line}; put the stricter threshold first"
)
_GAP = N_("the star levels skip {missing}")
_NO_OTHERWISE = N_("this `stars` block has no `otherwise` line")
_NO_OTHERWISE_HELP = N_(
    "an employee who matches no line gets no star level (null) and nothing from "
    "`reward by stars`; end the block with a line such as `{level} otherwise`"
)
_UNREACHABLE_KEY = N_("no stars line can give {level} stars, so this reward is never paid")
_UNREACHABLE_KEY_HELP_NONE = N_("no line of the stars table on line {line} can match")


def _gap_help(levels: str, missing: str, missing_count: int) -> str:
    # "add a line for it" / "for each": the missing levels decide the form.
    return ngettext(
        "the lines give {levels} stars, so nobody can get {missing}; add a line for it, "
        "or number the levels without a gap",
        "the lines give {levels} stars, so nobody can get {missing}; add a line for each, "
        "or number the levels without a gap",
        missing_count,
    ).format(levels=levels, missing=missing)


def _unreachable_key_help(line: int | str, levels: list[Decimal]) -> str:
    # "gives 1 star", but "gives 3 stars" and "gives 5 and 4 stars".
    count = int(levels[0]) if len(levels) == 1 else len(levels)
    return ngettext(
        "the stars table on line {line} gives {levels} star",
        "the stars table on line {line} gives {levels} stars",
        count,
    ).format(line=line, levels=_words(levels))


def _words(numbers: list[int] | list[Decimal], last: str = "and") -> str:
    """5, 4 and 2 (or: 3 or 2), in the reader's language."""
    texts = [str(n) for n in numbers]
    if len(texts) == 1:
        return texts[0]
    frame = _("{items} and {last}") if last == "and" else _("{items} or {last}")
    return frame.format(items=listing(texts[:-1]), last=texts[-1])


def is_star_level(number: A.Number) -> bool:
    level = number.value
    return not number.is_percent and level == level.to_integral_value() and 1 <= level <= 5


def check_stars(statement: A.Stars, reporter: Reporter) -> None:
    """Every check of one `stars { ... }` statement; the conditions' types are checked by
    the caller."""
    otherwise_at: A.StarLine | None = None
    for line in statement.lines:
        if not is_star_level(line.level):
            reporter.error(
                "E050",
                _(_NOT_A_LEVEL).format(level=line.level.text),
                line.level.span,
                _(_NOT_A_LEVEL_HELP),
            )
        if otherwise_at is not None:
            reporter.error(
                "E054",
                _(_AFTER_OTHERWISE),
                line.span,
                _(_AFTER_OTHERWISE_HELP).format(line=_line_number(otherwise_at.span)),
            )
            continue
        if line.condition is None:
            otherwise_at = line
    lines = _lines_up_to_otherwise(statement)
    for index, earlier in _shadowed_lines(lines).items():
        line = lines[index]
        reporter.warn(
            "W051",
            _(_SHADOWED),
            line.span,
            _(_SHADOWED_HELP).format(line=_line_number(earlier.span)),
        )
    _check_gap(statement, reporter)
    if not _has_catch_all(statement):
        levels = [int(line.level.value) for line in statement.lines if is_star_level(line.level)]
        # The level below the lowest line, so that following the hint opens no gap (W061).
        suggested = max(min(levels, default=2) - 1, 1)
        reporter.warn(
            "W062",
            _(_NO_OTHERWISE),
            _keyword_span(statement.span),
            _(_NO_OTHERWISE_HELP).format(level=suggested),
        )


def check_reward_keys(rewards: A.RewardByStars, stars: A.Stars, reporter: Reporter) -> None:
    """W063: a `reward by stars` key that is a star level no line of ``stars`` can give
    (keys that are not levels at all are E052, reported by the caller). A table with a level
    that is not 1 to 5 (E050) says nothing sure about which levels it gives, so its keys are
    left alone: fixing the level is the one thing to do."""
    if not all(is_star_level(line.level) for line in stars.lines):
        return
    levels = producible_levels(stars)
    warned: set[Decimal] = set()  # a key given twice is E053; one warning for it is enough
    for entry in rewards.entries:
        level = entry.level.value
        if not is_star_level(entry.level) or level in levels or level in warned:
            continue
        warned.add(level)
        help_text = (
            _unreachable_key_help(_line_number(stars.span), levels)
            if levels
            else _(_UNREACHABLE_KEY_HELP_NONE).format(line=_line_number(stars.span))
        )
        reporter.warn(
            "W063",
            _(_UNREACHABLE_KEY).format(level=entry.level.text),
            entry.level.span,
            help_text,
        )


def producible_levels(stars: A.Stars) -> list[Decimal]:
    """The star levels some employee can get: those of lines up to `otherwise` that no
    earlier line shadows, highest first."""
    lines = _lines_up_to_otherwise(stars)
    shadowed = _shadowed_lines(lines)
    levels: set[Decimal] = set()
    for index, line in enumerate(lines):
        if index not in shadowed and is_star_level(line.level):
            levels.add(line.level.value)
    return sorted(levels, reverse=True)


def _check_gap(statement: A.Stars, reporter: Reporter) -> None:
    """W061: levels 5, 4, 2 skip 3. Reported once, on the highest line below the first gap."""
    lines = [line for line in statement.lines if is_star_level(line.level)]
    levels = sorted({int(line.level.value) for line in lines}, reverse=True)
    if len(levels) < 2:
        return
    missing = [n for n in range(levels[0] - 1, levels[-1], -1) if n not in levels]
    if not missing:
        return
    below_gap = max(n for n in levels if n < missing[0])
    at = next(line for line in lines if line.level.value == below_gap)
    reporter.warn(
        "W061",
        _(_GAP).format(missing=_words(missing)),
        at.span,
        _gap_help(_words(levels), _words(missing, "or"), len(missing)),
    )


def _has_catch_all(statement: A.Stars) -> bool:
    """An `otherwise` line, or a line whose condition is plain `true` (it matches everyone
    left just the same, so asking for `otherwise` there would be wrong)."""
    return any(
        line.condition is None or line.condition == A.Boolean(True) for line in statement.lines
    )


def _lines_up_to_otherwise(statement: A.Stars) -> list[A.StarLine]:
    """The lines that are looked at: lines after `otherwise` are an error (E054)."""
    lines: list[A.StarLine] = []
    for line in statement.lines:
        lines.append(line)
        if line.condition is None:
            break
    return lines


def _shadowed_lines(lines: list[A.StarLine]) -> dict[int, A.StarLine]:
    """The position of each line that can never match, with the earlier line that always
    catches it first. By position, not by line: two lines written alike are equal nodes
    (spans do not count in equality), and only the second of them is shadowed."""
    shadowed: dict[int, A.StarLine] = {}
    for index, line in enumerate(lines):
        if line.condition is None:
            continue
        for earlier in lines[:index]:
            if earlier.condition is not None and implies(line.condition, earlier.condition):
                shadowed[index] = earlier
                break
    return shadowed


# ---- implication between conditions ------------------------------------------------------

_THRESHOLD_OPS = {">=": (1, True), ">": (1, False), "<=": (-1, True), "<": (-1, False)}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}


def _threshold(expr: A.Expr) -> tuple[A.Expr, str, Decimal] | None:
    """``x >= 85`` (or ``85 <= x``) as (x, ">=", 85); None for anything else."""
    if not isinstance(expr, A.Binary) or expr.op not in _FLIPPED:
        return None
    subject, bound, op = expr.left, expr.right, expr.op
    if isinstance(subject, A.Number) and not isinstance(bound, A.Number):
        subject, bound, op = bound, subject, _FLIPPED[op]
    if not isinstance(bound, A.Number) or isinstance(subject, A.Number):
        return None
    return subject, op, bound.value


def _holds(op: str, value: Decimal, bound: Decimal) -> bool:
    return {
        ">=": value >= bound,
        ">": value > bound,
        "<=": value <= bound,
        "<": value < bound,
        "=": value == bound,
    }[op]


def _threshold_implies(later: A.Expr, earlier: A.Expr) -> bool:
    a, b = _threshold(later), _threshold(earlier)
    if a is None or b is None:
        return False
    subject_a, op_a, value_a = a
    subject_b, op_b, value_b = b
    if subject_a != subject_b:
        return False
    if op_a == "=":  # a single value: it is caught if it passes the earlier test
        return _holds(op_b, value_a, value_b)
    if op_b == "=":
        return False
    dir_a, incl_a = _THRESHOLD_OPS[op_a]
    dir_b, incl_b = _THRESHOLD_OPS[op_b]
    if dir_a != dir_b:
        return False
    if dir_a == 1:  # later: x >= value_a ; earlier: x >= value_b
        return value_a > value_b or (value_a == value_b and (incl_b or not incl_a))
    return value_a < value_b or (value_a == value_b and (incl_b or not incl_a))


def implies(later: A.Expr, earlier: A.Expr) -> bool:
    """True only when every employee matching ``later`` surely matches ``earlier`` too (so
    a line with ``later`` below a line with ``earlier`` can never match); False whenever
    that cannot be told from the text. A missing value makes every comparison false on
    both sides, so it never breaks an implication found here.

    Each step is one that is always valid; the invertible ones (an `or` on the left, an
    `and` on the right) are taken first, so no pair of sub-conditions is visited twice."""
    if later == earlier or earlier == A.Boolean(True):
        return True
    if isinstance(later, A.Binary) and later.op == "or":
        return implies(later.left, earlier) and implies(later.right, earlier)
    if isinstance(earlier, A.Binary) and earlier.op == "and":
        return implies(later, earlier.left) and implies(later, earlier.right)
    if isinstance(earlier, A.Binary) and earlier.op == "or":
        if implies(later, earlier.left) or implies(later, earlier.right):
            return True
    if isinstance(later, A.Binary) and later.op == "and":
        if implies(later.left, earlier) or implies(later.right, earlier):
            return True
    return _threshold_implies(later, earlier)


# ---- helpers ---------------------------------------------------------------------------


def _line_number(span: A.Span | None) -> int | str:
    return span.line if span else "?"


def _keyword_span(span: A.Span | None) -> A.Span | None:
    """The `stars` keyword at the start of the statement's span."""
    if span is None:
        return None
    width = len("stars")
    return A.Span(
        span.line, span.column, span.line, span.column + width, span.start_pos,
        span.start_pos + width,
    )  # fmt: skip
