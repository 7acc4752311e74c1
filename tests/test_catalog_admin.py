"""Volunteers keep the FAQ: the versioned catalog store, its review rules and its staff pages."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.auth.models import AuditEntry
from bot.catalog import hooks
from bot.catalog import routes as catalog_admin
from bot.catalog.models import CatalogVersion
from bot.catalog.service import CatalogService
from bot.catalog.startup import apply_published
from bot.core.config import Settings
from bot.core.services import services_of
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import PASSWORD, create_user, staff_settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_QUESTION = "Có được mang chó mèo vào Trung tâm Phục vụ hành chính công không?"
NEW_PROBE = "mang chó mèo vào trung tâm được không"


@dataclass
class Env:
    client: TestClient
    settings: Settings
    kb: KnowledgeBase
    catalog: CatalogService

    def login(self, username: str) -> str:
        """Log in as ``username`` (out of any other account); returns the session's CSRF token."""
        self.client.cookies.clear()
        page = self.client.get("/staff/login")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        response = self.client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                          "csrf_token": token, "next": "/staff/faqs"})
        assert response.status_code == 303, response.text
        page = self.client.get("/staff/faqs")
        assert page.status_code == 200, page.text
        return CSRF.search(page.text).group(1)  # type: ignore[union-attr]

    def audit(self, action: str) -> list[AuditEntry]:
        with self.catalog.sessions() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))

    def versions(self) -> int:
        with self.catalog.sessions() as session:
            return session.scalar(select(func.count()).select_from(CatalogVersion)) or 0

    def save(self, csrf: str, values: dict[str, str], action: str = "submit", section: str = "faqs",
             **hidden: str) -> object:
        return self.client.post(f"/staff/{section}/save", data={"csrf_token": csrf, "action": action,
                                                               **hidden, **values})


USERS = [("tnv", "volunteer"), ("tnv2", "volunteer"), ("tongdai", "hotline"), ("duyet", "reviewer"),
         ("duyet2", "reviewer")]


