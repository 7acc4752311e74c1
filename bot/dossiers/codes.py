"""Dossier codes (mã hồ sơ): ``HS-XXXX-XXXX`` in Crockford base32, read out over the phone.

40 random bits from ``secrets``: about 1.1 × 10¹² codes, so a few thousand dossiers cannot be found
by trying codes. Crockford's alphabet drops I, L, O and U, so a code typed back with O for 0 or
I/L for 1 still resolves (``normalise_code``).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "HS"
RANDOM_BITS = 40
# The same pattern as the ``dossier_code`` regex in data/nlu/entities.yml.
CODE_PATTERN = re.compile(r"\bHS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")

_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-._/]+")


def new_code() -> str:
    """A fresh random code, e.g. ``HS-7K3M-Q9TX``."""
    value = secrets.randbits(RANDOM_BITS)
    chars = "".join(ALPHABET[(value >> shift) & 31] for shift in range(RANDOM_BITS - 5, -1, -5))
    return f"{PREFIX}-{chars[:4]}-{chars[4:]}"


def normalise_code(text: str) -> str | None:
    """The canonical code a citizen meant, or None when ``text`` cannot be one.

    Accepts lower case, spaces or dots instead of the dash, a missing dash or prefix
    (``hs 7k3m q9tx``, ``HS7K3MQ9TX``, ``7k3m-q9tx``) and O/I/L typed for 0/1.
    """
    compact = _SEPARATORS.sub("", text.strip().upper())
    if len(compact) == 10 and compact.startswith(PREFIX):
        compact = compact[2:]
    if len(compact) != 8:
        return None
    body = compact.translate(_CONFUSABLE)
    if any(c not in ALPHABET for c in body):
        return None
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def is_code(text: str) -> bool:
    """Whether ``text`` is exactly a canonical code."""
    return CODE_PATTERN.fullmatch(text) is not None
