"""Domain errors. Each has a stable `code` that the control bot and the API translate."""

from __future__ import annotations


class BotpoolError(Exception):
    code = "error"

    def __init__(self, message: str = "", **context: object) -> None:
        super().__init__(message or self.code)
        self.context = context


class NotFound(BotpoolError):
    code = "not_found"


class Invalid(BotpoolError):
    """A value the operator gave is not acceptable; `field` names it."""

    code = "invalid"

    def __init__(self, field: str, message: str, **context: object) -> None:
        super().__init__(f"{field}: {message}", field=field, **context)
        self.field = field
        self.reason = message


class Conflict(BotpoolError):
    code = "conflict"


class SlugTaken(Conflict):
    code = "slug_taken"


class BotAlreadyRegistered(Conflict):
    code = "bot_already_registered"


class AlreadyMember(Conflict):
    code = "already_member"


class PoolFull(BotpoolError):
    code = "pool_full"


class StorageBusy(BotpoolError):
    """The database stayed locked past its busy timeout; nothing was written."""

    code = "storage_busy"


class StorageUnavailable(BotpoolError):
    """The database cannot be written or reached now (disk full, read-only file, lost
    connection); nothing was written, and a retry after the fault clears may succeed."""

    code = "storage_unavailable"


class TokenRejected(BotpoolError):
    """A bot token that cannot be added. `reason`: malformed, unauthorized (Telegram
    says the token is wrong or revoked) or unreachable (Telegram did not answer)."""

    code = "token_rejected"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason, reason=reason)
        self.reason = reason
        self.detail = detail
