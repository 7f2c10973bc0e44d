"""Sticky leads (SPEC §12): a lead who comes back to a link within its pool's window goes
to the bot it met before, remembered by a cookie `bp_<slug>` scoped to the link's path.

The cookie holds no personal data: the pool's id, the bot's id and the UTC day it was
issued, signed with HMAC-SHA256 under a key derived from the installation's token key
with a fixed label, so that every process of an installation reads every other's
cookies and nothing new is stored (after `botpool rotate-key` old cookies stop being
valid: their leads are routed as new once). The issue time is a day, not a second, so
that a link's Set-Cookie header for a bot can be made once a day and cached."""

from __future__ import annotations

import base64
import hmac

from storage.crypto import TokenCipher

LABEL = b"botpool sticky cookie key v1"
DAY_S = 86400
SIGNATURE_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: 22 characters in the cookie
PREFIX = "bp_"

Remembered = tuple[int, int]  # bot id, the UTC day (days since the epoch) it was issued


def cookie_name(slug: str) -> str:
    return PREFIX + slug


class StickyCookies:
    """Writes and reads the signed cookies of sticky links."""

    __slots__ = ("_key", "_attributes")

    def __init__(self, key: bytes, *, secure: bool) -> None:
        self._key = key
        # Lax: sent when the lead follows a link to /go from another site, as they do.
        self._attributes = "; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

    @classmethod
    def for_installation(cls, cipher: TokenCipher, public_url: str) -> StickyCookies:
        """Keyed by the installation's token key; Secure when the links are https."""
        return cls(cipher.derive(LABEL), secure=public_url.lower().startswith("https://"))

    def _sign(self, payload: str) -> str:
        digest = hmac.digest(self._key, payload.encode(), "sha256")[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def value(self, pool_id: int, bot_id: int, day: int) -> str:
        payload = f"{pool_id}.{bot_id}.{day}"
        return f"{payload}.{self._sign(payload)}"

    def set_cookie(self, slug: str, pool_id: int, bot_id: int, day: int, max_age_s: int) -> str:
        """The Set-Cookie header's value that remembers `bot_id` for the link `slug`."""
        value = self.value(pool_id, bot_id, day)
        return f"{PREFIX}{slug}={value}; Max-Age={max_age_s}; Path=/go/{slug}{self._attributes}"

    def read(
        self, cookie_header: str, slug: str, pool_id: int, today: int, window_s: int
    ) -> Remembered | None:
        """The bot a lead's Cookie header remembers for this link, and the day it was
        issued; None when it has no such cookie, or one that is forged, tampered with,
        of another pool (a slug used again) or older than the window. The cookie is
        found by name with a string search: most leads send no Cookie at all, and those
        who do are not worth a full parse."""
        name = PREFIX + slug + "="
        at = cookie_header.find(name)
        while at > 0 and cookie_header[at - 1] not in " ;":  # a longer name ending in ours
            at = cookie_header.find(name, at + 1)
        if at < 0:
            return None
        begin = at + len(name)
        end = cookie_header.find(";", begin)
        value = cookie_header[begin:] if end < 0 else cookie_header[begin:end]
        dot = value.rfind(".")
        signature = value[dot + 1 :].rstrip()
        if dot < 0 or not signature.isascii():
            return None
        payload = value[:dot]
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        pool, bot, day = payload.split(".")  # signed: written by value()
        issued = int(day)
        # A day ahead is another process's clock just past midnight.
        if int(pool) != pool_id or (today - issued) * DAY_S > window_s or issued > today + 1:
            return None
        return int(bot), issued
