"""The dependency graph of a block: which values read which, cycles, and evaluation order.

Enters: a ``BlockAnalysis`` whose definitions, awards and stars are declared. Leaves: the
order in which definitions are typed (``definition_order``, tolerant of cycles), the
reported cycles (E033, E070) and, for a block without cycles, ``BlockAnalysis.order``: the
value nodes ("def:NAME", "red", "green", "net", "veto", "stars", "award:NAME", "reward")
in the order the compiler builds its layers.

The order comes from the standard library's ``graphlib``. Its own choice among values that
are ready at the same time (Kahn's algorithm, in insertion order) is not the order the
compiler's layers have always had (and the generated SQL follows): the order in which a
depth-first walk finishes the values, starting from each in the graph's order
(definitions, `red`, `green`, `net`, then the statements as written) and following the
values each one reads in the order it reads them. Taking, at each step, the ready value
the walk discovered first gives exactly that order: the value the walk finishes next is
always ready (all it reads is finished), and any other ready value is one the walk has
not reached yet, since a reached but unfinished value still waits for the one the walk
went on to.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from ...i18n import _
from .. import ast as A
from ..visitor import NodeVisitor
from .analysis import BlockAnalysis, Definition, Reporter

# ---- what an expression reads -------------------------------------------------------------


def optional(expr: A.Expr | None) -> list[A.Expr]:
    return [] if expr is None else [expr]


def definition_exprs(definition: Definition) -> list[A.Expr]:
    """The expressions a definition's value is computed from."""
    if not isinstance(definition, A.ScoreBuilt):
        return [definition.expr]
    exprs = [definition.base]
    for adjustment in definition.adjustments:
        if isinstance(adjustment, A.Adjust):
            exprs += [adjustment.amount, *optional(adjustment.when), *optional(adjustment.at_most)]
        else:
            exprs.append(adjustment.bound)
    return exprs


def current_nodes(expr: A.Expr) -> Iterator[object]:
    """The nodes that are evaluated for the current instance: everything except what sits
    under ``previous(...)`` (earlier instances) or in filters of sub-period aggregates."""
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, A.Previous | A.Aggregate):
            # Earlier instances, or names that belong to events or to the sub-block.
            continue
        stack.extend(A.children(node))


def _definition_refs(info: BlockAnalysis, name: str) -> list[str]:
    refs = [
        node.name
        for expr in definition_exprs(info.definitions[name])
        for node in current_nodes(expr)
        if isinstance(node, A.Name)
    ]
    return [ref for ref in refs if ref in info.definitions]


# ---- walking a graph ----------------------------------------------------------------------

_NEW, _OPEN, _DONE = 0, 1, 2


@dataclass
class Walk:
    """A depth-first walk from every node in the graph's order, edges in their order."""

    discovered: list[str] = field(default_factory=list)  # pre-order
    finished: list[str] = field(default_factory=list)  # post-order
    cycles: list[list[str]] = field(default_factory=list)  # one per edge back into the path


def depth_first(graph: Mapping[str, Sequence[str]]) -> Walk:
    """Iterative, so that a chain of thousands of definitions is no problem."""
    walk = Walk()
    state: dict[str, int] = {}
    for root in graph:
        if state.get(root, _NEW) != _NEW:
            continue
        state[root] = _OPEN
        walk.discovered.append(root)
        path = [root]
        pending = [iter(graph[root])]
        while pending:
            for ref in pending[-1]:
                seen = state.get(ref, _NEW)
                if seen == _NEW:
                    state[ref] = _OPEN
                    walk.discovered.append(ref)
                    path.append(ref)
                    pending.append(iter(graph[ref]))
                    break
                if seen == _OPEN:
                    walk.cycles.append(path[path.index(ref) :])
            else:
                node = path.pop()
                state[node] = _DONE
                walk.finished.append(node)
                pending.pop()
    return walk


def definition_order(info: BlockAnalysis) -> list[str]:
    """Definitions, each after the ones it reads where possible (a cycle is reported later
    by ``check_dependencies``; here it only must not stop the typing of the block)."""
    graph = {name: _definition_refs(info, name) for name in info.definitions}
    return depth_first(graph).finished


def evaluation_order(graph: Mapping[str, Sequence[str]], walk: Walk) -> list[str]:
    """graphlib's topological order of an acyclic graph, ties broken as the module says."""
    discovered = {node: index for index, node in enumerate(walk.discovered)}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    ready = [(discovered[node], node) for node in sorter.get_ready()]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        sorter.done(node)
        for later in sorter.get_ready():
            heapq.heappush(ready, (discovered[later], later))
    return order


# ---- the block's graph --------------------------------------------------------------------


