"""``DossierBackend`` over a province's one-stop system (REST/JSON, contract in docs/one-stop-backend.md)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

import httpx

from bot.dossiers.backend import DossierDraft, DossierView, StatusEvent, SubmittedDocument
from bot.dossiers.codes import normalise_code
from bot.dossiers.errors import (
    BackendAuthError,
    BackendProtocolError,
    BackendUnavailable,
    DossierError,
    DossierNotFound,
    IdempotencyConflict,
    InvalidDraft,
    InvalidTransition,
    UnknownProcedure,
)
from bot.dossiers.status import DossierStatus
from bot.dossiers.transitions import plan, step_note

API_KEY_HEADER = "X-API-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_STATUS = frozenset({502, 503, 504})


def draft_json(draft: DossierDraft) -> dict[str, Any]:
    """The body of POST /dossiers."""
    body = asdict(draft)
    body["applicant"]["birth_date"] = draft.applicant.birth_date.isoformat()
    return body


def idempotency_key(draft: DossierDraft) -> str:
    """Derived from the draft itself, so the same dossier sent again (a retry, an action re-run)
    is never filed twice."""
    canonical = json.dumps(draft_json(draft), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "hs-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def parse_view(data: dict[str, Any]) -> DossierView:
    """A dossier of the contract → ``DossierView``."""
    try:
        return DossierView(
            code=data["code"], procedure_id=data["procedure_id"], status=DossierStatus(data["status"]),
            submitted_at=_datetime(data["submitted_at"]),
            due_date=dt.date.fromisoformat(data["due_date"]) if data.get("due_date") else None,
            fee_due_vnd=int(data.get("fee_due_vnd") or 0), channel=data.get("channel", ""),
            sender_id=data.get("sender_id", ""), phone_last4=data.get("phone_last4", ""),
            cccd_last4=data.get("cccd_last4", ""),
            fee_assessed_vnd=int(data["fee_assessed_vnd"]) if data.get("fee_assessed_vnd") is not None else None,
            fee_explanation=str(data.get("fee_explanation") or ""),
            history=[StatusEvent(DossierStatus(h["status"]), _datetime(h["at"]), h.get("note", ""),
                                 h.get("actor", "")) for h in data.get("history", [])])
    except (KeyError, TypeError, ValueError) as error:
        raise BackendProtocolError(f"Hệ thống một cửa trả về hồ sơ không đúng định dạng: {error!r}") from error


def _datetime(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


class HttpDossierBackend:
    """Files and follows dossiers in the one-stop system. Reads and filings are retried on network
    errors and 502/503/504 (filing carries an idempotency key); status and document changes are not."""

    def __init__(self, base_url: str, api_key: str, client: httpx.AsyncClient, retries: int = 3,
                 backoff_seconds: float = 0.2) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.client = client
        self.retries = retries
        self.backoff_seconds = backoff_seconds

    async def file(self, draft: DossierDraft) -> DossierView:
        """File a dossier; returns it with its new code (status NEW)."""
        response = await self._send("POST", "/dossiers", json=draft_json(draft), retry=True,
                                    headers={IDEMPOTENCY_HEADER: idempotency_key(draft)})
        return parse_view(response.json())

    async def get(self, code: str) -> DossierView | None:
        try:
            response = await self._send("GET", f"/dossiers/{_quote(code)}", retry=True)
        except DossierNotFound:
            return None
        return parse_view(response.json())

    async def change_status(self, code: str, status: DossierStatus, note: str, actor: str,
                            admin_override: bool = False, fee_due_vnd: int | None = None) -> DossierView:
        """Move a dossier to ``status`` (with a note: the missing document, the fee…). A jump to a
        later status posts the routine steps on the way first (``transitions.plan``), one by one,
        as the one-stop system takes one national step per call."""
        steps = [status]
        if not admin_override:   # the one-stop system keeps the last word on what is allowed
            current = await self.get(code)
            if current is not None and current.status != status:
                steps = plan(current.status, status) or [status]
        for step in steps[:-1]:
            await self._send("POST", f"/dossiers/{_quote(code)}/status",
                             json={"status": int(step), "note": step_note(status), "actor": actor, "override": False})
        body: dict[str, Any] = {"status": int(status), "note": note, "actor": actor, "override": admin_override}
        if fee_due_vnd is not None:
            body["fee_due_vnd"] = fee_due_vnd
        response = await self._send("POST", f"/dossiers/{_quote(code)}/status", json=body)
        return parse_view(response.json())

    async def add_documents(self, code: str, documents: list[SubmittedDocument]) -> DossierView:
        """Attach supplementary documents (after a SUPPLEMENT request)."""
        body = {"documents": [asdict(d) for d in documents]}
        response = await self._send("POST", f"/dossiers/{_quote(code)}/documents", json=body)
        return parse_view(response.json())

    async def record_payment(self, code: str, order_id: str, amount_vnd: int, note: str,
                             actor: str) -> DossierView:
        """Report a fee paid online; the one-stop system counts each ``order_id`` once, so a retry is safe."""
        body = {"order_id": order_id, "amount_vnd": amount_vnd, "note": note, "actor": actor}
        response = await self._send("POST", f"/dossiers/{_quote(code)}/payments", json=body, retry=True)
        return parse_view(response.json())

    async def list(self, status: DossierStatus | None = None, procedure_id: str | None = None,
                   limit: int = 100, offset: int = 0, channel: str | None = None,
                   sender_id: str | None = None) -> list[DossierView]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if channel is not None and sender_id is not None:
            params.update(channel=channel, sender=sender_id)
        if status is not None:
            params["status"] = int(status)
        if procedure_id is not None:
            params["procedure"] = procedure_id
        response = await self._send("GET", "/dossiers", params=params, retry=True)
        try:
            items = response.json()["items"]
        except (KeyError, TypeError) as error:
            raise BackendProtocolError("Hệ thống một cửa trả về danh sách không đúng định dạng.") from error
        return [parse_view(item) for item in items]

    async def _send(self, method: str, path: str, retry: bool = False, headers: dict[str, str] | None = None,
                    **kwargs: Any) -> httpx.Response:
        attempts = self.retries + 1 if retry else 1
        last: str = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            try:
                response = await self.client.request(
                    method, self.base_url + path, headers={API_KEY_HEADER: self.api_key, **(headers or {})}, **kwargs)
            except httpx.TransportError as error:
                last = f"{type(error).__name__}: {error}"
                continue
            if response.status_code in RETRYABLE_STATUS:
                last = f"HTTP {response.status_code}"
                continue
            if response.is_success:
                return response
            raise _error(response, path)
        raise BackendUnavailable(f"Hệ thống một cửa tạm thời không phản hồi ({last}). Vui lòng thử lại sau.")


def _quote(code: str) -> str:
    """Our codes in canonical form (as typed back by a citizen); national codes as they are."""
    return quote(normalise_code(code) or code.strip(), safe="")


def _error(response: httpx.Response, path: str) -> DossierError:
    """The contract's error body ``{"error": {"code", "message"}}`` → the matching exception."""
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        error, code, message = {}, "", response.text[:200]
    status = response.status_code
    if status in (401, 403):
        return BackendAuthError(f"Hệ thống một cửa từ chối khoá API (HTTP {status}): {message}")
    if status == 404:
        return DossierNotFound(path.split("/")[2] if path.count("/") >= 2 else path)
    if code == "invalid_transition":
        return InvalidTransition(message)
    if code == "idempotency_conflict":
        return IdempotencyConflict(message)
    if code == "unknown_procedure":
        return UnknownProcedure(str(error.get("procedure_id", "")))
    if status in (400, 409, 422):
        return InvalidDraft(message or f"Hệ thống một cửa từ chối yêu cầu (HTTP {status}).")
    if status >= 500:
        return BackendUnavailable(f"Hệ thống một cửa gặp lỗi (HTTP {status}): {message}")
    return BackendProtocolError(f"Hệ thống một cửa trả lời bất thường (HTTP {status}, {code}): {message}")
