"""Contract tests: one class per interface (vectorstore.interfaces, ingest.loaders.base,
assistant.answerers.base), run against every implementation. A new implementation (a dense index
in PostgreSQL, a language-model answerer) is added to its class's parameters and must pass as is.

All real: Chroma embedded and a Chroma server on loopback, SQLite, BM25, the real model."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from core.types import Answer, AnswerMode, Chunk, Classification, DocType, Document, Passage, SearchFilters
from vectorstore.interfaces import Catalog, DenseIndex, LexicalIndex

PUBLIC = frozenset({Classification.public})
EVERYONE = frozenset(Classification)

# Three papers' worth of chunks: two public (one of them a committee's), one exempt.
TEXTS = {
    "c-lib": ("Library opening hours will be extended on Saturdays at Easterby library.", Classification.public, "Cabinet"),
    "c-bin": ("Bin collections move to fortnightly from April; recycling stays weekly.", Classification.public, None),
    "c-sale": ("Exempt: the sale price of the depot site is two million pounds, ref ZQX42.", Classification.exempt, "Cabinet"),
}


def _chunks() -> list[Chunk]:
    return [
        Chunk(
            cid, f"d-{cid}", text, 1, ["Item"], "text", f"{cid}.txt", f"Paper {cid}", committee,
            date(2024, 3, 5), DocType.report, level,
        )
        for cid, (text, level, committee) in TEXTS.items()
    ]


def _unit(seed: int, dim: int = 384) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


# --- DenseIndex --------------------------------------------------------------------------------


@pytest.fixture(params=["embedded", "server"])
def dense(request, tmp_path) -> DenseIndex:
    from vectorstore.chroma import ChromaStore

    if request.param == "embedded":
        return ChromaStore("contract", tmp_path / "chroma")
    return ChromaStore(f"contract-{tmp_path.name[-12:]}", url=request.getfixturevalue("chroma_server"))


class TestDenseIndex:
    """Windows in, nearest chunks out, inside the caller's clearance."""

    def _fill(self, dense) -> dict[str, list[np.ndarray]]:
        chunks = _chunks()
        windows = {"c-lib": [_unit(1), _unit(2)], "c-bin": [_unit(3)], "c-sale": [_unit(4), _unit(5), _unit(6)]}
        dense.upsert(chunks, [len(windows[c.id]) for c in chunks], np.vstack([v for c in chunks for v in windows[c.id]]))
        return windows

    def test_is_a_dense_index(self, dense):
        assert isinstance(dense, DenseIndex)

    def test_holds_every_window(self, dense):
        self._fill(dense)
        assert dense.chunk_ids() == set(TEXTS)
        assert dense.count() == 6
        assert dense.ping()

    def test_nearest_chunk_is_the_one_whose_window_matches(self, dense):
        windows = self._fill(dense)
        hits = dense.query(windows["c-lib"][1], 2, SearchFilters(clearance=EVERYONE))
        assert hits[0].chunk_id == "c-lib"
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
        assert len(hits) == 2

    def test_clearance_is_applied_inside_the_search(self, dense):
        windows = self._fill(dense)
        hits = dense.query(windows["c-sale"][0], 3, SearchFilters(clearance=PUBLIC))
        assert "c-sale" not in {h.chunk_id for h in hits}
        assert dense.similarities(windows["c-sale"][0], ["c-sale", "c-lib"], SearchFilters(clearance=PUBLIC)).keys() <= {"c-lib"}

    def test_window_similarities_are_in_window_order(self, dense):
        windows = self._fill(dense)
        sims = dense.window_similarities(windows["c-sale"][2], ["c-sale"], SearchFilters(clearance=EVERYONE))["c-sale"]
        assert len(sims) == 3 and sims[2] == pytest.approx(1.0, abs=1e-4) and max(sims[:2]) < 0.5
        best = dense.similarities(windows["c-lib"][0], ["c-lib", "c-bin"], SearchFilters(clearance=EVERYONE))
        assert best["c-lib"] == pytest.approx(1.0, abs=1e-4) and best["c-bin"] < 0.5

    def test_reclassifying_moves_a_chunk_across_clearances(self, dense):
        windows = self._fill(dense)
        dense.set_classification({"c-sale": Classification.public.value})
        hits = dense.query(windows["c-sale"][0], 1, SearchFilters(clearance=PUBLIC))
        assert hits[0].chunk_id == "c-sale"
        assert dense.count() == 6

    def test_delete_removes_every_window_and_ignores_unknown_ids(self, dense):
        windows = self._fill(dense)
        dense.delete(["c-sale", "no-such-chunk"])
        assert dense.chunk_ids() == {"c-lib", "c-bin"} and dense.count() == 3
        assert "c-sale" not in {h.chunk_id for h in dense.query(windows["c-sale"][0], 3, SearchFilters(clearance=EVERYONE))}

    def test_refuses_vectors_that_do_not_match_the_windows(self, dense):
        with pytest.raises(ValueError, match="vectors"):
            dense.upsert(_chunks(), [1, 1, 1], np.vstack([_unit(1), _unit(2)]))

    def test_one_question_block_gives_the_same_answers(self, dense):
        windows = self._fill(dense)
        outside = dense.query(windows["c-bin"][0], 2, SearchFilters(clearance=EVERYONE))
        with dense.one_question():
            inside = dense.query(windows["c-bin"][0], 2, SearchFilters(clearance=EVERYONE))
        assert [(h.chunk_id, round(h.similarity, 5)) for h in inside] == [(h.chunk_id, round(h.similarity, 5)) for h in outside]


