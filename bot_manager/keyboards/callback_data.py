"""Every button's callback data, typed. Handlers filter with `.filter(F.action == ...)`;
aiogram packs the fields and enforces Telegram's 64-byte limit. Ids named here are
re-checked against the presser on every press (SPEC §9)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from core.domain import Strategy


class MenuAction(StrEnum):
    HOME = "home"
    POOLS = "pools"
    BOTS = "bots"
    NEW_POOL = "newpool"
    ADD_BOT = "addbot"
    HELP = "help"
    CANCEL = "cancel"
    # Handled by the stats engineer's routers; a fallback answers with the command.
    STATS = "stats"
    SETTINGS = "settings"
    API_KEYS = "apikeys"


class MenuCb(CallbackData, prefix="menu"):
    action: MenuAction


class NewPoolAction(StrEnum):
    USE_SLUG = "slug"
    STRATEGY = "strategy"


class NewPoolCb(CallbackData, prefix="newpool"):
    """Buttons of the /newpool wizard; the draft itself lives in the FSM data."""

    action: NewPoolAction
    strategy: Strategy | None = None


class PoolAction(StrEnum):
    SHOW = "show"
    STRATEGIES = "strategies"
    SET_STRATEGY = "setstrategy"
    TOGGLE_ACTIVE = "active"
    FALLBACKS = "fallbacks"
    SET_FALLBACK = "setfallback"
    DELETE = "delete"
    CONFIRM_DELETE = "confirmdelete"
    FALLBACK_LINK = "link"  # asks for the fallback link
    REMOVE_FALLBACK_LINK = "unlink"
    STICKY = "sticky"  # asks for the sticky window
    SET_STICKY = "setsticky"


class PoolCb(CallbackData, prefix="pool"):
    """`target`: the fallback pool for SET_FALLBACK (0 = none), the days for SET_STICKY."""

    action: PoolAction
    pool_id: int
    strategy: Strategy | None = None
    target: int = 0


class MemberAction(StrEnum):
    MANAGE = "manage"
    CANDIDATES = "candidates"
    ADD = "add"
    SHOW = "show"
    TOGGLE = "toggle"
    WEIGHT_DOWN = "wdown"
    WEIGHT_UP = "wup"
    PRIORITY = "priority"
    REMOVE = "remove"
    CAPACITY = "cap"  # asks for the member's hourly cap
    DEFAULT_CAPACITY = "capdefault"


class MemberCb(CallbackData, prefix="member"):
    """`priority` is the Priority value to set for PRIORITY (1, 0 or -1)."""

    action: MemberAction
    pool_id: int
    bot_id: int = 0
    priority: int = 0


class BotAction(StrEnum):
    LIST = "list"
    SHOW = "show"
    RECHECK = "recheck"
    DELETE = "delete"
    CONFIRM_DELETE = "confirmdelete"


class BotCb(CallbackData, prefix="bot"):
    action: BotAction
    bot_id: int = 0


# stats, settings, api keys


class StatsAction(StrEnum):
    OVERVIEW = "overview"
    POOL = "pool"
    FAILURES = "failures"
    CAMPAIGNS = "campaigns"


class StatsCb(CallbackData, prefix="stats"):
    """`bot_id` names the bot whose failures FAILURES shows, inside pool `pool_id`."""

    action: StatsAction
    pool_id: int = 0
    bot_id: int = 0


class LanguageChoice(StrEnum):
    PT_BR = "pt-BR"
    EN = "en"


class SettingsAction(StrEnum):
    LANGUAGE = "lang"
    ALERTS = "alerts"
    DIGEST = "digest"
    DIGEST_HOUR = "hour"
    ZONES = "zones"
    ZONE = "zone"
    QUIET = "quiet"
    QUIET_SET = "quietset"


class SettingsCb(CallbackData, prefix="settings"):
    """LANGUAGE sets `language`; ALERTS sets alerts to `enabled`; DIGEST_HOUR sets the
    digest's local `hour` (-1 = off); ZONE sets the time zone `zone` (an index of
    keyboards.settings.ZONES, since zone names can be long); QUIET_SET sets the quiet
    hours to keyboards.settings.QUIET_HOURS[`quiet`] (-1 = none)."""

    action: SettingsAction
    language: LanguageChoice | None = None
    enabled: bool = False
    hour: int = -1
    zone: int = -1
    quiet: int = -1


class ReportAction(StrEnum):
    QR = "qr"
    CHART = "chart"
    EXPORT = "export"  # asks for the range
    EXPORT_RANGE = "exportrange"


class ReportCb(CallbackData, prefix="report"):
    """`hours`: the span of CHART (24 or 168) and EXPORT_RANGE (24, 168 or 720)."""

    action: ReportAction
    pool_id: int
    hours: int = 24


class ApiKeyAction(StrEnum):
    LIST = "list"
    CREATE = "create"
    NO_LABEL = "nolabel"
    REVOKE = "revoke"
    CONFIRM_REVOKE = "confirmrevoke"


class ApiKeyCb(CallbackData, prefix="apikey"):
    action: ApiKeyAction
    key_id: int = 0
