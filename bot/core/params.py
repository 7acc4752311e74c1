"""Numbers read from URLs and forms: ASCII digits within what the databases store.

``"²".isdigit()`` is True and ``int("²")`` raises; a 20-digit id overflows SQLite's and
PostgreSQL's integers in the driver. Either was a 500 instead of "not found"."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**63 - 1
MAX_PAGE = 100_000

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def whole_number(text: str, maximum: int = MAX_ROW_ID) -> int | None:
    """``text`` as a non-negative whole number up to ``maximum``; None when it is anything else."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
