"""The answerer interface: a question and the passages retrieval found (already judged to answer
it: see assistant.retrieval.decide) in, a cited answer out.

An implementation gives `answer`, and `stream`: the answer's text in pieces as they are made,
then the whole `Answer`. `answer_pieces` serves one that makes its answer at once (the extractive
answerer) and streams it a cited sentence at a time; a language-model answerer streams its deltas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from core.types import Answer, Passage

_PIECE_END = re.compile(r"\[\d+\]\s+|\n")
_SENTENCE_END = re.compile(r"[.!?]\s+")


@runtime_checkable
class Answerer(Protocol):
    def answer(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Answer:
        """Answer `question` from `passages` (best first, each with its relevance), citing them."""

    def stream(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        """The answer's text in pieces that join to `Answer.answer`, then the `Answer` itself."""


def answer_pieces(text: str) -> list[str]:
    """The answer cut after each citation marker or line (sentences when it has neither); the
    pieces join back to exactly the text."""
    cuts = [m.end() for m in _PIECE_END.finditer(text)]
    if not cuts:
        cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    bounds = [0, *[c for c in cuts if 0 < c < len(text)], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def stream_whole(answer: Answer) -> Iterator[str | Answer]:
    """`Answerer.stream` for an answer made at once."""
    yield from answer_pieces(answer.answer)
    yield answer