# --- Catalog -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path) -> Catalog:
    from conftest import database_target

    from vectorstore.catalog import SqlCatalog

    return SqlCatalog(database_target(request.param, request, tmp_path, "catalog"))


def _store_all(catalog) -> None:
    for chunk in _chunks():
        doc = Document(chunk.document_id, chunk.source, f"/papers/{chunk.source}", "sha-" + chunk.id, chunk.title,
                       chunk.committee, None, chunk.meeting_date, chunk.doc_type, chunk.classification, 1, 1)
        catalog.replace_document(doc, [chunk], "fp-" + chunk.id)


class TestCatalog:
    def test_is_a_catalog(self, catalog):
        assert isinstance(catalog, Catalog)

    def test_every_change_bumps_the_generation(self, catalog):
        start = catalog.generation()
        _store_all(catalog)
        stored = catalog.generation()
        assert stored > start
        catalog.delete_document("d-c-bin")
        assert catalog.generation() > stored
        generation, chunks = catalog.snapshot()
        assert generation == catalog.generation() and {c.id for c in chunks} == {"c-lib", "c-sale"}

    def test_a_stream_of_the_snapshot_is_the_snapshot(self, catalog, monkeypatch):
        import core.database

        monkeypatch.setattr(core.database, "STREAM_BATCH", 2)  # PostgreSQL's cursor fetches in several batches
        _store_all(catalog)
        generation, chunks = catalog.snapshot()
        with catalog.snapshot_stream() as (streamed_generation, present, stream):
            change = threading.Thread(target=catalog.delete_document, args=("d-c-bin",))  # another connection
            change.start()
            change.join()  # a change committed while the stream is read is not in it
            assert list(stream) == chunks and streamed_generation == generation
        assert present == {"public", "exempt"}
        with catalog.snapshot_stream() as (later, present, stream):
            assert later > generation and {c.id for c in stream} == {"c-lib", "c-sale"}
        for _ in range(3):  # a stream left after one chunk is closed with its block; the next is whole
            with catalog.snapshot_stream() as (_, _, stream):
                next(stream)
        with catalog.snapshot_stream() as (_, _, stream):
            assert len(list(stream)) == 2
        assert catalog.generation() == later  # and the connection is usable after it

    def test_clearance_hides_documents_chunks_and_counts(self, catalog):
        _store_all(catalog)
        assert catalog.get_document("d-c-sale", PUBLIC) is None
        assert catalog.get_document("d-c-sale", EVERYONE).classification is Classification.exempt
        assert set(catalog.get_chunks(["c-sale", "c-lib"], PUBLIC)) == {"c-lib"}
        assert catalog.counts(PUBLIC) == (2, 2) and catalog.counts(EVERYONE) == (3, 3)
        assert {d.id for d in catalog.documents(PUBLIC)} == {"d-c-lib", "d-c-bin"}
        assert catalog.committee_counts(PUBLIC)[0] == {"Cabinet": 1}

    def test_replace_is_idempotent_and_keeps_the_fingerprint(self, catalog):
        _store_all(catalog)
        _store_all(catalog)
        assert catalog.counts(EVERYONE) == (3, 3)
        assert catalog.fingerprint("d-c-lib") == "fp-c-lib"
        assert catalog.find_by_sha("sha-c-bin").id == "d-c-bin"

    def test_reclassify_reports_the_chunks_it_moved(self, catalog):
        _store_all(catalog)
        moved = catalog.reclassify("d-c-sale", Classification.public)
        assert moved == {"c-sale": "public"}
        assert catalog.highest_classification("d-c-sale") is Classification.public
        assert catalog.get_document("d-c-sale", PUBLIC) is not None

    def test_front_chunks_come_in_order_inside_the_clearance(self, catalog):
        _store_all(catalog)
        assert [c.id for c in catalog.front_chunks(["d-c-lib", "d-c-sale"], 2, EVERYONE)] == ["c-lib", "c-sale"]
        assert [c.id for c in catalog.front_chunks(["d-c-sale", "d-c-bin"], 2, PUBLIC)] == ["c-bin"]
        assert catalog.front_chunks(["nope"]) == []

    def test_a_pages_chunks_come_in_order_inside_the_clearance(self, catalog):
        # pages 1 (two passages), 3 and 5 public, 6-7 exempt; page 2 and 4 start no passage
        layout = [("p1a", 1, "public"), ("p1b", 1, "public"), ("p3", 3, "public"), ("p5", 5, "public"), ("p6", 6, "exempt"), ("p7", 7, "exempt")]
        chunks = [
            Chunk(cid, "d-paged", f"text of {cid}", page, [], "text", "paged.pdf", "Paged", "Cabinet", date(2024, 3, 5), DocType.report, Classification(level))
            for cid, page, level in layout
        ]
        doc = Document("d-paged", "paged.pdf", "/papers/paged.pdf", "sha-paged", "Paged", "Cabinet", None, date(2024, 3, 5),
                       DocType.report, Classification.exempt, 7, len(chunks))
        catalog.replace_document(doc, chunks, "fp-paged")

        def ids(page, clearance):
            return [c.id for c in catalog.page_chunks("d-paged", page, clearance)]

        assert ids(1, PUBLIC) == ["p1a", "p1b"]
        assert ids(2, PUBLIC) == ["p1b"]  # no passage starts there: the one running onto it
        assert ids(6, EVERYONE) == ["p6"] and ids(6, PUBLIC) == []
        # Past the last page the caller may read, nothing: as for a page that does not exist.
        assert ids(7, PUBLIC) == [] and ids(99, PUBLIC) == [] and ids(99, EVERYONE) == []
        assert catalog.page_chunks("nope", 1, EVERYONE) == []

    def test_unknown_ids_are_simply_absent(self, catalog):
        _store_all(catalog)
        assert catalog.get_document("nope") is None
        assert catalog.get_chunks(["nope"]) == {}
        assert catalog.fingerprint("nope") is None


