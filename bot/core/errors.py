"""One base for the errors a person can act on. ``str(error)`` is the reason in Vietnamese, written
for whoever reads it (a citizen, staff or an integrator); ``status_code`` is the HTTP status it
answers with. Every capability's refusals derive from ``ServiceError``, and the app turns one that
reaches a route into a reply in one handler (a page for staff, JSON for the API)."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a reason; ``status_code`` says which HTTP status a route answers with."""

    status_code: int = 400

    def __init__(self, message: str = "", status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code

    @property
    def message(self) -> str:
        return str(self)

    def headers(self) -> dict[str, str]:
        """Extra HTTP headers of the reply (``Retry-After`` for a limit)."""
        return {}
