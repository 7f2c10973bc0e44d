"""`botpool rotate-key`: every bot token re-encrypted under a new key in one transaction,
the database's key fingerprint with them. The old key is the process's own
(BOTPOOL_SECRET_KEY, or the key file beside a SQLite database, which then gets the new
key); the new one comes from BOTPOOL_NEW_SECRET_KEY or is made here and printed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot_manager.process import StartupError, key_mismatch, key_source, token_cipher
from core.settings import Settings
from storage.crypto import KEY_FILE_SUFFIX, TokenCipher, new_key
from storage.db import create_engine, create_sessions, sqlite_path
from storage.migrate import upgrade
from storage.repos import keys


async def rotate_key(settings: Settings, given_key: str | None) -> int:
    old = token_cipher(settings)
    key = given_key or new_key()
    try:
        new = TokenCipher(key)
    except ValueError:
        raise StartupError(
            "BOTPOOL_NEW_SECRET_KEY: expected a Fernet key (make one with: botpool keygen)"
        ) from None
    if new.fingerprint == old.fingerprint:
        raise StartupError(f"the new key is {key_source(settings)} already: nothing to rotate")
    key_file = _key_file(settings)
    staged = _stage(key_file, key) if key_file is not None else None
    engine = create_engine(settings.database_url)
    committed = False
    try:
        await upgrade(engine)
        count = await keys.rotate(create_sessions(engine), old, new)
        committed = True
    except keys.KeyMismatch:
        raise StartupError(f"{key_mismatch(settings)}; nothing was changed") from None
    finally:
        await engine.dispose()
        if staged is not None and key_file is not None:
            if committed:
                os.replace(staged, key_file)
            else:
                staged.unlink(missing_ok=True)
    print(f"botpool: {count} bot tokens re-encrypted under the new key", file=sys.stderr)
    if key_file is not None:
        print(f"botpool: {key_file} now holds the new key", file=sys.stderr)
        return 0
    if given_key is None:
        print(key)
    print(
        "botpool: set BOTPOOL_SECRET_KEY to the new key in every botpool process, "
        "then start them again",
        file=sys.stderr,
    )
    return 0


def _key_file(settings: Settings) -> Path | None:
    """The key file the old key came from, if it did not come from BOTPOOL_SECRET_KEY."""
    path = sqlite_path(settings.database_url)
    if settings.secret_key or path is None:
        return None
    return path.with_name(path.name + KEY_FILE_SUFFIX)


def _stage(key_file: Path, key: str) -> Path:
    """The new key written beside the key file (mode 0600), to replace it once the
    rotation is committed."""
    staged = key_file.with_name(key_file.name + ".new")
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return staged
