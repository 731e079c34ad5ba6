"""The int8 ONNX backend: the same MiniLM weights exported offline to ONNX with torch, quantised to
int8 with onnxruntime's dynamic quantisation, run with onnxruntime. The fast path on CPUs without
native bfloat16 (see `vectorstore.embedder.resolve_backend`). The exported model is cached (by
default inside the virtualenv, made by `make install` via `papers warm`), keyed by a hash of the
weights, so the export (about 9 s) happens once per installation."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

from vectorstore.encoder import BatchedEncoder


def _weights_digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("config.json", "model.safetensors"):
        path = model_dir / name
        h.update(name.encode())
        h.update(str(path.stat().st_size).encode())
        with path.open("rb") as f:
            h.update(f.read(1 << 20))  # size + first MiB identify the weights well enough
    return h.hexdigest()[:12]


def export_int8(model_dir: Path, cache_dir: Path) -> Path:
    """Export the transformer to ONNX and quantise it; returns the int8 model path (cached)."""
    target = cache_dir / f"minilm-{_weights_digest(model_dir)}-int8pc.onnx"
    if target.exists():
        return target
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    cache_dir.mkdir(parents=True, exist_ok=True)
    # Eager attention: the SDPA path specialises on the traced mask and would ignore padding.
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = torch.ones(2, 8, dtype=torch.long)
    dummy_mask = torch.ones_like(dummy)
    dummy_mask[1, 5:] = 0  # trace with padding present
    axes = {0: "batch", 1: "tokens"}
    fp32 = cache_dir / f".{target.stem}-fp32-{os.getpid()}.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about constant shapes; checked in tests
        torch.onnx.export(
            _Hidden(model),
            (dummy, dummy_mask, torch.zeros_like(dummy)),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    # Per-channel weights keep mean cosine to fp32 at 0.99 on our passages (per-tensor: 0.95).
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    fp32.unlink(missing_ok=True)
    tmp.replace(target)  # atomic: concurrent processes never load a half-written model
    return target


class OnnxEncoder(BatchedEncoder):
    def __init__(self, model_dir: Path, cache_dir: Path, max_tokens: int = 256, threads: int = 1) -> None:
        import onnxruntime as ort

        super().__init__(model_dir, max_tokens, threads)
        self.path = export_int8(model_dir, cache_dir)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Questions: one short run at a time, on all cores.
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self._bulk = None

    def bulk_session(self):
        """The passage workers' session: single-threaded, shared by the worker threads (a batch's
        output does not depend on the session's thread count; checked in the tests)."""
        if self._bulk is None:
            with self._lock:
                if self._bulk is None:
                    import onnxruntime as ort

                    options = ort.SessionOptions()
                    options.log_severity_level = 3
                    options.intra_op_num_threads = 1
                    options.inter_op_num_threads = 1
                    self._bulk = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        return self._bulk

    def _forward(self, ids: np.ndarray, mask: np.ndarray, bulk: bool) -> np.ndarray:
        session = self.bulk_session() if bulk else self.session
        return session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
