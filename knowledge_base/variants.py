"""Near-identical procedures: the same procedure at several levels or in several variants.

The national catalog publishes one procedure many times: "Trình báo mất hộ chiếu phổ thông
(thực hiện tại cấp tỉnh)" and "… (thực hiện tại cấp xã)", "Cấp thẻ bảo hiểm y tế" / "Cấp lại …" /
"Cấp đổi …", "Đăng ký khai sinh" / "… có yếu tố nước ngoài". A list of such titles tells a citizen
nothing; one question naming the difference does. Everything here is read from the titles
themselves (level and variant phrases stripped, the rest compared), never from a list of
procedures, and the module is pure: no index, no Rasa, no wording a citizen reads (that lives in
``actions/cards.py``). Search uses ``rank_siblings`` to put first the variant a question names;
the dialogue uses ``resolve`` to answer it or ask the one question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from knowledge_base.normalise import strip_diacritics, syllables

Facet = Literal["level", "variant", "foreign", "channel", "place"]
FACETS: tuple[Facet, ...] = ("level", "variant", "foreign", "channel", "place")

# Facet values, in the order buttons show them.
LEVELS = ("trung ương", "tỉnh", "huyện", "xã")
VARIANTS = ("cấp mới", "cấp lại", "cấp đổi", "gia hạn", "điều chỉnh")
FOREIGN = ("có", "không")
CHANNELS = ("toàn trình", "một phần")
PLACES = ("trong nước", "nước ngoài")

# ---- titles (matched on lower-case text without diacritics) ------------------------------------
_LEVEL_WORDS = {"tinh": "tỉnh", "xa": "xã", "huyen": "huyện", "trung uong": "trung ương",
                "bo": "trung ương"}
_LEVEL_ALT = "trung uong|tinh|xa|huyen|bo"
# "(thực hiện tại cấp tỉnh)", "(cấp xã)" anywhere; "… tại Công an cấp tỉnh", "… thực hiện tại cấp
# xã" at the end of the title.
_TITLE_LEVEL = [
    re.compile(rf"\(\s*(?:thuc hien\s+)?(?:tai\s+|o\s+)?(?:cong an\s+)?cap\s+({_LEVEL_ALT})\s*\)"),
    re.compile(rf"\s+(?:thuc hien\s+)?(?:tai|o)\s+(?:cong an\s+|ubnd\s+|uy ban nhan dan\s+)?cap\s+"
               rf"({_LEVEL_ALT})\s*$"),
]
# How a record is filed, not what it is: Bộ Công an publishes one procedure per channel ("Cấp lại
# chứng nhận đăng ký xe … thực hiện bằng dịch vụ công trực tuyến toàn trình" / "… một phần hoặc
# trực tiếp thực hiện tại cấp trung ương, cấp tỉnh, cấp xã"); the card says the channels.
_TITLE_CHANNEL = re.compile(
    r"\s*\b(?:thuc hien\s+)?(?:bang\s+)?(?:dich vu cong\s+)?truc tuyen\s+(toan trinh|mot phan)"
    r"(?:\s+hoac\s+truc tiep)?(?:\s+thuc hien\s+tai\s+cap\s+(?:trung uong|tinh|xa)(?:\s+cap\s+(?:tinh|xa))*)?\b")
_CHANNEL_WORDS = {"toan trinh": "toàn trình", "mot phan": "một phần"}
# Leading verb phrase → variant. "Cấp X" alone is a first issue; order matters (longest first).
_TITLE_VARIANT = [
    ("cap moi ", "cấp mới"), ("cap lai ", "cấp lại"), ("cap doi ", "cấp đổi"), ("doi ", "cấp đổi"),
    ("gia han ", "gia hạn"), ("dieu chinh ", "điều chỉnh"), ("cap ", "cấp mới"),
]
_TITLE_FOREIGN = re.compile(r"\s*\b(khong\s+)?co yeu to nuoc ngoai\b")
# Where the applicant files, at the end of a title: "Nhập quốc tịch Việt Nam ở trong nước" / "… ở nước ngoài".
_TITLE_PLACE = re.compile(r"\s+o\s+(trong nuoc|nuoc ngoai)$")
_PLACE_WORDS = {"trong nuoc": "trong nước", "nuoc ngoai": "nước ngoài"}
_PREFIX = re.compile(r"^(?:thu tuc\s+)")
# "Cấp, đổi, cấp lại thẻ căn cước", "Cấp, cấp lại Giấy phép …": one record for several variants.
_VERB = r"(?:cap moi|cap lai|cap doi|doi|gia han|dieu chinh|cap)"
_VERB_LIST = re.compile(rf"^(?:thu tuc\s+)?({_VERB}(?:\s*(?:,|/|\bva\b)\s*{_VERB})+)\s")

# ---- questions (what the citizen already said) -------------------------------------------------
_ASKED_LEVEL = [
    (re.compile(r"\b(?:cap|o|tai|len|cong an|so)\s+(?:tinh|thanh pho)\b"), "tỉnh"),
    (re.compile(r"\b(?:cap|o|tai|ubnd|uy ban|cong an)\s+(?:xa|phuong|thi tran)\b"), "xã"),
    (re.compile(r"\b(?:cap|o|tai|ubnd|uy ban|cong an)\s+(?:huyen|quan|thi xa)\b"), "huyện"),
    (re.compile(r"\b(?:trung uong|cap bo|o bo|tai bo|cuc)\b"), "trung ương"),
]
# "mất" alone says a loss when a paper follows it ("mất bằng lái xe", "mất hết giấy tờ") or "rồi" does
# ("thẻ bhyt mất r"); "mất phí", "mất bao lâu" are costs, and without marks "mat" is also "mặt",
# "mật" ("mặt bằng").
_LOST = (r"(?:bi|lam|danh) mat|mat (?:roi|r)\b"
         r"|mat (?:het |ca )?(?:giay|the|bang (?!kinh|san|cho|thue|xay|nha)|so|ho chieu"
         r"|chung|can cuoc|cmnd|cccd|gplx|bhyt|con dau|dau|bien|van bang|ban|phu hieu|hoa don|sim|vi|cavet|ca vet)")
# A damaged paper ("bị hỏng", "rách", "ướt", "nhòe", "mờ chữ", "bong tróc") is exchanged where its
# procedure has an exchange (thẻ căn cước, giấy phép lái xe, thẻ BHYT, đăng ký xe, sổ đỏ) and
# reissued where it has none ("Cấp lại … khi bị mất, bị hỏng"): see ``wanted_variants``. Without
# marks "hong" is also "hồng" ("sổ hồng") and "không", so only a word of damage before it counts.
_DAMAGED = re.compile(r"\b(?:(?:bi|lam|da|hu|hoi) hong|hong roi|hu hai|(?:bi|da) (?:uot|nhoe|mo|chay|gay)"
                      r"|(?<!kenh )rach|o vang|uot (?:het|sung|nhem)|ngam nuoc|nhoe|bong troc|mo (?:het )?chu)\b")
_LOSS = re.compile(rf"\b(?:{_LOST})\b")
# A card written wrong ("thẻ căn cước bị sai ngày sinh", "bằng lái ghi sai tên") is exchanged too
# (Luật Căn cước 2023 Điều 24, thẻ BHYT, giấy phép lái xe), and reissued where no exchange exists.
# A register entry written wrong is a correction ("cải chính"), which the search finds by its words.
_MISWRITTEN = re.compile(r"\b(?:(?:ghi|in|viet|bi) (?:sai|nham)|sai sot|sai (?:thong tin|ten|ho ten|ho|ngay sinh"
                         r"|nam sinh|ngay thang|que quan|gioi tinh|dia chi|dan toc))\b")
_ASKED_VARIANT = [
    (re.compile(r"\b(?:cap moi|lam moi|lan dau|xin moi)\b"), "cấp mới"),
    (_LOSS, "cấp lại"),
    (_DAMAGED, "cấp đổi"),   # before "cấp lại", "làm lại": citizens say those of any new paper
    (_MISWRITTEN, "cấp đổi"),
    (re.compile(r"\b(?:cap lai|lam lai|xin lai)\b"), "cấp lại"),
    # "thay đổi", "(chuyển) đổi mục đích / loại hình" change or convert; they exchange no paper. Nor
    # does a company moving or renaming ("công ty đổi địa chỉ trụ sở": the licence is adjusted).
    (re.compile(r"\b(?:cap doi|(?<!theo )(?<!thay )doi(?! voi\b| muc dich\b| loai hinh\b| cong nang\b"
                r"| (?:dia chi|tru so|dia diem|nguoi dai dien|chu so huu|nganh nghe|von"
                r"|ten (?:cong ty|doanh nghiep))\b))\b"),
     "cấp đổi"),
    (re.compile(r"\bgia han\b"), "gia hạn"),
    (re.compile(r"\bdieu chinh\b"), "điều chỉnh"),
]
_ASKED_NO_FOREIGN = re.compile(r"\b(?:khong|ko|k)\s+(?:co\s+)?(?:yeu to\s+)?nuoc ngoai\b")
# A foreign party is named far more often than "yếu tố nước ngoài" is: "chồng tôi là người Mỹ",
# "có con với một công dân Hàn Quốc". A country whose name is also an everyday word or a place in
# Việt Nam ("Anh", "Pháp", "Lào", "Mỹ Tho") counts only as a nationality ("người Pháp").
_COUNTRIES = (
    "hoa ky|trung quoc|nhat ban|han quoc|trieu tien|dai loan|hong kong|campuchia|cam pu chia|"
    "thai lan|singapore|xin ga po|malaysia|indonesia|philippines|phi lip pin|myanmar|mong co|an do|"
    "australia|new zealand|canada|hoa lan|ha lan|tay ban nha|bo dao nha|thuy dien|thuy si|na uy|"
    "dan mach|phan lan|ba lan|hungary|ukraina|ukraine|belarus|cong hoa sec|brazil|cuba|chau au|"
    "chau phi|dong au|ai cap|a rap|israel|tho nhi ky|nam phi|nigeria|nam my|argentina|mexico"
)
_NATIONALITY = (r"(?:nguoi|quoc tich|cong dan|kieu bao) (?:my|phap|duc|nga|uc|nhat|han|lao(?! dong))"
                r"|(?:quoc tich|cong dan|nuoc) (?:anh|y)")
_ASKED_FOREIGN = re.compile(
    rf"\b(?:nuoc ngoai|ngoai quoc|viet kieu|quoc tich khac|hai quoc tich|song tich|{_COUNTRIES}"
    rf"|{_NATIONALITY})\b")


# A syllable typed with marks means what its marks say: "đối với" is not "đổi", "bí mật" is not
# "bị mất", "tích cực" is not "cục". Only the syllables the patterns above read are checked, each
# against the marks it has in those patterns. One typed without marks may mean any of them, unless
# the question carries marks throughout: then "ở xa" is far away, not "ở xã".
_MEANT = {
    "cap": "cấp", "moi": "mới", "lai": "lại", "doi": "đổi", "gia": "gia", "han": "hạn hàn",
    "dieu": "điều", "chinh": "chỉnh chính", "lam": "làm", "xin": "xin", "lan": "lần", "dau": "đầu dấu",
    "bi": "bị", "mat": "mất", "danh": "đánh", "hong": "hỏng", "tinh": "tỉnh", "xa": "xã",
    "hu": "hư", "hai": "hại hai", "mo": "mờ", "rach": "rách", "uot": "ướt", "nhoe": "nhòe nhoè", "chay": "cháy",
    "gay": "gãy", "nat": "nát", "roi": "rồi rời", "r": "r", "sung": "sũng sung", "nhem": "nhẹp nhèm", "ngam": "ngâm",
    "nuoc": "nước", "bong": "bong", "troc": "tróc", "chu": "chữ", "het": "hết", "da": "đã",
    "hoi": "hơi", "vang": "vàng",
    "huyen": "huyện", "quan": "quận", "phuong": "phường", "thi": "thị", "tran": "trấn",
    "cuc": "cục", "bo": "bộ bổ", "o": "ở ố", "tai": "tại", "len": "lên", "so": "sở sổ", "uong": "ương",
    "my": "mỹ mĩ", "phap": "pháp", "duc": "đức", "uc": "úc", "nhat": "nhật", "lao": "lào",
    "y": "ý",
}
_MASKED = "zz"


# Each rule reads the question again, and the contradiction rules read the same titles for every
# question: both are remembered (about 1 ms at p95 on the national letters).
@lru_cache(maxsize=2048)
def _question_text(question: str) -> str:
    """``question`` as the patterns read it: plain, with every pattern syllable whose marks say
    another word replaced by a syllable no pattern holds."""
    words = re.split(r"(\W+)", unicodedata.normalize("NFC", question).lower())
    marked = [w != strip_diacritics(w) for w in words if w.isalpha()]
    accented = len(marked) >= 4 and sum(marked) >= len(marked) / 2
    kept = []
    for word in words:
        bare = strip_diacritics(word)
        meant = _MEANT.get(bare)
        typed_plain = word == bare and not accented
        kept.append(word if not meant or typed_plain or word in meant.split() else _MASKED)
    return _plain("".join(kept))


@lru_cache(maxsize=16384)
def _plain(text: str) -> str:
    text = strip_diacritics(text).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9()]+", " ", text)).strip()


@dataclass(frozen=True)
class Candidate:
    """A search hit: its id, its title, and the record's level (used only when the titles agree)."""

    id: str
    title: str
    level: str | None = None
    # The centre's own record (it has its own form): of two for one option, it is the one offered.
    own: bool = False


