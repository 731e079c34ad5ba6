"""The PyTorch backend: MiniLM's weights run by our own BERT forward pass (vectorstore.bert) on
padded batches. Where the CPU multiplies bfloat16 natively (Intel AMX), the products run in
bfloat16: measured on this machine's CPU, the corpus ingests about 1.3x faster than with the int8
ONNX model (600 passages: 181 against 92 a second), and the vectors keep a cosine of 0.99998 to
float32 (int8: 0.992). Elsewhere it runs in float32.

It encodes passages only: a question is a few word pieces, so its time goes on reading the
weights, and the float32 ONNX export does it faster than PyTorch (vectorstore.embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.machine import native_bf16
from vectorstore.encoder import BatchedEncoder


def _openmp_this_thread(threads: int) -> bool:
    """Set the calling thread's OpenMP thread count in the OpenMP runtime PyTorch bundles (an
    OpenMP setting of the calling thread only); False where that runtime is not found."""
    import ctypes

    import torch

    lib = Path(torch.__file__).parent / "lib" / "libgomp.so.1"
    if not lib.exists():
        return False
    try:
        ctypes.CDLL(str(lib)).omp_set_num_threads(ctypes.c_int(threads))
    except (OSError, AttributeError):
        return False
    return True


def _traced(model):
    """`model` as a frozen TorchScript graph: the same operations and the same outputs (measured:
    no difference from the eager pass; the float32 test against sentence-transformers runs on it),
    run without going back to Python between them. Run eagerly, each of the forward pass's ~90
    operations takes the GIL back when it ends, so while ingest parsed the next paper (Python,
    holding the GIL) the worker threads waited at every step: measured, the corpus's passages
    took 85 s to encode beside a busy Python thread against 17 s alone; traced, 30 s beside it
    (the two then share only the cores). Traced once at load (0.05 s); shapes stay dynamic."""
    import warnings

    import torch

    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # trace with padding present
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape arithmetic: the shapes stay dynamic
        return torch.jit.freeze(torch.jit.trace(model, (ids, mask), check_trace=False))


class TorchEncoder(BatchedEncoder):
    # Padding is masked out and a batch's other rows change a text's outputs only in the last bits
    # (bfloat16 sums in another order), so batches can be cut for width freely. Not so for int8,
    # whose activations are scaled per batch (tried: it moved the vectors enough to lose 3 of the
    # labelled questions). Measured on the corpus's batches, in turns: at most 20% padding takes
    # about 7% less model time than 10% (133 batches, 217k padded word pieces, against 198 and
    # 208k: fewer, wider batches run better); 3% and 35% take more.
    max_padding = 0.2

    def __init__(self, model_dir: Path, max_tokens: int = 256, threads: int = 1, precision: str = "auto") -> None:
        import torch

        from vectorstore.bert import Bert

        super().__init__(model_dir, max_tokens, threads)
        if precision == "auto":
            precision = "bf16" if native_bf16() else "fp32"
        if precision not in ("bf16", "fp32"):
            raise ValueError(f"unknown precision {precision!r}; expected auto, bf16 or fp32")
        self.precision = precision
        # Pooling is ours (mean over word pieces, as MiniLM's sentence-transformers config says).
        self.model = _traced(Bert(model_dir, torch.bfloat16 if precision == "bf16" else torch.float32).eval())
        self._torch = torch

    def _worker_init(self) -> None:
        # Each worker runs its batch on its own core (see BatchedEncoder._workers): OpenMP on one
        # thread for this thread only. torch.set_num_threads(1) would also lower PyTorch's
        # process-wide default, which every thread that first uses PyTorch afterwards takes up:
        # measured, sentence-transformers run in the same process after an ingest went on one core
        # (65.5 s against 38.5 s for the textbook pipeline).
        self._torch.get_num_threads()  # this thread's own start-up of PyTorch's threading, first
        if not _openmp_this_thread(1):
            self._torch.set_num_threads(1)

    def _forward(self, ids: np.ndarray, mask: np.ndarray, bulk: bool) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            return self.model(torch.from_numpy(ids), torch.from_numpy(mask)).float().numpy()
