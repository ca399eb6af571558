"""Names set as lines of text: widths estimated per glyph, wrapped the way Chinese is set
(no closing punctuation at a line's start), balanced, and cut with an ellipsis to fit."""

from __future__ import annotations

import math
import re
import unicodedata
from itertools import pairwise

from workflows.diagram.geometry import Box

FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)
FONT_SIZE = 12
POOL_FONT_SIZE = 13
LINE_HEIGHT = 15
EXTERNAL_LABEL_WIDTH = 90  # what standard modelers wrap event and gateway labels to

# Punctuation that must not start (close) or end (open) a wrapped line.
_CLOSING = set("，。、；：？！）】」』”’》〉,.;:?!)]}%")
_OPENING = set("（【「『“‘《〈([{")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-/@#&+=%]+|\s+|.", re.DOTALL)
_XML_UNSAFE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _XML_UNSAFE.sub("", text)


def glyph_width(char: str, size: float) -> float:
    """Approximate advance: CJK glyphs are one em wide, others about 0.6 em."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return size
    return size * (0.3 if char.isspace() else 0.6)


def text_width(text: str, size: float) -> float:
    return sum(glyph_width(c, size) for c in text)


def break_tokens(paragraph: str) -> list[str]:
    """Break opportunities: every CJK glyph, Latin words whole, punctuation kept attached."""
    tokens: list[str] = []
    for token in _TOKEN.findall(paragraph):
        if tokens and (token[0] in _CLOSING or tokens[-1][-1] in _OPENING):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Break ``text`` into lines of at most ``width`` user units at font ``size``.

    Lines are balanced (no lone last glyph), and a name like "街道督办：受理审查超期" is
    broken after its colon when that costs no extra line.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        best = balanced(paragraph.strip(), width, size)
        head, colon, tail = paragraph.strip().partition("：")
        if colon and tail:
            split = balanced(head + colon, width, size) + balanced(tail, width, size)
            if len(split) <= len(best):
                best = split
        lines += best
    return lines


def balanced(paragraph: str, width: float, size: float) -> list[str]:
    """The narrowest greedy breaking that needs no more lines than the widest one."""
    lines = greedy(paragraph, width, size)
    while len(lines) > 1:
        narrower = greedy(paragraph, max(text_width(x, size) for x in lines) - 0.5, size)
        if len(narrower) > len(lines):
            break
        lines = narrower
    return lines


def greedy(paragraph: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in break_tokens(paragraph):
        pieces = [token] if text_width(token, size) <= width else list(token)
        if len(pieces) > 1 and line:
            lines.append(line.rstrip())
            line = ""
        for piece in pieces:
            if line and text_width(line + piece, size) > width + 0.01:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
    lines.append(line.rstrip())
    return lines


def fit(lines: list[str], max_lines: int, width: float, size: float) -> list[str]:
    """Keep at most ``max_lines``, ending the last kept one in an ellipsis."""
    if len(lines) <= max_lines:
        return lines
    kept = lines[: max(1, max_lines)]
    last = kept[-1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    kept[-1] = last + "…"
    return kept


def midpoint_label(points: list[tuple[float, float]], name: str) -> Box:
    """Where a named flow without label bounds gets its name: beside its middle.

    Above a horizontal stretch, to the right of a vertical one, as modelers place them.
    """
    remaining = sum(math.dist(a, b) for a, b in pairwise(points)) / 2
    x, y = points[0]
    vertical = False
    for a, b in pairwise(points):
        length = math.dist(a, b)
        if length and remaining <= length:
            t = remaining / length
            x, y = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
            vertical = abs(b[1] - a[1]) > abs(b[0] - a[0])
            break
        remaining -= length
    width = min(text_width(name, FONT_SIZE), EXTERNAL_LABEL_WIDTH - FONT_SIZE)
    if vertical:
        return Box(x + 6, y - LINE_HEIGHT / 2, width, LINE_HEIGHT)
    return Box(x - width / 2, y - LINE_HEIGHT - 3, width, LINE_HEIGHT)
