"""Answer cards quote the catalog and never invent a fee or a time limit."""

from __future__ import annotations

import datetime as dt

from actions import cards
from knowledge_base.schema import Fee, Procedure, ProcessingTime, RequiredDocument, Source, SubmissionMethod


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


# ---- national records: phone-sized cards ---------------------------------------------------------
def national(**changes) -> Procedure:
    from tests.support.national import passport
    return passport("tỉnh").model_copy(update=changes)


def test_a_national_card_fits_a_phone_and_shows_the_required_documents_first() -> None:
    p = national()
    card = cards.procedure_card(p)
    assert len(card) < 900
    documents = card.split("Giấy tờ cần có:\n")[1].split("\n\n")[0].splitlines()
    assert len(documents) == 4  # the 2 required ones, 1 optional, then "… và 2 giấy tờ khác"
    assert documents[0].startswith("1. Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước")
    assert documents[1].startswith("2. Ảnh mới chụp") and "– nếu có" not in documents[1]
    assert documents[2].endswith("– nếu có") and documents[3].startswith("… và 2 giấy tờ khác")
    assert "Thông tư số 31/2023" not in card and "(1 bản chính)" in card
    assert all(len(line) < 120 for line in documents)
    titles = [b["title"] for b in cards.procedure_buttons(p, [])]
    assert titles[:2] == ["Nộp trực tuyến", "Xem đủ giấy tờ"] and len(titles) <= 5


def test_document_names_are_cut_at_a_clause_and_the_full_list_has_them_all() -> None:
    long = ("Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp, trừ trường hợp thông tin đã có trong Cơ sở dữ liệu "
            "quốc gia về dân cư; trường hợp không khai thác được thì nộp bản sao theo quy định tại Điều 5 Nghị "
            "định số 154/2024/NĐ-CP")
    name = cards.short_name(long)
    assert name == "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp…"
    p = national()
    messages = cards.all_documents_messages(p)
    whole = "\n".join(messages)
    assert all(len(m) <= cards.MESSAGE_CHARS for m in messages)
    assert [f"{n}." in whole for n in range(1, 6)] == [True] * 5 and "(1 bản chính, 1 bản sao)" in whole
    many = national(documents=[RequiredDocument(name=f"Giấy tờ số {n} " + "rất dài " * 30, originals_count=1)
                               for n in range(25)])
    assert len(cards.all_documents_messages(many)) > 1


def test_a_form_listed_under_two_cases_is_shown_once_even_when_one_is_cut_short() -> None:
    # "Tách hộ" (1.010038) lists the residence form under each case, once with a clause after it.
    form = "Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)"
    p = national(documents=[
        RequiredDocument(name=form, originals_count=1, note="- Trường hợp vợ, chồng đã ly hôn:"),
        RequiredDocument(name="Giấy tờ chứng minh việc ly hôn", originals_count=1),
        RequiredDocument(name=f"{form}, trong đó ghi rõ ý kiến đồng ý cho tách hộ của chủ hộ", originals_count=1,
                         note="- Tách hộ để đăng ký thường trú tại cùng một chỗ ở hợp pháp:")])
    listed = cards.documents_text(p).splitlines()
    assert [line.split(" (")[0] for line in listed[1:3]] == ["1. Tờ khai thay đổi thông tin cư trú",
                                                              "2. Giấy tờ chứng minh việc ly hôn"]
    assert len(listed) == 3
    assert len(cards.all_documents_messages(p)[0].splitlines()) == 4   # the full list keeps all three


