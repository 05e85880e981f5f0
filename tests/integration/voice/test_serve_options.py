"""``colloquy agent voice serve``'s new options refuse bad input before anything loads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.test_bad_inputs import logging_restored
from tests.integration.voice.s3 import moto_s3

from colloquy.services.cli.main import main

PASSWORD = "COLLOQUY_VOICE__SIP_PASSWORD"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path))
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "warning")
    monkeypatch.delenv(PASSWORD, raising=False)
    with logging_restored():
        yield tmp_path


def _serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["agent", "voice", "serve", "--sip-port", "0", *args])
    return code, capsys.readouterr().err


def test_register_without_a_password_in_the_environment(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _serve(capsys, "--register", "sip:1001@127.0.0.1:5999")
    assert code == 2
    assert PASSWORD in err


def test_register_with_a_bad_account(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD, "s3cret")
    code, err = _serve(capsys, "--register", "1001@pbx.example.com")
    assert code == 2
    assert "sip:USER@REGISTRAR" in err


def test_recordings_to_a_missing_bucket(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with moto_s3(monkeypatch) as endpoint:
        code, err = _serve(capsys, "--recordings", "s3://absent/calls", "--s3-endpoint", endpoint)
    assert code == 2
    assert "'absent'" in err
    assert "does not exist" in err


def test_an_endpoint_for_a_folder(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _serve(
        capsys, "--recordings", str(home / "calls"), "--s3-endpoint", "http://127.0.0.1:9"
    )
    assert code == 2
    assert "S3 endpoint was given" in err


def test_an_empty_desk_is_still_refused_after_the_options_pass(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD, "")
    code, err = _serve(
        capsys, "--register", "sip:1001@127.0.0.1:5999", "--recordings", str(home / "calls")
    )
    assert code == 2
    assert "colloquy agent seed" in err


def test_the_account_and_bucket_settings_apply_without_options(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD, "s3cret")
    monkeypatch.setenv("COLLOQUY_VOICE__SIP_ACCOUNT", "pbx.example.com")
    code, err = _serve(capsys)
    assert code == 2
    assert "bad SIP account 'pbx.example.com'" in err
    monkeypatch.delenv("COLLOQUY_VOICE__SIP_ACCOUNT")
    with moto_s3(monkeypatch) as endpoint:
        monkeypatch.setenv("COLLOQUY_VOICE__RECORDINGS", "s3://elsewhere")
        monkeypatch.setenv("COLLOQUY_VOICE__S3_ENDPOINT", endpoint)
        code, err = _serve(capsys)
    assert code == 2
    assert "'elsewhere'" in err
