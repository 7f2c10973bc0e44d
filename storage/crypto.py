"""Bot tokens encrypted at rest with Fernet."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE_SUFFIX = ".key"
# What the key signs to make the fingerprint the database keeps (storage.repos.keys).
FINGERPRINT_LABEL = b"botpool token key fingerprint v1"


class TokenCipher:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(
                "BOTPOOL_SECRET_KEY: expected a Fernet key (32 url-safe base64 bytes)"
            ) from None
        self._raw = base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)
        # HMAC of a fixed label: names the key without revealing it (not reversible).
        self.fingerprint = self.derive(FINGERPRINT_LABEL).hex()

    def derive(self, label: bytes) -> bytes:
        """A key of its own for another purpose, named by a fixed `label` (HMAC-SHA256):
        the same in every process of an installation, never stored, and telling nothing
        of this one."""
        return hmac.new(self._raw, label, hashlib.sha256).digest()

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken:
            raise ValueError(
                "a bot token cannot be decrypted: is BOTPOOL_SECRET_KEY the one it was stored with?"
            ) from None


def new_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create_key(key_file: Path) -> bytes:
    """The key in `key_file`, made once with mode 0600 when it does not exist."""
    try:
        return key_file.read_bytes().strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return key_file.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def cipher_for(secret_key: str | None, database_path: Path | None) -> TokenCipher:
    """From BOTPOOL_SECRET_KEY, else from the key file beside the database (or the
    working directory for a server database)."""
    if secret_key:
        return TokenCipher(secret_key)
    base = database_path if database_path is not None else Path("botpool")
    key_file = base.with_name(base.name + KEY_FILE_SUFFIX)
    try:
        return TokenCipher(load_or_create_key(key_file))
    except ValueError:
        raise ValueError(f"{key_file}: expected a Fernet key (32 url-safe base64 bytes)") from None
