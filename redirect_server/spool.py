"""Redirect counts that could not be written at shutdown (the database was down), kept
in local files until a process starts with the database back (SPEC §11).

A batch is a file of JSON lines, one count each, fsync'd before shutdown ends, named
with the writer's pid and a batch id. A starting process claims a file by renaming it
(two starting at once never both take one), writes its counts and the batch id in one
transaction, then deletes it; the id, recorded in `spooled_batches`, makes a second
write of the same batch (a crash between commit and delete) a no-op: exactly once."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from core.settings import Settings
from storage.db import sqlite_path
from storage.repos.counts import Key

log = logging.getLogger(__name__)

DIRECTORY_NAME = "botpool-spool"
PATTERN = "counts-*.jsonl"
CLAIMED = ".claimed-"


def spool_dir(settings: Settings) -> Path:
    """BOTPOOL_SPOOL_DIR, else `botpool-spool` beside the SQLite file (every process of
    a host shares it), else in the working directory (a server database)."""
    if settings.spool_dir:
        return Path(settings.spool_dir).absolute()
    database = sqlite_path(settings.database_url)
    base = database.parent if database is not None else Path.cwd()
    return (base / DIRECTORY_NAME).absolute()


def batch_id(path: Path) -> str:
    """counts-<pid>-<id>.jsonl[.claimed-<pid>] -> <id>"""
    return path.name.split(".", 1)[0].rsplit("-", 1)[1]


def write(directory: Path, batch: Mapping[Key, int]) -> Path:
    """`batch` in a new spool file, on disk (fsync'd) when this returns."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"counts-{os.getpid()}-{uuid.uuid4().hex}.jsonl"
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as file:
        for (pool_id, bot_id, hour), n in batch.items():
            line = {"pool_id": pool_id, "bot_id": bot_id, "hour": hour.isoformat(), "count": n}
            file.write(json.dumps(line) + "\n")
        file.flush()
        os.fsync(file.fileno())
    partial.rename(path)  # a reader never sees half a batch
    _sync_directory(directory)
    return path


def read(path: Path) -> dict[Key, int]:
    batch: dict[Key, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = (int(row["pool_id"]), int(row["bot_id"]), datetime.fromisoformat(row["hour"]))
        batch[key] = batch.get(key, 0) + int(row["count"])
    return batch


def claim(directory: Path) -> list[Path]:
    """The spooled files this process takes, renamed so that no other takes them too:
    unclaimed ones, and those claimed by a process that is gone."""
    if not directory.is_dir():
        return []
    mine: list[Path] = []
    for path in sorted(directory.glob(PATTERN + "*")):
        name, _, owner = path.name.partition(CLAIMED)
        if name.endswith(".partial") or (owner and _alive(owner)):
            continue
        target = path.with_name(f"{name}{CLAIMED}{os.getpid()}")
        try:
            path.rename(target)
        except FileNotFoundError:  # another process claimed it first
            continue
        mine.append(target)
    return mine


def release(path: Path) -> None:
    """Give a claimed file back for the next start (writing it failed)."""
    with contextlib.suppress(FileNotFoundError):
        path.rename(path.with_name(path.name.partition(CLAIMED)[0]))


def done(path: Path) -> None:
    path.unlink(missing_ok=True)
    _sync_directory(path.parent)


def _alive(pid: str) -> bool:
    """Whether the process that claimed a file may still be writing it. Our own pid at
    start-up is a previous life's (a container's botpool is often pid 1 every time)."""
    if not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
