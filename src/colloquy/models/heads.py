"""Classification heads that sit on top of text features: logistic regression, a calibrated
linear SVM and a small PyTorch MLP, all with scikit-learn's estimator contract.

The heads are interchangeable: the intent classifier picks one by name, fits it on
embeddings (dense) or TF-IDF features (sparse), and asks it for class probabilities.
Logistic regression is the default because it is fast, well calibrated and hard to beat on
good sentence embeddings; the SVM is calibrated with Platt scaling so its scores can be
thresholded for out-of-scope rejection like the others.

A fitted head is served as a :class:`PlainHead`: its weights as plain arrays and a forward
pass in numpy, equal to the estimator's ``predict_proba`` to float32 rounding. That is what
a model directory stores (safetensors), so a served model imports neither scikit-learn nor
PyTorch, and loading it cannot run code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import check_shapes

if TYPE_CHECKING:
    import torch

HeadName = Literal["logreg", "svm", "mlp"]
HEADS: tuple[HeadName, ...] = ("logreg", "svm", "mlp")

Features = Any
"""A dense ``np.ndarray`` of embeddings or a sparse CSR matrix of TF-IDF weights."""


def make_head(name: HeadName, *, C: float = 10.0, seed: int = 0) -> Any:  # noqa: N803
    """A fresh, unfitted head; ``C`` is the inverse regularisation of the linear heads."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

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

    def get_params(self, deep: bool = True) -> dict[str, Any]:
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

    def to_plain(self) -> PlainHead:
        """The fitted network as plain arrays (eval mode: dropout is the identity)."""
        layers: Any = self.network_
        hidden, output = layers[1], layers[4]
        arrays = {
            "hidden.weight": hidden.weight.detach().numpy().T,
            "hidden.bias": hidden.bias.detach().numpy(),
            "output.weight": output.weight.detach().numpy().T,
            "output.bias": output.bias.detach().numpy(),
        }
        return PlainHead("mlp", self.classes_, arrays)

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


PlainKind = Literal["logreg", "svm", "mlp"]


class PlainHead:
    """A fitted head as plain float32 arrays, predicting with numpy alone.

    Weight matrices are stored ``(n_features, n_outputs)``, the layout both dense
    embeddings and sparse TF-IDF rows multiply with directly:

    * ``logreg``: ``weights``, ``bias``; one output column for two classes (logistic),
      one per class otherwise (softmax);
    * ``svm`` (Platt-calibrated linear SVMs, one per calibration fold ``i``):
      ``member{i}.weights``, ``.bias``, ``.a``, ``.b`` (the sigmoid of each output column)
      and ``.classes`` (the class each column scores), averaged as scikit-learn does;
    * ``mlp``: ``hidden.weight``, ``hidden.bias``, ``output.weight``, ``output.bias``, with
      an exact (erf) GELU between them.
    """

    def __init__(
        self, kind: PlainKind, classes: Sequence[Any] | np.ndarray, arrays: Mapping[str, Any]
    ) -> None:
        self.kind = kind
        self.classes_ = np.asarray([str(c) for c in classes], dtype=object)
        self.arrays: dict[str, np.ndarray] = {
            name: np.ascontiguousarray(array, dtype=_dtype(name)) for name, array in arrays.items()
        }

    @property
    def n_features(self) -> int:
        first = "weights" if self.kind == "logreg" else "hidden.weight"
        if self.kind == "svm":
            first = "member0.weights"
        return int(self.arrays[first].shape[0])

    @classmethod
    def from_estimator(cls, head: Any) -> PlainHead:
        """Convert a fitted head of :func:`make_head` (or an already plain one)."""
        if isinstance(head, PlainHead):
            return head
        if isinstance(head, MLPHead):
            return head.to_plain()
        name = type(head).__name__
        if name == "LogisticRegression":
            arrays = {"weights": head.coef_.T, "bias": head.intercept_}
            return cls("logreg", head.classes_, arrays)
        if name == "CalibratedClassifierCV":
            return cls("svm", head.classes_, _calibrated_arrays(head))
        raise TypeError(f"cannot convert a {name} head to plain arrays")

    @classmethod
    def from_arrays(
        cls,
        kind: str,
        classes: Sequence[str],
        arrays: Mapping[str, np.ndarray],
        *,
        n_features: int,
        where: Path,
    ) -> PlainHead:
        """A head read from ``where``, after checking every array's name and exact shape."""
        n = len(classes)
        outputs = 1 if n == 2 else n
        if kind == "logreg":
            check_shapes(where, arrays, {"weights": (n_features, outputs), "bias": (outputs,)})
        elif kind == "mlp":
            hidden = arrays["hidden.bias"].shape[0] if "hidden.bias" in arrays else -1
            expected = {
                "hidden.weight": (n_features, hidden),
                "hidden.bias": (hidden,),
                "output.weight": (hidden, n),
                "output.bias": (n,),
            }
            check_shapes(where, arrays, expected)
        elif kind == "svm":
            _check_svm(where, arrays, n_features, n)
        else:
            raise ArtifactError(f"{where}: unknown head kind {kind!r}", hint="retrain the model")
        return cls(kind, classes, arrays)  # type: ignore[arg-type]

    def predict_proba(self, X: Features) -> np.ndarray:  # noqa: N803
        """Class probabilities, columns in :attr:`classes_` order, as float64."""
        if self.kind == "logreg":
            return _linear_proba(X @ self.arrays["weights"] + self.arrays["bias"])
        if self.kind == "mlp":
            hidden = np.asarray(X @ self.arrays["hidden.weight"]) + self.arrays["hidden.bias"]
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))
            logits = hidden @ self.arrays["output.weight"] + self.arrays["output.bias"]
            return _softmax(np.asarray(logits, dtype=np.float64))
        return self._svm_proba(X)

    def predict(self, X: Features) -> np.ndarray:  # noqa: N803
        return np.asarray(self.classes_[self.predict_proba(X).argmax(1)])

    def _svm_proba(self, X: Features) -> np.ndarray:  # noqa: N803
        n_classes = len(self.classes_)
        members = _svm_members(self.arrays)
        total = np.zeros((X.shape[0], n_classes))
        for i in range(members):
            part = f"member{i}."
            scores = np.asarray(
                X @ self.arrays[part + "weights"] + self.arrays[part + "bias"], dtype=np.float64
            )
            proba = np.zeros((X.shape[0], n_classes))
            a = self.arrays[part + "a"].astype(np.float64)
            b = self.arrays[part + "b"].astype(np.float64)
            proba[:, self.arrays[part + "classes"]] = 1.0 / (1.0 + np.exp(a * scores + b))
            if n_classes == 2:
                proba[:, 0] = 1.0 - proba[:, 1]
            else:
                total_p = proba.sum(axis=1, keepdims=True)
                uniform = np.full_like(proba, 1.0 / n_classes)
                proba = np.divide(proba, total_p, out=uniform, where=total_p != 0)
            total += proba
        return total / members


