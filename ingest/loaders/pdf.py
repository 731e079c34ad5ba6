"""PDF loader (pymupdf): text lines per page with heading hints, and ruled tables as tables."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np

from core.errors import LoadError
from ingest.loaders.columns import attach_action_column
from ingest.loaders.ocr import needs_ocr, ocr_page, tessdata
from ingest.parsed import Block, Table
from ingest.positions import page_words, word_fractions


def _cell_text(bbox, words) -> str:
    """Text of one cell from the page's words: pymupdf's own cell extraction can drop spaces."""
    if bbox is None:
        return ""
    x0, y0, x1, y1 = bbox
    inside = [w for w in words if x0 - 1 <= (w[0] + w[2]) / 2 <= x1 + 1 and y0 - 1 <= (w[1] + w[3]) / 2 <= y1 + 1]
    inside.sort(key=lambda w: (w[5], w[6], w[7]))
    return " ".join(w[4] for w in inside)


def _table_from(tab, words) -> Table | None:
    """The first ruled row is the header. (pymupdf's own header search, which also looks for a
    header above the ruling, took a fifth of table time and on this corpus found only page titles.)"""
    rows = [[_cell_text(c, words) for c in row.cells] for row in tab.rows]
    rows = [r for r in rows if any(r)]
    if len(rows) < 2 or max(len(r) for r in rows) < 2:
        return None
    return Table(header=rows[0], rows=rows[1:])


def _make_chars_fast(page, clip=None):
    """pymupdf.table.make_chars for load_pdf's use of the table finder: the characters with only the
    fields the line-based finder reads (is there text inside a rectangle: x0, x1, top, bottom, y0,
    y1, text; checked against pymupdf's own in tests/test_ingest_speed.py, with the same tables
    found), built without a Rect, a Point and a Matrix object, or a 23-field dict, per character:
    pymupdf's own took 70% of PDF loading on the committee corpus. load_pdf reads cell text from
    the page's words, never through a Table's extract() or header, which read more fields. The
    page's transformation is applied with float32 arithmetic, as MuPDF does; pages whose
    transformation is not a plain flip (rotated, scaled) and degenerate character boxes take
    pymupdf's own path."""
    from pymupdf import table

    global _CHAR_BOXES
    _CHAR_BOXES = None
    ctm = page.transformation_matrix
    if not (ctm.b == 0 and ctm.c == 0 and abs(ctm.a) == 1 and abs(ctm.d) == 1):
        return _ORIGINAL_MAKE_CHARS(page, clip=clip)
    textpage = page.get_textpage(clip=clip, flags=table.FLAGS)
    blocks = page.get_text("rawdict", textpage=textpage)["blocks"]
    found = [char for block in blocks for line in block["lines"] for span in line["spans"] for char in span["chars"]]
    if not found:
        return textpage
    boxes = np.array([c["bbox"] for c in found], dtype=np.float64)  # the Python floats, exactly
    box = boxes.astype(np.float32)
    if bool(((box[:, 0] > box[:, 2]) | (box[:, 1] > box[:, 3])).any()):
        return _ORIGINAL_MAKE_CHARS(page, clip=clip)  # degenerate boxes: pymupdf's own path
    # fz_transform_rect for an axis-aligned matrix: swap the edges a negative scale flips, then
    # y * d + f, rounded once to float32 (an exact product: d is +-1).
    d, f = np.float32(ctm.d), np.float32(ctm.f)
    ys = box[:, [3, 1]] if d < 0 else box[:, [1, 3]]
    y_ctm = (ys * d + f).astype(np.float64)
    chars = table.CHARS._list()
    for char, (cy0, cy1) in zip(found, y_ctm.tolist()):
        x0, y0, x1, y1 = char["bbox"]
        chars.append({"x0": x0, "x1": x1, "top": y0, "bottom": y1, "y0": cy0, "y1": cy1, "text": char["c"]})
    _CHAR_BOXES = (len(chars), np.column_stack([boxes[:, 0], boxes[:, 2], y_ctm[:, 0], y_ctm[:, 1]]))
    return textpage


_CHAR_BOXES: tuple[int, np.ndarray] | None = None  # the last page's characters as (x0, x1, y0, y1)


def _chars_in_rect_fast(chars, rect) -> bool:
    """pymupdf.table.chars_in_rect (is any character inside `rect`?) over the boxes _make_chars_fast
    kept, in numpy: the table finder asks it for every drawn rectangle, and looping over every
    character in Python each time was a sixth of table finding."""
    if _CHAR_BOXES is None or _CHAR_BOXES[0] != len(chars):
        return _ORIGINAL_CHARS_IN_RECT(chars, rect)
    b = _CHAR_BOXES[1]
    return bool(np.any((rect[0] <= b[:, 0]) & (b[:, 1] <= rect[2]) & (rect[1] <= b[:, 2]) & (rect[3] >= b[:, 3])))


