"""Hybrid index: BM25 on diacritic-free text fused with dense vectors in faiss (reciprocal rank).

A document may have several passages (its names, short ones also unaccented); its dense score is
the best of them. Passage vectors are cached on disk by their text, per encoder, so ``build``
encodes only passages it has never seen: a restart with an unchanged catalog encodes nothing, and
importing a few more records encodes only those. Updates to one document (an FAQ edited by a
volunteer) encode only that document and never rebuild the rest.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path

import faiss
import numpy as np

from knowledge_base import lexical_cache
from knowledge_base.accents import AccentRestorer
from knowledge_base.acronyms import named_in_titles
from knowledge_base.ages import AGE_RANGE, age_range, fits_age, stated_age
from knowledge_base.aspects import FILLER, subject_words
from knowledge_base.documents import Kind, SearchDocument, asking_part, without_channel, without_level
from knowledge_base.encoders import Encoder
from knowledge_base.lexical import LexicalIndex, document_fields
from knowledge_base.normalise import Expander, pairs, strip_diacritics, syllables, terms
from knowledge_base.variants import (
    CIVIL_STATUS_CHANGE,
    COPY_OF_REGISTER,
    TAX_DETAILS_CHANGE,
    Candidate,
    case_free_subject,
    contradicts,
    damaged,
    does_asked_act,
    facets,
    lost,
    miswritten,
    names_asked_kind,
    names_reported_case,
    rank_siblings,
    same_case_free_subject,
    wanted_variants,
    wants_civil_status_change,
    wants_register_copy,
    wants_tax_details_change,
)
from knowledge_base.variants import asked as said_facets

RRF_K = 5
DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 1.0
CANDIDATES = 50
# Documents published live sit in the lexical index's overlay; past this many, fold them in.
MAX_OVERLAY = 300
# A question is encoded by its last 32 syllables at most: the same ranks as 40 on the portal's
# letters, 3 ms less at p95.
QUERY_SYLLABLES = 32
INFERRED_PHRASE = 3   # syllables of an everyday phrase whose reading counts as said (``coverage``)
# How many of the first results may be one procedure's levels and variants, reordered by the
# question's own words.
VARIANT_DEPTH = 20
# How many of the first results may be reordered when one title is another's plus a qualifier.
QUALIFIER_DEPTH = 3
FOREIGN_ELEMENT_WORDS = frozenset(syllables("có yếu tố nước ngoài"))
REISSUES = frozenset({"cấp lại", "cấp đổi", "gia hạn", "điều chỉnh"})
# A title naming anything abroad ("… quốc tế" too) does not lead in place of a foreign-element one.
FOREIGN_IN_TITLE = re.compile(r"nước ngoài|quốc tế", re.IGNORECASE)

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
    code: str = ""


class HybridIndex:
    """Search over procedures and FAQs. Thread-safe: updates swap whole structures under a lock,
    and the structures themselves are never changed once installed."""

    def __init__(self, encoder: Encoder, expander: Expander | None = None) -> None:
        self.encoder = encoder
        self.expander = expander or Expander.from_yaml()
        self._literal = self.expander.literal()   # what a question says, for ``coverage``
        self._lock = threading.Lock()
        self._documents: list[SearchDocument | None] = []
        self._positions: dict[str, int] = {}
        self._kinds = np.zeros(0, dtype="<U9")
        self._vectors: dict[str, np.ndarray] = {}
        self._lexical = LexicalIndex([], self.expander)
        self._faiss: faiss.Index = faiss.IndexFlatIP(encoder.dim)
        self._passage_owner = np.zeros(0, dtype=np.int32)
        self._accents = AccentRestorer([])
        self._named_acronyms: frozenset[str] = frozenset()
        self._query_vector = lru_cache(maxsize=2048)(self._encode_query)
        # A record's words for ``coverage``, kept with the record they were read from (an upsert
        # replaces the record, so a stale entry is recognised by identity).
        self._record_words: dict[str, tuple[SearchDocument, frozenset[str], list[frozenset[str]]]] = {}

    # ---- building -----------------------------------------------------------------------------
    def build(self, documents: Sequence[SearchDocument], progress: Progress | None = None,
              cache_dir: Path | None = None, batch_size: int = 32) -> bool:
        """Index ``documents``. Returns True when any passage had to be encoded, False when the
        cache in ``cache_dir`` held them all. Only passages not in the cache are encoded."""
        documents = list(documents)
        cached = self._load_cache(cache_dir) if cache_dir else {}
        missing = list(dict.fromkeys(p for d in documents for p in d.passages if p not in cached))
        if missing:
            cached.update(zip(missing, self._encode(missing, progress, batch_size), strict=True))
        vectors = {d.id: _stack([cached[p] for p in d.passages], self.encoder.dim) for d in documents}
        if cache_dir and (missing or not self._cache_path(cache_dir).exists()):
            self._save_cache(cache_dir, {p: cached[p] for d in documents for p in d.passages})
        with self._lock:
            self._vectors = vectors
            self._install(documents, cache_dir)
        return bool(missing)

    def upsert(self, document: SearchDocument) -> None:
        """Add or replace one document, live (no restart, no Rasa retraining). Costs the encoding
        of its passages plus milliseconds, whatever the size of the index."""
        vectors = self.encoder.encode_passages(document.passages)
        with self._lock:
            self._put(document, vectors)

    def copy_with(self, document: SearchDocument | None = None) -> HybridIndex:
        """A private copy sharing this index's structures, plus ``document`` (only its passages are
        encoded). "Try it" previews a draft with it; the live index is never touched."""
        extra = self.encoder.encode_passages(document.passages) if document else None
        copy = HybridIndex(self.encoder, self.expander)
        with self._lock:
            copy.__dict__.update({k: v for k, v in self.__dict__.items()
                                  if k not in ("_lock", "_query_vector")})
        copy._query_vector = lru_cache(maxsize=2048)(copy._encode_query)
        if document is not None and extra is not None:
            copy._put(document, extra)
        return copy

    def remove(self, document_id: str) -> None:
        with self._lock:
            position = self._positions.get(document_id)
            if position is None:
                return
            documents = list(self._documents)
            documents[position] = None
            self._documents = documents
            self._positions = {k: v for k, v in self._positions.items() if k != document_id}
            self._kinds = self._kinds.copy()
            self._kinds[position] = ""
            self._vectors = {k: v for k, v in self._vectors.items() if k != document_id}
            self._lexical = self._lexical.without_position(position)
            self._install_dense()

    def _put(self, document: SearchDocument, vectors: np.ndarray) -> None:
        """Install one document (caller holds the lock or owns the index)."""
        if self._lexical.overlay_size >= MAX_OVERLAY:   # many live edits: fold them into a rebuild
            self._vectors = {**self._vectors, document.id: vectors}
            live = [d for d in self._documents if d is not None and d.id != document.id]
            self._install([*live, document])
            return
        position = self._positions.get(document.id, len(self._documents))
        documents = list(self._documents)
        kinds = self._kinds.copy()
        if position == len(documents):
            documents.append(document)
            kinds = np.append(kinds, document.kind)
        else:
            documents[position] = document
            kinds[position] = document.kind
        self._documents, self._kinds = documents, kinds
        self._positions = {**self._positions, document.id: position}
        self._vectors = {**self._vectors, document.id: vectors}
        self._lexical = self._lexical.with_document(position, document)
        self._accents = self._accents.learning(accent_sources(document))
        if document.kind == "procedure":
            self._install_acronyms()
        self._install_dense()

    def _encode(self, passages: list[str], progress: Progress | None,
                batch_size: int) -> np.ndarray:
        # Batches of similar length waste nothing on padding a short title to a long letter.
        order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
        ordered = [passages[i] for i in order]
        batches = [ordered[i:i + batch_size] for i in range(0, len(ordered), batch_size)]
        iterator: Iterable[list[str]] = progress(batches, len(passages)) if progress else batches
        encoded = [self.encoder.encode_passages(batch) for batch in iterator]
        if not encoded:
            return np.zeros((0, self.encoder.dim), np.float32)
        matrix = np.empty((len(passages), self.encoder.dim), np.float32)
        matrix[order] = np.vstack(encoded)
        return matrix

    def _install(self, documents: list[SearchDocument], cache_dir: Path | None = None) -> None:
        self._documents = list(documents)
        self._positions = {d.id: i for i, d in enumerate(documents)}
        self._kinds = np.array([d.kind for d in documents], dtype="<U9")
        self._lexical, self._accents = lexical_cache.load_or_build(
            cache_dir, documents, self.expander,
            lambda: (LexicalIndex(documents, self.expander),
                     AccentRestorer(t for d in documents for t in accent_sources(d))))
        self._install_acronyms()
        self._install_dense()

    def _install_acronyms(self) -> None:
        titles = (d.title for d in self._documents if d is not None and d.kind == "procedure")
        self._named_acronyms = named_in_titles(titles, self.expander.spells_out)

    def _install_dense(self) -> None:
        owners: list[int] = []
        rows: list[np.ndarray] = []
        for position, doc in enumerate(self._documents):
            vectors = self._vectors.get(doc.id) if doc is not None else None
            if vectors is None or not len(vectors):
                continue
            rows.append(vectors)
            owners.extend([position] * len(vectors))
        index = faiss.IndexFlatIP(self.encoder.dim)
        if rows:
            index.add(np.vstack(rows).astype(np.float32))
        self._faiss = index
        self._passage_owner = np.asarray(owners, dtype=np.int32)

    def _cache_path(self, cache_dir: Path) -> Path:
        return cache_path(cache_dir, self.encoder.name)

    def _load_cache(self, cache_dir: Path) -> dict[str, np.ndarray]:
        texts, matrix = _read_cache(self._cache_path(cache_dir))
        if matrix is None or matrix.shape[1:] != (self.encoder.dim,):
            return {}
        return dict(zip(texts, matrix, strict=True))

    def _save_cache(self, cache_dir: Path, vectors: dict[str, np.ndarray]) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Replicas may build at once: each writes its own file, then one atomic rename wins.
        tmp = cache_dir / f"{self._cache_path(cache_dir).stem}.{os.getpid()}.tmp.npz"
        texts = list(vectors)
        np.savez(tmp, texts=np.array(texts, dtype=str),
                 vectors=_stack([vectors[t] for t in texts], self.encoder.dim).astype(np.float32))
        tmp.replace(self._cache_path(cache_dir))

    @staticmethod
    def is_cached(cache_dir: Path, documents: Sequence[SearchDocument], encoder_name: str) -> bool:
        """True when every passage of ``documents`` is already encoded in ``cache_dir``."""
        cached = set(_read_cache(cache_path(cache_dir, encoder_name))[0])
        return all(p in cached for d in documents for p in d.passages)

    # ---- searching ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._positions)

    def document(self, document_id: str) -> SearchDocument | None:
        position = self._positions.get(document_id)
        return None if position is None else self._documents[position]

    def restore_accents(self, text: str) -> str:
        """``text`` with its diacritics put back from the catalog's own words."""
        return self._accents.restore(text)

    def _encode_query(self, query: str) -> np.ndarray:
        # The encoder reads accented Vietnamese far better than its stripped form. A long letter is
        # encoded by its asking sentence, as FAQ passages are: the same ranks, at half the cost.
        asking = asking_part(query, QUERY_SYLLABLES)
        text = self._accents.restore(self.expander.rewrite(self._lexical.spell_out(asking)))
        return self.encoder.encode_queries([text])[0]

    def coverage(self, query: str, document_id: str, ignore: frozenset[str] = frozenset(),
                 inferred: bool = False) -> tuple[float, float]:
        """How well one record and a question say the same thing, by their words: the share of the
        question's words (abbreviations and everyday phrases spelled out) the record contains
        anywhere, and the share of the record's best-matched name the question itself says (its
        abbreviations spelled out, not what its phrases suggest); both weighted by how telling each
        word is among names. Terms
        made only of syllables in ``ignore`` (what is asked, fillers) are left out of the question,
        and a name's own fillers out of the name. ``inferred``: an everyday phrase of three
        syllables or more says what the dictionary reads it as ("lên thổ cư": chuyển mục đích sử
        dụng đất ở); shorter ones are too often other words typed without marks ("để con")."""
        document = self.document(document_id)
        if document is None:
            return 0.0, 0.0
        with self._lock:
            lexical = self._lexical
        # Words the catalog does not know count as typed: "xăng" is not a typo of a catalog word.
        asked = lexical.query_terms(query, correct=False)
        content = [t for t in asked if not ignore.issuperset(t.split("_"))]
        if inferred:
            readings = [w for phrase, reading in self.expander.inferences(syllables(query))
                        if len(phrase) >= INFERRED_PHRASE for w in reading]
            query = " ".join([query, *readings])
        said = lexical.query_terms(query, self._literal, correct=False)   # "visa" does not name "hộ chiếu"
        found, names = self._words_of(document)
        total = sum(map(lexical.name_weight, content))
        covered = sum(lexical.name_weight(t) for t in content if t in found) / total if total else 1.0
        recall = 0.0
        for name_terms in names:
            for part in (name_terms, {t for t in name_terms if "_" not in t}):  # pairs, then words
                weight = sum(map(lexical.name_weight, part))
                if weight:
                    recall = max(recall, sum(lexical.name_weight(t) for t in part if t in said) / weight)
        return covered, recall

    def _words_of(self, document: SearchDocument) -> tuple[frozenset[str], list[frozenset[str]]]:
        """Every term of the record, and each name's subject terms ("… có làm việc không?" is how
        an FAQ asks: only its subject counts); read once per record, not on every question."""
        kept = self._record_words.get(document.id)
        if kept is not None and kept[0] is document:
            return kept[1], kept[2]
        fields = document_fields(document, self.expander)
        found = frozenset(t for field_terms in fields.values() for t in field_terms)
        names = []
        for name in map(without_channel, document.names):   # how it is filed is not its name
            subject = set(subject_words(name))
            names.append(frozenset(t for t in terms(name, self.expander) if subject.intersection(t.split("_"))))
        self._record_words[document.id] = (document, found, names)
        return found, names

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
            documents, kinds, acronyms = self._documents, self._kinds, self._named_acronyms
            if not query or not self._positions:
                return []
            lexical = self.lexical_scores(query) if mode != "dense" else None
            dense = self.dense_scores(query) if mode != "lexical" else None
        allowed = kinds != "" if kind == "all" else kinds == kind
        lex_rank = _ranks(lexical, allowed) if lexical is not None else {}
        dense_rank = _ranks(dense, allowed) if dense is not None else {}
        fused = _fuse(lex_rank, dense_rank)
        order = sorted(fused, key=lambda p: (-fused[p], p))
        if mode == "hybrid" and kind == "all" and lexical is not None and dense is not None:
            # Procedures rank among themselves as a search of procedures ranks them, the rules
            # reading their titles as measured: served with FAQs, a procedure's rank in each list
            # counted the FAQs above it, an FAQ ranked first stopped every rule, and one between
            # them shortened how deep a rule looked. FAQs keep their places.
            procedures = kinds == "procedure"
            alone = _fuse(_ranks(lexical, procedures), _ranks(dense, procedures))
            ruled = self._title_rules(query, sorted(alone, key=lambda p: (-alone[p], p)), documents, acronyms,
                                      lexical)
            order = _in_own_order(order, ruled, procedures)
        elif mode == "hybrid":
            order = self._title_rules(query, order, documents, acronyms, lexical)
        # A title rule above may put a hit before one that fused higher; scores follow the final
        # order, so "first by a margin" means the same after it.
        by_rank = sorted(fused.values(), reverse=True)
        by_rank += [0.0] * (len(order) - len(by_rank))   # an acronym's titles found beyond the candidates
        found = [(p, documents[p], by_rank[i]) for i, p in enumerate(order[:top])]
        return [
            Hit(
                id=doc.id, kind=doc.kind, title=doc.title, code=doc.code,
                score=round(fused_score * (RRF_K + 1) / _max_weight(mode), 4),
                lexical_score=float(lexical[p]) if lexical is not None else 0.0,
                dense_score=float(dense[p]) if dense is not None else 0.0,
                lexical_rank=lex_rank.get(p), dense_rank=dense_rank.get(p),
            )
            for p, doc, fused_score in found if doc is not None
        ]

    def _title_rules(self, query: str, order: list[int], documents: Sequence[SearchDocument | None],
                     acronyms: frozenset[str], lexical: np.ndarray | None) -> list[int]:
        """The fused order moved by what titles and the question say (each rule's docstring)."""
        order = _named_acronym_first(query, order, documents, acronyms, lexical)
        order = _unsaid_qualifier_last(query, self.expander, order, documents)
        order = _named_variant_first(query, order, documents)
        order = _said_case_first(query, order, documents)
        order = _said_difference_first(query, order, documents)
        order = _unasked_reissue_last(query, _foreign_element_when_said(query, order, documents), documents)
        order = _stated_age_first(query, _asked_reissue_first(query, order, documents), documents)
        order = _age_only_match_last(query, self.expander, order, documents)
        order = _unasked_child_last(query, order, documents)
        order = _reported_case_first(query, order, documents)
        order = _register_copy_first(query, _loss_reissue_first(query, self.expander, order, documents), documents)
        order = _civil_status_change_first(query, order, documents)
        order = _unsaid_organisation_last(query, self.expander, order, documents)
        order = _contradicted_last(query, self.expander,
                                   _unasked_ending_last(query, order, documents, self.expander), documents)
        order = _asked_act_first(query, order, documents)
        order = _correction_first(query, _unasked_change_last(query, order, documents, self.expander),
                                  documents)
        order = _asked_change_first(query, order, documents)
        order = _tax_details_change_first(query, _asked_tax_first(query, self.expander, order, documents),
                                          documents)
        return _wanted_title_first(query, order, documents)


