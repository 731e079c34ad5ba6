"""Side channels: a caller sees exactly what it would see in a store holding only the papers it may
read, rankings and scores included.

The lexical index keeps word statistics (document frequencies, average lengths, the vocabulary
itself). Shared across classifications, they let a public caller tell that a word exists only in
protected papers ("Fairweather", an owner named only in a restricted log, was refused by name while
"Fairwinter" was answered) and moved public scores when protected papers were added. Here the real
corpus is searched and asked by each role before and after protected papers are planted, and
everything the role sees must be identical, bit for bit.
"""

from __future__ import annotations

import pytest
from conftest import load_questions

from core.types import Classification, SearchFilters

RESTRICTED_LOG = """Classification: Restricted
Licensing Sub-Committee
Action Log, meeting of 9 December 2024

Reference\tAction\tAssigned to\tDue Date\tResponse
LSC/1\tReport on enforcement visits to late-night premises in Wexley ward\tGideon Fairweather, Head of Licensing\t31 January 2025\tAwaiting Response
LSC/2\tReview the taxi licensing fees for hackney carriages and private hire\tGideon Fairweather, Head of Licensing\t28 February 2025\tAwaiting Response

Declarations of interest
Councillor Ambrose Telford declared a pecuniary interest in the Wexley Farm site and left the room.
"""

EXEMPT_REPORT = """Classification: Exempt
Cabinet
Report title: Brackenridge quarry acquisition
Date of meeting: 14 January 2025

NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A

1. Purpose
This report asks Cabinet to approve the purchase of the Brackenridge quarry from Thornbury
Aggregates for 2.7 million pounds. The housing allocations and the key worker scheme would gain
forty homes on the restored land, and the depot would move there in 2027.

2. Recommendations
Cabinet is asked to agree the purchase and to delegate the completion to the Corporate Director
of Finance, Zephaniah Okonkwo-Hart.
"""

# Questions about the planted texts, a control word no paper uses, and ordinary questions whose
# words the planted papers share (so their statistics would move if they leaked).
PROBES = [
    "What is Gideon Fairweather responsible for?",
    "What is Gideon Fairwinter responsible for?",
    "Fairweather",
    "Fairwinter",
    "Which actions are overdue for the Licensing Sub-Committee?",
    "who owns the enforcement visits to late-night premises?",
    "taxi licensing fees hackney carriages",
    "Who declared a pecuniary interest in the Wexley Farm site?",
    "How much will the Brackenridge quarry cost?",
    "Thornbury Aggregates",
    "What did Cabinet decide about the quarry purchase?",
    "Zephaniah Okonkwo-Hart",
    "How many homes for key workers?",
    "key worker housing allocations",
    "depot",
    "What did Cabinet agree on 30 January 2025?",
    "Which actions are overdue?",
    "declarations of interest",
]


def _questions() -> list[str]:
    labelled = [q["question"] for q in load_questions()]
    return PROBES + labelled[::2]


def _seen(service, clearance: frozenset[Classification], questions: list[str]) -> list[tuple]:
    """Everything a caller with this clearance is shown for each question: the ranked passages
    with their exact scores, and the answer with its mode and citations."""
    seen = []
    for question in questions:
        filters = SearchFilters(clearance=clearance)
        ranked = [(p.chunk.id, p.score) for p in service.search(question, filters, 10)]
        answer = service.ask(question, filters)
        cited = [(c.passage.chunk.id, c.passage.score) for c in answer.citations]
        seen.append((question, ranked, answer.mode, answer.answer, cited))
    return seen


def _differences(before: list[tuple], after: list[tuple]) -> list[str]:
    return [f"{a[0]!r}: {a[1:]} != {b[1:]}" for a, b in zip(before, after) if a != b]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = {}
    for name, text in (("restricted", RESTRICTED_LOG), ("exempt", EXEMPT_REPORT)):
        folder = tmp_path_factory.mktemp(f"leak-{name}")
        (folder / f"planted-{name}.txt").write_text(text, encoding="utf-8")
        out[name] = folder
    return out


def test_protected_papers_change_nothing_a_lower_role_sees(corpus_service, folders):
    service = corpus_service
    public = service.access.clearance["public"]
    member = service.access.clearance["member"]
    questions = _questions()
    planted: list[str] = []
    try:
        public_before = _seen(service, public, questions)

        report = service.ingest([folders["restricted"]])
        planted += [f.document_id for f in report.files if f.document_id]
        assert report.documents == 1, report.summary()
        assert service.document(planted[0]).classification is Classification.restricted
        public_restricted = _seen(service, public, questions)
        member_restricted = _seen(service, member, questions)

        report = service.ingest([folders["exempt"]])
        planted += [f.document_id for f in report.files if f.document_id]
        assert report.documents == 1, report.summary()
        assert service.document(planted[1]).classification is Classification.exempt
        public_both = _seen(service, public, questions)
        member_both = _seen(service, member, questions)
        officer_both = _seen(service, service.access.clearance["officer"], PROBES)
    finally:
        for document_id in planted:
            service.delete_document(document_id)

    assert not _differences(public_before, public_restricted)
    assert not _differences(public_before, public_both)
    assert not _differences(member_restricted, member_both)
    # The planted papers are really there for the roles cleared for them (the test would pass
    # vacuously if they were never indexed).
    by_question = {q: rest for q, *rest in officer_both}
    assert "Fairweather" in by_question["What is Gideon Fairweather responsible for?"][2]
    assert by_question["Thornbury Aggregates"][0], "the exempt report is searchable for an officer"
    assert "Thornbury" in by_question["Thornbury Aggregates"][2]
    member_answers = {q: rest for q, *rest in member_both}
    assert "Fairweather" in member_answers["What is Gideon Fairweather responsible for?"][2]
    # ...and a word known only to a protected paper is treated as one no paper uses.
    public_answers = {q: rest for q, *rest in public_both}
    assert public_answers["Fairweather"][1] == public_answers["Fairwinter"][1]


def test_views_follow_the_classifications_present(corpus_service, folders):
    """With only public papers every role reads one view; a protected paper gives the lower
    roles their own views, and deleting it folds them back."""
    service = corpus_service
    service.retriever.ensure_fresh()
    assert service.lexical.view_names() == ["all"]
    report = service.ingest([folders["exempt"]])
    try:
        assert service.lexical.view_names() == ["all", "v-public"]
        public_view = service.lexical._view(SearchFilters(clearance=service.access.clearance["public"]))
        assert public_view is not None and len(public_view.ids) == len(service.lexical) - report.chunks
        assert "brackenridg" not in public_view.tokenizer.stem_to_sid  # the stemmed word is unknown to it
        assert "brackenridg" in service.lexical._built.tokenizer.stem_to_sid
    finally:
        service.delete_document(report.files[0].document_id)
    assert service.lexical.view_names() == ["all"]
