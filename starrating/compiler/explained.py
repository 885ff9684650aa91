"""Why a conditional line applied or not: the JSON record ``explain`` words (a ``check``).

Enters: a statement's condition (AST) and plan expressions for its outcome and operands.
Leaves: an ``Sql`` expression writing, for one result row, a JSON object such as
``{"line":"award","applied":false,"vetoed":false,"condition":"yes >= 2 / 3 * all",
"values":[["yes",9],["all",15]]}``. The run stores it as the ``detail`` of a contribution
of kind ``check`` (docs/data.md, "explain"), and audit/explain.py turns it into words: the
record holds facts only, so every sentence a person reads stays in that one module.

Why JSON built in SQL and not columns of their own: a check's facts differ by statement
(an award's place among candidates, a stars line's level), the contributions table
already has a text ``detail``, and a recorded run keeps every digit of an exact decimal
as text. The values are written with the engine's canonical JSON macros
(``sr_json_number``, ``sr_json_text``, ``sr_json_bool``, ``sr_json_plain``;
engine/canonical.py), which the engine creates before it runs the contributions query,
so a value in a check reads exactly as it does in the result row.
"""

from __future__ import annotations

import json

from ..language import ast as A
from ..language.formatter import format_expression
from .arithmetic import shown
from .expressions import Sql, join, quote_text, sql
from .plan import Column

# What the details of rankings, group values and `top` awards say for an employee whose
# `within` value is missing (audit/details.py reads it back).
NO_GROUP = "(none)"


def within_detail(within: Column | None) -> Sql:
    """The group part of a ranking's, a group value's or a `top` award's detail:
    `` in GROUP`` (``(none)`` for a missing value), or nothing without `within`."""
    if within is None:
        return sql("''")
    return sql("' in ' || coalesce(CAST(", within.ref(), f" AS VARCHAR), {quote_text(NO_GROUP)})")


# Nodes whose value explain shows as they are; the walk does not look inside them (an
# aggregate's `where` is about events, a ranking's operand is shown through its place, a
# group value through its value).
_OPERANDS = (A.Name, A.Aggregate, A.Wins, A.Awarded, A.Ranking, A.GroupAggregate, A.Previous)


def operands(expr: A.Expr | None) -> list[A.Expr]:
    """The operands of a condition whose values explain shows, left to right; and each
    `for N consecutive`, whose count of earlier periods is shown after its operands."""
    found: list[A.Expr] = []
    stack: list[A.Expr] = [expr] if expr is not None else []
    while stack:  # iterative: no nesting depth reaches Python's recursion limit
        node = stack.pop()
        if isinstance(node, _OPERANDS):
            found.append(node)
        elif isinstance(node, A.Binary):
            stack += [node.right, node.left]
        elif isinstance(node, A.Consecutive):
            stack.append(node.operand)
            found.append(node)
        elif isinstance(node, A.Unary):
            stack.append(node.operand)
        elif isinstance(node, A.InList):
            stack += [*reversed(node.items), node.operand]
        elif isinstance(node, A.Match):
            # The value matched, then what the values read (literals show nothing).
            values = [arm.value for arm in node.arms]
            values += [node.otherwise] if node.otherwise is not None else []
            stack += [*reversed(values), node.subject]
    return found


def condition_text(expr: A.Expr | None) -> str | None:
    return format_expression(expr) if expr is not None else None


def json_form(value: Sql, sql_type: str) -> Sql:
    """A value's JSON text: exact numbers, true/false, strings; ``null`` when missing."""
    kind = sql_type.upper()
    if kind == "BOOLEAN":
        return sql("sr_json_bool(", value, ")")
    if kind == "VARCHAR":
        return sql("sr_json_text(", value, ")")
    if kind.startswith(("DATE", "TIMESTAMP")):
        return sql("sr_json_plain(CAST(", value, " AS VARCHAR))")
    # Shown as the result rows show numbers: rounded to 6 places (docs/language.md 9.1).
    return sql("sr_json_number(", shown(value), ")")  # decimals and the integer columns


def check_detail(
    line: str,
    facts: list[tuple[str, Sql, str]],
    constants: dict[str, object],
    values: list[tuple[str, Sql, str]],
    streaks: list[tuple[A.Consecutive, Sql]],
) -> Sql:
    """The JSON object of one check: ``line`` (which kind of line), the ``facts`` computed
    for the row (key, value, SQL type), the ``constants`` known when compiling (the
    condition's text...), ``values``, the condition's operands as [text, value], and
    ``streaks``: for each `for N consecutive`, [its condition, in how many of the N-1
    periods before it held, N-1, the periods' name]."""
    members: list[Sql] = [sql(quote_text(json.dumps("line") + ":" + json.dumps(line)))]
    for key, value, sql_type in facts:
        members.append(sql(quote_text(json.dumps(key) + ":"), " || ", json_form(value, sql_type)))
    for key, constant in constants.items():
        text = json.dumps(key) + ":" + json.dumps(constant, ensure_ascii=False)
        members.append(sql(quote_text(text)))
    pairs = [
        sql(quote_text("[" + json.dumps(text, ensure_ascii=False) + ","), " || ",
            json_form(value, sql_type), " || ']'")
        for text, value, sql_type in values
    ]  # fmt: skip
    listed = join(" || ',' || ", pairs) if pairs else sql("''")
    members.append(sql(quote_text('"values":['), " || ", listed, " || ']'"))
    if streaks:
        runs = [
            sql(quote_text("[" + json.dumps(format_expression(node.operand), ensure_ascii=False)
                           + ","), " || ", json_form(held, "INTEGER"), " || ",
                quote_text(f",{int(node.count.value) - 1},{json.dumps(node.periods)}]"))
            for node, held in streaks
        ]  # fmt: skip
        members.append(sql(quote_text('"streaks":['), " || ", join(" || ',' || ", runs), " || ']'"))
    return sql("('{' || ", join(" || ',' || ", members), " || '}')")
