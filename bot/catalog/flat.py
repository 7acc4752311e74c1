"""The flat, one-row-per-record format shared by the staff forms, CSV and Excel.

It is ``knowledge_base.loaders``' import format (one item per line in a cell, ``|`` between the
parts of a structured item), so whatever the pages show or export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from knowledge_base.loaders import (
    LIST_FIELDS,
    CatalogImportError,
    RowError,
    detect_model,
    read_records,
    rule_parts,
    unflatten,
)
from knowledge_base.schema import Faq, Procedure
from knowledge_base.spreadsheet import protect

Kind = Literal["faq", "procedure"]
Record = Faq | Procedure
MODELS: dict[str, type[Faq] | type[Procedure]] = {"faq": Faq, "procedure": Procedure}

FAQ_COLUMNS = ["id", "question", "alt_questions", "answer", "tags", "related_procedures",
               "source_name", "source_url", "updated_on"]
PROCEDURE_COLUMNS = ["id", "code", "title", "aliases", "field", "level", "agency", "submit_at", "methods",
                     "steps", "documents", "processing_time_days", "processing_time_text", "fees",
                     "conditions", "result", "legal_basis", "form_fields", "source_name", "source_url",
                     "checked_on"]
COLUMNS: dict[str, list[str]] = {"faq": FAQ_COLUMNS, "procedure": PROCEDURE_COLUMNS}
MULTILINE = LIST_FIELDS | {"answer", "methods", "documents", "fees", "form_fields", "result"}

LABELS = {
    "id": "Mã định danh (id)",
    "question": "Câu hỏi",
    "alt_questions": "Cách hỏi khác",
    "answer": "Câu trả lời",
    "tags": "Nhãn",
    "related_procedures": "Thủ tục liên quan",
    "source_name": "Nguồn (tên)",
    "source_url": "Nguồn (đường dẫn)",
    "updated_on": "Ngày cập nhật",
    "code": "Mã thủ tục",
    "title": "Tên thủ tục",
    "aliases": "Tên gọi khác",
    "field": "Lĩnh vực",
    "level": "Cấp thực hiện",
    "agency": "Cơ quan thực hiện",
    "submit_at": "Nơi nộp hồ sơ",
    "methods": "Cách thức nộp",
    "steps": "Trình tự thực hiện",
    "documents": "Thành phần hồ sơ",
    "processing_time_days": "Thời hạn giải quyết (số ngày làm việc)",
    "processing_time_text": "Thời hạn giải quyết (nội dung)",
    "fees": "Phí, lệ phí",
    "conditions": "Điều kiện",
    "result": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "form_fields": "Trường thông tin khi nộp trực tuyến",
    "checked_on": "Ngày kiểm tra",
}
HINTS = {
    "alt_questions": "Mỗi dòng một cách hỏi, có dấu hoặc không dấu.",
    "answer": "Đường dẫn ghi nguyên dạng https://…",
    "tags": "Mỗi dòng một nhãn.",
    "aliases": "Mỗi dòng một tên.",
    "steps": "Mỗi dòng một bước.",
    "conditions": "Mỗi dòng một điều kiện.",
    "legal_basis": "Mỗi dòng một văn bản.",
    "methods": "Mỗi dòng một cách: direct, postal hoặc online | toàn trình | https://… (thêm | ghi chú nếu cần).",
    "documents": ("Mỗi dòng: tên giấy tờ | số bản | bắt buộc (có/không) | mẫu | ghi chú, thêm "
                  "| khi tên_trường = lựa chọn1; lựa chọn2 nếu chỉ cần trong trường hợp đó."),
    "fees": ("Mỗi dòng: tên khoản | số tiền (để trống nếu chưa rõ, 0 nếu miễn) | ghi chú | căn cứ, thêm "
             "| khi tên_trường = lựa chọn, | kênh = trực tuyến, | nhân theo tên_trường (bản) "
             "nếu mức phí tùy trường hợp."),
    "form_fields": ("Mỗi dòng: tên_trường | nhãn | kiểu | bắt buộc | lựa chọn1;lựa chọn2, thêm "
                    "| khi tên_trường_trước = lựa chọn nếu chỉ hỏi trong trường hợp đó."),
    "level": "trung ương, tỉnh, huyện hoặc xã.",
    "processing_time_days": "Chỉ ghi số, để trống nếu luật không quy định số ngày.",
    "checked_on": "Dạng NNNN-TT-NN, ví dụ 2026-11-29.",
    "updated_on": "Dạng NNNN-TT-NN, có thể để trống.",
}


def kind_of(record: Record) -> Kind:
    return "faq" if isinstance(record, Faq) else "procedure"


def flatten(record: Record) -> dict[str, str]:
    """One record as the flat columns of its kind (the inverse of ``loaders.unflatten``)."""
    data = record.model_dump(mode="json")
    out: dict[str, str] = {}
    for column in COLUMNS[kind_of(record)]:
        out[column] = _cell(column, data)
    return out


def _cell(column: str, data: dict[str, Any]) -> str:
    if column in LIST_FIELDS:
        return "\n".join(data.get(column) or [])
    if column == "methods":
        return "\n".join(_join(m["method"], m.get("online_level") or "", m.get("url") or "", m.get("note") or "")
                         for m in data["methods"])
    if column == "documents":
        return "\n".join(_join(d["name"], d["copies"], "có" if d["required"] else "không", d["template"],
                               d["note"], *rule_parts(d)) for d in data["documents"])
    if column == "fees":
        return "\n".join(_join(f["label"], "" if f["amount_vnd"] is None else str(f["amount_vnd"]), f["note"],
                               f["legal_basis"], *rule_parts(f)) for f in data["fees"])
    if column == "form_fields":
        return "\n".join(_join(f["name"], f["label"], f["type"], "có" if f["required"] else "không",
                               ";".join(f["choices"]), *rule_parts(f)) for f in data["form_fields"])
    if column.startswith("processing_time_"):
        time = data["processing_time"]
        if column.endswith("text"):
            return time["text"]
        days = time["working_days"]
        return "" if days is None else (str(int(days)) if float(days).is_integer() else str(days))
    if column.startswith("source_"):
        source = data.get("source") or {}
        return source.get(column.removeprefix("source_"), "") or ""
    value = data.get(column)
    return "" if value is None else str(value)


def _join(*parts: str) -> str:
    """Structured items as ``a | b | c``, without the trailing empty parts."""
    values = list(parts)
    while values and not values[-1]:
        values.pop()
    return " | ".join(values)


def from_form(kind: Kind, values: dict[str, str]) -> dict[str, Any]:
    """The nested record a form (or a flat row) describes, ready for the schema to validate."""
    return unflatten({c: values.get(c, "") for c in COLUMNS[kind]})


def column_of(field: str) -> str:
    """The form column a schema error belongs to: ``documents[2].name`` → ``documents``."""
    head = field.split("[", 1)[0]
    parts = head.split(".")
    if parts[0] == "processing_time":
        return "processing_time_days" if field.endswith("working_days") else "processing_time_text"
    if parts[0] == "source":
        return "source_url" if field.endswith("url") else "source_name"
    return parts[0]


def describe(error: RowError) -> str:
    """An error's message, naming the item of a list field ("mục 2, name: …")."""
    if "[" in error.field:
        index = error.field.split("[", 1)[1].split("]", 1)[0]
        rest = error.field.split("]", 1)[1].lstrip(".")
        where = f"mục {int(index) + 1}" + (f", {rest}" if rest else "") if index.isdigit() else error.field
        return f"{where}: {error.message}"
    return error.message