def test_the_form_and_what_everyone_brings_come_before_what_some_cases_need() -> None:
    # As the portal lists the passport at the central level (1.001471): the documents of the cases
    # in khoản 4 Điều 15 first, the form last and starting with its count, a count among documents.
    cases = "* Các trường hợp quy định tại khoản 4 Điều 15 Luật Xuất cảnh, nhập cảnh của công dân Việt Nam"
    p = national(documents=[
        RequiredDocument(name="+ Văn bản đề nghị của cơ quan trực tiếp quản lý đối với cán bộ, công chức;",
                         originals_count=1, note=cases),
        RequiredDocument(name="+ Giấy tờ xác định thân nhân ở nước ngoài bị tai nạn, bệnh tật, bị chết;",
                         originals_count=1, note=cases),
        RequiredDocument(name="+ 02 ảnh mới chụp không quá 06 tháng, cỡ 4cm x6cm", originals_count=2),
        RequiredDocument(name="* Số lượng hồ sơ: 01 (một) bộ.", originals_count=1, copies_count=1),
        RequiredDocument(name="01 tờ khai đề nghị cấp hộ chiếu phổ thông (mẫu TK01). Đối với người chưa đủ 14 "
                              "tuổi, tờ khai do người đại diện hợp pháp khai, ký thay", originals_count=1)])
    listed = cards.documents_text(p).splitlines()[1:]
    assert listed[0].startswith("1. Tờ khai đề nghị cấp hộ chiếu phổ thông")
    assert [line.split(" (")[0] for line in listed[1:]] == [
        "2. Ảnh mới chụp không quá 06 tháng, cỡ 4cm x6cm",
        "3. Văn bản đề nghị của cơ quan trực tiếp quản lý đối với cán bộ, công chức;",
        "4. Giấy tờ xác định thân nhân ở nước ngoài bị tai nạn, bệnh tật, bị chết;"]
    assert "Số lượng hồ sơ" not in cards.procedure_card(p)
    # A copy of a birth certificate is not a form ("giấy khai sinh" is no "giấy khai đăng ký").
    birth = national(documents=[
        RequiredDocument(name="Bản sao giấy khai sinh đối với người chưa đủ 14 tuổi", copies_count=1),
        RequiredDocument(name="Bản chính Đơn đề nghị giao khu vực biển theo Mẫu số 01", originals_count=1)])
    assert cards.documents_text(birth).splitlines()[1].startswith("1. Đơn đề nghị giao khu vực biển")


def test_fees_are_given_per_channel_when_the_channels_differ() -> None:
    text = cards.fees_text(national(), compact=True)
    assert text == "Lệ phí: trực tuyến 160.000 đồng, qua bưu chính 160.000 đồng, trực tiếp 200.000 đồng"
    full = cards.fees_text(national())  # the "Lệ phí" button quotes the notes whole
    assert "Thông tư số 25/2021/TT-BTC" in full


def test_same_fee_on_every_channel_is_said_once_and_missing_or_text_fees_are_not_guessed() -> None:
    same = [SubmissionMethod(method=m, fees=[Fee(label="Lệ phí", amount_vnd=25_000)]) for m in ("online", "direct")]
    assert cards.fees_text(procedure(methods=same)) == "Lệ phí: 25.000 đồng"
    mixed = [SubmissionMethod(method="online", fees=[Fee(label="Lệ phí", amount_vnd=25_000)]),
             SubmissionMethod(method="direct")]
    assert cards.fees_text(procedure(methods=mixed)) == "Lệ phí: trực tuyến 25.000 đồng, trực tiếp không ghi"
    usd = [SubmissionMethod(method="direct", fees=[Fee(label="Lệ phí", note="50 USD/lần cấp")])]
    assert cards.fees_text(procedure(methods=usd)) == "Lệ phí: 50 USD/lần cấp"
    free = [SubmissionMethod(method="direct", fees=[Fee(label="Lệ phí", amount_vnd=0)])]
    assert cards.fees_text(procedure(methods=free)) == "Lệ phí: miễn phí"
    # The portal's own text per channel, with a stray bracket on one: still one fee, said once.
    note = "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định."
    quoted = [SubmissionMethod(method=m, fees=[Fee(label="Lệ phí", note=n)])
              for m, n in (("direct", note), ("online", note), ("postal", f"({note})"))]
    assert cards.fees_text(procedure(methods=quoted)) == f"Lệ phí: {note}"


def test_time_limits_per_channel_when_they_differ() -> None:
    methods = [SubmissionMethod(method="online", processing_time=ProcessingTime(text="3 ngày làm việc")),
               SubmissionMethod(method="direct", processing_time=ProcessingTime(text="5 ngày làm việc"))]
    assert cards.time_text(procedure(methods=methods)) == (
        "Thời hạn giải quyết: trực tuyến 3 ngày làm việc; trực tiếp 5 ngày làm việc")


def test_an_online_channel_of_unknown_level_claims_neither_toan_trinh_nor_mot_phan() -> None:
    p = procedure(methods=[SubmissionMethod(method="online", url="https://dichvucong.gov.vn/"),
                           SubmissionMethod(method="direct")])
    card = cards.procedure_card(p)
    assert "toàn trình" not in card and "một phần" not in card
    assert "Cách nộp: trực tuyến, trực tiếp." in card and "Nộp trực tuyến: https://dichvucong.gov.vn/" in card
    assert cards.online_text(p).startswith("Có thể nộp trực tuyến")
    known = procedure(methods=[SubmissionMethod(method="online", online_level="một phần")])
    assert "trực tuyến (một phần)" in cards.procedure_card(known)


def test_the_source_line_gives_the_link_and_the_date() -> None:
    p = national()
    assert cards.source_line(p) == (f"Nguồn: Cổng Dịch vụ công quốc gia – {p.source.url} (cập nhật 01/03/2026).")


