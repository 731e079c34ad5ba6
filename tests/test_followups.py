"""Follow-up questions keep the right subject and the right place, over the real corpus (#22).

Each chain is a real conversation with the service over the session's corpus (seeds, Kent and
the shipped examples): the rewrite of each follow-up is checked, and so is where its answer comes
from (every citation of a Croydon follow-up is a Croydon paper). Planted protected papers check
that a follow-up never reveals a committee or a council the caller may not see.
"""

from __future__ import annotations

import itertools
import time
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.conversation import rewrite_follow_up
from core.errors import ConversationNotFound
from core.types import AnswerMode, Classification, SearchFilters, Turn
from prompts import NOT_FOUND_SENTINEL

AS_OF = date(2026, 11, 23)
PUBLIC = frozenset({Classification.public})
CROYDON = "London Borough of Croydon"
KENT = "Kent County Council"
NORTHMOOR = "Northmoor Borough Council"
TOWER_HAMLETS = "London Borough of Tower Hamlets"

# A restricted action log of a committee and a council no other paper names: a public caller's
# follow-ups must treat them exactly as names that exist nowhere.
HIDDEN_LOG = """Classification: Restricted
Rookhaven District Council
Rookhaven Licensing Sub-Committee (RLSC)
Action Log, meeting of 9 December 2024

Reference\tAction\tAssigned to\tDue Date\tResponse
9 Dec 2024\tReport on the late-night levy for Quenby Street premises to the Rookhaven Licensing Sub-Committee\tOrlaith Pemberton-Vance, Head of Licensing\t31 January 2025\tAwaiting Response
9 Dec 2024\tReview the taxi rank at Rookhaven station with Rookhaven District Council's highways team\tOrlaith Pemberton-Vance, Head of Licensing\t28 February 2025\tAwaiting Response
"""
HIDDEN_WORDS = ("Rookhaven", "RLSC", "Pemberton-Vance", "Quenby")


@pytest.fixture(scope="module")
def service(corpus_service, tmp_path_factory):
    """The session's corpus with the hidden log planted (removed again afterwards)."""
    folder = tmp_path_factory.mktemp("hidden")
    (folder / "rookhaven-licensing-action-log.txt").write_text(HIDDEN_LOG, encoding="utf-8")
    report = corpus_service.ingest([folder])
    assert [f.status for f in report.files] == ["added"], report.summary()
    doc_id = report.files[0].document_id
    assert corpus_service.document(doc_id).classification is Classification.restricted
    yield corpus_service
    corpus_service.delete_document(doc_id)


def clearance(service, role: str) -> frozenset[Classification]:
    return service.access.principal(role).clearance if role != "public" else PUBLIC


def chain(service, questions: list[str], role: str = "public", owner: str | None = None, **filters):
    """Ask the questions in one new conversation of a new caller (or `owner`); the answers."""
    search = SearchFilters(clearance=clearance(service, role), **filters)
    owner = owner or f"test-{role}-{next(_callers)}"
    answers, conversation_id = [], None
    for q in questions:
        answers.append(service.converse(owner, conversation_id, q, search, as_of=AS_OF))
        conversation_id = answers[-1].conversation_id
    return answers


_callers = itertools.count()


def councils_cited(service, answer, role: str = "public") -> set[str | None]:
    """The councils whose papers an answer cites (None for a paper of no known council)."""
    registry = service.committees(clearance(service, role))
    return {getattr(registry.council_of(c.passage.chunk.document_id), "name", None) for c in answer.citations}


def test_councils_are_learnt_from_the_papers_the_caller_may_see(service):
    public, member = service.committees(PUBLIC), service.committees(clearance(service, "member"))
    by_source = {d.source: d.id for d in service.documents()}
    expected = {
        "004_1724da7ab8d8de6f.txt": CROYDON,  # a Cabinet report: the committee's name says nothing
        "000_ce80b6ae5ecaf9d8.txt": TOWER_HAMLETS,
        "Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf": KENT,
        "HOSC action log - 2024-25.pdf": NORTHMOOR,
        "Cabinet report - Homelessness Prevention Grant 2025.pdf": NORTHMOOR,
    }
    assert {source: public.council_of(by_source[source]).name for source in expected} == expected
    assert {c.place for c in public.councils_of("Cabinet")} == {"Croydon", "Kent", "Northmoor"}
    # The planted log's council is a place only for those who may read it.
    assert public.council("Rookhaven") is None and member.council("Rookhaven").name == "Rookhaven District Council"


