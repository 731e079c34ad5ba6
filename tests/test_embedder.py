"""Both embedding backends (bfloat16/float32 PyTorch passages with float32 ONNX questions; int8
ONNX) agree with the model they run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import make_service, seed

from core.config import EmbeddingSettings
from vectorstore.embedder import Embedder


def _other_backend(embedder) -> str:
    return "onnx-int8" if embedder.backend == "torch" else "torch"


@pytest.fixture(scope="module")
def onnx_embedder(shared_embedder, tmp_path_factory):
    """The int8 ONNX backend (the default where the CPU has no AMX)."""
    if shared_embedder.backend == "onnx-int8":
        return shared_embedder
    return make_service(tmp_path_factory.mktemp("int8-home"), embedding=EmbeddingSettings(backend="onnx-int8")).embedder


@pytest.fixture(scope="module")
def torch_embedder(shared_embedder, tmp_path_factory):
    """The PyTorch backend as configured (bfloat16 on CPUs with AMX, else float32; the default
    where the CPU has AMX)."""
    if shared_embedder.backend == "torch":
        return shared_embedder
    return make_service(tmp_path_factory.mktemp("torch-home"), embedding=EmbeddingSettings(backend="torch")).embedder


@pytest.fixture(scope="module")
def fp32_embedder():
    """PyTorch in float32: the reference the faster backends are held to."""
    return Embedder(backend="torch", precision="fp32")


def _seed_lines(n=64):
    return [ln.strip() for ln in seed("001").read_text().splitlines() if len(ln.split()) >= 8][:n]


def test_our_bert_forward_pass_is_sentence_transformers(fp32_embedder):
    """The torch backend runs its own BERT forward pass (vectorstore.bert); in float32 it gives
    sentence-transformers' own embeddings of the bundled model."""
    from sentence_transformers import SentenceTransformer

    lines = _seed_lines()
    reference = SentenceTransformer(str(fp32_embedder.model_path), device="cpu", local_files_only=True)
    expected = reference.encode(lines, batch_size=16, normalize_embeddings=True)
    ours = fp32_embedder.embed(lines)
    assert fp32_embedder.encoder.precision == "fp32"
    assert np.abs(ours - expected).max() < 1e-4
    assert (ours * expected).sum(axis=1).min() > 0.99999


def test_each_backend_matches_float32_on_real_passages(fp32_embedder, onnx_embedder):
    lines = _seed_lines()
    reference = fp32_embedder.embed(lines)
    int8 = onnx_embedder.embed(lines)
    assert onnx_embedder.backend == "onnx-int8"
    cos = (reference * int8).sum(axis=1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-4)
    bf16 = Embedder(backend="torch", precision="bf16")
    vectors = bf16.embed(lines)
    assert bf16.encoder.precision == "bf16"
    cos = (reference * vectors).sum(axis=1)
    assert cos.min() >= 0.999  # measured 0.9999 on AMX
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_auto_picks_bfloat16_torch_only_where_the_cpu_has_amx(torch_embedder, shared_embedder):
    from vectorstore.embedder import resolve_backend
    from vectorstore.torch_encoder import native_bf16

    amx = "amx_bf16" in Path("/proc/cpuinfo").read_text()
    assert native_bf16() == amx
    assert resolve_backend("auto") == ("torch" if amx else "onnx-int8")
    assert shared_embedder.backend == resolve_backend("auto")  # "auto" is the default
    assert torch_embedder.encoder.precision == ("bf16" if amx else "fp32")
    assert resolve_backend("onnx-int8") == "onnx-int8"
    with pytest.raises(ValueError, match="unknown embedding backend 'gpu'"):
        resolve_backend("gpu")


def test_the_torch_backends_questions_run_in_float32_onnx(torch_embedder, fp32_embedder, tmp_path):
    """Questions and other short texts of the torch backend run through the float32 ONNX export
    (half PyTorch's time for a few word pieces): the same vectors as PyTorch's float32, so they
    meet the bfloat16 passages in float32's space. Answering questions never loads PyTorch."""
    assert torch_embedder.query_encoder is not torch_embedder.encoder
    assert torch_embedder.query_encoder.precision == "fp32"
    lines = _seed_lines(16)
    onnx = torch_embedder.embed(lines)
    reference = np.stack([fp32_embedder.encoder.encode([line])[0] for line in lines])
    assert (onnx * reference).sum(axis=1).min() > 0.99999
    question = "Who is responsible for the Carers' College?"
    vector, pieces = torch_embedder.embed_query_tokens(question)
    expected, expected_pieces = fp32_embedder.encoder.encode_query(question)
    assert float(vector @ expected) > 0.99999 and pieces.spans == expected_pieces.spans
    questions_only = Embedder(backend="torch", cache_dir=torch_embedder.cache_dir)
    questions_only.embed_query_tokens(question)
    assert questions_only._encoder is None  # the PyTorch passage encoder was never built


def test_int8_batch_mates_barely_move_an_embedding(onnx_embedder):
    # Padding is masked out (fp32 ONNX gives identical vectors), but dynamic int8 quantisation
    # scales activations per batch, so a worst-case batch mate moves a vector slightly. The encoder
    # batches texts of similar length together, which keeps this small in practice.
    short = "Keyworker lets in 2022: 11."
    alone = onnx_embedder.embed([short])[0]
    batched = onnx_embedder.embed([short, "A much longer passage " * 30])[0]
    assert float(alone @ batched) > 0.98
    similar = onnx_embedder.embed([short, "Council tax bands in 2023: 7."])[0]
    assert float(alone @ similar) > 0.98


