"""The dossier capability's services as route parameters (registered by ``bot/app.py``): the
backend, and what the dossier page reads from the payments above it (a protocol, so this layer does
not import them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from fastapi import Depends

from bot.core.services import service
from bot.dossiers.backend import DossierBackend


class DossierPayments(Protocol):
    """The payment orders of a dossier, newest first, as the staff page lists them."""

    async def for_dossier(self, code: str) -> Sequence[Any]: ...


Dossiers = Annotated[DossierBackend, Depends(service(DossierBackend))]
DossierOrders = Annotated[DossierPayments, Depends(service(DossierPayments))]