@dataclass(frozen=True)
class Facets:
    """A title split into what is the same across variants (``core``) and what is not."""

    core: str
    level: str | None
    variant: str
    foreign: str
    level_in_title: bool = False
    # Every variant the title serves: "Cấp, đổi, cấp lại thẻ căn cước" is cấp mới, cấp đổi, cấp lại.
    serves: frozenset[str] = frozenset()
    # The channel the title is published for ("… trực tuyến toàn trình"), None when it names none.
    channel: str | None = None
    # Where the applicant files ("… ở trong nước" / "… ở nước ngoài"), None when it names neither.
    place: str | None = None

    def value(self, facet: Facet) -> str | None:
        return {"level": self.level, "variant": self.variant, "foreign": self.foreign,
                "channel": self.channel, "place": self.place}[facet]


@lru_cache(maxsize=16384)   # the same titles come back question after question
def facets(title: str, record_level: str | None = None) -> Facets:
    """"Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)" → core "the bao hiem y te", level
    "tỉnh", variant "cấp lại", foreign "không". ``record_level`` fills in a title without level."""
    text = _PREFIX.sub("", _plain(title))
    level = None
    for pattern in _TITLE_LEVEL:
        match = pattern.search(text)
        if match:
            level = _LEVEL_WORDS[match.group(1)]
            text = (text[:match.start()] + " " + text[match.end():]).strip()
            break
    match = _TITLE_CHANNEL.search(text)
    channel = _CHANNEL_WORDS[match.group(1)] if match else None
    text = " ".join(_TITLE_CHANNEL.sub(" ", text).split())
    foreign = "không"
    match = _TITLE_FOREIGN.search(text)
    if match:
        foreign = "không" if match.group(1) else "có"
        text = (text[:match.start()] + " " + text[match.end():]).strip()
    place = None
    if located := _TITLE_PLACE.search(text.rstrip(" .")):
        place = _PLACE_WORDS[located.group(1)]
        text = text.rstrip(" .")[:located.start()].strip()
    variant = "cấp mới"
    verbs: list[str] = []
    listed = _VERB_LIST.match(strip_diacritics(title).lower().strip())
    if listed and text.startswith(_plain(listed.group(1))):
        # A record for several variants is, for a citizen, the first issue when it includes it.
        verbs = [dict(_TITLE_VARIANT)[f"{v} "] for v in re.findall(_VERB, listed.group(1))]
        variant = "cấp mới" if "cấp mới" in verbs else verbs[0]
        text = text[len(_plain(listed.group(1))):].strip()
    else:
        for prefix, name in _TITLE_VARIANT:
            if text.startswith(prefix):
                variant, text = name, text[len(prefix):]
                break
        else:
            variant = ""  # "Đăng ký khai sinh": no issue verb, so not a cấp/cấp lại/đổi variant
    core = re.sub(r"[()]", " ", text)
    return Facets(" ".join(core.split()), level or record_level, variant, foreign, level is not None,
                  frozenset(verbs or [variant]), channel, place)


