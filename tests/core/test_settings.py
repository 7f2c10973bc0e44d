"""SPEC §2: every variable with its default, from the environment and `.env`; a bad
value stops start-up with one line naming the variable and what it expects."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, load_settings

DEFAULTS = {
    "control_bot_token": None,
    "database_url": "sqlite+aiosqlite:///botpool.db",
    "telegram_api_url": "https://api.telegram.org",
    "http_host": "0.0.0.0",
    "http_port": 8080,
    "public_url": "http://localhost:8080",
    "admin_ids": frozenset(),
    "open_registration": False,
    "secret_key": None,
    "health_interval_s": 15,
    "health_timeout_s": 5,
    "health_concurrency": 100,
    "breaker_cooldown_s": 120,
    "ban_after_failures": 3,
    "outage_threshold": 0.5,
    "rate_limit_per_min": 100,
    "trusted_proxies": (),
    "max_bots_per_pool": 10,
    "bot_hourly_capacity": 2250,
    "log_level": "INFO",
    "history_retention_days": 30,
    "counts_retention_days": 90,
}


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No BOTPOOL_ variable set and an empty working directory (no stray `.env`)."""
    for name in list(os.environ):
        if name.startswith("BOTPOOL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_spec_variable_has_its_default(clean_env: Path) -> None:
    settings = load_settings()
    assert {name: getattr(settings, name) for name in DEFAULTS} == DEFAULTS
    assert set(DEFAULTS) <= set(Settings.model_fields)


def test_every_variable_is_read_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {
        "CONTROL_BOT_TOKEN": " 123456:control ",
        "DATABASE_URL": "postgresql+asyncpg://bp:pw@db/botpool",
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": "9090",
        "PUBLIC_URL": "https://go.example.com/",
        "ADMIN_IDS": "111, 222;333",
        "OPEN_REGISTRATION": "true",
        "SECRET_KEY": "k" * 44,
        "HEALTH_INTERVAL_S": "2.5",
        "HEALTH_TIMEOUT_S": "1",
        "HEALTH_CONCURRENCY": "7",
        "BREAKER_COOLDOWN_S": "30",
        "BAN_AFTER_FAILURES": "5",
        "OUTAGE_THRESHOLD": "0.75",
        "RATE_LIMIT_PER_MIN": "0",
        "TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
        "MAX_BOTS_PER_POOL": "20",
        "BOT_HOURLY_CAPACITY": "1000",
        "LOG_LEVEL": "debug",
        "HISTORY_RETENTION_DAYS": "7",
        "COUNTS_RETENTION_DAYS": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"BOTPOOL_{name}", value)
    settings = load_settings()
    assert settings.control_bot_token == "123456:control"
    assert settings.database_url == "postgresql+asyncpg://bp:pw@db/botpool"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 9090)
    assert settings.public_url == "https://go.example.com"
    assert settings.admin_ids == frozenset({111, 222, 333})
    assert settings.open_registration is True
    assert settings.secret_key == "k" * 44
    assert (settings.health_interval_s, settings.health_timeout_s) == (2.5, 1)
    assert settings.health_concurrency == 7
    assert (settings.breaker_cooldown_s, settings.ban_after_failures) == (30, 5)
    assert settings.outage_threshold == 0.75
    assert settings.rate_limit_per_min == 0
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.1/32"),
    )
    assert (settings.max_bots_per_pool, settings.bot_hourly_capacity) == (20, 1000)
    assert settings.log_level == "DEBUG"
    assert (settings.history_retention_days, settings.counts_retention_days) == (7, 0)


def test_dotenv_is_read_and_the_environment_wins_over_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / ".env").write_text(
        "BOTPOOL_HTTP_PORT=9191\nBOTPOOL_ADMIN_IDS=42,43\nBOTPOOL_LOG_LEVEL=WARNING\n"
    )
    monkeypatch.setenv("BOTPOOL_LOG_LEVEL", "ERROR")
    settings = load_settings()
    assert settings.http_port == 9191
    assert settings.admin_ids == frozenset({42, 43})
    assert settings.log_level == "ERROR"


def test_a_bad_value_in_dotenv_is_reported_like_one_in_the_environment(clean_env: Path) -> None:
    (clean_env / ".env").write_text("BOTPOOL_HTTP_PORT=eighty\n")
    with pytest.raises(SettingsError, match=r"^BOTPOOL_HTTP_PORT: expected a whole number$"):
        load_settings()