# How deep an acronym the question names is looked for: "thẻ ABTC" in a long letter about passports.
ACRONYM_DEPTH = 5


def _named_acronym_first(query: str, order: list[int], documents: Sequence[SearchDocument | None],
                         acronyms: frozenset[str], lexical: np.ndarray | None = None) -> list[int]:
    """A question naming an acronym few titles carry ("ABTC", "CITES", "AMO") gets first the best
    of the first few procedures whose title carries it, when the first does not; when none of the
    first few does, the one of all that the question's words match best (a long letter about
    "Phòng Quản lý xuất nhập cảnh Công an tỉnh" left "thẻ ABTC" 60th)."""
    named = acronyms & set(syllables(query))
    if not named:
        return order

    def carries(document: SearchDocument | None) -> bool:
        return (document is not None and document.kind == "procedure"
                and bool(named & set(syllables(document.title))))

    moved = _first_goes_behind(order, documents, lambda first: not carries(first),
                               lambda first, other: carries(other), ACRONYM_DEPTH)
    if moved is not order or lexical is None or not order or carries(documents[order[0]]):
        return moved
    found = [p for p, document in enumerate(documents)
             if document is not None and any(a in document.title.lower() for a in named) and carries(document)]
    if not found:
        return order
    # All of them, best first: the variant rules after this one choose among them ("cấp thẻ ABTC"
    # is "Cấp mới thẻ ABTC", though "Cấp lại thẻ ABTC" matched more words).
    best = sorted(found, key=lambda p: (-float(lexical[p]), p))[:ACRONYM_DEPTH]
    return [*best, *(p for p in order if p not in best)]


