"""Bot API request parameters (query, form, multipart or JSON) and error answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.state import BotState, SandboxState


class ApiError(Exception):
    """An answer with `ok: false`, shaped like the real Bot API's."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.error_code)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class Params:
    """Typed access to parameters; form values arrive as text, JSON ones already typed."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def raw(self, name: str) -> Any:
        return self._data.get(name)

    def text(self, name: str) -> str | None:
        value = self._data.get(name)
        if value is None or isinstance(value, FileField):
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self._data.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                return int(json.loads(value))
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self._data.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "yes"}
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self._data.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def file(self, name: str) -> FileField | None:
        value = self._data.get(name)
        return value if isinstance(value, FileField) else None


async def read_params(request: web.Request) -> Params:
    data: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if isinstance(body, dict):
                data.update(body)
        else:
            data.update((await request.post()).items())
    return Params(data)


MethodHandler = Callable[[SandboxState, BotState, Params], Awaitable[Any]]


class MethodTable(dict[str, tuple[str, MethodHandler]]):
    """Bot API methods by lower-cased name (the API is case-insensitive): (name, handler)."""

    def __call__(self, name: str) -> Callable[[MethodHandler], MethodHandler]:
        def register(handler: MethodHandler) -> MethodHandler:
            self[name.lower()] = (name, handler)
            return handler

        return register
