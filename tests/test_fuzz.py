"""Hostile input (issue #8, part 5): the public OpenAPI fuzzed with Schemathesis, and targeted garbage
for what the schema does not describe (payment callbacks, platform webhooks, the REST chat).

One gateway serves the whole module over real HTTP (so a hang is a client time-out, not a stuck
test). Rasa is not running: its URL is a closed port and the timeout 1 s, so chat answers with the
outage reply. Every provider and channel is configured, so each parser is reached; the secrets are
known here, so some garbage is also correctly signed and reaches the code behind the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import select

from bot.app import create_app
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.payments.models import PaymentCallback
from channels.zalo.signature import compute_signature
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.servers import serve_in_thread

REQUEST_TIMEOUT = 10.0          # seconds; a request slower than this counts as a hang
MAX_EXAMPLES = 50               # per operation and generation phase: the whole file stays well under 2 min
SEED = 20261129
SANDBOX_SECRET, VNPAY_SECRET, MOMO_SECRET, ZALOPAY_KEY2 = "fz-sandbox", "fz-vnpay", "fz-momo", "fz-zalopay-2"
TELEGRAM_SECRET, ZALO_APP_ID, ZALO_OA_SECRET = "fz-telegram", "fz-zalo-app", "fz-zalo-oa"


@dataclass
class Gateway:
    url: str
    app: FastAPI
    database_url: str

    def outcomes(self) -> list[str]:
        """Every payment callback's outcome, as kept raw for audit."""
        sessions = make_sessionmaker(make_engine(self.database_url))
        with sessions() as session:
            return list(session.scalars(select(PaymentCallback.outcome).order_by(PaymentCallback.id)))


@pytest.fixture(scope="module")
def gateway(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    work = tmp_path_factory.mktemp("fuzz")
    port, closed = free_port(), f"http://127.0.0.1:{free_port()}"   # nothing listens on ``closed``
    database_url = f"sqlite:///{work / 'fuzz.db'}"
    config = Settings(
        database_url=database_url, rasa_url=closed, rasa_timeout_seconds=1, attachments_dir=work / "files",
        public_url=f"http://127.0.0.1:{port}", payment_timeout_seconds=1, payment_reconcile_seconds=3600,
        payment_sandbox=True, payment_sandbox_secret=SANDBOX_SECRET,   # next to real providers: explicitly
        vnpay_tmn_code="FUZZTMN1", vnpay_hash_secret=VNPAY_SECRET, vnpay_pay_url=closed, vnpay_api_url=closed,
        momo_partner_code="MOMOFUZZ", momo_access_key="fz-access", momo_secret_key=MOMO_SECRET,
        momo_endpoint=closed, zalopay_app_id="2553", zalopay_key1="fz-zalopay-1", zalopay_key2=ZALOPAY_KEY2,
        zalopay_endpoint=closed, telegram_bot_token="123456:fuzz", telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base=closed, zalo_app_id=ZALO_APP_ID, zalo_app_secret="fz-zalo-secret",
        zalo_oa_secret_key=ZALO_OA_SECRET, zalo_access_token="fz-access", zalo_refresh_token="fz-refresh",
        zalo_api_base=closed, zalo_oauth_base=closed)
    app = create_app(config, kb=kb)
    with serve_in_thread(app, port, "the gateway") as url:
        yield Gateway(url, app, database_url)


# ---- the OpenAPI schema, fuzzed ------------------------------------------------------------------
# The schema is read from an app that is never started (routes do not depend on settings), so each
# operation is a test of its own; the lazy ``from_fixture`` loader does not run under pytest 9.
schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          phases=[Phase.explicit, Phase.generate],   # no shrinking: a failure is reported as found, in bounded time
          suppress_health_check=list(HealthCheck))
def test_every_operation_survives_generated_input(case: schemathesis.Case, gateway: Gateway) -> None:
    """Valid and invalid input alike: never a 5xx, never a hang, declared response schemas kept."""
    checks = [response_schema_conformance, content_type_conformance]
    if case.operation.path != "/ready":   # 503 is /ready's documented answer while Rasa is down
        checks.append(not_a_server_error)
    response = case.call_and_validate(base_url=gateway.url, timeout=REQUEST_TIMEOUT, checks=checks)
    if case.operation.path == "/ready" and case.method == "GET":
        assert response.status_code == 503 and response.json()["rasa"] is False


