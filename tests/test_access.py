"""Restricted and exempt papers never reach the wrong person.

Planted papers (an exempt report, a restricted action log, a public report with an exempt appendix,
an unmarked paper that talks of exempt information) are ingested next to the real corpus. For every
endpoint and role, nothing above the caller's clearance appears: not in results, citations,
listings, counts, files or error messages, even for questions that quote the protected text.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

EXEMPT_QUOTE = "The preferred bidder for the Northgate depot is Halvorsen Logistics at 4.2 million pounds."
RESTRICTED_QUOTE = "Councillor Ambrose Telford declared a pecuniary interest in the Wexley Farm site."
APPENDIX_QUOTE = "The redundancy cost for the Orchard Lane library closure is 318,000 pounds."
PUBLIC_QUOTE = "The Libraries Review consultation with residents closes on 30 April 2025."
RESTRICTED_OWNER = "Petra Quillfeather"

PLANTED = {
    "exempt-depot-award.txt": f"""Classification: Exempt
Cabinet
Report title: Northgate depot contract award
Date of meeting: 14 January 2025

1. Purpose
This report asks Cabinet to award the Northgate depot contract. {EXEMPT_QUOTE} The evaluation
panel scored the bids on quality and price, and the award is within the approved budget.
""",
    "restricted-licensing-log.txt": f"""Classification: Restricted
Licensing Sub-Committee
Action Log, meeting of 9 December 2024

Reference\tAction\tAssigned to\tDue Date\tResponse
9 Dec 2024\tReport on enforcement visits to late-night premises in Wexley ward\t{RESTRICTED_OWNER}, Head of Licensing\t31 January 2025\tAwaiting Response

Declarations of interest
{RESTRICTED_QUOTE} He left the room for the item on the Wexley Farm site.
""",
    "public-libraries-review.txt": f"""Classification: Unrestricted
Communities Scrutiny Panel
Report title: Libraries Review consultation
Date of meeting: 3 March 2025

1. Summary
{PUBLIC_QUOTE} Drop-in sessions are being held in every library during March.

Appendix 2 - Exempt
NOT FOR PUBLICATION by virtue of paragraph 1 of Part 1 of Schedule 12A
{APPENDIX_QUOTE} The figure includes pension strain costs for three posts and is subject to consultation.
""",
    "unmarked-housing-note.txt": """Housing Board
Date of meeting: 5 February 2025
This note contains exempt information about a named tenant's arrears and the council's
legal advice on possession proceedings, which is discussed at the end of the meeting.
""",
}

ROLES = ("public", "member", "officer", "admin")
# What each role may see of the planted texts.
VISIBLE = {
    "public": {PUBLIC_QUOTE},
    "member": {PUBLIC_QUOTE, RESTRICTED_QUOTE},
    "officer": {PUBLIC_QUOTE, RESTRICTED_QUOTE, EXEMPT_QUOTE, APPENDIX_QUOTE},
    "admin": {PUBLIC_QUOTE, RESTRICTED_QUOTE, EXEMPT_QUOTE, APPENDIX_QUOTE},
}
SECRETS = {EXEMPT_QUOTE, RESTRICTED_QUOTE, APPENDIX_QUOTE}
# Distinctive words of each protected text, so a passage is caught even if shown in part.
MARKERS = {EXEMPT_QUOTE: "Halvorsen", RESTRICTED_QUOTE: "Ambrose Telford", APPENDIX_QUOTE: "318,000"}


@pytest.fixture(scope="module")
def planted(corpus_service, tmp_path_factory):
    """The planted papers ingested into the session's corpus store; removed again afterwards."""
    folder = tmp_path_factory.mktemp("planted")
    for name, text in PLANTED.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = corpus_service.ingest([folder])
    by_name = {f.path.split("/")[-1]: f for f in report.files}
    assert all(f.status == "added" for f in by_name.values()), report.summary()
    ids = {name: f.document_id for name, f in by_name.items()}
    yield {"ids": ids, "report": by_name}
    for doc_id in ids.values():
        corpus_service.delete_document(doc_id)


