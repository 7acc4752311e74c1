"""Paying a dossier's fee in the chat.

``action_offer_payment`` (intent ``pay_fee``) finds the citizen's dossier that owes a fee, states
the amount computed at filing (with its explanation and the exemptions), and, when one provider is
enabled, makes the order at once and answers with one "Thanh toán 70.000 đ" button that opens the
pay page; with several providers it offers them as buttons and ``action_create_payment`` (button
``choose_payment``) makes the order and sends the pay link. The receipt arrives later, when the
provider's verified callback reaches the gateway.

Only the citizen who filed the dossier (same channel and account) can pay it in the chat; any other
code gets the same reply as an unknown one, so the chat never reveals someone else's dossier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from actions.answers import KnowledgeAction
from actions.tracking import find_code
from bot.conversation.senders import split_sender
from bot.core.buttons import payload
from bot.core.money import vnd as money
from bot.core.vntime import vn_time
from bot.dossiers.backend import DossierView
from bot.dossiers.codes import normalise_code
from bot.dossiers.fees import exemptions
from bot.payments.service import PAYABLE, OrderView, PaymentRefused
from knowledge_base.service import KnowledgeBase

if TYPE_CHECKING:
    from bot.payments.service import PaymentService

HUMAN = {"title": "Gặp nhân viên", "payload": "/request_human"}
NOT_ENABLED = ("Thanh toán trực tuyến trong trò chuyện chưa được bật. Anh/Chị nộp phí trên Cổng dịch vụ "
               "công hoặc tại bộ phận một cửa khi nhận kết quả.")
NOTHING_DUE = ("Em chưa thấy hồ sơ nào của Anh/Chị cần nộp phí. Hồ sơ nộp qua kênh khác, Anh/Chị "
               "thanh toán trên Cổng dịch vụ công hoặc tại bộ phận một cửa.")
NOT_YOURS = ("Em không tìm thấy hồ sơ {code} trong các hồ sơ Anh/Chị đã nộp qua cuộc trò chuyện này. "
             "Anh/Chị kiểm tra lại mã, hoặc thanh toán trên Cổng dịch vụ công.")
CHOOSE_DOSSIER = "Anh/Chị muốn nộp phí cho hồ sơ nào?"
OFFER = "Hồ sơ {code} — {title}\nSố tiền cần nộp: {amount}."
SET_BY_STAFF = "Số tiền do cán bộ xác định khi xử lý hồ sơ."
EXEMPT = "Được miễn: {cases}. Nếu Anh/Chị thuộc diện này, Anh/Chị không cần thanh toán; cán bộ sẽ kiểm tra."
CHOOSE_PROVIDER = "Anh/Chị chọn cách thanh toán:"
PAY_LINK = ("Anh/Chị mở đường dẫn sau để thanh toán {amount} qua {provider} (hiệu lực đến {until}):\n{url}\n"
            "Thanh toán xong, biên lai sẽ được gửi vào đây.")
PAY_BUTTON = "Thanh toán {amount}"


def pay_button(view: DossierView) -> dict[str, str]:
    return {"title": f"{view.code} · {money(view.fee_due_vnd)}",
            "payload": payload("pay_fee", dossier_code=view.code)}


class PaymentAction(KnowledgeAction):
    def __init__(self, kb: KnowledgeBase, payments: PaymentService | None) -> None:
        super().__init__(kb)
        self.payments = payments

    async def own_dossier(self, tracker: Tracker, code: str) -> DossierView | None:
        """The dossier, only if this conversation filed it."""
        assert self.payments is not None
        view = await self.payments.dossiers.get(code)
        if view is None or (view.channel, view.sender_id) != split_sender(tracker.sender_id):
            return None
        return view


class ActionOfferPayment(PaymentAction):
    def name(self) -> str:
        return "action_offer_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if self.payments is None or not self.payments.enabled():
            dispatcher.utter_message(text=NOT_ENABLED, buttons=[HUMAN])
            return []
        code = next(tracker.get_latest_entity_values("dossier_code"), None) or \
            find_code(tracker.latest_message.get("text") or "")
        if code:
            view = await self.own_dossier(tracker, code)
            if view is None:
                dispatcher.utter_message(text=NOT_YOURS.format(code=normalise_code(code) or code), buttons=[HUMAN])
                return []
            await self.offer(dispatcher, view)
            return []
        channel, sender_id = split_sender(tracker.sender_id)
        owing = [v for v in await self.payments.dossiers.list(channel=channel, sender_id=sender_id, limit=20)
                 if v.fee_due_vnd > 0 and v.status in PAYABLE]
        if not owing:
            dispatcher.utter_message(text=NOTHING_DUE, buttons=[HUMAN])
        elif len(owing) == 1:
            await self.offer(dispatcher, owing[0])
        else:
            dispatcher.utter_message(text=CHOOSE_DOSSIER, buttons=[pay_button(v) for v in owing[:5]])
        return []

    async def offer(self, dispatcher: CollectingDispatcher, view: DossierView) -> None:
        assert self.payments is not None
        try:
            await self.payments.payable(view.code)
        except PaymentRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return
        procedure = self.kb.procedure(view.procedure_id)
        lines = [OFFER.format(code=view.code, title=procedure.title if procedure else view.procedure_id,
                              amount=money(view.fee_due_vnd))]
        if view.fee_explanation and view.fee_assessed_vnd == view.fee_due_vnd:
            lines.append(cards.fee_summary(view.fee_assessed_vnd, view.fee_explanation))
        elif view.fee_assessed_vnd != view.fee_due_vnd:
            lines.append(SET_BY_STAFF)
        cases = [f.note or f.label for f in exemptions(procedure)] if procedure else []
        if cases:
            lines.append(EXEMPT.format(cases="; ".join(cases).rstrip(".")))
        providers = self.payments.enabled()
        if len(providers) == 1:  # nothing to choose: straight to the pay link
            try:
                order = await self.payments.create_order(view.code, providers[0].name)
            except PaymentRefused as refused:
                retry = {"title": "Thử lại", "payload": payload("pay_fee", dossier_code=view.code)}
                dispatcher.utter_message(text="\n".join([*lines, str(refused)]), buttons=[retry, HUMAN])
                return
            text, button = pay_link(order, providers[0].title)
            dispatcher.utter_message(text="\n".join([*lines, text]), buttons=[button])
            return
        lines.append(CHOOSE_PROVIDER)
        buttons = [{"title": p.title,
                    "payload": payload("choose_payment", dossier_code=view.code, payment_provider=p.name)}
                   for p in providers]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)


def pay_link(order: OrderView, provider_title: str) -> tuple[str, dict[str, str]]:
    """The pay link as text (channels that cannot open a link from a button) and as one button
    "Thanh toán 70.000 đ" whose payload is the link itself (channels render it as a link)."""
    until = vn_time(order.expires_at, "%H:%M %d/%m")
    text = PAY_LINK.format(amount=money(order.amount_vnd), provider=provider_title, until=until, url=order.pay_url)
    return text, {"title": PAY_BUTTON.format(amount=money(order.amount_vnd)), "payload": order.pay_url}


class ActionCreatePayment(PaymentAction):
    def name(self) -> str:
        return "action_create_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if self.payments is None or not self.payments.enabled():
            dispatcher.utter_message(text=NOT_ENABLED, buttons=[HUMAN])
            return []
        code = next(tracker.get_latest_entity_values("dossier_code"), None) or ""
        provider = next(tracker.get_latest_entity_values("payment_provider"), None) or ""
        view = await self.own_dossier(tracker, code) if code else None
        if view is None:
            dispatcher.utter_message(text=NOT_YOURS.format(code=code or "này"), buttons=[HUMAN])
            return []
        try:
            order = await self.payments.create_order(view.code, provider)
        except PaymentRefused as refused:
            retry = {"title": "Chọn cách khác", "payload": payload("pay_fee", dossier_code=view.code)}
            dispatcher.utter_message(text=str(refused), buttons=[retry, HUMAN])
            return []
        text, button = pay_link(order, self.payments.providers[order.provider].title)
        dispatcher.utter_message(text=text, buttons=[button])
        return []
