"""The unanswered-questions inbox: questions the bot could not answer, grouped by meaning so staff
see "47 people asked how to replace a lost health-insurance card" rather than 47 lines, and can
start an FAQ from a group in one click.

Grouping: each question is normalised (lower case, abbreviations spelled out by the knowledge
base's dictionary), questions that only differ by diacritics are merged outright, and the distinct
phrasings are embedded with the knowledge base's encoder and clustered greedily: a phrasing joins
the most similar group whose centroid is at least ``SIMILARITY_THRESHOLD`` similar, or starts a new
one. The embedding is the slow part, so groups are cached per (period, number of questions) and
vectors per phrasing; what search finds is asked again on every load because FAQs change live.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.core.vntime import aware, utcnow
from bot.insights.models import ResolvedInboxGroup, UnansweredQuestion
from knowledge_base.normalise import Expander, has_diacritics, strip_diacritics
from knowledge_base.service import KnowledgeBase

DEFAULT_DAYS = 30
MAX_DAYS = 365
MAX_QUESTIONS = 2000          # per page load: the newest ones of the period
MAX_EXAMPLES = 5
SHOWN_HITS = 3
# multilingual-e5 puts any two Vietnamese questions at cosine ≥ 0.80, so the useful band is
# narrow. Tried on 30 real-style questions (tests/test_inbox.py keeps the core of them): paraphrases
# of one need sit at 0.97–0.99 from their group's centroid (lost health-insurance card typed
# accented, unaccented or as "bhyt"); neighbouring needs at 0.92–0.94 ("thẻ bhyt cho bé", renewing
# vs replacing a driving licence); unrelated ones at ~0.81 ("giờ mở cửa thứ bảy"). At 0.93
# neighbours merge, at 0.96 paraphrases of opening hours split; 0.94 and 0.95 give the same groups,
# so take the middle. A split group costs staff less than a merged one, whose second need would
# never get its FAQ.
SIMILARITY_THRESHOLD = 0.945
ENCODE_BATCH = 32             # the encoder's sweet spot on CPU (single texts are ~10× slower each)
VECTOR_CACHE = 20_000
GROUP_CACHE = 8
DRAFT_PATH = "/staff/faqs/new"
REASON_LABELS = {
    "fallback": "Không hiểu câu hỏi",
    "low_confidence": "Chưa chắc chắn, gợi ý 3 kết quả",
    "out_of_catalog": "Ngoài danh mục thủ tục",
    "disliked": "Người dân chê câu trả lời (👎)",
    "handoff": "Chuyển cho cán bộ",
}


def normalise(text: str, expander: Expander) -> str:
    """Lower case, punctuation and extra spaces dropped, abbreviations spelled out
    ("Mất thẻ BHYT??" → "mất thẻ bảo hiểm y tế")."""
    return " ".join(expander.rewrite(" ".join(text.split())).split())


def plain_form(text: str, expander: Expander) -> str:
    """The question without diacritics, abbreviations spelled out: the same for "cấp lại thẻ BHYT"
    and "cap lai the bhyt" (the dictionary only rewrites unaccented words, so strip first)."""
    return strip_diacritics(normalise(strip_diacritics(text), expander)).lower()


def phrasing_key(plain: str) -> str:
    """Stable key of a phrasing (of its ``plain_form``): also the key of a group it represents."""
    return hashlib.sha256(plain.encode()).hexdigest()[:16]


def cluster(vectors: np.ndarray, weights: Sequence[int], threshold: float = SIMILARITY_THRESHOLD) -> list[list[int]]:
    """Greedy clustering of unit ``vectors`` in the given order: each joins the group whose
    (weighted) centroid is most similar, if at least ``threshold``; otherwise it starts a group."""
    sums: list[np.ndarray] = []
    members: list[list[int]] = []
    for i, vector in enumerate(vectors):
        if sums:
            centroids = np.vstack(sums)
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
            similarities = centroids @ vector
            best = int(np.argmax(similarities))
            if similarities[best] >= threshold:
                sums[best] = sums[best] + weights[i] * vector
                members[best].append(i)
                continue
        sums.append(weights[i] * vector.astype(np.float32))
        members.append([i])
    return _merge_close(sums, members, threshold)


def _merge_close(sums: list[np.ndarray], members: list[list[int]], threshold: float) -> list[list[int]]:
    """Merge groups whose centroids ended up within ``threshold``: a greedy pass splits one need
    in two when its first phrasings happen to be far apart and later ones bridge them."""
    if len(sums) < 2:
        return members
    matrix = np.vstack(sums)
    units = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    similarities = units @ units.T
    np.fill_diagonal(similarities, -np.inf)
    alive = [True] * len(sums)
    while True:
        flat = int(np.argmax(similarities))
        i, j = divmod(flat, len(sums))
        if similarities[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)   # keep the older group
        matrix[i] += matrix[j]
        members[i].extend(members[j])
        alive[j] = False
        similarities[j, :] = similarities[:, j] = -np.inf
        unit = matrix[i] / max(float(np.linalg.norm(matrix[i])), 1e-12)
        row = units @ unit
        units[i] = unit
        row[i] = -np.inf
        row[[k for k, live in enumerate(alive) if not live]] = -np.inf
        similarities[i, :] = similarities[:, i] = row
    return [sorted(m) for m, live in zip(members, alive, strict=True) if live]


@dataclass(frozen=True)
class Example:
    text: str
    channel: str
    at: dt.datetime
    reason: str
    answered: str = ""   # a 👎: the title of the answer the citizen was given


@dataclass(frozen=True)
class Found:
    """A hit of the current search for the group's representative question."""

    id: str
    kind: str
    title: str
    score: float


