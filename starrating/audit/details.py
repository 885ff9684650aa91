"""The details a run's SQL writes beside a ranking, a group value or a `top` award,
said again in the reader's language.

Enters: a detail as the run stored it (compiler/sql.py and compiler/build.py write it in
English inside the query, so that it is recorded with the run exactly as computed):
``pyramid: place 4 of 9 in 前台, value 13``, ``won: rank 1 of 8 in 前台, value 13``,
``group_avg: 5 values of 6 in 前台``. Leaves: the same facts in the current language. A
stored run keeps its English detail, the record; only the way it is read changes. A
detail of a form not known here (written by another version) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..compiler.explained import NO_GROUP
from ..i18n import ENGLISH, N_, _, current_language

# The group part the SQL appends (compiler/explained.py within_detail): " in GROUP".
_IN = r"(?: in (?P<group>.*?))?"


def _group(match: re.Match[str]) -> str | None:
    group = match["group"]
    return _("(no group)") if group == NO_GROUP else group


def _ranking(match: re.Match[str]) -> str:
    group = _group(match)
    fields = {
        "func": match["func"],
        "place": match["place"],
        "places": match["places"],
        "value": match["value"],
        "group": group,
    }
    # A pyramid's places are its tiers (the most stars at the top), a rank's the ranked
    # employees: two different sentences in Chinese.
    if match["func"] == "pyramid":
        if group is None:
            return _("pyramid: place {place} of {places}, value {value}").format(**fields)
        return _("pyramid: place {place} of {places} in {group}, value {value}").format(**fields)
    if group is None:
        return _("{func}: place {place} of {places}, value {value}").format(**fields)
    return _("{func}: place {place} of {places} in {group}, value {value}").format(**fields)


def _top(match: re.Match[str]) -> str:
    group = _group(match)
    fields = {
        "place": match["place"],
        "places": match["places"],
        "value": match["value"],
        "group": group,
    }
    won = match["outcome"] == "won"
    if group is None:
        return (
            _("won: rank {place} of {places}, value {value}")
            if won
            else _("not won: rank {place} of {places}, value {value}")
        ).format(**fields)
    return (
        _("won: rank {place} of {places} in {group}, value {value}")
        if won
        else _("not won: rank {place} of {places} in {group}, value {value}")
    ).format(**fields)


def _members(form: str, match: re.Match[str]) -> str:
    """A group value's members: how many counted, of how many, in which group."""
    group = _group(match)
    fields = {**match.groupdict(), "group": group}
    if group is None:
        return {
            "count": _("{func}: {counted} of {members}"),
            "values": _("{func}: {counted} values of {members}"),
            "share": _("{func}: {counted} of {members} at or above {value}"),
            "none": _("{func}: none, no value among {members}"),
        }[form].format(**fields)
    return {
        "count": _("{func}: {counted} of {members} in {group}"),
        "values": _("{func}: {counted} values of {members} in {group}"),
        "share": _("{func}: {counted} of {members} in {group} at or above {value}"),
        "none": _("{func}: none, no value among {members} in {group}"),
    }[form].format(**fields)


def _said(message: str) -> Callable[[re.Match[str]], str]:
    return lambda match: _(message).format(func=match["func"])


_NUMBER = r"-?[0-9][0-9.]*"
# Each form the SQL writes (compiler/sql.py _ranking_detail, _group_detail; compiler/
# build.py _top_detail), and how to say it.
# fmt: off
_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?P<func>\w+): no place"), _said(N_("{func}: no place"))),
    (re.compile(rf"(?P<func>\w+): place (?P<place>{_NUMBER}) of (?P<places>\d+){_IN}, "
                rf"value (?P<value>{_NUMBER})"), _ranking),
    (re.compile(rf"(?P<outcome>won|not won): rank (?P<place>\d+) of (?P<places>\d+){_IN}, "
                rf"value (?P<value>{_NUMBER})"), _top),
    (re.compile(r"(?P<func>top_share): none \(vetoed\)"), _said(N_("{func}: none (vetoed)"))),
    (re.compile(r"(?P<func>top_share): none \(no value\)"),
     _said(N_("{func}: none (no value)"))),
    (re.compile(rf"(?P<func>\w+): none, no value among (?P<members>\d+){_IN}"),
     lambda m: _members("none", m)),
    (re.compile(rf"(?P<func>top_share): (?P<counted>\d+) of (?P<members>\d+){_IN} "
                rf"at or above (?P<value>{_NUMBER})"), lambda m: _members("share", m)),
    (re.compile(rf"(?P<func>\w+): (?P<counted>\d+) values of (?P<members>\d+){_IN}"),
     lambda m: _members("values", m)),
    (re.compile(rf"(?P<func>group_count): (?P<counted>\d+) of (?P<members>\d+){_IN}"),
     lambda m: _members("count", m)),
]
# fmt: on


def detail_text(detail: str) -> str:
    """``detail`` as the run's SQL stored it, in the reader's language."""
    if current_language() == ENGLISH:
        return detail
    for pattern, say in _FORMS:
        match = pattern.fullmatch(detail)
        if match is not None:
            return say(match)
    return detail
