"""The fee a dossier filed online owes, read from the catalog (never invented)."""

from __future__ import annotations

import re

from knowledge_base.normalise import strip_diacritics
from knowledge_base.schema import Fee, Procedure

ONLINE = re.compile(r"truc tuyen|qua mang|dien tu")
IN_PERSON = re.compile(r"truc tiep|buu chinh")
EXEMPT = re.compile(r"mien")


def _plain(fee: Fee) -> str:
    return strip_diacritics(f"{fee.label} {fee.note}").lower()


def is_exemption(fee: Fee) -> bool:
    """An entry that states who pays nothing ("Trường hợp được miễn lệ phí")."""
    return fee.amount_vnd == 0 and bool(EXEMPT.search(_plain(fee)))


def online_fee_vnd(procedure: Procedure) -> int:
    """The standard fee for a dossier filed online: the first positive amount, skipping the
    in-person rate when the catalog also lists an online rate (đăng ký thường trú: 20.000 in
    person, 10.000 online). Further entries are usually alternative rates (students, exemptions),
    not extra charges; staff set the exact amount with status FEE_DUE when the citizen's case
    differs. 0 when nothing is payable or every amount varies (None)."""
    has_online_rate = any(ONLINE.search(_plain(fee)) for fee in procedure.fees)
    for fee in procedure.fees:
        if has_online_rate and IN_PERSON.search(_plain(fee)) and not ONLINE.search(_plain(fee)):
            continue
        if fee.amount_vnd:
            return fee.amount_vnd
    return 0


def exemptions(procedure: Procedure) -> list[Fee]:
    return [fee for fee in procedure.fees if is_exemption(fee)]
