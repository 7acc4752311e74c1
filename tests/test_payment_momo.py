"""MoMo v2 (captureWallet) provider against a local MoMo stand-in over HTTP. Expected signatures
come from the ``openssl`` CLI over raw texts written out here from MoMo's published recipes, never
from the code under test."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from bot.payments.providers.base import (
    BadSignature,
    MalformedCallback,
    Outcome,
    PaymentError,
    PaymentRequest,
    QueryState,
)
from bot.payments.providers.momo import MomoProvider
from tests.standins.momo_server import MomoStandIn, running_momo
from tests.support.network import free_port
from tests.support.payments import json_callback, openssl_hmac, with_fresh
from tests.support.waiting import run_async

T = TypeVar("T")
PARTNER, ACCESS, SECRET = "MOMOTEST0001", "momo-access-key", "momo-secret-key"
RETURN_URL = "https://dvc.example.vn/thanh-toan/ket-qua"
NOTIFY_URL = "https://dvc.example.vn/payments/momo/ipn"
CREATED = dt.datetime(2026, 1, 15, 2, 0, tzinfo=dt.UTC)
_order_numbers = itertools.count(1)


def result_text(r: dict[str, Any]) -> str:
    """MoMo's documented raw text for an IPN / redirect signature, written out field by field."""
    return (f"accessKey={ACCESS}&amount={r['amount']}&extraData={r['extraData']}&message={r['message']}"
            f"&orderId={r['orderId']}&orderInfo={r['orderInfo']}&orderType={r['orderType']}"
            f"&partnerCode={r['partnerCode']}&payType={r['payType']}&requestId={r['requestId']}"
            f"&responseTime={r['responseTime']}&resultCode={r['resultCode']}&transId={r['transId']}")


def new_order_id() -> str:
    return f"DVC{next(_order_numbers):011d}"


def payment_request(order_id: str, amount: int = 135000) -> PaymentRequest:
    return PaymentRequest(order_id=order_id, amount_vnd=amount, description="Le phi doi GPLX",
                          created_at=CREATED, expires_at=CREATED + dt.timedelta(minutes=15),
                          client_ip="127.0.0.1", return_url=RETURN_URL, notify_url=NOTIFY_URL)


def with_provider(endpoint: str, use: Callable[[MomoProvider], Awaitable[T]], secret: str = SECRET) -> T:
    return with_fresh(lambda: MomoProvider(PARTNER, ACCESS, secret, endpoint), use)


@pytest.fixture(scope="module")
def momo() -> Iterator[MomoStandIn]:
    with running_momo(free_port()) as standin:
        yield standin


@pytest.fixture
def provider() -> Iterator[MomoProvider]:
    """A provider for the synchronous methods (no HTTP); its client is closed afterwards."""
    made = MomoProvider(PARTNER, ACCESS, SECRET, "http://127.0.0.1:9")
    yield made
    run_async(made.aclose())


def created_order(momo: MomoStandIn, amount: int = 135000) -> str:
    order_id = new_order_id()
    with_provider(momo.url, lambda p: p.create(payment_request(order_id, amount)))
    return order_id


# --- create ---------------------------------------------------------------------------------------

def test_create_posts_the_documented_body_and_signature(momo: MomoStandIn) -> None:
    order_id = new_order_id()
    created = with_provider(momo.url, lambda p: p.create(payment_request(order_id)))
    path, body = momo.requests[-1]
    assert path == "/v2/gateway/api/create"
    request_id = body["requestId"]
    assert request_id.startswith(order_id) and len(request_id) <= 50
    raw = (f"accessKey=momo-access-key&amount=135000&extraData=&ipnUrl=https://dvc.example.vn/payments/momo/ipn"
           f"&orderId={order_id}&orderInfo=Le phi doi GPLX&partnerCode=MOMOTEST0001"
           f"&redirectUrl=https://dvc.example.vn/thanh-toan/ket-qua&requestId={request_id}"
           f"&requestType=captureWallet")
    assert body == {"partnerCode": "MOMOTEST0001", "requestId": request_id, "amount": 135000, "orderId": order_id,
                    "orderInfo": "Le phi doi GPLX", "redirectUrl": RETURN_URL, "ipnUrl": NOTIFY_URL,
                    "requestType": "captureWallet", "extraData": "", "lang": "vi",
                    "signature": openssl_hmac(SECRET, raw)}
    assert created.pay_url == f"{momo.url}/pay/{order_id}"
    assert created.provider_ref == request_id


def test_each_create_uses_a_new_request_id(momo: MomoStandIn) -> None:
    created_order(momo)
    created_order(momo)
    first, second = (body["requestId"] for _, body in momo.requests[-2:])
    assert first != second


def test_create_refused_by_momo_raises_payment_error(momo: MomoStandIn) -> None:
    momo.refuse_next_create = (98, "QR Code generation failed.")
    with pytest.raises(PaymentError, match=r"98.*QR Code generation failed"):
        with_provider(momo.url, lambda p: p.create(payment_request(new_order_id())))