@pytest.fixture(scope="module")
def clients(corpus_service, planted):
    keys = {role: corpus_service.access.create_key(role, f"test {role}")[1] for role in ROLES if role != "public"}
    app = create_app(corpus_service)
    out = {"public": TestClient(app)}
    for role, key in keys.items():
        out[role] = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    return out


def _leaks(response, role: str) -> set[str]:
    """Protected texts above the role's clearance that a response shows (the caller's own
    question, echoed back, does not count)."""
    body = dict(response.json())
    body.pop("query", None)
    body.pop("question", None)
    return {q for q in SECRETS - VISIBLE[role] if MARKERS[q] in _without_echo(body)}


def _without_echo(body: dict) -> str:
    """The response as text, less the words of the question a refusal repeats ("none of the
    passages found mention “Halvorsen”": the caller's own word, said of every unknown word alike,
    see test_a_word_only_protected_papers_use_is_unknown_to_those_not_cleared)."""
    return _REFUSAL_ECHO.sub("", str(body)) if body.get("mode") == "not_found" else str(body)


_REFUSAL_ECHO = re.compile(r"none of the passages found mention [^.]*\.")


def test_detection_and_report(planted, corpus_service):
    docs = {d.source: d for d in corpus_service.documents()}
    assert docs["exempt-depot-award.txt"].classification.value == "exempt"
    assert docs["restricted-licensing-log.txt"].classification.value == "restricted"
    assert docs["public-libraries-review.txt"].classification.value == "public"
    # A paper that says of itself that it contains exempt information is marked by saying so.
    assert docs["unmarked-housing-note.txt"].classification.value == "exempt"
    assert docs["unmarked-housing-note.txt"].provenance["classification"]["evidence"].startswith("This note contains exempt information")
    assert any("exempt" in w for w in planted["report"]["public-libraries-review.txt"].warnings)
    # The exempt appendix of the public report is exempt chunk by chunk.
    doc_id = planted["ids"]["public-libraries-review.txt"]
    levels = {c.text.split()[0]: c.classification.value for c in corpus_service.catalog.iter_chunks() if c.document_id == doc_id}
    assert "exempt" in levels.values() and "public" in levels.values()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("quote", sorted(SECRETS | {PUBLIC_QUOTE}))
def test_search_and_ask_quoting_protected_text(clients, role, quote):
    client = clients[role]
    search = client.get("/search", params={"q": quote, "k": 10})
    ask = client.post("/ask", json={"question": quote})
    assert search.status_code == 200 and ask.status_code == 200
    assert not _leaks(search, role) and not _leaks(ask, role)
    if quote in VISIBLE[role]:  # what the role may see, it finds
        marker = MARKERS.get(quote, "Drop-in sessions")
        assert marker in search.json()["results"][0]["text"]


@pytest.mark.parametrize("role", ROLES)
def test_listings_details_files_counts(clients, planted, role):
    client = clients[role]
    ids = planted["ids"]
    listed = {d["id"]: d for d in client.get("/documents").json()["documents"]}
    expect = {
        "public-libraries-review.txt": True,
        "restricted-licensing-log.txt": role != "public",
        "unmarked-housing-note.txt": role in ("officer", "admin"),
        "exempt-depot-award.txt": role in ("officer", "admin"),
    }
    for name, visible in expect.items():
        assert (ids[name] in listed) == visible
        detail = client.get(f"/documents/{ids[name]}")
        if visible:
            assert detail.status_code == 200
        else:  # exactly what a document that does not exist gets
            missing = client.get("/documents/nonexistent0000")
            assert detail.status_code == missing.status_code == 404
            assert detail.json()["detail"].replace(ids[name], "X") == missing.json()["detail"].replace("nonexistent0000", "X")
    # The public report lists only its public chunks for those not cleared for its appendix, and
    # its file (which contains the appendix) is only for those cleared for all of it.
    review = ids["public-libraries-review.txt"]
    file = client.get(f"/documents/{review}/file")
    if role in ("officer", "admin"):
        assert file.status_code == 200 and APPENDIX_QUOTE in file.text
    else:
        assert file.status_code == 404 and "318,000" not in file.text
    counts = client.get("/health").json()
    assert counts["documents"] == len(listed)


