"""Messages in the reader's language: English, or Simplified Chinese.

Enters: the language asked for (``--lang en|zh-CN``) or, without it, the environment's
``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``. Leaves: ``_`` and ``ngettext``, which every
module uses for every message a person reads, and the current language.

The messages are written in English in the code, marked with ``_("...")`` (or ``N_``
where the text is kept to be translated later, such as an option's help), and translated
by GNU gettext from the catalog ``locale/zh_CN/LC_MESSAGES/starrating.po``, compiled to
``starrating.mo`` beside it (docs/translations.md says how to add or change a message).
Placeholders are ``str.format`` fields (``{name}``), filled in after translation, so a
translation may move them. Diagnostic codes, JSON keys, command names and the policy
language's keywords are never translated.

The language is one setting for the process (the command line sets it once per
command), not a parameter of every function: a message deep in the checker or the store
reads it where it is written.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "starrating"
LOCALE_DIR = Path(__file__).parent / "locale"

ENGLISH = "en"
CHINESE = "zh-CN"
LANGUAGES = (ENGLISH, CHINESE)

# The gettext name of each language's catalog (English is the text in the code).
_CATALOG_NAMES = {CHINESE: "zh_CN"}

# The POSIX order: LC_ALL overrides LC_MESSAGES, which overrides LANG.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def _load(language: str) -> _gettext.NullTranslations:
    catalog = _CATALOG_NAMES.get(language)
    if catalog is None:
        return _gettext.NullTranslations()
    # fallback=False: a missing catalog is a broken install, which should not pass for
    # English silently (tests/test_i18n.py builds the package and reads it).
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[catalog])


_translations: dict[str, _gettext.NullTranslations] = {}
_current_language = ENGLISH
_current: _gettext.NullTranslations = _gettext.NullTranslations()


def set_language(language: str) -> None:
    """Translate every message from now on into ``language`` (``en`` or ``zh-CN``)."""
    global _current, _current_language
    language = normalise(language)
    if language not in _translations:
        _translations[language] = _load(language)
    _current, _current_language = _translations[language], language


def current_language() -> str:
    return _current_language


@contextmanager
def language(name: str) -> Iterator[None]:
    """Messages in ``name`` inside the block, and in the language before it after."""
    before = _current_language
    set_language(name)
    try:
        yield
    finally:
        set_language(before)


def normalise(name: str) -> str:
    """``en`` or ``zh-CN`` for a language or locale name: any ``zh*`` (``zh``, ``zh_CN``,
    ``zh_TW.UTF-8``) is Simplified Chinese, the only Chinese there is; anything else is
    English."""
    return CHINESE if name.strip().lower().startswith("zh") else ENGLISH


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for: the first of ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` that is set decides; ``zh*`` means ``zh-CN``, anything else English."""
    environ = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            return normalise(value)
    return ENGLISH


def _(message: str) -> str:
    """``message`` in the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count`` things, in the current language (Chinese has
    one form for every count)."""
    return _current.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it now: for texts kept in
    tables at import time (an option's help, a column heading) and translated with ``_``
    where they are shown."""
    return message


__all__ = [
    "CHINESE",
    "ENGLISH",
    "LANGUAGES",
    "N_",
    "_",
    "current_language",
    "language",
    "language_from_environment",
    "ngettext",
    "normalise",
    "set_language",
]
