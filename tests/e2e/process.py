"""Helpers for tests that run `botpool` as a separate process, as a user would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

BOTPOOL = Path(sys.executable).with_name("botpool")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    """`botpool *args` to its end, its output captured."""
    return subprocess.run(
        [str(BOTPOOL), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def clean_env(**values: str) -> dict[str, str]:
    """The environment without any BOTPOOL_ variable of the developer's, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTPOOL_")}
    env.update(values)
    return env


class Process:
    """A running `botpool` with its output collected, so a failing test can show it."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    def text(self) -> str:
        return "\n".join(self.output)

    async def wait_for_line(self, needle: str, timeout_s: float = 60) -> str:
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    for line in self.output:
                        if needle in line:
                            return line
                    if self.proc.returncode is not None:
                        raise AssertionError(f"botpool exited early:\n{self.text()}")
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"no line with {needle!r} in:\n{self.text()}") from None

    async def stop(self, timeout_s: float = 5) -> int:
        """SIGTERM, then the exit code; it must come within `timeout_s`."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout_s):
                code = await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(
                f"botpool did not stop within {timeout_s}s:\n{self.text()}"
            ) from None
        await self._reader
        return code


@asynccontextmanager
async def botpool(*args: str, env: dict[str, str], cwd: Path) -> AsyncIterator[Process]:
    proc = await asyncio.create_subprocess_exec(
        str(BOTPOOL),
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    process = Process(proc)
    try:
        yield process
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await asyncio.gather(process._reader, return_exceptions=True)


async def wait_http_ok(url: str, timeout_s: float = 60) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout_s):
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