def _named_variant_first(query: str, order: list[int],
                         documents: Sequence[SearchDocument | None]) -> list[int]:
    """Among the first procedures, the one published at several levels or as cấp mới / cấp lại /
    gia hạn…: the form the question names goes first, else the plain one (``variants``)."""
    head = _first_procedures(order, documents, VARIANT_DEPTH)
    candidates = [Candidate(str(p), documents[p].title) for p in head]  # type: ignore[union-attr]
    ranked = [int(p) for p in rank_siblings(query, candidates)]
    if not ranked:
        return order
    chosen = iter(ranked)
    return [next(chosen) if p in set(ranked) else p for p in order]


def _unsaid_qualifier_last(query: str, expander: Expander, order: list[int],
                           documents: Sequence[SearchDocument | None]) -> list[int]:
    """Among the first procedures, a title that is another's plus words the question does not say
    ("Đăng ký lại khai sinh" beside "Đăng ký khai sinh", asked "lệ phí khai sinh") goes after it,
    unless the question says one of its names ("làm lại khai sinh cho người lớn"). Its aliases
    lengthen the plainer record's names, which BM25 reads as less focused."""
    # Said through the dictionary counts: "lệ phí trước bạ ô tô" says "tài sản khác".
    asked = said_words(query) | set(_expanded(expander, query))
    head = order[:QUALIFIER_DEPTH]
    for i, before in enumerate(head):
        for j in range(i + 1, len(head)):
            longer, plainer = documents[before], documents[head[j]]
            if longer is not None and plainer is not None and adds_unsaid_words(longer, plainer, asked):
                head.insert(i, head.pop(j))
                return head + order[QUALIFIER_DEPTH:]
    return order


# Where a title names the case it serves: "… trong trường hợp thay đổi chủ xe (đăng ký sang tên xe)".
_CASE_CLAUSE = re.compile(r"\btrong truong hop\b(.*)")


def _case_pairs(title: str) -> set[str]:
    """Pairs of adjacent syllables in the case ``title`` names, without its level and channel
    (``variants.facets``: "… bằng dịch vụ công trực tuyến … tại cấp trung ương" says no case)."""
    match = _CASE_CLAUSE.search(facets(title).core)
    return set(pairs(match.group(1).split())) if match else set()


def _said_case_first(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """A title among the first few naming a case the question says in its words ("sang tên xe máy
    cũ": "… trong trường hợp thay đổi chủ xe (đăng ký sang tên xe)"), two syllables together that
    the first title does not hold and that are not a procedure's own ("đăng ký"), goes before a
    first naming none."""
    said = set(pairs(syllables(query)))

    def says_its_case(first: SearchDocument, other: SearchDocument) -> bool:
        own = _title_words(first)
        return any(p in said and not set(p.split("_")) & (own | FILLER | _PROCEDURE_WORDS)
                   for p in _case_pairs(other.title))

    return _first_goes_behind(order, documents, lambda first: not _case_pairs(first.title) & said, says_its_case)


# A change's own words, which the variant rules read ("bổ sung" in a letter asks no title's case).
_CHANGE_WORDS = frozenset(syllables("sửa đổi bổ sung thông tin cập nhật hiệu đính"))


def _said_difference_first(query: str, order: list[int],
                           documents: Sequence[SearchDocument | None]) -> list[int]:
    """Of two near-identical titles among the first few (most of their words shared), the one whose
    own words the question says, two together (a pair the other lacks, one of its words at least
    new), goes first when the question says none of the first one's own ("… biện pháp bảo đảm bằng
    động sản", not "… bằng tàu biển"). A question typed with marks is read with them: "đóng cảng"
    is not "hoạt động cảng"."""
    @cache   # the question is read only when two titles are near
    def reading() -> tuple[Callable[[str], tuple[str, ...]], frozenset[str]]:
        words = _title_marked_words if _typed_with_marks(query) else _title_syllables
        return words, frozenset(pairs(words(query)))

    def own_pairs(document: SearchDocument, other: SearchDocument) -> set[str]:
        words = reading()[0]
        theirs = words(without_level(other.title))
        return {p for p in set(pairs(words(without_level(document.title)))) - set(pairs(theirs))
                if not set(p.split("_")) <= set(theirs)
                and not set(syllables(p.replace("_", " "))) & (FILLER | _PROCEDURE_WORDS | _CHANGE_WORDS)}

    def near(first: SearchDocument, other: SearchDocument) -> bool:
        a, b = _title_words(first), _title_words(other)
        return len(a & b) >= 0.5 * len(a | b) or lengthens(first, other)

    def lengthens(first: SearchDocument, other: SearchDocument) -> bool:
        """The other is the first plus words: "Đổi giấy phép lái xe quân sự do Bộ Quốc phòng cấp"."""
        plain, longer = (_title_syllables(without_level(d.title)) for d in (first, other))
        return len(longer) > len(plain) and longer[:len(plain)] == plain

    def quoted(document: SearchDocument) -> int:
        """How many of the title's syllables the question quotes in a row."""
        return _longest_common_run(_title_syllables(without_level(document.title)), _title_syllables(query))

    def said_difference(first: SearchDocument, other: SearchDocument) -> bool:
        # One procedure's variants differ by what ``_named_variant_first`` reads ("người nước
        # ngoài" is who, not where: "Nhập quốc tịch … ở nước ngoài" is not said by it).
        if not (other.kind == first.kind == "procedure" and near(first, other)
                and facets(first.title).core != facets(other.title).core):
            return False
        if own_pairs(first, other) & reading()[1]:
            return False
        # What the longer title adds must be said as ``_unsaid_qualifier_last`` reads it.
        if lengthens(first, other) and adds_unsaid_words(other, first, said_words(query)):
            return False
        # A title quoted whole, its small words too: "… Giấy xác nhận đăng ký nuôi trồng thủy sản
        # lồng bè …" is not "… Giấy xác nhận nuôi trồng thủy sản lồng bè …".
        return bool(own_pairs(other, first) & reading()[1]) or (
            quoted(other) >= QUOTED_RUN and quoted(other) >= quoted(first) + QUOTED_MARGIN
            and _serves_asked_variant(query, other))

    return _first_goes_behind(order, documents, lambda first: True, said_difference)


def _serves_asked_variant(query: str, document: SearchDocument) -> bool:
    """The title issues what the question asks: the variant it names, else a first issue ("xin cấp
    lại giấy phép …" quoting "Cấp giấy phép …" still asks for the reissue)."""
    wanted = said_facets(query).get("variant")
    title = facets(document.title)
    return wanted in title.serves if wanted else title.variant not in REISSUES


QUOTED_NAME = 3     # syllables: a title a question says whole ("Khóa căn cước điện tử")
QUOTED_RUN = 6      # syllables in a row: a title's name, not a phrase every title of a field shares
QUOTED_MARGIN = 3


def _longest_common_run(title: Sequence[str], question: Sequence[str]) -> int:
    """The longest run of consecutive syllables of ``title`` that ``question`` holds in a row."""
    match = SequenceMatcher(None, title, question, autojunk=False).find_longest_match(0, len(title), 0, len(question))
    return match.size


@lru_cache(maxsize=16384)   # titles come back question after question
def _title_marked_words(text: str) -> tuple[str, ...]:
    return tuple(_marked_words(text))


@lru_cache(maxsize=16384)
def _title_syllables(text: str) -> tuple[str, ...]:
    return tuple(syllables(text))


def _typed_with_marks(text: str) -> bool:
    """Most of the question's words carry their marks (a phone typing Vietnamese)."""
    words = re.findall(r"[^\W\d_]+", text)
    return len(words) >= 4 and sum(w != strip_diacritics(w) for w in words) >= len(words) / 2


def _marked_words(text: str) -> list[str]:
    """Lower-case words with their marks, "đóng" apart from "động", and "thuỷ" the same as "thủy"
    (the catalog places tone marks both ways): each word's tone mark is moved to its end."""
    found = []
    for marked in re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text.lower())):
        word = unicodedata.normalize("NFD", marked)
        tones = [c for c in word if c in _TONE_MARKS]
        found.append(unicodedata.normalize("NFC", "".join(c for c in word if c not in _TONE_MARKS)) + "".join(tones))
    return found


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")   # huyền, sắc, ngã, hỏi, nặng


def _foreign_element_when_said(query: str, order: list[int],
                               documents: Sequence[SearchDocument | None]) -> list[int]:
    """A first procedure "… có yếu tố nước ngoài", asked by a question that names no foreign party,
    goes behind the next of the first few that has nothing foreign in its title ("nhận cháu ruột
    làm con nuôi" is "Đăng ký việc nuôi con nuôi trong nước", not the foreign-element one)."""
    if said_facets(query).get("foreign") == "có":
        # The mirror: "lý lịch tư pháp cho người nước ngoài" is the title that names them as well.
        return _first_goes_behind(
            order, documents, lambda first: not FOREIGN_IN_TITLE.search(first.title),
            lambda first, other: bool(FOREIGN_IN_TITLE.search(other.title))
            and _title_words(first) <= _title_words(other))
    if "foreign" in said_facets(query):
        return order
    return _first_goes_behind(order, documents, lambda first: facets(first.title).foreign == "có",
                              lambda first, other: not FOREIGN_IN_TITLE.search(other.title))


# Or a grant whose name a letter quotes (5 syllables in a row: "cấp Giấy phép vận tải …"), two more
# than it quotes of the reissue's.
REISSUE_QUOTED = 5
REISSUE_MARGIN = 2


