"""The MLP head: a small PyTorch network with scikit-learn's estimator contract.

It trains on ``device`` (float16 autocast and a gradient scaler on a GPU) and ends on
the CPU: the fitted network, its probabilities and its saved weights are the CPU's, so a
head trained on a GPU is used and served where there is none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from colloquy.execution.device import autocast, grad_scaler, resolve_device

if TYPE_CHECKING:
    import torch

    from colloquy.models.heads import PlainHead

Features = Any
"""A dense ``np.ndarray`` of embeddings or a sparse CSR matrix of TF-IDF weights."""


class MLPHead:
    """A one-hidden-layer MLP trained with AdamW and label smoothing, early-stopped on a
    stratified tenth of its training data.

    Saved as safetensors + JSON (never pickle), so loading an artifact runs no code.
    PyTorch is imported only when an MLP is actually built, so the linear heads (and the
    CLI) start without it. ``device`` (``auto``, ``cpu``, ``cuda``) is where :meth:`fit`
    trains; it is not saved, so a loaded head is a CPU head.
    """

    def __init__(
        self,
        *,
        hidden: int = 512,
        dropout: float = 0.2,
        epochs: int = 60,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-2,
        batch_size: int = 128,
        patience: int = 6,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.hidden = hidden
        self.dropout = dropout
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.patience = patience
        self.seed = seed
        self.device = device

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**self._saved_params(), "device": self.device}

    def _saved_params(self) -> dict[str, Any]:
        """The hyper-parameters a saved head records (not where it was trained)."""
        return {
            "hidden": self.hidden,
            "dropout": self.dropout,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "batch_size": self.batch_size,
            "patience": self.patience,
            "seed": self.seed,
        }

    def _network(self, n_in: int, n_out: int) -> torch.nn.Sequential:
        import torch

        return torch.nn.Sequential(
            torch.nn.Dropout(self.dropout),
            torch.nn.Linear(n_in, self.hidden),
            torch.nn.GELU(),
            torch.nn.Dropout(self.dropout),
            torch.nn.Linear(self.hidden, n_out),
        )

    def fit(self, X: Features, y: np.ndarray) -> Self:  # noqa: N803
        import torch

        device = resolve_device(self.device)
        dense = _dense(X)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        generator = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        train_idx, val_idx = _stratified_tenth(codes, self.seed)
        inputs = torch.from_numpy(dense).to(device)
        targets = torch.from_numpy(codes.astype(np.int64)).to(device)
        self.network_ = self._network(dense.shape[1], len(self.classes_)).to(device)
        optimiser = torch.optim.AdamW(
            self.network_.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        scaler = grad_scaler(device)
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
        validation = torch.from_numpy(val_idx).to(device)
        best, best_state, stale = -1.0, None, 0
        for _ in range(self.epochs):
            self.network_.train()
            order = train_idx[torch.randperm(len(train_idx), generator=generator).numpy()]
            for start in range(0, len(order), self.batch_size):
                batch = torch.from_numpy(order[start : start + self.batch_size]).to(device)
                optimiser.zero_grad()
                with autocast(device):
                    logits = self.network_(inputs[batch])
                loss = loss_fn(logits.float(), targets[batch])
                scaler.scale(loss).backward()
                scaler.step(optimiser)
                scaler.update()
            accuracy = self._accuracy(inputs[validation], targets[validation], device)
            if accuracy > best:
                best, stale = accuracy, 0
                best_state = {k: v.clone() for k, v in self.network_.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            self.network_.load_state_dict(best_state)
        self.network_.to("cpu").eval()
        return self

    def _accuracy(self, inputs: torch.Tensor, targets: torch.Tensor, device: str) -> float:
        import torch

        if len(targets) == 0:
            return 0.0
        self.network_.eval()
        with torch.no_grad(), autocast(device):
            return float((self.network_(inputs).argmax(1) == targets).float().mean())

    def predict_proba(self, X: Features) -> np.ndarray:  # noqa: N803
        import torch

        with torch.no_grad():
            logits = self.network_(torch.from_numpy(_dense(X)))
            return np.asarray(torch.softmax(logits, dim=1).numpy(), dtype=np.float64)

    def predict(self, X: Features) -> np.ndarray:  # noqa: N803
        return np.asarray(self.classes_[self.predict_proba(X).argmax(1)])

    def to_plain(self) -> PlainHead:
        """The fitted network as plain arrays (eval mode: dropout is the identity)."""
        from colloquy.models.heads import PlainHead

        layers: Any = self.network_
        hidden, output = layers[1], layers[4]
        arrays = {
            "hidden.weight": hidden.weight.detach().cpu().numpy().T,
            "hidden.bias": hidden.bias.detach().cpu().numpy(),
            "output.weight": output.weight.detach().cpu().numpy().T,
            "output.bias": output.bias.detach().cpu().numpy(),
        }
        return PlainHead("mlp", self.classes_, arrays)

    def save(self, directory: Path) -> None:
        """Write ``mlp.safetensors`` (weights) and ``mlp.json`` (parameters, classes)."""
        import torch
        from safetensors.torch import save_file

        weights = {k: v.detach().cpu() for k, v in self.network_.state_dict().items()}
        save_file(weights, str(directory / "mlp.safetensors"))
        first = self.network_[1]
        assert isinstance(first, torch.nn.Linear)
        shape = {"n_in": first.in_features, "n_out": len(self.classes_)}
        meta = {"params": self._saved_params(), "classes": self.classes_.tolist(), **shape}
        (directory / "mlp.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> MLPHead:
        """A saved head, on the CPU whatever device it was trained on."""
        from safetensors.torch import load_file

        meta = json.loads((directory / "mlp.json").read_text(encoding="utf-8"))
        params = {k: v for k, v in meta["params"].items() if k != "device"}
        head = cls(**params)
        head.classes_ = np.asarray(meta["classes"], dtype=object)
        head.network_ = head._network(int(meta["n_in"]), int(meta["n_out"]))
        weights = load_file(str(directory / "mlp.safetensors"), device="cpu")
        head.network_.load_state_dict(weights)
        head.network_.eval()
        return head


def _dense(X: Features) -> np.ndarray:  # noqa: N803
    array = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    return np.ascontiguousarray(array, dtype=np.float32)


def _stratified_tenth(codes: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ~90 % / ~10 % of each class (classes with < 5 examples stay in training)."""
    rng = np.random.default_rng(seed)
    train: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for code in np.unique(codes):
        members = rng.permutation(np.flatnonzero(codes == code))
        n_val = len(members) // 10 if len(members) >= 5 else 0
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.concatenate(train), np.concatenate(val)


__all__ = ["MLPHead"]
