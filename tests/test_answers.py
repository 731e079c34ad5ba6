"""The extractive answer and the not-found decision on a small real store (the real model, real
Chroma): what answers comes first, nothing but the passage's own words is quoted, and a question
wanting a figure, a name or a date the papers do not give is refused, saying what was looked for."""

from __future__ import annotations

import pytest
from conftest import make_service

from assistant.answerers.extractive import is_debris
from core.text import quotable
from core.types import AnswerMode, Chunk, SearchFilters
from prompts import NOT_FOUND_SENTINEL

MINUTES = """EASTERBY PARISH COUNCIL
Minutes of the meeting of Easterby Parish Council held on 5 March 2024 in the Village Hall

Present: Cllr Ada Brightwater (Chair), Cllr Tom Fenwick, Cllr Ruth Okafor. Clerk: Simon Pell.

1. Precept for 2024/25
The council resolved to set the precept for 2024/25 at £14,250, an increase of 3% on last year.

2. Village hall roof
Quotes for the village hall roof repair were received. The council agreed to accept the quote from Harrow Roofing of £6,480.

3. Noticeboard
The council discussed replacing the noticeboard by the pond and agreed the clerk would look into it.

Next meeting: 7 May 2024.
"""


REPORT = """From:
Priya Castellano, Head of Parks and Open Spaces
To:
Cabinet, 12 March 2024
Subject:
Allotments review

1. Summary
""" + "\n\n".join(
    f"1.{n} The allotments review looked at {topic} across the borough's fourteen sites, and officers "
    f"spoke to plot holders, waiting list applicants and the allotment societies about it in detail."
    for n, topic in enumerate(
        ["waiting lists", "water supply", "plot sizes", "rents", "security", "access paths", "composting", "parking", "sheds"], start=1
    )
)


@pytest.fixture(scope="module")
def service(tmp_path_factory, shared_embedder):
    folder = tmp_path_factory.mktemp("answers-papers")
    (folder / "Easterby PC minutes 5 March 2024.txt").write_text(MINUTES, encoding="utf-8")
    (folder / "Cabinet report - Allotments review.txt").write_text(REPORT, encoding="utf-8")
    svc = make_service(tmp_path_factory.mktemp("answers-home"))
    svc.embedder = shared_embedder
    assert svc.ingest([folder]).count("failed") == 0
    return svc


def test_the_sentence_that_answers_comes_first_without_headings_or_titles(service):
    answer = service.ask("What precept did Easterby parish council set for 2024/25?")
    assert answer.mode is AnswerMode.extractive
    first = answer.answer.split("[1]")[0]
    assert "£14,250" in first
    assert "Minutes of the meeting" not in answer.answer and "1. Precept" not in answer.answer
    quoted = first.strip().rstrip(".").split(": ")[-1]  # after the section heading, when one is given
    assert any(quoted in " ".join(c.passage.chunk.text.split()) for c in answer.citations), quoted


def test_who_wrote_a_paper_is_read_from_its_front_sheet(service):
    chunks = [c for c in service.catalog.iter_chunks() if c.source.startswith("Cabinet report")]
    assert len(chunks) > 2, "the report must be longer than its front sheet for this test"
    answer = service.ask("Who wrote the allotments review report on water supply and sheds?")
    assert answer.mode is AnswerMode.extractive
    assert answer.answer.startswith("From: Priya Castellano, Head of Parks and Open Spaces")


def test_a_figure_the_papers_do_not_give_is_refused_saying_what_was_looked_for(service):
    answer = service.ask("How much did the new noticeboard by the pond cost?")
    assert answer.mode is AnswerMode.not_found
    assert answer.answer.startswith(NOT_FOUND_SENTINEL) and "do not give a figure" in answer.answer
    assert answer.citations, "the closest passages are shown"


def test_a_figure_the_papers_give_is_answered(service):
    answer = service.ask("How much will the village hall roof repair cost?")
    assert answer.mode is AnswerMode.extractive and "£6,480" in answer.answer


def test_a_refusal_with_filters_says_where_it_looked(service):
    answer = service.ask("How much did the new noticeboard by the pond cost?", SearchFilters(committee="Easterby Parish Council"))
    assert answer.mode is AnswerMode.not_found and "looked for in the papers of Easterby Parish Council" in answer.answer


@pytest.mark.parametrize("question", ["what is it?", "£££ %%% 2024/25", "Who?" * 50, "PRECEPT PRECEPT PRECEPT"])
def test_odd_questions_get_an_answer_or_a_refusal_never_an_error(service, question):
    answer = service.ask(question)
    assert answer.mode in (AnswerMode.extractive, AnswerMode.not_found)
    assert answer.answer


@pytest.mark.parametrize(
    "text, quoted",
    [
        ("2.1 Cabinet is asked to RECOMMEND that:", "Cabinet is asked to RECOMMEND that"),
        ("- • The scheme works.", "The scheme works."),
        ("Peer Review Outcome: -", "Peer Review Outcome"),
        ("(a) To DEBATE AND DECIDE whether", "To DEBATE AND DECIDE whether"),
        ("15 applications were accepted", "15 applications were accepted"),  # a figure is not a number of a paragraph
        ("2.5 million people", "2.5 million people"),
        ("3.7 The LGA report makes 11 recommendations:", "The LGA report makes 11 recommendations"),
    ],
)
def test_quoted_text_loses_list_marks_and_paragraph_numbers_only(text, quoted):
    assert quotable(text) == quoted
    assert quoted in text  # still a run of the passage's own text


def test_debris_is_never_quoted():
    chunk = Chunk("c", "d", "x", 1, ["3. Noticeboard"], title="Minutes of the meeting of Easterby Parish Council")
    assert is_debris("MILBURN PARISH COUNCIL", chunk, "what precept?")
    assert is_debris("Minutes of the meeting of Easterby Parish Council.", chunk, "what precept?")
    assert is_debris("3. Noticeboard", chunk, "what about the noticeboard?")
    assert is_debris("Email: karen.haile@gloucester.gov.uk Tel: 396476", chunk, "what did cabinet decide?")
    assert not is_debris("Email: karen.haile@gloucester.gov.uk Tel: 396476", chunk, "who should I contact about it?")
    assert not is_debris("The council resolved to set the precept at £14,250.", chunk, "what precept?")


@pytest.mark.parametrize(
    "sentence, gives",
    [
        ("Number of keyworkers Rehoused: 11.", True),  # a row's value at its end is a figure
        ("After discussion it was resolved to apply for £4500 precept.", True),
        ("Garden Waste Skip 6.", False),  # a heading and its item number
        ("CHARGES, PAYMENTS AND CAPITAL FUNDING 21.", False),
        ("6. GOVAN FAIR FRIDAY 7 JUNE Members felt the Fair was successful.", False),  # a date, shouted
        ("Inequalities experts from across Page 2 of 5 the city.", False),
        ("", False),
        ("9" * 5000, False),
    ],
)
def test_only_a_sentence_that_states_a_figure_gives_one(sentence, gives):
    """The refusal's check for "how much / how many" questions: headings, item and page numbers
    and shouted dates are not figures; a figure in a sentence or a table row's value is."""
    import importlib

    from core.intent import Intent

    decide = importlib.import_module("assistant.retrieval.decide")
    assert decide._gives(sentence, Intent.quantity, "text") is gives