# --- the two reported chains ----------------------------------------------------------------------


def test_a_place_after_an_action_question_is_a_council_not_an_owner(service):
    first, croydon = chain(service, ["Which actions are overdue for HASSC?", "what about Croydon?"])
    assert first.mode is AnswerMode.actions and first.actions
    assert croydon.standalone_question == "Which actions in Croydon are overdue?"
    assert "owned by" not in croydon.answer and croydon.actions == []
    assert f"No actions in the papers of {CROYDON} are overdue" in croydon.answer
    # The closest passages shown are Croydon's own, never five copies of another council's row.
    assert croydon.citations and councils_cited(service, croydon) == {CROYDON}


def test_who_led_it_after_croydon_is_answered_from_croydon_papers(service):
    review, croydon, led = chain(
        service,
        ["What did the peer review say about direct payments in Tower Hamlets?", "what about Croydon?", "who led it?"],
    )
    assert councils_cited(service, review) <= {TOWER_HAMLETS, None}
    assert croydon.standalone_question == "What did the peer review say about direct payments in Croydon?"
    assert croydon.citations and councils_cited(service, croydon) == {CROYDON}
    assert led.standalone_question == "Who led the peer review of direct payments in Croydon?"
    assert led.citations and councils_cited(service, led) == {CROYDON}


# --- more chains, across councils -----------------------------------------------------------------


def test_the_subject_of_a_question_is_what_it_and_they_stand_for(service):
    found, led = chain(service, ["What did the Croydon peer challenge find?", "who led it?"])
    assert led.standalone_question == "Who led the Croydon peer challenge?"
    assert led.mode is AnswerMode.extractive and councils_cited(service, led) == {CROYDON}


@pytest.mark.parametrize(
    "place, council",
    [("Kent", KENT), ("Northmoor", NORTHMOOR), ("the Kent County Council", KENT), ("Tower Hamlets", TOWER_HAMLETS)],
)
def test_a_place_swaps_the_committee_and_only_its_actions_are_listed(service, place, council):
    _, follow = chain(service, ["Which actions are overdue for HOSC?", f"and what about {place}?"])
    registry = service.committees(PUBLIC)
    short = registry.council(council).place
    assert follow.standalone_question == f"Which actions in {short} are overdue?"
    assert follow.mode is AnswerMode.actions
    assert {registry.council_of(v.action.document_id).name for v in follow.actions} <= {council}
    assert councils_cited(service, follow) == {council}


def test_a_place_the_papers_do_not_know_gets_nothing_of_another_council(service):
    _, leeds = chain(service, ["Which actions are overdue for HASSC?", "what about Leeds?"])
    assert leeds.standalone_question == "Which actions in Leeds are overdue?"
    assert leeds.answer.startswith("No council called “Leeds” is in the papers")
    assert leeds.actions == [] and leeds.citations == []


def test_follow_ups_keep_the_council_of_the_answer_they_follow(service):
    # The first answer comes from Northmoor's papers only; "it" stays there.
    grant, agreed = chain(service, ["How much is the homelessness prevention grant allocation for 2025-26?", "who agreed it?"])
    assert councils_cited(service, grant) == {NORTHMOOR}
    assert "homelessness prevention grant" in agreed.standalone_question.lower()
    assert agreed.citations and councils_cited(service, agreed) == {NORTHMOOR}


def test_a_date_follow_up_keeps_the_place(service):
    first, later = chain(service, ["What did Kent County Council decide about the budget in February 2025?", "and in March 2025?"])
    assert later.standalone_question == "What did Kent County Council decide about the budget in March 2025?"
    assert later.citations and councils_cited(service, later) == {KENT}


def test_those_are_the_actions_just_listed(service):
    _, complete, owners = chain(
        service, ["Which actions are overdue for HOSC?", "which of those are owned by Amanda Harcus?", "who owns them?"]
    )
    assert complete.standalone_question == "Which actions for HOSC are overdue and owned by Amanda Harcus?"
    assert owners.standalone_question == complete.standalone_question
    assert all("Amanda Harcus" in (v.action.owner or "") for v in owners.actions)


