"""DOCX loader (python-docx): paragraphs in body order, Word heading styles as headings, tables."""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import LoadError
from ingest.parsed import Block, Table

_HEADING_STYLE = re.compile(r"^(?:Heading|Title)\s*(\d*)$", re.I)


def load_docx(path: Path) -> list[Block]:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/lxml errors for bad files
        raise LoadError(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    blocks: list[Block] = []
    last_text: str | None = None
    edges = _section_edges(document)
    section = 0
    shown: list[str] | None = None

    def show_edges() -> None:
        nonlocal shown
        lines = edges[section] if section < len(edges) else []
        if lines != shown:
            if lines:
                blocks.append(Block(page=None, lines=list(lines), edge=True))
            shown = lines

    for item in document.iter_inner_content():
        # A paragraph holding a section's properties is the last of its section.
        section_ends = isinstance(item, Paragraph) and item._p.pPr is not None and item._p.pPr.sectPr is not None
        if isinstance(item, Paragraph):
            text = " ".join(item.text.split())
            if not text:
                section += section_ends
                continue
        show_edges()
        if isinstance(item, Paragraph):
            style = item.style.name if item.style is not None else ""
            m = _HEADING_STYLE.match(style or "")
            if m:
                level = int(m.group(1) or 1)
                blocks.append(Block(page=None, lines=[text], heading_level=level))
            else:
                prefix = "- " if "List" in (style or "") else ""
                blocks.append(Block(page=None, lines=[prefix + text]))
            last_text = text
        elif isinstance(item, DocxTable):
            rows = []
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    # Merged cells repeat in python-docx; keep one copy.
                    if not (cells and cells[-1] == value and value and len(row.cells) > 1 and cell._tc is row.cells[len(cells) - 1]._tc):
                        cells.append(value)
                rows.append(cells)
            rows = [r for r in rows if any(r)]
            if rows:
                blocks.append(Block(page=None, table=Table(header=rows[0], rows=rows[1:], title=last_text)))
        if section_ends:
            section += 1
    return blocks


def _section_edges(document) -> list[list[str]]:
    """Each section's running header and footer text (a marking such as OFFICIAL-SENSITIVE is
    often only there), in section order."""
    out = []
    for sec in document.sections:
        lines = []
        try:
            parts = [sec.header, sec.footer]
            if sec.different_first_page_header_footer:
                parts += [sec.first_page_header, sec.first_page_footer]
            for part in parts:
                for para in part.paragraphs:
                    text = " ".join(para.text.split())
                    if text and text not in lines:
                        lines.append(text)
                for table in part.tables:
                    for row in table.rows:
                        for cell in row.cells:
                            text = " ".join(cell.text.split())
                            if text and text not in lines:
                                lines.append(text)
        except Exception:  # a damaged header part: the body still loads
            pass
        out.append(lines)
    return out


class DocxLoader:
    format = "docx"
    label = "Word (.docx)"
    extensions = (".docx",)
    also_accepts = ()
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def load(self, path: Path, data: bytes):
        from ingest.loaders.base import Loaded

        return Loaded(load_docx(path))
