"""The textbook LangChain RAG retrieval pipeline, as the baseline the benchmark compares against.

Page-wise loading (PyMuPDFLoader: one Document per PDF page; TextLoader: one per .txt file),
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), HuggingFaceEmbeddings with the
same bundled all-MiniLM-L6-v2 on CPU, a persisted Chroma store in a temporary directory, and
plain `similarity_search`. Nothing here is tuned: it is the tutorial recipe.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class TextbookPipeline:
    def __init__(self, persist_dir: str | Path | None = None, model_path: str | Path | None = None) -> None:
        self._own_dir = persist_dir is None
        self.persist_dir = Path(persist_dir or tempfile.mkdtemp(prefix="textbook-chroma-"))
        self.model_path = model_path
        self.chunks = 0
        self.pages = 0
        self._store = None
        self._embeddings = None

    def _make_embeddings(self):
        from langchain_huggingface import HuggingFaceEmbeddings

        if self.model_path is None:
            from vectorstore.embedder import default_model_path

            self.model_path = default_model_path()
        return HuggingFaceEmbeddings(model_name=str(self.model_path), model_kwargs={"device": "cpu"})

    @staticmethod
    def _load(path: Path) -> list:
        from langchain_community.document_loaders import PyMuPDFLoader, TextLoader

        suffix = path.suffix.lower()
        if suffix == ".pdf":
            return PyMuPDFLoader(str(path)).load()
        if suffix in (".txt", ".md", ".html"):
            return TextLoader(str(path), encoding="utf-8", autodetect_encoding=True).load()
        return []

    def ingest(self, paths: Iterable[str | Path]) -> tuple[float, int]:
        """Load, split, embed and store `paths` (files or folders). Returns (seconds, pages).

        The time includes loading the embedding model, as the textbook script does on each run.
        """
        import chromadb.config
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        files: list[Path] = []
        for p in map(Path, paths):
            files.extend(sorted(q for q in p.iterdir() if q.is_file()) if p.is_dir() else [p])
        docs = []
        for f in files:
            docs.extend(self._load(f))
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = splitter.split_documents(docs)
        self._embeddings = self._make_embeddings()
        self._store = Chroma.from_documents(
            chunks,
            self._embeddings,
            persist_directory=str(self.persist_dir),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False),
        )
        self.pages = len(docs)
        self.chunks = len(chunks)
        return time.perf_counter() - started, self.pages

    def similarity_search(self, query: str, k: int = 5) -> list:
        if self._store is None:
            raise RuntimeError("ingest first")
        return self._store.similarity_search(query, k=k)

    def search(self, query: str, k: int = 5) -> list[tuple[str, int | None, str]]:
        """(source file name, 1-based page or None, text) for the top `k` chunks."""
        out = []
        for d in self.similarity_search(query, k=k):
            page = d.metadata.get("page")
            out.append(
                (
                    Path(d.metadata.get("source", "")).name,
                    page + 1 if isinstance(page, int) else None,
                    d.page_content,
                )
            )
        return out

    def close(self) -> None:
        self._store = None
        if self._own_dir:
            shutil.rmtree(self.persist_dir, ignore_errors=True)
