"""The extractive answerer: needs no language model. It picks the sentences or table rows that
best answer the question from the top passages and cites each one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from core.config import AnswerSettings
from core.intent import ASKS_AUTHOR, AUTHOR_FIELD, Intent, answer_intents, holds
from core.text import content_words, quotable, sentence_windows
from core.types import Answer, AnswerMode, Citation, Passage
from prompts import not_found_answer
from vectorstore.embedder import Embedder

from .base import stream_whole


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, settings: AnswerSettings, min_relevance: float = 0.35) -> None:
        """`min_relevance`: passages below it (RetrievalSettings.min_relevance) give no sentences."""
        self.embedder = embedder
        self.settings = settings
        self.min_relevance = min_relevance

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

    def stream(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        return stream_whole(self.answer(question, passages, query_vector))

    def answer(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Answer:
        if not passages:
            return Answer(question, not_found_answer(), AnswerMode.not_found, [])
        if query_vector is None:
            query_vector = self.embedder.embed_query(question)
        s = self.settings
        rel = [p.relevance if p.relevance is not None else 1.0 for p in passages]
        # Candidate units: sentences of prose passages, whole rows of table passages.
        floor = max(self.min_relevance, max(rel) - s.relevance_margin)  # passages nearly as relevant as the best
        pool = [(i, p) for i, p in enumerate(passages) if rel[i] >= floor][: s.passages]
        units: list[tuple[int, str, tuple[int, ...]]] = []  # (passage, sentence, its dense windows)
        for i, p in pool:
            label: tuple[str, tuple[int, ...]] | None = None
            for text, w in sentence_windows(p.chunk):
                if p.chunk.kind != "table_row" and _FIELD_LABEL.match(text.strip()):
                    label = (text.strip(), w)  # a form's label on its own line ("From:", "Ask for:")
                    continue
                if label is not None:  # ... reads with the value on the next line
                    text, w = f"{label[0]} {text.strip()}", tuple(dict.fromkeys([*label[1], *w]))
                    label = None
                elif p.chunk.kind != "table_row" and _is_heading_line(text):
                    continue
                text = quotable(text)
                if (len(text.split()) >= 3 or p.chunk.kind == "table_row") and not is_debris(text, p.chunk, question):
                    units.append((i, text, w))
        if not units:
            units = [(i, p.chunk.text, ()) for i, p in pool]
        similarity = self._similarities(units, passages, query_vector)
        q_words = content_words(question)
        intents = answer_intents(question)
        asks_author = bool(ASKS_AUTHOR.search(question))
        heading_words = {i: content_words(" ".join(p.chunk.heading_path)) for i, p in pool}
        scored = []
        previous: tuple[int, set[str]] | None = None
        for (i, text, _), sim in zip(units, similarity):
            # A sentence under the heading "Land at Mill Lane" is about Mill Lane: count the heading's words.
            own = content_words(text)
            words = own | heading_words[i]
            kind = passages[i].chunk.kind
            if previous is not None and previous[0] == i and kind != "table_row" and any(holds(text, k, kind) for k in intents & _KINDS):
                # "Quotes for the roof repair were received. The council accepted the quote of
                # £6,480.": the figure's sentence is about what the one before it names.
                words |= previous[1]
            previous = (i, own)
            overlap = len(q_words & words) / len(q_words) if q_words else 0.0
            rank_prior = 1.0 / (1 + i)
            score = s.similarity_weight * sim + s.overlap_weight * overlap + s.rank_weight * rank_prior
            if asks_author and AUTHOR_FIELD.match(text):
                score += s.field_bonus  # "Report author: ..." answers "who wrote it?" outright
            for intent in intents:
                if holds(text, intent, kind):
                    score += s.kind_bonus if intent in _KINDS else s.intent_bonus
            scored.append((score, i, text))
        scored.sort(key=lambda s: s[0], reverse=True)
        best = scored[0][0]
        chosen: list[tuple[int, str]] = []
        seen: set[str] = set()
        first = scored[0][1]
        for score, i, text in scored:
            if len(chosen) >= s.max_sentences or score < best * s.keep_ratio:
                break
            if i != first and score < best * s.other_passage_ratio:
                continue  # another passage's sentence only when it answers nearly as well
            key = text.lower()
            if key in seen:
                continue
            seen.add(key)
            chosen.append((i, text))
        # What answers best comes first; citations are numbered in order of first use.
        if s.order == "document":
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
        return Answer(question, " ".join(parts), AnswerMode.extractive, citations)


# The kinds of answer a sentence either gives or does not: a name, a time, a figure.
_KINDS = frozenset({Intent.person, Intent.time, Intent.quantity})
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\b(?:tel|telephone|phone|email|e-mail|fax)\b\s*[:.]|\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b", re.I)
_ASKS_CONTACT = re.compile(r"\b(?:contact|email|e-mail|phone|telephone|ring|call)\b", re.I)


_FIELD_LABEL = re.compile(r"^[A-Z][\w'’ /&-]{1,30}:$")


def _is_heading_line(text: str) -> bool:
    """A short line without a full stop or a figure inside prose ("Village hall roof", "2.
    Precept"): a section's heading, not something it says."""
    plain = text.strip()
    return len(plain.split()) <= 6 and not plain.endswith((".", "!", "?")) and not re.search(r"\d", quotable(plain))


def is_debris(text: str, chunk, question: str) -> bool:
    """A unit no answer should quote: the paper's title or a heading repeated as a line, a line in
    capitals naming the body ("MILBURN PARISH COUNCIL"), contact details (unless the question asks
    how to contact someone), or a line of no words."""
    plain = text.strip(" .:;").lower()
    if not re.search(r"[a-z]{3}", plain):
        return True
    if plain in {(chunk.title or "").strip(" .:;").lower(), *(h.strip(" .:;").lower() for h in chunk.heading_path)}:
        return True
    letters = re.sub(r"[^A-Za-z]", "", text)
    if letters.isupper() and len(text.split()) <= 8 and not re.search(r"\d", text):
        return True
    return bool(_CONTACT.search(text)) and not _ASKS_CONTACT.search(question)


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
