"""Answerers turn retrieved passages into an answer with citations.

`Answerer` is the interface; `ExtractiveAnswerer` is the default and needs no language model: it
picks the sentences or table rows that best answer the question from the top passages and cites
each one. When the passages are not relevant enough it says so and shows the closest passages.
A language-model answerer can implement the same interface using the templates in `prompts/`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from core.config import AnswerSettings
from core.intent import Intent, holds, intents_of
from core.types import Answer, Citation, Passage
from ingest.split import sentence_windows
from prompts import not_found_answer
from vectorstore.embedder import Embedder

_STOP = set(
    """a an the of to in on for and or is are was were be been by with what which who whom whose
    when where why how did do does done has have had it its this that these those there their they
    we our us you your i me my about at from as any all can could would should will shall may might
    tell give show list please many much say said papers paper council committee meeting""".split()
)


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9£%]+", text.lower())
    return {w[:-1] if len(w) > 4 and w.endswith("s") else w for w in words if w not in _STOP and len(w) > 1}


class Answerer(Protocol):
    def answer(
        self,
        question: str,
        passages: list[Passage],
        query_vector: np.ndarray | None = None,
        unmatched: Sequence[str] = (),
    ) -> Answer:
        """Answer `question` from `passages` (best first), citing them. `unmatched` are words of
        the question that no paper the caller may see uses and no passage matches in meaning."""


# Passages whose sentences compete for the answer. Answers containing the expected fact (dev /
# held-out, of 94 / 80): 3 -> 72.3 / 50.0%, 4 -> 72.3 / 52.5%, 5 -> 70.2 / 52.5%; each passage more
# is more sentences to embed on every question (5 took 29 sentences, 45% more time, on one).
ANSWER_PASSAGES = 4

# Added to a sentence's score per kind of answer the question expects that it holds (a name for
# "who", a figure for "how many", a resolution for "what did they decide"). Measured on the labelled
# questions, answers containing the expected fact: 0 -> 60.0%, 0.03 -> 61.5%, 0.06 to 0.15 -> 64.4%.
INTENT_BONUS = 0.08


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, settings: AnswerSettings) -> None:
        self.embedder = embedder
        self.settings = settings

    def relevance(self, question: str, passages: list[Passage], query_vector: np.ndarray) -> list[float]:
        """Cosine similarity of each passage to the question (computed when the dense search
        did not return it), blended with how many of the question's content words it contains."""
        missing = [i for i, p in enumerate(passages) if p.dense_score is None]
        if missing:
            vecs = self.embedder.embed([passages[i].chunk.index_text for i in missing])
            for i, v in zip(missing, vecs):
                passages[i].dense_score = float(v @ query_vector)
        q = content_words(question)
        out = []
        for p in passages:
            overlap = len(q & content_words(p.chunk.index_text)) / len(q) if q else 0.0
            out.append(0.75 * float(p.dense_score or 0.0) + 0.25 * overlap)
        return out

    def _similarities(self, units, passages: list[Passage], query_vector: np.ndarray) -> list[float]:
        """Each sentence's similarity to the question: the best of its windows' cosines when
        retrieval gave them (the windows' vectors were made in the context of their passage; on
        the labelled questions about as many answers hold the expected fact as when each sentence
        is embedded alone, 111 against 110 of 174, and 20-30 sentences a question need no
        embedding: /ask went from about 250 to 25 ms), else the cosine of the sentence embedded on
        its own."""
        out: list[float | None] = []
        for i, _, windows in units:
            scores = passages[i].window_scores
            ok = scores is not None and windows and max(windows) < len(scores)
            out.append(max(scores[j] for j in windows) if ok else None)
        missing = [n for n, sim in enumerate(out) if sim is None]
        if missing:
            vectors = self.embedder.embed([units[n][1] for n in missing])
            for n, v in zip(missing, vectors):
                out[n] = float(v @ query_vector)
        return out  # type: ignore[return-value]

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query_vector: np.ndarray | None = None,
        unmatched: Sequence[str] = (),
    ) -> Answer:
        if query_vector is None:
            query_vector = self.embedder.embed_query(question)
        if not passages:
            return Answer(question, not_found_answer(), "not_found", [])
        rel = self.relevance(question, passages, query_vector)
        missing = list(dict.fromkeys([*unmatched, *missing_names(question, passages)]))
        if max(rel) < self.settings.min_relevance or missing:
            return Answer(
                question,
                not_found_answer(missing),
                "not_found",
                [Citation(i + 1, p) for i, p in enumerate(passages)],
            )
        # Candidate units: sentences of prose passages, whole rows of table passages.
        pool = [(i, p) for i, p in enumerate(passages) if rel[i] >= self.settings.min_relevance][:ANSWER_PASSAGES]
        units: list[tuple[int, str, tuple[int, ...]]] = []  # (passage, sentence, its dense windows)
        for i, p in pool:
            units.extend((i, s, w) for s, w in sentence_windows(p.chunk) if len(s.split()) >= 3 or p.chunk.kind == "table_row")
        if not units:
            units = [(i, p.chunk.text, ()) for i, p in pool]
        similarity = self._similarities(units, passages, query_vector)
        q_words = content_words(question)
        intents = intents_of(question)
        heading_words = {i: content_words(" ".join(p.chunk.heading_path)) for i, p in pool}
        scored = []
        for (i, text, _), sim in zip(units, similarity):
            # A sentence under the heading "Land at Mill Lane" is about Mill Lane: count the heading's words.
            words = content_words(text) | heading_words[i]
            overlap = len(q_words & words) / len(q_words) if q_words else 0.0
            rank_prior = 1.0 / (1 + i)
            score = 0.55 * sim + 0.3 * overlap + 0.15 * rank_prior
            kind = passages[i].chunk.kind
            score += INTENT_BONUS * sum(holds(text, intent, kind) for intent in intents)
            scored.append((score, i, text))
        scored.sort(key=lambda s: s[0], reverse=True)
        best = scored[0][0]
        chosen: list[tuple[int, str]] = []
        seen: set[str] = set()
        for score, i, text in scored:
            if len(chosen) >= self.settings.max_sentences or score < best * 0.8:
                break
            key = text.lower()
            if key in seen:
                continue
            seen.add(key)
            chosen.append((i, text))
        # Number citations in order of first use; present chosen units in passage order.
        chosen.sort(key=lambda c: (c[0], passages[c[0]].chunk.text.find(c[1])))
        numbers: dict[int, int] = {}
        parts = []
        for i, text in chosen:
            first_of_passage = i not in numbers
            n = numbers.setdefault(i, len(numbers) + 1)
            if first_of_passage:
                text = _with_section(text, passages[i].chunk, q_words, Intent.person in intents)
            parts.append(f"{_tidy(text)} [{n}]")
        citations = [Citation(n, passages[i]) for i, n in sorted(numbers.items(), key=lambda x: x[1])]
        return Answer(question, " ".join(parts), "extractive", citations)


