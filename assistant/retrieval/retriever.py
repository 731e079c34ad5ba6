"""Hybrid retrieval in three steps: gather candidates from the dense and lexical indexes (same
filters inside both), fuse their signals into one score, then read the best from the catalog;
with the words the papers lack for the decision (decide.py) to weigh."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.config import RetrievalSettings
from core.dates import DateRange
from core.intent import Intent
from core.types import Passage, SearchFilters
from vectorstore.interfaces import Catalog, DenseIndex, LexicalIndex

from .decide import unmatched_words
from .fuse import boosted, fuse, most_boost
from .gather import gather


@dataclass
class RetrievalResult:
    passages: list[Passage]
    query_vector: np.ndarray
    unmatched: list[str] = field(default_factory=list)  # question words the papers never use


class HybridRetriever:
    def __init__(
        self, catalog: Catalog, dense: DenseIndex, lexical: LexicalIndex, embedder, settings: RetrievalSettings
    ) -> None:
        self.catalog = catalog
        self.dense = dense
        self.lexical = lexical
        self.embedder = embedder
        self.settings = settings

    def ensure_fresh(self) -> None:
        """Pick up a newer lexical index if an ingest (maybe another process) has committed."""
        self.lexical.sync(self.catalog)

    def search(
        self,
        query: str,
        k: int,
        filters: SearchFilters | None = None,
        dates: DateRange | None = None,
        prefer: SearchFilters | None = None,
        intents: frozenset[Intent] = frozenset(),
        with_windows: bool = False,
    ) -> RetrievalResult:
        """Top-k passages, best first. `prefer` (a committee named in words) lifts its passages
        without restricting to them; `with_windows` also gives each passage its windows'
        similarities (for an answer)."""
        self.ensure_fresh()
        vector, query_pieces = self.embedder.embed_query_tokens(query)
        found = gather(query, vector, query_pieces.rows, k, filters, prefer, self.catalog, self.dense, self.lexical, self.settings)
        passages = self._passages(found.ids, fuse(found, self.settings), k, dates, intents, filters)
        for p in passages:
            cid = p.chunk.id
            p.dense_score, p.lexical_score, p.token_score = found.cos.get(cid), found.bm25.get(cid), found.tokens.get(cid)
        if with_windows:  # for an answer: how near each window of the passages is to the question
            windows = self.dense.window_similarities(vector, [p.chunk.id for p in passages], filters, found.members)
            for p in passages:
                p.window_scores = windows.get(p.chunk.id)
        unmatched = unmatched_words(query, passages, found.packed, query_pieces, self.lexical, filters, self.settings)
        return RetrievalResult(passages, vector, unmatched)

    def _passages(
        self,
        candidates: list[str],
        base: dict[str, float],
        k: int,
        dates: DateRange | None,
        intents: frozenset[Intent],
        filters: SearchFilters | None,
    ) -> list[Passage]:
        """The best k candidates as passages, best first (ties in candidate order), read from the
        catalog only as far as needed: once k passages score above the next candidate's score
        times the most its text could be boosted, no later one can reach the top k. At 100k
        chunks reading all 60-80 candidates took 4-6 ms of a search; the first 12 or so are
        usually enough. Ids the catalog lacks (orphans of an interrupted ingest) and ids above
        the caller's clearance are dropped, a second line of defence."""
        most = most_boost(dates, intents, self.settings)
        order = sorted(candidates, key=base.__getitem__, reverse=True)
        clearance = filters.clearance if filters else None
        passages: list[Passage] = []
        read, batch = 0, max(2 * k, 12)
        while read < len(order):
            part = order[read : read + batch]
            read += len(part)
            chunks = self.catalog.get_chunks(part, clearance)
            for cid in part:
                chunk = chunks.get(cid)
                if chunk is not None:
                    passages.append(Passage(chunk, boosted(base[cid], chunk, dates, intents, self.settings)))
            if read < len(order) and len(passages) >= k:
                kth = sorted((p.score for p in passages), reverse=True)[k - 1]
                bound = base[order[read]]
                if kth > max(bound, bound * most):  # a boost lowers a negative score
                    break
            batch *= 2
        position = {cid: i for i, cid in enumerate(candidates)}
        passages.sort(key=lambda p: (-p.score, position[p.chunk.id]))
        return passages[:k]
