"""JSON documents, written with exact decimals.

Enters: a run document, a list of them, or anything with a ``to_json()`` (a what-if, a
replay, a recorded run) or a JSON value. Leaves: the JSON text, indented by two, keys in
the order the contract gives them, ending with a newline (docs/data.md section 5).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine.runs import RunDocument
from ..store.records import document_json


def render_json(value: object) -> str:
    """``value`` (or its ``to_json()``, or a list of such) as a JSON document."""
    return document_json(_plain(value)) + "\n"


def render_run_documents(documents: Sequence[RunDocument], single: bool) -> str:
    """The run documents of `starrating run`: one object for one run when ``single``, else
    a list. Result rows come as DuckDB wrote them (engine/canonical.py) when the run was
    evaluated in this process; Python only places that text."""
    if single and len(documents) == 1:
        return _run_document(documents[0]) + "\n"
    if not documents:
        return render_json([])
    inner = ",\n".join(_run_document(d) for d in documents).replace("\n", "\n  ")
    return "[\n  " + inner + "\n]\n"


def _run_document(document: RunDocument) -> str:
    """One run document, its ``{`` at the left margin, without the final newline."""
    evaluation = document.evaluation
    if evaluation is None:
        return document_json(_plain(document))
    if not evaluation.printed_rows:
        return document_json({"run": document.run, "results": []})
    # JSON strings hold no raw newline, so each newline starts a line to indent.
    rows = evaluation.printed_rows.replace("\n", "\n    ")
    header = document_json({"run": document.run}).removesuffix("\n}")
    return header + ',\n  "results": [\n    ' + rows + "\n  ]\n}"


def _plain(value: object) -> object:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value
