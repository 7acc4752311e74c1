"""Tracking needs proof of ownership, and guessing is throttled."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from bot.dossiers.registry import EmbeddedRegistry
from bot.dossiers.tracking import FailureThrottle, TrackingService
from knowledge_base.service import KnowledgeBase
from tests.support.dossiers import CCCD, PHONE, draft
from tests.support.waiting import run_async


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_owner_sees_the_dossier_with_phone_or_cccd_digits(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    tracking = TrackingService(registry)
    by_phone = run_async(tracking.track(filed.code.lower().replace("-", " "), PHONE.replace(" ", "")[-4:], "web:a"))
    by_cccd = run_async(tracking.track(filed.code, f"so cuoi {CCCD[-4:]}", "web:a"))
    assert by_phone.outcome == by_cccd.outcome == "ok"
    assert by_phone.dossier is not None and by_phone.dossier.code == filed.code


def test_wrong_digits_and_unknown_codes_fail_alike_then_are_throttled(
        kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    clock = Clock()
    tracking = TrackingService(registry, FailureThrottle(limit=3, window=600, clock=clock))
    assert run_async(tracking.track(filed.code, "0000", "web:x")).outcome == "wrong_proof"
    assert run_async(tracking.track("HS-0000-0000", "0000", "web:x")).outcome == "not_found"
    assert run_async(tracking.track("HS-1111-1111", "0000", "web:x")).outcome == "not_found"
    blocked = run_async(tracking.track(filed.code, PHONE.replace(" ", "")[-4:], "web:x"))
    assert blocked.outcome == "throttled" and 0 < blocked.retry_after_seconds <= 601
    # Another requester guessing the same code is throttled too once it has failed often.
    clock.now += 601
    assert run_async(tracking.track(filed.code, PHONE.replace(" ", "")[-4:], "web:x")).outcome == "ok"


def test_proof_must_be_four_digits(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    tracking = TrackingService(EmbeddedRegistry(sessions, kb))
    assert run_async(tracking.track("HS-0000-0000", "12", "web:y")).outcome == "bad_proof"


def test_the_owner_conversation_needs_no_digits_and_is_never_locked_out(
        kb: KnowledgeBase, sessions: sessionmaker) -> None:
    """Before: five strangers' wrong guesses locked the code for 15 minutes, owner included."""
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx", sender_id="an")))
    tracking = TrackingService(registry, FailureThrottle(limit=5, window=900, clock=Clock()), max_guessers=3)
    for n in range(20):   # twenty strangers, one guess each: the code is locked for strangers only
        run_async(tracking.track(filed.code, f"{n:04d}", f"zalo:stranger-{n}"))
    assert run_async(tracking.track(filed.code, PHONE.replace(" ", "")[-4:], "web:someone")).outcome == "throttled"
    own = run_async(tracking.track(filed.code, "", "web:an"))
    assert own.outcome == "ok" and own.dossier is not None and own.dossier.code == filed.code
    assert [v.code for v in run_async(tracking.own("web:an"))] == [filed.code]
    assert run_async(tracking.own("web:someone")) == []
    assert run_async(tracking.owned(filed.code, "zalo:an")) is None   # same id, another platform


def test_one_impatient_requester_locks_only_itself(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    tracking = TrackingService(registry, FailureThrottle(limit=3, window=600, clock=Clock()), max_guessers=3)
    for _ in range(3):
        assert run_async(tracking.track(filed.code, "0000", "web:x")).outcome == "wrong_proof"
    assert run_async(tracking.track(filed.code, PHONE.replace(" ", "")[-4:], "web:x")).outcome == "throttled"
    # one requester's failures count once against the code: another person with the digits gets in
    assert run_async(tracking.track(filed.code, PHONE.replace(" ", "")[-4:], "telegram:y")).outcome == "ok"
