"""Reports (SPEC §13): hourly series per bot for charts and exports, the ranges they
cover, and the daily digest's figures and timing. Pure: callers bring the rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.domain import BotStatus
from core.errors import Invalid

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MAX_RANGE = timedelta(days=93)
DEFAULT_TIME_ZONE = "America/Sao_Paulo"
CSV_HEADER = ("hour", "bot_id", "username", "count")
EXPORT_SPANS = {"24h": 24, "7d": 24 * 7, "30d": 24 * 30}  # hours, as /export spells them
CHART_BOTS = 7  # bots a chart names; the rest are summed as one series, "others"
OTHERS_ID = 0  # the bot id of that series (no bot has it)


class Period(StrEnum):
    """The spans a chart covers, as the operator types them."""

    DAY = "24h"
    WEEK = "7d"

    @property
    def hours(self) -> int:
        return 24 if self is Period.DAY else 24 * 7


class MarkerKind(StrEnum):
    OFFLINE = "offline"
    BANNED = "banned"
    RECOVERED = "recovered"


def hour_floor(moment: datetime) -> datetime:
    """The UTC hour bucket of an aware moment."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def zone(name: str | None) -> ZoneInfo:
    """The operator's zone; an unknown name (a zone dropped from tzdata) reads as the default."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def time_zone(name: str) -> str:
    """An IANA zone name as tzdata spells it; Invalid otherwise."""
    wanted = name.strip()
    for known in available_timezones():
        if known.lower() == wanted.lower():
            return known
    raise Invalid("time_zone", "an IANA time zone such as America/Sao_Paulo")


# Ranges


def parse_moment(text: str, field: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise Invalid(field, "an ISO 8601 date or date-time") from None
    except OverflowError:
        raise Invalid(field, "a moment outside the calendar") from None


def hour_range(
    start: datetime, end: datetime, field: str = "from", end_field: str = "to"
) -> tuple[datetime, datetime]:
    """[start, end) widened to whole UTC hours; Invalid when empty, reversed or too long."""
    first = hour_floor(start)
    last = hour_floor(end)
    try:
        if last < end:
            last += HOUR
    except OverflowError:
        raise Invalid(end_field, "a moment outside the calendar") from None
    if first >= last:
        raise Invalid(field, "must be before to")
    if last - first > MAX_RANGE:
        raise Invalid(field, f"the range is longer than {MAX_RANGE.days} days")
    return first, last


def recent_range(hours: int, now: datetime) -> tuple[datetime, datetime]:
    """The last `hours` whole hour buckets, the current one included."""
    end = hour_floor(now) + HOUR
    return end - hours * HOUR, end


def export_range(args: Sequence[str], now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """What /export's arguments name: a span back from now (24h, 7d, 30d), or two local
    dates, both days included. Invalid("range") for anything else."""
    if len(args) == 1 and args[0].lower() in EXPORT_SPANS:
        return recent_range(EXPORT_SPANS[args[0].lower()], now)
    if len(args) != 2:
        raise Invalid("range", "24h, 7d, 30d or two dates YYYY-MM-DD")
    try:
        first, last = date.fromisoformat(args[0]), date.fromisoformat(args[1])
        if last < first:
            raise Invalid("range", "the first date is after the second")
        start, end = local_days(first, last, tz)
    except (ValueError, OverflowError):
        raise Invalid("range", "two dates YYYY-MM-DD") from None
    return hour_range(start, end, "range", "range")


def local_days(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, local days, as UTC moments."""
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(last + DAY, time(), tz).astimezone(UTC)
    return start, end


# Series


@dataclass(frozen=True, slots=True)
class CountRow:
    """One stored bucket: redirects of one bot in one UTC hour."""

    hour: datetime
    bot_id: int
    username: str
    count: int


@dataclass(frozen=True, slots=True)
class BotSeries:
    bot_id: int
    username: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Marker:
    """A moment a bot went offline or banned, or came back."""

    at: datetime
    username: str
    kind: MarkerKind


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    bot_id: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class TrafficSeries:
    """What a traffic chart draws: per-bot redirects for each hour from `start`, the
    pool's hourly capacity over the same hours, and the bots' incidents."""

    start: datetime
    hours: int
    bots: tuple[BotSeries, ...]
    capacity: tuple[int, ...]
    markers: tuple[Marker, ...]

    @property
    def total(self) -> int:
        return sum(bot.total for bot in self.bots)

    def hour_starts(self) -> list[datetime]:
        return [self.start + i * HOUR for i in range(self.hours)]


