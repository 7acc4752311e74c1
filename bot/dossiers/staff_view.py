"""What the staff dossier page shows: every answer the citizen gave, masked by role, with the
catalog's labels, and the statuses staff may choose now (one submit each).

Masking (as for căn cước and phone since the first release): only supervisors and admins reveal
personal data, and each reveal is audited; everyone else sees the last 4 digits of numbers, the
year of a birth date, the first letter and domain of an e-mail and the last part of an address
(phường/xã, huyện, tỉnh), enough to check a dossier without reading its holder's identity.

The same rule holds wherever staff read what citizens typed (the console's transcripts, the queue,
answers the form did not type-check): ``shown_text`` masks căn cước, phone numbers and e-mails with
``bot.core.privacy.mask`` unless the reader revealed them (``may_reveal``; the caller audits it)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot.auth.models import ROLES
from bot.auth.reveal import FULL_PERSONAL_DATA, may_reveal, shown_text  # noqa: F401  (part of this page's rules)
from bot.dossiers.status import DossierStatus
from bot.dossiers.transitions import plan
from knowledge_base.schema import Procedure

HIDDEN = "••••••"
NOT_GIVEN = "(không khai)"
PERSONAL_TYPES = {"cccd", "phone", "email"}
DOSSIER_READERS = ROLES                        # every staff role reads dossiers (volunteers masked)
# Filed documents (căn cước scans among them) open for those who process dossiers, not volunteers.
DOSSIER_FILE_READERS = ("hotline", "supervisor", "admin")


def may_read_dossier(role: str) -> bool:
    """Whether this role opens a dossier's page."""
    return role in DOSSIER_READERS


def may_open_dossier_files(role: str) -> bool:
    """Whether this role downloads the documents filed with a dossier (the page lists them for all)."""
    return role in DOSSIER_FILE_READERS


def last4(value: str) -> str:
    return re.sub(r"\D", "", value)[-4:]


def mask_number(value: str) -> str:
    """A căn cước or phone number: only its last 4 digits."""
    digits = last4(value)
    return HIDDEN + digits if digits else "—"


def mask_date(day: dt.date | None) -> str:
    return f"••/••/{day.year}" if day else "—"


def mask_email(value: str | None) -> str:
    if not value:
        return "—"
    name, _, domain = value.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else HIDDEN


def mask_address(value: str) -> str:
    """Only the last part (the ward, district or province): ``•••, phường 1``."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return f"•••, {parts[-1]}" if len(parts) > 1 else HIDDEN if value.strip() else "—"


@dataclass(frozen=True)
class Answer:
    label: str
    value: str
    masked: bool = False


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return str(value if value is not None else "").strip()


def answers(procedure: Procedure | None, given: dict[str, Any], full: bool) -> list[Answer]:
    """The procedure's own answers in the catalog's order and words (the fields this case asks);
    answers the catalog no longer lists (an older version of the form) follow, under their name."""
    rows: list[Answer] = []
    known = {f.name for f in procedure.form_fields} if procedure else set()
    asked = procedure.fields_for({k: _text(v) for k, v in given.items()}) if procedure else []
    for field in asked:   # a field the case ruled out was never asked: not listed
        value = _text(given.get(field.name))
        if not value:
            rows.append(Answer(field.label, NOT_GIVEN))
        elif field.type in PERSONAL_TYPES and not full:
            rows.append(Answer(field.label, mask_email(value) if field.type == "email" else mask_number(value), True))
        else:
            shown = shown_text(value, full)
            rows.append(Answer(field.label, shown, shown != value))
    for name, raw in given.items():
        if name in known or name.startswith("_"):
            continue
        value = _text(raw)
        shown = shown_text(value, full)
        rows.append(Answer(name.replace("_", " ").capitalize(), shown or NOT_GIVEN, shown != value))
    return rows


@dataclass(frozen=True)
class StatusChoice:
    status: DossierStatus
    via: list[DossierStatus]      # routine steps recorded on the way (empty: a direct step)
    allowed: bool                 # False: only an admin's override reaches it

    @property
    def label(self) -> str:
        text = f"{self.status.value} · {self.status.label}"
        if self.via:
            text += " (ghi nhận cả: " + ", ".join(s.label for s in self.via) + ")"
        if not self.allowed:
            text += " — chỉ khi sửa ngoài quy trình"
        return text


def status_choices(current: DossierStatus, admin: bool) -> list[StatusChoice]:
    """The statuses staff may choose now; an admin also sees the rest (override only)."""
    choices = []
    for status in DossierStatus:
        steps = plan(current, status) if status != current else None
        if steps is not None:
            choices.append(StatusChoice(status, steps[:-1], True))
        elif admin:
            choices.append(StatusChoice(status, [], False))
    return choices
