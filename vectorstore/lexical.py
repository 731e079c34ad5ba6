"""The lexical index: BM25 (bm25s) over the same chunks as the dense index.

It finds what MiniLM blurs: names, figures, acronyms, reference numbers. It is derived from the
catalog: built once per catalog generation, saved under PAPERS_HOME, loaded once per process and
swapped atomically when the catalog changes, never rebuilt per query. Filters become a weight mask
inside the BM25 search.

Each chunk is scored twice and the two are mixed: BM25 over the whole chunk, and the best BM25 of
its windows (the same sentence pairs the dense index embeds). Over whole chunks, length
normalisation buries a long passage whose one sentence holds every query term; over windows alone,
a passage loses the terms its neighbouring sentences contribute. Measured on the labelled
questions, the mix ranks better than either (hit@5 +2 points over whole chunks alone).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.committees import committee_key
from core.types import Chunk, Classification, SearchFilters
from vectorstore.chunk_table import ChunkSet, ChunkTable, date_number, level_of
from vectorstore.postings import Postings


def _tokenizer():
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(
        stemmer=Stemmer.Stemmer("english"), stopwords="en", splitter=r"(?u)\b\w+\b"
    )


# Contractions split at the apostrophe ("weren't" -> "weren"): not words a paper would use.
_CONTRACTIONS = frozenset("aren couldn didn doesn don hadn hasn haven isn mustn needn shan shouldn wasn weren won wouldn".split())

Windows = Callable[[Chunk], list[str]]


def _whole(chunk: Chunk) -> list[str]:
    return [chunk.index_text]


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


RECENT_QUERIES = 16  # queries (and query, filters) whose scores are kept per index snapshot ...
RECENT_BYTES = 64_000_000  # ... fewer when their 12 bytes a chunk would pass this (5 at a million chunks)
# Scorings run at once: each makes arrays as long as the index (about 30 MB at a million chunks),
# and 40 request threads scoring together would hold over a gigabyte; the work is CPU-bound, so
# more at once than there are cores gains nothing.
_SCORING = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


class _Built:
    """One immutable snapshot of the index and the per-chunk filter columns."""

    def __init__(self, retriever, tokenizer, table: ChunkTable, windows=None, owners=None):
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.stopwords = frozenset((tokenizer.stopwords if tokenizer is not None else None) or ())  # None: empty index
        self.windows = windows  # BM25 over the chunks' windows (same vocabulary)
        self.owners = np.asarray(owners if owners is not None else [], dtype=np.int64)  # window -> chunk position
        self.table = table
        self.ids: list[str] = table.ids
        self.position = table.position
        self.recent: dict[tuple, np.ndarray] = {}  # lexical scores of the latest queries
        self._raw: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # ... before any filter
        self.keep = max(2, min(RECENT_QUERIES, RECENT_BYTES // (12 * max(1, len(self.ids)))))  # entries of each

    def mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        """The BM25 weight mask for the filters (the chunk table's; bm25s only reads it)."""
        return self.table.mask(filters)

    def absent_words(self, query: str, mask: np.ndarray | None) -> list[tuple[str, int, int]]:
        """(word, start, end) of each word of the query that no chunk inside the mask contains
        (a word of three letters or more, not a stop word; stemmed as the index stems, and a
        compound the papers spell in two parts counts as present)."""
        tok = self.tokenizer
        if tok is None:
            return []
        postings = self.retriever.scores
        out = []
        for m in re.finditer(r"[A-Za-z]{3,}", query):
            word = m.group().lower()
            if word in self.stopwords or word in _CONTRACTIONS:
                continue
            sid = tok.stem_to_sid.get(tok.stemmer(word) if tok.stemmer else word)
            if sid is None:
                if self._compound_ids(word):
                    continue
            else:
                docs = postings["indices"][postings["indptr"][sid] : postings["indptr"][sid + 1]]
                if len(docs) and (mask is None or mask[docs].any()):
                    continue
            out.append((m.group(), m.start(), m.end()))
        return out

    def query_ids(self, query: str) -> list[int]:
        q = self.tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        ids = [int(t) for t in q[0]] if q and q[0] else []
        return ids + [t for t in self._compound_ids(query) if t not in ids]

    def _compound_ids(self, query: str) -> list[int]:
        """Terms the papers spell as one word where the question uses two, or the reverse
        ("key workers" / "keyworkers", "care leavers" / "careleavers", "work force" / "workforce"):
        a joined pair or a split word is added when the index knows it, never invented."""
        tok = self.tokenizer
        if tok.stemmer is None:
            return []
        stopwords = self.stopwords
        known = tok.stem_to_sid
        words = [w for w in tok.splitter(query.lower()) if w.isalpha()]
        extra: list[int] = []
        for a, b in zip(words, words[1:]):
            if a not in stopwords and b not in stopwords and len(a) > 2 and len(b) > 2:
                sid = known.get(tok.stemmer(a + b))
                if sid is not None:
                    extra.append(int(sid))
        for word in words:
            if len(word) < 7 or word in stopwords or tok.stemmer(word) in known:
                continue
            for cut in range(3, len(word) - 2):
                head, tail = known.get(tok.stemmer(word[:cut])), known.get(tok.stemmer(word[cut:]))
                if head is not None and tail is not None and word[:cut] not in stopwords:
                    extra += [int(head), int(tail)]
                    break
        return extra

    def scores(self, query_ids: list[int], mask: np.ndarray | None, chunk_weight: float) -> np.ndarray:
        """Lexical score of every chunk (0 where masked out): the whole-chunk BM25 and the best
        window's BM25, each scaled by its best inside the mask, mixed (`chunk_weight` of the
        whole chunk's)."""
        whole, best = self._unmasked(query_ids)
        if mask is not None:
            whole, best = whole * mask, best * mask
        top_whole, top_best = float(whole.max(initial=0.0)), float(best.max(initial=0.0))
        mixed = chunk_weight * whole / (top_whole or 1.0)
        if top_best:
            mixed = mixed + (1 - chunk_weight) * best / top_best
        return mixed

    def _unmasked(self, query_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(whole-chunk BM25, best window's BM25) of every chunk, kept for the latest queries: a
        question naming a committee is scored once for its search and once for the committee's."""
        key = tuple(query_ids)
        cached = self._raw.get(key)
        if cached is not None:
            return cached
        whole = self.retriever.get_scores(query_ids)
        best = np.zeros(len(self.ids), dtype=np.float32)
        if self.windows is not None and len(self.owners):
            # np.maximum.at: 1.2 ms over 390k windows, where reduceat over the chunks' runs took 5.
            np.maximum.at(best, self.owners, self.windows.get_scores(query_ids))
        whole.flags.writeable = best.flags.writeable = False
        if len(self._raw) >= self.keep:
            self._raw.clear()
        self._raw[key] = (whole, best)
        return whole, best


def _save(built: _Built, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if built.retriever is not None:
        built.retriever.save(str(folder / "bm25"))
        built.tokenizer.save_vocab(str(folder / "bm25"))
        built.windows.save(str(folder / "bm25w"))
        np.save(folder / "owners.npy", built.owners)
    (folder / "columns.json").write_text(json.dumps(built.table.columns()))


def _load(folder: Path) -> _Built | None:
    """A view saved by `_save`; None when it is not all there."""
    columns = folder / "columns.json"
    if not columns.exists():
        return None
    import bm25s

    cols = json.loads(columns.read_text())
    retriever = tokenizer = windows = owners = None
    if cols["ids"]:
        if not (folder / "owners.npy").exists():
            return None
        retriever = bm25s.BM25.load(str(folder / "bm25"))
        windows = bm25s.BM25.load(str(folder / "bm25w"))
        owners = np.load(folder / "owners.npy")
        tokenizer = _tokenizer()
        tokenizer.load_vocab(str(folder / "bm25"))
    table = ChunkTable(
        cols["ids"], cols["committees"], cols["dates"], cols["doc_types"], cols["classifications"], _window_counts(owners, len(cols["ids"]))
    )
    return _Built(retriever, tokenizer, table, windows, owners)


def _window_counts(owners, n: int):
    """Dense windows per chunk: the windows indexed here are the ones the dense index embeds."""
    return np.bincount(np.asarray(owners, dtype=np.int64), minlength=n) if owners is not None and len(owners) else None


def _generation_of(path: Path) -> int:
    try:
        return int(path.name[1:])
    except ValueError:
        return -1


ALL = "all"  # the view of every chunk: for callers cleared for every classification present


def view_name(clearance: frozenset[Classification] | None, present: frozenset[str]) -> str:
    """Which view of the index a caller searches: "all" when cleared for every classification
    the papers hold, else one named after the classifications it may see among them."""
    if clearance is None:
        return ALL
    visible = frozenset(c.value for c in clearance) & present
    if visible == present:
        return ALL
    return "v-" + ("+".join(sorted(visible)) or "none")


def _view_levels(name: str) -> frozenset[str] | None:
    """The classifications a view holds (None: all of them)."""
    if name == ALL:
        return None
    rest = name.removeprefix("v-")
    return frozenset() if rest == "none" else frozenset(rest.split("+"))


@dataclass(frozen=True)
class _Views:
    """The index of one catalog generation: one snapshot per clearance."""

    generation: int | None
    present: frozenset[str]  # classifications the chunks hold
    built: dict[str, _Built]


class Bm25Index:
    """BM25 over the catalog's chunks, one view per clearance.

    A caller sees the index it would see in a store holding only the papers it may read: each
    view has its own vocabulary and word statistics (document frequencies, average lengths) over
    only the chunks of the classifications it covers, so neither a ranking, a score nor "no paper
    uses this word" can tell a caller that a word is in papers above its clearance. One view per
    role's clearance is built with each generation (when every paper is public, they are all the
    one view); any other clearance gets its view built when first asked for."""

    def __init__(
        self,
        directory: Path,
        windows: Windows = _whole,
        clearances: Iterable[Iterable[Classification]] = (),
        chunk_weight: float = 0.7,
    ) -> None:
        """`windows` cuts a chunk into the texts scored as its windows (the ingest's dense windows);
        `clearances`: the roles' clearances, whose views are built with every generation;
        `chunk_weight`: the whole chunk's share of a lexical score (RetrievalSettings)."""
        self.directory = Path(directory)
        self.chunk_weight = chunk_weight
        self.windows = windows
        self.clearances = list(dict.fromkeys(frozenset(c) for c in clearances))
        self._views = _Views(None, frozenset(), {})
        self._catalog = None
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    @property
    def generation(self) -> int | None:
        return self._views.generation

    @property
    def _built(self) -> _Built | None:
        """The view of every chunk (what a caller cleared for everything searches)."""
        return self._views.built.get(ALL)

    def view_names(self) -> list[str]:
        """The views of the current generation."""
        return sorted(self._views.built)

    def _wanted_views(self, present: frozenset[str]) -> dict[str, frozenset[str] | None]:
        """The views to build for papers holding these classifications: name -> the levels it
        holds (None: every one)."""
        views: dict[str, frozenset[str] | None] = {ALL: None}
        for clearance in self.clearances:
            name = view_name(clearance, present)
            views.setdefault(name, _view_levels(name))
        return views

    def build(self, chunks: Iterable[Chunk], generation: int, present: frozenset[str] | None = None) -> None:
        """Index `chunks`, a view per clearance, and save the index for this catalog generation.
        `present`: the classifications the chunks hold, when `chunks` is a stream read once
        (without it they are listed to find out)."""
        if present is None:
            chunks = list(chunks)
            present = frozenset(level_of(c) for c in chunks)
        built = self._index_views(chunks, self._wanted_views(present))
        target = self.directory / f"g{generation}"
        # A private temporary name: another process may be building the same generation.
        tmp = self.directory / f".tmp-g{generation}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        for name, view in built.items():
            _save(view, tmp / name)
        (tmp / "views.json").write_text(json.dumps({"present": sorted(present), "views": sorted(built)}))
        try:
            tmp.rename(target)  # atomic: a reader sees no index or a whole one, never half of one
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process saved this generation first
        self._swap(_Views(generation, present, built))
        for old in self.directory.glob("g*"):
            if old.name != target.name and _generation_of(old) < generation:
                shutil.rmtree(old, ignore_errors=True)

    def sync(self, catalog) -> None:
        """Match the catalog's current generation: load the saved index, or build it once. One
        thread builds while concurrent queries wait for it (or keep the index they have); the
        generation and the chunks are read from one snapshot of the catalog."""
        self._catalog = catalog
        current = catalog.generation()
        if self._views.generation == current:
            return
        with self._build_lock:
            if self._views.generation == current or self.load(current):  # built here or by another process
                return
            with catalog.snapshot_stream() as (generation, present, chunks):
                if self._views.generation == generation or self.load(generation):
                    return
                self.build(chunks, generation, present)
            _return_freed_memory()

    def load(self, generation: int) -> bool:
        """Load the saved index for `generation`; False if there is none (or it lacks a view a
        configured clearance needs)."""
        if self._views.generation == generation:
            return True
        target = self.directory / f"g{generation}"
        listing = target / "views.json"
        if not listing.exists():
            return False  # none, or saved by an older version with one view for everyone
        try:
            saved = json.loads(listing.read_text())
            present = frozenset(saved["present"])
            names = {view_name(c, present) for c in self.clearances} | {ALL}
            if not names <= set(saved["views"]):
                return False
            built = {name: _load(target / name) for name in names}
        except (OSError, ValueError, KeyError):  # removed or replaced while being read: build instead
            return False
        if any(view is None for view in built.values()):
            return False
        self._swap(_Views(generation, present, built))
        return True

    def _swap(self, views: _Views) -> None:
        with self._lock:
            self._views = views

    def _view(self, filters: SearchFilters | None) -> _Built | None:
        """The snapshot a search with these filters reads: the view of the caller's clearance."""
        views = self._views
        if views.generation is None:
            return None
        name = view_name(filters.clearance if filters else None, views.present)
        built = views.built.get(name)
        if built is None:
            built = self._build_view(views, name)
        return built

    def _build_view(self, views: _Views, name: str) -> _Built | None:
        """A view no configured clearance needed, built from the catalog when first asked for
        (kept in memory for this generation)."""
        with self._build_lock:
            current = self._views
            if name in current.built:
                return current.built[name]
            if self._catalog is None:
                return None
            with self._catalog.snapshot_stream() as (generation, _, chunks):
                if generation != current.generation:
                    return None  # a newer generation is coming: the next sync builds every view
                view = self._index_views(chunks, {name: _view_levels(name)})[name]
            self._swap(_Views(current.generation, current.present, {**current.built, name: view}))
            return view

    def _index_views(self, chunks: Iterable[Chunk], views: dict[str, frozenset[str] | None]) -> dict[str, _Built]:
        """Each view's index from one pass over the chunks (each view with its own vocabulary)."""
        builders = [(name, levels, _ViewBuilder()) for name, levels in views.items()]
        for chunk in chunks:
            level = level_of(chunk)
            taking = [b for _, levels, b in builders if levels is None or level in levels]
            if not taking:
                continue
            # Every window carries its paper's title, as the whole chunk does (its context): a
            # question names the paper ("...in the LGA action plan") as often as the fact.
            title = chunk.title or ""
            windows = [w if w.startswith(title) else f"{title}\n{w}" for w in self.windows(chunk)]
            text = chunk.index_text
            for builder in taking:
                builder.add(chunk, level, text, windows)
        return {name: builder.finish() for name, _, builder in builders}

    def ids(self) -> set[str]:
        """The chunks in the current index (to check it agrees with the catalog)."""
        return set(self._built.ids) if self._built else set()

    def __len__(self) -> int:
        return len(self._built.ids) if self._built else 0

    def absent_words(self, query: str, filters: SearchFilters | None = None) -> list[tuple[str, int, int]]:
        """(word, start, end) of each word of the query that no chunk inside the filters uses:
        the papers the caller may see never mention it (see _Built.absent_words)."""
        built = self._view(filters)
        if built is None or built.retriever is None or not built.ids:
            return []
        return built.absent_words(query, built.mask(filters))

    def members(self, filters: SearchFilters | None) -> ChunkSet | None:
        """The chunks of the current index inside the filters, for the dense search to filter by
        (None before any index is loaded)."""
        built = self._view(filters)
        return built.table.members(filters) if built is not None and built.ids else None

    def scores(self, query: str, chunk_ids: list[str], filters: SearchFilters | None = None) -> dict[str, float]:
        """Lexical scores of these chunks for the query (0 for a chunk sharing no term with it), on
        the same scale as `search` with the same filters, so a candidate found only by dense
        search is fused with its real lexical score."""
        scored = self._score(query, filters)
        if scored is None:
            return {}
        built, all_scores = scored
        return {cid: float(all_scores[built.position[cid]]) for cid in chunk_ids if cid in built.position}

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[LexicalHit]:
        """The k chunks with the highest lexical score inside the filters (none scoring 0)."""
        scored = self._score(query, filters)
        if scored is None:
            return []
        built, all_scores = scored
        k = min(k, len(built.ids))
        top = np.argpartition(-all_scores, k - 1)[:k]
        top = top[np.argsort(-all_scores[top], kind="stable")]
        return [LexicalHit(built.ids[int(i)], float(all_scores[i])) for i in top if all_scores[i] > 0]

    def _score(self, query: str, filters: SearchFilters | None):
        built = self._view(filters)
        if built is None or built.retriever is None or not built.ids:
            return None
        q = built.query_ids(query)
        if not q:
            return None
        mask = built.mask(filters)
        if mask is not None and not mask.any():
            return None
        # A search and the score lookup for its dense-only candidates come in pairs: compute once.
        key = (tuple(q), filters)
        cached = built.recent.get(key)
        if cached is None:
            if len(built.recent) >= built.keep:
                built.recent.clear()
            with _SCORING:
                cached = built.recent[key] = built.scores(q, mask, self.chunk_weight)
            cached.flags.writeable = False
        return built, cached


def _return_freed_memory() -> None:
    """Hand the build's freed memory back to the system (glibc keeps it otherwise, and a replica's
    resident size would stay at the build's peak); nothing where there is no glibc."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


BUILD_BATCH = 1000  # chunks tokenised together while building


class _ViewBuilder:
    """One view's index, built from chunks added one at a time: each batch of them is tokenised
    and reduced to compact postings, so no list of every chunk or token is ever held."""

    def __init__(self) -> None:
        self.tokenizer = _tokenizer()
        self.chunks, self.window_postings = Postings(), Postings()
        self.ids: list[str] = []
        self.committees: list[str] = []
        self.dates = array("q")
        self.doc_types: list[str] = []
        self.classifications: list[str] = []
        self.owners = array("q")  # window -> chunk position
        self._texts: list[str] = []
        self._window_texts: list[str] = []
        self._names: dict[str, str] = {}  # one string per distinct committee

    def add(self, chunk: Chunk, level: str, text: str, windows: list[str]) -> None:
        """A chunk of the view, with its indexed text and its windows' texts."""
        position = len(self.ids)
        self.ids.append(chunk.id)
        committee = committee_key(chunk.committee) if chunk.committee else ""
        self.committees.append(self._names.setdefault(committee, committee))
        self.dates.append(date_number(chunk.meeting_date))
        self.doc_types.append(chunk.doc_type.value)
        self.classifications.append(level)
        self._texts.append(text)
        self._window_texts.extend(windows)
        self.owners.extend([position] * len(windows))
        if len(self._texts) >= BUILD_BATCH:
            self._flush()

    def _flush(self) -> None:
        # One vocabulary for both: a query is tokenised once and its ids mean the same in each.
        tokenize = self.tokenizer.tokenize
        self.chunks.add(tokenize(self._texts, update_vocab=True, return_as="ids", show_progress=False))
        self.window_postings.add(tokenize(self._window_texts, update_vocab=True, return_as="ids", show_progress=False))
        self._texts, self._window_texts = [], []

    def finish(self) -> _Built:
        if not self.ids:
            return _Built(None, None, ChunkTable([], [], [], [], []))
        self._flush()
        vocab = self.tokenizer.get_vocab_dict()
        retriever = self.chunks.bm25(vocab)
        windows = self.window_postings.bm25(vocab)
        owners = np.frombuffer(self.owners, dtype=np.int64)
        table = ChunkTable(self.ids, self.committees, np.frombuffer(self.dates, dtype=np.int64), self.doc_types,
                           self.classifications, _window_counts(owners, len(self.ids)))
        return _Built(retriever, self.tokenizer, table, windows, owners)