def test_create_out_of_range_amount_raises_payment_error(momo: MomoStandIn) -> None:
    with pytest.raises(PaymentError, match="resultCode 22"):
        with_provider(momo.url, lambda p: p.create(payment_request(new_order_id(), amount=500)))


def test_create_with_a_wrong_secret_raises_payment_error(momo: MomoStandIn) -> None:
    # MoMo answers HTTP 400 with resultCode 13: the code must still reach the operator
    with pytest.raises(PaymentError, match="resultCode 13"):
        with_provider(momo.url, lambda p: p.create(payment_request(new_order_id())), secret="not-the-secret")


def test_provider_down_raises_payment_error() -> None:
    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PaymentError):
        with_provider(down, lambda p: p.create(payment_request(new_order_id())))
    with pytest.raises(PaymentError):
        with_provider(down, lambda p: p.query("DVC00000000001", 135000, CREATED, ""))


# --- IPN ------------------------------------------------------------------------------------------

def signed_ipn(**changes: Any) -> dict[str, Any]:
    """An IPN written out by hand, signed by openssl over MoMo's documented raw text."""
    body: dict[str, Any] = {
        "partnerCode": PARTNER, "orderId": "DVC26011500001", "requestId": "DVC26011500001-1a2b3c",
        "amount": 135000, "orderInfo": "Le phi doi GPLX", "orderType": "momo_wallet", "transId": 4088878653,
        "resultCode": 0, "message": "Thành công.", "payType": "qr", "responseTime": 1768442400000,
        "extraData": "", **changes}
    body["signature"] = openssl_hmac(SECRET, result_text(body))
    return body


def test_ipn_vector_written_by_hand_is_accepted(provider: MomoProvider) -> None:
    body = signed_ipn()
    # the literal text, to pin the field order against the helper above
    assert body["signature"] == openssl_hmac(SECRET, (
        "accessKey=momo-access-key&amount=135000&extraData=&message=Thành công.&orderId=DVC26011500001"
        "&orderInfo=Le phi doi GPLX&orderType=momo_wallet&partnerCode=MOMOTEST0001&payType=qr"
        "&requestId=DVC26011500001-1a2b3c&responseTime=1768442400000&resultCode=0&transId=4088878653"))
    notification = provider.verify_callback(json_callback(body))
    assert notification.order_id == "DVC26011500001"
    assert notification.amount_vnd == 135000
    assert notification.paid is True
    assert notification.provider_txn == "4088878653"
    assert notification.provider_status == "0"
    assert notification.paid_at == dt.datetime(2026, 1, 15, 2, 0, tzinfo=dt.UTC)


def test_ipn_from_the_standin_for_a_paid_order_is_accepted(momo: MomoStandIn, provider: MomoProvider) -> None:
    order_id = created_order(momo)
    notification = provider.verify_callback(json_callback(momo.callback_body(order_id)))
    assert (notification.order_id, notification.amount_vnd, notification.paid) == (order_id, 135000, True)
    assert notification.provider_txn == str(momo.orders[order_id]["transId"])


def test_ipn_for_a_refused_payment_is_read_as_not_paid(momo: MomoStandIn, provider: MomoProvider) -> None:
    order_id = created_order(momo)
    notification = provider.verify_callback(json_callback(momo.callback_for(order_id, success=False)))
    assert notification.paid is False
    assert notification.provider_status == "1006"


def test_authorized_9000_is_not_paid(provider: MomoProvider) -> None:
    assert provider.verify_callback(json_callback(signed_ipn(resultCode=9000, message="Authorized."))).paid is False


@pytest.mark.parametrize("code", [1000, 7000, 7002, 8000, 9000])
def test_non_final_codes_are_pending_not_failed(provider: MomoProvider, code: int) -> None:
    notification = provider.verify_callback(json_callback(signed_ipn(resultCode=code, message="Processing")))
    assert notification.paid is False and notification.pending is True


def test_a_refusal_is_final(provider: MomoProvider) -> None:
    assert provider.verify_callback(json_callback(signed_ipn(resultCode=1006, message="Denied"))).pending is False


def test_ipn_with_tampered_amount_is_rejected(provider: MomoProvider) -> None:
    body = signed_ipn()
    body["amount"] = 1000
    with pytest.raises(BadSignature):
        provider.verify_callback(json_callback(body))


def test_ipn_with_tampered_signature_is_rejected(provider: MomoProvider) -> None:
    body = signed_ipn()
    body["signature"] = ("0" if body["signature"][0] != "0" else "1") + body["signature"][1:]
    with pytest.raises(BadSignature):
        provider.verify_callback(json_callback(body))


def test_ipn_signed_for_another_partner_is_rejected(provider: MomoProvider) -> None:
    with pytest.raises(BadSignature, match="partnerCode"):
        provider.verify_callback(json_callback(signed_ipn(partnerCode="MOMOOTHER0002")))


