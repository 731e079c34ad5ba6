"""The service the CLI and the API both call. It wires the components from settings (each created
on first use, never at import) and orchestrates: understand the question, retrieve, answer."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from assistant import action_questions as action_records
from assistant import decision_chains, decision_questions
from assistant.access import AccessControl
from assistant.answerers import Answerer, ExtractiveAnswerer, stream_whole
from assistant.companions import covering_papers, with_covering_committees
from assistant.conversation import follow_up_scope, rewrite_follow_up
from assistant.history import SqlConversationStore, missing_turn
from assistant.query import plan_query
from assistant.retrieval import HybridRetriever, RetrievalResult, decide, refusal
from assistant.retrieval.front_sheet import with_front_sheets
from core.committees import CommitteeRegistry, committee_key
from core.config import CATALOG_SCHEMA, Settings
from core.councils import Council, learn_councils
from core.database import Database, open_database
from core.errors import ConfigError, IngestBusy, InvalidInput, NotFoundError, StorageFull, StoreUnavailable
from core.labels import committee_label
from core.text import content_words
from core.types import (
    ActionFilters,
    ActionView,
    Answer,
    AnswerMode,
    Chain,
    Chunk,
    Citation,
    Classification,
    Conversation,
    Decision,
    DecisionFilters,
    Document,
    Feedback,
    FollowUp,
    IngestReport,
    Passage,
    SearchFilters,
    Turn,
)
from sources.uploads import discard_unused, store_uploads
from vectorstore.catalog import SqlCatalog
from vectorstore.chroma import ChromaStore
from vectorstore.embedder import Embedder
from vectorstore.interfaces import Catalog, DenseIndex, LexicalIndex
from vectorstore.lexical import Bm25Index


@dataclass(frozen=True)
class Original:
    """An original file as the caller may fetch it."""

    path: Path
    name: str  # the paper's file name as published
    media_type: str
    inline: bool  # a PDF, shown by the browser's own viewer; anything else is downloaded


def _media_type(fmt: str | None) -> str:
    from ingest.loaders import media_type

    return media_type(fmt)


def _file_format(path: Path) -> str | None:
    from ingest.loaders import detect_format

    return detect_format(path)


# Which process answered (health): random per process, so it names no host.
REPLICA = secrets.token_hex(4)

# Said with an answer the conversation history could not keep (a full disk): the answer is a
# read and is given; a follow-up to it is asked as a new question.
NOT_SAVED = "This answer could not be saved to your conversation history (the server's storage is full)."


def _shown_level(answer: Answer, clearance: frozenset[Classification] | None) -> Classification:
    """The most protected classification among what an answer showed: its citations and, for an
    answer from the action records, every action it lists. Something without a classification
    counts as the most the caller was cleared for."""
    if clearance is None:
        ceiling = max(Classification, key=lambda c: c.level)
    else:
        ceiling = max(clearance, key=lambda c: c.level, default=Classification.public)
    levels = [c.passage.chunk.classification for c in answer.citations]
    levels += [v.action.classification for v in answer.actions or []]
    return max((level or ceiling for level in levels), key=lambda c: c.level, default=Classification.public)


# Words of a question about a decision that say it is one, not what it is about.
_QUESTION_WORDS = frozenset(
    "happened happen became decide decided decision recommendation agreed agree vote voted response respond said say outcome".split()
)


class PapersService:
    def __init__(self, settings: Settings, answerer: Answerer | None = None) -> None:
        self.settings = settings
        self._answerer = answerer

    # --- components, created lazily ------------------------------------------------------------

    @cached_property
    def database(self) -> Database | None:
        """The PostgreSQL database every replica shares (PAPERS_DATABASE_URL); None: each store
        is its own SQLite file under PAPERS_HOME."""
        url = self.settings.database_url
        return open_database(url) if url else None

    def _db(self, path: Path) -> Database | Path:
        return self.database or path

    @cached_property
    def catalog(self) -> Catalog:
        if self.database is None:
            return SqlCatalog(self.settings.catalog_path)
        return SqlCatalog(self.database, schema=CATALOG_SCHEMA)

    @cached_property
    def store(self) -> DenseIndex:
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
        from core.text import dense_windows  # the lexical windows are the dense index's windows

        directory = self.settings.lexical_path / self.settings.collection_name
        if self.database is not None:  # a shared catalog: this replica's copy is saved under its id
            directory = directory / f"catalog-{self.catalog.instance_id()}"
        return Bm25Index(
            directory,
            windows=dense_windows,
            clearances=self.settings.access.clearance.values(),  # a view per role's clearance
            chunk_weight=self.settings.retrieval.lexical_chunk_weight,
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.catalog, self.store, self.lexical, self.embedder, self.settings.retrieval)

    @cached_property
    def answerer(self) -> Answerer:
        if self._answerer is not None:
            return self._answerer
        extractive = ExtractiveAnswerer(self.embedder, self.settings.answer, self.settings.retrieval.min_relevance)
        if self.settings.llm.enabled:
            from assistant.answerers.llm import LlmAnswerer

            return LlmAnswerer(self.settings.llm, extractive)
        return extractive

    @cached_property
    def alerts(self):
        from assistant.alerts import Alerts

        a = self.settings.alerts
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return Alerts(self._db(self.settings.alerts_path), a.webhook_hosts, a.webhook_attempts)

    def deliver_alerts(self) -> int:
        """Deliver what is new to every alert (after an ingest or a sync); a failure is logged,
        never the ingest's failure."""
        import logging

        try:
            return self.alerts.deliver(self)
        except Exception:
            logging.getLogger(__name__).exception("alert delivery failed")
            return 0

    @cached_property
    def access(self) -> AccessControl:
        a = self.settings.access
        return AccessControl(self._db(self.settings.access_path), a.clearance, a.anonymous)

    @cached_property
    def conversations(self) -> SqlConversationStore:
        c = self.settings.conversation
        return SqlConversationStore(
            self._db(self.settings.conversations_path),
            c.max_conversations,
            c.retention_days * 86400,
            c.max_turns,
            c.max_per_caller,
            c.max_mb,
        )

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
        with self.exclusive("ingest"):
            report = self.ingestor.ingest(
                [Path(p) for p in paths], progress=progress, allow_declassify=allow_declassify, isolate=isolate
            )
        if any(f.status in ("added", "replaced") for f in report.files) and (
            self.database is not None or self.settings.alerts_path.exists()
        ):
            self.deliver_alerts()
        return report

    @contextmanager
    def exclusive(self, task: str) -> Iterator[None]:
        """Hold the database's lock for `task`: no two ingests or syncs run at once, in this process
        or any other replica of the same database. Waits `ingest.lock_wait_seconds`, then raises
        IngestBusy."""
        try:
            with self.catalog.db.lock(task, timeout=self.settings.ingest.lock_wait_seconds):
                yield
        except TimeoutError as exc:
            raise IngestBusy(
                f"another ingest or sync is running and did not finish within {self.settings.ingest.lock_wait_seconds:g} s; "
                "try again when it has"
            ) from exc

    def sync_moderngov(
        self,
        base_url: str,
        committees: Iterable[str] = (),
        date_from: date | None = None,
        date_to: date | None = None,
        progress: bool = False,
        remember: bool = True,
        transport=None,
        body: str | None = None,
    ):
        """Fetch a council's published papers from its ModernGov site and ingest them, with the
        service's metadata (sources.moderngov). `remember`: add the site to the sources file, so
        `sync_all` refreshes it. `transport`: an httpx transport (tests). `body`: the council
        whose site it is (each paper's body, whatever its own front sheet says)."""
        from sources import moderngov

        s = self.settings.sync
        client = moderngov.ModernGovClient(
            base_url, timeout=s.timeout_seconds, retries=s.retries, rate=s.rate, backoff=s.backoff_seconds, transport=transport
        )
        today = date.today()
        with self.exclusive("ingest"):  # the fetch writes the sources folder that the ingest reads
            try:
                report = moderngov.sync_site(
                    client,
                    self.settings.sources_path / "moderngov",
                    committees,
                    date_from or today - timedelta(days=s.days_back),
                    date_to or today + timedelta(days=s.days_ahead),
                    progress=(lambda msg: print(msg, flush=True)) if progress else None,
                    body=body,
                )
            finally:
                client.close()
            if report.files:
                report.ingest = self.ingest(report.files, progress=progress).files
        if remember:
            moderngov.remember_site(self.settings.sources_path / "sources.json", client.base, list(committees), body)
        return report

    def sync_all(self, progress: bool = False) -> list:
        """Refresh every site in the sources file."""
        from sources import moderngov

        reports = []
        for site in moderngov.load_sites(self.settings.sources_path / "sources.json"):
            try:
                reports.append(
                    self.sync_moderngov(site["url"], site.get("committees", []), progress=progress, remember=False, body=site.get("body"))
                )
            except (moderngov.SyncError, ValueError) as exc:  # one site's trouble never stops the others
                failed = moderngov.SyncReport(site["url"])
                failed.failures.append(str(exc))
                reports.append(failed)
        return reports

    def upload(self, files: list[tuple[str, bytes]], allow_declassify: bool = False) -> IngestReport:
        """Store uploaded papers and ingest them (see sources.uploads). What was not ingested is
        not kept."""
        paths, refused = store_uploads(files, self.settings.uploads_path, self.settings.api.oversize)
        report = self.ingest(paths, allow_declassify=allow_declassify, isolate=True) if paths else IngestReport()
        discard_unused(report, paths)
        report.files[:0] = refused
        return report

    def committees(self, clearance: frozenset[Classification] | None = None) -> CommitteeRegistry:
        """Committees named by the papers the caller may see, plus the alias file, and the councils
        those papers are of (core.councils, learnt from the same papers only); rebuilt only when
        the catalog or the alias file changes, not on every question."""
        aliases_path = self.settings.aliases_path
        stamp = (self.catalog.generation(), aliases_path.stat().st_mtime_ns if aliases_path.exists() else None)
        cache = self.__dict__.setdefault("_committees", {})
        cached = cache.get(clearance)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        docs = self.catalog.documents(clearance)
        registry = CommitteeRegistry(councils=self._councils(docs, clearance))
        for d in docs:
            if d.committee:
                registry.add(d.committee, {d.committee_acronym} if d.committee_acronym else set())
        for name, others in self._aliases(aliases_path).items():
            target = registry.resolve(name)
            acronyms = {o for o in others if o.isupper() and " " not in o}
            if target is not None or clearance is None:
                registry.add(target.name if target else name, acronyms, set(others) - acronyms)
        cache[clearance] = (stamp, registry)
        return registry

    def _councils(self, docs: list[Document], clearance: frozenset[Classification] | None) -> list[Council]:
        """The councils of these papers, from the passages `clearance` allows."""
        ids = {d.id for d in docs}
        texts = (
            (c.document_id, c.index_text)
            for c in self.catalog.iter_chunks()
            if c.document_id in ids and (clearance is None or c.classification in clearance)
        )
        papers = [(d.id, d.committee, getattr(d, "body", None)) for d in docs]
        return learn_councils(papers, texts)

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
        for document_id, cover in self._covering(clearance).items():  # records of papers that name no committee
            lent = len(self.catalog.actions(document_id=document_id, clearance=clearance))
            actions[cover.committee] = actions.get(cover.committee, 0) + lent
        bodies = self.catalog.committee_bodies(clearance)
        out = []
        for c in self.committees(clearance):
            key = c.key
            owners: dict[str, int] = {}
            for name, counts in bodies.items():
                if committee_key(name) == key:
                    for body, n in counts.items():
                        owners[body] = owners.get(body, 0) + n
            ranked = sorted(owners, key=lambda b: (-owners[b], b))
            out.append(
                {
                    "name": c.name,
                    "acronyms": sorted(c.acronyms),
                    "aliases": sorted(c.aliases),
                    "documents": sum(n for name, n in docs.items() if committee_key(name) == key),
                    "actions": sum(n for name, n in actions.items() if committee_key(name) == key),
                    "bodies": ranked,
                    "body": ranked[0] if len(ranked) == 1 else None,
                    "label": committee_label(c.name, ranked),
                }
            )
        return out

    def actions(self, filters: ActionFilters | None = None, as_of: date | None = None) -> tuple[date, list[ActionView]]:
        """Action records matching the filters, as seen on `as_of` (default today)."""
        as_of = as_of or date.today()
        filters = filters or ActionFilters()
        registry = self.committees(filters.clearance)
        covering = self._covering(filters.clearance)
        in_committee = action_records.committee_matcher(filters.committee, registry) if filters.committee else None
        committee_test = in_committee
        if in_committee and any(in_committee(c.committee) for c in covering.values()):
            # Records of a paper that names no committee are read too; select() tests them by the
            # committee of the paper they came with.
            def committee_test(cell: str | None) -> bool:
                return not cell or in_committee(cell)

        # The catalog narrows by every filter but the topic words; select() then applies them all.
        records = self.catalog.actions(
            due_from=filters.due_from,
            due_to=filters.due_to,
            status=filters.status,
            clearance=filters.clearance,
            overdue_on=as_of if filters.overdue else None,
            raised_from=filters.raised_from,
            raised_to=filters.raised_to,
            committee=committee_test,
            owner=action_records.owner_matcher(filters.owner) if filters.owner else None,
        )
        selected = action_records.select(with_covering_committees(records, covering), filters, as_of, registry)
        return as_of, [ActionView(a, as_of) for a in selected]

    def actions_export(
        self, filters: ActionFilters | None = None, as_of: date | None = None
    ) -> tuple[date, list[ActionView], dict[str, str]]:
        """Every action `actions` lists for these filters, for a spreadsheet, with the council's own
        page of each paper that has one (document id -> address). More than
        `settings.api.max_export_rows` is refused, never cut short: a short export reads as whole."""
        as_of, views = self.actions(filters, as_of)
        limit = self.settings.api.max_export_rows
        if len(views) > limit:
            raise InvalidInput(
                f"filters: {len(views):,} actions match, more than an export may hold ({limit:,}, "
                "PAPERS_API__MAX_EXPORT_ROWS); narrow them by committee, status or due dates"
            )
        first = {}
        for v in views:
            if v.action.chunk_id:
                first.setdefault(v.action.document_id, v.action.chunk_id)
        clearance = filters.clearance if filters else None
        chunks = self.catalog.get_chunks(list(first.values()), clearance) if first else {}
        pages = {doc: chunks[cid].source_url for doc, cid in first.items() if cid in chunks and chunks[cid].source_url}
        return as_of, views, pages

    def _covering(self, clearance: frozenset[Classification] | None) -> dict[str, Document]:
        """Document id -> the paper it was published with, for the papers the caller may see that
        name no committee (assistant.companions); rebuilt only when the catalog changes."""
        stamp = self.catalog.generation()
        cache = self.__dict__.setdefault("_covering_papers", {})
        cached = cache.get(clearance)
        if cached is None or cached[0] != stamp:
            cached = cache[clearance] = (stamp, covering_papers(self.catalog.documents(clearance)))
        return cached[1]

    def _answer_from_actions(
        self, question: str, filters: SearchFilters, as_of: date | None, council: str | None = None
    ) -> Answer | None:
        """Answer an action question from the records, or None when it is not one. `council`:
        the conversation's place (a follow-up's), when the question names none."""
        registry = self.committees(filters.clearance)
        parsed = action_records.parse_action_question(question, registry)
        if parsed is None or not self.catalog.has_actions(filters.clearance):
            return None
        parsed = replace(parsed, filters=replace(parsed.filters, clearance=filters.clearance))
        if filters.committee:
            named = registry.resolve(filters.committee)
            parsed = replace(parsed, filters=replace(parsed.filters, committee=named.name if named else filters.committee))
        committee = parsed.filters.committee
        # The conversation's place narrows a committee only when the committee's name is shared by
        # several councils' papers ("Cabinet"); "HASSC" says whose it is already.
        narrows = not committee or len(registry.councils_of(committee)) > 1
        if council and not parsed.filters.council and narrows and self._council_has(council, committee, filters):
            parsed = replace(parsed, filters=replace(parsed.filters, council=council))
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
            # Nothing in the records: show the closest passages, as for any unanswered question;
            # of the council asked about only (none for a place no paper is of).
            known = registry.council(parsed.filters.council) if parsed.filters.council else None
            papers = (known.documents if known else set()) if parsed.filters.council else None
            passages = [] if papers == set() else self._retrieve(question, filters, self.settings.retrieval.k, papers=papers).passages
            citations = [Citation(i + 1, p) for i, p in enumerate(passages)]
        return Answer(question, text, AnswerMode.actions, citations, actions=views, as_of=as_of, answerer="actions")

    # --- recommendations and decisions ---------------------------------------------------------

    def decisions(self, filters: DecisionFilters | None = None) -> list[Decision]:
        """Recommendation and decision records matching the filters, newest meeting first. `body`
        resolves like a committee filter (name, acronym or alias) and also matches the body as
        written; `q`: every word must appear in the record, its item title or its paper's title."""
        filters = filters or DecisionFilters()
        body_test = None
        if filters.body:
            registry = self.committees(filters.clearance)
            in_committee = action_records.committee_matcher(filters.body, registry)
            wanted = committee_key(filters.body)

            def body_test(cell: str | None) -> bool:
                return bool(cell) and (in_committee(cell) or committee_key(cell) == wanted)

        records = self.catalog.decisions(
            clearance=filters.clearance, kind=filters.kind, date_from=filters.date_from, date_to=filters.date_to,
            reference=filters.reference.strip() if filters.reference else None, document_id=filters.document_id, body=body_test,
        )
        if filters.q:
            words = [w for w in re.findall(r"[a-z0-9£]+", filters.q.lower()) if len(w) > 1][:20]
            records = [
                r for r in records
                if all(w in f"{r.text} {r.item_title or ''} {r.paper_title or ''} {r.reference or ''}".lower() for w in words)
            ]
        return records

    def decision(self, decision_id: str, clearance: frozenset[Classification] | None = None) -> tuple[Decision, Chain]:
        """One record and its matter's chain, from the records the caller may see only: a record
        above the clearance is not found, in the same words as one that does not exist."""
        found = self.catalog.decisions(clearance=clearance, ids=[decision_id]) if decision_id else []
        if not found:
            raise NotFoundError(f"decision '{decision_id[:100]}' not found")
        record = found[0]
        return record, self.decision_chain(record, clearance)

    def decision_chain(self, record: Decision, clearance: frozenset[Classification] | None = None) -> Chain:
        candidates = self.catalog.decision_candidates(record, clearance)
        return decision_chains.chain(decision_chains.related(record, candidates))

    def action_history(self, action_id: str, clearance: frozenset[Classification] | None = None) -> tuple[ActionView, Chain]:
        """One action record and its history: as raised, and as each later log of the same
        council reports it (assistant.decision_chains.action_history), from the records the
        caller may see; a record above the clearance is not found, as one that does not exist."""
        records = self.catalog.actions(clearance=clearance)
        action = next((a for a in records if a.id == action_id), None)
        if action is None:
            raise NotFoundError(f"action '{action_id[:100]}' not found")
        return ActionView(action, date.today()), decision_chains.action_history(action, records)

    def _answer_from_decisions(
        self, question: str, passages: list[Passage], filters: SearchFilters
    ) -> Answer | None:
        """A question about what became of a matter, answered along its records (assistant.
        decision_questions), or None when it is not one or its passages hold no record."""
        kind = decision_questions.decision_question(question)
        if kind is None or not passages or not self.catalog.has_decisions(filters.clearance):
            return None
        top = [p.chunk.id for p in passages[:10]]
        by_chunk: dict[str, list[Decision]] = {}
        for r in self.catalog.decisions(clearance=filters.clearance, chunks=top):
            by_chunk.setdefault(r.chunk_id, []).append(r)
        ranked = [r for cid in top for r in by_chunk.get(cid, [])]
        asked = content_words(question) - _QUESTION_WORDS
        if not ranked:
            # The passages found tell of the matter without holding a record's own words: the
            # records of their papers that share most of the question's words (two at least).
            papers = list(dict.fromkeys(p.chunk.document_id for p in passages[:3]))
            scored = []
            for document_id in papers:
                for r in self.catalog.decisions(clearance=filters.clearance, document_id=document_id):
                    shared = len(asked & content_words(f"{r.text} {r.item_title or ''}"))
                    if shared >= 2:
                        scored.append((-shared, len(scored), r))
            ranked = [r for *_, r in sorted(scored, key=lambda t: t[:2])]
        # The record must be about what the question is about: share its topic words, not only the
        # words naming the body ("Limerick Joint Policing Committee") or the kind of question.
        named = self.committees(filters.clearance).find_council(question)  # "Has Souldern agreed ...": Souldern's records only

        def on_topic(r: Decision) -> bool:
            if named is not None and r.document_id not in named[0].documents and r.council and r.council != named[0].name:
                return False  # another council's record (one whose council is not known may be the one named)
            topic = asked - content_words(" ".join(filter(None, [r.body, r.council])))
            shared = topic & content_words(f"{r.text} {r.item_title or ''} {r.paper_title or ''}")
            return len(shared) >= min(2, len(topic))

        ranked = [r for r in ranked if on_topic(r)]
        if not ranked:
            return None
        if kind == "vote":
            ranked = sorted(ranked, key=lambda r: r.votes is None)  # stable: the best-found record with a vote
        record = ranked[0]
        chain = self.decision_chain(record, filters.clearance)
        alongside = [
            r for r in self.catalog.decisions(clearance=filters.clearance, document_id=record.document_id)
            if record.item and r.item == record.item and r.item_title == record.item_title and r.id != record.id
        ]
        composed = decision_questions.compose(kind, record, chain, alongside)
        chunks = self.catalog.get_chunks([d.chunk_id for d in composed.records if d.chunk_id], filters.clearance)
        citations = [
            Citation(n, Passage(chunks[d.chunk_id], 1.0)) for n, d in enumerate(composed.records, start=1) if d.chunk_id in chunks
        ]
        return Answer(question, composed.text, AnswerMode.decisions, citations, decisions=composed.records, answerer="decisions")

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
        answer = None
        for piece in self.ask_stream(question, filters, k, as_of, follow_up):
            if isinstance(piece, Answer):
                answer = piece
        return answer

    def ask_stream(
        self,
        question: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        as_of: date | None = None,
        follow_up: FollowUp | None = None,
    ) -> Iterator[str | Answer]:
        """`ask`, as the answer's text in pieces as it is made (a language model's checked
        sentences as it writes them), then the whole `Answer`."""
        asked = follow_up.standalone if follow_up and follow_up.standalone else question
        filters = filters or SearchFilters()
        # A follow-up keeps the conversation's place (assistant.conversation.follow_up_scope).
        council = follow_up.council if follow_up and follow_up.standalone else None
        if council and not self._council_has(council, filters.committee, filters):
            council = None  # the caller's own committee filter is another council's
        answer = self._answer_from_actions(asked, filters, as_of, council)
        if answer is not None:
            pieces = stream_whole(answer)
        else:
            known = self.committees(filters.clearance).council(council) if council else None
            papers = known.documents if known and known.documents else None  # a place with no papers restricts nothing
            found = self._retrieve(asked, filters, k or self.settings.retrieval.k, with_windows=True, papers=papers)
            found.passages = with_front_sheets(asked, found.passages, self.catalog, filters.clearance)
            decision = decide(asked, found.passages, found.query_vector, found.unmatched, self.embedder, self.settings.retrieval)
            from_records = self._answer_from_decisions(asked, found.passages, filters) if decision.answerable else None
            if from_records is not None:
                pieces = stream_whole(from_records)
            elif decision.answerable:
                pieces = self.answerer.stream(asked, found.passages, found.query_vector)
            else:
                named = self.committees(filters.clearance).resolve(filters.committee) if filters.committee else None
                shown = replace(filters, committee=named.name) if named else filters
                pieces = stream_whole(refusal(asked, found.passages, decision, shown, known.name if papers else None))
        for piece in pieces:
            if not isinstance(piece, Answer):
                yield piece
                continue
            answer = piece
            if follow_up is not None:
                turn = Turn(
                    question, asked, answer.mode, answer.answer, tuple(answer.citations), answer.answerer,
                    _shown_level(answer, filters.clearance),
                )
                saved = follow_up.conversation_id is not None
                if saved:
                    try:
                        self.conversations.add(follow_up.owner, follow_up.conversation_id, turn, replace_last=follow_up.regenerate)
                    except StorageFull:
                        saved = False
                answer = replace(
                    answer, question=question, conversation_id=follow_up.conversation_id if saved else None,
                    standalone_question=follow_up.standalone,
                    note=answer.note if saved else " ".join(filter(None, [answer.note, NOT_SAVED])),
                )
            yield answer

    def begin_turn(
        self,
        owner: str,
        conversation_id: str | None,
        question: str,
        clearance: frozenset[Classification] | None = None,
        regenerate: bool = False,
    ) -> FollowUp:
        """Open the caller's conversation (a new one when `conversation_id` is None) and rewrite
        the question into a standalone one when it only makes sense after the previous turn.
        An id this caller did not start, or that expired, raises ConversationNotFound.
        `regenerate`: the last turn is to be answered again, and its answer replaced; the question
        must be that turn's, and it is read after the turn before it, as it was the first time."""
        if conversation_id is None:
            if regenerate:
                raise InvalidInput("regenerate: needs the conversation_id of the conversation to answer again")
            try:
                conversation_id, history = self.conversations.start(owner), []
            except StorageFull:  # an answer is a read: it is given, only not kept (see NOT_SAVED)
                conversation_id, history = None, []
        else:
            history = self.conversations.history(owner, conversation_id)
        if regenerate:
            if not history:
                raise InvalidInput("regenerate: the conversation has no answer to make again")
            if " ".join(question.split()) != " ".join(history[-1].question.split()):
                raise InvalidInput("question: with regenerate, send the last turn's question as it was asked")
            history = history[:-1]
        previous = history[-1] if history else None
        if previous is not None and self._hidden([previous], clearance):
            previous = None  # never lean on a turn the caller may no longer see
        registry = self.committees(clearance)
        standalone = rewrite_follow_up(question, previous, registry) if previous else None
        council = follow_up_scope(question, standalone, previous, registry) if standalone else None
        return FollowUp(owner, conversation_id, question, standalone, regenerate, council)

    def converse(
        self,
        owner: str,
        conversation_id: str | None,
        question: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        as_of: date | None = None,
        regenerate: bool = False,
    ) -> Answer:
        """`begin_turn` then `ask`: one question in a conversation."""
        clearance = filters.clearance if filters else None
        follow_up = self.begin_turn(owner, conversation_id, question, clearance, regenerate)
        return self.ask(question, filters, k, as_of, follow_up)

    # --- the history ---------------------------------------------------------------------------

    def conversation_list(self, owner: str) -> list[Conversation]:
        """The caller's conversations, the most recently used first."""
        return self.conversations.list(owner)

    def conversation(self, owner: str, conversation_id: str, clearance: frozenset[Classification] | None = None) -> Conversation:
        """The caller's conversation, turn by turn. A turn that showed what the caller may not see
        now (their role's clearance was lowered, a cited paper was reclassified) is `hidden`: only
        its question is left, never the answer, its citations or the rewrite of the question."""
        conversation = self.conversations.get(owner, conversation_id)
        hidden = self._hidden([r.turn for r in conversation.recorded], clearance)
        recorded = tuple(
            replace(r, turn=Turn(r.turn.question, "", r.turn.mode), hidden=True) if i in hidden else r
            for i, r in enumerate(conversation.recorded)
        )
        return replace(conversation, recorded=recorded)

    def delete_conversation(self, owner: str, conversation_id: str) -> None:
        self.conversations.delete(owner, conversation_id)

    def rate(
        self, caller, conversation_id: str, turn: int, rating: str, comment: str | None = None
    ) -> Feedback:
        """The caller's rating of a turn of their own conversation (a second rating of the same
        answer replaces the first). A turn they may no longer see is reported as one that does not
        exist. `caller`: an `assistant.access.Principal`."""
        owner = caller.identity
        recorded = self.conversations.turn_of(owner, conversation_id, turn)
        if self._hidden([recorded], caller.clearance):
            raise missing_turn(conversation_id, turn)
        comment = comment.strip() if comment and comment.strip() else None
        return self.conversations.rate(owner, conversation_id, turn, rating, comment, caller.key_id, caller.name, caller.role)

    def feedback(self, rating: str | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[Feedback]]:
        """(how many ratings match, a page of them, newest first), for an admin."""
        return self.conversations.feedback(rating, limit, offset)

    def feedback_export(self, rating: str | None = None) -> Iterator[dict]:
        """Every rating (newest first) as a line of the labelled question set (assistant.feedback)."""
        from assistant.feedback import labelled_question

        offset = 0
        while True:
            _, page = self.conversations.feedback(rating, 500, offset)
            yield from (labelled_question(f) for f in page)
            if len(page) < 500:
                return
            offset += 500

    def _hidden(self, turns: list[Turn], clearance: frozenset[Classification] | None) -> set[int]:
        """Which of the turns showed what `clearance` may not see now: the most protected thing
        they showed then, a cited passage since reclassified above it, or a passage of a paper
        since removed, or now above the clearance (an admin who deletes a paper published by
        mistake takes it out of everyone's history too). A paper re-ingested with new passages
        keeps its old answers shown while the caller may still see the paper."""
        if clearance is None:
            return set()
        ids = {c.passage.chunk.id for t in turns for c in t.citations}
        present = set(self.catalog.get_chunks(ids)) if ids else set()
        above = present - set(self.catalog.get_chunks(ids, clearance)) if ids else set()
        gone_papers = {c.passage.chunk.document_id for t in turns for c in t.citations if c.passage.chunk.id not in present}
        gone = {d for d in gone_papers if self.catalog.get_document(d, clearance) is None}
        return {
            i
            for i, t in enumerate(turns)
            if t.classification not in clearance
            or any(c.passage.chunk.id in above or c.passage.chunk.document_id in gone for c in t.citations)
        }

    def _retrieve(
        self, query: str, filters: SearchFilters, k: int, with_windows: bool = False, papers: set[str] | None = None
    ) -> RetrievalResult:
        """`papers`: only passages of these documents (a council's), taken from a wider search
        (the indexes filter by committee, date and type, not by council)."""
        plan = plan_query(query, filters, self.committees(filters.clearance))
        wanted = k if papers is None else max(4 * k, 20)
        found = self.retriever.search(
            plan.text, wanted, plan.filters, plan.dates, prefer=plan.prefer, intents=plan.intents, with_windows=with_windows
        )
        if papers is not None:
            found.passages = [p for p in found.passages if p.chunk.document_id in papers][:k]
        return found

    def _council_has(self, council: str, committee: str | None, filters: SearchFilters) -> bool:
        """Whether a council has papers of a committee (no committee: nothing to conflict)."""
        if not committee:
            return True
        registry = self.committees(filters.clearance)
        return any(c.name == council for c in registry.councils_of(committee))

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

    def page(self, document_id: str, page: int, clearance: frozenset[Classification] | None = None) -> list[Chunk]:
        """The passages of one page of a document the caller may see, in reading order. A page
        with nothing the caller may read (missing, or all of it above their clearance) is
        reported exactly as a page that does not exist."""
        self.document(document_id, clearance)
        chunks = self.catalog.page_chunks(document_id, page, clearance)
        if not chunks:
            raise NotFoundError(f"document '{document_id}' has no page {page} with text")
        return chunks

    def passage_place(
        self, document_id: str, chunk_id: str, clearance: frozenset[Classification] | None = None
    ) -> tuple[Chunk, list[Chunk], list[Chunk], Original | None]:
        """A passage where it sits: its boxes on the page, the passages either side that the
        caller may see, and the original file when the caller may open it (as
        `original` decides). A passage above the clearance is reported as one that does not
        exist."""
        self.document(document_id, clearance)
        found = self.catalog.passage_in_context(document_id, chunk_id, clearance)
        if found is None:
            raise NotFoundError(f"document '{document_id}' has no passage '{chunk_id}'")
        try:
            original = self.original(document_id, clearance)
        except NotFoundError:
            original = None
        return (*found, original)

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
        return Original(path, doc.source, _media_type(fmt), fmt == "pdf")

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

    def document_count(self, clearance: frozenset[Classification] | None = None) -> int:
        return self.catalog.counts(clearance)[0]

    def warm(self) -> str:
        """Load the model and build what it needs before first use (the ONNX export for
        questions, and for onnx-int8 passages); returns the backend it runs on."""
        embedder = self.embedder
        embedder.embed(["warm up"])
        embedder.embed_passages(["warm up"], [[[(0, 7)]]])
        return f"{embedder.backend}, {embedder.encoder.precision}" if embedder.backend == "torch" else embedder.backend

    def follow_catalog(self) -> None:
        """Bring this replica's derived index (the lexical index and its chunk table) to the
        catalog's current generation: a paper another replica ingested or deleted is answered
        here once this returns. Run every `api.follow_seconds` by the server, and before each
        search."""
        self.lexical.sync(self.catalog)

    def health(self, clearance: frozenset[Classification] | None = None) -> dict:
        """What this replica uses and whether it is current. `current`: its lexical index is at
        the catalog's generation (a replica behind is catching up with another's ingest)."""
        try:
            docs, chunks = self.catalog.counts(clearance)
            generation = self.catalog.generation()
            db_reachable = True
        except StoreUnavailable:
            docs = chunks = generation = 0
            db_reachable = False
        reachable = self.store.ping()
        error = self.access.audit_error if db_reachable else "the database is unreachable"
        audit = "off" if not self.settings.access.audit else ("ok" if error is None else f"degraded: {error}")
        indexed = getattr(self.lexical, "generation", None) if db_reachable else None
        return {
            "status": "ok" if reachable and db_reachable and error is None else "degraded",
            "store_reachable": reachable and db_reachable,
            "database_reachable": db_reachable,
            "audit": audit,
            "store": self.settings.chroma_url or "embedded",
            "database": "postgresql" if self.settings.database_url else "sqlite",
            "collection": self.settings.collection_name,
            "replica": REPLICA,
            "generation": generation,
            "index_generation": indexed,
            "current": db_reachable and indexed == generation,
            "documents": docs,
            "chunks": chunks,
            "model": self.settings.embedding.model_name,
        }
