"""Talks to the Rasa engine over HTTP (its REST channel and HTTP API)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    """Thin async client; one ``httpx.AsyncClient`` per gateway process."""

    def __init__(self, base_url: str, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None, token: str = "") -> None:
        self._base = base_url.rstrip("/")
        self._http = client or httpx.AsyncClient(timeout=timeout)
        # Rasa's HTTP API (status, tracker events) takes its --auth-token as the "token" parameter.
        self._api_params = {"token": token} if token else {}

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None,
                   ) -> list[dict[str, Any]]:
        """Send one message through the REST channel; returns Rasa's list of bot messages."""
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self._http.post(f"{self._base}/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa không phản hồi: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa trả về HTTP {response.status_code}")
        data = response.json()
        if not isinstance(data, list):
            raise RasaUnavailable("Rasa trả về dữ liệu không đúng dạng")
        return [m for m in data if isinstance(m, dict)]

    async def ready(self) -> bool:
        """True when Rasa is up and has a model loaded."""
        try:
            response = await self._http.get(f"{self._base}/status", params=self._api_params, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only (``/model/parse``): intent and entities, no tracker, no action."""
        return await self._api("POST", "/model/parse", {"text": text})

    async def predict(self, sender_id: str, text: str) -> dict[str, Any]:
        """Add ``text`` to a tracker and ask the policies for the next action, without running it."""
        path = f"/conversations/{quote(sender_id, safe=':')}"
        await self._api("POST", f"{path}/messages", {"text": text, "sender": "user"})
        return await self._api("POST", f"{path}/predict", None)

    async def _api(self, method: str, path: str, body: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, f"{self._base}{path}", json=body, params=self._api_params)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa không phản hồi: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa trả về HTTP {response.status_code}")
        data = response.json()
        return data if isinstance(data, dict) else {}

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Append tracker events (used to pause and resume a conversation)."""
        try:
            response = await self._http.post(
                f"{self._base}/conversations/{quote(sender_id, safe=':')}/tracker/events", json=events,
                params=self._api_params)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa không phản hồi: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa trả về HTTP {response.status_code}")

    async def aclose(self) -> None:
        await self._http.aclose()
