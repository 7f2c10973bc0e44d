"""A Telegram Bot API emulator for botpool's tests and demo."""

from sandbox.client import SandboxBot, SandboxClient, SandboxRequestError
from sandbox.models import BOTFATHER, Fault, SandboxUser, botfather_text
from sandbox.server import Sandbox, create_sandbox_app, run_sandbox
from sandbox.state import SandboxState

__all__ = [
    "BOTFATHER",
    "Fault",
    "Sandbox",
    "SandboxBot",
    "SandboxClient",
    "SandboxRequestError",
    "SandboxState",
    "SandboxUser",
    "botfather_text",
    "create_sandbox_app",
    "run_sandbox",
]
