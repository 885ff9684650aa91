"""The policy language: text in, a checked policy out.

Enters: policy text (and the catalog of event types and roster attributes).
Leaves: an AST of frozen dataclasses with source spans (``ast``), the checker's analysis of
each block (names resolved, types inferred, evaluation order), and ``Diagnostic`` values for
everything wrong with the text. The formatter turns an AST back into canonical text.
Nothing here touches a database.
"""
