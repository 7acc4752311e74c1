"""The case named in a citizen's question fills the form's choice fields (actions/case_words.py)."""

from __future__ import annotations

import pytest

from actions.case_words import inferred_case
from actions.submission import field_applies
from knowledge_base.service import KnowledgeBase


@pytest.mark.parametrize(("procedure_id", "question", "expected"), [
    ("can-cuoc", "cấp lại căn cước bị mất làm thế nào",
     {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}),
    ("thuong-tru", "đăng ký thường trú nhập vào nhà người thân cần gì",
     {"residence_basis": "Nhập vào chỗ ở của người thân"}),
    ("tam-tru", "dang ky tam tru nha thue", {"residence_basis": "Nhà thuê"}),
    ("ket-hon", "tôi đã ly hôn giờ muốn đăng ký kết hôn lại", {"marital_history": "Đã ly hôn"}),
    ("ly-lich-tu-phap", "sinh viên xin lý lịch tư pháp", {"fee_category": "Sinh viên/người có công/thân nhân liệt sĩ"}),
    ("trich-luc-ho-tich", "xin trích lục khai sinh bản sao", {"event_type": "Khai sinh"}),
    # "cấp" is in the procedure's title; "lại", "bị mất" are said: the lost passport, unasked
    ("ho-chieu", "lam lai ho chieu bi mat", {"request_type": "Cấp lại do bị mất"}),
    ("can-cuoc", "tôi bị mất căn cước, cấp lại", {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}),
    # A damaged paper in the form's words: the card is exchanged, the passport reissued.
    ("can-cuoc", "cccd bị rách muốn làm lại", {"request_type": "Cấp đổi", "change_reason": "Thẻ bị hư hỏng"}),
    ("can-cuoc", "căn cước bị nhòe hết chữ", {"request_type": "Cấp đổi", "change_reason": "Thẻ bị hư hỏng"}),
    ("ho-chieu", "hộ chiếu bị ướt hết", {"request_type": "Cấp lại do bị hỏng"}),
    ("doi-gplx", "bằng lái bị mờ chữ", {"reason": "Bị hư hỏng"}),
    # Wrong details on the card: exchanged, for the reason the law names (Luật Căn cước 2023, Điều 24).
    ("can-cuoc", "thẻ căn cước bị sai ngày sinh",
     {"request_type": "Cấp đổi", "change_reason": "Bị sai thông tin trên thẻ"}),
    ("can-cuoc", "cccd ghi sai ngay sinh", {"request_type": "Cấp đổi", "change_reason": "Bị sai thông tin trên thẻ"}),
    # Said whole, a reason wins over one named by three words in four ("Thay đổi thông tin").
    ("can-cuoc", "cấp đổi căn cước vì thông tin trên thẻ bị sai",
     {"request_type": "Cấp đổi", "change_reason": "Bị sai thông tin trên thẻ"}),
    ("can-cuoc", "cấp đổi căn cước vì thay đổi thông tin",
     {"request_type": "Cấp đổi", "change_reason": "Thay đổi thông tin"}),
])
def test_a_case_the_question_names_is_filled(kb: KnowledgeBase, procedure_id: str, question: str,
                                             expected: dict[str, str]) -> None:
    procedure = kb.procedure(procedure_id)
    assert procedure is not None
    assert inferred_case(procedure, [question], field_applies) == expected


@pytest.mark.parametrize(("procedure_id", "question"), [
    ("khai-sinh", "làm giấy khai sinh cho con ở Hà Nam"),      # "Nam" is a place here, not the gender
    ("can-cuoc", "lam cccd"),
    ("can-cuoc", "đổi căn cước mới"),                           # "đổi" and "mới" name two request types
    ("thuong-tru", "đăng ký thường trú nhà của mình"),
])
def test_nothing_is_guessed_from_a_question_that_does_not_say(kb: KnowledgeBase, procedure_id: str,
                                                               question: str) -> None:
    procedure = kb.procedure(procedure_id)
    assert procedure is not None
    assert inferred_case(procedure, [question], field_applies) == {}
