"""Masking of personal data in logs: căn cước numbers, phone numbers, e-mail addresses."""

from __future__ import annotations

import re

_CCCD = re.compile(r"(?<!\d)(\d{3})\d{6}(\d{3})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(\+?84|0)(\d{2})\d{4,5}(\d{3})(?!\d)")
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.-]+)")


def mask(text: str) -> str:
    """Hide the middle of identifiers: ``001203004567`` → ``001******567``."""
    text = _CCCD.sub(lambda m: f"{m[1]}******{m[2]}", text)
    text = _PHONE.sub(lambda m: f"{m[1]}{m[2]}*****{m[3]}", text)
    return _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
