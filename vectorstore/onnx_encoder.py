"""A faster encoder for the same MiniLM weights: exported offline to ONNX with torch, quantised to
int8 with onnxruntime's dynamic quantisation, run with onnxruntime. Mean pooling and
normalisation match sentence-transformers. The exported model is cached (by default inside the
virtualenv, made by `make install` via `papers warm`), keyed by a hash of the weights, so the
export (about 9 s) happens once per installation."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from vectorstore import late_interaction

# Word pieces per batch row of a full-length batch: a batch holds batch_size * TOKENS_PER_ROW word
# pieces, however they are split into rows (measured best between 2k and 4k on this CPU).
TOKENS_PER_ROW = 128


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


class OnnxEncoder:
    def __init__(self, model_dir: Path, cache_dir: Path, max_tokens: int = 256, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.path = export_int8(model_dir, cache_dir)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Questions: one short run at a time, on all cores.
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        # The bundled tokenizer.json pads and truncates to 128; we batch and truncate ourselves.
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_tokens = max_tokens
        self.threads = max(1, threads)
        self.content = late_interaction.content_pieces(self.tokenizer.get_vocab())
        self.model_seconds = 0.0  # time inside the model for passages, summed over threads
        self._lock = threading.Lock()
        self._bulk = None
        self._pool = None

    def _passage_runner(self):
        """(session, executor) for passages: a single-threaded session that `threads` worker threads
        run batches on side by side. On two cores that is about a fifth faster than one two-thread
        session running the batches in turn (no synchronising inside every operator, no spinning
        threads while Python pools a batch), and it frees the caller to parse the next paper. A
        batch's output does not depend on the session's thread count (checked in the tests)."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    import onnxruntime as ort

                    options = ort.SessionOptions()
                    options.log_severity_level = 3
                    options.intra_op_num_threads = 1
                    options.inter_op_num_threads = 1
                    self._bulk = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="encode")
        return self._bulk, self._pool

    def encode(self, texts: list[str], batch_size: int = 32, progress=None) -> np.ndarray:
        """Unit-length embeddings (mean of each text's word-piece outputs). All texts are tokenised
        once and identical texts are encoded once; see `_hidden` for the batching. `progress(n)`
        is called after each batch with the number of texts it encoded."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        first: dict[str, int] = {}
        twin = [first.setdefault(t, i) for i, t in enumerate(texts)]
        unique = list(first.values())  # indices of the first occurrence of each distinct text
        encodings = [self._truncate(e.ids) for e in self.tokenizer.encode_batch([texts[i] for i in unique])]
        for batch, hidden, mask in self._hidden(encodings, batch_size):
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out[[unique[j] for j in batch]] = _unit(pooled)
            if progress is not None:
                progress(len(batch))
        if len(unique) < len(texts):
            out[:] = out[twin]
        return out

    def encode_passages(
        self, texts: list[str], windows: list[list[list[tuple[int, int]]]], batch_size: int = 32, progress=None
    ) -> tuple[np.ndarray, list[bytes]]:
        """Late chunking: each text is encoded once and each of its windows (`windows[i]`, lists of
        character ranges of `texts[i]`) gets the mean of the outputs of the word pieces inside its
        ranges: one unit-length row per window, texts in order. A window whose word pieces were
        all cut off by the model's window takes the whole text's vector. Also returns each text's
        content word pieces, packed for late interaction (vectorstore.late_interaction)."""
        return self.submit_passages(texts, windows, batch_size, progress).result()

    def submit_passages(
        self, texts: list[str], windows: list[list[list[tuple[int, int]]]], batch_size: int = 32, progress=None
    ) -> Future:
        """`encode_passages` in the background: the texts' batches go to the encoder's worker
        threads and the returned future holds (window vectors, packed word pieces) when the last
        is done. The batches are cut from these texts alone (see `_plan`), so a text's vectors
        never depend on what else is being encoded: int8 activations are scaled per batch, and a
        paper's vectors would otherwise depend on which other papers were ingested with it."""
        rows = sum(len(w) for w in windows)
        out = np.zeros((rows, 384), dtype=np.float32)
        states: list[bytes] = [b""] * len(texts)
        done: Future = Future()
        if not texts:
            done.set_result((out, states))
            return done
        encoded = self.tokenizer.encode_batch(texts)
        encodings = [self._truncate(e.ids) for e in encoded]
        first_row = np.cumsum([0] + [len(w) for w in windows])
        session, pool = self._passage_runner()

        def run(batch: list[int]) -> None:
            hidden, mask = self._run(session, batch, encodings)
            lengths = mask.sum(axis=1)
            pieces = []
            for row, j in enumerate(batch):
                n = int(lengths[row])
                weights = span_weights(model_offsets(encoded[j].offsets, n), windows[j], n)
                out[first_row[j] : first_row[j + 1]] = _unit(weights @ hidden[row, :n])
                pieces.append(hidden[row, :n][self.content[encodings[j]]])
            # One projection for the whole batch (one per text took about 8% of the model's time).
            packed = late_interaction.pack(np.concatenate(pieces))
            width = late_interaction.DIM
            start = 0
            for j, p in zip(batch, pieces):
                states[j] = packed[start * width : (start + len(p)) * width]
                start += len(p)
            if progress is not None:
                progress(len(batch))

        batches = self._plan(encodings, batch_size)
        remaining = [len(batches)]
        lock = threading.Lock()

        def finished(future: Future) -> None:
            with lock:  # batches finish on different threads; the first failure is the answer
                remaining[0] -= 1
                if done.done():
                    return
                if future.exception() is not None:
                    done.set_exception(future.exception())
                elif remaining[0] == 0:
                    done.set_result((out, states))

        for batch in batches:
            pool.submit(run, batch).add_done_callback(finished)
        return done

    def encode_query(self, text: str) -> tuple[np.ndarray, late_interaction.Pieces]:
        """The question's vector (as `encode`) and its content word pieces, reduced for MaxSim."""
        encoding = self.tokenizer.encode(text)
        ids = self._truncate(encoding.ids)
        _, hidden, _ = next(self._hidden([ids], 1))
        hidden = hidden[0]
        vector = _unit(hidden.mean(axis=0, keepdims=True))[0]
        keep = self.content[ids]
        spans = [span for span, k in zip(encoding.offsets[: len(ids)], keep) if k]
        return vector, late_interaction.Pieces(late_interaction.reduce(hidden[keep]), spans)

    def _hidden(self, encodings: list[list[int]], batch_size: int):
        """(indices into `encodings`, last hidden states, attention mask) per batch of `_plan`,
        run in turn on the all-cores session."""
        for batch in self._plan(encodings, batch_size):
            hidden, mask = self._run(self.session, batch, encodings)
            yield batch, hidden, mask

    @staticmethod
    def _plan(encodings: list[list[int]], batch_size: int) -> list[list[int]]:
        """Batches of indices into `encodings`, cut from the texts sorted by word-piece count under
        a budget of `batch_size * TOKENS_PER_ROW` word pieces (so short texts go in wide batches,
        long ones in narrow ones). Sorting by characters, as before, left a third of the model's
        work on padding on the committee corpus; by word pieces it is about 2%."""
        order = sorted(range(len(encodings)), key=lambda j: len(encodings[j]))
        budget = batch_size * TOKENS_PER_ROW
        batches = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(encodings[order[end]]) <= budget:
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _run(self, session, batch: list[int], encodings: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The model's last hidden states for one batch, padded to its longest text, and the mask."""
        width = max(len(encodings[j]) for j in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, j in enumerate(batch):
            e = encodings[j]
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        started = time.perf_counter()
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        if session is not self.session:
            with self._lock:
                self.model_seconds += time.perf_counter() - started
        return hidden, mask

    def _truncate(self, ids: list[int]) -> list[int]:
        """Keep the model's window, ending with [SEP] as the model expects."""
        if len(ids) > self.max_tokens:
            ids = ids[: self.max_tokens - 1] + ids[-1:]
        return ids


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


def model_offsets(offsets: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """The character offsets of the n positions the model saw: a text cut to the model's window
    ends with [SEP] (no characters) in place of its n-th word piece."""
    return offsets if len(offsets) <= n else offsets[: n - 1] + [(0, 0)]


def span_weights(offsets: list[tuple[int, int]], windows: list[list[tuple[int, int]]], n: int) -> np.ndarray:
    """(windows x n) averaging weights: row w spreads 1 evenly over the word pieces (by their
    character offsets) that lie inside window w's ranges. [CLS], [SEP] and padding (empty
    offsets) are in no window; a window with no word piece left averages all n."""
    starts = np.fromiter((a for a, _ in offsets), dtype=np.int64, count=n)
    ends = np.fromiter((b for _, b in offsets), dtype=np.int64, count=n)
    real = ends > starts
    weights = np.zeros((len(windows), n), dtype=np.float32)
    for w, ranges in enumerate(windows):
        inside = np.zeros(n, dtype=bool)
        for a, b in ranges:
            inside |= (starts >= a) & (ends <= b)
        inside &= real
        weights[w] = inside if inside.any() else 1.0
    return weights / weights.sum(axis=1, keepdims=True)
