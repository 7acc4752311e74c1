"""The gateway with its Zalo OA channel pointed at the stand-in of Zalo's APIs
(``tests/standins/zalo_server.py``): its settings, the gateway in process, signed webhook events,
and what the stand-in was asked to send."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.conversation.inbound import InboundPipeline
from bot.core.config import Settings
from bot.core.services import services_of
from channels.zalo.channel import ZaloChannel
from channels.zalo.signature import compute_signature
from knowledge_base.service import KnowledgeBase
from tests.standins.zalo_server import ZaloStandIn
from tests.support.databases import migrated_sqlite_url
from tests.support.network import free_port

OA_SECRET = "oa-secret"


def zalo_settings(tmp_path: Path, standin: ZaloStandIn, rasa_url: str | None = None) -> Settings:
    return Settings(database_url=migrated_sqlite_url(tmp_path / "gw.db"),
                    rasa_url=rasa_url or f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2,
                    attachments_dir=tmp_path / "files", zalo_app_id=standin.app_id,
                    zalo_app_secret=standin.secret_key, zalo_oa_secret_key=OA_SECRET,
                    zalo_access_token="access-1", zalo_refresh_token="refresh-1",
                    zalo_api_base=standin.url, zalo_oauth_base=standin.url)


@dataclass
class Gateway:
    client: TestClient
    standin: ZaloStandIn
    settings: Settings

    def post(self, event: dict[str, Any], signature: str | None = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Any:
        body = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
        if signature is None:
            signature = compute_signature(self.settings.zalo_app_id, body, str(event.get("timestamp", "")),
                                          OA_SECRET)
        return self.client.post("/webhooks/zalo", content=body,
                                headers={"X-ZEvent-Signature": signature, "content-type": "application/json",
                                         **(headers or {})})

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run in the gateway's event loop (background tasks live there)."""
        return self.client.portal.call(func, *args)

    def drain(self) -> None:
        self.call(services_of(self.client.app).get(InboundPipeline).drain)

    def db(self) -> Any:
        return services_of(self.client.app).get(sessionmaker)()


@contextmanager
def open_gateway(kb: KnowledgeBase, settings: Settings, standin: ZaloStandIn) -> Iterator[Gateway]:
    with TestClient(create_app(settings, kb=kb)) as client:
        assert services_of(client.app).find(ZaloChannel) is not None
        yield Gateway(client, standin, settings)


_ids = iter(range(1, 1_000_000))


def now_ms() -> str:
    """A fresh event time, unique per call (the gateway refuses stale events)."""
    return str(int(time.time() * 1000) + next(_ids))


def text_event(user: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
    return {"app_id": "app-1", "event_name": "user_send_text", "timestamp": now_ms(),
            "sender": {"id": user}, "recipient": {"id": "oa-1"},
            "message": {"msg_id": msg_id or f"m-{next(_ids)}", "text": text}}


def sent_to(standin: ZaloStandIn, user: str) -> list[dict[str, Any]]:
    return [s for s in standin.sent if s["recipient"]["user_id"] == user]