def test_counts_differ_by_role(clients):
    health = {role: clients[role].get("/health").json() for role in ROLES}
    assert health["public"]["chunks"] < health["member"]["chunks"] < health["officer"]["chunks"]


@pytest.mark.parametrize("role", ROLES)
def test_action_records_and_committees(clients, role):
    client = clients[role]
    found = client.get("/actions", params={"owner": RESTRICTED_OWNER, "as_of": "2025-06-01"}).json()["actions"]
    assert bool(found) == (role != "public")
    overdue = client.post("/ask", json={"question": "Which actions are overdue for the Licensing Sub-Committee?", "as_of": "2025-06-01"})
    assert (RESTRICTED_OWNER in overdue.json()["answer"]) == (role != "public")
    names = {c["name"] for c in client.get("/committees").json()["committees"]}
    assert ("Licensing Sub-Committee" in names) == (role != "public")


@pytest.mark.parametrize("role", ["public", "member"])
def test_a_page_of_papers_counts_what_the_caller_may_see(clients, role):
    """A page of /documents is the caller's own listing, sliced: the same papers and the same
    visible chunk counts, and a total of the papers the caller may see."""
    whole = clients[role].get("/documents").json()
    page = clients[role].get("/documents", params={"limit": 9, "offset": 3}).json()
    assert page["total"] == whole["total"] == len(whole["documents"])
    assert page["documents"] == whole["documents"][3:12]


@pytest.mark.parametrize("role", ROLES)
def test_committee_counts_are_those_of_the_records_the_caller_may_see(clients, corpus_service, role):
    """/committees counts documents and action records per committee inside SQLite; the counts are
    those of the records the caller's clearance lets it read, matched to committees as named."""
    from core.committees import committee_key
    from core.types import ActionFilters

    clearance = corpus_service.access.principal(role).clearance
    docs = corpus_service.catalog.documents(clearance)
    # The records as listed: one from a paper that names no committee counts for the committee of
    # the paper it was published with (assistant.companions).
    actions = [v.action for v in corpus_service.actions(ActionFilters(clearance=clearance))[1]]
    listed = clients[role].get("/committees").json()["committees"]
    assert listed and sum(c["actions"] for c in listed) >= 7
    for c in listed:
        key = committee_key(c["name"])
        assert c["documents"] == sum(1 for d in docs if d.committee and committee_key(d.committee) == key), c
        assert c["actions"] == sum(1 for a in actions if a.committee and committee_key(a.committee) == key), c


def test_keys_roles_and_audit(clients, corpus_service):
    bad = TestClient(create_app(corpus_service), headers={"Authorization": "Bearer pk_not_a_real_key"})
    r = bad.get("/documents")
    assert r.status_code == 401 and "invalid" in r.json()["detail"]
    for role in ("public", "member", "officer"):
        assert clients[role].get("/audit").status_code in (401, 403)
        assert clients[role].post("/documents", files={"files": ("x.txt", b"hello")}).status_code in (401, 403)
        assert clients[role].delete("/documents/whatever").status_code in (401, 403)
    clients["officer"].post("/ask", json={"question": EXEMPT_QUOTE})
    entries = clients["admin"].get("/audit", params={"limit": 20}).json()["entries"]
    mine = [e for e in entries if e["key_name"] == "test officer" and e["endpoint"] == "/ask"]
    assert mine and mine[0]["query"] == EXEMPT_QUOTE and mine[0]["documents"]
    listed = clients["admin"].get("/keys").json()["keys"]
    assert {"test member", "test officer", "test admin"} <= {k["name"] for k in listed}
    assert all("key" not in k and "hash" not in k for k in listed)


