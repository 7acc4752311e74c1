"""Near-identical candidates are told apart by their titles alone (``knowledge_base/variants.py``)."""

from __future__ import annotations

import pytest

from actions import cards
from knowledge_base.variants import Candidate, Clarification, asked, contradicts, facets, rank_siblings, resolve


def candidates(*titles: str, levels: tuple[str | None, ...] = ()) -> list[Candidate]:
    return [Candidate(f"id-{n}", title, levels[n] if levels else None) for n, title in enumerate(titles)]


@pytest.mark.parametrize(("title", "core", "level", "variant", "foreign"), [
    ("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp tỉnh)", "trinh bao mat ho chieu pho thong",
     "tỉnh", "", "không"),
    ("Cấp thẻ thường trú cho người nước ngoài tại Việt Nam (thực hiện tại cấp tinh)",
     "the thuong tru cho nguoi nuoc ngoai tai viet nam", "tỉnh", "cấp mới", "không"),
    ("Cấp lại thẻ thường trú cho người nước ngoài tại Việt Nam tại Công an cấp tỉnh",
     "the thuong tru cho nguoi nuoc ngoai tai viet nam", "tỉnh", "cấp lại", "không"),
    ("Cấp đổi thẻ căn cước (thực hiện tại cấp Trung ương)", "the can cuoc", "trung ương", "cấp đổi", "không"),
    ("Gia hạn giấy phép thăm dò khoáng sản (cấp Bộ)", "giay phep tham do khoang san", "trung ương", "gia hạn",
     "không"),
    ("Đổi giấy phép lái xe", "giay phep lai xe", None, "cấp đổi", "không"),
    ("Thủ tục đăng ký khai sinh có yếu tố nước ngoài", "dang ky khai sinh", None, "", "có"),
    ("Đăng ký khai sinh", "dang ky khai sinh", None, "", "không"),
    # One record for several variants: the first issue, when it is one of them.
    ("Cấp, đổi, cấp lại thẻ căn cước", "the can cuoc", None, "cấp mới", "không"),
    ("Gia hạn, điều chỉnh giấy phép khai thác khoáng sản", "giay phep khai thac khoang san", None,
     "gia hạn", "không"),
    # How it is filed is not what it is: one procedure published once per channel.
    ("Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình",
     "chung nhan dang ky xe bien so xe", None, "cấp lại", "không"),
    ("Đổi chứng nhận đăng ký xe, biển số xe bằng dịch vụ công trực tuyến một phần hoặc trực tiếp thực hiện "
     "tại cấp trung ương, cấp tỉnh, cấp xã", "chung nhan dang ky xe bien so xe", None, "cấp đổi", "không"),
    ("Dịch vụ công trực tuyến gửi, nhận đơn khởi kiện", "dich vu cong truc tuyen gui nhan don khoi kien", None, "",
     "không"),
])
def test_a_title_splits_into_its_core_and_what_varies(title, core, level, variant, foreign) -> None:
    f = facets(title)
    assert (f.core, f.level, f.variant, f.foreign) == (core, level, variant, foreign)


