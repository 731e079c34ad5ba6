"""Step one of a search: gather candidates and their signals.

Candidates come from the dense and the lexical search with the same filters inside both (and,
with `prefer`, from a second, narrower pair whose passages are lifted later, not restricted to).
Each candidate then gets every signal fusion needs: its best window's cosine, its lexical score
and its late-interaction (MaxSim) score. A new signal is gathered here, weighed in `fuse.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.config import RetrievalSettings
from core.types import SearchFilters
from vectorstore import late_interaction
from vectorstore.interfaces import Catalog, DenseIndex, LexicalIndex


@dataclass
class Candidates:
    """Every candidate of one search (in the order found) with its signals."""

    ids: list[str]
    cos: dict[str, float]  # best window's cosine similarity (looked up or floored for lexical-only ones)
    bm25: dict[str, float]  # max-normalised lexical score inside the filters
    tokens: dict[str, float]  # late interaction; absent for a chunk stored without word pieces
    preferred: set[str] = field(default_factory=set)  # found by the narrower, preferred search
    packed: dict[str, bytes] = field(default_factory=dict)  # each candidate's packed word pieces
    members: object = None  # the chunk set of the main filters (where each chunk's windows are)


def gather(
    query: str,
    vector: np.ndarray,
    query_rows: np.ndarray,
    k: int,
    filters: SearchFilters | None,
    prefer: SearchFilters | None,
    catalog: Catalog,
    dense: DenseIndex,
    lexical: LexicalIndex,
    settings: RetrievalSettings,
) -> Candidates:
    n = max(settings.candidates, k)
    cos: dict[str, float] = {}
    bm25: dict[str, float] = {}
    preferred: set[str] = set()
    searches = [(filters, False)] + ([(prefer, True)] if prefer is not None else [])
    members = lexical.members(filters)  # where each chunk's windows are, for lookups by id
    found = {}
    with dense.one_question():
        # The committee's search first: its wide unfiltered fetch then serves the main search.
        for search_filters, is_preference in reversed(searches):
            chunk_set = members if search_filters is filters else lexical.members(search_filters)
            wanted = max(settings.preferred_candidates, k) if is_preference else n
            hits = dense.query(vector, wanted, search_filters, chunk_set)
            found[is_preference] = (hits, lexical.search(query, wanted, search_filters))
    for _, is_preference in searches:
        dense_hits, lexical_hits = found[is_preference]
        for hit in dense_hits:
            cos[hit.chunk_id] = hit.similarity
        for hit in lexical_hits:
            bm25[hit.chunk_id] = hit.score
        if is_preference:
            preferred.update(h.chunk_id for h in dense_hits)
            preferred.update(h.chunk_id for h in lexical_hits)
    ids = list(dict.fromkeys([*cos, *bm25]))
    # Lexical-only candidates need their cosine; looking it up is the slowest step of a search,
    # so only the strongest lexical ones get it. The rest score as the weakest dense hit.
    ranked_lexical = sorted(bm25, key=bm25.get, reverse=True)[: settings.lexical_lookups]
    missing = [cid for cid in ranked_lexical if cid not in cos]
    floor = min(cos.values(), default=0.0)
    if missing:
        cos.update(dense.similarities(vector, missing, filters, members))
    for cid in ids:
        cos.setdefault(cid, floor)
    # A dense candidate outside the lexical top n still has a lexical score; fusing it as 0 would
    # sink a passage that dense search ranks first (measured: +1 hit@5 on the labelled set).
    unscored = [cid for cid in ids if cid not in bm25]
    if unscored:
        bm25.update(lexical.scores(query, unscored, filters))
    packed = catalog.token_states(ids)
    tokens = _token_scores(query_rows, packed, settings)
    return Candidates(ids, cos, bm25, tokens, preferred, packed, members)


def _token_scores(query_rows: np.ndarray, packed: dict[str, bytes], settings: RetrievalSettings) -> dict[str, float]:
    """MaxSim of the question's content word pieces against each candidate's stored ones
    (chunks stored without them, and questions of function words only, get none)."""
    if settings.token_weight == 0 or len(query_rows) == 0:
        return {}
    return late_interaction.maxsim_packed(query_rows, packed)