def test_anonymous_access_can_be_switched_off(tmp_path):
    from conftest import make_service

    service = make_service(tmp_path / "home", access={"anonymous": False})
    client = TestClient(create_app(service))
    assert client.get("/documents").status_code == 401
    _, key = service.access.create_key("public", "kiosk")
    assert client.get("/documents", headers={"X-API-Key": key}).status_code == 200


def test_admin_reclassifies_and_the_change_is_enforced_everywhere(clients, planted):
    doc = planted["ids"]["exempt-depot-award.txt"]
    public, admin = clients["public"], clients["admin"]
    assert not _leaks(public.get("/search", params={"q": EXEMPT_QUOTE}), "public")
    r = admin.patch(f"/documents/{doc}", json={"classification": "public"})
    assert r.status_code == 200 and r.json()["classification"] == "public"
    assert "Halvorsen" in public.get("/search", params={"q": EXEMPT_QUOTE}).json()["results"][0]["text"]
    r = admin.patch(f"/documents/{doc}", json={"classification": "exempt"})
    assert r.status_code == 200
    assert not _leaks(public.get("/search", params={"q": EXEMPT_QUOTE}), "public")
    assert admin.patch(f"/documents/{doc}", json={"classification": "secret"}).status_code == 422


@pytest.mark.parametrize("role", ROLES)
def test_streamed_answers_and_follow_ups_keep_to_the_callers_clearance(clients, role):
    """/ask/stream goes through the same clearance as /ask in every event, and a follow-up never
    reaches past it: the conversation is rewritten and answered as the caller."""
    client = clients[role]
    for quote in sorted(SECRETS | {PUBLIC_QUOTE}):
        with client.stream("POST", "/ask/stream", json={"question": quote}) as r:
            assert r.status_code == 200
            body = "".join(r.iter_text()).replace(quote, "")  # the caller's own question, echoed
            body = _REFUSAL_ECHO.sub("", body)  # and its words, as a refusal repeats them
        assert not {q for q in SECRETS - VISIBLE[role] if MARKERS[q] in body}, quote
    first = client.post("/ask", json={"question": "Which actions are overdue for HASSC?", "as_of": "2025-06-01"}).json()
    follow = client.post(
        "/ask",
        json={"question": "what about the Licensing Sub-Committee?", "as_of": "2025-06-01", "conversation_id": first["conversation_id"]},
    ).json()
    assert (RESTRICTED_OWNER in follow["answer"]) == (role != "public")
    assert not _leaks_in(follow, role)


def _leaks_in(body: dict, role: str) -> set[str]:
    body = {k: v for k, v in body.items() if k not in ("question", "standalone_question")}
    return {q for q in SECRETS - VISIBLE[role] if MARKERS[q] in _without_echo(body)}


@pytest.mark.parametrize("role", ROLES)
def test_a_word_only_protected_papers_use_is_unknown_to_those_not_cleared(clients, role):
    """A question about what only an exempt paper mentions ("Halvorsen") is refused to a caller
    not cleared for it as a question about something no paper mentions: the name is said to be
    missing, in the same words. (The other words a refusal names depend on the closest passages,
    which differ with the name's embedding; that a protected paper changes nothing at all that a
    lower role sees, word for word and score for score, is test_leaks' comparison against the
    store without it.)"""
    client = clients[role]
    protected = client.post("/ask", json={"question": "How much did Halvorsen Logistics bid for the depot?"}).json()
    nowhere = client.post("/ask", json={"question": "How much did Brackenridge Logistics bid for the depot?"}).json()
    assert nowhere["mode"] == "not_found" and "“Brackenridge”" in nowhere["answer"]
    if EXEMPT_QUOTE in VISIBLE[role]:
        assert protected["mode"] == "extractive" and "Halvorsen" in protected["answer"]
    else:
        assert protected["mode"] == "not_found"
        named = re.findall(r"“([^”]+)”", protected["answer"])
        assert "Halvorsen" in named and set(named) <= set(re.findall(r"\w+", protected["question"]))
        assert _REFUSAL_ECHO.sub("", protected["answer"]) == _REFUSAL_ECHO.sub("", nowhere["answer"])
