"""Keeping the translation catalog in step with the code (for developers).

Enters: the messages marked in the code (``_``, ``N_``, ``ngettext`` in Python; ``_`` and
``{% trans %}`` in the report's templates) and click's own messages (usage errors, help
headings), which click writes through the standard ``gettext`` and starrating routes
through its catalog. Leaves: ``locale/zh_CN/LC_MESSAGES/starrating.po`` updated (new
messages added untranslated, messages gone removed) and ``starrating.mo`` compiled from
it, and the problems of a catalog: a message without a translation, a translation that
drops or invents a ``{placeholder}``, a stale ``.mo``.

    python -m starrating.i18n.catalogs update    # after adding or changing messages
    python -m starrating.i18n.catalogs compile   # after translating in the .po
    python -m starrating.i18n.catalogs merge FILE.po...  # fill in translations from others
    python -m starrating.i18n.catalogs check     # what tests/test_i18n.py asserts

It needs Babel, the well-kept extractor and compiler of gettext catalogs (a test
dependency: ``pip install -e ".[test]"``); running starrating needs only the ``.mo``,
read by the standard library's ``gettext``.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from . import DOMAIN, LOCALE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PO_FILE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [
    ("i18n/**.py", "ignore"),  # this module's own docstring examples are not messages
    ("**.py", "python"),
    ("**/templates/**.j2", "jinja2.ext:babel_extract"),
]
TEMPLATE_OPTIONS = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}

# A fixed header date: the catalog changes when its messages change, not when it is saved.
HEADER_DATE = datetime(2026, 11, 30, tzinfo=UTC)
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def _extract_package() -> Iterator[tuple[str, int, object]]:
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE_DIR, METHODS, TEMPLATE_OPTIONS, KEYWORDS
    ):
        yield f"starrating/{filename}", lineno, message


def _extract_click() -> Iterator[tuple[str, int, object]]:
    """click's messages (it calls ``gettext.gettext`` and ``ngettext``): starrating shows
    them (usage errors, `--help`), so they are in the catalog too."""
    import click

    click_dir = Path(click.__file__).parent
    for filename, lineno, message, _comments, _context in extract_from_dir(
        click_dir, [("**.py", "python")], None, {"_": None, "ngettext": (1, 2)}
    ):
        yield f"click/{filename}", lineno, message


def extracted() -> Catalog:
    """Every message of the code, as an untranslated catalog (a template)."""
    template = Catalog(project=DOMAIN, creation_date=HEADER_DATE, fuzzy=False)
    for location, lineno, message in [*_extract_package(), *_extract_click()]:
        # An empty string is never a message (`_("")` would return the catalog header).
        if message and (not isinstance(message, tuple) or all(message)):
            template.add(message, locations=[(location, lineno)])
    return template


def read_catalog(path: Path = PO_FILE) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="zh_CN", domain=DOMAIN)


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # No line numbers and sorted by file: a message moving within a file changes nothing,
    # and messages of different modules sit apart (fewer merge conflicts).
    write_po(buffer, catalog, width=100, sort_by_file=True, include_lineno=False,
             ignore_obsolete=True)  # fmt: skip
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> Catalog:
    """The .po with the code's messages now: new ones added untranslated, gone ones
    dropped (their translations are not kept), the .mo compiled."""
    template = extracted()
    if PO_FILE.exists():
        catalog = read_catalog()
    else:
        catalog = Catalog(locale="zh_CN", domain=DOMAIN, project=DOMAIN,
                          creation_date=HEADER_DATE, revision_date=HEADER_DATE)  # fmt: skip
    # No fuzzy matching: a guessed translation of a changed message is worse than none,
    # and the check below names every message still to translate.
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.revision_date = HEADER_DATE
    # The header is not fuzzy: gettext skips fuzzy entries, and Chinese's one plural form
    # (its Plural-Forms line) is in the header.
    catalog.fuzzy = False
    catalog.version = ""
    catalog.last_translator = "starrating developers"
    catalog.language_team = "starrating developers"
    catalog.copyright_holder = "starrating developers"
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    PO_FILE.write_bytes(_po_bytes(catalog))
    MO_FILE.write_bytes(mo_bytes(read_catalog()))
    return catalog


def merge(sources: list[Path]) -> int:
    """Fill the .po's untranslated messages from other catalogs (a translator's partial
    .po, or the other side of a merge); returns how many were filled. A translation the
    .po has already is kept."""
    catalog = read_catalog()
    filled = 0
    for source in sources:
        for message in read_catalog(source):
            entry = catalog.get(message.id) if message.id else None
            if entry is None or not _translated(message):
                continue
            if not _translated(entry):
                entry.string, entry.flags = message.string, entry.flags - {"fuzzy"}
                filled += 1
    PO_FILE.write_bytes(_po_bytes(catalog))
    compile_catalog()
    return filled


def compile_catalog() -> None:
    MO_FILE.write_bytes(mo_bytes(read_catalog()))


def placeholders(text: str) -> set[str]:
    """The ``str.format`` fields of ``text`` (``{name}``, ``{count:,}``), by name."""
    return {field.split(":")[0].split("!")[0] for field in PLACEHOLDER.findall(text)}


def _forms(value: object) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) if isinstance(value, str) else ()


def _translated(message: Message) -> bool:
    """Whether ``message`` has a translation gettext uses: every form, and not fuzzy."""
    forms = _forms(message.string)
    return not message.fuzzy and bool(forms) and all(forms)


def problems() -> list[str]:
    """Everything wrong with the catalog, one line each; empty when it is complete."""
    found: list[str] = []
    template = extracted()
    catalog = read_catalog()
    translated = {message.id: message for message in catalog if message.id}
    for message in template:
        if not message.id:
            continue
        entry: Message | None = translated.get(message.id)
        where = ", ".join(f"{file}:{line}" for file, line in message.locations)
        ids = _forms(message.id)
        if entry is None or not _translated(entry):
            found.append(f"no translation: {ids[0]!r} ({where})")
            continue
        # A translation fills exactly the fields the code passes; for a message with a
        # plural, Chinese's one form is the plural's (`{count} errors`, not `1 error`), and
        # may use no field that neither English form has.
        required = placeholders(ids[-1])
        allowed = set().union(*(placeholders(form) for form in ids))
        for form in _forms(entry.string):
            if not required <= placeholders(form) <= allowed:
                found.append(
                    f"placeholders differ: {ids[-1]!r} has {sorted(required)}, "
                    f"the translation {form!r} has {sorted(placeholders(form))} ({where})"
                )
    extra = set(translated) - {message.id for message in template if message.id}
    found += [f"not in the code any more: {_forms(msgid)[0]!r}" for msgid in sorted(extra, key=str)]
    if not MO_FILE.exists() or MO_FILE.read_bytes() != mo_bytes(catalog):
        found.append(f"{MO_FILE.name} is not compiled from {PO_FILE.name}: run `compile`")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_catalog()
    elif command == "merge":
        print(f"{merge([Path(name) for name in argv[1:]])} translations filled")
    elif command != "check":
        print(
            "usage: python -m starrating.i18n.catalogs update|compile|merge FILE...|check",
            file=sys.stderr,
        )
        return 2
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problems in {PO_FILE.relative_to(PACKAGE_DIR.parent)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