# --- LexicalIndex ------------------------------------------------------------------------------


@pytest.fixture(params=["bm25"])
def lexical(request, tmp_path, catalog) -> tuple[LexicalIndex, Catalog]:
    from vectorstore.lexical import Bm25Index

    _store_all(catalog)
    index = Bm25Index(tmp_path / "lexical", clearances=[PUBLIC, EVERYONE])
    index.sync(catalog)
    return index, catalog


class TestLexicalIndex:
    def test_is_a_lexical_index(self, lexical):
        index, _ = lexical
        assert isinstance(index, LexicalIndex)
        assert index.ids() == set(TEXTS) and len(index) == 3

    def test_finds_the_chunk_with_the_rare_words(self, lexical):
        index, _ = lexical
        hits = index.search("fortnightly bin collections", 3, SearchFilters(clearance=EVERYONE))
        assert hits[0].chunk_id == "c-bin"
        scores = index.scores("fortnightly bin collections", ["c-bin", "c-lib"], SearchFilters(clearance=EVERYONE))
        assert scores["c-bin"] == pytest.approx(hits[0].score) and scores["c-lib"] == 0

    def test_a_word_only_in_papers_above_the_clearance_is_absent(self, lexical):
        index, _ = lexical
        assert index.search("ZQX42 depot", 3, SearchFilters(clearance=PUBLIC)) == []
        assert [w for w, _, _ in index.absent_words("the depot sale", SearchFilters(clearance=PUBLIC))] == ["depot", "sale"]
        assert index.absent_words("the depot sale", SearchFilters(clearance=EVERYONE)) == []

    def test_filters_select_from_the_shared_chunk_table(self, lexical):
        index, _ = lexical
        cabinet = SearchFilters(committee="Cabinet", clearance=EVERYONE)
        members = index.members(cabinet)
        assert "c-lib" in members and "c-sale" in members and "c-bin" not in members
        assert [h.chunk_id for h in index.search("library saturdays bin", 3, cabinet)] == ["c-lib"]
        assert "c-sale" not in index.members(SearchFilters(committee="Cabinet", clearance=PUBLIC))

    def test_follows_the_catalog(self, lexical):
        index, catalog = lexical
        catalog.delete_document("d-c-bin")
        index.sync(catalog)
        assert index.ids() == {"c-lib", "c-sale"}
        assert index.search("fortnightly", 3, SearchFilters(clearance=EVERYONE)) == []


# --- Loader ------------------------------------------------------------------------------------


