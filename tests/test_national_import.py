"""Importing the national portal's data: real records (tests/fixtures/national, cut from the shared
dumps) parsed into the schema, merged with curated records, linked to FAQs and stored for staff."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot.catalog.models import CatalogItem, CatalogVersion
from bot.catalog.startup import seed_if_empty
from bot.core.db import make_engine, make_sessionmaker, migrate
from knowledge_base import national
from knowledge_base import national_fields as nf
from knowledge_base.__main__ import main
from knowledge_base.loaders import DATA_DIR, load_catalog
from knowledge_base.national_import import import_national
from knowledge_base.schema import Faq, Procedure

FIXTURES = Path(__file__).parent / "fixtures" / "national"
DUMP = FIXTURES / "procedures_sample.jsonl.gz"
STRUCTURED = FIXTURES / "bqp_structured_sample.jsonl.gz"
FAQS = FIXTURES / "portal_faqs_sample.jsonl.gz"
LAMDONG = FIXTURES / "lamdong_tthc_sample.csv"
LANGSON = FIXTURES / "langson_tthc_sample.csv"
TODAY = dt.date(2026, 12, 6)


def raw(code: str) -> dict:
    return next(r for r in national.read_jsonl(DUMP) if r["ma_thu_tuc"] == code)


def converted(code: str) -> Procedure:
    return Procedure.model_validate(national.from_national(raw(code), TODAY))


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A data folder holding the curated sample catalog."""
    folder = tmp_path / "data"
    folder.mkdir()
    for path in DATA_DIR.glob("*.json"):
        shutil.copy(path, folder)
    return folder


def by_code(folder: Path, code: str) -> list[Procedure]:
    return [p for p in load_catalog(folder).procedures if p.code == code]


# ---- parsing real strings ---------------------------------------------------------------------
def test_fee_in_dong_is_parsed_and_usd_kept_as_text() -> None:
    dong = converted("1.011325")  # "…5 Ngày làm việc2,000,000 Việt Nam Đồng(Phí kiểm tra …)"
    assert dong.fees[0].amount_vnd == 2_000_000 and "2.000.000 đồng/01 đơn hàng" in dong.fees[0].note
    usd = converted("1.000771")  # "…5 Ngày làm việc10 USD(/lần)"
    assert [f.amount_vnd for f in usd.fees] == [None] and usd.fees[0].note == "10 USD (/lần)"


def test_each_channel_gets_its_own_time_and_fees() -> None:
    procedure = converted("1.004002")  # three channels, 2 working days, 70,000 VNĐ each
    assert [m.method for m in procedure.methods] == ["direct", "online", "postal"]
    for method in procedure.methods:
        assert method.processing_time is not None and method.processing_time.working_days == 2
        assert [f.amount_vnd for f in method.fees] == [70_000]
    assert procedure.processing_time.text == "2 Ngày làm việc"


def test_working_days_only_where_the_text_says_so() -> None:
    bare = converted("1.004694")  # "Trực tuyến5Miễn phí": a number with no unit
    assert bare.processing_time.working_days is None
    assert bare.processing_time.text == "5 (cổng không ghi đơn vị)"
    free_text = converted("1.007689")  # time cell "Không phải trả kết quả cho người nộp thuế"
    assert free_text.processing_time.text == "Không phải trả kết quả cho người nộp thuế"
    assert free_text.fees[0].amount_vnd == 0


def test_nothing_invented_when_the_cells_cannot_be_told_apart() -> None:
    # "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)": time 1 and 20 (thousand) đồng? No guess is made.
    glued = converted("1.000020")
    assert glued.processing_time.text == "Không có thông tin"
    assert glued.fees[0].amount_vnd is None and glued.fees[0].note.startswith("120 VNĐ")
    # "Miễn phí" followed by the amounts it is not: kept as the official text, not 0.
    qualified = converted("3.000379")
    assert qualified.fees[0].amount_vnd is None and "50.000.000 đồng" in qualified.fees[0].note
    # No table data at all: the honest text, no fee.
    unknown = converted("1.000232")
    assert unknown.processing_time.text == "Không có thông tin" and unknown.fees == []


