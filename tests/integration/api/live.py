"""Real uvicorn servers for API tests: in a thread of the test process, or a subprocess.

:func:`running_app` serves an app built by :func:`create_app` on a free loopback port in
a background thread, so tests can reach ``app.state`` (metrics, store) while requests go
over real TCP. :class:`ServerProcess` runs ``colloquy serve`` as a child process, for
what a thread cannot show: JSON logs on stderr, several workers, a server killed mid-job.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from colloquy.services.api.app import create_app
from colloquy.services.api.settings import ApiSettings


@dataclass
class LiveServer:
    """A started server: its URL, and the app object behind it."""

    base_url: str
    app: FastAPI
    settings: ApiSettings

    def client(self, key: str | None = None, **kwargs: object) -> httpx.Client:
        """An httpx client for this server, sending ``key`` as a Bearer token if given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(settings: ApiSettings, app: FastAPI | None = None) -> Iterator[LiveServer]:
    """Serve ``app`` (default: ``create_app(settings)``) until the block ends."""
    application = app if app is not None else create_app(settings)
    sock = _loopback_socket()
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        application, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn exits when the lifespan fails; the caller is told below
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("the API server failed to start (see its log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the API server did not start within 120 s")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", application, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@dataclass
class ServerProcess:
    """``colloquy serve`` in a child process; stderr (JSON logs) is kept in a file."""

    args: Sequence[str]
    env: Mapping[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> ServerProcess:
        command = [sys.executable, "-m", "colloquy", "serve", "--port", str(self.port), *self.args]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env={**os.environ, **self.env}, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"colloquy serve exited: {self.log_text()[-2000:]}")
            try:
                if httpx.get(self.base_url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"colloquy serve did not answer in {timeout} s")

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def kill(self) -> None:
        """Kill without a shutdown (SIGKILL): what a crash looks like."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), killing after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
