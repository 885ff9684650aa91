"""Names: what a policy declares, what each name means where it is used, and did-you-mean.

Enters: the parsed policy, the catalog (event types, their attributes, roster columns) and
the ``Reporter``. Leaves: the ``Analysis`` skeleton (one ``BlockAnalysis`` per block with
its definitions and awards; E030-E032, E035, E036, E081 reported while declaring), and
``Names``, which answers "what type is this name here?" for the type inference and reports
unknown names, event types, attributes and awards (E010-E014, E056, E060, E071, E072,
W011, W012), each with the closest spelling as a hint.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...i18n import N_, _
from .. import ast as A
from ..catalog import ANY, NUMBER, TEXT, Catalog
from ..diagnostics import suggestion
from ..visitor import NodeVisitor
from .analysis import (
    BUILTIN_VALUES,
    SUB_PERIOD_BUILTINS,
    Analysis,
    BlockAnalysis,
    Definition,
    Reporter,
    Scope,
    listing,
)

UNQUOTED_TEXT_HELP = N_('did you mean the text "{text}"?')


class Declarations(NodeVisitor):
    """Collects the blocks, definitions and awards of a policy before anything is checked,
    so that a name can be used above the line that defines it (``declare_<Statement>``
    for the statements that declare something)."""

    def __init__(self, policy: A.Policy, catalog: Catalog, reporter: Reporter) -> None:
        self.policy = policy
        self.catalog = catalog
        self.report = reporter
        self.analysis = Analysis(policy)
        self.award_block: dict[str, str] = {}  # award name -> block kind
        self.extra_blocks: list[BlockAnalysis] = []  # duplicate blocks (E032), still checked
        self.award_spans: dict[str, A.Award] = {}

    def collect(self) -> None:
        for block in self.policy.blocks:
            info = self.add_block(block)
            for statement in block.statements:
                method = self.visitor("declare", statement)
                if method is not None:
                    method(statement, info)

    def add_block(self, block: A.Block) -> BlockAnalysis:
        kind = block.period.kind
        if kind in self.analysis.blocks:
            first = self.analysis.blocks[kind].block.span
            self.report.error(
                "E032",
                _("there are two `each {kind}` blocks").format(kind=kind),
                block.period.span,
                _("merge it into the block on line {line}").format(line=first.line)
                if first
                else None,
            )
        if kind == "week" and block.period.week_ending not in A.WEEKDAYS:
            day = block.period.week_ending or ""
            self.report.error(
                "E081",
                _("`{day}` is not a weekday").format(day=day),
                block.period.weekday_span,
                _("weekdays are written in lower case: `{day}`").format(day=day.lower())
                if day.lower() in A.WEEKDAYS
                else suggestion(day.lower(), A.WEEKDAYS)
                or _("write one of monday, tuesday, ..., sunday"),
            )
        info = BlockAnalysis(kind, block)
        if kind in self.analysis.blocks:
            # A second block of a kind is still checked on its own, so that its own
            # mistakes are reported too, but the first one is the block of that kind.
            self.extra_blocks.append(info)
        else:
            self.analysis.blocks[kind] = info
        return info

    def declare_Let(self, statement: A.Let, info: BlockAnalysis) -> None:
        self.define(info, statement)

    def declare_ScoreValue(self, statement: A.ScoreValue, info: BlockAnalysis) -> None:
        self.define(info, statement)

    def declare_ScoreBuilt(self, statement: A.ScoreBuilt, info: BlockAnalysis) -> None:
        self.define(info, statement)

    def define(self, info: BlockAnalysis, statement: Definition) -> None:
        name = statement.name
        if name in info.definitions:
            first = info.definitions[name].span
            self.report.error(
                "E030",
                _("`{name}` is defined twice in this block").format(name=name),
                statement.name_span,
                _("the first definition is on line {line}; rename one of them").format(
                    line=first.line
                )
                if first
                else None,
            )
            return
        if name in BUILTIN_VALUES or name in self.catalog.roster:
            message = (
                _("`{name}` is a built-in value and cannot be redefined")
                if name in BUILTIN_VALUES
                else _("`{name}` is a roster attribute and cannot be redefined")
            )
            self.report.error(
                "E036",
                message.format(name=name),
                statement.name_span,
                _("choose another name"),
            )
            return
        info.definitions[name] = statement

    def declare_Award(self, statement: A.Award, info: BlockAnalysis) -> None:
        if statement.name in self.award_spans:
            first = self.award_spans[statement.name].span
            self.report.error(
                "E031",
                _('the award "{award}" is declared twice').format(award=statement.name),
                statement.name_span,
                _(
                    "the first one is on line {line}; award names must be "
                    "unique in a policy so that wins() and awarded() are clear"
                ).format(line=first.line)
                if first
                else None,
            )
            return
        self.award_spans[statement.name] = statement
        info.awards[statement.name] = statement
        self.award_block.setdefault(statement.name, info.kind)

    def declare_Stars(self, statement: A.Stars, info: BlockAnalysis) -> None:
        if info.has_stars:
            self.report.error(
                "E035",
                _("this block already has a `stars` statement"),
                statement.span,
                _("keep one `stars { ... }` per block"),
            )
        info.has_stars = True


class Names:
    """Resolves names against the declarations and the catalog, reporting what it cannot."""

    def __init__(self, declarations: Declarations, reporter: Reporter) -> None:
        self.catalog = declarations.catalog
        self.analysis = declarations.analysis
        self.award_block = declarations.award_block
        self.report = reporter

    # ---- names in expressions -----------------------------------------------------------

    def resolve(self, name: A.Name, scope: Scope, text_expected: bool = False) -> str:
        """The type of ``name`` where it stands; ANY (after a diagnostic) when unknown.
        ``text_expected``: the name stands where a text is compared (`role = service_desk`),
        so an unknown one is most likely a text written without its quotes."""
        resolver = getattr(self, f"resolve_in_{scope.kind}")
        return resolver(name, scope, text_expected)

    def resolve_in_event(self, name: A.Name, scope: Scope, text_expected: bool = False) -> str:
        """A name inside `count(EVENT where ...)`: an attribute of that event type."""
        text = name.name
        if not self.catalog.known_events or scope.event_type is None:
            return ANY
        attributes = self.catalog.event_attributes(scope.event_type)
        if text in attributes:
            return attributes[text]
        if self.catalog.inferred:
            self.report.warn(
                "W012",
                _(
                    "no `{event_type}` event with the attribute `{attribute}` has been ingested yet"
                ).format(event_type=scope.event_type, attribute=text),
                name.span,
                unknown_name_help(text, attributes, text_expected) or _("check the spelling"),
            )
            return ANY
        self.report.error(
            "E012",
            _("the event type `{event_type}` has no attribute `{attribute}`").format(
                event_type=scope.event_type, attribute=text
            ),
            name.span,
            unknown_name_help(text, attributes, text_expected)
            or _("its attributes are: {attributes}").format(attributes=listing(sorted(attributes))),
        )
        return ANY

    def resolve_in_periods(self, name: A.Name, scope: Scope, text_expected: bool = False) -> str:
        """A name inside `count(weeks where ...)`: a value of the shorter block."""
        text = name.name
        sub = scope.sub_block
        assert sub is not None
        if text in sub.definitions:
            return sub.types.get(text, ANY)
        if text in SUB_PERIOD_BUILTINS:
            if text == "stars" and not sub.has_stars:
                self.no_stars_error(name, sub)
            return SUB_PERIOD_BUILTINS[text]
        if text in self.catalog.roster:
            return self.catalog.roster[text]
        candidates = {
            **{n: sub.types.get(n, ANY) for n in sub.definitions},
            **SUB_PERIOD_BUILTINS,
            **self.catalog.roster,
        }
        self.report.error(
            "E010",
            _("unknown name `{name}` in the `{kind}` block").format(name=text, kind=scope.sub_kind),
            name.span,
            unknown_name_help(text, candidates, text_expected)
            or _(
                "inside `{periods} where ...` the names are those of the `each {kind}` block"
            ).format(periods=A.PERIOD_PLURALS[sub.kind], kind=sub.kind),
        )
        return ANY

    def resolve_in_header(self, name: A.Name, scope: Scope, text_expected: bool = False) -> str:
        """A name in `applies to`: employees are chosen before any block is computed."""
        text = name.name
        found = self.employee_attribute(text)
        if found is not None:
            return found
        block_name = self.is_block_name(text)
        self.report.error(
            "E013" if block_name else "E010",
            (
                _("`{name}` cannot be used in `applies to`")
                if block_name
                else _("unknown name `{name}`")
            ).format(name=text),
            name.span,
            unknown_name_help(
                text,
                {**self.catalog.roster, "tenure": NUMBER},
                text_expected,
                _("(a roster attribute)"),
            )
            or _(
                "`applies to` may use roster attributes and `tenure`; declare other "
                "roster columns in starrating.yaml"
            ),
        )
        return ANY

    def resolve_in_block(self, name: A.Name, scope: Scope, text_expected: bool = False) -> str:
        """A name in a block: a roster attribute, a definition or a built-in value."""
        text = name.name
        found = self.employee_attribute(text)
        if found is not None:
            return found
        block = scope.block
        assert block is not None
        if text in block.definitions:
            return block.types.get(text, ANY)
        if text in ("red", "green", "net"):
            return NUMBER
        if text == "stars":
            if not block.has_stars:
                self.no_stars_error(name, block)
            return NUMBER
        candidates = {
            **{n: block.types.get(n, ANY) for n in block.definitions},
            **dict.fromkeys(BUILTIN_VALUES, NUMBER),
            **self.catalog.roster,
        }
        self.report.error(
            "E010",
            _("unknown name `{name}`").format(name=text),
            name.span,
            unknown_name_help(text, candidates, text_expected)
            or _("define it with `let`, or declare the roster column in starrating.yaml"),
        )
        return ANY

    def employee_attribute(self, text: str) -> str | None:
        """The type of `tenure` or of a roster column, None for any other name."""
        if text == "tenure":
            return NUMBER
        return self.catalog.roster.get(text)

    def is_block_name(self, text: str) -> bool:
        return text in BUILTIN_VALUES or any(
            text in b.definitions for b in self.analysis.blocks.values()
        )

    def no_stars_error(self, name: A.Name, block: BlockAnalysis) -> None:
        self.report.error(
            "E056",
            _("`stars` is used here, but the `{kind}` block has no `stars` statement").format(
                kind=block.kind
            ),
            name.span,
            _("add `stars { ... }` to that block to give star levels"),
        )

    # ---- shorter blocks and awards ------------------------------------------------------

    def sub_block(
        self, plural: str, block: BlockAnalysis, span: A.Span | None
    ) -> BlockAnalysis | None:
        """The block `weeks`, `months`, ... stands for inside ``block``, if it may look."""
        kind = A.PLURAL_TO_KIND[plural]
        rank = A.PERIOD_KINDS.index
        if rank(kind) >= rank(block.kind):
            self.report.error(
                "E060",
                _("`{periods}` are not shorter than this `{kind}` block").format(
                    periods=plural, kind=block.kind
                ),
                span,
                _(
                    "a block can only look at the results of shorter blocks "
                    "(a month at its weeks, a quarter at its months, ...)"
                ),
            )
            return None
        sub = self.analysis.blocks.get(kind)
        if sub is None:
            shorter = [b for b in self.analysis.blocks if rank(b) < rank(block.kind)]
            hint = (
                _("add an `each {kind}` block, or use {periods}").format(
                    kind=kind, periods=listing(A.PERIOD_PLURALS[b] for b in shorter)
                )
                if shorter
                else _("add an `each {kind}` block").format(kind=kind)
            )
            self.report.error(
                "E060",
                _("`{periods}` needs an `each {kind}` block in this policy").format(
                    periods=plural, kind=kind
                ),
                span,
                hint,
            )
            return None
        return sub

    def award_in_block(self, expr: A.Awarded | A.Wins, block: BlockAnalysis | None) -> None:
        """Reports an award that is not given in ``block`` (unknown, or given elsewhere)."""
        assert block is not None
        if expr.award in block.awards:
            return
        kind = self.award_block.get(expr.award)
        if kind is None:
            self.unknown_award(expr)
            return
        self.report.error(
            "E072",
            _(
                'the award "{award}" is given in the `{kind}` block, not in this `{block}` block'
            ).format(award=expr.award, kind=kind, block=block.kind),
            expr.span,
            _('count its wins with wins("{award}")').format(award=expr.award)
            if A.PERIOD_KINDS.index(kind) < A.PERIOD_KINDS.index(block.kind)
            else None,
        )

    def unknown_award(self, expr: A.Awarded | A.Wins) -> None:
        self.report.error(
            "E071",
            _('there is no award "{award}" in this policy').format(award=expr.award),
            expr.span,
            suggestion(expr.award, self.award_block, quote='"') or None,
        )

    # ---- catalog look-ups ---------------------------------------------------------------

    def check_event_type(self, event_type: str, span: A.Span | None) -> bool:
        """True when the type is known to the catalog (or there is no catalog to ask)."""
        if not self.catalog.known_events:
            return True
        if event_type in self.catalog.events:
            return True
        if self.catalog.inferred:
            self.report.warn(
                "W011",
                _("no event of type `{event_type}` has been ingested yet").format(
                    event_type=event_type
                ),
                span,
                suggestion(event_type, self.catalog.events)
                or _("check the spelling, or ingest events of this type"),
            )
            return False
        self.report.error(
            "E011",
            _("unknown event type `{event_type}`").format(event_type=event_type),
            span,
            suggestion(event_type, self.catalog.events)
            or _("declare it under `events:` in starrating.yaml"),
        )
        return False

    def check_roster_attribute(self, name: str, span: A.Span | None) -> None:
        if name in self.catalog.roster:
            return
        self.report.error(
            "E014",
            _("`{name}` is not a roster attribute").format(name=name),
            span,
            suggestion(name, self.catalog.roster)
            or _(
                "`within` groups employees by a roster column such as `department`; "
                "declare other columns in starrating.yaml"
            ),
        )


def unknown_name_help(
    text: str, candidates: Mapping[str, str], text_expected: bool, what: str = ""
) -> str | None:
    """The help of an unknown name: the closest known name (of ``candidates``, name -> type).
    Where a text is compared, only names that can hold a text are suggested, and failing
    those, the same word as a text (`role = service_desk` meant "service_desk")."""
    if text_expected:
        candidates = {n: kind for n, kind in candidates.items() if kind in (TEXT, ANY)}
    close = suggestion(text, candidates, what)
    if close is None and text_expected:
        # Written as the text literal would be (docs/language.md: `\\` and `\"` in texts).
        literal = text.replace("\\", "\\\\").replace('"', '\\"')
        return _(UNQUOTED_TEXT_HELP).format(text=literal)
    return close
