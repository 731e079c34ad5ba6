"""Typed data that crosses the seams between pipeline stages, defined once.

ingest produces `Document` + `Chunk`s; vectorstore stores and returns `Chunk`s as `Passage`s;
assistant turns passages into an `Answer` with `Citation`s; api serialises these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum


class DocType(str, Enum):
    agenda = "agenda"
    report = "report"
    minutes = "minutes"
    action_log = "action_log"
    action_plan = "action_plan"
    decision = "decision"  # decision notices and records of decisions
    forward_plan = "forward_plan"  # notices of key decisions to come
    other = "other"


class Classification(str, Enum):
    """Who may see a paper or a passage, from least to most protected."""

    public = "public"
    restricted = "restricted"
    exempt = "exempt"  # Local Government Act 1972, Schedule 12A

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str) and value.lower() in ("unrestricted", "official", "open"):
            return cls.public
        return None

    @property
    def level(self) -> int:
        return _LEVELS[self]

    def at_least(self, other: Classification | None) -> Classification:
        """The more protected of the two."""
        return self if other is None or self.level >= other.level else other


_LEVELS = {Classification.public: 0, Classification.restricted: 1, Classification.exempt: 2}


@dataclass
class Document:
    """One paper and the metadata detected from (or overridden for) it. Fields are None when unknown."""

    id: str
    source: str  # file name as published
    path: str  # where it was ingested from
    sha256: str | None  # of the original file; None in a caller's view when part of it is hidden from them
    title: str | None = None
    committee: str | None = None  # canonical full name
    committee_acronym: str | None = None
    meeting_date: date | None = None
    doc_type: DocType = DocType.other
    classification: Classification | None = None
    pages: int = 0
    chunks: int = 0
    # Where each detected field came from: field -> {"source": "heading" | "front_sheet" |
    # "file_name" | "front_matter" | "sidecar" | ..., "evidence": the line it was read from}.
    # A field the paper does not settle is absent here and None above.
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)
    # The council or public body that published the paper ("Kent County Council"), as its own
    # front sheet, heading or running header names it, or as its sidecar or source says.
    body: str | None = None


@dataclass
class Chunk:
    """A retrievable passage: a few paragraphs under one heading, or one table row."""

    id: str
    document_id: str
    text: str  # what a reader sees in a citation
    page: int | None
    heading_path: list[str] = field(default_factory=list)
    kind: str = "text"  # "text" | "table_row"
    # Copied from the document so both indexes can filter without a join.
    source: str = ""
    title: str | None = None
    committee: str | None = None
    meeting_date: date | None = None
    doc_type: DocType = DocType.other
    classification: Classification | None = None
    # Kinds of answer the passage holds ("person", "time", "quantity", ...; core.intent),
    # found once at ingest; None when not known (then found from the text when asked).
    answers: frozenset[str] | None = None
    ocr: bool = False  # its page had no text layer: the text was read by OCR and may hold misreadings
    source_url: str | None = None  # the council's own page for the paper (from its source), when known
    # Where the passage sits on its page(s), for the viewer's highlight: (page, x0, y0, x1, y1)
    # as fractions of the page, one box per line (ingest.positions); None when not placed.
    boxes: list[tuple[int, float, float, float, float]] | None = None
    body: str | None = None  # the council or body that published the paper (copied like committee)

    @property
    def context(self) -> str:
        """Where the passage sits: title and heading path, prefixed to the indexed text."""
        parts = [p for p in [self.title, *self.heading_path] if p]
        return " > ".join(dict.fromkeys(parts))

    @property
    def index_text(self) -> str:
        """Text given to both the embedding model and the lexical index."""
        ctx = self.context
        return f"{ctx}\n{self.text}" if ctx else self.text


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters applied inside both the dense and the lexical search."""

    committee: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    doc_type: DocType | None = None
    # The classifications the caller may see; None means no restriction (internal use only).
    clearance: frozenset[Classification] | None = None

    def is_empty(self) -> bool:
        return not (self.committee or self.date_from or self.date_to or self.doc_type or self.clearance is not None)


