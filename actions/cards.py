"""Answer cards: catalog content turned into short Vietnamese messages for a phone screen.

Everything shown is quoted from the catalog record; a fee or a time limit that the record does not
give is said to be missing, never guessed. All citizen-facing wording of the answers lives here,
including the clarifying question asked when the best hits are one procedure at several levels or
in several variants (the grouping itself is ``knowledge_base/variants.py``).

National records are long (official titles, 5–25 documents with legal references in their names,
per-channel fees and time limits, answers of 1,000–3,000 characters): a card shows the few most
important items, each shortened at a sentence or clause boundary, and a button opens the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlencode

from bot.core.buttons import payload
from bot.core.money import vnd as fee_vnd
from bot.core.money import vnd_words as vnd
from bot.core.vntime import vn_date
from knowledge_base.aspects import ASPECT_LABELS, Aspect
from knowledge_base.documents import without_channel
from knowledge_base.normalise import syllables
from knowledge_base.schema import Faq, Fee, Procedure, RequiredDocument, SubmissionMethod
from knowledge_base.variants import Clarification

MAX_DOCUMENTS_SHOWN = 4       # documents in a card; "Xem đủ giấy tờ" shows every one
DOCUMENT_NAME_CHARS = 80      # a document's name in a card
FULL_DOCUMENT_NAME_CHARS = 240  # … in the full list
TITLE_CHARS = 170
TEXT_CHARS = 160              # place, time limit, a note in a card
FEE_NOTE_CHARS = 110
BUTTON_CHARS = 60
FAQ_ANSWER_CHARS = 550        # a longer (official portal) answer is cut at a sentence before this
FAQ_LONG = 700                # … when it is longer than this; volunteers' short answers stay whole
FAQ_QUESTION_CHARS = 200
MESSAGE_CHARS = 1800          # one chat message (Zalo accepts 2,000 characters)
MAX_BUTTONS = 5               # Zalo shows at most 5 buttons under a message

METHOD_NAMES = {"direct": "trực tiếp", "online": "trực tuyến", "postal": "qua bưu chính"}
ALL_DOCUMENTS = "all_documents"   # ask_detail aspect: the whole document list
FULL_ANSWER = "full_answer"       # ask_detail aspect: an FAQ's whole official answer
SEE_ALL_DOCUMENTS = "Xem đủ giấy tờ"
SEE_FULL_ANSWER = "Xem đầy đủ"
HUMAN = "Gặp nhân viên"




def human_button() -> dict[str, str]:
    return {"title": HUMAN, "payload": payload("request_human")}


# ---- honest when unsure ------------------------------------------------------------------------
# The national portal's search for procedures (the catalog's sources link its procedure pages).
PORTAL_SEARCH = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html"
PORTAL_QUERY_CHARS = 200
LIKED = "👍 Hữu ích"
DISLIKED = "👎 Chưa đúng"


def portal_search_url(question: str) -> str:
    """The portal's search for the citizen's own words, escaped for a URL."""
    return f"{PORTAL_SEARCH}?{urlencode({'keyword': ' '.join(question.split())[:PORTAL_QUERY_CHARS]})}"


PORTAL_BUTTON = "Tra cứu Cổng DVC quốc gia"


def portal_button(question: str) -> dict[str, str]:
    """A link button (every channel opens an http payload in the browser) to the portal's search."""
    return {"title": PORTAL_BUTTON, "payload": portal_search_url(question)}


def not_in_catalog_text(question: str) -> str:
    return ("Em chưa có thông tin về thủ tục này trong danh mục của Trung tâm, nên xin phép không trả lời "
            "để tránh hướng dẫn sai ạ. Em đã ghi lại câu hỏi để cán bộ bổ sung.\n"
            "Anh/Chị có thể tra cứu trên Cổng Dịch vụ công quốc gia hoặc gặp nhân viên (nút bên dưới).")


def not_sure_text(question: str) -> str:
    return ("Em chưa tìm thấy đúng thủ tục Anh/Chị hỏi trong danh mục. Có phải Anh/Chị muốn hỏi một trong "
            "các nội dung dưới đây? Nếu không phải, Anh/Chị tra cứu trên Cổng Dịch vụ công quốc gia "
            "hoặc gặp nhân viên.")


# Several procedures match the question's words as well as each other ("gia hạn giấy phép xây
# dựng": the railway's, the level crossing's, the buildings'): which one, not whether the catalog has it.
CLOSE_CHOICES_TEXT = "Có mấy thủ tục gần giống nhau. Anh/Chị chọn giúp em đúng thủ tục cần hỏi ạ:"


def disliked_text(question: str) -> str:
    return ("Em xin lỗi vì câu trả lời chưa đúng ý Anh/Chị. Em đã ghi lại câu hỏi để cán bộ xem lại.\n"
            "Anh/Chị có thể tra cứu trên Cổng Dịch vụ công quốc gia hoặc gặp nhân viên để được hướng dẫn ngay.")


