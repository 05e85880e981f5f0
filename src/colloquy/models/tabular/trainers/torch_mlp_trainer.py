"""A one-hidden-layer PyTorch MLP, saved as safetensors and served with numpy.

The network is the one colloquy's intent heads use (dropout, linear, exact GELU, dropout,
linear), trained with AdamW on the features' rows and early-stopped on the validation
accuracy; each epoch is one ``on_iteration`` call. The fitted weights become a
:class:`~colloquy.models.heads.PlainHead`, which predicts before and after saving alike,
without PyTorch.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self, cast

import numpy as np

from colloquy.errors import ConfigError
from colloquy.models.artifacts import ModelDirectory, write_arrays
from colloquy.models.heads import PlainHead
from colloquy.models.tabular.config import ParamValue
from colloquy.models.tabular.trainers.base import OnIteration, Trainer, Validation

MODEL_FILE = "mlp.safetensors"
DEFAULTS: dict[str, float | int] = {
    "hidden": 256,
    "dropout": 0.2,
    "epochs": 30,
    "learning_rate": 2e-3,
    "weight_decay": 1e-2,
    "batch_size": 64,
    "patience": 5,
}
_INTEGERS = frozenset({"hidden", "epochs", "batch_size", "patience"})


class TorchMLPTrainer(Trainer):
    """``torch_mlp``: parameters ``hidden``, ``dropout``, ``epochs``, ``learning_rate``,
    ``weight_decay``, ``batch_size``, ``patience`` (epochs without a better validation
    accuracy before stopping)."""

    names = ("torch_mlp",)

    @classmethod
    def allowed_params(cls, name: str) -> frozenset[str]:
        return frozenset(DEFAULTS)

    @classmethod
    def check_params(cls, name: str, params: Mapping[str, ParamValue]) -> None:
        super().check_params(name, params)
        for key, value in params.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                bad = True
            elif key in _INTEGERS:
                bad = not float(value).is_integer() or value < 1
            else:
                bad = value < 0 or (key == "dropout" and value >= 1)
            if bad:
                raise ConfigError(
                    f"trainer.params.{key}: {value!r} is not valid for torch_mlp",
                    hint="use a positive whole number"
                    if key in _INTEGERS
                    else "use a non-negative number (dropout below 1)",
                )

    def _setting(self, key: str) -> Any:
        value = self.params.get(key, DEFAULTS[key])
        return int(value) if key in _INTEGERS else float(value)  # type: ignore[arg-type]

    def fit(
        self,
        features: Any,
        codes: np.ndarray,
        *,
        n_classes: int,
        seed: int,
        validation: Validation | None = None,
        on_iteration: OnIteration | None = None,
    ) -> Self:
        import torch

        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        inputs = torch.from_numpy(_dense(features))
        targets = torch.from_numpy(np.asarray(codes, dtype=np.int64))
        held = validation or Validation(features, codes)
        held_inputs = torch.from_numpy(_dense(held.features))
        held_targets = torch.from_numpy(np.asarray(held.codes, dtype=np.int64))
        hidden, dropout = self._setting("hidden"), self._setting("dropout")
        network = torch.nn.Sequential(
            torch.nn.Dropout(dropout),
            torch.nn.Linear(inputs.shape[1], hidden),
            torch.nn.GELU(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, n_classes),
        )
        optimiser = torch.optim.AdamW(
            network.parameters(),
            lr=self._setting("learning_rate"),
            weight_decay=self._setting("weight_decay"),
        )
        loss_fn = torch.nn.CrossEntropyLoss()
        batch_size, patience = self._setting("batch_size"), self._setting("patience")
        best, best_state, stale = -1.0, None, 0
        for epoch in range(self._setting("epochs")):
            network.train()
            order = torch.randperm(len(targets), generator=generator)
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                optimiser.zero_grad()
                loss_fn(network(inputs[batch]), targets[batch]).backward()
                optimiser.step()
            network.eval()
            with torch.no_grad():
                score = float((network(held_inputs).argmax(1) == held_targets).float().mean())
            if on_iteration is not None:
                on_iteration(epoch, score)
            if score > best:
                best, stale = score, 0
                best_state = {k: v.clone() for k, v in network.state_dict().items()}
            else:
                stale += 1
                if stale >= patience:
                    break
        if best_state is not None:
            network.load_state_dict(best_state)
        first, last = cast(torch.nn.Linear, network[1]), cast(torch.nn.Linear, network[4])
        arrays = {
            "hidden.weight": first.weight.detach().numpy().T,
            "hidden.bias": first.bias.detach().numpy(),
            "output.weight": last.weight.detach().numpy().T,
            "output.bias": last.bias.detach().numpy(),
        }
        self.head_ = PlainHead("mlp", [str(i) for i in range(n_classes)], arrays)
        return self

    def predict_proba(self, features: Any) -> np.ndarray:
        return self.head_.predict_proba(_dense(features))

    def save(self, folder: Path) -> dict[str, Any]:
        write_arrays(folder / MODEL_FILE, self.head_.arrays)
        return {"file": MODEL_FILE}

    @classmethod
    def load(
        cls,
        name: str,
        params: Mapping[str, ParamValue],
        model: ModelDirectory,
        fields: Mapping[str, Any],
        *,
        n_classes: int,
        n_features: int,
    ) -> Self:
        trainer = cls(name, params)
        arrays = model.read_arrays(MODEL_FILE)
        trainer.head_ = PlainHead.from_arrays(
            "mlp",
            [str(i) for i in range(n_classes)],
            arrays,
            n_features=n_features,
            where=model.path / MODEL_FILE,
        )
        return trainer


def _dense(features: Any) -> np.ndarray:
    array = features.toarray() if hasattr(features, "toarray") else np.asarray(features)
    return np.ascontiguousarray(array, dtype=np.float32)
