"""Per-client limits on /go: who the client is (behind trusted proxies, IPv6 by network)
and whether they are over BOTPOOL_RATE_LIMIT_PER_MIN, in a table of bounded size."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Hashable, Iterable
from socket import AF_INET, AF_INET6, inet_ntop, inet_pton

from redirect_server.remembered import Remembered

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

WINDOW_S = 60.0
MAX_CLIENTS = 100_000  # BOTPOOL_RATE_LIMIT_MAX_CLIENTS: clients tracked in one minute
UNTRACKED = "untracked"  # the one key of every client past MAX_CLIENTS; no address reads so
_V4_MAPPED = bytes(10) + b"\xff\xff"
_LONGEST_ADDRESS = 45  # characters: ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255


def parse_address(text: str) -> str | None:
    """`text` as an IP address in its canonical form, or None when it is not one."""
    text = text.strip()
    if len(text) > _LONGEST_ADDRESS:
        return None
    try:
        inet_pton(AF_INET, text)  # strict: four decimal numbers, no leading zero
        return text  # so already in its one spelling (formatting it anew costs 0.6 us)
    except (OSError, ValueError):
        pass
    try:
        return inet_ntop(AF_INET6, inet_pton(AF_INET6, text))
    except (OSError, ValueError):
        return None


def ipv6_network(prefix: int) -> Callable[[str], Hashable]:
    """The limiter's key for an IPv6 address: its network of `prefix` bits (one host
    owns a whole /64 and may use any address in it), as an integer. An IPv4 address
    mapped into IPv6 (a dual-stack listener) is keyed as that IPv4 address."""
    shift = 128 - prefix

    def network(address: str) -> Hashable:
        try:
            packed = inet_pton(AF_INET6, address.partition("%")[0])  # no zone (fe80::1%eth0)
        except (OSError, ValueError):
            return address
        if packed[:12] == _V4_MAPPED:
            return inet_ntop(AF_INET, packed[12:])
        return int.from_bytes(packed, "big") >> shift

    return network


class ClientAddress:
    """The address a request comes from. X-Forwarded-For is believed only when the peer
    is a trusted proxy, and then only up to the right-most address that is not one:
    everything left of it could have been written by the client. What it names must be
    an IP address; anything else counts as the peer's."""

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
            return parse_address(forwarded_for) or peer
        hops = forwarded_for.split(",")
        client = hops[0]  # the left-most is the answer when all others are ours
        for hop in reversed(hops[1:]):
            hop = hop.strip()
            if hop and not self._is_trusted[hop]:
                client = hop
                break
        return parse_address(client) or peer


class RateLimiter:
    """A sliding-window counter per client: this minute's count plus the previous
    minute's, weighted by how much of it still lies within the last 60 s. Older windows
    are dropped whole.

    At most `max_clients` clients are tracked in a minute, so memory is two such tables
    whatever comes. Past that, every client not yet counted this minute is counted
    together, as the one client UNTRACKED under the same limit: a flood of new addresses
    gets `per_minute` requests between all of them, however many addresses it has, and
    cannot push out (and so reset) the counts of clients already tracked. The price is
    paid by legitimate newcomers during such a flood, who share that budget until the
    minute ends."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.limit = per_minute
        self.max_clients = max_clients
        self._clock = clock
        self._current: dict[Hashable, int] = {}
        self._previous: dict[Hashable, int] = {}
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

    def hit(self, client: Hashable) -> int:
        """Count a request; 0 when it may pass, else the seconds to wait (not counted)."""
        now = self._clock()
        if now >= self._window_end:
            self._roll(now)
        current = self._current.get(client, 0)
        if not current and len(self._current) >= self.max_clients:
            client = UNTRACKED
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
