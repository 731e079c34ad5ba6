"""The conversation history, ratings and regenerated answers: the stores' shared contract, then
the REST API over a real service (two example papers ingested by the real pipeline), restarts,
and what another caller, a lowered clearance, a flood or a full disk can do to it."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import EXAMPLES, make_service
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.history import SqlConversationStore
from bench.metrics import is_hit
from core.errors import ConversationNotFound
from core.types import Classification, Turn

AS_OF = "2025-03-01"
OVERDUE = "Which actions are overdue for HOSC?"
COMPLETE = "which of those are complete?"
BAND_D = "What is the proposed Band D council tax for 2025-26?"
PAPERS = [EXAMPLES / "Council agenda 26 February 2025.md", EXAMPLES / "HOSC action log - 2024-25.pdf"]
EXEMPT_PAPER = (
    "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nCabinet\n"
    "Report title: Depot land sale\nDate of meeting: 14 January 2025\n\n1. Purpose\n"
    "The sale of the Quarry Road depot to Felbridge Homes is agreed at 1.1 million pounds.\n"
)


def turn(question: str) -> Turn:
    return Turn(question, question, "extractive")


# --- the store -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request, tmp_path):
    """The store on each database (one contract, both implementations)."""
    from conftest import database_target

    target = database_target(request.param, request, tmp_path, "c")

    def make(max_conversations=1000, max_turns=20, max_per_caller=50):
        return SqlConversationStore(target, max_conversations, 86400, max_turns, max_per_caller)

    return make


def test_store_keeps_turns_per_owner_and_id(make_store):
    store = make_store(max_turns=3)
    cid = store.start("key_a/member")
    for i in range(5):
        store.add("key_a/member", cid, turn(f"q{i}"))
    assert [t.question for t in store.history("key_a/member", cid)] == ["q2", "q3", "q4"]
    store.add("key_a/member", cid, turn("q4 again"), replace_last=True)  # a regenerated answer
    assert [t.question for t in store.history("key_a/member", cid)] == ["q2", "q3", "q4 again"]
    with pytest.raises(ConversationNotFound) as other:
        store.history("anonymous:b/public", cid)  # someone else presenting the id
    with pytest.raises(ConversationNotFound) as unknown:
        store.history("key_a/member", "c_never")
    assert str(other.value).replace(cid, "X") == str(unknown.value).replace("c_never", "X")


def test_store_bounds_spare_keyed_callers_from_anonymous_floods(make_store):
    store = make_store(max_conversations=10, max_per_caller=3)
    member = store.start("key_m/member")
    store.add("key_m/member", member, turn(OVERDUE))
    for n in range(60):
        store.start(f"anonymous:browser{n}/public")
    assert [t.question for t in store.history("key_m/member", member)] == [OVERDUE]
    assert len(store) == 11
    mine = [store.start("key_m/member") for _ in range(4)]  # over its own bound: its oldest goes
    with pytest.raises(ConversationNotFound):
        store.history("key_m/member", member)
    assert store.history("key_m/member", mine[-1]) == [] and len(store) == 13


def test_store_is_safe_across_threads(make_store):
    store = make_store(max_conversations=20, max_turns=1000)
    shared = store.start("o")
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                store.add("o", shared, turn(f"{n}-{i}"))
                store.history("o", shared)
                store.start(f"owner{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store.history("o", shared)) == 100


def test_history_forgets_after_the_retention_and_numbers_turns_for_good(tmp_path):
    now = [1_000_000.0]
    store = SqlConversationStore(tmp_path / "c.sqlite3", retention_seconds=60, max_turns=2, clock=lambda: now[0])
    cid = store.start("k/member")
    assert [store.add("k/member", cid, turn(f"q{i}")) for i in range(3)] == [1, 2, 3]
    assert [r.n for r in store.get("k/member", cid).recorded] == [2, 3]  # trimmed, numbers kept
    assert store.add("k/member", cid, turn("q3 again"), replace_last=True) == 3
    assert store.list("k/member")[0].title == "q0" and store.list("k/member")[0].turns == 2
    now[0] += 61
    assert store.list("k/member") == []
    with pytest.raises(ConversationNotFound):
        store.get("k/member", cid)


# --- through the API ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory, shared_embedder):
    s = make_service(tmp_path_factory.mktemp("history-home"))
    s.embedder = shared_embedder
    report = s.ingest(PAPERS)
    assert report.count("failed") == 0, report.summary()
    return s


def sibling(service, home, **overrides):
    """Another service over its own home (history, keys) that shares the papers' components."""
    other = make_service(home, **overrides)
    for name in ("catalog", "store", "lexical", "embedder"):
        setattr(other, name, getattr(service, name))
    return other


