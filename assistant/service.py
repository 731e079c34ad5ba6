"""The service the CLI and the API both call. It wires the components from settings (each created
on first use, never at import) and orchestrates: understand the question, retrieve, answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from assistant.answer import Answerer, ExtractiveAnswerer
from assistant.committees import CommitteeRegistry
from assistant.config import Settings
from assistant.query import plan_query
from assistant.retrieve import HybridRetriever
from assistant.types import Answer, Document, IngestReport, Passage, SearchFilters
from vectorstore.catalog import Catalog
from vectorstore.chroma import ChromaStore
from vectorstore.embedder import Embedder
from vectorstore.lexical import LexicalIndex


class NotFoundError(LookupError):
    """A requested resource (e.g. a document id) does not exist."""


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
        return ChromaStore(self.settings.collection_name, self.settings.chroma_path, self.settings.chroma_url)

    @cached_property
    def embedder(self) -> Embedder:
        e = self.settings.embedding
        return Embedder(
            e.model_path,
            batch_size=e.batch_size,
            max_tokens=e.max_tokens,
            backend=e.backend,
            cache_dir=self.settings.models_path,
        )

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.lexical_path / self.settings.collection_name)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.catalog, self.store, self.lexical, self.embedder, self.settings.retrieval)

    @cached_property
    def answerer(self) -> Answerer:
        return self._answerer or ExtractiveAnswerer(self.embedder, self.settings.answer)

    @cached_property
    def ingestor(self):
        from ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.catalog, self.store, self.lexical, self.embedder)

    # --- operations ------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        return self.ingestor.ingest([Path(p) for p in paths], progress=progress)

    def committees(self) -> CommitteeRegistry:
        """Committees named by the ingested papers; rebuilt only when the catalog changes, not on
        every question."""
        generation = self.catalog.generation()
        cached = getattr(self, "_committees", None)
        if cached is not None and cached[0] == generation:
            return cached[1]
        registry = CommitteeRegistry()
        for d in self.catalog.documents():
            if d.committee:
                registry.add(d.committee, {d.committee_acronym} if d.committee_acronym else set())
        self._committees = (generation, registry)
        return registry

    def search(self, query: str, filters: SearchFilters | None = None, k: int | None = None) -> list[Passage]:
        return self._retrieve(query, filters or SearchFilters(), k or self.settings.retrieval.k)[0]

    def ask(self, question: str, filters: SearchFilters | None = None, k: int | None = None) -> Answer:
        passages, vector = self._retrieve(question, filters or SearchFilters(), k or self.settings.retrieval.k)
        return self.answerer.answer(question, passages, vector)

    def _retrieve(self, query: str, filters: SearchFilters, k: int):
        plan = plan_query(query, filters, self.committees())
        result = self.retriever.search(plan.text, k, plan.filters, plan.dates, prefer=plan.prefer)
        if not result.passages and plan.committee_from_question:
            # The committee we read into the question had nothing relevant: search everything.
            relaxed = replace(plan.filters, committee=None)
            result = self.retriever.search(plan.text, k, relaxed, plan.dates, result.query_vector)
        return result.passages, result.query_vector

    def documents(self) -> list[Document]:
        return self.catalog.documents()

    def document(self, document_id: str) -> Document:
        doc = self.catalog.get_document(document_id)
        if doc is None:
            raise NotFoundError(f"no document with id '{document_id}'")
        return doc

    def delete_document(self, document_id: str) -> None:
        self.document(document_id)
        self.ingestor.delete(document_id)

    def health(self) -> dict:
        docs, chunks = self.catalog.counts()
        reachable = self.store.ping()
        return {
            "status": "ok" if reachable else "degraded",
            "store_reachable": reachable,
            "store": self.settings.chroma_url or "embedded",
            "collection": self.settings.collection_name,
            "documents": docs,
            "chunks": chunks,
            "model": self.settings.embedding.model_name,
        }
