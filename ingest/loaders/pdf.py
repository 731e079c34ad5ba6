"""PDF loader (pymupdf): text lines per page with heading hints, and ruled tables as tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingest.parsed import Block, LoadError, Table


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


def _ruling_count(page) -> int:
    """Lines and rectangles drawn on the page (cheap; find_tables is not)."""
    return sum(1 for path in page.get_drawings() for item in path["items"] if item[0] in ("l", "re", "qu"))


def _inside(bbox, rect) -> bool:
    x0, y0, x1, y1 = bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return rect[0] - 1 <= cx <= rect[2] + 1 and rect[1] - 1 <= cy <= rect[3] + 1


def load_pdf(path: Path) -> tuple[list[Block], int, list[str]]:
    """Return (blocks, page count, warnings). Raises LoadError for unreadable PDFs."""
    import pymupdf

    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pymupdf raises its own FileDataError and friends
        raise LoadError(f"not a readable PDF ({exc})") from exc
    with doc:
        if doc.needs_pass:
            raise LoadError("PDF is encrypted (password protected)")
        pages = doc.page_count
        if pages == 0:
            raise LoadError("PDF has no pages")
        # (page, top y, text, font size, bold, table, pymupdf block id)
        raw: list[tuple[int, float, str, float, bool, Table | None, int]] = []
        sizes: Counter[float] = Counter()
        for page in doc:
            number = page.number + 1
            try:
                # Ruled tables only: the layout model is 4x slower and misses real tables here; and
                # a page with fewer than three drawn lines or boxes cannot hold a ruled table.
                tables = page.find_tables(use_layout=False).tables if _ruling_count(page) >= 3 else []
            except Exception:  # table detection is best effort; text still loads
                tables = []
            rects = []
            words = page.get_text("words") if tables else []
            for tab in tables:
                t = _table_from(tab, words)
                if t is not None:
                    rects.append(tab.bbox)
                    raw.append((number, tab.bbox[1], "", 0.0, False, t, -1))
            for block_id, block in enumerate(page.get_text("dict")["blocks"]):
                for line in block.get("lines", []):
                    if rects and any(_inside(line["bbox"], r) for r in rects):
                        continue
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    if not spans:
                        continue
                    text = "".join(s["text"] for s in line["spans"]).rstrip()
                    size = max(s["size"] for s in spans)
                    bold = all(s["flags"] & 16 or "Bold" in s["font"] for s in spans)
                    sizes[round(size)] += len(text)
                    raw.append((number, line["bbox"][1], text, size, bold, None, block_id))
        if not any(r[2].strip() for r in raw) and not any(r[5] for r in raw):
            raise LoadError("no text found: needs OCR (scanned PDF without a text layer)")
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
        items = by_page[number]
        groups: dict[int, list] = {}
        for item in items:
            if item[5] is None:
                groups.setdefault(item[6], []).append(item)
        ordered = list(groups.values())
        after: dict[int, list[Table]] = {}  # index of the text block a table follows (-1: page top)
        for t in sorted((i for i in items if i[5] is not None), key=lambda i: i[1]):
            above = [n for n, group in enumerate(ordered) if group[0][1] < t[1]]
            after.setdefault(max(above, default=-1), []).append(t[5])
        page_blocks = [Block(page=number, table=t) for t in after.get(-1, [])]
        for n, group in enumerate(ordered):
            lines = [g[2] for g in group]
            level = _heading_level(lines, [g[3] for g in group], [g[4] for g in group], body)
            page_blocks.append(Block(page=number, lines=lines, heading_level=level))
            page_blocks.extend(Block(page=number, table=t) for t in after.get(n, []))
        blocks.extend(page_blocks)
    return blocks, pages, []


def _heading_level(lines: list[str], sizes: list[float], bold: list[bool], body: float) -> int | None:
    """A whole text block is a heading when all of it is bold or larger than body text, it is short,
    it reads like a title (words, not figures) and it does not end like a sentence or a label.
    Deciding per block, not per line, keeps a bold sentence wrapped over two lines in one piece."""
    text = " ".join(" ".join(lines).split())
    words = text.split()
    if not words or len(words) > 14 or text.endswith((".", ",", ";", ":")):
        return None
    if len([w for w in words if sum(ch.isalpha() for ch in w) >= 2]) < 2:
        return None
    if min(sizes) >= body + 2.5:
        return 1
    if all(bold) or min(sizes) >= body + 1:
        return 2
    return None
