"""Wording of the guided submission: validation errors, the opening, the per-field questions and
the summary. Fixed questions (``utter_ask_<slot>``) live in domain.yml; everything built from data
lives here, in one place, so it can be reviewed for citizens together."""

from __future__ import annotations

# --- validation errors (each says what is wrong; the question is asked again after it) ---------

NAME_EMPTY = "Dạ, em chưa nhận được họ tên ạ."
NAME_CHARACTERS = "Họ tên chỉ gồm chữ cái và dấu cách (không có số hay ký hiệu) ạ."
NAME_WORDS = "Họ tên đầy đủ thường có từ 2 đến 6 chữ (ví dụ: Nguyễn Văn An) ạ."

CCCD_LENGTH = "Số căn cước phải có đúng 12 chữ số (Anh/Chị vừa gửi {count} chữ số) ạ."
CCCD_MISSING = "Em chưa thấy số căn cước trong tin nhắn; số căn cước gồm 12 chữ số ạ."
CCCD_PROVINCE = ("3 số đầu của số căn cước ({code}) không phải mã tỉnh/thành phố hợp lệ (001–096). "
                 "Anh/Chị kiểm tra lại giúp em ạ.")
CCCD_CENTURY = ("Chữ số thứ 4 của số căn cước ({digit}) ứng với người sinh từ năm {start}, chưa thể có. "
                "Anh/Chị kiểm tra lại giúp em ạ.")
CCCD_BIRTH_MISMATCH = ("Số căn cước ({masked}) không khớp với ngày sinh {birth}: chữ số thứ 4 và thứ 5–6 của "
                       "số căn cước cho biết thế kỷ và năm sinh. Anh/Chị kiểm tra lại số căn cước "
                       "và ngày sinh giúp em ạ.")

DATE_FORMAT = ("Em chưa đọc được ngày này. Anh/Chị gõ theo dạng ngày/tháng/năm, "
               "ví dụ 05/07/1990 ạ.")
DATE_INVALID = "Ngày {text} không có trên lịch ạ."
DATE_FUTURE = "Ngày {text} ở sau hôm nay, chưa thể đúng ạ."
DATE_TOO_OLD = "Năm {year} có vẻ chưa đúng ạ."
AGE_TOO_YOUNG = "Người nộp hồ sơ phải từ đủ {age} tuổi trở lên ạ."
AGE_TOO_OLD = "Ngày sinh này cho tuổi trên {age}, có lẽ bị gõ nhầm ạ."

PHONE_FORMAT = ("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 0 (hoặc +84), "
                "ví dụ 0912 345 678 ạ.")
PHONE_LANDLINE = "Đây là số máy bàn ạ. Anh/Chị cho em số di động (10 chữ số, ví dụ 0912 345 678) giúp em."
PHONE_PREFIX = "Đầu số {prefix} không phải đầu số di động tại Việt Nam (03x, 05x, 07x, 08x, 09x) ạ."

EMAIL_FORMAT = ("Địa chỉ email chưa đúng dạng (ví dụ: ten@gmail.com). Nếu không có email, "
                "Anh/Chị bấm “Bỏ qua” ạ.")

ADDRESS_SHORT = ("Địa chỉ cần ghi rõ hơn (ít nhất 10 ký tự): số nhà, đường/thôn, phường/xã, "
                 "tỉnh/thành phố ạ.")

TEXT_EMPTY = "Dạ, mục này chưa có nội dung ạ."
NUMBER_FORMAT = "Mục này cần một số nguyên dương, ví dụ 1, 2, 3 ạ."
NUMBER_RANGE = "Số {value} có vẻ chưa hợp lý (từ 1 đến {maximum}) ạ."
CHOICE_UNKNOWN = "Em chưa khớp được câu trả lời với các lựa chọn; Anh/Chị bấm một nút bên dưới giúp em ạ."
REQUIRED = "Mục này bắt buộc nên không bỏ qua được ạ."

# --- the opening --------------------------------------------------------------------------------

