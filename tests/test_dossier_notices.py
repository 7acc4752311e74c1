"""Every status change reaches the citizen on the channel they filed from, through the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Conversation, OutboxItem
from bot.conversation.outbox import Outbox
from bot.dossiers.notices import StatusNotifier
from bot.dossiers.registry import EmbeddedRegistry
from bot.dossiers.status import DossierStatus
from knowledge_base.service import KnowledgeBase
from tests.support.dossiers import draft
from tests.support.waiting import run_async


def notices(sessions: sessionmaker) -> list[str]:
    with sessions() as session:
        return [item.payload["text"] for item in session.scalars(
            select(OutboxItem).where(OutboxItem.kind == "notice").order_by(OutboxItem.id))]


def test_status_changes_are_pushed_with_a_fitting_message(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    with sessions() as session, session.begin():
        session.add(Conversation(channel="web", sender_id="citizen-1"))
    registry = EmbeddedRegistry(sessions, kb, on_status_change=StatusNotifier(Outbox(sessions, {})))
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    run_async(registry.change_status(filed.code, DossierStatus.RECEIVED, "", "can-bo-1"))
    run_async(registry.change_status(filed.code, DossierStatus.SUPPLEMENT,
                                     "Thiếu giấy khám sức khỏe", "can-bo-1"))
    texts = notices(sessions)
    assert texts[0].startswith(f"📌 Hồ sơ {filed.code}: Mới đăng ký.")
    assert "Được tiếp nhận" in texts[1] and "Hẹn trả kết quả" in texts[1]
    assert "Yêu cầu bổ sung giấy tờ" in texts[2] and "Ghi chú: Thiếu giấy khám sức khỏe" in texts[2]
    assert "gửi ảnh hoặc PDF" in texts[2]


def test_notice_without_a_conversation_is_logged_not_crashing(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb, on_status_change=StatusNotifier(Outbox(sessions, {})))
    filed = run_async(registry.file(draft(kb, "doi-gplx", sender_id="nobody")))
    assert filed.code and notices(sessions) == []


def test_a_returned_dossier_notice_asks_for_a_rating() -> None:
    import datetime as dt

    from bot.dossiers.backend import DossierView
    from bot.dossiers.notices import notice_for
    from bot.dossiers.status import DossierStatus

    view = DossierView(code="HS-7K3M-Q9TX", procedure_id="doi-gplx", status=DossierStatus.RETURNED,
                       submitted_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), due_date=None, fee_due_vnd=0,
                       channel="web", sender_id="a", phone_last4="5678", cccd_last4="2345")
    notice = notice_for(view)
    assert "đánh giá" in (notice.text or "")
    assert notice.buttons[4].payload == '/rate{"score": 5, "rating_subject": "dossier:HS-7K3M-Q9TX"}'