def test_documents_carry_originals_copies_and_templates() -> None:
    documents = converted("1.000480").documents  # "…Giấy phépPhlc8.docx0 bản chính,2 bản sao…"
    first = documents[0]
    assert (first.name, first.template) == ("Đơn đề nghị chuyển đổi Giấy phép", "Phlc8.docx")
    assert (first.originals_count, first.copies_count, first.copies) == (0, 2, "0 bản chính, 2 bản sao")
    assert any(d.originals_count == 2 and d.copies_count == 0 for d in documents)


@pytest.mark.parametrize(("cell", "name", "template"), [
    # Real cells of the national dump: file names saved without their marks glue capitals too.
    ("Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA);"
     "1.MuCT01banhnhkmtheoThngts53 (3).doc",
     "Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)",
     "1.MuCT01banhnhkmtheoThngts53 (3).doc"),
    ("+ Bản khai chung;MauBankhaichung.docx", "+ Bản khai chung", "MauBankhaichung.docx"),
    ("+Bản khai chungMauBankhaichung (3).docx", "+Bản khai chung", "MauBankhaichung (3).docx"),
    ("Đơn đề nghị theo mẫu;Mauon (1).docx", "Đơn đề nghị theo mẫu", "Mauon (1).docx"),
    ("Đơn đề nghị chuyển đổi Giấy phépPhlc8.docx", "Đơn đề nghị chuyển đổi Giấy phép", "Phlc8.docx"),
    ("Bản khai cơ sở vật chất, kỹ thuật; thông tin theo Mẫu số 11 của Chính phủ.Mẫu số 11.docx",
     "Bản khai cơ sở vật chất, kỹ thuật; thông tin theo Mẫu số 11 của Chính phủ.", "Mẫu số 11.docx"),
    ("Giấy chứng nhận đăng ký doanh nghiệp", "Giấy chứng nhận đăng ký doanh nghiệp", ""),
])
def test_a_documents_name_and_its_template_file_are_told_apart(cell: str, name: str, template: str) -> None:
    assert nf._split_template(cell) == (name, template)


def test_document_groups_keep_their_heading_in_the_note() -> None:
    documents = converted("2.002636").documents
    notes = {d.note for d in documents}
    assert "Trường hợp đăng ký trên môi trường điện tử:" in notes
    assert any(n.startswith("Trường hợp ủy quyền") for n in notes)


def test_legal_basis_steps_result_and_levels() -> None:
    procedure = converted("1.000178")
    assert procedure.legal_basis[0].endswith("(68/2013/TT-BCA)")
    assert "Nghị định 05/2012/NĐ-CP" in procedure.legal_basis
    assert procedure.steps[0].startswith("Bước 1: Thụ lý giải quyết khiếu nại")
    assert procedure.result == "Quyết định giải quyết khiếu nại lần 1, lần 2"  # "Mã: KQ…" cut
    assert (procedure.level, procedure.levels) == ("trung ương", ["trung ương"])
    assert procedure.id == "tthc-1-000178" and procedure.source.url.startswith("https://")
    doubled = converted("1.000005").legal_basis  # "Luật 54/2014/QH1354/2014/QH13…"
    assert doubled[:2] == ["Luật 54/2014/QH13", "Thông tư 92/2015/TT-BTC"]


def test_flattened_parser_agrees_with_the_structured_export() -> None:
    """Flatten the clean Defence tables the way the crawler does and parse them back."""
    for record in national.read_jsonl(STRUCTURED):
        rows = record["tables"]["hinh_thuc_nop"]
        flat = nf.METHOD_HEADER + "".join(
            r["hinh_thuc"] + r["thoi_han_giai_quyet"] + "Miễn phí" + r["mo_ta"] for r in rows
            if r["thoi_han_giai_quyet"])
        parsed = nf.channels(flat)
        expected = [r for r in rows if r["thoi_han_giai_quyet"]]
        assert [c.kind for c in parsed] == [nf.CHANNELS[r["hinh_thuc"]] for r in expected]
        assert [c.time["text"] if c.time else "" for c in parsed] == [
            r["thoi_han_giai_quyet"] for r in expected]


