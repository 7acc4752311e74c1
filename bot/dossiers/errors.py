"""Errors every dossier backend raises; ``str(error)`` is a Vietnamese sentence a citizen or an
officer can read."""

from __future__ import annotations


class DossierError(Exception):
    """Base of the dossier errors."""


class DossierNotFound(DossierError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Không tìm thấy hồ sơ {code}.")
        self.code = code


class UnknownProcedure(DossierError):
    def __init__(self, procedure_id: str) -> None:
        super().__init__(f"Không có thủ tục «{procedure_id}» trong danh mục.")
        self.procedure_id = procedure_id


class InvalidDraft(DossierError):
    """The draft is incomplete or refers to files the citizen did not send."""


class InvalidTransition(DossierError):
    """A status change the dossier's current status does not allow."""


class BackendAuthError(DossierError):
    """The one-stop system refused the API key."""


class BackendUnavailable(DossierError):
    """The one-stop system did not answer, or answered with a server error."""


class IdempotencyConflict(DossierError):
    """The same idempotency key was sent with a different dossier."""


class BackendProtocolError(DossierError):
    """The one-stop system answered something the contract does not allow."""
