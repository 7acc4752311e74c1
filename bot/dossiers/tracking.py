"""Tracking a dossier from the chat: the code alone shows nothing; the citizen proves it is theirs
with the last 4 digits of the phone or căn cước used to file it. Repeated failures are throttled
per requester and per code, so codes cannot be tried one after another."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.codes import normalise_code

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

Outcome = Literal["ok", "not_found", "wrong_proof", "throttled", "bad_proof"]


@dataclass(frozen=True)
class TrackingResult:
    outcome: Outcome
    dossier: DossierView | None = None
    retry_after_seconds: int = 0


class FailureThrottle:
    """Counts failures per key in a sliding window (in process; Redis in production mode)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def blocked_for(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may now."""
        now = self._clock()
        failures = self._failures[key]
        while failures and now - failures[0] > self._window:
            failures.popleft()
        return int(self._window - (now - failures[0])) + 1 if len(failures) >= self._limit else 0

    def fail(self, key: str) -> None:
        self._failures[key].append(self._clock())


class TrackingService:
    def __init__(self, backend: DossierBackend, throttle: FailureThrottle | None = None) -> None:
        self._backend = backend
        self._throttle = throttle or FailureThrottle()

    async def track(self, code: str, proof: str, requester: str) -> TrackingResult:
        """``proof``: the last 4 digits of the phone or căn cước; ``requester``: channel:sender."""
        normalised = normalise_code(code) or code.strip().upper()
        keys = [f"who:{requester}", f"code:{normalised}"]
        wait = max(self._throttle.blocked_for(k) for k in keys)
        if wait:
            return TrackingResult("throttled", retry_after_seconds=wait)
        digits = "".join(ch for ch in proof if ch.isdigit())
        if len(digits) != 4:
            return TrackingResult("bad_proof")
        dossier = await self._backend.get(normalised)
        if dossier is None or digits not in (dossier.phone_last4, dossier.cccd_last4):
            # Both outcomes count as a failure and the chat words them the same way
            # ("mã hồ sơ hoặc 4 số cuối không khớp"): a wrong guess learns nothing.
            for key in keys:
                self._throttle.fail(key)
            return TrackingResult("not_found" if dossier is None else "wrong_proof")
        return TrackingResult("ok", dossier)
