"""The command line in the reader's language: `--lang`, click's own messages and help
texts translated.

Enters: the command line's arguments and the environment. Leaves: the language set for
the command (``starrating.i18n``), click's messages (``Usage:``, ``Error: No such
option``, ``Show this message and exit.``) routed through starrating's catalog, and the
``Command`` and ``Option`` classes whose help texts are translated when shown.

Why help texts are translated when shown: the decorators run when a module is imported,
before the command line is read, so a help text is stored in English (marked ``N_`` for
the catalog) and read through ``_`` by `--help`.
"""

from __future__ import annotations

import gettext
import importlib
import re
from collections.abc import Sequence
from typing import Any

import click

from ..i18n import LANGUAGES, N_, _, ngettext
from ..language.diagnostics import display_width

LANG_OPTION = "--lang"
# click's own texts of `--help` and `--version` (its catalog entries)
HELP_OPTION_HELP = N_("Show this message and exit.")
VERSION_OPTION_HELP = N_("Show the version and exit.")
# click writes `[required]` by `_(extra["required"])`, a text the extractor cannot see
# in click's code; marked here so that the catalog has it.
REQUIRED_MARK = N_("required")

# click's modules that show messages; each imported `gettext` and `ngettext` by name.
_CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
    "click.shell_completion",
    "click._termui_impl",
)


def route_click_messages() -> None:
    """Make click translate its messages with starrating's catalog and language.

    click writes them through the standard library's global ``gettext`` (domain
    ``messages``, language from ``LANGUAGE``/``LANG``), which knows neither our catalog
    nor `--lang`; its modules bound the functions by name, so the names are rebound.
    """
    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module a later click renamed: its messages stay English
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext  # type: ignore[attr-defined]


def requested_language(arguments: Sequence[str]) -> str | None:
    """The language `--lang` names on the command line, wherever it stands (before or
    after the command's name), so that even a usage error in the arguments before it is
    in that language; None without one. A value that is not a language is left to the
    option itself to refuse."""
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == LANG_OPTION and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith(LANG_OPTION + "="):
            value = argument.split("=", 1)[1]
        else:
            continue
        if value in LANGUAGES:
            return value
    return None


class _HelpText:
    """A help text kept in English (marked ``N_``) and read translated."""

    _help_source: str | None

    @property
    def help(self) -> str | None:
        return _(self._help_source) if self._help_source else self._help_source

    @help.setter
    def help(self, value: str | None) -> None:
        self._help_source = value


class TranslatedOption(_HelpText, click.Option):  # type: ignore[misc]
    """An option whose help text is shown translated."""


# A Chinese character (or full-width sign) is a word of its own for wrapping, and takes
# two columns.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[^\s{_WIDE}]+|[{_WIDE}]")
# Signs a line does not start with (Chinese line-breaking rules): one that does not fit
# takes the character before it to the next line.
_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)")


def _wrap_by_width(paragraph: str, width: int) -> list[str]:
    """``paragraph`` in lines of at most ``width`` terminal columns (wide characters take
    two), broken between Chinese characters as well as at spaces."""
    lines: list[list[str]] = [[]]  # each line's words, a space before a word kept with it
    space = False
    for token in _TOKEN.findall(" ".join(paragraph.split())):
        if token.isspace():
            space = bool(lines[-1])
            continue
        word = (" " if space else "") + token
        space = False
        line = lines[-1]
        if line and display_width("".join(line) + word) > width:
            # A closing sign takes the character before it to the next line with it.
            carried = [line.pop()] if token[0] in _NO_LINE_START and len(line) > 1 else []
            lines.append([w.lstrip() for w in carried[:1]] + [word.lstrip()])
        else:
            line.append(word)
    return ["".join(line) for line in lines if line]


def _prewrapped(text: str, width: int) -> str:
    """``text`` wrapped by display width and marked with click's ``\\b`` (no rewrapping),
    when it holds wide characters; as it is otherwise (click wraps it as before)."""
    if display_width(text) == len(text):
        return text
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(
        p if p.lstrip().startswith("\b") else "\b\n" + "\n".join(_wrap_by_width(p, width))
        for p in paragraphs
    )


class WideTextFormatter(click.HelpFormatter):
    """click's help layout, with Chinese text wrapped by terminal columns: click counts
    characters, and a line of Chinese would run to twice the width."""

    def write_text(self, text: str) -> None:
        super().write_text(_prewrapped(text, self.width - self.current_indent))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        # The width click's write_dl gives the second column.
        first = min(max((len(row[0]) for row in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first - 2, 10)
        super().write_dl(
            [(term, _prewrapped(text, text_width)) for term, text in rows], col_max, col_spacing
        )


class TranslatedContext(click.Context):
    formatter_class = WideTextFormatter


class TranslatedHelp(_HelpText):
    """A command's (or group's) help and short help, kept in English and shown
    translated."""

    context_class = TranslatedContext

    _short_help_source: str | None

    @property
    def short_help(self) -> str | None:  # type: ignore[override]
        return _(self._short_help_source) if self._short_help_source else None

    @short_help.setter
    def short_help(self, value: str | None) -> None:
        self._short_help_source = value

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            # click builds `--help` once per command, with its help text in the language
            # of that moment, and keeps it: it is said again in the language of now.
            option.help = _(HELP_OPTION_HELP)
        return option


class TranslatedCommand(TranslatedHelp, click.Command):
    """A command whose help texts are shown translated."""


def command(**settings: Any) -> Any:
    """``click.command`` for starrating: translated help, and `--lang` accepted."""

    def decorate(function: Any) -> click.Command:
        return click.command(cls=TranslatedCommand, **settings)(lang_option()(function))

    return decorate


def option(*names: str, **settings: Any) -> Any:
    """``click.option`` whose help is translated when shown."""
    return click.option(*names, cls=TranslatedOption, **settings)


def _check_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # The language was set from the command line before parsing (StarratingGroup.main);
    # the option is declared so that `--help` lists it and a bad value is refused.
    return None


def lang_option() -> Any:
    """`--lang en|zh-CN`: the language of every message (INTERFACE: languages); without
    it, LC_ALL / LC_MESSAGES / LANG decide (``zh*`` is Chinese)."""
    return option(
        LANG_OPTION,
        type=click.Choice(LANGUAGES),
        expose_value=False,
        is_eager=True,
        callback=_check_language,
        help=LANG_HELP,
    )


LANG_HELP = N_("language of messages and reports: en or zh-CN (default: from LANG)")


__all__ = [
    "TranslatedCommand",
    "TranslatedHelp",
    "TranslatedOption",
    "command",
    "lang_option",
    "option",
    "requested_language",
    "route_click_messages",
]
