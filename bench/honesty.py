"""Honest when unsure: how often the assistant answers confidently outside the catalog, and what the
rule costs on questions the catalog does answer.

Three question sets:
- ``tests/fixtures/out_of_catalog.yml`` (62): procedures the sample catalog lacks, written before
  the rule was tuned. Every confident answer there is a wrong answer.
- ``bench/devset.jsonl`` (260) and ``bench/testset.jsonl`` (200): in-catalog questions (the test
  set was never used for tuning).

For each set: *before* is the ranking-only rule (both rankings agree or a margin), *after* adds the
word evidence of ``KnowledgeBase.ask``. In-catalog: answered = a direct, correct card; wrong = a
direct card for another record; suggested = buttons with the right record among them; refused =
told the catalog does not cover it. The cross-validation re-chooses ``EVIDENCE_TO_ANSWER`` on four
folds of the out-of-catalog set plus the dev set and scores the fifth fold and the test set.

With ``--national DIR`` it also asks the national catalog (``make national``) the portal's 405
dev questions instead, procedures only as ``bench/national_quality.py`` does, and prints how often
the answer is direct, and directly right, before and after (ranks are unchanged).

    python bench/honesty.py [--errors] [--national var/national --national-cache var/index-national]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.aspects import subject_words  # noqa: E402
from knowledge_base.service import (  # noqa: E402
    CONFIDENT_MARGIN,
    EVIDENCE_TO_ANSWER,
    EVIDENCE_TO_SUGGEST,
    KnowledgeBase,
)
from knowledge_base.variants import contradicts  # noqa: E402

OUT_OF_CATALOG = ROOT / "tests" / "fixtures" / "out_of_catalog.yml"
MAX_CONFIDENT_OUTSIDE = 0.08   # what the cross-validation allows on its training folds
THRESHOLDS = [round(0.40 + 0.025 * i, 3) for i in range(17)]


@dataclass(frozen=True)
class Outcome:
    question: str
    wanted: tuple[str, ...]   # empty outside the catalog
    fold: int
    ranked_first: bool        # the rule before: ranks alone
    evidence: float
    closest: float            # the best evidence among the first three hits
    top: tuple[str, ...]

    def confident(self, threshold: float | None) -> bool:
        return self.ranked_first and (threshold is None or self.evidence >= threshold)

    def refused(self, threshold: float | None) -> bool:
        return threshold is not None and not self.confident(threshold) and self.closest < EVIDENCE_TO_SUGGEST


def load_out_of_catalog() -> list[dict]:
    return yaml.safe_load(OUT_OF_CATALOG.read_text(encoding="utf-8"))["questions"]


def load_in_catalog(name: str) -> list[dict]:
    path = ROOT / "bench" / f"{name}set.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def outcome(kb: KnowledgeBase, question: str, wanted: list[str], fold: int = 0) -> Outcome:
    answer = kb.ask(question)
    hits = answer.hits
    if not hits:
        return Outcome(question, tuple(wanted), fold, False, 0.0, 0.0, ())
    first = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    ranked = bool(subject_words(question)) and (
        kb.rankings_agree(hits) or first.score - second >= CONFIDENT_MARGIN) \
        and not contradicts(question, first.title)   # as KnowledgeBase.ask: another act or issue
    return Outcome(question, tuple(wanted), fold, ranked, answer.evidence, answer.closest,
                   tuple(h.id for h in hits[:3]))


def outside(rows: list[Outcome], threshold: float | None) -> dict[str, float]:
    n = len(rows)
    return {"confident_wrong": sum(r.confident(threshold) for r in rows) / n,
            "refused": sum(r.refused(threshold) for r in rows) / n}


def inside(rows: list[Outcome], threshold: float | None) -> dict[str, float]:
    n = len(rows)
    right = [bool(r.top) and r.top[0] in r.wanted for r in rows]
    return {
        "answered": sum(r.confident(threshold) and ok for r, ok in zip(rows, right, strict=True)) / n,
        "wrong": sum(r.confident(threshold) and not ok for r, ok in zip(rows, right, strict=True)) / n,
        "suggested": sum(not r.confident(threshold) and not r.refused(threshold)
                         and any(t in r.wanted for t in r.top) for r in rows) / n,
        "refused": sum(r.refused(threshold) for r in rows) / n,
    }


def cross_validate(ooc: list[Outcome], dev: list[Outcome],
                   test: list[Outcome]) -> list[tuple[int, float, float, float]]:
    out = []
    for fold in sorted({r.fold for r in ooc}):
        train = [r for r in ooc if r.fold != fold]
        held = [r for r in ooc if r.fold == fold]
        allowed = [t for t in THRESHOLDS if outside(train, t)["confident_wrong"] <= MAX_CONFIDENT_OUTSIDE]
        chosen = max(allowed or THRESHOLDS[-1:], key=lambda t: (inside(dev, t)["answered"], -t))
        out.append((fold, chosen, outside(held, chosen)["confident_wrong"], inside(test, chosen)["answered"]))
    return out


def national(data_dir: Path, cache_dir: Path, questions: Path) -> None:
    from knowledge_base.documents import without_level
    from knowledge_base.normalise import strip_diacritics

    kb = KnowledgeBase.open(data_dir, cache_dir=cache_dir)
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line]
    by_code = {p.code: p for p in kb.procedures}

    def same(title: str) -> str:
        return strip_diacritics(without_level(title)).lower().strip(" .")

    counts = {"before": [0, 0], "after": [0, 0]}
    for row in rows:
        answer = kb.ask(row["question"], kind="procedure")
        if not answer.hits:
            continue
        first = answer.hits[0]
        second = answer.hits[1].score if len(answer.hits) > 1 else 0.0
        ranked = bool(subject_words(row["question"])) and (
            kb.rankings_agree(answer.hits) or first.score - second >= CONFIDENT_MARGIN)
        wanted = {same(by_code[c].title) for c in row["codes"] if c in by_code}
        right = first.code in row["codes"] or same(first.title) in wanted
        for label, confident in (("before", ranked), ("after", answer.confident)):
            counts[label][0] += confident
            counts[label][1] += confident and right
    print(f"national catalog ({len(rows)} portal questions, procedures only): direct answers, of which right")
    for label, (direct, right) in counts.items():
        print(f"  {label:6}  {direct / len(rows):6.1%}   {right / len(rows):6.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print confident answers outside the catalog")
    parser.add_argument("--national", type=Path, help="data dir of the imported national catalog")
    parser.add_argument("--national-cache", type=Path, default=ROOT / "var" / "index-national")
    parser.add_argument("--questions", type=Path,
                        default=ROOT.parent / "shared" / "catalog" / "national" / "dev_questions.jsonl")
    args = parser.parse_args()
    if args.national:
        national(args.national, args.national_cache, args.questions)
        return 0
    kb = KnowledgeBase.open()
    ooc = [outcome(kb, r["q"], [], r["fold"]) for r in load_out_of_catalog()]
    sets = {name: [outcome(kb, r["q"], r["ids"]) for r in load_in_catalog(name)] for name in ("dev", "test")}
    print(f"EVIDENCE_TO_ANSWER={EVIDENCE_TO_ANSWER} EVIDENCE_TO_SUGGEST={EVIDENCE_TO_SUGGEST}")
    print(f"out of catalog ({len(ooc)}):   confident wrong   refused honestly")
    for label, threshold in (("before", None), ("after", EVIDENCE_TO_ANSWER)):
        o = outside(ooc, threshold)
        print(f"  {label:6}                 {o['confident_wrong']:6.1%}            {o['refused']:6.1%}")
    for name, rows in sets.items():
        print(f"in catalog, {name} ({len(rows)}): answered right  answered wrong  suggested  refused")
        for label, threshold in (("before", None), ("after", EVIDENCE_TO_ANSWER)):
            i = inside(rows, threshold)
            print(f"  {label:6}                {i['answered']:6.1%}        {i['wrong']:6.1%}      "
                  f"{i['suggested']:6.1%}   {i['refused']:6.1%}")
    print("5-fold cross-validation (threshold chosen on 4 folds + dev):")
    results = cross_validate(ooc, sets["dev"], sets["test"])
    for fold, chosen, held, test in results:
        print(f"  fold {fold}: threshold {chosen:.3f}  held-out confident wrong {held:6.1%}  test answered {test:6.1%}")
    print(f"  mean held-out confident wrong {sum(r[2] for r in results) / len(results):6.1%}, "
          f"mean test answered {sum(r[3] for r in results) / len(results):6.1%}")
    if args.errors:
        for r in ooc:
            if r.confident(EVIDENCE_TO_ANSWER):
                print(f"  confident outside: {r.question!r} → {r.top[0]} (evidence {r.evidence:.2f})")
        for name, rows in sets.items():
            for r in rows:
                if r.refused(EVIDENCE_TO_ANSWER):
                    print(f"  refused in {name}: {r.question!r} (want {r.wanted[0]}, top {r.top[:1]}, "
                          f"evidence {r.evidence:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