LIKED_TEXT = "Cảm ơn Anh/Chị đã phản hồi! Anh/Chị cần hỏi gì thêm cứ nhắn cho em nhé."


def feedback_buttons(item_id: str) -> list[dict[str, str]]:
    """👍/👎 on an answer: a rating of the answer (``action_store_rating``, subject ``answer``)."""
    return [{"title": LIKED, "payload": payload("rate", score="5", rating_subject=f"answer:{item_id}")},
            {"title": DISLIKED, "payload": payload("rate", score="1", rating_subject=f"answer:{item_id}")}]


def with_feedback(buttons: list[dict[str, str]], item_id: str) -> list[dict[str, str]]:
    """An answer's buttons plus 👍/👎, within ``MAX_BUTTONS``: the card's first buttons, a person,
    then the two ratings."""
    human = [b for b in buttons if b["title"] == HUMAN][:1]
    own = [b for b in buttons if b["title"] != HUMAN][:MAX_BUTTONS - 2 - len(human)]
    return [*own, *human, *feedback_buttons(item_id)]


# ---- shortening --------------------------------------------------------------------------------
# A sentence ends at . ! ? (the portal's text often has no space after it: "cụ thể:Theo quy
# định"), a clause at ; : or ", ". A full stop between digits ("15.000", "1.2") ends nothing.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?…](?=\s|$|[A-ZÀ-ỸĐ\"“(])|[.!?](?=\s)")
_CLAUSE_END = re.compile(r"[;:](?=\s|[A-ZÀ-ỸĐ])|,\s|\s[–-]\s|\s\(")
# Where a document's name turns into a legal reference: "… theo mẫu quy định tại Phụ lục XII ban
# hành kèm theo Thông tư số 12/2025/TT-BCA …" reads fine as "… theo mẫu".
_REFERENCE = re.compile(r"\s(?:quy định tại|được quy định|ban hành kèm theo|theo quy định (?:tại|của)|"
                        r"tại (?:Phụ lục|Điều|khoản|điểm|Mẫu|mẫu số)|của Bộ trưởng|\(theo)", re.IGNORECASE)


# "(1) ", "(iii) ", "a) ", "- ", "+ " before a document's name: the card numbers them itself.
_ENUMERATOR = re.compile(r"^(?:[-+•*–]\s*|\((?:\d+|[ivx]+|[a-zđ])\)\s*|(?:\d+|[a-zđ])[.)]\s+)+", re.IGNORECASE)


_LEVEL_SUFFIX = re.compile(r"\s*\((?:thực hiện\s+)?(?:tại\s+|ở\s+)?cấp [^)]*\)|\s+(?:thực hiện\s+)?"
                           r"(?:tại|ở)\s+(?:Công an\s+)?cấp \S+(?: \S+)?\s*$", re.IGNORECASE)
_ASIDE = re.compile(r"\s*\([^()]*\)")


