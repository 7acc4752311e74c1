"""bot.ops: metrics, JSON logs with masking, request ids, rate limits, body-size limits."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker
from starlette.websockets import WebSocketDisconnect

from bot.app import create_app
from bot.conversation.models import Conversation, OutboxItem
from bot.core.config import Settings
from bot.core.privacy import mask
from bot.core.services import services_of
from bot.handoff.models import Handoff
from bot.insights.gauges import QueueGauges
from bot.ops.body_limit import BodyLimitMiddleware
from bot.ops.install import install_ops
from bot.ops.limits import TOO_FAST, TokenBucketLimiter, install_rate_limits
from bot.ops.logging import JsonFormatter, RequestIdFilter, configure_logging
from bot.ops.metrics import METRICS, GatewayMetrics, install_metrics
from bot.ops.request_id import HEADER, install_request_id, new_request_id
from bot.payments.models import PaymentOrder
from knowledge_base.service import KnowledgeBase
from tests.support.databases import migrated_sqlite_url
from tests.support.limits import FakeClock, chat_app
from tests.support.network import free_port
from tests.support.waiting import run_async

CCCD, PHONE = "001203004567", "0912345678"


def ops_settings(**overrides: Any) -> SimpleNamespace:
    """The defaults of bot.core.config.Settings (limits on), without reading the environment."""
    base = {name: field.default for name, field in Settings.model_fields.items()}
    return SimpleNamespace(**{**base, "rate_limits_enabled": True, **overrides})


# ---- the real gateway, with everything installed --------------------------------------------------
@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path) -> Iterator[tuple[TestClient, GatewayMetrics]]:
    settings = Settings(database_url=migrated_sqlite_url(tmp_path / "gw.db"),
                               rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2,
                               attachments_dir=tmp_path / "files", internal_token="ops-internal")
    app = create_app(settings, kb=kb)   # installs the ops layer with the process-wide METRICS
    with TestClient(app) as client:
        yield client, METRICS


def samples(text: str, name: str) -> dict[str, float]:
    """``{'{labels}': value}`` of one metric in the text format."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, _, value = line[len(name):].rpartition(" ")
            found[labels] = float(value)
    return found


def test_http_metrics_use_route_templates_not_raw_paths(gateway) -> None:
    client, _ = gateway   # the counters are process-wide (other tests count too): compare before and after
    keys = ('{method="POST",route="/webhooks/rest/webhook",status="200"}',
            '{method="GET",route="/api/payments/{order_id}",status="404"}',
            '{method="GET",route="<unmatched>",status="404"}')
    durations = '{method="POST",route="/webhooks/rest/webhook"}'

    def counts() -> list[float]:
        text = client.get("/metrics").text
        requests = samples(text, "gateway_http_requests_total")
        return [requests.get(k, 0) for k in keys] + [
            samples(text, "gateway_http_request_duration_seconds_count").get(durations, 0)]

    before = counts()
    assert client.post("/webhooks/rest/webhook", json={"sender": "u-4711", "message": ""}).status_code == 200
    assert client.get("/api/payments/ORDER98765").status_code == 404
    client.get(f"/no/such/page/{CCCD}")
    client.get("/static/chat.js")
    assert [a - b for a, b in zip(counts(), before, strict=True)] == [1, 1, 1, 1]
    text = client.get("/metrics").text
    assert any('route="/static/{path}"' in labels for labels in samples(text, "gateway_http_requests_total"))
    assert 'gateway_http_request_duration_seconds_bucket{le="0.005",method="POST"' in text
    for raw in ("ORDER98765", CCCD, "u-4711", "chat.js"):
        assert raw not in text