_ORIGINAL_MAKE_CHARS = None
_ORIGINAL_CHARS_IN_RECT = None


@contextmanager
def fast_table_chars():
    """Within this block pymupdf's table finder builds its character list with _make_chars_fast
    and tests rectangles for characters with _chars_in_rect_fast. (Only the ingest thread finds
    tables; the swaps are undone on exit.)"""
    global _ORIGINAL_MAKE_CHARS, _ORIGINAL_CHARS_IN_RECT
    from pymupdf import table

    original = getattr(table, "make_chars", None)
    in_rect = getattr(table, "chars_in_rect", None)
    if original is None or in_rect is None or not hasattr(table, "CHARS") or not hasattr(table.CHARS, "_list"):
        yield  # another pymupdf: keep its own path
        return
    _ORIGINAL_MAKE_CHARS, _ORIGINAL_CHARS_IN_RECT = original, in_rect
    table.make_chars, table.chars_in_rect = _make_chars_fast, _chars_in_rect_fast
    try:
        yield
    finally:
        table.make_chars, table.chars_in_rect = original, in_rect


@contextmanager
def own_table_chars():
    """Within a fast_table_chars block: pymupdf's own character list and rectangle test again."""
    from pymupdf import table

    if _ORIGINAL_MAKE_CHARS is None:
        yield
        return
    fast = table.make_chars, table.chars_in_rect
    table.make_chars, table.chars_in_rect = _ORIGINAL_MAKE_CHARS, _ORIGINAL_CHARS_IN_RECT
    try:
        yield
    finally:
        table.make_chars, table.chars_in_rect = fast


def find_page_tables(page) -> tuple[list, str | None]:
    """The page's ruled tables, and why they could not be found (None when they could). pymupdf's
    finder reports its own failures by printing a message and returning None; on 40 pages of the
    wider corpus (words the lean character list cannot make: rotated or oddly ordered text) it
    failed with the lean list, so a failed page is tried again with pymupdf's own. A page that
    fails both ways keeps its text, and the ingest report names it."""
    if not _may_hold_ruled_table(page):
        return [], None
    reason = None
    for chars in (nullcontext, own_table_chars):  # as set up by the caller, then pymupdf's own
        try:
            with chars():
                found = page.find_tables(use_layout=False)
        except Exception as exc:  # the finder raising (rather than printing) is a failure too
            found, reason = None, f"{type(exc).__name__}: {exc}"
        if found is not None:
            return found.tables, None
    return [], reason or "pymupdf's table finder failed"


def _may_hold_ruled_table(page) -> bool:
    """Whether pymupdf's line-based table finder could find a table on the page (cheap; the finder
    is not): at least three lines or boxes drawn, with rules both across and down. A cell is where
    rules cross, so a page ruled one way only holds none (on the committee corpus: underlined
    headings and signature lines, a quarter of find_tables' time). Lines are told apart with the
    finder's own tolerance (3 points); boxes, quads, closed paths and slanted lines count as both."""
    count, across, down = 0, False, False
    for path in page.get_cdrawings():
        closed = path.get("closePath", True)
        for item in path["items"]:
            kind = item[0]
            if kind not in ("l", "re", "qu"):
                continue
            count += 1
            if kind == "l" and not closed:
                (x0, y0), (x1, y1) = item[1], item[2]
                flat, upright = abs(y1 - y0) <= 3, abs(x1 - x0) <= 3
                if flat or upright:
                    across, down = across or flat, down or upright
                    continue
            across = down = True
    return count >= 3 and across and down


def _inside(bbox, rect) -> bool:
    x0, y0, x1, y1 = bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return rect[0] - 1 <= cx <= rect[2] + 1 and rect[1] - 1 <= cy <= rect[3] + 1


