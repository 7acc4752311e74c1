"""Merge an imported file into the catalog folder: records with a known id replace the old ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from knowledge_base.loaders import FAQS_FILE, PROCEDURES_FILE, detect_model, load_catalog, read_records
from knowledge_base.schema import Catalog, Faq, Procedure


def import_file(path: Path, data_dir: Path, dry_run: bool = False, *,
                codes: set[str] | None = None, level_files: Sequence[Path] = ()) -> str:
    """Validate ``path`` completely, then merge it; returns a report in Vietnamese.

    The national portal's dumps, its FAQs and provinces' lists are recognised by their fields and
    handed to ``national_import``; ``codes`` and ``level_files`` apply to those.
    """
    from knowledge_base import national_import  # only when national data is imported

    if national_import.detect(path) is not None:
        return national_import.import_national(path, data_dir, codes=codes,
                                               level_files=level_files, dry_run=dry_run)
    report = _import_catalog_file(path, data_dir, dry_run)
    for level_file in level_files:  # a province's online levels, over what was just imported
        report += "\n" + national_import.import_national(level_file, data_dir, dry_run=dry_run)
    return report


def _import_catalog_file(path: Path, data_dir: Path, dry_run: bool) -> str:
    model = detect_model(path)
    records = read_records(path, model)
    catalog = load_catalog(data_dir)
    kind_name = "thủ tục" if model is Procedure else "câu hỏi"
    current: list[BaseModel] = list(catalog.procedures if model is Procedure else catalog.faqs)
    known = {r.id for r in current}  # type: ignore[attr-defined]
    incoming = {r.id: r for r in records}  # type: ignore[attr-defined]
    merged = [incoming.pop(r.id, r) for r in current] + list(incoming.values())  # type: ignore[attr-defined]
    # Validate the whole catalog (unique ids, FAQ links to procedures) before writing anything.
    if model is Procedure:
        Catalog(procedures=merged, faqs=catalog.faqs)  # type: ignore[arg-type]
    else:
        Catalog(procedures=catalog.procedures, faqs=merged)  # type: ignore[arg-type]
    replaced = sum(1 for r in records if r.id in known)  # type: ignore[attr-defined]
    report = (f"{len(records)} {kind_name} hợp lệ: {len(records) - replaced} mới, "
              f"{replaced} cập nhật.")
    if dry_run:
        return report + " (chạy thử, chưa ghi)"
    _write_all(data_dir, model, merged)
    return report


def _write_all(data_dir: Path, model: type[Procedure] | type[Faq], records: list[BaseModel]) -> None:
    prefix = "procedures" if model is Procedure else "faqs"
    target = data_dir / (PROCEDURES_FILE if model is Procedure else FAQS_FILE)
    payload = [r.model_dump(mode="json", exclude_defaults=False) for r in records]
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for other in data_dir.glob(f"{prefix}*.json"):
        if other != target:
            other.unlink()  # everything now lives in the one merged file
    tmp.replace(target)
