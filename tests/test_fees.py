"""Fees by case: the amount a dossier owes is computed from the citizen's answers to the procedure's
own form fields, with the explanation the citizen reads before "Xác nhận nộp"; where the catalog
cannot tell, the amount is unknown and staff set it (status 6). One test per rate of every curated
procedure that has several rates; the figures are the records' own."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.cards import fee_summary
from actions.documents import checklist
from bot.core.money import vnd
from bot.dossiers.fees import assess_fee, exemptions, online_fee_vnd
from knowledge_base.loaders import load_catalog
from knowledge_base.schema import Procedure

CATALOG = {p.id: p for p in load_catalog().procedures}
STUDENT = "Sinh viên/người có công/thân nhân liệt sĩ"


def fee(procedure_id: str, **answers: str) -> tuple[int | None, str]:
    assessment = assess_fee(CATALOG[procedure_id], answers)
    return assessment.amount_vnd, assessment.explanation


# ---- căn cước: the rate follows the request type ------------------------------------------------

def test_reissuing_a_lost_identity_card_costs_70_000() -> None:
    assert fee("can-cuoc", request_type="Cấp lại", reissue_reason="Bị mất thẻ") == (
        70_000, "Lệ phí cấp lại thẻ căn cước: 70.000 đ")


def test_exchanging_an_identity_card_costs_50_000() -> None:
    assert fee("can-cuoc", request_type="Cấp đổi", change_reason="Đủ tuổi phải đổi thẻ") == (
        50_000, "Lệ phí cấp đổi thẻ căn cước: 50.000 đ")


def test_a_first_identity_card_is_free() -> None:
    assert fee("can-cuoc", request_type="Cấp mới") == (0, "Cấp thẻ căn cước lần đầu: không thu")


# ---- lý lịch tư pháp: the rate follows the group the citizen belongs to ------------------------

def test_a_criminal_record_certificate_costs_200_000() -> None:
    assert fee("ly-lich-tu-phap", fee_category="Thông thường", number_of_copies="2") == (
        200_000, "Phí cung cấp thông tin lý lịch tư pháp: 200.000 đ")


def test_a_student_pays_100_000_for_a_criminal_record_certificate() -> None:
    amount, explanation = fee("ly-lich-tu-phap", fee_category=STUDENT)
    assert amount == 100_000
    assert explanation == "Phí đối với sinh viên, người có công với cách mạng, thân nhân liệt sĩ: 100.000 đ"


def test_an_exempt_citizen_pays_nothing_for_a_criminal_record_certificate() -> None:
    assert fee("ly-lich-tu-phap", fee_category="Thuộc diện miễn phí") == (0, "Trường hợp miễn phí: không thu")


# ---- trích lục hộ tịch: per copy ---------------------------------------------------------------

def test_three_copies_of_a_civil_status_extract_cost_24_000() -> None:
    assert fee("trich-luc-ho-tich", number_of_copies="3") == (
        24_000, "Phí cấp bản sao trích lục hộ tịch: 8.000 đ × 3 bản = 24.000 đ")


def test_one_copy_of_a_civil_status_extract_costs_8_000() -> None:
    assert fee("trich-luc-ho-tich", number_of_copies="1")[0] == 8_000


def test_copies_not_given_leave_the_extract_fee_to_staff() -> None:
    amount, explanation = fee("trich-luc-ho-tich")
    assert amount is None and "cán bộ sẽ thông báo" in explanation


# ---- thường trú, tạm trú: the rate follows the channel -----------------------------------------

@pytest.mark.parametrize(("procedure_id", "online", "direct"), [("thuong-tru", 10_000, 20_000),
                                                                 ("tam-tru", 7_000, 15_000)])
def test_residence_registration_filed_online_pays_the_online_rate(procedure_id: str, online: int,
                                                                   direct: int) -> None:
    procedure = CATALOG[procedure_id]
    assert assess_fee(procedure, {}).amount_vnd == online
    assert assess_fee(procedure, {}, channel="direct").amount_vnd == direct
    assert "nộp trực tuyến" in assess_fee(procedure, {}).explanation


# ---- what the catalog cannot tell is left to staff ----------------------------------------------

def test_a_case_no_rate_covers_is_left_to_staff() -> None:
    amount, explanation = fee("can-cuoc")  # request type not answered
    assert amount is None and "cán bộ sẽ thông báo số tiền" in explanation


@pytest.mark.parametrize("procedure_id", ["ho-chieu", "chung-thuc-ban-sao", "chung-thuc-hop-dong",
                                          "an-toan-thuc-pham"])
def test_several_rates_without_a_rule_are_left_to_staff(procedure_id: str) -> None:
    """These records list several rates the form's answers cannot choose between (passport rates in
    a reduction period the record itself doubts, pages, contract kinds, number of meals)."""
    amount, explanation = fee(procedure_id)
    assert amount is None and online_fee_vnd(CATALOG[procedure_id]) == 0
    assert "nhiều mức phí" in explanation


def test_a_late_birth_registration_fee_is_left_to_staff_and_on_time_is_said_free() -> None:
    amount, explanation = fee("khai-sinh")
    assert amount is None
    assert explanation.splitlines()[0] == "Lệ phí đăng ký khai sinh đúng hạn: không thu"


def test_a_record_without_rules_keeps_its_one_rate() -> None:
    assert fee("doi-gplx") == (135_000, "Lệ phí cấp giấy phép lái xe (đổi): 135.000 đ")
    assert fee("tro-cap-that-nghiep")[0] == 0


def test_exemption_descriptions_are_not_rates() -> None:
    assert [f.label for f in exemptions(CATALOG["thuong-tru"])] == ["Trường hợp được miễn lệ phí"]
    assert exemptions(CATALOG["ly-lich-tu-phap"]) == []  # its exempt group is a rate of its own


def test_the_summary_line_reads_as_the_citizen_sees_it() -> None:
    assert fee_summary(70_000, "Lệ phí cấp lại thẻ căn cước: 70.000 đ") == "💰 Lệ phí cấp lại thẻ căn cước: 70.000 đ"
    assert fee_summary(30_000, "A: 10.000 đ\nB: 20.000 đ") == "💰 Phí, lệ phí: 30.000 đ\n• A: 10.000 đ\n• B: 20.000 đ"
    assert vnd(1_000_000) == "1.000.000 đ"


# ---- documents and fields the answers rule out -----------------------------------------------------

def names(procedure_id: str, **answers: str) -> list[str]:
    return [d.name for d in checklist(CATALOG[procedure_id], answers)]


def test_no_rental_contract_is_asked_after_moving_in_with_relatives() -> None:
    relatives = names("thuong-tru", residence_basis="Nhập vào chỗ ở của người thân")
    assert not any(n.startswith("Hợp đồng thuê") for n in relatives)
    assert relatives[-1].startswith("Giấy tờ chứng minh quan hệ nhân thân")
    rented = names("thuong-tru", residence_basis="Chỗ ở thuê, mượn, ở nhờ")
    assert rented[-1].startswith("Hợp đồng thuê") and len(rented) == 3


def test_no_current_card_is_asked_after_a_lost_card() -> None:
    lost = names("can-cuoc", request_type="Cấp lại", reissue_reason="Bị mất thẻ")
    assert not any("đang sử dụng" in n for n in lost)
    assert any("đang sử dụng" in n for n in names("can-cuoc", request_type="Cấp đổi"))


def test_optional_documents_are_one_step_at_the_end() -> None:
    steps = checklist(CATALOG["can-cuoc"], {"request_type": "Cấp lại"})
    assert [s.required for s in steps] == [True, False]
    assert steps[-1].name.startswith("Giấy tờ không bắt buộc: ")


def test_proof_of_a_reduced_fee_is_required_only_when_claimed() -> None:
    student = checklist(CATALOG["ly-lich-tu-phap"], {"fee_category": STUDENT, "certificate_type": "Phiếu số 2"})
    assert any(s.required and s.name.startswith("Giấy tờ chứng minh thuộc diện") for s in student)
    ordinary = names("ly-lich-tu-phap", fee_category="Thông thường", certificate_type="Phiếu số 2")
    assert not any(n.startswith(("Giấy tờ chứng minh thuộc diện", "Văn bản ủy quyền")) for n in ordinary)


def test_the_reason_list_follows_the_request_type() -> None:
    procedure = CATALOG["can-cuoc"]
    reissue = [f for f in procedure.fields_for({"request_type": "Cấp lại"}) if "reason" in f.name]
    assert [f.name for f in reissue] == ["reissue_reason"] and "Cấp lần đầu" not in reissue[0].choices
    first = [f.name for f in procedure.fields_for({"request_type": "Cấp mới"})]
    assert "change_reason" not in first and "reissue_reason" not in first
    assert "delivery_address" not in [f.name for f in procedure.fields_for(
        {"request_type": "Cấp mới", "delivery_method": "Nhận tại cơ quan Công an"})]


# ---- the rule model is validated against the procedure's own fields ----------------------------------

def record(**changes: object) -> dict[str, object]:
    data = CATALOG["trich-luc-ho-tich"].model_dump(mode="json")
    data.update(changes)
    return data


@pytest.mark.parametrize(("fees", "message"), [
    ([{"label": "Phí", "amount_vnd": 8000, "when": {"khong_co": ["Khai sinh"]}}], "không phải trường lựa chọn"),
    ([{"label": "Phí", "amount_vnd": 8000, "when": {"event_type": ["Ly hôn"]}}], "không có lựa chọn"),
    ([{"label": "Phí", "amount_vnd": 8000, "per": "person_full_name"}], "không phải trường số"),
])
def test_a_rule_naming_a_field_or_choice_the_procedure_lacks_is_refused(fees: list[object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Procedure.model_validate(record(fees=fees))


def test_a_field_may_only_depend_on_an_earlier_answer() -> None:
    fields = record()["form_fields"]
    assert isinstance(fields, list)
    fields[0] = {**fields[0], "when": {"event_type": ["Khai sinh"]}}
    with pytest.raises(ValidationError, match="chưa được hỏi trước đó"):
        Procedure.model_validate(record(form_fields=fields))
