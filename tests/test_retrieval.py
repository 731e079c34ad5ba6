"""Hybrid retrieval over the real corpus: labelled questions, tables, acronyms, filters, idempotency."""

from __future__ import annotations

import shutil
from datetime import date

import numpy as np
import pytest
from conftest import load_questions, make_service, seed

from bench.metrics import is_hit
from core.types import DocType, SearchFilters


def hit_rate(service, questions, k=5) -> tuple[float, list[str]]:
    """hit@k by the labelled set's matching rule (the same function `make bench` uses)."""
    misses = []
    for q in questions:
        passages = service.search(q["question"], k=k)
        if not any(is_hit(p.chunk.source, p.chunk.text, q) for p in passages):
            misses.append(q["id"])
    return 1 - len(misses) / len(questions), misses


def test_labelled_dev_questions_hit_at_5(corpus_service):
    dev = [q for q in load_questions() if q["split"] == "dev" and q["source"]]
    assert len(dev) >= 60
    rate, misses = hit_rate(corpus_service, dev)
    # Regression floor under the level measured when this was last tuned (dev 94.7%, 89 of 94;
    # int8 vectors move a question or two between runs). The product target (90% over dev and
    # held-out questions together) is measured by `make bench`.
    assert rate >= 0.90, f"hit@5 {rate:.2%}; missed {misses}"


def test_table_row_found_as_year_and_count(corpus_service):
    passages = corpus_service.search("how many key workers were rehoused in 2022?", k=3)
    rows = [p.chunk for p in passages if p.chunk.kind == "table_row"]
    assert any("Year: 2022; Number of keyworkers Rehoused: 11" in c.text for c in rows)
    top = next(c for c in rows if "Year: 2022" in c.text)
    assert top.source.startswith("000_") and top.page == 4
    assert top.text.startswith("Keyworker Lets")


def test_acronym_in_question_lifts_that_committee_without_hiding_others(corpus_service):
    passages = corpus_service.search("what did HASSC ask for about staff retention?", k=5)
    assert passages[0].chunk.committee == "Health and Adults Scrutiny Sub-Committee"
    assert "staff retention" in passages[0].chunk.text
    # Another committee's paper can be the answer about HOSC: County Council questions, not HOSC's log.
    passages = corpus_service.search("Which body speaks for GP practices at HOSC meetings?", k=5)
    assert any("Local Medical Committee" in p.chunk.text and p.chunk.source.startswith("Questions put") for p in passages)


def test_full_committee_name_loosely_written_is_preferred(corpus_service):
    from assistant.query import plan_query

    for wording in ["health and adults scrutiny", "Health & Adults Scrutiny Sub Committee"]:
        plan = plan_query(f"what did the {wording} hear about council tax income?", SearchFilters(), corpus_service.committees())
        assert plan.prefer is not None and plan.prefer.committee == "Health and Adults Scrutiny Sub-Committee"
        assert plan.filters.committee is None  # words lift that committee's passages, they do not hide others
    passages = corpus_service.search("health and adults scrutiny council tax income", k=3)
    assert passages[0].chunk.committee == "Health and Adults Scrutiny Sub-Committee"
    assert "Council tax" in passages[0].chunk.text


def test_lexical_finds_names_and_reference_numbers(corpus_service):
    passages = corpus_service.search("Fiona Peskett", k=3)
    assert any("Fiona Peskett" in p.chunk.text for p in passages)
    passages = corpus_service.search("decision 24/00093", k=5)
    assert any("24/00093" in p.chunk.text for p in passages)


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(committee="Corporate Parenting Panel"),
        SearchFilters(committee="cabinet", date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)),
        SearchFilters(doc_type=DocType.minutes),
        SearchFilters(date_from=date(2025, 3, 1)),
    ],
)
def test_filters_apply_inside_both_searches(corpus_service, filters):
    retriever = corpus_service.retriever
    retriever.ensure_fresh()
    query = "children in care placements budget"
    vector = corpus_service.embedder.embed_query(query)
    dense = corpus_service.store.query(vector, 50, filters)
    lexical = corpus_service.lexical.search(query, 50, filters)
    assert dense and lexical
    chunks = corpus_service.catalog.get_chunks([h.chunk_id for h in dense] + [h.chunk_id for h in lexical])
    for c in chunks.values():
        if filters.committee:
            assert c.committee.lower() == filters.committee.lower()
        if filters.doc_type:
            assert c.doc_type == filters.doc_type
        if filters.date_from:
            assert c.meeting_date and c.meeting_date >= filters.date_from
        if filters.date_to:
            assert c.meeting_date and c.meeting_date <= filters.date_to


