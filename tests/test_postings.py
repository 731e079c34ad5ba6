"""The batch-by-batch BM25 build gives bm25s's own matrix and scores, on the real papers' passages
(their whole text and their dense windows, as the lexical index indexes them)."""

from __future__ import annotations

import numpy as np
import pytest

from vectorstore.postings import Postings


def _texts(corpus_service) -> list[str]:
    from core.text import dense_windows

    _, chunks = corpus_service.catalog.snapshot()
    windows = [w for c in chunks[:800] for w in dense_windows(c)]
    # an empty text and one of stop words only: bm25s gives each the empty token
    return [c.index_text for c in chunks] + windows + ["", "the and of it"]


@pytest.fixture(scope="module")
def both(corpus_service):
    import bm25s

    from vectorstore.lexical import _tokenizer

    texts = _texts(corpus_service)
    reference_tokenizer = _tokenizer()
    reference = bm25s.BM25()
    reference.index(reference_tokenizer.tokenize(texts, return_as="tuple", show_progress=False), show_progress=False)
    tokenizer, postings = _tokenizer(), Postings()
    for start in range(0, len(texts), 97):  # batches that do not divide the texts evenly
        postings.add(tokenizer.tokenize(texts[start : start + 97], update_vocab=True, return_as="ids", show_progress=False))
    assert len(postings) == len(texts)
    return (reference_tokenizer, reference), (tokenizer, postings.bm25(tokenizer.get_vocab_dict()))


def test_the_matrix_is_bm25s_own(both):
    (_, reference), (_, built) = both
    for key in ("data", "indices", "indptr"):
        assert built.scores[key].dtype == reference.scores[key].dtype
        assert np.array_equal(built.scores[key], reference.scores[key]), key
    assert built.scores["num_docs"] == reference.scores["num_docs"]


@pytest.mark.parametrize("query", ["council tax support scheme", "who chairs the committee", "the and of", "zzqx", "HASSC overdue actions"])
def test_scores_are_bm25s_scores(both, query):
    (ref_tok, reference), (tok, built) = both
    ids = lambda t: t.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)[0]  # noqa: E731
    expected, got = reference.get_scores(ids(ref_tok) or [0]), built.get_scores(ids(tok) or [0])
    assert np.array_equal(expected, got)
    assert query == "zzqx" or got.max() > 0


def test_a_saved_build_loads_as_bm25s_index(both, tmp_path):
    import bm25s

    _, (_, built) = both
    built.save(str(tmp_path / "bm25"))
    loaded = bm25s.BM25.load(str(tmp_path / "bm25"))
    assert np.array_equal(loaded.scores["data"], built.scores["data"]) and loaded.vocab_dict == built.vocab_dict


def test_nothing_added_is_an_empty_matrix():
    built = Postings().bm25({"": 0})
    assert built.scores["num_docs"] == 0 and len(built.scores["data"]) == 0 and len(built.scores["indptr"]) == 2


def test_documents_without_tokens_count_but_hold_nothing():
    postings = Postings()
    postings.add([[], []])
    postings.add([[1, 1], []])
    built = postings.bm25({"": 0, "a": 1})
    assert built.scores["num_docs"] == 4 and built.scores["indices"].tolist() == [2]
    assert built.get_scores([1]).argmax() == 2


def test_a_huge_count_is_kept_to_sixteen_bits():
    postings = Postings()
    postings.add([[1] * 70_000 + [2], [2]])
    built = postings.bm25({"": 0, "a": 1, "b": 2})
    assert built.scores["data"].shape == (3,) and np.isfinite(built.scores["data"]).all()


def test_the_lexical_index_keeps_recent_scores_within_a_byte_bound(tmp_path, monkeypatch, corpus_service):
    """Cached scores are 12 bytes a chunk per query: at a million chunks 16 of them would be
    200 MB a view, so fewer are kept as the index grows (here the bound is two queries' worth)."""
    import vectorstore.lexical as lexical

    _, chunks = corpus_service.catalog.snapshot()
    monkeypatch.setattr(lexical, "RECENT_BYTES", 12 * len(chunks) * 2)
    index = lexical.Bm25Index(tmp_path / "lexical")
    index.sync(corpus_service.catalog)
    for q in ["council tax", "housing repairs", "school places", "bus services", "library opening hours"]:
        assert index.search(q, 5)
    built = index._built
    assert built.keep == 2 and len(built.recent) <= 2 and len(built._raw) <= 2
    again = index.search("council tax", 5)  # scored again, not from a stale cache
    assert again == index.search("council tax", 5)


def test_the_build_reads_the_catalog_as_a_stream(tmp_path, corpus_service, monkeypatch):
    """A replica's build never asks the catalog for every chunk as one list."""
    import vectorstore.lexical as lexical

    catalog = corpus_service.catalog
    monkeypatch.setattr(type(catalog), "snapshot", lambda self: pytest.fail("the build listed every chunk"))
    index = lexical.Bm25Index(tmp_path / "lexical")
    index.sync(catalog)
    assert len(index) == catalog.counts()[1] and index.search("council tax", 5)
