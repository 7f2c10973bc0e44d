"""Configuration from the environment and `.env` (SPEC §2)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(Exception):
    """A bad configuration value; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BOTPOOL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    control_bot_token: str | None = None
    database_url: str = "sqlite+aiosqlite:///botpool.db"
    telegram_api_url: str = "https://api.telegram.org"
    http_host: str = "0.0.0.0"
    http_port: int = Field(8080, ge=0, le=65535)
    public_url: str = "http://localhost:8080"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    open_registration: bool = False
    secret_key: str | None = None
    health_interval_s: float = Field(15, gt=0)
    health_timeout_s: float = Field(5, gt=0)
    health_concurrency: int = Field(100, ge=1, le=10_000)
    breaker_cooldown_s: float = Field(120, ge=0)
    ban_after_failures: int = Field(3, ge=1, le=100)
    # Share of a pass's probes failing the same way at once that is an outage of the path
    # to Telegram, not of the bots (SPEC §11, core.outage); 1 turns the share rule off.
    outage_threshold: float = Field(0.5, gt=0, le=1)
    rate_limit_per_min: int = Field(100, ge=0)
    trusted_proxies: Annotated[
        tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], NoDecode
    ] = ()
    rate_limit_ipv6_prefix: int = Field(64, ge=1, le=128)
    rate_limit_max_clients: int = Field(100_000, ge=1)
    metrics_token: str | None = None
    metrics_port: int | None = Field(None, ge=0, le=65535)
    keepalive_timeout_s: float = Field(75, gt=0)
    read_timeout_s: float = Field(10, gt=0)
    max_bots_per_pool: int = Field(10, ge=1, le=1000)
    bot_hourly_capacity: int = Field(2250, ge=1)
    # Slow start (SPEC §12): a bot that joins a pool or comes back from offline or banned
    # takes this share of its weight at first, rising to all of it over the window (0 s:
    # off).
    slow_start_share: float = Field(0.1, gt=0, le=1)
    slow_start_s: float = Field(300, ge=0)
    # Backend health (getWebhookInfo): each bot's funnel is checked every Nth health pass
    # (0: never), and the pending updates past which a backlog that keeps growing is a
    # failure.
    webhook_check_every: int = Field(4, ge=0, le=10_000)
    backend_pending_threshold: int = Field(100, ge=1)
    log_level: str = "INFO"
    # Days of health history and of hourly redirect counts kept; older rows are deleted
    # by the retention job of `botpool run`. 0 keeps them forever.
    history_retention_days: int = Field(30, ge=0, le=36500)
    counts_retention_days: int = Field(90, ge=0, le=36500)
    # Where redirect counts that cannot be written at shutdown wait for the next start;
    # unset: `botpool-spool` beside the SQLite file, or in the working directory.
    spool_dir: str | None = None
    # Alert grouping (core.incidents): how long an incident's first alerts gather before
    # one message goes out, and the least time between two notifying messages of it.
    alert_group_wait_s: float = Field(10, ge=0, le=3600)
    alert_repeat_s: float = Field(60, ge=0, le=86400)

    @property
    def backend_check_interval_s(self) -> float:
        """Seconds between two backend checks of a bot (0: off): every Nth pass."""
        return self.webhook_check_every * self.health_interval_s

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("comma-separated Telegram user ids, e.g. 123,456") from None
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_cidrs(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return tuple(ipaddress.ip_network(p, strict=False) for p in parts)
            except ValueError:
                raise ValueError("comma-separated CIDRs, e.g. 10.0.0.0/8,127.0.0.1/32") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        raise ValueError("one of " + ", ".join(LOG_LEVELS))

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _unset_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("control_bot_token", "secret_key", "metrics_token", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("counts_retention_days")
    @classmethod
    def _two_days_of_counts(cls, value: int) -> int:
        # The 24-hour figures read the bucket that straddles 24 hours ago.
        if value == 1:
            raise ValueError("0 (keep forever) or at least 2 days")
        return value

    @field_validator("telegram_api_url", "public_url", mode="before")
    @classmethod
    def _base_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value.startswith(("http://", "https://")):
                raise ValueError("an http:// or https:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        # A bare `sqlite://` or `postgresql://` names a blocking driver, which the
        # async engine refuses later with a less helpful message.
        if not scheme or scheme in ("sqlite", "postgres", "postgresql"):
            raise ValueError(
                "an SQLAlchemy async URL, e.g. sqlite+aiosqlite:///botpool.db "
                "or postgresql+asyncpg://user:password@host/db"
            )
        return value


_EXPECTS = {
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        expects = _EXPECTS.get(error["type"]) or (
            error["msg"].removeprefix("Value error, ").replace("Input should be ", "a value ")
        )
        raise SettingsError(f"BOTPOOL_{field.upper()}: expected {expects}") from None
