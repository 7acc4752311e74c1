"""Tracking needs proof of ownership, and guessing is throttled."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from bot.dossiers.registry import EmbeddedRegistry
from bot.dossiers.tracking import FailureThrottle, TrackingService
from knowledge_base.service import KnowledgeBase
from tests.conftest import run_async
from tests.test_dossiers import CCCD, PHONE, draft, sessions  # noqa: F401  (fixture)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_owner_sees_the_dossier_with_phone_or_cccd_digits(kb: KnowledgeBase, sessions: sessionmaker) -> None:  # noqa: F811
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    tracking = TrackingService(registry)
    by_phone = run_async(tracking.track(filed.code.lower().replace("-", " "), PHONE.replace(" ", "")[-4:], "web:a"))
    by_cccd = run_async(tracking.track(filed.code, f"so cuoi {CCCD[-4:]}", "web:a"))
    assert by_phone.outcome == by_cccd.outcome == "ok"
    assert by_phone.dossier is not None and by_phone.dossier.code == filed.code


def test_wrong_digits_and_unknown_codes_fail_alike_then_are_throttled(
        kb: KnowledgeBase, sessions: sessionmaker) -> None:  # noqa: F811
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


def test_proof_must_be_four_digits(kb: KnowledgeBase, sessions: sessionmaker) -> None:  # noqa: F811
    tracking = TrackingService(EmbeddedRegistry(sessions, kb))
    assert run_async(tracking.track("HS-0000-0000", "12", "web:y")).outcome == "bad_proof"