def test_structured_export_imports_with_counts_and_fee_lines(tmp_path: Path) -> None:
    import_national(STRUCTURED, tmp_path, today=TODAY)
    procedures = {p.code: p for p in load_catalog(tmp_path).procedures}
    assert procedures["1.013124"].fees[0].amount_vnd == 0  # "Phí : 0 Đồng"
    explosive = procedures["1.013539"].methods[0].fees
    assert [f.amount_vnd for f in explosive][:2] == [2_000_000, 3_500_000]
    assert all(d.originals_count is not None for d in procedures["1.013124"].documents)
    assert procedures["1.013124"].source.url == ""  # the export names a file, no URL is made up


# ---- import into a folder -----------------------------------------------------------------------
def test_subset_by_codes(tmp_path: Path) -> None:
    report = import_national(DUMP, tmp_path, codes={"1.000771", "1.001193"}, today=TODAY)
    assert sorted(p.code for p in load_catalog(tmp_path).procedures) == ["1.000771", "1.001193"]
    assert "Đã đọc 2 thủ tục" in report


def test_curated_record_is_enriched_not_duplicated(sample_dir: Path) -> None:
    before = by_code(sample_dir, "1.001193")[0]
    import_national(DUMP, sample_dir, today=TODAY)
    [after] = by_code(sample_dir, "1.001193")
    assert after.id == "khai-sinh" and after.title == before.title
    assert after.fees == before.fees and after.form_fields == before.form_fields
    assert after.steps == before.steps and after.processing_time == before.processing_time
    assert "Thủ tục đăng ký khai sinh" in after.aliases  # the national title, for search
    assert after.levels == ["xã"] and after.audience  # left empty by the curator: filled
    assert after.source == before.source


def with_placeholder_code(folder: Path, procedure_id: str, twin: Path | None = None) -> None:
    """The curated ``procedure_id`` as a curator leaves it before checking its code; with ``twin``
    (a folder the dump was imported into) its national twin beside it, as an import made before
    codes were taken by name left them."""
    path = folder / "procedures.json"
    data = json.loads(path.read_text("utf-8"))
    records = data if isinstance(data, list) else data["procedures"]
    next(p for p in records if p["id"] == procedure_id)["code"] = "chưa xác minh"
    if twin is not None:
        imported = json.loads((twin / "procedures.json").read_text("utf-8"))
        records.extend(imported if isinstance(imported, list) else imported["procedures"])
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def test_a_curated_record_without_its_code_takes_it_from_the_national_one_of_the_same_name(
        sample_dir: Path, tmp_path: Path) -> None:
    import_national(DUMP, tmp_path / "national", codes={"1.001193"}, today=TODAY)
    # "Đăng ký khai sinh" curated, "Thủ tục đăng ký khai sinh" national, both in the folder
    with_placeholder_code(sample_dir, "khai-sinh", twin=tmp_path / "national")
    report = import_national(DUMP, sample_dir, today=TODAY)
    births = [p for p in load_catalog(sample_dir).procedures if "khai sinh" in p.title.lower()
              and "lại" not in p.title]
    assert [(p.id, p.code) for p in births] == [("khai-sinh", "1.001193")]   # one card, not twins
    assert "khai-sinh → 1.001193" in report


def test_a_name_the_dump_publishes_twice_gives_no_code(sample_dir: Path, tmp_path: Path) -> None:
    with_placeholder_code(sample_dir, "khai-sinh")
    twice = tmp_path / "twice.jsonl"
    twice.write_text("\n".join(json.dumps({**raw("1.001193"), "ma_thu_tuc": code}, ensure_ascii=False)
                               for code in ("1.001193", "2.001193")), "utf-8")
    import_national(twice, sample_dir, today=TODAY)
    codes = {p.id: p.code for p in load_catalog(sample_dir).procedures}
    assert codes["khai-sinh"] == "chưa xác minh"          # which of the two is it? not guessed


