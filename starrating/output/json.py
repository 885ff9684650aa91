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
    a list."""
    if single and len(documents) == 1:
        return render_json(documents[0])
    return render_json(list(documents))


def _plain(value: object) -> object:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value