def test_another_councils_committee_ends_the_place(service):
    owner = "test-ends-the-place"
    first = service.converse(owner, None, "Which actions in Croydon are overdue?", SearchFilters(clearance=PUBLIC), as_of=AS_OF)
    turn = service.begin_turn(owner, first.conversation_id, "what about HOSC?", PUBLIC)
    assert turn.standalone == "Which actions for HOSC are overdue?" and turn.council is None
    hosc = service.ask("what about HOSC?", SearchFilters(clearance=PUBLIC), as_of=AS_OF, follow_up=turn)
    assert hosc.actions and {v.action.committee for v in hosc.actions} == {"Health and Social Care Overview and Scrutiny Committee"}


def test_a_new_standalone_question_keeps_nothing_of_the_old_scope(service):
    owner = "test-standalone"
    first = service.converse(owner, None, "What did the Croydon peer challenge find?", SearchFilters(clearance=PUBLIC), as_of=AS_OF)
    turn = service.begin_turn(owner, first.conversation_id, "What did Kent's Cabinet agree about the budget monitoring report?", PUBLIC)
    assert turn.standalone is None and turn.council is None
    follow = service.begin_turn(owner, first.conversation_id, "who led it?", PUBLIC)
    assert follow.standalone == "Who led the Croydon peer challenge?" and follow.council == CROYDON


# --- many phrasings of one rule -----------------------------------------------------------------------

OVERDUE_HASSC = Turn("Which actions are overdue for HASSC?", "Which actions are overdue for HASSC?", AnswerMode.actions)


@pytest.mark.parametrize(
    "follow_up",
    [
        "what about Croydon?", "and Croydon?", "how about Croydon?", "And for Croydon?", "what about in Croydon?",
        "same for Croydon?", "what about croydon?", "And what about the London Borough of Croydon?", "and in Croydon?",
    ],
)
def test_every_phrasing_of_a_place_is_a_place(service, follow_up):
    assert rewrite_follow_up(follow_up, OVERDUE_HASSC, service.committees(PUBLIC)) == "Which actions in Croydon are overdue?"


@pytest.mark.parametrize(
    "follow_up, owner",
    [
        ("what about Fiona Peskett?", "Fiona Peskett"),
        ("and Rafiqul Hoque?", "Rafiqul Hoque"),
        ("what about the Head of Housing Options?", "Head of Housing Options"),
        ("and Cllr Bellal Uddin?", "Cllr Bellal Uddin"),
        ("how about the Director of Public Health?", "Director of Public Health"),
        ("and which of those are owned by Somen Banerjee?", "Somen Banerjee"),
    ],
)
def test_every_phrasing_of_a_person_or_post_is_an_owner(service, follow_up, owner):
    registry = service.committees(PUBLIC)
    assert rewrite_follow_up(follow_up, OVERDUE_HASSC, registry) == f"Which actions for HASSC are overdue and owned by {owner}?"


@pytest.mark.parametrize(
    "previous, follow_up, expected",
    [
        ("What did the Croydon peer challenge find?", "when was it?", "When was the Croydon peer challenge?"),
        ("What did the Croydon peer challenge find?", "and in 2023?", "What did the Croydon peer challenge find in 2023?"),
        ("What did HOSC say about winter beds?", "what about Croydon?", "What did Croydon say about winter beds?"),
        ("What did Cabinet decide about the homelessness grant?", "and Kent?", "What did Cabinet decide about the homelessness grant in Kent?"),
        ("How much is the homelessness prevention grant?", "when was that agreed?", "When was the homelessness prevention grant agreed?"),
        (
            "Which Croydon report covered the adult social care peer challenge?",
            "who wrote it?",
            "Who wrote the Croydon report that covered the adult social care peer challenge?",
        ),
        ("What did the peer review say about direct payments in Tower Hamlets?", "what about HOSC?", "What did the peer review say about direct payments for HOSC?"),
        ("Which actions are overdue for Cabinet?", "what about Croydon?", "Which actions for Cabinet in Croydon are overdue?"),
    ],
)
def test_passage_follow_ups(service, previous, follow_up, expected):
    turn = Turn(previous, previous, AnswerMode.actions if "actions" in previous else AnswerMode.extractive)
    assert rewrite_follow_up(follow_up, turn, service.committees(PUBLIC)) == expected