def test_empty_admin_ids_and_trusted_proxies_mean_none(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTPOOL_ADMIN_IDS", "")
    monkeypatch.setenv("BOTPOOL_TRUSTED_PROXIES", " ")
    settings = load_settings()
    assert settings.admin_ids == frozenset()
    assert settings.trusted_proxies == ()


def test_overrides_win_over_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTPOOL_HTTP_PORT", "9000")
    assert load_settings(http_port=9001).http_port == 9001


@pytest.mark.parametrize(
    ("variable", "value", "expects"),
    [
        ("HTTP_PORT", "abc", "a whole number"),
        ("HTTP_PORT", "70000", "65535"),
        ("HEALTH_INTERVAL_S", "-1", "greater than 0"),
        ("HEALTH_TIMEOUT_S", "soon", "a number"),
        ("ADMIN_IDS", "x", "comma-separated Telegram user ids"),
        ("ADMIN_IDS", "12,abc", "comma-separated Telegram user ids"),
        ("TRUSTED_PROXIES", "nope", "comma-separated CIDRs"),
        ("OPEN_REGISTRATION", "maybe", "true or false"),
        ("LOG_LEVEL", "LOUD", "one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
        ("BAN_AFTER_FAILURES", "0", "greater than or equal to 1"),
        ("RATE_LIMIT_PER_MIN", "-5", "greater than or equal to 0"),
        ("MAX_BOTS_PER_POOL", "2.5", "a whole number"),
        ("TELEGRAM_API_URL", "api.telegram.org", "http:// or https://"),
        ("DATABASE_URL", "botpool.db", "SQLAlchemy async URL"),
        ("DATABASE_URL", "sqlite:///botpool.db", "sqlite+aiosqlite"),
        ("DATABASE_URL", "postgresql://u:p@db/x", "postgresql+asyncpg"),
        ("HISTORY_RETENTION_DAYS", "-1", "greater than or equal to 0"),
        ("COUNTS_RETENTION_DAYS", "1", "0 (keep forever) or at least 2 days"),
        ("COUNTS_RETENTION_DAYS", "a month", "a whole number"),
        ("RATE_LIMIT_IPV6_PREFIX", "129", "less than or equal to 128"),
        ("RATE_LIMIT_IPV6_PREFIX", "0", "greater than or equal to 1"),
        ("RATE_LIMIT_MAX_CLIENTS", "0", "greater than or equal to 1"),
        ("METRICS_PORT", "metrics", "a whole number"),
        ("KEEPALIVE_TIMEOUT_S", "0", "greater than 0"),
        ("READ_TIMEOUT_S", "never", "a number"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expects: str
) -> None:
    monkeypatch.setenv(f"BOTPOOL_{variable}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"BOTPOOL_{variable}: expected ")
    assert expects in message
    assert "\n" not in message


def test_several_bad_values_still_give_one_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTPOOL_HTTP_PORT", "abc")
    monkeypatch.setenv("BOTPOOL_LOG_LEVEL", "LOUD")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(("BOTPOOL_HTTP_PORT:", "BOTPOOL_LOG_LEVEL:"))


EDGE_DEFAULTS = {
    "rate_limit_ipv6_prefix": 64,
    "rate_limit_max_clients": 100_000,
    "metrics_token": None,
    "metrics_port": None,
    "keepalive_timeout_s": 75,
    "read_timeout_s": 10,
}


def test_the_http_edge_settings_have_their_defaults_and_are_read_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    assert {name: getattr(settings, name) for name in EDGE_DEFAULTS} == EDGE_DEFAULTS
    values = {
        "RATE_LIMIT_IPV6_PREFIX": "56",
        "RATE_LIMIT_MAX_CLIENTS": "5000",
        "METRICS_TOKEN": " s3cret ",
        "METRICS_PORT": "9100",
        "KEEPALIVE_TIMEOUT_S": "30",
        "READ_TIMEOUT_S": "2.5",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"BOTPOOL_{name}", value)
    settings = load_settings()
    assert (settings.rate_limit_ipv6_prefix, settings.rate_limit_max_clients) == (56, 5000)
    assert (settings.metrics_token, settings.metrics_port) == ("s3cret", 9100)
    assert (settings.keepalive_timeout_s, settings.read_timeout_s) == (30, 2.5)


def test_an_empty_metrics_token_or_port_means_none(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTPOOL_METRICS_TOKEN", " ")
    monkeypatch.setenv("BOTPOOL_METRICS_PORT", "")
    settings = load_settings()
    assert (settings.metrics_token, settings.metrics_port) == (None, None)


def test_settings_are_frozen(clean_env: Path) -> None:
    settings = load_settings()
    with pytest.raises(ValueError):
        settings.http_port = 1  # type: ignore[misc]


@pytest.mark.parametrize("value", ["0", "1.5", "-0.1"])
def test_outage_threshold_is_a_share_above_zero_up_to_one(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BOTPOOL_OUTAGE_THRESHOLD", value)
    with pytest.raises(SettingsError, match=r"^BOTPOOL_OUTAGE_THRESHOLD: expected "):
        load_settings()
