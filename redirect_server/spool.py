"""Counts that could not be written at shutdown (the database was down), kept in local
files until a process starts with the database back (SPEC §11).

A batch is a file of JSON lines, one count each (a bot's redirects with their returning
leads; a pool's leads of a campaign, or of an outcome: "campaign" or "outcome" names
it), fsync'd before shutdown ends, named with the writer's pid and a batch id. A
starting process claims a file by renaming it (two starting at once never both take
one), writes its counts and the batch id in one transaction, then deletes it; the id,
recorded in `spooled_batches`, makes a second write of the same batch (a crash between
commit and delete) a no-op: exactly once."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from core.settings import Settings
from redirect_server.batch import Batch
from storage.db import sqlite_path

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


def write(directory: Path, batch: Batch) -> Path:
    """`batch` in a new spool file, on disk (fsync'd) when this returns."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"counts-{os.getpid()}-{uuid.uuid4().hex}.jsonl"
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as file:
        for line in _lines(batch):
            file.write(json.dumps(line) + "\n")
        file.flush()
        os.fsync(file.fileno())
    partial.rename(path)  # a reader never sees half a batch
    _sync_directory(directory)
    return path


def _lines(batch: Batch) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for key in batch.redirects.keys() | batch.returning.keys():
        pool_id, bot_id, hour = key
        lines.append(
            {
                "pool_id": pool_id,
                "bot_id": bot_id,
                "hour": hour.isoformat(),
                "count": batch.redirects.get(key, 0),
                "returning": batch.returning.get(key, 0),
            }
        )
    for kind, counted in (("campaign", batch.campaigns), ("outcome", batch.outcomes)):
        for (pool_id, hour, name), n in counted.items():
            lines.append({kind: name, "pool_id": pool_id, "hour": hour.isoformat(), "count": n})
    return lines


def read(path: Path) -> Batch:
    """A spooled batch (files spooled before returning leads and campaigns were counted
    hold redirect lines only, with no "returning")."""
    batch = Batch()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pool_id, hour, n = (
            int(row["pool_id"]),
            datetime.fromisoformat(row["hour"]),
            int(row["count"]),
        )
        if "campaign" in row or "outcome" in row:
            kind = "campaign" if "campaign" in row else "outcome"
            counted = batch.campaigns if kind == "campaign" else batch.outcomes
            named = (pool_id, hour, str(row[kind]))
            counted[named] = counted.get(named, 0) + n
            continue
        key = (pool_id, int(row["bot_id"]), hour)
        if n:
            batch.redirects[key] = batch.redirects.get(key, 0) + n
        returning = int(row.get("returning", 0))
        if returning:
            batch.returning[key] = batch.returning.get(key, 0) + returning
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