# How the citizen means to file: wholly online, or at the office ("nộp trực tiếp", "lên công an").
_ASKED_ONLINE = re.compile(r"\b(?:online|truc tuyen|qua mang|tren mang|toan trinh|vneid|dich vu cong)\b")
_ASKED_OFFICE = re.compile(r"\b(?:truc tiep|mot phan|(?:len|ra|den|toi) (?:cong an|tru so|bo phan mot cua))\b")


# Where the citizen is: abroad ("đang ở nước ngoài", "tôi sống ở Hàn Quốc"), or at home. "người
# nước ngoài" is who, not where; "ở Mỹ Tho", "ở Đức Phổ", "ở Nga Sơn" are here.
_ASKED_ABROAD = re.compile(rf"\b(?:o|tai|sang|dinh cu|sinh song|cu tru) (?:nuoc ngoai|{_COUNTRIES})\b"
                           r"|\b(?:dai su quan|lanh su quan)\b")
_ASKED_AT_HOME = re.compile(r"\b(?:o|tai) (?:trong nuoc|viet nam)\b|\btrong nuoc\b")


_ASKED: tuple[tuple[Facet, Sequence[tuple[re.Pattern[str], str]]], ...] = (
    ("level", _ASKED_LEVEL), ("variant", _ASKED_VARIANT),
    ("foreign", [(_ASKED_NO_FOREIGN, "không"), (_ASKED_FOREIGN, "có")]),   # "không có yếu tố nước ngoài" first
    ("channel", [(_ASKED_OFFICE, "một phần"), (_ASKED_ONLINE, "toàn trình")]),
    ("place", [(_ASKED_ABROAD, "nước ngoài"), (_ASKED_AT_HOME, "trong nước")]),
)


