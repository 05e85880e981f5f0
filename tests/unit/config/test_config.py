"""Settings: defaults, YAML files with extends and ${VAR} substitution, env precedence, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_put_sqlite_in_home(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'home' / 'colloquy.db'}"
    assert settings.storage.batch_size == 2000


def test_yaml_extends_deep_merges_and_substitutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_NAME", "colloquy_prod")
    monkeypatch.delenv("BATCH", raising=False)
    _write(tmp_path / "base.yaml", "storage:\n  echo: true\n  batch_size: 10\n")
    child = _write(
        tmp_path / "child.yaml",
        "extends: base.yaml\n"
        "database_url: postgresql+psycopg://u@h/${DB_NAME}\n"
        "storage:\n  batch_size: ${BATCH:-250}\n",
    )
    settings = load_settings(child)
    assert settings.database_url == "postgresql+psycopg://u@h/colloquy_prod"
    assert settings.storage.echo is True
    assert settings.storage.batch_size == 250


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _write(tmp_path / "c.yaml", "storage:\n  batch_size: 10\n  echo: true\n")
    monkeypatch.setenv("COLLOQUY_STORAGE__BATCH_SIZE", "77")
    settings = load_settings(config)
    assert settings.storage.batch_size == 77
    assert settings.storage.echo is True


def test_invalid_value_names_file_line_key_value_and_expectation(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "storage:\n  batch_size: lots\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert f"{config}:2" in message
    assert "storage.batch_size" in message
    assert "'lots'" in message
    assert "valid integer" in message


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "storage:\n  batchsize: 5\n")
    with pytest.raises(ConfigError, match=r"unknown key 'storage.batchsize'"):
        load_settings(config)


def test_malformed_yaml_gives_position(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "storage:\n  batch_size: [1, 2\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:\d+:\d+: malformed YAML"):
        load_settings(config)


def test_missing_variable_without_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    config = _write(tmp_path / "c.yaml", "database_url: ${NOPE_NOT_SET}\n")
    with pytest.raises(ConfigError, match="NOPE_NOT_SET is not set"):
        load_settings(config)


def test_extends_cycle_is_detected(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "extends: b.yaml\n")
    _write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_settings(tmp_path / "a.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_settings(_write(tmp_path / "c.yaml", "- a\n- b\n"))


def test_invalid_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "loud")
    with pytest.raises(
        ConfigError, match=r"environment variable COLLOQUY_LOGGING__LEVEL: key 'logging\.level'"
    ):
        load_settings()
