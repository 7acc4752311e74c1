"""Pure validators for the submission form: each cleans a citizen's answer or raises ``Invalid``
with a polite Vietnamese reason (wording in ``actions.submission_texts``). No Rasa here."""

from __future__ import annotations

import datetime as dt
import re

from actions import submission_texts as t
from bot.core.vntime import vn_date
from knowledge_base.normalise import strip_diacritics
from knowledge_base.schema import FormField

# Province codes of the căn cước / personal identification number (Thông tư 59/2021/TT-BCA,
# Phụ lục I): the 63 provinces as coded when the card was issued; cards keep them after mergers.
PROVINCE_CODES: frozenset[str] = frozenset({
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
    "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
    "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
    "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
    "089", "091", "092", "093", "094", "095", "096",
})
# 4th digit: gender and century of birth (0/1 = 20th century male/female, 2/3 = 21st, 4/5 = 22nd,
# 6/7 = 23rd, 8/9 = 19th).
CENTURY_START = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}

# Mobile network prefixes in use (after the 2018 renumbering): 03x, 05x, 07x, 08x, 09x.
MOBILE_PREFIX = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)")
APPLICANT_MIN_AGE = 14
APPLICANT_MAX_AGE = 120
OLDEST_YEAR = 1900
MAX_NUMBER = 1000

SKIP_WORDS = frozenset({"bo qua", "khong co", "ko co", "k co", "khong", "ko", "skip", "bo qua buoc nay",
                        "khong co email", "ko co email", "khong dung email", "de trong"})
NAME_PREFIXES = re.compile(
    r"^\s*(?:(?:ho\s+(?:va\s+)?ten|ten)(?:\s+(?:cua\s+)?(?:toi|minh|em|be|con|nguoi\s+dang\s+ky|me|cha|chong|vo))?"
    r"(?:\s+la)?|(?:toi|minh|em)\s+ten(?:\s+la)?|(?:toi|minh|em)\s+la|(?:be|con\s+toi|con)\s+ten(?:\s+la)?)"
    r"\s*[:\-]?\s*", re.IGNORECASE)