def asked(question: str) -> dict[Facet, str]:
    """The level, variant, foreign element, channel and place the citizen already named ("cấp lại
    gplx ở xã", "làm online", "tôi đang ở nước ngoài")."""
    text = f" {_question_text(question)} "
    said: dict[Facet, str] = {}
    for facet, patterns in _ASKED:   # per facet, the first pattern found wins
        for pattern, value in patterns:
            if pattern.search(text):
                said[facet] = value
                break
    return said


def wanted_variants(question: str) -> tuple[str, ...]:
    """The variants that do what the question asks, best first: for a damaged or miswritten paper
    the exchange, then the reissue (a procedure with no exchange reissues it); else the one named."""
    wanted = asked(question).get("variant")
    if wanted is None:
        return ()
    if wanted == "cấp đổi" and (damaged(question) or miswritten(question)):
        return ("cấp đổi", "cấp lại")
    return (wanted,)


def lost(question: str) -> bool:
    """The question says a paper is lost: "bị mất thẻ", "mất cavet xe máy"."""
    return bool(_LOSS.search(f" {_question_text(question)} "))


def miswritten(question: str) -> bool:
    """The question says a paper's details are wrong: "thẻ căn cước bị sai ngày sinh", "ghi sai tên"."""
    return bool(_MISWRITTEN.search(f" {_question_text(question)} "))


def damaged(question: str) -> bool:
    """The question says a paper is damaged: "thẻ bị rách", "bằng lái bị nhòe", "cccd bi hong"."""
    return bool(_DAMAGED.search(f" {_question_text(question)} "))