def _sample(fmt: str, folder: Path) -> Path:
    """A small paper in each format, made here (a Word file by python-docx, a PDF by pymupdf)."""
    text = "Easterby Parish Council\nMinutes of the meeting held on 5 March 2024\n1. The precept was set at £12,000."
    if fmt == "pdf":
        import pymupdf

        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((72, 72), text, fontsize=11)
        path = folder / "paper.pdf"
        doc.save(path)
        return path
    if fmt == "docx":
        import docx

        d = docx.Document()
        for line in text.splitlines():
            d.add_paragraph(line)
        path = folder / "paper.docx"
        d.save(path)
        return path
    if fmt == "html":
        path = folder / "paper.html"
        body = "".join(f"<p>{line}</p>" for line in text.splitlines())
        path.write_text(f"<!doctype html><html><body>{body}</body></html>")
        return path
    path = folder / ("paper.md" if fmt == "markdown" else "paper.txt")
    path.write_text(("---\ntitle: Minutes\n---\n" if fmt == "markdown" else "") + text)
    return path


def _loader_formats() -> list[str]:
    from ingest.loaders import LOADERS

    return sorted(LOADERS)


@pytest.mark.parametrize("fmt", _loader_formats())
class TestLoader:
    def test_is_a_loader_with_a_name_and_media_type(self, fmt):
        from ingest.loaders import LOADERS, Loader

        loader = LOADERS[fmt]
        assert isinstance(loader, Loader) and loader.format == fmt and loader.label
        assert loader.extensions and all(e.startswith(".") and e == e.lower() for e in loader.extensions)
        assert "/" in loader.media_type

    def test_reads_a_paper_into_blocks(self, fmt, tmp_path):
        from ingest.loaders import LOADERS, detect_format, load

        path = _sample(fmt, tmp_path)
        assert detect_format(path) == fmt
        loaded = LOADERS[fmt].load(path, path.read_bytes())
        text = "\n".join(line for b in loaded.blocks for line in b.lines)
        assert "precept was set at £12,000" in text
        parsed = load(path)
        assert parsed.fmt == fmt and parsed.sha256 and parsed.blocks

    def test_every_extension_routes_to_it(self, fmt, tmp_path):
        from ingest.loaders import LOADERS, detect_format

        sample = _sample(fmt, tmp_path)
        for ext in LOADERS[fmt].extensions:
            renamed = sample.with_name("again" + ext)
            renamed.write_bytes(sample.read_bytes())
            assert detect_format(renamed) == fmt

    def test_a_broken_file_is_a_load_error_naming_the_reason(self, fmt, tmp_path):
        from core.errors import LoadError
        from ingest.loaders import LOADERS, load

        path = tmp_path / ("broken" + LOADERS[fmt].extensions[0])
        path.write_bytes(b"PK\x03\x04 not really a zip" if fmt == "docx" else b"%PDF-1.7 truncated" if fmt == "pdf" else b"   \n\n ")
        with pytest.raises(LoadError) as err:
            load(path)
        assert str(err.value)


def test_the_upload_page_offers_exactly_the_registered_formats():
    from api.app import formats_json, index_page
    from ingest.loaders import accepted_extensions

    page = index_page()
    assert f'accept="{",".join(accepted_extensions())}"' in page and "{{" not in page
    offered = {e for f in formats_json() for e in f["extensions"]}
    assert offered == set(accepted_extensions()) >= {".pdf", ".docx", ".html", ".aspx", ".md", ".txt"}


# --- Answerer ----------------------------------------------------------------------------------


@pytest.fixture(params=["extractive"])
def answerer(request, shared_embedder):
    from assistant.answerers import ExtractiveAnswerer
    from core.config import AnswerSettings

    return ExtractiveAnswerer(shared_embedder, AnswerSettings())


def _passages() -> list[Passage]:
    chunks = {c.id: c for c in _chunks()}
    return [Passage(chunks["c-bin"], 0.9, relevance=0.8), Passage(chunks["c-lib"], 0.4, relevance=0.5)]


class TestAnswerer:
    QUESTION = "How often will bins be collected from April?"

    def test_is_an_answerer(self, answerer):
        from assistant.answerers import Answerer

        assert isinstance(answerer, Answerer)

    def test_answers_with_citations_of_the_passages_given(self, answerer):
        passages = _passages()
        answer = answerer.answer(self.QUESTION, passages)
        assert isinstance(answer, Answer) and answer.mode is AnswerMode.extractive
        assert "fortnightly" in answer.answer
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(c.passage in passages for c in answer.citations)
        for n in numbers:
            assert f"[{n}]" in answer.answer
        assert "[0]" not in answer.answer and f"[{len(numbers) + 1}]" not in answer.answer

    def test_stream_is_the_answer_in_pieces(self, answerer):
        pieces = list(answerer.stream(self.QUESTION, _passages()))
        *deltas, final = pieces
        assert isinstance(final, Answer) and all(isinstance(d, str) for d in deltas)
        assert "".join(deltas) == final.answer == answerer.answer(self.QUESTION, _passages()).answer

    def test_no_passages_is_not_found(self, answerer):
        answer = answerer.answer(self.QUESTION, [])
        assert answer.mode is AnswerMode.not_found and answer.citations == []
