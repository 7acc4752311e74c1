"""Dialogue at scale: national records and portal FAQs through the gateway and a real Rasa.

The catalog here is made by hand from real records of the national portal (the two publications of
"Cấp hộ chiếu phổ thông ở trong nước", at the province and at the ministry, and the portal FAQ
linked to both): one question gets one clarifying question with level buttons, a tap gets the
card, "Xem đủ giấy tờ" the whole list; the portal's long answer is shortened with "Xem đầy đủ".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerDetail, ActionAnswerQuestion, ActionChooseItem, linked_procedures
from actions.fallback import ActionFallback
from bot import launcher
from knowledge_base.schema import (
    Catalog,
    Faq,
    Fee,
    Procedure,
    ProcessingTime,
    RequiredDocument,
    Source,
    SubmissionMethod,
)
from knowledge_base.service import KnowledgeBase
from tests.conftest import ALWAYS_STAFFED, Stack, free_port

PORTAL = "Cổng Dịch vụ công quốc gia"
CHECKED = dt.date(2026, 3, 1)

PASSPORT_DOCUMENTS = [
    RequiredDocument(name="Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước (mẫu TK01 dành cho người từ 14 "
                          "tuổi trở lên; mẫu TK01a dành cho người chưa đủ 14 tuổi) ban hành kèm theo Thông tư số "
                          "31/2023/TT-BCA ngày 20/7/2023 của Bộ Công an. Đối với người mất năng lực hành vi dân sự, "
                          "người chưa đủ 14 tuổi thì người đại diện hợp pháp khai và ký thay.",
                     originals_count=1),
    RequiredDocument(name="Ảnh mới chụp không quá 06 tháng, cỡ 4cm x 6cm, mặt nhìn thẳng, đầu để trần, rõ mặt, "
                          "rõ hai tai, không đeo kính, trang phục lịch sự, phông ảnh nền trắng", originals_count=1),
    RequiredDocument(name="Hộ chiếu phổ thông cấp lần gần nhất còn giá trị sử dụng đối với người đã được cấp hộ "
                          "chiếu; trường hợp hộ chiếu còn giá trị sử dụng bị mất phải kèm đơn báo mất hoặc thông báo "
                          "về việc đã tiếp nhận đơn của cơ quan có thẩm quyền quy định tại điểm a khoản 2 Điều 28 "
                          "Luật Xuất cảnh, nhập cảnh của công dân Việt Nam.", originals_count=1, required=False),
    RequiredDocument(name="Bản sao giấy tờ do cơ quan có thẩm quyền của Việt Nam cấp chứng minh người đại diện hợp "
                          "pháp đối với người mất năng lực hành vi dân sự, người có khó khăn trong nhận thức, làm chủ "
                          "hành vi theo quy định của Bộ luật dân sự, người chưa đủ 14 tuổi; trường hợp không có bản "
                          "sao thì nộp bản chụp và xuất trình bản chính để kiểm tra, đối chiếu.",
                     originals_count=1, copies_count=1, required=False),
    RequiredDocument(name="Bản sao giấy khai sinh hoặc trích lục giấy khai sinh đối với người chưa đủ 14 tuổi chưa "
                          "được cấp mã số định danh cá nhân; trường hợp không có bản sao Giấy khai sinh, trích lục "
                          "khai sinh thì nộp bản chụp và xuất trình bản chính để kiểm tra, đối chiếu.",
                     originals_count=1, copies_count=1, required=False),
]
FEE_NOTE = ("200.000đ/ hộ chiếu. Trường hợp cấp lại do bị hỏng hoặc bị mất: 400.000đ/hộ chiếu (Thông tư số "
            "25/2021/TT-BTC ngày 07/4/2021 của Bộ Tài chính).")


def passport(level: str) -> Procedure:
    """Cấp hộ chiếu phổ thông ở trong nước: 1.001456 at the province, 1.001471 at the ministry."""
    province = level == "tỉnh"
    days = "8 ngày làm việc" if province else "5 ngày làm việc"

    def channel(method: str, amount: int, note: str) -> SubmissionMethod:
        return SubmissionMethod(method=method, processing_time=ProcessingTime(text=days),  # type: ignore[arg-type]
                                fees=[Fee(label="Lệ phí", amount_vnd=amount, note=note)])

    online_note = ("160.000/hộ chiếu, trường hợp cấp lại do bị hư hỏng hoặc bị mất: 320.000đ/hộ chiếu"
                   if province else FEE_NOTE)
    code = "1.001456" if province else "1.001471"
    return Procedure(
        id=f"tthc-{code.replace('.', '-')}", code=code,
        title=f"Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp {'tỉnh' if province else 'trung ương'})",
        field="Xuất nhập cảnh", level=level, levels=[level], audience="Công dân Việt Nam",  # type: ignore[arg-type]
        agency="Công an cấp Tỉnh" if province else "Cục Quản lý xuất nhập cảnh",
        submit_at=("Phòng Quản lý xuất nhập cảnh Công an cấp tỉnh" if province
                   else "Trụ sở Cục Quản lý xuất nhập cảnh, Bộ Công an"),
        methods=[channel("online", 160_000 if province else 200_000, online_note),
                 channel("postal", 160_000 if province else 200_000, online_note),
                 channel("direct", 200_000, FEE_NOTE)],
        documents=PASSPORT_DOCUMENTS, processing_time=ProcessingTime(working_days=8 if province else 5, text=days),
        source=Source(name=PORTAL, url="https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-5fda-7370-bc07-"
                                       + ("6f1fd02ffcc4" if province else "6f1fd02ffcc5")),
        checked_on=CHECKED)


def report_lost_passport() -> Procedure:
    return Procedure(
        id="tthc-1-001485", code="1.001485",
        title="Khôi phục giá trị sử dụng hộ chiếu phổ thông (thực hiện tại cấp tỉnh)",
        field="Xuất nhập cảnh", level="tỉnh", agency="Công an cấp Tỉnh", submit_at="Công an cấp tỉnh",
        methods=[SubmissionMethod(method="direct")],
        documents=[RequiredDocument(name="Đơn đề nghị khôi phục giá trị sử dụng hộ chiếu (mẫu TK05)",
                                    originals_count=1)],
        processing_time=ProcessingTime(text="5 ngày làm việc"), source=Source(name=PORTAL), checked_on=CHECKED)


PORTAL_FAQ = Faq(
    id="hoi-dap-19727",
    question="Trong trường hợp việc đề nghị cấp hộ chiếu được ủy thác cho cơ quan, tổ chức có tư cách pháp nhân "
             "nộp hồ sơ cần làm gì?",
    answer="- Trước khi nộp hồ sơ ủy thác, cơ quan (trừ cơ quan nhà nước), tổ chức, doanh nghiệp được ủy thác phải "
           "nộp hồ sơ tư cách pháp nhân tại cơ quan quản lý xuất nhập cảnh.\n- Người ủy thác khai và ký tên vào tờ "
           "khai đề nghị cấp, sửa đổi hộ chiếu theo mẫu quy định, có dấu giáp lai ảnh và xác nhận của Thủ trưởng cơ "
           "quan, tổ chức được ủy thác.\n- Cơ quan, tổ chức được ủy thác có công văn gửi cơ quan Quản lý xuất nhập "
           "cảnh đề nghị giải quyết. Nếu đề nghị giải quyết cho nhiều người thì phải kèm danh sách những người ủy "
           "thác, có chứ ký, đóng dấu của Thủ trưởng cơ quan, tổ chức được ủy thác.\n- Cán bộ, nhân viên của cơ "
           "quan, tổ chức được ủy thác khi nộp hồ sơ đề nghị cấp, sửa đổi hộ chiếu phải xuất trình giấy giới thiệu "
           "của cơ quan, tổ chức, chứng minh nhân dân hoặc thẻ căn cước công dân còn giá trị sử dụng của bản thân "
           "và người ủy thác để kiểm tra, đối chiếu.",
    related_procedures=["tthc-1-001456", "tthc-1-001471"], related_codes=["1.001456", "1.001471"],
    source=Source(name=PORTAL, url="https://dichvucong.gov.vn/p/home/dvc-chi-tiet-cau-hoi.html?id=19727&row_limit=1"))


def national_catalog() -> Catalog:
    return Catalog(procedures=[passport("tỉnh"), passport("trung ương"), report_lost_passport()],
                   faqs=[PORTAL_FAQ])


def write_catalog(catalog: Catalog, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (("procedures.json", catalog.procedures), ("faqs.json", catalog.faqs)):
        (folder / name).write_text(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False,
                                              indent=1), encoding="utf-8")
    return folder


# ---- a Rasa + gateway pair serving this catalog -------------------------------------------------
@pytest.fixture(scope="module")
def national_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    launcher.train_if_changed()
    work = tmp_path_factory.mktemp("national")
    data = write_catalog(national_catalog(), work / "catalog")
    gateway_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{gateway_port}/actions/webhook"\n')
    database_url = f"sqlite:///{work / 'gateway.db'}"
    logs = work / "logs.txt"
    rasa = launcher.start_rasa(rasa_port, endpoints, log_file=logs)
    gateway = launcher.start_gateway(
        gateway_port, f"http://127.0.0.1:{rasa_port}",
        env={"ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_KB_DATA_DIR": str(data),
             "ASSISTANT_KB_CACHE_DIR": str(work / "index"), **ALWAYS_STAFFED}, log_file=logs)
    try:
        if not launcher.wait_until(f"http://127.0.0.1:{gateway_port}/ready", 240, rasa):
            pytest.fail("Rasa/gateway did not start:\n" + logs.read_text()[-4000:])
        yield Stack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{rasa_port}", database_url, logs)
    finally:
        launcher.stop(gateway)
        launcher.stop(rasa)


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


def tap(stack: Stack, sender: str, replies: list[dict], title: str) -> list[dict]:
    button = next((b for b in buttons(replies) if b["title"] == title), None)
    assert button is not None, f"no button {title!r} in {[b['title'] for b in buttons(replies)]}"
    return stack.chat(sender, button["payload"])


@pytest.mark.rasa
def test_one_level_question_then_the_card_then_every_document(national_stack: Stack, new_sender) -> None:
    sender = new_sender()
    asked = national_stack.chat(sender, "cấp hộ chiếu phổ thông cần giấy tờ gì")
    assert len(asked) == 1 and "ở cấp nào" in texts(asked)
    titles = [b["title"] for b in buttons(asked)]
    assert titles == ["Cấp trung ương", "Cấp tỉnh", "Gặp nhân viên"]

    card = tap(national_stack, sender, asked, "Cấp tỉnh")
    text = texts(card)
    assert "(thực hiện tại cấp tỉnh)" in text and "mã 1.001456" in text
    assert "Giấy tờ cần có:\n1. Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước" in text
    assert "Thông tư số 31/2023" not in text  # the legal reference is left to the full list
    assert "Lệ phí:" not in text  # the question was about documents
    assert f"Nguồn: {PORTAL} – https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" in text and "01/03/2026" in text
    assert len(text) < 900

    full = tap(national_stack, sender, card, "Xem đủ giấy tờ")
    listed = texts(full)
    assert all(str(n) + "." in listed for n in range(1, len(PASSPORT_DOCUMENTS) + 1))
    assert "Bản sao giấy khai sinh hoặc trích lục giấy khai sinh" in listed


@pytest.mark.rasa
def test_a_question_naming_the_level_is_answered_without_asking(national_stack: Stack, new_sender) -> None:
    replies = national_stack.chat(new_sender(), "lam ho chieu pho thong o cuc quan ly xuat nhap canh trung uong")
    text = texts(replies)
    assert "mã 1.001471" in text and "ở cấp nào" not in text
    assert "Lệ phí: 200.000 đồng" in text and "5 ngày làm việc" in text  # the same fee on every channel
    assert "toàn trình" not in text and "một phần" not in text  # the record does not say which
    assert "Xem đủ giấy tờ" in [b["title"] for b in buttons(replies)]


@pytest.mark.rasa
def test_a_portal_faq_is_shortened_with_its_source_and_linked_cards(national_stack: Stack, new_sender) -> None:
    sender = new_sender()
    replies = national_stack.chat(sender, "ủy thác cho tổ chức có tư cách pháp nhân nộp hồ sơ cấp hộ chiếu "
                                          "thì cần làm gì")
    text = texts(replies)
    assert "…" in text and PORTAL_FAQ.source.url in text  # type: ignore[union-attr]
    assert len(text) < len(PORTAL_FAQ.answer) + 300
    titles = [b["title"] for b in buttons(replies)]
    assert titles[0] == "Xem đầy đủ" and "Gặp nhân viên" in titles and len(titles) <= 5   # Zalo's limit
    assert all(len(t) <= 60 for t in titles)
    full = texts(tap(national_stack, sender, replies, "Xem đầy đủ"))
    assert "để kiểm tra, đối chiếu." in full


# ---- the actions in process (no Rasa): same catalog, same decisions ---------------------------------
@pytest.fixture(scope="module")
def national_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder = write_catalog(national_catalog(), tmp_path_factory.mktemp("national-kb") / "catalog")
    return KnowledgeBase.open(folder, cache_dir=None)


def run(action: Any, text: str, entities: dict[str, str] | None = None) -> list[dict]:
    tracker = Tracker("t", {}, {"text": text, "intent": {},
                                "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]},
                      [], False, None, None, None)
    dispatcher = CollectingDispatcher()
    # A thread of its own: a browser test earlier in the session may leave a loop running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, action.run(dispatcher, tracker, {})).result()
    return dispatcher.messages


def test_the_level_question_carries_the_asked_part_and_one_tap_answers(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "cấp hộ chiếu phổ thông cần giấy tờ gì")
    assert [m["text"] for m in asked] == ["Cấp hộ chiếu phổ thông ở trong nước: Anh/Chị làm thủ tục này ở cấp nào ạ?"]
    province = next(b for b in asked[0]["buttons"] if b["title"] == "Cấp tỉnh")
    assert province["payload"] == '/ask_detail{"item_id": "tthc-1-001456", "aspect": "documents"}'
    card = run(ActionAnswerDetail(national_kb), province["payload"],
               {"item_id": "tthc-1-001456", "aspect": "documents"})
    assert "Giấy tờ cần có" in card[0]["text"] and "Lệ phí" not in card[0]["text"]
    full = next(b for b in card[0]["buttons"] if b["title"] == "Xem đủ giấy tờ")
    listed = run(ActionAnswerDetail(national_kb), full["payload"],
                 {"item_id": "tthc-1-001456", "aspect": "all_documents"})
    assert "5. Bản sao giấy khai sinh" in "\n".join(m["text"] for m in listed)


def test_a_general_question_gets_level_buttons_that_open_the_overview(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "làm hộ chiếu phổ thông")
    assert "ở cấp nào" in asked[0]["text"]
    assert asked[0]["buttons"][0]["payload"] == '/choose{"item_id": "tthc-1-001471"}'
    card = run(ActionChooseItem(national_kb), "/choose", {"item_id": "tthc-1-001456"})[0]["text"]
    assert "Lệ phí: trực tuyến 160.000 đồng, qua bưu chính 160.000 đồng, trực tiếp 200.000 đồng" in card


def test_a_question_without_a_subject_keeps_the_top_three(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "giấy tờ")
    assert "ở cấp nào" not in asked[0]["text"]


def test_the_portal_faq_links_its_procedures_by_code(national_kb: KnowledgeBase) -> None:
    faq = PORTAL_FAQ.model_copy(update={"related_procedures": []})
    linked = linked_procedures(national_kb, faq)
    assert [p.id for p in linked] == ["tthc-1-001456", "tthc-1-001471"]


def test_an_utterance_rasa_could_not_classify_gets_the_level_question_too(national_kb: KnowledgeBase) -> None:
    asked = run(ActionFallback(national_kb, None, None), "ho chieu pho thong lam o dau")
    assert "ở cấp nào" in asked[0]["text"]
    assert {b["title"] for b in asked[0]["buttons"]} >= {"Cấp tỉnh", "Cấp trung ương"}
