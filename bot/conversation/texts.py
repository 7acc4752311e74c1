"""Vietnamese texts the gateway itself sends (Rasa's own replies live in domain.yml)."""

from __future__ import annotations

from bot.core.money import thousands
from channels.messages import Button, OutboundMessage

HELP_BUTTONS = [
    Button(title="Hỏi thủ tục", payload="/ask_procedure"),
    Button(title="Tra cứu hồ sơ", payload="/track_dossier"),
    Button(title="Gặp nhân viên", payload="/request_human"),
]

EMPTY = OutboundMessage(
    text="Anh/Chị chưa nhập nội dung. Anh/Chị cần hỏi về thủ tục nào ạ?", buttons=HELP_BUTTONS)

NO_WORDS = OutboundMessage(
    text="Em chưa hiểu tin nhắn này. Anh/Chị vui lòng gõ câu hỏi bằng chữ, "
         "ví dụ: “làm giấy khai sinh cần gì”.",
    buttons=HELP_BUTTONS)


def too_long(limit: int) -> OutboundMessage:
    return OutboundMessage(
        text=f"Tin nhắn dài quá {thousands(limit)} ký tự nên em chưa xử lý được. "
             "Anh/Chị vui lòng hỏi ngắn gọn, mỗi lần một việc ạ.",
        buttons=HELP_BUTTONS)


RASA_DOWN = OutboundMessage(
    text="Xin lỗi Anh/Chị, trợ lý ảo đang tạm gián đoạn. Tin nhắn của Anh/Chị đã được lưu lại. "
         "Anh/Chị có thể thử lại sau ít phút hoặc gặp nhân viên hỗ trợ.",
    buttons=[Button(title="Gặp nhân viên", payload="/request_human"),
             Button(title="Thử lại", payload="/greet")])

SILENT = OutboundMessage(
    text="Xin lỗi Anh/Chị, em chưa trả lời được câu này. Anh/Chị có thể hỏi cách khác "
         "hoặc gặp nhân viên hỗ trợ.",
    buttons=[Button(title="Gặp nhân viên", payload="/request_human")])

FILE_DOWNLOAD_FAILED = OutboundMessage(
    text="Em chưa tải được tệp Anh/Chị gửi. Anh/Chị vui lòng gửi lại giúp em.")


def file_received(filename: str, content_type: str) -> OutboundMessage:
    kind = "tệp PDF" if content_type == "application/pdf" else "ảnh"
    return OutboundMessage(text=f"Em đã nhận {kind} của Anh/Chị và lưu an toàn vào cuộc trò chuyện.")


def file_too_large(limit_bytes: int) -> OutboundMessage:
    limit = (f"{limit_bytes // (1024 * 1024)} MB" if limit_bytes >= 1024 * 1024
             else f"{max(1, limit_bytes // 1024)} KB")
    return OutboundMessage(text=f"Tệp lớn quá {limit}. "
                                "Anh/Chị chụp lại hoặc nén nhỏ hơn rồi gửi lại giúp em.")

HANDOFF_CANCELLED = OutboundMessage(
    text="Dạ, em tiếp tục hỗ trợ Anh/Chị. Anh/Chị cần hỏi gì ạ?",
    buttons=[Button(title="Hỏi về thủ tục", payload="/ask_procedure"),
             Button(title="Gặp nhân viên", payload="/request_human")])
BOT_IS_HERE = OutboundMessage(text="Dạ, trợ lý ảo đang hỗ trợ Anh/Chị. Anh/Chị cần hỏi gì ạ?")