def shorten(text: str, limit: int, *, sentences_only: bool = False) -> str:
    """``text`` up to ``limit`` characters, cut at the last sentence end that fits, else (unless
    ``sentences_only``) at a clause, else at a word; "…" marks a cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[:limit]
    floor = limit * 0.35
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= floor]
    if ends:
        return _closed(window[:ends[-1]].rstrip()) + " …"
    if not sentences_only:
        clauses = [m.start() for m in _CLAUSE_END.finditer(window) if m.start() >= floor]
        if clauses:
            return _closed(window[:clauses[-1]].rstrip(" ,;:–-") + "…")
    cut = window[:limit - 1].rsplit(" ", 1)[0] if " " in window else window[:limit - 1]
    return _closed(cut.rstrip(" ,;:–-(") + "…")


def _closed(text: str) -> str:
    """A bracket opened before the cut is closed after it."""
    return text + ")" * max(0, text.count("(") - text.count(")"))


_LEADING_COUNT = re.compile(r"^(?:\d{1,2}|bản chính)\s+(?=[^\W\d_])", re.IGNORECASE)


def short_name(name: str, limit: int = DOCUMENT_NAME_CHARS) -> str:
    """A document's name for a phone: asides in brackets and the legal reference dropped when it is
    too long, then cut at a clause."""
    name = _ENUMERATOR.sub("", " ".join(name.split())).strip()
    # "01 tờ khai …", "02 ảnh …", "Bản chính Đơn …": the count and the kind of copy are said after
    # the name.
    if (count := _LEADING_COUNT.match(name)) and len(name) > count.end() + 2:
        name = name[count.end()].upper() + name[count.end() + 1:]
    if len(name) <= limit:
        return name
    plain = " ".join(_ASIDE.sub("", name).split()).replace(" ,", ",").replace(" .", ".")
    if len(plain) >= 15:
        name = plain
    match = _REFERENCE.search(name)
    if match and match.start() >= 15:
        name = name[:match.start()].rstrip(" ,;:") + "…"
    return name if len(name) <= limit else shorten(name, limit).rstrip(";")


def short_title(title: str, limit: int = BUTTON_CHARS) -> str:
    """A title for a button; the level it names is kept ("… (cấp trung ương)"), since the same
    title is often published once per level."""
    title = " ".join(title.split())
    match = _LEVEL_SUFFIX.search(title)
    if len(title) <= limit or match is None:
        return shorten(title, limit)
    level = re.search(r"cấp\s+(.+?)\s*\)?\s*$", match.group(0), re.IGNORECASE)
    suffix = f" (cấp {level.group(1).lower()})" if level else ""
    rest = (title[:match.start()] + title[match.end():]).strip()
    return shorten(rest, limit - len(suffix)) + suffix


# ---- one procedure -----------------------------------------------------------------------------
def source_line(procedure: Procedure) -> str:
    checked = vn_date(procedure.checked_on)
    url = f" – {procedure.source.url}" if procedure.source.url else ""
    return f"Nguồn: {procedure.source.name}{url} (cập nhật {checked})."


def header(procedure: Procedure) -> str:
    # Codes not yet verified against the national database are not shown as if they were.
    code = f" (mã {procedure.code})" if procedure.code[:1].isdigit() else ""
    return f"📄 {shorten(procedure.title, TITLE_CHARS)}{code}"


# The application form is what every case needs first: "Tờ khai …", "Đơn đề nghị …", "Giấy đề nghị …".
_FORM = re.compile(r"^(?:tờ khai|đơn|giấy đề nghị|văn bản đề nghị|phiếu đề nghị|công văn đề nghị|bản khai"
                   r"|giấy khai đăng ký|thông báo (?:về việc|thay đổi|đề nghị))\b", re.IGNORECASE)
# What a name may say before what the document is: its count and kind of copy ("01 tờ khai …",
# "Bản chính văn bản đề nghị …", "01 bản chính Báo cáo …").
_COPY_PREFIX = re.compile(r"^(?:\d+\s+(?:\([^)]*\)\s+)?)?(?:bản (?:chính|sao|chụp|điện tử)"
                          r"(?: có chứng thực| hợp lệ)?(?: hoặc bản (?:sao|chụp|điện tử)(?: có chứng thực)?)?\s+)?",
                          re.IGNORECASE)
# Lines the portal lists among documents that are notes: "Trường hợp …", "Lưu ý …", "Số lượng hồ
# sơ: 01 bộ", "Theo quy định tại Điều 26 …", or counted 0.
_NOTE_LIKE = re.compile(r"^(?:(?:trong |trừ )?trường hợp|lưu ý|đối với|người |số lượng hồ sơ|theo quy định tại"
                        r"|\d+ bộ\b|thành phần hồ sơ\b.*:$)", re.IGNORECASE)
# A document the portal lists under a case ("Các trường hợp quy định tại khoản 4 …"): the documents
# every applicant brings go first. (Its name's own "đối với trường hợp …" is not enough: "02 ảnh
# màu đối với trường hợp nộp trực tiếp" is asked of nearly everyone.)
_CASES_NOTE = re.compile(r"^\W*(?:các |đối với |trong )?trường hợp\b", re.IGNORECASE)


def _counted(doc: RequiredDocument) -> bool:
    return not (doc.originals_count == 0 and doc.copies_count == 0) and doc.copies.strip() != "0 bản chính"


def _rank(doc: RequiredDocument) -> tuple[bool, bool, bool, bool]:
    name = _ENUMERATOR.sub("", " ".join(doc.name.split()))
    note_like = not _counted(doc) or bool(_NOTE_LIKE.match(name))
    for_some_cases = bool(_CASES_NOTE.match(doc.note))
    return (note_like, for_some_cases, not _FORM.match(_COPY_PREFIX.sub("", name)), not doc.required)


def _ordered(documents: Sequence[RequiredDocument]) -> list[RequiredDocument]:
    """What every applicant brings, the application form first, then what some cases need, each
    required before optional; then the lines that are notes rather than documents; each group in
    the record's order."""
    return sorted(documents, key=_rank)


def _count(doc: RequiredDocument) -> str:
    if doc.originals_count is not None or doc.copies_count is not None:
        parts = []
        if doc.originals_count:
            parts.append(f"{doc.originals_count} bản chính")
        if doc.copies_count:
            parts.append(f"{doc.copies_count} bản sao")
        return ", ".join(parts)
    return doc.copies


def _document_line(number: int, doc: RequiredDocument, limit: int) -> str:
    count = _count(doc)
    extra = f" ({count})" if count else ""
    optional = " – nếu có" if not doc.required else ""
    return f"{number}. {short_name(doc.name, limit)}{extra}{optional}"