@pytest.mark.parametrize("elsewhere", [
    {"linh_vuc": "Khám bệnh, chữa bệnh"},                                   # another field
    {"cap_thuc_hien": "Cấp bộ", "co_quan_thuc_hien": "Cục Quân y/Tổng cục Hậu cần - Kỹ thuật"},
])
def test_the_same_name_served_elsewhere_gives_no_code(sample_dir: Path, tmp_path: Path, elsewhere: dict) -> None:
    with_placeholder_code(sample_dir, "khai-sinh")   # curated at cấp xã, field Hộ tịch
    dump = tmp_path / "elsewhere.jsonl"
    dump.write_text(json.dumps({**raw("1.001193"), **elsewhere}, ensure_ascii=False), "utf-8")
    import_national(dump, sample_dir, today=TODAY)
    assert {p.id: p.code for p in load_catalog(sample_dir).procedures}["khai-sinh"] == "chưa xác minh"


def test_reimport_changes_nothing_and_updates_in_place(sample_dir: Path) -> None:
    import_national(DUMP, sample_dir, level_files=[LAMDONG], today=TODAY)
    import_national(FAQS, sample_dir, today=TODAY)
    files = {p.name: p.read_bytes() for p in sample_dir.glob("*.json")}
    report = import_national(DUMP, sample_dir, today=TODAY + dt.timedelta(days=1))
    assert "0 mới, 0 cập nhật, 14 không đổi" in report
    assert files == {p.name: p.read_bytes() for p in sample_dir.glob("*.json")}


def test_provincial_lists_mark_online_level_and_drop_test_rows(tmp_path: Path) -> None:
    extra = tmp_path / "lamdong_extra.csv"
    extra.write_text("code,name,field,org,level\n1.000480.H36,x,y,z,Toàn trình\n", encoding="utf-8")
    report = import_national(DUMP, tmp_path / "data", level_files=[LAMDONG, LANGSON, extra],
                             today=TODAY)
    procedures = {p.code: p for p in load_catalog(tmp_path / "data").procedures}
    # Lâm Đồng says "Một phần" for 2.002636, Lạng Sơn "Toàn trình": not promised end to end.
    online = procedures["2.002636"].online
    assert online is not None and online.online_level == "một phần"
    assert "Lạng Sơn – toàn trình" in online.note and "Lâm Đồng – một phần" in online.note
    assert procedures["1.004002"].online.online_level == "toàn trình"  # type: ignore[union-attr]
    # 1.000480 has no online channel in the national record: the list adds one.
    assert procedures["1.000480"].online is not None
    assert procedures["1.000771"].online.online_level is None  # type: ignore[union-attr]
    assert "Danh mục tỉnh Lạng Sơn: 3 thủ tục" in report  # the two test rows are dropped


def test_portal_faqs_link_to_procedures_whichever_comes_first(tmp_path: Path) -> None:
    report = import_national(FAQS, tmp_path, today=TODAY)
    assert "bỏ qua 1 câu có câu trả lời quá ngắn" in report
    faqs = {f.id: f for f in load_catalog(tmp_path).faqs}
    faq = faqs["hoi-dap-14882"]
    assert faq.related_codes == ["1.002391", "1.003113"] and faq.related_procedures == []
    assert faq.source is not None and faq.source.name == "Cổng Dịch vụ công quốc gia – Hỏi đáp"
    import_national(DUMP, tmp_path, today=TODAY)
    faqs = {f.id: f for f in load_catalog(tmp_path).faqs}
    assert faqs["hoi-dap-14882"].related_procedures == ["tthc-1-002391"]
    assert faqs["hoi-dap-12823"].related_procedures == ["tthc-1-004002"]
    assert "Bộ Lao động - Thương binh và Xã hội" in faqs["hoi-dap-11451"].tags


