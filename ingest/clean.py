"""Remove the noise of real extraction from a `ParsedDocument`, in place.

- running headers and footers repeated on every page ("Scrutiny Action Log", "Page 28");
  for text extractions without page marks, each running header also tells us where a page starts;
- hard-wrapped lines and words hyphenated across lines;
- tables split by a page break: the continuation is merged back, and a row cut in two is rejoined.
"""

from __future__ import annotations

import re
from collections import Counter

from core.committees import is_committee_name
from ingest.parsed import Block, ParsedDocument, Table
from ingest.people import OWNER_CELL

_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|[-–]?\s*(?!(?:19|20)\d\d\b)\d{1,4}\s*[-–]?|\d+\s*/\s*\d+)\s*$", re.I
)  # a bare year ("2025" under "Thursday, 13th March,") is a date's last line, not a page number
_TRAILING_PAGE = re.compile(r"(?<![Ss]ee )(?<![Oo]n )(?<![Aa]t )\s*\bPage \d{1,4}\s*$")
_NOISE_LINES = re.compile(r"^\s*(this page is intentionally left blank|page intentionally left blank)\s*$", re.I)
_LIST_START = re.compile(r"^\s*(?:[-•▪●◦*–]\s*|\(?[a-z]\)\s|\(?[ivx]{1,4}\)\s|\d{1,2}(?:\.\d{1,2}){0,3}\.?\s)")
# "To:", "Subject:", "Name of Committee: ..." — front-sheet labels start a new unit, never continue one.
_LABEL_START = re.compile(r"^[A-Z][A-Za-z/()'’ -]{0,40}:(?:\s|$)")
# A section number alone on its line ("14." then "Contact details"): it belongs to the next line.
_BARE_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.?$")
_HYPHEN_KEEP = {
    "self", "non", "co", "cross", "long", "short", "well", "high", "low", "multi", "pre", "post",
    "sub", "anti", "inter", "mid", "part", "full", "year", "ex", "all", "on", "off", "in", "out",
}
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*\)")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*")