def documents_cut(procedure: Procedure) -> bool:
    """True when a card cannot show the whole document list as written (some hidden or cut)."""
    docs = procedure.documents
    return len(docs) > MAX_DOCUMENTS_SHOWN or any(
        short_name(d.name) != " ".join(d.name.split()) for d in docs)


def documents_text(procedure: Procedure) -> str:
    if not procedure.documents:
        return "Giấy tờ: danh mục chưa ghi thành phần hồ sơ, Anh/Chị vui lòng hỏi nhân viên."
    shown: dict[str, RequiredDocument] = {}
    for doc in _ordered(procedure.documents):  # a name repeated under two cases is shown once,
        key = short_name(doc.name).rstrip("…")   # cut short or not, by its shortest wording
        if key not in shown or len(doc.name) < len(shown[key].name):
            shown[key] = doc
    docs = list(shown.values())
    # Up to 4 required documents; optional ones ("nếu có") only while fewer than 3 are listed;
    # notes listed among documents never.
    main = [d for d in docs if not _rank(d)[0]] or docs
    picked = [d for d in main if d.required][:MAX_DOCUMENTS_SHOWN]
    picked += [d for d in main if not d.required][:max(0, MAX_DOCUMENTS_SHOWN - 1 - len(picked))]
    lines = ["Giấy tờ cần có:"]
    lines += [_document_line(n, d, DOCUMENT_NAME_CHARS) for n, d in enumerate(picked, start=1)]
    hidden = len(main) - len(picked)  # notes listed among documents are not counted
    if hidden > 0:
        lines.append(f"… và {hidden} giấy tờ khác theo trường hợp (bấm «{SEE_ALL_DOCUMENTS}»).")
    return "\n".join(lines)


def all_documents_messages(procedure: Procedure) -> list[str]:
    """Every document, in the record's order, split into messages a chat accepts."""
    if not procedure.documents:
        return [documents_text(procedure)]
    documents = [d for d in procedure.documents if not _rank(d)[0]] or procedure.documents
    notes = len(procedure.documents) - len(documents)
    lines = [f"Đủ thành phần hồ sơ – {shorten(procedure.title, 120)} ({len(documents)} giấy tờ):"]
    lines += [_document_line(n, d, FULL_DOCUMENT_NAME_CHARS) for n, d in enumerate(documents, start=1)]
    if notes:  # the portal lists its notes ("Trường hợp …") among documents: point to them
        where = f"xem tại {procedure.source.url}" if procedure.source.url else "Anh/Chị hỏi nhân viên để biết thêm"
        lines.append(f"Ngoài ra, nguồn còn ghi {notes} lưu ý theo từng trường hợp; {where}.")
    return _pack(lines)


def _pack(lines: list[str]) -> list[str]:
    messages: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > MESSAGE_CHARS:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*messages, current] if current else messages


def _note(note: str, limit: int | None) -> str:
    note = note.strip().lstrip("-–+•* ").strip()
    return shorten(note, limit) if limit else note


def _amount(fee: Fee, note_limit: int | None, *, with_note: bool = True) -> str:
    """A fee as written: an amount in đồng, "miễn phí", or the record's own words (a fee in USD or
    "theo mức do HĐND tỉnh quy định") — never a number the record does not give."""
    note = _note(fee.note, note_limit) if with_note or fee.amount_vnd is None else ""
    if fee.amount_vnd is None:
        return note or "theo quy định (danh mục chưa ghi số tiền)"
    if fee.amount_vnd == 0:
        plain = note.lower().strip(" .") in ("miễn", "miễn phí", "miễn lệ phí")
        return "miễn phí" + (f" – {note}" if note and not plain else "")
    return vnd(fee.amount_vnd) + (f" ({note})" if note else "")


def _channel_fees(method: SubmissionMethod, note_limit: int | None, *, with_note: bool = True) -> str:
    if not method.fees:
        return "không ghi"
    if len(method.fees) == 1:
        return _amount(method.fees[0], note_limit, with_note=with_note)
    return "; ".join(f"{f.label} {_amount(f, note_limit, with_note=with_note)}" for f in method.fees)


def _per_channel(procedure: Procedure, render: Callable[[SubmissionMethod], str]) -> list[tuple[str, str]]:
    """(channel name, text) for each distinct channel, in the record's order."""
    seen: dict[str, str] = {}
    for method in procedure.methods:
        seen.setdefault(METHOD_NAMES[method.method], render(method))
    return list(seen.items())