def test_gauges_reflect_database_rows(gateway) -> None:
    client, _ = gateway
    text = client.get("/metrics").text
    assert samples(text, "gateway_database_up") == {"": 1}
    assert samples(text, "gateway_outbox_pending") == {"": 0}
    assert samples(text, "gateway_handoffs")['{status="waiting",team="volunteer"}'] == 0
    now = dt.datetime.now(dt.UTC)
    with services_of(client.app).get(sessionmaker)() as session, session.begin():
        conversation = Conversation(channel="zalo", sender_id="z1")  # no Zalo channel: stays queued
        session.add(conversation)
        session.flush()
        session.add_all([
            OutboxItem(conversation_id=conversation.id, channel="zalo", recipient_id="z1", payload={"text": "a"}),
            OutboxItem(conversation_id=conversation.id, channel="zalo", recipient_id="z1", payload={"text": "b"},
                       status="sent"),
            Handoff(conversation_id=conversation.id, status="waiting", team="volunteer", reason="asked"),
            Handoff(conversation_id=conversation.id, status="waiting", team="volunteer", reason="asked"),
            Handoff(conversation_id=conversation.id, status="active", team="hotline", reason="asked"),
            Handoff(conversation_id=conversation.id, status="closed", team="hotline", reason="asked"),
            PaymentOrder(id="P1", dossier_code="D1", provider="sandbox", amount_vnd=1, description="x",
                         expires_at=now),
            PaymentOrder(id="P2", dossier_code="D1", provider="sandbox", amount_vnd=1, description="x",
                         expires_at=now, status="paid")])
    text = client.get("/metrics").text
    assert samples(text, "gateway_outbox_pending") == {"": 1}
    handoffs = samples(text, "gateway_handoffs")
    assert handoffs['{status="waiting",team="volunteer"}'] == 2
    assert handoffs['{status="active",team="hotline"}'] == 1
    assert handoffs['{status="active",team="volunteer"}'] == 0
    assert samples(text, "gateway_payment_orders_pending") == {'{provider="sandbox"}': 1}


def test_service_counters(gateway) -> None:
    client, metrics = gateway   # process-wide counters: compare before and after
    keys = {"handoffs": ('{reason="asked",team="volunteer"}', '{reason="no_answer",team="none"}'),
            "payments": ('{outcome="confirmed",provider="vnpay",source="callback"}',
                         '{outcome="bad_signature",provider="vnpay",source="callback"}')}

    def now() -> list[float]:
        text = client.get("/metrics").text
        handoffs = samples(text, "gateway_handoffs_requested_total")
        payments = samples(text, "gateway_payment_outcomes_total")
        return [handoffs.get(k, 0) for k in keys["handoffs"]] + [payments.get(k, 0) for k in keys["payments"]]

    before = now()
    metrics.handoff_requested("volunteer", "asked")
    metrics.handoff_requested("", "no_answer")
    metrics.payment_outcome("vnpay", "confirmed")
    metrics.payment_outcome("vnpay", "bad_signature")
    assert [a - b for a, b in zip(now(), before, strict=True)] == [1, 1, 1, 1]


def test_gateway_websocket_still_reaches_the_console(gateway) -> None:
    client, _ = gateway
    # Not logged in: the console's own check closes with 4401 (the middlewares let it through).
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
            "/staff/console/ws", headers={"origin": "http://testserver"}) as socket:
        socket.receive_json()
    assert closed.value.code == 4401


def test_metrics_token() -> None:
    app = FastAPI()
    install_metrics(app, token="s3cret", metrics=GatewayMetrics(process_metrics=False),
                    collectors=[QueueGauges(services_of(app))])
    client = TestClient(app)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert samples(scraped.text, "gateway_database_up") == {"": 0}  # no lifespan state: no gauges