@dataclass
class Passage:
    """A chunk returned by retrieval, with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None  # cosine similarity to the query, when computed
    lexical_score: float | None = None
    token_score: float | None = None  # late interaction (MaxSim) with the query, when computed
    window_scores: list[float] | None = None  # cosine with each of its dense windows, in order
    relevance: float | None = None  # how well it answers the question (assistant.retrieval.decide)


@dataclass
class Citation:
    n: int
    passage: Passage


class AnswerMode(str, Enum):
    """How an answer was made."""

    extractive = "extractive"  # sentences or rows quoted from the cited passages
    not_found = "not_found"  # the papers do not answer it: the closest passages are cited
    actions = "actions"  # listed from the action records
    decisions = "decisions"  # followed along the recommendation and decision records, a cited line per step
    generated = "generated"  # written by a language model, every sentence checked against its citations


@dataclass
class Answer:
    question: str
    answer: str
    mode: AnswerMode
    citations: list[Citation] = field(default_factory=list)
    actions: list[ActionView] | None = None  # set when the answer comes from action records
    decisions: list[Decision] | None = None  # set when the answer comes from decision records, in citation order
    as_of: date | None = None
    conversation_id: str | None = None  # set when the question was asked in a conversation
    standalone_question: str | None = None  # the follow-up rewritten from the previous turn, if it was
    answerer: str = "extractive"  # what made it: "extractive", "actions", "llm:<model>"
    note: str | None = None  # said with the answer (e.g. why the language model's answer was not used)


@dataclass(frozen=True)
class Turn:
    """One question and answer in a conversation, as the rewriter of the next question needs it."""

    question: str  # as the caller asked it
    standalone: str  # what was answered: the question itself, or its standalone rewrite
    mode: AnswerMode
    # What the history keeps besides (the rewriter needs none of it):
    answer: str | None = None
    citations: tuple[Citation, ...] = ()
    answerer: str | None = None
    classification: Classification = Classification.public  # the most protected thing the turn showed


@dataclass(frozen=True)
class FollowUp:
    """A question about to be answered in a conversation: whose, which, and what it stands for."""

    owner: str  # the caller's identity: a conversation belongs to the caller that started it
    conversation_id: str | None  # None when a new conversation could not be stored (a full disk)
    question: str
    standalone: str | None  # the rewrite, when the question only made sense after the previous turn
    regenerate: bool = False  # the answer replaces the conversation's last turn instead of following it
    # The council whose papers the rewrite is answered from: the one the conversation is about
    # (assistant.conversation.follow_up_scope); None for a question that stands on its own.
    council: str | None = None


@dataclass(frozen=True)
class Feedback:
    """A caller's rating of one turn, with a copy of what was rated (it outlives the conversation)."""

    id: str
    conversation_id: str
    turn: int  # the turn's number in its conversation, from 1
    rating: str  # "up" | "down"
    comment: str | None
    created: str  # ISO 8601, UTC
    owner: str  # the caller's identity
    key_id: str | None
    key_name: str
    role: str
    question: str
    standalone: str
    answer: str | None
    mode: str
    answerer: str | None
    citations: tuple[Citation, ...]
    classification: Classification


@dataclass(frozen=True)
class RecordedTurn:
    """A turn as the history shows it: `hidden` when it cited what the caller may no longer see
    (then only its question is kept in `turn`), with the caller's rating of it if any."""

    n: int
    turn: Turn
    created: str  # ISO 8601, UTC
    feedback: Feedback | None = None
    hidden: bool = False


@dataclass(frozen=True)
class Conversation:
    """One caller's conversation: `turns` is its number of turns in a listing; `recorded` holds
    the turns themselves when the conversation is opened."""

    id: str
    title: str
    created: str  # ISO 8601, UTC
    updated: str
    turns: int
    recorded: tuple[RecordedTurn, ...] = ()


class ActionStatus(str, Enum):
    open = "open"  # no response yet ("Awaiting Response", "TBC", blank)
    responded = "responded"  # a response is given or pointed to ("See Appendix 2")
    complete = "complete"  # "Complete", "Done", "Closed"
    ongoing = "ongoing"


@dataclass
class Action:
    """One action or recommendation from an action log, action plan or tracker, as a record."""

    id: str
    document_id: str
    action: str
    source: str = ""
    page: int | None = None
    row_text: str = ""  # the source row as the paper has it (continuations joined)
    committee: str | None = None
    meeting_date: date | None = None  # the meeting the action was raised at
    reference: str | None = None
    recommendation: str | None = None
    owner: str | None = None
    lead: str | None = None  # lead member, e.g. "Cllr Bellal Uddin, HASSC Chair"
    due_date: date | None = None
    due_text: str | None = None
    response: str | None = None
    status: ActionStatus = ActionStatus.open
    # False when the paper has no response/update/status column at all: then an open action past
    # its date is "past due, no update recorded" rather than "response awaited".
    tracks_response: bool = True
    classification: Classification | None = None
    chunk_id: str | None = None  # the passage that indexes this action
    details: dict[str, str] = field(default_factory=dict)  # other columns ("Measure", "Monitoring")
    # Of the paper the action is in, filled when records are read back: its body, and its display
    # label (core.labels.paper_label) so a listed action says which paper it came from.
    body: str | None = None
    source_label: str | None = None

    def is_overdue(self, as_of: date) -> bool:
        if self.due_date is None or self.due_date >= as_of:
            return False
        return self.status in (ActionStatus.open, ActionStatus.ongoing)

    def overdue_kind(self, as_of: date) -> str | None:
        """"awaiting_response" or "no_update_recorded" for an overdue action, else None."""
        if not self.is_overdue(as_of):
            return None
        return "awaiting_response" if self.tracks_response else "no_update_recorded"


@dataclass
class ActionView:
    """An action as seen on a given date (whether it is overdue depends on the date)."""

    action: Action
    as_of: date


@dataclass(frozen=True)
class ActionFilters:
    committee: str | None = None
    status: ActionStatus | None = None
    overdue: bool | None = None
    owner: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    raised_from: date | None = None  # meeting date the action was raised at
    raised_to: date | None = None
    q: str | None = None  # words that must appear in the action, response or recommendation
    council: str | None = None  # only the actions of this council's papers ("Croydon"; core.councils)
    clearance: frozenset[Classification] | None = None  # None: no restriction


