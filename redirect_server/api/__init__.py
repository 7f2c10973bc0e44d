"""The REST API of SPEC §8."""

from __future__ import annotations

from aiohttp import web


def setup_api(app: web.Application) -> None:
    """Mount /api/* on `app` (uses the keys of redirect_server.keys)."""
