"""Import a catalog of procedures and FAQs from JSON, CSV or Excel.

Errors name the row and the field ("dòng 7, trường fees[0].amount_vnd: ...") so a volunteer can fix
the file; a file with any error imports nothing.

Flat formats (CSV, Excel) hold one record per row. Lists are written one item per line inside a cell
(documents as ``name | copies | required(có/không) | template | note``; fees as
``label | amount | note | legal basis``; methods as ``direct``, ``postal`` or
``online | toàn trình | url``, optionally followed by ``| note``).  Nested JSON is accepted as-is.

A fee, document or form field that depends on the case carries its rules as further parts:
``khi request_type = Cấp lại; Cấp đổi`` (one part per field, choices separated by ";"), for a fee
also ``kênh = trực tuyến`` and ``nhân theo number_of_copies (bản)``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from knowledge_base.schema import Catalog, Faq, Procedure
from knowledge_base.spreadsheet import unprotect
from knowledge_base.validation_messages import reason

DATA_DIR = Path(__file__).with_name("data")
# The files ``import`` writes into a data folder (other names there are read too).
PROCEDURES_FILE = "procedures.json"
FAQS_FILE = "faqs.json"
T = TypeVar("T", bound=BaseModel)

LIST_FIELDS = {"aliases", "steps", "conditions", "legal_basis", "alt_questions", "tags",
               "related_procedures"}
TRUE_WORDS = {"co", "có", "x", "true", "1", "yes", "bắt buộc", "bat buoc"}


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file, located for a person to fix."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"dòng {self.row}, " if self.row is not None else ""
        return f"{where}trường {self.field or '(bản ghi)'}: {self.message}"


class CatalogImportError(ValueError):
    """Raised with every problem found in a file, not only the first."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors[:50])
        more = f"\n  … và {len(errors) - 50} lỗi khác" if len(errors) > 50 else ""
        super().__init__(f"{source}: {len(errors)} lỗi\n{lines}{more}")


def load_catalog(directory: Path = DATA_DIR) -> Catalog:
    """Load the catalog the assistant serves: every ``procedures*.json`` and ``faqs*.json``."""
    procedures: list[Procedure] = []
    faqs: list[Faq] = []
    for path in sorted(directory.glob("procedures*.json")):
        procedures.extend(read_records(path, Procedure))
    for path in sorted(directory.glob("faqs*.json")):
        faqs.extend(read_records(path, Faq))
    try:
        return Catalog(procedures=procedures, faqs=faqs)
    except ValidationError as exc:
        raise CatalogImportError(str(directory), _errors(exc, row=None)) from exc


def read_records(path: Path, model: type[T]) -> list[T]:
    """Read and validate every record of ``path`` (JSON, CSV, XLSX) as ``model``."""
    rows = list(_rows(path, nested=path.suffix.lower() == ".json"))
    return validate_rows(rows, model, source=str(path))


def detect_model(path: Path) -> type[Procedure] | type[Faq]:
    """Guess whether a file holds procedures or FAQs from its first record's keys."""
    for _, row in _rows(path, nested=path.suffix.lower() == ".json"):
        return Faq if "question" in row and "title" not in row else Procedure
    raise CatalogImportError(str(path), [RowError(None, "", "tệp không có bản ghi nào")])


def validate_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], model: type[T], source: str
) -> list[T]:
    records: list[T] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row_number, raw in rows:
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            errors.extend(_errors(exc, row=row_number))
            continue
        record_id = getattr(record, "id", None)
        if record_id in seen:
            errors.append(RowError(row_number, "id", f"trùng với dòng {seen[record_id]}"))
            continue
        seen[str(record_id)] = row_number
        records.append(record)
    if errors:
        raise CatalogImportError(source, errors)
    return records


