"""The command menu: pt-BR by default, English for English clients, same commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot

from bot_manager.commands import COMMANDS, set_commands
from sandbox import Sandbox


async def test_set_commands_registers_both_languages(
    sandbox: Sandbox, make_bot: Callable[..., Awaitable[Bot]]
) -> None:
    bot = await make_bot(username="botpool_control_bot")
    await set_commands(bot)
    registered = {
        entry["language_code"]: entry["commands"] for entry in await sandbox.client.commands(bot.id)
    }
    assert set(registered) == {None, "en"}
    for language, commands in registered.items():
        assert [c["command"] for c in commands] == list(COMMANDS), language
    default = {c["command"]: c["description"] for c in registered[None]}
    english = {c["command"]: c["description"] for c in registered["en"]}
    assert default["newpool"] == "Criar um pool"
    assert english["newpool"] == "Create a pool"
