"""The speech weights are checked against their pinned hashes before use."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.agent.voice.weights import PIPER_CONFIG, packaged, verified
from colloquy.errors import ArtifactError


def test_a_swapped_file_is_refused(tmp_path: Path) -> None:
    impostor = tmp_path / "en_US-joe-medium.onnx.json"
    impostor.write_text("{}", encoding="utf-8")
    with pytest.raises(ArtifactError, match="SHA-256"):
        verified(impostor, PIPER_CONFIG.sha256)


def test_the_packaged_voice_config_matches_its_pin() -> None:
    path = packaged(PIPER_CONFIG)
    assert verified(path, PIPER_CONFIG.sha256) == path
