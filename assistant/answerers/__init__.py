"""Answerers: `base.Answerer` is the interface; `extractive.ExtractiveAnswerer` the default."""

from .base import Answerer, answer_pieces, stream_whole
from .extractive import ExtractiveAnswerer

__all__ = ["Answerer", "ExtractiveAnswerer", "answer_pieces", "stream_whole"]
