"""Pooling replayed in numpy, read from sentence-transformers model configs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from colloquy.errors import ConfigError
from colloquy.features.embeddings.pooling import PoolingSpec
from colloquy.features.embeddings.sentence import bundled_model_path

HIDDEN = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)  # batch 2, 3 tokens, width 2
MASK = np.array([[1, 1, 1], [1, 1, 0]])


def write_model(folder: Path, pooling: dict[str, object], extra: str | None = None) -> Path:
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if extra:
        modules.append({"path": "2_x", "type": f"sentence_transformers.models.{extra}"})
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return folder


def test_mean_ignores_padding() -> None:
    pooled = PoolingSpec(("mean",)).pool(HIDDEN, MASK)

    np.testing.assert_allclose(pooled[0], HIDDEN[0].mean(axis=0))
    np.testing.assert_allclose(pooled[1], HIDDEN[1, :2].mean(axis=0))


def test_cls_max_and_sqrt_len_modes() -> None:
    modes = ("cls", "max", "mean_sqrt_len_tokens")
    cls, top, sqrt_len = (PoolingSpec((mode,)).pool(HIDDEN, MASK) for mode in modes)

    np.testing.assert_allclose(cls, HIDDEN[:, 0])
    np.testing.assert_allclose(top[1], HIDDEN[1, 1])  # the padded token is larger but ignored
    np.testing.assert_allclose(sqrt_len[1], HIDDEN[1, :2].sum(axis=0) / np.sqrt(2))


def test_several_modes_are_concatenated() -> None:
    spec = PoolingSpec(("cls", "mean"))

    pooled = spec.pool(HIDDEN, MASK)

    assert spec.width_factor == 2
    assert pooled.shape == (2, 4)
    np.testing.assert_allclose(pooled[:, :2], HIDDEN[:, 0])


def test_the_bundled_model_uses_mean_pooling() -> None:
    assert PoolingSpec.from_model_dir(bundled_model_path()).modes == ("mean",)


def test_legacy_and_current_config_keys(tmp_path: Path) -> None:
    legacy = write_model(
        tmp_path / "a", {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True}
    )
    current = write_model(tmp_path / "b", {"pooling_mode": ["max", "mean"]})

    assert PoolingSpec.from_model_dir(legacy).modes == ("cls", "mean")
    assert PoolingSpec.from_model_dir(current).modes == ("max", "mean")
    assert PoolingSpec.from_model_dir(tmp_path).modes == ("mean",)  # no modules.json


def test_what_cannot_be_replayed_is_refused(tmp_path: Path) -> None:
    weighted = write_model(tmp_path / "a", {"pooling_mode": "weightedmean"})
    dense = write_model(tmp_path / "b", {"pooling_mode": "mean"}, extra="Dense")

    with pytest.raises(ConfigError, match="'weightedmean'"):
        PoolingSpec.from_model_dir(weighted)
    with pytest.raises(ConfigError, match="backend='torch'"):
        PoolingSpec.from_model_dir(dense)
