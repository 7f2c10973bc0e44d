"""Domain errors (core.errors) as the sentence an operator reads."""

from __future__ import annotations

from bot_manager.texts import t
from core.errors import (
    AlreadyMember,
    BotAlreadyRegistered,
    BotpoolError,
    Invalid,
    NotFound,
    PoolFull,
    SlugTaken,
    StorageBusy,
    StorageUnavailable,
    TokenRejected,
)

NOT_FOUND_KEYS = {"api_key": "apikeys.not_found"}  # by the kind NotFound names

INVALID_KEYS = {
    "slug": "error.slug",
    "name": "error.name",
    "weight": "error.weight",
    "priority": "error.priority",
    "strategy": "error.strategy",
    "fallback_url": "error.fallback_url",
    "sticky_days": "error.sticky_days",
    "hourly_cap": "error.hourly_cap",
}


def error_text(lang: str, exc: BotpoolError) -> str:
    if isinstance(exc, NotFound):
        return t(lang, NOT_FOUND_KEYS.get(str(exc), "common.not_found"))
    if isinstance(exc, StorageBusy):
        return t(lang, "common.busy")
    if isinstance(exc, StorageUnavailable):
        return t(lang, "common.unavailable")
    if isinstance(exc, SlugTaken):
        return t(lang, "error.slug_taken", slug=exc.context.get("slug", ""))
    if isinstance(exc, AlreadyMember):
        return t(lang, "error.already_member")
    if isinstance(exc, PoolFull):
        return t(lang, "error.pool_full", limit=exc.context.get("limit", ""))
    if isinstance(exc, BotAlreadyRegistered):
        key = "token.already_yours" if exc.context.get("own") else "token.already_other"
        return t(lang, key, username=exc.context.get("username", ""))
    if isinstance(exc, TokenRejected):
        return t(lang, f"token.{exc.reason}")
    if isinstance(exc, Invalid):
        return _invalid(lang, exc)
    return t(lang, "common.error")


def _invalid(lang: str, exc: Invalid) -> str:
    if exc.field == "fallback_pool_id":
        if "loop" in exc.reason:
            return t(lang, "error.fallback_loop")
        if "itself" in exc.reason:
            return t(lang, "error.fallback_self")
        return t(lang, "common.not_found")
    return t(lang, INVALID_KEYS.get(exc.field, "common.error"))
