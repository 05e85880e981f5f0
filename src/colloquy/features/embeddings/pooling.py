"""Sentence-transformers pooling, read from a model directory and replayed in numpy.

The ONNX backends export only the transformer (token vectors) and pool outside the graph:
the export then does not depend on sentence-transformers' module code, and the pooling is a
few lines of numpy. Those lines must do exactly what the model's own ``Pooling`` module
does, so they are driven by its config (``modules.json`` and ``<pooling dir>/config.json``,
in the legacy ``pooling_mode_*_tokens`` booleans or the newer ``pooling_mode`` key).
Pipelines that cannot be replayed this way (extra Dense layers, weighted or last-token
pooling) are refused with a :class:`~colloquy.errors.ConfigError` that points at the torch backend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ConfigError

SUPPORTED_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens")
_LEGACY_KEYS = {  # sentence-transformers' order, which is also the concatenation order
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
_REPLAYABLE_MODULES = {"Transformer", "Pooling", "Normalize"}


@dataclass(frozen=True, slots=True)
class PoolingSpec:
    """Which token-pooling modes a model concatenates into its sentence vector."""

    modes: tuple[str, ...] = ("mean",)

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> PoolingSpec:
        """The pooling of the sentence-transformers model in ``model_dir``.

        A plain Hugging Face model without ``modules.json`` gets mean pooling, as
        sentence-transformers itself gives it.
        """
        modules_file = model_dir / "modules.json"
        if not modules_file.is_file():
            return cls()
        modules = _read_json(modules_file)
        if not isinstance(modules, list):
            raise ConfigError(f"{modules_file}: expected a list of modules")
        pooling_dir: Path | None = None
        for module in modules:
            kind = str(module.get("type", "")).rsplit(".", 1)[-1]
            if kind not in _REPLAYABLE_MODULES:
                raise ConfigError(
                    f"{modules_file}: module {kind or '?'!r} cannot run on the ONNX backends "
                    "(they replay Transformer, Pooling and Normalize only)",
                    hint="use backend='torch' for this model",
                )
            if kind == "Pooling":
                pooling_dir = model_dir / str(module.get("path", ""))
        if pooling_dir is None:
            raise ConfigError(
                f"{modules_file}: no Pooling module, so the ONNX backends cannot build "
                "sentence vectors",
                hint="use backend='torch' for this model",
            )
        config_file = pooling_dir / "config.json"
        config = _read_json(config_file) if config_file.is_file() else {}
        return cls(modes=_modes(config, config_file))

    @property
    def width_factor(self) -> int:
        """How many token-vector widths the sentence vector spans (one per mode)."""
        return len(self.modes)

    def pool(self, hidden: np.ndarray, attention_mask: np.ndarray) -> NDArray[np.float32]:
        """Sentence vectors ``(batch, width_factor * hidden)`` from token vectors.

        ``hidden`` is ``(batch, sequence, hidden)``, ``attention_mask`` ``(batch, sequence)``
        with 1 for real tokens and 0 for padding.
        """
        tokens = np.asarray(hidden, dtype=np.float32)
        mask = np.asarray(attention_mask).astype(np.float32)
        parts: list[np.ndarray] = []
        summed: np.ndarray | None = None
        counts = np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        for mode in self.modes:
            if mode == "cls":
                first = mask.argmax(axis=1)
                parts.append(tokens[np.arange(tokens.shape[0]), first])
            elif mode == "max":
                masked = np.where(mask[:, :, None] > 0, tokens, -np.inf)
                parts.append(masked.max(axis=1))
            else:
                if summed is None:
                    summed = np.einsum("bsh,bs->bh", tokens, mask)
                if mode == "mean":
                    parts.append(summed / counts)
                else:
                    parts.append(summed / np.sqrt(counts))
        pooled = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        return np.asarray(pooled, dtype=np.float32)


def _modes(config: dict[str, Any], source: Path) -> tuple[str, ...]:
    raw = config.get("pooling_mode")
    if raw is None:
        modes = tuple(mode for key, mode in _LEGACY_KEYS.items() if config.get(key))
    elif isinstance(raw, str):
        modes = (raw,)
    else:
        modes = tuple(str(mode) for mode in raw)
    if not modes:
        modes = ("mean",)
    unsupported = [mode for mode in modes if mode not in SUPPORTED_MODES]
    if unsupported:
        raise ConfigError(
            f"{source}: pooling mode {unsupported[0]!r} is not replayed by the ONNX backends "
            f"(supported: {', '.join(SUPPORTED_MODES)})",
            hint="use backend='torch' for this model",
        )
    return modes


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read model configuration: {exc}") from None


__all__ = ["SUPPORTED_MODES", "PoolingSpec"]
