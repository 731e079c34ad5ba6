"""BM25 matrices built from compact postings, a batch of documents at a time.

`bm25s.BM25.index` wants every document's token ids as Python lists at once: about 9 KB of
transient memory per passage (measured over 48,000 passages), which at a million passages is more
than a replica should hold. Here each batch of documents is tokenised and reduced at once to its
(term, count) pairs in numpy arrays (6 bytes a pair); the matrix is then filled in place from
them, batch by batch, and each batch's pairs freed as it is used, so the peak is about the finished
matrix (8 bytes a pair) plus the pairs not yet used.

The result is the matrix bm25s itself builds (its default "lucene" BM25: the same idf, the same
term-frequency saturation and length normalisation, float32 scores in CSC order by term then
document), set on a `bm25s.BM25` whose scoring, saving and loading are bm25s's own.
tests/test_postings.py checks the scores against bm25s's on the real corpus.
"""

from __future__ import annotations

import itertools

import numpy as np

K1, B = 1.5, 0.75  # bm25s's defaults, which the index has always used
MAX_COUNT = np.iinfo(np.uint16).max  # a term's count in one document is kept to 16 bits


class Postings:
    """The (term, count) pairs of documents added in order, and each document's length."""

    def __init__(self) -> None:
        self._terms: list[np.ndarray] = []  # per batch: int32 term id per pair, by document then term
        self._counts: list[np.ndarray] = []  # per batch: uint16 count per pair
        self._pairs: list[np.ndarray] = []  # per batch: int32 pairs per document
        self._lengths: list[np.ndarray] = []  # per batch: int32 tokens per document

    def add(self, token_ids: list[list[int]]) -> None:
        """Documents' token ids (the tokenizer's), in document order."""
        if not token_ids:
            return
        lengths = np.fromiter(map(len, token_ids), dtype=np.int64, count=len(token_ids))
        flat = np.fromiter(itertools.chain.from_iterable(token_ids), dtype=np.int64, count=int(lengths.sum()))
        docs = np.repeat(np.arange(len(token_ids), dtype=np.int64), lengths)
        keys, counts = np.unique((docs << 32) | flat, return_counts=True)
        self._terms.append((keys & 0xFFFFFFFF).astype(np.int32))
        self._counts.append(np.minimum(counts, MAX_COUNT).astype(np.uint16))
        self._pairs.append(np.bincount(keys >> 32, minlength=len(token_ids)).astype(np.int32))
        self._lengths.append(lengths.astype(np.int32))

    def __len__(self) -> int:
        return sum(len(x) for x in self._lengths)

    def bm25(self, vocab: dict):
        """A `bm25s.BM25` over the documents added, as wide as the tokenizer's `vocab` (term ->
        id), which it keeps; the pairs are used up (each batch's freed once placed)."""
        import bm25s

        n_vocab = max(vocab.values(), default=-1) + 1
        n_docs = len(self)
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int32)
        df = np.zeros(n_vocab, dtype=np.int64)
        for terms in self._terms:
            df += np.bincount(terms, minlength=n_vocab)
        idf = np.zeros(n_vocab, dtype=np.float32)
        seen = df > 0
        idf[seen] = np.log(1 + (n_docs - df[seen] + 0.5) / (df[seen] + 0.5))
        avg = lengths.mean() if n_docs else np.float64(1.0)
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        nnz = int(indptr[-1])
        data = np.empty(nnz, dtype=np.float32)
        indices = np.empty(nnz, dtype=np.int32)
        cursor = indptr[:-1].copy()  # where each term's next document goes
        first = 0  # the first document of the batch
        while self._terms:
            terms, counts, pairs = self._terms.pop(0), self._counts.pop(0), self._pairs.pop(0)
            n = len(pairs)
            if not len(terms):  # documents with no tokens at all: nothing to place
                first += n
                continue
            docs = np.repeat(np.arange(first, first + n, dtype=np.int32), pairs)
            tf = counts.astype(np.float32)
            # bm25s's lucene scorer, in its operation order: idf * tf / (k1 * (1 - b + b * len / avg) + tf)
            norm = K1 * ((1 - B) + B * lengths[docs].astype(np.float64) / avg)
            scores = (idf[terms] * (tf / (norm + tf))).astype(np.float32)
            # Place by term; within a term the documents stay in order (a stable sort of ids).
            order = np.argsort(terms, kind="stable")
            terms, docs, scores = terms[order], docs[order], scores[order]
            starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
            rank = np.arange(len(terms)) - np.repeat(starts, np.diff(np.r_[starts, len(terms)]))
            where = cursor[terms] + rank
            data[where] = scores
            indices[where] = docs
            cursor[terms[starts]] += np.diff(np.r_[starts, len(terms)])
            first += n
        self._lengths.clear()
        retriever = bm25s.BM25()
        retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None
        return retriever
