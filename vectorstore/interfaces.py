"""The store's three interfaces. Question time (`assistant/`) and ingest depend on these, never on
an implementation; `tests/test_contracts.py` runs one contract-test class per protocol against
every implementation.

- `Catalog`: the record of documents, chunks and actions (SQLite today: `catalog.SqlCatalog`).
  It is the source of truth; both indexes are derived from it.
- `DenseIndex`: vectors of each chunk's windows (Chroma, embedded or a server: `chroma.ChromaStore`).
- `LexicalIndex`: word statistics over the same chunks (BM25: `lexical.Bm25Index`), which also
  holds the shared chunk table (`chunk_table.ChunkTable`): the per-chunk filter columns and
  clearance masks that both searches filter with.

A search filter's clearance is access control inside every index: a chunk above it is never a
candidate, so it cannot show in results, scores, counts or timings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from core.types import Action, Chunk, Classification, Decision, Document, SearchFilters
from vectorstore.chunk_table import ChunkSet


class Hit(Protocol):
    chunk_id: str


@runtime_checkable
class DenseIndex(Protocol):
    def upsert(self, chunks: list[Chunk], windows: list[int], vectors: np.ndarray) -> None:
        """Store `windows[i]` unit vectors for chunk i (rows of `vectors`, in chunk order)."""

    def delete(self, chunk_ids: list[str]) -> None:
        """Remove every window of these chunks (ids it does not hold are ignored)."""

    def set_classification(self, levels: dict[str, str]) -> None:
        """Move chunks (id -> classification value) to their new classification."""

    def chunk_ids(self) -> set[str]: ...

    def count(self) -> int:
        """Window vectors held."""

    def query(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> Sequence[Hit]:
        """The k chunks (`.chunk_id`, `.similarity`) whose best window is nearest the query, inside
        the filters and their clearance; `members` is the chunk set of the same filters."""

    def similarities(
        self, vector: np.ndarray, chunk_ids: list[str], filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> dict[str, float]:
        """Best-window cosine of each chunk inside the clearance (absent: not held or not cleared)."""

    def window_similarities(
        self, vector: np.ndarray, chunk_ids: list[str], filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> dict[str, list[float]]:
        """Cosine of each window of each chunk, in window order."""

    def one_question(self) -> AbstractContextManager:
        """A block whose searches belong to one question (an index may share work between them)."""

    def ping(self) -> bool:
        """Whether the index answers (a server may be down)."""


@runtime_checkable
class LexicalIndex(Protocol):
    def sync(self, catalog: Catalog) -> None:
        """Match the catalog's current generation (load or build once; never per query)."""

    def members(self, filters: SearchFilters | None) -> ChunkSet | None:
        """The chunk table's set of chunks inside the filters (None before any index)."""

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> Sequence[Hit]:
        """The k chunks (`.chunk_id`, `.score`) with the highest lexical score inside the filters."""

    def scores(self, query: str, chunk_ids: list[str], filters: SearchFilters | None = None) -> dict[str, float]:
        """Lexical scores of these chunks on the same scale as `search` with the same filters."""

    def absent_words(self, query: str, filters: SearchFilters | None = None) -> list[tuple[str, int, int]]:
        """(word, start, end) of each query word no chunk inside the filters uses, with statistics
        of only the chunks the filters' clearance covers."""

    def ids(self) -> set[str]: ...

    def __len__(self) -> int: ...


@runtime_checkable
class Catalog(Protocol):
    def generation(self) -> int:
        """Bumped by every committed change: derived indexes compare it to know they are stale."""

    def snapshot(self) -> tuple[int, list[Chunk]]:
        """(generation, every chunk) read together."""

    def snapshot_stream(self) -> AbstractContextManager[tuple[int, frozenset[str], Iterator[Chunk]]]:
        """(generation, the classifications present, every chunk as it is read) from one read
        transaction lasting the block, for building an index without every chunk in memory."""

    def replace_document(
        self,
        doc: Document,
        chunks: list[Chunk],
        fingerprint: str,
        actions: Iterable[Action] = (),
        token_states: Sequence[bytes] | None = None,
        decisions: Iterable[Decision] = (),
    ) -> list[str]:
        """Store a document with its chunks, actions and decision records in one transaction,
        replacing its earlier version; the ids of the replaced chunks no longer in it (for the
        indexes to drop)."""

    def delete_document(self, document_id: str) -> list[str]:
        """Remove a document; the ids of its chunks (for the indexes to drop)."""

    def reclassify(self, document_id: str, level: Classification) -> dict[str, str]: ...

    def get_document(self, document_id: str, clearance: frozenset[Classification] | None = None) -> Document | None: ...

    def highest_classification(self, document_id: str) -> Classification | None:
        """The most protected classification of anything in a document (its own, or a section's)."""

    def find_by_sha(self, sha256: str) -> Document | None: ...

    def fingerprint(self, document_id: str) -> str | None:
        """What the stored version was made from (unchanged: no need to ingest it again)."""

    def documents(
        self, clearance: frozenset[Classification] | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Document]: ...

    def get_chunks(self, ids: Iterable[str], clearance: frozenset[Classification] | None = None) -> dict[str, Chunk]:
        """The chunks of these ids the clearance allows (others are simply absent)."""

    def front_chunks(
        self, document_ids: Iterable[str], n: int = 2, clearance: frozenset[Classification] | None = None
    ) -> list[Chunk]:
        """The first n chunks of each document (its front sheet), in order, inside the clearance."""

    def page_chunks(self, document_id: str, page: int, clearance: frozenset[Classification] | None = None) -> list[Chunk]:
        """The chunks of one page of a document, in reading order, inside the clearance."""

    def passage_in_context(
        self, document_id: str, chunk_id: str, clearance: frozenset[Classification] | None = None, around: int = 1
    ) -> tuple[Chunk, list[Chunk], list[Chunk]] | None:
        """A document's chunk with its page boxes, and its neighbours in reading order, inside the
        clearance; None when it is not the document's or is above the clearance."""

    def token_states(self, ids: Iterable[str]) -> dict[str, bytes]: ...

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def chunk_ids(self) -> set[str]: ...

    def counts(self, clearance: frozenset[Classification] | None = None) -> tuple[int, int]: ...

    def committee_counts(self, clearance: frozenset[Classification] | None = None) -> tuple[dict[str, int], dict[str, int]]:
        """(documents, action records) per committee of those the clearance allows."""

    def has_actions(self, clearance: frozenset[Classification] | None = None) -> bool: ...

    def actions(self, **query) -> list[Action]:
        """Action records by due date, status, document, committee and clearance."""

    def has_decisions(self, clearance: frozenset[Classification] | None = None) -> bool: ...

    def decisions(self, **query) -> list[Decision]:
        """Recommendation and decision records by kind, meeting date, reference, body, document,
        ids and clearance, newest meeting first."""

    def decision_candidates(self, record: Decision, clearance: frozenset[Classification] | None = None) -> list[Decision]:
        """The records inside the clearance that could be one matter with `record` (the same
        decision number, or a title word in common in the same council's papers)."""


__all__ = ["Catalog", "DenseIndex", "LexicalIndex"]
