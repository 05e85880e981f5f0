"""``colloquy agent voice serve`` as a process: it registers with a registrar on loopback,
checks its recordings bucket on a local S3 server (moto), loads a conversion model, serves
its Prometheus metrics, and unregisters on Ctrl-C. The bucket, model and password come from
the ``voice.*`` settings (environment), the account from ``--register``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.voice.conversion_model import saved_conversion_model
from tests.integration.voice.s3 import moto_s3
from tests.integration.voice.sipp import free_port
from tests.unit.voice.test_register import Registrar

from colloquy.desk import seed_desk
from colloquy.storage import Store

pytestmark = pytest.mark.slow

BUCKET = "desk-calls"
START_TIMEOUT_S = 180.0


@pytest.fixture
def registrar() -> Iterator[tuple[Registrar, int]]:
    """A registrar answering on loopback from an event loop in a thread of its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    registrar = Registrar("s3cret")
    opening = loop.create_datagram_endpoint(lambda: registrar, local_addr=("127.0.0.1", 0))
    transport, _ = asyncio.run_coroutine_threadsafe(opening, loop).result(10)
    try:
        yield registrar, int(transport.get_extra_info("sockname")[1])
    finally:
        loop.call_soon_threadsafe(transport.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def conversion_model(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return saved_conversion_model(datasets_dir, tmp_path_factory.mktemp("conversion"))


def test_serve_registers_and_unregisters(
    registrar: tuple[Registrar, int],
    conversion_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    with Store.open(url) as store:
        seed_desk(store)
    registry, port = registrar
    with moto_s3(monkeypatch, BUCKET) as endpoint:
        env = {
            **os.environ,
            "COLLOQUY_DATABASE_URL": url,
            "COLLOQUY_HOME": str(tmp_path / "home"),
            "COLLOQUY_LOGGING__LEVEL": "warning",
            "COLLOQUY_VOICE__SIP_PASSWORD": "s3cret",
            "COLLOQUY_VOICE__RECORDINGS": f"s3://{BUCKET}/desk",
            "COLLOQUY_VOICE__S3_ENDPOINT": endpoint,
            "COLLOQUY_VOICE__CONVERSION_MODEL": str(conversion_model),
            "HF_HUB_OFFLINE": "1",
        }
        metrics_port, streams_port = free_port(), free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "colloquy",
                "agent",
                "voice",
                "serve",
                "--host",
                "127.0.0.1",
                "--sip-port",
                "0",
                "--rtp-ports",
                "35000-35099",
                "--register",
                f"sip:1001@127.0.0.1:{port}",
                "--ws-port",
                str(streams_port),
                "--metrics-port",
                str(metrics_port),
                "--stt",
                "pocketsphinx",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert server.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while time.monotonic() < deadline and server.poll() is None:
                line = server.stderr.readline()
                lines.append(line)
                if "media streams on" in line:
                    break
            assert any(
                f"registered as sip:1001@127.0.0.1 with 127.0.0.1:{port}" in x for x in lines
            ), "".join(lines)
            assert any(f"recordings to s3://{BUCKET}/desk/" in x for x in lines)
            assert any("scored live by model/" in x for x in lines)
            assert any(f":{streams_port}/twilio and /telnyx" in x for x in lines)
            url = f"http://127.0.0.1:{metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as page:
                exposed = page.read().decode()
            assert "voice_response_seconds_count 0.0" in exposed
            assert "voice_conversion_score_count 0.0" in exposed
            server.send_signal(signal.SIGINT)
            _, rest = server.communicate(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert "stopped" in rest
    answered = [r.header("expires") for r in registry.seen if r.header("authorization")]
    assert answered == ["300", "0"]
