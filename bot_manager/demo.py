"""`botpool demo`: the whole product against the built-in Telegram sandbox, with no
Telegram and no configuration. What the control bot sends to the demo operator is
printed here, and what you type is sent to it as the operator."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from core.domain import Strategy
from core.settings import Settings
from sandbox import SandboxUser, run_sandbox

DEMO_OPERATOR = SandboxUser(
    id=100200300, first_name="Operador", username="operador_demo", language_code="pt-br"
)
DEMO_SLUG = "demo"
DEMO_BOTS = 4
CHAOS_EVERY_S = 60.0
PRINT_EVERY_S = 0.3

HELP = """\
botpool demo — everything runs here, against a built-in Telegram sandbox.

  Link:  {link}
         curl -s -o /dev/null -w '%{{redirect_url}}\\n' {link}
         (run it a few times: each lead goes to the next of the {bots} bots)

Type to talk to the control bot as the demo operator:
  /pool {slug}      the pool card          /bots     your bots
  /stats            traffic and health     /help     everything else
  /qr {slug}  /chart {slug}  /export {slug}   pictures and CSV, saved in {workdir}
  press N           press button N of the last message that has buttons
  ban N / restore N ban or restore bot N (1-{bots}) in the sandbox: watch the
                    failover and the alerts arrive here
  ban all / restore all   all {bots} at once: one alert for the whole incident,
                    edited as the bans are confirmed, one message when it is over
Ctrl-C stops everything. Data: {workdir}
"""


async def _seed(settings: Settings, tokens: list[tuple[int, str, str]]) -> dict[int, int]:
    """One operator, four bots and a pool with all of them, straight into the database.
    Returns each bot's database id by its Telegram id."""
    from bot_manager.process import open_storage
    from storage.db import transaction
    from storage.repos import bots, members, operators, pools

    ids: dict[int, int] = {}
    async with open_storage(settings) as store, transaction(store.sessions) as session:
        await operators.get_or_create(session, DEMO_OPERATOR.id, "pt-BR")
        pool = await pools.create(
            session, DEMO_OPERATOR.id, name="Demo", slug=DEMO_SLUG, strategy=Strategy.ROUND_ROBIN
        )
        for telegram_id, username, token in tokens:
            bot = await bots.register(
                session,
                store.cipher,
                DEMO_OPERATOR.id,
                telegram_id=telegram_id,
                username=username,
                token=token,
            )
            ids[telegram_id] = bot.id
            await members.add(
                session,
                DEMO_OPERATOR.id,
                pool.id,
                bot.id,
                max_per_pool=settings.max_bots_per_pool,
            )
    return ids


def _show(message: dict[str, Any], buttons: list[dict[str, Any]], edited: bool) -> None:
    head = "✏️  bot (edited)" if edited else "🤖 bot"
    if message.get("disable_notification") and not edited:
        head += " (silent)"
    print(f"\n{head}:\n{message.get('text') or message.get('caption') or ''}")
    for number, button in enumerate(buttons, 1):
        print(f"   [{number}] {button['text']}")
    sys.stdout.flush()


async def _save_file(client: Any, control: Any, message: dict[str, Any], folder: Path) -> None:
    """A picture or document the control bot sent, written where the operator can open it."""
    if message.get("photo"):
        name = message["photo"].get("file_name") or f"photo-{message['message_id']}.png"
        content = await client.photo(control, message)
    elif message.get("document"):
        name, content = await client.document(control, message)
    else:
        return
    path = folder / Path(name).name
    path.write_bytes(content)
    print(f"   (saved to {path})", flush=True)


async def _print_control_bot(client: Any, control: Any, folder: Path) -> None:
    """Print each message the control bot sends or edits in the operator's chat; save its
    pictures and documents in `folder`."""
    seen: dict[int, tuple[str, str]] = {}
    while True:
        with contextlib.suppress(Exception):
            for message in await client.messages(control, DEMO_OPERATOR.id):
                if message.get("deleted"):
                    continue
                buttons = [b for row in message.get("keyboard") or [] for b in row]
                shape = (str(message.get("text") or message.get("caption")), repr(buttons))
                previous = seen.get(message["message_id"])
                if previous != shape:
                    seen[message["message_id"]] = shape
                    _show(message, buttons, edited=previous is not None)
                    if previous is None:
                        await _save_file(client, control, message, folder)
        await asyncio.sleep(PRINT_EVERY_S)


async def _last_keyboard(client: Any, control: Any) -> dict[str, Any] | None:
    for message in reversed(await client.messages(control, DEMO_OPERATOR.id)):
        if message.get("keyboard") and not message.get("deleted"):
            return message
    return None


