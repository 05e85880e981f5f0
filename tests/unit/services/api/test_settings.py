"""ApiSettings: loopback detection and the environment hand-over to uvicorn workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.services.api.settings import ApiSettings, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.4", False),
        ("api.example.com", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_workers_rebuild_the_same_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    original = ApiSettings(
        host="0.0.0.0",
        port=9001,
        workers=3,
        intent_model="banking77-intent@champion",
        cors_origins=["https://a.example", "https://b.example"],
        insecure=True,
        data_dir=tmp_path / "uploads",
        redis_url="redis://127.0.0.1:6379/2",
        rate_limit_per_second=7.5,
    )
    for name, value in original.to_environment().items():
        monkeypatch.setenv(name, value)
    assert ApiSettings() == original


def test_redis_url_comes_from_colloquy_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLOQUY_REDIS_URL", "redis://cache:6379/0")
    assert ApiSettings().redis_url == "redis://cache:6379/0"