def test_token_counter_ignores_the_bundled_128_padding(shared_embedder):
    assert shared_embedder.count_tokens("council tax") == 2
    assert shared_embedder.count_tokens("word " * 300) == 300


def _windowed_chunks(corpus_service, n=40):
    from core.text import window_spans

    chunks = [c for c in corpus_service.catalog.iter_chunks() if c.kind == "text" and len(window_spans(c)) > 2][:n]
    return chunks, [window_spans(c) for c in chunks]


def test_late_chunked_windows_agree_across_backends(corpus_service, onnx_embedder, fp32_embedder):
    """Each window's vector comes from one encoding of its whole passage, in ONNX int8 and in
    PyTorch alike: the two agree as closely as their plain embeddings do."""
    chunks, spans = _windowed_chunks(corpus_service)
    texts = [c.index_text for c in chunks]
    onnx, onnx_pieces = onnx_embedder.embed_passages(texts, spans)
    torch_backend = fp32_embedder
    torch, torch_pieces = torch_backend.embed_passages(texts, spans)
    assert onnx.shape == torch.shape == (sum(len(s) for s in spans), 384)
    cos = (onnx * torch).sum(axis=1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95
    # The word pieces kept for late interaction: the same pieces, and MaxSim scores that agree.
    from vectorstore import late_interaction

    assert [len(a) for a in onnx_pieces] == [len(b) for b in torch_pieces]
    question = "What did the council decide about the budget?"
    q_onnx = onnx_embedder.embed_query_tokens(question)[1].rows
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
    chunks, spans = _windowed_chunks(corpus_service, n=80)  # 30 is too few to measure a share by
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


def test_a_papers_vectors_do_not_depend_on_what_is_encoded_beside_it(corpus_service, torch_embedder, onnx_embedder):
    """Ingest encodes passages on worker threads, several papers at once. A paper's batches are cut
    from its own passages only, so its vectors and word pieces are exactly those it gets encoded
    alone, in either backend."""
    chunks, spans = _windowed_chunks(corpus_service, n=60)
    texts = [c.index_text for c in chunks]
    half = len(texts) // 2
    for embedder in (torch_embedder, onnx_embedder):
        alone = embedder.embed_passages(texts[:half], spans[:half])
        other = embedder.submit_passages(texts[half:], spans[half:])
        together = embedder.submit_passages(texts[:half], spans[:half]).result()
        other.result()
        assert np.array_equal(alone[0], together[0]) and alone[1] == together[1]
        encoder = embedder.encoder
        first = [encoder._truncate(e.ids) for e in encoder.tokenizer.encode_batch(texts[:half])]
        assert len(encoder._plan(first, embedder.batch_size)) > 1  # its batches ran on both threads


def test_passage_workers_compute_what_a_question_run_computes(corpus_service, torch_embedder, onnx_embedder):
    """The workers run one core each; a question runs on all cores. In int8 ONNX the two give the
    same bits; in PyTorch the sums of a bfloat16 product split differently across threads, so the
    last bits differ and nothing more."""
    chunks, _ = _windowed_chunks(corpus_service, n=8)
    for embedder in (onnx_embedder, torch_embedder):
        encoder = embedder.encoder
        encodings = [encoder._truncate(e.ids) for e in encoder.tokenizer.encode_batch([c.index_text for c in chunks])]
        batch = list(range(len(encodings)))
        on_worker = encoder._workers().submit(encoder._run, batch, encodings, True).result()[0]
        on_caller = encoder._run(batch, encodings)[0]
        if embedder.backend == "onnx-int8":
            assert np.array_equal(on_worker, on_caller)
        else:
            rows = [(a[m], b[m]) for a, b, m in zip(on_worker, on_caller, encoder._run(batch, encodings)[1].astype(bool))]
            cos = [float((x * y).sum() / np.linalg.norm(x) / np.linalg.norm(y)) for a, b in rows for x, y in zip(a, b)]
            assert min(cos) > 0.999


def test_the_other_backend_ingests_and_answers_on_its_own_collection(tmp_path, shared_embedder, torch_embedder, onnx_embedder):
    """The backend the machine does not default to (the rest of the suite runs the default) also
    ingests the demo papers and answers with citations, into a collection of its own: int8 vectors
    are not float32's."""
    from conftest import EXAMPLES

    other = _other_backend(shared_embedder)
    service = make_service(tmp_path / "home", embedding=EmbeddingSettings(backend=other))
    service.embedder = torch_embedder if other == "torch" else onnx_embedder
    default_name = make_service(tmp_path / "other").settings.collection_name
    assert service.settings.collection_name != default_name
    assert service.ingest([EXAMPLES]).count("failed") == 0
    answer = service.ask("Who wrote the homelessness prevention report?")
    assert answer.mode == "extractive" and "Joanna Trevelyan-Hart" in answer.answer
    assert answer.citations and answer.citations[0].passage.chunk.source.startswith("Cabinet report - Homelessness")


def test_encoding_leaves_pytorchs_thread_count_alone(torch_embedder, corpus_service):
    """The passage workers run PyTorch on one thread each without lowering the process's default:
    code that first uses PyTorch afterwards in the same process (a notebook, the textbook pipeline
    in the benchmark) still gets every core."""
    import subprocess
    import sys
    import threading

    import torch

    chunks, spans = _windowed_chunks(corpus_service, n=80)  # 30 is too few to measure a share by
    torch_embedder.embed_passages([c.index_text for c in chunks], spans)
    default = int(subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
                                 capture_output=True, text=True, check=True).stdout)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert seen == [default]
