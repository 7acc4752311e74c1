"""What the citizen reads about a payment: the receipt, a failed payment, a double payment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.buttons import payload
from bot.core.money import vnd as money
from bot.core.vntime import vn_time
from channels.messages import Button, OutboundMessage

if TYPE_CHECKING:
    from bot.payments.service import OrderView






def _track(code: str) -> Button:
    return Button(title="Tra cứu hồ sơ", payload=payload("track_dossier", dossier_code=code))


def receipt(order: OrderView, provider_title: str) -> OutboundMessage:
    return OutboundMessage(text=(
        "🧾 Biên lai thanh toán\n"
        f"Hồ sơ: {order.dossier_code}\n"
        f"Số tiền: {money(order.amount_vnd)}\n"
        f"Qua: {provider_title}, mã giao dịch {order.provider_txn or '—'}\n"
        f"Thời gian: {vn_time(order.paid_at or order.created_at)}\n"
        f"Mã thanh toán: {order.order_id}\n"
        "Anh/Chị giữ tin nhắn này làm bằng chứng đã nộp phí."), buttons=[_track(order.dossier_code)])


def failed(order: OrderView, provider_title: str) -> OutboundMessage:
    return OutboundMessage(
        text=(f"Thanh toán {money(order.amount_vnd)} qua {provider_title} cho hồ sơ {order.dossier_code} "
              "chưa thành công, Anh/Chị chưa bị trừ tiền. Anh/Chị có thể thử lại."),
        buttons=[Button(title="Thử lại", payload=payload("pay_fee", dossier_code=order.dossier_code)),
                 Button(title="Gặp nhân viên", payload=payload("request_human", handoff_reason="payment_failed"))])


def refund_due(order: OrderView, provider_title: str) -> OutboundMessage:
    return OutboundMessage(
        text=(f"Hồ sơ {order.dossier_code} đã được nộp phí trước đó, nên khoản {money(order.amount_vnd)} "
              f"vừa thanh toán qua {provider_title} (mã giao dịch {order.provider_txn or '—'}) là trùng. "
              "Trung tâm sẽ hoàn lại khoản này; Anh/Chị không cần làm gì thêm."),
        buttons=[Button(title="Gặp nhân viên", payload="/request_human")])


def dossier_note(order: OrderView, provider_title: str) -> str:
    """The line added to the dossier's history."""
    return f"Đã nộp {money(order.amount_vnd)} qua {provider_title}, mã giao dịch {order.provider_txn or '—'}"
