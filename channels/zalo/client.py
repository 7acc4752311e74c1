"""A small typed client for the parts of Zalo's OA OpenAPI (v3 messages, v2 upload) and OAuth v4
the gateway uses. Every call takes the access token explicitly; tokens live in ``tokens.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from channels.base import FileTooLarge
from channels.zalo.errors import ZaloApiError, ZaloAuthError

MessageKind = Literal["cs", "transaction", "promotion"]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds


class ZaloClient:
    def __init__(self, http: httpx.AsyncClient, api_base: str, oauth_base: str) -> None:
        self._http = http
        self._api = api_base.rstrip("/")
        self._oauth = oauth_base.rstrip("/")


    async def aclose(self) -> None:
        await self._http.aclose()

    async def send_message(self, access_token: str, kind: MessageKind, user_id: str,
                           message: dict[str, Any]) -> str:
        """POST /v3.0/oa/message/{kind}; returns Zalo's message id."""
        response = await self._http.post(
            f"{self._api}/v3.0/oa/message/{kind}", headers={"access_token": access_token},
            json={"recipient": {"user_id": user_id}, "message": message})
        data = _body(response)
        return str((data.get("data") or {}).get("message_id") or "")

    async def upload_image(self, access_token: str, data: bytes, filename: str,
                           content_type: str) -> str:
        """POST /v2.0/oa/upload/image (multipart ``file``); returns the ``attachment_id``."""
        response = await self._http.post(
            f"{self._api}/v2.0/oa/upload/image", headers={"access_token": access_token},
            files={"file": (filename, data, content_type)})
        attachment_id = (_body(response).get("data") or {}).get("attachment_id")
        if not attachment_id:
            raise ZaloApiError(-1, "upload answered without attachment_id", response.status_code)
        return str(attachment_id)

    async def refresh(self, app_id: str, secret_key: str, refresh_token: str) -> TokenPair:
        """OAuth v4: spend ``refresh_token`` (single-use) for a new access/refresh pair."""
        response = await self._http.post(
            f"{self._oauth}/v4/oa/access_token", headers={"secret_key": secret_key},
            data={"grant_type": "refresh_token", "app_id": app_id, "refresh_token": refresh_token})
        if response.status_code >= 500:
            raise ZaloApiError(response.status_code, "OAuth server error", response.status_code)
        data = _json(response)
        if not data.get("access_token") or not data.get("refresh_token"):
            code = _int(data.get("error"), -1)
            raise ZaloAuthError(code, str(data.get("error_reason") or data.get("error_description")
                                          or data.get("error_name") or "no token in answer"))
        return TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                         _int(data.get("expires_in"), 3600))

    async def download(self, url: str, max_bytes: int) -> bytes:
        """GET a file (following redirects); stops reading past ``max_bytes``."""
        async with self._http.stream("GET", url, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise ZaloApiError(response.status_code, f"download failed: HTTP {response.status_code}",
                                   response.status_code)
            declared = _int(response.headers.get("content-length"), 0)
            if declared > max_bytes:
                raise FileTooLarge(declared, max_bytes)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(size, max_bytes)
                chunks.append(chunk)
        return b"".join(chunks)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise ZaloApiError(response.status_code, "answer is not JSON", response.status_code) from exc
    if not isinstance(data, dict):
        raise ZaloApiError(response.status_code, "answer is not a JSON object", response.status_code)
    return data


def _body(response: httpx.Response) -> dict[str, Any]:
    """OpenAPI answers ``{"error": 0, "message": ..., "data": ...}``; HTTP errors are mapped too."""
    if response.status_code >= 500 or response.status_code == 429:
        raise ZaloApiError(response.status_code, f"HTTP {response.status_code}", response.status_code)
    data = _json(response)
    code = _int(data.get("error"), 0)
    if code != 0 or response.status_code >= 400:
        raise ZaloApiError(code or response.status_code, str(data.get("message") or ""),
                           response.status_code)
    return data


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
