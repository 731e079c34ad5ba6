"""Server-sent events for /ask/stream: an answer as `meta`, `citations`, `delta`s and `done`.

The extractive answerer makes the whole answer at once; it is sent a sentence (or an action line)
at a time so the page can show it as it arrives, and so a language-model answerer can later send
real deltas through the same events.
"""

from __future__ import annotations

import json
import re

_PIECE_END = re.compile(r"\[\d+\]\s+|\n")
_SENTENCE_END = re.compile(r"[.!?]\s+")


def event(name: str, data: dict) -> str:
    """One SSE event: its name and a single line of JSON."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def answer_pieces(text: str) -> list[str]:
    """The answer cut after each citation marker or line (sentences when it has neither); the
    pieces join back to exactly the text."""
    cuts = [m.end() for m in _PIECE_END.finditer(text)]
    if not cuts:
        cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    bounds = [0, *[c for c in cuts if 0 < c < len(text)], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def answer_events(public: dict) -> list[str]:
    """The events for an answer already shaped as /ask returns it."""
    meta = {
        "conversation_id": public.get("conversation_id"),
        "standalone_question": public.get("standalone_question"),
        "mode": public["mode"],
    }
    return [
        event("meta", meta),
        event("citations", {"citations": public["citations"]}),
        *(event("delta", {"text": piece}) for piece in answer_pieces(public["answer"])),
        event("done", public),
    ]
