"""The int8 ONNX encoder agrees with the PyTorch model it was exported from."""

from __future__ import annotations

import numpy as np

from conftest import seed
from vectorstore.embedder import Embedder


def test_onnx_int8_matches_torch_on_real_passages(shared_embedder):
    lines = [ln.strip() for ln in seed("001").read_text().splitlines() if len(ln.split()) >= 8][:64]
    torch_vectors = Embedder(backend="torch").embed(lines)
    onnx_vectors = shared_embedder.embed(lines)
    assert shared_embedder.backend == "onnx-int8"
    cos = (torch_vectors * onnx_vectors).sum(axis=1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-4)


def test_batch_mates_barely_move_an_embedding(shared_embedder):
    # Padding is masked out (fp32 ONNX gives identical vectors), but dynamic int8 quantisation
    # scales activations per batch, so a worst-case batch mate moves a vector slightly. The encoder
    # batches texts of similar length together, which keeps this small in practice.
    short = "Keyworker lets in 2022: 11."
    alone = shared_embedder.embed([short])[0]
    batched = shared_embedder.embed([short, "A much longer passage " * 30])[0]
    assert float(alone @ batched) > 0.98
    similar = shared_embedder.embed([short, "Council tax bands in 2023: 7."])[0]
    assert float(alone @ similar) > 0.98


def test_token_counter_ignores_the_bundled_128_padding(shared_embedder):
    assert shared_embedder.count_tokens("council tax") == 2
    assert shared_embedder.count_tokens("word " * 300) == 300


def _windowed_chunks(corpus_service, n=40):
    from ingest.split import window_spans

    chunks = [c for c in corpus_service.catalog.iter_chunks() if c.kind == "text" and len(window_spans(c)) > 2][:n]
    return chunks, [window_spans(c) for c in chunks]


def test_late_chunked_windows_agree_across_backends(corpus_service, shared_embedder):
    """Each window's vector comes from one encoding of its whole passage, in ONNX int8 and in
    PyTorch alike: the two agree as closely as their plain embeddings do."""
    chunks, spans = _windowed_chunks(corpus_service)
    texts = [c.index_text for c in chunks]
    onnx, onnx_pieces = shared_embedder.embed_passages(texts, spans)
    torch_backend = Embedder(backend="torch")
    torch, torch_pieces = torch_backend.embed_passages(texts, spans)
    assert onnx.shape == torch.shape == (sum(len(s) for s in spans), 384)
    cos = (onnx * torch).sum(axis=1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95
    # The word pieces kept for late interaction: the same pieces, and MaxSim scores that agree.
    from vectorstore import late_interaction

    assert [len(a) for a in onnx_pieces] == [len(b) for b in torch_pieces]
    question = "What did the council decide about the budget?"
    q_onnx = shared_embedder.embed_query_tokens(question)[1].rows
    q_torch = torch_backend.embed_query_tokens(question)[1].rows
    scores = [
        (late_interaction.maxsim(q_onnx, late_interaction.unpack(a)), late_interaction.maxsim(q_torch, late_interaction.unpack(b)))
        for a, b in zip(onnx_pieces, torch_pieces)
    ]
    assert max(abs(a - b) for a, b in scores) < 0.05


def test_a_window_vector_is_about_its_own_sentences(corpus_service, shared_embedder):
    """A window's vector (made in context) is nearer to its own text embedded alone than to the
    texts of the passage's windows it does not overlap: the pooling follows the character ranges.
    (Measured on the corpus: 0.89 against 0.80 on average; its own text is the nearest for 86%.)"""
    chunks, spans = _windowed_chunks(corpus_service, n=30)
    chunks, spans = zip(*[(c, s) for c, s in zip(chunks, spans) if len(s) > 3])
    vectors, _ = shared_embedder.embed_passages([c.index_text for c in chunks], list(spans))
    row, own, far, nearest = 0, [], [], []
    for chunk, windows in zip(chunks, spans):
        alone = shared_embedder.embed([" ".join(chunk.index_text[a:b] for a, b in w) for w in windows])
        sims = vectors[row : row + len(windows)] @ alone.T
        for i in range(len(windows)):
            others = [j for j in range(len(windows)) if abs(i - j) > 1]
            own.append(sims[i, i])
            far.append(sims[i, others].mean())
            nearest.append(sims[i, i] > sims[i, others].max())
        row += len(windows)
    assert np.mean(own) > np.mean(far) + 0.05
    assert np.mean(nearest) >= 0.75


def test_a_question_vector_from_its_word_pieces_is_its_plain_embedding(shared_embedder):
    from vectorstore import late_interaction

    question = "Who is responsible for the Carers' College?"
    vector, pieces = shared_embedder.embed_query_tokens(question)
    assert float(vector @ shared_embedder.embed_query(question)) > 0.999
    # "who", "is", "for", "the", "?" carry nothing to match; "carers", "college" and "responsible" do.
    assert 3 <= len(pieces.rows) <= 6 and pieces.rows.shape[1] == late_interaction.DIM
    assert {"responsible", "college"} <= {question[a:b].lower() for a, b in pieces.spans}


def test_a_papers_vectors_do_not_depend_on_what_is_encoded_beside_it(corpus_service, shared_embedder):
    """Ingest encodes passages on worker threads, several papers at once. A paper's batches are cut
    from its own passages only, so its vectors and word pieces are exactly those it gets encoded
    alone; and the single-threaded session the workers share gives the bits the all-cores session
    gives."""
    chunks, spans = _windowed_chunks(corpus_service, n=60)
    texts = [c.index_text for c in chunks]
    half = len(texts) // 2
    alone = shared_embedder.embed_passages(texts[:half], spans[:half])
    other = shared_embedder.submit_passages(texts[half:], spans[half:])
    together = shared_embedder.submit_passages(texts[:half], spans[:half]).result()
    other.result()
    assert np.array_equal(alone[0], together[0]) and alone[1] == together[1]
    encoder = shared_embedder.onnx
    first = [encoder._truncate(e.ids) for e in encoder.tokenizer.encode_batch(texts[:half])]
    assert len(encoder._plan(first, shared_embedder.batch_size)) > 1  # its batches ran on both threads
    # The worker threads' session and the questions' session compute the same outputs.
    bulk, _ = encoder._passage_runner()
    encodings = [encoder._truncate(e.ids) for e in encoder.tokenizer.encode_batch(texts[:8])]
    batch = list(range(len(encodings)))
    assert np.array_equal(encoder._run(bulk, batch, encodings)[0], encoder._run(encoder.session, batch, encodings)[0])
