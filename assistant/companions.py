"""Papers published together: an appendix that names no committee belongs to the report it was
published with.

A council numbers a decision's papers alike ("24-00115 - Adoption of ... - Report.pdf",
"24-00115 - Appendix B - ... measures.pdf"). The appendix often prints only the council's name,
so its metadata rightly has no committee (the body is the committee only of its own meetings'
papers), and every action in it had none: 86 of the corpus's 175 action records, an action plan
appended to a Cabinet report. The report says "To: Cabinet". So, for the action records only, a
paper that names no committee takes the committee of the papers in the same folder whose file
names start with the same reference, when they agree on one. The paper's own metadata stays as
the paper has it; this is read from the catalog when records are listed, so it holds whichever
paper was ingested first, and a report deleted or above the caller's clearance lends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from core.committees import committee_key
from core.types import Action, Document

# A decision or report number leading a file name: "24-00115 - ...", "24/00115 ...". The number
# after the separator has at least three digits, so a date ("2019-04 minutes", "2025-05-20
# agenda") is not one: papers of one month are not papers of one decision.
_REFERENCE = re.compile(r"^\s*(\d{2,4})\s*[-/_]\s*(\d{3,6})(?![\d/-])")


def paper_reference(source: str) -> str | None:
    """The reference a paper's file name starts with, normalised ("24-00115 - Appendix B.pdf" ->
    "24/00115"), or None."""
    m = _REFERENCE.match(Path(source).stem)
    return f"{m.group(1)}/{m.group(2)}" if m else None


def covering_papers(documents: Iterable[Document]) -> dict[str, Document]:
    """For each paper that names no committee, the paper it was published with: one in the same
    folder whose file name starts with the same reference and names a committee. When those papers
    name different committees (a call-in thread goes to Cabinet and to Council) none is taken."""
    groups: dict[tuple[str, str], list[Document]] = {}
    for d in documents:
        ref = paper_reference(d.source)
        if ref:
            groups.setdefault((str(Path(d.path).parent), ref), []).append(d)
    out: dict[str, Document] = {}
    for papers in groups.values():
        named = sorted((d for d in papers if d.committee), key=lambda d: d.source)
        if not named or len({committee_key(d.committee) for d in named}) != 1:
            continue
        for d in papers:
            if not d.committee:
                out[d.id] = named[0]
    return out


def with_covering_committees(actions: Iterable[Action], covering: dict[str, Document]) -> list[Action]:
    """The records, each with no committee of its own given its covering paper's."""
    return [
        replace(a, committee=covering[a.document_id].committee) if not a.committee and a.document_id in covering else a
        for a in actions
    ]