# Civil-status papers are kept in a register (Luật Hộ tịch 2014): a lost or damaged one is replaced
# by a copy of its extract ("Cấp bản sao trích lục hộ tịch"); the birth, marriage or death is
# registered again only when the register is gone too ("Đăng ký lại khai sinh").
_REGISTERED_PAPER = re.compile(r"\b(?:khai sinh|ket hon|khai tu|chung tu|giay ks|trich luc)\b")
_REGISTER_GONE = re.compile(r"\bso (?:goc|ho tich|luu)\b|\bluu so\b|\b(?:khong|k|ko) con (?:luu|so)\b")
COPY_OF_REGISTER = re.compile(r"\bbản sao trích lục\b")


def wants_register_copy(question: str) -> bool:
    """A lost or damaged civil-status paper whose register is not said to be gone: "mất giấy khai
    sinh", "giấy đăng ký kết hôn bị rách" (not "… sổ hộ tịch ở xã cũng không còn")."""
    text = f" {_question_text(question)} "
    return ((lost(question) or damaged(question)) and bool(_REGISTERED_PAPER.search(text))
            and not _REGISTER_GONE.search(text))


# A civil-status entry with wrong or changed details is changed or corrected in the register
# (Luật Hộ tịch 2014, Điều 7 and 26–28: thay đổi, cải chính, bổ sung hộ tịch), not registered anew.
_PERSONAL_DETAIL = (r"(?:ho ten|ten|ho(?! (?:chieu|khau|so|tich|ngheo|gia dinh))|ten dem|ngay sinh|nam sinh"
                    r"|ngay thang nam sinh|que quan|dan toc|gioi tinh|quoc tich)")
_DETAIL_CHANGED = re.compile(rf"\b(?:doi|thay doi|sua|sua lai|chinh sua|cai chinh|bo sung|dieu chinh|ghi them)"
                             rf"(?: lai)? (?:(?:lai|thong tin|phan) )?{_PERSONAL_DETAIL}\b|\bcai chinh\b"
                             # "ngày sinh trong giấy khai sinh khác với học bạ": two papers disagree.
                             rf"|\b{_PERSONAL_DETAIL}(?: \w+){{0,8}} (?:khac voi|khac nhau|khong khop|khong trung)\b")
CIVIL_STATUS_CHANGE = re.compile(r"\bcải chính\b")


def wants_civil_status_change(question: str) -> bool:
    """A civil-status paper whose details are wrong or to be changed: "đổi tên trong giấy khai
    sinh", "giấy khai sinh bị sai tên", "bổ sung tên cha vào giấy khai sinh"."""
    text = f" {_question_text(question)} "
    return bool(_REGISTERED_PAPER.search(text)) and (miswritten(question) or bool(_DETAIL_CHANGED.search(text)))


# A tax registration's details wrong or changed ("mã số thuế bị sai tên", "cập nhật căn cước cho mã
# số thuế", "đổi địa chỉ trên mã số thuế") are a change of its information (Thông tư 86/2024/TT-BTC,
# Điều 10), not a first registration nor a reinstated number.
_TAX_REGISTRATION = re.compile(r"\b(?:ma so thue|mst|dang ky thue)\b")
_DETAILS_UPDATED = re.compile(r"\b(?:cap nhat|thay doi|sua|chinh sua|dieu chinh|doi)(?: \w+){0,2}"
                              r" (?:thong tin|so (?:cccd|can cuoc|cmnd)|can cuoc|cccd|cmnd|dia chi)\b")
# Still carrying the old ID card's number ("mã số thuế vẫn ghi số chứng minh nhân dân cũ").
_OLD_ID = re.compile(r"\b(?:(?:cmnd|cmt|chung minh (?:nhan dan|thu))(?: \w+){0,2} cu"
                     r"|van (?:ghi|la|dung|mang|con)(?: \w+){0,2} (?:cmnd|cmt|chung minh))\b")
TAX_DETAILS_CHANGE = re.compile(r"^đăng ký thay đổi thông tin đăng ký thuế\b")


def wants_tax_details_change(question: str) -> bool:
    """A tax registration's details wrong or to be changed: "mst bị sai ngày sinh", "sửa thông tin
    mã số thuế cá nhân"."""
    text = f" {_question_text(question)} "
    # Read unmarked: "số", "cập" are no pattern's "sổ", "cấp" here.
    plain = f" {' '.join(syllables(question))} "
    return bool(_TAX_REGISTRATION.search(plain)) and (
        miswritten(question) or bool(_DETAIL_CHANGED.search(text) or _DETAILS_UPDATED.search(plain)
                                     or _OLD_ID.search(plain)))


# Titles are written with their marks, so "hỏng" here is never "hồng" or "không".
_LOSS_IN_TITLE = re.compile(r"\bmất\b")
_DAMAGE_IN_TITLE = re.compile(r"\b(?:hỏng|rách)\b")
# Where a reissue's title starts to say its case: "… trong trường hợp bị thu hồi …", "… (do … bị mất)".
_CASE_IN_CORE = re.compile(r" (?:trong truong hop|truong hop|do|khi|vi|neu) ")


