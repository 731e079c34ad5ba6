"""The chunk table both indexes share: every chunk of one view of the papers (one clearance's) by
position, with the columns filters test (committee, meeting date, document type, classification)
and how many dense windows each has.

Filters become a mask over these columns, computed once per distinct filter set: the lexical index
weighs its BM25 scores with it, and the dense index searches the windows of the `ChunkSet` it
selects instead of using a Chroma `where` (whose metadata scan cost 190-430 ms for a committee and
1.2 s for a committee and one meeting date at 100k chunks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.committees import committee_key
from core.types import Chunk, Classification, SearchFilters

MASK_CACHE = 256  # distinct filter sets whose masks are kept per table
MEMBER_SETS = 32  # distinct filter sets whose chunk sets (and their listed window ids) are kept
LISTED_WINDOWS = 50_000  # most window ids a chunk set keeps listed (about 4 MB)


def date_number(d) -> int:
    """A date as the number both indexes filter on (YYYYMMDD; 0 for none)."""
    return d.year * 10000 + d.month * 100 + d.day if d else 0


def window_id(chunk_id: str, n: int) -> str:
    """The id of a chunk's n-th window vector."""
    return f"{chunk_id}~{n:03d}"


def chunk_of(vector_id: str) -> str:
    """The chunk a window vector belongs to (its id without the window number)."""
    return vector_id.rpartition("~")[0]


def level_of(chunk: Chunk) -> str:
    """A chunk's classification as stored (an unclassified chunk counts as restricted)."""
    return (chunk.classification or Classification.restricted).value


def filter_key(filters: SearchFilters | None) -> tuple | None:
    """What makes two filter sets select the same chunks (None: no filters)."""
    if filters is None or filters.is_empty():
        return None
    return (
        committee_key(filters.committee) if filters.committee else None,
        filters.doc_type.value if filters.doc_type else None,
        filters.date_from,
        filters.date_to,
        None if filters.clearance is None else frozenset(c.value for c in filters.clearance),
    )


@dataclass(frozen=True)
class ChunkSet:
    """The chunks of a table inside a set of filters, for the dense search to search within."""

    ids: Sequence[str]  # every chunk of the table, by position
    position: Mapping[str, int]  # chunk id -> position
    keep: np.ndarray  # bool per position: inside the filters (clearance included)
    windows: np.ndarray  # dense windows per position
    levels: Mapping[str, np.ndarray]  # classification -> bool per position
    listed: dict = field(default_factory=dict, compare=False, repr=False)  # level -> window ids

    def __contains__(self, chunk_id: object) -> bool:
        i = self.position.get(chunk_id)  # type: ignore[arg-type]
        return i is not None and bool(self.keep[i])

    def window_share(self, level: Classification) -> tuple[int, int]:
        """(windows inside the filters, all windows) of this classification's collection."""
        in_level = self.levels.get(level.value)
        if in_level is None:
            return 0, 0
        return int(self.windows[self.keep & in_level].sum()), int(self.windows[in_level].sum())

    def place(self, chunk_id: str) -> tuple[str, int] | None:
        """(classification, number of windows) of a chunk of the table, inside the filters or not;
        None for a chunk the table does not hold."""
        i = self.position.get(chunk_id)
        if i is None:
            return None
        level = next((value for value, in_level in self.levels.items() if in_level[i]), None)
        return None if level is None else (level, int(self.windows[i]))

    def window_ids(self, level: Classification) -> tuple[str, ...]:
        """The ids of every window inside the filters in this classification's collection (kept
        for the set's next search up to LISTED_WINDOWS of them: listing the corpus's 5,000 took
        5 ms a search)."""
        listed = self.listed.get(level)
        if listed is None:
            inside = np.flatnonzero(self.keep & self.levels.get(level.value, False))
            listed = tuple(window_id(self.ids[i], j) for i in inside.tolist() for j in range(int(self.windows[i])))
            if len(listed) <= LISTED_WINDOWS:
                self.listed[level] = listed
        return listed


class ChunkTable:
    """One immutable view's chunks and filter columns, with the masks and chunk sets of the filter
    sets asked for (cached per table: comparing object arrays cost 2-4 ms a query at 100k chunks)."""

    def __init__(self, ids, committees, dates, doc_types, classifications, window_counts=None) -> None:
        self.ids: list[str] = list(ids)
        self.committees = np.asarray(committees, dtype=object)
        self.dates = np.asarray(dates, dtype=np.int64)
        self.doc_types = np.asarray(doc_types, dtype=object)
        self.classifications = np.asarray(classifications, dtype=object)
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.window_counts = (
            np.asarray(window_counts, dtype=np.int64) if window_counts is not None else np.ones(len(self.ids), dtype=np.int64)
        )
        self.levels = {c.value: self.classifications == c.value for c in Classification}
        self._masks: dict[tuple, np.ndarray] = {}
        self._members: dict[tuple | None, ChunkSet] = {}

    @classmethod
    def of(cls, chunks: Sequence[Chunk], window_counts=None) -> ChunkTable:
        """The table of these chunks (`window_counts[i]`: dense windows of chunk i; default 1)."""
        return cls(
            [c.id for c in chunks],
            [committee_key(c.committee) if c.committee else "" for c in chunks],
            [date_number(c.meeting_date) for c in chunks],
            [c.doc_type.value for c in chunks],
            [level_of(c) for c in chunks],
            window_counts,
        )

    def columns(self) -> dict:
        """The filter columns as JSON-ready lists (window counts are the index's to save)."""
        return {
            "ids": self.ids,
            "committees": self.committees.tolist(),
            "dates": self.dates.tolist(),
            "doc_types": self.doc_types.tolist(),
            "classifications": self.classifications.tolist(),
        }

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        """1.0 for each chunk inside the filters, else 0.0 (None: no filters); read-only."""
        key = filter_key(filters)
        if key is None:
            return None
        cached = self._masks.get(key)
        if cached is None:
            if len(self._masks) >= MASK_CACHE:
                self._masks.clear()
            cached = self._masks[key] = self._compute_mask(key)
            cached.flags.writeable = False
        return cached

    def members(self, filters: SearchFilters | None) -> ChunkSet:
        """The chunks inside the filters (all of them without filters); one object per distinct
        filter set, so its window ids are listed once."""
        key = filter_key(filters)
        cached = self._members.get(key)
        if cached is None:
            mask = self.mask(filters)
            keep = np.ones(len(self.ids), dtype=bool) if mask is None else mask > 0
            if len(self._members) >= MEMBER_SETS:
                self._members.clear()
            cached = self._members[key] = ChunkSet(self.ids, self.position, keep, self.window_counts, self.levels)
        return cached

    def _compute_mask(self, key) -> np.ndarray:
        committee, doc_type, date_from, date_to, clearance = key
        keep = np.ones(len(self.ids), dtype=bool)
        if committee:
            keep &= self.committees == committee
        if doc_type:
            keep &= self.doc_types == doc_type
        if date_from:
            keep &= self.dates >= date_number(date_from)
        if date_to:
            keep &= (self.dates <= date_number(date_to)) & (self.dates > 0)
        if clearance is not None:  # access control inside the search, as each index applies it
            keep &= np.isin(self.classifications, sorted(clearance))
        return keep.astype(np.float32)
