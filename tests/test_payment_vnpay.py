"""VNPay 2.1.0 provider: pay URL, IPN, return URL, answers and querydr.

Expected signatures come from the ``openssl`` command line over signed texts written out here by
hand following VNPay's recipe, never from the code under test; querydr runs against the local
stand-in over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from bot.core.vntime import VIETNAM
from bot.payments.providers.base import (
    BadSignature,
    IncomingCallback,
    MalformedCallback,
    Outcome,
    PaymentError,
    PaymentRequest,
    QueryResult,
    QueryState,
)
from bot.payments.providers.vnpay import VnpayProvider
from tests.standins.vnpay_server import VnpayStandIn, running_vnpay
from tests.support.network import free_port
from tests.support.payments import openssl_hmac
from tests.support.waiting import run_async

TMN = "TESTTMN1"
SECRET = "VNPAYTESTSECRET0123456789ABCDEFG"
PAY_URL = "https://sandbox.example.vn/paymentv2/vpcpay.html"
API_URL = "https://sandbox.example.vn/merchant_webapi/api/transaction"
ORDER = "A1B2C3D4E5F6G7"
CREATED = dt.datetime(2025, 3, 1, 3, 4, 5, tzinfo=dt.UTC)       # 10:04:05 in GMT+7


def openssl_sha512(key: str, text: str) -> str:
    return openssl_hmac(key, text, "sha512")


def provider(secret: str = SECRET, api_url: str = API_URL, **kwargs) -> VnpayProvider:
    return VnpayProvider(TMN, secret, PAY_URL, api_url, **kwargs)


def request(order_id: str = ORDER, amount: int = 135000, created_at: dt.datetime = CREATED) -> PaymentRequest:
    return PaymentRequest(order_id=order_id, amount_vnd=amount, description=f"Le phi doi GPLX: {order_id}",
                          created_at=created_at, expires_at=created_at + dt.timedelta(minutes=15),
                          client_ip="203.0.113.7", return_url="https://dvc.example.vn/payments/vnpay/return?x=1",
                          notify_url="https://dvc.example.vn/payments/vnpay/ipn")


def signed(text: str, secret: str = SECRET) -> dict[str, str]:
    """The query a web framework hands over for ``text`` + its VNPay signature."""
    return {**dict(parse_qsl(text, keep_blank_values=True)), "vnp_SecureHash": openssl_sha512(secret, text)}


def callback(query: dict[str, str]) -> IncomingCallback:
    return IncomingCallback(query=query, body=b"", headers={})


# --- pay URL ---------------------------------------------------------------------------------------

PAY_TEXT = ("vnp_Amount=13500000&vnp_Command=pay&vnp_CreateDate=20250301100405&vnp_CurrCode=VND"
            "&vnp_ExpireDate=20250301101905&vnp_IpAddr=203.0.113.7&vnp_Locale=vn"
            "&vnp_OrderInfo=Le+phi+doi+GPLX%3A+A1B2C3D4E5F6G7&vnp_OrderType=other"
            "&vnp_ReturnUrl=https%3A%2F%2Fdvc.example.vn%2Fpayments%2Fvnpay%2Freturn%3Fx%3D1"
            "&vnp_TmnCode=TESTTMN1&vnp_TxnRef=A1B2C3D4E5F6G7&vnp_Version=2.1.0")


def test_pay_url_is_signed_exactly_as_vnpay_documents() -> None:
    created = run_async(provider().create(request()))
    assert created.pay_url == f"{PAY_URL}?{PAY_TEXT}&vnp_SecureHash={openssl_sha512(SECRET, PAY_TEXT)}"
    assert created.provider_ref == ORDER


def test_pay_url_carries_the_documented_parameters_only() -> None:
    created = run_async(provider().create(request(amount=20000)))
    url = urlsplit(created.pay_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == PAY_URL
    params = dict(parse_qsl(url.query))
    assert set(params) == {"vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_Amount", "vnp_CurrCode", "vnp_TxnRef",
                           "vnp_OrderInfo", "vnp_OrderType", "vnp_Locale", "vnp_ReturnUrl", "vnp_IpAddr",
                           "vnp_CreateDate", "vnp_ExpireDate", "vnp_SecureHash"}
    assert params["vnp_Amount"] == "2000000"                       # đồng × 100
    assert (params["vnp_CreateDate"], params["vnp_ExpireDate"]) == ("20250301100405", "20250301101905")   # GMT+7
    assert params["vnp_ReturnUrl"] == "https://dvc.example.vn/payments/vnpay/return?x=1"
    assert len(params["vnp_SecureHash"]) == 128


def test_pay_url_dates_cross_midnight_in_vietnam_time() -> None:
    late = dt.datetime(2025, 12, 31, 20, 0, 0, tzinfo=dt.UTC)      # already 2026 in Hà Nội
    created = run_async(provider().create(request(created_at=late)))
    params = dict(parse_qsl(urlsplit(created.pay_url).query))
    assert (params["vnp_CreateDate"], params["vnp_ExpireDate"]) == ("20260101030000", "20260101031500")


# --- IPN -------------------------------------------------------------------------------------------

PAID_TEXT = ("vnp_Amount=13500000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM"
             "&vnp_OrderInfo=Thanh+toan+ho+so+%3A+A1B2C3D4E5F6G7&vnp_PayDate=20250301101500"
             "&vnp_ResponseCode=00&vnp_TmnCode=TESTTMN1&vnp_TransactionNo=14422574&vnp_TransactionStatus=00"
             "&vnp_TxnRef=A1B2C3D4E5F6G7")
CANCELLED_TEXT = ("vnp_Amount=13500000&vnp_BankCode=VNPAY&vnp_CardType=QRCODE"
                  "&vnp_OrderInfo=Thanh+toan+ho+so+%3A+A1B2C3D4E5F6G7&vnp_PayDate=20250301101733"
                  "&vnp_ResponseCode=24&vnp_TmnCode=TESTTMN1&vnp_TransactionNo=0&vnp_TransactionStatus=02"
                  "&vnp_TxnRef=A1B2C3D4E5F6G7")


def test_ipn_of_a_paid_order_is_read() -> None:
    note = provider().verify_callback(callback(signed(PAID_TEXT)))
    assert (note.order_id, note.amount_vnd, note.paid, note.provider_txn) == (ORDER, 135000, True, "14422574")
    assert note.provider_status == "ResponseCode=00;TransactionStatus=00"
    assert note.paid_at == dt.datetime(2025, 3, 1, 3, 15, 0, tzinfo=dt.UTC)
    assert note.paid_at.utcoffset() == dt.timedelta(hours=7)


def test_values_with_tilde_and_star_are_signed_as_vnpay_encodes_them() -> None:
    """VNPay's encoders write "~" as %7E and keep "*"; Python's quote_plus does the opposite."""
    text = re.sub(r"vnp_OrderInfo=[^&]*", "vnp_OrderInfo=Ma+HS%7E01*A", PAID_TEXT)
    assert "%7E01*A" in text
    note = provider().verify_callback(callback(signed(text)))
    assert note.paid and note.order_id == ORDER


def test_ipn_of_a_cancelled_payment_is_read_as_not_paid() -> None:
    note = provider().verify_callback(callback(signed(CANCELLED_TEXT)))
    assert (note.order_id, note.amount_vnd, note.paid, note.pending) == (ORDER, 135000, False, False)
    assert note.provider_status == "ResponseCode=24;TransactionStatus=02"


def test_response_code_alone_does_not_mean_paid() -> None:
    text = PAID_TEXT.replace("vnp_TransactionStatus=00", "vnp_TransactionStatus=01")
    note = provider().verify_callback(callback(signed(text)))
    assert note.paid is False and note.pending is True   # 01: not finished yet, not a failure


def test_tampered_amount_is_a_bad_signature() -> None:
    query = signed(PAID_TEXT) | {"vnp_Amount": "100"}
    with pytest.raises(BadSignature):
        provider().verify_callback(callback(query))


def test_tampered_signature_is_refused() -> None:
    query = signed(PAID_TEXT)
    digit = "1" if query["vnp_SecureHash"][-1] != "1" else "2"
    query["vnp_SecureHash"] = query["vnp_SecureHash"][:-1] + digit
    with pytest.raises(BadSignature):
        provider().verify_callback(callback(query))


def test_signature_with_another_secret_is_refused() -> None:
    with pytest.raises(BadSignature):
        provider().verify_callback(callback(signed(PAID_TEXT, secret="SOMEONE-ELSE")))


@pytest.mark.parametrize("hash_value", [None, "", "   "])
def test_missing_signature_is_refused(hash_value: str | None) -> None:
    query = dict(parse_qsl(PAID_TEXT))
    if hash_value is not None:
        query["vnp_SecureHash"] = hash_value
    with pytest.raises(BadSignature):
        provider().verify_callback(callback(query))


def test_upper_case_hex_and_hash_type_are_accepted() -> None:
    query = signed(PAID_TEXT)
    query |= {"vnp_SecureHash": query["vnp_SecureHash"].upper(), "vnp_SecureHashType": "HmacSHA512"}
    assert provider().verify_callback(callback(query)).paid is True


def test_parameters_outside_vnp_are_not_signed() -> None:
    query = signed(PAID_TEXT) | {"utm_source": "zalo"}
    assert provider().verify_callback(callback(query)).order_id == ORDER


def test_an_added_vnp_parameter_breaks_the_signature() -> None:
    query = signed(PAID_TEXT) | {"vnp_Bonus": "1"}
    with pytest.raises(BadSignature):
        provider().verify_callback(callback(query))


@pytest.mark.parametrize("text", [
    PAID_TEXT.replace("vnp_Amount=13500000", "vnp_Amount=13500050"),    # not whole đồng
    PAID_TEXT.replace("vnp_Amount=13500000", "vnp_Amount=135000a0"),
    PAID_TEXT.replace("vnp_Amount=13500000", "vnp_Amount=-13500000"),
    PAID_TEXT.replace("vnp_Amount=13500000", "vnp_Amount="),
    PAID_TEXT.replace("vnp_Amount=13500000&", ""),
    PAID_TEXT.replace("&vnp_TxnRef=A1B2C3D4E5F6G7", ""),
    PAID_TEXT.replace("vnp_PayDate=20250301101500", "vnp_PayDate=20251301101500"),   # month 13
], ids=["cents", "letters", "negative", "empty", "no-amount", "no-txnref", "bad-paydate"])
def test_signed_but_malformed_callbacks_are_refused(text: str) -> None:
    with pytest.raises(MalformedCallback):
        provider().verify_callback(callback(signed(text)))


# --- answers ---------------------------------------------------------------------------------------

ANSWERS = {
    Outcome.CONFIRMED: ("00", "Confirm Success"),
    Outcome.FAILURE_RECORDED: ("00", "Confirm Success"),
    Outcome.PENDING_NOTED: ("00", "Confirm Success"),     # MoMo 7000-like "not yet": noted, order stays pending
    Outcome.ORDER_NOT_FOUND: ("01", "Order not found"),
    Outcome.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    Outcome.AMOUNT_MISMATCH: ("04", "invalid amount"),
    Outcome.BAD_SIGNATURE: ("97", "Invalid signature"),
    Outcome.MALFORMED: ("99", "Unknown error"),
    Outcome.ERROR: ("99", "Unknown error"),
}


def test_every_outcome_has_an_answer() -> None:
    assert set(ANSWERS) == set(Outcome)


@pytest.mark.parametrize(("outcome", "expected"), ANSWERS.items(), ids=[o.value for o in ANSWERS])
def test_answers_use_vnpay_codes(outcome: Outcome, expected: tuple[str, str]) -> None:
    answer = provider().answer(outcome)
    assert (answer.status_code, answer.media_type) == (200, "application/json")
    assert json.loads(answer.body) == {"RspCode": expected[0], "Message": expected[1]}


# --- return URL ------------------------------------------------------------------------------------

def test_return_url_is_read_when_signed() -> None:
    note = provider().verify_return(signed(PAID_TEXT))
    assert note is not None and (note.order_id, note.amount_vnd, note.paid) == (ORDER, 135000, True)


@pytest.mark.parametrize("query", [
    {},
    dict(parse_qsl(PAID_TEXT)),
    signed(PAID_TEXT) | {"vnp_Amount": "1"},
    signed(PAID_TEXT) | {"vnp_SecureHash": "zz" * 64},
    signed(PAID_TEXT) | {"vnp_SecureHash": "đ" * 128},                 # non-ASCII forged hash
    signed(PAID_TEXT.replace("vnp_Amount=13500000", "vnp_Amount=x")),  # signed but malformed
], ids=["empty", "unsigned", "tampered", "bad-hex", "non-ascii", "malformed"])
def test_return_url_never_raises(query: dict[str, str]) -> None:
    assert provider().verify_return(query) is None


# --- querydr ---------------------------------------------------------------------------------------

@pytest.fixture
def standin() -> Iterator[VnpayStandIn]:
    with running_vnpay(free_port()) as running:
        yield running


def against(standin: VnpayStandIn) -> VnpayProvider:
    return VnpayProvider(standin.tmn_code, standin.hash_secret, standin.pay_url, standin.api_url, timeout=5)


def pay_url_for(standin: VnpayStandIn, order_id: str, amount: int = 135000) -> str:
    async def scenario() -> str:
        vnpay = against(standin)
        try:
            return (await vnpay.create(request(order_id, amount))).pay_url
        finally:
            await vnpay.aclose()
    return run_async(scenario())


def open_pay_page(standin: VnpayStandIn, order_id: str, amount: int = 135000) -> None:
    """Create the order the way the service would and open its pay URL on the stand-in."""
    response = httpx.get(pay_url_for(standin, order_id, amount), timeout=5)
    assert response.status_code == 200, response.text


def query(vnpay: VnpayProvider, order_id: str, amount: int = 135000) -> QueryResult:
    async def scenario() -> QueryResult:
        try:
            return await vnpay.query(order_id, amount, CREATED, order_id)
        finally:
            await vnpay.aclose()
    return run_async(scenario())


def test_paid_order_end_to_end(standin: VnpayStandIn) -> None:
    open_pay_page(standin, ORDER)
    assert standin.orders[ORDER].amount == 13500000
    ipn = standin.pay(ORDER, success=True)
    note = against(standin).verify_callback(callback(ipn))
    assert (note.order_id, note.amount_vnd, note.paid) == (ORDER, 135000, True)
    result = query(against(standin), ORDER)
    assert (result.state, result.amount_vnd, result.provider_txn) == (QueryState.PAID, 135000, note.provider_txn)
    assert result.provider_status == "ResponseCode=00;TransactionStatus=00"
    assert result.paid_at == note.paid_at and result.raw["vnp_TxnRef"] == ORDER


def test_order_still_on_the_pay_page_is_pending(standin: VnpayStandIn) -> None:
    open_pay_page(standin, ORDER)
    result = query(against(standin), ORDER)
    assert (result.state, result.amount_vnd, result.paid_at) == (QueryState.PENDING, 135000, None)


def test_cancelled_order_is_failed(standin: VnpayStandIn) -> None:
    open_pay_page(standin, ORDER)
    assert against(standin).verify_callback(callback(standin.pay(ORDER, success=False))).paid is False
    assert query(against(standin), ORDER).state is QueryState.FAILED


def test_order_vnpay_never_saw_is_unknown(standin: VnpayStandIn) -> None:
    result = query(against(standin), "Z9Y8X7W6V5U4T3")
    assert (result.state, result.amount_vnd) == (QueryState.UNKNOWN, None)
    assert result.raw["vnp_ResponseCode"] == "91"


def test_querydr_request_is_signed_in_the_documented_order(standin: VnpayStandIn) -> None:
    open_pay_page(standin, ORDER)
    query(against(standin), ORDER)
    [sent] = standin.queries
    assert set(sent) == {"vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                         "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo", "vnp_SecureHash"}
    assert 1 <= len(sent["vnp_RequestId"]) <= 32 and sent["vnp_RequestId"].isalnum()
    assert sent["vnp_TransactionDate"] == "20250301100405"
    now = dt.datetime.strptime(sent["vnp_CreateDate"], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    assert abs(dt.datetime.now(dt.UTC) - now) < dt.timedelta(minutes=1)
    text = (f"{sent['vnp_RequestId']}|2.1.0|querydr|TESTTMN1|A1B2C3D4E5F6G7|20250301100405"
            f"|{sent['vnp_CreateDate']}|{sent['vnp_IpAddr']}|{sent['vnp_OrderInfo']}")
    assert sent["vnp_SecureHash"] == openssl_sha512(standin.hash_secret, text)


def test_querydr_request_ids_are_unique(standin: VnpayStandIn) -> None:
    query(against(standin), ORDER)
    query(against(standin), ORDER)
    assert len({q["vnp_RequestId"] for q in standin.queries}) == 2


def test_answer_with_a_broken_signature_is_an_error(standin: VnpayStandIn) -> None:
    open_pay_page(standin, ORDER)
    standin.pay(ORDER)
    standin.break_next_signature = True
    with pytest.raises(PaymentError, match="signature"):
        query(against(standin), ORDER)


def test_wrong_secret_is_an_error(standin: VnpayStandIn) -> None:
    vnpay = VnpayProvider(standin.tmn_code, "NOT-THE-SECRET", standin.pay_url, standin.api_url, timeout=5)
    with pytest.raises(PaymentError):
        query(vnpay, ORDER)


def test_http_error_is_a_payment_error(standin: VnpayStandIn) -> None:
    standin.fail_next_query_with = 503
    with pytest.raises(PaymentError):
        query(against(standin), ORDER)


def test_vnpay_down_is_a_payment_error() -> None:
    with pytest.raises(PaymentError):
        query(provider(api_url=f"http://127.0.0.1:{free_port()}/merchant_webapi/api/transaction", timeout=2), ORDER)


def test_stand_in_refuses_a_tampered_pay_url(standin: VnpayStandIn) -> None:
    response = httpx.get(pay_url_for(standin, ORDER).replace("vnp_Amount=13500000", "vnp_Amount=100"), timeout=5)
    assert response.status_code == 400 and not standin.orders


# --- querydr answer read against fixed vectors (no stand-in) ---------------------------------------

ANSWER_TEXT = ("ee0a1be1fe9e4c6b8e1ac2a5e4f40a11|querydr|00|QueryDR Success|TESTTMN1|A1B2C3D4E5F6G7|13500000|NCB"
               "|20250301101500|14422574|01|00|Thanh toan ho so A1B2C3D4E5F6G7|KM2025|500000")


def fixed_answer(text: str, secret: str = SECRET) -> dict[str, str]:
    names = ["vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
             "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
             "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount"]
    return {**dict(zip(names, text.split("|"), strict=True)), "vnp_SecureHash": openssl_sha512(secret, text)}


def query_with_answer(answer: dict[str, str], status: int = 200) -> QueryResult:
    async def scenario() -> QueryResult:
        transport = httpx.MockTransport(lambda _: httpx.Response(status, json=answer))
        async with httpx.AsyncClient(transport=transport) as client:
            return await provider(client=client).query(ORDER, 135000, CREATED, ORDER)
    return run_async(scenario())


def test_fixed_querydr_answer_verifies() -> None:
    result = query_with_answer(fixed_answer(ANSWER_TEXT))
    assert (result.state, result.amount_vnd, result.provider_txn) == (QueryState.PAID, 135000, "14422574")
    assert result.paid_at == dt.datetime(2025, 3, 1, 10, 15, tzinfo=VIETNAM)


def test_fixed_querydr_answer_with_a_changed_field_fails() -> None:
    answer = fixed_answer(ANSWER_TEXT) | {"vnp_TransactionStatus": "01"}
    with pytest.raises(PaymentError):
        query_with_answer(answer)


def test_signed_answer_about_another_order_fails() -> None:
    with pytest.raises(PaymentError):
        query_with_answer(fixed_answer(ANSWER_TEXT.replace("A1B2C3D4E5F6G7", "Z9Y8X7W6V5U4T3")))


def test_signed_refusal_is_an_error() -> None:
    text = "ee0a1be1fe9e4c6b8e1ac2a5e4f40a11|querydr|94|Duplicate request|TESTTMN1|A1B2C3D4E5F6G7|||||||||"
    with pytest.raises(PaymentError, match="ResponseCode=94"):
        query_with_answer(fixed_answer(text))


def test_non_json_answer_is_an_error() -> None:
    async def scenario() -> QueryResult:
        transport = httpx.MockTransport(lambda _: httpx.Response(200, text="<html>maintenance</html>"))
        async with httpx.AsyncClient(transport=transport) as client:
            return await provider(client=client).query(ORDER, 135000, CREATED, ORDER)
    with pytest.raises(PaymentError):
        run_async(scenario())


def test_aclose_leaves_a_given_client_open() -> None:
    async def scenario() -> bool:
        async with httpx.AsyncClient() as client:
            await provider(client=client).aclose()
            return client.is_closed
    assert run_async(scenario()) is False