def _norm(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


# --- running headers and footers -------------------------------------------------------------


FOOTER_LINES = 6  # lines at the foot of a page a footer may take


def _edge_lines(lines: list[str]) -> list[str]:
    return lines[:2] + lines[-2:]


def remove_running_lines(doc: ParsedDocument) -> None:
    """Drop lines repeated at the top or bottom of most pages, and bare page numbers."""
    if any(b.page for b in doc.blocks):
        if doc.pages >= 2:  # one page repeats nothing: its rows ("10-05-17 Grass cut") stay
            _remove_paged(doc)
    else:
        _remove_unpaged(doc)
    for b in doc.blocks:
        b.lines = [ln for ln in b.lines if not _NOISE_LINES.match(ln)]
        if b.table:
            title = b.table.title
            running = {_norm(x) for x in doc.running_lines}
            if title and (_NOISE_LINES.match(title) or _norm(title) in running or _PAGE_NUMBER.match(title)):
                b.table.title = None
            for row in [b.table.header, *b.table.rows]:
                for i, cell in enumerate(row):
                    row[i] = _TRAILING_PAGE.sub("", cell)
        else:
            b.lines = [_TRAILING_PAGE.sub("", ln) if len(ln) > 12 else ln for ln in b.lines]
    doc.blocks = [
        b for b in doc.blocks if b.table or b.heading_level == -1 or any(ln.strip() for ln in b.lines)
    ]


def _remove_paged(doc: ParsedDocument) -> None:
    pages = sorted({b.page for b in doc.blocks if b.page})
    # Each page's text blocks and lines, read once (removing a page's lines touches that page only).
    page_blocks: dict[int, list[Block]] = {p: [] for p in pages}
    for b in doc.blocks:
        if b.page and not b.table:
            page_blocks[b.page].append(b)
    page_lines = {p: [ln for b in page_blocks[p] for ln in b.lines] for p in pages}
    counts: Counter[str] = Counter()
    for p in pages:
        counts.update({_norm(ln) for ln in _edge_lines(page_lines[p]) if ln.strip()})
    needed = max(2, int(0.5 * len(pages) + 0.5))
    running = {line for line, n in counts.items() if n >= needed}
    # A footer of more lines than the edges hold ("Parish Clerk : ...", the address, a telephone,
    # a mobile): from the page's end up, each line that stands at the same place from the end on
    # as many pages. (At the same place: a heading that is also listed at the foot of page 1,
    # "Appendix 3 - ...", is not the footer of the page it heads.)
    feet = {p: [_norm(ln) for ln in reversed([ln for ln in page_lines[p] if ln.strip()][-FOOTER_LINES:])] for p in pages}
    placed = Counter((k, line) for p in pages for k, line in enumerate(feet[p]))
    footers: dict[int, set[str]] = {}
    for p in pages:
        run: set[str] = set()
        for k, line in enumerate(feet[p]):
            if placed[(k, line)] < needed:
                break
            run.add(line)
        footers[p] = run
    doc.running_lines = [
        ln for b in doc.blocks if not b.table for ln in b.lines if _norm(ln) in running and not _PAGE_NUMBER.match(ln)
    ][:1]
    for p in pages:
        edges = {_norm(ln) for ln in _edge_lines(page_lines[p])}
        for b in page_blocks[p]:
            kept = []
            for ln in b.lines:
                if (_norm(ln) in edges and (_norm(ln) in running or _PAGE_NUMBER.match(ln))) or _norm(ln) in footers[p]:
                    doc.removed_edges.setdefault(p, []).append(ln)  # a marking may be among them
                else:
                    kept.append(ln)
            b.lines = kept


def _remove_unpaged(doc: ParsedDocument) -> None:
    """Text extractions: a short line repeated 3+ times that opens the document or carries a number
    (a date, version or page) is a running header or footer; each occurrence is a page break."""
    single = [b for b in doc.blocks if not b.table and len(b.lines) == 1]
    counts = Counter(_norm(b.lines[0]) for b in single)
    first = next((b for b in doc.blocks if not b.table), None)
    first_norm = _norm(first.lines[0]) if first and first.lines else None
    running = {
        line
        for line, n in counts.items()
        if n >= 3 and len(line) <= 90 and (line == first_norm or "#" in line)
    }
    if not running:
        return
    # A running header opens the document and each repeat starts a page; a footer's occurrences
    # do not tell us where pages are reliably (extractions drop some), so pages stay unknown.
    header = first_norm in running
    if header:
        doc.running_lines = [first.lines[0]]
    page, kept, seen_first = 1, [], False
    for b in doc.blocks:
        is_running = not b.table and len(b.lines) == 1 and _norm(b.lines[0]) in running
        if is_running:
            if header and seen_first:
                page += 1
            seen_first = True
            kept.append(Block(page=page, lines=[], heading_level=-1))  # page-break marker
            continue
        b.page = page if header else None
        kept.append(b)
    doc.pages = page if header else 0
    doc.blocks = kept


# --- tables split across pages ---------------------------------------------------------------


def _width(table: Table) -> int:
    return max(len(r) for r in [table.header, *table.rows])


def _is_continuation(row: list[str], previous: list[str]) -> bool:
    """A row cut by a page break: its cells go on in lower case, or its key cells are empty."""
    filled = [c for c in row if c.strip()]
    if not filled:
        return False
    if any(c[:1].islower() for c in filled):
        return True
    prev_filled = sum(1 for c in previous if c.strip())
    return len(filled) * 2 < prev_filled and not row[0].strip()


def merge_split_tables(doc: ParsedDocument) -> None:
    """Join a table with its continuation after a page break, rejoining a row cut in two."""
    out: list[Block] = []
    last_table: Block | None = None
    broke = False  # a page break since last_table
    for b in doc.blocks:
        if b.heading_level == -1:  # page-break marker from unpaged cleaning
            broke = True
            continue
        if b.table and last_table is not None:
            prev = last_table.table
            crossed = broke or (b.page is not None and last_table.page is not None and b.page > last_table.page)
            first, rest = b.table.header, b.table.rows
            last_row = prev.rows[-1] if prev.rows else None
            continues = last_row is not None and _is_continuation(first, last_row)
            if crossed and (abs(_width(b.table) - _width(prev)) <= 1 or continues):
                if _norm("|".join(first)) != _norm("|".join(prev.header)):
                    if continues:
                        width = max(len(first), len(last_row))
                        last_row.extend([""] * (width - len(last_row)))
                        for i, cell in enumerate(first):
                            if cell.strip():
                                last_row[i] = f"{last_row[i]} {cell}".strip()
                    else:
                        prev.rows.append(first)
                prev.rows.extend(rest)
                continue
        if b.table:
            last_table, broke = b, False
        elif b.lines:
            last_table = None
        out.append(b)
    doc.blocks = out


def _is_title(line: str) -> bool:
    """Short, and not the tail of a sentence ("brought to the next meeting of the Committee.")."""
    line = line.strip()
    return bool(line) and len(line.split()) <= 15 and not line.endswith((".", ";", ",")) and not line[0].islower()


def title_tables(doc: ParsedDocument) -> None:
    """A table's title is the short line just before it, when that line reads like a title."""
    previous: Block | None = None
    for b in doc.blocks:
        if b.table:
            if b.table.title and not _is_title(b.table.title):
                b.table.title = None
            if not b.table.title and previous is not None and previous.lines and _is_title(previous.lines[-1]):
                b.table.title = previous.lines[-1].strip().rstrip(":")
        if b.lines or b.table:
            previous = b


# --- wrapped lines ---------------------------------------------------------------------------


def _join(a: str, b: str) -> str:
    m = re.search(r"(\w+)-$", a)
    if m and b[:1].islower():
        if m.group(1).lower() in _HYPHEN_KEEP:
            return a + b
        return a[:-1] + b
    return f"{a} {b}"


_INITIALS = re.compile(r"^[A-Z]{2,4}(?:\s*/\s*[A-Z]{2,4})*$")
_TRAILING_CELL = re.compile(r"^(.*\S)\t([^\t]+)$")


def _owner_cells(unit: str) -> tuple[str, list[str]]:
    """A unit without the owner cells at its end ("... that the\tClerk" -> "... that the",
    ["Clerk"]), in the order they are written."""
    cells: list[str] = []
    while (m := _TRAILING_CELL.match(unit)) and OWNER_CELL.match(m.group(2).strip()):
        cells.insert(0, m.group(2).strip())
        unit = m.group(1)
    return unit, cells


def _stands_alone(prev: str, line: str) -> bool:
    """Two lines that are never one wrapped line: two committee names stacked under a label
    ("Meeting:" / "Cabinet" / "Council": a report to both), or a short heading in capitals
    ("EXEMPT – NOT FOR PUBLICATION") and the text under it."""
    if is_committee_name(prev) and is_committee_name(line):
        return True
    words = prev.split()
    return prev.isupper() and len(words) <= 8 and sum(ch.isalpha() for ch in prev) >= 4 and not line.isupper()


def unwrap_lines(lines: list[str], hard_wrapped: bool = True) -> list[str]:
    """Join hard-wrapped lines into logical units (paragraphs, list items, numbered paragraphs).

    PDF lines are visual lines and are joined liberally. Text extractions already hold one
    paragraph per line (`hard_wrapped=False`): a line only continues the previous one when it
    starts in lower case or the previous one ends with a hyphen."""
    units: list[str] = []
    held: list[str] = []  # initials in a right-hand ACTION column, met inside a wrapped paragraph

    def release() -> None:
        if held and units:
            units[-1] = units[-1] + "\t" + "/".join(held)
        held.clear()

    for raw in lines:
        line = "\t".join(" ".join(cell.split()) for cell in raw.split("\t")).strip("\t ")
        if not line:
            continue
        if hard_wrapped and units and _INITIALS.match(line) and not units[-1].endswith((".", ":", "?", "!", ";")):
            held.append(line)  # "RE" between "... to the County" and "Council rights of way team."
            continue
        line = _MARKDOWN_LINK.sub(r"\1", _EMPHASIS.sub(r"\1", line))
        if units and units[-1] in ("•", "-", "▪", "●", "◦", "*"):
            units[-1] = f"- {line}"
            continue
        if units and _BARE_NUMBER.match(units[-1]) and not _BARE_NUMBER.match(line):
            units[-1] = f"{units[-1]} {line}"
            continue
        starts_unit = bool(_LIST_START.match(line) or _LABEL_START.match(line) or _BARE_NUMBER.match(line))
        if units and not starts_unit and _stands_alone(units[-1], line):
            starts_unit = True
        # An ACTION column's cells read onto the line beside them ("... that the\tClerk"): when the
        # paragraph goes on, they belong to all of it, so they move to its end.
        body, cells = _owner_cells(units[-1]) if units else ("", [])
        if starts_unit or (units and body.endswith((".", ":", "?", "!", ";")) and not line[:1].islower()):
            release()
        if units and not starts_unit:
            ends_sentence = body.endswith((".", ":", "?", "!", ";"))
            if hard_wrapped:
                joins = not ends_sentence or line[:1].islower() or not line[:1].isalpha()
            else:
                joins = line[:1].islower() or body.endswith("-")
            if joins:
                units[-1] = _join(body, line)
                held.extend(cells)
                continue
        units.append(line)
    release()
    return units


def clean(doc: ParsedDocument) -> ParsedDocument:
    """Run every cleaning step; returns the same document for chaining."""
    remove_running_lines(doc)
    merge_split_tables(doc)
    title_tables(doc)
    for b in doc.blocks:
        if b.lines and not b.edge:
            b.lines = unwrap_lines(b.lines, hard_wrapped=doc.fmt == "pdf")
    doc.blocks = [b for b in doc.blocks if b.table or b.lines]
    if not doc.pages:
        doc.pages = max((b.page or 0 for b in doc.blocks), default=0)
    return doc
