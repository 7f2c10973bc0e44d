"""An async client for the sandbox's control API, for tests and the demo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from sandbox.models import BOTFATHER, SandboxUser, botfather_text

MessagePredicate = Callable[[dict[str, Any]], bool]
POLL_INTERVAL_S = 0.02


class SandboxRequestError(Exception):
    """The control API refused a request (unknown bot, no such button, bad input...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SandboxBot:
    id: int
    token: str
    username: str
    first_name: str
    banned: bool = False

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> SandboxBot:
        return cls(
            id=view["id"],
            token=view["token"],
            username=view["username"],
            first_name=view["first_name"],
            banned=view["banned"],
        )


BotRef = SandboxBot | int | str
UserRef = SandboxUser | int


def _bot_path(bot: BotRef) -> str:
    ref = bot.id if isinstance(bot, SandboxBot) else bot
    return f"/sandbox/bots/{ref}"


def _user(user: UserRef) -> dict[str, Any]:
    return (user if isinstance(user, SandboxUser) else SandboxUser(id=user)).to_api()


class SandboxClient:
    """Drives a sandbox over HTTP. Use `async with`, or call `close()`."""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.request(method, self.base_url + path, json=body) as response:
            if response.content_type != "application/json":
                data: Any = await response.read()
            else:
                data = await response.json()
            if response.status >= 400:
                error = data.get("error") if isinstance(data, dict) else data
                raise SandboxRequestError(response.status, str(error))
            return data

    # Bots

    async def create_bot(
        self,
        token: str | None = None,
        *,
        username: str | None = None,
        first_name: str | None = None,
    ) -> SandboxBot:
        body = {"token": token, "username": username, "first_name": first_name}
        return SandboxBot.from_view(await self._call("POST", "/sandbox/bots", body))

    async def create_bots(self, count: int) -> list[SandboxBot]:
        views = await self._call("POST", "/sandbox/bots/batch", {"count": count})
        return [SandboxBot.from_view(view) for view in views]

    async def bots(self) -> list[SandboxBot]:
        return [SandboxBot.from_view(view) for view in await self._call("GET", "/sandbox/bots")]

    async def bot(self, bot: BotRef) -> dict[str, Any]:
        """The bot's view: id, token, username, first_name, banned, faults."""
        return await self._call("GET", _bot_path(bot))

    async def ban(self, bot: BotRef) -> None:
        await self._call("POST", _bot_path(bot) + "/ban")

    async def restore(self, bot: BotRef) -> None:
        """Unban the bot and clear its faults."""
        await self._call("POST", _bot_path(bot) + "/restore")

    async def revoke_token(self, bot: BotRef) -> SandboxBot:
        """Revoke the bot's token at @BotFather: the bot with its new token (same id and
        username); the old token is answered 401 from now on."""
        return SandboxBot.from_view(await self._call("POST", _bot_path(bot) + "/revoke"))

    async def reset(self) -> None:
        await self._call("POST", "/sandbox/reset")

    # Faults: `methods` limits a fault to some Bot API methods; None means every method.

    async def add_fault(
        self, bot: BotRef, kind: str, *, methods: list[str] | None = None, **params: Any
    ) -> None:
        body = {"kind": kind, "methods": methods, **params}
        await self._call("POST", _bot_path(bot) + "/faults", body)

    async def add_fault_many(
        self,
        kind: str,
        *,
        bots: list[int] | None = None,
        methods: list[str] | None = None,
        **params: Any,
    ) -> int:
        """One fault for the bots `bots` (ids), or for every bot; how many it reached."""
        body = {"kind": kind, "methods": methods, "bots": bots, **params}
        if bots is None:
            del body["bots"]
        return int((await self._call("POST", "/sandbox/faults", body))["bots"])

    async def slow(self, bot: BotRef, delay_ms: int, *, methods: list[str] | None = None) -> None:
        await self.add_fault(bot, "slow", methods=methods, delay_ms=delay_ms)

    async def hang(
        self, bot: BotRef, *, methods: list[str] | None = None, hold_s: float = 600.0
    ) -> None:
        """Hold requests unanswered until the client gives up (or the fault is cleared)."""
        await self.add_fault(bot, "timeout", methods=methods, hold_s=hold_s)

    async def fail(
        self,
        bot: BotRef,
        status: int = 502,
        *,
        description: str | None = None,
        html: bool = False,
        methods: list[str] | None = None,
    ) -> None:
        """Answer 5xx; html=True answers an nginx error page instead of JSON."""
        params = {"status": status, "description": description, "html": html}
        await self.add_fault(bot, "error", methods=methods, **params)

    async def rate_limit(
        self, bot: BotRef, retry_after: int | None = 5, *, methods: list[str] | None = None
    ) -> None:
        """Answer 429; retry_after=None leaves out parameters.retry_after, as Telegram
        sometimes does."""
        await self.add_fault(bot, "rate_limit", methods=methods, retry_after=retry_after)

    async def clear_faults(self, bot: BotRef) -> None:
        await self._call("DELETE", _bot_path(bot) + "/faults")

    # What getWebhookInfo reports: how the funnel behind the bot fares.

    async def set_webhook_state(self, bot: BotRef, **fields: Any) -> dict[str, Any]:
        """Any of url, has_custom_certificate, pending_update_count (None: the real
        queue), last_error_date (Unix time, "now", or None to clear it) and
        last_error_message; the bot's webhook as it is now."""
        view = await self._call("POST", _bot_path(bot) + "/webhook", fields)
        return view["webhook"]

    async def webhook_fails(
        self, bot: BotRef, message: str = "Connection refused", *, pending: int | None = 1
    ) -> None:
        """A delivery to the bot's webhook failed just now, `pending` updates waiting."""
        await self.set_webhook_state(
            bot, last_error_date="now", last_error_message=message, pending_update_count=pending
        )

    # Acting as a user

    async def send_message(
        self, bot: BotRef, user: UserRef, text: str, *, entities: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The user writes `text` to the bot; returns the message view plus its update_id."""
        body = {"user": _user(user), "text": text, "entities": entities}
        answer = await self._call("POST", _bot_path(bot) + "/messages", body)
        return {**answer["message"], "update_id": answer["update_id"]}

    async def forward_message(
        self,
        bot: BotRef,
        user: UserRef,
        text: str,
        *,
        origin: SandboxUser,
        date: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user forwards to the bot a message `origin` wrote."""
        body = {
            "user": _user(user),
            "text": text,
            "entities": entities,
            "forward_from": origin.to_api(),
            "forward_date": date,
        }
        answer = await self._call("POST", _bot_path(bot) + "/messages", body)
        return {**answer["message"], "update_id": answer["update_id"]}

    async def forward_from_botfather(
        self, bot: BotRef, user: UserRef, token: str, *, username: str = "new_bot"
    ) -> dict[str, Any]:
        """The user forwards BotFather's "new bot" message carrying `token`."""
        text, entities = botfather_text(token, username)
        return await self.forward_message(bot, user, text, origin=BOTFATHER, entities=entities)

    async def press_button(
        self,
        bot: BotRef,
        user: UserRef,
        message_id: int,
        *,
        callback_data: str | None = None,
        text: str | None = None,
        forged: bool = False,
    ) -> dict[str, Any]:
        """Press a button (by callback_data and/or text); returns the CallbackQuery + update_id.
        `forged=True` sends `callback_data` even if the message has no such button."""
        body = {
            "user": _user(user),
            "message_id": message_id,
            "callback_data": callback_data,
            "text": text,
            "forged": forged,
        }
        answer = await self._call("POST", _bot_path(bot) + "/callbacks", body)
        return {**answer["callback_query"], "update_id": answer["update_id"]}

    # Reading what happened

    async def messages(
        self, bot: BotRef, chat_id: int, *, include_user: bool = False
    ) -> list[dict[str, Any]]:
        """Messages of the chat, oldest first (deleted ones too, flagged)."""
        query = "?include_user=1" if include_user else ""
        return await self._call("GET", f"{_bot_path(bot)}/chats/{chat_id}/messages{query}")

    async def last_message(self, bot: BotRef, chat_id: int) -> dict[str, Any] | None:
        messages = await self.messages(bot, chat_id)
        return messages[-1] if messages else None

    async def chats(self, bot: BotRef) -> list[dict[str, Any]]:
        return await self._call("GET", _bot_path(bot) + "/chats")

    async def callback_answers(self, bot: BotRef) -> list[dict[str, Any]]:
        return await self._call("GET", _bot_path(bot) + "/callback_answers")

    async def commands(self, bot: BotRef) -> list[dict[str, Any]]:
        return await self._call("GET", _bot_path(bot) + "/commands")

    async def requests(self, bot: BotRef) -> dict[str, Any]:
        """{"counts": {method: n}, "log": [{"method", "at", "status"}, ...]} (latest 1000)."""
        return await self._call("GET", _bot_path(bot) + "/requests")

    async def request_count(self, bot: BotRef, method: str) -> int:
        return (await self.requests(bot))["counts"].get(method, 0)

    async def pending_updates(self, bot: BotRef) -> list[dict[str, Any]]:
        return await self._call("GET", _bot_path(bot) + "/updates")

    async def file(self, bot: BotRef, file_id: str) -> bytes:
        return await self._call("GET", f"{_bot_path(bot)}/files/{file_id}")

    async def photo(self, bot: BotRef, message: dict[str, Any]) -> bytes:
        """The bytes of the (largest) photo of a message view, as the bot uploaded them."""
        if not message.get("photo"):
            raise ValueError(f"message {message.get('message_id')} has no photo")
        return await self.file(bot, message["photo"]["file_id"])

    async def document(self, bot: BotRef, message: dict[str, Any]) -> tuple[str, bytes]:
        """The file name and bytes of the document of a message view."""
        document = message.get("document")
        if not document:
            raise ValueError(f"message {message.get('message_id')} has no document")
        return document["file_name"], await self.file(bot, document["file_id"])

    # Waiting, without blind sleeps

    async def wait_for_message(
        self,
        bot: BotRef,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        *,
        contains: str | None = None,
        after: int = 0,
        timeout_s: float = 5.0,
    ) -> dict[str, Any]:
        """The first live bot message with id > `after` that matches; TimeoutError if none."""

        def matches(message: dict[str, Any]) -> bool:
            shown = message["text"] or message["caption"] or ""
            return (
                message["message_id"] > after
                and not message["deleted"]
                and (contains is None or contains in shown)
                and (predicate is None or predicate(message))
            )

        seen: list[dict[str, Any]] = []
        async for _ in _ticks(timeout_s):
            seen = await self.messages(bot, chat_id)
            found = next((m for m in seen if matches(m)), None)
            if found is not None:
                return found
        shown = [(m["message_id"], m["text"] or m["caption"]) for m in seen]
        raise TimeoutError(f"no matching message in chat {chat_id} after {timeout_s}s; saw {shown}")

    async def wait_for_callback_answer(
        self, bot: BotRef, callback_query_id: str, *, timeout_s: float = 5.0
    ) -> dict[str, Any]:
        async for _ in _ticks(timeout_s):
            for answer in await self.callback_answers(bot):
                if answer["callback_query_id"] == callback_query_id and answer["answered"]:
                    return answer
        raise TimeoutError(f"callback query {callback_query_id} not answered after {timeout_s}s")

    async def wait_for_requests(
        self, bot: BotRef, method: str, count: int = 1, *, timeout_s: float = 5.0
    ) -> int:
        """Wait until the bot got at least `count` calls of `method`; returns the count."""
        seen = 0
        async for _ in _ticks(timeout_s):
            seen = await self.request_count(bot, method)
            if seen >= count:
                return seen
        raise TimeoutError(f"{method} called {seen} times, wanted {count}, after {timeout_s}s")


async def _ticks(seconds: float) -> AsyncIterator[None]:
    """Yield at once, then every POLL_INTERVAL_S until `seconds` have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        yield
        if loop.time() >= deadline:
            return
        await asyncio.sleep(POLL_INTERVAL_S)
