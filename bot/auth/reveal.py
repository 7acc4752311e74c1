"""Who reads personal data in full: only supervisors and admins, after a reveal the caller audits;
everyone else reads what citizens typed with căn cước, phone numbers and e-mails masked."""

from __future__ import annotations

from bot.core.privacy import mask

FULL_PERSONAL_DATA = ("supervisor", "admin")   # may reveal personal data in full, each time audited


def may_reveal(role: str) -> bool:
    """Whether this role may see personal data in full (after an audited reveal)."""
    return role in FULL_PERSONAL_DATA


def shown_text(text: str, full: bool) -> str:
    """A text a citizen (or anyone in a conversation) typed, as staff read it: masked unless revealed."""
    return text if full else mask(text)
