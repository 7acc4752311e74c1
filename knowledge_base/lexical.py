"""BM25 over diacritic-free syllables and syllable pairs, field by field.

A procedure is matched mostly on its names (title without the level, aliases), then on its body
(field, agency, fees, conditions), its result, its documents and its steps, each with its own
weight. Postings are numpy arrays, so a query touches only the documents that share one of its terms.

The big postings are built once; a document added or replaced later (a volunteer's FAQ published
live) goes into a small overlay scored directly with the base statistics, so publishing costs
milliseconds instead of a rebuild. ``with_document`` returns a new index and never changes the old
one, so readers need no lock.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from types import MappingProxyType

import numpy as np

from knowledge_base.acronyms import Acronyms
from knowledge_base.documents import SearchDocument
from knowledge_base.normalise import Expander, pairs, syllables, terms

# Weights measured on the national catalog's dev questions (bench/retrieval_quality.py --national):
# names decide; a procedure's result and documents help with questions phrased as cases.
FIELD_WEIGHTS = MappingProxyType({
    "names": 1.0, "body": 0.25, "result": 0.2, "documents": 0.1, "steps": 0.05,
})
K1 = 1.2
B = 0.6
SPELLING_FIELDS = ("names", "body")
_VOWELS = frozenset("aeiouy")


def document_fields(doc: SearchDocument, expander: Expander) -> dict[str, list[str]]:
    """The index terms of each weighted field of ``doc``."""
    out = {"names": [t for n in doc.names for t in terms(n, expander)],
           "body": terms(doc.body, expander)}
    for name, text in doc.sections.items():
        if name in FIELD_WEIGHTS:
            out[name] = terms(text, expander)
    return out


class _Field:
    """BM25 statistics of one text field across the documents of the base index."""

    def __init__(self, texts: Sequence[list[str]]) -> None:
        self.size = len(texts)
        lengths = np.array([len(t) for t in texts], dtype=np.float32)
        self.average = max(float(lengths.mean()) if self.size else 1.0, 1e-6)
        # One flat (term, document, count) table sorted by term, then cut into postings: numpy
        # does in one pass what a dict of lists did term by term (national catalog: 3 s → 1 s).
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        counts: list[int] = []
        for doc, tokens in enumerate(texts):
            counted = Counter(tokens)
            term_ids.extend([vocabulary.setdefault(t, len(vocabulary)) for t in counted])
            doc_ids.extend([doc] * len(counted))
            counts.extend(counted.values())
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if not vocabulary:
            return
        terms = np.asarray(term_ids, dtype=np.int32)
        order = np.argsort(terms, kind="stable")
        docs = np.asarray(doc_ids, dtype=np.int32)[order]
        tf = np.asarray(counts, dtype=np.float32)[order]
        frequency = np.bincount(terms, minlength=len(vocabulary))
        idf = np.log1p((self.size - frequency + 0.5) / (frequency + 0.5))
        norm = K1 * (1 - B + B * lengths / self.average)
        weights = (idf[terms[order]] * tf * (K1 + 1) / (tf + norm[docs])).astype(np.float32)
        cuts = np.cumsum(frequency)[:-1]
        names = list(vocabulary)
        self.idf = dict(zip(names, idf.tolist(), strict=True))
        self.postings = dict(zip(
            names, zip(np.split(docs, cuts), np.split(weights, cuts), strict=True), strict=True))

    def _idf(self, frequency: int) -> float:
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def add_scores(self, query_terms: set[str], scores: np.ndarray, weight: float) -> None:
        for term in query_terms:
            hit = self.postings.get(term)
            if hit is not None:   # a term's postings name each document once: plain indexing adds
                scores[hit[0]] += weight * hit[1]

    def score_one(self, query_terms: set[str], counts: Counter[str], length: int) -> float:
        """BM25 of one overlay document, with this field's statistics."""
        norm = K1 * (1 - B + B * length / self.average)
        total = 0.0
        for term in query_terms:
            tf = counts.get(term, 0)
            if tf:
                idf = self.idf.get(term) or self._idf(1)
                total += idf * tf * (K1 + 1) / (tf + norm)
        return total


