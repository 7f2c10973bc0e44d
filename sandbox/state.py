"""The sandbox's whole world in memory: bots, their chats, update queues and request counts."""

from __future__ import annotations

import asyncio
import re
import secrets
import string
import time
from collections import Counter, deque
from typing import Any

from sandbox.models import (
    CallbackQueryRecord,
    Chat,
    Fault,
    SandboxUser,
    StoredMessage,
    Webhook,
)

TOKEN_RE = re.compile(r"^(\d+):(\S+)$")
_SECRET_ALPHABET = string.ascii_letters + string.digits + "_-"
DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query"})
REQUEST_LOG_SIZE = 1000


class SandboxError(Exception):
    """A control-API request that cannot be carried out; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Pulse:
    """Wakes everyone waiting now; whoever waits later waits for the next pulse."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        event = self._event
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True


def random_secret(length: int = 35) -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length))


class BotState:
    """One bot as Telegram knows it."""

    def __init__(self, bot_id: int, token: str, username: str, first_name: str) -> None:
        self.id = bot_id
        self.token = token
        self.user = SandboxUser(id=bot_id, first_name=first_name, username=username, is_bot=True)
        self.banned = False
        self.removed = False
        self.faults: list[Fault] = []
        self.faults_changed = Pulse()
        self.chats: dict[int, Chat] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.new_update = Pulse()
        self.poll_generation = 0
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.request_counts: Counter[str] = Counter()
        self.request_log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.files: dict[str, bytes] = {}
        self.file_names: dict[str, str] = {}
        self.webhook = Webhook()

    def webhook_info(self) -> dict[str, Any]:
        """getWebhookInfo's answer: the pending count is the real queue unless the
        control API set one."""
        pending = self.webhook.pending_update_count
        return self.webhook.to_api(len(self.updates) if pending is None else pending)

    def to_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "username": self.user.username,
            "first_name": self.user.first_name,
            "banned": self.banned,
            "faults": [fault.to_view() for fault in self.faults],
            "webhook": self.webhook.to_view(),
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def record_request(self, method: str) -> dict[str, Any]:
        self.request_counts[method] += 1
        entry: dict[str, Any] = {"method": method, "at": time.time(), "status": None}
        self.request_log.append(entry)
        return entry

    def set_fault(self, fault: Fault) -> None:
        """Add a fault, replacing one of the same kind."""
        self.faults = [f for f in self.faults if f.kind != fault.kind] + [fault]
        self.faults_changed.fire()

    def clear_faults(self) -> None:
        self.faults = []
        self.faults_changed.fire()

    def faults_for(self, method: str) -> list[Fault]:
        return [fault for fault in self.faults if fault.applies_to(method)]

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update unless the bot's allowed_updates excludes its kind (like Telegram)."""
        if kind not in self.allowed_updates:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.new_update.fire()
        return update_id

    def confirm_updates(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def pending_updates(self, limit: int) -> list[dict[str, Any]]:
        return [update for _, update in zip(range(limit), self.updates, strict=False)]

    def chat(self, chat_id: int) -> Chat | None:
        return self.chats.get(chat_id)

    def open_chat(self, user: SandboxUser) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(user=user)
        else:
            chat.user = user
        return chat

    def wake_all(self) -> None:
        self.new_update.fire()
        self.faults_changed.fire()


class SandboxState:
    """Every bot of the sandbox, found by token or id."""

    def __init__(self) -> None:
        self.bots_by_token: dict[str, BotState] = {}
        self.bots_by_id: dict[int, BotState] = {}
        self.closing = asyncio.Event()

    def create_bot(
        self,
        token: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> BotState:
        if token is None:
            bot_id = self._free_bot_id()
            token = f"{bot_id}:{random_secret()}"
        else:
            match = TOKEN_RE.match(token)
            if match is None:
                raise SandboxError(f"malformed token {token!r}: expected <digits>:<secret>")
            bot_id = int(match.group(1))
            if bot_id in self.bots_by_id:
                raise SandboxError(f"a bot with id {bot_id} already exists", status=409)
        bot = BotState(
            bot_id=bot_id,
            token=token,
            username=username or f"sandbox{bot_id}_bot",
            first_name=first_name or f"Sandbox Bot {bot_id}",
        )
        self.bots_by_token[token] = bot
        self.bots_by_id[bot_id] = bot
        return bot

    def revoke_token(self, bot: BotState) -> BotState:
        """What @BotFather's /revoke does: a new token for the same bot; the old one is
        answered 401 from now on."""
        del self.bots_by_token[bot.token]
        bot.token = f"{bot.id}:{random_secret()}"
        self.bots_by_token[bot.token] = bot
        bot.wake_all()
        return bot

    def _free_bot_id(self) -> int:
        while True:
            bot_id = 1_000_000_000 + secrets.randbelow(8_000_000_000)
            if bot_id not in self.bots_by_id:
                return bot_id

    def find(self, ref: str | int) -> BotState:
        """A bot by id or token, or SandboxError 404."""
        bot = None
        if isinstance(ref, int) or str(ref).isdigit():
            bot = self.bots_by_id.get(int(ref))
        else:
            bot = self.bots_by_token.get(str(ref))
        if bot is None:
            raise SandboxError(f"no bot {ref!r}", status=404)
        return bot

    def reset(self) -> None:
        for bot in self.bots_by_id.values():
            bot.removed = True
            bot.wake_all()
        self.bots_by_token.clear()
        self.bots_by_id.clear()

    def close(self) -> None:
        """Let every held request (long poll, timeout fault) finish now."""
        self.closing.set()
        for bot in self.bots_by_id.values():
            bot.wake_all()


def new_message(chat: Chat, sender: SandboxUser, **fields: Any) -> StoredMessage:
    return chat.add(
        StoredMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.id,
            date=int(time.time()),
            sender=sender,
            **fields,
        )
    )
