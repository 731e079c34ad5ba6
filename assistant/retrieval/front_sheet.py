"""Who wrote a paper is on its front sheet ("From: ...", "Report author: ...", "Contact
officer: ..."), which a search for the question's topic seldom returns: for a question asking who
wrote, presented or is the contact for a paper, the front sheets of the papers found are added to
the passages the answer is made from (inside the caller's clearance, like every read)."""

from __future__ import annotations

from core.intent import ASKS_AUTHOR, AUTHOR_FIELD
from core.types import Passage

PAPERS = 3  # papers among the best passages whose front sheets are read
FRONT = 2  # first chunks of a paper read as its front sheet


def with_front_sheets(question: str, passages: list[Passage], catalog, clearance) -> list[Passage]:
    """The passages, each preceded by its paper's front sheet when the question asks who wrote it
    and the front sheet names someone (and is not among the passages already)."""
    if not passages or not ASKS_AUTHOR.search(question):
        return passages
    documents = list(dict.fromkeys(p.chunk.document_id for p in passages))[:PAPERS]
    have = {p.chunk.id for p in passages}
    fronts: dict[str, list[Passage]] = {}
    for chunk in catalog.front_chunks(documents, FRONT, clearance):
        if chunk.id not in have and AUTHOR_FIELD.search(chunk.text):
            fronts.setdefault(chunk.document_id, []).append(Passage(chunk, 0.0))
    if not fronts:
        return passages
    out: list[Passage] = []
    for p in passages:
        for front in fronts.pop(p.chunk.document_id, []):
            out.append(Passage(front.chunk, p.score))
        out.append(p)
    return out