def browser(service, key: str | None = None, **kw) -> TestClient:
    return TestClient(create_app(service), headers={"X-API-Key": key} if key else {}, **kw)


def key(service, role: str) -> str:
    return service.access.create_key(role, f"history {role}")[1]


def ask(client, question, conversation_id=None, **extra):
    body = {"question": question, "as_of": AS_OF, **extra}
    if conversation_id:
        body["conversation_id"] = conversation_id
    r = client.post("/ask", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_history_lists_reads_and_deletes_the_callers_conversations(service):
    member = browser(service, key(service, "member"))
    first = ask(member, OVERDUE)
    cid = first["conversation_id"]
    follow = ask(member, COMPLETE, cid)
    other = ask(member, BAND_D)

    listed = member.get("/conversations").json()["conversations"]
    assert [c["id"] for c in listed] == [other["conversation_id"], cid]  # the most recently used first
    assert listed[1]["title"] == OVERDUE and listed[1]["turns"] == 2 and listed[0]["turns"] == 1

    got = member.get(f"/conversations/{cid}").json()
    assert set(got) == {"id", "title", "created", "updated", "turns"} and got["id"] == cid
    one, two = got["turns"]
    assert (one["n"], one["question"], one["standalone_question"], one["mode"]) == (1, OVERDUE, None, "actions")
    assert one["answer"] == first["answer"] and one["citations"] == first["citations"]
    assert two["standalone_question"] == follow["standalone_question"] == "Which actions for HOSC are complete?"
    assert two["answer"] == follow["answer"] and two["citations"] == follow["citations"]
    assert two["answerer"] == "actions" and two["feedback"] is None and two["hidden"] is False and two["created"]

    assert member.delete(f"/conversations/{cid}").status_code == 204
    assert member.get(f"/conversations/{cid}").status_code == 404
    assert member.delete(f"/conversations/{cid}").status_code == 404
    assert [c["id"] for c in member.get("/conversations").json()["conversations"]] == [other["conversation_id"]]
    gone = member.post("/ask", json={"question": COMPLETE, "conversation_id": cid})
    assert gone.status_code == 404 and "conversation_id" in gone.json()["detail"]

    entries = service.access.audit(20)
    read = next(e for e in entries if e["endpoint"] == f"/conversations/{cid}" and e["status"] == 200)
    assert read["documents"] and read["key_name"] == "history member"


def test_history_survives_a_restart_of_the_server_and_the_browser(service, tmp_path):
    home = tmp_path / "restart-home"
    before = sibling(service, home)
    member_key = key(before, "member")
    cid = ask(browser(before, member_key), OVERDUE)["conversation_id"]
    anonymous = browser(before)
    page = anonymous.get("/")
    cookie = page.headers["set-cookie"]
    assert "Max-Age=7776000" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    anon_cid = ask(anonymous, BAND_D)["conversation_id"]
    assert anonymous.get("/").headers["set-cookie"] == cookie  # a visit renews the same session

    after = sibling(service, home)  # a new process over the same PAPERS_HOME
    member = browser(after, member_key)
    assert [c["id"] for c in member.get("/conversations").json()["conversations"]] == [cid]
    follow = ask(member, COMPLETE, cid)  # the rewriter reads the stored turn
    assert follow["standalone_question"] == "Which actions for HOSC are complete?"
    assert [t["n"] for t in member.get(f"/conversations/{cid}").json()["turns"]] == [1, 2]

    returning = browser(after, cookies={"papers_session": anonymous.cookies["papers_session"]})
    assert [c["id"] for c in returning.get("/conversations").json()["conversations"]] == [anon_cid]
    assert browser(after).get("/conversations").json() == {"conversations": []}  # a new browser has none


def test_regenerate_replaces_the_last_turn(service):
    member_key = key(service, "member")
    member = browser(service, member_key)
    cid = ask(member, OVERDUE)["conversation_id"]
    follow = ask(member, COMPLETE, cid)
    assert member.post("/feedback", json={"conversation_id": cid, "turn": 2, "rating": "down"}).status_code == 201

    again = ask(member, COMPLETE, cid, regenerate=True)
    assert again["conversation_id"] == cid and again["standalone_question"] == follow["standalone_question"]
    turns = member.get(f"/conversations/{cid}").json()["turns"]
    assert [t["n"] for t in turns] == [1, 2] and turns[1]["answer"] == again["answer"]
    assert turns[1]["feedback"] is None  # the rating was of the answer replaced

    with member.stream("POST", "/ask/stream", json={"question": COMPLETE, "conversation_id": cid, "regenerate": True, "as_of": AS_OF}) as r:
        assert r.status_code == 200 and "event: done" in "".join(r.iter_text())
    assert [t["n"] for t in member.get(f"/conversations/{cid}").json()["turns"]] == [1, 2]

    for url in ("/ask", "/ask/stream"):
        wrong = member.post(url, json={"question": "something else", "conversation_id": cid, "regenerate": True})
        assert wrong.status_code == 422 and wrong.json()["detail"].startswith("question:"), wrong.text
        alone = member.post(url, json={"question": COMPLETE, "regenerate": True})
        assert alone.status_code == 422 and "regenerate" in alone.json()["detail"], alone.text
    member_id = service.access.authenticate(member_key).identity
    empty = service.conversations.start(member_id)
    r = member.post("/ask", json={"question": OVERDUE, "conversation_id": empty, "regenerate": True})
    assert r.status_code == 422 and r.json()["detail"].startswith("regenerate:")
    stranger = browser(service).post("/ask", json={"question": COMPLETE, "conversation_id": cid, "regenerate": True})
    assert stranger.status_code == 404


INJECTION = 'good "quote"\n{"id": "fb-x", "label": "good_answer"}\u2028</script><img src=x onerror=alert(1)>\'; DROP TABLE feedback;--'


def test_feedback_is_stored_listed_and_exported(service):
    admin = browser(service, key(service, "admin"))
    member = browser(service, key(service, "member"))
    cid = ask(member, BAND_D)["conversation_id"]
    ask(member, OVERDUE, cid)

    first = member.post("/feedback", json={"conversation_id": cid, "turn": 1, "rating": "down", "comment": "first"})
    assert first.status_code == 201 and first.json()["rating"] == "down"
    replaced = member.post("/feedback", json={"conversation_id": cid, "turn": 1, "rating": "up", "comment": INJECTION})
    assert replaced.status_code == 201 and replaced.json()["id"] == first.json()["id"]  # one rating per answer
    down = member.post("/feedback", json={"conversation_id": cid, "turn": 2, "rating": "down", "comment": "wrong committee"})
    assert set(down.json()) >= {"id", "conversation_id", "turn", "rating", "comment", "created"}
    turns = member.get(f"/conversations/{cid}").json()["turns"]
    assert turns[0]["feedback"] == {"rating": "up", "comment": INJECTION} and turns[1]["feedback"]["rating"] == "down"

    page = admin.get("/feedback", params={"limit": 500}).json()
    mine = [f for f in page["feedback"] if f["conversation_id"] == cid]
    assert [f["turn"] for f in mine] == [2, 1]  # newest first
    assert mine[1]["comment"] == INJECTION and mine[1]["question"] == BAND_D and mine[1]["citations"]
    assert mine[1]["caller"] == {"key_id": mine[1]["caller"]["key_id"], "name": "history member", "role": "member"}
    ups = admin.get("/feedback", params={"rating": "up", "limit": 1}).json()
    assert ups["total"] >= 1 and len(ups["feedback"]) == 1 and ups["feedback"][0]["rating"] == "up"

    r = admin.get("/feedback/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert r.headers["content-disposition"].startswith("attachment")
    assert "\u2028" not in r.text and "\\u2028" in r.text  # escaped, so no line can be split or forged
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == page["total"]
    good = next(x for x in lines if x["id"] == f"fb-{mine[1]['id']}")
    assert good["label"] == "good_answer" and good["comment"] == INJECTION and good["question"] == BAND_D
    assert good["source"] == "Council agenda 26 February 2025.md" and good["evidence"] and good["answer"] == turns[0]["answer"]
    assert good["expected"][0]["document_id"] == turns[0]["citations"][0]["document_id"]
    cited = turns[0]["citations"]
    assert any(is_hit(c["source"], c["text"], good) for c in cited)  # `make eval` scores it as it stands
    bad = next(x for x in lines if x["id"] == f"fb-{mine[0]['id']}")
    assert bad["label"] == "bad_answer" and bad["comment"] == "wrong committee" and bad["source"] is None
    assert bad["bad_answer"] == turns[1]["answer"] and bad["cited"]
    assert all(x["label"] == "good_answer" for x in (json.loads(x) for x in admin.get("/feedback/export?rating=up").text.splitlines()))


def test_ratings_and_their_export_are_for_admins_only(service):
    member = browser(service, key(service, "member"))
    for client in (member, browser(service)):
        for url in ("/feedback", "/feedback/export"):
            assert client.get(url).status_code == 403, url


def test_another_caller_can_neither_list_read_delete_nor_rate(service):
    alice = browser(service, key(service, "member"))
    cid = ask(alice, OVERDUE)["conversation_id"]
    anon_a = browser(service)
    anon_cid = ask(anon_a, BAND_D)["conversation_id"]
    strangers = [browser(service, key(service, "member")), browser(service, key(service, "officer")), browser(service)]
    for victim, owner in ((cid, alice), (anon_cid, anon_a)):
        for stranger in strangers:
            assert stranger.get("/conversations").json()["conversations"] == []  # nothing of anyone else's, not even a count
            theirs, unknown = stranger.get(f"/conversations/{victim}"), stranger.get("/conversations/c_doesnotexist")
            assert theirs.status_code == unknown.status_code == 404
            assert theirs.json()["detail"].replace(victim, "X") == unknown.json()["detail"].replace("c_doesnotexist", "X")
            deleted, deleted_unknown = stranger.delete(f"/conversations/{victim}"), stranger.delete("/conversations/c_doesnotexist")
            assert deleted.status_code == 404
            assert deleted.json()["detail"].replace(victim, "X") == deleted_unknown.json()["detail"].replace("c_doesnotexist", "X")
            rated = stranger.post("/feedback", json={"conversation_id": victim, "turn": 1, "rating": "down"})
            rated_unknown = stranger.post("/feedback", json={"conversation_id": "c_doesnotexist", "turn": 1, "rating": "down"})
            assert rated.status_code == 404
            assert rated.json()["detail"].replace(victim, "X") == rated_unknown.json()["detail"].replace("c_doesnotexist", "X")
        mine = owner.get(f"/conversations/{victim}").json()["turns"]
        assert len(mine) == 1 and mine[0]["feedback"] is None
    missing_turn = alice.post("/feedback", json={"conversation_id": cid, "turn": 9, "rating": "up"})
    assert missing_turn.status_code == 404


def test_turns_are_hidden_once_the_caller_may_not_see_what_they_cited(service, tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "Cabinet depot land sale.txt").write_text(EXEMPT_PAPER, encoding="utf-8")
    home = tmp_path / "hidden-home"
    s = make_service(home)
    s.embedder = service.embedder
    assert s.ingest([papers, PAPERS[0]]).count("failed") == 0
    officer_key, member_key = key(s, "officer"), key(s, "member")
    officer = browser(s, officer_key)
    depot = ask(officer, "Who is buying the Quarry Road depot?")
    assert "Felbridge" in depot["answer"]
    member = browser(s, member_key)
    band = ask(member, BAND_D)
    agenda = band["citations"][0]["document_id"]

    s.reclassify(agenda, Classification.restricted)  # an admin's decision after the answer was given
    assert browser(s, member_key).get(f"/conversations/{band['conversation_id']}").json()["turns"][0]["hidden"] is False
    s.reclassify(agenda, Classification.exempt)
    seen = browser(s, member_key).get(f"/conversations/{band['conversation_id']}")
    (t,) = seen.json()["turns"]
    assert t["hidden"] is True and t["question"] == BAND_D
    assert (t["answer"], t["citations"], t["standalone_question"], t["mode"]) == (None, [], None, None)
    assert "248.31" not in seen.text

    # The officers' clearance is lowered in settings, and the server restarted.
    lowered = {"clearance": {"public": ["public"], "member": ["public", "restricted"], "officer": ["public"], "admin": ["public", "restricted", "exempt"]}}
    s2 = make_service(home, access=lowered)
    s2.embedder = service.embedder
    officer = browser(s2, officer_key)
    listed = officer.get("/conversations").json()["conversations"]
    assert [c["id"] for c in listed] == [depot["conversation_id"]] and listed[0]["title"] == "Who is buying the Quarry Road depot?"
    r = officer.get(f"/conversations/{depot['conversation_id']}")
    assert r.json()["turns"][0]["hidden"] is True and "Felbridge" not in r.text and "1.1 million" not in r.text
    rated = officer.post("/feedback", json={"conversation_id": depot["conversation_id"], "turn": 1, "rating": "up"})
    assert rated.status_code == 404 and "Felbridge" not in rated.text
    follow = ask(officer, "and who is selling it?", depot["conversation_id"])
    assert "standalone_question" not in follow  # the rewrite never leans on a hidden turn

    # A paper deleted (published by mistake, say) leaves no trace in anyone's history.
    admin = browser(s2, key(s2, "admin"))
    mine = ask(admin, "Who is buying the Quarry Road depot?")
    assert "Felbridge" in mine["answer"]
    s2.delete_document(mine["citations"][0]["document_id"])
    r = admin.get(f"/conversations/{mine['conversation_id']}")
    assert r.json()["turns"][0]["hidden"] is True and "Felbridge" not in r.text


@pytest.mark.parametrize(
    "method, url, body, field",
    [
        ("get", "/conversations/has%20space", None, "conversation_id"),
        ("get", "/conversations/" + "c" * 65, None, "conversation_id"),
        ("delete", "/conversations/%00", None, "conversation_id"),
        ("delete", "/conversations/c;DROP%20TABLE%20turns", None, "conversation_id"),
        ("post", "/feedback", {"conversation_id": 12, "turn": 1, "rating": "up"}, "conversation_id"),
        ("post", "/feedback", {"conversation_id": "../../etc", "turn": 1, "rating": "up"}, "conversation_id"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": 0, "rating": "up"}, "turn"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": "first", "rating": "up"}, "turn"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": 10**30, "rating": "up"}, "turn"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": 1, "rating": "meh"}, "rating"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": 1, "rating": "up", "comment": "x" * 2001}, "comment"),
        ("post", "/feedback", {"conversation_id": "c_x", "turn": 1, "rating": "up", "comment": ["a"]}, "comment"),
        ("post", "/ask", {"question": "x", "regenerate": "maybe", "conversation_id": "c_x"}, "regenerate"),
    ],
)
def test_malformed_input_is_refused_naming_the_field(service, method, url, body, field):
    client = browser(service)
    r = getattr(client, method)(url, **({"json": body} if body is not None else {}))
    assert r.status_code == 422 and field in r.json()["detail"], r.text


def test_odd_paths_are_404_not_errors(service):
    client = browser(service, raise_server_exceptions=False)
    for url in ("/conversations/..%2F..%2Fetc", "/conversations/a/b", "/conversations/c_x/turns"):
        assert client.get(url).status_code in (404, 405, 422), url
    assert client.get("/feedback/export/x").status_code in (404, 405)


def test_an_anonymous_flood_does_not_evict_keyed_history(service, tmp_path):
    s = sibling(service, tmp_path / "flood-home", conversation={"max_conversations": 5, "max_per_caller": 3})
    member = browser(s, key(s, "member"))
    cid = ask(member, OVERDUE)["conversation_id"]
    floods = [browser(s) for _ in range(25)]
    ids = [ask(b, f"What happens on day {n} of the budget?")["conversation_id"] for n, b in enumerate(floods)]
    assert [c["id"] for c in member.get("/conversations").json()["conversations"]] == [cid]
    assert member.get(f"/conversations/{cid}").json()["turns"][0]["question"] == OVERDUE
    assert floods[0].get(f"/conversations/{ids[0]}").status_code == 404  # the oldest anonymous went
    assert [c["id"] for c in floods[-1].get("/conversations").json()["conversations"]] == [ids[-1]]
    assert len(s.conversations) == 6


def test_a_full_disk_still_answers_refuses_ratings_and_loses_nothing(service, tmp_path):
    home = tmp_path / "full-home"
    roomy = sibling(service, home)
    member_key = key(roomy, "member")
    member = browser(roomy, member_key)
    cid = ask(member, OVERDUE)["conversation_id"]
    ask(member, COMPLETE, cid)
    member.post("/feedback", json={"conversation_id": cid, "turn": 1, "rating": "up", "comment": "kept"})
    saved = member.get(f"/conversations/{cid}").json()

    # The history's database may not grow any more (SQLite's max_page_count): the next write fails
    # exactly as on a full disk, with "database or disk is full".
    full = browser(sibling(service, home, conversation={"max_mb": 0.001}), member_key)
    # An answer is a read: it is still given, and says it could not be kept.
    for r in (
        full.post("/ask", json={"question": "and which are still open?", "conversation_id": cid, "as_of": AS_OF}),
        full.post("/ask", json={"question": "List the actions for HOSC with a long question " + "x" * 900, "as_of": AS_OF}),
    ):
        assert r.status_code == 200, r.text
        assert r.json()["answer"] and "could not be saved" in r.json()["note"] and "conversation_id" not in r.json()
    # A rating is only a write: refused, saying why.
    r = full.post("/feedback", json={"conversation_id": cid, "turn": 2, "rating": "down", "comment": "y" * 2000})
    assert r.status_code == 507, r.text
    assert "full" in r.json()["detail"] and "nothing saved before was lost" in r.json()["detail"]
    with full.stream("POST", "/ask/stream", json={"question": "and which are still open?", "conversation_id": cid}) as r:
        text = "".join(r.iter_text())
    assert "event: done" in text and "could not be saved" in text and "event: error" not in text
    assert full.get(f"/conversations/{cid}").json() == saved

    again = browser(sibling(service, home), member_key)
    assert again.get(f"/conversations/{cid}").json() == saved
    assert [c["id"] for c in again.get("/conversations").json()["conversations"]] == [cid]
    assert ask(again, "and which are still open?", cid)["conversation_id"] == cid  # room again: it goes on