# ``level`` and ``level_note`` come with their leading space, or empty when the catalog has no level.
START_ONLINE = ("📝 Nộp hồ sơ: {title} — dịch vụ công trực tuyến{level}.{level_note}\n"
                "Gõ “hủy” để dừng, “menu” để về trang chính, “quay lại” để sửa câu trước; "
                "thông tin đã nhập luôn được giữ làm bản nháp.")
CASE_FROM_QUESTION = ("Theo câu hỏi của Anh/Chị, em đã ghi: {answers}. Chưa đúng thì Anh/Chị sửa được "
                      "ở bước xem lại trước khi nộp.")
LEVEL_NOTES = {
    "toàn trình": "Anh/Chị không phải đến nộp hay nhận kết quả trực tiếp.",
    "một phần": "Anh/Chị khai và nộp hồ sơ trực tuyến, nhưng vẫn phải đến cơ quan cho một số bước "
                "(xuất trình bản chính, ký, nhận kết quả…).",
}
NOT_ONLINE = ("{header}\n\nThủ tục này chưa nộp trực tuyến được, nên em chưa thể nhận hồ sơ trong khung chat. "
              "{where}")
WHICH_PROCEDURE = "Anh/Chị muốn nộp hồ sơ thủ tục nào dưới đây ạ?"

# --- per-field questions --------------------------------------------------------------------------

FIELD_QUESTION = "Anh/Chị cho em biết: {label}?"
FIELD_HINTS = {
    "date": " (ngày/tháng/năm, ví dụ 05/07/2024)",
    "cccd": " (12 chữ số)",
    "phone": " (số di động)",
    "email": "",
    "number": " (gõ một số)",
    "choice": " (bấm một lựa chọn)",
    "text": "",
}
SAME_ADDRESS_BUTTON = "Giống địa chỉ trên"
ME_BUTTON = "Là tôi"
NOT_THE_APPLICANT = ("Dạ, mục này là họ tên của người khác, không phải Anh/Chị ạ. Anh/Chị gõ họ và tên "
                     "đầy đủ giúp em (ví dụ: Nguyễn Văn An).")
OPTIONAL_HINT = "\nMục này không bắt buộc: nếu không có, Anh/Chị bấm “Bỏ qua”."
SKIP_BUTTON = "Bỏ qua"
SKIP_PAYLOAD = "không có"  # understood as a skip by the form (see validation.SKIP_WORDS)

# --- ways out of a form: a question, a person, the menu, one step back ------------------------------

BACK_TO_FORM = "Mình tiếp tục hồ sơ nhé ạ:"
QUESTION_NOT_FOUND = ("Em chưa tìm thấy câu trả lời cho câu hỏi này trong danh mục. Anh/Chị có thể hỏi lại "
                      "sau khi khai xong, hoặc gặp nhân viên hỗ trợ.")
OFFER_PERSON = "Nếu khó điền mục này, Anh/Chị có thể gặp nhân viên để được hỗ trợ ạ."
FORM_KEPT = "Em đã lưu hồ sơ {title} đang khai dở (chưa nộp). Khi cần, Anh/Chị bấm “Tiếp tục nộp hồ sơ”."
CONTINUE_BUTTON = "Tiếp tục nộp hồ sơ"
MENU_TEXT = "Dạ, đây là trang chính. Anh/Chị cần hỗ trợ gì ạ?"
BACK_FIRST = "Đây là câu hỏi đầu tiên rồi ạ. Gõ “hủy” nếu Anh/Chị muốn dừng."
BACK_DONE = "Dạ, mình quay lại câu trước ạ."

# --- cancelling and the summary -----------------------------------------------------------------

CANCELLED = ("Dạ, em đã dừng việc khai hồ sơ. Thông tin Anh/Chị đã nhập được giữ lại làm bản nháp "
             "(chưa nộp). Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé.")
CANCELLED_EMPTY = "Dạ, em đã dừng việc khai hồ sơ. Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé."

SUMMARY_HEAD = "✅ Em đã ghi nhận thông tin cho hồ sơ {title}:"
SUMMARY_LABELS = {
    "full_name": "Họ và tên",
    "cccd": "Số căn cước",
    "birth_date": "Ngày sinh",
    "phone": "Số điện thoại",
    "email": "Email",
    "address": "Địa chỉ",
}
NOT_GIVEN = "(không cung cấp)"
SUMMARY_NEXT = ("Hồ sơ CHƯA được nộp. Bước tiếp theo: em sẽ hướng dẫn Anh/Chị gửi các giấy tờ cần có "
                "của thủ tục, rồi Anh/Chị xem lại và xác nhận trước khi nộp.")

