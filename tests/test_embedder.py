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
