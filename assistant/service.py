"""The service the CLI and the API both call. It wires the components from settings (each created
on first use, never at import) and orchestrates: understand the question, retrieve, answer."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path

from assistant import actions as action_records
from assistant.access import AccessControl
from assistant.answer import Answerer, ExtractiveAnswerer
from core.committees import CommitteeRegistry, committee_key
from core.config import Settings
from assistant.conversation import ConversationStore, rewrite_follow_up
from assistant.query import plan_query
from assistant.retrieve import HybridRetriever, RetrievalResult
from core.types import (
    ActionFilters,
    ActionView,
    Answer,
    Citation,
    Classification,
    Document,
    FileResult,
    FollowUp,
    IngestReport,
    Passage,
    SearchFilters,
    Turn,
)
from vectorstore.catalog import Catalog
from vectorstore.chroma import ChromaStore
from vectorstore.embedder import Embedder
from vectorstore.lexical import LexicalIndex


class NotFoundError(LookupError):
    """A requested resource (e.g. a document id) does not exist."""


SIDECAR = ".meta.json"
NAME_BYTES = 200  # longest stored file name, in UTF-8 bytes (filesystems allow 255; the sidecar adds 10)


def upload_name(name: str) -> str:
    """An uploaded file's name as its paper will be listed: no directory part ("../../x.pdf" ->
    "x.pdf"), no control characters, at most NAME_BYTES bytes with its extension kept; any
    script ("報告.txt" stays "報告.txt")."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(". ")
    if not base:
        return "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 20:
        stem, ext = base, ""
    tail = ("." + ext) if ext else ""
    if base.lower().endswith(SIDECAR):
        stem, tail = base[: -len(SIDECAR)], base[-len(SIDECAR):]
    while len((stem + tail).encode()) > NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip() or "upload") + tail


@dataclass(frozen=True)
class Original:
    """An original file as the caller may fetch it."""

    path: Path
    name: str  # the paper's file name as published
    media_type: str
    inline: bool  # a PDF, shown by the browser's own viewer; anything else is downloaded


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


def _file_format(path: Path) -> str | None:
    from ingest.loaders import detect_format

    return detect_format(path)


class ConfigError(ValueError):
    """A user-editable file (e.g. the committee alias file) is malformed; the message says where."""