class DecisionKind(str, Enum):
    """What a recommendation or decision record is (ingest.decisions)."""

    recommendation = "recommendation"  # put to a body for it to decide (an officer's report)
    resolution = "resolution"  # the meeting decided to do, approve or adopt something
    decision = "decision"  # an executive decision (a Cabinet Member's, a decision notice's)
    noted = "noted"  # the meeting only noted or received something
    deferred = "deferred"  # put off to a later meeting
    called_in = "called_in"  # an executive decision called in for scrutiny
    referred = "referred"  # sent or recommended on to another body


@dataclass(frozen=True)
class Votes:
    """A vote as the minutes record it; None where they do not say."""

    for_: int | None = None
    against: int | None = None
    abstain: int | None = None
    unanimous: bool = False
    for_names: tuple[str, ...] = ()
    against_names: tuple[str, ...] = ()
    abstain_names: tuple[str, ...] = ()
    evidence: str = ""  # the words the vote was read from

    def summary(self) -> str:
        if self.unanimous and self.against in (None, 0):
            return "agreed unanimously"
        parts = [f"{n} {w}" for n, w in ((self.for_, "for"), (self.against, "against"), (self.abstain, "abstaining")) if n is not None]
        if not parts:  # no counts, only members who asked for their own vote to be recorded
            parts = [
                f"{', '.join(names)} recorded as {w}"
                for names, w in ((self.for_names, "voting for"), (self.against_names, "voting against"), (self.abstain_names, "abstaining"))
                if names
            ]
        return ", ".join(parts)


@dataclass
class Decision:
    """One recommendation or decision, as a record: what was put to or decided by which body, at
    which meeting, with its reference and where the paper says it."""

    id: str
    document_id: str
    kind: DecisionKind
    text: str  # as written (sub-parts joined)
    body: str | None = None  # the body it goes to (a recommendation) or was taken by
    meeting_date: date | None = None
    item: str | None = None  # the agenda item or minute number as printed
    item_title: str | None = None  # the item's heading ("Review of Decision 24/00093 - Family Hubs")
    reference: str | None = None  # a decision number (24/00093), else the minute number, else None
    refs: tuple[str, ...] = ()  # every decision number the record or its item names
    votes: Votes | None = None
    page: int | None = None
    chunk_id: str | None = None  # the passage the record is read from
    classification: Classification | None = None
    source: str = ""
    # Filled when read back: the paper's body (council) and display label, and its title.
    council: str | None = None
    source_label: str | None = None
    paper_title: str | None = None
    doc_type: DocType = DocType.other


@dataclass(frozen=True)
class DecisionFilters:
    body: str | None = None  # the body that took it or that it goes to (committee names resolve)
    date_from: date | None = None
    date_to: date | None = None
    kind: DecisionKind | None = None
    reference: str | None = None  # "24/00093", a minute number
    q: str | None = None  # words the record, its item or its paper must contain
    document_id: str | None = None
    clearance: frozenset[Classification] | None = None  # None: no restriction


@dataclass
class ChainStep:
    """One step of a matter: a decision record or an action record, and what happened at it."""

    outcome: str  # "recommended to Cabinet", "agreed", "called in", "updated: ongoing", ...
    decision: Decision | None = None
    action: Action | None = None

    @property
    def day(self) -> date | None:
        return self.decision.meeting_date if self.decision else self.action.meeting_date if self.action else None


@dataclass
class Chain:
    """The records that are one matter, in meeting order, with where it stands and where the
    papers leave a gap (said, never guessed)."""

    steps: list[ChainStep]
    state: str
    gaps: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # why the steps are one matter ("decision 24/00093")

    @property
    def documents(self) -> list[str]:
        """The papers its steps are read from, in step order, each once (what the caller is shown)."""
        ids = (s.decision.document_id if s.decision else s.action.document_id for s in self.steps if s.decision or s.action)
        return list(dict.fromkeys(ids))


@dataclass
class FileResult:
    """What happened to one input file during ingest."""

    path: str
    status: str  # "added" | "replaced" | "unchanged" | "skipped" | "failed"
    document_id: str | None = None
    pages: int = 0
    chunks: int = 0
    actions: int = 0
    decisions: int = 0
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        return sum(1 for f in self.files if f.status in statuses)

    @property
    def documents(self) -> int:
        return self.count("added", "replaced")

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status in ("added", "replaced"))

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "replaced"))

    @property
    def actions(self) -> int:
        return sum(f.actions for f in self.files if f.status in ("added", "replaced"))

    def summary(self) -> str:
        lines = [
            f"{self.documents} documents ingested ({self.count('unchanged')} unchanged), "
            f"{self.pages} pages, {self.chunks} chunks, {self.actions} action records in {self.seconds:.1f}s"
        ]
        for f in self.files:
            if f.status in ("skipped", "failed"):
                lines.append(f"  {f.status}: {f.path}: {f.reason}")
            for w in f.warnings:
                lines.append(f"  warning: {f.path}: {w}")
        return "\n".join(lines)
