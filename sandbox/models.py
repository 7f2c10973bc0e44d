"""Plain records of the sandbox: users, faults, chats and the messages in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.markup import utf16_len

FaultKind = Literal["slow", "timeout", "error", "rate_limit"]
FAULT_KINDS: tuple[FaultKind, ...] = ("slow", "timeout", "error", "rate_limit")


@dataclass(frozen=True)
class SandboxUser:
    """A Telegram user (or bot, such as @BotFather) as the Bot API shows it."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> SandboxUser:
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or "Test"),
            username=data.get("username"),
            last_name=data.get("last_name"),
            language_code=data.get("language_code"),
            is_bot=bool(data.get("is_bot", False)),
        )


BOTFATHER = SandboxUser(id=93372553, first_name="BotFather", username="BotFather", is_bot=True)


def botfather_text(token: str, username: str) -> tuple[str, list[dict[str, Any]]]:
    """BotFather's "Done! Congratulations on your new bot" message, with its entities."""
    head = (
        f"Done! Congratulations on your new bot. You will find it at t.me/{username}. "
        "You can now add a description, about section and profile picture for your bot, "
        "see /help for a list of commands. By the way, when you've finished creating your "
        "cool bot, ping our Bot Support if you want a better username for it. Just make "
        "sure the bot is fully operational before you do this.\n\n"
        "Use this token to access the HTTP API:\n"
    )
    tail = (
        "\nKeep your token secure and store it safely, it can be used by anyone to control "
        "your bot.\n\nFor a description of the Bot API, see this page: "
        "https://core.telegram.org/bots/api"
    )
    link = f"t.me/{username}"
    entities = [
        {"type": "url", "offset": utf16_len(head[: head.index(link)]), "length": utf16_len(link)},
        {"type": "code", "offset": utf16_len(head), "length": utf16_len(token)},
    ]
    return head + token + tail, entities


@dataclass
class Webhook:
    """A bot's webhook as Telegram keeps it. `url` empty: the bot uses getUpdates.
    `last_error_*` say how the last delivery to the webhook failed (Telegram keeps them
    after it works again). `pending_update_count` None: the bot's real update queue is
    counted; a number set through the control API is answered as it is."""

    url: str = ""
    has_custom_certificate: bool = False
    pending_update_count: int | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    max_connections: int = 40

    def to_api(self, pending: int) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": self.has_custom_certificate,
            "pending_update_count": pending,
        }
        if self.url:
            info["max_connections"] = self.max_connections
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message or ""
        return info

    def to_view(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "has_custom_certificate": self.has_custom_certificate,
            "pending_update_count": self.pending_update_count,
            "last_error_date": self.last_error_date,
            "last_error_message": self.last_error_message,
        }


@dataclass(frozen=True)
class Fault:
    """A misbehaviour of one bot's API: `methods` are lower-cased names, None = every method."""

    kind: FaultKind
    methods: frozenset[str] | None = None
    delay_ms: int = 0
    status: int = 502
    description: str | None = None
    retry_after: int | None = 5  # None: a 429 without parameters.retry_after
    html: bool = False
    hold_s: float = 600.0

    def applies_to(self, method: str) -> bool:
        return self.methods is None or method.lower() in self.methods

    def to_view(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "delay_ms": self.delay_ms,
            "status": self.status,
            "description": self.description,
            "retry_after": self.retry_after,
            "html": self.html,
            "hold_s": self.hold_s,
        }


@dataclass
class StoredMessage:
    """One message of a private chat, sent by the user or by the bot."""

    message_id: int
    chat_id: int
    date: int
    sender: SandboxUser
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    photo: list[dict[str, Any]] | None = None
    photo_source: str | None = None
    file_name: str | None = None  # of an uploaded photo (the Bot API does not echo it)
    document: dict[str, Any] | None = None
    inline_markup: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None
    parse_mode: str | None = None
    reply_to: StoredMessage | None = None
    forward_origin: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    silent: bool = False  # sent with disable_notification

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    def to_api(self, chat: dict[str, Any], *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": chat,
            "date": self.date,
        }
        if self.forward_origin is not None:
            data["forward_origin"] = self.forward_origin
            sender_user = self.forward_origin.get("sender_user")
            if sender_user is not None:
                data["forward_from"] = sender_user
            data["forward_date"] = self.forward_origin["date"]
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_api(chat, with_reply=False)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        optional = {
            "text": self.text,
            "entities": self.entities,
            "photo": self.photo,
            "document": self.document,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.inline_markup,
        }
        data.update({key: value for key, value in optional.items() if value})
        return data

    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard as rows of {text, callback_data, url}."""
        rows = (self.inline_markup or {}).get("inline_keyboard", [])
        return [
            [
                {
                    "text": button.get("text"),
                    "callback_data": button.get("callback_data"),
                    "url": button.get("url"),
                }
                for button in row
            ]
            for row in rows
        ]

    def to_view(self) -> dict[str, Any]:
        """What the control API shows a test about this message."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "date": self.date,
            "from_id": self.sender.id,
            "from_bot": self.from_bot,
            "text": self.text,
            "caption": self.caption,
            "entities": self.entities or self.caption_entities or [],
            "parse_mode": self.parse_mode,
            "photo": self.photo_view(),
            "document": self.document,
            "keyboard": self.keyboard(),
            "reply_markup": self.inline_markup,
            "reply_keyboard": self.reply_keyboard,
            "reply_to_message_id": self.reply_to.message_id if self.reply_to else None,
            "forward_origin": self.forward_origin,
            "edited": self.edit_date is not None,
            "edit_date": self.edit_date,
            "deleted": self.deleted,
            "disable_notification": self.silent,
        }

    def photo_view(self) -> dict[str, Any] | None:
        if not self.photo:
            return None
        largest = self.photo[-1]
        return {
            "file_id": largest["file_id"],
            "file_size": largest.get("file_size"),
            "width": largest.get("width"),
            "height": largest.get("height"),
            "source": self.photo_source,
            "file_name": self.file_name,
        }


@dataclass
class Chat:
    """A private chat between the bot and one user: its id is the user's id."""

    user: SandboxUser
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    @property
    def id(self) -> int:
        return self.user.id

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user.id, "type": "private"}
        data["first_name"] = self.user.first_name
        if self.user.last_name:
            data["last_name"] = self.user.last_name
        if self.user.username:
            data["username"] = self.user.username
        return data

    def add(self, message: StoredMessage) -> StoredMessage:
        self.messages[message.message_id] = message
        return message

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class CallbackQueryRecord:
    """A button press the bot received, and the answer it gave (if any)."""

    id: str
    user: SandboxUser
    chat_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None
