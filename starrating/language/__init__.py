"""The policy language: text in, a checked policy out.

Enters: policy text (and the catalog of event types and roster attributes).
Leaves: an AST of frozen dataclasses with source spans (``ast``), the checker's analysis of
each block (names resolved, types inferred, evaluation order), and ``Diagnostic`` values for
everything wrong with the text. The formatter turns an AST back into canonical text.
Nothing here touches a database.

In pipeline order: ``grammar`` (the Lark grammar and its reserved words), ``parser`` (text
-> AST) with ``syntax_errors`` (Lark's errors -> diagnostics, recovery) and ``fullwidth``
(full-width characters typed on a Chinese keyboard, found and repaired), ``checker`` (names,
types, rules, dependency graph), ``formatter`` (AST -> text); ``visitor`` is the dispatch
by node type they share, ``diagnostics`` and ``catalog`` what every stage reports with and
checks against, ``policyfiles`` the reading of policy files and folders.
"""
