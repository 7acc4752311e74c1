"""Turn the national portal's procedure records into this project's ``Procedure``.

Two dumps are read (see ``/work/shared/catalog/README.md``): the crawled detail pages
(``ma_thu_tuc``, ``ten_thu_tuc``… with tables flattened to text) and the structured export of the
Ministry of Defence's procedures (``thu_tuc_id``, ``tables``). Both become plain dicts in the
schema's shape; ``national_import`` validates and merges them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge_base import national_fields as nf

PORTAL_NAME = "Cổng Dịch vụ công quốc gia"
LEVELS = {"cấp bộ": "trung ương", "cấp tỉnh": "tỉnh", "cấp huyện": "huyện", "cấp xã": "xã",
          "cơ quan khác": "khác"}
CODE = re.compile(r"\d\.\d{6}")
METHOD_ORDER = {"direct": 0, "online": 1, "postal": 2}


def procedure_id(code: str) -> str:
    """``1.000771`` -> ``tthc-1-000771``: stable, so a re-import updates the same record."""
    return "tthc-" + re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file, gzip-compressed or not. Text is put in NFC: some pages mix in
    decomposed accents ("ụ" as u + dot), which the parsers and the search would not match."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                yield json.loads(unicodedata.normalize("NFC", line))


def kind_of(record: dict[str, Any]) -> str | None:
    """Which dump a record comes from, by its fields."""
    if "ma_thu_tuc" in record and "ten_thu_tuc" in record:
        return "national"
    if "thu_tuc_id" in record and "tables" in record:
        return "structured"
    if "faq_id" in record and "question" in record and "answer" in record:
        return "portal_faq"
    return None


def _text(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return "" if text in {nf.NO_INFO, "--"} else text


def levels(text: str) -> list[str]:
    out = [LEVELS[p.strip().lower()] for p in text.split(",") if p.strip().lower() in LEVELS]
    return list(dict.fromkeys(out))


def _methods(channels: list[nf.Channel]) -> list[dict[str, Any]]:
    methods: dict[str, dict[str, Any]] = {}
    for ch in channels:
        if ch.kind in methods:  # a second row for the same channel: keep its text, not a guess
            methods[ch.kind]["note"] = "\n".join(filter(None, [methods[ch.kind]["note"],
                                                                ch.description]))
            continue
        methods[ch.kind] = {"method": ch.kind, "note": ch.description,
                            "processing_time": ch.time, "fees": ch.fees}
    return sorted(methods.values(), key=lambda m: METHOD_ORDER[m["method"]])


def _headline(methods: list[dict[str, Any]]) -> dict[str, Any]:
    """The direct channel (or else the first) gives the procedure's own time and fees."""
    main = next((m for m in methods if m["method"] == "direct"), methods[0] if methods else None)
    return main or {}


def _finish(out: dict[str, Any], methods: list[dict[str, Any]]) -> dict[str, Any]:
    main = _headline(methods)
    out["processing_time"] = main.get("processing_time") or {"working_days": None,
                                                              "text": nf.NO_INFO}
    out["fees"] = list(main.get("fees") or [])
    # The schema needs at least one channel; a record without the table says only "direct" —
    # but we do not know that, so we keep the channel list honest with a note.
    out["methods"] = methods or [{"method": "direct", "note": "Cổng không ghi cách thức nộp."}]
    return out


