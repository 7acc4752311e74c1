"""Dossiers: codes, working-day calendar, the embedded registry (real SQLite) and the HTTP adapter
against a stand-in one-stop system (real HTTP)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.core.calendar import TIMEZONE, WorkingCalendar, add_working_days, is_working_day
from bot.dossiers.backend import DossierDraft, DossierView, SubmittedDocument
from bot.dossiers.codes import CODE_PATTERN, new_code, normalise_code
from bot.dossiers.errors import (
    BackendAuthError,
    BackendUnavailable,
    InvalidDraft,
    InvalidTransition,
    UnknownProcedure,
)
from bot.dossiers.http_backend import HttpDossierBackend
from bot.dossiers.models import DossierDocumentRecord, DossierRecord
from bot.dossiers.registry import EmbeddedRegistry
from bot.dossiers.status import DossierStatus as S
from knowledge_base.service import KnowledgeBase
from tests.standins.onestop_server import OneStopStandIn, running
from tests.support.dossiers import CCCD, PHONE, draft
from tests.support.network import free_port
from tests.support.paths import ROOT
from tests.support.records import stored_attachment
from tests.support.waiting import run_async

CALENDAR = WorkingCalendar.from_yaml()


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TIMEZONE)


# ---- codes -------------------------------------------------------------------------------------
def test_codes_are_hs_crockford_and_10000_are_unique() -> None:
    codes = [new_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    assert all(CODE_PATTERN.fullmatch(c) for c in codes)
    assert not {ch for c in codes for ch in c[3:].replace("-", "")} & set("ILOU")


def test_codes_match_the_nlu_dossier_code_regex() -> None:
    entities = (ROOT / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8")
    pattern = re.search(r"- regex: dossier_code\n\s+examples: \|\n\s+- (.+)\n", entities)
    assert pattern, "dossier_code regex not found in data/nlu/entities.yml"
    nlu = re.compile(pattern.group(1).strip())
    for code in (new_code() for _ in range(200)):
        assert nlu.search(f"tra cứu hồ sơ {code} giúp tôi").group(0) == code  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["HS-7K3M-Q9TX", "hs-7k3m-q9tx", "hs 7k3m q9tx", "HS7K3MQ9TX", "7k3m-q9tx",
                                   " hs.7k3m.q9tx ", "7K3MQ9TX"])
def test_normaliser_accepts_what_citizens_type_back(typed: str) -> None:
    assert normalise_code(typed) == "HS-7K3M-Q9TX"


def test_normaliser_reads_o_as_zero_and_i_l_as_one() -> None:
    assert normalise_code("hs-o1il-oooo") == "HS-0111-0000"


@pytest.mark.parametrize("typed", ["", "HS-7K3M", "HS-7K3M-Q9TXX", "HS-UUUU-0000", "HS-7K3M-Q9T#", "xin chào"])
def test_normaliser_rejects_what_cannot_be_a_code(typed: str) -> None:
    assert normalise_code(typed) is None


# ---- calendar ----------------------------------------------------------------------------------
def test_working_days_skip_the_weekend() -> None:
    assert CALENDAR.add_working_days(at(2026, 3, 6), 1) == dt.date(2026, 3, 9)   # Friday → Monday
    assert CALENDAR.add_working_days(at(2026, 3, 5), 3) == dt.date(2026, 3, 10)  # Thursday → Tuesday


def test_working_days_skip_tet_2026() -> None:
    # Tết Bính Ngọ: days off Monday 16/2 – Friday 20/2/2026, between two weekends.
    assert CALENDAR.add_working_days(at(2026, 2, 13), 1) == dt.date(2026, 2, 23)
    assert CALENDAR.add_working_days(at(2026, 2, 12), 3) == dt.date(2026, 2, 24)
    assert not any(CALENDAR.is_working_day(dt.date(2026, 2, d)) for d in range(14, 23))


def test_dossier_received_after_cutoff_counts_from_next_working_day() -> None:
    assert CALENDAR.add_working_days(at(2026, 3, 5, 14, 59), 1) == dt.date(2026, 3, 6)
    assert CALENDAR.add_working_days(at(2026, 3, 5, 15, 0), 1) == dt.date(2026, 3, 9)
    assert CALENDAR.add_working_days(at(2026, 3, 6, 16, 30), 0) == dt.date(2026, 3, 9)


def test_cutoff_is_configurable() -> None:
    late = WorkingCalendar.from_yaml(cutoff="17:00")
    assert late.add_working_days(at(2026, 3, 5, 16, 0), 0) == dt.date(2026, 3, 5)


def test_zero_day_procedure_is_due_the_same_working_day() -> None:
    assert CALENDAR.add_working_days(at(2026, 3, 5, 8, 0), 0) == dt.date(2026, 3, 5)
    assert CALENDAR.add_working_days(at(2026, 3, 7, 10, 0), 0) == dt.date(2026, 3, 9)  # Saturday → Monday


def test_half_day_is_rounded_up_to_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(at(2026, 3, 5, 8, 0), 0.5) == dt.date(2026, 3, 6)


def test_utc_times_are_read_in_vietnam_time() -> None:
    # 08:30 UTC = 15:30 in Hà Nội: after the cut-off.
    monday_afternoon = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
    assert CALENDAR.receiving_day(monday_afternoon) == dt.date(2026, 3, 3)


def test_public_holidays_and_make_up_saturdays() -> None:
    off = [dt.date(2025, 1, 1), dt.date(2025, 4, 7), dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 5, 2),
           dt.date(2025, 9, 1), dt.date(2025, 9, 2), dt.date(2026, 4, 27), dt.date(2027, 4, 16)]
    assert not any(is_working_day(d) for d in off)
    assert is_working_day(dt.date(2025, 2, 8)) and is_working_day(dt.date(2025, 4, 26))  # làm bù Saturdays
    assert add_working_days(at(2025, 4, 29), 1) == dt.date(2025, 5, 5)


def test_holidays_file_the_centre_edits_is_read(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yml"
    path.write_text('annual:\n  "01-01": Tết\ndays_off:\n  2026-03-09: nghỉ bù\nworking_days:\n  2026-03-07: làm bù\n',
                    encoding="utf-8")
    calendar = WorkingCalendar.from_yaml(path)
    assert calendar.add_working_days(at(2026, 3, 6), 1) == dt.date(2026, 3, 7)
    assert calendar.add_working_days(at(2026, 3, 6), 2) == dt.date(2026, 3, 10)


# ---- embedded registry -------------------------------------------------------------------------
def test_filing_computes_fee_and_due_date_from_the_catalog(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    view = run_async(registry.file(draft(kb, "doi-gplx")))
    assert view.status == S.NEW and CODE_PATTERN.fullmatch(view.code)
    assert view.fee_due_vnd == 135000
    assert view.due_date == CALENDAR.add_working_days(view.submitted_at, 5)
    assert [e.status for e in view.history] == [S.NEW]


def test_filing_fee_is_computed_from_the_answers_and_kept_with_its_explanation(
        kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    student = run_async(registry.file(draft(kb, "ly-lich-tu-phap",
                                            fee_category="Sinh viên/người có công/thân nhân liệt sĩ")))
    assert (student.fee_due_vnd, student.fee_assessed_vnd) == (100_000, 100_000)
    assert student.due_date is None  # the catalog gives no number of working days
    stored = run_async(registry.get(student.code))
    assert stored is not None and stored.fee_explanation == (
        "Phí đối với sinh viên, người có công với cách mạng, thân nhân liệt sĩ: 100.000 đ")
    lost_card = run_async(registry.file(draft(kb, "can-cuoc", request_type="Cấp lại", reissue_reason="Bị mất thẻ")))
    assert lost_card.fee_due_vnd == 70_000
    copies = run_async(registry.file(draft(kb, "trich-luc-ho-tich", number_of_copies="3")))
    assert copies.fee_due_vnd == 24_000 and "8.000 đ × 3 bản = 24.000 đ" in copies.fee_explanation
    birth = run_async(registry.file(draft(kb, "khai-sinh")))  # free on time, "varies" when late: staff decide
    assert (birth.fee_due_vnd, birth.fee_assessed_vnd) == (0, None)
    assert birth.due_date == CALENDAR.receiving_day(birth.submitted_at)  # 0 days: same working day


def test_filing_refuses_unknown_procedure_and_missing_fields(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    with pytest.raises(UnknownProcedure):
        run_async(registry.file(draft(kb, "khong-co-thu-tuc")))
    incomplete = draft(kb, "doi-gplx")
    incomplete = DossierDraft(**{**incomplete.__dict__, "fields": {}})
    with pytest.raises(InvalidDraft, match="còn thiếu"):
        run_async(registry.file(incomplete))


def test_status_history_follows_the_dossier_to_returned(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    for status in (S.RECEIVED, S.PROCESSING, S.FEE_DUE, S.PROCESSING, S.DONE, S.RETURNED):
        view = run_async(registry.change_status(code, status, f"ghi chú {status.name}", "can-bo-1"))
    assert [e.status for e in view.history] == [S.NEW, S.RECEIVED, S.PROCESSING, S.FEE_DUE, S.PROCESSING, S.DONE,
                                                S.RETURNED]
    assert view.history[-1].note == "ghi chú RETURNED" and view.history[-1].actor == "can-bo-1"
    assert run_async(registry.get(code)) == view


def test_invalid_transitions_are_refused_in_vietnamese(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    run_async(registry.change_status(code, S.DONE, "", "can-bo-1"))
    with pytest.raises(InvalidTransition, match="không thể chuyển sang «Yêu cầu bổ sung giấy tờ»"):
        run_async(registry.change_status(code, S.SUPPLEMENT, "", "can-bo-1"))  # no way back once done
    code = run_async(registry.file(draft(kb))).code
    run_async(registry.change_status(code, S.WITHDRAWN, "công dân rút", "citizen"))
    with pytest.raises(InvalidTransition, match="trạng thái cuối"):
        run_async(registry.change_status(code, S.PROCESSING, "", "can-bo-1"))
    assert run_async(registry.get(code)).status == S.WITHDRAWN  # type: ignore[union-attr]


def test_admin_override_can_reopen_a_closed_dossier(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    run_async(registry.change_status(code, S.REJECTED, "thiếu giấy khám sức khỏe", "can-bo-1"))
    view = run_async(registry.change_status(code, S.RECEIVED, "nhầm", "admin", admin_override=True))
    assert view.status == S.RECEIVED and "quản trị viên" in view.history[-1].note


def test_only_last_four_digits_of_phone_and_cccd_are_exposed(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    view = run_async(registry.file(draft(kb)))
    assert (view.phone_last4, view.cccd_last4) == ("5678", "2345")
    assert CCCD not in repr(view) and "345 678" not in repr(view) and "912345678" not in repr(view)
    with sessions() as session:  # stored in full for the centre
        record = session.scalars(select(DossierRecord).where(DossierRecord.code == view.code)).one()
        assert (record.applicant_phone, record.applicant_cccd) == (PHONE, CCCD)


def test_dossier_is_found_by_the_code_as_typed_back(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert run_async(registry.get(typed)).code == code  # type: ignore[union-attr]
    assert run_async(registry.get("HS-0000-0000")) is None


def test_supplement_documents_attach_to_the_dossier(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    first = stored_attachment(sessions)
    licence = SubmittedDocument("Giấy phép lái xe đang sử dụng", [first])
    code = run_async(registry.file(draft(kb, documents=[licence]))).code
    run_async(registry.change_status(code, S.SUPPLEMENT, "Thiếu giấy khám sức khỏe", "can-bo-1"))
    health = stored_attachment(sessions)
    run_async(registry.add_documents(code, [SubmittedDocument("Giấy khám sức khỏe của người lái xe", [health])]))
    with sessions() as session:
        rows = session.scalars(select(DossierDocumentRecord).order_by(DossierDocumentRecord.id)).all()
        assert [(r.name, r.attachment_id, r.supplement) for r in rows] == [
            ("Giấy phép lái xe đang sử dụng", first, False), ("Giấy khám sức khỏe của người lái xe", health, True)]


def test_documents_from_another_conversation_are_refused(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    someone_else = stored_attachment(sessions, sender_id="citizen-2")
    with pytest.raises(InvalidDraft, match="Không tìm thấy tệp"):
        run_async(registry.add_documents(code, [SubmittedDocument("Giấy khám sức khỏe", [someone_else])]))
    with pytest.raises(InvalidDraft):
        run_async(registry.file(draft(kb, documents=[SubmittedDocument("Giấy phép", [999_999])])))


def test_no_documents_after_the_result_is_returned(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    for status in (S.RECEIVED, S.DONE, S.RETURNED):
        run_async(registry.change_status(code, status, "", "can-bo-1"))
    with pytest.raises(InvalidTransition, match="không nhận thêm giấy tờ"):
        run_async(registry.add_documents(code, [SubmittedDocument("Giấy khám", [stored_attachment(sessions)])]))


def test_listener_is_called_after_filing_and_each_status_change(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    seen: list[tuple[str, S]] = []

    async def listener(view: DossierView) -> None:
        seen.append((view.code, view.status))

    registry = EmbeddedRegistry(sessions, kb, on_status_change=listener)
    code = run_async(registry.file(draft(kb))).code
    run_async(registry.change_status(code, S.RECEIVED, "", "can-bo-1"))
    run_async(registry.change_status(code, S.RETURNED, "", "can-bo-1"))   # through DONE: one notice
    with pytest.raises(InvalidTransition):
        run_async(registry.change_status(code, S.PROCESSING, "", "can-bo-1"))
    assert seen == [(code, S.NEW), (code, S.RECEIVED), (code, S.RETURNED)]


def test_one_change_reaches_returned_and_records_every_national_step(kb: KnowledgeBase,
                                                                      sessions: sessionmaker) -> None:
    """Four submits before (tiếp nhận, xử lý, xong, trả); one now, with an honest history."""
    registry = EmbeddedRegistry(sessions, kb)
    code = run_async(registry.file(draft(kb))).code
    view = run_async(registry.change_status(code, S.RETURNED, "Đã trả kết quả tại bộ phận một cửa", "can-bo-1"))
    assert view.status == S.RETURNED
    assert [e.status for e in view.history] == [S.NEW, S.RECEIVED, S.DONE, S.RETURNED]
    assert [e.actor for e in view.history[1:]] == ["can-bo-1"] * 3
    assert view.history[1].note == "Ghi nhận cùng lúc khi chuyển sang «Đã trả kết quả»."
    assert view.history[-1].note == "Đã trả kết quả tại bộ phận một cửa"
    asked = run_async(registry.file(draft(kb))).code   # a note-needing status is never passed through
    view = run_async(registry.change_status(asked, S.FEE_DUE, "Lệ phí", "can-bo-1", fee_due_vnd=30000))
    assert [e.status for e in view.history] == [S.NEW, S.RECEIVED, S.FEE_DUE]


def test_failing_listener_does_not_undo_the_change(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    async def broken(view: DossierView) -> None:
        raise RuntimeError("outbox down")

    registry = EmbeddedRegistry(sessions, kb, on_status_change=broken)
    code = run_async(registry.file(draft(kb))).code
    assert run_async(registry.change_status(code, S.RECEIVED, "", "can-bo-1")).status == S.RECEIVED


def test_list_filters_by_status_and_procedure(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    licence = run_async(registry.file(draft(kb, "doi-gplx"))).code
    birth = run_async(registry.file(draft(kb, "khai-sinh"))).code
    run_async(registry.change_status(birth, S.RECEIVED, "", "can-bo-1"))
    assert [v.code for v in run_async(registry.list(status=S.NEW))] == [licence]
    assert [v.code for v in run_async(registry.list(procedure_id="khai-sinh"))] == [birth]
    assert len(run_async(registry.list(limit=1))) == 1


# ---- HTTP adapter ------------------------------------------------------------------------------
@pytest.fixture
def onestop() -> Iterator[OneStopStandIn]:
    with running(OneStopStandIn(), free_port()) as server:
        yield server


async def _with_backend(onestop: OneStopStandIn, scenario, api_key: str | None = None):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(timeout=5) as client:
        backend = HttpDossierBackend(onestop.url, api_key or onestop.api_key, client, backoff_seconds=0.01)
        return await scenario(backend)


def test_http_backend_files_gets_changes_status_and_lists(kb: KnowledgeBase, onestop: OneStopStandIn) -> None:
    async def scenario(backend: HttpDossierBackend) -> None:
        filed = await backend.file(draft(kb))
        assert filed.status == S.NEW and filed.fee_due_vnd == 135000
        assert filed.due_date == CALENDAR.add_working_days(filed.submitted_at, 5)
        assert (filed.phone_last4, filed.cccd_last4) == ("5678", "2345")
        assert await backend.get(filed.code) == filed
        received = await backend.change_status(filed.code, S.RECEIVED, "đủ hồ sơ", "can-bo-1")
        assert [e.status for e in received.history] == [S.NEW, S.RECEIVED]
        assert [v.code for v in await backend.list(status=S.RECEIVED, procedure_id="doi-gplx")] == [filed.code]
        assert await backend.list(status=S.DONE) == []
        await backend.add_documents(filed.code, [SubmittedDocument("Giấy khám sức khỏe", [7])])
        assert onestop.dossiers[filed.code]["documents"][-1] == {"name": "Giấy khám sức khỏe", "attachment_ids": [7]}
        assert await backend.get("000.00.15.H12-000000-9999") is None

    run_async(_with_backend(onestop, scenario))


def test_http_backend_records_a_payment_once_and_lists_a_citizens_dossiers(
        kb: KnowledgeBase, onestop: OneStopStandIn) -> None:
    async def scenario(backend: HttpDossierBackend) -> None:
        filed = await backend.file(draft(kb, sender_id="citizen-9"))
        await backend.change_status(filed.code, S.RECEIVED, "", "can-bo-1")
        asked = await backend.change_status(filed.code, S.FEE_DUE, "Lệ phí", "can-bo-1", fee_due_vnd=135000)
        assert asked.fee_due_vnd == 135000
        paid = await backend.record_payment(filed.code, "TT0000000000AA", 135000, "Đã nộp", "payment:vnpay")
        again = await backend.record_payment(filed.code, "TT0000000000AA", 135000, "Đã nộp", "payment:vnpay")
        assert (paid.status, paid.fee_due_vnd) == (S.PROCESSING, 0) and again == paid
        assert [v.code for v in await backend.list(channel="web", sender_id="citizen-9")] == [filed.code]
        assert await backend.list(channel="web", sender_id="someone-else") == []

    run_async(_with_backend(onestop, scenario))


def test_registry_records_a_payment_once(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    registry = EmbeddedRegistry(sessions, kb)
    filed = run_async(registry.file(draft(kb, "doi-gplx")))
    first = run_async(registry.record_payment(filed.code, "TT0000000000AB", 100000, "Đã nộp", "payment:momo"))
    again = run_async(registry.record_payment(filed.code, "TT0000000000AB", 100000, "Đã nộp", "payment:momo"))
    assert first.fee_due_vnd == again.fee_due_vnd == 35000 and first.status == S.NEW
    assert [e.note for e in again.history].count("Đã nộp") == 1


def test_the_online_rate_is_the_fee_due_at_filing(kb: KnowledgeBase) -> None:
    from bot.dossiers.fees import exemptions, online_fee_vnd
    fees = {p: online_fee_vnd(kb.procedure(p)) for p in  # type: ignore[arg-type]
            ("thuong-tru", "tam-tru", "doi-gplx", "khai-sinh", "thanh-lap-cong-ty-tnhh", "cap-so-do-lan-dau")}
    assert fees == {"thuong-tru": 10000, "tam-tru": 7000, "doi-gplx": 135000, "khai-sinh": 0,
                    "thanh-lap-cong-ty-tnhh": 100000, "cap-so-do-lan-dau": 0}
    assert [f.label for f in exemptions(kb.procedure("thuong-tru"))] == ["Trường hợp được miễn lệ phí"]  # type: ignore[arg-type]


def test_http_backend_retry_after_lost_answer_files_once(kb: KnowledgeBase, onestop: OneStopStandIn) -> None:
    onestop.lose_next_filing_answer = True

    async def scenario(backend: HttpDossierBackend) -> tuple[DossierView, DossierView]:
        return await backend.file(draft(kb)), await backend.file(draft(kb))

    first, again = run_async(_with_backend(onestop, scenario))
    assert first.code == again.code
    assert len(onestop.dossiers) == 1 and onestop.filing_requests == 3


def test_http_backend_refuses_invalid_transition_clearly(kb: KnowledgeBase, onestop: OneStopStandIn) -> None:
    async def scenario(backend: HttpDossierBackend) -> None:
        code = (await backend.file(draft(kb))).code
        returned = await backend.change_status(code, S.RETURNED, "Đã trả", "can-bo-1")   # one call, every step
        assert [e.status for e in returned.history] == [S.NEW, S.RECEIVED, S.DONE, S.RETURNED]
        with pytest.raises(InvalidTransition, match="trạng thái cuối"):
            await backend.change_status(code, S.PROCESSING, "", "can-bo-1")
        with pytest.raises(UnknownProcedure):
            await backend.file(draft(kb, "khai-sinh"))  # not in the stand-in's catalog

    run_async(_with_backend(onestop, scenario))


def test_http_backend_rejects_wrong_api_key_clearly(kb: KnowledgeBase, onestop: OneStopStandIn) -> None:
    async def scenario(backend: HttpDossierBackend) -> None:
        with pytest.raises(BackendAuthError, match="từ chối khoá API"):
            await backend.file(draft(kb))
        with pytest.raises(BackendAuthError):
            await backend.get("HS-0000-0000")

    run_async(_with_backend(onestop, scenario, api_key="wrong-key"))
    assert onestop.dossiers == {} and onestop.filing_requests == 0


def test_http_backend_reports_unreachable_system(kb: KnowledgeBase) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            backend = HttpDossierBackend(f"http://127.0.0.1:{free_port()}", "k", client, retries=1,
                                         backoff_seconds=0.01)
            with pytest.raises(BackendUnavailable, match="tạm thời không phản hồi"):
                await backend.file(draft(kb))

    run_async(scenario())


def test_staff_read_the_answers_of_this_case_under_the_catalog_labels(kb: KnowledgeBase) -> None:
    from bot.dossiers.staff_view import answers

    procedure = kb.procedure("thuong-tru")
    given = {"new_residence_address": "Số 5 ngõ 12 Trần Phú, phường Ba Đình", "household_head_name": "Trần Văn Bình",
             "residence_basis": "Nhập vào chỗ ở của người thân", "relationship_to_head": "Con",
             "previous_permanent_address": "", "old_field": "giá trị cũ"}
    rows = {a.label: a.value for a in answers(procedure, given, full=False)}
    assert rows["Địa chỉ chỗ ở đề nghị đăng ký thường trú"] == "Số 5 ngõ 12 Trần Phú, phường Ba Đình"
    assert rows["Họ tên chủ hộ (nếu nhập vào hộ đã có)"] == "Trần Văn Bình"
    assert rows["Nơi thường trú trước đây (nếu có)"] == "(không khai)"
    assert rows["Old field"] == "giá trị cũ"          # a field the catalog no longer lists still shows
    own = {**given, "residence_basis": "Chỗ ở thuộc sở hữu của mình", "household_head_name": ""}
    labels = [a.label for a in answers(procedure, own, full=False)]
    assert "Họ tên chủ hộ (nếu nhập vào hộ đã có)" not in labels   # never asked in this case
    partner = [a for a in answers(kb.procedure("ket-hon"), {"partner_id_number": "001099012345"}, full=False)
               if a.label.startswith("Số định danh")]
    assert partner[0].value == "••••••2345" and partner[0].masked