def names_reported_case(question: str, title: str) -> bool | None:
    """Whether ``title`` names the loss or the damage the question reports ("Cấp lại chứng chỉ …
    trong trường hợp chứng chỉ bị mất hoặc bị hư hỏng" for "tôi làm mất chứng chỉ"); None when
    the question reports neither."""
    if lost(question):
        return bool(_LOSS_IN_TITLE.search(title.lower()))
    if damaged(question):
        return bool(_DAMAGE_IN_TITLE.search(title.lower()))
    return None


def case_free_subject(title: str) -> str:
    """What the title acts on, before the case it names: "chung chi hanh nghe quan tai vien" for
    "Cấp lại chứng chỉ hành nghề Quản tài viên trong trường hợp bị thu hồi …"."""
    return _CASE_IN_CORE.split(f" {facets(title).core} ", 1)[0].strip()


def same_case_free_subject(title: str, other: str) -> bool:
    """The two titles are the same act on the same subject, whatever case each names: "Cấp lại
    chứng chỉ hành nghề Quản tài viên trong trường hợp bị thu hồi …" / "… chứng chỉ bị mất …"."""
    return facets(title).variant == facets(other).variant and case_free_subject(title) == case_free_subject(other)


def _fitted(question: str, said: dict[Facet, str], served: set[str]) -> dict[Facet, str]:
    """``said`` with the variant the candidates can give: a damaged paper's reissue where none of
    them is an exchange."""
    wanted = next((v for v in wanted_variants(question) if v in served), None)
    return {**said, "variant": wanted} if wanted else said


# Acts that make another procedure of the same subject ("giải thể công ty" is not "thành lập công
# ty"), and a title's own words for which issue it is ("… lần đầu" is not a reissue).
_ACTS = ("thanh lap", "giai the", "cham dut", "tam ngung", "thu hoi", "huy bo", "sap nhap", "hop nhat",
         "chuyen doi", "xay dung moi", "sua chua")   # building anew is not repairing
_TITLE_ISSUE = [("lan dau", "cấp mới"), ("cap moi", "cấp mới"), ("cap lai", "cấp lại"), ("cap doi", "cấp đổi"),
                ("gia han", "gia hạn"), ("dieu chinh", "điều chỉnh")]


# Kinds of one paper that are different procedures: a diplomatic or official passport is Bộ Ngoại
# giao's, not the ordinary one ("cấp hộ chiếu công vụ" was answered, sure of it, with "Cấp hộ chiếu
# phổ thông").
# A security is registered by what secures it (Nghị định 99/2022/NĐ-CP): a car under mortgage is
# movable property, not a ship ("xóa đăng ký thế chấp ô tô" got "… bằng tàu biển", the shorter title).
_KINDS = (("ho chieu pho thong", "ho chieu cong vu", "ho chieu ngoai giao"),
          ("bang tau bay", "bang tau bien", "bang dong san", "bang quyen su dung dat"))


# Ways of transport, which split one kind of paper into procedures ("Cấp Giấy phép vận chuyển hàng
# hóa nguy hiểm bằng phương tiện thủy nội địa" is not the road one, asked "bằng ô tô").
_MODES = {
    "road": re.compile(r" (?:duong bo|o ?to|xe tai|xe khach|xe co gioi) "),
    "inland water": re.compile(r" (?:thuy noi dia|duong thuy) "),
    "rail": re.compile(r" (?:duong sat|tau hoa) "),
    "sea": re.compile(r" (?:hang hai|tau bien|duong bien) "),
    "air": re.compile(r" (?:hang khong|tau bay|may bay) "),
}


def _modes(text: str) -> set[str]:
    return {mode for mode, words in _MODES.items() if words.search(text)}


def other_mode(question: str, title: str) -> bool:
    """The question names one way of transport and the title another, and only that one."""
    asked, named = _modes(f" {_plain(question)} "), _modes(f" {_plain(title)} ")
    return len(asked) == 1 and len(named) == 1 and asked != named


def _named_kind(text: str, kinds: tuple[str, ...]) -> str | None:
    return next((kind for kind in kinds if f" {kind} " in text), None)


def does_asked_act(question: str, title: str, readings: str = "") -> bool:
    """The title names an act the question names ("giải thể công ty tnhh": "Giải thể doanh
    nghiệp, …"), or the dictionary's ``readings`` of it do ("đóng cửa công ty": giải thể)."""
    text, name = f" {_plain(question)} {_plain(readings)} ", f" {_plain(title)} "
    return any(f" {act} " in text and f" {act} " in name for act in _ACTS) or (
        _unlocking(text) and bool(_UNLOCKS.match(name)))


def names_asked_kind(question: str, title: str, readings: str = "") -> bool:
    """The title names the kind the question, or the dictionary's ``readings`` of it, names
    ("thế chấp ô tô" is "… bằng động sản")."""
    text, name = f" {_plain(question)} {_plain(readings)} ", f" {_plain(title)} "
    return any((kind := _named_kind(text, kinds)) is not None and kind == _named_kind(name, kinds)
               for kinds in _KINDS)