def to_csv(records: list[Record], kind: Kind) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[kind], lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({column: protect(value) for column, value in flatten(record).items()})
    return buffer.getvalue().encode("utf-8-sig")   # the BOM makes Excel open it as UTF-8


def to_xlsx(records: list[Record], kind: Kind) -> bytes:
    from openpyxl import Workbook  # heavy import, only when exporting
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Câu hỏi" if kind == "faq" else "Thủ tục"
    columns = COLUMNS[kind]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        row = flatten(record)
        sheet.append([row[c] for c in columns])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "@"   # text: ids and codes like 1.001193 must stay as typed
            if cell.data_type == "f":  # openpyxl makes every "=…" string a formula
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_upload(filename: str, data: bytes) -> tuple[Kind, list[BaseModel]]:
    """Validate every row of an uploaded CSV/Excel/JSON file with the importer's own rules."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xlsm", ".json"}:
        raise CatalogImportError(filename, [RowError(None, "", "định dạng không hỗ trợ (dùng .csv hoặc .xlsx)")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            model = detect_model(path)
            records = read_records(path, model)
        except CatalogImportError as error:
            raise CatalogImportError(filename, error.errors) from None
        except Exception as error:  # a corrupt workbook or a binary file named .csv
            raise CatalogImportError(filename, [RowError(None, "", f"không đọc được tệp ({type(error).__name__})")]
                                     ) from None
    return ("faq" if model is Faq else "procedure"), list(records)
