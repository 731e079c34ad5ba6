"""Recommendation and decision records, their chains, GET /decisions and the /ask questions about
what became of a matter: over the real Kent papers of decision 24/00093's chain, the hand-labelled
papers in tests/data/decisions/, and planted papers (an exempt minute on the same decision number,
minutes in parish styles, hostile text)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import CORPUS, KENT, make_service
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.decision_chains import link
from bench.decisions_eval import evaluate
from core.types import DecisionKind, DocType, Document
from ingest.decisions import extract_decisions, parse_votes
from ingest.parsed import Block, ParsedDocument

CHAIN = [
    KENT / "Printed minutes 13th-Mar-2025 10.00 County Council.pdf",
    KENT / "Scrutiny Committee - call-in Family Hubs Report to Cabinet - FINAL.pdf",
    KENT / "Scrutiny Committee - call-in Family Hubs Report to County Council - Final.pdf",
    KENT / "Appendix 1 - Executive Response.pdf",
    KENT / "Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf",
    KENT / "24-00115 - Adoption of Integrated Care Strategy delivery plan - Report.pdf",
]
SECRET = "Quillfeather Holdings"
EXEMPT_MINUTE = f"""Classification: Exempt
Kent County Council
Cabinet
Minutes of the meeting held on 20 March 2025

401. Decision 24/00093 - Family Hubs property terms
RESOLVED that the lease of the Seashells building be offered to {SECRET} for £1 a year.
"""

LOG = """Classification: Unrestricted
Anytown Parish Council
Parks Committee
Action Log, meeting of {day}