ADDRESS_PREFIX = re.compile(r"^\s*(?:dia\s+chi(?:\s+(?:cua\s+)?(?:toi|minh|em))?(?:\s+la)?|(?:toi|minh|em)\s+o)"
                            r"\s*[:\-]?\s*", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
DIGIT_RUN = re.compile(r"\+?\d(?:[\d .\-]*\d)?")
NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
WORDED_DATE = re.compile(r"(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")


class Invalid(ValueError):
    """The answer cannot be used; ``str(error)`` is what the citizen reads."""


def fold(text: str) -> str:
    """Lower-case, diacritic-free, single-spaced: for comparing what citizens type."""
    return " ".join(strip_diacritics(text).lower().replace("“", " ").replace("”", " ").split())


def is_skip(text: str) -> bool:
    """The citizen declines an optional question ("bỏ qua", "không có")."""
    return fold(text).strip(" .!") in SKIP_WORDS


def _strip_prefix(pattern: re.Pattern[str], text: str) -> str:
    """Drop a lead-in such as "tên tôi là" (matched on the diacritic-free text, same length)."""
    folded = strip_diacritics(text)
    match = pattern.match(folded)
    return text[match.end():] if match and len(folded) == len(text) else text


def normalise_name(text: str) -> str:
    """A person's full name: letters and spaces, 2–6 words, each word capitalised."""
    name = _strip_prefix(NAME_PREFIXES, text.strip()).strip(" .,:;")
    if not name:
        raise Invalid(t.NAME_EMPTY)
    words = name.split()
    if any(not word.isalpha() for word in words):
        raise Invalid(t.NAME_CHARACTERS)
    if not 2 <= len(words) <= 6:
        raise Invalid(t.NAME_WORDS)
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def _digit_runs(text: str) -> list[str]:
    return [re.sub(r"[^\d+]", "", run) for run in DIGIT_RUN.findall(text)]


def check_cccd(text: str, birth_date: dt.date | None = None, today: dt.date | None = None) -> str:
    """A 12-digit căn cước number: known province code, possible century digit, and when the birth
    date is known, the century and the year digits (5th–6th) must match it."""
    runs = [r.lstrip("+") for r in _digit_runs(text)]
    if not runs:
        raise Invalid(t.CCCD_MISSING)
    number = next((r for r in runs if len(r) == 12), runs[0])
    if len(number) != 12:
        raise Invalid(t.CCCD_LENGTH.format(count=len(number)))
    if number[:3] not in PROVINCE_CODES:
        raise Invalid(t.CCCD_PROVINCE.format(code=number[:3]))
    start = CENTURY_START[int(number[3])]
    if start > (today or dt.date.today()).year:
        raise Invalid(t.CCCD_CENTURY.format(digit=number[3], start=start))
    if birth_date is not None:
        check_cccd_matches_birth(number, birth_date)
    return number


def check_cccd_matches_birth(cccd: str, birth_date: dt.date) -> None:
    """Raise when the căn cước's century digit or year digits contradict the birth date."""
    year = CENTURY_START[int(cccd[3])] + int(cccd[4:6])
    if year != birth_date.year:
        raise Invalid(t.CCCD_BIRTH_MISMATCH.format(masked=mask_cccd(cccd), birth=format_date(birth_date)))


def mask_cccd(cccd: str) -> str:
    """Only the last 4 digits shown: ``********4567``."""
    return "*" * max(len(cccd) - 4, 0) + cccd[-4:]


def format_date(value: dt.date) -> str:
    return vn_date(value)


def parse_date(text: str) -> dt.date:
    """dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or "ngày 5 tháng 7 năm 2023"."""
    folded = fold(text)
    match = NUMERIC_DATE.search(folded) or WORDED_DATE.search(folded)
    if not match:
        raise Invalid(t.DATE_FORMAT)
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Invalid(t.DATE_INVALID.format(text=f"{day:02d}/{month:02d}/{year}")) from None


def check_date(text: str, allow_future: bool = False, today: dt.date | None = None) -> dt.date:
    """A calendar date, not before 1900 and, unless allowed, not after today."""
    today = today or dt.date.today()
    value = parse_date(text)
    if value.year < OLDEST_YEAR or value.year > today.year + 50:
        raise Invalid(t.DATE_TOO_OLD.format(year=value.year))
    if not allow_future and value > today:
        raise Invalid(t.DATE_FUTURE.format(text=format_date(value)))
    return value


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def check_birth_date(text: str, today: dt.date | None = None, min_age: int = APPLICANT_MIN_AGE,
                     max_age: int = APPLICANT_MAX_AGE) -> dt.date:
    """The applicant's date of birth: a real past date giving an age of 14–120."""
    today = today or dt.date.today()
    value = parse_date(text)
    if value > today:
        raise Invalid(t.DATE_FUTURE.format(text=format_date(value)))
    age = age_on(value, today)
    if age < min_age:
        raise Invalid(t.AGE_TOO_YOUNG.format(age=min_age))
    if age > max_age:
        raise Invalid(t.AGE_TOO_OLD.format(age=max_age))
    return value


def check_phone(text: str) -> str:
    """A Vietnamese mobile number, returned as 10 digits starting with 0."""
    runs = [r for r in _digit_runs(text) if len(r.lstrip("+")) >= 9]
    if len(runs) != 1:
        raise Invalid(t.PHONE_FORMAT)
    number = runs[0]
    if number.startswith("+84"):
        number = "0" + number[3:]
    elif number.startswith("84") and len(number) == 11:
        number = "0" + number[2:]
    if len(number) == 11 and number.startswith("02"):
        raise Invalid(t.PHONE_LANDLINE)
    if "+" in number or len(number) != 10 or not number.startswith("0"):
        raise Invalid(t.PHONE_FORMAT)
    if not MOBILE_PREFIX.match(number):
        raise Invalid(t.PHONE_PREFIX.format(prefix=number[:3]))
    return number


def check_email(text: str, required: bool = False) -> str:
    """An email address in lower case, or "" when the citizen skips it (if allowed)."""
    if is_skip(text):
        if required:
            raise Invalid(t.REQUIRED)
        return ""
    match = EMAIL.search(text.strip())
    if not match:
        raise Invalid(t.EMAIL_FORMAT)
    return match.group(0).lower()


def check_address(text: str) -> str:
    """A postal address of at least 10 characters, lead-in ("địa chỉ:") removed."""
    address = " ".join(_strip_prefix(ADDRESS_PREFIX, text.strip()).split()).strip(" .,:;")
    if len(address) < 10:
        raise Invalid(t.ADDRESS_SHORT)
    return address


def check_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid(t.TEXT_EMPTY)
    return cleaned


def check_number(text: str, maximum: int = MAX_NUMBER) -> str:
    """A positive whole number ("2", "2 bản", "03")."""
    match = re.search(r"\d+", text)
    if not match or re.search(r"-\s*\d|\d[.,]\d", text):
        raise Invalid(t.NUMBER_FORMAT)
    value = int(match.group(0))
    if not 1 <= value <= maximum:
        raise Invalid(t.NUMBER_RANGE.format(value=value, maximum=maximum))
    return str(value)


def check_choice(text: str, choices: list[str]) -> str:
    """One of ``choices``: exact (ignoring accents and case), its number, or a unique partial match."""
    answer = fold(text).strip(" .")
    folded = [fold(c) for c in choices]
    if answer in folded:
        return choices[folded.index(answer)]
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1]
    partial = [c for c, f in zip(choices, folded, strict=True) if answer and (answer in f or f in answer)]
    if len(partial) == 1:
        return partial[0]
    raise Invalid(t.CHOICE_UNKNOWN)


