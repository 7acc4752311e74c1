"""Importing a catalog from JSON, CSV and Excel, with errors that name the row and the field."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge_base.importer import import_file
from knowledge_base.loaders import CatalogImportError, load_catalog, read_records, unflatten
from knowledge_base.schema import Faq, Procedure

HEADER = ["id", "code", "title", "aliases", "field", "level", "agency", "submit_at", "methods",
          "documents", "processing_time_days", "processing_time_text", "fees", "legal_basis",
          "source_name", "source_url", "checked_on"]
GOOD_ROW = {
    "id": "dang-ky-giam-ho", "code": "1.000000", "title": "Đăng ký giám hộ",
    "aliases": "giám hộ\ncử người giám hộ", "field": "Hộ tịch", "level": "xã",
    "agency": "UBND cấp xã", "submit_at": "Bộ phận Một cửa UBND cấp xã",
    "methods": "direct\nonline | toàn trình | https://dichvucong.gov.vn/",
    "documents": "Tờ khai đăng ký giám hộ | 01 bản chính | có\nGiấy tờ chứng minh | 01 bản sao | không",
    "processing_time_days": "3", "processing_time_text": "03 ngày làm việc",
    "fees": "Lệ phí đăng ký giám hộ | 5.000 | | Nghị quyết HĐND tỉnh",
    "legal_basis": "Luật Hộ tịch 2014", "source_name": "Mẫu thử", "source_url": "",
    "checked_on": "2026-11-29",
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADER])
    book.save(path)
    return path


def test_sample_catalog_has_the_required_size_and_links() -> None:
    catalog = load_catalog()
    assert len(catalog.procedures) >= 35
    assert len(catalog.faqs) >= 30
    assert all(p.source.name and p.legal_basis for p in catalog.procedures)


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_flat_files_import_lists_documents_fees_and_methods(tmp_path: Path, writer) -> None:
    path = writer(tmp_path / ("c.csv" if writer is write_csv else "c.xlsx"), [GOOD_ROW])
    [procedure] = read_records(path, Procedure)
    assert procedure.fees[0].amount_vnd == 5000
    assert [d.required for d in procedure.documents] == [True, False]
    assert procedure.online is not None and procedure.online.online_level == "toàn trình"
    assert procedure.processing_time.working_days == 3


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_errors_name_the_row_and_the_field(tmp_path: Path, writer) -> None:
    bad_level = {**GOOD_ROW, "id": "b", "level": "quận"}
    bad_fee = {**GOOD_ROW, "id": "c", "fees": "Lệ phí | năm nghìn"}
    path = writer(tmp_path / ("c.csv" if writer is write_csv else "c.xlsx"),
                  [GOOD_ROW, bad_level, bad_fee, GOOD_ROW])
    with pytest.raises(CatalogImportError) as caught:
        read_records(path, Procedure)
    messages = [str(e) for e in caught.value.errors]
    assert "dòng 3, trường level: phải là một trong: 'trung ương', 'tỉnh', 'huyện', 'xã' hoặc 'khác'" in messages
    assert any(m.startswith("dòng 4, trường fees[0].amount_vnd") for m in messages)
    assert any(m.startswith("dòng 5, trường id") and "trùng" in m for m in messages)


def test_broken_json_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "faqs.json"
    path.write_text('[{"id": "a",\n "question": }]', encoding="utf-8")
    with pytest.raises(CatalogImportError, match="dòng 2"):
        read_records(path, Faq)


def test_unsupported_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.txt"
    path.write_text("x")
    with pytest.raises(CatalogImportError, match="định dạng không hỗ trợ"):
        read_records(path, Procedure)


def test_import_merges_by_id_and_writes_nothing_when_invalid(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    faq = {"id": "gio-lam-viec", "question": "Mấy giờ mở cửa?", "answer": "Từ 7 giờ 30 sáng."}
    (data / "faqs.json").write_text(json.dumps([faq], ensure_ascii=False), encoding="utf-8")
    update = tmp_path / "update.json"
    update.write_text(json.dumps([{**faq, "answer": "Từ 7 giờ sáng các ngày làm việc."},
                                  {"id": "moi", "question": "Câu hỏi mới?", "answer": "Trả lời mới."}],
                                 ensure_ascii=False), encoding="utf-8")
    assert "1 mới, 1 cập nhật" in import_file(update, data)
    faqs = {f.id: f for f in load_catalog(data).faqs}
    assert faqs["gio-lam-viec"].answer.startswith("Từ 7 giờ sáng") and "moi" in faqs

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"id": "x", "question": "?", "answer": ""}]), encoding="utf-8")
    before = (data / "faqs.json").read_bytes()
    with pytest.raises(CatalogImportError):
        import_file(broken, data)
    assert (data / "faqs.json").read_bytes() == before


def test_fee_document_and_field_rules_survive_a_spreadsheet_round_trip() -> None:
    """Staff edit procedures in Excel: how a fee depends on the case must come back unchanged."""
    from bot.catalog.flat import flatten

    for procedure in load_catalog().procedures:
        assert Procedure.model_validate(unflatten(flatten(procedure))) == procedure, procedure.id
    cells = flatten(next(p for p in load_catalog().procedures if p.id == "trich-luc-ho-tich"))
    assert "| nhân theo number_of_copies (bản)" in cells["fees"]
    fee = unflatten({"fees": "Phí | 8.000 | | | khi event_type = Khai sinh; Kết hôn | kênh = trực tuyến"})["fees"][0]
    assert (fee["when"], fee["channel"]) == ({"event_type": ["Khai sinh", "Kết hôn"]}, "online")
