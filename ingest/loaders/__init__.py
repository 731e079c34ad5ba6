"""Read a file of any supported format into a `ParsedDocument`: the format is told from the bytes
and the name (`detect_format`), then the registered loader for it reads the file (`base.py`)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from core.errors import LoadError
from ingest.loaders.base import LOADERS, SUPPORTED, Loaded, Loader, accepted_extensions, media_type
from ingest.parsed import ParsedDocument

SNIFF_BYTES = 4096
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)


_HTML_TAGS = re.compile(rb"</(?:p|div|h[1-6]|table|tr|td|li|ul|ol|span|section|article|strong|em|a)>", re.I)


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """The format the bytes themselves show (a PDF header, a Word zip, an HTML page), whatever
    the file is called; None when they show none of these (plain text, Markdown, or anything)."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and path is not None:
        import zipfile

        try:
            with zipfile.ZipFile(path) as z:
                return "docx" if "word/document.xml" in z.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if _HTML_START.match(body):
        return "html"
    # A fragment of a page (no <html>): it opens with a tag and holds a few block elements.
    if body.startswith(b"<") and len(_HTML_TAGS.findall(body)) >= 3:
        return "html"
    return None


def detect_format(path: Path, head: bytes | None = None) -> str | None:
    """The loader a file goes to: what its bytes show when they show a format (an HTML page saved
    as `.php` or `.aspx`, a PDF without an extension), else what its name says; None when neither
    is a supported format."""
    if head is None:
        try:
            with open(path, "rb") as f:
                head = f.read(SNIFF_BYTES)
        except OSError:
            head = b""
    by_name = SUPPORTED.get(path.suffix.lower())
    shown = sniff(head, path)
    if shown is not None and by_name in (None, "text", "markdown", "html", shown):
        return shown
    return by_name


def load(path: Path, data: bytes | None = None) -> ParsedDocument:
    """Load one file. Raises LoadError with a reason a person can act on."""
    if data is None:
        data = path.read_bytes()
    if not data:
        raise LoadError("empty file (0 bytes)")
    fmt = detect_format(path, data[:SNIFF_BYTES])
    if fmt is None:
        raise LoadError(f"unsupported file type '{path.suffix or '(none)'}'")
    shown = sniff(data[:SNIFF_BYTES], path)
    if shown is not None and shown != fmt:
        raise LoadError(
            f"the file is named '{path.suffix}' but holds {shown.upper()} (a web page or error page saved in place of the paper?)"
        )
    sha = hashlib.sha256(data).hexdigest()
    loaded = LOADERS[fmt].load(path, data)
    blocks, warnings = loaded.blocks, loaded.warnings
    if not any(b.lines or b.table for b in blocks):
        raise LoadError("no text found")
    named = SUPPORTED.get(path.suffix.lower())
    if named != fmt:
        warnings = [*warnings, f"read as {fmt.upper()} (what the file holds; its name says '{path.suffix or 'no extension'}')"]
    return ParsedDocument(
        path=path,
        source=path.name,
        sha256=sha,
        fmt=fmt,
        pages=loaded.pages,
        blocks=blocks,
        warnings=warnings,
        front_matter=loaded.front_matter,
        words=loaded.words,
    )


__all__ = [
    "LOADERS", "SUPPORTED", "LoadError", "Loaded", "Loader", "ParsedDocument", "accepted_extensions", "detect_format", "load", "media_type",
]
