"""Answer cards quote the catalog and never invent a fee or a time limit."""

from __future__ import annotations

import datetime as dt

from actions import cards
from knowledge_base.schema import Fee, Procedure, ProcessingTime, Source, SubmissionMethod


def procedure(**changes) -> Procedure:
    base = dict(id="thu", code="1.000001", title="Thủ tục thử", field="Hộ tịch", level="xã",
                agency="UBND cấp xã", submit_at="Bộ phận Một cửa",
                methods=[SubmissionMethod(method="direct")],
                processing_time=ProcessingTime(working_days=3, text="03 ngày làm việc"),
                source=Source(name="CSDL quốc gia về TTHC"), checked_on=dt.date(2026, 11, 29))
    return Procedure(**{**base, **changes})


def test_amounts_are_written_the_vietnamese_way() -> None:
    p = procedure(fees=[Fee(label="Lệ phí", amount_vnd=1_500_000)])
    assert "1.500.000 đồng" in cards.fees_text(p)


def test_missing_fee_amount_is_said_not_guessed() -> None:
    p = procedure(fees=[Fee(label="Lệ phí", amount_vnd=None, note="Theo Nghị quyết HĐND tỉnh")])
    text = cards.fees_text(p)
    assert "Theo Nghị quyết HĐND tỉnh" in text and "đồng" not in text
    assert "không ghi" in cards.fees_text(procedure(fees=[]))


def test_card_names_its_source_and_the_asked_aspect_only() -> None:
    p = procedure(fees=[Fee(label="Lệ phí", amount_vnd=0)])
    card = cards.procedure_card(p, ["fees"])
    assert "Lệ phí" in card and "miễn" in card and "Nguồn: CSDL quốc gia về TTHC" in card
    assert "Giấy tờ cần có" not in card


def test_procedure_without_online_method_says_so_and_offers_no_online_button() -> None:
    p = procedure()
    assert "chưa nộp trực tuyến" in cards.online_text(p)
    assert all(b["title"] != "Nộp trực tuyến" for b in cards.procedure_buttons(p, []))


def test_online_procedure_offers_submission_button_with_its_id() -> None:
    p = procedure(methods=[SubmissionMethod(method="online", online_level="toàn trình",
                                            url="https://dichvucong.gov.vn/")])
    buttons = cards.procedure_buttons(p, [])
    assert buttons[0] == {"title": "Nộp trực tuyến",
                          "payload": '/start_submission{"procedure_id": "thu"}'}
