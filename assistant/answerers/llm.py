"""A language-model answerer over any OpenAI-compatible chat endpoint, through LangChain's chat
model interface (`langchain_openai.ChatOpenAI`: a local llama.cpp or Ollama server, a hosted
model, Azure OpenAI's v1 endpoint are a base URL away).

What it writes is streamed a checked sentence at a time: each sentence must cite the passages it
stands on, and every date, figure, name and quoted phrase in it must be in those passages
(`check.py`); a sentence that fails is dropped. When nothing survives, or the endpoint is down,
slow (`LlmSettings.timeout_seconds` for the whole answer) or replies with nonsense, the extractive
answer is given instead, saying so. Passage text that addresses the model is removed before the
model reads it. It is only called for questions the papers answer (assistant.retrieval.decide);
if the model itself finds no answer in them, the extractive answer is given, saying so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

import numpy as np

from core.config import LlmSettings
from core.types import Answer, AnswerMode, Citation, Passage
from prompts import ANSWER_SYSTEM_PROMPT, ANSWER_USER_TEMPLATE, NOT_FOUND_SENTINEL, format_passages

from .base import Answerer
from .check import CITATION, check_sentence, citations_in, without_instructions

log = logging.getLogger(__name__)

# A sentence ends at . ! ? (then any citation markers) before a space and a capital, digit,
# quote or bracket, or at a line break. "£4.2m", "Cllr. Smith" and "e.g. the" do not end one.
_END = re.compile(r"(?<!\bCllr)(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\be\.g)(?<!\bi\.e)(?<!\bNo)[.!?](?:\s*\[[\d,; ]+\])*(?=\s+[A-Z0-9“\"'(\[-])|\n+")

FALLBACK_NOTE = "The language model's answer could not be used ({reason}), so this answer is quoted from the papers."


class LlmUnavailable(Exception):
    """The endpoint failed, timed out, or replied with nothing usable."""


def split_sentences(buffer: str, final: bool = False) -> tuple[list[str], str]:
    """(complete sentences, the rest) of streamed text; with `final`, the rest is a sentence too."""
    out, start = [], 0
    for m in _END.finditer(buffer):
        piece = buffer[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = buffer[start:]
    if final and rest.strip():
        out.append(rest.strip())
        rest = ""
    return out, rest


class LlmAnswerer:
    def __init__(self, settings: LlmSettings, fallback: Answerer, chat=None) -> None:
        """`chat`: a LangChain chat model (default: ChatOpenAI from the settings, made on first use)."""
        self.settings = settings
        self.fallback = fallback
        self._chat = chat
        self.name = f"llm:{settings.model}"

    def chat(self):
        if self._chat is None:
            from langchain_openai import ChatOpenAI

            s = self.settings
            self._chat = ChatOpenAI(
                model=s.model,
                base_url=s.base_url,
                api_key=s.api_key.get_secret_value() if s.api_key else "none",
                timeout=s.timeout_seconds,
                max_retries=0,
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                streaming=True,
            )
        return self._chat

    def answer(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Answer:
        final = None
        for piece in self.stream(question, passages, query_vector):
            if isinstance(piece, Answer):
                final = piece
        return final

    def stream(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        given = passages[: self.settings.passages]
        texts = [without_instructions(p.chunk.text) for p in given]
        kept: list[str] = []
        dropped: list[str] = []
        pending = ""  # a sentence with no citation yet: it joins the next one
        try:
            for sentence in self._sentences(question, given, texts):
                if not kept and NOT_FOUND_SENTINEL.lower() in sentence.lower():
                    # The retrieval step judged that the passages answer (decide.py); a model that
                    # finds nothing in them gets the quoted answer instead, said so, never a refusal
                    # a weaker model would give to questions the papers do answer.
                    yield from self._fallback(question, passages, query_vector, "it found no answer in the passages")
                    return
                sentence = f"{pending} {sentence}".strip() if pending else sentence
                if not CITATION.search(sentence):
                    pending = sentence
                    continue
                pending = ""
                verdict = check_sentence(sentence, texts)
                if verdict.ok:
                    piece = sentence if not kept else " " + sentence
                    kept.append(sentence)
                    yield piece
                else:
                    dropped.append(sentence)
                    log.info("llm sentence dropped (%s): %s", verdict.reason, sentence[:200])
        except LlmUnavailable as exc:
            if not kept:
                yield from self._fallback(question, passages, query_vector, str(exc))
                return
            stopped = str(exc)
        else:
            stopped = None
        if pending:
            dropped.append(pending)
        if not kept:
            reason = "none of its sentences could be checked against the passages it cited" if dropped else "it wrote nothing"
            yield from self._fallback(question, passages, query_vector, reason)
            return
        answer = self._answer(question, given, kept, dropped)
        if stopped:
            answer.note = " ".join(filter(None, [f"The language model stopped before it finished ({stopped}).", answer.note]))
        yield answer

    def _sentences(self, question: str, given: list[Passage], texts: list[str]) -> Iterator[str]:
        """The model's reply, a sentence at a time; LlmUnavailable on any failure or the deadline."""
        from langchain_core.messages import HumanMessage, SystemMessage

        shown = [_Shown(p, t) for p, t in zip(given, texts)]
        messages = [
            SystemMessage(ANSWER_SYSTEM_PROMPT),
            HumanMessage(ANSWER_USER_TEMPLATE.format(question=question, passages=format_passages(shown))),
        ]
        deadline = time.monotonic() + self.settings.timeout_seconds
        buffer = ""
        try:
            for chunk in self.chat().stream(messages):
                if time.monotonic() > deadline:
                    raise LlmUnavailable(f"the language model did not answer in time ({self.settings.timeout_seconds:g} s)")
                content = chunk.content if isinstance(chunk.content, str) else ""
                buffer += content
                done, buffer = split_sentences(buffer)
                yield from done
        except LlmUnavailable:
            raise
        except Exception as exc:  # connection refused, timeouts, HTTP errors, a reply that is not JSON
            raise LlmUnavailable(_reason(exc)) from exc
        done, _ = split_sentences(buffer, final=True)
        yield from done

    def _answer(self, question: str, given: list[Passage], kept: list[str], dropped: list[str]) -> Answer:
        used = list(dict.fromkeys(n for s in kept for n in citations_in(s)))
        citations = [Citation(n, given[n - 1]) for n in sorted(used)]
        note = f"{len(dropped)} sentence(s) the passages did not support were left out." if dropped else None
        return Answer(question, " ".join(kept), AnswerMode.generated, citations, answerer=self.name, note=note)

    def _fallback(self, question, passages, query_vector, reason: str) -> Iterator[str | Answer]:
        log.warning("llm answerer fell back to the extractive answer: %s", reason)
        note = FALLBACK_NOTE.format(reason=reason)
        for piece in self.fallback.stream(question, passages, query_vector):
            if isinstance(piece, Answer):
                piece.note = note
            yield piece


class _Shown:
    """A passage as the model is shown it: its text without instructions addressed to the model."""

    def __init__(self, passage: Passage, text: str) -> None:
        from dataclasses import replace

        self.chunk = replace(passage.chunk, text=text)


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "the language model did not answer in time"
    if "Connection" in name:
        return "the language model could not be reached"
    if "Status" in name or "API" in name:
        return f"the language model's service refused ({getattr(exc, 'status_code', None) or name})"
    return f"the language model's reply could not be read ({name})"
