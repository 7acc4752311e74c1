"""The handoff's services as route parameters (registered by ``bot/app.py``): the handoff service,
and the dossiers the console shows beside a handoff (a protocol: the dossiers sit above this layer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from fastapi import Depends

from bot.core.services import service
from bot.handoff.service import HandoffService


class DossierList(Protocol):
    """A citizen's own dossiers, newest first (each with its code, procedure and status)."""

    async def list(self, *, limit: int = 100, channel: str | None = None,
                   sender_id: str | None = None) -> Sequence[Any]: ...


Handoffs = Annotated[HandoffService, Depends(service(HandoffService))]
CitizenDossiers = Annotated[DossierList, Depends(service(DossierList))]
