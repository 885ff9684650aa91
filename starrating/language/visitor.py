"""Dispatch by node type: one method per AST class, as jinja's NodeVisitor does.

Enters: an AST node (any object). Leaves: the bound method of the visitor named
``<prefix>_<ClassName>`` (``infer_Binary``, ``check_Tally``, ...), or None when the visitor
has no method for that class. A prefix lets one visitor handle several questions about the
same nodes (the checker asks "what type?" of expressions and "is it valid?" of statements).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NodeVisitor:
    """Base of the classes that walk the AST; subclasses only add ``<prefix>_<Class>``
    methods, never an isinstance chain."""

    def visitor(self, prefix: str, node: object) -> Callable[..., Any] | None:
        """The method that handles ``node`` for ``prefix``, or None."""
        return getattr(self, f"{prefix}_{type(node).__name__}", None)
