"""Which status may follow which (national status codes, bot/dossiers/status.py)."""

from __future__ import annotations

from bot.dossiers.errors import InvalidTransition
from bot.dossiers.status import DossierStatus as S

FINAL: frozenset[S] = frozenset({S.RETURNED, S.WITHDRAWN, S.REJECTED})

ALLOWED: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.RECEIVED, S.REJECTED, S.SUPPLEMENT, S.WITHDRAWN}),
    S.RECEIVED: frozenset({S.PROCESSING, S.SUPPLEMENT, S.FEE_DUE, S.STOPPED, S.DONE, S.WITHDRAWN}),
    S.PROCESSING: frozenset({S.SUPPLEMENT, S.FEE_DUE, S.STOPPED, S.DONE, S.WITHDRAWN}),
    S.SUPPLEMENT: frozenset({S.RECEIVED, S.PROCESSING, S.REJECTED, S.STOPPED, S.WITHDRAWN}),
    S.FEE_DUE: frozenset({S.RECEIVED, S.PROCESSING, S.DONE, S.STOPPED, S.WITHDRAWN}),
    S.STOPPED: frozenset({S.PROCESSING, S.WITHDRAWN}),
    S.DONE: frozenset({S.RETURNED, S.FEE_DUE}),
    S.RETURNED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REJECTED: frozenset(),
}

# Documents can be added while the dossier is still being handled.
ACCEPTS_DOCUMENTS: frozenset[S] = frozenset({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE_DUE})


def check_transition(code: str, current: S, new: S, admin_override: bool = False) -> None:
    """Raise ``InvalidTransition`` unless ``current`` → ``new`` is allowed (or overridden by an admin)."""
    if admin_override:
        return
    if new in ALLOWED[current]:
        return
    if current in FINAL:
        raise InvalidTransition(
            f"Hồ sơ {code} đã ở trạng thái cuối «{current.label}», không thể chuyển sang «{new.label}» "
            "(chỉ quản trị viên mới được sửa).")
    if new == current:
        raise InvalidTransition(f"Hồ sơ {code} đang ở trạng thái «{current.label}» rồi.")
    raise InvalidTransition(f"Hồ sơ {code} đang «{current.label}», không thể chuyển sang «{new.label}».")


def check_accepts_documents(code: str, current: S) -> None:
    if current not in ACCEPTS_DOCUMENTS:
        raise InvalidTransition(f"Hồ sơ {code} đang «{current.label}», không nhận thêm giấy tờ.")
