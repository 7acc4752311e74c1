"""Answer cards: catalog content turned into short Vietnamese messages for a phone screen.

Everything shown is quoted from the catalog record; a fee or a time limit that the record does not
give is said to be missing, never guessed. All citizen-facing wording of the answers lives here.
"""

from __future__ import annotations

import json

from knowledge_base.aspects import ASPECT_LABELS, Aspect
from knowledge_base.schema import Faq, Procedure

MAX_DOCUMENTS_SHOWN = 8
METHOD_NAMES = {"direct": "trực tiếp", "online": "trực tuyến", "postal": "qua bưu chính"}


def vnd(amount: int) -> str:
    """``150000`` → ``150.000 đồng`` (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def payload(intent: str, **entities: str) -> str:
    """A button payload Rasa parses directly: ``/intent{"key": "value"}``."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def source_line(procedure: Procedure) -> str:
    checked = procedure.checked_on.strftime("%d/%m/%Y")
    return f"Nguồn: {procedure.source.name} (cập nhật {checked})."


def header(procedure: Procedure) -> str:
    # Codes not yet verified against the national database are not shown as if they were.
    code = f" (mã {procedure.code})" if procedure.code[:1].isdigit() else ""
    return f"📄 {procedure.title}{code}"


def documents_text(procedure: Procedure) -> str:
    if not procedure.documents:
        return "Giấy tờ: danh mục chưa ghi thành phần hồ sơ, Anh/Chị vui lòng hỏi nhân viên."
    lines = ["Giấy tờ cần có:"]
    for number, doc in enumerate(procedure.documents[:MAX_DOCUMENTS_SHOWN], start=1):
        extra = f" ({doc.copies})" if doc.copies else ""
        optional = " – nếu có" if not doc.required else ""
        lines.append(f"{number}. {doc.name}{extra}{optional}")
    hidden = len(procedure.documents) - MAX_DOCUMENTS_SHOWN
    if hidden > 0:
        lines.append(f"… và {hidden} giấy tờ khác theo trường hợp.")
    return "\n".join(lines)


def fees_text(procedure: Procedure) -> str:
    if not procedure.fees:
        return "Lệ phí: danh mục không ghi phí, lệ phí cho thủ tục này."
    lines = ["Lệ phí:"]
    for fee in procedure.fees:
        if fee.amount_vnd is None:
            amount = fee.note or "theo quy định (danh mục chưa ghi số tiền)"
        elif fee.amount_vnd == 0:
            amount = "miễn" + (f" – {fee.note}" if fee.note else "")
        else:
            amount = vnd(fee.amount_vnd) + (f" ({fee.note})" if fee.note else "")
        lines.append(f"• {fee.label}: {amount}")
    return "\n".join(lines)


def time_text(procedure: Procedure) -> str:
    return f"Thời hạn giải quyết: {procedure.processing_time.text}"


def where_text(procedure: Procedure) -> str:
    ways = ", ".join(METHOD_NAMES[m.method] for m in procedure.methods)
    return f"Nơi nộp: {procedure.submit_at}\nCách nộp: {ways}."


def online_text(procedure: Procedure) -> str:
    online = procedure.online
    if online is None:
        return "Thủ tục này chưa nộp trực tuyến được; Anh/Chị nộp trực tiếp hoặc qua bưu chính."
    text = f"Nộp trực tuyến: dịch vụ công {online.online_level}"
    if online.online_level == "một phần":
        text += " (nộp hồ sơ qua mạng, nhận kết quả hoặc nộp bản gốc tại nơi giải quyết)"
    if online.url:
        text += f"\nĐường dẫn: {online.url}"
    if online.note:
        text += f"\n{online.note}"
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


def procedure_card(procedure: Procedure, aspects: list[Aspect] | None = None) -> str:
    """The answer: the asked-for parts, or an overview when the question is general."""
    chosen = aspects or OVERVIEW
    parts = [header(procedure), *(SECTIONS[a](procedure) for a in chosen), source_line(procedure)]
    return "\n\n".join(parts)


def procedure_buttons(procedure: Procedure, shown: list[Aspect]) -> list[dict[str, str]]:
    """Follow-ups: other parts of the same procedure, filing online, a person."""
    buttons = []
    if procedure.online is not None:
        buttons.append({"title": "Nộp trực tuyến",
                        "payload": payload("start_submission", procedure_id=procedure.id)})
    for aspect in ("documents", "fees", "time", "steps", "conditions"):
        if aspect not in shown and len(buttons) < 3:
            buttons.append({"title": ASPECT_LABELS[aspect],  # type: ignore[index]
                            "payload": payload("ask_detail", item_id=procedure.id, aspect=aspect)})
    buttons.append({"title": "Gặp nhân viên", "payload": payload("request_human")})
    return buttons


def faq_card(faq: Faq) -> str:
    source = f"\n\nNguồn: {faq.source.name}." if faq.source and faq.source.name else ""
    return f"💬 {faq.question}\n\n{faq.answer}{source}"


def clarify_text() -> str:
    return "Anh/Chị muốn hỏi về nội dung nào dưới đây ạ?"


def choice_button(item_id: str, title: str) -> dict[str, str]:
    short = title if len(title) <= 60 else title[:58].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return {"title": short, "payload": payload("choose", item_id=item_id)}
