"""A province's procedure list: which procedures it offers online end to end ("toàn trình") or in
part ("một phần"). The national records do not say; these lists do, per province."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ONLINE_LEVELS = {"toàn trình": "toàn trình", "một phần": "một phần"}
PROVINCE_NAMES = {"lamdong": "Lâm Đồng", "langson": "Lạng Sơn"}
NOTE_PREFIX = "Mức độ trực tuyến theo danh mục tỉnh: "
_LEADING_CODE = re.compile(r"^\s*(\d\.\d{6})")


@dataclass(frozen=True)
class ProvincialList:
    province: str
    levels: dict[str, str]  # national code -> "toàn trình" | "một phần"
    rows: int
    names: dict[str, str] = field(default_factory=dict)   # national code -> the list's name for it


def is_provincial(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return {"code", "level"} <= names or {"ma_tthc", "muc_do"} <= names


def read_list(path: Path) -> ProvincialList:
    """Read a list; test rows are dropped and codes like ``1.012275.H36`` match on ``1.012275``."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    levels: dict[str, str] = {}
    names: dict[str, str] = {}
    kept = 0
    for row in rows:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        code, level = row.get("code") or row.get("ma_tthc", ""), row.get("level") or row.get("muc_do", "")
        name = row.get("name") or row.get("ten_tthc", "")
        if _is_test(code, name):
            continue
        kept += 1
        m = _LEADING_CODE.match(code)
        online = ONLINE_LEVELS.get(level.lower())
        if m and online:
            levels[m.group(1)] = online
        if m and name:
            names.setdefault(m.group(1), name)
    stem = re.sub(r"_.*$", "", path.stem.lower())
    return ProvincialList(PROVINCE_NAMES.get(stem, path.stem), levels, kept, names)


def _is_test(code: str, name: str) -> bool:
    return code.upper().startswith("TEST") or name.lower().startswith(("thủ tục test", "test"))


def statements(note: str) -> tuple[str, dict[str, str]]:
    """Split a method note into its own text and the provinces' statements kept in it."""
    own, said = [], {}
    for line in note.split("\n"):
        if line.startswith(NOTE_PREFIX):
            for part in line[len(NOTE_PREFIX):].rstrip(".").split("; "):
                province, _, level = part.partition(" – ")
                if level in ONLINE_LEVELS:
                    said[province] = level
        elif line:
            own.append(line)
    return "\n".join(own), said


def apply(procedure: dict[str, Any], province: str, level: str) -> bool:
    """Mark the online channel of a Procedure dict with what ``province`` says. The level shown is
    "toàn trình" only when every province that lists the procedure says so (a citizen elsewhere
    may still have to come in); each province's word stays in the note. True if it changed."""
    methods = procedure["methods"]
    online = next((m for m in methods if m["method"] == "online"), None)
    if online is None:
        # Every schema field spelled out, so it compares equal to the record read back.
        online = {"method": "online", "online_level": None, "url": None, "note": "",
                  "processing_time": None, "fees": []}
        methods.append(online)
    before = (online.get("online_level"), online.get("note", ""))
    own, said = statements(online.get("note", ""))
    said[province] = level
    summary = NOTE_PREFIX + "; ".join(f"{p} – {v}" for p, v in sorted(said.items())) + "."
    online["note"] = "\n".join(filter(None, [own, summary]))
    online["online_level"] = ("toàn trình" if all(v == "toàn trình" for v in said.values())
                              else "một phần")
    return before != (online["online_level"], online["note"])