@pytest.mark.parametrize("field", ["transId", "resultCode", "signature", "amount", "responseTime"])
def test_ipn_missing_a_field_is_malformed(provider: MomoProvider, field: str) -> None:
    body = signed_ipn()
    del body[field]
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(body))


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_ipn_body_that_is_not_a_json_object_is_malformed(provider: MomoProvider, raw: bytes) -> None:
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(raw))


def test_ipn_with_unreadable_amount_is_malformed(provider: MomoProvider) -> None:
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(signed_ipn(amount="135.000")))


# --- answers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "status"), [
    (Outcome.CONFIRMED, 204), (Outcome.FAILURE_RECORDED, 204), (Outcome.ALREADY_CONFIRMED, 204),
    (Outcome.PENDING_NOTED, 204),
    (Outcome.ORDER_NOT_FOUND, 204), (Outcome.AMOUNT_MISMATCH, 204), (Outcome.BAD_SIGNATURE, 400),
    (Outcome.MALFORMED, 400), (Outcome.ERROR, 500)])
def test_answer_for_every_outcome(provider: MomoProvider, outcome: Outcome, status: int) -> None:
    answer = provider.answer(outcome)
    assert answer.status_code == status
    if status == 204:
        assert answer.body == b""   # 204 No Content carries no body
    else:
        assert "error" in json.loads(answer.body)


def test_every_outcome_has_an_answer(provider: MomoProvider) -> None:
    assert {provider.answer(outcome).status_code for outcome in Outcome} <= {204, 400, 500}


# --- return redirect ------------------------------------------------------------------------------

def test_return_with_good_signature_is_read(momo: MomoStandIn, provider: MomoProvider) -> None:
    order_id = created_order(momo)
    notification = provider.verify_return(momo.return_query_for(order_id))
    assert notification is not None
    assert (notification.order_id, notification.amount_vnd, notification.paid) == (order_id, 135000, True)


def test_return_written_by_hand_is_read(provider: MomoProvider) -> None:
    query = {key: str(value) for key, value in signed_ipn(resultCode=1006, message="Denied").items()}
    notification = provider.verify_return(query)
    assert notification is not None and notification.paid is False


@pytest.mark.parametrize("change", [{"amount": "1000"}, {"signature": "00" * 32}, {"partnerCode": "X"},
                                    {"resultCode": "0x"}])
def test_return_with_bad_signature_or_values_is_none(provider: MomoProvider, change: dict[str, str]) -> None:
    query = {key: str(value) for key, value in signed_ipn().items()}
    assert provider.verify_return({**query, **change}) is None


def test_return_without_fields_is_none(provider: MomoProvider) -> None:
    assert provider.verify_return({}) is None
    assert provider.verify_return({"orderId": "DVC26011500001", "resultCode": "0"}) is None


# --- query ----------------------------------------------------------------------------------------

def test_query_paid_order(momo: MomoStandIn) -> None:
    order_id = created_order(momo)
    momo.settle(order_id, success=True)
    result = with_provider(momo.url, lambda p: p.query(order_id, 135000, CREATED, "ref"))
    assert result.state is QueryState.PAID
    assert result.amount_vnd == 135000
    assert result.provider_txn == str(momo.orders[order_id]["transId"])
    assert result.raw["resultCode"] == 0
    path, body = momo.requests[-1]
    assert path == "/v2/gateway/api/query"
    raw = f"accessKey=momo-access-key&orderId={order_id}&partnerCode=MOMOTEST0001&requestId={body['requestId']}"
    assert body == {"partnerCode": PARTNER, "requestId": body["requestId"], "orderId": order_id, "lang": "vi",
                    "signature": openssl_hmac(SECRET, raw)}


def test_query_pending_order(momo: MomoStandIn) -> None:
    order_id = created_order(momo)
    result = with_provider(momo.url, lambda p: p.query(order_id, 135000, CREATED, ""))
    assert result.state is QueryState.PENDING
    assert result.provider_status.startswith("1000")


def test_query_refused_order_is_failed(momo: MomoStandIn) -> None:
    order_id = created_order(momo)
    momo.settle(order_id, success=False)
    assert with_provider(momo.url, lambda p: p.query(order_id, 135000, CREATED, "")).state is QueryState.FAILED


def test_query_unknown_order(momo: MomoStandIn) -> None:
    result = with_provider(momo.url, lambda p: p.query(new_order_id(), 135000, CREATED, ""))
    assert result.state is QueryState.UNKNOWN
    assert result.amount_vnd is None


def test_query_refused_for_bad_credentials_raises(momo: MomoStandIn) -> None:
    with pytest.raises(PaymentError, match="13"):
        with_provider(momo.url, lambda p: p.query(new_order_id(), 135000, CREATED, ""), secret="wrong")


def test_aclose_leaves_a_given_client_open() -> None:
    import httpx

    async def run() -> bool:
        async with httpx.AsyncClient() as client:
            provider = MomoProvider(PARTNER, ACCESS, SECRET, "http://127.0.0.1:9", client=client)
            await provider.aclose()
            return client.is_closed
    assert run_async(run()) is False
