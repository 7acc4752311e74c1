"""Money as people read it: Vietnamese thousands separators, in đồng. The one place amounts are
written, so a receipt, a card, a staff page and a dashboard never disagree."""

from __future__ import annotations


def thousands(amount: int) -> str:
    """``1234567`` → ``1.234.567`` (Vietnamese groups digits with dots)."""
    return f"{int(amount):,}".replace(",", ".")


def vnd(amount: int) -> str:
    """``70000`` → ``70.000 đ``: how an amount is written in messages and on pages."""
    return thousands(amount) + " đ"


def vnd_words(amount: int) -> str:
    """``70000`` → ``70.000 đồng``: the spelled-out unit the catalog's answer cards use."""
    return thousands(amount) + " đồng"
