"""Read a file of any supported format into a `ParsedDocument`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.parsed import LoadError, ParsedDocument

SUPPORTED = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}


def detect_format(path: Path) -> str | None:
    """The loader a file goes to, from its extension; None when unsupported."""
    return SUPPORTED.get(path.suffix.lower())


def load(path: Path, data: bytes | None = None) -> ParsedDocument:
    """Load one file. Raises LoadError with a reason a person can act on."""
    fmt = detect_format(path)
    if fmt is None:
        raise LoadError(f"unsupported file type '{path.suffix or '(none)'}'")
    if data is None:
        data = path.read_bytes()
    if not data:
        raise LoadError("empty file (0 bytes)")
    sha = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    if fmt == "pdf":
        from ingest.loaders.pdf import load_pdf

        blocks, pages, warnings = load_pdf(path)
    elif fmt == "docx":
        from ingest.loaders.docx import load_docx

        blocks, pages = load_docx(path), 0
    else:
        from ingest.loaders.text import decode_text, lines_to_blocks

        text, warnings = decode_text(data)
        if fmt == "html":
            from ingest.loaders.html import html_to_lines

            lines, markdown = html_to_lines(text), True
        else:
            lines, markdown = text.splitlines(), fmt == "markdown"
        blocks = lines_to_blocks(lines, markdown=markdown)
        pages = 0
    if not any(b.lines or b.table for b in blocks):
        raise LoadError("no text found" + (": needs OCR" if fmt == "pdf" else ""))
    return ParsedDocument(
        path=path,
        source=path.name,
        sha256=sha,
        fmt=fmt,
        pages=pages,
        blocks=blocks,
        warnings=warnings,
    )


__all__ = ["LoadError", "ParsedDocument", "SUPPORTED", "detect_format", "load"]
