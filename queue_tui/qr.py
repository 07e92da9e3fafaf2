"""QR codes drawn with half-block characters: two modules per character cell, square on screen."""

from __future__ import annotations

import segno

_CELLS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
QUIET_ZONE = 2  # modules of light border; cameras need it, terminals have no margin of their own


def qr_lines(data: str) -> list[str]:
    """The code as text: a dark module is ink, so print it dark on light (see `QR_STYLE`)."""
    matrix = [[bool(m) for m in row] for row in segno.make(data).matrix_iter(border=QUIET_ZONE)]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(_CELLS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]


# Fixed colours, not the theme's: a dark-on-light code reads on any terminal background.
QR_STYLE = "#000000 on #ffffff"
