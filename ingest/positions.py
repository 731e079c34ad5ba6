"""Where each passage of a PDF sits on its pages, for the viewer to highlight it.

The loader records every word of every page with its box (pymupdf's words, from the text layer
or from OCR), in reading order. A passage's text is the cleaned, re-flowed text of some of those
words, so its place is found by aligning the two word sequences: the passage's words against
the words of its first page and the next (a passage may run across a page break). Matching
words are joined into one box per line.

A wrong highlight is worse than none: only runs of three or more words in the same order count
(with short runs right beside them), and a passage whose words are mostly not found gets no
boxes at all; the viewer then opens the page without a highlight.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from core.types import Chunk

# A word on a page: (x0, y0, x1, y1) as fractions of the page's width and height, top left origin,
# then its text and pymupdf's (block, line) number, which ties words into lines.
PageWord = tuple[float, float, float, float, str, int, int]
# A highlight box: (page, x0, y0, x1, y1), fractions of the page as above.
Box = tuple[int, float, float, float, float]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MIN_RUN = 3  # words in a row that place a passage
NEAR = 3  # a shorter run counts when this close (in words) to a placed one, on both sides
MIN_COVER = 0.5  # the share of a passage's words that must be placed, or it gets no boxes
PAGES_AHEAD = 1  # pages after its first that a passage may run onto
COLUMN_GAP = 0.03  # of the page's width: a wider gap between two words of a line is a column gap


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def page_words(page, textpage=None) -> list[PageWord]:
    """A pymupdf page's words as fractions of its (rotated) page, in reading order."""
    return word_fractions(page, page.get_text("words", textpage=textpage, sort=False))


def word_fractions(page, words) -> list[PageWord]:
    """Words as pymupdf gives them for `page` (x0, y0, x1, y1, text, block, line, ...), in the
    page's unrotated points, as fractions of its (rotated) page."""
    width, height = page.rect.width or 1.0, page.rect.height or 1.0
    matrix = page.rotation_matrix if page.rotation else None
    out: list[PageWord] = []
    for x0, y0, x1, y1, text, block, line, *_ in words:
        if matrix is not None:
            import pymupdf

            r = pymupdf.Rect(x0, y0, x1, y1) * matrix
            x0, y0, x1, y1 = r.x0, r.y0, r.x1, r.y1
        out.append((
            round(max(0.0, x0 / width), 4), round(max(0.0, y0 / height), 4),
            round(min(1.0, x1 / width), 4), round(min(1.0, y1 / height), 4), text, block, line,
        ))
    return out


def locate(text: str, pages: dict[int, list[PageWord]], first_page: int) -> list[Box] | None:
    """The boxes of `text` on page `first_page` and the page after it, or None when it cannot be
    placed with confidence."""
    wanted = _tokens(text)
    if not wanted:
        return None
    # The page words in one sequence, each token keeping its word's index.
    seq: list[str] = []
    where: list[tuple[int, int]] = []  # (page, word index) of each token in seq
    for number in range(first_page, first_page + PAGES_AHEAD + 1):
        for i, word in enumerate(pages.get(number, ())):
            for token in _tokens(word[4]):
                seq.append(token)
                where.append((number, i))
    if not seq:
        return None
    blocks = [b for b in SequenceMatcher(None, wanted, seq, autojunk=False).get_matching_blocks() if b.size]
    run = MIN_RUN if len(wanted) >= MIN_RUN else len(wanted)
    kept = [b for b in blocks if b.size >= run]
    if not kept:
        return None
    for b in blocks:  # short runs right beside a placed one (a word the cleaning changed between)
        if b.size < run and any(
            abs(b.a - (k.a + k.size)) <= NEAR and abs(b.b - (k.b + k.size)) <= NEAR
            or abs(k.a - (b.a + b.size)) <= NEAR and abs(k.b - (b.b + b.size)) <= NEAR
            for k in kept
        ):
            kept.append(b)
    if sum(b.size for b in kept) / len(wanted) < MIN_COVER:
        return None
    placed = sorted({where[j] for b in kept for j in range(b.b, b.b + b.size)})
    # A word or two between placed words of one page is part of the passage (hyphenation, a
    # footnote mark): fill such gaps, then join each line's words into one box.
    filled: list[tuple[int, int]] = []
    for key in placed:
        if filled and filled[-1][0] == key[0] and 1 < key[1] - filled[-1][1] <= NEAR:
            filled.extend((key[0], i) for i in range(filled[-1][1] + 1, key[1]))
        filled.append(key)
    boxes: list[Box] = []
    last_line = None
    for number, i in filled:
        x0, y0, x1, y1, _, block, line = pages[number][i]
        # A wide gap splits a line's box: the words either side are in two columns of a table.
        if last_line == (number, block, line) and boxes and x0 - boxes[-1][3] <= COLUMN_GAP:
            p, a0, b0, a1, b1 = boxes[-1]
            boxes[-1] = (p, min(a0, x0), min(b0, y0), max(a1, x1), max(b1, y1))
        else:
            boxes.append((number, x0, y0, x1, y1))
        last_line = (number, block, line)
    return boxes


# A table row's passage names each cell's column ("Owner: Head of Finance; Due: May"): the
# column names are printed once, in the header, not beside each cell.
_CELL_LABEL = re.compile(r"(?:^|;\s)[^:;\n]{1,60}:\s")


def located_text(chunk: Chunk) -> str:
    """The words of a passage as printed on the page."""
    return _CELL_LABEL.sub(" ", chunk.text) if chunk.kind == "table_row" else chunk.text


def locate_chunks(chunks: list[Chunk], pages: dict[int, list[PageWord]]) -> int:
    """Set `boxes` on every chunk that can be placed on its pages; returns how many were."""
    placed = 0
    for chunk in chunks:
        if chunk.page is None:
            continue
        chunk.boxes = locate(located_text(chunk), pages, chunk.page)
        placed += chunk.boxes is not None
    return placed