def test_date_in_question_boosts_that_period(corpus_service):
    passages = corpus_service.search("budget monitoring position reported in January 2025", k=5)
    assert passages[0].chunk.meeting_date and passages[0].chunk.meeting_date.year == 2025


def test_reingest_is_idempotent_and_changes_replace(tmp_path, shared_embedder):
    papers = tmp_path / "papers"
    papers.mkdir()
    target = papers / "log.txt"
    shutil.copy(seed("000"), target)
    service = make_service(tmp_path / "home")
    service.embedder = shared_embedder
    first = service.ingest([papers])
    assert first.count("added") == 1
    chunks = service.catalog.counts()[1]
    assert len(service.store.chunk_ids()) == chunks

    again = service.ingest([papers])
    assert again.count("unchanged") == 1 and again.documents == 0
    assert service.catalog.counts() == (1, chunks) and len(service.store.chunk_ids()) == chunks

    target.write_text(target.read_text().replace("Awaiting Response", "Figures circulated to members in October"))
    changed = service.ingest([papers])
    assert changed.count("replaced") == 1
    docs, new_chunks = service.catalog.counts()
    assert docs == 1 and len(service.store.chunk_ids()) == new_chunks == len(service.catalog.chunk_ids())
    assert any("Figures circulated" in p.chunk.text for p in service.search("staff retention response", k=3))
    assert not any("Awaiting Response" in p.chunk.text for p in service.search("staff retention awaiting response", k=10))
    assert len(service.lexical) == new_chunks


def test_duplicate_content_is_reported_not_stored_twice(tmp_path, shared_embedder):
    service = make_service(tmp_path / "home")
    service.embedder = shared_embedder
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    shutil.copy(seed("002"), a)
    shutil.copy(seed("002"), b)
    report = service.ingest([a, b])
    assert [f.status for f in report.files] == ["added", "skipped"]
    assert "duplicate of already ingested 'a.txt'" in report.files[1].reason


def test_batch_carries_on_past_bad_files(tmp_path, shared_embedder):
    service = make_service(tmp_path / "home")
    service.embedder = shared_embedder
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    (tmp_path / "notes.xyz").write_text("what")
    shutil.copy(seed("002"), tmp_path / "good.txt")
    report = service.ingest([tmp_path, tmp_path / "missing.pdf"])
    by_name = {f.path.split("/")[-1]: f for f in report.files}
    assert by_name["good.txt"].status == "added"
    assert by_name["empty.pdf"].reason == "empty file (0 bytes)"
    assert by_name["broken.pdf"].status == "failed" and "PDF" in by_name["broken.pdf"].reason
    assert by_name["notes.xyz"].status == "skipped" and "unsupported file type '.xyz'" in by_name["notes.xyz"].reason
    assert by_name["missing.pdf"].reason == "no such file or folder"
    assert service.catalog.counts()[0] == 1


def test_words_written_together_or_apart_match_both_ways(corpus_service):
    """Seed 000 writes "keyworkers"; councillors ask about "key workers". Without the joined term
    the lexical top 3 for this question had one keyworker table row, with it both."""
    hits = corpus_service.lexical.search("key workers housed in 2022", 3)
    texts = [c.text for c in corpus_service.catalog.get_chunks([h.chunk_id for h in hits]).values()]
    assert any("Year: 2022; Number of keyworkers Rehoused: 11" in t for t in texts)
    assert sum(t.startswith("Keyworker") for t in texts) >= 2


