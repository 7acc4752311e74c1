"""Readable, field-level differences between two versions of a record, for reviewers."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog.flat import COLUMNS, LABELS, Kind, Record, flatten
from knowledge_base.loaders import LIST_FIELDS

# Columns that hold one item per line: the diff also lists the lines added and removed.
LINE_COLUMNS = LIST_FIELDS | {"methods", "documents", "fees", "form_fields"}


@dataclass(frozen=True)
class FieldChange:
    column: str
    label: str
    before: str
    after: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def diff(kind: Kind, before: Record | None, after: Record | None) -> list[FieldChange]:
    """The columns whose flat text differs, in form order; ``None`` stands for "no record"."""
    old = flatten(before) if before is not None else {}
    new = flatten(after) if after is not None else {}
    changes: list[FieldChange] = []
    for column in COLUMNS[kind]:
        a, b = old.get(column, ""), new.get(column, "")
        if a == b:
            continue
        added: list[str] = []
        removed: list[str] = []
        if column in LINE_COLUMNS:
            a_lines, b_lines = a.splitlines(), b.splitlines()
            added = [line for line in b_lines if line not in a_lines]
            removed = [line for line in a_lines if line not in b_lines]
        changes.append(FieldChange(column, LABELS.get(column, column), a, b, added, removed))
    return changes