def _dtype(name: str) -> type:
    return np.int64 if name.endswith(".classes") else np.float32


def _linear_proba(scores: Any) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    return _softmax(scores)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _calibrated_arrays(head: Any) -> dict[str, np.ndarray]:
    """The members of a fitted ``CalibratedClassifierCV`` over linear SVMs, as arrays."""
    classes = list(head.classes_)
    arrays: dict[str, np.ndarray] = {}
    for i, member in enumerate(head.calibrated_classifiers_):
        svm = member.estimator
        outputs = svm.coef_.shape[0]
        index = np.asarray([classes.index(c) for c in svm.classes_], dtype=np.int64)[:outputs]
        if len(classes) == 2:
            index = index + 1  # one column: the second class's score, as scikit-learn reads it
        part = f"member{i}."
        arrays[part + "weights"] = svm.coef_.T
        arrays[part + "bias"] = np.atleast_1d(svm.intercept_)
        arrays[part + "a"] = np.asarray([c.a_ for c in member.calibrators], dtype=np.float64)
        arrays[part + "b"] = np.asarray([c.b_ for c in member.calibrators], dtype=np.float64)
        arrays[part + "classes"] = index
    return arrays


def _svm_members(arrays: Mapping[str, np.ndarray]) -> int:
    return len({name.split(".", 1)[0] for name in arrays})


def _check_svm(where: Path, arrays: Mapping[str, np.ndarray], n_features: int, n: int) -> None:
    members = _svm_members(arrays)
    if members == 0:
        raise ArtifactError(f"{where} holds no calibrated SVM", hint="retrain the model")
    expected: dict[str, tuple[int, ...]] = {}
    for i in range(members):
        part = f"member{i}."
        index = arrays.get(part + "classes")
        outputs = index.shape[0] if index is not None and index.ndim == 1 else -1
        expected[part + "weights"] = (n_features, outputs)
        for name in ("bias", "a", "b", "classes"):
            expected[part + name] = (outputs,)
    check_shapes(where, arrays, expected)
    for i in range(members):
        index = arrays[f"member{i}.classes"]
        if len(set(index.tolist())) != len(index) or not all(0 <= int(j) < n for j in index):
            raise ArtifactError(
                f"{where}: member{i}.classes does not name distinct classes of the model",
                hint="retrain the model",
            )
