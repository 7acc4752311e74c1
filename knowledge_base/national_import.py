"""Import the national data into a catalog folder: procedures (crawled or structured dump), the
portal's FAQs, and provinces' online levels. Validates everything before writing anything.

A curated record with the same national code is enriched, not duplicated (one whose code is still a
placeholder takes the code of the one national record with its name); re-importing updates the
national records in place and, when nothing changed but the date, leaves them as they were.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from knowledge_base import national, portal_faqs, provincial
from knowledge_base.documents import same_name
from knowledge_base.loaders import FAQS_FILE, PROCEDURES_FILE, CatalogImportError, RowError, load_catalog, validate_rows
from knowledge_base.normalise import syllables
from knowledge_base.schema import Catalog, Faq, Procedure

Record = dict[str, Any]
ENRICHABLE = ("levels", "audience", "steps", "documents", "conditions", "result", "legal_basis")


def n(value: int) -> str:
    """Thousands separators, as the report is read by people: 2,642."""
    return f"{value:,}"


def detect(path: Path) -> str | None:
    """"national", "structured", "portal_faq", "provincial" or None (a catalog file)."""
    suffixes = "".join(path.suffixes[-2:]).lower()
    if suffixes.endswith((".jsonl", ".jsonl.gz", ".gz")):
        first = next(national.read_jsonl(path), None)
        return national.kind_of(first) if first else None
    if path.suffix.lower() == ".csv":
        header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))), [])
        return "provincial" if provincial.is_provincial(header) else None
    return None


def import_national(path: Path, data_dir: Path, *, codes: set[str] | None = None,
                    level_files: Sequence[Path] = (), dry_run: bool = False,
                    today: dt.date | None = None) -> str:
    """Import ``path`` (any kind ``detect`` knows) and apply ``level_files``; returns the report."""
    today = today or dt.date.today()
    kind = detect(path)
    catalog = load_catalog(data_dir) if data_dir.exists() else Catalog()
    procedures = [p.model_dump(mode="json") for p in catalog.procedures]
    faqs = [f.model_dump(mode="json") for f in catalog.faqs]
    lines: list[str] = []
    if kind in {"national", "structured"}:
        convert = national.from_national if kind == "national" else national.from_structured
        incoming = _validate([convert(r, today) for r in national.read_jsonl(path)
                              if codes is None or _code_of(r) in codes], Procedure, path)
        lines += _merge_procedures(procedures, incoming, path.name)
        lines += coverage(incoming)
    elif kind == "portal_faq":
        incoming = [portal_faqs.from_portal(r, today) for r in national.read_jsonl(path)]
        incoming, short = _drop_unusable(incoming)
        incoming = _validate(incoming, Faq, path)
        lines += _merge_faqs(faqs, incoming, path.name, short)
    elif kind == "provincial":
        level_files = [path, *level_files]
    else:
        raise CatalogImportError(str(path), [RowError(None, "", "không nhận ra dữ liệu quốc gia")])
    lists = [provincial.read_list(level_file) for level_file in level_files]
    if kind != "portal_faq":   # questions change no procedure: the lists only name codes for them
        lines += [_apply_levels(procedures, listing) for listing in lists]
    linked = portal_faqs.link(faqs, {**_ids_by_listed_name(procedures, lists), **_ids_by_code(procedures)})
    portal = sum(1 for f in faqs if f.get("related_codes"))
    if portal:
        lines.append(f"Câu hỏi cổng có liên kết tới thủ tục trong danh mục: {n(linked)}/{n(portal)}.")
    # The whole catalog is validated (unique ids, FAQ links) before a byte is written.
    checked = Catalog(procedures=[Procedure.model_validate(p) for p in procedures],
                      faqs=[Faq.model_validate(f) for f in faqs])
    if dry_run:
        return "\n".join([*lines, "(chạy thử, chưa ghi)"])
    data_dir.mkdir(parents=True, exist_ok=True)
    _write(data_dir, PROCEDURES_FILE, "procedures", checked.procedures)
    _write(data_dir, FAQS_FILE, "faqs", checked.faqs)
    return "\n".join(lines)


def _code_of(record: Record) -> str:
    return str(record.get("ma_thu_tuc") or record.get("thu_tuc_id") or "").strip()


def _validate(records: list[Record], model: type[Procedure] | type[Faq], path: Path) -> list[Record]:
    """Every record checked (errors name the line), returned with the schema's defaults filled so
    it compares equal to the same record read back from the folder."""
    valid = validate_rows(enumerate(records, start=1), model, source=str(path))
    return [v.model_dump(mode="json") for v in valid]


def _drop_unusable(records: list[Record]) -> tuple[list[Record], int]:
    """A published answer shorter than the schema allows ("01 bộ") is not invented longer."""
    kept = [r for r in records if len(r["answer"]) >= 10 and len(r["question"]) >= 5]
    return kept, len(records) - len(kept)


def _same_but_date(a: Record, b: Record) -> bool:
    ignore = {"checked_on", "updated_on"}
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items()
                                                                if k not in ignore}


def _merge_procedures(procedures: list[Record], incoming: list[Record], name: str) -> list[str]:
    adopted = _adopt_codes_by_title(procedures, incoming)
    if adopted:  # a folder imported before holds the national twin as a record of its own
        codes = {p["code"] for p in adopted}
        procedures[:] = [p for p in procedures if not (p["id"].startswith("tthc-") and p["code"] in codes)]
    index = {p["id"]: i for i, p in enumerate(procedures)}
    curated = {p["code"]: p for p in procedures
               if not p["id"].startswith("tthc-") and national.CODE.fullmatch(p["code"])}
    outcomes: Counter[str] = Counter()
    enriched = 0
    for record in incoming:
        if record["code"] in curated:
            enriched += enrich(curated[record["code"]], record)
        else:
            outcomes[_upsert(procedures, index, record, _keep_province_marks)] += 1
    matched = sum(1 for r in incoming if r["code"] in curated)
    lines = [f"Đã đọc {n(len(incoming))} thủ tục từ {name}: {n(outcomes['new'])} mới, "
             f"{n(outcomes['updated'])} cập nhật, {n(outcomes['same'])} không đổi; "
             f"{n(matched)} trùng mã với thủ tục đã biên soạn "
             f"({n(enriched)} được bổ sung thêm thông tin)."]
    if adopted:
        lines.append(f"  {n(len(adopted))} thủ tục biên soạn chưa có mã nhận mã quốc gia của thủ tục "
                     f"cùng tên: " + ", ".join(f"{p['id']} → {p['code']}" for p in adopted) + ".")
    return lines


def _adopt_codes_by_title(procedures: list[Record], incoming: list[Record]) -> list[Record]:
    """Curated records whose code is still a placeholder ("chưa xác minh") take the code of the one
    national record with the same name (levels aside), so the two are one procedure instead of twin
    cards and a level question between them. A name the dump publishes twice is left alone, and so
    is one of another field or served at another level (Bộ Quốc phòng publishes "Cấp mới giấy phép
    hành nghề khám bệnh, chữa bệnh" for its own hospitals; the centre's is the Sở Y tế's)."""
    waiting = {}
    for p in procedures:
        if not p["id"].startswith("tthc-") and not national.CODE.fullmatch(p["code"]):
            waiting.setdefault(same_name(p["title"]), []).append(p)
    if not waiting:
        return []
    published = Counter(same_name(r["title"]) for r in incoming)
    adopted = []
    for record in incoming:
        key = same_name(record["title"])
        if published[key] == 1 and len(waiting.get(key, [])) == 1 and _serves_the_same(waiting[key][0], record):
            curated = waiting[key][0]
            curated["code"] = record["code"]
            adopted.append(curated)
    return adopted


_LEVEL_IN_AGENCY = {"xã": r"xa|phuong", "huyện": r"huyen|quan", "tỉnh": r"tinh|so",
                    "trung ương": r"bo|cuc|trung uong"}


def _serves_the_same(curated: Record, record: Record) -> bool:
    """Same field, and the national record is served at the curated one's level: among its levels,
    or named in its agencies ("Công an tỉnh" in a record published for cấp bộ)."""
    if same_name(curated["field"]) != same_name(record["field"]):
        return False
    levels = set(curated.get("levels") or [curated["level"]])
    if levels & set(record.get("levels") or [record["level"]]):
        return True
    agency = " ".join(syllables(record["agency"]))
    return any(re.search(rf"\b(?:{_LEVEL_IN_AGENCY[level]})\b", agency)
               for level in levels if level in _LEVEL_IN_AGENCY)


def enrich(curated: Record, record: Record) -> bool:
    """Fill what the curator left empty from the national record; keep everything they wrote.
    True if the curated record changed."""
    before = json.dumps(curated, sort_keys=True, ensure_ascii=False)
    for key in ENRICHABLE:
        if not curated.get(key) and record.get(key):
            curated[key] = record[key]
    if record["title"] != curated["title"] and record["title"] not in curated["aliases"]:
        curated["aliases"].append(record["title"])
    if not curated["source"].get("url"):
        curated["source"]["url"] = record["source"]["url"]
    return before != json.dumps(curated, sort_keys=True, ensure_ascii=False)


def _upsert(records: list[Record], index: dict[str, int], record: Record,
            carry_over: Callable[[Record, Record], None]) -> str:
    """Put ``record`` in ``records`` by id: "new", "updated", or "same" when only its date differs
    (the old one stays, so a re-import leaves the files as they were). ``carry_over(old, new)``
    copies what the import itself does not know (provinces' marks, links to procedures)."""
    position = index.get(record["id"])
    if position is None:
        index[record["id"]] = len(records)
        records.append(record)
        return "new"
    carry_over(records[position], record)
    if _same_but_date(records[position], record):
        return "same"
    records[position] = record
    return "updated"


def _keep_links(old: Record, record: Record) -> None:
    record["related_procedures"] = old.get("related_procedures", [])  # relinked after the merge


def _keep_province_marks(old: Record, record: Record) -> None:
    """A re-import does not lose what the provincial lists said about the online channel."""
    for method in old["methods"]:
        if method["method"] == "online":
            _, said = provincial.statements(method.get("note", ""))
            for province, level in sorted(said.items()):
                provincial.apply(record, province, level)


def _merge_faqs(faqs: list[Record], incoming: list[Record], name: str, short: int) -> list[str]:
    index = {f["id"]: i for i, f in enumerate(faqs)}
    outcomes = Counter(_upsert(faqs, index, record, _keep_links) for record in incoming)
    skipped = f"; bỏ qua {n(short)} câu có câu trả lời quá ngắn" if short else ""
    with_codes = sum(1 for r in incoming if r["related_codes"])
    return [f"Đã đọc {n(len(incoming) + short)} câu hỏi từ {name}: {n(outcomes['new'])} mới, "
            f"{n(outcomes['updated'])} cập nhật, {n(outcomes['same'])} không đổi{skipped}.",
            f"  có mã thủ tục liên quan: {n(with_codes)}/{n(len(incoming))}"]


def _apply_levels(procedures: list[Record], listing: provincial.ProvincialList) -> str:
    counts = {"toàn trình": 0, "một phần": 0}
    changed = 0
    for procedure in procedures:
        level = listing.levels.get(procedure["code"])
        if level:
            counts[level] += 1
            if not _curated_level(procedure):
                changed += provincial.apply(procedure, listing.province, level)
    matched = sum(counts.values())
    return (f"Danh mục tỉnh {listing.province}: {n(listing.rows)} thủ tục, {n(len(listing.levels))} "
            f"mã có mức trực tuyến; khớp {n(matched)} thủ tục trong danh mục (toàn trình "
            f"{n(counts['toàn trình'])}, một phần {n(counts['một phần'])}; {n(changed)} thay đổi).")


def _curated_level(procedure: Record) -> bool:
    """A curator who wrote the online level knows their province: a list does not overrule it."""
    return not procedure["id"].startswith("tthc-") and any(
        m["method"] == "online" and m.get("online_level") for m in procedure["methods"])


def _ids_by_listed_name(procedures: Iterable[Record], lists: Sequence[provincial.ProvincialList]) -> dict[str, str]:
    """Codes the catalog does not have, which a province's list names as a catalog procedure:
    a portal question linked to "1.000000 Cấp lại giấy phép lái xe", republished since under
    another code, is linked to the catalog's "Cấp lại giấy phép lái xe"."""
    by_name: dict[str, str] = {}
    for p in sorted(procedures, key=lambda p: p["id"].startswith("tthc-")):  # curated first
        by_name.setdefault(same_name(p["title"]), p["id"])
    return {code: by_name[same_name(name)] for listing in lists for code, name in listing.names.items()
            if same_name(name) in by_name}


def _ids_by_code(procedures: Iterable[Record]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for p in sorted(procedures, key=lambda p: p["id"].startswith("tthc-")):  # curated first
        ids.setdefault(p["code"], p["id"])
    return ids


def coverage(records: list[Record]) -> list[str]:
    """What share of the records each field could be filled for, in Vietnamese."""
    total = len(records)

    def share(count: int) -> str:
        return f"{n(count)}/{n(total)}"

    timed = [r for r in records if r["processing_time"]["text"] != national.nf.NO_INFO]
    days = sum(1 for r in timed if r["processing_time"]["working_days"] is not None)
    fees = [r["fees"] for r in records if r["fees"]]
    amount = sum(1 for f in fees if any((x["amount_vnd"] or 0) > 0 for x in f))
    free = sum(1 for f in fees if all(x["amount_vnd"] == 0 for x in f))
    methods = {k: sum(1 for r in records if any(m["method"] == k and "note" in m and
                                                not m["note"].startswith("Cổng không ghi")
                                                for m in r["methods"]))
               for k in ("direct", "online", "postal")}
    return [
        f"Độ phủ ({n(total)} thủ tục):",
        f"  thời hạn: {share(len(timed))} (số ngày làm việc: {n(days)})",
        f"  lệ phí: {share(len(fees))} (có số tiền: {n(amount)}, miễn phí: {n(free)}, "
        f"chỉ có văn bản gốc: {n(len(fees) - amount - free)})",
        f"  cách thức nộp: trực tiếp {n(methods['direct'])}, trực tuyến {n(methods['online'])}, "
        f"bưu chính {n(methods['postal'])}",
        f"  giấy tờ: {share(sum(1 for r in records if r['documents']))} "
        f"({n(sum(len(r['documents']) for r in records))} giấy tờ)",
        f"  các bước: {share(sum(1 for r in records if r['steps']))}",
        f"  căn cứ pháp lý: {share(sum(1 for r in records if r['legal_basis']))}",
        f"  kết quả: {share(sum(1 for r in records if r['result']))}",
        f"  điều kiện: {share(sum(1 for r in records if r['conditions']))}",
        f"  đối tượng: {share(sum(1 for r in records if r['audience']))}",
    ]


def _write(data_dir: Path, filename: str, prefix: str, records: Sequence[Procedure | Faq]) -> None:
    target = data_dir / filename
    payload = [r.model_dump(mode="json") for r in records]
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for other in data_dir.glob(f"{prefix}*.json"):
        if other != target:
            other.unlink()  # everything now lives in the one merged file, as importer does
    tmp.replace(target)
