"""Hostile and mistaken configuration: each one a one-line ConfigError or a warning.

Covers what an outside review found: errors inside an ``extends`` base, non-UTF-8 and
binary files, recursive and exploding anchors, duplicate keys, malformed JSON in a
``COLLOQUY_<SECTION>`` variable, and misspelt ``COLLOQUY_*`` names.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from colloquy.config import NOT_SETTINGS, load_settings, setting_variables
from colloquy.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _one_line_config_error(config: Path | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    return message


def test_unknown_key_in_a_base_file_names_the_base_and_its_line(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.yaml", "storage:\n  echo: true\n  batchsize: 10\n")
    child = _write(tmp_path / "child.yaml", "extends: base.yaml\nstorage:\n  echo: false\n")
    message = _one_line_config_error(child)
    assert f"{base}:3: unknown key 'storage.batchsize'" in message
    assert "child.yaml" not in message


def test_bad_value_in_a_grandparent_is_found_through_the_chain(tmp_path: Path) -> None:
    root = _write(tmp_path / "root.yaml", "logging:\n  level: loud\n")
    _write(tmp_path / "mid.yaml", "extends: root.yaml\nstorage:\n  echo: true\n")
    child = _write(tmp_path / "child.yaml", "extends: mid.yaml\n")
    assert f"{root}:2: key 'logging.level' = 'loud'" in _one_line_config_error(child)


def test_a_child_override_is_reported_against_the_child(tmp_path: Path) -> None:
    _write(tmp_path / "base.yaml", "storage:\n  batch_size: 10\n")
    child = _write(tmp_path / "child.yaml", "extends: base.yaml\n\nstorage:\n  batch_size: x\n")
    assert f"{child}:4: key 'storage.batch_size'" in _one_line_config_error(child)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_or_utf32_file_asks_for_utf8(tmp_path: Path, encoding: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("storage:\n  echo: true\n", encoding=encoding)
    message = _one_line_config_error(config)
    assert str(config) in message
    assert "save it as UTF-8" in message


def test_latin1_file_names_the_byte(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_bytes("llm:\n  model: caf\u00e9\n".encode("latin-1"))
    assert f"{config}:2: byte 0xe9 is not UTF-8 text" in _one_line_config_error(config)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "model.bin"
    config.write_bytes(bytes(range(256)) * 4)
    assert "binary" in _one_line_config_error(config)


def test_a_folder_given_as_config(tmp_path: Path) -> None:
    assert "cannot read config file" in _one_line_config_error(tmp_path)


def test_recursive_anchor_is_refused_with_its_line(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "storage: &loop\n  url: x\n  again: *loop\n")
    message = _one_line_config_error(config)
    assert f"{config}:3: alias *loop refers to the node that contains it" in message


def test_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    config = _write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    assert "aliases expand the configuration past" in _one_line_config_error(config)


def test_ordinary_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "c.yaml",
        "defaults: &defaults\n  echo: true\n  batch_size: 10\n"
        "storage:\n  <<: *defaults\n  batch_size: 20\n",
    )
    with pytest.raises(ConfigError, match="unknown key 'defaults'"):
        load_settings(config)
    merged = _write(tmp_path / "m.yaml", "storage: &s\n  echo: true\nllm:\n  model: m\n")
    assert load_settings(merged).storage.echo is True


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "c.yaml", "storage:\n  batch_size: 10\n  echo: true\n  batch_size: 20\n"
    )
    message = _one_line_config_error(config)
    assert f"{config}:4: key 'batch_size' is set twice, on lines 2 and 4" in message


def test_duplicate_top_level_key_in_flow_style(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "{storage: {echo: true}, storage: {echo: false}}\n")
    assert "key 'storage' is set twice, on lines 1 and 1" in _one_line_config_error(config)


def test_deeply_nested_yaml_is_one_line(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert str(config) in _one_line_config_error(config)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COLLOQUY_STORAGE", "{bad"),
        ("COLLOQUY_LLM", '{"model": '),
        ("COLLOQUY_INGEST__PII__KINDS", "[email"),
    ],
)
def test_malformed_json_in_a_section_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    message = _one_line_config_error()
    assert f"environment variable {name} is not valid JSON" in message
    assert f"{name}__KEY=value" in message


def test_valid_json_section_variable_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLOQUY_STORAGE", '{"batch_size": 7}')
    assert load_settings().storage.batch_size == 7


def test_invalid_value_in_a_variable_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _write(tmp_path / "c.yaml", "storage:\n  echo: true\n")
    monkeypatch.setenv("COLLOQUY_STORAGE__BATCH_SIZE", "many")
    message = _one_line_config_error(config)
    assert "environment variable COLLOQUY_STORAGE__BATCH_SIZE: key 'storage.batch_size'" in message


@pytest.mark.parametrize(
    ("misspelt", "suggestion"),
    [
        ("COLLOQUY_DATABASE_URI", "COLLOQUY_DATABASE_URL"),
        ("COLLOQUY_LLM_BASE_URL", "COLLOQUY_LLM__BASE_URL"),
        ("COLLOQUY_BATCH_SIZE", "COLLOQUY_STORAGE__BATCH_SIZE"),
    ],
)
def test_misspelt_variable_is_reported_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    misspelt: str,
    suggestion: str,
) -> None:
    monkeypatch.setenv(misspelt, "5")
    with caplog.at_level(logging.WARNING, logger="colloquy.config"):
        load_settings()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"environment variable {misspelt} is not a colloquy setting and is ignored — "
        f"did you mean {suggestion}?"
    ]


@pytest.mark.parametrize(
    ("misspelt", "suggestion"),
    [
        ("COLLOQUY_STORAGE__BATCHSIZE", "COLLOQUY_STORAGE__BATCH_SIZE"),
        ("COLLOQUY_INGEST__CLEAN__X", "COLLOQUY_INGEST__CLEAN"),
        ("COLLOQUY_HOME__DIR", "COLLOQUY_HOME"),
    ],
)
def test_unknown_key_under_a_known_setting_is_an_error(
    monkeypatch: pytest.MonkeyPatch, misspelt: str, suggestion: str
) -> None:
    monkeypatch.setenv(misspelt, "5")
    message = _one_line_config_error()
    assert message == (
        f"environment variable {misspelt} is not a colloquy setting — did you mean {suggestion}?"
    )


def test_known_variables_raise_no_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in NOT_SETTINGS:
        monkeypatch.setenv(name, "postgresql+psycopg://x@127.0.0.1/none")
    monkeypatch.setenv("COLLOQUY_DATA_DIR", "/tmp")
    monkeypatch.setenv("colloquy_storage__echo", "true")
    monkeypatch.setenv("COLLOQUY_INGEST__CLEANING__LOWERCASE", "true")
    with caplog.at_level(logging.WARNING, logger="colloquy.config"):
        settings = load_settings()
    assert settings.ingest.cleaning.lowercase is True
    assert [r for r in caplog.records if r.name == "colloquy.config"] == []


def test_every_setting_has_a_variable() -> None:
    variables = setting_variables()
    assert variables["COLLOQUY_DATABASE_URL"] is False
    assert variables["COLLOQUY_STORAGE"] is True
    assert variables["COLLOQUY_LLM__API_KEY"] is False
    assert variables["COLLOQUY_INGEST__PII__KINDS"] is True