def test_every_passage_keeps_its_word_pieces_for_late_interaction(corpus_service):
    from vectorstore import late_interaction

    ids = corpus_service.catalog.chunk_ids()
    stored = corpus_service.catalog.token_states(ids)
    assert set(stored) == ids
    rows = late_interaction.unpack(next(iter(stored.values())))
    assert rows.shape[1] == late_interaction.DIM and np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=0.05)


def test_late_interaction_scored_in_one_product_as_one_passage_at_a_time(corpus_service):
    """The retriever scores every candidate's stored word pieces in one product (maxsim_packed);
    each score is MaxSim against that passage alone, and a passage stored without pieces scores 0."""
    from vectorstore import late_interaction

    ids = [h.chunk_id for h in corpus_service.lexical.search("temporary accommodation placements", 60)]
    packed = corpus_service.catalog.token_states(ids)
    packed["no-pieces"] = b""
    query = corpus_service.embedder.embed_query_tokens("how many households were in temporary accommodation?")[1].rows
    together = late_interaction.maxsim_packed(query, packed)
    assert len(packed) > 40 and together.keys() == packed.keys() and together["no-pieces"] == 0.0
    for cid, data in packed.items():
        assert together[cid] == pytest.approx(late_interaction.maxsim(query, late_interaction.unpack(data)), abs=1e-6)
    assert late_interaction.maxsim_packed(query[:0], packed) == dict.fromkeys(packed, 0.0)


def test_committee_lexical_scores_reuse_the_unfiltered_ones(corpus_service):
    """A question's unfiltered lexical scores are kept for its committee's search, which gives
    what scoring afresh gives."""
    built = corpus_service.lexical._built
    query = built.query_ids("households placed in temporary accommodation")
    whole, best = built._unmasked(query)
    scatter = np.zeros(len(built.ids), dtype=np.float32)
    np.maximum.at(scatter, built.owners, built.windows.get_scores(query))
    assert best.any() and np.array_equal(best, scatter)
    assert np.array_equal(whole, built.retriever.get_scores(query))
    committee = next(c for c in set(built.table.committees.tolist()) if c)
    mask = built.mask(SearchFilters(committee=committee))
    built._raw.clear()
    weight = corpus_service.lexical.chunk_weight
    fresh = built.scores(query, mask, weight)
    assert np.array_equal(built.scores(query, mask, weight), fresh) and np.array_equal(built._unmasked(query)[1], scatter)
    assert not fresh[mask == 0].any()


def test_passages_read_only_as_far_as_the_top_k_needs(corpus_service, monkeypatch):
    """A search reads candidates from the catalog best base score first and stops once no later
    one can reach the top k whatever boosts its text earns: the same passages, scores and order as
    reading every candidate, over labelled questions with dates and expected kinds of answer."""
    retriever = corpus_service.retriever
    real = retriever._passages
    read: list[int] = []
    get_chunks = corpus_service.catalog.get_chunks
    monkeypatch.setattr(corpus_service.catalog, "get_chunks", lambda ids, *a: read.append(len(ids)) or get_chunks(ids, *a))
    compared = []

    def both(candidates, base, k, dates, intents, filters):
        read.clear()
        top = real(candidates, base, k, dates, intents, filters)
        lazily = sum(read)
        every = real(candidates, base, len(candidates), dates, intents, filters)
        assert [(p.chunk.id, p.score) for p in top] == [(p.chunk.id, p.score) for p in every[:k]]
        compared.append((lazily, len(candidates), dates is not None, bool(intents)))
        return top

    monkeypatch.setattr(retriever, "_passages", both)
    for q in load_questions():
        corpus_service.search(q["question"], k=5)
    assert len(compared) >= 150
    assert sum(1 for c in compared if c[2]) >= 10 and sum(1 for c in compared if c[3]) >= 50
    assert sum(c[0] for c in compared) < 0.5 * sum(c[1] for c in compared)