@dataclass(frozen=True)
class Group:
    key: str
    representative: str
    count: int
    examples: list[Example]
    reasons: dict[str, int]
    channels: dict[str, int]
    last_at: dt.datetime
    member_keys: frozenset[str]    # the phrasing keys of its questions (the representative may move)
    best_ids: frozenset[str]       # what search found when the questions were asked
    found: list[Found] = field(default_factory=list)
    confident: bool = False        # whether the bot would now answer the representative directly

    @property
    def draft_url(self) -> str:
        return f"{DRAFT_PATH}?{urlencode({'question': self.representative, 'group': self.key})}"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "representative": self.representative, "count": self.count,
            "reasons": self.reasons, "channels": self.channels, "last_at": self.last_at.isoformat(),
            "examples": [{"text": e.text, "channel": e.channel, "at": e.at.isoformat(), "reason": e.reason,
                          "answered": e.answered} for e in self.examples],
            "found": [dataclasses.asdict(f) for f in self.found], "confident": self.confident,
            "draft_url": self.draft_url,
        }


@dataclass(frozen=True)
class InboxPage:
    days: int
    since: dt.datetime
    total: int          # questions in the period
    considered: int     # of which grouped (the newest MAX_QUESTIONS)
    groups: list[Group]
    hidden: int         # groups resolved by an FAQ

    @property
    def capped(self) -> bool:
        return self.total > self.considered

    def to_json(self) -> dict[str, Any]:
        return {"days": self.days, "since": self.since.isoformat(), "total": self.total,
                "considered": self.considered, "capped": self.capped, "hidden": self.hidden,
                "groups": [g.to_json() for g in self.groups]}


@dataclass
class _Phrasing:
    """The questions whose normalised text is the same once diacritics are stripped."""

    rows: list[Any] = field(default_factory=list)
    normalised: Counter[str] = field(default_factory=Counter)
    texts: Counter[str] = field(default_factory=Counter)

    typed_accented: Counter[str] = field(default_factory=Counter)   # normalised, of accented typings

    def accented(self) -> str | None:
        return max((count, form) for form, count in self.typed_accented.items())[1] if self.typed_accented else None

    def display(self) -> str:
        # The citizen's own words, accented if anyone typed them so (easier for staff to read);
        # the most frequent, then the oldest (``texts`` is newest first), so it stays put.
        order = {t: i for i, t in enumerate(self.texts)}
        return max(self.texts, key=lambda t: (has_diacritics(t), self.texts[t], order[t]))


