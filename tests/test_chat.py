"""Conversations and streaming: the follow-up rewriter, the conversation store, `conversation_id`
on /ask and the server-sent events of /ask/stream, over the real corpus."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.streaming import answer_pieces
from assistant.action_questions import ActionQuestion, parse_action_question
from assistant.conversation import action_question_text, rewrite_follow_up
from core.committees import CommitteeRegistry
from core.types import ActionFilters, ActionStatus, Turn

HASSC = "Health and Adults Scrutiny Sub-Committee"
HOSC = "Health and Social Care Overview and Scrutiny Committee"


@pytest.fixture(scope="module")
def registry() -> CommitteeRegistry:
    r = CommitteeRegistry()
    r.add(HASSC, {"HASSC"})
    r.add(HOSC, {"HOSC"})
    r.add("Planning Committee")
    r.add("Cabinet")
    r.add("Tower Hamlets Transformation and Improvement Board", {"TIB"})
    return r


# --- the rewriter ---------------------------------------------------------------------------------

OVERDUE_HASSC = Turn("Which actions are overdue for HASSC?", "Which actions are overdue for HASSC?", "actions")
PEER_REVIEW = "What did the peer review say about direct payments in Tower Hamlets?"
KEY_WORKERS = "How many key workers were rehoused in 2022?"
MILL_LANE = "What did the Planning Committee decide about Land at Mill Lane?"


def turn(question: str, mode: str = "extractive") -> Turn:
    return Turn(question, question, mode)


@pytest.mark.parametrize(
    "previous, follow_up, expected",
    [
        # refining an action question keeps its conditions and adds the new one
        (OVERDUE_HASSC, "and which of those are owned by Somen Banerjee?", "Which actions for HASSC are overdue and owned by Somen Banerjee?"),
        (OVERDUE_HASSC, "Which of them are assigned to Fiona Peskett?", "Which actions for HASSC are overdue and owned by Fiona Peskett?"),
        (OVERDUE_HASSC, "what about Fiona Peskett?", "Which actions for HASSC are overdue and owned by Fiona Peskett?"),
        (OVERDUE_HASSC, "what about HOSC?", "Which actions for HOSC are overdue?"),
        (OVERDUE_HASSC, "and for the Health and Social Care Overview and Scrutiny Committee?", "Which actions for HOSC are overdue?"),
        (OVERDUE_HASSC, "and in 2024?", "Which actions for HASSC are overdue and due in 2024?"),
        (OVERDUE_HASSC, "which of those are complete?", "Which actions for HASSC are complete?"),
        (OVERDUE_HASSC, "who owns them?", "Which actions for HASSC are overdue?"),
        (OVERDUE_HASSC, "when are they due?", "Which actions for HASSC are overdue?"),
        (turn("List the actions for HOSC.", "actions"), "which of those are still open?", "Which actions for HOSC are still open?"),
        (turn("What is Somen Banerjee responsible for?", "actions"), "and which of those are for HASSC?", "Which actions for HASSC are owned by Somen Banerjee?"),
        (turn("Who is responsible for the Carers' College?", "actions"), "what about the respite service?", "Who is responsible for the respite service?"),
        (turn("Who is responsible for the Carers' College?", "actions"), "when is it due?", "Who is responsible for the Carers' College?"),
        # ellipses swap the matching part of the previous question
        (turn(PEER_REVIEW), "what about Croydon?", "What did the peer review say about direct payments in Croydon?"),
        (turn(PEER_REVIEW), "And Croydon?", "What did the peer review say about direct payments in Croydon?"),
        (turn(PEER_REVIEW), "how about carers' assessments?", "What did the peer review say about carers' assessments in Tower Hamlets?"),
        (turn(PEER_REVIEW), "and in 2023?", "What did the peer review say about direct payments in Tower Hamlets in 2023?"),
        (turn(KEY_WORKERS), "and in 2023?", "How many key workers were rehoused in 2023?"),
        (turn(KEY_WORKERS), "what about 2023?", "How many key workers were rehoused in 2023?"),
        (turn(KEY_WORKERS), "and since March 2023?", "How many key workers were rehoused since March 2023?"),
        (turn(MILL_LANE), "and Cabinet?", "What did Cabinet decide about Land at Mill Lane?"),
        (turn(MILL_LANE), "what about the Orchard Road depot?", "What did the Planning Committee decide about the Orchard Road depot?"),
        (turn("What did HOSC say about winter beds?"), "what about HASSC?", "What did HASSC say about winter beds?"),
        (turn("What did HOSC say about winter beds?"), "for Cabinet?", "What did Cabinet say about winter beds?"),
        # pronouns take the previous topic
        (turn("What is the Carers' College?"), "who owns it?", "Who owns the Carers' College?"),
        (turn(MILL_LANE), "when is that due?", "When is Land at Mill Lane due?"),
        (turn(MILL_LANE), "how much did it cost?", "How much did Land at Mill Lane cost?"),
        (turn("What did the peer review say about direct payments?"), "who agreed that?", "Who agreed direct payments?"),
    ],
)
def test_follow_ups_become_standalone_questions(registry, previous, follow_up, expected):
    assert rewrite_follow_up(follow_up, previous, registry) == expected


@pytest.mark.parametrize(
    "previous, question",
    [
        (OVERDUE_HASSC, "What is the Carers' College?"),
        (OVERDUE_HASSC, "Which actions are overdue for HOSC?"),
        (turn(MILL_LANE), "What did Cabinet decide about the budget?"),
        (turn(MILL_LANE), "And what did Cabinet decide about the budget?"),
        (turn(KEY_WORKERS), "Which actions that are overdue are owned by Tom Okafor-Reid?"),
        (turn(KEY_WORKERS), "Is that report late?"),
        (turn(KEY_WORKERS), "What is the council's IT strategy?"),
        (turn(KEY_WORKERS), "key worker housing 2023"),
        (turn(KEY_WORKERS), "Croydon?"),
        (None, "and which of those are owned by Somen Banerjee?"),
    ],
)
def test_standalone_questions_are_left_alone(registry, previous, question):
    assert rewrite_follow_up(question, previous, registry) is None


def test_a_follow_up_of_a_follow_up_builds_on_the_rewrite(registry):
    first = rewrite_follow_up("and which of those are owned by Fiona Peskett?", OVERDUE_HASSC, registry)
    second = rewrite_follow_up("what about HOSC?", Turn("and which…", first, "actions"), registry)
    assert second == "Which actions for HOSC are overdue and owned by Fiona Peskett?"


@pytest.mark.parametrize(
    "asked",
    [
        ActionQuestion(ActionFilters(committee=HASSC, overdue=True), "overdue"),
        ActionQuestion(ActionFilters(committee=HASSC, overdue=True, owner="Somen Banerjee"), "overdue"),
        ActionQuestion(ActionFilters(overdue=True, owner="Tom Okafor-Reid"), "overdue"),
        ActionQuestion(ActionFilters(committee=HOSC, overdue=True, due_from=date(2024, 1, 1), due_to=date(2024, 12, 31)), "overdue"),
        ActionQuestion(ActionFilters(committee=HOSC, status=ActionStatus.open), "status"),
        ActionQuestion(ActionFilters(committee=HOSC, status=ActionStatus.complete, owner="Amanda Harcus"), "owner"),
        ActionQuestion(ActionFilters(committee="Planning Committee", owner="Amanda Harcus"), "owner"),
        ActionQuestion(ActionFilters(due_from=date(2019, 4, 1), due_to=date(2019, 4, 30)), "due"),
        ActionQuestion(ActionFilters(committee=HASSC, due_from=date(2024, 6, 4), due_to=None), "due"),
        ActionQuestion(ActionFilters(committee=HASSC, due_from=None, due_to=date(2024, 9, 3)), "due"),
        ActionQuestion(ActionFilters(committee=HASSC, raised_from=date(2024, 6, 1), raised_to=date(2024, 6, 30)), "raised"),
        ActionQuestion(ActionFilters(committee=HASSC, raised_from=date(2024, 6, 1), raised_to=date(2024, 6, 30), overdue=True), "overdue"),
        ActionQuestion(ActionFilters(committee=HOSC), "list"),
        ActionQuestion(ActionFilters(q="the Carers' College"), "who"),
        ActionQuestion(ActionFilters(committee=HOSC, q="the winter plan"), "who"),
    ],
)
def test_written_action_questions_read_back_to_the_same_filters(registry, asked):
    text = action_question_text(asked, registry)
    parsed = parse_action_question(text, registry)
    assert parsed is not None, text
    assert parsed.filters == asked.filters, text
    if asked.kind in ("overdue", "who"):  # the kinds that change how the answer is written
        assert parsed.kind == asked.kind, text


def test_answer_pieces_join_back_to_the_answer():
    text = "A first sentence. [1] A second one [2] \nA line\nAnother [3]"
    pieces = answer_pieces(text)
    assert "".join(pieces) == text and len(pieces) == 4
    assert answer_pieces("No markers here. Two sentences.") == ["No markers here. ", "Two sentences."]


# --- through the API, over the real papers --------------------------------------------------------

AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def client(corpus_service):
    return TestClient(create_app(corpus_service))


def ask(client, question, conversation_id=None, **extra):
    body = {"question": question, "as_of": AS_OF, **extra}
    if conversation_id:
        body["conversation_id"] = conversation_id
    r = client.post("/ask", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_ask_starts_a_conversation_and_answers_a_follow_up_in_context(client):
    first = ask(client, "Which actions are overdue for HASSC?")
    cid = first["conversation_id"]
    assert cid and "standalone_question" not in first and len(first["actions"]) == 1

    follow = ask(client, "and which of those are owned by Fiona Peskett?", cid)
    assert follow["conversation_id"] == cid
    assert follow["question"] == "and which of those are owned by Fiona Peskett?"
    assert follow["standalone_question"] == "Which actions for HASSC are overdue and owned by Fiona Peskett?"
    assert follow["mode"] == "actions" and [a["owner"][:13] for a in follow["actions"]] == ["Fiona Peskett"]

    # Somen Banerjee owns HASSC actions, but none of them is overdue.
    none = ask(client, "and which of those are owned by Somen Banerjee?", cid)
    assert none["standalone_question"] == "Which actions for HASSC are overdue and owned by Somen Banerjee?"
    assert none["actions"] == [] and "No actions" in none["answer"] and "Somen Banerjee" in none["answer"]

    # The standalone question really stands alone: asked afresh, it gets the same answer.
    fresh = ask(client, follow["standalone_question"])
    assert fresh["answer"] == follow["answer"] and fresh["citations"] == follow["citations"]


def test_follow_ups_over_passages(client):
    first = ask(client, "How many key workers were rehoused in 2022?")
    assert "11" in first["answer"]
    follow = ask(client, "and in 2023?", first["conversation_id"])
    assert follow["standalone_question"] == "How many key workers were rehoused in 2023?"
    assert "2023" in follow["answer"] and "20" in follow["answer"] and follow["citations"][0]["source"].startswith("000_")

    review = ask(client, "What did the peer review say about direct payments in Tower Hamlets?")
    croydon = ask(client, "what about Croydon?", review["conversation_id"])
    assert croydon["standalone_question"] == "What did the peer review say about direct payments in Croydon?"
    assert croydon["mode"] in ("extractive", "not_found") and croydon["citations"]


def test_a_conversation_belongs_to_its_caller(client, corpus_service):
    _, member_key = corpus_service.access.create_key("member", "chat test member")
    member = TestClient(create_app(corpus_service), headers={"X-API-Key": member_key})
    started = member.post("/ask", json={"question": "Which actions are overdue for HASSC?"}).json()
    cid = started["conversation_id"]
    # The public caller (and any other key) presenting the member's id finds nothing.
    stolen = client.post("/ask", json={"question": "and which of those are owned by Fiona Peskett?", "conversation_id": cid})
    assert stolen.status_code == 404 and "conversation_id" in stolen.json()["detail"]
    streamed = client.post("/ask/stream", json={"question": "what about HOSC?", "conversation_id": cid})
    assert streamed.status_code == 404
    assert member.post("/ask", json={"question": "what about HOSC?", "conversation_id": cid}).json()["standalone_question"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"question": "x", "conversation_id": "has spaces"}, "conversation_id"),
        ({"question": "x", "conversation_id": "c" * 65}, "conversation_id"),
        ({"question": "x", "conversation_id": 12}, "conversation_id"),
        ({"question": ""}, "question"),
        ({"question": "x", "date_from": "2025-03-01", "date_to": "2025-01-01"}, "date_from"),
        ({"question": "x" * 5000}, "question"),
    ],
)
def test_bad_input_is_422_before_any_stream(client, payload, field):
    for url in ("/ask", "/ask/stream"):
        r = client.post(url, json=payload)
        assert r.status_code == 422 and field in r.json()["detail"], (url, r.text)
        assert r.headers["content-type"].startswith("application/json")


def parse_events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def stream(client, body, headers=None):
    with client.stream("POST", "/ask/stream", json=body, headers=headers or {}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        return parse_events("".join(r.iter_text()))


def test_stream_sends_meta_citations_deltas_done(client):
    question = {"question": "How many key workers were rehoused in 2022?", "as_of": AS_OF}
    events = stream(client, question)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[1] == "citations" and names[-1] == "done"
    assert set(names[2:-1]) == {"delta"}
    meta, citations, done = events[0][1], events[1][1], events[-1][1]
    assert meta == {"conversation_id": done["conversation_id"], "standalone_question": None, "mode": "extractive"}
    assert citations["citations"] == done["citations"]
    assert "".join(d["text"] for name, d in events if name == "delta") == done["answer"]

    plain = client.post("/ask", json=question).json()
    assert set(done) == set(plain) and done["answer"] == plain["answer"] and done["citations"] == plain["citations"]


def test_stream_follow_up_and_action_answers(client):
    first = stream(client, {"question": "Which actions are overdue for HASSC?", "as_of": AS_OF})
    cid = first[0][1]["conversation_id"]
    assert first[0][1]["mode"] == "actions"
    deltas = [d["text"] for name, d in first if name == "delta"]
    assert len(deltas) >= 2  # the heading line, then one line per action
    follow = stream(client, {"question": "what about HOSC?", "as_of": AS_OF, "conversation_id": cid})
    assert follow[0][1]["standalone_question"] == "Which actions for HOSC are overdue?"
    assert follow[-1][1]["conversation_id"] == cid and follow[-1][1]["mode"] == "actions"


def test_stream_is_audited_like_ask(client, corpus_service):
    _, admin_key = corpus_service.access.create_key("admin", "chat audit reader")
    stream(client, {"question": "How many key workers were rehoused in 2022?"})
    entries = client.get("/audit", params={"limit": 5}, headers={"X-API-Key": admin_key}).json()["entries"]
    mine = next(e for e in entries if e["endpoint"] == "/ask/stream")
    assert mine["query"] == "How many key workers were rehoused in 2022?" and mine["documents"] and mine["status"] == 200


def test_failure_after_the_stream_starts_is_an_error_event(tmp_path):
    from conftest import make_service

    service = make_service(tmp_path / "home", chroma_url="http://127.0.0.1:9")  # nothing listens there
    client = TestClient(create_app(service), raise_server_exceptions=False)
    events = stream(client, {"question": "What was decided about the budget?"})
    assert [name for name, _ in events] == ["error"]
    assert "unavailable" in events[0][1]["message"]


def test_me_says_who_the_key_makes_the_caller(client, corpus_service):
    assert client.get("/me").json() == {"role": "public", "name": "anonymous", "clearance": ["public"]}
    _, key = corpus_service.access.create_key("officer", "chat officer")
    me = client.get("/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me == {"role": "officer", "name": "chat officer", "clearance": ["public", "restricted", "exempt"]}
    assert client.get("/me", headers={"X-API-Key": "pk_wrong"}).status_code == 401
