"""Cells of exported spreadsheets that Excel or LibreOffice would run as formulas.

A value a volunteer or a citizen typed ("=HYPERLINK(…)", "+84…", "@SUM") starts a formula when
opened in a spreadsheet. Exported CSV text gets a leading apostrophe (OWASP's advice), which the
importer removes again so a file round-trips unchanged; XLSX cells are typed as strings instead.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def unprotect(value: str) -> str:
    """The inverse of ``protect`` for a cell read back from an exported file."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
