"""The `botpool` command (SPEC §3)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Sequence

from bot_manager.process import StartupError
from core.settings import Settings, SettingsError, load_settings

NEW_KEY_VARIABLE = "BOTPOOL_NEW_SECRET_KEY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="botpool",
        description="Self-hosted load balancer for Telegram bots: one link, many bots.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="control bot, redirect server and health checks in one process")
    commands.add_parser("redirect", help="the redirect server alone (an extra replica)")
    demo = commands.add_parser("demo", help="everything against a built-in Telegram sandbox")
    demo.add_argument("--chaos", action="store_true", help="ban and restore a bot every minute")
    demo.add_argument(
        "--chaos-every", type=float, default=60.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    demo.add_argument("--port", type=int, default=None, help="redirect server port (default 8080)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    apikey = commands.add_parser("apikey", help="REST API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create = apikey_commands.add_parser("create", help="print a new API key once")
    create.add_argument("--owner", type=int, required=True, metavar="TELEGRAM_ID")
    create.add_argument("--label", default="", metavar="TEXT")
    commands.add_parser("check", help="one health pass now, printed as a table")
    commands.add_parser(
        "rotate-key",
        help="re-encrypt every bot token under a new key (from BOTPOOL_NEW_SECRET_KEY, "
        "else a new one, printed); stop every botpool process first",
    )
    commands.add_parser("keygen", help="print a new random key for BOTPOOL_SECRET_KEY")
    return parser


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Their INFO lines (each migration step, each scheduled pass) drown ours.
    for noisy in ("alembic", "apscheduler", "aiogram.event"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


async def _migrate(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _apikey_create(settings: Settings, owner: int, label: str) -> str:
    from bot_manager.process import open_storage
    from redirect_server.api import create_api_key

    async with open_storage(settings) as store:
        return await create_api_key(store.sessions, owner, label)


def _rotate_key(settings: Settings) -> int:
    from bot_manager.keys import rotate_key

    new_key = os.environ.get(NEW_KEY_VARIABLE, "").strip() or None
    return asyncio.run(rotate_key(settings, new_key))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"botpool: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    try:
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 0
    except StartupError as exc:
        print(f"botpool: {exc}", file=sys.stderr)
        return 1
    finally:
        # Everything is flushed and closed by now. Without this, the interpreter's last
        # garbage collection walks every object aiogram's models left (seconds on a
        # busy machine) between "stopped" and the exit a supervisor waits for.
        gc.freeze()


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("botpool: database schema is up to date")
        return 0
    if args.command == "keygen":
        from storage.crypto import new_key

        print(new_key())
        return 0
    if args.command == "rotate-key":
        return _rotate_key(settings)
    if args.command == "apikey":
        try:
            key = asyncio.run(_apikey_create(settings, args.owner, args.label))
        except Exception as exc:  # an Invalid label, an unreachable database
            raise StartupError(str(exc)) from None
        print(key)
        print("Store it now: botpool keeps only its hash.", file=sys.stderr)
        return 0
    from bot_manager.process import run_forever

    if args.command == "redirect":  # first, and alone: a replica must not load aiogram
        from bot_manager.replica import run_redirect

        return run_forever(run_redirect(settings))
    from bot_manager import runner

    if args.command == "run":
        return run_forever(runner.run_all(settings))
    if args.command == "check":
        return run_forever(runner.run_check(settings))
    if args.command == "demo":
        from bot_manager import demo

        return run_forever(
            demo.run_demo(
                settings, chaos=args.chaos, chaos_every_s=args.chaos_every, port=args.port
            )
        )
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
