"""The compiler: a checked policy in, SQL out.

Enters: a checked policy (the checker's ``Analysis``) and the catalog.
Leaves: a ``CompiledPolicy``: for each block one DuckDB query with bound parameters, its
explain query, and the SQL names the engine needs. ``starrating compile`` prints it.
Nothing here runs SQL.

The stages: ``build`` turns the checked AST into a typed plan (``plan``: columns with ids,
layers, aggregates, rankings, look-backs, contributions), with ``scalar`` compiling each
expression; ``sql`` renders the plan, naming every column from its id. ``arithmetic``
holds the SQL macros for exact products and quotients, and the rounding to the 6 places
values are compared and shown at. The plan, not a
SQL syntax tree, is where another target would start (a Spark renderer of the same plan).

Why expressions are our own small module (``expressions``) rather than sqlglot's builder:
what must be portable is the plan, not the SQL; the SQL must say exactly what DuckDB
should do with decimals (``DECIMAL(38,18)`` casts, the ``arithmetic`` macros), lists
(lambdas), time zones (``TIMESTAMPTZ``) and ``FILTER`` aggregates, which a general builder
would have to be steered into; and the module is a page long, where sqlglot would be a new
dependency for every user. An expression is text pieces and column references, so its
columns are named, and qualified, only when it is rendered.
"""

from ..language.catalog import Catalog
from ..language.checker import Analysis
from .build import build_plan
from .sql import CompiledBlock, CompiledPolicy, InputColumn, render_policy


def compile_policy(analysis: Analysis, catalog: Catalog) -> CompiledPolicy:
    """Compile every block of a checked policy."""
    return render_policy(build_plan(analysis, catalog))


__all__ = ["CompiledBlock", "CompiledPolicy", "InputColumn", "compile_policy"]
