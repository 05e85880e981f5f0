"""TuneConfig and the search space: what is accepted, and the message for what is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest
from pydantic import ValidationError

from colloquy.config.loading import load_yaml_model
from colloquy.errors import ConfigError
from colloquy.pipelines.tuning import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    TuneConfig,
    grid_size,
    grid_values,
    suggest,
)


def _config(**fields: Any) -> TuneConfig:
    fields.setdefault("space", {"head.C": {"type": "float", "low": 0.01, "high": 10, "log": True}})
    return TuneConfig.model_validate(fields)


def _error(**fields: Any) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as info:
        _config(**fields)
    first = info.value.errors()[0]
    return first["loc"], first["msg"]


def test_defaults_are_tpe_median_maximize() -> None:
    config = _config()
    assert (config.sampler, config.pruner, config.direction) == ("tpe", "median", "maximize")
    assert config.n_trials == 20
    assert config.workers == 1
    assert config.study is None
    assert config.space["head.C"] == FloatDimension(type="float", low=0.01, high=10.0, log=True)


def test_all_three_dimension_kinds_parse() -> None:
    config = _config(
        space={
            "head.C": {"type": "float", "low": 0.1, "high": 1.0, "step": 0.1},
            "trainer.num_leaves": {"type": "int", "low": 8, "high": 64, "log": True},
            "encoder": {"type": "categorical", "choices": ["all-MiniLM-L6-v2", "bge"]},
        }
    )
    assert isinstance(config.space["trainer.num_leaves"], IntDimension)
    assert isinstance(config.space["encoder"], CategoricalDimension)


def test_config_is_frozen_and_forbids_unknown_keys() -> None:
    config = _config()
    with pytest.raises(ValidationError):
        config.n_trials = 3  # type: ignore[misc]
    loc, msg = _error(samplr="tpe")
    assert loc == ("samplr",)
    assert "Extra inputs" in msg


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        ({"type": "float", "low": 5, "high": 1}, "inverted range: low 5.0 is above high 1.0"),
        ({"type": "int", "low": 3, "high": 3}, "empty range: low and high are both 3"),
        ({"type": "float", "low": 0, "high": 1, "log": True}, "a log range needs low > 0"),
        ({"type": "int", "low": -1, "high": 8, "log": True}, "a log range needs low > 0"),
        ({"type": "float", "low": 0.1, "high": 1, "log": True, "step": 0.1}, "step and log"),
        ({"type": "float", "low": 0, "high": 1, "step": 2}, "step 2.0 is wider than the range"),
        ({"type": "categorical", "choices": []}, "choices is empty"),
        ({"type": "categorical", "choices": ["a", "a"]}, "choice 'a' is listed twice"),
    ],
)
def test_bad_dimensions_name_the_key_and_the_fix(dimension: dict[str, Any], expected: str) -> None:
    loc, msg = _error(space={"head.C": dimension})
    assert loc[:2] == ("space", "head.C")
    assert expected in msg


def test_unknown_dimension_type_and_sampler_are_refused() -> None:
    loc, msg = _error(space={"x": {"type": "uniform", "low": 0, "high": 1}})
    assert loc == ("space", "x")
    assert "'float', 'int', 'categorical'" in msg
    loc, msg = _error(sampler="cmaes")
    assert loc == ("sampler",)
    assert "'tpe', 'random' or 'grid'" in msg


def test_grid_sampler_needs_a_step_on_floats() -> None:
    loc, msg = _error(sampler="grid", space={"head.C": {"type": "float", "low": 0, "high": 1}})
    assert loc == ("space",)
    assert "space.head.C: the grid sampler needs a step" in msg
    config = _config(
        sampler="grid",
        space={
            "head.C": {"type": "float", "low": 0.5, "high": 1.5, "step": 0.5},
            "k": {"type": "int", "low": 1, "high": 3},
            "solver": {"type": "categorical", "choices": ["lbfgs", "saga"]},
        },
    )
    assert grid_values(config.space)["head.C"] == [0.5, 1.0, 1.5]
    assert grid_size(config.space) == 3 * 3 * 2


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"n_trials": 0}, "n_trials must be at least 1, got 0"),
        ({"timeout_seconds": 0}, "timeout_seconds must be > 0"),
        ({"space": {}}, "space is empty"),
        ({"space": {"head C": {"type": "int", "low": 1, "high": 2}}}, "not a dotted path"),
        ({"workers": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_study_settings(fields: dict[str, Any], expected: str) -> None:
    _, msg = _error(**fields)
    assert expected in msg


def test_suggest_draws_every_dimension_within_its_range() -> None:
    config = _config(
        space={
            "head.C": {"type": "float", "low": 0.01, "high": 10, "log": True},
            "k": {"type": "int", "low": 2, "high": 10, "step": 2},
            "encoder": {"type": "categorical", "choices": ["a", "b"]},
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(5):
        trial = study.ask()
        params = suggest(trial, config.space)
        assert set(params) == {"head.C", "k", "encoder"}
        assert isinstance(params["head.C"], float)
        assert 0.01 <= params["head.C"] <= 10
        assert params["k"] in {2, 4, 6, 8, 10}
        assert params["encoder"] in {"a", "b"}
        study.tell(trial, 0.0)


def test_a_yaml_mistake_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "tune.yaml"
    path.write_text(
        "n_trials: 10\nspace:\n  head.C: {type: float, low: 10, high: 0.1, log: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_yaml_model(path, TuneConfig)
    line = info.value.one_line()
    assert f"{path}:3" in line
    assert "space.head.C.float" in line
    assert "inverted range" in line
