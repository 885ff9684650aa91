"""How one value of a result is shown to people: the one value formatter.

Enters: a value of a result row (a Decimal, a float from JSON, a boolean, a list of award
names or veto reasons, text, or nothing). Leaves: its text for a table cell or a sentence.
JSON and CSV keep every digit a row stores (at most 6 places, engine/canonical.py) and are
written elsewhere (store.records, output.csv); they are machine formats, so their
``true``/``false`` and ``;`` never change with the language, while the words here do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from ..i18n import _

# The fields of a result row as the documents list them (after who the row is about; its
# values come last), in the order the CSV and the workbook show them.
ROW_FIELDS = ("period", "period_start", "period_end", "vetoed", "veto_reasons", "red",
              "green", "net", "stars", "reward", "awards")  # fmt: skip


def show(value: object, places: int | None = None) -> str:
    """A value for reading: ``-`` for none, ``yes``/``no`` (translated), lists joined as
    :func:`joined` joins them, numbers rounded to ``places`` decimals (None: every digit)
    without trailing zeros.

    By default every digit the row stores is shown: values are stored and shown at 6
    places (docs/language.md 9.1), so a table never shows a share of two thirds as 0.67
    while its JSON says 0.666667."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        value = Decimal(str(value))  # its shortest text: 1.5 stays 1.5
    if isinstance(value, Decimal):
        return number_text(value, places)
    if isinstance(value, list):
        return joined(str(v) for v in value) if value else "-"
    return str(value)


def number_text(value: Decimal, places: int | None = None) -> str:
    """No exponent, no trailing zeros: ``1.50`` -> ``1.5``, ``1E+2`` -> ``100``; rounded to
    ``places`` decimals unless None."""
    if value == value.to_integral_value():
        return str(int(value))
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f").rstrip("0").rstrip(".")


def signed(value: Decimal) -> str:
    """A difference: ``+1.5``, ``-2``, ``0``."""
    return number_text(value) if value <= 0 else "+" + number_text(value)


def joined(items: Iterable[str]) -> str:
    """A list for reading (award names, veto reasons, event ids): ``a, b`` in English,
    ``a、b`` in Chinese. The separator is a message of the catalog like any other text."""
    return _(", ").join(items)


def text_of(texts: Mapping[str, str], key: str, **fields: object) -> str:
    """The text of ``key`` in a report's table of texts (English, marked ``N_``) in the
    current language, ``fields`` filled in after translation (a translation may move
    them). Each writer binds it to its own table as ``text``."""
    message = _(texts[key])
    return message.format(**fields) if fields else message
