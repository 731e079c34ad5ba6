"""Request and response models: the exact JSON the intranet bot depends on, and the one place the
domain types (core.types) are turned into it, for the API and the CLI alike."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from core.labels import paper_label
from core.types import ActionView, Answer, Citation, Classification, Document, Passage

LABEL_DOC = (
    "The paper as a list or citation names it: body · committee · meeting date · type and title, parts left out "
    'when unknown ("Kent County Council · Cabinet · 30 Jan 2025 · Report: Revenue and Capital Budget Monitoring '
    'Report – November 2024-25"); a paper without a title is named by what it is ("Agenda for Cabinet, 30 Jan 2025").'
)


class PassagePublic(BaseModel):
    document_id: str
    chunk_id: str | None = Field(
        None, description="The passage's id: GET /documents/{document_id}/passages/{chunk_id} shows it in place."
    )
    source: str
    title: str | None
    committee: str | None
    meeting_date: date | None
    page: int | None
    section: str | None = Field(
        None, description="The headings the passage sits under, outermost first, joined by ' > '."
    )
    text: str
    score: float
    ocr: bool = Field(False, description="The page had no text layer: its text was read by OCR and may hold misreadings.")
    source_url: str | None = Field(None, description="The council's own page for the paper, when it came from the council's site.")
    body: str | None = Field(None, description="The council or public body that published the paper, when the paper or its source says.")
    label: str = Field("", description=LABEL_DOC)


class CitationPublic(PassagePublic):
    n: int


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, description="The question, in plain English.")
    committee: str | None = Field(None, max_length=200, description="Committee name or acronym to restrict to.")
    date_from: date | None = Field(None, description="Only papers for meetings on or after this date.")
    date_to: date | None = Field(None, description="Only papers for meetings on or before this date.")
    k: int | None = Field(None, ge=1, le=50, description="How many passages to consider.")
    as_of: date | None = Field(
        None, description="Date that 'overdue' is judged on (YYYY-MM-DD), for reproducible answers. Default: today."
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Continue this conversation (the id a previous answer returned): a follow-up such as "
        "'what about Croydon?' is read in the context of the previous question. Absent: a new conversation.",
    )
    regenerate: bool = Field(
        False,
        description="Answer the conversation's last turn again and replace it (needs conversation_id; "
        "`question` must be that turn's question). Its follow-up is read after the turn before it, as the first time.",
    )

    @model_validator(mode="after")
    def _check(self):
        if not self.question.strip():
            raise ValueError("question: must not be blank")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from: must not be after date_to")
        if self.regenerate and not self.conversation_id:
            raise ValueError("regenerate: needs the conversation_id of the conversation to answer again")
        return self


class ActionSource(BaseModel):
    document_id: str
    chunk_id: str | None = Field(None, description="The passage the action was read from (GET /documents/{id}/passages/{chunk_id}).")
    source: str
    page: int | None
    text: str
    body: str | None = Field(None, description="The council or public body that published the paper, when the paper or its source says.")
    label: str = Field("", description=LABEL_DOC)


class ActionPublic(BaseModel):
    id: str
    committee: str | None
    meeting_date: date | None
    reference: str | None
    recommendation: str | None
    action: str
    owner: str | None
    lead: str | None
    due_date: date | None
    due_text: str | None
    status: str = Field(..., description="open | responded | complete | ongoing")
    response: str | None
    overdue: bool
    overdue_kind: str | None = Field(
        None, description="awaiting_response | no_update_recorded (the paper has no response column); null if not overdue"
    )
    source: ActionSource


class ActionsResponse(BaseModel):
    as_of: date
    total: int  # actions matching the filters; `actions` holds the requested page of them
    actions: list[ActionPublic]


class VotesPublic(BaseModel):
    for_: int | None = Field(None, alias="for", serialization_alias="for")
    against: int | None = None
    abstain: int | None = None
    unanimous: bool = False
    for_names: list[str] = []
    against_names: list[str] = []
    abstain_names: list[str] = []
    summary: str = ""

    model_config = {"populate_by_name": True}


class DecisionSource(BaseModel):
    document_id: str
    chunk_id: str | None = None
    source: str
    page: int | None = None
    label: str


class DecisionPublic(BaseModel):
    id: str
    kind: str = Field(..., description="recommendation | resolution | decision | noted | deferred | called_in | referred")
    text: str
    body: str | None = Field(None, description="The body it goes to (a recommendation) or was taken by.")
    meeting_date: date | None = None
    item: str | None = None
    item_title: str | None = None
    reference: str | None = None
    refs: list[str] = []
    votes: VotesPublic | None = None
    council: str | None = None
    source: DecisionSource


class DecisionsResponse(BaseModel):
    total: int
    decisions: list[DecisionPublic]


class ChainStepPublic(BaseModel):
    outcome: str
    meeting_date: date | None = None
    kind: str  # "decision" | "action"
    decision: DecisionPublic | None = None
    action: dict | None = None


class ChainPublic(BaseModel):
    steps: list[ChainStepPublic]
    state: str
    gaps: list[str]
    links: list[str]


class ActionHistory(BaseModel):
    action: ActionPublic
    chain: ChainPublic


class DecisionDetail(BaseModel):
    decision: DecisionPublic
    chain: ChainPublic


class AskResponse(BaseModel):
    question: str
    answer: str
    mode: str = Field(
        ..., description="extractive | not_found | actions | decisions (followed along the decision records) | generated (by a language model, each sentence checked)"
    )
    answerer: str = Field("extractive", description="What made the answer: extractive, actions, decisions, or llm:<model>.")
    note: str | None = Field(None, description="Said with the answer, e.g. why the language model's answer was not used.")
    citations: list[CitationPublic]
    as_of: date | None = Field(None, description="Set when mode is 'actions'.")
    actions: list[ActionPublic] | None = Field(None, description="Set when mode is 'actions'.")
    decisions: list[DecisionPublic] | None = Field(None, description="Set when mode is 'decisions': the records cited, [n] is the n-th.")
    conversation_id: str | None = Field(
        None, description="The conversation this answer belongs to; send it with the next question to follow up."
    )
    standalone_question: str | None = Field(
        None, description="Set when the question was a follow-up: the standalone question that was answered."
    )


class CommitteePublic(BaseModel):
    name: str
    acronyms: list[str]
    aliases: list[str]
    documents: int
    actions: int
    bodies: list[str] = Field(
        default_factory=list,
        description="The councils or bodies whose papers name this committee, most papers first (papers whose body is not known are not counted).",
    )
    body: str | None = Field(None, description="The one body whose committee it is; null when none is known or papers of several bodies name it.")
    label: str = Field("", description='The committee as a chip shows it: "Cabinet (Kent County Council)".')


class CommitteesResponse(BaseModel):
    committees: list[CommitteePublic]


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
    provenance: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Where each detected field came from: field -> {source, evidence}. Sources: heading, "
        "front_sheet, front_matter, file_name, sidecar. A field the paper does not settle is null and absent here.",
    )
    sha256: str | None = Field(
        None, description="SHA-256 of the original file; null when part of it is above the caller's clearance."
    )
    body: str | None = Field(None, description="The council or public body that published the paper, when the paper or its source says.")
    label: str = Field("", description=LABEL_DOC)


class PassageBox(BaseModel):
    page: int
    x0: float = Field(..., description="Left edge, as a fraction of the page's width (0 = left).")
    y0: float = Field(..., description="Top edge, as a fraction of the page's height (0 = top).")
    x1: float
    y1: float


class ContextPassage(BaseModel):
    chunk_id: str
    page: int | None
    section: str | None
    text: str


class PassagePlace(BaseModel):
    """Where a cited passage sits in its paper, for a viewer to open it in place."""

    document_id: str
    chunk_id: str
    page: int | None = Field(..., description="The page the passage starts on (null for formats without pages).")
    pages: list[int] = Field(..., description="Every page the passage's highlight covers, in order.")
    section: str | None
    text: str
    ocr: bool
    boxes: list[PassageBox] = Field(
        ..., description="One box per line of the passage on its page(s); empty when it could not be placed."
    )
    before: list[ContextPassage] = Field(..., description="The passage before it in reading order, when the caller may see it.")
    after: list[ContextPassage] = Field(..., description="The passage after it, when the caller may see it.")
    file: bool = Field(..., description="Whether the caller may open the original file (GET /documents/{id}/file).")
    pdf: bool = Field(..., description="Whether the original is a PDF (a page viewer can show it).")


def _context(c) -> dict:
    return {"chunk_id": c.id, "page": c.page, "section": " > ".join(c.heading_path) or None, "text": c.text}


def place_json(chunk, before, after, file: bool, pdf: bool) -> dict:
    boxes = [dict(zip(("page", "x0", "y0", "x1", "y1"), b)) for b in chunk.boxes or []]
    pages = sorted({b["page"] for b in boxes}) or ([chunk.page] if chunk.page else [])
    return {
        "document_id": chunk.document_id, "chunk_id": chunk.id, "page": chunk.page, "pages": pages,
        "section": " > ".join(chunk.heading_path) or None, "text": chunk.text, "ocr": chunk.ocr, "boxes": boxes,
        "before": [_context(c) for c in before], "after": [_context(c) for c in after], "file": file, "pdf": pdf,
    }


class FileLink(BaseModel):
    url: str = Field(..., description="Opens the original without the key's header; add #page=N for a PDF.")
    inline: bool = Field(..., description="True for a PDF (shown by the browser); anything else downloads.")
    expires_in: int = Field(..., description="Seconds the link works for.")


class DocumentsResponse(BaseModel):
    total: int  # papers the caller may see; `documents` holds the requested page of them
    documents: list[DocumentPublic]


class HealthResponse(BaseModel):
    status: str = Field(..., description="ok, or degraded (the store is unreachable or the audit log cannot be written)")
    store_reachable: bool = Field(..., description="The vector store and the database both answer.")
    database_reachable: bool
    audit: str = Field(..., description="ok, off, or degraded: <why the last entry could not be written>")
    store: str
    database: str = Field(..., description="sqlite (files under PAPERS_HOME) or postgresql (PAPERS_DATABASE_URL, shared by replicas)")
    collection: str
    replica: str = Field(..., description="This process's id (random at start): which replica answered.")
    generation: int = Field(..., description="The catalog's generation: bumped by every ingest, deletion and reclassification.")
    index_generation: int | None = Field(..., description="The generation this replica's lexical index is at.")
    current: bool = Field(..., description="This replica's index is at the catalog's generation.")
    documents: int
    chunks: int
    model: str


class CallerPublic(BaseModel):
    role: str = Field(..., description="public | member | officer | admin")
    name: str = Field(..., description="The key's name, or 'anonymous' without a key.")
    clearance: list[str] = Field(..., description="The classifications this caller may see.")


class ErrorResponse(BaseModel):
    detail: str


class UploadResult(BaseModel):
    file: str
    status: str = Field(..., description="added | replaced | unchanged | skipped | failed")
    document_id: str | None
    pages: int
    chunks: int
    actions: int
    reason: str | None
    warnings: list[str]


class UploadResponse(BaseModel):
    files: list[UploadResult]


class ReclassifyRequest(BaseModel):
    classification: Classification


class AuditEntry(BaseModel):
    at: str
    key_id: str | None
    key_name: str
    role: str
    method: str
    endpoint: str
    status: int
    query: str | None
    documents: list[str]


class AuditResponse(BaseModel):
    entries: list[AuditEntry]


class KeyRequest(BaseModel):
    role: Literal["public", "member", "officer", "admin"]
    name: str = Field(..., min_length=1, max_length=200)


class KeyPublic(BaseModel):
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None


class KeysResponse(BaseModel):
    keys: list[KeyPublic]


class KeyCreated(KeyPublic):
    key: str = Field(..., description="The secret. Shown only here; store it now.")


# --- domain types as JSON ---------------------------------------------------------------------------


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def passage_json(p: Passage) -> dict:
    c = p.chunk
    return {
        "document_id": c.document_id,
        "chunk_id": c.id,
        "source": c.source,
        "title": c.title,
        "committee": c.committee,
        "meeting_date": _day(c.meeting_date),
        "page": c.page,
        "section": " > ".join(c.heading_path) or None,
        "text": c.text,
        "score": round(float(p.score), 6),
        "ocr": c.ocr,
        "source_url": c.source_url,
        "body": c.body,
        "label": paper_label(c),
    }


def citation_json(c: Citation) -> dict:
    return {"n": c.n, **passage_json(c.passage)}


def action_json(v: ActionView) -> dict:
    a = v.action
    return {
        "id": a.id,
        "committee": a.committee,
        "meeting_date": _day(a.meeting_date),
        "reference": a.reference,
        "recommendation": a.recommendation,
        "action": a.action,
        "owner": a.owner,
        "lead": a.lead,
        "due_date": _day(a.due_date),
        "due_text": a.due_text,
        "status": a.status.value,
        "response": a.response,
        "overdue": a.is_overdue(v.as_of),
        "overdue_kind": a.overdue_kind(v.as_of),
        "source": {
            "document_id": a.document_id, "chunk_id": a.chunk_id, "source": a.source, "page": a.page, "text": a.row_text,
            "body": a.body, "label": a.source_label or a.source,
        },
    }


def votes_json(v) -> dict | None:
    if v is None:
        return None
    return {
        "for": v.for_, "against": v.against, "abstain": v.abstain, "unanimous": v.unanimous,
        "for_names": list(v.for_names), "against_names": list(v.against_names), "abstain_names": list(v.abstain_names),
        "summary": v.summary(),
    }


def decision_json(d) -> dict:
    return {
        "id": d.id, "kind": d.kind.value, "text": d.text, "body": d.body, "meeting_date": _day(d.meeting_date),
        "item": d.item, "item_title": d.item_title, "reference": d.reference, "refs": list(d.refs),
        "votes": votes_json(d.votes), "council": d.council,
        "source": {"document_id": d.document_id, "chunk_id": d.chunk_id, "source": d.source, "page": d.page, "label": d.source_label or d.source},
    }


def chain_json(chain) -> dict:
    from core.types import ActionView

    return {
        "steps": [
            {
                "outcome": s.outcome, "meeting_date": _day(s.day), "kind": "decision" if s.decision else "action",
                "decision": decision_json(s.decision) if s.decision else None,
                "action": action_json(ActionView(s.action, date.today())) if s.action else None,
            }
            for s in chain.steps
        ],
        "state": chain.state, "gaps": list(chain.gaps), "links": list(chain.links),
    }


def answer_json(a: Answer) -> dict:
    """An answer as /ask returns it: `as_of` and `actions` only for answers from the action records,
    `conversation_id` and `standalone_question` only when set."""
    d: dict = {
        "question": a.question,
        "answer": a.answer,
        "mode": a.mode.value,
        "answerer": a.answerer,
        "citations": [citation_json(c) for c in a.citations],
    }
    if a.note is not None:
        d["note"] = a.note
    if a.actions is not None:
        d["as_of"] = _day(a.as_of)
        d["actions"] = [action_json(v) for v in a.actions]
    if a.decisions is not None:
        d["decisions"] = [decision_json(x) for x in a.decisions]
    if a.conversation_id is not None:
        d["conversation_id"] = a.conversation_id
    if a.standalone_question is not None:
        d["standalone_question"] = a.standalone_question
    return d


def document_json(d: Document) -> dict:
    """Every field of a document (the API's DocumentPublic leaves out where it was read from)."""
    out = asdict(d)
    out["meeting_date"] = _day(d.meeting_date)
    out["doc_type"] = d.doc_type.value
    out["classification"] = d.classification.value if d.classification else None
    out["label"] = paper_label(d)
    return out


def key_json(k) -> dict:
    """An API key's record (never its secret)."""
    return {"id": k.id, "name": k.name, "role": k.role, "created_at": k.created_at, "revoked_at": k.revoked_at}
