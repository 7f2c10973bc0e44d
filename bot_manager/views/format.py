"""Small formatting helpers shared by every view (numbers, bars, status marks)."""

from __future__ import annotations

from datetime import datetime

from core.domain import BotStatus

STATUS_EMOJI = {
    BotStatus.CHECKING: "⏳",
    BotStatus.ONLINE: "✅",
    BotStatus.DEGRADED: "⚠️",
    BotStatus.OFFLINE: "❌",
    BotStatus.BANNED: "⛔",
}
BAR_CELLS = 10


def status_emoji(status: str) -> str:
    return STATUS_EMOJI.get(BotStatus(status), "❔")


def health_bar(percent: int, cells: int = BAR_CELLS) -> str:
    """The seed's dashboard bar: ▰ for the healthy share, ▱ for the rest."""
    filled = round(max(0, min(100, percent)) * cells / 100)
    return "▰" * filled + "▱" * (cells - filled)


def number(lang: str, value: int) -> str:
    """1.247 in Portuguese, 1,247 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang != "en" else text


def decimal(lang: str, value: float) -> str:
    """18,5 in Portuguese, 18.5 in English (one decimal, none when whole)."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang != "en" else text


def latency(value_ms: float | None) -> str:
    return f"{round(value_ms)}ms" if value_ms is not None else "--"


def moment(value: datetime | None, never: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else never
