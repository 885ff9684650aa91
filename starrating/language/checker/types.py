"""Types: the type of every expression, inferred bottom-up, one method per AST class.

Enters: an expression, the ``Scope`` it stands in, and ``Names`` to ask what a name means
there. Leaves: its type (NUMBER, TEXT, BOOLEAN, DATE, TIMESTAMP, or ANY when it cannot be
known), with every mismatch reported on the way (E013, E015, E016, E020-E024, E060-E063,
E082 for a date literal that is not in the calendar, and the name errors ``Names``
reports). ``expect`` is what the statement rules use: infer, then complain if the type is
not the one the place needs.
"""

from __future__ import annotations

from datetime import date

from ...i18n import N_, _
from .. import ast as A
from ..catalog import ANY, BOOLEAN, DATE, NUMBER, TEXT, TIMESTAMP
from ..visitor import NodeVisitor
from .analysis import Reporter, Scope, type_words
from .match import check_match_keys, check_match_values
from .names import Names
from .window import check_window

ARITHMETIC = ("+", "-", "*", "/")
DATE_FORMAT_HELP = N_("write the date as YYYY-MM-DD, e.g. 2026-01-01")
DATE_WITHOUT_SPACES_HELP = N_("write a date as YYYY-MM-DD, without spaces: 2026-01-01")
ORDERING = ("<", "<=", ">", ">=")
EQUALITY = ("=", "!=")


