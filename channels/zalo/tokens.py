"""The OA access token: kept in the ``platform_tokens`` row "zalo", refreshed with OAuth v4.

The refresh token is single-use, so a refresh is a compare-and-swap on ``version``: the new pair is
stored only if nobody stored one since we read the row. A worker that loses re-reads the row and
uses the winner's access token. Inside one process, refreshes of the same database are also
serialised by a lock, so concurrent tasks and channel instances spend the refresh token once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import PlatformToken
from bot.core.vntime import aware, utcnow
from channels.zalo.client import ZaloClient
from channels.zalo.errors import ZaloAuthError

log = logging.getLogger(__name__)

ROW = "zalo"
REFRESH_MARGIN = dt.timedelta(minutes=5)
SEED_LIFETIME = dt.timedelta(hours=1)  # unknown age of the configured token: assume the shortest
_LOCKS: dict[tuple[str, int], asyncio.Lock] = {}


@dataclass(frozen=True)
class TokenRow:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    version: int


def shared_lock(sessions: sessionmaker) -> asyncio.Lock:
    """One lock per database and event loop, shared by every channel instance of the process."""
    bind = sessions.kw.get("bind")
    key = (str(getattr(bind, "url", id(sessions))), id(asyncio.get_running_loop()))
    return _LOCKS.setdefault(key, asyncio.Lock())


class TokenStore:
    def __init__(self, sessions: sessionmaker, client: ZaloClient, app_id: str, app_secret: str,
                 seed_access: str, seed_refresh: str,
                 lock: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
                 lose_wait_seconds: float = 5.0) -> None:
        self._sessions = sessions
        self._client = client
        self._app_id = app_id
        self._app_secret = app_secret
        self._seed = (seed_access, seed_refresh)
        self._lock = lock or (lambda: shared_lock(sessions))
        self._lose_wait = lose_wait_seconds

    async def access_token(self) -> str:
        """A usable access token, refreshed first when less than 5 minutes remain."""
        row = await asyncio.to_thread(self._read)
        if aware(row.expires_at) - utcnow() > REFRESH_MARGIN:
            return row.access_token
        return await self._refresh(row.access_token)

    async def after_rejection(self, rejected: str) -> str:
        """Zalo said the token is invalid (-216): refresh, unless someone already did."""
        return await self._refresh(rejected)

    async def _refresh(self, stale_access: str) -> str:
        async with self._lock():
            row = await asyncio.to_thread(self._read)
            if row.access_token != stale_access and aware(row.expires_at) - utcnow() > REFRESH_MARGIN:
                return row.access_token  # refreshed by another task while we waited
            try:
                pair = await self._client.refresh(self._app_id, self._app_secret, row.refresh_token)
            except ZaloAuthError as exc:
                # Another replica may have spent this refresh token a moment ago.
                winner = await self._wait_for_newer(row.version)
                if winner is not None:
                    return winner.access_token
                log.error("Zalo token refresh refused (%s): a new token must be issued in the "
                          "Zalo developer console (see docs/channels-zalo.md)", exc)
                raise
            expires_at = utcnow() + dt.timedelta(seconds=pair.expires_in)
            if await asyncio.to_thread(self._swap, row.version, pair.access_token,
                                       pair.refresh_token, expires_at):
                log.info("Zalo access token refreshed (version %d)", row.version + 1)
                return pair.access_token
            winner = await asyncio.to_thread(self._read)
            log.warning("Zalo token refresh lost the race; using version %d", winner.version)
            return winner.access_token

    async def _wait_for_newer(self, version: int) -> TokenRow | None:
        deadline = asyncio.get_running_loop().time() + self._lose_wait
        while True:
            row = await asyncio.to_thread(self._read)
            if row.version != version:
                return row
            if asyncio.get_running_loop().time() >= deadline:
                return None
            await asyncio.sleep(0.1)

    # ---- database -------------------------------------------------------------------------------
    def _read(self) -> TokenRow:
        with self._sessions() as session:
            found = session.get(PlatformToken, ROW)
            if found is None:
                self._seed_row()
                found = session.scalars(select(PlatformToken).where(PlatformToken.name == ROW)).one()
            return TokenRow(found.access_token, found.refresh_token, found.expires_at, found.version)

    def _seed_row(self) -> None:
        """First use: store the tokens from the settings (ASSISTANT_ZALO_ACCESS/REFRESH_TOKEN)."""
        access, refresh = self._seed
        try:
            with self._sessions() as session, session.begin():
                session.add(PlatformToken(name=ROW, access_token=access, refresh_token=refresh,
                                          expires_at=utcnow() + SEED_LIFETIME, version=1))
        except IntegrityError:  # seeded at the same moment by another worker
            pass

    def _swap(self, seen: int, access: str, refresh: str, expires_at: dt.datetime) -> bool:
        """Compare-and-swap: store the pair only if the row is still at version ``seen``."""
        with self._sessions() as session, session.begin():
            changed = session.execute(
                update(PlatformToken).where(PlatformToken.name == ROW, PlatformToken.version == seen)
                .values(access_token=access, refresh_token=refresh, expires_at=expires_at,
                        version=seen + 1, updated_at=utcnow())).rowcount
        return changed == 1
