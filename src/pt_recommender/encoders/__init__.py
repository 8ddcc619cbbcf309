"""Encoders turn texts into unit vectors: `Encoder` protocol, factory, ONNX, sentence-transformers, fake."""

from .base import DEFAULT_MODEL, Encoder, HashingEncoder, model_path, model_slug, resolve_model, vocabulary_words
from .factory import BACKENDS, INT8_SUFFIX, configured_name, make_encoder
from .memo import MemoEncoder

__all__ = ["BACKENDS", "DEFAULT_MODEL", "INT8_SUFFIX", "Encoder", "HashingEncoder", "MemoEncoder", "configured_name",
           "make_encoder", "model_path", "model_slug", "resolve_model", "vocabulary_words"]