# --- tracking a dossier ---------------------------------------------------------------------------

TRACK_CODE_FORMAT = ("Em chưa nhận ra mã hồ sơ trong tin nhắn. Mã hồ sơ có dạng HS-7M2K-QX9P "
                     "(có trong tin nhắn xác nhận khi nộp) ạ.")
TRACK_PROOF_FORMAT = "Anh/Chị gõ đúng 4 chữ số cuối (ví dụ 5678) giúp em ạ."
TRACK_NO_MATCH = ("Mã hồ sơ hoặc 4 số cuối chưa khớp với hồ sơ nào. Anh/Chị kiểm tra lại mã hồ sơ "
                  "và 4 số cuối của số điện thoại hoặc căn cước đã dùng khi nộp nhé.")
TRACK_THROTTLED = ("Anh/Chị đã nhập sai nhiều lần nên việc tra cứu tạm khóa để bảo vệ hồ sơ. "
                   "Anh/Chị thử lại sau khoảng {minutes} phút (lúc {at}) ạ.")
TRACK_UNAVAILABLE = ("Xin lỗi Anh/Chị, hệ thống hồ sơ đang tạm gián đoạn nên em chưa tra cứu được. "
                     "Anh/Chị thử lại sau ít phút hoặc gặp nhân viên hỗ trợ nhé.")
TRACK_HEAD = "📌 Hồ sơ {code} — {title}\nTình trạng: {status}"
TRACK_TIMELINE = "Quá trình xử lý:"
TRACK_DUE = "Hẹn trả kết quả: {due}"
TRACK_FEE = "Phí, lệ phí cần nộp: {amount}"
TRACK_NEXT = "Việc cần làm tiếp: {next}"
TRACK_NEXT_STEP = {
    "SUPPLEMENT": "Anh/Chị gửi ảnh hoặc PDF của giấy tờ còn thiếu ngay trong cuộc trò chuyện này.",
    "FEE_DUE": "Anh/Chị nộp phí, lệ phí để hồ sơ được tiếp tục giải quyết (bấm “Thanh toán”).",
}
TRACK_CANCELLED = "Dạ, em đã dừng tra cứu. Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé."
TRACK_AGAIN_BUTTON = "Tra cứu lại"
HUMAN_BUTTON = "Gặp nhân viên"

# --- documents, the summary to confirm, filing ------------------------------------------------------

DOC_ASK = "📎 Giấy tờ {index}/{total}. Anh/Chị gửi ảnh hoặc PDF của: {name}{copies}"
DOC_ASK_HINT = "\nAnh/Chị bấm biểu tượng đính kèm để gửi ảnh chụp rõ nét hoặc tệp PDF."
# The optional documents come last, asked once together: one "Không có" tap when there are none.
DOC_OPTIONAL_ONE = ("📎 Anh/Chị có thêm {name}{copies} không (không bắt buộc)? Có thì gửi ảnh hoặc PDF; "
                    "không có thì bấm “Không có”.")
DOC_OPTIONAL_MANY = ("📎 Anh/Chị có giấy tờ nào dưới đây không (không bắt buộc)?\n{items}\n"
                     "Có thì gửi ảnh hoặc PDF (gửi cùng lúc được); không có thì bấm “Không có”.")
OPTIONAL_GROUP = "Giấy tờ không bắt buộc"
NONE_BUTTON = "Không có"
DOC_NONE = "Dạ, Anh/Chị không gửi thêm giấy tờ."
DOC_RECEIVED = "✅ Đã nhận: {name}."
DOC_REQUIRED = "Giấy tờ “{name}” là bắt buộc nên không bỏ qua được ạ. Anh/Chị gửi ảnh hoặc PDF giúp em."
DOC_WAITING = ("Em đang chờ ảnh hoặc PDF của: {name}. Anh/Chị gửi tệp giúp em, hoặc gõ “hủy” để dừng "
               "(thông tin đã nhập được giữ làm bản nháp).")
