"""Batched encoding with MiniLM, whatever runs the model: late chunking (a vector per window from
one encoding of a whole passage), the word pieces kept for late interaction, plain sentence
vectors and a question's vector and word pieces. The backends (`torch_encoder.TorchEncoder`:
PyTorch, in bfloat16 where the CPU multiplies it natively; `onnx_encoder.OnnxEncoder`: int8 ONNX)
only supply `_forward`: word-piece ids in, last hidden states out.

Ingest encodes on worker threads (`submit_passages`) while the caller parses the next paper; a
paper's batches are cut from its own passages only, so its vectors never depend on what else is
ingested with it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from vectorstore import blas, late_interaction

# Word pieces per batch row of a full-length batch: a batch holds batch_size * TOKENS_PER_ROW word
# pieces, however they are split into rows (measured best between 2k and 4k on this CPU).
TOKENS_PER_ROW = 128


def load_tokenizer(model_dir: Path):
    """The model's word-piece tokenizer. The bundled tokenizer.json pads and truncates to 128; we
    batch and truncate ourselves."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class BatchedEncoder:
    """The model-independent part of encoding; a backend implements `_forward` (and may override
    `_worker_init`, run once on each worker thread)."""

    # Largest share of padding a batch may hold (see `_plan`); None: the word-piece budget alone.
    max_padding: float | None = None

    def __init__(self, model_dir: Path, max_tokens: int = 256, threads: int = 1) -> None:
        self.tokenizer = load_tokenizer(model_dir)
        self.max_tokens = max_tokens
        self.threads = max(1, threads)
        self.content = late_interaction.content_pieces(self.tokenizer.get_vocab())
        self.model_seconds = 0.0  # time inside the model for passages, summed over threads
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _forward(self, ids: np.ndarray, mask: np.ndarray, bulk: bool) -> np.ndarray:
        """Last hidden states (batch, tokens, 384) as float32 for padded word-piece ids and their
        attention mask. `bulk`: called from a passage worker thread (one of `threads` running side
        by side, each on one core); otherwise a question, run alone on all cores."""
        raise NotImplementedError

    def _worker_init(self) -> None:
        """Run once on each passage worker thread before its first batch."""

    def _workers(self) -> ThreadPoolExecutor:
        """The passage worker threads: `threads` of them, each running one batch at a time on one
        core. On two cores that is about a fifth faster than one two-thread run of the batches in
        turn (no synchronising inside every operator, no spinning threads while Python pools a
        batch), and it frees the caller to parse the next paper. numpy's BLAS is kept to one
        thread (vectorstore.blas): its spinning threads would take the workers' cores."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    blas.single_threaded()
                    self._pool = ThreadPoolExecutor(
                        self.threads, thread_name_prefix="encode", initializer=self._worker_init
                    )
        return self._pool

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
        never depend on what else is being encoded: a text's outputs move slightly with its batch
        (int8 activations are scaled per batch; bfloat16 sums depend on the padded width), and a
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
        pool = self._workers()

        def run(batch: list[int]) -> None:
            hidden, mask = self._run(batch, encodings, bulk=True)
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
        run in turn on all cores."""
        for batch in self._plan(encodings, batch_size):
            hidden, mask = self._run(batch, encodings)
            yield batch, hidden, mask

    def _plan(self, encodings: list[list[int]], batch_size: int) -> list[list[int]]:
        """Batches of indices into `encodings`, cut from the texts sorted by word-piece count under
        a budget of `batch_size * TOKENS_PER_ROW` word pieces (so short texts go in wide batches,
        long ones in narrow ones). A backend with `max_padding` also closes a batch before the
        next text would make padding more than that share of its word pieces: one paper's texts
        are few, so their lengths jump, and a budget alone left about a fifth of the corpus's
        model work on padding."""
        order = sorted(range(len(encodings)), key=lambda j: len(encodings[j]))
        budget = batch_size * TOKENS_PER_ROW
        limit = 1 + self.max_padding if self.max_padding is not None else float("inf")
        batches = []
        start = 0
        while start < len(order):
            end, real = start + 1, len(encodings[order[start]])
            while end < len(order):
                width = len(encodings[order[end]])
                rows = end - start + 1
                if rows * width > budget or rows * width > limit * (real + width):
                    break
                real += width
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _run(self, batch: list[int], encodings: list[list[int]], bulk: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The model's last hidden states for one batch, padded to its longest text, and the mask."""
        width = max(len(encodings[j]) for j in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, j in enumerate(batch):
            e = encodings[j]
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        started = time.perf_counter()
        hidden = self._forward(ids, mask, bulk)
        if bulk:
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