def test_the_same_procedure_at_two_levels_gets_one_level_question() -> None:
    hits = candidates("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)",
                      "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp tỉnh)",
                      "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    choice = resolve("bao mat ho chieu", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("level",)
    assert choice.options == ((("tỉnh",), "id-1"), (("xã",), "id-0"))  # province before commune
    assert cards.variant_question(choice) == "Trình báo mất hộ chiếu phổ thông: Anh/Chị làm thủ tục này ở cấp nào ạ?"
    assert [b["title"] for b in cards.variant_buttons(choice)] == ["Cấp tỉnh", "Cấp xã", "Gặp nhân viên"]
    assert cards.variant_buttons(choice)[0]["payload"] == '/choose{"item_id": "id-1"}'
    # Who serves each level, when the records say and differ: the first name, without its scope.
    assert cards.variant_question(choice, {"id-1": "Công an cấp tỉnh (Phòng Quản lý xuất nhập cảnh); "
                                                   "Công an cấp xã", "id-0": "Công an cấp xã"}) == (
        "Trình báo mất hộ chiếu phổ thông: Anh/Chị làm thủ tục này ở cấp nào ạ?"
        "\n• Cấp tỉnh: Công an cấp tỉnh\n• Cấp xã: Công an cấp xã")
    same = cards.variant_question(choice, {"id-1": "Công an", "id-0": "Công an"})
    missing = cards.variant_question(choice, {"id-1": "Công an cấp tỉnh"})
    assert "•" not in same and "•" not in missing


def test_issue_reissue_and_exchange_get_one_variant_question() -> None:
    hits = candidates("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)",
                      "Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)",
                      "Cấp đổi thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)")
    choice = resolve("the bao hiem y te", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("variant",)
    assert cards.variant_question(choice).endswith("Anh/Chị cần cấp mới, cấp lại hay cấp đổi ạ?")
    assert [b["title"] for b in cards.variant_buttons(choice)][:3] == ["Cấp mới", "Cấp lại", "Cấp đổi"]


def test_a_foreign_element_gets_a_yes_no_question() -> None:
    hits = candidates("Thủ tục đăng ký khai sinh", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài")
    choice = resolve("lam giay khai sinh cho con", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("foreign",)
    assert cards.variant_question(choice) == "Đăng ký khai sinh: Việc của Anh/Chị có yếu tố nước ngoài không ạ?"
    assert [b["title"] for b in cards.variant_buttons(choice)] == ["Có yếu tố nước ngoài", "Không", "Gặp nhân viên"]


VEHICLE_CHANNELS = ("Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình",
                    "Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến một phần "
                    "hoặc trực tiếp thực hiện tại cấp trung ương, cấp tỉnh, cấp xã")


NATIONALITY = ("Nhập quốc tịch Việt Nam ở trong nước", "Nhập quốc tịch Việt Nam ở nước ngoài")


def test_one_procedure_filed_at_home_or_abroad_gets_one_place_question() -> None:
    # Tư pháp publishes the nationality procedures twice: filed in Việt Nam, or at a mission abroad.
    choice = resolve("xin nhập quốc tịch việt nam", candidates(*NATIONALITY))
    assert isinstance(choice, Clarification) and choice.facets == ("place",)
    assert cards.variant_question(choice) == "Nhập quốc tịch Việt Nam: Anh/Chị đang ở trong nước hay ở nước ngoài ạ?"
    assert [b["title"] for b in cards.variant_buttons(choice)] == ["Ở trong nước", "Ở nước ngoài", "Gặp nhân viên"]


@pytest.mark.parametrize(("question", "expected"), [
    ("tôi đang ở nước ngoài muốn nhập quốc tịch việt nam", "id-1"),
    ("tôi sống ở Hàn Quốc, xin nhập quốc tịch việt nam", "id-1"),
    ("vợ tôi là người nước ngoài sống tại Việt Nam muốn nhập quốc tịch", "id-0"),   # who is not where
])
def test_a_question_that_names_the_place_is_answered_without_asking(question: str, expected: str) -> None:
    assert resolve(question, candidates(*NATIONALITY)) == expected


def test_a_foreigner_is_not_abroad() -> None:
    assert isinstance(resolve("người nước ngoài xin nhập quốc tịch việt nam", candidates(*NATIONALITY)),
                      Clarification)


@pytest.mark.parametrize(("question", "first"), [
    ("người nước ngoài xin nhập quốc tịch việt nam", NATIONALITY[0]),   # a centre serves people here
    ("xin nhập quốc tịch việt nam", NATIONALITY[0]),
    ("tôi đang ở nước ngoài muốn nhập quốc tịch việt nam", NATIONALITY[1]),
])
def test_the_procedure_filed_in_the_country_comes_first_unless_the_question_is_from_abroad(
        question: str, first: str) -> None:
    ranked = candidates(*reversed(NATIONALITY))   # as search ranks them: the words "nước ngoài" matched
    titles = {c.id: c.title for c in ranked}
    assert titles[rank_siblings(question, ranked)[0]] == first


def test_one_procedure_published_per_channel_gets_one_channel_question() -> None:
    # Bộ Công an publishes the reissue twice: wholly online, and partly online or at the office.
    # Their documents and times differ, so the citizen chooses how to file.
    choice = resolve("mất cà vẹt xe máy", candidates(*VEHICLE_CHANNELS))
    assert isinstance(choice, Clarification) and choice.facets == ("channel",)
    assert cards.variant_question(choice) == (
        "Cấp lại chứng nhận đăng ký xe, biển số xe: Anh/Chị muốn nộp hoàn toàn trực tuyến hay nộp trực tiếp ạ?")
    assert [b["title"] for b in cards.variant_buttons(choice)] == [
        "Trực tuyến toàn trình", "Trực tiếp / một phần", "Gặp nhân viên"]


@pytest.mark.parametrize(("question", "expected"), [
    ("làm lại cavet xe online", "id-0"), ("cấp lại giấy đăng ký xe qua dịch vụ công", "id-0"),
    ("cấp lại cà vẹt, tôi muốn nộp trực tiếp", "id-1"), ("mất cavet lên công an xã làm lại", "id-1"),
])
def test_a_question_that_names_the_channel_is_answered_without_asking(question: str, expected: str) -> None:
    assert resolve(question, candidates(*VEHICLE_CHANNELS)) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("cấp lại thẻ bhyt", "id-1"), ("bi mat the bao hiem y te", "id-1"), ("doi the bhyt", "id-2"),
    ("cap doi the bhyt o tinh", "id-2"),
])
def test_a_question_that_names_the_variant_is_answered_without_asking(question, expected) -> None:
    hits = candidates("Cấp thẻ bảo hiểm y tế", "Cấp lại thẻ bảo hiểm y tế", "Cấp đổi thẻ bảo hiểm y tế")
    assert resolve(question, hits) == expected


def test_a_question_that_names_the_level_or_foreign_element_is_answered() -> None:
    levels = candidates("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp tỉnh)",
                        "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)")
    assert resolve("trình báo mất hộ chiếu ở xã", levels) == "id-1"
    assert resolve("bao mat ho chieu tai cong an tinh", levels) == "id-0"
    births = candidates("Đăng ký khai sinh", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài")
    assert resolve("thủ tục khai sinh có yếu tố nước ngoài", births) == "id-1"
    assert resolve("khai sinh cho con, chồng tôi là người nước ngoài", births) == "id-1"
    assert resolve("khai sinh cho con, chồng tôi là người Nhật", births) == "id-1"   # no question asked
    assert resolve("khai sinh khong co yeu to nuoc ngoai", births) == "id-0"


def test_a_level_the_candidates_do_not_have_still_gets_the_question() -> None:
    hits = candidates("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp tỉnh)",
                      "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp trung ương)")
    assert isinstance(resolve("trình báo mất hộ chiếu ở huyện", hits), Clarification)


def test_different_procedures_keep_the_usual_behaviour() -> None:
    hits = candidates("Đăng ký khai sinh", "Đăng ký lại khai sinh", "Đăng ký khai tử")
    assert resolve("khai sinh", hits) is None
    assert resolve("x", candidates("Đăng ký kết hôn")) is None
    assert resolve("x", []) is None


def test_siblings_are_found_among_other_hits_and_only_the_first_ones_core_counts() -> None:
    hits = candidates("Cấp giấy phép lái xe", "Cấp giấy phép lái xe quốc tế", "Đổi giấy phép lái xe",
                      "Cấp lại giấy phép lái xe")
    choice = resolve("giấy phép lái xe", hits)
    assert isinstance(choice, Clarification)
    assert [item for _, item in choice.options] == ["id-0", "id-3", "id-2"]  # not the international one


def test_two_records_with_the_same_title_need_no_question() -> None:
    assert resolve("nop dan tien thue no", candidates("Nộp dần tiền thuế nợ", "Thủ tục nộp dần tiền thuế nợ")) == "id-0"


def test_more_pairs_than_buttons_ask_what_to_do_and_the_best_record_of_each_answers() -> None:
    hits = candidates("Cấp lại thẻ căn cước", "Cấp, đổi, cấp lại thẻ căn cước",
                      "Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)", "Cấp đổi thẻ căn cước",
                      "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", "Cấp đổi thẻ căn cước (thực hiện tại cấp tỉnh)",
                      levels=("xã", "tỉnh", None, "xã", None, None))
    choice = resolve("làm căn cước cần gì", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("variant",)
    assert dict((values, item) for values, item in choice.options) == {
        ("cấp mới",): "id-1", ("cấp lại",): "id-0", ("cấp đổi",): "id-3"}
    assert cards.variant_question(choice) == "Thẻ căn cước: Anh/Chị cần cấp mới, cấp lại hay cấp đổi ạ?"
    # Named, the variant leaves the levels: few enough to ask.
    narrowed = resolve("cấp lại căn cước", hits)
    assert isinstance(narrowed, Clarification) and narrowed.facets == ("level",)
    assert len(narrowed.options) == 3


def test_a_title_for_several_variants_serves_the_one_asked_and_the_centres_own_record_is_offered() -> None:
    hits = [Candidate("national-xa", "Cấp lại thẻ căn cước", "xã"),
            Candidate("own", "Cấp, đổi, cấp lại thẻ căn cước", "tỉnh", own=True),
            Candidate("national-tinh", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", "tỉnh")]
    choice = resolve("làm lại căn cước bị mất", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("level",)
    assert dict((values, item) for values, item in choice.options) == {("tỉnh",): "own", ("xã",): "national-xa"}
    assert choice.subject == "Cấp lại thẻ căn cước"   # named by a title for that one variant
    assert resolve("cấp lại căn cước ở tỉnh", hits) == "own"
    assert resolve("cấp lại căn cước ở tỉnh", [hits[0], hits[2], hits[1]]) == "own"   # whatever its rank


def test_the_records_level_tells_apart_titles_that_do_not_name_it() -> None:
    hits = candidates("Hỗ trợ dự án liên kết", "Hỗ trợ dự án liên kết", levels=("tỉnh", "xã"))
    choice = resolve("ho tro du an lien ket", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("level",)


def test_several_differences_are_asked_together_in_one_question() -> None:
    hits = candidates("Cấp thẻ thường trú cho người nước ngoài tại Việt Nam (thực hiện tại cấp tinh)",
                      "Cấp thẻ thường trú cho người nước ngoài tại Việt Nam (thực hiện tại cấp Trung ương)",
                      "Cấp lại thẻ thường trú cho người nước ngoài tại Việt Nam tại Công an cấp tỉnh")
    choice = resolve("the thuong tru", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("level", "variant")
    titles = [b["title"] for b in cards.variant_buttons(choice)]
    assert titles == ["Cấp trung ương – Cấp mới", "Cấp tỉnh – Cấp mới", "Cấp tỉnh – Cấp lại", "Gặp nhân viên"]
    assert resolve("cap lai the thuong tru", hits) == "id-2"
    narrowed = resolve("cấp thẻ thường trú lần đầu", hits)
    assert isinstance(narrowed, Clarification) and narrowed.facets == ("level",)


@pytest.mark.parametrize(("question", "said"), [
    ("theo dõi hồ sơ", {}), ("thay doi thong tin", {}), ("đăng ký thường trú cần giấy tờ gì", {}),
    ("cap lai gplx o xa", {"level": "xã", "variant": "cấp lại"}),
    ("làm hộ chiếu ở tỉnh", {"level": "tỉnh"}),
    ("gia han the tam tru", {"variant": "gia hạn"}),
    ("chồng tôi là người Mỹ", {"foreign": "có"}), ("có con với công dân Hàn Quốc", {"foreign": "có"}),
    ("vợ tôi quốc tịch Anh", {"foreign": "có"}), ("sinh con tại Thụy Điển", {"foreign": "có", "place": "nước ngoài"}),
    # Country names that are everyday words or Vietnamese places, outside a nationality:
    ("người lao động", {}), ("hồ sơ gửi Sở Tư pháp", {}), ("ý kiến về pháp luật", {}),
    ("tôi ở Mỹ Tho", {}), ("người anh trai tôi", {}), ("rửa tay", {}), ("viết nhật ký", {}),
    # A syllable typed with marks means what its marks say; typed without, it may mean any.
    ("Đối tượng được cấp giấy phép lái xe quốc tế là ai", {}), ("doi voi nguoi lao dong", {}),
    ("đổi bằng lái xe", {"variant": "cấp đổi"}), ("doi bang lai xe", {"variant": "cấp đổi"}),
    ("hồ sơ có phải giữ bí mật không", {}), ("bị mất thẻ bảo hiểm", {"variant": "cấp lại"}),
    ("tôi ở xa, nộp hồ sơ thế nào", {}), ("tôi nộp ở xã được không", {"level": "xã"}),
    ("nộp hồ sơ ở xa được không", {}),   # marks throughout: "xa" is far away
    ("lam lai cccd o xa", {"level": "xã", "variant": "cấp lại"}),   # no marks: "xa" may be "xã"
    # "mất" and a paper is a loss; "mất phí", "mất bao lâu" are costs; "mặt", "mật" are not losses.
    ("mất bằng lái xe", {"variant": "cấp lại"}), ("mat the bhyt", {"variant": "cấp lại"}),
    ("mất sổ hộ khẩu", {"variant": "cấp lại"}), ("mat het giay to", {"variant": "cấp lại"}),
    ("làm hộ chiếu mất bao lâu", {}), ("có mất phí không", {}), ("quen mat khau", {}),
    ("chụp mặt trước căn cước", {}), ("mat bang kinh doanh", {}),
    # A damaged paper is an exchange (see ``wanted_variants``), even said "làm lại"; a loss is not.
    ("thẻ căn cước bị hỏng", {"variant": "cấp đổi"}), ("cccd bi rach lam lai o dau", {"variant": "cấp đổi"}),
    ("bằng lái bị nhòe hết chữ", {"variant": "cấp đổi"}), ("the bhyt bi uot", {"variant": "cấp đổi"}),
    ("bị mất hoặc hư hỏng thẻ", {"variant": "cấp lại"}), ("sổ đỏ bị ố vàng, rách mép", {"variant": "cấp đổi"}),
    ("nạo vét kênh rạch", {}), ("kenh rach", {}),
    ("the bhyt mat r", {"variant": "cấp lại"}), ("cái thẻ này hỏng rồi", {"variant": "cấp đổi"}),
    ("chụp mặt rồi gửi", {}),
    ("làm sổ hồng", {}), ("so hong dung ten ai", {}), ("hong biet lam sao", {}), ("mở chữ ký số", {}),
    # A paper written wrong is exchanged too; "sai" alone ("sai hẹn", "làm sai quy trình") is not.
    ("thẻ căn cước bị sai ngày sinh", {"variant": "cấp đổi"}), ("bang lai ghi sai ten", {"variant": "cấp đổi"}),
    ("cccd in sai que quan", {"variant": "cấp đổi"}), ("cán bộ làm sai quy trình", {}), ("đến sai hẹn", {}),
])
def test_what_the_citizen_already_said(question, said) -> None:
    assert asked(question) == said


def test_a_record_for_several_levels_is_not_a_level_choice() -> None:
    hits = [Candidate("curated", "Cấp lại giấy phép lái xe", "tỉnh"),
            Candidate("national", "Cấp lại giấy phép lái xe", None)]  # cấp bộ and cấp tỉnh
    assert resolve("cấp lại giấy phép lái xe", hits) == "curated"


def test_a_level_known_only_from_the_records_gives_way_to_the_variant() -> None:
    # The national "Cấp"/"Đổi" are published by the ministry, the curated "Cấp lại"/"Đổi" by the province.
    hits = candidates("Cấp lại giấy phép lái xe", "Đổi giấy phép lái xe", "Cấp giấy phép lái xe",
                      "Đổi giấy phép lái xe", levels=("tỉnh", "tỉnh", "trung ương", "trung ương"))
    choice = resolve("giấy phép lái xe", hits)
    assert isinstance(choice, Clarification) and choice.facets == ("variant",)
    assert cards.variant_question(choice) == "Giấy phép lái xe: Anh/Chị cần cấp mới, cấp lại hay cấp đổi ạ?"
    assert [b["payload"] for b in cards.variant_buttons(choice)][:3] == [
        '/choose{"item_id": "id-2"}', '/choose{"item_id": "id-0"}', '/choose{"item_id": "id-1"}']


def test_a_button_title_keeps_the_level_it_names() -> None:
    title = cards.short_title("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)")
    assert title.endswith("(cấp trung ương)") and len(title) <= 60
    assert cards.short_title("Đăng ký khai sinh") == "Đăng ký khai sinh"


def test_search_order_puts_the_named_variant_first_and_else_the_plain_one() -> None:
    from knowledge_base.variants import rank_siblings

    hits = [Candidate("renew", "Cấp lại Sổ thuyền viên"), Candidate("new", "Cấp Sổ thuyền viên"),
            Candidate("other", "Đăng ký tàu biển")]
    assert rank_siblings("tôi muốn xin sổ thuyền viên", hits) == ["new", "renew"]
    assert rank_siblings("xin cấp lại sổ thuyền viên bị mất", hits[::-1][1:] + hits[2:]) == ["renew", "new"]
    levels = [Candidate("tinh", "Cấp hộ chiếu phổ thông (thực hiện tại cấp tỉnh)"),
              Candidate("tw", "Cấp hộ chiếu phổ thông (thực hiện tại cấp trung ương)")]
    assert rank_siblings("làm hộ chiếu ở cục quản lý xuất nhập cảnh", levels) == ["tw", "tinh"]
    assert rank_siblings("làm hộ chiếu", levels) == ["tinh", "tw"]     # nothing named: search order
    assert rank_siblings("đăng ký tàu biển", [hits[2], hits[0]]) == []   # no sibling: nothing to do


@pytest.mark.parametrize(("question", "title", "expected"), [
    ("giai the cong ty tnhh", "Đăng ký thành lập công ty trách nhiệm hữu hạn", True),
    ("cap lai so do bi mat", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", True),
    ("thanh lap cong ty tnhh", "Đăng ký thành lập công ty trách nhiệm hữu hạn", False),
    ("cap lai can cuoc bi mat", "Cấp, đổi, cấp lại thẻ căn cước", False),
    ("cấp lại lý lịch tư pháp", "Cấp Phiếu lý lịch tư pháp", False),     # the title names no issue
    ("doi bang lai xe het han", "Đổi giấy phép lái xe", False),
    ("xin giấy phép xây dựng sửa chữa nhà", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", True),
    ("giải thể công ty tnhh", "Chuyển đổi công ty trách nhiệm hữu hạn một thành viên thành công ty cổ phần", True),
    ("điều chỉnh giấy phép khai thác nước", "Gia hạn, điều chỉnh giấy phép khai thác nước dưới đất", False),
    # Reporting a lost paper answers a loss only: "Cấp giấy thông hành" was answered, sure of it, with it.
    ("Cấp giấy thông hành", "Trình báo mất giấy thông hành (thực hiện tại cấp xã)", True),
    ("làm mất giấy thông hành", "Trình báo mất giấy thông hành (thực hiện tại cấp xã)", False),
    # Locking is the opposite of unlocking: "khóa tài khoản định danh điện tử" got the unlocking, sure of it.
    ("khóa tài khoản định danh điện tử", "Mở khóa tài khoản định danh điện tử (thực hiện tại cấp tỉnh)", True),
    ("mở khóa căn cước điện tử", "Khóa căn cước điện tử (thực hiện tại cấp tỉnh)", True),
    ("tài khoản bị khóa, muốn mở khóa", "Thủ tục khóa tài khoản người sử dụng Cổng thông tin một cửa quốc gia", True),
    ("mở khóa căn cước điện tử", "Mở khóa căn cước điện tử (thực hiện tại cấp tỉnh)", False),
    ("tài khoản bị khóa thì làm sao", "Thủ tục kích hoạt tài khoản (đã khóa) người sử dụng Cổng thông tin", False),
    ("mở khóa đào tạo thuyền trưởng", "Mở khóa đào tạo bồi dưỡng nghiệp vụ thuyền trưởng", False),   # a course
    # Nor is locking an account granting one.
    ("khóa tài khoản định danh điện tử", "Cấp tài khoản định danh điện tử cho cơ quan, tổ chức", True),
    ("tài khoản định danh điện tử bị khóa", "Cấp tài khoản định danh điện tử cho cơ quan, tổ chức", False),
])
def test_a_record_for_another_act_or_issue_contradicts_the_question(question: str, title: str,
                                                                     expected: bool) -> None:
    """Close words, another procedure: "giải thể" is not "thành lập", a reissue is not "… lần đầu"."""
    assert contradicts(question, title) is expected


@pytest.mark.parametrize(("titles", "question", "expected"), [
    # The law exchanges a damaged card (Luật Căn cước 2023, Điều 24; thẻ BHYT, đăng ký xe, sổ đỏ)…
    (("Cấp lại thẻ bảo hiểm y tế", "Cấp đổi thẻ bảo hiểm y tế", "Cấp thẻ bảo hiểm y tế"), "thẻ bhyt bị rách", "id-1"),
    (("Cấp lại giấy phép lái xe", "Đổi giấy phép lái xe"), "bằng lái xe bị hỏng", "id-1"),
    # A card written wrong is exchanged too (Luật Căn cước 2023, Điều 24).
    (("Cấp lại thẻ căn cước", "Cấp đổi thẻ căn cước"), "thẻ căn cước bị sai ngày sinh", "id-1"),
    (("Cấp lại giấy phép lái xe", "Đổi giấy phép lái xe"), "bang lai ghi sai ten", "id-1"),
    (("Cấp lại thẻ căn cước", "Cấp đổi thẻ căn cước"), "căn cước bị ghi nhầm quê quán", "id-1"),
    # … and reissues a paper whose procedure has no exchange ("Cấp lại … bị mất, bị hỏng").
    (("Cấp chứng chỉ hành nghề Quản tài viên", "Cấp lại chứng chỉ hành nghề Quản tài viên"),
     "chứng chỉ hành nghề quản tài viên bị rách", "id-1"),
])
def test_a_damaged_paper_is_exchanged_where_its_procedure_can_and_reissued_where_not(
        titles: tuple[str, ...], question: str, expected: str) -> None:
    assert resolve(question, candidates(*titles)) == expected
    assert not contradicts(question, titles[int(expected[-1])])


@pytest.mark.parametrize(("question", "title", "contradicted"), [
    # An official passport is Bộ Ngoại giao's: "cấp hộ chiếu công vụ" was answered, sure of it, with
    # the ordinary passport.
    ("cấp hộ chiếu công vụ", "Cấp hộ chiếu phổ thông ở trong nước", True),
    ("làm hộ chiếu phổ thông", "Cấp hộ chiếu phổ thông ở trong nước", False),
    ("làm hộ chiếu", "Cấp hộ chiếu phổ thông ở trong nước", False),
])
def test_another_kind_of_passport_is_another_procedure(question: str, title: str, contradicted: bool) -> None:
    assert contradicts(question, title) is contradicted


TREATY = "Miễn thuế, giảm thuế theo Điều ước quốc tế không phải là Hiệp định tránh đánh thuế hai lần"
INSPECTION = "Cấp Giấy chứng nhận kiểm định cho xe cơ giới (trừ xe mô tô, xe gắn máy)"


DANGEROUS_GOODS = "Cấp Giấy phép vận chuyển hàng hóa nguy hiểm bằng phương tiện thủy nội địa"


@pytest.mark.parametrize(("question", "title", "contradicted"), [
    # "bằng ô tô" got the inland-waterway licence first; a way of transport splits the procedures.
    ("giấy phép vận chuyển hàng nguy hiểm bằng ô tô", DANGEROUS_GOODS, True),
    ("vận chuyển hàng nguy hiểm bằng tàu thủy nội địa", DANGEROUS_GOODS, False),
    ("giấy phép vận chuyển hàng nguy hiểm", DANGEROUS_GOODS, False),          # no way named
    ("chở hàng nguy hiểm từ tàu biển lên ô tô", DANGEROUS_GOODS, False),      # two ways named
])
def test_another_way_of_transport_is_another_procedure(question: str, title: str, contradicted: bool) -> None:
    assert contradicts(question, title) is contradicted


@pytest.mark.parametrize(("question", "title", "contradicted"), [
    # A blind letter about a tax treaty got the title for every treaty but that one first.
    ("Để doanh thu vận tải được miễn thuế theo Hiệp định tránh đánh thuế hai lần thì nộp gì?", TREATY, True),
    ("miễn thuế theo điều ước quốc tế", TREATY, False),
    ("kiểm định xe mô tô ở đâu", INSPECTION, True),
    ("kiểm định xe tải ở đâu", INSPECTION, False),
    # Said under a negation, or asked as a yes or no, the left-out part agrees with the title.
    ("dự án không thuộc diện chấp thuận chủ trương đầu tư", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án "
     "không thuộc diện chấp thuận chủ trương đầu tư", False),
    ("nhập thủy sản sống có phải đánh giá rủi ro không", "Cấp giấy phép nhập khẩu thủy sản sống đối với trường "
     "hợp không phải đánh giá rủi ro", False),
    # "miễn trừ", "khấu trừ" and "cư trú" leave nothing out.
    ("hoàn thuế GTGT theo ưu đãi miễn trừ ngoại giao", "Hoàn thuế GTGT đối với trường hợp được hưởng ưu đãi miễn "
     "trừ ngoại giao", False),
])
def test_a_question_naming_what_a_title_leaves_out_contradicts_it(question: str, title: str,
                                                                  contradicted: bool) -> None:
    assert contradicts(question, title) is contradicted


@pytest.mark.parametrize(("question", "variant"), [
    ("chuyển đổi mục đích sử dụng đất", None), ("đổi mục đích sử dụng đất vườn", None),
    ("chuyển đổi loại hình doanh nghiệp", None),
    ("chuyển đổi bằng lái xe", "cấp đổi"), ("đổi thẻ bhyt", "cấp đổi"),   # a paper is still exchanged
    # A company moving or renaming has its licence adjusted: a blind letter got the exchange's rival.
    ("Công ty đổi địa chỉ trụ sở thì giấy phép vận chuyển có phải điều chỉnh không?", "điều chỉnh"),
    ("công ty đổi người đại diện theo pháp luật", None),
])
def test_converting_land_or_a_company_asks_no_exchange(question: str, variant: str | None) -> None:
    assert asked(question).get("variant") == variant