async def _handle_line(line: str, client: Any, control: Any, bots: list[Any]) -> None:
    words = line.split()
    if not words:
        return
    if words[0] in ("ban", "restore") and words[1:] == ["all"]:
        for bot in bots:
            await (client.ban if words[0] == "ban" else client.restore)(bot)
        print(f"sandbox: every bot {'banned' if words[0] == 'ban' else 'restored'}")
        return
    if words[0] in ("ban", "restore") and len(words) == 2 and words[1].isdigit():
        index = int(words[1]) - 1
        if not 0 <= index < len(bots):
            print(f"there are bots 1 to {len(bots)}")
            return
        await (client.ban if words[0] == "ban" else client.restore)(bots[index])
        print(f"sandbox: @{bots[index].username} {'banned' if words[0] == 'ban' else 'restored'}")
        return
    if words[0] == "press" and len(words) == 2 and words[1].isdigit():
        message = await _last_keyboard(client, control)
        buttons = [b for row in (message or {}).get("keyboard") or [] for b in row]
        number = int(words[1])
        if message is None or not 1 <= number <= len(buttons):
            print("no such button")
            return
        button = buttons[number - 1]
        if button.get("url"):
            print(f"that button opens {button['url']}")
            return
        await client.press_button(
            control, DEMO_OPERATOR, message["message_id"], callback_data=button["callback_data"]
        )
        return
    await client.send_message(control, DEMO_OPERATOR, line)


async def _read_input(client: Any, control: Any, bots: list[Any]) -> None:
    """Lines typed in the terminal go to the control bot as the operator."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:  # a daemon thread: a pending readline never holds up the exit
        with contextlib.suppress(RuntimeError):  # the loop closed first
            for line in iter(sys.stdin.readline, ""):
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, "")

    threading.Thread(target=read, name="botpool-demo-input", daemon=True).start()
    while True:
        line = await lines.get()
        if not line:  # no terminal (or end of input): the demo goes on without it
            return
        try:
            await _handle_line(line.strip(), client, control, bots)
        except Exception as exc:
            print(f"sandbox said no: {exc}")


async def _chaos(
    client: Any, bots: list[Any], recheck: Any, every_s: float = CHAOS_EVERY_S
) -> None:
    """Ban a random bot every `every_s`; restore the one banned before and re-check it,
    as its operator would after sorting it out with @BotFather."""
    banned = None
    while True:
        await asyncio.sleep(every_s)
        if banned is not None:
            await client.restore(banned)
            print(f"\n🌪  chaos: @{banned.username} restored; re-checking it", flush=True)
            with contextlib.suppress(Exception):
                await recheck(banned)
        banned = random.choice(bots)
        await client.ban(banned)
        print(f"\n🌪  chaos: @{banned.username} banned", flush=True)


async def run_demo(
    settings: Settings,
    *,
    chaos: bool = False,
    chaos_every_s: float = CHAOS_EVERY_S,
    port: int | None = None,
) -> int:
    from bot_manager.process import wait_for_stop_signal
    from bot_manager.runner import run_all

    workdir = Path(tempfile.mkdtemp(prefix="botpool-demo-"))
    port = port if port is not None else settings.http_port
    async with run_sandbox() as sandbox:
        client = sandbox.client
        control = await client.create_bot(username="botpool_demo_bot", first_name="botpool")
        bots = [
            await client.create_bot(username=f"demo_funnel_{n}_bot", first_name=f"Funnel {n}")
            for n in range(1, DEMO_BOTS + 1)
        ]
        settings = settings.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{workdir / 'botpool.db'}",
                "telegram_api_url": sandbox.url,
                "control_bot_token": control.token,
                "admin_ids": frozenset({DEMO_OPERATOR.id}),
                "secret_key": None,
                "http_host": "127.0.0.1",
                "http_port": port,
                "public_url": f"http://127.0.0.1:{port}",
                "health_interval_s": min(settings.health_interval_s, 5),
                "breaker_cooldown_s": min(settings.breaker_cooldown_s, 20),
            }
        )
        ids = await _seed(settings, [(b.id, b.username, b.token) for b in bots])
        monitors: list[Any] = []

        async def recheck(bot: Any) -> None:
            if monitors:
                await monitors[0].recheck(DEMO_OPERATOR.id, ids[bot.id])

        stop = asyncio.Event()
        link = f"{settings.public_url}/go/{DEMO_SLUG}"
        print(HELP.format(link=link, slug=DEMO_SLUG, bots=DEMO_BOTS, workdir=workdir), flush=True)
        await client.send_message(control, DEMO_OPERATOR, "/pool " + DEMO_SLUG)
        side = [
            asyncio.create_task(_print_control_bot(client, control, workdir)),
            asyncio.create_task(_read_input(client, control, bots)),
            asyncio.create_task(wait_for_stop_signal()),
        ]
        if chaos:
            side.append(asyncio.create_task(_chaos(client, bots, recheck, chaos_every_s)))
        side[2].add_done_callback(lambda _task: stop.set())
        try:
            return await run_all(settings, stop=stop, on_monitor=monitors.append)
        finally:
            for task in side:
                task.cancel()
            await asyncio.gather(*side, return_exceptions=True)
