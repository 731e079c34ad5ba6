"""The ingest fast paths change speed, not results: the PDF table finder sees the same characters,
the encoder gives each text the same vector however it is batched, and the synthetic corpus is
reproducible from its seed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KENT


@pytest.mark.parametrize(
    "name",
    ["Appendix 3 - TMG meeting note 14 November 2024.pdf", "Appendix J - Budget Risk Register.pdf"],
)
def test_fast_table_chars_are_pymupdf_own_and_find_the_same_tables(name):
    """load_pdf's character list for the table finder holds pymupdf's own characters, in the fields
    the line-based finder reads, and the finder finds the same tables (rows and cells) with it."""
    import pymupdf
    from pymupdf import table

    from ingest.loaders import pdf

    fields = ("x0", "x1", "top", "bottom", "y0", "y1", "text")
    original = table.make_chars
    tables = 0
    with pymupdf.open(KENT / name) as doc:
        for page in doc:
            table._CHARS_VAR.set([])
            original(page)
            theirs = sorted(tuple(c[k] for k in fields) for c in table.CHARS)
            pdf._ORIGINAL_MAKE_CHARS = original
            table._CHARS_VAR.set([])
            pdf._make_chars_fast(page)
            ours = sorted(tuple(c[k] for k in fields) for c in table.CHARS)
            assert ours == theirs, f"page {page.number + 1}"
            own = [(t.bbox, [r.cells for r in t.rows]) for t in page.find_tables(use_layout=False).tables]
            with pdf.fast_table_chars():
                fast = [(t.bbox, [r.cells for r in t.rows]) for t in page.find_tables(use_layout=False).tables]
            assert fast == own, f"page {page.number + 1}"
            tables += len(own)
    assert tables >= 1


def test_fast_table_chars_swap_is_undone():
    from pymupdf import table

    from ingest.loaders.pdf import fast_table_chars

    original = table.make_chars
    with fast_table_chars():
        assert table.make_chars is not original
    assert table.make_chars is original


def test_duplicates_and_order_do_not_change_vectors(shared_embedder):
    texts = [
        "Keyworker lets in 2022: 11.",
        "The forecast overspend on home care is £4.2m, mainly on agency staff.",
        "Keyworker lets in 2022: 11.",
        "Members asked for a briefing on SEND transport before the next meeting of the panel.",
    ]
    vectors = shared_embedder.embed(texts)
    assert np.array_equal(vectors[0], vectors[2])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    reversed_vectors = shared_embedder.embed(texts[::-1])[::-1]
    assert np.allclose(vectors, reversed_vectors, atol=1e-6)


def test_synthetic_corpus_is_reproducible_and_ingestible(tmp_path):
    from bench.synth import generate
    from ingest.loaders import detect_format

    a = generate(tmp_path / "a", 300, seed=3)
    b = generate(tmp_path / "b", 300, seed=3)
    assert a == b
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert {p.rsplit(".", 1)[1] for p in files_a} >= {"md", "txt", "html", "docx"}
    assert all(detect_format(tmp_path / "a" / n) for n in files_a)
    for name in files_a:
        if not name.endswith((".docx", ".pdf")):  # zip and PDF containers carry timestamps
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_one_text_page_serves_words_and_text_blocks():
    """load_pdf makes one text page per page, with the "dict" flags less images, and reads the
    table cells' words from it too: that is pymupdf's own "words" extraction only while the two
    sets of flags agree (they do in the pinned pymupdf)."""
    import pymupdf

    assert pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES == pymupdf.TEXTFLAGS_WORDS
    with pymupdf.open(KENT / "Appendix J - Budget Risk Register.pdf") as doc:
        page = doc[0]
        shared = page.get_textpage(flags=pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES)
        assert page.get_text("words", textpage=shared) == page.get_text("words")


def test_pages_ruled_one_way_only_are_not_searched_for_tables():
    """load_pdf skips pymupdf's table finder on pages drawn with rules in one direction only
    (underlines, signature lines): on every such page of the real corpus the finder finds nothing."""
    import pymupdf

    from ingest.loaders.pdf import _may_hold_ruled_table, fast_table_chars

    skipped = 0
    with fast_table_chars():
        for path in sorted(KENT.glob("*.pdf")):
            with pymupdf.open(path) as doc:
                for page in doc:
                    if page.get_cdrawings() and not _may_hold_ruled_table(page):
                        skipped += 1
                        assert not page.find_tables(use_layout=False).tables, f"{path.name} page {page.number + 1}"
    assert skipped >= 20  # measured 23 pages with rules that the finder no longer searches


def test_the_scale_benchmarks_stand_in_vectors_have_the_real_shape(shared_embedder):
    """bench.scale's stand-in for the model (used at 100k chunks) gives a unit vector per window
    and a word-piece state per passage, the same every time."""
    from bench.scale import stand_in_passages
    from vectorstore import late_interaction

    submit = stand_in_passages(shared_embedder)
    texts = ["Agenda item 4: the budget monitoring report.", "Actions overdue for the panel"]
    windows = [[[(0, 14)], [(0, 44)]], [[(0, 29)]]]
    vectors, states = submit(texts, windows).result()
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert all(len(late_interaction.unpack(s)) >= 3 for s in states)
    again, _ = submit(texts, windows).result()
    assert np.array_equal(vectors, again)
