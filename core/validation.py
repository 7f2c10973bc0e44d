"""Checks on what an operator types, shared by the control bot and the REST API."""

from __future__ import annotations

from urllib.parse import urlsplit

from core.domain import (
    NAME_MAX,
    SLUG_RE,
    START_PARAM_RE,
    STICKY_DAYS_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Priority,
    Strategy,
)
from core.errors import Invalid


def storable(field: str, value: str) -> str:
    """Text that every engine stores: encodable as UTF-8 (no unpaired surrogate, which
    JSON's "\\ud800" can carry) and without NUL, which PostgreSQL's text refuses."""
    if "\x00" in value:
        raise Invalid(field, "text without NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(field, "text without unpaired UTF-16 surrogates") from None
    return value


def slug(value: object) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise Invalid(
            "slug", "2-50 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        )
    return value


def name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_MAX:
        raise Invalid("name", f"1-{NAME_MAX} characters")
    return storable("name", value.strip())


def strategy(value: object) -> Strategy:
    try:
        return Strategy(value)
    except ValueError:
        raise Invalid("strategy", "one of " + ", ".join(s.value for s in Strategy)) from None


def weight(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not WEIGHT_MIN <= value <= WEIGHT_MAX
    ):
        raise Invalid("weight", f"a whole number from {WEIGHT_MIN} to {WEIGHT_MAX}")
    return value


def priority(value: object) -> Priority:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("priority", "1 (preferred), 0 (normal) or -1 (backup)")
    try:
        return Priority(value)
    except ValueError:
        raise Invalid("priority", "1 (preferred), 0 (normal) or -1 (backup)") from None


def start_param(value: object) -> str:
    if not isinstance(value, str) or not START_PARAM_RE.fullmatch(value):
        raise Invalid("start_param", "1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
    return value


FALLBACK_URL_MAX = 2000  # characters; links longer than this break in some browsers
STICKY_DAYS_MIN = 0
HOURLY_CAPACITY_MIN, HOURLY_CAPACITY_MAX = 1, 1_000_000


def fallback_url(value: object) -> str | None:
    """A pool's fallback link: an absolute https URL with a host (a lead's browser is
    sent there as is), or None to go back to the 503 page. Surrounding blanks are
    dropped, as a pasted link often carries them."""
    if value is None:
        return None
    reason = f"an https:// link with a host, at most {FALLBACK_URL_MAX} characters"
    if not isinstance(value, str):
        raise Invalid("fallback_url", reason)
    url = value.strip()
    if not url or len(url) > FALLBACK_URL_MAX or any(c.isspace() for c in url):
        raise Invalid("fallback_url", reason)
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # .port: ValueError unless a number
    except ValueError:
        raise Invalid("fallback_url", reason) from None
    if parts.scheme.lower() != "https" or not hostname or not url.isprintable():
        raise Invalid("fallback_url", reason)
    return storable("fallback_url", url)


def sticky_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("sticky_days", _days_reason())
    if not STICKY_DAYS_MIN <= value <= STICKY_DAYS_MAX:
        raise Invalid("sticky_days", _days_reason())
    return value


def _days_reason() -> str:
    return f"a whole number of days from {STICKY_DAYS_MIN} (off) to {STICKY_DAYS_MAX}"


def hourly_cap(value: object) -> int | None:
    """A member's leads per rolling hour, or None for the installation's default."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not HOURLY_CAPACITY_MIN <= value <= HOURLY_CAPACITY_MAX
    ):
        raise Invalid(
            "hourly_cap",
            f"a whole number from {HOURLY_CAPACITY_MIN} to {HOURLY_CAPACITY_MAX:,} or null "
            "(the default)",
        )
    return value
