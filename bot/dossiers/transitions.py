"""Which status may follow which (national status codes, bot/dossiers/status.py).

``ALLOWED`` is the national model, one step at a time. Staff may ask for any *later* status in one
submit: ``plan`` finds the shortest way there through the routine steps only (Được tiếp nhận,
Đang xử lý, Đã xử lý xong), and every step is recorded in the history, so the dossier's timeline
stays one the national model accepts. A way through a status that needs a note or the citizen
(bổ sung, nghĩa vụ tài chính, dừng, rút, không tiếp nhận) is never taken silently."""

from __future__ import annotations

from collections import deque

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

# The routine steps a one-submit jump may pass through (recorded, never skipped).
ROUTINE: tuple[S, ...] = (S.RECEIVED, S.PROCESSING, S.DONE)

# Documents can be added while the dossier is still being handled.
ACCEPTS_DOCUMENTS: frozenset[S] = frozenset({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE_DUE})


def plan(current: S, target: S) -> list[S] | None:
    """The statuses to record, in order, to move from ``current`` to ``target`` (``target`` last);
    None when the national model does not lead there. A direct step is always one status."""
    if target in ALLOWED[current]:
        return [target]
    seen = {current}
    ways: deque[list[S]] = deque([[current]])
    while ways:
        way = ways.popleft()
        for step in sorted(ALLOWED[way[-1]]):
            if step == target:
                return [*way[1:], target]
            if step in ROUTINE and step not in seen:
                seen.add(step)
                ways.append([*way, step])
    return None


def step_note(target: S) -> str:
    """The note of a routine step recorded on the way to ``target`` (the citizen reads it in the
    tracking timeline)."""
    return f"Ghi nhận cùng lúc khi chuyển sang «{target.label}»."


def reachable(current: S) -> list[S]:
    """Every status staff may choose now (one submit each), in the national order."""
    return [s for s in S if s != current and plan(current, s) is not None]


def check_transition(code: str, current: S, new: S, admin_override: bool = False) -> list[S]:
    """The statuses to record for ``current`` → ``new`` (see ``plan``); raise ``InvalidTransition``
    when there is no way (an admin's override records ``new`` alone)."""
    if admin_override:
        return [new]
    steps = plan(current, new) if new != current else None
    if steps is not None:
        return steps
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
