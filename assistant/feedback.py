"""Ratings as labelled questions: what `GET /feedback/export` writes, one JSON object a line, in the
format of tests/data/questions.jsonl, so a clerk can review them and add them to the labelled set
(the mapping is described in docs/feedback.md).

A thumbs-up is a question with its answer: `source` and `evidence` point at the passage the answer
quoted first (so `make eval` can score retrieval on it as it stands), `answer` is the answer text
as the reference. A thumbs-up on a refusal is a `no_answer` question. A thumbs-down is marked
`"label": "bad_answer"` with the caller's comment and what was cited: a clerk works out the right
answer before it joins the set.
"""

from __future__ import annotations

import re

from core.types import Citation, Feedback

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CITED = re.compile(r"(?P<text>[^\[\]]+?)(?P<markers>(?:\s*\[\d+\])+)")
SNIPPET_WORDS = 8  # the labelled set's evidence is a few words copied from the passage
MAX_EVIDENCE = 3


def _norm(text: str | None) -> str:
    """The labelled set's matching rule (tests/data/README.md): lowercase, non-alphanumerics to
    one space."""
    return _NON_ALNUM.sub(" ", (text or "").lower()).strip()


def _snippet(sentence: str, passage: str) -> str | None:
    """The first run of up to SNIPPET_WORDS (at least 4) words of `sentence` found in `passage`."""
    words = sentence.split()
    target = _norm(passage)
    for size in range(min(SNIPPET_WORDS, len(words)), 3, -1):
        for start in range(len(words) - size + 1):
            piece = " ".join(words[start : start + size]).strip(" ,;:…")
            if _norm(piece) and f" {_norm(piece)} " in f" {target} ":
                return piece
    return None


def evidence(answer: str | None, citations: tuple[Citation, ...]) -> tuple[Citation | None, list[str]]:
    """The citation the answer quotes first and up to three snippets of it that the answer
    repeats (its opening words when the answer repeats none)."""
    by_n = {c.n: c for c in citations}
    chosen, snippets = None, []
    for m in _CITED.finditer(answer or ""):
        for n in map(int, re.findall(r"\d+", m.group("markers"))):
            c = by_n.get(n)
            if c is None or (chosen is not None and c is not chosen):
                continue
            chosen = c
            piece = _snippet(m.group("text"), c.passage.chunk.text)
            if piece and piece not in snippets:
                snippets.append(piece)
    chosen = chosen or (citations[0] if citations else None)
    if chosen is not None and not snippets:
        opening = " ".join(chosen.passage.chunk.text.split()[:SNIPPET_WORDS])
        snippets = [opening] if opening else []
    return chosen, snippets[:MAX_EVIDENCE]


def _cited(citations: tuple[Citation, ...]) -> list[dict]:
    return [
        {"n": c.n, "document_id": c.passage.chunk.document_id, "source": c.passage.chunk.source, "page": c.passage.chunk.page}
        for c in citations
    ]


def labelled_question(f: Feedback) -> dict:
    """One rating as a line of the labelled set (with what a reviewer needs besides)."""
    out = {
        "id": f"fb-{f.id}",
        "question": f.standalone or f.question,
        "source": None,
        "evidence": [],
        "answer": None,
        "kind": "feedback",
        "split": "feedback",
        "label": "good_answer" if f.rating == "up" else "bad_answer",
        "asked": f.question,
        "comment": f.comment,
        "mode": f.mode,
        "answerer": f.answerer,
        "classification": f.classification.value,
        "rated": f.created,
    }
    if f.rating == "up" and (f.mode == "not_found" or not f.citations):
        out["kind"] = "no_answer"  # the papers do not answer it, and the caller agreed
        out["expected"] = []
    elif f.rating == "up":
        chosen, snippets = evidence(f.answer, f.citations)
        out["source"] = chosen.passage.chunk.source if chosen else None
        out["evidence"] = snippets
        out["answer"] = f.answer
        out["expected"] = _cited(f.citations)
    else:
        out["bad_answer"] = f.answer
        out["cited"] = _cited(f.citations)
    return out
