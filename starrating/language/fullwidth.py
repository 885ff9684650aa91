"""Full-width characters typed on a Chinese keyboard, found and repaired outside texts and
comments.

Enters: policy text. Leaves: the ``Slip``s (a full-width character where the language
needs its ASCII twin: ``，`` for ``,``, ``８５`` for ``85``, ``“周服务之星”`` for a text in
straight double quotes), grouped as one mistake each, and the text with every slip
replaced by its twin (``repair``). Each replacement is one character for one, so every
position, line and column of the repaired text is the same as in the original: the
parser reads the repaired text and still points into what the user wrote.

The scan knows the language's tokens: texts in double quotes, backtick names and
comments are kept as written (a Chinese comma in a comment or an award name is not a
mistake), and a full-width digit inside a name (``季度１``) belongs to the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

__all__ = ["Slip", "SlipGroup", "find_slips", "repair"]

# One character for one; ０-９ are added below.
_TWINS = {
    "，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "％": "%", "＝": "=", "＜": "<",
    "＞": ">", "＋": "+", "－": "-", "＊": "*", "／": "/", "！": "!", "．": ".", "。": ".",
    "［": "[", "］": "]", "【": "[", "】": "]", "｛": "{", "｝": "}", "“": '"', "”": '"',
}  # fmt: skip
_TWINS.update({chr(0xFF10 + digit): str(digit) for digit in range(10)})
_FULL_WIDTH_DIGITS = "０-９"

# The tokens the scan must step over whole, then the characters that are slips. A text in
# Chinese quotes is a slip only as a pair (with no `"` or `\` inside, which would change
# what the repaired text means); a lone `“` is left to the parser's own message.
_SCAN_PATTERN = rf"""
      (?P<comment>\#[^\n]*)
    | (?P<string>"(?:[^"\\\n]|\\.)*"?)
    | (?P<backtick>`[^`\n]*`?)
    | (?P<name>[^\W\d]\w*)
    | (?P<quoted>[“”][^“”"\\\n]*[“”"])
    | (?P<slip>[，：；（）＝＜＞＋－＊／［］【】｛｝{_FULL_WIDTH_DIGITS}]
        | (?<=[0-9{_FULL_WIDTH_DIGITS}])％
        | ！(?=[=＝])
        | (?<=\w)[．。](?=\w))
    """


@cache
def _scanner() -> re.Pattern[str]:
    # Compiled on first use: most policies hold no candidate at all, and `check` starts
    # on every save in an editor.
    return re.compile(_SCAN_PATTERN, re.VERBOSE)


@dataclass(frozen=True)
class Slip:
    """One full-width character at ``pos`` of the text, and its ASCII twin."""

    pos: int
    char: str

    @property
    def twin(self) -> str:
        return _TWINS[self.char]


@dataclass(frozen=True)
class SlipGroup:
    """Slips that make one mistake: a run of adjacent characters (``８５``, ``（（``), or
    the quotation marks of one text. ``start``/``end`` cover what the caret underlines:
    the run, or the whole quoted text."""

    start: int
    end: int
    slips: tuple[Slip, ...]
    quotes: bool  # a text in Chinese quotation marks


# Any character that has a twin: a text without one needs no scan.
_CANDIDATES = re.compile("[" + re.escape("".join(_TWINS)) + "]")
_CLOSED_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def find_slips(text: str) -> list[SlipGroup]:
    """Every full-width character outside texts, backtick names and comments that stands
    where the language needs its ASCII twin, as mistakes in text order."""
    if _CANDIDATES.search(text) is None:
        return []  # the usual case, decided without the scan
    groups: list[SlipGroup] = []
    run: list[Slip] = []

    def close_run() -> None:
        if run:
            groups.append(SlipGroup(run[0].pos, run[-1].pos + 1, tuple(run), quotes=False))
            run.clear()

    pos = 0
    scan = _scanner()
    while (match := scan.search(text, pos)) is not None:
        start, pos = match.span()
        token = match.group()
        kind = match.lastgroup
        if kind == "slip":
            if run and run[-1].pos + 1 != start:
                close_run()
            run.append(Slip(start, token))
            continue
        close_run()
        if kind == "quoted":
            pair = (Slip(start, token[0]), Slip(pos - 1, token[-1]))
            groups.append(SlipGroup(start, pos, pair if token[-1] != '"' else pair[:1], True))
        elif kind == "string" and not _CLOSED_STRING.fullmatch(token):
            # A text opened with `"` but closed with a Chinese quotation mark.
            closer = re.search("[“”]", token)
            if closer is not None and "\\" not in token[: closer.start()]:
                pos = start + closer.end()
                groups.append(SlipGroup(start, pos, (Slip(pos - 1, closer.group()),), True))
    close_run()
    return groups


def repair(text: str, groups: list[SlipGroup]) -> str:
    """``text`` with each slip replaced by its ASCII twin (same length, same positions)."""
    if not groups:
        return text
    chars = list(text)
    for group in groups:
        for slip in group.slips:
            chars[slip.pos] = slip.twin
    return "".join(chars)