def clamp_days(days: int | None) -> int:
    return DEFAULT_DAYS if days is None else min(max(int(days), 1), MAX_DAYS)


class Inbox:
    """Groups of one database and one knowledge base, with their caches (one per app)."""

    def __init__(self, sessions: sessionmaker, kb: KnowledgeBase, threshold: float = SIMILARITY_THRESHOLD,
                 max_questions: int = MAX_QUESTIONS) -> None:
        self.sessions = sessions
        self.kb = kb
        self.threshold = threshold
        self.max_questions = max_questions
        self._lock = threading.Lock()   # one clustering at a time: a second reload waits and reuses it
        self._groups: OrderedDict[tuple[int, int, int], list[Group]] = OrderedDict()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    # ---- reading ------------------------------------------------------------------------------
    def page(self, days: int | None = DEFAULT_DAYS, now: dt.datetime | None = None) -> InboxPage:
        days = clamp_days(days)
        since = (now or utcnow()) - dt.timedelta(days=days)
        with self.sessions() as session:
            total, last_id = session.execute(select(func.count(UnansweredQuestion.id), func.max(UnansweredQuestion.id))
                                             .where(UnansweredQuestion.at >= since)).one()
        cache_key = (days, int(total), int(last_id or 0))
        with self._lock:
            groups = self._groups.get(cache_key)
            if groups is None:
                groups = self._group(self._rows(since))
                self._groups[cache_key] = groups
                while len(self._groups) > GROUP_CACHE:
                    self._groups.popitem(last=False)
        resolved = self._resolutions()
        shown: list[Group] = []
        for group in groups:
            answer = self.kb.ask(group.representative)
            found = [Found(h.id, h.kind, h.title, h.score) for h in answer.hits[:SHOWN_HITS]]
            best = answer.best
            # A new FAQ that now answers the group directly: nothing left for staff to do.
            answered = (answer.confident and best is not None and best.kind == "faq"
                        and best.id not in group.best_ids)
            marked_at = max((resolved[k] for k in {group.key, *group.member_keys} if k in resolved), default=None)
            if answered or (marked_at is not None and group.last_at <= marked_at):
                continue
            shown.append(dataclasses.replace(group, found=found, confident=answer.confident))
        return InboxPage(days, since, int(total), min(int(total), self.max_questions), shown,
                         len(groups) - len(shown))

    def _rows(self, since: dt.datetime) -> list[Any]:
        q = UnansweredQuestion
        with self.sessions() as session:
            return list(session.execute(
                select(q.id, q.text, q.channel, q.at, q.reason, q.best_id).where(q.at >= since)
                .order_by(q.at.desc(), q.id.desc()).limit(self.max_questions)).all())

    def _resolutions(self) -> dict[str, dt.datetime]:
        with self.sessions() as session:
            rows = session.execute(select(ResolvedInboxGroup.group_key, func.max(ResolvedInboxGroup.at))
                                   .group_by(ResolvedInboxGroup.group_key)).all()
        return {key: aware(at) for key, at in rows}

    # ---- grouping -----------------------------------------------------------------------------
    def _group(self, rows: Sequence[Any]) -> list[Group]:
        expander = self.kb.index.expander
        phrasings: dict[str, _Phrasing] = {}
        for row in rows:   # newest first
            normalised = normalise(row.text, expander)
            if not normalised:
                continue
            phrasing = phrasings.setdefault(phrasing_key(plain_form(row.text, expander)), _Phrasing())
            phrasing.rows.append(row)
            phrasing.normalised[normalised] += 1
            if has_diacritics(row.text):   # not the dictionary's accented expansions: the citizen's
                phrasing.typed_accented[normalised] += 1
            phrasing.texts[row.text] += 1
        # Frequent phrasings first, so they found the groups and steady the centroids; then the
        # oldest, so a group's founder does not change as new questions arrive.
        keys = sorted(phrasings, key=lambda k: (-len(phrasings[k].rows), phrasings[k].rows[-1].id, k))
        vectors = self._embed([self._embedding_text(phrasings[k]) for k in keys])
        weights = [len(phrasings[k].rows) for k in keys]
        groups = [self._make_group(keys, [phrasings[keys[i]] for i in members], vectors[members],
                                   [weights[i] for i in members], members, self._title)
                  for members in cluster(vectors, weights, self.threshold)]
        return sorted(groups, key=lambda g: (-g.count, -g.last_at.timestamp(), g.key))

    def _embedding_text(self, phrasing: _Phrasing) -> str:
        # The encoder reads accented Vietnamese far better: use a citizen's accented typing, or
        # put the diacritics back from the catalog's own words.
        accented = phrasing.accented()
        if accented is not None:
            return accented
        # The index's own model: a second copy would cost tens of MB on a national catalog.
        return self.kb.index.restore_accents(phrasing.normalised.most_common(1)[0][0])

    def _embed(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        encoder = self.kb.index.encoder
        for start in range(0, len(missing), ENCODE_BATCH):
            batch = missing[start:start + ENCODE_BATCH]
            for text, vector in zip(batch, encoder.encode_queries(batch), strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > VECTOR_CACHE:
            self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, encoder.dim), np.float32)
        return np.vstack([self._vectors[t] for t in texts]).astype(np.float32)

    def _title(self, item_id: str) -> str:
        procedure = self.kb.procedure(item_id)
        if procedure is not None:
            return procedure.title
        faq = self.kb.faq(item_id)
        return faq.question if faq is not None else item_id

    @staticmethod
    def _make_group(keys: list[str], phrasings: list[_Phrasing], vectors: np.ndarray, weights: list[int],
                    members: list[int], title_of: Callable[[str], str] = str) -> Group:
        centroid = (vectors * np.asarray(weights, np.float32)[:, None]).sum(axis=0)
        central = int(np.argmax(vectors @ centroid))   # first wins a tie: the more frequent phrasing
        rows = sorted((r for p in phrasings for r in p.rows), key=lambda r: (aware(r.at), r.id), reverse=True)
        examples: list[Example] = []
        seen: set[str] = set()
        for row in rows:   # the newest, one per wording
            if row.text not in seen and len(examples) < MAX_EXAMPLES:
                seen.add(row.text)
                answered = title_of(row.best_id) if row.reason == "disliked" and row.best_id else ""
                examples.append(Example(row.text, row.channel, aware(row.at), row.reason, answered))
        member_keys = [keys[i] for i in members]
        return Group(
            key=member_keys[central], representative=phrasings[central].display(), count=len(rows),
            examples=examples, reasons=dict(Counter(r.reason for r in rows).most_common()),
            channels=dict(Counter(r.channel for r in rows).most_common()), last_at=aware(rows[0].at),
            member_keys=frozenset(member_keys), best_ids=frozenset(r.best_id for r in rows if r.best_id),
        )


def mark_group_resolved(sessions: sessionmaker, group_key: str, faq_id: str) -> None:
    """Hide a group once an FAQ was published from it (called by the catalog admin). The group
    comes back if its questions are asked again afterwards: the FAQ did not answer them."""
    with sessions() as session, session.begin():
        session.add(ResolvedInboxGroup(group_key=group_key[:32], faq_id=faq_id[:64]))


def install_resolution_hook(sessions: sessionmaker) -> Callable[[], None]:
    """Have the catalog admin mark a group resolved when an FAQ written from it is published.
    Returns the function that removes the hook again (call it at shutdown: the hook list is
    process-wide, and a second app in the same process must not write into this database)."""
    from bot.catalog.hooks import FAQ_PUBLISHED  # the catalog does not import the inbox

    def hook(faq_id: str, group_key: str) -> None:
        mark_group_resolved(sessions, group_key, faq_id)

    FAQ_PUBLISHED.append(hook)
    return lambda: FAQ_PUBLISHED.remove(hook) if hook in FAQ_PUBLISHED else None