def fees_text(procedure: Procedure, *, compact: bool = False) -> str:
    """Per channel when the channels differ ("trực tuyến 10.000 đồng, trực tiếp 20.000 đồng"), once
    when they agree. A card (``compact``) shortens notes, and drops them when channels differ; the
    "Lệ phí" button's card quotes them whole."""
    note_limit = FEE_NOTE_CHARS if compact else None
    if any(m.fees for m in procedure.methods):
        amounts = _per_channel(procedure, lambda m: _channel_fees(m, None, with_note=False))
        # The portal often writes one fee per channel with stray brackets or spaces of its own.
        if len({" ".join(syllables(text)) for _, text in amounts}) == 1:
            first = next(m for m in procedure.methods if m.fees)
            return f"Lệ phí: {_channel_fees(first, note_limit)}"
        limit = FEE_NOTE_CHARS // 2 if compact else None  # several channels: each note shorter
        channels = _per_channel(procedure, lambda m: _channel_fees(m, limit, with_note=not compact))
        return "Lệ phí: " + ", ".join(f"{name} {text}" for name, text in channels)
    if not procedure.fees:
        return "Lệ phí: danh mục không ghi phí, lệ phí cho thủ tục này."
    lines = ["Lệ phí:"]
    for fee in procedure.fees:
        lines.append(f"• {fee.label}: {_amount(fee, note_limit)}")
    return "\n".join(lines)


def fee_summary(amount_vnd: int | None, explanation: str) -> str:
    """The fee computed for one dossier (``bot.dossiers.fees.assess_fee``), the same words before
    "Xác nhận nộp", in the filing message and in the payment offer: one line when one charge
    explains it ("💰 Lệ phí cấp lại thẻ căn cước: 70.000 đ"), else the total and one line each."""
    lines = [line for line in explanation.splitlines() if line.strip()]
    if len(lines) == 1:
        return f"💰 {lines[0]}"
    head = f"💰 Phí, lệ phí: {fee_vnd(amount_vnd)}" if amount_vnd is not None else "💰 Phí, lệ phí:"
    return "\n".join([head, *(f"• {line}" for line in lines)])


def _days(text: str) -> str:
    """The portal writes "5 Ngày làm việc"; a sentence reads "5 ngày làm việc"."""
    return re.sub(r"(?<=\d) Ngày\b", " ngày", text)


def time_text(procedure: Procedure, *, compact: bool = False) -> str:
    limit = TEXT_CHARS if compact else 10_000
    if any(m.processing_time for m in procedure.methods):
        channels = _per_channel(procedure, lambda m: shorten(
            _days((m.processing_time or procedure.processing_time).text), limit))
        if len({text for _, text in channels}) > 1:
            return "Thời hạn giải quyết: " + "; ".join(f"{name} {text}" for name, text in channels)
        return f"Thời hạn giải quyết: {channels[0][1]}"
    return f"Thời hạn giải quyết: {shorten(_days(procedure.processing_time.text), limit)}"


_NO_INFO = ("không có thông tin", "")


def _place(procedure: Procedure, compact: bool) -> str | None:
    for place in (procedure.submit_at, procedure.agency):
        if place.strip().lower().rstrip(".") not in _NO_INFO:
            return shorten(place, TEXT_CHARS) if compact else place
    return None


def _ways(procedure: Procedure) -> str:
    names = []
    for method in procedure.methods:
        name = METHOD_NAMES[method.method]
        if method.method == "online" and method.online_level:
            name += f" ({method.online_level})"
        names.append(name)
    return ", ".join(dict.fromkeys(names))


def where_text(procedure: Procedure, *, compact: bool = False) -> str:
    place = _place(procedure, compact)
    where = f"Nơi nộp: {place}\n" if place else ""
    return f"{where}Cách nộp: {_ways(procedure)}."


def how_text(procedure: Procedure) -> str:
    """Where and how, with the online channel's level and link (the overview's last section). An
    online channel of unknown level is only said to exist: "toàn trình" is never guessed."""
    where = where_text(procedure, compact=True)
    online = procedure.online
    if online is None:
        return where.removesuffix(".") + "; chưa nộp trực tuyến được."
    if online.url:
        where += f"\nNộp trực tuyến: {online.url}"
    return where


def online_text(procedure: Procedure, *, compact: bool = False) -> str:
    online = procedure.online
    if online is None:
        return "Thủ tục này chưa nộp trực tuyến được; Anh/Chị nộp trực tiếp hoặc qua bưu chính."
    if online.online_level is None:
        # National records say a channel exists, not whether it is toàn trình or một phần.
        text = "Có thể nộp trực tuyến"
        text += f": {online.url}" if online.url else "."
    else:
        text = f"Nộp trực tuyến: dịch vụ công {online.online_level}"
        if online.online_level == "một phần":
            text += " (nộp hồ sơ qua mạng, nhận kết quả hoặc nộp bản gốc tại nơi giải quyết)"
        if online.url:
            text += f"\nĐường dẫn: {online.url}"
    if online.note:
        text += f"\n{shorten(online.note, TEXT_CHARS) if compact else online.note}"
    return text