def load_pdf(path: Path, words_out: dict[int, list] | None = None) -> tuple[list[Block], int, list[str]]:
    """Return (blocks, page count, warnings). Raises LoadError for unreadable PDFs. A page with no
    text layer (a scan, or text drawn as shapes) is read by OCR (the tesseract command: ingest.loaders.ocr) and
    its blocks are marked `ocr`. `words_out`, when given, gets each page's words with their
    boxes (ingest.positions.page_words), OCR'd pages included."""
    import pymupdf

    _quiet_pymupdf()
    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pymupdf raises its own FileDataError and friends
        raise LoadError(f"not a readable PDF ({exc})") from exc
    warnings: list[str] = []
    text_flags = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES
    with doc, fast_table_chars():
        if doc.needs_pass:
            raise LoadError("PDF is encrypted (password protected)")
        pages = doc.page_count
        if pages == 0:
            raise LoadError("PDF has no pages")
        # (page, top y, text, font size, bold, table, pymupdf block id, line box)
        raw: list[tuple] = []
        widths: dict[int, float] = {}
        sizes: Counter[float] = Counter()
        ocr_pages: set[int] = set()
        data_dir = tessdata()
        for page in doc:
            number = page.number + 1
            widths[number] = page.rect.width
            # Ruled tables only: the layout model is 4x slower and misses real tables here.
            tables, failure = find_page_tables(page)
            if failure:
                warnings.append(f"page {number}: tables could not be read ({failure}); its text is kept")
            rects = []
            # One text page for the table cells' words and the text blocks: without images the
            # "dict" flags are the "words" flags, and making a text page is most of either call.
            textpage = page.get_textpage(flags=text_flags)
            page_dict = page.get_text("dict", textpage=textpage)
            read = None
            if needs_ocr(page, page_dict):
                if data_dir is None:
                    warnings.append(f"page {number}: no text layer, and OCR is not installed (tesseract-ocr, tesseract-ocr-eng)")
                    continue
                try:
                    read = ocr_page(page, data_dir)
                except Exception as exc:  # a failed OCR loses the page's text, not the paper
                    warnings.append(f"page {number}: OCR failed ({type(exc).__name__}: {exc})")
                    continue
                page_dict = read.page_dict
                ocr_pages.add(number)
            if read is not None:
                words = read.words
                if words_out is not None:
                    words_out[number] = word_fractions(page, read.words)
            else:
                words = page.get_text("words", textpage=textpage) if tables else []
                if words_out is not None:
                    words_out[number] = page_words(page, textpage)
            for tab in tables:
                t = _table_from(tab, words)
                if t is not None:
                    rects.append(tab.bbox)
                    raw.append((number, tab.bbox[1], "", 0.0, False, t, -1, tuple(tab.bbox)))
            if read is not None and not rects:  # ruled tables found on an OCR'd page win
                raw.extend((number, bbox[1], "", 0.0, False, t, -1, bbox) for t, bbox in read.tables)
            group = 0  # text blocks: pymupdf's blocks, cut where the lines' style changes
            # Text only: the images the default flags decode would be skipped here anyway.
            for block in page_dict["blocks"]:
                group += 1
                style = None
                for line in block.get("lines", []):
                    if rects and any(_inside(line["bbox"], r) for r in rects):
                        continue
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    if not spans:
                        continue
                    text = _line_text(line["spans"])
                    size = max(s["size"] for s in spans)
                    bold = all(s["flags"] & 16 or "Bold" in s["font"] for s in spans)
                    sizes[round(size)] += len(text)
                    # A Word export often makes a whole page one block, its bold section headings
                    # ("5. Current work within the Council ...") included: a line of another
                    # style (weight or size) than the line before it starts a new block, so the
                    # heading can be recognised as one and its section gets its heading path.
                    # Lines sharing a baseline (a "5." and its heading) are one style run.
                    line_style = (bold, round(size))
                    if style is not None and line_style != style[0] and abs(line["bbox"][1] - style[1]) > 1:
                        group += 1
                    style = (line_style, line["bbox"][1])
                    raw.append((number, line["bbox"][1], text, size, bold, None, group, tuple(line["bbox"])))
        if not any(r[2].strip() for r in raw) and not any(r[5] for r in raw):
            if any("OCR is not installed" in w for w in warnings):
                raise LoadError("no text found: the PDF has no text layer and needs OCR, which is not installed")
            if ocr_pages:
                raise LoadError("no text found, not even by OCR")
            failed = [w for w in warnings if ": OCR failed (" in w]
            if failed:
                raise LoadError(f"no text found: OCR failed on every page ({failed[0]})")
            raise LoadError("no text found: the PDF holds neither text nor a scanned page")
        if ocr_pages:
            pages_read = ", ".join(map(str, sorted(ocr_pages)))
            warnings.append(f"read by OCR (no text layer): page{'s' if len(ocr_pages) > 1 else ''} {pages_read}")
    body = sizes.most_common(1)[0][0] if sizes else 11
    # Reading order within a page: pymupdf's text blocks in its order; each table goes after the
    # last text block that starts above it. (Not before the first block that starts below it: a
    # page-number footer often comes early in pymupdf's order, and the table would jump ahead of
    # its own heading.)
    blocks: list[Block] = []
    by_page: dict[int, list] = {}
    for item in raw:
        by_page.setdefault(item[0], []).append(item)
    for number in sorted(by_page):
        items = attach_action_column(by_page[number], widths[number])
        groups: dict[int, list] = {}
        for item in items:
            if item[5] is None:
                groups.setdefault(item[6], []).append(item)
        tables_here = sorted((i for i in items if i[5] is not None), key=lambda i: i[1])
        ordered = _split_at_tables(list(groups.values()), [t[1] for t in tables_here])
        after: dict[int, list[Table]] = {}  # index of the text block a table follows (-1: page top)
        for t in tables_here:
            above = [n for n, group in enumerate(ordered) if group[0][1] < t[1]]
            after.setdefault(max(above, default=-1), []).append(t[5])
        page_blocks = [Block(page=number, table=t) for t in after.get(-1, [])]
        for n, group in enumerate(ordered):
            lines = [g[2] for g in group]
            level = _heading_level(lines, [g[3] for g in group], [g[4] for g in group], body)
            page_blocks.append(Block(page=number, lines=lines, heading_level=level))
            page_blocks.extend(Block(page=number, table=t) for t in after.get(n, []))
        if number in ocr_pages:
            for block in page_blocks:
                block.ocr = True
        blocks.extend(page_blocks)
    return blocks, pages, warnings