class TypeInference(NodeVisitor):
    """``infer`` dispatches to ``infer_<Class>``; a class without one is ANY."""

    def __init__(self, names: Names, reporter: Reporter) -> None:
        self.names = names
        self.report = reporter

    def expect(
        self, expr: A.Expr, wanted: str, scope: Scope, what: str, is_amount: bool = False
    ) -> str:
        """Infer ``expr`` and report it if it is not ``wanted``. ``what`` names the place,
        in the reader's language; ``is_amount``: it is the amount of a line (`red 3 ...`),
        where a condition most likely belongs after `when`."""
        found = self.infer(expr, scope)
        if found in (ANY, wanted):
            return found
        if wanted == BOOLEAN:
            self.report.error(
                "E023",
                _("{what} needs a condition, but this is {found}").format(
                    what=what, found=type_words(found)
                ),
                expr.span,
                _("compare it, e.g. `x > 0`"),
            )
        else:
            code = "E022" if found == BOOLEAN and wanted == NUMBER else "E024"
            help_text = None
            if found == BOOLEAN and is_amount:
                help_text = _("to count only when a condition holds, write e.g. `red 3 when x = 0`")
            self.report.error(
                code,
                _("{what} needs {wanted}, but this is {found}").format(
                    what=what, wanted=type_words(wanted), found=type_words(found)
                ),
                expr.span,
                help_text,
            )
        return found

    def infer(self, expr: A.Expr, scope: Scope) -> str:
        method = self.visitor("infer", expr)
        return method(expr, scope) if method is not None else ANY

    def allowed(self, expr: A.Expr, scope: Scope, what: str) -> bool:
        """Rankings, look-backs and aggregates only make sense over a block's employees."""
        if scope.kind == "block":
            return True
        if scope.kind == "header":
            self.report.error(
                "E013",
                _("{what} cannot be used in `applies to`").format(what=what),
                expr.span,
                _("`applies to` may use roster attributes and `tenure` only"),
            )
        else:
            self.report.error(
                "E015",
                _("{what} cannot be used inside a `where` filter").format(what=what),
                expr.span,
                _("compute it with `let` and use it in a `when` condition instead"),
            )
        return False

    # ---- literals and names -------------------------------------------------------------

    def infer_Number(self, expr: A.Number, scope: Scope) -> str:
        return NUMBER

    def infer_Date(self, expr: A.Date, scope: Scope) -> str:
        check_calendar_date(expr.text, expr.span, self.report)
        return DATE

    def infer_String(self, expr: A.String, scope: Scope) -> str:
        return TEXT

    def infer_Boolean(self, expr: A.Boolean, scope: Scope) -> str:
        return BOOLEAN

    def infer_Name(self, expr: A.Name, scope: Scope) -> str:
        return self.names.resolve(expr, scope)

    # ---- operators ----------------------------------------------------------------------

    def infer_Unary(self, expr: A.Unary, scope: Scope) -> str:
        if expr.op == "not":
            self.expect(expr.operand, BOOLEAN, scope, "`not`")
            return BOOLEAN
        found = self.infer(expr.operand, scope)
        if found not in (NUMBER, ANY):
            self.arithmetic_error(found, expr.operand.span, "-")
        return NUMBER

    def infer_Binary(self, expr: A.Binary, scope: Scope) -> str:
        op = expr.op
        if op in ("and", "or"):
            self.expect(expr.left, BOOLEAN, scope, f"`{op}`")
            self.expect(expr.right, BOOLEAN, scope, f"`{op}`")
            return BOOLEAN
        if op in EQUALITY:
            left, right = self.infer_compared(expr.left, expr.right, scope)
        else:
            left = self.infer(expr.left, scope)
            right = self.infer(expr.right, scope)
        if op in ARITHMETIC:
            for side, found in ((expr.left, left), (expr.right, right)):
                if found not in (NUMBER, ANY):
                    self.arithmetic_error(found, side.span, op)
            return NUMBER
        if op == "default":
            if ANY not in (left, right) and left != right:
                self.report.error(
                    "E020",
                    _(
                        "`default` must give the same kind of value: "
                        "{left} on the left, {right} on the right"
                    ).format(left=type_words(left), right=type_words(right)),
                    expr.right.span,
                )
            return left if left != ANY else right
        self.check_comparison(expr, left, right)
        return BOOLEAN

    def infer_compared(self, left: A.Expr, right: A.Expr, scope: Scope) -> tuple[str, str]:
        """The types of the two sides of `=` / `!=`. The left side is the value compared;
        a bare name on the right of a text is resolved knowing that, so that an unknown one
        (`role = service_desk`) is taken for a text written without its quotes."""
        left_type = self.infer(left, scope)
        return left_type, self.infer_value(right, scope, left_type)

    def infer_value(self, expr: A.Expr, scope: Scope, compared_with: str) -> str:
        """The type of ``expr``, compared with a value of type ``compared_with``."""
        if isinstance(expr, A.Name):
            return self.names.resolve(expr, scope, text_expected=compared_with == TEXT)
        return self.infer(expr, scope)

    def check_comparison(self, expr: A.Binary, left: str, right: str) -> None:
        if ANY in (left, right):
            return
        if left != right:
            self.report.error(
                "E020",
                _("cannot compare {left} with {right}").format(
                    left=type_words(left), right=type_words(right)
                ),
                expr.span,
                _compare_help(left, right, expr),
            )
        elif expr.op in ORDERING and left not in (NUMBER, DATE, TIMESTAMP):
            self.report.error(
                "E020",
                (
                    _("`{op}` compares numbers, not texts")
                    if left == TEXT
                    else _("`{op}` cannot order {kind}")
                ).format(op=expr.op, kind=type_words(left)),
                expr.span,
                _("use `=` or `!=`"),
            )

    def arithmetic_error(self, found: str, span: A.Span | None, op: str) -> None:
        if found == BOOLEAN:
            self.report.error(
                "E022",
                _("cannot do arithmetic (`{op}`) with a condition").format(op=op),
                span,
                _(
                    "conditions are true or false; use `when` to make a line count only "
                    "when it holds"
                ),
            )
        else:
            self.report.error(
                "E022",
                _("cannot do arithmetic (`{op}`) with {kind}").format(
                    op=op, kind=type_words(found)
                ),
                span,
            )

    def infer_InList(self, expr: A.InList, scope: Scope) -> str:
        found = self.infer(expr.operand, scope)
        for item in expr.items:
            item_type = self.infer_value(item, scope, found)
            if ANY not in (found, item_type) and item_type != found:
                self.report.error(
                    "E020",
                    _("this list holds {item}, but the value before `in` is {value}").format(
                        item=type_words(item_type), value=type_words(found)
                    ),
                    item.span,
                )
        return BOOLEAN

    def infer_Match(self, expr: A.Match, scope: Scope) -> str:
        subject = self.infer(expr.subject, scope)
        check_match_keys(expr, subject, self.report)
        values = [arm.value for arm in expr.arms]
        if expr.otherwise is not None:
            values.append(expr.otherwise)
        found = [(value, self.infer(value, scope)) for value in values]
        return check_match_values(expr, found, self.report)

    # ---- aggregates ---------------------------------------------------------------------

    def infer_Aggregate(self, expr: A.Aggregate, scope: Scope) -> str:
        if not self.allowed(expr, scope, f"`{expr.func}(...)`"):
            return NUMBER
        if expr.window is not None:
            check_window(expr, self.report)
        if expr.func == "count" and expr.attribute is not None:
            self.report.error(
                "E016",
                _("`count` counts periods; it takes no attribute")
                if expr.over_periods
                else _("`count` counts events; it takes no attribute"),
                expr.attribute_span,
                _("write count({source}) or sum({source}.{attribute})").format(
                    source=expr.source, attribute=expr.attribute
                ),
            )
        if expr.func != "count" and expr.attribute is None:
            example = "weeks.net" if expr.over_periods else f"{expr.source}.value"
            self.report.error(
                "E016",
                _("`{func}` needs an attribute to add up or compare").format(func=expr.func),
                expr.source_span,
                _("for example {func}({example})").format(func=expr.func, example=example),
            )
        if expr.over_periods:
            assert scope.block is not None
            sub = self.names.sub_block(expr.source, scope.block, expr.source_span)
            if sub is not None:
                inner = Scope("periods", scope.block, None, sub, sub.kind)
                self.check_aggregate_parts(expr, inner)
            return NUMBER
        known = self.names.check_event_type(expr.source, expr.source_span)
        event_scope = Scope("event", scope.block, expr.source if known else None)
        self.check_aggregate_parts(expr, event_scope)
        return NUMBER

    def check_aggregate_parts(self, expr: A.Aggregate, inner: Scope) -> None:
        """The attribute (a number) and the `where` filter, read in the events' or the
        sub-periods' scope."""
        if expr.attribute is not None and expr.func != "count":
            attribute = A.Name(expr.attribute, expr.attribute_span)
            attribute_type = self.names.resolve(attribute, inner)
            if attribute_type not in (NUMBER, ANY):
                self.report.error(
                    "E021",
                    _("cannot take `{func}` of `{source}.{attribute}`, which is {kind}").format(
                        func=expr.func,
                        source=expr.source,
                        attribute=expr.attribute,
                        kind=type_words(attribute_type),
                    ),
                    expr.attribute_span,
                    _("only numbers can be summed, averaged or compared; count them instead"),
                )
        if expr.where is not None:
            self.expect(expr.where, BOOLEAN, inner, "`where`")

    # ---- awards -------------------------------------------------------------------------

    def infer_Awarded(self, expr: A.Awarded, scope: Scope) -> str:
        if scope.kind == "periods":
            # `count(weeks where awarded("X"))`: X must be given in the shorter block.
            self.names.award_in_block(expr, scope.sub_block)
            return BOOLEAN
        if self.allowed(expr, scope, "`awarded(...)`"):
            self.names.award_in_block(expr, scope.block)
        return BOOLEAN

    def infer_Wins(self, expr: A.Wins, scope: Scope) -> str:
        if not self.allowed(expr, scope, "`wins(...)`"):
            return NUMBER
        block = scope.block
        assert block is not None
        kind = self.names.award_block.get(expr.award)
        if kind is None:
            self.names.unknown_award(expr)
            return NUMBER
        rank = A.PERIOD_KINDS.index
        if rank(kind) >= rank(block.kind):
            shorter = [b for b in self.names.analysis.blocks if rank(b) < rank(block.kind)]
            self.report.error(
                "E061" if shorter else "E060",
                _(
                    'wins("{award}") counts wins in shorter periods, but that award is '
                    "given in the `{kind}` block"
                ).format(award=expr.award, kind=kind),
                expr.span,
                _('use awarded("{award}") in its own block').format(award=expr.award)
                if kind == block.kind
                else None,
            )
        return NUMBER

    # ---- rankings and look-backs --------------------------------------------------------

    def infer_Ranking(self, expr: A.Ranking, scope: Scope) -> str:
        if not self.allowed(expr, scope, f"`{expr.func}`"):
            return NUMBER
        self.expect(expr.operand, NUMBER, scope, f"`{expr.func}`")
        if expr.within is not None:
            self.names.check_roster_attribute(expr.within, expr.within_span)
        return NUMBER

    def infer_GroupAggregate(self, expr: A.GroupAggregate, scope: Scope) -> str:
        """A value over the group (docs/language.md, "Group values"): `group_count` counts
        where a condition holds; the others take numbers, as rankings do. Always a number."""
        if not self.allowed(expr, scope, f"`{expr.func}`"):
            return NUMBER
        wanted = BOOLEAN if expr.func == "group_count" else NUMBER
        self.expect(expr.operand, wanted, scope, f"`{expr.func}`")
        if expr.within is not None:
            self.names.check_roster_attribute(expr.within, expr.within_span)
        return NUMBER

    def infer_Previous(self, expr: A.Previous, scope: Scope) -> str:
        if not self.allowed(expr, scope, "`previous`"):
            return ANY
        return self.infer(expr.operand, scope)

    def infer_Consecutive(self, expr: A.Consecutive, scope: Scope) -> str:
        if not self.allowed(expr, scope, "`for N consecutive`"):
            return BOOLEAN
        self.expect(expr.operand, BOOLEAN, scope, "`for N consecutive`")
        count = expr.count.value
        if count != count.to_integral_value() or count < 1:
            self.report.error(
                "E063",
                _("`for {count} consecutive` needs a whole number of at least 1").format(
                    count=expr.count.text
                ),
                expr.count.span,
            )
        assert scope.block is not None
        own = A.PERIOD_PLURALS[scope.block.kind]
        if expr.periods != own:
            self.report.error(
                "E062",
                _("this is a `{kind}` block: count consecutive {own}, not {periods}").format(
                    kind=scope.block.kind, own=own, periods=expr.periods
                ),
                expr.span,
                _("write `for {count} consecutive {own}`").format(count=expr.count.text, own=own),
            )
        return BOOLEAN


def check_calendar_date(text: str, span: A.Span | None, reporter: Reporter) -> None:
    """E082 for a date that is not in the calendar (`2026-02-30`), in `effective` or in an
    expression."""
    try:
        date.fromisoformat(text)
    except ValueError:
        reporter.error(
            "E082",
            _("`{date}` is not a calendar date").format(date=text),
            span,
            _(DATE_FORMAT_HELP),
        )


def _compare_help(left: str, right: str, expr: A.Binary) -> str | None:
    if TEXT in (left, right) and NUMBER in (left, right):
        number = expr.right if right == NUMBER else expr.left
        if isinstance(number, A.Number):
            return _('texts are written in double quotes: "{text}"').format(text=number.text)
        return _("a text can only be compared with a text, and a number with a number")
    if BOOLEAN in (left, right):
        return _("a condition is already true or false: use it on its own or with `not`")
    if DATE in (left, right) and NUMBER in (left, right):
        # `hire_date < 2026 - 01 - 01` is arithmetic: a date is one word, without spaces.
        return _(DATE_WITHOUT_SPACES_HELP)
    return None
