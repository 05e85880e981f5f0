"""Classification heads that sit on top of text features: logistic regression, a calibrated
linear SVM and a small PyTorch MLP, all with scikit-learn's estimator contract.

The heads are interchangeable: the intent classifier picks one by name, fits it on
embeddings (dense) or TF-IDF features (sparse), and asks it for class probabilities.
Logistic regression is the default because it is fast, well calibrated and hard to beat on
good sentence embeddings; the SVM is calibrated with Platt scaling so its scores can be
thresholded for out-of-scope rejection like the others.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

if TYPE_CHECKING:
    import torch

HeadName = Literal["logreg", "svm", "mlp"]
HEADS: tuple[HeadName, ...] = ("logreg", "svm", "mlp")

Features = Any
"""A dense ``np.ndarray`` of embeddings or a sparse CSR matrix of TF-IDF weights."""


def make_head(name: HeadName, *, C: float = 10.0, seed: int = 0) -> Any:  # noqa: N803
    """A fresh, unfitted head; ``C`` is the inverse regularisation of the linear heads."""
    if name == "logreg":
        return LogisticRegression(C=C, max_iter=3000, random_state=seed)
    if name == "svm":
        return CalibratedClassifierCV(
            LinearSVC(C=C / 10.0, max_iter=20_000, random_state=seed), cv=3, method="sigmoid"
        )
    return MLPHead(seed=seed)


class MLPHead:
    """A one-hidden-layer MLP trained with AdamW and label smoothing, early-stopped on a
    stratified tenth of its training data.

    Saved as safetensors + JSON (never pickle), so loading an artifact runs no code.
    PyTorch is imported only when an MLP is actually built, so the linear heads (and the
    CLI) start without it.
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
    ) -> None:
        self.hidden = hidden
        self.dropout = dropout
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.patience = patience
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
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

        dense = _dense(X)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        generator = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        train_idx, val_idx = _stratified_tenth(codes, self.seed)
        inputs = torch.from_numpy(dense)
        targets = torch.from_numpy(codes.astype(np.int64))
        self.network_ = self._network(dense.shape[1], len(self.classes_))
        optimiser = torch.optim.AdamW(
            self.network_.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
        best, best_state, stale = -1.0, None, 0
        for _ in range(self.epochs):
            self.network_.train()
            order = train_idx[torch.randperm(len(train_idx), generator=generator).numpy()]
            for start in range(0, len(order), self.batch_size):
                batch = torch.from_numpy(order[start : start + self.batch_size])
                optimiser.zero_grad()
                loss = loss_fn(self.network_(inputs[batch]), targets[batch])
                loss.backward()
                optimiser.step()
            accuracy = self._accuracy(inputs[val_idx], targets[val_idx])
            if accuracy > best:
                best, stale = accuracy, 0
                best_state = {k: v.clone() for k, v in self.network_.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            self.network_.load_state_dict(best_state)
        self.network_.eval()
        return self

    def _accuracy(self, inputs: torch.Tensor, targets: torch.Tensor) -> float:
        import torch

        if len(targets) == 0:
            return 0.0
        self.network_.eval()
        with torch.no_grad():
            return float((self.network_(inputs).argmax(1) == targets).float().mean())

    def predict_proba(self, X: Features) -> np.ndarray:  # noqa: N803
        import torch

        with torch.no_grad():
            logits = self.network_(torch.from_numpy(_dense(X)))
            return np.asarray(torch.softmax(logits, dim=1).numpy(), dtype=np.float64)

    def predict(self, X: Features) -> np.ndarray:  # noqa: N803
        return np.asarray(self.classes_[self.predict_proba(X).argmax(1)])

    def save(self, directory: Path) -> None:
        """Write ``mlp.safetensors`` (weights) and ``mlp.json`` (parameters, classes)."""
        import torch
        from safetensors.torch import save_file

        save_file(self.network_.state_dict(), str(directory / "mlp.safetensors"))
        first = self.network_[1]
        assert isinstance(first, torch.nn.Linear)
        shape = {"n_in": first.in_features, "n_out": len(self.classes_)}
        meta = {"params": self.get_params(), "classes": self.classes_.tolist(), **shape}
        (directory / "mlp.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> MLPHead:
        from safetensors.torch import load_file

        meta = json.loads((directory / "mlp.json").read_text(encoding="utf-8"))
        head = cls(**meta["params"])
        head.classes_ = np.asarray(meta["classes"], dtype=object)
        head.network_ = head._network(int(meta["n_in"]), int(meta["n_out"]))
        head.network_.load_state_dict(load_file(str(directory / "mlp.safetensors")))
        head.network_.eval()
        return head


def _dense(X: Features) -> np.ndarray:  # noqa: N803
    array = X.toarray() if sparse.issparse(X) else np.asarray(X)
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
