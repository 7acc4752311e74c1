"""Errors every dossier backend raises; ``str(error)`` is a Vietnamese sentence a citizen or an
officer can read."""

from __future__ import annotations

from bot.core.errors import ServiceError


class DossierError(ServiceError):
    """Base of the dossier errors."""

    status_code = 422


class DossierNotFound(DossierError):
    status_code = 404

    def __init__(self, code: str) -> None:
        super().__init__(f"Không tìm thấy hồ sơ {code}.")
        self.code = code


class UnknownProcedure(DossierError):
    status_code = 404

    def __init__(self, procedure_id: str) -> None:
        super().__init__(f"Không có thủ tục «{procedure_id}» trong danh mục.")
        self.procedure_id = procedure_id


class InvalidDraft(DossierError):
    """The draft is incomplete or refers to files the citizen did not send."""


class InvalidTransition(DossierError):
    """A status change the dossier's current status does not allow."""

    status_code = 409


class BackendAuthError(DossierError):
    """The one-stop system refused the API key."""

    status_code = 502


class BackendUnavailable(DossierError):
    """The one-stop system did not answer, or answered with a server error."""

    status_code = 503


class IdempotencyConflict(DossierError):
    """The same idempotency key was sent with a different dossier."""

    status_code = 409


class BackendProtocolError(DossierError):
    """The one-stop system answered something the contract does not allow."""

    status_code = 502
