"""Plain text and Markdown loader.

Text extractions of PDFs keep tables as tab-separated lines; a run of such lines becomes a table.
Markdown headings (`#`) become heading blocks, and the HTML fragments that PDF-to-Markdown
converters leave inside lines (`<b>`, `<ul><li>`, `&amp;`) are turned into text cell by cell.
A form feed marks a page break.
"""

from __future__ import annotations

import re

from ingest.loaders.html import html_to_lines
from ingest.parsed import CELL_MARK, Block, Table, trailing_cell

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")


def _strip_inline_html(cell: str) -> str:
    if not _TAG.search(cell) and "&" not in cell:
        return cell
    return "; ".join(html_to_lines(cell))


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


# "... to the police. **Clerk**": a short emphasised name after a paragraph's last sentence is
# who acts on it (as html_to_lines reads <em>/<strong>), set off as a cell.
_MD_TRAILING = re.compile(r"^(.*\S)\s+(\*\*|__|\*|_)([^*_\t]{1,40}?)\2\s*\.?$")


def _markdown_line(line: str) -> str:
    m = _MD_TRAILING.match(line)
    if m:
        line = trailing_cell(m.group(1), m.group(3)) or line
    line = _MD_LINK.sub(lambda m: m.group(1), line)
    line = _MD_EMPHASIS.sub("", line)
    return _MD_ESCAPE.sub(r"\1", line)  # "1\. PUBLIC FORUM", "Public\_Board": what the page shows


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """A Markdown page's YAML front matter (`---` ... `---` at the top: a republished page's title
    and posting date) as simple key/value pairs, and the text without it."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0 or end > 4000:
        return {}, text
    values = {}
    for line in text[3:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "-")) and value.strip():
            values[key.strip().lower()] = value.strip().strip("'\"")
    rest = text[end + 4 :]
    return values, rest.split("\n", 1)[1] if "\n" in rest else ""


def lines_to_blocks(lines: list[str], markdown: bool = False) -> list[Block]:
    """Group lines into paragraph blocks, heading blocks and tables (runs of tab-separated lines)."""
    blocks: list[Block] = []
    page: int | None = None
    para: Block | None = None
    table: Table | None = None
    last_text: str | None = None

    def close_table() -> None:
        nonlocal table
        if table is not None:
            blocks.append(Block(page=page, table=table))
            table = None

    for raw in lines:
        if "\f" in raw:
            close_table()
            page = (page or 1) + raw.count("\f")
            para = None
            raw = raw.replace("\f", "")
        line = raw.rstrip("\r\n ")
        if markdown or _TAG.search(line):
            cells = line.split("\t")
            cells = [_strip_inline_html(c) for c in cells]
            if markdown:
                cells = [_markdown_line(c) for c in cells]
            line = "\t".join(cells).rstrip()
        in_wide_table = table is not None and len(table.header) >= 3
        if "\t" in line.strip("\t") or (line.startswith("\t") and line.strip()) or (
            in_wide_table and "\t" in raw and line.strip()
        ):
            para = None
            cells = [" ".join(c.split()) for c in line.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            if table is None:
                table = Table(header=cells, rows=[], title=last_text)
            else:
                table.rows.append(cells)
            continue
        close_table()
        if not line.strip():
            para = None
            continue
        m = _MD_HEADING.match(line.strip()) if markdown or line.startswith("#") else None
        if m:
            text = m.group(2).strip().strip("*").strip()
            if text:
                blocks.append(Block(page=page, lines=[text], heading_level=len(m.group(1))))
                last_text = text
            para = None
            continue
        if para is None:
            para = Block(page=page)
            blocks.append(para)
        para.lines.append(line.strip().replace(CELL_MARK, "\t"))
        last_text = line.strip().replace(CELL_MARK, " ")
    close_table()
    return blocks


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8 (with BOM) or, failing that, Windows-1252, saying so in a warning."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), [
            "not valid UTF-8: decoded as Windows-1252, some characters may be wrong"
        ]


class MarkdownLoader:
    format = "markdown"
    label = "Markdown"
    extensions = (".md", ".markdown")
    also_accepts = ()
    media_type = "text/markdown; charset=utf-8"

    def load(self, path, data: bytes):
        from ingest.loaders.base import Loaded

        text, warnings = decode_text(data)
        matter, text = front_matter(text)
        return Loaded(lines_to_blocks(text.splitlines(), markdown=True), 0, warnings, matter)


class TextLoader:
    format = "text"
    label = "Plain text"
    extensions = (".txt", ".text")
    also_accepts = ()
    media_type = "text/plain; charset=utf-8"

    def load(self, path, data: bytes):
        from ingest.loaders.base import Loaded

        text, warnings = decode_text(data)
        return Loaded(lines_to_blocks(text.splitlines(), markdown=False), 0, warnings)