class PapersService:
    def __init__(self, settings: Settings, answerer: Answerer | None = None) -> None:
        self.settings = settings
        self._answerer = answerer

    # --- components, created lazily ------------------------------------------------------------

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path)

    @cached_property
    def store(self) -> ChromaStore:
        if not self.settings.chroma_url:
            self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
        r = self.settings.retrieval
        return ChromaStore(
            self.settings.collection_name,
            self.settings.chroma_path,
            self.settings.chroma_url,
            fetch_max=r.filtered_fetch_max,
            exact_windows=r.exact_windows,
            exact_cache_mb=r.filtered_cache_mb,
        )

    @cached_property
    def embedder(self) -> Embedder:
        e = self.settings.embedding
        return Embedder(
            e.model_path,
            batch_size=e.batch_size,
            max_tokens=e.max_tokens,
            backend=e.backend,
            cache_dir=self.settings.models_path,
            threads=e.threads,
            precision=e.precision,
        )

    @cached_property
    def lexical(self) -> LexicalIndex:
        from ingest.split import dense_windows  # the lexical windows are the dense index's windows

        return LexicalIndex(
            self.settings.lexical_path / self.settings.collection_name,
            windows=dense_windows,
            clearances=self.settings.access.clearance.values(),  # a view per role's clearance
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.catalog, self.store, self.lexical, self.embedder, self.settings.retrieval)

    @cached_property
    def answerer(self) -> Answerer:
        return self._answerer or ExtractiveAnswerer(self.embedder, self.settings.answer)

    @cached_property
    def access(self) -> AccessControl:
        a = self.settings.access
        return AccessControl(self.settings.access_path, a.clearance, a.anonymous)

    @cached_property
    def conversations(self) -> ConversationStore:
        c = self.settings.conversation
        return ConversationStore(c.max_conversations, c.ttl_minutes * 60, c.max_turns, max_per_caller=c.max_per_caller)

    @cached_property
    def ingestor(self):
        from ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.catalog, self.store, self.lexical, self.embedder)

    # --- operations ------------------------------------------------------------------------------

    def ingest(
        self, paths: Iterable[Path], progress: bool = False, allow_declassify: bool = False, isolate: bool = False
    ) -> IngestReport:
        """Ingest files and folders. `allow_declassify`: a sidecar may lower a paper's own marking
        (an admin's explicit decision; refused otherwise). `isolate`: parse even a single file in
        a worker process, so the memory a large paper takes is given back (the server does this)."""
        return self.ingestor.ingest(
            [Path(p) for p in paths], progress=progress, allow_declassify=allow_declassify, isolate=isolate
        )

    def upload(self, files: list[tuple[str, bytes]], allow_declassify: bool = False) -> IngestReport:
        """Store uploaded papers and ingest them. Each paper gets a folder of its own under
        PAPERS_HOME/uploads, so two files with the same name ("Appendix 1.txt") are two papers, and
        keeps its name as uploaded (any script, no directories). A sidecar (`NAME.meta.json`)
        applies only to the paper of that name in the same upload; one without its paper is
        refused, never kept for a later file. What was not ingested is not kept."""
        uploads = self.settings.uploads_path
        papers = [(upload_name(name), data) for name, data in files]
        sidecars: dict[str, list[bytes]] = {}
        for name, data in papers:
            if name.lower().endswith(SIDECAR):
                sidecars.setdefault(name[: -len(SIDECAR)], []).append(data)
        papers = [(name, data) for name, data in papers if not name.lower().endswith(SIDECAR)]
        names = [name for name, _ in papers]
        refused: list[FileResult] = []
        for target, found in sidecars.items():
            if target not in names:
                refused.append(FileResult(target + SIDECAR, "failed", reason=f"a sidecar is applied only to its paper in the same upload, and '{target}' is not in it"))
            elif len(found) > 1 or names.count(target) > 1:
                refused.append(FileResult(target + SIDECAR, "failed", reason=f"more than one paper or sidecar named '{target}' in this upload: it is not clear which the sidecar is for"))
        paths = []
        for name, data in papers:
            too_big = self.settings.api.oversize(len(data))
            if too_big:  # refused before it is written, as ingest would refuse it after
                refused.append(FileResult(name, "failed", reason=too_big))
                continue
            folder = uploads / f"u_{secrets.token_hex(8)}"
            folder.mkdir(parents=True)
            target = folder / name
            tmp = folder / ".part"
            tmp.write_bytes(data)
            tmp.replace(target)  # a half-written upload is never ingested
            side = sidecars.get(name)
            if side is not None and len(side) == 1 and names.count(name) == 1:
                (folder / (name + SIDECAR)).write_bytes(side[0])
            paths.append(target.resolve())
        report = self.ingest(paths, allow_declassify=allow_declassify, isolate=True) if paths else IngestReport()
        stored = {str(p) for p in paths}
        for result in report.files:
            if result.status not in ("added", "replaced") and result.path in stored:
                shutil.rmtree(Path(result.path).parent, ignore_errors=True)
        report.files[:0] = refused
        return report

    def committees(self, clearance: frozenset[Classification] | None = None) -> CommitteeRegistry:
        """Committees named by the papers the caller may see, plus the alias file; rebuilt only
        when the catalog or the alias file changes, not on every question."""
        aliases_path = self.settings.aliases_path
        stamp = (self.catalog.generation(), aliases_path.stat().st_mtime_ns if aliases_path.exists() else None)
        cache = self.__dict__.setdefault("_committees", {})
        cached = cache.get(clearance)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        registry = CommitteeRegistry()
        for d in self.catalog.documents(clearance):
            if d.committee:
                registry.add(d.committee, {d.committee_acronym} if d.committee_acronym else set())
        for name, others in self._aliases(aliases_path).items():
            target = registry.resolve(name)
            acronyms = {o for o in others if o.isupper() and " " not in o}
            if target is not None or clearance is None:
                registry.add(target.name if target else name, acronyms, set(others) - acronyms)
        cache[clearance] = (stamp, registry)
        return registry

    @staticmethod
    def _aliases(path: Path) -> dict[str, list[str]]:
        """The user-editable alias file: {"committee name": ["other name", "ACRONYM", ...]}."""
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read committee aliases: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in data.items()
        ):
            raise ConfigError(f'{path}: committee aliases must be an object of name -> list of names, e.g. {{"Cabinet": ["Exec"]}}')
        return data

    def committee_list(self, clearance: frozenset[Classification] | None = None) -> list[dict]:
        """Every committee the caller's papers name, with its other names and how many of those
        papers and actions it has."""
        docs, actions = self.catalog.committee_counts(clearance)
        out = []
        for c in self.committees(clearance):
            key = c.key
            out.append(
                {
                    "name": c.name,
                    "acronyms": sorted(c.acronyms),
                    "aliases": sorted(c.aliases),
                    "documents": sum(n for name, n in docs.items() if committee_key(name) == key),
                    "actions": sum(n for name, n in actions.items() if committee_key(name) == key),
                }
            )
        return out

    def actions(self, filters: ActionFilters | None = None, as_of: date | None = None) -> tuple[date, list[ActionView]]:
        """Action records matching the filters, as seen on `as_of` (default today)."""
        as_of = as_of or date.today()
        filters = filters or ActionFilters()
        registry = self.committees(filters.clearance)
        # The catalog narrows by every filter but the topic words; select() then applies them all.
        records = self.catalog.actions(
            due_from=filters.due_from,
            due_to=filters.due_to,
            status=filters.status,
            clearance=filters.clearance,
            overdue_on=as_of if filters.overdue else None,
            raised_from=filters.raised_from,
            raised_to=filters.raised_to,
            committee=action_records.committee_matcher(filters.committee, registry) if filters.committee else None,
            owner=action_records.owner_matcher(filters.owner) if filters.owner else None,
        )
        selected = action_records.select(records, filters, as_of, registry)
        return as_of, [ActionView(a, as_of) for a in selected]

    def _answer_from_actions(self, question: str, filters: SearchFilters, as_of: date | None) -> Answer | None:
        """Answer an action question from the records, or None when it is not one."""
        registry = self.committees(filters.clearance)
        parsed = action_records.parse_action_question(question, registry)
        if parsed is None or not self.catalog.has_actions(filters.clearance):
            return None
        parsed = replace(parsed, filters=replace(parsed.filters, clearance=filters.clearance))
        if filters.committee:
            named = registry.resolve(filters.committee)
            parsed = replace(parsed, filters=replace(parsed.filters, committee=named.name if named else filters.committee))
        if filters.date_from or filters.date_to:  # the caller's meeting-date range: when actions were raised
            parsed = replace(
                parsed,
                filters=replace(
                    parsed.filters,
                    raised_from=filters.date_from or parsed.filters.raised_from,
                    raised_to=filters.date_to or parsed.filters.raised_to,
                ),
            )
        as_of, views = self.actions(parsed.filters, as_of)
        selected = [v.action for v in views]
        if parsed.kind == "who" and len(selected) > 5:
            selected, views = selected[:5], views[:5]
        text = action_records.compose(parsed, selected, as_of)
        chunks = self.catalog.get_chunks([a.chunk_id for a in selected[:10] if a.chunk_id], filters.clearance)
        citations = [
            Citation(n, Passage(chunks[a.chunk_id], 1.0))
            for n, a in enumerate(selected[:10], start=1)
            if a.chunk_id in chunks
        ]
        if not selected:
            # Nothing in the records: show the closest passages, as for any unanswered question.
            passages = self._retrieve(question, filters, self.settings.retrieval.k).passages
            citations = [Citation(i + 1, p) for i, p in enumerate(passages)]
        return Answer(question, text, "actions", citations, actions=views, as_of=as_of)

    def search(self, query: str, filters: SearchFilters | None = None, k: int | None = None) -> list[Passage]:
        return self._retrieve(query, filters or SearchFilters(), k or self.settings.retrieval.k).passages

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        as_of: date | None = None,
        follow_up: FollowUp | None = None,
    ) -> Answer:
        """Answer from the action records when the question is about actions (overdue, owners,
        due dates), otherwise from retrieved passages. In a conversation (`follow_up`, from
        `begin_turn`) the standalone form of the question is answered and the turn recorded."""
        asked = follow_up.standalone if follow_up and follow_up.standalone else question
        filters = filters or SearchFilters()
        answer = self._answer_from_actions(asked, filters, as_of)
        if answer is None:
            found = self._retrieve(asked, filters, k or self.settings.retrieval.k, with_windows=True)
            answer = self.answerer.answer(asked, found.passages, found.query_vector, found.unmatched)
        if follow_up is None:
            return answer
        self.conversations.add(follow_up.owner, follow_up.conversation_id, Turn(question, asked, answer.mode))
        return replace(
            answer, question=question, conversation_id=follow_up.conversation_id, standalone_question=follow_up.standalone
        )

    def begin_turn(
        self, owner: str, conversation_id: str | None, question: str, clearance: frozenset[Classification] | None = None
    ) -> FollowUp:
        """Open the caller's conversation (a new one when `conversation_id` is None) and rewrite
        the question into a standalone one when it only makes sense after the previous turn.
        An id this caller did not start, or that expired, raises ConversationNotFound."""
        if conversation_id is None:
            conversation_id, history = self.conversations.start(owner), []
        else:
            history = self.conversations.history(owner, conversation_id)
        previous = history[-1] if history else None
        standalone = rewrite_follow_up(question, previous, self.committees(clearance)) if previous else None
        return FollowUp(owner, conversation_id, question, standalone)

    def converse(
        self,
        owner: str,
        conversation_id: str | None,
        question: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        as_of: date | None = None,
    ) -> Answer:
        """`begin_turn` then `ask`: one question in a conversation."""
        clearance = filters.clearance if filters else None
        return self.ask(question, filters, k, as_of, self.begin_turn(owner, conversation_id, question, clearance))

    def _retrieve(self, query: str, filters: SearchFilters, k: int, with_windows: bool = False) -> RetrievalResult:
        plan = plan_query(query, filters, self.committees(filters.clearance))
        return self.retriever.search(
            plan.text, k, plan.filters, plan.dates, prefer=plan.prefer, intents=plan.intents, with_windows=with_windows
        )

    def documents(self, clearance: frozenset[Classification] | None = None) -> list[Document]:
        return self.catalog.documents(clearance)

    def documents_page(
        self, clearance: frozenset[Classification] | None, limit: int | None, offset: int = 0
    ) -> tuple[int, list[Document]]:
        """(how many documents the caller may see, one page of them, newest meeting first)."""
        return self.catalog.counts(clearance)[0], self.catalog.documents(clearance, limit, offset)

    def document(self, document_id: str, clearance: frozenset[Classification] | None = None) -> Document:
        """A document the caller may see. One that exists above their clearance is reported
        exactly as one that does not exist."""
        doc = self.catalog.get_document(document_id, clearance)
        if doc is None:
            raise NotFoundError(f"no document with id '{document_id}'")
        return doc

    def original(self, document_id: str, clearance: frozenset[Classification] | None = None) -> Original:
        """The original file of a document, only for a caller cleared for everything in it (an
        exempt appendix travels with its public report). Withheld and missing files get the same
        answer, which names no server path."""
        doc = self.document(document_id, clearance)
        highest = self.catalog.highest_classification(document_id)
        path = Path(doc.path)
        if (clearance is not None and (highest is None or highest not in clearance)) or not path.is_file():
            raise NotFoundError(f"no original file is available for document '{document_id}'")
        fmt = _file_format(path)
        return Original(path, doc.source, MEDIA_TYPES.get(fmt, "application/octet-stream"), fmt == "pdf")

    def delete_document(self, document_id: str) -> None:
        self.document(document_id)
        self.ingestor.delete(document_id)

    def reclassify(self, document_id: str, level: Classification) -> Document:
        """Set a document's classification (an admin's decision overrides the detector)."""
        self.document(document_id)
        levels = self.catalog.reclassify(document_id, level)
        if levels:
            self.store.set_classification(levels)
        self.ingestor.refresh_lexical()
        return self.document(document_id)

    def health(self, clearance: frozenset[Classification] | None = None) -> dict:
        docs, chunks = self.catalog.counts(clearance)
        reachable = self.store.ping()
        error = self.access.audit_error
        audit = "off" if not self.settings.access.audit else ("ok" if error is None else f"degraded: {error}")
        return {
            "status": "ok" if reachable and error is None else "degraded",
            "store_reachable": reachable,
            "audit": audit,
            "store": self.settings.chroma_url or "embedded",
            "collection": self.settings.collection_name,
            "documents": docs,
            "chunks": chunks,
            "model": self.settings.embedding.model_name,
        }
