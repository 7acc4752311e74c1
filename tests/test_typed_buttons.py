"""A button's label typed instead of tapped is read as the button (``bot/conversation/typed_buttons``)."""

import pytest

from bot.conversation.typed_buttons import tapped
from channels.messages import Button

LEVELS = [Button(title="Cấp trung ương", payload='/choose{"item_id": "a"}'),
          Button(title="Cấp tỉnh", payload='/choose{"item_id": "b"}'),
          Button(title="Gặp nhân viên", payload="/request_human"),
          Button(title="Tra cứu Cổng DVC quốc gia", payload="https://dichvucong.gov.vn/"),
          Button(title="Thủ tục cấp Giấy chứng nhận đăng ký đại lý đổi tiền của…", payload="/choose")]


@pytest.mark.parametrize(("typed", "payload"), [
    ("Cấp tỉnh", '/choose{"item_id": "b"}'),
    ("cap tinh", '/choose{"item_id": "b"}'),
    ("  Cấp Tỉnh ạ ", '/choose{"item_id": "b"}'),
    ("cấp trung ương nhé", '/choose{"item_id": "a"}'),
    ("gặp nhân viên!", "/request_human"),
    # What tells a label from those starting with the same word: "tỉnh" beside "Cấp trung ương".
    ("tỉnh", '/choose{"item_id": "b"}'), ("tinh a", '/choose{"item_id": "b"}'),
    ("Trung ương", '/choose{"item_id": "a"}'),
])
def test_a_typed_label_is_the_button(typed: str, payload: str) -> None:
    assert tapped(typed, LEVELS) == payload


@pytest.mark.parametrize("typed", [
    "cấp tỉnh có lâu không", "tỉnh nào", "", "😀", "nhân viên",   # no other label starts with "gặp"
    "Tra cứu Cổng DVC quốc gia",       # a link: the citizen opens it, nothing to send
    "Thủ tục cấp Giấy chứng nhận đăng ký đại lý đổi tiền của",   # a label cut short
])
def test_other_text_stays_text(typed: str) -> None:
    assert tapped(typed, LEVELS) is None


FOREIGN = [Button(title="Có yếu tố nước ngoài", payload='/choose{"item_id": "nn"}'),
           Button(title="Không", payload='/choose{"item_id": "vn"}'),
           Button(title="Gặp nhân viên", payload="/request_human")]


@pytest.mark.parametrize(("typed", "payload"), [
    # Yes and no typed to "… có yếu tố nước ngoài không ạ?": "có" used to be read as "anything else?".
    ("có", '/choose{"item_id": "nn"}'), ("Có ạ", '/choose{"item_id": "nn"}'), ("vâng", '/choose{"item_id": "nn"}'),
    ("không", '/choose{"item_id": "vn"}'), ("ko", '/choose{"item_id": "vn"}'), ("hok a", '/choose{"item_id": "vn"}'),
])
def test_yes_or_no_typed_is_the_button_that_starts_with_it(typed: str, payload: str) -> None:
    assert tapped(typed, FOREIGN) == payload


def test_a_word_several_labels_start_with_is_not_guessed() -> None:
    assert tapped("cấp", LEVELS) is None


def test_two_buttons_with_one_label_are_not_guessed() -> None:
    twice = [Button(title="Có", payload="/a"), Button(title="Có", payload="/b")]
    assert tapped("có", twice) is None