def conditions_text(procedure: Procedure) -> str:
    if not procedure.conditions:
        return "Điều kiện: danh mục không ghi điều kiện riêng cho thủ tục này."
    return "Điều kiện:\n" + "\n".join(f"• {c}" for c in procedure.conditions)


def steps_text(procedure: Procedure) -> str:
    if not procedure.steps:
        return "Các bước: danh mục chưa ghi trình tự thực hiện."
    return "Các bước:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(procedure.steps, start=1))


def result_text(procedure: Procedure) -> str:
    return f"Kết quả: {procedure.result or 'danh mục chưa ghi kết quả.'}"


SECTIONS = {
    "documents": documents_text, "fees": fees_text, "time": time_text, "where": where_text,
    "online": online_text, "conditions": conditions_text, "steps": steps_text,
    "result": result_text,
}
OVERVIEW: list[Aspect] = ["documents", "fees", "time", "where", "online"]
_COMPACT = {"fees", "time", "where", "online"}


def procedure_card(procedure: Procedure, aspects: list[Aspect] | None = None) -> str:
    """The answer: the asked-for parts, or an overview when the question is general. The overview
    shortens long notes; a card asked for one part (the "Lệ phí" button) quotes it whole."""
    chosen = aspects or OVERVIEW
    compact = len(chosen) > 1
    parts = [header(procedure)]
    if compact and "where" in chosen and "online" in chosen:
        chosen = [a for a in chosen if a != "online"]
    for aspect in chosen:
        if compact and aspect == "where" and "online" in (aspects or OVERVIEW):
            parts.append(how_text(procedure))
            continue
        section = SECTIONS[aspect]
        parts.append(section(procedure, compact=True) if compact and aspect in _COMPACT
                     else section(procedure))
    parts.append(source_line(procedure))
    return "\n\n".join(parts)


def procedure_buttons(procedure: Procedure, shown: list[Aspect]) -> list[dict[str, str]]:
    """Follow-ups (≤ 5 buttons): filing online, the whole document list when the card cut it,
    other parts of the same procedure (a part's own card quotes it whole), a person."""
    buttons = []
    if procedure.online is not None:
        buttons.append({"title": "Nộp trực tuyến",
                        "payload": payload("start_submission", procedure_id=procedure.id)})
    documents_shown = not shown or "documents" in shown
    if documents_shown and documents_cut(procedure):
        buttons.append({"title": SEE_ALL_DOCUMENTS,
                        "payload": payload("ask_detail", item_id=procedure.id, aspect=ALL_DOCUMENTS)})
    for aspect in ("documents", "fees", "time", "steps", "conditions"):
        if aspect in shown or (aspect == "documents" and documents_shown):
            continue
        if len(buttons) < MAX_BUTTONS - 1:
            buttons.append({"title": ASPECT_LABELS[aspect],  # type: ignore[index]
                            "payload": payload("ask_detail", item_id=procedure.id, aspect=aspect)})
    buttons.append(human_button())
    return buttons


def all_documents_buttons(procedure: Procedure) -> list[dict[str, str]]:
    buttons = []
    if procedure.online is not None:
        buttons.append({"title": "Nộp trực tuyến",
                        "payload": payload("start_submission", procedure_id=procedure.id)})
    buttons.append({"title": "Lệ phí, thời hạn",
                    "payload": payload("choose", item_id=procedure.id)})
    buttons.append(human_button())
    return buttons


# ---- FAQs --------------------------------------------------------------------------------------
def faq_is_long(faq: Faq) -> bool:
    """An official portal answer (1,000–3,000 characters), not a volunteer's short one."""
    return len(faq.answer) > FAQ_LONG


def _faq_source(faq: Faq) -> str:
    if not faq.source or not faq.source.name:
        return ""
    url = f" – {faq.source.url}" if faq.source.url else ""
    date = f" (cập nhật {vn_date(faq.updated_on)})" if faq.updated_on else ""
    return f"\n\nNguồn: {faq.source.name}{url}{date}."


def faq_card(faq: Faq) -> str:
    """The question and its answer; a long official answer is cut at a sentence ("Xem đầy đủ")."""
    question = shorten(faq.question, FAQ_QUESTION_CHARS)
    answer = _first_lines(faq.answer, FAQ_ANSWER_CHARS) if faq_is_long(faq) else faq.answer
    return f"💬 {question}\n\n{answer}{_faq_source(faq)}"