class DependencyGraph(NodeVisitor):
    """Value node -> the value nodes it reads, built with one ``edges_<Statement>`` method
    per statement class and one ``reads_<Expr>`` per expression class that reads a node."""

    def __init__(self, info: BlockAnalysis) -> None:
        self.info = info
        self.refs: dict[str, list[str]] = {}
        self.spans: dict[str, A.Span | None] = {}
        for name, definition in info.definitions.items():
            self.add(f"def:{name}", definition_exprs(definition), definition.name_span)
        self.refs.setdefault("red", [])
        self.refs.setdefault("green", [])
        self.add("net", [], None, ("red", "green"))
        for statement in info.block.statements:
            method = self.visitor("edges", statement)
            if method is not None:
                method(statement)
        if any(isinstance(s, A.Award) and s.reward is not None for s in info.block.statements):
            self.refs.setdefault("reward", []).extend(f"award:{a}" for a in info.awards)
        self.refs.setdefault("veto", [])
        self.refs.setdefault("stars", []).append("veto")
        self.refs.setdefault("reward", [])
        # Only edges to nodes that exist: unknown names were reported already.
        for node, refs in self.refs.items():
            self.refs[node] = [ref for ref in refs if ref in self.refs]

    def add(
        self, node: str, exprs: list[A.Expr], span: A.Span | None, extra: tuple[str, ...] = ()
    ) -> None:
        refs = self.refs.setdefault(node, [])
        self.spans.setdefault(node, span)
        for expr in exprs:
            for part in current_nodes(expr):
                method = self.visitor("reads", part)
                if method is not None:
                    refs.append(method(part))
        refs.extend(extra)

    # -- what an expression reads in the current instance
    def reads_Name(self, node: A.Name) -> str:
        return node.name if node.name in ("red", "green", "net", "stars") else f"def:{node.name}"

    def reads_Awarded(self, node: A.Awarded) -> str:
        return f"award:{node.award}"

    def reads_Ranking(self, node: A.Ranking) -> str:
        return "veto"  # a ranking is taken among non-vetoed employees

    reads_GroupAggregate = reads_Ranking  # so is a group value

    # -- what a statement computes, from what
    def edges_Tally(self, statement: A.Tally) -> None:
        exprs = [statement.amount, *optional(statement.when), *optional(statement.at_most)]
        self.add(statement.color, exprs, statement.span)

    def edges_Veto(self, statement: A.Veto) -> None:
        self.add("veto", [statement.condition], statement.span)

    def edges_Stars(self, statement: A.Stars) -> None:
        conditions = [line.condition for line in statement.lines if line.condition]
        self.add("stars", conditions, statement.span)

    def edges_Award(self, statement: A.Award) -> None:
        if self.info.awards.get(statement.name) is not statement:
            return  # a second award of that name (E031)
        exprs = [
            *(statement.top.keys if statement.top else ()),
            *optional(statement.when),
            *optional(statement.reward),
        ]
        self.add(f"award:{statement.name}", exprs, statement.name_span, ("veto",))

    def edges_Reward(self, statement: A.Reward) -> None:
        exprs = [statement.amount, *optional(statement.when)]
        self.add("reward", exprs, statement.span, ("veto",))

    def edges_RewardByStars(self, statement: A.RewardByStars) -> None:
        exprs = [entry.amount for entry in statement.entries]
        self.add("reward", exprs, statement.span, ("stars", "veto"))


def check_dependencies(info: BlockAnalysis, reporter: Reporter) -> None:
    """Reports every cycle once (E033; E070 for an award that is its own condition) and,
    when there is none, sets ``info.order``."""
    graph = DependencyGraph(info)
    walk = depth_first(graph.refs)
    reported: set[frozenset[str]] = set()
    for cycle in walk.cycles:
        key = frozenset(cycle)
        if key in reported or "veto" in key:
            # Every cycle through `veto` comes from a veto reading a ranking, tally,
            # star level or award, which E040 already reports more precisely.
            continue
        reported.add(key)
        _report_cycle(cycle, graph.spans.get(cycle[0]), reporter)
    if not walk.cycles:
        info.order = evaluation_order(graph.refs, walk)


def _report_cycle(cycle: list[str], span: A.Span | None, reporter: Reporter) -> None:
    start = cycle[0]
    if len(cycle) == 1 and start.startswith("award:"):
        reporter.error(
            "E070",
            _('award "{award}" depends on itself').format(award=start.removeprefix("award:")),
            span,
            _(
                "an award cannot be a condition of itself; "
                "use previous(awarded(...)) for earlier periods"
            ),
        )
        return
    # The arrows are the same in every language; only the words for an award differ.
    pretty = " → ".join(_node_label(n) for n in [*cycle, start])
    reporter.error(
        "E033",
        _("these values depend on each other: {cycle}").format(cycle=pretty),
        span,
        _("break the cycle; a value cannot depend on itself, directly or through others"),
    )


def _node_label(node: str) -> str:
    if node.startswith("def:"):
        return f"`{node[4:]}`"
    if node.startswith("award:"):
        return _('award "{award}"').format(award=node[6:])
    return f"`{node}`"
