"""The ONNX backend: the same MiniLM weights exported offline to ONNX with torch and run with
onnxruntime, either quantised to int8 with onnxruntime's dynamic quantisation (the fast path on CPUs
without native bfloat16; see `vectorstore.embedder.resolve_backend`) or kept in float32 (the torch
backend's question encoder: a question is a few word pieces, for which onnxruntime's float32 run
costs about 3 ms against PyTorch's 6, and its vectors match PyTorch's float32 ones). The exports are
cached (by default inside the virtualenv, made by `make install` via `papers warm`), keyed by a
hash of the weights, so each export (about 9 s) happens once per installation."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

from vectorstore.encoder import BatchedEncoder

PRECISIONS = ("int8", "fp32")


def _weights_digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("config.json", "model.safetensors"):
        path = model_dir / name
        h.update(name.encode())
        h.update(str(path.stat().st_size).encode())
        with path.open("rb") as f:
            h.update(f.read(1 << 20))  # size + first MiB identify the weights well enough
    return h.hexdigest()[:12]


def export_onnx(model_dir: Path, cache_dir: Path, precision: str = "int8") -> Path:
    """The model exported to ONNX in `precision` (int8: quantised from the float32 export); returns
    its path. Both files are cached: the float32 one is the torch backend's question encoder."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown ONNX precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    stem = f"minilm-{_weights_digest(model_dir)}"
    fp32 = cache_dir / f"{stem}-fp32.onnx"
    target = cache_dir / f"{stem}-int8pc.onnx" if precision == "int8" else fp32
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        tmp = fp32.with_name(f".{fp32.name}.{os.getpid()}")
        _export_fp32(model_dir, tmp)
        tmp.replace(fp32)  # atomic: concurrent processes never load a half-written model
    if precision == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        # Per-channel weights keep mean cosine to fp32 at 0.99 on our passages (per-tensor: 0.95).
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
        tmp.replace(target)
    return target


def _export_fp32(model_dir: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

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
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about constant shapes; checked in tests
        torch.onnx.export(
            _Hidden(model),
            (dummy, dummy_mask, torch.zeros_like(dummy)),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


class OnnxEncoder(BatchedEncoder):
    def __init__(
        self, model_dir: Path, cache_dir: Path, max_tokens: int = 256, threads: int = 1, precision: str = "int8"
    ) -> None:
        import onnxruntime as ort

        super().__init__(model_dir, max_tokens, threads)
        self.precision = precision
        self.path = export_onnx(model_dir, cache_dir, precision)
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
