"""Small HTTP helpers every capability's routes share."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str) -> str:
    """A download header that keeps a Vietnamese file name (RFC 6266) with an ASCII fallback."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename) or "tep"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