# Titles that lock or unlock an account or an electronic ID ("Mở khóa đào tạo …" opens a course).
_LOCKS = re.compile(r" (?:thu tuc )?khoa (?:tai khoan|can cuoc)")
_UNLOCKS = re.compile(r" (?:thu tuc )?(?:mo khoa|kich hoat) (?:tai khoan|can cuoc)")
# Asking to lock: "khóa" that no "mở" opens and that did not happen already ("bị khóa").
_LOCKING = re.compile(r"(?<! mo)(?<! bi)(?<! da) khoa ")
_LOCKING_ACCOUNT = re.compile(r"(?<! mo)(?<! bi)(?<! da) khoa (?:tai khoan|can cuoc|vneid|dinh danh)")
_GRANTING = re.compile(r" (?:thu tuc )?(?:cap|dang ky) ")


def _unlocking(text: str) -> bool:
    return " mo khoa " in text or " kich hoat " in text


# What a title leaves out: "… theo Điều ước quốc tế không phải là Hiệp định tránh đánh thuế hai
# lần", "… cho xe cơ giới (trừ xe mô tô, xe gắn máy)". "Trừ" leaves out only in brackets: "miễn trừ
# ngoại giao", "khấu trừ", "cư trú" say another thing.
_EXCLUDES = re.compile(r"(?:\bkhông phải là|\bkhông phải|\(trừ|\bkhông bao gồm|\bkhông thuộc)\s+([^,;()/.]+)",
                       re.IGNORECASE)
# Said after a negation itself ("dự án không thuộc diện …") or asked as a yes or no ("có phải đánh
# giá rủi ro không"), the left-out part agrees with the title.
_NEGATED_BEFORE = re.compile(r" (?:khong|tru|chua|ngoai)(?: phai)?(?: la| thuoc| bao gom)? $")
_ASKED_WHETHER = re.compile(r"^(?: \w+){0,3} (?:khong|chua) ")
_EXCLUDED_SYLLABLES = (2, 10)   # a left-out part is said whole, and is short enough to be said


def says_excluded(question: str, title: str) -> bool:
    """The question names what the title leaves out: another procedure answers it."""
    text = f" {_plain(question).replace('(', ' ').replace(')', ' ')} "
    for match in _EXCLUDES.finditer(title):
        words = _plain(match.group(1)).split()
        if not _EXCLUDED_SYLLABLES[0] <= len(words) <= _EXCLUDED_SYLLABLES[1]:
            continue
        phrase = f" {' '.join(words)} "
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase) - 1
            if not _NEGATED_BEFORE.search(text[:start + 1]) and not _ASKED_WHETHER.match(text[end:]):
                return True
            start = text.find(phrase, start + 1)
    return False


def contradicts(question: str, title: str, readings: str = "") -> bool:
    """The question names another act or another issue than the title does (the citizen asks to
    dissolve, the record founds; asks a reissue, the record is "… lần đầu"): the record, however
    close its words, answers another procedure. Acts count in the dictionary's ``readings`` of the
    question too ("sửa lại mái nhà" is "sửa chữa"); issues only in its own words."""
    text, name = f" {_plain(question)} {_plain(readings)} ", f" {_plain(title)} "
    # Reporting a lost paper answers a loss, not a request for the paper ("cấp giấy thông hành").
    if name.startswith(" trinh bao mat ") and not lost(question):
        return True
    # Locking an account or an electronic ID is the opposite of unlocking it.
    if _LOCKS.match(name) or _UNLOCKS.match(name):
        unlocking = _unlocking(text)
        if bool(_UNLOCKS.match(name)) != unlocking and (unlocking or _LOCKING.search(text)):
            return True
    elif _LOCKING_ACCOUNT.search(text) and _GRANTING.match(name):
        return True   # "khóa tài khoản định danh điện tử" is no account granted
    if says_excluded(question, title) or other_mode(question, title):
        return True
    asked_acts = {act for act in _ACTS if f" {act} " in text}
    title_acts = {act for act in _ACTS if f" {act} " in name}
    if asked_acts and title_acts and not asked_acts & title_acts:
        return True
    for kinds in _KINDS:
        asked_kind, title_kind = _named_kind(text, kinds), _named_kind(name, kinds)
        if asked_kind and title_kind and asked_kind != title_kind:
            return True
    wanted = set(wanted_variants(question))
    issues = {issue for words, issue in _TITLE_ISSUE if f" {words} " in name}
    return bool(wanted and issues and not wanted & issues)


@dataclass(frozen=True)
class Clarification:
    """One question: which value of ``facets`` (usually one) — each option answers with one item."""

    facets: tuple[Facet, ...]
    options: tuple[tuple[tuple[str, ...], str], ...]  # (values of the facets, item id)
    subject: str  # the title of the best candidate, for the question's first words


def siblings(candidates: Sequence[Candidate]) -> list[tuple[Candidate, Facets]]:
    """The first candidate and every other one with the same core title, in rank order."""
    if not candidates:
        return []
    split = [(c, facets(c.title, c.level)) for c in candidates]
    core = split[0][1].core
    return [(c, f) for c, f in split if f.core == core]


