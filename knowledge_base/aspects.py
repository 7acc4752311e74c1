"""Which part of a procedure a question is about: documents, fee, time limit, place, online, …"""

from __future__ import annotations

from typing import Literal

from knowledge_base.ages import STATED_AGE
from knowledge_base.normalise import syllables

Aspect = Literal["documents", "fees", "time", "where", "online", "conditions", "steps", "result"]

ASPECT_LABELS: dict[Aspect, str] = {
    "documents": "Giấy tờ cần có",
    "fees": "Lệ phí",
    "time": "Thời hạn",
    "where": "Nơi nộp",
    "online": "Nộp trực tuyến",
    "conditions": "Điều kiện",
    "steps": "Các bước",
    "result": "Kết quả",
}

# Phrases without diacritics; matched on whole syllables.
_CUES: dict[Aspect, list[str]] = {
    "fees": ["le phi", "phi", "bao nhieu tien", "het bao nhieu", "mat bao nhieu", "ton bao nhieu",
             "chi phi", "tien", "gia", "mien phi", "nop tien", "ton bn", "het bn", "mat bn", "mat phi"],
    "documents": ["giay to", "can gi", "can nhung gi", "can nhung giay", "ho so gom", "thanh phan",
                  "mang theo", "chuan bi", "can mang", "ho so can", "can co", "j"],
    "time": ["bao lau", "may ngay", "thoi gian", "thoi han", "bao gio co", "khi nao co",
             "bao nhieu ngay", "lau khong", "lau ko", "nhanh", "bn ngay", "bn lau", "lau k", "bao gio lay",
             "may hom"],
    "where": ["o dau", "noi nop", "nop o", "cho nao", "co quan nao", "dau nop", "den dau",
              "tai dau", "lam o"],
    "online": ["online", "truc tuyen", "tren mang", "qua mang", "dich vu cong", "dvc", "vneid",
               "qua mang", "tai nha"],
    "conditions": ["dieu kien", "duoc khong", "co duoc", "yeu cau gi"],
    "steps": ["cac buoc", "trinh tu", "quy trinh", "lam the nao", "cach lam", "lam sao",
              "thu tuc the nao", "ntn", "nhu the nao"],
    "result": ["ket qua", "nhan duoc gi", "duoc cap gi"],
}


def detect_aspects(question: str) -> list[Aspect]:
    """Aspects a question asks about, in the order of ``ASPECT_LABELS``; empty when general."""
    padded = f" {' '.join(syllables(question))} "
    found = {aspect for aspect, cues in _CUES.items() if any(f" {c} " in padded for c in cues)}
    return [a for a in ASPECT_LABELS if a in found]


# Words that carry no subject: what is asked ("lệ phí", "giấy tờ") is not which procedure.
_FILLER_WORDS = (
    "toi minh em anh chi ban a ak oi nhe voi cho cua la thi va hay co khong ko k dc duoc gi j bn "
    "can lam nhu the nao sao vay z bao nhieu may o dau khi ho so thu tuc giay to "
    "muon hoi xin nop ve mat het ton phai"
)
FILLER = frozenset(_FILLER_WORDS.split())


def subject_words(question: str) -> list[str]:
    """Syllables left after removing aspect cues and filler: empty for "giấy tờ", "lệ phí bao
    nhiêu", non-empty for "lệ phí khai sinh"."""
    padded = f" {' '.join(syllables(question))} "
    for cues in _CUES.values():
        for cue in sorted(cues, key=len, reverse=True):
            padded = padded.replace(f" {cue} ", " ")
    # "con tôi 15 tuổi": the citizen's situation, which no record's words hold (``ages`` reads it).
    padded = STATED_AGE.sub(" ", padded)
    return [w for w in padded.split() if w not in FILLER]
