"""BM25 over diacritic-free syllables and syllable pairs, with two fields (names and body).

Postings are numpy arrays, so a query touches only the documents that share one of its terms.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from knowledge_base.documents import SearchDocument
from knowledge_base.normalise import Expander, pairs, syllables, terms

NAME_WEIGHT = 1.0
BODY_WEIGHT = 0.25
K1 = 1.2
B = 0.6


class _Field:
    """BM25 statistics of one text field across all documents."""

    def __init__(self, texts: Sequence[list[str]]) -> None:
        n = len(texts)
        lengths = np.array([len(t) for t in texts], dtype=np.float32)
        average = float(lengths.mean()) if n else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc, tokens in enumerate(texts):
            for term, count in Counter(tokens).items():
                postings[term].append((doc, count))
        norm = K1 * (1 - B + B * lengths / max(average, 1e-6))
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, items in postings.items():
            docs = np.fromiter((d for d, _ in items), dtype=np.int32, count=len(items))
            tf = np.fromiter((c for _, c in items), dtype=np.float32, count=len(items))
            idf = math.log(1 + (n - len(items) + 0.5) / (len(items) + 0.5))
            self.postings[term] = (docs, idf * tf * (K1 + 1) / (tf + norm[docs]))

    def add_scores(self, query_terms: list[str], scores: np.ndarray, weight: float) -> None:
        for term in set(query_terms):
            hit = self.postings.get(term)
            if hit is not None:
                np.add.at(scores, hit[0], weight * hit[1])


class LexicalIndex:
    """Ranks documents for a query; ``search`` returns (document position, score), best first."""

    def __init__(self, documents: Sequence[SearchDocument], expander: Expander) -> None:
        self._expander = expander
        self._size = len(documents)
        self._names = _Field([[t for n in d.names for t in terms(n, expander)] for d in documents])
        self._body = _Field([terms(d.body, expander) for d in documents])
        self._spelling = _SpellingIndex(
            t for t in [*self._names.postings, *self._body.postings] if "_" not in t)

    def scores(self, query: str) -> np.ndarray:
        tokens = [self._spelling.correct(t) for t in self._expander(syllables(query))]
        query_terms = tokens + pairs(tokens)
        scores = np.zeros(self._size, dtype=np.float32)
        self._names.add_scores(query_terms, scores, NAME_WEIGHT)
        self._body.add_scores(query_terms, scores, BODY_WEIGHT)
        return scores


class _SpellingIndex:
    """Corrects a syllable the catalog never uses to one it does, one edit away ("karaok" →
    "karaoke"), with a SymSpell-style table of single deletions."""

    MIN_LENGTH = 4

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = set(vocabulary)
        self._by_deletion: dict[str, str] = {}
        for word in sorted(self._known, key=len):
            for variant in _deletions(word):
                self._by_deletion.setdefault(variant, word)

    def correct(self, token: str) -> str:
        if token in self._known or len(token) < self.MIN_LENGTH or token.isdigit():
            return token
        if token in self._by_deletion:  # the citizen dropped a letter
            return self._by_deletion[token]
        for variant in _deletions(token):  # an extra or a swapped letter
            if variant in self._known:
                return variant
            if variant in self._by_deletion:
                return self._by_deletion[variant]
        return token


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}
