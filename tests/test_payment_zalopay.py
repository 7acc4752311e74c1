"""ZaloPay v2 provider against a local ZaloPay stand-in over HTTP. Expected MACs come from the
``openssl`` CLI over raw texts written out here from ZaloPay's published recipes, never from the
code under test; one callback vector is ZaloPay's own documented sample."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from bot.core.vntime import VIETNAM
from bot.payments.providers.base import (
    BadSignature,
    MalformedCallback,
    Outcome,
    PaymentError,
    PaymentRequest,
    QueryState,
)
from bot.payments.providers.zalopay import ZalopayProvider, app_trans_id
from tests.standins.zalopay_server import ZalopayStandIn, running_zalopay
from tests.support.network import free_port
from tests.support.payments import json_callback, openssl_hmac, with_fresh
from tests.support.waiting import run_async

T = TypeVar("T")
APP_ID, KEY1, KEY2 = "2553", "zalopay-key1", "zalopay-key2"
RETURN_URL = "https://dvc.example.vn/thanh-toan/ket-qua"
NOTIFY_URL = "https://dvc.example.vn/payments/zalopay/callback"
_order_numbers = itertools.count(1)

# ZaloPay's callback sample (docs.zalopay.vn/docs/specs/callback-api) and the sandbox key2 its
# public demo uses for app 2553: openssl reproduces the documented mac, so it is a true vector.
DOC_KEY2 = "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz"
DOC_DATA = ('{"app_id":2553,"app_trans_id":"200904_2553_1598435687208","app_time":1599189392817,"app_user":"demo",'
            '"amount":10000,"embed_data":"{\\"merchantinfo\\":\\"embeddata123\\",\\"promotioninfo\\":\\"\\"}",'
            '"item":"[{\\"itemid\\":\\"knb\\",\\"itemname\\":\\"kim nguyen bao\\",\\"itemprice\\":198400,'
            '\\"itemquantity\\":1}]","zp_trans_id":200904000000389,"server_time":1599189413498,"channel":38,'
            '"merchant_user_id":"7ZMSl3nEg5sOUJzOLSoUFT8xKNQVaLOLXHB--8Eytqc","user_fee_amount":0,'
            '"discount_amount":0}')
DOC_MAC = "d8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67"


def new_order_id() -> str:
    return f"DVC{next(_order_numbers):011d}"


def payment_request(order_id: str, amount: int = 135000, created_at: dt.datetime | None = None,
                    minutes: int = 15) -> PaymentRequest:
    created = created_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return PaymentRequest(order_id=order_id, amount_vnd=amount, description="Le phi doi GPLX",
                          created_at=created, expires_at=created + dt.timedelta(minutes=minutes),
                          client_ip="127.0.0.1", return_url=RETURN_URL, notify_url=NOTIFY_URL)


def with_provider(endpoint: str, use: Callable[[ZalopayProvider], Awaitable[T]], key1: str = KEY1) -> T:
    return with_fresh(lambda: ZalopayProvider(APP_ID, key1, KEY2, endpoint), use)


def signed_callback(data: dict[str, Any] | str, key: str = KEY2) -> dict[str, Any]:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return {"data": text, "mac": openssl_hmac(key, text), "type": 1}


def callback_data(**changes: Any) -> dict[str, Any]:
    return {"app_id": 2553, "app_trans_id": "260115_DVC26011500001", "app_time": 1768442400000,
            "app_user": "tro-ly-ao", "amount": 135000, "embed_data": "{}", "item": "[]",
            "zp_trans_id": 260115000000389, "server_time": 1768442460000, "channel": 38,
            "merchant_user_id": "u", "user_fee_amount": 0, "discount_amount": 0, **changes}


@pytest.fixture(scope="module")
def zalopay() -> Iterator[ZalopayStandIn]:
    with running_zalopay(free_port()) as standin:
        yield standin


@pytest.fixture
def provider() -> Iterator[ZalopayProvider]:
    """A provider for the synchronous methods (no HTTP); its client is closed afterwards."""
    made = ZalopayProvider(APP_ID, KEY1, KEY2, "http://127.0.0.1:9")
    yield made
    run_async(made.aclose())


def created_order(zalopay: ZalopayStandIn, amount: int = 135000) -> str:
    order_id = new_order_id()
    with_provider(zalopay.url, lambda p: p.create(payment_request(order_id, amount)))
    return order_id


# --- create ---------------------------------------------------------------------------------------

def test_app_trans_id_uses_the_vietnam_date() -> None:
    # 17:30 UTC on the 14th is already 00:30 on the 15th in GMT+7
    assert app_trans_id("DVC26011500001", dt.datetime(2026, 1, 14, 17, 30, tzinfo=dt.UTC)) == "260115_DVC26011500001"
    assert app_trans_id("DVC26011500001", dt.datetime(2026, 1, 14, 16, 59, tzinfo=dt.UTC)) == "260114_DVC26011500001"


def test_create_posts_the_documented_form_and_mac(zalopay: ZalopayStandIn) -> None:
    order_id = new_order_id()
    request = payment_request(order_id)
    created = with_provider(zalopay.url, lambda p: p.create(request))
    path, form = zalopay.requests[-1]
    assert path == "/v2/create"
    trans_id = f"{request.created_at.astimezone(VIETNAM):%y%m%d}_{order_id}"
    app_time = str(int(request.created_at.timestamp()) * 1000)
    embed = '{"redirecturl":"https://dvc.example.vn/thanh-toan/ket-qua"}'
    raw = f"2553|{trans_id}|tro-ly-ao|135000|{app_time}|{embed}|[]"
    assert form == {"app_id": "2553", "app_user": "tro-ly-ao", "app_trans_id": trans_id, "app_time": app_time,
                    "expire_duration_seconds": "900", "amount": "135000", "item": "[]", "embed_data": embed,
                    "description": "Le phi doi GPLX", "callback_url": NOTIFY_URL, "mac": openssl_hmac(KEY1, raw)}
    assert created.provider_ref == trans_id
    assert created.pay_url == f"{zalopay.url}/pay?order={zalopay.orders[trans_id]['token']}"


def test_create_clamps_the_expiry_to_zalopay_bounds(zalopay: ZalopayStandIn) -> None:
    with_provider(zalopay.url, lambda p: p.create(payment_request(new_order_id(), minutes=2)))
    assert zalopay.requests[-1][1]["expire_duration_seconds"] == "300"


def test_create_refused_raises_payment_error_with_zalopay_messages(zalopay: ZalopayStandIn) -> None:
    zalopay.refuse_next_create = (-500, "Hệ thống đang bận")
    with pytest.raises(PaymentError, match=r"return_code 2 .*-500 Hệ thống đang bận"):
        with_provider(zalopay.url, lambda p: p.create(payment_request(new_order_id())))


def test_create_with_a_wrong_key1_raises_payment_error(zalopay: ZalopayStandIn) -> None:
    with pytest.raises(PaymentError, match="-402"):
        with_provider(zalopay.url, lambda p: p.create(payment_request(new_order_id())), key1="wrong")


def test_create_twice_for_one_order_is_refused(zalopay: ZalopayStandIn) -> None:
    order_id = new_order_id()
    request = payment_request(order_id)
    with_provider(zalopay.url, lambda p: p.create(request))
    with pytest.raises(PaymentError, match="-68"):
        with_provider(zalopay.url, lambda p: p.create(request))


def test_provider_down_raises_payment_error() -> None:
    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PaymentError):
        with_provider(down, lambda p: p.create(payment_request(new_order_id())))
    with pytest.raises(PaymentError):
        with_provider(down, lambda p: p.query("DVC00000000001", 135000, dt.datetime.now(dt.UTC), ""))


# --- callback -------------------------------------------------------------------------------------

def test_zalopay_documented_callback_sample_verifies() -> None:
    assert openssl_hmac(DOC_KEY2, DOC_DATA) == DOC_MAC   # the vector itself, independently of our code

    async def read() -> Any:
        provider = ZalopayProvider("2553", "unused", DOC_KEY2, "http://127.0.0.1:9")
        try:
            return provider.verify_callback(json_callback({"data": DOC_DATA, "mac": DOC_MAC, "type": 1}))
        finally:
            await provider.aclose()
    notification = run_async(read())
    assert notification.order_id == "2553_1598435687208"   # only the yymmdd_ prefix is stripped
    assert notification.amount_vnd == 10000
    assert notification.paid is True
    assert notification.provider_txn == "200904000000389"
    assert notification.paid_at == dt.datetime.fromtimestamp(1599189413.498, dt.UTC)


def test_callback_from_the_standin_is_accepted(zalopay: ZalopayStandIn, provider: ZalopayProvider) -> None:
    order_id = created_order(zalopay)
    notification = provider.verify_callback(json_callback(zalopay.callback_body(order_id)))
    assert (notification.order_id, notification.amount_vnd, notification.paid) == (order_id, 135000, True)
    assert notification.provider_txn == str(zalopay.orders[zalopay.trans_id_of(order_id)]["zp_trans_id"])


def test_callback_written_by_hand_is_accepted(provider: ZalopayProvider) -> None:
    notification = provider.verify_callback(json_callback(signed_callback(callback_data())))
    assert notification.order_id == "DVC26011500001"
    assert notification.paid_at == dt.datetime(2026, 1, 15, 2, 1, tzinfo=dt.UTC)
    assert notification.provider_status == "type=1;channel=38"


def test_standin_sends_no_callback_for_unpaid_orders(zalopay: ZalopayStandIn) -> None:
    with pytest.raises(ValueError, match="no callback"):
        zalopay.callback_for(created_order(zalopay), success=False)


def test_callback_with_tampered_amount_is_rejected(provider: ZalopayProvider) -> None:
    body = signed_callback(callback_data())
    body["data"] = body["data"].replace('"amount":135000', '"amount":1000')
    with pytest.raises(BadSignature):
        provider.verify_callback(json_callback(body))


def test_callback_with_tampered_mac_is_rejected(provider: ZalopayProvider) -> None:
    body = signed_callback(callback_data())
    body["mac"] = body["mac"][::-1]
    with pytest.raises(BadSignature):
        provider.verify_callback(json_callback(body))


def test_callback_signed_with_key1_is_rejected(provider: ZalopayProvider) -> None:
    with pytest.raises(BadSignature):
        provider.verify_callback(json_callback(signed_callback(callback_data(), key=KEY1)))


def test_callback_for_another_app_is_rejected(provider: ZalopayProvider) -> None:
    with pytest.raises(BadSignature, match="app_id"):
        provider.verify_callback(json_callback(signed_callback(callback_data(app_id=9999))))


@pytest.mark.parametrize("field", ["app_trans_id", "amount", "zp_trans_id", "server_time", "app_id"])
def test_callback_missing_a_field_is_malformed(provider: ZalopayProvider, field: str) -> None:
    data = callback_data()
    del data[field]
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(signed_callback(data)))


@pytest.mark.parametrize("changes", [{"app_trans_id": "DVC26011500001"}, {"amount": "135.000"},
                                     {"app_trans_id": 260115}])
def test_callback_with_unreadable_values_is_malformed(provider: ZalopayProvider, changes: dict[str, Any]) -> None:
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(signed_callback(callback_data(**changes))))


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"mac": "00"}', b'{"data": "{}"}', b"\xff"])
def test_callback_envelope_that_is_unreadable_is_malformed(provider: ZalopayProvider, raw: bytes) -> None:
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(raw))


def test_signed_data_that_is_not_json_is_malformed(provider: ZalopayProvider) -> None:
    with pytest.raises(MalformedCallback):
        provider.verify_callback(json_callback(signed_callback("not json")))


# --- answers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "code", "message"), [
    (Outcome.CONFIRMED, 1, "success"), (Outcome.FAILURE_RECORDED, 1, "success"),
    (Outcome.PENDING_NOTED, 1, "success"),
    (Outcome.ALREADY_CONFIRMED, 2, "already confirmed"), (Outcome.ORDER_NOT_FOUND, -1, "order not found"),
    (Outcome.AMOUNT_MISMATCH, -1, "amount mismatch"), (Outcome.BAD_SIGNATURE, -1, "mac not equal"),
    (Outcome.MALFORMED, -1, "malformed callback"), (Outcome.ERROR, 0, "internal error, please retry")])
def test_answer_for_every_outcome(provider: ZalopayProvider, outcome: Outcome, code: int, message: str) -> None:
    answer = provider.answer(outcome)
    assert answer.status_code == 200
    assert answer.media_type == "application/json"
    assert json.loads(answer.body) == {"return_code": code, "return_message": message}


# --- return redirect ------------------------------------------------------------------------------

def redirect(status: str = "1", **changes: str) -> dict[str, str]:
    query = {"appid": "2553", "apptransid": "260115_DVC26011500001", "pmcid": "38", "bankcode": "",
             "amount": "135000", "discountamount": "0", "status": status}
    query["checksum"] = openssl_hmac(KEY2, f"2553|260115_DVC26011500001|38||135000|0|{status}")
    return {**query, **changes}


def test_return_with_good_checksum_is_read(provider: ZalopayProvider) -> None:
    notification = provider.verify_return(redirect())
    assert notification is not None
    assert (notification.order_id, notification.amount_vnd, notification.paid) == ("DVC26011500001", 135000, True)


def test_return_for_a_failed_payment_is_not_paid(provider: ZalopayProvider) -> None:
    notification = provider.verify_return(redirect(status="-49"))
    assert notification is not None and notification.paid is False


def test_return_from_the_standin_is_read(zalopay: ZalopayStandIn, provider: ZalopayProvider) -> None:
    order_id = created_order(zalopay)
    notification = provider.verify_return(zalopay.return_query_for(order_id))
    assert notification is not None and notification.order_id == order_id


@pytest.mark.parametrize("changes", [{"amount": "1000"}, {"checksum": "00" * 32}, {"status": "2"},
                                     {"appid": "9999"}])
def test_return_with_bad_checksum_is_none(provider: ZalopayProvider, changes: dict[str, str]) -> None:
    assert provider.verify_return({**redirect(), **changes}) is None


def test_return_missing_fields_is_none(provider: ZalopayProvider) -> None:
    query = redirect()
    del query["pmcid"]
    assert provider.verify_return(query) is None
    assert provider.verify_return({}) is None


# --- query ----------------------------------------------------------------------------------------

def test_query_paid_order(zalopay: ZalopayStandIn) -> None:
    order_id = created_order(zalopay)
    trans_id = zalopay.trans_id_of(order_id)
    zalopay.settle(order_id, "paid")
    result = with_provider(zalopay.url, lambda p: p.query(order_id, 135000, dt.datetime.now(dt.UTC), trans_id))
    assert result.state is QueryState.PAID
    assert result.amount_vnd == 135000
    assert result.provider_txn == str(zalopay.orders[trans_id]["zp_trans_id"])
    path, form = zalopay.requests[-1]
    assert path == "/v2/query"
    assert form == {"app_id": "2553", "app_trans_id": trans_id,
                    "mac": openssl_hmac(KEY1, f"2553|{trans_id}|zalopay-key1")}


def test_query_without_provider_ref_rebuilds_app_trans_id(zalopay: ZalopayStandIn) -> None:
    order_id = created_order(zalopay)
    result = with_provider(zalopay.url, lambda p: p.query(order_id, 135000, dt.datetime.now(dt.UTC), ""))
    assert result.state is QueryState.PENDING
    assert zalopay.requests[-1][1]["app_trans_id"] == zalopay.trans_id_of(order_id)


def test_query_pending_order(zalopay: ZalopayStandIn) -> None:
    order_id = created_order(zalopay)
    trans_id = zalopay.trans_id_of(order_id)
    result = with_provider(zalopay.url, lambda p: p.query(order_id, 135000, dt.datetime.now(dt.UTC), trans_id))
    assert result.state is QueryState.PENDING
    assert result.provider_status == "return_code=3;sub_return_code=0"


def test_query_expired_order_is_failed(zalopay: ZalopayStandIn) -> None:
    order_id = created_order(zalopay)
    zalopay.settle(order_id, "expired")
    result = with_provider(zalopay.url, lambda p: p.query(order_id, 135000, dt.datetime.now(dt.UTC), ""))
    assert result.state is QueryState.FAILED


def test_query_unknown_order(zalopay: ZalopayStandIn) -> None:
    result = with_provider(zalopay.url, lambda p: p.query(new_order_id(), 135000, dt.datetime.now(dt.UTC), ""))
    assert result.state is QueryState.UNKNOWN
    assert result.amount_vnd is None


def test_query_with_a_wrong_key1_raises(zalopay: ZalopayStandIn) -> None:
    with pytest.raises(PaymentError, match="-402"):
        with_provider(zalopay.url, lambda p: p.query(new_order_id(), 135000, dt.datetime.now(dt.UTC), ""),
                      key1="wrong")
