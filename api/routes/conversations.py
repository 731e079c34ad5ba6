"""/conversations: the caller's own conversation history (list, read, delete). Conversations are
started and continued through /ask and /ask/stream (`conversation_id`, `regenerate`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import Caller, Service, audit
from api.schemas import CitationPublic, citation_json
from core.types import Conversation, RecordedTurn

router = APIRouter(tags=["conversations"])

CONVERSATION_ID = Path(..., pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The id /ask returned as conversation_id.")


class ConversationSummary(BaseModel):
    id: str
    title: str = Field(..., description="The first question, shortened to 80 characters.")
    created: str = Field(..., description="When it was started (ISO 8601, UTC).")
    updated: str = Field(..., description="When its last question was asked.")
    turns: int = Field(..., description="How many turns it keeps.")


class ConversationsResponse(BaseModel):
    conversations: list[ConversationSummary]


class RatingMine(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None


class TurnPublic(BaseModel):
    n: int = Field(..., description="The turn's number, from 1 (POST /feedback names it as `turn`).")
    question: str = Field(..., description="As the caller asked it (kept even when the turn is hidden).")
    standalone_question: str | None = Field(None, description="The standalone question answered, when it was a rewritten follow-up.")
    mode: str | None = Field(None, description="As in /ask; null when hidden.")
    answer: str | None = Field(None, description="The answer as it was given; null when hidden.")
    citations: list[CitationPublic] = Field(..., description="As /ask gave them; empty when hidden.")
    answerer: str | None = Field(None, description="What made the answer; null when hidden.")
    created: str = Field(..., description="When it was answered (ISO 8601, UTC).")
    feedback: RatingMine | None = Field(None, description="The caller's rating of this answer, if any.")
    hidden: bool = Field(
        ..., description="The answer cited what the caller may not see now (a lowered clearance, a paper "
        "reclassified): only its question is shown."
    )


class ConversationPublic(BaseModel):
    id: str
    title: str
    created: str
    updated: str
    turns: list[TurnPublic]


def _summary(c: Conversation) -> dict:
    return {"id": c.id, "title": c.title, "created": c.created, "updated": c.updated, "turns": c.turns}


def _turn(r: RecordedTurn) -> dict:
    t = r.turn
    feedback = {"rating": r.feedback.rating, "comment": r.feedback.comment} if r.feedback else None
    if r.hidden:
        return {
            "n": r.n, "question": t.question, "standalone_question": None, "mode": None, "answer": None,
            "citations": [], "answerer": None, "created": r.created, "feedback": feedback, "hidden": True,
        }
    return {
        "n": r.n,
        "question": t.question,
        "standalone_question": t.standalone if t.standalone != t.question else None,
        "mode": getattr(t.mode, "value", t.mode),
        "answer": t.answer,
        "citations": [citation_json(c) for c in t.citations],
        "answerer": t.answerer,
        "created": r.created,
        "feedback": feedback,
        "hidden": False,
    }


@router.get("/conversations", response_model=ConversationsResponse)
async def list_conversations(service: Service, caller: Caller, request: Request) -> dict:
    """The caller's own conversations (a key's, or this browser's), the most recently used first."""
    found = await run_in_threadpool(service.conversation_list, caller.identity)
    audit(request, service, caller, [])
    return {"conversations": [_summary(c) for c in found]}


@router.get("/conversations/{conversation_id}", response_model=ConversationPublic)
async def get_conversation(service: Service, caller: Caller, request: Request, conversation_id: str = CONVERSATION_ID) -> dict:
    """One of the caller's conversations, turn by turn. Someone else's id is a 404, worded as for an
    id that never existed. A turn that cited what the caller may not see now is `hidden`."""
    c = await run_in_threadpool(service.conversation, caller.identity, conversation_id, caller.clearance)
    shown = [cit.passage.chunk.document_id for r in c.recorded if not r.hidden for cit in r.turn.citations]
    audit(request, service, caller, shown, f"conversation {conversation_id}")
    return {**_summary(c), "turns": [_turn(r) for r in c.recorded]}


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(service: Service, caller: Caller, request: Request, conversation_id: str = CONVERSATION_ID) -> Response:
    """Forget one of the caller's conversations (ratings already given are kept)."""
    await run_in_threadpool(service.delete_conversation, caller.identity, conversation_id)
    audit(request, service, caller, [], f"conversation {conversation_id} deleted", status=204)
    return Response(status_code=204)
