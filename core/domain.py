"""The nouns of botpool: bots, pools, members and their health, as plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_CONNECTIONS = "least_connections"
    RANDOM = "random"
    WEIGHTED = "weighted"


class BotStatus(StrEnum):
    CHECKING = "checking"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    BANNED = "banned"


class Priority(IntEnum):
    PREFERRED = 1
    NORMAL = 0
    BACKUP = -1


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,49}$")
START_PARAM_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAME_MAX = 100
WEIGHT_MIN, WEIGHT_MAX = 1, 100
DEFAULT_START_PARAM = "acesso"
DEFAULT_STICKY_DAYS = 30
STICKY_DAYS_MAX = 365


def ramp_start(added_at: datetime, recovered_at: datetime | None) -> datetime:
    """Where a member's slow start runs from: when it joined the pool or its bot last
    came back from offline or banned, whichever is later."""
    return added_at if recovered_at is None else max(added_at, recovered_at)


def routed_status(status: BotStatus | str, backend_error: str | None) -> BotStatus:
    """A bot's status as routing and operators see it: online at Telegram but with a
    failing backend (nobody answers behind it) is degraded (SPEC §12)."""
    status = BotStatus(status)
    if backend_error is not None and status is BotStatus.ONLINE:
        return BotStatus.DEGRADED
    return status


@dataclass(frozen=True, slots=True)
class MemberState:
    """What routing needs to know of one bot inside one pool."""

    bot_id: int
    username: str
    weight: int = 1
    priority: int = Priority.NORMAL
    is_enabled: bool = True
    status: BotStatus = BotStatus.ONLINE
    breaker_until: datetime | None = None
    # Leads per rolling hour (None: the installation's default, BOTPOOL_BOT_HOURLY_CAPACITY).
    hourly_cap: int | None = None
    # Slow start runs from here: when the bot joined the pool or last came back from
    # offline or banned, whichever is later (None: it does not ramp).
    ramp_from: datetime | None = None

    def in_breaker(self, now: datetime) -> bool:
        return self.breaker_until is not None and now < self.breaker_until


@dataclass(frozen=True, slots=True)
class PoolState:
    """A pool as routing sees it: members in their stable order."""

    pool_id: int
    slug: str
    strategy: Strategy
    members: tuple[MemberState, ...]
    is_active: bool = True
    start_param: str = DEFAULT_START_PARAM
    fallback_pool_id: int | None = None
    # Where a lead goes when no bot and no fallback pool can take it (None: 503).
    fallback_url: str | None = None
    # Days a returning lead goes back to the bot it met (0: sticky leads off).
    sticky_days: int = DEFAULT_STICKY_DAYS


@dataclass(frozen=True, slots=True)
class PoolHealth:
    """The figures an operator sees on a pool card and in alerts."""

    online: int
    total: int
    servable: int

    @property
    def percent(self) -> int:
        return round(100 * self.online / self.total) if self.total else 0


def pool_health(pool: PoolState, now: datetime) -> PoolHealth:
    """Health counts enabled members; `servable` is what /go could still send leads to."""
    enabled = [m for m in pool.members if m.is_enabled]
    online = sum(1 for m in enabled if m.status is BotStatus.ONLINE and not m.in_breaker(now))
    degraded = sum(1 for m in enabled if m.status is BotStatus.DEGRADED and not m.in_breaker(now))
    return PoolHealth(online=online, total=len(enabled), servable=online + degraded)


def capacity(online_bots: int, redirects_hour: int, per_bot: int) -> tuple[int, float]:
    """Leads per hour the online bots can take, and the share of it used, in percent."""
    capacity_hour = online_bots * per_bot
    if not capacity_hour:
        return 0, 100.0 if redirects_hour else 0.0
    return capacity_hour, round(100 * redirects_hour / capacity_hour, 1)


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who a token belongs to, as getMe answered."""

    telegram_id: int
    username: str
    token: str
