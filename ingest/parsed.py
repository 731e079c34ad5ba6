"""The format-neutral shape every loader produces: pages of text blocks and tables in reading order.

Loaders only extract; cleaning (`ingest.clean`) and splitting (`ingest.split`) work on this shape,
so a PDF, a DOCX and a text extraction go through the same noise removal and chunking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Sets off a trailing cell within a paragraph's line in a loader's text lines (an owner after the
# minute: "... police. <em>Clerk</em>"). It becomes a tab in the paragraph, which cleaning and
# the action reader know, without the line being read as a table row as a tab-separated line is.
CELL_MARK = "\x1f"
_ENDS_SENTENCE = re.compile(r"(?:[.!?)]|\s[-–—])$")


def trailing_cell(before: str, marked: str) -> str | None:
    """A paragraph's line with a short emphasised name after its last sentence set off as a cell
    ("... to the police." + "Clerk"), or None when the emphasis is not one (inside a sentence,
    after too few words, or too long to be a name). HTML's <em>/<strong> and Markdown's *X*."""
    before, marked = " ".join(before.split()), " ".join(marked.split()).strip(" .")
    if _ENDS_SENTENCE.search(before) and len(before.split()) >= 3 and 0 < len(marked.split()) <= 4:
        return f"{before}{CELL_MARK}{marked}"
    return None


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    title: str | None = None


@dataclass
class Block:
    """A run of text lines or one table, on one page (None when the format has no pages)."""

    page: int | None
    lines: list[str] = field(default_factory=list)
    table: Table | None = None
    heading_level: int | None = None  # set when the format marks the block as a heading
    ocr: bool = False  # read from the page's image by OCR (no text layer): may hold misreadings
    # The running header and footer of the part of the paper that follows (a Word section's):
    # read for markings, never indexed.
    edge: bool = False

    @property
    def is_table(self) -> bool:
        return self.table is not None


@dataclass
class ParsedDocument:
    path: Path
    source: str
    sha256: str
    fmt: str  # pdf | docx | html | markdown | text
    pages: int
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)
    running_lines: list[str] = field(default_factory=list)  # headers/footers removed by cleaning
    # Running headers and footers removed by cleaning, page by page (a marking such as
    # "OFFICIAL-SENSITIVE" repeated on an annex's pages is one): page -> lines.
    removed_edges: dict[int, list[str]] = field(default_factory=dict)
    front_matter: dict[str, str] = field(default_factory=dict)  # a Markdown page's YAML header
    words: dict[int, list] = field(default_factory=dict)  # page -> its words and boxes (PDF only)

    def plain_text(self, max_pages: int | None = None) -> str:
        """All text in reading order (tables as tab-separated rows), for metadata detection."""
        out: list[str] = []
        for b in self.blocks:
            if max_pages is not None and b.page is not None and b.page > max_pages:
                break
            if b.table:
                if b.table.title:
                    out.append(b.table.title)
                for row in [b.table.header, *b.table.rows]:
                    out.append("\t".join(row))
            else:
                out.extend(b.lines)
        return "\n".join(out)
