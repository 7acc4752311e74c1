"""The payment service as a route parameter (registered by ``bot/app.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bot.core.services import service
from bot.payments.service import PaymentService

Payments = Annotated[PaymentService, Depends(service(PaymentService))]