def _first_lines(text: str, limit: int) -> str:
    """The first lines of an answer (its "- …" items kept on their own lines) up to ``limit``
    characters; the line that does not fit is cut at a sentence when enough room is left."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) <= limit:
            kept.append(line)
            used += len(line) + 1
            continue
        room = limit - used
        if not kept or room >= 150:
            kept.append(shorten(line, room, sentences_only=True).removesuffix(" …").removesuffix("…"))
        break
    short = "\n".join(kept).rstrip()
    return short if short == "\n".join(lines) else short + " …"


def faq_full_messages(faq: Faq) -> list[str]:
    """The whole official answer, in as many messages as it takes, with its source at the end."""
    paragraphs = [p for p in re.split(r"\n+", faq.answer) if p.strip()]
    lines: list[str] = []
    for paragraph in paragraphs:  # a paragraph longer than a message is split at sentences
        while len(paragraph) > MESSAGE_CHARS:
            head = shorten(paragraph, MESSAGE_CHARS - 2).removesuffix(" …").removesuffix("…")
            lines.append(head)
            paragraph = paragraph[len(head):].lstrip()
        lines.append(paragraph)
    return _pack([*lines, _faq_source(faq).strip()] if faq.source else lines)


def faq_buttons(faq: Faq, linked: Sequence[Procedure], *, full: bool = False) -> list[dict[str, str]]:
    """"Xem đầy đủ" for a cut answer, one button per linked procedure (its card), a person."""
    buttons = []
    if faq_is_long(faq) and not full:
        buttons.append({"title": SEE_FULL_ANSWER,
                        "payload": payload("ask_detail", item_id=faq.id, aspect=FULL_ANSWER)})
    for procedure in linked[:MAX_BUTTONS - 1 - len(buttons)]:
        buttons.append(choice_button(procedure.id, procedure.title))
    buttons.append(human_button())
    return buttons


# ---- asking back -------------------------------------------------------------------------------
# What a question naming no procedure asks about, and how to ask it with one ("mất bao lâu").
_ASKED_PART: dict[str, tuple[str, str]] = {
    "fees": ("lệ phí", "lệ phí làm hộ chiếu"),
    "documents": ("giấy tờ", "làm hộ chiếu cần giấy tờ gì"),
    "time": ("thời hạn", "làm hộ chiếu mất bao lâu"),
    "where": ("nơi nộp", "làm hộ chiếu ở đâu"),
    "online": ("cách nộp trực tuyến", "nộp hồ sơ hộ chiếu trực tuyến"),
    "conditions": ("điều kiện", "điều kiện cấp hộ chiếu"),
    "steps": ("các bước", "các bước làm hộ chiếu"),
    "result": ("kết quả", "làm hộ chiếu nhận được gì"),
}


def clarify_text(aspects: Sequence[str] = ()) -> str:
    """A question naming no procedure ("lệ phí bao nhiêu"): which one, with an example of asking
    it whole; the nearest questions follow as buttons."""
    part, example = next((_ASKED_PART[a] for a in aspects if a in _ASKED_PART), ("", "làm hộ chiếu cần gì"))
    which = f"Anh/Chị hỏi {part} của thủ tục nào ạ?" if part else "Anh/Chị hỏi về thủ tục nào ạ?"
    return f"{which} Anh/Chị gõ kèm tên thủ tục, ví dụ “{example}”, hoặc chọn một nội dung dưới đây."


def choice_button(item_id: str, title: str) -> dict[str, str]:
    return {"title": short_title(title), "payload": payload("choose", item_id=item_id)}


def choice_buttons(items: Iterable[tuple[str, str]], limit: int) -> list[dict[str, str]]:
    """Up to ``limit`` buttons for (id, title) pairs, best first, one per label: one procedure at
    three levels, cut to the same label, is one button, not three that look alike."""
    buttons: list[dict[str, str]] = []
    for item_id, title in items:
        button = choice_button(item_id, title)
        if len(buttons) < limit and all(b["title"] != button["title"] for b in buttons):
            buttons.append(button)
    return buttons


LEVEL_LABELS = {"trung ương": "Cấp trung ương", "tỉnh": "Cấp tỉnh", "huyện": "Cấp huyện", "xã": "Cấp xã"}
FOREIGN_LABELS = {"có": "Có yếu tố nước ngoài", "không": "Không"}
CHANNEL_LABELS = {"toàn trình": "Trực tuyến toàn trình", "một phần": "Trực tiếp / một phần"}
PLACE_LABELS = {"trong nước": "Ở trong nước", "nước ngoài": "Ở nước ngoài"}


_VERB = r"(?:cấp mới|cấp lại|cấp đổi|đổi|gia hạn|điều chỉnh|cấp)"
_VARIANT_VERB = re.compile(rf"^(?:{_VERB}\s*(?:,|/|\svà\s)\s*)*{_VERB}\s+", re.IGNORECASE)   # "Cấp, đổi, cấp lại …" too
_FOREIGN_PHRASE = re.compile(r"\s*(?:không\s+)?có yếu tố nước ngoài", re.IGNORECASE)
_PLACE_PHRASE = re.compile(r"\s+ở\s+(?:trong nước|nước ngoài)\s*$", re.IGNORECASE)


def _variant_label(value: str) -> str:
    return value.capitalize() if value else "Đăng ký"


def _option_label(facets: Sequence[str], values: Sequence[str]) -> str:
    labels = []
    for facet, value in zip(facets, values, strict=True):
        if facet == "level":
            labels.append(LEVEL_LABELS.get(value, value.capitalize() or "Khác"))
        elif facet == "variant":
            labels.append(_variant_label(value))
        elif facet == "channel":
            labels.append(CHANNEL_LABELS.get(value, value))
        elif facet == "place":
            labels.append(PLACE_LABELS.get(value, value))
        else:
            labels.append(FOREIGN_LABELS[value] if len(facets) == 1 else
                          ("có yếu tố nước ngoài" if value == "có" else "trong nước"))
    return " – ".join(labels)


def _or_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " hay " + words[-1]


def variant_subject(clarification: Clarification) -> str:
    """What the options share, without what tells them apart: "Cấp lại giấy phép lái xe (cấp
    tỉnh)" asked between levels and variants → "Giấy phép lái xe"."""
    subject = _LEVEL_SUFFIX.sub("", clarification.subject).strip()
    subject = re.sub(r"^Thủ tục\s+", "", subject, flags=re.IGNORECASE).strip()
    if "variant" in clarification.facets:
        subject = _VARIANT_VERB.sub("", subject).strip()
    if "foreign" in clarification.facets:
        subject = _FOREIGN_PHRASE.sub("", subject).strip()
    if "channel" in clarification.facets:
        subject = without_channel(subject)
    if "place" in clarification.facets:
        subject = _PLACE_PHRASE.sub("", subject).strip()
    return subject[:1].upper() + subject[1:]


