"""Hybrid index: BM25 on diacritic-free text fused with dense vectors in faiss (reciprocal rank).

A document may have several passages (its title, aliases, their unaccented copies); its dense score
is the best of them. The dense part is saved to disk with a fingerprint of what it was built from, so
``build`` re-encodes only when the catalog, the dictionary or the encoder changed. Updates to one
document (an FAQ edited by a volunteer) re-encode only that document.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import faiss
import numpy as np

from knowledge_base.accents import AccentRestorer
from knowledge_base.documents import Kind, SearchDocument
from knowledge_base.encoders import Encoder
from knowledge_base.lexical import LexicalIndex
from knowledge_base.normalise import ABBREVIATIONS_FILE, Expander

RRF_K = 5
DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 1.0
CANDIDATES = 50

# A flat search over tens of thousands of vectors takes ~1 ms on one core; faiss's OpenMP threads
# would instead keep spinning and slow the encoder that runs right after (measured: p50 30 → 22 ms
# at 10,000 documents on 2 cores).
faiss.omp_set_num_threads(1)

Progress = Callable[[Iterable[list[str]], int], Iterable[list[str]]]


@dataclass(frozen=True)
class Hit:
    """One search result. ``score`` is the fused score; the parts explain it."""

    id: str
    kind: Kind
    title: str
    score: float
    lexical_score: float
    dense_score: float
    lexical_rank: int | None
    dense_rank: int | None


def fingerprint(documents: Sequence[SearchDocument], encoder_name: str) -> str:
    digest = hashlib.sha256(encoder_name.encode())
    digest.update(ABBREVIATIONS_FILE.read_bytes())
    for doc in documents:
        digest.update(json.dumps(asdict(doc), ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()[:16]


class HybridIndex:
    """Search over procedures and FAQs. Thread-safe: updates swap whole structures under a lock."""

    def __init__(self, encoder: Encoder, expander: Expander | None = None) -> None:
        self.encoder = encoder
        self.expander = expander or Expander.from_yaml()
        self._lock = threading.Lock()
        self._documents: list[SearchDocument] = []
        self._vectors: dict[str, np.ndarray] = {}
        self._lexical = LexicalIndex([], self.expander)
        self._faiss: faiss.Index = faiss.IndexFlatIP(encoder.dim)
        self._passage_owner = np.zeros(0, dtype=np.int32)
        self._accents = AccentRestorer([])
        self._query_vector = lru_cache(maxsize=2048)(self._encode_query)

    # ---- building -----------------------------------------------------------------------------
    def build(self, documents: Sequence[SearchDocument], progress: Progress | None = None,
              cache_dir: Path | None = None, batch_size: int = 32) -> bool:
        """Index ``documents``. Returns True when vectors were (re)computed, False when the cache
        in ``cache_dir`` already matched."""
        documents = list(documents)
        key = fingerprint(documents, self.encoder.name)
        vectors = self._load_cache(cache_dir, key) if cache_dir else None
        computed = vectors is None
        if vectors is None:
            vectors = self._encode_all(documents, progress, batch_size)
            if cache_dir:
                self._save_cache(cache_dir, key, vectors)
        with self._lock:
            self._vectors = vectors
            self._install(documents)
        return computed

    def upsert(self, document: SearchDocument) -> None:
        """Add or replace one document, live (no restart, no Rasa retraining)."""
        vectors = self.encoder.encode_passages(document.passages)
        with self._lock:
            docs = [d for d in self._documents if d.id != document.id] + [document]
            self._vectors = {**self._vectors, document.id: vectors}
            self._install(docs)

    def copy_with(self, document: SearchDocument | None = None) -> HybridIndex:
        """A private copy sharing this index's vectors, plus ``document`` (only its passages are
        encoded). "Try it" previews a draft with it; the live index is never touched."""
        extra = self.encoder.encode_passages(document.passages) if document else None
        copy = HybridIndex(self.encoder, self.expander)
        with self._lock:
            documents, vectors = self._documents, self._vectors
        if document is not None and extra is not None:
            documents = [d for d in documents if d.id != document.id] + [document]
            vectors = {**vectors, document.id: extra}
        copy._vectors = dict(vectors)
        copy._install(list(documents))
        return copy

    def remove(self, document_id: str) -> None:
        with self._lock:
            docs = [d for d in self._documents if d.id != document_id]
            self._vectors = {k: v for k, v in self._vectors.items() if k != document_id}
            self._install(docs)

    def _encode_all(self, documents: list[SearchDocument], progress: Progress | None,
                    batch_size: int) -> dict[str, np.ndarray]:
        passages = [(d.id, p) for d in documents for p in d.passages]
        batches = [[p for _, p in passages[i:i + batch_size]]
                   for i in range(0, len(passages), batch_size)]
        iterator: Iterable[list[str]] = progress(batches, len(passages)) if progress else batches
        encoded = [self.encoder.encode_passages(batch) for batch in iterator]
        matrix = np.vstack(encoded) if encoded else np.zeros((0, self.encoder.dim), np.float32)
        out: dict[str, list[np.ndarray]] = {}
        for (doc_id, _), row in zip(passages, matrix, strict=True):
            out.setdefault(doc_id, []).append(row)
        return {k: np.vstack(v) for k, v in out.items()}

    def _install(self, documents: list[SearchDocument]) -> None:
        owners: list[int] = []
        rows: list[np.ndarray] = []
        for position, doc in enumerate(documents):
            vectors = self._vectors.get(doc.id)
            if vectors is None:
                continue
            rows.append(vectors)
            owners.extend([position] * len(vectors))
        index = faiss.IndexFlatIP(self.encoder.dim)
        if rows:
            index.add(np.vstack(rows).astype(np.float32))
        self._faiss = index
        self._passage_owner = np.asarray(owners, dtype=np.int32)
        self._lexical = LexicalIndex(documents, self.expander)
        self._accents = AccentRestorer(t for d in documents for t in [*d.names, d.body])
        self._documents = documents

    def _load_cache(self, cache_dir: Path, key: str) -> dict[str, np.ndarray] | None:
        path = cache_dir / f"vectors-{key}.npz"
        if not path.exists():
            return None
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    def _save_cache(self, cache_dir: Path, key: str, vectors: dict[str, np.ndarray]) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("vectors-*.npz"):
            old.unlink()
        tmp = cache_dir / f"vectors-{key}.tmp.npz"
        np.savez(tmp, **vectors)
        tmp.replace(cache_dir / f"vectors-{key}.npz")

    @staticmethod
    def is_cached(cache_dir: Path, documents: Sequence[SearchDocument], encoder_name: str) -> bool:
        return (cache_dir / f"vectors-{fingerprint(documents, encoder_name)}.npz").exists()

    # ---- searching ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._documents)

    def document(self, document_id: str) -> SearchDocument | None:
        return next((d for d in self._documents if d.id == document_id), None)

    def _encode_query(self, query: str) -> np.ndarray:
        # The encoder reads accented Vietnamese far better than its stripped form.
        return self.encoder.encode_queries([self._accents.restore(self.expander.rewrite(query))])[0]

    def lexical_scores(self, query: str) -> np.ndarray:
        return self._lexical.scores(query)

    def dense_scores(self, query: str) -> np.ndarray:
        """Best cosine similarity per document (0 for documents without vectors)."""
        scores = np.zeros(len(self._documents), dtype=np.float32)
        if self._faiss.ntotal == 0:
            return scores
        k = min(self._faiss.ntotal, CANDIDATES * 8)
        sims, ids = self._faiss.search(self._query_vector(query)[None, :], k)
        valid = ids[0] >= 0
        np.maximum.at(scores, self._passage_owner[ids[0][valid]], sims[0][valid])
        return scores

    def search(self, query: str, kind: str = "all", top: int = 5,
               mode: str = "hybrid") -> list[Hit]:
        """Best ``top`` documents for ``query``; ``mode`` is hybrid, lexical or dense."""
        query = query.strip()[:500]  # long pastes add noise, not meaning
        with self._lock:
            documents = self._documents
            if not query or not documents:
                return []
            lexical = self.lexical_scores(query) if mode != "dense" else None
            dense = self.dense_scores(query) if mode != "lexical" else None
        allowed = np.array([kind in ("all", d.kind) for d in documents])
        lex_rank = _ranks(lexical, allowed) if lexical is not None else {}
        dense_rank = _ranks(dense, allowed) if dense is not None else {}
        fused: dict[int, float] = {}
        for ranks, weight in ((lex_rank, LEXICAL_WEIGHT), (dense_rank, DENSE_WEIGHT)):
            for position, rank in ranks.items():
                fused[position] = fused.get(position, 0.0) + weight / (RRF_K + rank)
        best = sorted(fused, key=lambda p: (-fused[p], p))[:top]
        return [
            Hit(
                id=documents[p].id, kind=documents[p].kind, title=documents[p].title,
                score=round(fused[p] * (RRF_K + 1) / _max_weight(mode), 4),
                lexical_score=float(lexical[p]) if lexical is not None else 0.0,
                dense_score=float(dense[p]) if dense is not None else 0.0,
                lexical_rank=lex_rank.get(p), dense_rank=dense_rank.get(p),
            )
            for p in best
        ]


def _max_weight(mode: str) -> float:
    return {"lexical": LEXICAL_WEIGHT, "dense": DENSE_WEIGHT}.get(mode, LEXICAL_WEIGHT + DENSE_WEIGHT)


def _ranks(scores: np.ndarray, allowed: np.ndarray) -> dict[int, int]:
    """1-based ranks of the best CANDIDATES allowed documents with a positive score."""
    masked = np.where(allowed & (scores > 0), scores, -np.inf)
    count = min(CANDIDATES, int(np.isfinite(masked).sum()))
    if count == 0:
        return {}
    top = np.argpartition(-masked, count - 1)[:count]
    top = top[np.argsort(-masked[top], kind="stable")]
    return {int(p): rank for rank, p in enumerate(top, start=1)}
