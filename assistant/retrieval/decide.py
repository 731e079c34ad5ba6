"""Step three: decide whether the papers answer the question. The one place that says "not found".

A question is refused, with the closest passages shown, when
- no passage comes back;
- a word of it is unmatched: no paper the caller may see (inside the search's filters) uses it,
  and the best passages do not match it in meaning either ("graffiti", "swimming");
- it names someone or somewhere (capitalised mid-sentence: "Leeds", "Peskett") that none of the
  passages mention: dense similarity cannot tell Leeds from Kent;
- even the best passage is not relevant enough (its cosine blended with the share of the
  question's content words it holds);
- or it wants a name, a time or a figure and no relevant passage has a sentence giving one about
  what it asks (`kind_given`).
Every threshold is a `RetrievalSettings` field; the refusal says which of these it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.config import RetrievalSettings
from core.intent import MONTHS, Intent, answer_intents, holds
from core.text import content_words, quotable, split_sentences
from core.types import Answer, AnswerMode, Citation, Passage, SearchFilters
from prompts import not_found_answer
from vectorstore import late_interaction
from vectorstore.interfaces import LexicalIndex

# Words that say what kind of answer a question wants, not what it is about: "Who wrote the
# allotments report?" is answered by "From: ..." in papers that never say "wrote".
_FORM_WORDS = frozenset("wrote written writes author authored authors prepared drafted presented presenting submitted".split())


@dataclass
class Decision:
    answerable: bool
    missing: list[str] = field(default_factory=list)  # question words and names the papers lack
    wanted: str | None = None  # the kind of answer asked for that no passage gives ("a figure")


# What a question wanting a name, a time or a figure is told when no passage gives one.
_KIND_WORDS = {Intent.person: "a name", Intent.time: "a date or time", Intent.quantity: "a figure"}
_PLAIN_NUMBER = re.compile(r"^\d+$")
# Words that place a question in time without saying what it is about.
_FILLER_WORDS = frozenset("last new current latest recent recently ever still now today currently previous first".split())
# Words that name a kind of body, not what a question asks about it.
_BODY_WORDS = frozenset("parish town city county district borough community council councils pc cc board trust committee".split())


# Broader than core.intent's patterns (which ingest stores with each passage, for ranking): here
# a sentence only has to *give* something of the kind for the question not to be refused.
_GIVES = {
    Intent.person: re.compile(
        r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[-'’][A-Za-z]+)?(?:\s+[A-Z][\w'’-]+)+"  # Amanda Sharman, Donogh O'Malley
        r"|\b[A-Z]\.\s?[A-Z][a-z]+|\b[A-Z]{2,3}\b(?=\s+(?:to|will|reported|agreed))"  # O. Williams; NO to respond
        r"|(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{3,}\b"  # an organisation or a surname alone: Maydencroft
    ),
    Intent.time: re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\b|\b{MONTHS}\s+\d{{4}}\b|\b(?:19|20)\d\d\b|\b\d{{1,2}}[./]\d{{1,2}}(?:[./]\d{{2,4}})?\b"
        r"|\b\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b"
        r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|spring|summer|autumn|winter|quarter|Q[1-4])\b",
        re.I,
    ),
    Intent.quantity: re.compile(r"\b\d+\.\d\d\b|\b\d+(?:\.\d+)?\s?(?:p|pence|pounds|euros?|€)\b|€\s?\d"),
}


def _shares(asked: set[str], words: set[str]) -> bool:
    """A word of the question in the sentence, also inside a longer word or by its first five
    letters ("housed" / "Rehoused", "worker" / "keyworkers", "decided" / "decision")."""
    if asked & words:
        return True
    for a in asked:
        if len(a) < 4:
            continue
        if any(a in w or (len(w) >= 4 and w in a) or (len(a) >= 5 and w[:5] == a[:5]) for w in words):
            return True
    return False


# Numbers that are not figures: a page's number, a heading's item number at its end.
_PAGE_NUMBER = re.compile(r"\bPage \d+(?: of \d+)?\b", re.I)
_ITEM_NUMBER = re.compile(r"\s\d{1,3}\.?\s*$")
_SHOUTED = re.compile(r"\b[A-Z]{3,}\b")
MIN_SENTENCE_WORDS = 4  # fewer words than this is a heading or a label, not a sentence that gives


def _gives(sentence: str, intent: Intent, kind: str) -> bool:
    sentence = quotable(sentence)  # a paragraph number is not a figure
    if kind != "action" and len(sentence.split()) < MIN_SENTENCE_WORDS:
        return False
    if intent in (Intent.quantity, Intent.time):
        # "Page 2 of 5" is no figure, nor a heading's item number ("Garden Waste Skip 6.", "...
        # FUNDING 21.": no word of it starts in lower case); and "7 JUNE" is a date.
        if not any(w[:1].islower() for w in sentence.split()):
            sentence = _ITEM_NUMBER.sub(" ", sentence)
        sentence = _PAGE_NUMBER.sub(" ", _SHOUTED.sub(lambda m: m.group(0).title(), sentence))
    return holds(sentence, intent, kind) or bool(_GIVES[intent].search(sentence))


def kind_given(question: str, passages: list[Passage], settings: RetrievalSettings) -> Intent | None:
    """The kind of answer the question wants (a name, a time, a figure) when none of the relevant
    passages has a sentence that gives one *and* shares a word with what the question asks about
    (beyond the body's own name and bare numbers); None when one does, or the question wants none
    of these. "What precept did Souldern set for 2025/26?" over minutes that never state one is
    not answered by their meeting dates."""
    wanted = [i for i in answer_intents(question) if i in _KIND_WORDS]
    if not wanted:
        return None
    asked = {w for w in content_words(question) if not _PLAIN_NUMBER.match(w)} - _FILLER_WORDS
    names = content_words(" ".join(_NAME.findall(question)))  # capitalised mid-sentence: places, bodies
    pool = [p for p in passages if (p.relevance or 0.0) >= settings.min_relevance][: settings.kind_passages]
    for p in pool:
        # The paper's own body ("Gloucester", "Souldern") says nothing of what is asked about it.
        own = content_words(f"{p.chunk.committee or ''} {p.chunk.title or ''} {p.chunk.source}")
        about = asked - content_words(p.chunk.committee or "") - _BODY_WORDS - (names & own)
        heading = content_words(p.chunk.title or "")
        for sentence in split_sentences(p.chunk.text) or [p.chunk.text]:
            if not _shares(about, content_words(sentence) | heading):
                continue
            if any(_gives(sentence, intent, p.chunk.kind) for intent in wanted):
                return None
    return wanted[0]


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
        if word.lower() in _FORM_WORDS:
            continue  # how the question is put, not what it is about
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
    if max(rel) < settings.min_relevance or missing:
        return Decision(False, missing)
    lacking = kind_given(question, passages, settings) if settings.kind_passages else None
    if lacking is not None:
        return Decision(False, [], _KIND_WORDS[lacking])
    return Decision(True)


def refusal(
    question: str, passages: list[Passage], decision: Decision, filters: SearchFilters | None = None, council: str | None = None
) -> Answer:
    """The "not found" answer: what was looked for, within which committee, council and dates,
    and the closest passages, cited. `council`: the council whose papers alone were searched (a
    follow-up keeps the conversation's)."""
    text = not_found_answer(decision.missing, decision.wanted, _scope(filters, council))
    return Answer(question, text, AnswerMode.not_found, [Citation(i + 1, p) for i, p in enumerate(passages)])


def _scope(filters: SearchFilters | None, council: str | None = None) -> str | None:
    if filters is None and council is None:
        return None
    filters = filters or SearchFilters()
    parts = []
    if filters.committee and council:
        parts.append(f"the papers of {filters.committee} ({council})")
    elif filters.committee or council:
        parts.append(f"the papers of {filters.committee or council}")
    if filters.doc_type:
        parts.append(f"{filters.doc_type.value.replace('_', ' ')}s")
    if filters.date_from and filters.date_to:
        parts.append(f"meetings from {filters.date_from:%-d %B %Y} to {filters.date_to:%-d %B %Y}")
    elif filters.date_from:
        parts.append(f"meetings from {filters.date_from:%-d %B %Y}")
    elif filters.date_to:
        parts.append(f"meetings up to {filters.date_to:%-d %B %Y}")
    return ", ".join(parts) or None


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
