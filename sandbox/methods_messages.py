"""Bot API methods that write to a chat: send, edit and delete messages, send photos and
documents (uploaded as multipart/form-data, kept so a test can read them back)."""

from __future__ import annotations

import mimetypes
import secrets
import struct
import time
from typing import Any

from aiohttp.web_request import FileField

from sandbox.markup import MarkupError, parse_text, split_reply_markup, utf16_len
from sandbox.models import Chat, StoredMessage
from sandbox.params import MethodTable, Params, bad_request
from sandbox.state import BotState, SandboxState, new_message

METHODS = MethodTable()
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MAX_TEXT = 4096
MAX_CAPTION = 1024


def _chat(bot: BotState, p: Params) -> Chat:
    raw = p.raw("chat_id")
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    try:
        chat = bot.chat(int(raw))
    except (TypeError, ValueError):
        chat = None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _message(chat: Chat, p: Params, missing: str) -> StoredMessage:
    if p.text("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def _formatted(p: Params, field: str, limit: int, too_long: str) -> tuple[str, Any]:
    raw = p.text(field) or ""
    parse_mode = p.text("parse_mode")
    try:
        text, entities = parse_text(raw, parse_mode)
    except MarkupError as error:
        raise bad_request(str(error)) from None
    if entities is None and not parse_mode:
        entities = p.obj(f"{field}_entities" if field == "caption" else "entities") or None
    if utf16_len(text) > limit:
        raise bad_request(too_long)
    return text, entities


def _markup(p: Params) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    try:
        return split_reply_markup(p.obj("reply_markup"))
    except MarkupError as error:
        raise bad_request(str(error)) from None


def _reply_target(chat: Chat, p: Params) -> StoredMessage | None:
    parameters = p.obj("reply_parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = parameters.get("message_id") or p.integer("reply_to_message_id")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None or target.deleted:
        if parameters.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return target


@METHODS("sendMessage")
async def send_message(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    chat = _chat(bot, p)
    text, entities = _formatted(p, "text", MAX_TEXT, "message is too long")
    if not text.strip():
        raise bad_request("message text is empty")
    inline, other = _markup(p)
    message = new_message(
        chat,
        bot.user,
        text=text,
        entities=entities,
        parse_mode=p.text("parse_mode"),
        inline_markup=inline,
        reply_keyboard=other,
        reply_to=_reply_target(chat, p),
        silent=p.flag("disable_notification"),
    )
    return message.to_api(chat.to_api())


@METHODS("editMessageText")
async def edit_message_text(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    chat = _chat(bot, p)
    message = _message(chat, p, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(p, "text", MAX_TEXT, "MESSAGE_TOO_LONG")
    if not text.strip():
        raise bad_request("message text is empty")
    inline, _ = _markup(p)
    if (text, entities, inline) == (message.text, message.entities, message.inline_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.inline_markup = text, entities, inline
    message.parse_mode = p.text("parse_mode")
    message.edit_date = int(time.time())
    return message.to_api(chat.to_api())


@METHODS("editMessageReplyMarkup")
async def edit_message_reply_markup(
    state: SandboxState, bot: BotState, p: Params
) -> dict[str, Any]:
    chat = _chat(bot, p)
    message = _message(chat, p, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    inline, _ = _markup(p)
    if inline == message.inline_markup:
        raise bad_request(NOT_MODIFIED)
    message.inline_markup = inline
    message.edit_date = int(time.time())
    return message.to_api(chat.to_api())


@METHODS("deleteMessage")
async def delete_message(state: SandboxState, bot: BotState, p: Params) -> bool:
    chat = _chat(bot, p)
    message = _message(chat, p, "message to delete not found")
    message.deleted = True
    return True


@METHODS("sendPhoto")
async def send_photo(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    chat = _chat(bot, p)
    photo, source, name = _photo(bot, p)
    return _send_media(chat, bot, p, photo=photo, photo_source=source, file_name=name)


@METHODS("sendDocument")
async def send_document(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    chat = _chat(bot, p)
    return _send_media(chat, bot, p, document=_document(bot, p))


def _send_media(chat: Chat, bot: BotState, p: Params, **media: Any) -> dict[str, Any]:
    caption, entities = _formatted(p, "caption", MAX_CAPTION, "message caption is too long")
    inline, other = _markup(p)
    message = new_message(
        chat,
        bot.user,
        **media,
        caption=caption or None,
        caption_entities=entities,
        parse_mode=p.text("parse_mode"),
        inline_markup=inline,
        reply_keyboard=other,
        reply_to=_reply_target(chat, p),
    )
    return message.to_api(chat.to_api())


def _upload(p: Params, field: str) -> tuple[FileField | None, str]:
    """The file uploaded as `field` (directly or through attach://), and the reference
    given instead when there is no upload."""
    upload = p.file(field)
    ref = p.text(field) or ""
    if upload is None and ref.startswith("attach://"):
        upload = p.file(ref.removeprefix("attach://"))
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
    return upload, ref


def _content(upload: FileField) -> bytes:
    content = upload.file.read()
    if not content:
        raise bad_request("file must be non-empty")
    return content


def _photo(bot: BotState, p: Params) -> tuple[list[dict[str, Any]], str, str | None]:
    """PhotoSizes for the `photo` parameter (an upload, a known file_id or a URL), where
    it came from, and the uploaded file's name."""
    upload, ref = _upload(p, "photo")
    if upload is not None:
        return _store_photo(bot, _content(upload)), "upload", upload.filename
    if not ref:
        raise bad_request("there is no photo in the request")
    if ref.startswith(("http://", "https://")):
        return _store_photo(bot, b""), "url", None
    if ref not in bot.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return _photo_sizes(ref, bot.files[ref]), "file_id", None


def _document(bot: BotState, p: Params) -> dict[str, Any]:
    """The Document of the `document` parameter: an upload or a known file_id."""
    upload, ref = _upload(p, "document")
    if upload is not None:
        content = _content(upload)
        file_id = "BQAC" + secrets.token_urlsafe(45)
        bot.files[file_id] = content
        name = upload.filename or "document"
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        bot.file_names[file_id] = name
        return _document_view(file_id, name, mime, len(content))
    if not ref:
        raise bad_request("there is no document in the request")
    if ref not in bot.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    name = bot.file_names.get(ref, "document")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _document_view(ref, name, mime, len(bot.files[ref]))


def _document_view(file_id: str, name: str, mime: str, size: int) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": "AgAD" + file_id[-12:],
        "file_name": name,
        "mime_type": mime,
        "file_size": size,
    }


def _store_photo(bot: BotState, content: bytes) -> list[dict[str, Any]]:
    file_id = "AgAC" + secrets.token_urlsafe(45)
    bot.files[file_id] = content
    return _photo_sizes(file_id, content)


def _photo_sizes(file_id: str, content: bytes) -> list[dict[str, Any]]:
    unique_id = "AQAD" + file_id[-12:]
    width, height = _png_size(content) or (800, 800)
    size_info = {"width": width, "height": height, "file_size": len(content)}
    return [{"file_id": file_id, "file_unique_id": unique_id, **size_info}]


def _png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (Telegram reports the real size)."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return width, height
