"""The catalog: event types, their typed attributes and roster attributes.

Enters: ``starrating.yaml``, and the catalog of the data a store has seen, which fills in
what the file does not declare. Leaves: the ``Catalog`` the checker checks names against,
and E090 diagnostics for a bad file.

It comes from ``starrating.yaml`` (docs/data.md section 1)::

    timezone: Asia/Shanghai        # default for policies that name none
    database: starrating.duckdb    # the store
    events:                        # event type -> attribute -> type
      complaint: {level: integer, responsible: boolean}
      praise_letter: {}
    roster:                        # extra roster columns -> type
      post: text

Without a file there is no catalog (``Catalog.known_events`` is False): event types and
attributes cannot be checked, and only the standard roster columns are known.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..i18n import _
from .ast import Span
from .diagnostics import Diagnostic, error, suggestion

CATALOG_FILE = "starrating.yaml"

# Value types the checker reasons about.
NUMBER = "number"
TEXT = "text"
BOOLEAN = "boolean"
DATE = "date"
TIMESTAMP = "timestamp"
ANY = "any"  # not known (no catalog): accepted wherever a value is

DECLARED_TYPES = {
    "text": TEXT,
    "number": NUMBER,
    "integer": NUMBER,
    "decimal": NUMBER,
    "boolean": BOOLEAN,
    "timestamp": TIMESTAMP,
    "date": DATE,
}

# Every event has these columns; `value` is the only one a policy reads directly.
STANDARD_EVENT_ATTRIBUTES = {"value": NUMBER}
RESERVED_EVENT_COLUMNS = ("event_id", "employee_id", "type", "occurred_at", "recorded_at", "voids")
STANDARD_ROSTER_ATTRIBUTES = {
    "employee_id": TEXT,
    "name": TEXT,
    "department": TEXT,
    "role": TEXT,
    "hire_date": DATE,
    "leave_date": DATE,
}


@dataclass(frozen=True)
class Catalog:
    events: dict[str, dict[str, str]] = field(default_factory=dict)
    roster: dict[str, str] = field(default_factory=lambda: dict(STANDARD_ROSTER_ATTRIBUTES))
    known_events: bool = False  # False: no catalog, event types/attributes unchecked
    # True when the event types come from the data seen so far rather than from a file:
    # an unknown type or attribute is then a warning, not an error (docs/data.md section 1).
    inferred: bool = False
    timezone: str | None = None
    database: str | None = None
    path: str | None = None

    def event_attributes(self, event_type: str) -> dict[str, str]:
        return {**STANDARD_EVENT_ATTRIBUTES, **self.events.get(event_type, {})}


def find_catalog(start: Path | None = None) -> Path | None:
    """``starrating.yaml`` in ``start`` (default: the current folder) or its parents."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CATALOG_FILE
        if path.is_file():
            return path
    return None


def _read_yaml(text: str) -> object:
    """The YAML document in ``text``. libyaml, when PyYAML has it, reads a catalog in about
    a millisecond where PyYAML's own reader takes tens (in every `check`); a text it
    rejects is read again by PyYAML's reader, whose errors are the E090 messages."""
    fast_loader = getattr(yaml, "CSafeLoader", None)
    if fast_loader is not None:
        with contextlib.suppress(yaml.YAMLError):
            return yaml.load(text, Loader=fast_loader)
    return yaml.safe_load(text)


