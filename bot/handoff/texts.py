"""What the citizen reads about a handoff: short, polite, with buttons where a choice is expected."""

from __future__ import annotations

from bot.core.buttons import payload
from channels.messages import Button, OutboundMessage

CANCEL_WAIT = Button(title="Thôi, hỏi trợ lý ảo", payload="/cancel_handoff")
AGENT_LOST_NOTE = "Nhân viên {agent} mất kết nối; cuộc trò chuyện được đưa lại vào hàng chờ."


def queued(team: str, position: int, minutes: int) -> str:
    return (f"Em đã chuyển Anh/Chị tới {team.lower()}. Anh/Chị đang ở vị trí số {position}, thời gian chờ "
            f"dự kiến khoảng {minutes} phút. Anh/Chị cứ nhắn tiếp, nhân viên sẽ đọc được toàn bộ.")


def still_waiting(team: str, position: int, minutes: int) -> OutboundMessage:
    return OutboundMessage(text=(f"Tin nhắn đã được ghi lại. Anh/Chị đang ở vị trí số {position} chờ "
                                 f"{team.lower()} (khoảng {minutes} phút)."), buttons=[CANCEL_WAIT])


def agent_joined(name: str, team: str) -> OutboundMessage:
    return OutboundMessage(text=f"👋 {name} ({team.lower()}) đang hỗ trợ Anh/Chị.")


def transferred(team: str) -> OutboundMessage:
    return OutboundMessage(text=f"Cuộc trò chuyện được chuyển tới {team.lower()}. Anh/Chị vui lòng chờ trong giây lát.")


def back_to_bot(handoff_id: int, returned: bool) -> OutboundMessage:
    """The person is done: the bot is back, and asks for a rating with one tap."""
    lead = ("Nhân viên đã chuyển Anh/Chị lại cho trợ lý ảo; Anh/Chị hỏi tiếp bình thường."
            if returned else "Cuộc hỗ trợ với nhân viên đã kết thúc; trợ lý ảo tiếp tục hỗ trợ Anh/Chị.")
    return OutboundMessage(text=f"{lead}\nAnh/Chị chấm điểm cuộc hỗ trợ vừa rồi nhé (1 là kém, 5 là rất tốt):",
                           buttons=rating_buttons("handoff", handoff_id))


def rating_buttons(subject: str, subject_id: int | str = "") -> list[Button]:
    stars = ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    return [Button(title=title, payload=payload("rate", score=n, rating_subject=f"{subject}:{subject_id}"))
            for n, title in enumerate(stars, start=1)]


def out_of_hours(opens: str) -> str:
    return (f"Hiện ngoài giờ làm việc, nhân viên sẽ trả lời từ {opens}. Anh/Chị có thể để lại số điện "
            "thoại và nội dung cần hỗ trợ, tổng đài sẽ gọi lại.")


NOBODY_ONLINE = ("Hiện chưa có nhân viên trực tuyến. Anh/Chị có thể để lại số điện thoại và nội dung cần "
                 "hỗ trợ, tổng đài sẽ gọi lại sớm nhất.")
CALLBACK_BUTTONS = [Button(title="Để lại số điện thoại", payload="/leave_callback"),
                    Button(title="Không, cảm ơn", payload="/deny")]


def callback_stored(call_after: str) -> str:
    return f"Em đã ghi nhận yêu cầu. Tổng đài sẽ gọi lại cho Anh/Chị từ {call_after}."