@pytest.fixture(scope="module")
def accounts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the staff accounts, made once: hashing passwords is the slow part."""
    folder = tmp_path_factory.mktemp("accounts")
    settings = staff_settings(folder, free_port())
    with pytest.MonkeyPatch.context() as monkeypatch:
        for username, role in USERS:
            create_user(monkeypatch, settings, username, role)
    return folder


@pytest.fixture
def env(kb: KnowledgeBase, accounts_db: Path, tmp_path: Path) -> Iterator[Env]:
    own = kb.copy_with()   # the session kb is shared: publish into a private copy
    settings = staff_settings(tmp_path, free_port())
    for file in accounts_db.glob("staff.db*"):
        shutil.copy(file, tmp_path / file.name)
    app = create_app(settings, kb=own)
    if "/staff/faqs" not in {getattr(r, "path", "") for r in app.routes}:
        app.include_router(catalog_admin.router)
    with TestClient(app, follow_redirects=False) as client:
        yield Env(client, settings, own, services_of(app).get(CatalogService))


def faq_values(question: str = NEW_QUESTION, **extra: str) -> dict[str, str]:
    return {"question": question, "alt_questions": "cho meo vao trung tam duoc khong\nmang thú cưng theo",
            "answer": "Trung tâm không nhận vật nuôi vào khu vực tiếp nhận hồ sơ, trừ chó dẫn đường.",
            "tags": "quy định\nvật nuôi", **extra}


def _top(kb: KnowledgeBase, text: str) -> str:
    hits = kb.search(text, kind="faq", top=1)
    return hits[0].id if hits else ""


# ---- publishing and the live index --------------------------------------------------------------
def test_volunteer_draft_is_live_only_after_a_reviewer_approves(env: Env) -> None:
    csrf = env.login("tnv")
    response = env.save(csrf, faq_values())
    assert response.status_code == 303, response.text
    faq_id = "co-duoc-mang-cho-meo-vao-trung-tam"
    assert f"/staff/faqs/{faq_id}/edit" in response.headers["location"]
    assert env.kb.faq(faq_id) is None and _top(env.kb, NEW_PROBE) != faq_id   # not before approval
    [entry] = env.catalog.review_queue()
    assert entry.version.state == "submitted" and entry.published is None

    csrf = env.login("duyet")
    queue = env.client.get("/staff/review")
    assert NEW_QUESTION in queue.text and "Câu trả lời" in queue.text
    approved = env.client.post(f"/staff/catalog/versions/{entry.version.id}/approve",
                               data={"csrf_token": csrf, "comment": "ổn"})
    assert approved.status_code == 303, approved.text
    assert env.kb.faq(faq_id) is not None
    assert _top(env.kb, NEW_PROBE) == faq_id                                    # live at once
    answer = env.kb.ask("cho meo vao trung tam duoc khong")
    assert answer.best is not None and answer.best.id == faq_id
    assert [e.target for e in env.audit("catalog.submit")] == [f"faq:{faq_id}"]
    assert env.audit("catalog.approve")[0].actor == "duyet"


def test_review_rules(env: Env) -> None:
    csrf = env.login("tnv")
    assert env.client.post("/staff/faqs/save", data={"csrf_token": csrf, "action": "submit", **faq_values()}
                           ).status_code == 303
    version_id = env.catalog.review_queue()[0].version.id
    # A volunteer cannot approve.
    refused = env.client.post(f"/staff/catalog/versions/{version_id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "người duyệt nội dung" in refused.text
    # Nobody approves their own draft.
    csrf = env.login("duyet")
    env.save(csrf, faq_values("Trung tâm có chỗ gửi xe máy miễn phí không?"))
    own = next(e.version for e in env.catalog.review_queue() if e.version.author == "duyet")
    refused = env.client.post(f"/staff/catalog/versions/{own.id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "tự duyệt" in refused.text
    # Sending back needs a comment.
    refused = env.client.post(f"/staff/catalog/versions/{version_id}/return", data={"csrf_token": csrf, "comment": " "})
    assert refused.status_code == 400 and "lý do trả lại" in refused.text
    assert env.catalog.version(version_id).state == "submitted"
    back = env.client.post(f"/staff/catalog/versions/{version_id}/return",
                           data={"csrf_token": csrf, "comment": "Ghi rõ trường hợp chó dẫn đường."})
    assert back.status_code == 303
    returned = env.catalog.version(version_id)
    assert returned.state == "returned" and returned.reviewer == "duyet"
    assert {e.action for e in env.audit("catalog.approve.refused")} == {"catalog.approve.refused"}
    assert env.audit("catalog.return")[0].detail.endswith("chó dẫn đường.")
    # The author sees the comment, fixes the draft in place and submits again.
    env.login("tnv")
    page = env.client.get(f"/staff/faqs/{returned.record_id}/edit")
    assert "Ghi rõ trường hợp chó dẫn đường." in page.text


def test_stale_draft_must_be_rebased_before_approval(env: Env) -> None:
    base = env.kb.faq("gio-lam-viec")
    assert base is not None
    first = env.catalog.save_draft("faq", {**base.model_dump(mode="json"), "tags": [*base.tags, "thứ bảy"]},
                                   "tnv", "volunteer", record_id=base.id, submit=True)
    second = env.catalog.save_draft("faq", {**base.model_dump(mode="json"),
                                            "answer": base.answer + " Liên hệ tổng đài nếu cần."},
                                    "tnv2", "volunteer", record_id=base.id, submit=True)
    env.catalog.approve(first.id, "duyet", "reviewer")
    csrf = env.login("duyet2")
    refused = env.client.post(f"/staff/catalog/versions/{second.id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert "Cập nhật theo bản đang dùng" in refused.text and "phiên bản 2 đã được xuất bản" in refused.text
    # The author rebases: the other's tag stays, their own answer too; then it can be approved.
    csrf = env.login("tnv2")
    assert env.client.post(f"/staff/catalog/versions/{second.id}/rebase", data={"csrf_token": csrf}
                           ).status_code == 303
    rebased = env.catalog.version(second.id)
    assert rebased.state == "draft" and not rebased.stale
    env.catalog.submit(second.id, "tnv2")
    env.catalog.approve(second.id, "duyet2", "reviewer")
    live = env.kb.faq(base.id)
    assert live is not None and "thứ bảy" in live.tags and live.answer.endswith("Liên hệ tổng đài nếu cần.")
    assert env.audit("catalog.rebase")[0].actor == "tnv2"


def test_rollback_publishes_an_old_version_again(env: Env) -> None:
    original = env.kb.faq("gio-lam-viec")
    assert original is not None
    draft = env.catalog.save_draft("faq", {**original.model_dump(mode="json"), "answer": "Làm việc cả tuần, 24/7."},
                                   "tnv", "volunteer", record_id=original.id, submit=True)
    env.catalog.approve(draft.id, "duyet", "reviewer")
    assert env.kb.faq(original.id).answer == "Làm việc cả tuần, 24/7."  # type: ignore[union-attr]
    first = env.catalog.history("faq", original.id)[-1]
    csrf = env.login("tnv")
    assert env.client.post(f"/staff/catalog/versions/{first.id}/rollback", data={"csrf_token": csrf}
                           ).status_code == 403
    csrf = env.login("duyet")
    done = env.client.post(f"/staff/catalog/versions/{first.id}/rollback", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert env.kb.faq(original.id) == original
    history = env.catalog.history("faq", original.id)
    assert [(v.number, v.state) for v in history] == [(3, "published"), (2, "superseded"), (1, "superseded")]
    assert history[0].review_comment == "Khôi phục nội dung của phiên bản 1."
    page = env.client.get(f"/staff/faqs/{original.id}")
    assert "Khôi phục nội dung của phiên bản 1." in page.text and "Câu trả lời" in page.text
    assert env.audit("catalog.rollback")[0].detail == "phiên bản 3 khôi phục phiên bản 1"


def test_published_edits_survive_a_restart(env: Env, kb: KnowledgeBase) -> None:
    original = env.kb.faq("gio-lam-viec")
    assert original is not None
    draft = env.catalog.save_draft("faq", {**original.model_dump(mode="json"), "answer": "Giờ làm việc đã đổi hẳn."},
                                   "tnv", "volunteer", record_id=original.id, submit=True)
    env.catalog.approve(draft.id, "duyet", "reviewer")
    restarted = kb.copy_with()   # a fresh process: the sample files only
    assert apply_published(restarted, env.catalog.sessions) == 1
    assert restarted.faq(original.id).answer == "Giờ làm việc đã đổi hẳn."  # type: ignore[union-attr]
    assert kb.faq(original.id) == original                                  # the shared kb untouched


# ---- diff, form errors, try it, inbox hook ------------------------------------------------------
def test_diff_names_fields_and_lines(env: Env) -> None:
    original = env.kb.faq("gio-lam-viec")
    assert original is not None
    draft = env.catalog.save_draft("faq", {**original.model_dump(mode="json"), "answer": "Trả lời mới hơn.",
                                           "alt_questions": [*original.alt_questions[1:], "mấy giờ đóng cửa"]},
                                   "tnv", "volunteer", record_id=original.id)
    changes = {c.label: c for c in env.catalog.changes(draft.base_version_id, draft.id)}
    assert set(changes) == {"Câu trả lời", "Cách hỏi khác"}
    assert changes["Câu trả lời"].before == original.answer and changes["Câu trả lời"].after == "Trả lời mới hơn."
    assert changes["Cách hỏi khác"].added == ["mấy giờ đóng cửa"]
    assert changes["Cách hỏi khác"].removed == [original.alt_questions[0]]


def test_form_errors_are_per_field_in_vietnamese(env: Env) -> None:
    csrf = env.login("tnv")
    before = env.versions()
    response = env.save(csrf, faq_values(answer="ngắn"))
    assert response.status_code == 400 and "quá ngắn (tối thiểu 10 ký tự)" in response.text
    response = env.save(csrf, faq_values(related_procedures="khong-co-thu-tuc-nay"))
    assert response.status_code == 400 and "thủ tục không tồn tại: khong-co-thu-tuc-nay" in response.text
    assert env.versions() == before
    procedure = env.save(csrf, {"title": "Thủ tục thử nghiệm", "level": "tỉnh",
                                "documents": "Tờ khai | 1 | có\nX"}, section="procedures")
    assert procedure.status_code == 400
    assert "mục 2, name: quá ngắn" in procedure.text and "Cách thức nộp" in procedure.text


def test_try_it_compares_now_and_with_the_draft_without_publishing(env: Env) -> None:
    csrf = env.login("tnv")
    response = env.save(csrf, {**faq_values(), "try_question": NEW_PROBE}, action="try")
    assert response.status_code == 200, response.text
    assert "Trả lời hiện nay" in response.text and "Trả lời khi xuất bản bản nháp" in response.text
    assert "bản nháp này" in response.text
    assert env.versions() == 72 and _top(env.kb, NEW_PROBE) != "ban-nhap-thu"
    assert env.kb.faq("ban-nhap-thu") is None and env.kb.index.document("ban-nhap-thu") is None


def test_inbox_link_prefills_and_publishing_calls_the_hook(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(hooks, "FAQ_PUBLISHED", [lambda faq_id, group: calls.append((faq_id, group))])
    csrf = env.login("tongdai")
    page = env.client.get("/staff/faqs/new", params={"question": NEW_QUESTION, "group": "nhom-17"})
    assert page.status_code == 200
    assert f'value="{NEW_QUESTION}"' in page.text and 'name="group" value="nhom-17"' in page.text
    env.save(csrf, faq_values(), group="nhom-17")
    version = env.catalog.review_queue()[0].version
    assert version.inbox_group == "nhom-17" and calls == []
    env.catalog.approve(version.id, "duyet", "reviewer")
    assert calls == [(version.record_id, "nhom-17")]


# ---- pages: CSRF, roles, lists ----------------------------------------------------------------
def test_pages_need_a_session_csrf_and_the_right_role(env: Env) -> None:
    assert env.client.get("/staff/faqs").status_code == 303            # login first
    csrf = env.login("tnv")
    assert env.client.post("/staff/faqs/save", data={"action": "submit", **faq_values()}).status_code == 403
    assert env.client.post("/staff/faqs/save", data={"csrf_token": "sai", **faq_values()}).status_code == 403
    assert env.versions() == 72
    listing = env.client.get("/staff/faqs", params={"q": "gio lam viec"})
    assert "Trung tâm Phục vụ hành chính công làm việc vào giờ nào?" in listing.text
    assert "Đang dùng" in listing.text and "khai-sinh" not in listing.text
    tagged = env.client.get("/staff/faqs", params={"q": "liên hệ"})
    assert "gio-lam-viec" in tagged.text
    assert env.client.get("/staff/procedures").status_code == 200
    assert env.client.get("/staff/procedures/khai-sinh/edit").status_code == 200
    assert "Cộng hoà" not in env.client.get("/staff/review").text
    assert env.client.get("/staff/faqs/khong-co").status_code == 404
    response = env.client.get("/staff/review")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert csrf


# ---- import / export ------------------------------------------------------------------------------
def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_csv_import_with_a_bad_row_lists_row_and_field_and_saves_nothing(env: Env) -> None:
    csrf = env.login("tnv")
    rows = [{"id": "hoi-moi-1", "question": "Câu hỏi mới thứ nhất là gì?", "answer": "Câu trả lời đủ dài rồi."},
            {"id": "hoi-moi-2", "question": "Ngắn", "answer": "Câu trả lời đủ dài rồi."},
            {"id": "hoi-moi-3", "question": "Câu hỏi mới thứ ba là gì?", "answer": "Câu trả lời đủ dài rồi.",
             "related_procedures": "khong-ton-tai"}]
    files = {"file": ("cau-hoi.csv", _csv(rows), "text/csv")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf}, files=files)
    assert response.status_code == 400
    assert "chưa lưu bản ghi nào" in response.text
    assert re.search(r"<td[^>]*>3</td><td[^>]*>question</td><td[^>]*>quá ngắn", response.text)
    assert env.versions() == 72 and env.audit("catalog.import.failed")
    # Links are checked too, after the schema: the same file without the short question.
    files = {"file": ("cau-hoi.csv", _csv([rows[0], rows[2]]), "text/csv")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf}, files=files)
    assert response.status_code == 400 and "thủ tục không tồn tại: khong-ton-tai" in response.text
    assert env.versions() == 72
    # A good file becomes drafts waiting for review (a volunteer cannot publish at once).
    files = {"file": ("cau-hoi.csv", _csv([rows[0]]), "text/csv")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf, "publish_now": "1"}, files=files)
    assert response.status_code == 200 and "đã gửi duyệt" in response.text
    assert env.kb.faq("hoi-moi-1") is None and env.catalog.review_queue()[0].version.record_id == "hoi-moi-1"


def test_excel_export_imports_back_unchanged_and_edits_publish(env: Env) -> None:
    from openpyxl import load_workbook

    csrf = env.login("duyet")
    exported = env.client.get("/staff/catalog/export", params={"kind": "procedure", "format": "xlsx"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    files = {"file": ("thu-tuc.xlsx", exported.content, "application/octet-stream")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf}, files=files)
    assert response.status_code == 200
    assert "0 thủ tục đã gửi duyệt (0 mới, 0 sửa đổi); 40 không thay đổi" in response.text
    # Edit one cell in Excel, import with "publish now": the procedure changes live.
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("id")].value == "khai-sinh")
    row[header.index("agency")].value = "UBND cấp xã nơi cư trú của cha hoặc mẹ"
    buffer = io.BytesIO()
    workbook.save(buffer)
    files = {"file": ("thu-tuc.xlsx", buffer.getvalue(), "application/octet-stream")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf, "publish_now": "1"}, files=files)
    assert "1 thủ tục đã xuất bản (0 mới, 1 sửa đổi); 39 không thay đổi" in response.text
    assert env.kb.procedure("khai-sinh").agency == "UBND cấp xã nơi cư trú của cha hoặc mẹ"  # type: ignore[union-attr]
    # CSV round trip of the FAQs too.
    exported = env.client.get("/staff/catalog/export", params={"kind": "faq", "format": "csv"})
    files = {"file": ("faq.csv", exported.content, "text/csv")}
    response = env.client.post("/staff/catalog/import", data={"csrf_token": csrf}, files=files)
    assert "32 không thay đổi" in response.text
    assert {e.action for e in env.audit("catalog.export")} == {"catalog.export"}
    assert len(env.audit("catalog.import")) == 3


def test_exports_never_carry_a_live_formula_and_still_round_trip() -> None:
    """A typed "=HYPERLINK(…)" must open as text in Excel, and import back as typed."""
    from openpyxl import load_workbook

    from bot.catalog.flat import read_upload, to_csv, to_xlsx
    from knowledge_base.schema import Faq

    hostile = Faq(id="cong-thuc", question="=HYPERLINK(\"http://x\",\"Bấm vào đây\")",
                  answer="+84 912 345 678 là số tổng đài, gọi trong giờ hành chính.", tags=["@SUM(A1)"])
    exported = to_csv([hostile], "faq").decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "'+84 912" in exported and "'@SUM" in exported
    workbook = load_workbook(io.BytesIO(to_xlsx([hostile], "faq")))
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)
    for name, data in (("faq.csv", exported.encode("utf-8-sig")), ("faq.xlsx", to_xlsx([hostile], "faq"))):
        _, records = read_upload(name, data)
        assert records == [hostile], name
