"""Structure-aware chunking.

Text is split on headings and numbered paragraphs and packed into chunks that fit the embedding
model's window (never mid-sentence unless one sentence alone is too long). Every table row becomes
its own passage, prefixed with the table's title and column headers, so "2022 | 11" under
"Keyworker Lets" reads "Year: 2022; Number of keyworkers Rehoused: 11". Every chunk carries its
heading path and page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from core.text import split_sentences
from core.types import Chunk, Classification, Document
from ingest.action_tables import ExtractedActions, action_passage
from ingest.parsed import Block, ParsedDocument, Table

TokenCounter = Callable[[str], int]

_NUMBERED = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z]\.|\(?[a-z]\))\s+\S")
_SECTION_HEADING = re.compile(r"^\s*(?:\d{1,2}\.?|[A-Z]\.|Appendix\s+\w+|Part\s+\w+|Section\s+\w+|Item\s+\d+)\s+\S", re.I)
MAX_CONTEXT_TOKENS = 48
MIN_CHUNK_TOKENS = 24  # below this, text under a heading is carried into the next section


_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s")


# Lines that are content however title-like they look: contact blocks ("Joe McKay Acting Chief
# Accountant 03000 419601 joe.mckay@kent.gov.uk") and dated letter lines ("Wednesday, 5 March
# 2025"). Taken for headings, they vanish into the heading path and no passage contains them.
_CONTACT = re.compile(r"@|https?://|www\.|\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b")
_DATE_LINE = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*,?\s+\d{4}$",
    re.I,
)


def looks_like_heading(line: str) -> bool:
    """A short line without closing punctuation that starts like a title or a numbered section,
    and is not a contact line or a date."""
    words = line.split()
    if not words or len(words) > 12 or len(line) > 110:
        return False
    if _CONTACT.search(line) or _DATE_LINE.match(line.strip()):
        return False
    if line.rstrip().endswith((".", ",", ";", "?", "!", ":")) or line.lstrip().startswith(("-", "•", "(")):
        return False
    if sum(ch.isdigit() for ch in line) > len(line) / 3:
        return False
    first = words[0]
    return first[:1].isupper() or bool(_SECTION_HEADING.match(line))


def heading_level(line: str) -> int:
    """Level implied by section numbering: '4' or '4.' -> 2, '4.1' -> 3, others 3."""
    m = re.match(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s", line)
    if m:
        return 1 + m.group(1).count(".") + 1
    if re.match(r"^\s*(appendix|part|section)\b", line, re.I):
        return 1
    return 3


def table_row_text(table: Table, row: list[str]) -> str:
    """One row as a self-describing passage: 'Title — Header: value; Header: value'."""
    pairs = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = table.header[i] if i < len(table.header) else ""
        if name and name != value:
            pairs.append(f"{name}: {value}")
        else:
            pairs.append(value)
    body = "; ".join(pairs)
    return f"{table.title} — {body}" if table.title else body


_NUMERIC_CELL = re.compile(r"^[\d\s,.\-–%£$*()/]+[a-z]{0,2}$", re.I)


def is_data_row(row: list[str]) -> bool:
    """True when every filled cell is a figure, so the row is data rather than column headers."""
    filled = [c for c in row if c.strip()]
    return bool(filled) and all(_NUMERIC_CELL.match(c.strip()) for c in filled)


@dataclass
class _Unit:
    text: str
    page: int | None
    boundary: bool  # a numbered paragraph or list start: a good place to begin a chunk
    heading: bool = False


class Splitter:
    """Turns a cleaned document into chunks sized for the embedding model."""

    def __init__(self, count_tokens: TokenCounter, target_tokens: int = 180, max_tokens: int = 240) -> None:
        # Packing counts most texts more than once (a unit, then its pieces, then the run it joins).
        self.count = lru_cache(maxsize=8192)(count_tokens)
        self.target = target_tokens
        self.max = max_tokens

    def split(
        self,
        doc: ParsedDocument,
        meta: Document,
        actions: ExtractedActions | None = None,
        sections: dict[int, Classification] | None = None,
    ) -> list[Chunk]:
        """Chunks in reading order. Table rows that became action records are indexed as one
        passage per action (its whole text, owner, due date and status) instead of row by row.
        A chunk never spans two classifications: blocks of an exempt section (`sections`, by block
        index) make chunks of their own, classified as the section or the paper, whichever is
        more protected."""
        actions = actions or ExtractedActions()
        sections = sections or {}
        paper_level = meta.classification or Classification.restricted
        chunk_level = paper_level  # classification of the chunks being built
        chunks: list[Chunk] = []
        ocr_pages = {b.page for b in doc.blocks if b.ocr}
        # Every passage of a paged paper has a page: one whose text came without one (an action
        # written from a row) takes the page of the block being read.
        at_page = [1 if doc.pages == 1 else None]
        path: list[tuple[int, str]] = []  # (level, heading)
        pending: list[_Unit] = []

        def headings() -> list[str]:
            return [h for _, h in path]

        def emit(text: str, page: int | None, kind: str = "text") -> str:
            page = page if page is not None else at_page[0]
            chunks.append(
                Chunk(
                    id=f"{meta.id}:{meta.sha256[:8]}:{len(chunks):05d}",
                    document_id=meta.id,
                    text=text,
                    page=page,
                    heading_path=headings(),
                    kind=kind,
                    source=meta.source,
                    title=meta.title,
                    committee=meta.committee,
                    meeting_date=meta.meeting_date,
                    doc_type=meta.doc_type,
                    classification=chunk_level,
                    ocr=page in ocr_pages,
                    body=meta.body,
                )
            )
            return chunks[-1].id

        def flush() -> None:
            if all(u.heading for u in pending):  # headings with no text under them (a table follows)
                pending.clear()
                return
            for text, page in self._pack(pending, self._budget(meta.title, headings())):
                emit(text, page)
            pending.clear()

        for bi, block in enumerate(doc.blocks):
            if block.edge:
                continue  # running header and footer text: read for markings, not indexed
            if block.page is not None:
                at_page[0] = block.page
            block_level = paper_level.at_least(sections.get(bi))
            if block_level != chunk_level:
                flush()
                chunk_level = block_level
            if block.table:
                flush()
                skip = {ri for b, ri in actions.consumed if b == bi}
                self._emit_table(block, emit, self._budget(meta.title, headings()), skip)
                for action in actions.anchors.get(bi, []):
                    action.classification = chunk_level.at_least(action.classification)
                    action.chunk_id = emit(action_passage(action), action.page, "action")
                continue
            level = block.heading_level if block.heading_level and block.heading_level > 0 else None
            if level is not None and level > 1:
                if _NUMBERED_HEADING.match(" ".join(block.lines)):
                    level = heading_level(" ".join(block.lines))  # "5." over "5.1", whatever their fonts
                elif path and path[-1][0] >= level and _NUMBERED_HEADING.match(path[-1][1]):
                    level = path[-1][0] + 1  # "Author" under "14. Contact details" stays inside it
            if level is None and len(block.lines) == 1 and looks_like_heading(block.lines[0]):
                level = heading_level(block.lines[0])
            if level is not None:
                heading = " ".join(block.lines).strip()
                if pending and self._tokens(pending) < MIN_CHUNK_TOKENS:
                    # A fragment ("Ask for:", "Question by X to Y,") is not a passage on its own:
                    # keep it, and the heading, with what follows.
                    pending.append(_Unit(heading, block.page, True, heading=True))
                else:
                    flush()
                    # The heading also opens the text of its section's first passage: it is what a
                    # reader of the citation needs ("Question by Susan Carey to Neil Baker"), and
                    # the answerer can quote it. Later passages carry it in their heading path.
                    pending.append(_Unit(heading, block.page, True, heading=True))
                while path and path[-1][0] >= level:
                    path.pop()
                path.append((level, heading[:120]))
                continue
            for line in block.lines:
                pending.append(_Unit(line, block.page, bool(_NUMBERED.match(line))))
        flush()
        # Actions written in the text (not a table): each its own passage too, after the text.
        flat: list[tuple[Chunk, str]] | None = None  # the text passages, whitespace folded, when first needed
        for bi, block in enumerate(doc.blocks):
            if block.table is not None:
                continue
            for action in actions.anchors.get(bi, []):
                chunk_level = paper_level.at_least(sections.get(bi))
                action.classification = chunk_level.at_least(action.classification)
                if action.owner is None and not action.due_text:
                    # Nothing to add to the minute's own words ("It was agreed to invite ..."): a
                    # passage of its own would only repeat them and crowd the answers; the record
                    # cites the passage that holds them.
                    if flat is None:
                        flat = [(c, " ".join(c.text.split())) for c in chunks if c.kind != "action"]
                    said = " ".join(action.action.split())
                    home = next((c for c, text in flat if said in text), None)
                    if home is not None:
                        action.chunk_id = home.id
                        action.classification = home.classification.at_least(action.classification)
                        continue
                at_page[0] = block.page if block.page is not None else at_page[0]
                path.clear()
                action.chunk_id = emit(action_passage(action), action.page, "action")
        return chunks

    def _tokens(self, units: list[_Unit]) -> int:
        return sum(self.count(u.text) for u in units)

    def _budget(self, title: str | None, headings: list[str]) -> int:
        ctx = " > ".join(dict.fromkeys(p for p in [title, *headings] if p))
        return self.max - min(self.count(ctx), MAX_CONTEXT_TOKENS) if ctx else self.max

    def _pieces(self, text: str, budget: int) -> list[str]:
        """Split text that is too long into sentence runs (word runs for a giant sentence)."""
        if self.count(text) <= budget:
            return [text]
        out: list[str] = []
        current: list[str] = []
        for sentence in split_sentences(text):
            if self.count(sentence) > budget:
                if current:
                    out.append(" ".join(current))
                    current = []
                words = sentence.split()
                step = max(8, int(len(words) * budget / max(1, self.count(sentence))) - 4)
                out.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
                continue
            candidate = " ".join([*current, sentence])
            if current and self.count(candidate) > min(budget, self.target):
                out.append(" ".join(current))
                current = [sentence]
            else:
                current.append(sentence)
        if current:
            out.append(" ".join(current))
        return out

    def _pack(self, units: list[_Unit], budget: int) -> list[tuple[str, int | None]]:
        """Greedily pack units up to the target size, preferring to break at numbered paragraphs."""
        out: list[tuple[str, int | None]] = []
        buf: list[str] = []
        buf_tokens = 0
        page: int | None = None
        for unit in units:
            for piece in self._pieces(unit.text, budget):
                n = self.count(piece)
                full = buf and buf_tokens + n > budget
                soft = buf and unit.boundary and buf_tokens + n > self.target
                if full or soft:
                    out.append(("\n".join(buf), page))
                    buf, buf_tokens = [], 0
                if not buf:
                    page = unit.page
                buf.append(piece)
                buf_tokens += n + 1
        if buf:
            out.append(("\n".join(buf), page))
        return out

    def _emit_table(self, block: Block, emit, budget: int, skip: set[int] = frozenset()) -> None:
        """One passage per row; `skip` holds rows (numbered over [header, *rows]) already indexed
        as action records."""
        table = block.table
        assert table is not None
        numbered = list(enumerate(table.rows, start=1))
        if is_data_row(table.header) or 0 in skip:  # no header row: the first row is data
            numbered = [(0, table.header), *numbered]
            table = Table(header=[], rows=table.rows, title=table.title)
        carried: str | None = None
        width = max((len(r) for _, r in numbered), default=0)
        for ri, row in numbered:
            # A row of rules ("-----", "--") is Markdown table furniture, not data.
            if ri in skip or not any(re.search(r"\w", cell) for cell in row):
                continue
            row = list(row)
            # A blank first cell in a grouped table means "same as above" (e.g. the meeting date
            # in an action log); carry it down so the row stands on its own.
            if row[0]:
                carried = row[0]
            elif carried and width >= 2 and any(row[1:]):
                row[0] = carried
            text = table_row_text(table, row)
            pieces = self._pieces(text, budget)
            for n, piece in enumerate(pieces):
                if n:  # keep later pieces of a long row attributable to their row
                    piece = f"{table.title or 'Table'} — {row[0]} (continued): {piece}"
                emit(piece, block.page, "table_row")
