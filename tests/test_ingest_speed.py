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
def test_fast_table_chars_equal_pymupdf_own(name):
    import pymupdf
    from pymupdf import table

    from ingest.loaders import pdf

    pdf._ORIGINAL_MAKE_CHARS = table.make_chars
    with pymupdf.open(KENT / name) as doc:
        for page in doc:
            table._CHARS_VAR.set([])
            table.make_chars(page)
            theirs = list(table.CHARS)
            table._CHARS_VAR.set([])
            pdf._make_chars_fast(page)
            ours = list(table.CHARS)
            assert ours == theirs, f"page {page.number + 1}"


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
