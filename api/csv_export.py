"""Action records as a CSV file for a spreadsheet (GET /actions/export.csv).

The cells are the papers' own text, and a spreadsheet runs a cell that starts with "=", "+", "-"
or "@" as a formula ("=HYPERLINK(...)" in an action log would become a link that sends the sheet
elsewhere). Such a cell, and one starting with a tab or carriage return, gets a leading
apostrophe: the spreadsheet shows the text as written and runs nothing. The file starts with a
UTF-8 byte order mark, without which Excel reads "Cllr Ó Súilleabháin" as mojibake.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from core.types import ActionView

COLUMNS = (
    "reference", "action", "committee", "meeting_date", "owner", "due_date", "due_text", "status", "overdue",
    "response", "document", "page", "source_url",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """A cell's text as a spreadsheet will show it and never run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def file_url(base_url: str, document_id: str, source: str, page: int | None) -> str:
    """This service's address of a paper's original, at the page for a PDF."""
    url = f"{base_url.rstrip('/')}/documents/{quote(document_id, safe='')}/file"
    return f"{url}#page={page}" if page and source.lower().endswith(".pdf") else url


def actions_csv(views: list[ActionView], council_pages: dict[str, str], base_url: str) -> str:
    """The records as CSV, one row each in the order given. `source_url` is the council's own page
    for the paper when it came from the council's site (`council_pages`), else this service's
    link to the original."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)  # quotes cells holding commas, quotes or line breaks; lines end in CRLF
    writer.writerow(COLUMNS)
    for v in views:
        a = v.action
        link = council_pages.get(a.document_id) or file_url(base_url, a.document_id, a.source, a.page)
        row = (
            a.reference, a.action, a.committee, a.meeting_date.isoformat() if a.meeting_date else None, a.owner,
            a.due_date.isoformat() if a.due_date else None, a.due_text, a.status.value,
            "yes" if a.is_overdue(v.as_of) else "no", a.response, a.source, a.page, link,
        )
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
