"""Finding a bot token in what an operator pastes or forwards, and hiding it in logs."""

from __future__ import annotations

import pytest

from core.tokens import bot_id_of, find_token, looks_like_token, redact

TOKEN = "7123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0"
SECRET = TOKEN.split(":", 1)[1]

BOTFATHER = (
    "Done! Congratulations on your new bot. You will find it at t.me/x_bot. You can now "
    "add a description, about section and profile picture for your bot, see /help for a "
    "list of commands. By the way, when you've finished creating your cool bot, ping our "
    "Bot Support if you want a better username for it. Just make sure the bot is fully "
    "operational before you do this.\n\n"
    "Use this token to access the HTTP API:\n"
    f"{TOKEN}\n"
    "Keep your token secure and store it safely, it can be used by anyone to control "
    "your bot.\n\n"
    "For a description of the Bot API, see this page: https://core.telegram.org/bots/api"
)


def test_a_token_pasted_alone_is_found() -> None:
    assert find_token(TOKEN) == TOKEN
    assert find_token(f"  {TOKEN}\n") == TOKEN


def test_the_token_inside_the_botfather_message_is_found() -> None:
    assert find_token(BOTFATHER) == TOKEN


@pytest.mark.parametrize(
    "text",
    [
        f"({TOKEN})",
        f'"{TOKEN}"',
        f"`{TOKEN}`",
        f"token: {TOKEN}.",
        f"here it is, {TOKEN}, thanks!",
        f"<{TOKEN}>",
        f"[{TOKEN}]",
        f"token={TOKEN};",
    ],
)
def test_a_token_with_surrounding_punctuation_is_found_without_it(text: str) -> None:
    assert find_token(text) == TOKEN


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "hello, I want to add my bot please",
        "meet me at 10:30, or 11:45:00",
        "ratio 123456:7 and 2024:12:25",
        "https://example.com:8443/path/to/something/long/enough/here",
        "http://10.0.0.1:80808/abcdefghijklmnopqrstuvwxyz0123456789",
        "postgresql+asyncpg://user:averyveryverylongpasswordvalue1234@db:5432/botpool",
        "t.me/x_bot",
        "1234:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0",  # id too short
        "7123456789:short",
        "7123456789:" + "A" * 80,  # secret far too long to be one
        "7123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAK!iHm-T0",  # a character tokens never have
    ],
)
def test_prose_urls_and_near_misses_are_not_tokens(text: str | None) -> None:
    assert find_token(text) is None


def test_the_first_of_several_tokens_is_taken() -> None:
    other = "5550001111:BBHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T1"
    assert find_token(f"{TOKEN} and {other}") == TOKEN


def test_something_token_shaped_but_wrong_is_recognised_as_malformed() -> None:
    assert looks_like_token("7123456789:short-secret")
    assert looks_like_token("123456789:AAH!!bad")
    assert not looks_like_token(TOKEN)
    assert not looks_like_token("just some words")
    assert not looks_like_token(None)


def test_the_bot_id_is_the_part_before_the_colon() -> None:
    assert bot_id_of(TOKEN) == 7123456789


@pytest.mark.parametrize(
    "text",
    [
        TOKEN,
        BOTFATHER,
        f"failed: {TOKEN}",
        f"Cannot connect to https://api.telegram.org/bot{TOKEN}/getMe",
        f"POST http://127.0.0.1:8081/bot{TOKEN}/sendMessage: 502",
    ],
)
def test_redact_hides_every_secret_and_keeps_the_bot_id(text: str) -> None:
    hidden = redact(text)
    assert SECRET not in hidden
    assert "7123456789:***" in hidden


def test_redact_leaves_text_without_tokens_alone() -> None:
    text = "timeout after 5s talking to https://api.telegram.org:443/ at 10:30:00"
    assert redact(text) == text


def test_redact_hides_every_token_of_several() -> None:
    other = "5550001111:BBHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T1"
    assert redact(f"{TOKEN} {other}") == "7123456789:*** 5550001111:***"
