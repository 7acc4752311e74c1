"""The fee a dossier filed online owes, computed from the catalog and the citizen's answers (never
invented), with the explanation shown to the citizen and to staff.

A curated record says how its fee depends on the case (``Fee.when``, ``Fee.channel``, ``Fee.per``):
every entry that applies is charged — "Lệ phí cấp lại thẻ căn cước: 70.000 đ", "8.000 đ × 3 bản =
24.000 đ". A record without rules (national imports, most curated ones) keeps the old reading: its
one positive amount, skipping the in-person rate when an online rate is listed. When the catalog
cannot tell (several rates and no rule to choose, an amount that varies, a case no rate covers) the
amount is unknown: nothing is payable at filing and staff set the amount with status 6 (FEE_DUE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.money import vnd
from knowledge_base.normalise import strip_diacritics
from knowledge_base.schema import Fee, MethodKind, Procedure, holds

ONLINE = re.compile(r"truc tuyen|qua mang|dien tu")
IN_PERSON = re.compile(r"truc tiep|buu chinh")
EXEMPT = re.compile(r"mien")

STAFF_SET = "cán bộ sẽ thông báo số tiền khi tiếp nhận hồ sơ"
NOT_COVERED = "Danh mục chưa ghi mức phí cho trường hợp này: " + STAFF_SET + "."
SEVERAL_RATES = "Thủ tục có nhiều mức phí tùy trường hợp: " + STAFF_SET + "."
NO_FEE = "Thủ tục này không thu phí, lệ phí."



@dataclass(frozen=True)
class FeeAssessment:
    """What the dossier owes at filing. ``amount_vnd`` None: the catalog cannot tell, staff set it."""

    amount_vnd: int | None
    lines: tuple[str, ...]

    @property
    def known(self) -> bool:
        return self.amount_vnd is not None

    @property
    def explanation(self) -> str:
        """One line per charge ("Lệ phí cấp lại thẻ căn cước: 70.000 đ")."""
        return "\n".join(self.lines)


def _plain(fee: Fee) -> str:
    return strip_diacritics(f"{fee.label} {fee.note}").lower()


def is_exemption(fee: Fee) -> bool:
    """An entry that states who pays nothing ("Trường hợp được miễn lệ phí")."""
    return fee.amount_vnd == 0 and bool(EXEMPT.search(_plain(fee)))


def exemptions(procedure: Procedure) -> list[Fee]:
    """The entries that describe who is exempt (not a rate of its own: no ``when``)."""
    return [fee for fee in procedure.fees if is_exemption(fee) and not fee.when]


def _count(fee: Fee, answers: dict[str, str]) -> int | None:
    if fee.per is None:
        return 1
    text = str(answers.get(fee.per, "")).strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _line(fee: Fee, count: int) -> str:
    assert fee.amount_vnd is not None
    if fee.amount_vnd == 0:
        return f"{fee.label}: không thu"
    if fee.per is not None:
        unit = f" {fee.unit}" if fee.unit else ""
        return f"{fee.label}: {vnd(fee.amount_vnd)} × {count}{unit} = {vnd(fee.amount_vnd * count)}"
    return f"{fee.label}: {vnd(fee.amount_vnd)}"


def _by_rules(procedure: Procedure, answers: dict[str, str], channel: MethodKind) -> FeeAssessment:
    applying = [fee for fee in procedure.fees
                if holds(fee.when, answers) and fee.channel in (None, channel)
                and not (is_exemption(fee) and not fee.has_rule)]
    if not applying:
        return FeeAssessment(None, (NOT_COVERED,))
    lines: list[str] = []
    total: int | None = 0
    for fee in applying:
        count = _count(fee, answers)
        if fee.amount_vnd is None or count is None:
            lines.append(f"{fee.label}: {STAFF_SET}")
            total = None
            continue
        lines.append(_line(fee, count))
        if total is not None:
            total += fee.amount_vnd * count
    return FeeAssessment(total, tuple(lines))


def _without_rules(procedure: Procedure) -> FeeAssessment:
    """A record that does not say how its rates depend on the case: alternative rates, usually
    (students, exemptions), not extra charges. One positive amount is the fee; several are for staff."""
    charges = list(procedure.fees)
    if any(ONLINE.search(_plain(fee)) for fee in charges):  # thường trú: 10.000 online, 20.000 in person
        charges = [fee for fee in charges if ONLINE.search(_plain(fee)) or not IN_PERSON.search(_plain(fee))]
    free = tuple(_line(fee, 1) for fee in charges if fee.amount_vnd == 0 and fee.label)
    charges = [fee for fee in charges if not is_exemption(fee)]
    rates = {fee.amount_vnd for fee in charges if fee.amount_vnd}
    varying = tuple(f"{fee.label}: {STAFF_SET}" for fee in charges if fee.amount_vnd is None)
    if len(rates) > 1:
        return FeeAssessment(None, (SEVERAL_RATES,))
    if rates:
        fee = next(fee for fee in charges if fee.amount_vnd)
        return FeeAssessment(fee.amount_vnd, (_line(fee, 1), *varying))
    if varying:  # khai sinh: free on time, a provincial rate when late
        return FeeAssessment(None, (*free, *varying))
    return FeeAssessment(0, (NO_FEE,))


def assess_fee(procedure: Procedure, answers: dict[str, str], channel: MethodKind = "online") -> FeeAssessment:
    """The fee for this case, from the answers to the procedure's own form fields."""
    if any(fee.has_rule for fee in procedure.fees):
        return _by_rules(procedure, answers, channel)
    return _without_rules(procedure)


def online_fee_vnd(procedure: Procedure, answers: dict[str, str] | None = None) -> int:
    """The amount payable at filing online: 0 when nothing is due or staff must set it."""
    return assess_fee(procedure, answers or {}).amount_vnd or 0