_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,}(?:[-'’][A-Za-z]+)?)\b")
_CALENDAR_WORDS = {
    *"January February March April May June July August September October November December".split(),
    *"Monday Tuesday Wednesday Thursday Friday Saturday Sunday Spring Summer Autumn Winter".split(),
}


def missing_names(question: str, passages: list[Passage]) -> list[str]:
    """Proper names in the question (capitalised mid-sentence: "Leeds", "Peskett") that none of the
    passages mention. Dense similarity cannot tell Leeds from Kent; if the papers never name the
    place or person asked about, they do not answer the question."""
    names = {re.sub(r"['’]s$", "", m.group(1)) for m in _NAME.finditer(question.strip())}
    names -= _CALENDAR_WORDS
    if not names:
        return []
    # The paper's committee and file name count: a row of Tower Hamlets' lettings table does not
    # repeat "Tower Hamlets", its committee does.
    haystack = " ".join(f"{p.chunk.index_text} {p.chunk.committee or ''} {p.chunk.source}" for p in passages).lower()
    return sorted(n for n in names if n.lower() not in haystack)


def _with_section(text: str, chunk, question_words: set[str], wants_person: bool = False) -> str:
    """The sentence after its section heading ("4. 24/01234/FUL – Land at Mill Lane, Easterby:
    RESOLVED that planning permission be GRANTED ...") when the heading names something the
    question asks about and the sentence does not (the application, item or question it is
    about), or names the person a "who" question asks for ("Question by Susan Carey to Neil
    Baker: At the Full Council meeting ... I asked ..."). The chat page strips the heading again
    to highlight the sentence in the passage."""
    heading = chunk.heading_path[-1].strip() if chunk.heading_path else ""
    if not heading or heading == chunk.title or heading.lower() in text.lower():
        return text
    names_subject = bool((question_words & content_words(heading)) - content_words(text))
    names_person = wants_person and holds(heading, Intent.person) and not holds(text, Intent.person)
    if not (names_subject or names_person):
        return text
    return f"{heading.rstrip(':;,. ')}: {text}"


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!", ":")) else text + "."