FILE_BEFORE_DOCUMENTS = ("Em đã lưu tệp. Giấy tờ sẽ được hỏi lần lượt sau khi khai xong thông tin; "
                         "bây giờ Anh/Chị trả lời giúp em câu hỏi dưới đây ạ.")
DOC_NOT_YOURS = "Em không tìm thấy tệp này trong cuộc trò chuyện của Anh/Chị. Anh/Chị gửi lại giúp em."

REVIEW_HEAD = "📋 Anh/Chị xem lại hồ sơ {title} trước khi nộp:"
REVIEW_DOCS = "Giấy tờ đã gửi:"
REVIEW_DOC_SENT = "• {name}: {count} tệp"
REVIEW_DOC_SKIPPED = "• {name}: không gửi"
REVIEW_ASK = "Nếu thông tin đã đúng, Anh/Chị bấm “Xác nhận nộp”. Cần sửa mục nào, Anh/Chị bấm “Sửa thông tin”."
CONFIRM_BUTTON = "Xác nhận nộp"
CORRECT_BUTTON = "Sửa thông tin"
CORRECT_WHICH = "Anh/Chị muốn sửa mục nào ạ?"
NOTHING_TO_FILE = ("Hiện chưa có hồ sơ nào đang chờ xác nhận. Anh/Chị muốn nộp hồ sơ, hãy gõ “nộp hồ sơ” "
                   "kèm tên thủ tục nhé.")

FILED = ("🎉 Hồ sơ đã được nộp thành công!\nMã hồ sơ: {code}\n{due}\n{fee}\n"
         "Anh/Chị lưu lại mã hồ sơ để tra cứu (gõ “tra cứu hồ sơ”). Em sẽ nhắn khi hồ sơ có thay đổi.")
FILED_DUE = "Ngày hẹn trả kết quả: {due} (tính theo ngày làm việc)."
FILED_DUE_UNKNOWN = "Ngày hẹn trả kết quả: cán bộ sẽ thông báo khi tiếp nhận hồ sơ."
PAY_BUTTON = "Thanh toán lệ phí"
PAY_AMOUNT_BUTTON = "Thanh toán {amount}"
FILED_NO_FEE = "Thủ tục này không phải nộp lệ phí."
FILED_FEE_LATER = "Phí, lệ phí (nếu có): cán bộ sẽ thông báo số tiền khi tiếp nhận hồ sơ."
FILED_PAY_NOW = "Anh/Chị có thể thanh toán ngay trong trò chuyện này."
FILE_FAILED = ("Xin lỗi Anh/Chị, em chưa nộp được hồ sơ lúc này ({reason}). Thông tin đã nhập vẫn được giữ. "
               "Anh/Chị thử lại sau ít phút hoặc gặp nhân viên hỗ trợ nhé.")
RETRY_BUTTON = "Thử nộp lại"

# --- a file outside the document step (supplement) -----------------------------------------------

SUPPLEMENT_ADDED = ("✅ Em đã bổ sung tệp vào hồ sơ {code}. Hồ sơ được chuyển lại cho cán bộ xử lý "
                    "(trạng thái: {status}).")
SUPPLEMENT_FAILED = ("Xin lỗi Anh/Chị, em chưa gắn được tệp vào hồ sơ {code}. Anh/Chị thử lại sau ít phút "
                     "hoặc gặp nhân viên hỗ trợ nhé.")
SUPPLEMENT_DOCUMENT = "Giấy tờ bổ sung"

# --- drafts: coming back later ------------------------------------------------------------------

DRAFT_OFFER = ("Anh/Chị đang có hồ sơ khai dở: {title} (chưa nộp). Anh/Chị muốn tiếp tục hồ sơ này "
               "hay bắt đầu lại ạ?")
RESUME_BUTTON = "Tiếp tục hồ sơ đang dở: {title}"
RESTART_BUTTON = "Bắt đầu lại"
RESUMED = "Dạ, mình tiếp tục hồ sơ {title}. Thông tin Anh/Chị đã nhập vẫn được giữ nguyên."
NO_DRAFT = "Hiện Anh/Chị không có hồ sơ nào đang khai dở ạ."