def series_per_bot(
    start: datetime, hours: int, rows: Iterable[CountRow], names: Mapping[int, str]
) -> tuple[BotSeries, ...]:
    """A row of hourly counts per bot: every bot of `names`, and any bot with counts in
    the range; busiest first, then by name, "others" (OTHERS_ID) last."""
    counts: dict[int, list[int]] = {bot_id: [0] * hours for bot_id in names}
    usernames = dict(names)
    for row in rows:
        index = int((row.hour - start) / HOUR)
        if 0 <= index < hours:
            counts.setdefault(row.bot_id, [0] * hours)[index] += row.count
            usernames.setdefault(row.bot_id, row.username)
    series = [BotSeries(b, usernames[b], tuple(values)) for b, values in counts.items()]
    return tuple(sorted(series, key=lambda s: (s.bot_id == OTHERS_ID, -s.total, s.username)))


def keep_busiest(bots: Sequence[BotSeries], keep: int, others: str) -> tuple[BotSeries, ...]:
    """The `keep` busiest bots, the rest summed as one series named `others` (a chart
    stays readable on a phone with a handful of colours)."""
    if len(bots) <= keep + 1:
        return tuple(bots)
    head, tail = list(bots[:keep]), bots[keep:]
    summed = tuple(sum(values) for values in zip(*(s.counts for s in tail), strict=True))
    return (*head, BotSeries(OTHERS_ID, others, summed))


def markers(changes: Iterable[StatusChange], names: Mapping[int, str]) -> tuple[Marker, ...]:
    """Status changes that an operator calls incidents: into offline or banned, and back
    to online from either."""
    found = []
    down = {BotStatus.OFFLINE.value, BotStatus.BANNED.value}
    for change in changes:
        if change.new == BotStatus.OFFLINE:
            kind = MarkerKind.OFFLINE
        elif change.new == BotStatus.BANNED:
            kind = MarkerKind.BANNED
        elif change.new == BotStatus.ONLINE and change.old in down:
            kind = MarkerKind.RECOVERED
        else:
            continue
        found.append(Marker(change.at, names.get(change.bot_id, "?"), kind))
    return tuple(sorted(found, key=lambda m: m.at))


def capacity_series(
    start: datetime,
    hours: int,
    per_bot: int,
    status_at_start: Mapping[int, str],
    changes: Iterable[StatusChange],
) -> tuple[int, ...]:
    """The pool's hourly capacity at each hour's start: `per_bot` for each enabled member
    that was online then (statuses replayed from `status_at_start` through `changes`)."""
    status = dict(status_at_start)
    pending = sorted((c for c in changes if c.bot_id in status), key=lambda c: c.at)
    values = []
    cursor = 0
    for i in range(hours):
        moment = start + i * HOUR
        while cursor < len(pending) and pending[cursor].at <= moment:
            status[pending[cursor].bot_id] = pending[cursor].new
            cursor += 1
        online = sum(1 for value in status.values() if value == BotStatus.ONLINE)
        values.append(online * per_bot)
    return tuple(values)


def counts_csv(rows: Iterable[CountRow]) -> str:
    """The rows as CSV with a header line; hours in ISO 8601 UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow((iso_hour(row.hour), row.bot_id, row.username, row.count))
    return buffer.getvalue()


def iso_hour(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The daily digest


@dataclass(frozen=True, slots=True)
class PoolDigest:
    """One pool's yesterday: leads, the day before's, incidents and its members' uptime."""

    pool_id: int
    slug: str
    name: str
    leads: int
    leads_before: int
    bans: int
    drops: int  # members gone offline
    recoveries: int
    uptime_percent: float | None  # mean over members; None without members

    @property
    def change_percent(self) -> float | None:
        """Change against the day before; None when the day before had no leads."""
        if not self.leads_before:
            return None
        return round(100 * (self.leads - self.leads_before) / self.leads_before, 1)


def incidents(changes: Iterable[StatusChange]) -> dict[MarkerKind, int]:
    tally = dict.fromkeys(MarkerKind, 0)
    for marker in markers(changes, {}):
        tally[marker.kind] += 1
    return tally


def digest_due(now: datetime, tz: ZoneInfo, hour: int | None, sent_on: date | None) -> date | None:
    """The local day whose digest is due now (yesterday's figures go out on it), or None:
    the digest is off, its hour has not come yet today, or today's was already sent."""
    if hour is None:
        return None
    local = now.astimezone(tz)
    if local.hour < hour or sent_on == local.date():
        return None
    return local.date()
