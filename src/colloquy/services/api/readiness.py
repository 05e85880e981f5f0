"""The readiness registry: what ``/ready`` asks before it says the app can take traffic.

Route modules register a check in their ``lifespan`` (``register_readiness(app, "intent
model", check)``); ``/ready`` calls every check and answers 200 only when all are ready.
A check is a cheap, synchronous look at state the module already holds (is a model
loaded?), run in a worker thread so a slow one cannot stall the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request


@dataclass(frozen=True)
class ReadinessStatus:
    """One check's answer; ``detail`` says what is missing and how to fix it."""

    ready: bool
    detail: str = ""


ReadinessCheck = Callable[[], ReadinessStatus]


@dataclass
class ReadinessRegistry:
    """Named checks, in registration order."""

    checks: dict[str, ReadinessCheck] = field(default_factory=dict)

    def register(self, name: str, check: ReadinessCheck) -> None:
        self.checks[name] = check

    def unregister(self, name: str) -> None:
        self.checks.pop(name, None)

    def run(self) -> dict[str, ReadinessStatus]:
        """Every check's status; a check that raises is reported not ready, with why."""
        results: dict[str, ReadinessStatus] = {}
        for name, check in list(self.checks.items()):
            try:
                results[name] = check()
            except Exception as exc:  # a failing check must not fail /ready itself
                results[name] = ReadinessStatus(False, f"{type(exc).__name__}: {exc}")
        return results


def readiness_of(app_or_request: FastAPI | Request) -> ReadinessRegistry:
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    registry = getattr(app.state, "readiness", None)
    if not isinstance(registry, ReadinessRegistry):
        raise RuntimeError("the app has no readiness registry: build it with create_app")
    return registry


def register_readiness(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Add ``check`` to what ``/ready`` asks, under ``name``."""
    readiness_of(app).register(name, check)
