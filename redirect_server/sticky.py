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
import hashlib
import hmac

from storage.crypto import TokenCipher

LABEL = b"botpool sticky cookie key v1"
DAY_S = 86400
SIGNATURE_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: 22 characters in the cookie
PREFIX = "bp_"
BLOCK = 64  # SHA-256's block size, which HMAC pads its key to
KNOWN_MAX = 10_000  # checked cookie values kept (then forgotten all at once)

Remembered = tuple[int, int]  # bot id, the UTC day (days since the epoch) it was issued


def cookie_name(slug: str) -> str:
    return PREFIX + slug


class StickyCookies:
    """Writes and reads the signed cookies of sticky links."""

    __slots__ = ("_inner", "_outer", "_attributes", "_known")

    def __init__(self, key: bytes, *, secure: bool) -> None:
        # HMAC (RFC 2104) from hashes of the padded key made once: hmac.digest() looks
        # the digest up in OpenSSL 3 at every call, which costs more than the rest of /go.
        padded = (key if len(key) <= BLOCK else hashlib.sha256(key).digest()).ljust(BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        # Lax: sent when the lead follows a link to /go from another site, as they do.
        self._attributes = "; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        # Cookie values whose signature was checked, and what they say. A value is the
        # same for every lead a link sent to one bot on one day, so there are few;
        # forged ones never get in.
        self._known: dict[str, tuple[int, int, int]] = {}

    @classmethod
    def for_installation(cls, cipher: TokenCipher, public_url: str) -> StickyCookies:
        """Keyed by the installation's token key; Secure when the links are https."""
        return cls(cipher.derive(LABEL), secure=public_url.lower().startswith("https://"))

    def _sign(self, payload: str) -> str:
        inner = self._inner.copy()
        inner.update(payload.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        digest = outer.digest()[:SIGNATURE_BYTES]
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
        known = self._known.get(value)
        if known is None:
            known = self._verify(value)
            if known is None:
                return None
        pool, bot, issued = known
        # A day ahead is another process's clock just past midnight.
        if pool != pool_id or (today - issued) * DAY_S > window_s or issued > today + 1:
            return None
        return bot, issued

    def _verify(self, value: str) -> tuple[int, int, int] | None:
        """What a cookie value says, if this installation signed it."""
        dot = value.rfind(".")
        signature = value[dot + 1 :].rstrip()
        if dot < 0 or not signature.isascii():
            return None
        payload = value[:dot]
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        pool, bot, day = payload.split(".")  # signed: written by value()
        known = int(pool), int(bot), int(day)
        if len(self._known) >= KNOWN_MAX:
            self._known.clear()
        self._known[value] = known
        return known
