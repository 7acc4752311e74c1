"""Staff identity as a route parameter (registered by ``bot/app.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bot.auth.service import StaffAuth
from bot.core.services import service

Auth = Annotated[StaffAuth, Depends(service(StaffAuth))]
