"""The JSON API through FastAPI's TestClient against real storage and the real model."""

from __future__ import annotations

import pytest
from conftest import make_service
from fastapi.testclient import TestClient

from api.app import create_app
from prompts import NOT_FOUND_SENTINEL


@pytest.fixture(scope="module")
def client(corpus_service):
    return TestClient(create_app(corpus_service))


CITATION_KEYS = {
    "n", "document_id", "chunk_id", "source", "title", "committee", "meeting_date", "page", "section", "text", "score", "ocr", "source_url",
    "body", "label",
}


def test_ask_returns_exact_shape_with_cited_passages(client):
    r = client.post("/ask", json={"question": "How many key workers were rehoused in 2022?"})
    assert r.status_code == 200
    body = r.json()
    # the keys the intranet bot reads, plus the conversation the answer started and what made it (additive)
    assert set(body) == {"question", "answer", "mode", "answerer", "citations", "conversation_id"}
    assert body["mode"] == "extractive" and body["answerer"] == "extractive"
    assert body["citations"] and all(set(c) == CITATION_KEYS for c in body["citations"])
    assert "11" in body["answer"] and "[1]" in body["answer"]
    first = body["citations"][0]
    assert first["n"] == 1 and first["source"].startswith("000_")
    assert first["committee"] == "Health and Adults Scrutiny Sub-Committee"
    assert first["meeting_date"] is None and first["page"] == 4  # a rolling log names no meeting of its own
    for n in {int(x) for x in __import__("re").findall(r"\[(\d+)\]", body["answer"])}:
        assert any(c["n"] == n for c in body["citations"])


def test_ask_filters_by_committee_and_dates(client):
    r = client.post(
        "/ask",
        json={"question": "What was decided about the budget?", "committee": "Cabinet", "date_from": "2025-01-01", "date_to": "2025-01-31", "k": 4},
    )
    assert r.status_code == 200
    cites = r.json()["citations"]
    assert cites and all(c["committee"] == "Cabinet" and "2025-01-01" <= c["meeting_date"] <= "2025-01-31" for c in cites)


def test_unanswerable_question_says_not_found_and_shows_closest(client):
    r = client.post("/ask", json={"question": "When will the Sunderland central library reopen after the fire?"})
    body = r.json()
    assert body["mode"] == "not_found"
    assert body["answer"].startswith(NOT_FOUND_SENTINEL)
    assert body["citations"], "the closest passages are shown"


def test_search_shape_and_k(client):
    r = client.get("/search", params={"q": "Corporate Parenting Panel care leavers", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "Corporate Parenting Panel care leavers"
    assert len(body["results"]) == 3
    assert all(set(p) == CITATION_KEYS - {"n"} for p in body["results"])


def test_documents_list_and_detail(client):
    docs = client.get("/documents").json()["documents"]
    assert len(docs) >= 26
    log = next(d for d in docs if d["source"].startswith("000_"))
    assert log["committee_acronym"] == "HASSC" and log["doc_type"] == "action_log" and log["chunks"] > 0
    one = client.get(f"/documents/{log['id']}").json()
    assert one["id"] == log["id"] and one["pages"] == 10
    missing = client.get("/documents/does-not-exist")
    assert missing.status_code == 404 and "does-not-exist" in missing.json()["detail"]


def test_documents_and_actions_page_with_limit_and_offset(client):
    """Pages of the listings are slices of the whole listing, in its order, with its total."""
    whole = client.get("/documents").json()
    assert whole["total"] == len(whole["documents"]) >= 26
    pages = [client.get("/documents", params={"limit": 7, "offset": start}).json() for start in range(0, whole["total"], 7)]
    assert all(p["total"] == whole["total"] for p in pages)
    assert [d for p in pages for d in p["documents"]] == whole["documents"]
    actions = client.get("/actions", params={"as_of": "2026-11-23"}).json()
    assert actions["total"] == len(actions["actions"]) >= 82
    page = client.get("/actions", params={"as_of": "2026-11-23", "limit": 10, "offset": 20}).json()
    assert page["total"] == actions["total"] and page["actions"] == actions["actions"][20:30]
    assert client.get("/documents", params={"offset": whole["total"]}).json()["documents"] == []
    for url in ("/documents", "/actions"):
        r = client.get(url, params={"limit": 0})
        assert r.status_code == 422 and "limit" in r.json()["detail"]


def test_health(client):
    body = client.get("/health").json()
    assert body["store_reachable"] is True and body["documents"] >= 26 and body["chunks"] > 1000
    assert body["model"] == "all-MiniLM-L6-v2"


@pytest.mark.parametrize(
    "method, url, payload, field",
    [
        ("post", "/ask", {"question": ""}, "question"),
        ("post", "/ask", {"question": "   "}, "question"),
        ("post", "/ask", {"question": "x", "k": 0}, "k"),
        ("post", "/ask", {"question": "x", "k": 500}, "k"),
        ("post", "/ask", {"question": "x", "date_from": "13/03/2025"}, "date_from"),
        ("post", "/ask", {"question": "x", "date_from": "2025-03-01", "date_to": "2025-01-01"}, "date_from"),
        ("post", "/ask", {"question": "x" * 5000}, "question"),
        ("post", "/ask", {}, "question"),
        ("get", "/search", {"q": "budget", "k": "lots"}, "k"),
        ("get", "/search", {}, "q"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, method, url, payload, field):
    r = client.post(url, json=payload) if method == "post" else client.get(url, params=payload)
    assert r.status_code == 422
    assert field in r.json()["detail"]


def test_unreachable_chroma_server_is_503_not_a_stack_trace(tmp_path):
    service = make_service(tmp_path / "home", chroma_url="http://127.0.0.1:9")
    client = TestClient(create_app(service), raise_server_exceptions=False)
    r = client.get("/search", params={"q": "budget"})
    assert r.status_code == 503 and "unavailable" in r.json()["detail"]
    assert client.get("/health").status_code == 503


def test_chat_page_is_served_without_external_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and "Committee Papers Assistant" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/app.js").status_code == 200


def test_a_store_with_no_papers_yet_answers_searches_and_questions_with_nothing(tmp_path):
    """A fresh installation before any ingest: empty results and "not found", never a 500."""
    client = TestClient(create_app(make_service(tmp_path / "home")), raise_server_exceptions=False)
    r = client.get("/search", params={"q": "budget"})
    assert r.status_code == 200 and r.json()["results"] == []
    r = client.post("/ask", json={"question": "What was decided about the budget?"})
    assert r.status_code == 200 and r.json()["mode"] == "not_found" and r.json()["citations"] == []