# ---- payment callbacks -----------------------------------------------------------------------------
rng = random.Random(SEED)
RANDOM_BODIES = [rng.randbytes(n) for n in (1, 7, 64, 1024, 60_000)]
DEEP = b"[" * 50_000                            # json.loads recurses: RecursionError, not ValueError
HUGE = json.dumps({"k": "v" * 70_000}).encode()  # over the 64 KB body limit
WRONG_TYPES: list[Any] = [
    None, 1, 1.5, "text", [], [1, 2], {}, {"orderId": [1], "amount": {"a": 1}, "signature": 7},
    {"order_id": None, "amount_vnd": "1" * 5000, "status": ["paid"], "paid_at": 12},
    {"order_id": "TT1", "amount_vnd": 1e308 * 10, "status": "paid"},           # inf is not an int
    {"data": 5, "mac": None}, {"data": "{\"app_trans_id\": 1}", "mac": "\ud800"},
    {"signature": "\ud800", "partnerCode": "\ud800"},                              # lone surrogates
]


def wrong_type_bodies() -> list[bytes]:
    bodies = [json.dumps(v).encode() for v in WRONG_TYPES]   # json.dumps writes inf as "Infinity"
    return [*bodies, b"\xef\xbb\xbf{}", b"{\"a\": 1e99999}", b"{\"a\": " + b"9" * 5000 + b"}", b"\x00" * 32,
            b"{\"a\": \"\\u0000\\u001f\\ud800\"}", b"{" * 30, DEEP, DEEP[:990], HUGE]


HOSTILE_BODIES = [*RANDOM_BODIES, *wrong_type_bodies()]
BODY_IDS = [f"random-{len(b)}" for b in RANDOM_BODIES] + [f"shape-{i}" for i in range(len(wrong_type_bodies()))]


def refused(provider: str, response: httpx.Response) -> bool:
    """Each provider's protocol for "not accepted": MoMo and the sandbox use 4xx, VNPay and ZaloPay
    a 200 whose code says no (an HTTP error would only make them retry blindly)."""
    if response.status_code >= 500:
        return False
    if response.status_code == 429:   # refused callbacks from one address over their rate limit (#15 item 4)
        return True
    if provider == "vnpay":
        return response.status_code == 200 and response.json()["RspCode"] != "00"
    if provider == "zalopay":
        return response.status_code in (200, 413) and (response.status_code == 413
                                                       or response.json()["return_code"] not in (0, 1, 2))
    if provider == "momo" and response.status_code == 204:   # MoMo's "dealt with" (here: no such order)
        return True
    return 400 <= response.status_code < 500


@pytest.fixture
def no_error_outcome(gateway: Gateway) -> Iterator[None]:
    """``error`` means "our fault, retry": no callback of the test may end there."""
    before = len(gateway.outcomes())
    yield
    assert "error" not in gateway.outcomes()[before:]


GARBAGE_QUERIES = [
    "", "&&&==&=", "vnp_SecureHash=", "vnp_SecureHash=%ff%fe%00", "%ff%fe=%00%0d%0a",
    "vnp_TxnRef=TT1&vnp_TxnRef=TT2&vnp_Amount=100&vnp_SecureHash=ab",
    "vnp_Amount=" + "9" * 5000 + "&vnp_SecureHash=" + "a" * 128, "vnp_SecureHash=%E1%BB%87" * 50,
    "x=" + "y" * 8000, "vnp_TxnRef[]=1&vnp_Amount[0]=2", "vnp_SecureHashType=HMACSHA512",
    "&".join(f"vnp_{i}={rng.randbytes(8).hex()}" for i in range(300)),
]


def vnpay_signed(fields: dict[str, str]) -> str:
    """A query VNPay would send, signed with the test secret: sorted, quote_plus-encoded, HMAC-SHA512."""
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(fields.items()))
    return f"{text}&vnp_SecureHash={hmac.new(VNPAY_SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()}"


SIGNED_VNPAY = [
    {"vnp_TxnRef": "TT1", "vnp_Amount": "9" * 5000},
    {"vnp_TxnRef": "TT1", "vnp_Amount": "١٠٠٠٠"},                 # Arabic-Indic digits: int() would take them
    {"vnp_TxnRef": "TT1", "vnp_Amount": "-100"},
    {"vnp_TxnRef": "TT1", "vnp_Amount": "10000", "vnp_PayDate": "99999999999999"},
    {"vnp_TxnRef": "\x00\x1f" * 100, "vnp_Amount": "10000", "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00"},
    {"vnp_TxnRef": "", "vnp_Amount": ""},
]