def _unasked_reissue_last(query: str, order: list[int],
                          documents: Sequence[SearchDocument | None]) -> list[int]:
    """A first procedure that reissues (cấp lại, cấp đổi, gia hạn, điều chỉnh), for a question that
    asks for none, goes behind the next of the first few that issues the same subject otherwise:
    "xin cấp giấy phép lái tàu" is "Xét cấp giấy phép lái tàu", though "Cấp lại Giấy phép lái tàu"
    matches "lái" twice once accents are gone. Without the same subject, unrelated titles came
    forward; or a grant the question quotes ("Thời hạn tối đa cấp Giấy phép vận tải … qua biên giới"
    is not "Gia hạn thời gian lưu hành … qua biên giới")."""
    if "variant" in said_facets(query):
        return order
    question = _title_syllables(query)

    def quoted(document: SearchDocument) -> int:
        return _longest_common_run(_title_syllables(without_level(document.title)), question)

    def same_subject_issued_otherwise(first: SearchDocument, other: SearchDocument) -> bool:
        mine, theirs = facets(first.title), facets(other.title)
        return theirs.variant not in REISSUES and (
            f" {mine.core} " in f" {theirs.core} "
            or (quoted(other) >= REISSUE_QUOTED and quoted(other) >= quoted(first) + REISSUE_MARGIN))

    return _first_goes_behind(order, documents, lambda first: facets(first.title).variant in REISSUES,
                              same_subject_issued_otherwise)


def _asked_reissue_first(query: str, order: list[int],
                         documents: Sequence[SearchDocument | None]) -> list[int]:
    """The mirror of ``_unasked_reissue_last``: a question asking a reissue ("xin cấp lại Sổ thuyền
    viên") gets the next of the first ``VARIANT_DEPTH`` that is that reissue of the first one's
    subject, when the first is not ("Đăng ký và cấp Sổ thuyền viên"); a damaged paper its exchange,
    else its reissue (``variants.wanted_variants``)."""
    wanted = [v for v in wanted_variants(query) if v in REISSUES]
    asked = said_words(query) - FILLER - _PROCEDURE_WORDS
    reported = lost(query)

    def not_the_reissue(first: SearchDocument) -> bool:
        # "Trình báo mất thẻ ABTC" answers a loss as well as "Cấp lại thẻ ABTC" does.
        if reported and re.search(r"\bmất\b", first.title.lower()):
            return False
        return not any(facets(first.title).variant == v or v in first.title.lower() for v in wanted)

    for variant in wanted:
        def that_reissue_of_its_subject(first: SearchDocument, other: SearchDocument,
                                        variant: str = variant) -> bool:
            theirs, mine = facets(other.title), facets(first.title)
            # The reissue may name its case ("Cấp lại Giấy chứng nhận thực hành tốt … trong trường
            # hợp bị sai sót …") and the first its acronym ("… thuốc thú y (GMP)").
            subject = case_free_subject(other.title)
            # Not when the question says what the first adds to that subject: "cấp đổi giấy phép lái
            # xe quốc tế" is the international licence (issued anew each time), not "Đổi giấy phép lái xe".
            adds = set(mine.core.split()) - set(subject.split()) - _acronyms_of(first.title)
            return ((theirs.variant == variant and f" {subject} " in f" {mine.core} " and not adds & asked)
                    or _same_paper_for_that_case(mine.core, other.title, variant))

        # Looked for as deep as a subject's variants go ("thẻ bhyt bị rách": "Cấp đổi thẻ bảo hiểm
        # y tế" was 7th, "làm lại giấy đăng ký xe bị mất": "Cấp lại chứng nhận đăng ký xe" 8th); the
        # same subject keeps unrelated titles out.
        moved = _first_goes_behind(order, documents, not_the_reissue, that_reissue_of_its_subject, VARIANT_DEPTH)
        if moved != order:
            return moved
    return order


def _acronyms_of(title: str) -> set[str]:
    """The acronyms a title gives in brackets ("… thuốc thú y (GMP)"): another name, not a case."""
    return {a.lower() for a in re.findall(r"\(([A-Z]{2,})\)", title)}


def _same_paper_for_that_case(core: str, title: str, variant: str) -> bool:
    """``title`` does ``variant`` to the paper ``core`` names, for the case it names among others:
    "Gia hạn giấy phép xây dựng đối với công trình cấp III, cấp IV … và nhà ở riêng lẻ" extends the
    "giấy phép xây dựng mới đối với nhà ở riêng lẻ"; the railway's extension names no such case."""
    paper, _, case = core.partition(" doi voi ")
    paper = paper.removesuffix(" moi")
    theirs = facets(title)
    other = theirs.core.removeprefix(f"{strip_diacritics(variant).lower()} ")
    does_it = theirs.variant == variant or variant in title.lower()
    return does_it and bool(case) and other.startswith(f"{paper} ") and f" {case} " in f" {other} "


# Acts that end or undo what a procedure of the same subject grants: "Xóa đăng ký tàu cá" is not
# the registration "đăng ký tàu cá" asks for, nor "Đăng ký giải thể hợp tác xã" or "Đề nghị dừng
# thực hiện thủ tục đăng ký doanh nghiệp" the one "đăng ký hợp tác xã" or "… doanh nghiệp" asks for.
_ENDING = re.compile(r"^(?:thủ tục\s+)?(?:đề nghị\s+|đăng ký\s+)?(xóa|xoá|tiêu hủy|tiêu huỷ|hủy|huỷ|thu hồi|chấm dứt"
                     r"|tạm ngừng|giải thể|đình chỉ|miễn nhiệm|trả lại|rút|dừng)\s+", re.IGNORECASE)

_WHOSE = re.compile(r" (?:cua|doi voi) ")


def _unasked_ending_last(query: str, order: list[int], documents: Sequence[SearchDocument | None],
                         expander: Expander | None = None) -> list[int]:
    """A first title that ends or undoes something ("Xóa đăng ký tàu cá …"), for a question that
    says no such act, goes behind the next of the first few that grants the same subject ("Cấp giấy
    chứng nhận đăng ký tàu cá …"). Said in the dictionary's words too: "tạm dừng kinh doanh" is the
    catalog's "tạm ngừng kinh doanh"."""
    read = _readings(query, expander) if expander is not None else ""
    said = f" {' '.join(syllables(query))} {read} ".replace(" huy ", " xoa ")   # "hủy đăng ký" is "xóa đăng ký"

    def unasked_ending(first: SearchDocument) -> bool:
        act = _ENDING.match(first.title)   # said whole: "thu hồi" is not asked by "cho tôi hỏi"
        return act is not None and f" {' '.join(syllables(act.group(1))).replace('huy', 'xoa')} " not in said

    def grants_its_subject(first: SearchDocument, other: SearchDocument) -> bool:
        subject = " ".join(syllables(_ENDING.sub("", without_level(first.title))))
        # Whose it is ends the subject: "Rút yêu cầu trợ giúp pháp lý của người được trợ giúp …"
        # undoes "Yêu cầu trợ giúp pháp lý".
        subject = _WHOSE.split(subject)[0]
        return not _ENDING.match(other.title) and f" {subject} " in f" {' '.join(syllables(other.title))} "

    return _first_goes_behind(order, documents, unasked_ending, grants_its_subject)


# Acts a citizen asks for in these words, which titles start with: endings ("xóa thế chấp sổ đỏ",
# "hủy đăng ký", "tạm ngừng kinh doanh") and certifying ("chứng thực sổ hộ khẩu photo"; "công chứng"
# reads as "chứng thực"), and adding to a card ("tích hợp thông tin bảo hiểm y tế vào thẻ căn cước"
# is not the health card). Not "thu hồi" ("nhà nước thu hồi đất" asks for compensation), "rút", "dừng".
_ASKED_ACTS = ("xoa", "cham dut", "tam ngung", "giai the", "chung thuc", "tich hop")
# Acts that end what another procedure granted: a title doing one leads only when the question says
# most of what it ends (``_asked_act_first``); one the asker underwent ("bị đình chỉ hoạt động …, nay
# đã hết thời hạn đình chỉ") is what happened, not what is asked.
_ENDING_ACTS = ("thu hoi", "dinh chi", "mien nhiem", "tieu xoa", "tra lai")
# "công chứng giấy khai sinh" asks to certify a copy; "công chứng viên", "phòng công chứng",
# "hành nghề công chứng" name the notary.
_NOTARISE = re.compile(r" cong chung (?!vien )")
_NOTARY = re.compile(r" (?:hanh nghe|phong|van phong|to chuc|the|tap su|nghe) cong chung ")
# "Chứng thực …", "Tích hợp, …", "Đăng ký biện pháp bảo đảm …" start a title as an ending does
# (``_ENDING``), though they end nothing.
_LEADING_ACT = re.compile(r"^(?:thủ tục\s+)?(?:đăng ký\s+)?(?:thay đổi\s+)?"
                          r"(chứng thực|tích hợp|biện pháp bảo đảm|thế chấp)\b", re.IGNORECASE)
# A mortgage or a pledge is registered as a security (Bộ luật Dân sự 2015, Điều 292): "thế chấp sổ
# đỏ" is "Đăng ký biện pháp bảo đảm bằng quyền sử dụng đất …", unless another act is asked of it
# ("xóa thế chấp").
_SECURES = re.compile(r" (?:the chap|cam co) ")
_SECURITY = "bien phap bao dam"
SECURITY_DEPTH = 5
# The share of a title's words after its act that the question must say for the act to lead.
ABOUT_IT = 0.6