def test_shorten_cuts_at_a_sentence_never_inside_an_amount() -> None:
    text = "Lệ phí là 15.000 đồng. Trường hợp cấp lại thì 30.000 đồng. " + "Nội dung khác rất dài. " * 20
    assert cards.shorten(text, 70) == "Lệ phí là 15.000 đồng. Trường hợp cấp lại thì 30.000 đồng. …"
    assert cards.shorten("ngắn", 70) == "ngắn"


# ---- FAQs ------------------------------------------------------------------------------------------
def test_a_long_portal_answer_is_cut_at_a_sentence_with_its_source_and_a_full_view() -> None:
    from tests.support.national import PORTAL_FAQ, national_catalog
    answer = PORTAL_FAQ.answer + " " + "Theo quy định tại Điều 9 Luật Xuất cảnh, nhập cảnh. " * 20
    faq = PORTAL_FAQ.model_copy(update={"answer": answer})
    card = cards.faq_card(faq)
    body = card.split("\n\n")[1]
    assert body.endswith("…") and len(body) <= cards.FAQ_ANSWER_CHARS + 2
    assert body.removesuffix(" …").endswith(".")
    assert f"Nguồn: Cổng Dịch vụ công quốc gia – {PORTAL_FAQ.source.url}" in card
    linked = national_catalog().procedures[:2]
    buttons = cards.faq_buttons(faq, linked)
    assert buttons[0]["title"] == "Xem đầy đủ"
    assert buttons[0]["payload"] == '/ask_detail{"item_id": "hoi-dap-19727", "aspect": "full_answer"}'
    assert [b["payload"] for b in buttons[1:3]] == [f'/choose{{"item_id": "{p.id}"}}' for p in linked]
    assert all(len(b["title"]) <= 60 for b in buttons)
    whole = "".join(cards.faq_full_messages(faq)).replace("\n", " ")
    assert " ".join(answer.split()).replace("\n", " ")[:500] in " ".join(whole.split())
    assert all(len(m) <= cards.MESSAGE_CHARS for m in cards.faq_full_messages(faq))


def test_a_volunteers_short_answer_stays_as_it_is() -> None:
    from knowledge_base.schema import Faq
    faq = Faq(id="gio-lam-viec", question="Trung tâm làm việc giờ nào?",
              answer="Thứ Hai–Thứ Sáu: sáng 7h30–11h30, chiều 13h30–17h00.", source=Source(name="Trung tâm"))
    assert cards.faq_card(faq) == ("💬 Trung tâm làm việc giờ nào?\n\nThứ Hai–Thứ Sáu: sáng 7h30–11h30, chiều "
                                   "13h30–17h00.\n\nNguồn: Trung tâm.")
    assert [b["title"] for b in cards.faq_buttons(faq, [])] == ["Gặp nhân viên"]


def test_a_portal_answer_keeps_its_lines_and_the_full_list_points_to_the_portals_notes() -> None:
    from tests.support.national import PORTAL_FAQ
    body = cards.faq_card(PORTAL_FAQ).split("\n\n")[1]
    assert body.startswith("- Trước khi nộp hồ sơ ủy thác") and "\n- Người ủy thác khai" in body
    assert body.endswith(" …") and len(body) <= cards.FAQ_ANSWER_CHARS + 2
    notes = [RequiredDocument(name="Trường hợp gửi hồ sơ qua bưu chính thì gửi kèm bản sao có chứng thực.",
                              originals_count=0, copies_count=0)]
    p = national(documents=[*national().documents, *notes])
    listed = "\n".join(cards.all_documents_messages(p))
    assert "(5 giấy tờ)" in listed and "Trường hợp gửi hồ sơ" not in listed
    assert f"nguồn còn ghi 1 lưu ý theo từng trường hợp; xem tại {p.source.url}." in listed
    assert "Trường hợp" not in cards.documents_text(p) and "… và 2 giấy tờ khác" in cards.documents_text(p)


def test_one_procedure_at_several_levels_cut_to_one_label_is_one_button() -> None:
    long = "Điều chỉnh quyết định giao đất, cho thuê đất, cho phép chuyển mục đích sử dụng đất do thay đổi căn cứ"
    # The national catalog publishes it once per level, with the level in the record, not the title.
    items = [("a", long), ("b", long + " đất"), ("c", "Tách thửa hoặc hợp thửa đất"),
             ("d", "Đăng ký đất đai lần đầu")]
    buttons = cards.choice_buttons(items, 3)
    assert [b["payload"] for b in buttons] == ['/choose{"item_id": "a"}', '/choose{"item_id": "c"}',
                                               '/choose{"item_id": "d"}']