def is_person_name(field: FormField) -> bool:
    """A text field asking for a person's full name (checked like the applicant's)."""
    return field.name.endswith("full_name") or fold(field.label).startswith(("ho ten", "ho, chu dem va ten"))


# The other person of a certificate who can never be the one filing it: a newborn or a child, the
# deceased, the other party of a marriage, a foreign worker the applicant hires. Read from the
# field's name, and from its label for catalogs that name fields otherwise.
NOT_APPLICANT_ROLES = ("child_", "deceased_", "partner_", "intended_spouse", "worker_")
# "tên của trẻ" is the child; "tên mẹ của trẻ", "người giám hộ của trẻ" may well be the applicant.
NOT_APPLICANT_LABEL = re.compile(r"\b(?:ten (?:cua )?tre|nguoi da mat|ben kia|nguoi du dinh ket hon|nguoi lao dong)\b")


def may_be_applicant(field: FormField) -> bool:
    """A person's name that may be the applicant's own ("Là tôi" is offered and understood)."""
    return (is_person_name(field) and not field.name.startswith(NOT_APPLICANT_ROLES)
            and not NOT_APPLICANT_LABEL.search(fold(field.label)))


def check_field(field: FormField, text: str, today: dt.date | None = None) -> str:
    """A procedure's own field, by its type; "" when an optional field is skipped."""
    if is_skip(text):
        if field.required:
            raise Invalid(t.REQUIRED)
        return ""
    if field.type == "date":
        allow_future = not any(w in field.name for w in ("birth", "death", "loss"))
        return format_date(check_date(text, allow_future=allow_future, today=today))
    if field.type == "cccd":
        return check_cccd(text, today=today)
    if field.type == "phone":
        return check_phone(text)
    if field.type == "email":
        return check_email(text, required=field.required)
    if field.type == "choice":
        return check_choice(text, field.choices)
    if field.type == "number":
        return check_number(text)
    if is_person_name(field):
        return normalise_name(text)
    return check_text(text)


# --- what the citizen gave already -------------------------------------------------------------

SAMEADDRESS_WORDS = frozenset({"giong dia chi tren", "giong dia chi o tren", "nhu tren", "giong tren",
                                "dia chi tren", "nhu dia chi tren", "nhu dia chi lien he", "giong dia chi lien he"})
ME_WORDS = frozenset({"la toi", "toi", "chinh toi", "la minh", "minh", "chinh minh", "ban than toi",
                      "cho toi", "cua toi", "la em", "chinh em", "ban than"})
ADDRESS_LABEL = re.compile(r"\b(?:dia chi|noi thuong tru|noi tam tru|noi o|cho o)\b")


def is_same_address(text: str) -> bool:
    """"Giống địa chỉ trên": the address given as the applicant's."""
    return fold(text).strip(" .!") in SAMEADDRESS_WORDS


def is_me(text: str) -> bool:
    """"Là tôi": the person a certificate is about is the applicant."""
    return fold(text).strip(" .!") in ME_WORDS


def is_address_field(field: FormField) -> bool:
    """A procedure's own text field asking for an address (where the card goes, the new residence…)."""
    return field.type == "text" and bool(ADDRESS_LABEL.search(fold(field.label)))


def strip_email(text: str) -> str:
    """The text without an e-mail address in it (an address given "kèm email")."""
    return " ".join(EMAIL.sub(" ", text).split()).strip(" ,;")


# --- several details in one message --------------------------------------------------------------

_DETAIL_LABELS = re.compile(
    r"\b(?:so\s+)?(?:can\s+cuoc(?:\s+cong\s+dan)?|cccd|cmnd|dinh\s+danh|sdt|sđt|so\s+dien\s+thoai|"
    r"dien\s+thoai|dt|so\s+dt|ngay\s+sinh|sinh\s+ngay|sinh\s+nam|email|e-mail|mail|ho\s+(?:va\s+)?ten)\b"
    r"\s*(?:la|:)?\s*", re.IGNORECASE)
