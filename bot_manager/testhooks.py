"""Fault points for tests that kill `botpool run` at a chosen moment. Inert unless the
environment variable BOTPOOL_TEST_CRASH_AT names the point: then the process SIGKILLs
itself there, as a power cut or `kill -9` would."""

from __future__ import annotations

import os
import signal

CRASH_AT = "BOTPOOL_TEST_CRASH_AT"
ALERTS_COMMITTED = "alerts-committed"  # right after a health change and its alerts commit


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