def resolve(question: str, candidates: Sequence[Candidate],
            max_options: int = 4) -> str | Clarification | None:
    """Decide among near-identical candidates (procedures, best first).

    Returns the id to answer when the question already picks one variant, a ``Clarification`` when
    one must be asked (at most ``max_options`` options: one row of buttons), and None when the first
    candidate has no near-identical sibling (the caller keeps its usual behaviour).
    """
    group = siblings(candidates)
    if len(group) < 2:
        return None
    varying = _varying(group)
    if not varying:  # same title twice (two codes): nothing to ask, the best one answers
        return group[0][0].id
    said = _fitted(question, asked(question), {v for _, fs in group for v in fs.serves})
    group = [(c, _as_said(fs, said)) for c, fs in group]
    narrowed = [(c, fs) for c, fs in group
                if all(fs.value(f) == said[f] for f in varying if f in said)]
    if len(narrowed) == 1:
        return narrowed[0][0].id
    if len(narrowed) >= 2:
        group = narrowed
        varying = _varying(group)
        if not varying:   # one procedure published twice: the centre's own record, else the best
            return next((c.id for c, _ in group if c.own), group[0][0].id)
    options = _options(group, varying)
    if len(options) > max_options and len(varying) > 1 and "channel" in varying:
        # The card says how each is filed: what to do comes first.
        varying.remove("channel")
        options = _options(group, varying)
    if len(options) > max_options and len(varying) > 1 and "level" in varying:
        # More pairs than one row of buttons holds, and a cut list hides the one the citizen needs.
        # What to do (cấp mới, cấp lại…) the citizen knows; the best-ranked record of each answers,
        # and its card says where it is filed.
        varying.remove("level")
        options = _options(group, varying)
    ordered = sorted(options.items(), key=lambda item: _order(varying, item[0]))
    # Named by a title for one variant: "Cấp lại thẻ căn cước", not "Cấp, đổi, cấp lại thẻ căn cước".
    subject = next((c.title for c, fs in group if len(fs.serves) == 1), candidates[0].title)
    return Clarification(tuple(varying), tuple(ordered), subject)


def _as_said(fs: Facets, said: dict[Facet, str]) -> Facets:
    """A title for several variants ("Cấp, đổi, cấp lại …") is the one asked, when it serves it."""
    wanted = said.get("variant")
    return replace(fs, variant=wanted) if wanted and wanted != fs.variant and wanted in fs.serves else fs


def _options(group: Sequence[tuple[Candidate, Facets]], varying: Sequence[Facet]) -> dict[tuple[str, ...], str]:
    """For each combination of the ``varying`` facets' values, the centre's own record if one
    has it, else the best-ranked candidate."""
    options: dict[tuple[str, ...], str] = {}
    for candidate, fs in sorted(group, key=lambda item: not item[0].own):   # stable: rank within each
        options.setdefault(tuple(fs.value(f) or "" for f in varying), candidate.id)
    return options


def rank_siblings(question: str, candidates: Sequence[Candidate]) -> list[str]:
    """The ids of the first candidate's near-identical siblings, best first for ``question``: the
    ones matching every level, variant and foreign element the question names, then — when it
    names no variant — the plain procedure before its cấp lại / cấp đổi / gia hạn / điều chỉnh
    forms; ties keep the search order. Empty when the first candidate has no sibling."""
    group = siblings(candidates)
    if len(group) < 2:
        return []
    said = _fitted(question, asked(question), {v for _, fs in group for v in fs.serves})

    def key(item: tuple[int, tuple[Candidate, Facets]]) -> tuple[int, int, int, int]:
        rank, (_, fs) = item
        fs = _as_said(fs, said)
        mismatches = sum(1 for facet, value in said.items() if fs.value(facet) not in (None, value))
        plain_first = 0 if "variant" in said or fs.variant in ("", "cấp mới") else 1
        # A centre serves people in the country: "người nước ngoài muốn nhập quốc tịch" is filed
        # "ở trong nước" unless the question says the applicant is abroad.
        abroad = 1 if "place" not in said and fs.place == "nước ngoài" else 0
        return mismatches, plain_first, abroad, rank

    return [c.id for _, (c, _) in sorted(enumerate(group), key=key)]


def _varying(group: Sequence[tuple[Candidate, Facets]]) -> list[Facet]:
    """Facets with at least two known values. An unknown level (a record published for several
    levels, or for none) differs from nothing: "Cấp lại giấy phép lái xe" for cấp bộ and cấp tỉnh
    next to the same title for cấp tỉnh is one procedure, not a choice. A level known only from
    the records (no title names it) is asked only when nothing else differs: "giấy phép lái xe" is
    a question of cấp mới / cấp lại / đổi, whoever published each."""
    varying = [f for f in FACETS if len({fs.value(f) for _, fs in group} - {None}) > 1]
    if "level" in varying and len(varying) > 1 and not any(fs.level_in_title for _, fs in group):
        varying.remove("level")
    return varying


def _order(varying: Sequence[Facet], values: tuple[str, ...]) -> tuple[int, ...]:
    orders = {"level": LEVELS, "variant": ("", *VARIANTS), "foreign": FOREIGN, "channel": CHANNELS,
              "place": PLACES}
    return tuple(orders[f].index(v) if v in orders[f] else 99 for f, v in zip(varying, values, strict=True))