def test_a_portal_faq_linked_to_a_republished_code_is_linked_by_the_province_list_name(tmp_path: Path) -> None:
    # The portal links some questions to codes no longer in the catalog; a province's list names
    # that code with the title of a catalog procedure (republished under another code).
    import_national(DUMP, tmp_path, today=TODAY)
    procedure = by_code(tmp_path, "1.002391")[0]
    listing = tmp_path / "lamdong_old_codes.csv"
    listing.write_text("code,name,field,org,level\n"
                       f"9.000001.H36,\"{procedure.title.upper()}\",x,y,Một phần\n"
                       "9.000002.H36,Một thủ tục danh mục không có,x,y,Một phần\n", encoding="utf-8")
    questions = tmp_path / "portal_faqs.jsonl"
    questions.write_text("\n".join(json.dumps(
        {"faq_id": faq_id, "question": "Hồ sơ gồm những gì ạ?", "answer": "Theo quy định tại Điều 5 …",
         "related_procedure_codes": [code]}, ensure_ascii=False)
        for faq_id, code in (("1", "9.000001"), ("2", "9.000002"))), encoding="utf-8")
    report = import_national(questions, tmp_path, level_files=[listing], today=TODAY)
    faqs = {f.id: f for f in load_catalog(tmp_path).faqs}
    assert faqs["hoi-dap-1"].related_procedures == [procedure.id]
    assert faqs["hoi-dap-2"].related_procedures == []   # the list's name is no catalog title
    assert "Danh mục tỉnh" not in report   # questions change no procedure's level


def test_cli_imports_into_an_empty_data_dir_and_prints_coverage(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    started = time.perf_counter()
    code = main(["import", str(DUMP), "--data-dir", str(target), "--no-build",
                 "--levels", str(LAMDONG)])
    assert code == 0 and time.perf_counter() - started < 5
    out = capsys.readouterr().out
    for line in ("thời hạn: ", "(số ngày làm việc: ", "lệ phí: ", "giấy tờ: ", "các bước: 15/15",
                 "căn cứ pháp lý: ", "kết quả: ", "15 mới, 0 cập nhật", "Danh mục tỉnh Lâm Đồng"):
        assert line in out
    codes_file = tmp_path / "codes.txt"
    codes_file.write_text("1.000771\n", encoding="utf-8")
    assert main(["import", str(DUMP), "--data-dir", str(tmp_path / "one"), "--no-build",
                 "--codes-file", str(codes_file)]) == 0
    assert [p.code for p in load_catalog(tmp_path / "one").procedures] == ["1.000771"]


# ---- staff store --------------------------------------------------------------------------------
def test_store_adds_new_records_and_leaves_stored_ones_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    sessions = make_sessionmaker(make_engine(url))
    sample = load_catalog(DATA_DIR)
    first = SimpleNamespace(procedures=sample.procedures, faqs=sample.faqs)
    assert seed_if_empty(first, sessions) == len(sample.procedures) + len(sample.faqs)  # type: ignore[arg-type]
    with sessions() as session:
        stored = session.scalars(select(CatalogVersion).limit(1)).one()
        stored.data = json.dumps({"edited": True})  # stands for history made on the staff pages
        session.commit()
    # A national import later adds 5,000 records to the folder: all reach the store, quickly.
    base = national.from_national(raw("1.000771"), TODAY)
    extra = [Procedure.model_validate({**base, "id": f"tthc-9-{i:06d}", "code": f"9.{i:06d}"})
             for i in range(5000)]
    faq = Faq(id="hoi-dap-1", question="Câu hỏi thử?", answer="Câu trả lời đủ dài.")
    later = SimpleNamespace(procedures=[*sample.procedures, *extra], faqs=[*sample.faqs, faq])
    started = time.perf_counter()
    assert seed_if_empty(later, sessions) == 5001  # type: ignore[arg-type]
    assert time.perf_counter() - started < 10
    assert seed_if_empty(later, sessions) == 0  # type: ignore[arg-type]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CatalogItem)) == 5001 + len(
            sample.procedures) + len(sample.faqs)
        assert session.scalar(select(func.count()).select_from(CatalogItem).where(
            CatalogItem.published_version_id.is_(None))) == 0
        assert json.loads(session.get(CatalogVersion, stored.id).data) == {"edited": True}  # type: ignore[union-attr]


