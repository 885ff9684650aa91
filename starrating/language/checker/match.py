"""Checks of `match` and of quotas that differ by group (docs/language.md, "match and
quotas that differ by group").

Enters: a ``Match`` with the type of its subject, or a ``TopClause`` whose count is not a
bare literal. Leaves: located diagnostics: keys mixed (E100) or given twice (E101), keys
of another kind than the value matched (E102), values of different kinds (E103), a quota
that reads anything but the `within` attribute (E104), a percentage inside a quota (E105).
The messages of this module are all here.
"""

from __future__ import annotations

from ...i18n import _
from .. import ast as A
from ..catalog import ANY, NUMBER, TEXT
from .analysis import Reporter, type_words

# What a quota may be built from besides the `within` attribute: literals, and operators
# and `match` over them. Anything else differs from one employee of a group to another.
_QUOTA_PARTS = (A.Number, A.String, A.Boolean, A.Date, A.Unary, A.Binary, A.InList, A.Match)


def key_text(key: A.Number | A.String) -> str:
    return key.text if isinstance(key, A.Number) else f'"{key.value}"'


def check_match_keys(expr: A.Match, subject: str, report: Reporter) -> None:
    """E100 (numbers and texts mixed), E101 (a key twice), E102 (keys of another kind than
    the subject). Number keys are equal when their values are (`2` and `2.0`)."""
    first = expr.arms[0].key
    kind = NUMBER if isinstance(first, A.Number) else TEXT
    seen: set[object] = set()
    for arm in expr.arms:
        key = arm.key
        if (NUMBER if isinstance(key, A.Number) else TEXT) != kind:
            message = (
                _("the keys of `match` must all be numbers, but {key} is a text")
                if kind == NUMBER
                else _("the keys of `match` must all be texts, but {key} is a number")
            )
            report.error(
                "E100",
                message.format(key=key_text(key)),
                key.span,
                _("write every key like the first one, {key}").format(key=key_text(first)),
            )
            continue
        value = key.value
        if value in seen:
            report.error(
                "E101",
                _("the key {key} is given twice in this `match`").format(key=key_text(key)),
                key.span,
                _("remove one: only the first would ever be chosen"),
            )
        seen.add(value)
    if subject not in (ANY, kind):
        message = (
            _("`match` compares {kind} with keys that are numbers")
            if kind == NUMBER
            else _("`match` compares {kind} with keys that are texts")
        )
        report.error(
            "E102",
            message.format(kind=type_words(subject)),
            expr.subject.span,
            _(
                "write keys of the same kind as the value matched: "
                'texts in double quotes, e.g. "东城"'
            )
            if subject == TEXT
            else _("write keys of the same kind as the value matched"),
        )


def check_match_values(expr: A.Match, found: list[tuple[A.Expr, str]], report: Reporter) -> str:
    """The type of the `match`: its values' common type (E103 where one differs)."""
    common = ANY
    for value, kind in found:
        if kind == ANY:
            continue
        if common == ANY:
            common = kind
        elif kind != common:
            report.error(
                "E103",
                _(
                    "the values of `match` must be of one kind: this is {kind}, "
                    "an earlier one is {earlier}"
                ).format(kind=type_words(kind), earlier=type_words(common)),
                value.span,
                _("give every key the same kind of value, e.g. all numbers"),
            )
    return common


def check_quota(top: A.TopClause, definitions: object, report: Reporter) -> None:
    """A quota (`to top EXPR`, EXPR not a bare literal) may read only the `within`
    attribute: every employee of a group must get the same one (E104). A percentage inside
    it would be a count of less than one, not a share (E105)."""
    stack: list[object] = [top.count]
    while stack:
        node = stack.pop()
        if isinstance(node, A.Number) and node.is_percent:
            report.error(
                "E105",
                _("`{number}` inside a quota is a count (a fraction of one), not a share").format(
                    number=node.text
                ),
                node.span,
                _("only a bare `to top 30%` is a share of the candidates; write a count here"),
            )
        elif isinstance(node, A.Name):
            if node.name != top.within or node.name in definitions:  # type: ignore[operator]
                _depends_error(top, node.name, node.span, report)
        elif isinstance(node, _QUOTA_PARTS) or isinstance(node, A.MatchArm):
            stack.extend(A.children(node))
        else:
            _depends_error(top, None, getattr(node, "span", None), report)


def _depends_error(
    top: A.TopClause, name: str | None, span: A.Span | None, report: Reporter
) -> None:
    """E104 for a quota reading ``name`` (None: a value that is not a name)."""
    if top.within is None:
        message = (
            _("a quota without `within` is the same for every candidate: it cannot read `{name}`")
            if name is not None
            else _(
                "a quota without `within` is the same for every candidate: "
                "it cannot read this value"
            )
        )
        report.error(
            "E104",
            message.format(name=name),
            span,
            _("add `within ATTR` and write the quota from ATTR, e.g. `match ATTR { ... }`"),
        )
    else:
        report.error(
            "E104",
            (
                _("a quota may read only `{within}`, the attribute named in `within`, not `{name}`")
                if name is not None
                else _(
                    "a quota may read only `{within}`, the attribute named in `within`, "
                    "not this value"
                )
            ).format(within=top.within, name=name),
            span,
            _(
                "each `{within}` gets one quota: write it from `{within}`, "
                "e.g. `match {within} {{ ... }}`"
            ).format(within=top.within),
        )
