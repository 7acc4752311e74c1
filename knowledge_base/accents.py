"""Put diacritics back on a question typed without them, using the catalog's own words.

"lam giay khai sinh can gi" → "làm giấy khai sinh cần gì". The dense encoder understands accented
Vietnamese far better than its stripped form. Each unaccented syllable may stand for several
accented ones (ban → bản, bán, bạn); a Viterbi pass picks the sequence whose adjacent pairs occur
most often in the catalog text. Syllables never seen are left as typed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from knowledge_base.normalise import strip_diacritics

_WORD = re.compile(r"\w+", re.UNICODE)
# Everyday words of questions that the catalog text rarely contains.
COMMON_WORDS = (
    "tôi muốn làm cần gì những giấy tờ bao nhiêu tiền mất mấy ngày ở đâu như thế nào được không "
    "có phải cho con bé của mình em anh chị ơi ạ nhé với và hay là thì bị hết hạn mới xin cấp lại "
    "đổi nộp hồ sơ trực tuyến ở nhà qua mạng bao lâu thủ tục lệ phí khi nào bây giờ"
)


def _syllables(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


class AccentRestorer:
    """Bigram model of accented syllables, learned from catalog text."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._forms: dict[str, Counter[str]] = defaultdict(Counter)
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._total = 0
        self._learn([*texts, COMMON_WORDS])

    def _learn(self, texts: Iterable[str]) -> None:
        for text in texts:
            if strip_diacritics(text) == text:
                continue  # unaccented phrasings (teen-code examples) would teach nothing
            words = _syllables(text)
            bare = _syllables(strip_diacritics(text))   # one call per text, not per word
            if len(bare) != len(words):
                bare = [strip_diacritics(w) for w in words]
            for word, plain in zip(words, bare, strict=True):
                self._forms[plain][word] += 1
            self._pairs.update(itertools.pairwise(words))
            self._total += len(words)

    def learning(self, texts: Iterable[str]) -> AccentRestorer:
        """A copy that also knows ``texts`` (a record published live); this one is unchanged."""
        copy = object.__new__(AccentRestorer)
        copy._forms = defaultdict(Counter, {k: Counter(v) for k, v in self._forms.items()})
        copy._pairs = Counter(self._pairs)
        copy._total = self._total
        copy._learn(texts)
        return copy

    def _unigram(self, word: str, form: str) -> float:
        counts = self._forms.get(word)
        if not counts:
            return 0.0
        return math.log((counts[form] + 0.1) / (sum(counts.values()) + 0.1))

    def restore(self, text: str) -> str:
        """Accented version of ``text``; syllables the citizen already accented are kept."""
        words = _syllables(text)
        if not words:
            return text
        lattice = [list(self._forms[w]) if w in self._forms and strip_diacritics(w) == w else [w]
                   for w in words]
        # best[i][form] = (score, previous form)
        best: list[dict[str, tuple[float, str | None]]] = [
            {f: (self._unigram(words[0], f), None) for f in lattice[0]}]
        for i in range(1, len(words)):
            column: dict[str, tuple[float, str | None]] = {}
            for form in lattice[i]:
                unigram = self._unigram(words[i], form)
                column[form] = max(
                    ((score + unigram + 2.0 * math.log1p(self._pairs[(prev, form)]), prev)
                     for prev, (score, _) in best[-1].items()),
                    key=lambda item: item[0])
            best.append(column)
        form = max(best[-1], key=lambda f: best[-1][f][0])
        out = [form]
        for i in range(len(words) - 1, 0, -1):
            form = best[i][form][1]  # type: ignore[assignment]
            out.append(form)
        return " ".join(reversed(out))
