"""A catalog made by hand from real records of the national portal: the two publications of "Cấp hộ
chiếu phổ thông ở trong nước" (at the province and at the ministry), a related procedure, and the
portal FAQ linked to both; written as the JSON files a gateway loads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

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
