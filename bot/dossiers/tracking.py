"""Tracking a dossier from the chat.

The conversation that filed a dossier (same channel and sender) is its owner: it sees its
dossiers without typing anything ("Hồ sơ của tôi") and a code it filed needs no proof. Anyone else
proves the dossier is theirs with the last 4 digits of the phone or căn cước used to file it.

Guessing is throttled per requester (``MAX_FAILURES`` failures in ``WINDOW_SECONDS``) and per code
(failures from ``MAX_GUESSERS`` different requesters), so codes and digits cannot be tried one
after another; the owner's conversation is never throttled, so strangers' failures can never lock
the owner out."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.conversation.senders import rasa_sender
from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.codes import normalise_code

MAX_FAILURES = 5
MAX_GUESSERS = 10
WINDOW_SECONDS = 15 * 60
OWN_LIMIT = 10

Outcome = Literal["ok", "not_found", "wrong_proof", "throttled", "bad_proof"]


@dataclass(frozen=True)
class TrackingResult:
    outcome: Outcome
    dossier: DossierView | None = None
    retry_after_seconds: int = 0


class FailureThrottle:
    """Counts failures per key in a sliding window (in process; Redis in production mode). With
    ``who``, a key counts one failure per requester: ten strangers, not one impatient owner."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: defaultdict[str, deque[tuple[float, str]]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[tuple[float, str]]:
        now = self._clock()
        failures = self._failures[key]
        while failures and now - failures[0][0] > self._window:
            failures.popleft()
        return failures

    def blocked_for(self, key: str, limit: int | None = None) -> int:
        """Seconds until ``key`` may try again; 0 when it may now."""
        failures = self._recent(key)
        if len(failures) < (limit or self._limit):
            return 0
        return int(self._window - (self._clock() - failures[0][0])) + 1

    def fail(self, key: str, who: str = "") -> None:
        failures = self._recent(key)
        if who and any(seen == who for _, seen in failures):
            return
        failures.append((self._clock(), who))


def is_owner(view: DossierView, requester: str) -> bool:
    """``requester`` is the Rasa sender id ``channel:sender``: the conversation that filed it."""
    return rasa_sender(view.channel, view.sender_id) == requester


class TrackingService:
    def __init__(self, backend: DossierBackend, throttle: FailureThrottle | None = None,
                 max_guessers: int = MAX_GUESSERS) -> None:
        self._backend = backend
        self._throttle = throttle or FailureThrottle()
        self._max_guessers = max_guessers

    async def own(self, requester: str, limit: int = OWN_LIMIT) -> list[DossierView]:
        """The dossiers filed from this conversation, newest first."""
        channel, _, sender_id = requester.partition(":")
        if not sender_id:
            return []
        return await self._backend.list(channel=channel, sender_id=sender_id, limit=limit)

    async def owned(self, code: str, requester: str) -> DossierView | None:
        """The dossier when this conversation filed it; None otherwise (no failure is counted)."""
        normalised = normalise_code(code)
        view = await self._backend.get(normalised) if normalised else None
        return view if view is not None and is_owner(view, requester) else None

    async def track(self, code: str, proof: str, requester: str) -> TrackingResult:
        """``proof``: the last 4 digits of the phone or căn cước (not needed by the owner's own
        conversation); ``requester``: channel:sender."""
        normalised = normalise_code(code) or code.strip().upper()
        own = await self.owned(normalised, requester)
        if own is not None:
            return TrackingResult("ok", own)
        who, by_code = f"who:{requester}", f"code:{normalised}"
        wait = max(self._throttle.blocked_for(who), self._throttle.blocked_for(by_code, self._max_guessers))
        if wait:
            return TrackingResult("throttled", retry_after_seconds=wait)
        digits = "".join(ch for ch in proof if ch.isdigit())
        if len(digits) != 4:
            return TrackingResult("bad_proof")
        dossier = await self._backend.get(normalised)
        if dossier is None or digits not in (dossier.phone_last4, dossier.cccd_last4):
            # Both outcomes count as a failure and the chat words them the same way
            # ("mã hồ sơ hoặc 4 số cuối không khớp"): a wrong guess learns nothing.
            self._throttle.fail(who)
            self._throttle.fail(by_code, who=requester)
            return TrackingResult("not_found" if dossier is None else "wrong_proof")
        return TrackingResult("ok", dossier)
