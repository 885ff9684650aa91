"""The one table layout for a terminal: rows of text in, aligned lines out.

Enters: a header and body rows of cell text, the columns to align right (numbers) and an
indent. Leaves: one line a row, columns two spaces apart, padded by display width (a
Chinese character takes two columns), trailing spaces stripped.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..language.diagnostics import display_width


def pad(text: str, size: int, right: bool = False) -> str:
    """``text`` filled with spaces to ``size`` terminal columns (on the left if ``right``)."""
    fill = " " * max(size - display_width(text), 0)
    return fill + text if right else text + fill


def table_lines(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    numeric: Collection[int] = (),
    indent: str = "",
) -> list[str]:
    """The header and body rows as aligned lines; the columns in ``numeric`` are aligned
    right."""
    rows = [header, *body]
    sizes = [max(display_width(row[i]) for row in rows) for i in range(len(header))]
    return [
        indent
        + "  ".join(pad(cell, sizes[i], right=i in numeric) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]
