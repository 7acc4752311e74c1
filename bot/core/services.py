"""Services reach routes as typed FastAPI dependencies. The app registers each service once when it
starts (``services_of(app).add(outbox)``); a route declares what it needs by type::

    Payments = Annotated[PaymentService, Depends(service(PaymentService))]

    @router.get("/api/payments/{order_id}")
    async def status(order_id: str, payments: Payments) -> ...

so a route names its collaborators in its signature, a test can swap one with
``app.dependency_overrides[service(PaymentService)]``, and a lower layer (a channel's webhook) asks
for a service by the type it knows without importing the app that built it. A service a lower layer
may not import by its class is registered also under a ``Protocol`` of that layer
(``add(payments, PaymentService, DossierPayments)``). Each capability names its services' aliases
once, in its ``deps.py``; tests read a service with ``services_of(app).get(Outbox)``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from fastapi import FastAPI
from starlette.requests import HTTPConnection

from bot.core.errors import ServiceError

T = TypeVar("T")


class ServiceMissing(ServiceError):
    """Asked for before the app started, or switched off by the settings."""

    status_code = 503

    def __init__(self, kind: type) -> None:
        super().__init__(f"Dịch vụ {kind.__name__} chưa sẵn sàng; vui lòng thử lại sau ít giây.")


class Services:
    """The app's services, by the type routes ask for."""

    def __init__(self) -> None:
        self._by_type: dict[type, Any] = {}

    def add(self, instance: Any, *kinds: type) -> None:
        """Register ``instance`` under its own class, or under each of ``kinds`` (its class, a protocol)."""
        for kind in kinds or (type(instance),):
            self._by_type[kind] = instance

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._by_type[kind])
        except KeyError:
            raise ServiceMissing(kind) from None

    def find(self, kind: type[T]) -> T | None:
        return cast(T | None, self._by_type.get(kind))


def services_of(app: FastAPI | Any) -> Services:
    """The app's registry (made on first use): the one place services are kept on the app."""
    state = app.state
    if not hasattr(state, "services"):
        state.services = Services()
    return cast(Services, state.services)


@functools.cache
def service(kind: type[T]) -> Callable[[HTTPConnection], T]:
    """The dependency giving the app's ``kind`` (the same callable each time, so overrides work)."""

    def dependency(connection: HTTPConnection) -> T:
        return services_of(connection.app).get(kind)

    dependency.__name__ = f"service_{kind.__name__}"
    return dependency


@functools.cache
def optional_service(kind: type[T]) -> Callable[[HTTPConnection], T | None]:
    """Like ``service``, but None when the app has no ``kind`` (a channel without credentials is off)."""

    def dependency(connection: HTTPConnection) -> T | None:
        return services_of(connection.app).find(kind)

    dependency.__name__ = f"optional_service_{kind.__name__}"
    return dependency
