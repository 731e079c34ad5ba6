"""Question-time retrieval: gather (gather.py), fuse (fuse.py), decide (decide.py)."""

from .decide import Decision, decide, refusal
from .retriever import HybridRetriever, RetrievalResult

__all__ = ["Decision", "HybridRetriever", "RetrievalResult", "decide", "refusal"]