def _asked_act_first(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """The mirror of ``_unasked_ending_last``: a question saying an act titles start with ("xóa thế
    chấp sổ đỏ", "chứng thực sổ hộ khẩu photo", "công chứng giấy khai sinh") gets first, among the
    first few, a title that starts with it ("Xóa đăng ký biện pháp bảo đảm …", "Chứng thực bản sao
    từ bản chính …"), when the first does not ("Đăng ký đất đai …", "Đăng ký thường trú"). An act
    ending a grant ("trả lại khu vực biển", "thu hồi giấy chứng nhận …") leads only with a title
    whose object the question mostly says."""
    said = f" {' '.join(syllables(query))} ".replace(" huy ", " xoa ")
    asked = {act for act in _ASKED_ACTS if f" {act} " in said}
    asked |= {act for act in _ENDING_ACTS if f" {act} " in said and not re.search(rf" (?:bi|da bi) {act} ", said)}
    if _NOTARISE.search(said) and not _NOTARY.search(said):
        asked.add("chung thuc")
    if not asked and _SECURES.search(said):
        asked.add(_SECURITY)

    def leading_act(document: SearchDocument) -> str | None:
        act = _ENDING.match(document.title) or _LEADING_ACT.match(document.title)
        return " ".join(syllables(act.group(1))).replace("huy", "xoa").replace("the chap", _SECURITY) if act else None

    if not asked:
        return order
    said_set = set(said.split())

    def about_it(document: SearchDocument) -> bool:
        # "thu hồi giấy phép … có tàu hoạt động thủy sản" is not "Thu hồi Giấy phép của Văn phòng
        # đại diện …": the question says most of what an ending title ends.
        ending = _ENDING.match(document.title)
        if ending is None or leading_act(document) not in _ENDING_ACTS:
            return True
        rest = [w for w in syllables(document.title[ending.end():]) if w not in FILLER]
        return sum(w in said_set for w in rest) >= ABOUT_IT * len(rest)

    # The catalog's few certifications are one family, and one title adds to a card: looked for as
    # deep as a variant. A letter's "thế chấp sổ đỏ để vay vốn" puts the certificate's titles first.
    depth = (VARIANT_DEPTH if asked & {"chung thuc", "tich hop"}
             else SECURITY_DEPTH if _SECURITY in asked else QUALIFIER_DEPTH)
    question = _title_syllables(query)

    def other_act(first: SearchDocument) -> bool:
        # A title the question quotes from its first word is what it asks, whatever act it starts
        # with ("Chuyển tiếp đăng ký thế chấp quyền tài sản …" is not "Đăng ký biện pháp bảo đảm …").
        title = _title_syllables(without_level(first.title))
        quoted = len(title) >= QUOTED_RUN and _longest_common_run(title[:QUOTED_RUN], question) == QUOTED_RUN
        return leading_act(first) not in asked and not quoted

    return _first_goes_behind(order, documents, other_act,
                              lambda first, other: leading_act(other) in asked and about_it(other), depth)


# Titles that found or grant: "Đăng ký thành lập hợp tác xã", "Cấp giấy phép …", "… lần đầu …".
_GRANTS = re.compile(r"^(?:thu tuc )?(?:dang ky )?(?:thanh lap|cap|giao dat)\b|\blan dau\b")
# Titles that change, correct or redo what was issued before: "Hiệu đính thông tin đăng ký doanh
# nghiệp", "Đăng ký lại phương tiện …".
_CHANGES = re.compile(r"^(?:thu tuc )?(?:dang ky |cap )?(hieu dinh|dinh chinh|thay doi|cap nhat|bo sung|sua doi"
                      r"|dieu chinh|lai)\b")


def _unasked_change_last(query: str, order: list[int], documents: Sequence[SearchDocument | None],
                         expander: Expander | None = None) -> list[int]:
    """A first title that changes, corrects or reissues what was issued before, for a question that
    asks none of that, goes behind the first of the first ``VARIANT_DEPTH`` that holds every word
    the question asks about and issues it: "đăng ký doanh nghiệp" is "Đăng ký thành lập doanh
    nghiệp …", not "Hiệu đính thông tin đăng ký doanh nghiệp"; "đăng ký hợp tác xã" is not "Cấp đổi
    Giấy chứng nhận đăng ký hợp tác xã". Holding every word, it rarely applies to a long letter:
    for one, the title doing what the first changes goes first (``LETTER``)."""
    if "variant" in said_facets(query) or miswritten(query):
        return order
    asked = set(subject_words(query))
    # Everyday phrases read as the catalog's words ("lên thổ cư": chuyển mục đích sử dụng đất ở).
    inferred = expander.inferences(syllables(query)) if expander is not None else []
    read = set(subject_words(" ".join(w for _, reading in inferred for w in reading)))
    explained = {w for phrase, _ in inferred for w in phrase}
    question = syllables(query)
    said = f" {' '.join(question)} "

    def changes(document: SearchDocument) -> bool:
        act = _CHANGES.match(" ".join(syllables(document.title)))
        return bool(act and f" {act.group(1)} " not in said) or facets(document.title).variant in REISSUES

    def issues_what_is_asked(first: SearchDocument, other: SearchDocument) -> bool:
        # Founds or grants: not "Đăng ký doanh nghiệp đối với các công ty được thành lập trên cơ sở
        # chia công ty …" nor "Đăng ký nhu cầu hỗ trợ của … hợp tác xã".
        title = " ".join(syllables(other.title))
        words = set(title.split())
        # Or every word, once the dictionary has read its phrases as the catalog's; a word neither
        # title says ("lên thổ cư cho đất vườn") chooses neither.
        neither = asked - words - set(syllables(first.title))
        return bool(_GRANTS.search(title)) and not changes(other) and (
            asked <= words or (bool(read) and read <= words and asked - explained - neither <= words))

    def what_it_changes(first: SearchDocument, other: SearchDocument) -> bool:
        act = _CHANGES.match(" ".join(syllables(first.title)))
        changed = _title_syllables(first.title)[len(act.group(0).split()) if act else 0:]
        title = _title_syllables(other.title)
        # Not one that serves a change too ("… hoạt động tại địa điểm mới khi thay đổi …").
        return (not changes(other) and not _NAMES_A_CHANGE.search(" ".join(title))
                and _longest_common_run(changed, title) >= CHANGED_RUN
                and _longest_common_run(title, question) >= CHANGED_RUN)

    if not asked:
        return order
    moved = _first_goes_behind(order, documents, changes, issues_what_is_asked, VARIANT_DEPTH)
    if moved != order or len(question) < LETTER or _MOVES.search(said):
        return moved
    return _first_goes_behind(order, documents, changes, what_it_changes, CHANGED_DEPTH)


# A letter moving what was registered ("chuyển trụ sở chi nhánh sang địa điểm mới") asks a change.
_MOVES = re.compile(r"\bchuyen (?!nhuong|muc dich|giao)")
_NAMES_A_CHANGE = re.compile(r"\b(?:hieu dinh|dinh chinh|thay doi|cap nhat|bo sung|sua doi|dieu chinh)\b")
# A letter ("Trường hợp nào … phải từ chối thực hiện trợ giúp pháp lý?") holds no title's every word:
# for one, the title that does what the first changes goes first when both share a run of its words.
LETTER = 16          # syllables; shorter questions name what they ask, and the rule above reads them
CHANGED_RUN = 4
CHANGED_DEPTH = 5


# What a citizen says to change a paper ("thay đổi thông tin", "sửa đổi nội dung") and what titles
# say for it ("Sửa đổi, bổ sung … giấy phép", "Điều chỉnh …"): one act, whichever word.
_ASKS_A_CHANGE = re.compile(r"\b(?:thay doi|sua doi)\b")
_ASKS_A_CHANGE_MARKED = tuple(f" {' '.join(_marked_words(act))} " for act in ("thay đổi", "sửa đổi"))
_TITLE_CHANGES = re.compile(r"\b(?:thay doi|sua doi|dieu chinh)\b")
_CHANGE_ACT_WORDS = _CHANGE_WORDS | frozenset(syllables("thay đổi điều chỉnh nội dung"))


def _asked_change_first(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """The mirror of ``_unasked_change_last``: a question asking to change what was issued ("thay
    đổi thông tin đăng ký hành nghề Quản tài viên") gets first, among the first ``CHANGED_DEPTH``,
    a title that changes and shares a run of the question's words, when the first title changes
    nothing ("Đăng ký hành nghề … với tư cách cá nhân")."""
    question = syllables(query)
    # Typed with marks, "nộp thay đối với" asks no change.
    if _typed_with_marks(query):
        said = f" {' '.join(_marked_words(query))} "
        if not any(act in said for act in _ASKS_A_CHANGE_MARKED):
            return order
    elif not _ASKS_A_CHANGE.search(" ".join(question)):
        return order
    asked = [w if w not in _CHANGE_ACT_WORDS else "-" for w in question]

    def changes_nothing(first: SearchDocument) -> bool:   # "Cấp đổi …" changes a paper too
        return (not _TITLE_CHANGES.search(" ".join(syllables(first.title)))
                and facets(first.title).variant not in REISSUES)

    def changes_what_is_asked(first: SearchDocument, other: SearchDocument) -> bool:
        # What it changes, not that it changes: "thay đổi thông tin thường trú" is no run of
        # "Thay đổi thông tin đăng ký hành nghề …".
        title = _title_syllables(other.title)
        changed = [w if w not in _CHANGE_ACT_WORDS else "" for w in title]
        return bool(_TITLE_CHANGES.search(" ".join(title))) and _longest_common_run(changed, asked) >= CHANGED_RUN

    return _first_goes_behind(order, documents, changes_nothing, changes_what_is_asked, CHANGED_DEPTH)


def _contradicted_last(query: str, expander: Expander, order: list[int],
                       documents: Sequence[SearchDocument | None]) -> list[int]:
    """A first title for another act or issue than the question names ("Cấp giấy phép xây dựng mới
    …", asked "sửa chữa nhà"; "… lần đầu", asked a reissue) goes behind the next of the first few
    that is not (``variants.contradicts``; acts read with the dictionary: "sửa lại mái"). One that
    does the act the question names goes first however low it ranks among the first
    ``VARIANT_DEPTH`` ("giải thể công ty tnhh": the founding of one and converting one ranked above
    "Giải thể doanh nghiệp")."""
    readings = _readings(query, expander)
    read = set(readings.split())

    def does_it(first: SearchDocument, other: SearchDocument) -> bool:
        return does_asked_act(query, other.title, readings) or names_asked_kind(query, other.title, readings)

    def does_it_as_read(first: SearchDocument, other: SearchDocument) -> bool:
        return does_it(first, other) and read <= set(_title_syllables(other.title))

    def keeps_the_rest(first: SearchDocument, other: SearchDocument) -> bool:
        # What the question said of the first stays said: "xin giấy phép xây dựng sửa chữa nhà" is
        # the repair permit "… và nhà ở riêng lẻ", not the one for grade I–II works.
        said = set(syllables(query)) & set(_title_syllables(first.title)) - FILLER - _PROCEDURE_WORDS
        return said <= set(_title_syllables(other.title))

    # Of those, first one holding all the dictionary read ("xin phép sửa nhà": the building permit
    # for repairs, not the social housing loan "… tự xây dựng hoặc cải tạo, sửa chữa nhà").
    tiers = (does_it_as_read, does_it) if read else (does_it,)
    # Among the first few only, one keeping what was said of the first; then the first that does it.
    steps = [step for t in tiers for step in ((lambda f, o, t=t: t(f, o) and keeps_the_rest(f, o), QUALIFIER_DEPTH),
                                              (t, VARIANT_DEPTH))]
    for may_lead, depth in steps:
        moved = _first_goes_behind(order, documents, lambda first: contradicts(query, first.title, readings),
                                   may_lead, depth)
        if moved != order:
            return moved
    # Without a title doing the act, only the question's own words move the first: "sửa nhà" read as
    # "sửa chữa" must not put a stranger before the one building permit a catalog has. A reading
    # agreeing with the first keeps it ("giải thể hộ kinh doanh" is "chấm dứt hoạt động …").
    def contradicted(first: SearchDocument) -> bool:
        return contradicts(query, first.title) and contradicts(query, first.title, readings)

    return _first_goes_behind(order, documents, contradicted, lambda first, other: not contradicts(query, other.title))


@lru_cache(maxsize=256)   # several rules read one question through the dictionary
def _expanded(expander: Expander, query: str) -> tuple[str, ...]:
    """The question's syllables, then the words the dictionary adds."""
    return tuple(expander(syllables(query)))


def _readings(query: str, expander: Expander) -> str:
    """What the dictionary reads the question's phrases as ("sửa lại mái": giấy phép xây dựng sửa
    chữa cải tạo nhà ở), plain."""
    return " ".join(expander.readings(syllables(query)))


# Words of a title that say what is done, not to what: "Đăng ký và cấp Sổ thuyền viên" adds no
# subject to "Cấp lại Sổ thuyền viên".
_PROCEDURE_WORDS = frozenset({"cap", "dang", "ky", "va", "xet", "lai", "doi", "moi", "gia", "han", "dieu", "chinh",
                              "thu", "tuc", "de", "nghi"})


def _stated_age_first(query: str, order: list[int],
                      documents: Sequence[SearchDocument | None]) -> list[int]:
    """A question giving an age ("con tôi 15 tuổi làm căn cước") gets first the best of the first
    results that is the first one's procedure for that age ("Cấp thẻ căn cước cho người từ đủ 14
    tuổi trở lên" for "Cấp, đổi, cấp lại thẻ căn cước" or "… dưới 14 tuổi"). Another procedure
    with an age in its title does not: a passport for a child of 12 is not an ID card."""
    age = stated_age(query)
    head = [(p, documents[p]) for p in _first_procedures(order, documents, VARIANT_DEPTH)]
    if age is None or not head or fits_age(head[0][1].title, age):
        return order
    first = head[0][1]
    subject = facets(first.title).core if fits_age(first.title, age) is None else _ageless(first.title)
    wanted = wanted_variants(query)

    def for_that_age(document: SearchDocument) -> bool:
        if not fits_age(document.title, age):
            return False
        theirs = facets(document.title)   # and not another variant than the one asked ("đổi sang")
        return f" {subject} " in f" {theirs.core} " and (not wanted or theirs.variant in wanted)

    fitting = next((p for p, doc in head if for_that_age(doc)), None)
    if fitting is not None:
        return [fitting, *(p for p in order if p != fitting)]
    # No title for that age: one for another age ("trẻ em dưới 6 tuổi", asked for a child of 7)
    # goes behind the next that does not exclude it.
    return _first_goes_behind(order, documents, lambda doc: fits_age(doc.title, age) is False,
                              lambda doc, other: fits_age(other.title, age) is not False)


# Words of a title's age range, which say nothing of what the procedure is for.
_AGE_WORDS = frozenset(syllables("cho trẻ em người từ đủ dưới tuổi trở lên"))


def _age_only_match_last(query: str, expander: Expander, order: list[int],
                         documents: Sequence[SearchDocument | None]) -> list[int]:
    """A first title for an age whose subject the question does not name, read with the dictionary,
    matched on the child and the age alone ("làm hộ chiếu cho bé 5 tuổi" got "Cấp thẻ bảo hiểm y tế
    cho trẻ em dưới 6 tuổi"): it goes behind the next of the first few whose subject the question
    names. "thẻ bhyt cho bé 5 tuổi" keeps it ("bhyt" is "bảo hiểm y tế")."""
    if stated_age(query) is None and not _CHILD.search(" ".join(syllables(query))):
        return order
    said = set(_expanded(expander, query))

    def subject(document: SearchDocument) -> set[str]:
        return set(subject_words(_ageless(document.title))) - _PROCEDURE_WORDS - _AGE_WORDS

    return _first_goes_behind(order, documents,
                              lambda first: age_range(first.title) is not None and not subject(first) & said,
                              lambda first, other: bool(subject(other) & said))


# A question about a child: "con", "bé", "trẻ em", "cháu", "học sinh", "sơ sinh" (plain, so "còn" too:
# reading a child where none is meant only keeps the order).
_CHILD = re.compile(r"\b(?:con|be|tre|chau|em be|so sinh|moi sinh|hoc sinh|thieu nhi|nho)\b")


def _unasked_child_last(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """A first title for children only ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"), for a
    question that names no child and no age ("làm thẻ bhyt hộ gia đình"), goes behind the next of
    the first few that names no age range and shares a word of its subject."""
    if stated_age(query) is not None or _CHILD.search(" ".join(syllables(query))):
        return order

    def for_children_only(first: SearchDocument) -> bool:
        bounds = age_range(first.title)
        return bounds is not None and bounds[0] == 0

    def ageless_of_its_subject(first: SearchDocument, other: SearchDocument) -> bool:
        subject = set(_ageless(first.title).split()) - _PROCEDURE_WORDS - {"cho", "tre", "em"}
        return age_range(other.title) is None and bool(subject & set(syllables(other.title)))

    return _first_goes_behind(order, documents, for_children_only, ageless_of_its_subject)


def _ageless(title: str) -> str:
    """A title's core without its age range: "the can cuoc cho nguoi" for "… dưới 14 tuổi"."""
    return " ".join(AGE_RANGE.sub(" ", facets(title).core).split())


def _reported_case_first(query: str, order: list[int],
                         documents: Sequence[SearchDocument | None]) -> list[int]:
    """A question reporting a lost or damaged paper gets first, among the first ``VARIANT_DEPTH``,
    the title of the same act and subject that names that case, when the first names another
    ("tôi làm mất chứng chỉ Quản tài viên": "… trong trường hợp chứng chỉ bị mất …", not "… trong
    trường hợp bị thu hồi …")."""
    if not (lost(query) or damaged(query)):
        return order
    return _first_goes_behind(
        order, documents, lambda first: not names_reported_case(query, first.title),
        lambda first, other: bool(names_reported_case(query, other.title)) and same_case_free_subject(
            first.title, other.title),
        VARIANT_DEPTH)


def _loss_reissue_first(query: str, expander: Expander, order: list[int],
                        documents: Sequence[SearchDocument | None]) -> list[int]:
    """A lost paper gets first, among the first ``VARIANT_DEPTH``, a reissue for a loss whose
    title names nothing the question does not, read with the dictionary: "mất sổ đỏ" is "Cấp lại
    Giấy chứng nhận do bị mất" ("sổ đỏ" is "giấy chứng nhận quyền sử dụng đất"), which ranked 17th
    behind the land procedures that issue one."""
    if not lost(query):
        return order
    said = set(_expanded(expander, query))

    def subject_of(document: SearchDocument) -> set[str]:
        return set(case_free_subject(document.title).split()) - _PROCEDURE_WORDS

    def for_this_loss(first: SearchDocument, other: SearchDocument) -> bool:
        subject = subject_of(other)
        if facets(other.title).variant != "cấp lại" or not subject or not subject <= said:
            return False
        # A reissue naming no case serves a loss too ("Cấp lại chứng nhận đăng ký xe, biển số xe").
        names_no_case = case_free_subject(other.title) == facets(other.title).core
        return bool(names_reported_case(query, other.title)) or names_no_case

    # A first reissue for another paper goes behind too: "nhà bị cháy mất sổ đỏ" got "Cấp lại Chứng
    # chỉ hành nghề luật sư trong trường hợp bị mất, bị rách, bị cháy …".
    head = [(p, documents[p]) for p in _first_procedures(order, documents, VARIANT_DEPTH)]
    if not head:
        return order
    first = head[0][1]
    name = _title_syllables(without_level(first.title))
    if len(name) >= QUOTED_NAME and _longest_common_run(name, syllables(query)) == len(name):
        return order   # "điện thoại bị mất, tôi muốn khóa căn cước điện tử": the act asked is named whole
    if (not names_reported_case(query, first.title) if facets(first.title).variant not in REISSUES
            else not subject_of(first) <= said):
        # A first reissue gives way only to one naming as much of what the question says:
        # "giấy chứng nhận thương binh bị mất" is not the land's "Cấp lại Giấy chứng nhận do bị mất",
        # though the first adds unsaid words ("… đối với thương binh đang tại ngũ").
        said_of_first = len(subject_of(first) & said) if facets(first.title).variant in REISSUES else 0
        found = [(len(subject_of(doc)), -rank, p)
                 for rank, (p, doc) in enumerate(head[1:])
                 if for_this_loss(first, doc) and len(subject_of(doc) & said) >= said_of_first]
        if found:
            # The reissue naming most of what was lost: "giấy đăng ký xe" is the vehicle's, not the
            # land certificate's "Giấy chứng nhận", though both are said.
            chosen = max(found)[2]
            return [chosen, *(p for p in order if p != chosen)]
    return order


def _register_copy_first(query: str, order: list[int],
                         documents: Sequence[SearchDocument | None]) -> list[int]:
    """A lost or damaged civil-status paper gets the copy of its extract first, however low it ranks
    ("giấy khai sinh bị rách" is "Cấp bản sao trích lục hộ tịch", not "Đăng ký khai sinh"; a burnt
    marriage certificate found it 21st), unless the question says the register is gone too
    (``wants_register_copy``). The catalog has one such title, so depth brings no stranger."""
    if not wants_register_copy(query):
        return order
    return _first_goes_behind(order, documents, lambda first: not COPY_OF_REGISTER.search(first.title.lower()),
                              lambda first, other: bool(COPY_OF_REGISTER.search(other.title.lower())),
                              len(order))


# Titles that correct a paper issued with wrong details: "Đính chính Giấy chứng nhận đã cấp" (Luật
# Đất đai 2024, Điều 152), "Hiệu đính thông tin đăng ký doanh nghiệp", "Cấp lại … bị sai sót".
_CORRECTION = re.compile(r"\b(?:dinh chinh|hieu dinh|sai sot|sua loi)\b")
_CORRECTION_WORDS = frozenset(syllables("đính chính hiệu sai sót sửa lỗi đã cấp lần đầu có thông tin trên"))


def _correction_first(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """A paper with wrong details ("sổ đỏ bị sai tên") is corrected where its field has a correction
    for it: such a title of the first one's field, whose paper the first one names, goes first
    however low it ranks ("Đính chính Giấy chứng nhận đã cấp", not "Cấp đổi Giấy chứng nhận …");
    a paper with none (the căn cước) keeps its exchange. Naming the act asks it too ("đính chính sổ
    đỏ")."""
    if not miswritten(query) and not _CORRECTION.search(" ".join(syllables(query))):
        return order

    def corrects(document: SearchDocument) -> bool:
        return bool(_CORRECTION.search(" ".join(syllables(document.title))))

    def corrects_that_paper(first: SearchDocument, other: SearchDocument) -> bool:
        paper = set(syllables(without_level(other.title))) - _CORRECTION_WORDS - _PROCEDURE_WORDS
        return (corrects(other) and other.field == first.field != "" and bool(paper)
                and paper <= set(syllables(first.title)))

    return _first_goes_behind(order, documents, lambda first: not corrects(first), corrects_that_paper, len(order))


def _civil_status_change_first(query: str, order: list[int],
                               documents: Sequence[SearchDocument | None]) -> list[int]:
    """A civil-status paper whose details are wrong or to be changed ("đổi tên trong giấy khai
    sinh", "giấy khai sinh bị sai tên") gets "Thay đổi, cải chính, bổ sung thông tin hộ tịch" first,
    found among the first ``VARIANT_DEPTH`` (``variants.wants_civil_status_change``), the foreign
    one only for a question naming a foreign party."""
    if not wants_civil_status_change(query):
        return order
    foreign = said_facets(query).get("foreign") == "có"
    return _first_goes_behind(
        order, documents, lambda first: not CIVIL_STATUS_CHANGE.search(first.title.lower()),
        lambda first, other: bool(CIVIL_STATUS_CHANGE.search(other.title.lower()))
        and (facets(other.title).foreign == "có") == foreign,
        VARIANT_DEPTH)


# What a letter asks follows "muốn" or "xin" ("… muốn được bổ nhiệm công chứng viên thì …").
_WANTS = frozenset({"muon", "xin"})
_WANT_FILLER = frozenset({"duoc", "xin", "lam", "thu", "tuc", "thuc", "hien", "de", "nghi"})
WANTED_NAME = 3      # syllables at least: "Tách hộ" alone is said in passing
WANTED_DEPTH = 10


def _wanted_title_first(query: str, order: list[int], documents: Sequence[SearchDocument | None]) -> list[int]:
    """A title a letter says it wants, whole and right after "muốn" or "xin" ("… muốn được bổ nhiệm
    công chứng viên thì nộp hồ sơ ở đâu?": "Bổ nhiệm công chứng viên"), goes first among the first
    ``WANTED_DEPTH``, unless the first is so said or holds it whole ("Thủ tục đăng ký khai sinh cho
    người đã có hồ sơ …" for "muốn đăng ký khai sinh": the letter's qualifiers chose it)."""
    words = syllables(query)
    clauses = []
    for i, word in enumerate(words):
        if word in _WANTS:
            start = i + 1
            while start < len(words) and words[start] in _WANT_FILLER:
                start += 1
            clauses.append(words[start:])
    if not clauses:
        return order

    def name(document: SearchDocument) -> list[str]:
        title = list(_title_syllables(document.title))
        return title[2:] if title[:2] == ["thu", "tuc"] else title

    def wanted(document: SearchDocument | None) -> bool:
        if document is None or document.kind != "procedure":
            return False
        title = name(document)
        return len(title) >= WANTED_NAME and any(clause[:len(title)] == title for clause in clauses)

    first = documents[order[0]] if order else None
    chosen = next((p for p in _first_procedures(order, documents, WANTED_DEPTH)[1:] if wanted(documents[p])), None)
    if first is None or chosen is None or wanted(first):
        return order
    said = name(documents[chosen])
    if _longest_common_run(said, name(first)) == len(said):
        return order
    return [chosen, *(p for p in order if p != chosen)]


def _tax_details_change_first(query: str, order: list[int],
                              documents: Sequence[SearchDocument | None]) -> list[int]:
    """A tax registration whose details are wrong or to be changed ("mã số thuế cá nhân bị sai
    tên") gets "Đăng ký thay đổi thông tin đăng ký thuế …" first, found among the first
    ``VARIANT_DEPTH`` (``variants.wants_tax_details_change``)."""
    if not wants_tax_details_change(query):
        return order

    def changes_details(document: SearchDocument | None) -> bool:
        return document is not None and bool(TAX_DETAILS_CHANGE.search(document.title.lower()))

    moved = _first_goes_behind(order, documents, lambda first: not changes_details(first),
                               lambda first, other: changes_details(other), VARIANT_DEPTH)
    if moved is not order or not order or changes_details(documents[order[0]]):
        return moved
    # A letter about its old ID number ranked it beyond the hits: the best ranked of them leads.
    found = [p for p, document in enumerate(documents) if changes_details(document) and document.kind == "procedure"]
    best = min(found, key=lambda p: (order.index(p) if p in order else len(order), p), default=None)
    return order if best is None else [best, *(p for p in order if p != best)]


# A company of a kind that its own law governs: a securities firm, a law firm, a bank, an insurer…
_ORGANISATION_KIND = re.compile(
    r"\b(?:cong ty (?:chung khoan|luat|quan ly quy|dau tu chung khoan|tai chinh|cho thue tai chinh|con)"
    r"|ngan hang|to chuc tin dung|tai chinh vi mo|quy tin dung|bao hiem|van phong luat su|hanh nghe luat su"
    r"|cong chung|hop tac xa|casino|tro choi dien tu|tham dinh gia|kiem toan|xo so)\b")
_ANY_COMPANY = re.compile(r"\b(?:cong ty|doanh nghiep)\b")
_COMPANY_SAID = re.compile(r"\b(?:cong ty|doanh nghiep|cty|ct|dn)\b")   # before the dictionary spells it out
ORGANISATION_DEPTH = 10


def _unsaid_organisation_last(query: str, expander: Expander, order: list[int],
                              documents: Sequence[SearchDocument | None]) -> list[int]:
    """A question about "công ty" or "doanh nghiệp" naming no kind ("tăng vốn điều lệ công ty")
    means an ordinary company: a first title for a kind the law governs apart (a securities firm,
    a law firm, a microfinance institution) goes behind the next of the first few for companies
    of no kind ("Đăng ký thay đổi nội dung đăng ký doanh nghiệp")."""
    if not _COMPANY_SAID.search(" ".join(syllables(query))):
        return order
    text = " ".join(_expanded(expander, query))   # "cty" is "công ty", "mở công ty" a company
    if not _ANY_COMPANY.search(text) or _ORGANISATION_KIND.search(text):
        return order

    def plain_company(first: SearchDocument, other: SearchDocument) -> bool:
        title = " ".join(syllables(other.title))
        return bool(_ANY_COMPANY.search(title)) and not _ORGANISATION_KIND.search(title)

    return _first_goes_behind(
        order, documents, lambda first: bool(_ORGANISATION_KIND.search(" ".join(syllables(first.title)))),
        plain_company, ORGANISATION_DEPTH)


# A tax asked for by name: "nộp thuế khi chuyển nhượng nhà đất" is the tax return on a transfer, not
# the land registration of it. Typed without marks, "thue" is "thuê" (rent) as often: only a
# tax's own words say it then.
_TAX_UNMARKED = re.compile(r"\b(?:nop|khai|dong|hoan|mien|giam|quyet toan|no|ma so|cuc|chi cuc) thue\b"
                           r"|\bthue (?:chuyen nhuong|thu nhap|tncn|gtgt|gia tri gia tang|tieu thu dac biet|tai nguyen"
                           r"|xuat khau|nhap khau|su dung dat|mon bai)\b")
TAX_DEPTH = 10
_TAX = _marked_words("thuế")[0]   # as ``_marked_words`` spells it, its tone mark last


def _asked_tax_first(query: str, expander: Expander, order: list[int],
                     documents: Sequence[SearchDocument | None]) -> list[int]:
    """A question asking about a tax gets first, among the first ``TAX_DEPTH``, the title naming a
    tax that names most of what the question says, read with the dictionary ("bán đất" is
    "chuyển nhượng … bất động sản"), when the first names no tax, or, for a short question, names
    less of it."""
    words = _marked_words(query) if _typed_with_marks(query) else []
    if _TAX not in words and not _TAX_UNMARKED.search(" ".join(syllables(query))):
        return order
    head = [(p, documents[p]) for p in _first_procedures(order, documents, TAX_DEPTH)]
    if not head:
        return order
    said = set(_expanded(expander, query)) - _TAX_WORDS - FILLER - _PROCEDURE_WORDS
    shared = [(len(_title_words(doc) & said), -rank, p) for rank, (p, doc) in enumerate(head) if _names_tax(doc)]
    if not shared:
        return order
    chosen = max(shared)[2]
    # A first tax title gives way to one naming more of a short question ("nộp thuế khi bán đất"); a
    # letter's many words match long titles by chance, and its ranking has read them all.
    if _names_tax(head[0][1]) and (len(syllables(query)) >= LETTER
                                   or len(_title_words(head[0][1]) & said) >= max(shared)[0]):
        return order
    return [chosen, *(p for p in order if p != chosen)]


def _names_tax(document: SearchDocument) -> bool:
    """The title is about a tax, not only filed with the tax office ("… cơ quan thuế có thẩm quyền")."""
    words = _title_marked_words(document.title)
    return (any(word == _TAX and (i == 0 or words[i - 1] != "quan") for i, word in enumerate(words))
            or " truoc ba " in f" {' '.join(_title_syllables(document.title))} ")   # once "thuế trước bạ"


_TAX_WORDS = frozenset(syllables("thuế nộp khai"))


def _first_procedures(order: list[int], documents: Sequence[SearchDocument | None], depth: int) -> list[int]:
    """The first ``depth`` procedures of ``order``: the FAQs ranked between them do not count, so a
    rule looks as deep served (``kind="all"``) as measured on procedures alone."""
    return [p for p in order if (doc := documents[p]) is not None and doc.kind == "procedure"][:depth]


def _first_goes_behind(order: list[int], documents: Sequence[SearchDocument | None],
                       goes_back: Callable[[SearchDocument], bool],
                       may_lead: Callable[[SearchDocument, SearchDocument], bool],
                       depth: int = QUALIFIER_DEPTH) -> list[int]:
    """When the first procedure ``goes_back``, the next of the first ``depth`` procedures that
    ``may_lead`` in its place goes first; else the order is kept. FAQs between them do not count:
    served, the portal's questions about "thế chấp" put the security 8th, the 4th procedure
    (``_first_procedures``)."""
    first = documents[order[0]] if order else None
    if first is None or first.kind != "procedure" or not goes_back(first):
        return order
    for p in _first_procedures(order, documents, depth)[1:]:
        if may_lead(first, documents[p]):  # type: ignore[arg-type]
            return [p, *(q for q in order if q != p)]
    return order


def said_words(query: str) -> set[str]:
    """The syllables of ``query`` and its pairs of adjacent syllables, plus "có yếu tố nước ngoài"
    when it names a foreign party ("chồng tôi là người Mỹ"): what a qualified title may add without
    being unsaid."""
    words = set(syllables(query))
    if said_facets(query).get("foreign") == "có":
        words |= FOREIGN_ELEMENT_WORDS
    return words | set(pairs(syllables(query)))   # "khong_phai": small words said together


# The share of a qualifier's words (more than two) a letter (this many different syllables or
# more) says for it to be said.
SAID_SHARE = 0.5
LETTER_WORDS = 30


def adds_unsaid_words(longer: SearchDocument, plainer: SearchDocument, asked: set[str]) -> bool:
    """Both are procedures, ``longer``'s title is ``plainer``'s plus words the question (its
    syllables ``asked``) does not say, and the question says none of ``longer``'s names whole."""
    if longer.kind != "procedure" or plainer.kind != "procedure":
        return False
    longer_words, plainer_words = _title_words(longer), _title_words(plainer)
    # In the same order: a long title naming another procedure inside it ("Thẩm duyệt thiết kế …
    # (trường hợp … nghiệm thu …)") holds every word of that one's title without being it plus words.
    if not plainer_words < longer_words or not _in_order(_title_list(plainer), _title_list(longer)):
        return False
    extra = longer_words - plainer_words
    # A letter's own small words ("khi", "có", "phải") do not say the qualifier ("Đăng ký tập sự lại
    # … sau khi chấm dứt"); said together as in the title they do ("không phải là cộng tác viên").
    together = [p for p in pairs(syllables(without_level(longer.title))) if extra.issuperset(p.split("_"))]
    # A long qualifier is said by most of its words: a letter about "chủ đầu tư dự án nhà máy" does
    # not say "… đối với dự án đầu tư thuộc bí mật nhà nước về an ninh trong Công an nhân dân".
    # A qualifier of alternatives ("… chuyển vùng hoạt động; … dẫn tàu trên tuyến mới …") is said
    # when one of them is.
    letter = sum("_" not in w for w in asked) >= LETTER_WORDS
    said = any(_says_qualifier(extra & set(syllables(part)), together, asked, letter)
               for part in _ALTERNATIVES.split(without_level(longer.title)))
    return not said and not any(set(syllables(name)) <= asked for name in longer.names)


_ALTERNATIVES = re.compile(r";|\bhoặc\b", re.IGNORECASE)


def _says_qualifier(extra: set[str], together: list[str], asked: set[str], letter: bool) -> bool:
    """A letter's many words say a long qualifier only when they say most of it; a short question's
    one word of it says it."""
    telling = extra - FILLER
    pairs_there = [p for p in together if extra.issuperset(p.split("_"))]
    if letter and len(telling) > 2:
        return (len(telling & asked) >= SAID_SHARE * len(telling)
                or sum(p in asked for p in pairs_there) >= SAID_SHARE * len(pairs_there) > 0)
    return bool(telling & asked) or any(p in asked for p in pairs_there)


def _title_list(document: SearchDocument) -> list[str]:
    """The title's words in order, without small words ("và" moves: "Việt Nam và Lào" is in "Việt
    Nam, Lào và Campuchia")."""
    words = syllables(without_level(document.title))
    return [w for w in (words[2:] if words[:2] == ["thu", "tuc"] else words) if w not in FILLER]


def _in_order(words: list[str], within: list[str]) -> bool:
    """``words`` appear in ``within`` in the same order, others between them allowed."""
    rest = iter(within)
    return all(word in rest for word in words)


def _title_words(document: SearchDocument) -> set[str]:
    return set(syllables(without_level(document.title)))


def _max_weight(mode: str) -> float:
    return {"lexical": LEXICAL_WEIGHT, "dense": DENSE_WEIGHT}.get(mode, LEXICAL_WEIGHT + DENSE_WEIGHT)


# The accent model reads the start of long texts only: an official answer's first words carry its
# vocabulary, and reading whole answers cost 3 s of every start on the national catalog.
ACCENT_TEXT_CHARS = 600


def accent_sources(document: SearchDocument) -> list[str]:
    """The texts the accent model learns from: what a citizen's words are likely to be."""
    texts = [document.body, document.sections.get("result", ""),
             document.sections.get("documents", "")]
    return [*document.names, *(t[:ACCENT_TEXT_CHARS] for t in texts)]


def cache_path(cache_dir: Path, encoder_name: str) -> Path:
    """The passage-vector file of one encoder (its name hashed: it may be a path)."""
    return cache_dir / f"passages-{hashlib.sha256(encoder_name.encode()).hexdigest()[:12]}.npz"


def _read_cache(path: Path) -> tuple[list[str], np.ndarray | None]:
    if not path.exists():
        return [], None
    try:
        with np.load(path) as data:
            return data["texts"].tolist(), data["vectors"]
    except (OSError, ValueError, KeyError):
        return [], None   # a torn or foreign file: encode again rather than fail to start


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)


def _fuse(lexical_ranks: dict[int, int], dense_ranks: dict[int, int]) -> dict[int, float]:
    """Reciprocal-rank fusion of the two rankings, each by its weight."""
    fused: dict[int, float] = {}
    for ranks, weight in ((lexical_ranks, LEXICAL_WEIGHT), (dense_ranks, DENSE_WEIGHT)):
        for position, rank in ranks.items():
            fused[position] = fused.get(position, 0.0) + weight / (RRF_K + rank)
    return fused


def _in_own_order(order: list[int], own: list[int], members: np.ndarray) -> list[int]:
    """``order`` with the places its ``members`` hold filled by ``own`` in turn; members beyond
    those places follow at the end."""
    remaining = iter(own)
    placed = [p if not members[p] else next(remaining, None) for p in order]
    kept = [p for p in placed if p is not None]
    seen = set(kept)
    return kept + [p for p in remaining if p not in seen]


def _ranks(scores: np.ndarray, allowed: np.ndarray) -> dict[int, int]:
    """1-based ranks of the best CANDIDATES allowed documents with a positive score."""
    masked = np.where(allowed & (scores > 0), scores, -np.inf)
    count = min(CANDIDATES, int(np.isfinite(masked).sum()))
    if count == 0:
        return {}
    top = np.argpartition(-masked, count - 1)[:count]
    top = top[np.argsort(-masked[top], kind="stable")]
    return {int(p): rank for rank, p in enumerate(top, start=1)}
