"""The unanswered-questions inbox as a route parameter (one per app, so its caches survive
reloads; registered by ``bot/app.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bot.core.services import service
from bot.insights.inbox import Inbox

Unanswered = Annotated[Inbox, Depends(service(Inbox))]