def load_catalog(path: Path) -> tuple[Catalog, list[Diagnostic]]:
    """Read a catalog file; problems come back as diagnostics (E090), never as exceptions."""
    name = str(path)
    problems: list[Diagnostic] = []

    def problem(message: str, help_text: str | None = None, span: Span | None = None) -> None:
        problems.append(error("E090", message, span, help_text).with_file(name))

    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        document = _read_yaml(text) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        span = (
            Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        )
        context = f" ({exc.context})" if exc.context else ""
        problem(
            _("the catalog is not valid YAML: {problem}{context}").format(
                problem=exc.problem, context=context
            ),
            _("check the indentation and brackets"),
            span,
        )
        return Catalog(), problems
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problem(_("cannot read the catalog: {problem}").format(problem=exc).splitlines()[0])
        return Catalog(), problems
    if not isinstance(document, dict):
        problem(_("the catalog must be a mapping with `events` and `roster`"))
        return Catalog(), problems
    known_keys = {"timezone", "database", "events", "roster"}
    for key in document:
        if key not in known_keys:
            problem(
                _("unknown catalog key `{key}`").format(key=key),
                suggestion(str(key), known_keys)
                or _("the keys are {keys}").format(keys=", ".join(sorted(known_keys))),
            )

    def typed(mapping: object, where: str, keys: tuple[str, ...]) -> dict[str, str]:
        out: dict[str, str] = {}
        if mapping is None:
            return out
        if not isinstance(mapping, dict):
            problem(_("{where} must map attribute names to types").format(where=where))
            return out
        for attribute, declared in mapping.items():
            kind = DECLARED_TYPES.get(str(declared).strip().lower())
            if kind is None:
                problem(
                    _("{where}: attribute `{attribute}` has unknown type `{type}`").format(
                        where=where, attribute=attribute, type=declared
                    ),
                    suggestion(str(declared).strip().lower(), DECLARED_TYPES)
                    or _("use text, number, integer, boolean, date or timestamp"),
                    _value_span(text, (*keys, attribute)),
                )
                # Still an attribute, of a type not known: the policies that use it are
                # checked without follow-on errors (unknown attribute, wrong type), since
                # the one thing to fix is this line.
                kind = ANY
            out[str(attribute)] = kind
        return out

    events: dict[str, dict[str, str]] = {}
    raw_events = document.get("events") or {}
    if not isinstance(raw_events, dict):
        problem(_("`events` must map event type names to their attributes"))
        raw_events = {}
    for event_type, attributes in raw_events.items():
        where = _("event type `{event_type}`").format(event_type=event_type)
        declared = typed(attributes, where, ("events", event_type))
        for reserved in RESERVED_EVENT_COLUMNS:
            if reserved in declared:
                problem(
                    _(
                        "event type `{event_type}`: `{column}` is a standard column, "
                        "not an attribute"
                    ).format(event_type=event_type, column=reserved)
                )
                declared.pop(reserved)
        events[str(event_type)] = declared
    roster = dict(STANDARD_ROSTER_ATTRIBUTES)
    # `roster` is the catalog's key, written as in the file (not a word to translate).
    roster.update(typed(document.get("roster"), "roster", ("roster",)))
    timezone = document.get("timezone")
    database = document.get("database")
    catalog = Catalog(
        events=events,
        roster=roster,
        known_events="events" in document,
        timezone=str(timezone) if timezone else None,
        database=str(database) if database else None,
        path=name,
    )
    return catalog, problems


def _value_span(text: str, keys: tuple[object, ...]) -> Span | None:
    """Where the value under ``keys`` (``events`` -> ``complaint`` -> ``level``) is written,
    so that a bad type is reported on its line; None if it cannot be found. The file is
    read a second time, keeping positions, only when there is such a problem to show."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next(
            (value for name, value in node.value if getattr(name, "value", None) == str(key)),
            None,
        )
    if node is None:
        return None
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def merge_catalogs(declared: Catalog | None, seen: Catalog) -> Catalog:
    """The catalog a run uses: ``starrating.yaml`` where it declares something, the data
    seen so far (``Store.data_catalog()``) for the rest."""
    if declared is None:
        return Catalog(
            events=seen.events, roster=seen.roster, known_events=seen.known_events,
            inferred=True,
        )  # fmt: skip
    use_declared_events = declared.known_events
    return Catalog(
        events=declared.events if use_declared_events else seen.events,
        roster={**seen.roster, **declared.roster},
        known_events=use_declared_events or seen.known_events,
        inferred=not use_declared_events,
        timezone=declared.timezone,
        database=declared.database,
        path=declared.path,
    )
