"""Server-sent events for /ask/stream: an answer as `meta`, `citations`, `delta`s and `done`.

The extractive answerer makes the whole answer at once; it is sent a sentence (or an action line)
at a time so the page can show it as it arrives, and so a language-model answerer can later send
real deltas through the same events.
"""

from __future__ import annotations

import json

from assistant.answerers import answer_pieces


def event(name: str, data: dict) -> str:
    """One SSE event: its name and a single line of JSON."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


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