def variant_question(clarification: Clarification, agencies: Mapping[str, str] | None = None) -> str:
    """One short question naming what differs: the level, the variant, a foreign element. For a
    choice of level, ``agencies`` (item id → agency) add who serves each one, when they differ: a
    citizen knows "Sở Y tế" or "Cục Quân y", rarely "cấp trung ương"."""
    subject = shorten(variant_subject(clarification), 80)
    if clarification.facets == ("level",):
        question = "Anh/Chị làm thủ tục này ở cấp nào ạ?"
    elif clarification.facets == ("variant",):
        values = [(v or "đăng ký") for (v,), _ in clarification.options[:4]]
        question = f"Anh/Chị cần {_or_list(values)} ạ?"
    elif clarification.facets == ("foreign",):
        question = "Việc của Anh/Chị có yếu tố nước ngoài không ạ?"
    elif clarification.facets == ("channel",):
        question = "Anh/Chị muốn nộp hoàn toàn trực tuyến hay nộp trực tiếp ạ?"
    elif clarification.facets == ("place",):
        question = "Anh/Chị đang ở trong nước hay ở nước ngoài ạ?"
    else:
        question = "Anh/Chị cần trường hợp nào dưới đây ạ?"
    return f"{subject}: {question}" + _who_serves_each(clarification, agencies or {})


AGENCY_CHARS = 60


def _who_serves_each(clarification: Clarification, agencies: Mapping[str, str]) -> str:
    """"\n• Cấp tỉnh: Sở Y tế" per option of a level choice, when every option has its own agency."""
    if clarification.facets != ("level",):
        return ""
    lines = [(_option_label(clarification.facets, values), short_agency(agencies.get(item_id, "")))
             for values, item_id in clarification.options[:MAX_BUTTONS - 1]]
    if not all(agency for _, agency in lines) or len({agency for _, agency in lines}) < len(lines):
        return ""
    return "".join(f"\n• {label}: {agency}" for label, agency in lines)


def short_agency(agency: str) -> str:
    """The agency's first name, without its parenthesised scope: "Sở Y tế (đối với người hành nghề
    tại …)" → "Sở Y tế"."""
    first = re.split(r";|\s\(", agency, maxsplit=1)[0].strip(" .,")
    return shorten(first, AGENCY_CHARS)


def variant_buttons(clarification: Clarification, aspect: str | None = None,
                    target: Callable[[str], str] | None = None) -> list[dict[str, str]]:
    """One button per option, carrying the item (and the part asked about, if one was); ``target``
    (item id → payload) sends them elsewhere, e.g. to start filing."""
    def answer(item_id: str) -> str:
        return (payload("ask_detail", item_id=item_id, aspect=aspect) if aspect
                else payload("choose", item_id=item_id))
    target = target or answer
    buttons = [{"title": _option_label(clarification.facets, values), "payload": target(item_id)}
               for values, item_id in clarification.options[:MAX_BUTTONS - 1]]
    buttons.append(human_button())
    return buttons
