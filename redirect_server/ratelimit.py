"""Per-client limits on /go: who the client is (behind trusted proxies) and whether
they are over BOTPOOL_RATE_LIMIT_PER_MIN."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable

from redirect_server.remembered import Remembered

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

WINDOW_S = 60.0


class ClientAddress:
    """The address a request comes from. X-Forwarded-For is believed only when the peer
    is a trusted proxy, and then only up to the right-most address that is not one:
    everything left of it could have been written by the client."""

    def __init__(self, trusted: Iterable[Network]) -> None:
        self._trusted = tuple(trusted)
        self._is_trusted = Remembered(self._check, longest=64)

    @property
    def trusts_any(self) -> bool:
        return bool(self._trusted)

    def _check(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def resolve(self, peer: str, forwarded_for: str | None) -> str:
        if not forwarded_for or not self._is_trusted[peer]:
            return peer
        if "," not in forwarded_for:  # one hop: the client, as our proxy saw it
            return forwarded_for.strip() or peer
        hops = forwarded_for.split(",")
        for hop in reversed(hops[1:]):  # the left-most is the answer when all others are ours
            hop = hop.strip()
            if hop and not self._is_trusted[hop]:
                return hop
        return hops[0].strip() or peer


class RateLimiter:
    """A sliding-window counter per client: this minute's count plus the previous
    minute's, weighted by how much of it still lies within the last 60 s. Memory holds
    two minutes of clients at most; older windows are dropped whole."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = per_minute
        self._clock = clock
        self._current: dict[str, int] = {}
        self._previous: dict[str, int] = {}
        self._previous_max = 0  # no client had more last minute
        self._window_end = 0.0

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)

    def _roll(self, now: float) -> None:
        start = now - now % WINDOW_S
        adjacent = start == self._window_end
        self._previous = self._current if adjacent else {}
        self._previous_max = max(self._previous.values(), default=0)
        self._current = {}
        self._window_end = start + WINDOW_S

    def hit(self, client: str) -> int:
        """Count a request; 0 when it may pass, else the seconds to wait (not counted)."""
        now = self._clock()
        if now >= self._window_end:
            self._roll(now)
        current = self._current.get(client, 0)
        if current + self._previous_max >= self.limit:  # else surely under the limit
            previous = self._previous.get(client, 0)
            if current + previous * (self._window_end - now) / WINDOW_S >= self.limit:
                return self._retry_after(now, current, previous)
        self._current[client] = current + 1
        return 0

    def _retry_after(self, now: float, current: int, previous: int) -> int:
        """Whole seconds until the estimate is below the limit if the client stops now."""
        end, limit = self._window_end, self.limit
        if current < limit and previous:
            free_at = end - WINDOW_S * (limit - current) / previous
        else:
            free_at = end + WINDOW_S * max(0.0, 1.0 - limit / current) if current else end
        return max(1, math.floor(free_at - now) + 1)
