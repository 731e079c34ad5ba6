"""Who may see a paper, and which of its sections are more protected than the paper.

Councils mark exempt papers in several ways (Local Government Act 1972, Schedule 12A): a
"Classification: Restricted" line, "CONTAINS EXEMPT INFORMATION? Yes", "NOT FOR PUBLICATION", or an
exempt appendix inside an otherwise public report. The paper's own marking is read by
`ingest.metadata.detect_classification`; this module decides what an unmarked or ambiguously
marked paper becomes (erring towards restricted when a paper talks of exempt information without
marking itself) and which blocks belong to an exempt or restricted section.
"""

from __future__ import annotations

import re

from assistant.types import Classification
from ingest.parsed import ParsedDocument

# A short line that opens a protected section: "NOT FOR PUBLICATION", "Exempt Appendix 2",
# "Appendix 3 - Exempt", "Part 2 (exempt)", "Confidential appendix".
_EXEMPT_START = re.compile(
    r"^\W*(?:not for publication\b"
    r"|exempt (?:appendix|annex|information)\b"
    r"|(?:appendix|annex)\s+\w+\s*[-–—:(]?\s*\(?(?:exempt|not for publication)\b"
    r"|part (?:2|ii|two)\b.{0,40}\b(?:exempt|not for publication)\b)",
    re.I,
)
_RESTRICTED_START = re.compile(
    r"^\W*(?:(?:restricted|confidential) (?:appendix|annex|section)\b"
    r"|(?:appendix|annex)\s+\w+\s*[-–—:(]?\s*\(?(?:restricted|confidential)\b)",
    re.I,
)
_NEXT_APPENDIX = re.compile(r"^\W*(?:appendix|annex)\s+\w+", re.I)
# Talk of exempt information in a paper that does not mark itself ("no exempt items" is fine).
_MENTIONS_EXEMPT = re.compile(
    r"(?<!\bno )\b(?:exempt information|schedule 12a|confidential information|not for publication)\b", re.I
)


def unmarked_classification(text: str, default: Classification) -> tuple[Classification, str | None]:
    """The classification of a paper that carries no classification marking, and a warning for the
    ingest report when the decision was not clear-cut."""
    m = _MENTIONS_EXEMPT.search(text)
    if m:
        return Classification.restricted, (
            f"no classification marking, but the paper mentions '{m.group(0)}': treated as restricted "
            "until an admin reclassifies it"
        )
    return default, None


def section_classifications(doc: ParsedDocument) -> dict[int, Classification]:
    """Blocks (by index) inside a section marked exempt or restricted: from the marking line to the
    next appendix heading that is not itself marked, or the end of the paper."""
    out: dict[int, Classification] = {}
    current: Classification | None = None
    for i, block in enumerate(doc.blocks):
        lines = block.lines if block.table is None else [c for c in (block.table.title or "",) if c]
        first = next((ln for ln in lines if ln.strip()), "")
        short = len(first.split()) <= 14
        if short and _EXEMPT_START.match(first):
            current = Classification.exempt
        elif short and _RESTRICTED_START.match(first):
            current = Classification.restricted
        elif current is not None and short and _NEXT_APPENDIX.match(first):
            current = None
        if current is not None:
            out[i] = current
    return out
