"""Hybrid retrieval: dense (Chroma) and lexical (BM25) searches with the same filters inside both,
fused by weighted reciprocal rank fusion, then hydrated from the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.config import RetrievalSettings
from assistant.dates import DateRange
from assistant.types import Passage, SearchFilters
from vectorstore.catalog import Catalog
from vectorstore.chroma import ChromaStore
from vectorstore.embedder import Embedder
from vectorstore.lexical import LexicalIndex

DATE_BOOST = 0.25  # relative boost for passages from, or mentioning, the period asked about


@dataclass
class RetrievalResult:
    passages: list[Passage]
    query_vector: np.ndarray


class HybridRetriever:
    def __init__(
        self,
        catalog: Catalog,
        store: ChromaStore,
        lexical: LexicalIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.settings = settings

    def ensure_fresh(self) -> None:
        """Pick up a newer lexical index if an ingest (maybe another process) has committed."""
        generation = self.catalog.generation()
        if self.lexical.generation != generation and not self.lexical.load(generation):
            self.lexical.build(list(self.catalog.iter_chunks()), generation)

    def search(
        self,
        query: str,
        k: int,
        filters: SearchFilters | None = None,
        dates: DateRange | None = None,
        query_vector: np.ndarray | None = None,
    ) -> RetrievalResult:
        self.ensure_fresh()
        n = max(self.settings.candidates, k)
        vector = self.embedder.embed_query(query) if query_vector is None else query_vector
        dense = self.store.query(vector, n, filters)
        lexical = self.lexical.search(query, n, filters)
        scores: dict[str, float] = {}
        cos: dict[str, float] = {}
        lex: dict[str, float] = {}
        for rank, hit in enumerate(dense):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + self.settings.dense_weight / (self.settings.rrf_k + rank + 1)
            cos[hit.chunk_id] = hit.similarity
        for rank, hit in enumerate(lexical):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + self.settings.lexical_weight / (self.settings.rrf_k + rank + 1)
            lex[hit.chunk_id] = hit.score
        ranked = sorted(scores, key=scores.get, reverse=True)
        # Hydrate more than k: some ids may be orphans of an interrupted ingest, and the date boost
        # may reorder the head of the list.
        head = ranked[: max(k * 3, 30)]
        chunks = self.catalog.get_chunks(head)
        passages = []
        for cid in head:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            score = scores[cid]
            if dates is not None and _mentions_period(chunk, dates):
                score *= 1 + DATE_BOOST
            passages.append(Passage(chunk, score, cos.get(cid), lex.get(cid)))
        passages.sort(key=lambda p: p.score, reverse=True)
        return RetrievalResult(passages[:k], vector)


def _mentions_period(chunk, dates: DateRange) -> bool:
    d = chunk.meeting_date
    if d is not None and (dates.start is None or d >= dates.start) and (dates.end is None or d <= dates.end):
        return True
    years = set()
    if dates.start and dates.end and dates.end.year - dates.start.year <= 5:
        years = {str(y) for y in range(dates.start.year, dates.end.year + 1)}
    elif dates.start and not dates.end:
        years = {str(dates.start.year)}
    return any(re.search(rf"\b{y}\b", chunk.text) for y in years)
