"""The same retrieval checks against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

from conftest import SEEDS, load_questions, make_service
from test_filtered_search import QUERIES, assert_exact, assert_same_as_where, biggest_committee, one_meeting, recall, store_like
from test_retrieval import hit_rate

from core.types import SearchFilters


def test_core_retrieval_against_chroma_server(chroma_server, tmp_path, shared_embedder):
    service = make_service(tmp_path / "home", chroma_url=chroma_server)
    service.embedder = shared_embedder
    report = service.ingest([SEEDS])
    assert report.documents == 5 and report.count("failed") == 0
    assert service.health()["store"] == chroma_server
    assert len(service.store.chunk_ids()) == service.catalog.counts()[1]
    questions = [q for q in load_questions() if q["source"] and q["source"].startswith(("000_", "002_", "004_"))]
    rate, misses = hit_rate(service, questions)
    assert rate >= 0.6, misses
    answer = service.ask("How many key workers were rehoused in 2022?")
    assert "11" in answer.answer and answer.citations[0].passage.chunk.page == 4
    # Idempotent over the server too.
    again = service.ingest([SEEDS])
    assert again.count("unchanged") == 5 and len(service.store.chunk_ids()) == service.catalog.counts()[1]


def test_filtered_search_routes_against_chroma_server(chroma_server, tmp_path, shared_embedder):
    """Every route of a filtered dense search (tests/test_filtered_search.py) works over HTTP."""
    service = make_service(tmp_path / "home", chroma_url=chroma_server)
    service.embedder = shared_embedder
    assert service.ingest([SEEDS]).count("failed") == 0
    service.retriever.ensure_fresh()
    wide = SearchFilters(committee=biggest_committee(service))
    # The unfiltered fetch; its recall moves with each build of the HNSW graph (see test_filtered_search).
    ours, chromas = recall(service, store_like(service, exact_windows=0), wide, QUERIES)
    assert ours >= 0.95 and ours >= chromas - 0.005
    exact = store_like(service, fetch_max=0)  # vectors fetched by id
    assert_exact(service, exact, one_meeting(service))
    assert_exact(service, exact, wide)
    assert_same_as_where(service, store_like(service, fetch_max=0, exact_windows=0), wide)  # ids=