def from_national(record: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """One crawled detail page as a Procedure dict."""
    code = record["ma_thu_tuc"].strip()
    level_list = levels(record.get("cap_thuc_hien", ""))
    agency = (_text(record.get("co_quan_thuc_hien")) or _text(record.get("co_quan_co_tham_quyen"))
              or _text(record.get("co_quan_thuc_hien_danh_sach")) or _text(record.get("co_quan_ban_hanh"))
              or nf.NO_INFO)
    out = {
        "id": procedure_id(code), "code": code, "title": _text(record["ten_thu_tuc"]),
        "field": _text(record.get("linh_vuc")) or nf.NO_INFO,
        "level": level_list[0] if level_list else "khác", "levels": level_list,
        "audience": _text(record.get("doi_tuong_thuc_hien")),
        "agency": agency, "submit_at": _text(record.get("dia_chi_tiep_nhan")) or agency,
        "steps": nf.steps(record.get("trinh_tu_thuc_hien", "")),
        "documents": nf.documents(record.get("thanh_phan_ho_so", "")),
        "conditions": nf.conditions(record.get("yeu_cau_dieu_kien", "")),
        "result": nf.result(record.get("ket_qua_xu_ly", "")),
        "legal_basis": nf.legal_basis(record.get("can_cu_phap_ly", "")),
        "source": {"name": PORTAL_NAME, "url": record.get("detail_url", "")},
        "checked_on": today.isoformat(),
    }
    return _finish(out, _methods(nf.channels(record.get("cach_thuc_thuc_hien", ""))))


def _structured_methods(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    channels = []
    for row in rows:
        kind = nf.CHANNELS.get((row.get("hinh_thuc") or "").strip())
        if kind is None:
            continue
        channels.append(nf.Channel(kind=kind, time=nf.processing_time(row.get("thoi_han_giai_quyet", "")),
                                   fees=nf.fee_lines(row.get("phi_le_phi", "")),
                                   description=_text(row.get("mo_ta"))))
    return _methods(channels)


def _structured_document(row: dict[str, Any]) -> dict[str, Any] | None:
    name = _text(row.get("ten_giay_to"))
    if len(name) < 3:
        return None
    counts = dict(re.findall(r"Bản (chính|sao):\s*(\d+)", row.get("ghi_chu", "")))
    originals = int(counts["chính"]) if "chính" in counts else None
    copies = int(counts["sao"]) if "sao" in counts else None
    text = ", ".join(f"{n} bản {k}" for k, n in (("chính", originals), ("sao", copies)) if n)
    return {"name": name, "template": _text(row.get("so_luong")), "copies": text,
            "originals_count": originals, "copies_count": copies}


def from_structured(record: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """One record of the structured Ministry of Defence export as a Procedure dict."""
    meta, content, tables = record.get("metadata", {}), record.get("content", {}), record["tables"]
    code = (meta.get("mã_thủ_tục") or record["thu_tuc_id"]).strip()
    level_list = levels(meta.get("cấp_thực_hiện", ""))
    agency = (_text(content.get("cơ_quan_thực_hiện")) or _text(content.get("cơ_quan_có_thẩm_quyền"))
              or nf.NO_INFO)
    legal = [_text(r.get("trich_yeu")) or _text(r.get("so_ky_hieu"))
             for r in tables.get("can_cu_phap_ly", [])]
    out = {
        "id": procedure_id(code), "code": code, "title": _text(meta.get("tên_thủ_tục")) or code,
        "field": _text(meta.get("lĩnh_vực")) or nf.NO_INFO,
        "level": level_list[0] if level_list else "khác", "levels": level_list,
        "audience": _text(content.get("đối_tượng_thực_hiện")),
        "agency": agency, "submit_at": _text(content.get("địa_chỉ_tiếp_nhận_hs")) or agency,
        "steps": nf.steps(content.get("trình_tự_thực_hiện", "")),
        "documents": [d for d in map(_structured_document, tables.get("thanh_phan_ho_so", [])) if d],
        "conditions": nf.conditions(content.get("yêu_cầu_điều_kiện_thực_hiện", "")),
        "result": nf.result(content.get("kết_quả_thực_hiện", "")),
        "legal_basis": [item for item in dict.fromkeys(legal) if item],
        # The export names its file, not a page: no URL is made up.
        "source": {"name": f"{PORTAL_NAME} ({record.get('source_file') or code})", "url": ""},
        "checked_on": today.isoformat(),
    }
    return _finish(out, _structured_methods(tables.get("hinh_thuc_nop", [])))
