"""Answer cards of real national records: how long the overview card is on a phone.

    .venv/bin/python bench/national_cards.py [--sample 50] [--seed 7] [--show 2]

Reads ``../shared/catalog/national/procedures.jsonl.gz`` through the catalog importer
(``knowledge_base.national``), samples records and prints the overview card's length: max, median,
90th percentile, and how many exceed 900 characters (a long phone screen).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import cards
from knowledge_base import national
from knowledge_base.schema import Procedure

NATIONAL = Path(__file__).resolve().parents[2] / "shared" / "catalog" / "national" / "procedures.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, help="print the N longest cards")
    args = parser.parse_args()
    records = random.Random(args.seed).sample(list(national.read_jsonl(NATIONAL)), args.sample)
    procedures = [Procedure.model_validate(national.from_national(r, dt.date.today())) for r in records]
    procedures.sort(key=lambda p: -len(cards.procedure_card(p)))
    for p in procedures[:args.show]:
        print(cards.procedure_card(p), "\n", [b["title"] for b in cards.procedure_buttons(p, [])], "\n" + "-" * 60)
    lengths = sorted(len(cards.procedure_card(p)) for p in procedures)
    print(f"{len(lengths)} national records, overview card length (characters): "
          f"max {lengths[-1]}, median {statistics.median(lengths):.0f}, "
          f"p90 {lengths[int(0.9 * (len(lengths) - 1))]}, min {lengths[0]}, "
          f"over 900: {sum(x > 900 for x in lengths)}")


if __name__ == "__main__":
    main()
