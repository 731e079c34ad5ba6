"""/feedback: a caller rates an answer of their own conversation; admins read the ratings and
export them as labelled questions (docs/feedback.md)."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import Admin, Caller, Service, audit
from api.schemas import CitationPublic, citation_json
from core.types import Feedback

router = APIRouter(tags=["feedback"])

RATING = Query(None, description="Only 'up' or only 'down' ratings.")


class FeedbackCreate(BaseModel):
    conversation_id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,64}$", description="One of the caller's conversations.")
    turn: int = Field(..., ge=1, le=1_000_000, description="The turn's number (`n` in GET /conversations/{id}).")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2000, description="What was good or wrong about the answer.")


class FeedbackCreated(BaseModel):
    id: str
    conversation_id: str
    turn: int
    rating: str
    comment: str | None
    created: str = Field(..., description="ISO 8601, UTC. Rating the same answer again replaces this rating (same id).")


class FeedbackCaller(BaseModel):
    key_id: str | None
    name: str
    role: str


class FeedbackPublic(FeedbackCreated):
    question: str
    standalone_question: str | None
    answer: str | None
    mode: str
    answerer: str | None
    citations: list[CitationPublic]
    classification: str = Field(..., description="The most protected classification the rated answer showed.")
    caller: FeedbackCaller


class FeedbackPage(BaseModel):
    total: int = Field(..., description="Ratings matching the filter; `feedback` holds the requested page.")
    feedback: list[FeedbackPublic]


def _created(f: Feedback) -> dict:
    return {"id": f.id, "conversation_id": f.conversation_id, "turn": f.turn, "rating": f.rating, "comment": f.comment, "created": f.created}


def _public(f: Feedback) -> dict:
    return {
        **_created(f),
        "question": f.question,
        "standalone_question": f.standalone if f.standalone != f.question else None,
        "answer": f.answer,
        "mode": f.mode,
        "answerer": f.answerer,
        "citations": [citation_json(c) for c in f.citations],
        "classification": f.classification.value,
        "caller": {"key_id": f.key_id, "name": f.key_name, "role": f.role},
    }


@router.post("/feedback", status_code=201, response_model=FeedbackCreated)
async def rate_answer(body: FeedbackCreate, service: Service, caller: Caller, request: Request) -> dict:
    """Rate an answer (thumbs up or down, with an optional comment) in one of the caller's own
    conversations. Someone else's conversation, a turn that does not exist and one the caller may
    no longer see are the same 404."""
    f = await run_in_threadpool(service.rate, caller, body.conversation_id, body.turn, body.rating, body.comment)
    audit(request, service, caller, [], f"feedback {body.rating} on {body.conversation_id} turn {body.turn}", status=201)
    return _created(f)


@router.get("/feedback", response_model=FeedbackPage)
async def list_feedback(
    service: Service,
    admin: Admin,
    request: Request,
    rating: Literal["up", "down"] | None = RATING,
    limit: int = Query(50, ge=1, le=500, description="At most this many ratings."),
    offset: int = Query(0, ge=0, le=1_000_000_000, description="Ratings to skip, newest first."),
) -> dict:
    """Every caller's ratings, newest first (admin)."""
    total, page = await run_in_threadpool(service.feedback, rating, limit, offset)
    audit(request, service, admin, [])
    return {"total": total, "feedback": [_public(f) for f in page]}


@router.get(
    "/feedback/export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "One labelled question per line."}},
)
async def export_feedback(service: Service, admin: Admin, request: Request, rating: Literal["up", "down"] | None = RATING) -> Response:
    """The ratings as lines of the labelled question set (tests/data/questions.jsonl), newest
    first, as a download: thumbs-up answers with their source and evidence, thumbs-down ones
    marked `"label": "bad_answer"` (admin; docs/feedback.md)."""

    def lines() -> str:
        return "".join(json.dumps(line, ensure_ascii=True) + "\n" for line in service.feedback_export(rating))

    body = await run_in_threadpool(lines)
    audit(request, service, admin, [], f"feedback export {rating or 'all'}")
    return Response(
        body,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="feedback-questions.jsonl"'},
    )