# ---- logs and request ids ------------------------------------------------------------------------
@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("test.ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_mask_personal_data(json_log: io.StringIO) -> None:
    logger = logging.getLogger("test.ops")
    logger.info("căn cước %s, điện thoại %s", CCCD, PHONE,
                extra={"citizen": f"mail a.b@example.vn {PHONE}", "items": [CCCD], "attempt": 2})
    try:
        raise ValueError(f"bad id {CCCD}")
    except ValueError:
        logger.exception("failed for %s", PHONE)
    raw = json_log.getvalue()
    assert CCCD not in raw and PHONE not in raw and "a.b@example.vn" not in raw
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", raw)
    first, second = lines(json_log)
    assert set(first) >= {"time", "level", "logger", "message"} and "request_id" not in first
    assert first["level"] == "INFO" and first["logger"] == "test.ops"
    assert first["message"] == "căn cước 001******567, điện thoại 091*****678"
    assert first["attempt"] == 2 and first["items"] == ["001******567"] and "091*****678" in first["citizen"]
    assert second["level"] == "ERROR" and "ValueError: bad id 001******567" in second["exception"]


def request_id_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello(request: Request) -> dict[str, str]:
        logging.getLogger("test.ops").info("hello %s", PHONE)
        return {"id": request.state.request_id}

    install_request_id(app)
    return app


def test_request_id_round_trip_and_in_log_lines(json_log: io.StringIO) -> None:
    client = TestClient(request_id_app())
    kept = client.get("/hello", headers={HEADER: "edge-7f3a9c21"})
    assert kept.headers[HEADER] == "edge-7f3a9c21" and kept.json() == {"id": "edge-7f3a9c21"}
    for insane in ("short", "x" * 200, "id with spaces 123", "<script>12345"):
        made = client.get("/hello", headers={HEADER: insane}).headers[HEADER]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
    fresh = client.get("/hello").headers[HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    logged = [line for line in lines(json_log) if line["message"].startswith("hello")]
    assert logged[0]["request_id"] == "edge-7f3a9c21"
    assert logged[-1]["request_id"] == fresh and PHONE not in json.dumps(logged)


def test_request_ids_reach_the_log_unmasked_and_never_carry_a_phone(json_log: io.StringIO) -> None:
    """Logs mask phone-like digit runs: an id containing one would be logged altered (and a
    client's may be personal data), so such ids are never used."""
    assert all(mask(made) == made for made in (new_request_id() for _ in range(2000)))
    client = TestClient(request_id_app())
    replaced = client.get("/hello", headers={HEADER: "call-0912345678-please"}).headers[HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    logged = [line for line in lines(json_log) if line["message"].startswith("hello")]
    assert logged[-1]["request_id"] == replaced and "0912345678" not in json.dumps(logged)


def test_access_log_has_route_template_and_request_id(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(request_id_app())
    with caplog.at_level(logging.INFO, logger="bot.access"):
        rid = client.get("/hello?token=abc").headers[HEADER]
    [record] = [r for r in caplog.records if r.name == "bot.access"]
    assert record.getMessage() == "GET /hello 200" and record.status == 200 and record.request_id == rid


def test_configure_logging_is_idempotent_and_keeps_other_handlers() -> None:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    access = logging.getLogger("uvicorn.access")
    try:
        access.addHandler(logging.StreamHandler())  # as uvicorn's own logging config leaves it
        configure_logging(json_logs=True, level="warning")
        ours = configure_logging(json_logs=True, level="warning")
        assert root.level == logging.WARNING
        assert [h for h in root.handlers if h not in before] == [ours]
        assert all(h in root.handlers for h in before if type(h) is not logging.StreamHandler)
        assert isinstance(ours.formatter, JsonFormatter)
        assert access.propagate and not access.handlers
    finally:
        access.handlers.clear()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
        root.setLevel(level)


# ---- rate limits -----------------------------------------------------------------------------------
def test_ip_limit_429_after_the_burst_then_resets() -> None:
    clock = FakeClock()
    client = TestClient(chat_app(clock, ip_burst=3))
    assert [client.get("/api/search").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/search")
    assert refused.status_code == 429
    assert refused.json() == {"error": TOO_FAST} == {"error": "Anh/Chị gửi quá nhanh, vui lòng thử lại sau ít giây."}
    assert refused.headers["Retry-After"] == "1"  # one token a second
    clock.now += 1.0
    assert client.get("/api/search").status_code == 200
    assert client.get("/api/search").status_code == 429
    clock.now += 10  # back to a full burst, not more
    assert [client.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]
    other_ip = TestClient(client.app, client=("203.0.113.9", 5000))
    assert other_ip.get("/api/search").status_code == 200


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics", "/staff/dossiers", "/staff",
                                  "/payments/vnpay/ipn", "/payments/return/ABC", "/webhooks/zalo",
                                  "/webhooks/telegram", "/actions/webhook"])
def test_exempt_paths_are_not_limited(path: str) -> None:
    client = TestClient(chat_app(FakeClock(), ip_burst=1))
    assert all(client.post(path).status_code == 200 for _ in range(5))
    assert client.get("/api/search").status_code == 200
    assert client.get("/staffing").status_code == 429  # a prefix is a path segment, not a string prefix


def test_exempt_prefixes_are_a_parameter() -> None:
    app = FastAPI()

    @app.get("/{path:path}")
    async def anything(path: str) -> str:
        return path

    limiter = TokenBucketLimiter(60, 1, clock=FakeClock())
    install_rate_limits(app, ip=limiter, sender=limiter, poll=limiter, exempt_prefixes=("/open",))
    client = TestClient(app)
    assert [client.get("/open/x").status_code for _ in range(3)] == [200] * 3
    assert [client.get("/health").status_code for _ in range(2)] == [200, 429]


def test_sender_limit_is_independent_of_ip() -> None:
    app = chat_app(FakeClock(), sender_burst=2)
    first, second = (TestClient(app, client=(ip, 1234)) for ip in ("198.51.100.1", "198.51.100.2"))
    assert first.post("/webhooks/rest/webhook", json={"sender": "s1"}).status_code == 200
    assert second.post("/webhooks/rest/webhook", json={"sender": "s1"}).status_code == 200
    refused = first.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "x"})
    assert refused.status_code == 429 and refused.json() == {"error": TOO_FAST} and refused.headers["Retry-After"]
    # Another sender on the same address is not held back by s1's limit; the body reaches the app whole.
    assert first.post("/webhooks/rest/webhook", json={"sender": "s2"}).json() == [{"recipient_id": "s2"}]
    # Uploads share the sender's bucket (sender read from the streamed multipart form).
    upload = first.post("/api/chat/upload", data={"sender": "s1"}, files={"file": ("a.png", b"x" * 5000)})
    assert upload.status_code == 429
    ok = first.post("/api/chat/upload", data={"sender": "s3"}, files={"file": ("a.png", b"x" * 5000)})
    assert ok.json() == {"sender": "s3", "size": 5000}
    # Polling has its own bucket: s1 may still poll, until its poll burst is used.
    assert [first.get("/api/chat/updates", params={"sender": "s1"}).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("content_type", ["application/x-foo+json", "text/plain", "application/json; charset=utf-8",
                                          ""])
def test_sender_limit_holds_whatever_the_content_type(content_type: str) -> None:
    """FastAPI reads "…+json" and an absent type as JSON: the limit must read them the same way."""
    client = TestClient(chat_app(FakeClock(), sender_burst=2))
    body = b'{"sender": "s1", "message": "x"}'
    codes = [client.post("/webhooks/rest/webhook", content=body, headers={"content-type": content_type}).status_code
             for _ in range(3)]
    assert codes[-1] == 429


def test_deeply_nested_json_is_a_bad_request_not_a_crash(gateway) -> None:
    client, _ = gateway
    response = client.post("/webhooks/rest/webhook", content=b"[" * 30_000,
                           headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    # The per-sender limit reads the body first: it must not crash on it either.
    limited = TestClient(chat_app(FakeClock()))
    assert limited.post("/webhooks/rest/webhook", content=b"[" * 30_000,
                        headers={"content-type": "application/json"}).status_code < 500


# ---- body size -----------------------------------------------------------------------------------------
def chunks(total: int, size: int = 512) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_413_with_and_without_content_length() -> None:
    client = TestClient(chat_app(FakeClock()))
    declared = client.post("/anything", content=b"x" * 2000, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and "quá lớn" in declared.json()["error"]
    # A body that the endpoint never reads is never refused (nor read): only a read one is counted.
    assert client.post("/anything", content=chunks(5000), headers={"content-type": "application/json"}).is_success
    assert client.post("/echo", content=chunks(1000), headers={"content-type": "application/json"}).json() == {
        "size": 1000}
    chunked = client.post("/echo", content=chunks(5000), headers={"content-type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["error"] == declared.json()["error"]
    # Chunked JSON to the chat (read by the sender lookup first) is cut the same way.
    chat = client.post("/webhooks/rest/webhook", content=chunks(5000), headers={"content-type": "application/json"})
    assert chat.status_code == 413
    # Multipart has its own, larger limit.
    upload = client.post("/api/chat/upload", data={"sender": "s9"}, files={"file": ("a.pdf", b"y" * 20_000)})
    assert upload.status_code == 200
    big = client.post("/api/chat/upload", data={"sender": "s9"}, files={"file": ("a.pdf", b"y" * 70_000)})
    assert big.status_code == 413 and "64 KB" in big.json()["error"]


def test_oversize_stream_is_not_read_to_the_end() -> None:
    run_async(_oversize_stream())


async def _oversize_stream() -> None:
    """At the ASGI level: the app never sees a byte past the limit, and reading stops there."""
    read_by_app = 0

    async def app(scope: dict, receive: Any, send: Any) -> None:
        nonlocal read_by_app
        while True:
            message = await receive()
            read_by_app += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    pulled = 0

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"z" * 1000, "more_body": pulled < 1000}  # 1 MB offered

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": [(b"content-type", b"application/json")],
             "query_string": b""}
    await BodyLimitMiddleware(app, json_limit=4000)(scope, receive, send)
    assert pulled == 5 and read_by_app == 4000
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


# ---- WebSockets through every middleware ---------------------------------------------------------------
def test_websocket_unaffected_by_the_middlewares() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            try:
                text = await websocket.receive_text()
            except WebSocketDisconnect:
                return
            await websocket.send_text(text.upper())

    install_ops(app, ops_settings(rate_limit_ip_burst=1, metrics_token="t"),
                metrics=GatewayMetrics(process_metrics=False))
    client = TestClient(app)
    for _ in range(3):  # more connections than the per-IP burst: sockets are not rate limited
        with client.websocket_connect("/ws") as socket:
            socket.send_text("xin chào " + "a" * 100_000)  # bigger than the body limit: not an HTTP body
            assert socket.receive_text() == "XIN CHÀO " + "A" * 100_000
    assert client.get("/health").status_code == 404  # exempt (and absent here)
    assert [client.get("/other").status_code for _ in range(2)] == [404, 429]


def test_rasas_action_calls_are_not_held_to_the_chat_limit(gateway) -> None:
    client, _ = gateway
    # A long conversation's tracker is far over 64 KB; the action endpoint must still read it.
    big = {"next_action": "action_no_such_action", "sender_id": "web:x", "tracker": {"events": [
        {"event": "user", "text": "x" * 1000} for _ in range(200)]}, "domain": {}}
    answered = client.post("/actions/webhook", json=big, params={"token": "ops-internal"})
    assert answered.status_code not in (403, 413), answered.text


def test_databases_and_attachments_are_readable_by_the_service_only(kb: KnowledgeBase, tmp_path: Path) -> None:
    """The SQLite file holds căn cước numbers in clear, attachments hold ID-card scans."""
    database, files = tmp_path / "gw.db", tmp_path / "files"
    database.touch(mode=0o644)
    files.mkdir(mode=0o755)
    database.chmod(0o644)
    files.chmod(0o755)
    settings = Settings(database_url=f"sqlite:///{database}", rasa_url=f"http://127.0.0.1:{free_port()}",
                        attachments_dir=files)
    with TestClient(create_app(settings, kb=kb)):
        pass
    assert database.stat().st_mode & 0o777 == 0o600
    assert files.stat().st_mode & 0o777 == 0o700


def test_rasa_gets_its_token_whatever_the_token_starts_with(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    # Made by token_urlsafe, one token in 64 starts with "-": passed as its own argument, Rasa's
    # command line read it as an option ("expected one argument") and the assistant did not start.
    import argparse
    import subprocess

    from bot import launcher

    started: list[list[str]] = []
    monkeypatch.setenv(launcher.TOKEN_VARIABLE, "-Xq2_token-that-looks-like-an-option")
    monkeypatch.setattr(subprocess, "Popen", lambda command, **_: started.append(command))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:8000/actions/webhook\n")
    launcher.start_rasa(5005, endpoints)
    parser = argparse.ArgumentParser()   # as Rasa declares it: -t/--auth-token takes one value
    parser.add_argument("-t", "--auth-token", type=str)
    parser.add_argument("--enable-api", action="store_true")
    parsed, _ = parser.parse_known_args(started[0][2:])
    assert parsed.auth_token == "-Xq2_token-that-looks-like-an-option"
