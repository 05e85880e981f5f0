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
PyTorch, and loading it cannot run code. The MLP itself, which trains on a chosen device,
is :mod:`colloquy.models.mlp_head` (re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import check_shapes
from colloquy.models.mlp_head import MLPHead as MLPHead

HeadName = Literal["logreg", "svm", "mlp"]
HEADS: tuple[HeadName, ...] = ("logreg", "svm", "mlp")

Features = Any
"""A dense ``np.ndarray`` of embeddings or a sparse CSR matrix of TF-IDF weights."""


def make_head(
    name: HeadName,
    *,
    C: float = 10.0,  # noqa: N803
    seed: int = 0,
    device: str = "cpu",
) -> Any:
    """A fresh, unfitted head; ``C`` is the inverse regularisation of the linear heads,
    ``device`` where the MLP trains (the linear heads are scikit-learn's, CPU only)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if name == "logreg":
        return LogisticRegression(C=C, max_iter=3000, random_state=seed)
    if name == "svm":
        return CalibratedClassifierCV(
            LinearSVC(C=C / 10.0, max_iter=20_000, random_state=seed), cv=3, method="sigmoid"
        )
    return MLPHead(seed=seed, device=device)


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
