"""Parsers for the national portal's fields that its crawler flattened to text.

The portal shows the submission channels, the document list and the legal basis as tables; the
crawler glued each table's cells together with no separator ("Trực tiếp5 Ngày làm việcMiễn phí…").
These functions cut the text back into cells using what each cell must look like. What cannot be
cut with certainty is kept as the official text (a fee with ``amount_vnd`` None and the text in
``note``), never turned into a guessed number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NO_INFO = "Không có thông tin"
CHANNELS = {"Trực tiếp": "direct", "Trực tuyến": "online", "Dịch vụ bưu chính": "postal"}
METHOD_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"

_CHANNEL = re.compile("|".join(CHANNELS))
_UNIT_TIME = re.compile(r"\d+(?:[.,]\d+)?\s*(?:Ngày làm việc|Ngày|Giờ|Tháng|Năm|Tuần|Phút)", re.I)
_WORD_TIME = re.compile(r"Trong ngày|Không quy định|" + NO_INFO)
# A free-text time ("Không phải trả kết quả cho người nộp thuế"); ``channels`` only looks for one
# after a channel name glued to a capital letter, which a description's "Trực tuyến: …" is not.
_FREE_TIME = re.compile(rf"[^()]{{3,120}}?(?=Miễn phí|{NO_INFO})")
_BARE_NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?!\d)")
_FEE = re.compile(
    r"Miễn phí|" + NO_INFO + r"|(?:Lệ phí|Phí)\s*:[^()\n]*?(?:Đồng|VNĐ|USD)"
    r"|\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|Đồng|USD|EUR)")
_AMOUNT = re.compile(r"^(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:Việt Nam Đồng|VNĐ|Đồng)$")
# A note that only says there is nothing to pay keeps "Miễn phí" at 0.
_NOTHING_TO_PAY = re.compile(r"^(?:không(?: có| quy định| thu(?: phí| lệ phí)?)?\.?|chưa quy định\.?)$",
                             re.I)
# Amounts under 1,000 đồng are the portal's typing in thousands ("120 VNĐ(20.000 vnđ/tờ khai)")
# or in another currency: kept as text.
MIN_PLAUSIBLE_VND = 1000


@dataclass
class Channel:
    """One row of the submission table."""

    kind: str
    time: dict[str, Any] | None
    fees: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    fee_text: str = ""


def _balanced(text: str, start: int) -> int:
    """End of the parenthesised note opening at ``start`` (or the text's end if it never closes)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _fees_at(text: str, pos: int) -> tuple[list[tuple[str, str]], int]:
    """The fee cells starting at ``pos``: [(token, note)], and where the description begins."""
    found: list[tuple[str, str]] = []
    while (m := _FEE.match(text, pos)) is not None:
        token, pos = m.group(0), m.end()
        note = ""
        if text.startswith("(", pos):
            end = _balanced(text, pos)
            note, pos = text[pos + 1:end - 1].strip(), end
        found.append((token.strip(), note))
        if token == NO_INFO:
            break  # "Không có thông tin" after it is the description cell, not a second fee
    return found, pos


def _time_at(text: str, pos: int) -> tuple[str, int, bool]:
    """The time cell at ``pos``: (text, end, ambiguous). Ambiguous when a unit-less number runs
    into an amount ("120 VNĐ": time 1 and 20 VNĐ, or 12 and 0?)."""
    for pattern in (_UNIT_TIME, _WORD_TIME):
        if (m := pattern.match(text, pos)) and _FEE.match(text, m.end()):
            return m.group(0), m.end(), False
    m = _BARE_NUMBER.match(text, pos)
    after = _FEE.match(text, m.end()) if m else None
    if m and after and not after.group(0)[0].isdigit():  # "1Miễn phí": a unit-less time
        return m.group(0), m.end(), False
    if _FEE.match(text, pos):
        return "", pos, bool(text[pos].isdigit())
    if (m := _FREE_TIME.match(text, pos)) and _FEE.match(text, m.end()):
        return m.group(0), m.end(), False
    return "", -1, False


def processing_time(text: str) -> dict[str, Any] | None:
    """A time cell as the schema's ProcessingTime (working days only when the text says so)."""
    text = " ".join(text.split())
    if not text or text == NO_INFO:
        return None
    days = None
    if m := re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*Ngày làm việc", text, re.I):
        days = float(m.group(1).replace(",", "."))
        days = int(days) if days.is_integer() else days
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        text = f"{text} (cổng không ghi đơn vị)"
    return {"working_days": days, "text": text}


def fee(token: str, note: str = "") -> dict[str, Any] | None:
    """One fee cell as the schema's Fee; None for "Không có thông tin"."""
    token, note = " ".join(token.split()), " ".join(note.split())
    if token == NO_INFO:
        return None
    label = "Phí, lệ phí"
    value = token
    if m := re.match(r"(Lệ phí|Phí)\s*:\s*(.*)$", token):
        label, value = m.group(1), m.group(2).strip()
    official = f"{token} ({note})" if note else token
    if token == "Miễn phí":
        if not note or _NOTHING_TO_PAY.match(note):
            return {"label": label, "amount_vnd": 0, "note": note}
        return {"label": label, "amount_vnd": None, "note": official}  # "free" yet a rule follows
    if re.fullmatch(r"(?:0|[Kk]hông)\s*(?:Đồng|VNĐ)", value):
        return {"label": label, "amount_vnd": 0, "note": note}
    if m := _AMOUNT.match(value):
        amount = int(re.sub(r"\D", "", m.group(1)))
        if amount >= MIN_PLAUSIBLE_VND:
            return {"label": label, "amount_vnd": amount, "note": note}
    return {"label": label, "amount_vnd": None, "note": official}


def _fee_list(cells: list[tuple[str, str]], ambiguous: bool) -> list[dict[str, Any]]:
    out = []
    for token, note in cells:
        if ambiguous:  # the digits may include the time: keep it all as text
            out.append({"label": "Phí, lệ phí", "amount_vnd": None,
                        "note": f"{token} ({note})" if note else token})
        elif (item := fee(token, note)) is not None:
            out.append(item)
    return out


def channels(text: str) -> list[Channel]:
    """Cut ``cach_thuc_thuc_hien`` into one Channel per row of the portal's table."""
    body = text.strip()
    if body.startswith(METHOD_HEADER):
        body = body[len(METHOD_HEADER):]
    heads: list[tuple[int, str, str, int, bool]] = []
    for m in _CHANNEL.finditer(body):
        after = m.end()
        if after < len(body) and not (body[after].isdigit() or body[after].isupper()):
            continue  # "Trực tuyến: nộp hồ sơ…" inside a description
        time, fees_start, ambiguous = _time_at(body, after)
        if fees_start >= 0:
            heads.append((m.start(), m.group(0), time, fees_start, ambiguous))
    rows: list[Channel] = []
    for i, (_, name, time, fees_start, ambiguous) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(body)
        cells, desc_start = _fees_at(body[:end], fees_start)
        description = body[desc_start:end].strip()
        rows.append(Channel(
            kind=CHANNELS[name], time=None if ambiguous else processing_time(time),
            fees=_fee_list(cells, ambiguous), description=description,
            fee_text=body[fees_start:desc_start].strip()))
    return rows


def fee_lines(text: str) -> list[dict[str, Any]]:
    """The structured dump's fee cell: one "Phí : 2.000.000 Đồng (note)" per line."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("File đính kèm"):
            continue
        m = re.match(r"((?:Lệ phí|Phí)\s*:.*?(?:Đồng|VNĐ|USD))\s*(?:\((.*)\))?\s*$", line)
        token, note = (m.group(1), m.group(2) or "") if m else (line, "")
        if (item := fee(token, note)) is not None:
            out.append(item)
    return out


# ---- documents ----------------------------------------------------------------------------------
# A row ends with its count cell: "1 bản chính" or "0 bản chính,1 bản sao", glued to the next row
# (no space), so "… 01 bản chính hoặc …" inside a name is not a row end. The count is one digit: the
# name's own digits run into it ("Mẫu BM.NCC.20.031 bản chính" is BM.NCC.20.03, then 1).
_COUNT = re.compile(r"(\d) bản chính(?:,\s?(\d+) bản sao)?(?=[^\s,;.):/]|$)|(\d) bản sao(?=[^\s,;.):/]|$)")
_TEMPLATE = re.compile(r"\.(?:docx?|xlsx?|pdf|rtf|odt|zip)$", re.I)


def _name_ends(cell: str) -> list[int]:
    """Where the name cell may end and the template cell begin: after ";" or ")", or where a
    capital letter is glued to a lower-case letter, a digit or a full stop ("…quy địnhMau.docx")."""
    cuts = []
    for i in range(3, len(cell) - 4):
        before, here = cell[i - 1], cell[i]
        if before in ";)" or (here.isupper() and (before.islower() or before.isdigit()
                                                   or (before == "." and cell[i - 2].islower()))):
            cuts.append(i)
    return cuts


def _split_template(cell: str) -> tuple[str, str]:
    """"…theo mẫu số 03;Mau 03.docx" -> (name, template file). The file's name is cut at the
    first place it may start in the word holding the last one: names of files saved without their
    marks glue capitals too ("…TT-BCA);1.MuCT01banhnhkmtheoThngts53.doc", "chungMauBankhaichung")."""
    extension = _TEMPLATE.search(cell)
    if not extension:
        return cell, ""
    cuts = [c for c in _name_ends(cell) if c < extension.start()]   # "…(1).docx": not before ".docx"
    if not cuts:
        return cell, ""
    word_start = cell.rfind(" ", 0, cuts[-1]) + 1
    cut = next(c for c in cuts if c >= word_start)
    return cell[:cut].strip().rstrip(";").rstrip(), cell[cut:].strip(" .;")


def documents(text: str) -> list[dict[str, Any]]:
    """Cut ``thanh_phan_ho_so`` into RequiredDocument dicts; group headings go into ``note``."""
    parts = text.split(DOCUMENT_HEADER)
    heading = _heading(parts[0])
    out: list[dict[str, Any]] = []
    for part in parts[1:]:
        pos = 0
        for m in _COUNT.finditer(part):
            cell = part[pos:m.start()].strip()
            pos = m.end()
            originals = int(m.group(1)) if m.group(1) is not None else 0
            copies = int(m.group(2) or m.group(3) or 0)
            name, template = _split_template(cell)
            if len(name) < 3:
                continue
            out.append({"name": name, "template": template, "copies": m.group(0).replace(",", ", "),
                        "originals_count": originals, "copies_count": copies,
                        "note": heading})
        heading = _heading(part[pos:])  # what follows the last row heads the next group
    return out


def _heading(text: str) -> str:
    text = text.strip().strip("-").strip()
    return text if len(text) >= 3 else ""


# ---- legal basis --------------------------------------------------------------------------------
_CODE = re.compile(r"\d{1,4}/\d{4}/(?:UBTVQH\d{2}|QH\d{2}|[A-ZĐ]+(?:-[A-ZĐ]+)*(?:(?<=-TT)g)?)")


def _is_vowel(char: str) -> bool:
    import unicodedata

    return unicodedata.normalize("NFD", char)[0] in "aeiouy"


def _codes(text: str) -> list[tuple[int, int]]:
    """Document codes in ``text``. The next row's name is glued on, so a code may have swallowed
    its capital ("…NĐ-CPThông tư"): give it back when a lower-case letter follows."""
    spans = []
    for m in _CODE.finditer(text):
        end = m.end()
        if (end < len(text) and text[end - 1].isupper() and text[end].islower()
                and (text[end] in "hgr" or _is_vowel(text[end]))):  # "Th", "Ng", "Qu", "Lu"…
            end -= 1
        spans.append((m.start(), end))
    return spans


def legal_basis(text: str) -> list[str]:
    """Cut ``can_cu_phap_ly`` after each document code; an unclear row stays whole."""
    text = text.strip()
    if not text or text.startswith(NO_INFO):
        return []
    body = text[len(LEGAL_HEADER):] if text.startswith(LEGAL_HEADER) else text
    items: list[str] = []
    pos = 0
    for _, end in _codes(body):
        nxt = body[end:end + 1]
        # A row ends at a code followed by the next row's name (a letter), not by " ngày…" nor by
        # the code column repeating the code ("Luật 54/2014/QH1354/2014/QH13").
        if nxt == "" or (nxt.isalpha() and not body[end:].startswith("số")):
            items.append(_legal_item(body[pos:end]))
            pos = end
    rest = " ".join(body[pos:].split())
    if rest:
        items.append(rest)
    return [i for i in dict.fromkeys(i for i in items if i)]


def _legal_item(row: str) -> str:
    """"Luật Khiếu nại năm 201102/2011/QH13" -> the name, with its code when it is certain."""
    row = " ".join(row.split())
    for start, end in _codes(row):
        code = row[start:end]
        head = row[:len(row) - len(code)]
        if row.endswith(code) and code in head:
            return head.strip()  # the code column repeats a code the name already gives
    m = re.search(r"(?:(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)\s+)?(?:[Ss]ố\s+)?"
                  + _CODE.pattern + "$", row)
    if m and m.start() > 0 and not row[m.start() - 1].isdigit():
        return f"{row[:m.start()].strip()} ({m.group(0)})"
    return row  # name and code run together ambiguously: the official text as it is


# ---- steps, result, conditions -----------------------------------------------------------------
_STEP = re.compile(r"(?=(?:^|(?<=\s))(?:[-+*]\s*)?Bước\s*\d+\s*[:.)-])")


def steps(text: str) -> list[str]:
    """"Bước 1: …" markers start steps; without them, one step per paragraph."""
    text = text.strip()
    if not text or text == NO_INFO:
        return []
    parts = _STEP.split(text) if re.search(r"Bước\s*1\s*[:.)-]", text) else text.split("\n")
    return [" ".join(p.split()) for p in parts if len(p.strip()) > 1]


_PAGE_JUNK = re.compile(r"Từ khóa.*$|Chọn cơ quan thực hiện.*$", re.S)


def result(text: str) -> str:
    """``ket_qua_xu_ly`` without the crawler's page junk ("Mã: KQ…", "Từ khóa…", "Chọn cơ quan…")."""
    text = _PAGE_JUNK.sub("", text)
    items = [" ".join(p.split()) for p in re.split(r"Mã:\s*KQ\.[A-Z]\d+\.\d+", text)]
    return "; ".join(i for i in items if i and i != NO_INFO)


def conditions(text: str) -> list[str]:
    text = text.strip()
    if re.fullmatch(r"(?:Không(?: có)?(?: thông tin)?|Không yêu cầu)\.?", text, re.I) or not text:
        return []
    return [" ".join(line.split()) for line in text.split("\n") if len(line.strip()) > 1]
