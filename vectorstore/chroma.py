"""The dense index: a Chroma collection holding vectors for windows of each chunk (a sentence or
two, or a table row); a chunk scores as its best window. MiniLM's single vector for a passage of
several topics is diluted, and scoring the best window ranked the labelled questions' evidence
about 4 points higher at hit@5. The only module that imports chromadb. Embedded (`PersistentClient` under PAPERS_HOME) by default, or a Chroma server when
PAPERS_CHROMA_URL is set. We always pass our own embeddings; Chroma never embeds anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from assistant.committees import committee_key
from assistant.types import Chunk, Classification, SearchFilters


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


def date_number(d) -> int:
    return d.year * 10000 + d.month * 100 + d.day if d else 0


WINDOWS_PER_HIT = 2  # windows fetched per chunk wanted: a chunk's windows often rank together


def chunk_metadata(chunk: Chunk) -> dict:
    return {
        "chunk_id": chunk.id,
        "document_id": chunk.document_id,
        "committee": committee_key(chunk.committee) if chunk.committee else "",
        "meeting_date": date_number(chunk.meeting_date),
        "doc_type": chunk.doc_type.value,
        "classification": (chunk.classification or Classification.restricted).value,
        "kind": chunk.kind,
    }


def where_clause(filters: SearchFilters | None) -> dict | None:
    """Chroma `where` for the filters, so filtering happens inside the search, not after it."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict] = []
    if filters.committee:
        clauses.append({"committee": committee_key(filters.committee)})
    if filters.doc_type:
        clauses.append({"doc_type": filters.doc_type.value})
    if filters.date_from:
        clauses.append({"meeting_date": {"$gte": date_number(filters.date_from)}})
    if filters.date_to:
        clauses.append({"meeting_date": {"$lte": date_number(filters.date_to)}})
        clauses.append({"meeting_date": {"$gt": 0}})
    if filters.clearance is not None:
        # Access control inside the search: a passage above the caller's clearance is never a
        # candidate, so it cannot show up in results, scores or timings of the top-k.
        clauses.append({"classification": {"$in": sorted(c.value for c in filters.clearance) or ["-"]}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class DenseHit:
    chunk_id: str
    similarity: float  # cosine similarity (vectors are normalised)


class ChromaStore:
    def __init__(self, collection_name: str, path=None, url: str | None = None) -> None:
        self.collection_name = collection_name
        self.path = path
        self.url = url
        self._collection = None

    def _client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.url:
            u = urlparse(self.url)
            return chromadb.HttpClient(
                host=u.hostname or "127.0.0.1",
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=settings,
            )
        return chromadb.PersistentClient(path=str(self.path), settings=settings)

    @property
    def collection(self):
        if self._collection is None:
            try:
                client = self._client()
                # embedding_function=None: Chroma must never try to embed (it would download a model).
                self._collection = client.get_or_create_collection(
                    self.collection_name,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine"},
                )
            except Exception as exc:
                raise StoreUnavailable(f"vector store unreachable: {exc}") from exc
        return self._collection

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if self.url and _is_connection_error(exc):
                self._collection = None
                raise StoreUnavailable(f"vector store unreachable at {self.url}: {exc}") from exc
            raise

    def upsert(self, chunks: list[Chunk], windows: list[list[str]], vectors: np.ndarray, batch: int = 1000) -> None:
        """Store one vector per window of each chunk (`windows[i]` are chunk i's window texts, and
        `vectors` holds their embeddings in order)."""
        ids, metas = [], []
        for chunk, texts in zip(chunks, windows):
            meta = chunk_metadata(chunk)
            for j in range(len(texts)):
                ids.append(f"{chunk.id}~{j:03d}")
                metas.append(meta)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} windows but {len(vectors)} vectors")
        for start in range(0, len(ids), batch):
            self._call(
                self.collection.upsert,
                ids=ids[start : start + batch],
                embeddings=vectors[start : start + batch].tolist(),
                metadatas=metas[start : start + batch],
            )

    def delete(self, chunk_ids: list[str], batch: int = 500) -> None:
        """Delete every vector of these chunks."""
        for start in range(0, len(chunk_ids), batch):
            self._call(self.collection.delete, where={"chunk_id": {"$in": chunk_ids[start : start + batch]}})

    def set_classification(self, levels: dict[str, str], batch: int = 200) -> None:
        """Change the classification stored with every vector of these chunks (chunk id -> level)."""
        ids = list(levels)
        for start in range(0, len(ids), batch):
            got = self._call(
                self.collection.get, where={"chunk_id": {"$in": ids[start : start + batch]}}, include=["metadatas"]
            )
            if not got["ids"]:
                continue
            metas = [{**m, "classification": levels[m["chunk_id"]]} for m in got["metadatas"]]
            self._call(self.collection.update, ids=got["ids"], metadatas=metas)

    def chunk_ids(self) -> set[str]:
        """The chunks that have vectors (for sweeping orphans of an interrupted ingest)."""
        out: set[str] = set()
        offset, page = 0, 5000
        while True:
            got = self._call(self.collection.get, include=["metadatas"], limit=page, offset=offset)
            out.update(m["chunk_id"] for m in got["metadatas"])
            if len(got["ids"]) < page:
                return out
            offset += page

    def count(self) -> int:
        """Vectors stored (several per chunk)."""
        return int(self._call(self.collection.count))

    def query(self, vector: np.ndarray, k: int, filters: SearchFilters | None = None) -> list[DenseHit]:
        """The k chunks whose best window is most similar to the query."""
        res = self._call(
            self.collection.query,
            query_embeddings=[vector.tolist()],
            n_results=k * WINDOWS_PER_HIT,
            where=where_clause(filters),
            include=["distances", "metadatas"],
        )
        best: dict[str, float] = {}
        for meta, dist in zip(res["metadatas"][0] if res["metadatas"] else [], res["distances"][0] if res["distances"] else []):
            cid = meta["chunk_id"]
            best[cid] = max(best.get(cid, -1.0), 1.0 - float(dist))
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [DenseHit(cid, sim) for cid, sim in ranked]

    def similarities(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Best-window cosine similarity of the query to each chunk (for lexical-only candidates)."""
        got = self._call(
            self.collection.get, where={"chunk_id": {"$in": chunk_ids}}, include=["embeddings", "metadatas"]
        )
        if not got["ids"]:
            return {}
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector.astype(np.float32)
        best: dict[str, float] = {}
        for meta, sim in zip(got["metadatas"], sims.tolist()):
            best[meta["chunk_id"]] = max(best.get(meta["chunk_id"], -1.0), sim)
        return best

    def ping(self) -> bool:
        try:
            self.count()
            return True
        except Exception:
            return False


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    return any(s in name or s in text for s in ("connect", "timeout", "refused", "unreachable"))
