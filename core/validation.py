"""Checks on what an operator types, shared by the control bot and the REST API."""

from __future__ import annotations

from core.domain import (
    NAME_MAX,
    SLUG_RE,
    START_PARAM_RE,
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
