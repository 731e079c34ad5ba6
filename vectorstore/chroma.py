"""The dense index: a Chroma collection holding vectors for windows of each chunk (a sentence or
two, or a table row); a chunk scores as its best window. MiniLM's single vector for a passage of
several topics is diluted, and scoring the best window ranked the labelled questions' evidence
about 4 points higher at hit@5. Filters (committee, dates, document type) are applied with the
chunks the lexical index says are inside them, not by a Chroma `where` (see chunk_table.ChunkSet); the
caller's clearance picks the collections searched. The only module that imports chromadb.
Embedded (`PersistentClient` under PAPERS_HOME) by default, or a Chroma server when
PAPERS_CHROMA_URL is set. We always pass our own embeddings; Chroma never embeds anything.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from core.committees import committee_key
from core.errors import StoreUnavailable
from core.types import Chunk, Classification, SearchFilters
from vectorstore import blas
from vectorstore.chunk_table import ChunkSet, chunk_of, date_number, level_of, window_id

WINDOWS_PER_HIT = 2  # windows fetched per chunk wanted: a chunk's windows often rank together


WINDOW_PAGE = 32  # window ids asked for per chunk at a time when looking vectors up by id

FETCH_MARGIN = 1.5  # unfiltered fetch = windows wanted x this / share of windows inside the filters
ID_BATCH = 20_000  # ids per Chroma call (SQLite refuses a statement with more than 32766 variables)


def chunk_metadata(chunk: Chunk) -> dict:
    return {
        "chunk_id": chunk.id,
        "document_id": chunk.document_id,
        "committee": committee_key(chunk.committee) if chunk.committee else "",
        "meeting_date": date_number(chunk.meeting_date),
        "doc_type": chunk.doc_type.value,
        "classification": level_of(chunk),
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
    # The caller's clearance is not a clause: each classification has its own collection and only
    # the collections the caller is cleared for are searched (see ChromaStore.query).
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}



@dataclass
class DenseHit:
    chunk_id: str
    similarity: float  # cosine similarity (vectors are normalised)


class ChromaStore:
    """One Chroma collection per classification (`<name>-public`, `-restricted`, `-exempt`). A
    search reads only the collections the caller is cleared for, so a passage above the clearance
    is never a candidate: it cannot show up in results, scores, counts or timings, and no filter
    clause slows every query down (a `$in` clause made each public query 2-3x slower)."""

    def __init__(
        self,
        collection_name: str,
        path=None,
        url: str | None = None,
        fetch_max: int = 3000,
        exact_windows: int = 20000,
        exact_cache_mb: float = 128,
    ) -> None:
        """`exact_windows` and `exact_cache_mb` decide which searches compare every window (see
        `query`); `fetch_max` shapes the filtered searches that do not (see `_filtered_windows`
        and RetrievalSettings)."""
        self.collection_name = collection_name
        self.path = path
        self.url = url
        self.fetch_max = fetch_max
        self.exact_windows = exact_windows
        self._exact_cache = _VectorCache(int(exact_cache_mb * 1_000_000))
        self._question = threading.local()  # see one_question
        self._collections: dict[Classification, object] = {}
        self._client_obj = None

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

    def collection(self, level: Classification):
        if level not in self._collections:
            try:
                if self._client_obj is None:
                    self._client_obj = self._client()
                client = self._client_obj
                # embedding_function=None: Chroma must never try to embed (it would download a model).
                self._collections[level] = client.get_or_create_collection(
                    f"{self.collection_name}-{level.value}",
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine"},
                )
            except Exception as exc:
                raise StoreUnavailable(f"vector store unreachable: {exc}") from exc
        return self._collections[level]

    def _levels(self, filters: SearchFilters | None) -> list[Classification]:
        clearance = filters.clearance if filters is not None else None
        return [c for c in Classification if clearance is None or c in clearance]

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if self.url and _is_connection_error(exc):
                self._collections.clear()
                self._client_obj = None
                raise StoreUnavailable(f"vector store unreachable at {self.url}: {exc}") from exc
            raise

    def upsert(self, chunks: list[Chunk], windows: list[int], vectors: np.ndarray, batch: int = 4000) -> None:
        """Store one vector per window of each chunk (`windows[i]` is how many chunk i has, and
        `vectors` holds their embeddings in order), in the collection of the chunk's classification.
        Few large writes: each costs about 60 ms whatever its size (Chroma's limit is 5461)."""
        grouped: dict[Classification, tuple[list, list, list]] = {}
        row = 0
        for chunk, count in zip(chunks, windows):
            meta = chunk_metadata(chunk)
            ids, metas, vecs = grouped.setdefault(chunk.classification or Classification.restricted, ([], [], []))
            for j in range(count):
                if row >= len(vectors):
                    raise ValueError(f"more windows than the {len(vectors)} vectors given")
                ids.append(window_id(chunk.id, j))
                metas.append(meta)
                vecs.append(vectors[row])
                row += 1
        if row != len(vectors):
            raise ValueError(f"{row} windows but {len(vectors)} vectors")
        for level, (ids, metas, vecs) in grouped.items():
            for start in range(0, len(ids), batch):
                self._call(
                    self.collection(level).upsert,
                    ids=ids[start : start + batch],
                    embeddings=np.asarray(vecs[start : start + batch]).tolist(),
                    metadatas=metas[start : start + batch],
                )

    def delete(self, chunk_ids: list[str], batch: int = 500) -> None:
        """Delete every vector of these chunks, whatever their classification."""
        for level in Classification:
            for start in range(0, len(chunk_ids), batch):
                self._call(self.collection(level).delete, where={"chunk_id": {"$in": chunk_ids[start : start + batch]}})

    def set_classification(self, levels: dict[str, str], batch: int = 200) -> None:
        """Move the vectors of these chunks (chunk id -> level) to their new classification's
        collection: written there first, then removed from the old one."""
        ids = list(levels)
        for level in Classification:
            for start in range(0, len(ids), batch):
                got = self._call(
                    self.collection(level).get,
                    where={"chunk_id": {"$in": ids[start : start + batch]}},
                    include=["metadatas", "embeddings"],
                )
                moving = [i for i, m in enumerate(got["metadatas"]) if levels[m["chunk_id"]] != level.value]
                if not moving:
                    continue
                by_target: dict[str, list[int]] = {}
                for i in moving:
                    by_target.setdefault(levels[got["metadatas"][i]["chunk_id"]], []).append(i)
                for target, rows in by_target.items():
                    self._call(
                        self.collection(Classification(target)).upsert,
                        ids=[got["ids"][i] for i in rows],
                        embeddings=[list(got["embeddings"][i]) for i in rows],
                        metadatas=[{**got["metadatas"][i], "classification": target} for i in rows],
                    )
                self._call(self.collection(level).delete, ids=[got["ids"][i] for i in moving])

    def chunk_ids(self) -> set[str]:
        """The chunks that have vectors (for sweeping orphans of an interrupted ingest)."""
        out: set[str] = set()
        for level in Classification:
            offset, page = 0, 5000
            while True:
                got = self._call(self.collection(level).get, include=["metadatas"], limit=page, offset=offset)
                out.update(m["chunk_id"] for m in got["metadatas"])
                if len(got["ids"]) < page:
                    break
                offset += page
        return out

    def count(self) -> int:
        """Vectors stored (several per chunk)."""
        return sum(int(self._call(self.collection(level).count)) for level in Classification)

    def query(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> list[DenseHit]:
        """The k chunks whose best window is most similar to the query, from the collections the
        filters' clearance allows: the chunks of the best k x WINDOWS_PER_HIT windows inside the
        filters. With `members` (the chunks inside the same filters) a search over at most
        `exact_windows` windows compares the query with every one of them, and a filtered search
        never makes Chroma evaluate the metadata filter; see `_filtered_windows`.

        Why exact when it is affordable: Chroma's HNSW graph leaves some windows out of reach. On
        the real corpus (5,208 windows) its 120 nearest held 95.5% of the true 120 (71.7% for the
        worst question, whatever ef_search), it missed the very best window for one question in
        174, and two builds of the same papers ranked a labelled question's answer first and
        nowhere. The exact comparison costs about 1 ms once the vectors are held."""
        where = where_clause(filters)
        n = k * WINDOWS_PER_HIT
        best: dict[str, float] = {}
        for level in self._levels(filters):
            inside = members.window_share(level)[0] if members is not None else None
            if inside is not None and inside <= self.exact_windows:
                found = self._exact_nearest(level, vector, n, members.window_ids(level)) if inside else []
            elif where is None:
                found = self._nearest(level, vector, n)
            elif members is None:
                found = self._nearest(level, vector, n, where=where)
            else:
                found = self._filtered_windows(level, vector, n, members)
            for vid, sim in found:
                cid = chunk_of(vid)
                best[cid] = max(best.get(cid, -1.0), sim)
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [DenseHit(cid, sim) for cid, sim in ranked]

    @contextmanager
    def one_question(self):
        """Within this block (one question's searches, on this thread) an unfiltered nearest-window
        fetch is answered from a larger one already made: a question naming a committee fetches
        about a thousand windows for the committee's search (see `_filtered_windows`), and its
        main search wants the best 120 of the same ranking. Nothing is kept after the block, so an
        ingest in between is never hidden."""
        self._question.fetched = {}
        try:
            yield
        finally:
            self._question.fetched = None

    def _nearest(
        self, level: Classification, vector: np.ndarray, n: int, where: dict | None = None, ids: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """(window id, cosine similarity) of the n nearest windows in one collection, best first."""
        fetched = getattr(self._question, "fetched", None)
        if fetched is not None and where is None and ids is None:
            key = (level, vector.tobytes())
            asked, found = fetched.get(key, (0, []))
            if asked < n:
                asked, found = n, self._nearest_uncached(level, vector, n)
                fetched[key] = (asked, found)
            return found[:n]
        return self._nearest_uncached(level, vector, n, where, ids)

    def _nearest_uncached(
        self, level: Classification, vector: np.ndarray, n: int, where: dict | None = None, ids: list[str] | None = None
    ) -> list[tuple[str, float]]:
        # Distances only: the chunk id is in the vector's id, and fetching metadata for the
        # 120 windows was over half of the query's time (27 ms of 50 at 1k chunks).
        res = self._call(
            self.collection(level).query,
            query_embeddings=[vector.tolist()],
            n_results=n,
            where=where,
            ids=ids,
            include=["distances"],
        )
        ids_found = res["ids"][0] if res["ids"] else []
        distances = res["distances"][0] if res["distances"] else []
        return [(vid, 1.0 - float(dist)) for vid, dist in zip(ids_found, distances)]

    def _filtered_windows(
        self, level: Classification, vector: np.ndarray, n: int, members: ChunkSet
    ) -> list[tuple[str, float]]:
        """The n best windows of one collection inside the filters, when they are too many to
        compare exactly (see `query`), found one of two ways, by the share of the collection's
        windows the filters keep (measured at 100k chunks, 330k windows):

        - a wide share: the nearest windows without any filter, enough of them that about
          FETCH_MARGIN x n should be inside, keeping those that are; 3000 windows cost about 45 ms.
          The walk is deeper than a filtered one, so it finds more of the exact best: over the
          labelled questions on the real corpus, 99.5-100% against 98.9-100% for `where`. Only
          when fewer than n are kept is the search done again as below.
        - otherwise: Chroma's search restricted to those windows' ids (`ids=`), 40-60 ms for a
          committee's 24k windows.
        """
        inside, total = members.window_share(level)
        if inside == 0:
            return []
        fetch = min(total, math.ceil(n * FETCH_MARGIN * total / inside))
        if fetch <= self.fetch_max:
            nearest = self._nearest(level, vector, fetch)
            kept = [(vid, sim) for vid, sim in nearest if chunk_of(vid) in members][:n]
            if len(kept) == min(n, inside) or len(nearest) >= total:
                return kept
        window_ids = members.window_ids(level)
        found: list[tuple[str, float]] = []
        for start in range(0, len(window_ids), ID_BATCH):
            batch = list(window_ids[start : start + ID_BATCH])
            found += self._nearest(level, vector, min(n, len(batch)), ids=batch)
        return sorted(found, key=lambda hit: hit[1], reverse=True)[:n]

    def _exact_nearest(
        self, level: Classification, vector: np.ndarray, n: int, window_ids: tuple[str, ...]
    ) -> list[tuple[str, float]]:
        """The n windows among `window_ids` most similar to the query, by comparing every one. The
        vectors of the latest window sets are kept (a caller narrowing to one committee and year
        asks several questions of it): the first search of a set fetches them, the next ones cost
        about 1 ms. The key is the window ids themselves, so a set whose chunks changed (new
        papers, a reclassification) is fetched again, never served stale."""
        key = (level, window_ids)
        cached = self._exact_cache.get(key)
        if cached is None:
            ids: list[str] = []
            rows: list[np.ndarray] = []
            for start in range(0, len(window_ids), ID_BATCH):
                got = self._call(
                    self.collection(level).get, ids=list(window_ids[start : start + ID_BATCH]), include=["embeddings"]
                )
                ids += got["ids"]
                rows.append(np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1))
            matrix = np.concatenate(rows) if ids else np.zeros((0, len(vector)), dtype=np.float32)
            cached = (ids, _unit_rows(matrix))
            self._exact_cache.put(key, cached)
        ids, unit = cached
        blas.single_threaded()
        query = vector.astype(np.float32)
        sims = unit @ (query / (np.linalg.norm(query) or 1.0))
        top = np.argsort(-sims, kind="stable")[:n]
        return [(ids[i], float(sims[i])) for i in top.tolist()]

    def similarities(
        self, vector: np.ndarray, chunk_ids: list[str], filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> dict[str, float]:
        """Best-window cosine similarity of the query to each chunk (for lexical-only candidates)."""
        found = self.window_similarities(vector, chunk_ids, filters, members)
        return {cid: max(sims) for cid, sims in found.items() if sims}

    def window_similarities(
        self, vector: np.ndarray, chunk_ids: list[str], filters: SearchFilters | None = None, members: ChunkSet | None = None
    ) -> dict[str, list[float]]:
        """Cosine similarity of the query to each window of each chunk, in window order. Windows
        are fetched by id (`<chunk>~000`, `~001`, ...): a `chunk_id $in` metadata filter scans, and
        took 54 ms at 100k chunks against 2 ms by id. A chunk in `members` (any chunk set of the
        current index) is asked for exactly its windows, in its own collection; another is asked
        for WINDOW_PAGE numbers at a time in each collection while it may have more. Each id asked
        for costs: ten chunks by pages took 6-8 ms at 100k chunks, by their windows about 2 ms."""
        found: dict[str, dict[int, float]] = {}
        query = vector.astype(np.float32)

        def fetch(level: Classification, ids: list[str]) -> list[str]:
            got = self._call(self.collection(level).get, ids=ids, include=["embeddings"])
            if got["ids"]:
                sims = np.asarray(got["embeddings"], dtype=np.float32) @ query
                for vid, sim in zip(got["ids"], sims.tolist()):
                    cid, _, n = vid.rpartition("~")
                    found.setdefault(cid, {})[int(n)] = sim
            return got["ids"]

        placed: dict[str, list[str]] = {}
        unplaced = []
        for cid in chunk_ids:
            place = members.place(cid) if members is not None else None
            if place is None:
                unplaced.append(cid)
            else:
                placed.setdefault(place[0], []).extend(window_id(cid, j) for j in range(place[1]))
        for level in self._levels(filters):
            if placed.get(level.value):
                fetch(level, placed[level.value])
            pending, start = list(unplaced), 0
            while pending:
                got = fetch(level, [window_id(c, j) for c in pending for j in range(start, start + WINDOW_PAGE)])
                last = set(got)
                pending = [c for c in pending if window_id(c, start + WINDOW_PAGE - 1) in last]
                start += WINDOW_PAGE
        return {cid: [sims[j] for j in sorted(sims)] for cid, sims in found.items()}

    def ping(self) -> bool:
        """Whether the store answers: its collections open and the client's heartbeat returns
        (counting the vectors, the check before, took 30-40 ms at 100k chunks; this takes well
        under 1 ms embedded, one round trip to a server)."""
        try:
            for level in Classification:
                self.collection(level)
            self._call(self._client_obj.heartbeat)
            return True
        except Exception:
            return False


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so a dot product with a unit query is Chroma's cosine."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


class _VectorCache:
    """Least recently used (window ids, vectors) pairs, up to a number of bytes of vectors."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[list[str], np.ndarray]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[list[str], np.ndarray] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, item: tuple[list[str], np.ndarray]) -> None:
        size = item[1].nbytes
        with self._lock:
            if size > self.max_bytes or key in self._items:
                return
            self._items[key] = item
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old.nbytes


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    return any(s in name or s in text for s in ("connect", "timeout", "refused", "unreachable"))