# --- hostile ------------------------------------------------------------------------------------------


def _without(text: str | None, names: tuple[str, str]) -> str | None:
    return text.replace(names[0], "NAME").replace(names[1], "NAME") if text else text


@pytest.mark.parametrize(
    "hidden, absent",
    [
        ("what about the Rookhaven Licensing Sub-Committee?", "what about the Zedland Licensing Sub-Committee?"),
        ("what about RLSC?", "what about ZLSC?"),
        ("and Rookhaven?", "and Zedland?"),
        ("what about Rookhaven District Council?", "what about Zedland District Council?"),
    ],
)
def test_a_follow_up_naming_what_the_caller_cannot_see_reveals_nothing(service, hidden, absent):
    pair = (hidden.split()[-1].strip("?"), absent.split()[-1].strip("?"))
    if "Sub-Committee" in hidden or "District" in hidden:
        pair = ("Rookhaven", "Zedland")
    _, seen = chain(service, ["Which actions are overdue for HASSC?", hidden])
    _, unseen = chain(service, ["Which actions are overdue for HASSC?", absent])
    # The public caller's answer is the one a name that exists nowhere gets, word for word.
    assert _without(seen.standalone_question, pair) == _without(unseen.standalone_question, pair)
    assert _without(seen.answer, pair) == _without(unseen.answer, pair)
    assert seen.mode == unseen.mode and len(seen.actions or []) == len(unseen.actions or [])
    shown = " ".join([seen.standalone_question or "", seen.answer, *(c.passage.chunk.text for c in seen.citations)])
    assert not any(w in shown for w in HIDDEN_WORDS if w not in hidden)
    assert "Pemberton-Vance" not in shown and "Quenby" not in shown
    # A member, cleared for the log, is given its actions.
    _, member = chain(service, ["Which actions are overdue for HASSC?", hidden], role="member")
    assert member.mode is AnswerMode.actions
    assert any("Pemberton-Vance" in (v.action.owner or "") for v in member.actions)


def test_a_very_long_follow_up_is_answered_quickly(service):
    limit = service.settings.api.max_question_chars
    follow_up = ("and what about Croydon and Kent and Northmoor and the Head of Housing Options " * 40)[: limit - 1] + "?"
    started = time.monotonic()
    _, answer = chain(service, ["Which actions are overdue for HASSC?", follow_up])
    assert time.monotonic() - started < 20
    assert answer.answer and answer.mode in (AnswerMode.actions, AnswerMode.extractive, AnswerMode.not_found)
    client = TestClient(create_app(service))
    too_long = client.post("/ask", json={"question": "and " + "x" * limit})
    assert too_long.status_code == 422


def test_a_follow_up_in_an_unknown_conversation_is_refused(service):
    with pytest.raises(ConversationNotFound):
        service.converse("test-unknown", "c_not_a_conversation", "what about Croydon?", SearchFilters(clearance=PUBLIC))
    theirs = chain(service, ["Which actions are overdue for HASSC?"], owner="test-somebody")[0]
    with pytest.raises(ConversationNotFound):
        service.converse("test-somebody-else", theirs.conversation_id, "what about Croydon?", SearchFilters(clearance=PUBLIC))


# --- the not-found answer names the filters -------------------------------------------------------------


def test_not_found_names_the_committee_and_dates_asked_within(service):
    filters = dict(committee="cabinet", date_from=date(2025, 1, 1), date_to=date(2025, 3, 31))
    (answer,) = chain(service, ["How much did the new swimming pool at the leisure centre cost?"], **filters)
    assert answer.mode is AnswerMode.not_found and answer.answer.startswith(NOT_FOUND_SENTINEL)
    assert "the papers of Cabinet, meetings from 1 January 2025 to 31 March 2025" in answer.answer


def test_not_found_in_a_follow_up_names_the_council_it_kept(service):
    _, pool = chain(service, ["What did the Croydon peer challenge find?", "and what about the swimming pool?"])
    assert pool.mode is AnswerMode.not_found
    assert f"looked for in the papers of {CROYDON}" in pool.answer
    assert councils_cited(service, pool) <= {CROYDON}
