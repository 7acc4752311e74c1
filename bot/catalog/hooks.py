"""Callbacks run when an FAQ written from the unanswered-questions inbox is published.

The inbox registers itself with ``FAQ_PUBLISHED.append(callback)``; the catalog knows nothing
about it. Callbacks run in the publishing thread, after the commit; one failing is logged and does
not undo the publication nor stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

FaqPublished = Callable[[str, str], None]   # (faq_id, inbox group)
FAQ_PUBLISHED: list[FaqPublished] = []


def on_faq_published(faq_id: str, group: str) -> None:
    for callback in list(FAQ_PUBLISHED):
        try:
            callback(faq_id, group)
        except Exception:
            log.exception("FAQ-published callback %r failed for %s", callback, faq_id)
