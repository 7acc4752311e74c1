"""The outbox: order, retries with back-off, giving up, and one delivery across workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Conversation, Message, OutboxItem
from bot.conversation.outbox import UNANSWERED, Outbox
from bot.core.db import make_engine, make_sessionmaker
from channels.base import DeliveryError
from channels.messages import OutboundMessage
from tests.support.waiting import run_async


class RecordingChannel:
    """Our own Channel interface, recording instead of calling a platform."""

    name = "zalo"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[DeliveryError] = []

    async def send(self, recipient_id: str, message: OutboundMessage, kind: str = "reply") -> str | None:
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient_id, message.text or ""))
        return f"p-{len(self.sent)}"

    async def download(self, url: str) -> bytes:
        raise NotImplementedError


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    with factory() as session, session.begin():
        session.add(Conversation(channel="zalo", sender_id="u-1"))
        session.add(Conversation(channel="zalo", sender_id="u-2"))
    yield factory
    engine.dispose()


def texts(*values: str) -> list[OutboundMessage]:
    return [OutboundMessage(text=v) for v in values]


def statuses(sessions) -> list[str]:
    with sessions() as session:
        return [i.status for i in session.scalars(select(OutboxItem).order_by(OutboxItem.id))]


def test_messages_arrive_in_order_after_an_outage(sessions) -> None:
    channel = RecordingChannel()
    outbox = Outbox(sessions, {"zalo": channel}, base_delay=0)
    outbox.enqueue(1, texts("một", "hai", "ba"))
    channel.failures = [DeliveryError("down")]
    assert run_async(outbox.deliver_due()) == 0  # the first fails: the others wait behind it
    assert channel.sent == []
    assert run_async(outbox.deliver_due()) == 3
    assert [t for _, t in channel.sent] == ["một", "hai", "ba"]
    assert statuses(sessions) == ["sent", "sent", "sent"]


def test_one_conversation_failing_does_not_hold_back_another(sessions) -> None:
    channel = RecordingChannel()
    outbox = Outbox(sessions, {"zalo": channel}, base_delay=60)
    outbox.enqueue(1, texts("a"))
    outbox.enqueue(2, texts("b"))
    channel.failures = [DeliveryError("rate limited")]
    run_async(outbox.deliver_due())
    assert channel.sent == [("u-2", "b")]
    assert statuses(sessions) == ["pending", "sent"]  # retried later, after its back-off


def test_permanent_failure_is_given_up_with_the_reason(sessions) -> None:
    channel = RecordingChannel()
    outbox = Outbox(sessions, {"zalo": channel}, base_delay=0)
    outbox.enqueue(1, texts("a"))
    channel.failures = [DeliveryError("user blocked the OA", retryable=False)]
    run_async(outbox.deliver_due())
    with sessions() as session:
        item = session.scalars(select(OutboxItem)).one()
    assert item.status == "failed" and "blocked" in item.last_error


def test_message_for_a_channel_that_is_off_waits_instead_of_vanishing(sessions) -> None:
    outbox = Outbox(sessions, {}, base_delay=0)
    outbox.enqueue(1, texts("a"))
    run_async(outbox.deliver_due())
    assert statuses(sessions) == ["pending"]
    channel = RecordingChannel()
    assert run_async(Outbox(sessions, {"zalo": channel}).deliver_due()) == 1


def test_two_workers_deliver_each_message_once(sessions) -> None:
    channel = RecordingChannel()
    first, second = (Outbox(sessions, {"zalo": channel}) for _ in range(2))
    first.enqueue(1, texts(*[str(i) for i in range(20)]))

    async def both() -> None:
        await asyncio.gather(first.deliver_due(), second.deliver_due())

    run_async(both())
    run_async(first.deliver_due())
    assert sorted(int(t) for _, t in channel.sent) == list(range(20))


def test_a_notice_is_kept_in_the_transcript(sessions) -> None:
    outbox = Outbox(sessions, {"zalo": RecordingChannel()})
    outbox.enqueue(1, texts("Hồ sơ của Anh/Chị đã được tiếp nhận."), kind="notice")
    with sessions() as session:
        stored = session.scalars(select(Message.text).where(Message.author == "system")).all()
    assert stored == ["Hồ sơ của Anh/Chị đã được tiếp nhận."]


def test_replies_and_the_answered_mark_are_one_transaction(sessions) -> None:
    """A message acknowledged to Zalo/Telegram stays marked until its replies are queued; both in one
    transaction, so a restart neither answers it twice nor leaves it unanswered (bot/conversation/inbound.py)."""
    with sessions() as session, session.begin():
        asked = Message(conversation_id=1, direction="in", text="lệ phí hộ chiếu",
                        payload={"zalo_event": "user_send_text", UNANSWERED: []})
        session.add(asked)
        session.flush()
        asked_id = asked.id
    outbox = Outbox(sessions, {"zalo": RecordingChannel()})
    with pytest.raises(KeyError):                       # the queueing fails: the mark stays
        outbox.enqueue(999, texts("Lệ phí 200.000 đ"), answers=asked_id)
    with sessions() as session:
        assert UNANSWERED in session.get(Message, asked_id).payload
    outbox.enqueue(1, texts("Lệ phí 200.000 đ"), answers=asked_id)
    with sessions() as session:
        assert session.get(Message, asked_id).payload == {"zalo_event": "user_send_text"}
        assert len(session.scalars(select(OutboxItem)).all()) == 1
