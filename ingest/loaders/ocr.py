"""OCR of a PDF page with no text layer: the `tesseract` command (Debian's tesseract-ocr and
tesseract-ocr-eng), its words and lines as pymupdf would give them for a page with text.

Why the command rather than pymupdf's get_textpage_ocr (MuPDF's built-in Tesseract): MuPDF treats
the page as one uniform block of text, and on a ruled table (parish minutes' "actions from the
last meeting") the rules between rows made whole rows come out as "pen ieee aera [ome |". The
command's page segmentation 4 (one column of text of varying sizes) reads each table row as a
line and keeps a centred heading whole ("MINUTES OF THE SOULDERN PARISH COUNCIL MEETING"), which
its fully automatic mode split in two. Committee papers are laid out in one column (tables
included); a page set in newspaper columns would be read across them.

Tesseract's TSV output gives every word with its box and its block, paragraph and line; a
paragraph becomes a text block, a line a text line, as pymupdf's "dict" and "words" outputs have
them, so the loader treats an OCR'd page as any other.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from ingest.loaders.ocr_tables import drop_rules, find_tables
from ingest.parsed import Table

OCR_DPI = 300  # for a page whose text is drawn as shapes (no image to take the resolution from)
MAX_PIXELS = 60_000_000  # of the page image OCR reads (an A4 page at 600 dpi is 35 million)
OCR_TIMEOUT_S = 300  # one page; a page Tesseract cannot finish in this is reported, not waited on
PAGE_SEGMENTATION = "4"  # one column of text of varying sizes (see the module's docstring)
BLANK_LINE = 1.5  # times the page's usual step from line to line: a blank line between them
SHORT_LINE = 0.3  # of the page's text width: a line ending this far short of its right edge ends its block
SPAN_GAP = 40  # points of blank between two words of a line: a new span (a column), as in pymupdf
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata")


def tessdata() -> str | None:
    """Tesseract's language data with English in it (Debian's tesseract-ocr-eng), or None when
    OCR is not installed."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    found = next((c for c in candidates if c and (Path(c) / "eng.traineddata").is_file()), None)
    if found is None or shutil.which("tesseract") is None:
        return None
    return found


def needs_ocr(page, page_dict: dict) -> bool:
    """A page with no text layer that shows something: a scanned image, or text drawn as
    vector shapes (hundreds of paths). (The page's own text, already extracted, is looked at
    first: the check costs nothing on a page with text.)"""
    for block in page_dict["blocks"]:
        for line in block.get("lines", []):
            if any(s["text"].strip() for s in line["spans"]):
                return False
    return bool(page.get_images()) or len(page.get_cdrawings()) >= 50


def scan_dpi(page) -> int:
    """The resolution the page was scanned at (its largest image's pixels per inch), so OCR reads
    the image as it is instead of a resampled one; 300 for vector-drawn text."""
    best = None
    for info in page.get_image_info():
        width_in = (info["bbox"][2] - info["bbox"][0]) / 72
        if width_in > 1 and (best is None or info["width"] > best[0]):
            best = (info["width"], info["width"] / width_in)
    dpi = int(min(600, max(150, round(best[1])))) if best else OCR_DPI
    # A poster-sized page at that resolution would be an image of gigabytes: no more than
    # MAX_PIXELS, whatever the page's size.
    area_in = max(1e-6, page.rect.width / 72 * page.rect.height / 72)
    return max(1, min(dpi, int((MAX_PIXELS / area_in) ** 0.5)))


@dataclass
class OcrPage:
    """One page as read by OCR, in the page's own (unrotated) coordinates, as pymupdf gives them:
    `page_dict` as get_text("dict") (text blocks of lines of spans), `words` as get_text("words")
    (x0, y0, x1, y1, text, block, line, word), and the tables read from the words' positions
    (ingest.loaders.ocr_tables), whose lines are not in `page_dict`."""

    page_dict: dict
    words: list[tuple]
    tables: list[tuple[Table, tuple[float, float, float, float]]] = field(default_factory=list)  # with their boxes