ADDRESS_WORDS = re.compile(r"\b(?:so|duong|pho|ngo|ngach|hem|kiet|phuong|xa|thon|xom|to|ap|khu|khom|"
                            r"quan|huyen|thi xa|tinh|tp|thanh pho|thi tran)\b")
_PHONE_RUN = re.compile(r"^(?:\+84|84|0)[35789]\d{8}$")
# A landline (02x and 8 digits) is read as the phone too, so that its question says why it is
# refused instead of the number silently disappearing from the message.
_LANDLINE_RUN = re.compile(r"^(?:\+84|0)2\d{9}$")


def _is_phone_run(digits: str) -> bool:
    return bool(_PHONE_RUN.match(digits) or _LANDLINE_RUN.match(digits))


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " , " + text[end:]
    return text


def extract_details(text: str) -> dict[str, str]:
    """The applicant's details found in one message ("Nguyễn Văn An, 012345678901, 05/07/1990,
    0912345678"): raw pieces keyed by slot, each still to be checked by its validator. A name is
    read only from what is left once numbers, dates and e-mail are taken out; an address only when
    what is left after the name has address words (số, đường, phường, xã…)."""
    if text.startswith("/"):
        return {}
    found: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    email = EMAIL.search(text)
    if email:
        found["email"] = email.group(0)
        spans.append(email.span())
    folded = strip_diacritics(text)
    same_length = len(folded) == len(text)
    source = folded.lower() if same_length else text.lower()
    for pattern in (NUMERIC_DATE, WORDED_DATE):
        date = pattern.search(source)
        if date and not any(s <= date.start() < e for s, e in spans):
            found["birth_date"] = text[date.start():date.end()]
            spans.append(date.span())
            break
    blanked = text
    for start, end in spans:
        blanked = blanked[:start] + "," * (end - start) + blanked[end:]
    for run in DIGIT_RUN.finditer(blanked):
        for piece, span in _numbers(run.group(0), run.start()):
            if len(piece) == 12 and piece.isdigit() and "cccd" not in found:
                found["cccd"] = piece
                spans.append(span)
            elif _is_phone_run(piece) and "phone" not in found:
                found["phone"] = piece
                spans.append(span)
    if not found:
        return {}
    rest = _cut(text, spans)
    pieces = []
    for piece in re.split(r"[,;\n]+", rest):
        cleaned = piece
        if same_length and len(strip_diacritics(piece)) == len(piece):
            label_free = _DETAIL_LABELS.sub(" ", strip_diacritics(piece))
            if label_free != strip_diacritics(piece):
                # drop the labels ("sđt", "ngày sinh") from the piece itself, position by position
                kept = [ch for ch, f in zip(piece, _mask_labels(strip_diacritics(piece)), strict=True) if f]
                cleaned = "".join(kept)
        cleaned = " ".join(cleaned.split()).strip(" .:-")
        if cleaned:
            pieces.append(cleaned)
    if pieces and all(word.isalpha() for word in _strip_prefix(NAME_PREFIXES, pieces[0]).split()) \
            and 2 <= len(_strip_prefix(NAME_PREFIXES, pieces[0]).split()) <= 6 \
            and not ADDRESS_WORDS.match(fold(pieces[0])):
        found["full_name"] = pieces.pop(0)
    if pieces and ADDRESS_WORDS.search(fold(" ".join(pieces))):
        found["address"] = ", ".join(pieces)
    return found


def _numbers(run: str, offset: int) -> list[tuple[str, tuple[int, int]]]:
    """A run of digits split into numbers: "012345678901 0912 345 678" is a căn cước and a phone;
    groups are joined while they make a 12-digit căn cước or a mobile number."""
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", run)]
    out = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            joined = "".join(re.sub(r"[^\d+]", "", tok) for tok, _ in tokens[i:j])
            if (len(joined) == 12 and joined.isdigit()) or _is_phone_run(joined):
                end = tokens[j - 1][1] + len(tokens[j - 1][0])
                out.append((joined, (offset + tokens[i][1], offset + end)))
                i = j
                break
        else:
            i += 1
    return out


def _mask_labels(folded: str) -> list[bool]:
    keep = [True] * len(folded)
    for match in _DETAIL_LABELS.finditer(folded):
        for i in range(*match.span()):
            keep[i] = False
    return keep