def _errors(exc: ValidationError, row: int | None) -> list[RowError]:
    return [RowError(row, _dotted(err["loc"]), reason(err)) for err in exc.errors()]


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _rows(path: Path, nested: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        yield from _json_rows(path)
    elif suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            if any((v or "").strip() for v in row.values()):
                yield number, unflatten(row)
    elif suffix in {".xlsx", ".xlsm"}:
        yield from _excel_rows(path)
    else:
        raise CatalogImportError(str(path), [RowError(None, "", "định dạng không hỗ trợ "
                                                      "(dùng .json, .csv hoặc .xlsx)")])


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogImportError(str(path), [RowError(exc.lineno, "", f"JSON lỗi: {exc.msg}")]) from exc
    if isinstance(data, dict):
        data = data.get("procedures") or data.get("faqs") or [data]
    if not isinstance(data, list):
        raise CatalogImportError(str(path), [RowError(None, "", "cần một mảng JSON các bản ghi")])
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise CatalogImportError(str(path), [RowError(number, "", "bản ghi phải là đối tượng")])
        yield number, item


def _excel_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook  # heavy import, only when an Excel file is imported

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    for number, values in enumerate(rows, start=2):
        row = {h: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h}
        if any(v.strip() for v in row.values()):
            yield number, unflatten(row)
    workbook.close()


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """Turn one flat CSV/Excel row into the nested shape of the schema."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        key = (key or "").strip()
        value = unprotect((value or "").strip())
        if not key or value == "":
            continue
        if key in LIST_FIELDS:
            out[key] = _lines(value)
        elif key == "documents":
            out[key] = [_document(line) for line in _lines(value)]
        elif key == "fees":
            out[key] = [_fee(line) for line in _lines(value)]
        elif key == "methods":
            out[key] = [_method(line) for line in _lines(value)]
        elif key == "form_fields":
            out[key] = [_form_field(line) for line in _lines(value)]
        elif key in {"processing_time_days", "processing_time_text"}:
            time = out.setdefault("processing_time", {})
            time["working_days" if key.endswith("days") else "text"] = value
        elif key in {"source_name", "source_url"}:
            out.setdefault("source", {})["name" if key.endswith("name") else "url"] = value
        else:
            out[key] = value
    return out


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]


def _parts(line: str, count: int) -> list[str]:
    parts = [p.strip() for p in line.split("|")]
    return parts + [""] * (count - len(parts))


CHANNEL_WORDS = {"trực tuyến": "online", "trực tiếp": "direct", "bưu chính": "postal"}
WHEN, CHANNEL, PER = "khi ", "kênh = ", "nhân theo "


def rule_parts(item: dict[str, Any]) -> list[str]:
    """A fee's, document's or form field's rules as flat parts (see the module docstring)."""
    parts = [f"{WHEN}{name} = {'; '.join(choices)}" for name, choices in (item.get("when") or {}).items()]
    if item.get("channel"):
        parts.append(CHANNEL + next((w for w, m in CHANNEL_WORDS.items() if m == item["channel"]), item["channel"]))
    if item.get("per"):
        parts.append(f"{PER}{item['per']}" + (f" ({item['unit']})" if item.get("unit") else ""))
    return parts


def _rules(parts: list[str]) -> dict[str, Any]:
    """The parts after an item's fixed ones; an unknown part is kept under its own words, so the
    schema names it in the row's error."""
    out: dict[str, Any] = {}
    for part in filter(None, parts):
        if part.startswith(WHEN):
            name, _, choices = part.removeprefix(WHEN).partition("=")
            out.setdefault("when", {})[name.strip()] = [c.strip() for c in choices.split(";") if c.strip()]
        elif part.startswith(CHANNEL):
            word = part.removeprefix(CHANNEL).strip()
            out["channel"] = CHANNEL_WORDS.get(word, word)
        elif part.startswith(PER):
            per, _, unit = part.removeprefix(PER).partition("(")
            out["per"], out["unit"] = per.strip(), unit.rstrip(")").strip()
        else:
            out[part] = ""
    return out


def _document(line: str) -> dict[str, Any]:
    parts = _parts(line, 5)
    name, copies, required, template, note = parts[:5]
    return {"name": name, "copies": copies, "template": template, "note": note,
            "required": required.lower() in TRUE_WORDS if required else True, **_rules(parts[5:])}


def _fee(line: str) -> dict[str, Any]:
    parts = _parts(line, 4)
    label, amount, note, basis = parts[:4]
    digits = amount.replace(".", "").replace(",", "").replace("đ", "").strip()
    return {"label": label, "amount_vnd": digits if digits else None, "note": note,
            "legal_basis": basis, **_rules(parts[4:])}


def _method(line: str) -> dict[str, Any]:
    method, level, url, note = _parts(line, 4)[:4]
    item: dict[str, Any] = {"method": method}
    if level:
        item["online_level"] = level
    if url:
        item["url"] = url
    if note:
        item["note"] = note  # a 4th part, so an exported catalog round-trips its notes
    return item


def _form_field(line: str) -> dict[str, Any]:
    parts = _parts(line, 5)
    name, label, kind, required, choices = parts[:5]
    return {"name": name, "label": label, "type": kind or "text",
            "required": required.lower() in TRUE_WORDS if required else True,
            "choices": [c.strip() for c in choices.split(";") if c.strip()], **_rules(parts[5:])}
