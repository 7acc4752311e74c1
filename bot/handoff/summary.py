"""What a request for a person is about, for the console's queue: the citizen's last substantive
message(s), not "cho tôi gặp nhân viên".

A message is substantive when some word of it is not small talk: greetings, thanks, yes/no, menu
words and the words people use to ask for a person ("gặp nhân viên", "người thật", "tổng đài").
Button payloads (``/greet``), bare numbers (the 4 digits of a proof, a phone number) are skipped
too. Personal data left in the text is masked."""

from __future__ import annotations

import re

from bot.core.privacy import mask
from knowledge_base.normalise import strip_diacritics

MAX_MESSAGES = 2
MAX_CHARS = 200

# Syllables (without diacritics) that carry no problem on their own.
_SMALL_TALK_WORDS = """
a ah a1 ad admin ai alo anh ba ban bot bo cam can chao chi cho chuyen co cu da dai day di do duoc dc em gap
gio giup ha hay he hello hi ho hotline huy k kia ko khong la lai lien luon menu minh muon may nay nguoi nhan
nha nhe noi nua oi ok oke okay on qua quay roi sao shop tiep thanks thank that the thi thoi toi tong tro truc
tu van vang vay vien voi xin y yes no
"""
SMALL_TALK = frozenset(_SMALL_TALK_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")
_DIGITS_ONLY = re.compile(r"^[\d\s.+\-()]*$")


def fold(text: str) -> str:
    return strip_diacritics(text).lower().replace("đ", "d")


def is_substantive(text: str) -> bool:
    """Whether a citizen's message says something about their problem."""
    text = text.strip()
    if not text or text.startswith("/") or _DIGITS_ONLY.match(text):
        return False
    return any(word not in SMALL_TALK for word in _WORD.findall(fold(text)))


def problem(messages: list[str], fallback: str = "") -> str:
    """The last substantive messages (oldest first, at most ``MAX_MESSAGES``), masked and cut;
    ``fallback`` (the question the dialogue saw) when none is, unless it is small talk too."""
    chosen: list[str] = []
    for text in reversed(messages):
        if is_substantive(text):
            chosen.insert(0, " ".join(text.split()))
            if len(chosen) == MAX_MESSAGES:
                break
    if not chosen and is_substantive(fallback):
        chosen = [" ".join(fallback.split())]
    joined = " · ".join(chosen)
    if len(joined) > MAX_CHARS:
        joined = joined[:MAX_CHARS - 1].rstrip() + "…"
    return mask(joined)
