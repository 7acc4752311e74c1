"""Answer cards of real national records: how long the overview card is on a phone.

    .venv/bin/python bench/national_cards.py [--sample 50] [--seed 7] [--show 2]

Reads ``../shared/catalog/national/procedures.jsonl.gz`` (the portal's pages flattened to text by
a crawler), turns each sampled record into a ``Procedure`` with a rough parser of its flattened
tables (good enough to measure; the catalog importer does this properly), and prints the overview
card's length: max, median, 90th percentile, and how many exceed 900 characters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import cards
from knowledge_base.schema import (
    Fee,
    Procedure,
    ProcessingTime,
    RequiredDocument,
    Source,
    SubmissionMethod,
)

NATIONAL = Path(__file__).resolve().parents[2] / "shared" / "catalog" / "national"
CHANNELS = {"Trực tiếp": "direct", "Trực tuyến": "online", "Dịch vụ bưu chính": "postal"}
_CHANNEL = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không|Theo|Trong|Ngay)")
_TIME = re.compile(r"^([\d.,]+(?: (?:Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm))?)")
_AMOUNT = re.compile(r"^([\d.,]+) (Việt Nam Đồng|Đồng|USD)")
_DOC_END = re.compile(r"(\d+) bản chính(?:,\s*(\d+) bản sao)?|(\d+) bản sao")
_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEVELS = {"Cấp bộ": "trung ương", "Cấp tỉnh": "tỉnh", "Cấp xã": "xã", "Cơ quan khác": "khác",
          "Cấp huyện": "huyện"}


def methods(text: str) -> list[SubmissionMethod]:
    body = text.replace("Hình thức nộpThời gianPhí, lệ phíMô tả", "")
    parts = _CHANNEL.split(body)
    found: list[SubmissionMethod] = []
    for name, rest in zip(parts[1::2], parts[2::2], strict=False):
        time = _TIME.match(rest)
        time_text = time.group(1) if time else ""
        rest = rest[len(time_text):]
        fees: list[Fee] = []
        amount = _AMOUNT.match(rest)
        note = ""
        if rest.startswith("(") or amount or rest.startswith("Miễn phí"):
            tail = rest[amount.end():] if amount else rest.removeprefix("Miễn phí")
            if tail.startswith("("):
                depth, end = 0, 0
                for i, ch in enumerate(tail):
                    depth += ch == "("
                    depth -= ch == ")"
                    if depth == 0:
                        end = i
                        break
                note = tail[1:end]
        if amount and amount.group(2) != "USD":
            fees.append(Fee(label="Lệ phí", amount_vnd=int(re.sub(r"[.,]", "", amount.group(1))), note=note))
        elif amount:
            fees.append(Fee(label="Lệ phí", note=f"{amount.group(1)} USD" + (f" ({note})" if note else "")))
        elif rest.startswith("Miễn phí"):
            fees.append(Fee(label="Lệ phí", amount_vnd=0, note=note))
        days = time_text.replace(" Ngày làm việc", " ngày làm việc").replace(" Ngày", " ngày")
        if days and days[-1].isdigit():
            days += " ngày"
        found.append(SubmissionMethod(
            method=CHANNELS[name], fees=fees,  # type: ignore[arg-type]
            processing_time=ProcessingTime(text=days) if len(days) >= 3 else None))
    unique: dict[str, SubmissionMethod] = {}
    for m in found:
        unique.setdefault(m.method, m)
    return list(unique.values()) or [SubmissionMethod(method="direct")]


def documents(text: str) -> list[RequiredDocument]:
    docs: list[RequiredDocument] = []
    for section in text.split(_DOC_HEADER)[1:]:
        pos = 0
        for match in _DOC_END.finditer(section):
            name = section[pos:match.start()].strip(" -+*;")
            pos = match.end()
            originals = int(match.group(1) or 0)
            copies = int(match.group(2) or match.group(3) or 0)
            if len(name) < 3 or (originals == 0 and copies == 0):
                continue
            docs.append(RequiredDocument(name=name, originals_count=originals, copies_count=copies,
                                         required="(nếu có)" not in name))
    return docs


def procedure(record: dict) -> Procedure:
    level_names = [x.strip() for x in record["cap_thuc_hien"].split(",") if x.strip()]
    levels = [LEVELS.get(x, "khác") for x in level_names] or ["khác"]
    ways = methods(record["cach_thuc_thuc_hien"])
    time = next((m.processing_time for m in ways if m.processing_time), None)
    agency = record["co_quan_thuc_hien"] or record["co_quan_co_tham_quyen"] or "Không có thông tin"
    return Procedure(
        id="tthc-" + re.sub(r"[^a-z0-9]+", "-", record["ma_thu_tuc"].lower()).strip("-"),
        code=record["ma_thu_tuc"], title=record["ten_thu_tuc"], field=record["linh_vuc"] or "Khác",
        level=levels[0], levels=levels, audience=record["doi_tuong_thuc_hien"], agency=agency,  # type: ignore[arg-type]
        submit_at=record["dia_chi_tiep_nhan"] or agency, methods=ways,
        documents=documents(record["thanh_phan_ho_so"]),
        processing_time=time or ProcessingTime(text="Không có thông tin"),
        source=Source(name="Cổng Dịch vụ công quốc gia", url=record["detail_url"]),
        checked_on=dt.date(2026, 3, 1))


def load(path: Path = NATIONAL / "procedures.jsonl.gz") -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, help="print this many cards")
    args = parser.parse_args()
    records = random.Random(args.seed).sample(load(), args.sample)
    lengths = []
    for n, record in enumerate(records):
        p = procedure(record)
        card = cards.procedure_card(p)
        lengths.append(len(card))
        if n < args.show:
            print(card, "\n", [b["title"] for b in cards.procedure_buttons(p, [])], "\n" + "-" * 60)
    lengths.sort()
    print(f"{len(lengths)} national records, overview card length (characters): "
          f"max {lengths[-1]}, median {statistics.median(lengths):.0f}, "
          f"p90 {lengths[int(0.9 * (len(lengths) - 1))]}, min {lengths[0]}, "
          f"over 900: {sum(x > 900 for x in lengths)}")


if __name__ == "__main__":
    main()