class LexicalIndex:
    """Scores every document for a query (an array in document order)."""

    def __init__(self, documents: Sequence[SearchDocument], expander: Expander) -> None:
        self._expander = expander
        self._base_size = len(documents)
        per_doc = [document_fields(d, expander) for d in documents]
        self._fields = {name: _Field([fields.get(name, []) for fields in per_doc])
                        for name in FIELD_WEIGHTS}
        # Corrections aim at the words of names and bodies; the long sections would only add
        # memory and far-fetched corrections.
        self._spelling = _SpellingIndex(
            t for name in SPELLING_FIELDS for t in self._fields[name].postings if "_" not in t)
        self._size = len(documents)
        self._acronyms = Acronyms(n for d in documents for n in d.names)
        # position → (field → (term counts, length)) for documents added or replaced since the build
        self._overlay: dict[int, dict[str, tuple[Counter[str], int]]] = {}

    def __len__(self) -> int:
        return self._size

    def use_expander(self, expander: Expander) -> None:
        """Read questions with ``expander`` (an index loaded from disk gets the running one)."""
        self._expander = expander

    def name_weight(self, term: str) -> float:
        """How telling ``term`` is among the catalog's names (its IDF there; a word no name uses
        counts as much as the rarest)."""
        field = self._fields["names"]
        return field.idf.get(term) or field._idf(1)

    @property
    def overlay_size(self) -> int:
        return len(self._overlay)

    def with_document(self, position: int, document: SearchDocument) -> LexicalIndex:
        """A new index where ``document`` sits at ``position`` (a replacement, or the next
        position for a new one); this index is left untouched."""
        copy = object.__new__(LexicalIndex)
        copy.__dict__.update(self.__dict__)
        fields = document_fields(document, self._expander)
        copy._overlay = {**self._overlay,
                         position: {n: (Counter(t), len(t)) for n, t in fields.items()}}
        copy._size = max(self._size, position + 1)
        copy._spelling = self._spelling.adding(
            t for name in SPELLING_FIELDS for t in fields.get(name, []) if "_" not in t)
        copy._acronyms = self._acronyms.adding(document.names)
        return copy

    def without_position(self, position: int) -> LexicalIndex:
        """A new index where ``position`` matches nothing (the caller drops the document)."""
        copy = object.__new__(LexicalIndex)
        copy.__dict__.update(self.__dict__)
        copy._overlay = {**self._overlay, position: {}}
        return copy

    def query_terms(self, query: str, expander: Expander | None = None, *, correct: bool = True) -> set[str]:
        """The terms of ``query``; without ``correct`` a word the catalog does not know stays as
        typed (acronyms are still read), for judging how well a record covers it."""
        tokens: list[str] = []
        for token in (expander or self._expander)(syllables(query)):
            tokens.extend(self._read(token) if correct else self._as_acronym(token) or [token])
        return set(tokens + pairs(tokens))

    def spell_out(self, text: str) -> str:
        """``text`` with the acronyms of catalog names written out, for the dense encoder."""
        out = []
        for word in text.split():
            plain = syllables(word)
            phrase = self._as_acronym(plain[0]) if len(plain) == 1 else None
            out.append(" ".join(phrase) if phrase else word)
        return " ".join(out)

    def _as_acronym(self, token: str) -> list[str] | None:
        """The catalog phrase an unknown word without a vowel abbreviates ("chksb"): every
        Vietnamese syllable has a vowel, so such a word is not a typo of one."""
        if self._spelling.knows(token) or _VOWELS.intersection(token):
            return None
        return self._acronyms.expand(token)

    def _read(self, token: str) -> list[str]:
        """A known word as it is; an unknown one as an acronym of catalog names or as the known
        word one edit away ("karaok"), and a word with vowels as an acronym only when no known
        word is one edit away."""
        if self._spelling.knows(token):
            return [token]
        phrase = self._as_acronym(token)
        if phrase:
            return phrase
        corrected = self._spelling.correct(token)
        if corrected != token:
            return [corrected]
        return self._acronyms.expand(token) or [token]

    def field_scores(self, query_terms: set[str]) -> dict[str, np.ndarray]:
        """Unweighted BM25 of every document, field by field."""
        out: dict[str, np.ndarray] = {}
        for name, field in self._fields.items():
            scores = np.zeros(self._size, dtype=np.float32)
            field.add_scores(query_terms, scores[: self._base_size], 1.0)
            for position, fields in self._overlay.items():
                counts, length = fields.get(name, (None, 0))
                scores[position] = field.score_one(query_terms, counts, length) if counts else 0.0
            out[name] = scores
        return out

    def scores(self, query: str) -> np.ndarray:
        return weighted(self.field_scores(self.query_terms(query)))


def weighted(field_scores: dict[str, np.ndarray]) -> np.ndarray:
    """The lexical score: the fields' BM25 summed with ``FIELD_WEIGHTS``."""
    total = np.zeros_like(next(iter(field_scores.values())))
    for name, scores in field_scores.items():
        total += FIELD_WEIGHTS[name] * scores
    return total


class _SpellingIndex:
    """Corrects a syllable the catalog never uses to one it does, one edit away ("karaok" →
    "karaoke"), with a SymSpell-style table of single deletions."""

    MIN_LENGTH = 4

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = set(vocabulary)
        self._by_deletion: dict[str, str] = {}
        # Sorted (shortest, then alphabetical) and never in a set's order: the same typo must be
        # corrected to the same word in every process, whatever Python's hash seed.
        for word in sorted(self._known, key=lambda w: (len(w), w)):
            for variant in _deletions(word):
                self._by_deletion.setdefault(variant, word)

    def adding(self, words: Iterable[str]) -> _SpellingIndex:
        """This index plus ``words`` (shares nothing mutable with this one)."""
        new = [w for w in set(words) if w not in self._known]
        if not new:
            return self
        copy = object.__new__(_SpellingIndex)
        copy._known = self._known | set(new)
        copy._by_deletion = dict(self._by_deletion)
        for word in sorted(new, key=lambda w: (len(w), w)):
            for variant in _deletions(word):
                copy._by_deletion.setdefault(variant, word)
        return copy

    def knows(self, token: str) -> bool:
        return token in self._known

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


def _deletions(word: str) -> list[str]:
    """``word`` without one of its letters, in position order (each once)."""
    return list(dict.fromkeys(word[:i] + word[i + 1:] for i in range(len(word))))