def test_late_interaction_lifts_the_first_result_on_dev_questions(corpus_service):
    """MaxSim of the question's word pieces against each passage's is part of the fused score:
    with it, the first passage is the right one more often than without it (measured: 70% against
    61% of dev questions)."""
    from core.config import RetrievalSettings

    dev = [q for q in load_questions() if q["split"] == "dev" and q["source"]]
    retriever = corpus_service.retriever
    default = retriever.settings

    def hit_at_1() -> float:
        return sum(
            is_hit(p.chunk.source, p.chunk.text, q) for q in dev for p in corpus_service.search(q["question"], k=1)
        ) / len(dev)

    with_tokens = hit_at_1()
    try:
        retriever.settings = RetrievalSettings(**{**default.model_dump(), "token_weight": 0.0, "dense_weight": 0.7, "lexical_weight": 0.3})
        without = hit_at_1()
    finally:
        retriever.settings = default
    assert with_tokens >= without + 0.03, (with_tokens, without)


def test_a_question_about_what_no_paper_mentions_is_refused_naming_it(corpus_service):
    """The papers never mention swimming pools or gritting: the answer says so, names the words
    and still lists the closest passages, instead of quoting something about leisure or roads."""
    from prompts import NOT_FOUND_SENTINEL

    answer = corpus_service.ask("When will the borough's swimming pool reopen after its refurbishment?")
    assert answer.mode == "not_found" and answer.answer.startswith(NOT_FOUND_SENTINEL), answer.answer
    assert "“swimming”" in answer.answer and answer.citations
    # Refused either way (here the passages' low relevance is enough; the words are not named).
    answer = corpus_service.ask("How many tonnes of salt are ready for gritting the roads this winter?")
    assert answer.mode == "not_found" and answer.citations


def test_a_paraphrase_the_papers_word_differently_is_still_answered(corpus_service):
    """'Whitehall' and 'replacement councils' are not the papers' words, but the passages match them
    in meaning (Government, new unitary authorities): no refusal."""
    answer = corpus_service.ask("When does the government expect the replacement unitary councils to go live?")
    assert answer.mode == "extractive", answer.answer
    assert "2028" in answer.answer


@pytest.fixture(scope="module")
def examples_service(tmp_path_factory, shared_embedder):
    """The out-of-the-box demo store: only the five example papers (what `make serve` ingests)."""
    from conftest import EXAMPLES

    service = make_service(tmp_path_factory.mktemp("examples-home"))
    service.embedder = shared_embedder
    assert service.ingest([EXAMPLES]).count("failed") == 0
    return service


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What did the Planning Committee decide about Land at Mill Lane?", "GRANTED"),
        ("Who wrote the homelessness prevention report?", "Joanna Trevelyan-Hart"),
        ("What is the total Homelessness Prevention Grant for 2025-26?", ("2,685", "2.685m")),
        ("When is the budget meeting of full council?", "26 February 2025"),
    ],
)
def test_a_small_store_answers_questions_in_words_its_papers_do_not_use(examples_service, question, expected):
    """Five papers use few words: 'what', 'decide' and 'wrote' are not among them. A question word
    the papers never use does not make an answer 'not found' when a passage is close to the
    question anyway (the demo a newcomer tries first). A question about what a meeting decided
    is answered along the decision records; the grant's total may be quoted from either of the
    report's sentences that give it (which one wins depends on the encoder backend, by CPU)."""
    answer = examples_service.ask(question)
    assert answer.mode in ("extractive", "decisions"), answer.answer
    assert any(e in answer.answer for e in ((expected,) if isinstance(expected, str) else expected)), answer.answer


def test_a_small_store_refuses_what_its_papers_never_mention(examples_service):
    answer = examples_service.ask("When will the Sunderland central library reopen after the fire?")
    assert answer.mode == "not_found" and "“Sunderland”" in answer.answer