def test_load_national_serves_sample_and_national_records_in_one_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "catalog"
    (source / "national").mkdir(parents=True)
    (source / "provincial").mkdir()
    shutil.copy(DUMP, source / "national" / "procedures.jsonl.gz")
    shutil.copy(FIXTURES / "portal_faqs_sample.jsonl.gz", source / "national" / "portal_faqs.jsonl.gz")
    shutil.copy(FIXTURES / "lamdong_tthc_sample.csv", source / "provincial" / "lamdong_tthc_1299.csv")
    data, cache = tmp_path / "data", tmp_path / "index"
    code = main(["--cache-dir", str(cache), "load-national", str(source), "--data-dir", str(data)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "thời hạn:" in out and "Đã xây chỉ mục" in out
    catalog = load_catalog(data)
    curated = {p.id for p in load_catalog(DATA_DIR).procedures}
    assert curated <= {p.id for p in catalog.procedures}          # the sample enriches, not replaced
    assert any(p.id.startswith("tthc-") for p in catalog.procedures)
    assert any(f.id.startswith("hoi-dap-") for f in catalog.faqs)
    assert main(["--data-dir", str(data), "--cache-dir", str(cache), "build"]) == 0
    assert "đã mới" in capsys.readouterr().out                   # a later start encodes nothing


def test_load_national_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load-national", str(tmp_path), "--data-dir", str(tmp_path / "data")]) == 2
    assert "Không thấy dữ liệu quốc gia" in capsys.readouterr().err


class _Records(SimpleNamespace):
    """What the store reads of a knowledge base: its records and lookups by id."""

    def procedure(self, record_id: str) -> Procedure | None:
        return next((p for p in self.procedures if p.id == record_id), None)

    def faq(self, record_id: str) -> Faq | None:
        return next((f for f in self.faqs if f.id == record_id), None)


def test_a_reimport_updates_records_staff_never_edited_and_keeps_their_edits(tmp_path: Path) -> None:
    from bot.catalog.startup import IMPORT_AUTHOR, store_reimported

    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    sessions = make_sessionmaker(make_engine(url))
    sample = load_catalog(DATA_DIR)
    seed_if_empty(_Records(procedures=sample.procedures, faqs=sample.faqs), sessions)  # type: ignore[arg-type]
    edited_id, untouched_id = sample.procedures[0].id, sample.procedures[1].id
    with sessions() as session:   # a reviewer published an edit of the first record
        item = session.scalars(select(CatalogItem).where(CatalogItem.record_id == edited_id)).one()
        session.get(CatalogVersion, item.published_version_id).author = "duyet"  # type: ignore[union-attr]
        session.commit()
    enriched = [p.model_copy(update={"result": p.result + " (bổ sung từ dữ liệu quốc gia)"})
                if p.id in (edited_id, untouched_id) else p for p in sample.procedures]
    reimported = _Records(procedures=enriched, faqs=sample.faqs)
    assert store_reimported(reimported, sessions) == 1  # type: ignore[arg-type]
    assert store_reimported(reimported, sessions) == 0  # type: ignore[arg-type]
    with sessions() as session:
        def published(record_id: str) -> CatalogVersion:
            item = session.scalars(select(CatalogItem).where(CatalogItem.record_id == record_id)).one()
            return session.get(CatalogVersion, item.published_version_id)  # type: ignore[return-value]
        newer = published(untouched_id)
        assert (newer.number, newer.author) == (2, IMPORT_AUTHOR)
        assert "bổ sung từ dữ liệu quốc gia" in json.loads(newer.data)["result"]
        assert published(edited_id).author == "duyet"   # the staff's version stands
