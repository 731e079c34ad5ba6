"""HTML to the plain line format the text loader reads: headings as `#` lines, tables as
tab-separated rows, list items as `- ` lines. Scripts, styles and comments are dropped, never run."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from ingest.parsed import trailing_cell

_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "br", "ul", "ol", "li",
    "table", "tr", "blockquote", "pre", "hr", "dl", "dt", "dd", "caption", "figure", "nav",
}
_EMPHASIS = {"em", "strong", "b", "i"}
_SKIP = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg"}


class _ToLines(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.line: list[str] = []
        self.skip = 0
        self.cells: list[str] | None = None  # cells of the current table row
        self.cell: list[str] | None = None
        self.in_sup = False
        self.sup: list[str] = []
        self.emphasis: list[int] = []  # where each open <em>/<strong> began in self.line
        self.last_emphasis: tuple[int, int] | None = None  # the last closed one: (start, end)

    def _flush(self) -> None:
        text = " ".join("".join(self.line).split())
        trailing = self.last_emphasis
        if text and trailing and not "".join(self.line[trailing[1] :]).strip(" ."):
            # "... to the police. <em>Clerk</em>": a short emphasised name after the paragraph's
            # last sentence is who acts on it, set off as an ACTION column's cell is.
            text = trailing_cell("".join(self.line[: trailing[0]]), "".join(self.line[trailing[0] : trailing[1]])) or text
        if text:
            self.out.append(text)
        self.line = []
        self.emphasis, self.last_emphasis = [], None

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "sup":
            self.in_sup, self.sup = True, []
        elif tag in _EMPHASIS and self.cell is None:
            self.emphasis.append(len(self.line))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            self.line.append("#" * int(tag[1]) + " ")
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "li":
            self._flush()
            if self.cell is None:
                self.line.append("- ")
            else:
                self.cell.append(" ")
        elif tag in _BLOCK and self.cell is None:
            self._flush()

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _EMPHASIS and self.cell is None and self.emphasis:
            self.last_emphasis = (self.emphasis.pop(), len(self.line))
        elif tag == "sup":
            self.in_sup = False
            sup = "".join(self.sup).strip()
            # Footnote markers glue onto words ("documents1"); keep only non-numeric superscripts.
            if sup and not sup.isdigit():
                self.handle_data(sup)
        elif tag in ("td", "th") and self.cells is not None and self.cell is not None:
            self.cells.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            if any(self.cells):
                self.out.append("\t".join(self.cells))
            self.cells = None
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") or (tag in _BLOCK and self.cell is None):
            self._flush()

    def handle_data(self, data):
        if self.skip:
            return
        if self.in_sup:
            self.sup.append(data)
        elif self.cell is not None:
            self.cell.append(data)
        else:
            self.line.append(data)

    def close(self):
        super().close()
        self._flush()


def html_to_lines(markup: str) -> list[str]:
    """Convert an HTML document or fragment to text lines."""
    parser = _ToLines()
    parser.feed(markup)
    parser.close()
    return [html.unescape(line) for line in parser.out]


class HtmlLoader:
    format = "html"
    label = "Web page (HTML)"
    extensions = (".html", ".htm")
    also_accepts = (".php", ".aspx", ".asp")  # a council site's page saved under its script's name
    media_type = "text/html; charset=utf-8"

    def load(self, path, data: bytes):
        from ingest.loaders.base import Loaded
        from ingest.loaders.text import decode_text, lines_to_blocks

        text, warnings = decode_text(data)
        return Loaded(lines_to_blocks(html_to_lines(text), markdown=True), 0, warnings)
