"""The compiler: a checked policy in, SQL out.

Enters: a checked policy (AST + analysis) and the catalog.
Leaves: for each block, a typed plan of per-employee values in layers, rendered to one
DuckDB SQL statement per block, with its bound parameters. ``starrating compile`` prints it.
Nothing here runs SQL.
"""
