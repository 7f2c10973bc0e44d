"""SQLAlchemy models for SPEC §4."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.alerts import PoolLevel
from core.domain import DEFAULT_START_PARAM, DEFAULT_STICKY_DAYS, BotStatus, Strategy
from core.reports import DEFAULT_TIME_ZONE


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Row ids are 64-bit on every engine, as the API promises (SPEC §11). SQLite's INTEGER is
# 64-bit already, and only "INTEGER PRIMARY KEY" is its auto-numbered rowid.
Id = BigInteger().with_variant(Integer, "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="pt-BR")
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The daily digest: local hour (null = off), the IANA zone it is read in, and the
    # local day it last went out (so a restart does not send it twice).
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )
    digest_hour: Mapped[int | None] = mapped_column(SmallInteger)
    digest_sent_on: Mapped[date | None] = mapped_column(Date)
    # Quiet hours, local: from `quiet_from` up to `quiet_to` (may wrap midnight) only a
    # pool with no bot left notifies; other alerts arrive silently. Null = none.
    quiet_from: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_to: Mapped[int | None] = mapped_column(SmallInteger)


class Bot(Base):
    __tablename__ = "bots"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str] = mapped_column(String(64))
    token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=BotStatus.CHECKING.value)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    auth_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_check: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breaker_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_probe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the bot last came back from offline or banned: slow start ramps it from there.
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Backend health (getWebhookInfo, SPEC §12): why the funnel behind the bot is failing
    # (null: it is not), the pending updates and webhook error date seen by the last
    # check, and when that was. A failing backend makes an online bot routed as degraded.
    backend_error: Mapped[str | None] = mapped_column(Text)
    backend_pending: Mapped[int | None] = mapped_column(Integer)
    backend_error_date: Mapped[int | None] = mapped_column(BigInteger)
    backend_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Member]] = relationship(
        back_populates="bot", cascade="all, delete-orphan", passive_deletes=True
    )


class Pool(Base):
    __tablename__ = "pools"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    strategy: Mapped[str] = mapped_column(String(24), default=Strategy.ROUND_ROBIN.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    start_param: Mapped[str] = mapped_column(String(64), default=DEFAULT_START_PARAM)
    fallback_pool_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("pools.id", ondelete="SET NULL")
    )
    alert_level: Mapped[str] = mapped_column(String(16), default=PoolLevel.IDLE.value)
    # Where a lead goes when no bot and no fallback pool can take it (https only; null:
    # the 503 page), how many days a returning lead goes back to the bot it met (0: off),
    # and the hourly-capacity level last alerted ("ok", "busy" past 80 %, "full").
    fallback_url: Mapped[str | None] = mapped_column(Text)
    sticky_days: Mapped[int] = mapped_column(
        SmallInteger, default=DEFAULT_STICKY_DAYS, server_default=str(DEFAULT_STICKY_DAYS)
    )
    capacity_level: Mapped[str] = mapped_column(String(8), default="ok", server_default="ok")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="pool",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Member.added_at, Member.bot_id)",
    )


class Member(Base):
    __tablename__ = "pool_members"
    __table_args__ = (UniqueConstraint("pool_id", "bot_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pool_id: Mapped[int] = mapped_column(Id, ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    bot_id: Mapped[int] = mapped_column(Id, ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Leads per rolling hour this bot may take (null: BOTPOOL_BOT_HOURLY_CAPACITY).
    hourly_cap: Mapped[int | None] = mapped_column(Integer)

    pool: Mapped[Pool] = relationship(back_populates="members")
    bot: Mapped[Bot] = relationship(back_populates="memberships", lazy="joined")


class RedirectCount(Base):
    __tablename__ = "redirect_counts"

    pool_id: Mapped[int] = mapped_column(
        Id, ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True
    )
    bot_id: Mapped[int] = mapped_column(
        Id, ForeignKey("bots.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Of `count`, the leads that came back with a sticky cookie (SPEC §12).
    returning_leads: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (Index("ix_redirect_counts_hour", "hour"),)


class CampaignCount(Base):
    """Leads that arrived with their own `start` (a campaign), per pool and hour. At most
    CAMPAIGNS_PER_DAY distinct campaigns are kept per pool and day; the others are
    counted under the empty name, shown as "other" (storage.repos.campaigns)."""

    __tablename__ = "campaign_counts"

    pool_id: Mapped[int] = mapped_column(
        Id, ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_campaign_counts_hour", "hour"),)


class OutcomeCount(Base):
    """Leads of a pool that no bot took, per hour: "fallback_link" (sent to the pool's
    fallback URL) and "unserved" (the 503 page)."""

    __tablename__ = "outcome_counts"

    pool_id: Mapped[int] = mapped_column(
        Id, ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_outcome_counts_hour", "hour"),)


class HealthRecord(Base):
    """One state change or one failed probe of a bot."""

    __tablename__ = "health_history"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bot_id: Mapped[int] = mapped_column(Id, ForeignKey("bots.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_health_history_bot_at", "bot_id", "at"),)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoutingChange(Base):
    """One committed transaction that changed what /go routes to: which pools and which
    bots (comma-separated ids). Every process follows this log to reload just those
    (SPEC §11); rows older than a few minutes are deleted."""

    __tablename__ = "routing_changes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    pool_ids: Mapped[str] = mapped_column(Text, default="")
    bot_ids: Mapped[str] = mapped_column(Text, default="")


class KeyFingerprint(Base):
    """The one row naming the key the bot tokens are encrypted with (TokenCipher's
    fingerprint), so a process started with another key refuses to (SPEC §11)."""

    __tablename__ = "key_fingerprint"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SpooledBatch(Base):
    """A batch of redirect counts that a process spooled to a local file at shutdown
    (the database was down) and that has since been written: the id is recorded in the
    same transaction as the counts, so a batch is written exactly once (SPEC §11)."""

    __tablename__ = "spooled_batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutageRecord(Base):
    """An outage of the path to Telegram (core.outage): when it began and ended (null
    while it lasts), for the daily digest's incidents."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertOutbox(Base):
    """One alert to tell an operator, written in the transaction of the health change
    that causes it; the alert delivery of `botpool run` sends it grouped with the others
    of its operator (core.incidents) and sets `delivered_at` once Telegram accepted."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[int] = mapped_column(SmallInteger)
    # What it is about; no foreign key: a pool or bot deleted since is left out of the text.
    pool_id: Mapped[int | None] = mapped_column(Id)
    bot_id: Mapped[int | None] = mapped_column(Id)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_alert_outbox_pending", "delivered_at", "operator_id"),)
