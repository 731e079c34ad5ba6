"""What kind of answer a question expects (core.intent), and the lift it gives passages of
that kind, over the real corpus."""

from __future__ import annotations

import pytest

from core.intent import Intent, answer_kinds, intents_of, satisfies
from core.types import Chunk


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who is the author of the KCC Integrated Care Strategy delivery plan report?", {Intent.person}),
        ("Which officer leads on the review?", {Intent.person}),
        ("How quickly did the Scrutiny Committee have to consider the valid call-in?", {Intent.time}),
        ("By when does Whitehall expect the new councils to go live?", {Intent.time}),
        ("What did full council decide on the family hubs call-in?", {Intent.decision}),
        ("Who owns the action to review the constitution in the LGA action plan?", {Intent.person, Intent.action}),
        ("What did the peer review say about direct payments?", set()),
        ("How many key workers were housed in 2022?", {Intent.quantity}),
        ("What's the projected two-year bill for children's social care?", {Intent.quantity}),
        # "decision" as the subject, not as what is asked for
        ("Which statute lets councillors freeze a Cabinet decision?", set()),
    ],
)
def test_intents_of_questions(question, expected):
    assert intents_of(question) == frozenset(expected)


def _chunk(text: str, kind: str = "text") -> Chunk:
    return Chunk(id="x", document_id="d", text=text, page=1, kind=kind)


@pytest.mark.parametrize(
    "text, intent, holds",
    [
        ("Contact for further enquiries: Antonella Burgio Tel: 0207 364 4881", Intent.person, True),
        ("Joe McKay Acting Chief Accountant 03000 419601", Intent.person, True),
        ("RESOLVED that Mr P Bartlett be duly elected Vice Chair.", Intent.person, True),
        ("Harry Rayner – MEM (Chair)", Intent.person, True),
        ("The council let 1,222 homes to applicants on the housing register.", Intent.person, False),
        ("the Scrutiny Committee considered the matter within 10 working days", Intent.time, True),
        ("The meeting is scheduled to end by 4.30 pm.", Intent.time, True),
        ("Demand for social housing is more than 25,000 applicants.", Intent.time, False),
        ("RESOLVED that the minutes were a correct record.", Intent.decision, True),
        ("That the Council makes comments but does not require reconsideration.", Intent.decision, True),
        ("Officers updated the group on treasury investment activity.", Intent.decision, False),
        ("Out of the total cohort of 920 individuals", Intent.quantity, True),
        ("around 80% outside the traditional health services", Intent.quantity, True),
        ("7. In accordance with the requirements for a valid call-in", Intent.quantity, False),
        ("held on 29 October 2024 in the Council Chamber", Intent.quantity, False),
    ],
)
def test_passage_holds_the_kind_of_answer(text, intent, holds):
    assert satisfies(_chunk(text), intent) is holds


def test_action_records_answer_who_owns_an_action(corpus_service):
    """Measured: without the intent lift the action record ranked 10th, under the plan's introduction."""
    passages = corpus_service.search("Who owns the action to review the council's constitution in the LGA action plan?", k=5)
    action = [p.chunk for p in passages if p.chunk.kind == "action" and "constitution" in p.chunk.text]
    assert action and "Asmat Hussain" in action[0].text


def test_time_question_finds_the_period_stated(corpus_service):
    passages = corpus_service.search("How quickly did the Scrutiny Committee have to consider the valid call-in?", k=5)
    assert any("within 10 working days" in p.chunk.text for p in passages)


def test_decision_question_finds_the_resolution(corpus_service):
    passages = corpus_service.search("What did full council decide on the Seashells and Millmead family hubs call-in?", k=5)
    assert any("does not require reconsideration" in p.chunk.text for p in passages)


def test_answer_kinds_are_found_at_ingest_and_stored(corpus_service):
    chunks = list(corpus_service.catalog.iter_chunks())
    assert all(c.answers is not None for c in chunks)
    chair = [c for c in chunks if "Harry Rayner" in c.text and "(Chair)" in c.text]
    assert chair and all("person" in c.answers for c in chair)
    # stored kinds agree with the patterns run on the text
    assert all(c.answers == answer_kinds(c.text, c.kind) for c in chunks[:200])
