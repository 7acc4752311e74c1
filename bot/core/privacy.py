"""Masking of personal data in logs and stored texts: căn cước and CMND numbers, phone numbers,
e-mail addresses — also when written in groups ("0912 345 678", "0912.345.678", "079 188 077 665")."""

from __future__ import annotations

import re

# Digits with at most one space, dot or dash between them: how people type their numbers.
_DIGIT_RUN = re.compile(r"(?<!\d)(\+?\d(?:[ .\-]?\d){8,12})(?!\d)(?!\s*(?:đ\b|đồng|dong\b|vnd|vnđ|₫))",
                        re.IGNORECASE)
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.-]+)")


def _mask_number(match: re.Match[str]) -> str:
    written = match[1]
    digits = re.sub(r"\D", "", written)
    plus = "+" if written.startswith("+") else ""
    if len(digits) == 12 and not plus:  # căn cước
        return f"{digits[:3]}******{digits[-3:]}"
    if (len(digits) == 10 and digits[0] == "0") or (len(digits) == 11 and digits.startswith("84")):
        return f"{plus}{digits[:3]}*****{digits[-3:]}"
    if len(digits) == 9 and not plus:  # chứng minh nhân dân
        return f"{digits[:2]}****{digits[-3:]}"
    return written


def mask(text: str) -> str:
    """Hide the middle of identifiers: ``001203004567`` → ``001******567``."""
    text = _DIGIT_RUN.sub(_mask_number, text)
    return _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
