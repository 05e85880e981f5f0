"""The model-directory format on its own: where a model may be written, sealing, reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from colloquy.errors import ArtifactError, NotFoundError
from colloquy.models.artifacts import (
    FORMAT_VERSION,
    check_output,
    open_model,
    staged_directory,
    write_arrays,
    write_json,
    write_model,
)


def sealed(directory: Path, **fields: object) -> dict[str, Any]:
    with staged_directory(directory, overwrite=True) as staging:
        write_json(staging / "settings.json", {"a": 1})
        write_arrays(staging / "parts" / "w.safetensors", {"w": np.ones((2, 3), np.float32)})
        return write_model(staging, kind="test", **fields)


def test_a_sealed_directory_lists_and_checks_every_file(tmp_path: Path) -> None:
    manifest = sealed(tmp_path / "m", note="x")
    assert manifest["format"] == "colloquy-test"
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest["files"]) == {"settings.json", "parts/w.safetensors"}
    model = open_model(tmp_path / "m", kind="test")
    assert model.read_json("settings.json") == {"a": 1}
    arrays = model.read_arrays("parts/w.safetensors", {"w": (-1, 3)})
    assert arrays["w"].shape == (2, 3)
    with pytest.raises(ArtifactError, match=r"'w' has shape \(2, 3\), expected \(2, 4\)"):
        model.read_arrays("parts/w.safetensors", {"w": (2, 4)})
    model.finish()
    with pytest.raises(ArtifactError, match="holds a 'colloquy-test' model, not colloquy-intent"):
        open_model(tmp_path / "m", kind="intent")
    with pytest.raises(NotFoundError):
        open_model(tmp_path / "absent", kind="test")


def test_finish_checks_the_files_the_loader_did_not_read(tmp_path: Path) -> None:
    sealed(tmp_path / "m")
    model = open_model(tmp_path / "m", kind="test")
    (tmp_path / "m" / "settings.json").write_text('{"a": 2}', encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"settings\.json is not the file that was saved"):
        model.finish()


def test_where_a_model_may_be_written(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert check_output(tmp_path / "empty") == tmp_path / "empty"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ArtifactError, match="is an existing file"):
        check_output(tmp_path / "file", overwrite=True)
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(ArtifactError, match="is a symbolic link"):
        check_output(tmp_path / "link", overwrite=True)
    sealed(tmp_path / "model")
    with pytest.raises(ArtifactError, match="already holds a colloquy model"):
        check_output(tmp_path / "model")
    assert check_output(tmp_path / "model", overwrite=True) == tmp_path / "model"


def test_the_working_directory_is_never_wiped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "train.csv").write_text("text,label\n", encoding="utf-8")
    monkeypatch.chdir(work)
    with pytest.raises(ArtifactError, match=f"{work} is a folder that is not empty"):
        sealed(Path())
    assert [p.name for p in work.iterdir()] == ["train.csv"]


def test_a_failed_write_leaves_nothing_behind_and_keeps_the_old_model(tmp_path: Path) -> None:
    sealed(tmp_path / "model", version=1)

    def crash() -> None:
        with staged_directory(tmp_path / "model", overwrite=True) as staging:
            (staging / "half.json").write_text("{", encoding="utf-8")
            raise RuntimeError("training crashed")

    with pytest.raises(RuntimeError):
        crash()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 1
    sealed(tmp_path / "model", version=2)
    assert open_model(tmp_path / "model", kind="test").manifest["version"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