def ocr_page(page, data_dir: str) -> OcrPage:
    """Read `page` with Tesseract. Raises RuntimeError (with Tesseract's own message) when it
    fails, subprocess.TimeoutExpired when it does not finish."""
    dpi = scan_dpi(page)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseract's threads slow it down fivefold here
    with tempfile.TemporaryDirectory(prefix="papers-ocr-") as tmp:
        image = Path(tmp) / "page.png"
        pix = page.get_pixmap(dpi=dpi)
        pix.save(image)
        done = subprocess.run(
            ["tesseract", str(image), "stdout", "--dpi", str(dpi), "--psm", PAGE_SEGMENTATION,
             "--tessdata-dir", data_dir, "-l", "eng", "tsv"],
            capture_output=True, env=env, timeout=OCR_TIMEOUT_S, check=False,
        )
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"tesseract exited {done.returncode}: {reason[-1] if reason else 'no output'}")
    scale = (page.rect.width / max(1, pix.width), page.rect.height / max(1, pix.height))
    return _from_tsv(done.stdout.decode("utf-8", "replace"), scale, page.derotation_matrix)


def _from_tsv(tsv: str, scale: tuple[float, float], derotate) -> OcrPage:
    """Tesseract's TSV (one row per word, numbered by block, paragraph and line) as pymupdf's
    dict and words, scaled from image pixels to page points."""
    import pymupdf

    lines: dict[tuple[int, int, int], list[tuple[tuple, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
            key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed row loses its word, not the page
        box = pymupdf.Rect(left * scale[0], top * scale[1], (left + width) * scale[0], (top + height) * scale[1]) * derotate
        lines.setdefault(key, []).append((tuple(box), text))
    lines = {k: kept for k, items in lines.items() if (kept := drop_rules(items))}
    blocks: dict[tuple[int, int, int], list[dict]] = {}
    words: list[tuple] = []
    # A paragraph is cut where a blank line parts two of its lines: where the step from one
    # line's baseline to the next is well over the page's usual step (Tesseract's paragraphs run
    # a centred heading and the lines under it together).
    bases = [(k[:2], max(b[3] for b, _ in items)) for k, items in lines.items()]
    steps = [b[1] - a[1] for a, b in zip(bases, bases[1:]) if a[0] == b[0] and b[1] > a[1]]
    usual = median(steps) if steps else None
    # Tables first (on an upright page: their columns are read from x positions); their lines
    # are not text blocks.
    ordered = list(lines.values())
    tables = find_tables(ordered, usual) if derotate.is_rectilinear and derotate.a == derotate.d == 1 else []
    in_table = {n for t in tables for n in t.lines}
    for number, t in enumerate(tables):
        # Their words' block numbers: one per table, apart from the text blocks' (0 and up).
        for row, n in enumerate(t.lines):
            words.extend((*box, text, -1 - number, row, w) for w, (box, text) in enumerate(ordered[n]))
    # It is cut too after a line that stops well short of the text's right edge on the page: a
    # heading ("07.19.01 Apologies"), a paragraph's last line, a name in a list of those present,
    # which pymupdf's blocks keep apart on a page with text by their style or spacing.
    left = min((items[0][0][0] for items in lines.values()), default=0.0)
    right = max((items[-1][0][2] for items in lines.values()), default=0.0)
    cut, short = 0, False
    for n, ((block, par, line), items) in enumerate(lines.items()):
        if n in in_table:
            cut += 1
            continue
        if n and bases[n - 1][0] == (block, par):
            if short or (usual and bases[n][1] - bases[n - 1][1] > BLANK_LINE * usual):
                cut += 1
        short = items[-1][0][2] < right - SHORT_LINE * (right - left)
        key = (block, par, cut)
        block_no = len(blocks) - (key in blocks)  # `cut` only grows: a key seen before is the last one
        size = round(median(b[3] - b[1] for b, _ in items) * 0.75, 1)  # a word's box is ~4/3 of the font size
        spans: list[dict] = []
        for w, (box, text) in enumerate(items):
            words.append((*box, text, block_no, len(blocks.get(key, [])), w))
            if spans and box[0] - spans[-1]["bbox"][2] <= SPAN_GAP:
                last = spans[-1]
                last["text"] += " " + text
                last["bbox"] = (last["bbox"][0], min(last["bbox"][1], box[1]), box[2], max(last["bbox"][3], box[3]))
            else:
                if spans:
                    spans[-1]["text"] += " "
                spans.append({"text": text, "bbox": box, "size": size, "flags": 0, "font": "OCR"})
        bbox = (min(s["bbox"][0] for s in spans), min(s["bbox"][1] for s in spans),
                max(s["bbox"][2] for s in spans), max(s["bbox"][3] for s in spans))
        blocks.setdefault(key, []).append({"bbox": bbox, "spans": spans})
    return OcrPage(
        page_dict={"blocks": [{"type": 0, "lines": ls} for ls in blocks.values()]}, words=words,
        tables=[(t.table, t.bbox) for t in tables],
    )
