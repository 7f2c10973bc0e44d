"""What /settings shows, in the operator's (possibly just changed) language."""

from __future__ import annotations

from bot_manager.keyboards.settings import hour_label, quiet_label
from bot_manager.texts import t
from core.reports import DEFAULT_TIME_ZONE
from storage.models import Operator


def settings_text(operator: Operator) -> str:
    lang = operator.language
    alerts = "settings.alerts_on" if operator.alerts_enabled else "settings.alerts_off"
    if operator.digest_hour is None:
        digest = t(lang, "settings.digest_off")
    else:
        digest = t(lang, "settings.digest_at", hour=hour_label(operator.digest_hour))
    if operator.quiet_from is None or operator.quiet_to is None:
        quiet = t(lang, "settings.quiet_off")
    else:
        quiet = quiet_label(operator.quiet_from, operator.quiet_to)
    return t(
        lang,
        "settings.title",
        language=t(lang, "settings.language_name"),
        alerts=t(lang, alerts),
        digest=digest,
        zone=zone_name(operator),
        quiet=quiet,
    )


def zone_name(operator: Operator) -> str:
    return operator.time_zone or DEFAULT_TIME_ZONE
