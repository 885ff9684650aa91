"""Static checks of docs/language.md section 7: names, types, duplicates, cycles, vetoes, stars.

Enters: a parsed ``Policy`` and the ``Catalog`` (event types, attributes, roster columns).
Leaves: a ``CheckResult``: every problem of the policy as a ``Diagnostic`` (the checker
never stops at the first one), sorted by position, and, when none is an error, the
``Analysis`` the compiler needs: for each block, its definitions with their types and an
evaluation order that respects dependencies.

The checker is split by concern: ``names`` (declarations, what a name means where it is
used, did-you-mean), ``types`` (inference of expression types), ``rules`` (the checks of
each kind of statement), ``stars`` (stars tables and the `reward by stars` keys they
feed), ``graph`` (dependencies, cycles, evaluation order).
"""

from __future__ import annotations

from .. import ast as A
from ..catalog import Catalog
from .analysis import Analysis, BlockAnalysis, CheckResult, Reporter, Scope
from .graph import check_dependencies, definition_order
from .names import Declarations, Names
from .rules import Rules
from .types import TypeInference

__all__ = ["Analysis", "BlockAnalysis", "CheckResult", "check_policy"]


def check_policy(
    policy: A.Policy, catalog: Catalog | None = None, file: str | None = None
) -> CheckResult:
    """Check a parsed policy. All problems are reported; none is raised."""
    reporter = Reporter()
    declarations = Declarations(policy, catalog or Catalog(), reporter)
    # Blocks are collected first so that `applies to` can tell a block's names apart and a
    # name can be used above the line that defines it.
    declarations.collect()
    rules = Rules(TypeInference(Names(declarations, reporter), reporter), reporter)
    rules.check_header(policy.header)
    analysis = declarations.analysis
    for block in [*analysis.blocks.values(), *declarations.extra_blocks]:
        _check_block(block, rules, reporter)
    diagnostics = sorted(
        (d.with_file(file) if file else d for d in reporter.diagnostics),
        key=lambda d: (d.span.line if d.span else 0, d.span.column if d.span else 0, d.code),
    )
    ok = not any(d.is_error for d in diagnostics)
    return CheckResult(analysis if ok else None, diagnostics)


def _check_block(info: BlockAnalysis, rules: Rules, reporter: Reporter) -> None:
    scope = Scope("block", info)
    # Types first, in dependency order where possible, so that a name's type is known
    # when it is used; unresolved ones default to ANY and are checked on their own.
    for name in definition_order(info):
        info.types[name] = rules.definition_type(info.definitions[name], scope)
    for statement in info.block.statements:
        rules.check_statement(statement, info, scope)
    check_dependencies(info, reporter)
