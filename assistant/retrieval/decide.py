"""Step three: decide whether the papers answer the question. The one place that says "not found".

A question is refused, with the closest passages shown, when
- no passage comes back;
- a word of it is unmatched: no paper the caller may see (inside the search's filters) uses it,
  and the best passages do not match it in meaning either ("graffiti", "swimming");
- it names someone or somewhere (capitalised mid-sentence: "Leeds", "Peskett") that none of the
  passages mention: dense similarity cannot tell Leeds from Kent;
- or even the best passage is not relevant enough (its cosine blended with the share of the
  question's content words it holds).
Every threshold is a `RetrievalSettings` field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.config import RetrievalSettings
from core.text import content_words
from core.types import Answer, AnswerMode, Citation, Passage, SearchFilters
from prompts import not_found_answer
from vectorstore import late_interaction
from vectorstore.interfaces import LexicalIndex


@dataclass
class Decision:
    answerable: bool
    missing: list[str] = field(default_factory=list)  # question words and names the papers lack


def unmatched_words(
    query: str,
    top: Sequence[Passage],
    packed: dict[str, bytes],
    query_pieces,
    lexical: LexicalIndex,
    filters: SearchFilters | None,
    settings: RetrievalSettings,
) -> list[str]:
    """Question words no paper inside the filters uses and the best passages do not match in
    meaning (late-interaction support below `unmatched_support`). Words the papers use but the
    passages miss are left alone: a paraphrase ("homes" for "properties") is not a missing topic.
    None when one of the best passages has a window `close_enough` to the question: it then
    answers it in other words (a small store lacks most verbs: "Who wrote the homelessness
    report?" over papers that say "Report author")."""
    support = top[: settings.support_passages]
    if max((p.dense_score or 0.0 for p in support), default=0.0) >= settings.close_enough:
        return []
    best = [late_interaction.unpack(packed[p.chunk.id]) for p in support if p.chunk.id in packed]
    unmatched = []
    for word, start, end in lexical.absent_words(query, filters):
        pieces = query_pieces.of(start, end)
        # A function word ("what", "which") has no pieces to match: it says nothing of the topic.
        if len(pieces) and late_interaction.support(pieces, best) < settings.unmatched_support:
            unmatched.append(word)
    return unmatched


def relevance(question: str, passages: list[Passage], query_vector: np.ndarray, embedder, settings: RetrievalSettings) -> list[float]:
    """Each passage's relevance (also set on it): its cosine similarity to the question (computed
    when the dense search did not return it) blended with the share of the question's content
    words it contains."""
    missing = [i for i, p in enumerate(passages) if p.dense_score is None]
    if missing:
        vecs = embedder.embed([passages[i].chunk.index_text for i in missing])
        for i, v in zip(missing, vecs):
            passages[i].dense_score = float(v @ query_vector)
    q = content_words(question)
    share = settings.relevance_dense_share
    out = []
    for p in passages:
        overlap = len(q & content_words(p.chunk.index_text)) / len(q) if q else 0.0
        p.relevance = share * float(p.dense_score or 0.0) + (1 - share) * overlap
        out.append(p.relevance)
    return out


def decide(
    question: str,
    passages: list[Passage],
    query_vector: np.ndarray,
    unmatched: Sequence[str],
    embedder,
    settings: RetrievalSettings,
) -> Decision:
    """Whether the passages answer the question (setting each passage's relevance)."""
    if not passages:
        return Decision(False)
    rel = relevance(question, passages, query_vector, embedder, settings)
    missing = list(dict.fromkeys([*unmatched, *missing_names(question, passages)]))
    return Decision(max(rel) >= settings.min_relevance and not missing, missing)


def refusal(question: str, passages: list[Passage], decision: Decision) -> Answer:
    """The "not found" answer: what the papers lack, and the closest passages, cited."""
    return Answer(
        question, not_found_answer(decision.missing), AnswerMode.not_found, [Citation(i + 1, p) for i, p in enumerate(passages)]
    )


_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,}(?:[-'’][A-Za-z]+)?)\b")
_CALENDAR_WORDS = {
    *"January February March April May June July August September October November December".split(),
    *"Monday Tuesday Wednesday Thursday Friday Saturday Sunday Spring Summer Autumn Winter".split(),
}


def missing_names(question: str, passages: list[Passage]) -> list[str]:
    """Proper names in the question (capitalised mid-sentence: "Leeds", "Peskett") that none of the
    passages mention."""
    names = {re.sub(r"['’]s$", "", m.group(1)) for m in _NAME.finditer(question.strip())}
    names -= _CALENDAR_WORDS
    if not names:
        return []
    # The paper's committee and file name count: a row of Tower Hamlets' lettings table does not
    # repeat "Tower Hamlets", its committee does.
    haystack = " ".join(f"{p.chunk.index_text} {p.chunk.committee or ''} {p.chunk.source}" for p in passages).lower()
    return sorted(n for n in names if n.lower() not in haystack)
