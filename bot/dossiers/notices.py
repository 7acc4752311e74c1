"""Status-change notices: every change of a dossier is pushed to the citizen on the channel they
used to file, through the outbox (so a platform outage delays a notice, never loses it)."""

from __future__ import annotations

import logging

from bot.conversation.outbox import Outbox
from bot.core.buttons import payload
from bot.core.money import vnd
from bot.core.vntime import vn_date
from bot.dossiers.backend import DossierView
from bot.dossiers.status import DossierStatus
from bot.handoff.texts import rating_buttons
from channels.messages import Button, OutboundMessage

log = logging.getLogger(__name__)

NEXT_STEP = {
    DossierStatus.NEW: "Hồ sơ đã được gửi, đang chờ cán bộ tiếp nhận.",
    DossierStatus.RECEIVED: "Hồ sơ đã được tiếp nhận và sẽ được giải quyết theo thời hạn.",
    DossierStatus.REJECTED: "Hồ sơ không được tiếp nhận. Anh/Chị xem lý do bên dưới.",
    DossierStatus.PROCESSING: "Hồ sơ đang được xử lý. Anh/Chị không cần làm gì thêm.",
    DossierStatus.SUPPLEMENT: "Anh/Chị cần bổ sung giấy tờ. Anh/Chị gửi ảnh hoặc PDF ngay trong "
                              "cuộc trò chuyện này.",
    DossierStatus.FEE_DUE: "Anh/Chị cần nộp phí, lệ phí để hồ sơ được tiếp tục giải quyết.",
    DossierStatus.WITHDRAWN: "Hồ sơ đã được rút theo yêu cầu của Anh/Chị.",
    DossierStatus.STOPPED: "Hồ sơ đã dừng xử lý. Anh/Chị xem lý do bên dưới.",
    DossierStatus.DONE: "Hồ sơ đã giải quyết xong, đang chờ trả kết quả.",
    DossierStatus.RETURNED: "Kết quả đã được trả. Cảm ơn Anh/Chị đã sử dụng dịch vụ công.",
}


def notice_for(view: DossierView) -> OutboundMessage:
    """A short message fitting the new status, with the staff's note when there is one."""
    latest = view.history[-1] if view.history else None
    note = f"\nGhi chú: {latest.note}" if latest and latest.note else ""
    due = f"\nHẹn trả kết quả: {vn_date(view.due_date)}." if view.due_date and view.status in (
        DossierStatus.RECEIVED, DossierStatus.PROCESSING) else ""
    fee = (f"\nSố tiền: {vnd(view.fee_due_vnd)}."
           if view.status is DossierStatus.FEE_DUE and view.fee_due_vnd else "")
    buttons = [Button(title="Tra cứu hồ sơ", payload=payload("track_dossier", dossier_code=view.code))]
    if view.status is DossierStatus.RETURNED:   # done: how did it go?
        return OutboundMessage(text=f"📌 Hồ sơ {view.code}: {view.status.label}.\n{NEXT_STEP[view.status]}{note}\n"
                                    "Anh/Chị đánh giá giúp Trung tâm việc giải quyết hồ sơ này nhé:",
                               buttons=rating_buttons("dossier", view.code))
    if view.status is DossierStatus.FEE_DUE:
        buttons.insert(0, Button(title="Thanh toán", payload=payload("pay_fee", dossier_code=view.code)))
    return OutboundMessage(
        text=f"📌 Hồ sơ {view.code}: {view.status.label}.\n{NEXT_STEP[view.status]}{note}{due}{fee}",
        buttons=buttons)


class StatusNotifier:
    """``on_status_change`` listener of a dossier backend."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def __call__(self, view: DossierView) -> None:
        if not await self._outbox.notify(view.channel, view.sender_id, [notice_for(view)]):
            log.warning("no conversation for dossier %s on %s: notice not sent", view.code, view.channel)