@pytest.mark.parametrize("query", GARBAGE_QUERIES + [vnpay_signed(f) for f in SIGNED_VNPAY])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.usefixtures("no_error_outcome")
def test_vnpay_ipn_refuses_garbage_query_strings(gateway: Gateway, query: str, method: str) -> None:
    response = httpx.request(method, f"{gateway.url}/payments/vnpay/ipn?{query}", timeout=REQUEST_TIMEOUT)
    assert refused("vnpay", response), response.text


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=BODY_IDS)
@pytest.mark.parametrize(("provider", "path"), [("momo", "/payments/momo/ipn"),
                                                ("zalopay", "/payments/zalopay/callback"),
                                                ("sandbox", "/payments/sandbox/callback")])
@pytest.mark.usefixtures("no_error_outcome")
def test_json_callbacks_refuse_garbage_bodies(gateway: Gateway, provider: str, path: str, body: bytes) -> None:
    for content_type in ("application/json", "text/plain", "multipart/form-data; boundary=x"):
        response = httpx.post(f"{gateway.url}{path}", content=body, timeout=REQUEST_TIMEOUT,
                              headers={"Content-Type": content_type})
        assert refused(provider, response), (content_type, response.status_code, response.text)


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=BODY_IDS)
@pytest.mark.usefixtures("no_error_outcome")
def test_signed_garbage_reaches_the_sandbox_parser_and_is_refused(gateway: Gateway, body: bytes) -> None:
    signature = hmac.new(SANDBOX_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = httpx.post(f"{gateway.url}/payments/sandbox/callback", content=body, timeout=REQUEST_TIMEOUT,
                          headers={"Content-Type": "application/json", "X-Sandbox-Signature": signature})
    assert refused("sandbox", response), response.text


ZALOPAY_DATA = ["", "null", "[]", "\"x\"", "{}", "[" * 5000, json.dumps({"app_id": "\ud800"}),
                json.dumps({"app_id": 2553, "app_trans_id": 7, "amount": 1, "zp_trans_id": 1, "server_time": 1}),
                json.dumps({"app_id": 2553, "app_trans_id": "261129_TT1", "amount": "1" * 5000, "zp_trans_id": 1,
                            "server_time": 1}),
                json.dumps({"app_id": 2553, "app_trans_id": "261129_TT1", "amount": 1, "zp_trans_id": 1,
                            "server_time": 10**30})]


@pytest.mark.parametrize("data", ZALOPAY_DATA)
@pytest.mark.usefixtures("no_error_outcome")
def test_signed_garbage_reaches_the_zalopay_parser_and_is_refused(gateway: Gateway, data: str) -> None:
    mac = hmac.new(ZALOPAY_KEY2.encode(), data.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    body = json.dumps({"data": data, "mac": mac, "type": 1}).encode()
    response = httpx.post(f"{gateway.url}/payments/zalopay/callback", content=body, timeout=REQUEST_TIMEOUT)
    assert refused("zalopay", response), response.text


MOMO_RESULT = {"partnerCode": "MOMOFUZZ", "orderId": "TT1", "requestId": "r1", "amount": 10000, "orderInfo": "",
               "orderType": "momo_wallet", "transId": 1, "resultCode": 0, "message": "", "payType": "",
               "responseTime": 1, "extraData": ""}
MOMO_GARBAGE: list[dict[str, Any]] = [
    {"responseTime": 10**30}, {"responseTime": -(10**18)}, {"amount": "1" * 5000}, {"orderId": ""},
    {"resultCode": "zero"}, {"transId": None}, {"partnerCode": "another"}, {"extraData": "\ud800"},
]


@pytest.mark.parametrize("change", MOMO_GARBAGE)
@pytest.mark.usefixtures("no_error_outcome")
def test_signed_garbage_reaches_the_momo_parser_and_is_refused(gateway: Gateway, change: dict[str, Any]) -> None:
    values = {**MOMO_RESULT, **change}
    # MoMo's signed text is the fields sorted by name as key=value; signed with the test secret key
    text = "&".join(f"{k}={'fz-access' if k == 'accessKey' else values.get(k)}"
                    for k in sorted([*values, "accessKey"]) if k != "signature")
    values["signature"] = hmac.new(MOMO_SECRET.encode(), text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    for body in (values, {**values, "signature": "\ud800"}):
        response = httpx.post(f"{gateway.url}/payments/momo/ipn", content=json.dumps(body).encode(),
                              timeout=REQUEST_TIMEOUT)
        assert refused("momo", response), response.text


def test_hostile_callbacks_left_no_order_paid(gateway: Gateway) -> None:
    assert not {"confirmed", "failure_recorded", "already_confirmed", "error"} & set(gateway.outcomes())


# ---- platform webhooks -----------------------------------------------------------------------------
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=BODY_IDS)
def test_zalo_webhook_answers_garbage_with_a_4xx(gateway: Gateway, body: bytes) -> None:
    unsigned = httpx.post(f"{gateway.url}/webhooks/zalo", content=body, timeout=REQUEST_TIMEOUT,
                          headers={"X-ZEvent-Signature": "mac=" + "0" * 64, "timestamp": "1"})
    assert 400 <= unsigned.status_code < 500, unsigned.text
    # correctly signed garbage reaches the event parser
    signature = compute_signature(ZALO_APP_ID, body, "1", ZALO_OA_SECRET)
    signed = httpx.post(f"{gateway.url}/webhooks/zalo", content=body, timeout=REQUEST_TIMEOUT,
                        headers={"X-ZEvent-Signature": f"mac={signature}", "timestamp": "1"})
    assert signed.status_code < 500, signed.text
    assert signed.status_code == 413 or signed.status_code >= 400 or signed.json() == {"status": "ignored"}


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=BODY_IDS)
def test_telegram_webhook_answers_garbage_with_a_4xx(gateway: Gateway, body: bytes) -> None:
    for secret in ("wrong", TELEGRAM_SECRET):   # the right secret reaches the update parser
        response = httpx.post(f"{gateway.url}/webhooks/telegram", content=body, timeout=REQUEST_TIMEOUT,
                              headers={"X-Telegram-Bot-Api-Secret-Token": secret,
                                       "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (secret, response.text)


# ---- the REST chat ---------------------------------------------------------------------------------
def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "\x00\x07\x1b[31m\u202e"}
    for _ in range(depth):
        value = {"n": value, "l": [value]} if depth < 20 else {"n": value}
    return value


CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\u2028\u2029\ufeff\ud7ff"


@pytest.mark.parametrize("payload", [
    {"sender": "fz-nested-10", "message": "xin chào", "metadata": nested(10)},
    {"sender": "fz-nested-400", "message": "xin chào", "metadata": nested(400)},
    {"sender": "fz-control", "message": CONTROL * 20, "metadata": {"k\x00": CONTROL}},
    {"sender": CONTROL[1:], "message": CONTROL, "message_id": CONTROL},
    {"sender": "fz-types", "message": ["a"], "metadata": []},
    {"sender": {"id": 1}, "message": None},
], ids=["nested-10", "nested-400", "control-message", "control-sender", "wrong-types", "object-sender"])
def test_rest_chat_survives_hostile_json(gateway: Gateway, payload: dict[str, Any]) -> None:
    response = httpx.post(f"{gateway.url}/webhooks/rest/webhook", json=payload, timeout=REQUEST_TIMEOUT)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:   # Rasa is down: the outage reply, not an error
        assert isinstance(response.json(), list) and response.json()


@pytest.mark.parametrize("raw", [DEEP[:60_000], b"{\"sender\": \"a\", \"metadata\": " + b"{\"a\":" * 5000 + b"1"
                                 + b"}" * 5001, b"\xff\xfe\x00", b"{\"sender\": \"\\ud800\"}", b"null"])
def test_rest_chat_refuses_unreadable_bodies_with_a_4xx(gateway: Gateway, raw: bytes) -> None:
    response = httpx.post(f"{gateway.url}/webhooks/rest/webhook", content=raw, timeout=REQUEST_TIMEOUT,
                          headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("path", ["/files/1/ậ", "/files/99999999999999999999/abc",
                                  "/payments/return/ORD1?sig=ñ&order_id=ORD1&amount_vnd=1&status=paid",
                                  "/payments/return/ORD1?sig=%F0%9F%98%80"])
def test_non_ascii_tokens_are_refused_not_a_crash(gateway: Gateway, path: str) -> None:
    """``hmac.compare_digest`` raises on a non-ASCII str: every token comparison must refuse instead."""
    response = httpx.get(f"{gateway.url}{path}", timeout=REQUEST_TIMEOUT)
    assert response.status_code < 500, response.text

