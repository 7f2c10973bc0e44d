"""`python -m sandbox --port 8081`: serve the Bot API emulator until interrupted."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from sandbox.server import create_sandbox_app
from sandbox.state import SandboxState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="TOKEN",
        help="create a bot with this token at start (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    state = SandboxState()
    for token in args.bot:
        state.create_bot(token=token.strip())
    web.run_app(
        create_sandbox_app(state),
        host=args.host,
        port=args.port,
        handler_cancellation=True,
        shutdown_timeout=2.0,
        access_log=None,
    )


if __name__ == "__main__":
    main()