def _split_at_tables(groups: list[list], tops: list[float]) -> list[list]:
    """Text blocks cut where a table starts between two of their lines: pymupdf can make one
    block of the lines above a table and those below it (a log's topic headings either side of
    a table of actions), and the table would follow all of them, under the wrong heading."""
    if not tops:
        return groups
    out: list[list] = []
    for group in groups:
        part = [group[0]]
        for prev, item in zip(group, group[1:]):
            if any(prev[1] < top <= item[1] for top in tops):
                out.append(part)
                part = []
            part.append(item)
        out.append(part)
    return out


COLUMN_GAP = 40  # points of blank between two spans of one line: a second column, not a space


def _line_text(spans: list[dict]) -> str:
    """A line's text. A short span far to the right of the rest (an ACTION column's initials, an
    amount, a page number) is set off by a tab, as a table cell is, instead of running into the
    sentence beside it ("... to the County RE Council")."""
    parts: list[str] = []
    right = None
    for span in spans:
        text = span["text"]
        if right is not None and text.strip() and span["bbox"][0] - right > COLUMN_GAP and len(text.split()) <= 4:
            if parts:
                parts[-1] = parts[-1].rstrip()
            parts.append("\t" + text.strip())
        else:
            parts.append(text)
        if text.strip():
            right = span["bbox"][2]
    return "".join(parts).rstrip()


def _quiet_pymupdf() -> None:
    """pymupdf prints its messages (a table finder's failure among them) on standard output:
    send them to the logging module instead, where they belong."""
    import logging

    import pymupdf

    global _QUIET
    if not _QUIET:
        pymupdf.set_messages(pylogging=True, pylogging_level=logging.DEBUG)
        _QUIET = True


_QUIET = False


def _heading_level(lines: list[str], sizes: list[float], bold: list[bool], body: float) -> int | None:
    """A whole text block is a heading when all of it is bold or larger than body text, it is short,
    it reads like a title (words, not figures) and it does not end like a sentence or a label.
    Deciding per block, not per line, keeps a bold sentence wrapped over two lines in one piece."""
    text = " ".join(" ".join(lines).split())
    words = text.split()
    if not words or len(words) > 14 or text.endswith((".", ",", ";", ":")):
        return None
    numbered = bool(re.match(r"\d{1,2}(?:\.\d{1,2})*\.?$", words[0]))  # "11. Conclusions" is a title
    if len([w for w in words if sum(ch.isalpha() for ch in w) >= 2]) < (1 if numbered else 2):
        return None
    if min(sizes) >= body + 2.5:
        return 1
    if all(bold) or min(sizes) >= body + 1:
        return 2
    return None


class PdfLoader:
    format = "pdf"
    label = "PDF"
    extensions = (".pdf",)
    also_accepts = ()
    media_type = "application/pdf"

    def load(self, path: Path, data: bytes):
        from ingest.loaders.base import Loaded

        words: dict[int, list] = {}
        blocks, pages, warnings = load_pdf(path, words)
        return Loaded(blocks, pages, warnings, words=words)