Reference\tAction\tAssigned to\tDue Date\tResponse
PK/1\tRepaint the Mill Lane bandstand before the summer fair season opens\tParks Officer\t31 March 2025\t{response}
"""


def _doc(lines: list[str], doc_type=DocType.minutes) -> tuple[ParsedDocument, Document]:
    parsed = ParsedDocument(Path("x.txt"), "x.txt", "", "text", 1, [Block(1, [line]) for line in lines])
    meta = Document(id="d", source="x.txt", path="x.txt", sha256="", committee="Anytown Parish Council",
                    meeting_date=date(2025, 5, 1), doc_type=doc_type)
    return parsed, meta


# --- the extractor --------------------------------------------------------------------------


def test_labelled_papers_are_read_to_their_floor():
    """Dev labels, held to the figures measured; and no chain link between different matters in
    either split (the held-back split is only counted, never read)."""
    results = evaluate(CORPUS)
    dev = results["dev"]
    assert dev["precision"] >= 0.93 and dev["recall"] >= 0.85, dev
    assert dev["kind"] >= 0.9 and dev["reference"] >= 0.9, dev
    assert dev["chain_found"] >= 0.75 * dev["chain_pairs"], dev
    for split, r in results.items():
        if r is not None:
            assert r["chain_wrong"] == 0, (split, r["chain_wrong"])


def test_parish_styles_each_make_one_record_with_its_minute_number():
    parsed, meta = _doc([
        "24/25.031 Minutes",
        "It was resolved that the minutes of the meeting held on 3 April 2025 be approved and signed.",
        "24/25.032 Village green bench",
        "Proposed by Cllr Smith, seconded by Cllr Jones and agreed to buy a new bench for the green (5 for, 2 against, 1 abstention).",
        "24/25.033 Hedge cutting",
        "This matter will be brought to the next meeting once three quotes are in.",
        "2025",
        "Members noted the report of the county councillor.",
    ])
    records = extract_decisions(parsed, meta)
    assert [r.reference for r in records] == ["24/25.031", "24/25.032", "24/25.033", "24/25.033"]
    assert [r.kind for r in records] == [DecisionKind.resolution, DecisionKind.resolution, DecisionKind.deferred, DecisionKind.noted]
    assert records[1].votes.for_ == 5 and records[1].votes.against == 2 and records[1].votes.abstain == 1
    assert records[1].item_title == "Village green bench"


def test_narrative_and_motions_are_not_records():
    parsed, meta = _doc([
        "12. Highways",
        "Mr Brown proposed and Mrs Green seconded the following motion:",
        "“That the Council asks the highways authority to resurface Mill Lane.”",
        "It was noted that the highways authority had previously agreed to inspect the lane.",
        "The Chairman explained that a decision had been agreed by the county in 2023.",
        "RESOLVED that the Council asks the highways authority to resurface Mill Lane.",
    ])
    records = extract_decisions(parsed, meta)
    assert len(records) == 1 and records[0].text.startswith("RESOLVED that the Council asks")


def test_a_report_recommendation_is_one_record_put_to_its_body():
    parsed, meta = _doc([
        "Recommendations:",
        "Cabinet is asked to APPROVE the new play area strategy and DELEGATE the final design to the Director.",
        "Reasons for recommendations",
        "Cabinet is asked to APPROVE the new play area strategy and DELEGATE the final design to the Director.",
        "When declaring an interest, Members are requested to specify the nature of the interest.",
    ], DocType.report)
    records = extract_decisions(parsed, meta)
    assert len(records) == 1
    assert records[0].kind == DecisionKind.recommendation and records[0].body == "Cabinet"


def test_votes_as_minutes_write_them():
    recorded = parse_votes("For (3) Mr A, Mrs B, Ms C Against (1) Mr D Abstain (0) Motion carried.")
    assert (recorded.for_, recorded.against, recorded.abstain) == (3, 1, 0)
    assert recorded.for_names == ("Mr A", "Mrs B", "Ms C") and recorded.against_names == ("Mr D",)
    assert parse_votes("The motion was carried unanimously.").unanimous
    assert parse_votes("There was a long debate.") is None


def test_huge_and_hostile_text_is_bounded():
    parsed, meta = _doc(["RESOLVED that " + "the council <script>alert(1)</script> approves " * 2000])
    records = extract_decisions(parsed, meta)
    assert len(records) == 1 and len(records[0].text) <= 1500


def test_records_of_different_councils_never_link_on_a_title():
    parsed, meta = _doc(["31. Replacement of the village hall boiler", "RESOLVED that the quote from Acme Heating be accepted."])
    a = extract_decisions(parsed, meta)
    parsed, meta = _doc(["45. Replacement of the village hall boiler", "RESOLVED that the boiler be replaced in the spring."])
    meta.id = "e"
    b = extract_decisions(parsed, meta)
    for r in a:
        r.council = "Anytown Parish Council"
    for r in b:
        r.council = "Othertown Parish Council"
    assert all(len(group) == 1 for group in link(a + b))
    for r in b:
        r.council = "Anytown Parish Council"
    assert any(len(group) == 2 for group in link(a + b))


# --- stored, listed, followed, asked --------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory, shared_embedder):
    folder = tmp_path_factory.mktemp("decisions-planted")
    (folder / "exempt-cabinet-minute.txt").write_text(EXEMPT_MINUTE, encoding="utf-8")
    (folder / "parks-log-february.txt").write_text(LOG.format(day="4 February 2025", response="Awaiting Response"), encoding="utf-8")
    (folder / "parks-log-may.txt").write_text(LOG.format(day="6 May 2025", response="Complete: repainted in April"), encoding="utf-8")
    svc = make_service(tmp_path_factory.mktemp("decisions-home"))
    svc.embedder = shared_embedder
    report = svc.ingest([*CHAIN, folder])
    assert report.count("failed") == 0, report.summary()
    return svc


@pytest.fixture(scope="module")
def clients(service):
    app = create_app(service)
    _, officer = service.access.create_key("officer", "decisions test officer")
    return {"public": TestClient(app), "officer": TestClient(app, headers={"X-API-Key": officer})}


def test_the_family_hubs_chain_runs_from_decision_to_council(clients):
    listed = clients["public"].get("/decisions", params={"reference": "24/00093"}).json()
    assert listed["total"] >= 6
    papers = {d["source"]["source"] for d in listed["decisions"]}
    assert len(papers) >= 4
    minute = next(d for d in listed["decisions"] if d["text"].startswith("RESOLVED that the County Council makes comments"))
    assert minute["meeting_date"] == "2025-03-13" and minute["body"] == "County Council"
    assert "Rich Lehmann" in minute["votes"]["against_names"]
    detail = clients["public"].get(f"/decisions/{minute['id']}").json()
    steps = detail["chain"]["steps"]
    days = [s["meeting_date"] for s in steps if s["meeting_date"]]
    assert days == sorted(days) and days[0] == "2025-01-17" and days[-1] == "2025-03-13"
    kinds = [s["decision"]["kind"] for s in steps]
    assert kinds.index("decision") < kinds.index("called_in") < len(kinds) - 1
    assert detail["chain"]["links"] == ["decision 24/00093"]
    assert all(s["decision"]["source"]["chunk_id"] for s in steps)


def test_an_exempt_record_is_never_shown_or_chained_for_the_public(clients, service):
    public = clients["public"].get("/decisions", params={"reference": "24/00093"}).json()
    officer = clients["officer"].get("/decisions", params={"reference": "24/00093"}).json()
    assert officer["total"] == public["total"] + 1
    assert SECRET not in str(public) and SECRET in str(officer)
    secret = next(d for d in officer["decisions"] if SECRET in d["text"])
    assert secret["source"]["chunk_id"]
    hidden = clients["public"].get(f"/decisions/{secret['id']}")
    missing = clients["public"].get(f"/decisions/{'0' * len(secret['id'])}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(secret["id"], "X") == missing.json()["detail"].replace("0" * len(secret["id"]), "X")
    some = public["decisions"][0]["id"]
    assert SECRET not in str(clients["public"].get(f"/decisions/{some}").json())
    assert SECRET in str(clients["officer"].get(f"/decisions/{some}").json())
    for q in ("Quillfeather", "lease Seashells"):
        assert clients["public"].get("/decisions", params={"q": q}).json()["total"] == 0
    answer = clients["public"].post("/ask", json={"question": "What happened to the Family Hubs decision 24/00093?"}).json()
    assert SECRET not in str(answer)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kind": "overruled"}, "kind"),
        ({"date_from": "2025-04-01", "date_to": "2025-01-01"}, "date_from"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"q": "x" * 1001}, "q"),
        ({"limit": 0}, "limit"),
    ],
)
def test_malformed_filters_are_refused_naming_the_field(clients, params, field):
    r = clients["public"].get("/decisions", params=params)
    assert r.status_code == 422 and field in r.text


def test_odd_references_and_ids_find_nothing_and_break_nothing(clients):
    for ref in ("'; DROP TABLE decisions; --", "%", "_", "24/0009"):
        r = clients["public"].get("/decisions", params={"reference": ref})
        assert r.status_code == 200 and r.json()["total"] == 0
    assert clients["public"].get("/decisions/../../etc").status_code == 404
    assert clients["public"].get("/decisions/" + "f" * 65).status_code == 422
    assert clients["public"].get("/decisions", params={"reference": "24/00093"}).json()["total"] >= 6


def test_questions_about_a_matter_are_answered_along_its_records(clients):
    vote = clients["public"].post("/ask", json={"question": "How did members vote on the Kent Minerals and Waste Local Plan?"}).json()
    assert vote["mode"] == "decisions" and "52 for" in vote["answer"] and "11 abstaining" in vote["answer"]
    assert vote["citations"] and vote["decisions"][0]["votes"]["for"] == 52
    agreed = clients["public"].post(
        "/ask", json={"question": "Was the recommendation on the Integrated Care Strategy delivery plan agreed?"}
    ).json()
    assert agreed["mode"] == "decisions"
    assert "Recommended to Cabinet" in agreed["answer"] and "Resolved by Cabinet" in agreed["answer"]
    happened = clients["public"].post("/ask", json={"question": "What happened to the Family Hubs decision?"}).json()
    assert happened["mode"] == "decisions"
    for fact in ("17 January 2025", "Called in", "13 March 2025"):
        assert fact in happened["answer"]
    # Each step is cited, and each citation is the passage the record is read from.
    assert len(happened["citations"]) == len(happened["decisions"])
    for c, d in zip(happened["citations"], happened["decisions"]):
        assert c["chunk_id"] == d["source"]["chunk_id"]


def test_a_matter_the_papers_do_not_hold_is_not_answered_from_records(clients):
    r = clients["public"].post("/ask", json={"question": "What happened to the plan to close Dover swimming pool?"}).json()
    assert r["mode"] != "decisions"


def test_the_same_decision_number_in_two_councils_is_two_matters():
    parsed, meta = _doc(["88. 24/00093 - Library opening hours", "RESOLVED that the opening hours be extended."])
    a = extract_decisions(parsed, meta)
    parsed, meta = _doc(["12. 24/00093 - Car park charges", "RESOLVED that the charges be frozen."])
    meta.id = "e"
    b = extract_decisions(parsed, meta)
    assert a[0].refs == b[0].refs == ("24/00093",)
    a[0].council, b[0].council = "Anytown Borough Council", "Othertown District Council"
    assert all(len(group) == 1 for group in link(a + b))
    b[0].council = None  # a paper whose council is not known: its number is taken as the same matter
    assert any(len(group) == 2 for group in link(a + b))
    parsed, meta = _doc(["7. Planning", "25/00971/LB The Rock, The Hill: replacement of damaged windows – No objection."])
    planning = extract_decisions(parsed, meta)
    assert planning[0].refs == () and planning[0].kind == DecisionKind.resolution


def test_an_action_carries_its_history_through_later_logs(clients):
    listed = clients["public"].get("/actions", params={"q": "bandstand"}).json()["actions"]
    assert len(listed) == 2
    first = min(listed, key=lambda a: a["meeting_date"])
    history = clients["public"].get(f"/actions/{first['id']}/history").json()
    steps = history["chain"]["steps"]
    assert [s["kind"] for s in steps] == ["action", "action"]
    assert steps[0]["outcome"].startswith("raised") and steps[1]["outcome"].startswith("closed: complete")
    assert [s["meeting_date"] for s in steps] == ["2025-02-04", "2025-05-06"]
    assert history["chain"]["state"] == "closed: complete"
    assert clients["public"].get(f"/actions/{'0' * 16}:a{'0' * 10}/history").status_code == 404
    assert clients["public"].get("/actions/not-an-id/history").status_code == 422
