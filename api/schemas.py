"""Request and response models: the exact JSON the intranet bot depends on."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator


class PassagePublic(BaseModel):
    document_id: str
    source: str
    title: str | None
    committee: str | None
    meeting_date: date | None
    page: int | None
    text: str
    score: float


class CitationPublic(PassagePublic):
    n: int


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, description="The question, in plain English.")
    committee: str | None = Field(None, description="Committee name or acronym to restrict to.")
    date_from: date | None = Field(None, description="Only papers for meetings on or after this date.")
    date_to: date | None = Field(None, description="Only papers for meetings on or before this date.")
    k: int | None = Field(None, ge=1, le=50, description="How many passages to consider.")

    @model_validator(mode="after")
    def _check(self):
        if not self.question.strip():
            raise ValueError("question: must not be blank")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from: must not be after date_to")
        return self


class AskResponse(BaseModel):
    question: str
    answer: str
    mode: str
    citations: list[CitationPublic]


class SearchResponse(BaseModel):
    query: str
    results: list[PassagePublic]


class DocumentPublic(BaseModel):
    id: str
    source: str
    title: str | None
    committee: str | None
    committee_acronym: str | None
    meeting_date: date | None
    doc_type: str
    classification: str | None
    pages: int
    chunks: int
    sha256: str


class DocumentsResponse(BaseModel):
    documents: list[DocumentPublic]


class HealthResponse(BaseModel):
    status: str
    store_reachable: bool
    store: str
    collection: str
    documents: int
    chunks: int
    model: str


class ErrorResponse(BaseModel):
    detail: str
