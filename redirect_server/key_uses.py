"""API keys' last use, noted by requests in memory and written in batches in the
background, so that authenticating a request is a read that never waits on a write lock."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from storage.db import Sessions, transaction
from storage.models import ApiKey, utcnow
from storage.repos import apikeys

log = logging.getLogger(__name__)


class KeyUses:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._pending: dict[int, datetime] = {}
        self._stop = asyncio.Event()

    def note(self, row: ApiKey) -> None:
        """`row` was used now; written at the next flush (at most once a minute a key)."""
        now = utcnow()
        if apikeys.needs_mark(row, now):
            self._pending[row.id] = now

    def pending(self) -> dict[int, datetime]:
        return dict(self._pending)

    async def flush(self) -> bool:
        """Best effort: a failure keeps the marks for the next flush and fails nothing."""
        batch, self._pending = self._pending, {}
        if not batch:
            return True
        try:
            async with transaction(self._sessions) as session:
                await apikeys.mark_used(session, batch)
        except Exception as exc:
            for key_id, moment in batch.items():
                self._pending.setdefault(key_id, moment)
            log.warning("API keys' last use not written, will retry: %s", exc)
            return False
        return True

    async def run(self, interval_s: float) -> None:
        """Flush every `interval_s` until stop(), then once more."""
        while not self._stop.is_set():
            try:
                async with asyncio.timeout(interval_s):
                    await self._stop.wait()
            except TimeoutError:
                await self.flush()
        await self.flush()

    def stop(self) -> None:
        self._stop.set()
