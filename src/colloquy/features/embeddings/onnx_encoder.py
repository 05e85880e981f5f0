"""Sentence vectors from an exported ONNX transformer: tokenise, run, pool, in one warm object.

This is the serving path: it needs onnxruntime, ``tokenizers`` and numpy, not PyTorch, and
everything expensive (the inference session, the tokenizer, the pooling config) is built
once in the constructor so that a single-sentence call costs one tokenisation and one
``session.run``. Texts are tokenised in one call, sorted by token count and cut into batches
padded to their own longest row, which wastes far less compute on padding than batching in
input order; the results are put back in input order.

What the encoder needs besides the graph is small and fixed: the tokenizer (one JSON file)
and :class:`EncoderSettings` (pooling, lower-casing, padding id, length, width). An intent
model directory stores exactly those three, and :meth:`OnnxEncoder.from_bytes` builds the
encoder from them without reading anything else; :class:`OnnxEmbedder` puts it behind the
:class:`~colloquy.features.embeddings.base.Embedder` seam.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ConfigError
from colloquy.features.embeddings.base import Embedder
from colloquy.features.embeddings.pooling import SUPPORTED_MODES, PoolingSpec


@dataclass(frozen=True, slots=True)
class EncoderSettings:
    """What an ONNX encoder needs besides its graph and tokenizer."""

    pooling: tuple[str, ...]
    lowercase: bool
    pad_id: int
    max_seq_length: int
    hidden_size: int

    @property
    def dimension(self) -> int:
        return self.hidden_size * len(self.pooling)

    @classmethod
    def from_model_dir(cls, model_dir: Path, *, max_seq_length: int) -> EncoderSettings:
        """The settings of the sentence-transformers model in ``model_dir``."""
        _, pad_id = load_tokenizer(model_dir, max_seq_length)
        return cls._read(model_dir, max_seq_length, pad_id)

    @classmethod
    def _read(cls, model_dir: Path, max_seq_length: int, pad_id: int) -> EncoderSettings:
        return cls(
            pooling=PoolingSpec.from_model_dir(model_dir).modes,
            lowercase=_do_lower_case(model_dir),
            pad_id=pad_id,
            max_seq_length=max_seq_length,
            hidden_size=_hidden_size(model_dir),
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pooling": list(self.pooling)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> EncoderSettings:
        """Settings read back from :meth:`to_dict`; a :class:`ConfigError` names a bad field."""
        pooling = raw.get("pooling")
        if (
            not isinstance(pooling, list)
            or not pooling
            or any(mode not in SUPPORTED_MODES for mode in pooling)
        ):
            raise ConfigError(f"encoder settings: unsupported pooling {pooling!r}")
        numbers = {key: raw.get(key) for key in ("pad_id", "max_seq_length", "hidden_size")}
        for key, value in numbers.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"encoder settings: {key} must be a whole number, got {value!r}")
        if not isinstance(raw.get("lowercase"), bool):
            raise ConfigError("encoder settings: lowercase must be true or false")
        if set(raw) != {"pooling", "lowercase", *numbers}:
            raise ConfigError(f"encoder settings: unexpected fields {sorted(raw)}")
        return cls(
            pooling=tuple(str(mode) for mode in pooling),
            lowercase=bool(raw["lowercase"]),
            pad_id=int(numbers["pad_id"] or 0),
            max_seq_length=int(numbers["max_seq_length"] or 1),
            hidden_size=int(numbers["hidden_size"] or 1),
        )


class OnnxEncoder:
    """Token vectors from an ONNX transformer, pooled the way its sentence model does."""

    def __init__(
        self,
        model_path: Path,
        model_dir: Path,
        *,
        max_seq_length: int,
        threads: int | None = None,
    ) -> None:
        tokenizer, pad_id = load_tokenizer(model_dir, max_seq_length)
        settings = EncoderSettings._read(model_dir, max_seq_length, pad_id)
        self._setup(str(model_path), tokenizer, settings, threads)
        self.model_path: Path | None = model_path

    @classmethod
    def from_bytes(
        cls,
        model: bytes,
        tokenizer_json: str,
        settings: EncoderSettings,
        *,
        threads: int | None = None,
    ) -> OnnxEncoder:
        """An encoder from the graph's bytes, the tokenizer's JSON and the settings, as a
        model directory holds them (nothing else is read)."""
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_str(tokenizer_json)
        except Exception as exc:  # tokenizers raises plain Exception on a malformed file
            raise ConfigError(f"cannot load the tokenizer: {exc}") from None
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=settings.max_seq_length)
        encoder = cls.__new__(cls)
        encoder._setup(model, tokenizer, settings, threads)
        encoder.model_path = None
        return encoder

    def _setup(
        self, model: str | bytes, tokenizer: Any, settings: EncoderSettings, threads: int | None
    ) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                model, sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise ConfigError(f"cannot load the ONNX encoder: {reason}") from None
        self._inputs = [node.name for node in self._session.get_inputs()]
        unknown = set(self._inputs) - {"input_ids", "attention_mask", "token_type_ids"}
        if unknown:
            raise ConfigError(f"the ONNX encoder expects unknown inputs {sorted(unknown)}")
        self._output = self._session.get_outputs()[0].name
        self._pooling = PoolingSpec(settings.pooling)
        self._tokenizer, self._pad_id = tokenizer, settings.pad_id
        self._lower = settings.lowercase
        self.settings = settings
        self.dimension = settings.dimension

    def encode(self, texts: Sequence[str], batch_size: int) -> NDArray[np.float32]:
        """Pooled (not yet normalised) vectors for ``texts``, in input order."""
        items = [text.lower() for text in texts] if self._lower else list(texts)
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        encodings = self._tokenizer.encode_batch(items)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(items))
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            width = int(lengths[index].max())
            ids = np.full((len(index), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(index), width), dtype=np.int64)
            types = np.zeros((len(index), width), dtype=np.int64)
            for row, i in enumerate(index):
                encoding = encodings[i]
                n = len(encoding.ids)
                ids[row, :n] = encoding.ids
                mask[row, :n] = 1
                types[row, :n] = encoding.type_ids
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            (hidden,) = self._session.run([self._output], {k: feeds[k] for k in self._inputs})
            out[index] = self._pooling.pool(hidden, mask)
        return out


def load_tokenizer(model_dir: Path, max_seq_length: int) -> tuple[Any, int]:
    """The model's fast tokenizer, truncating at ``max_seq_length``, and its padding id.

    ``tokenizer.json`` is read directly (no transformers import); older models that ship
    only a vocabulary get it converted by ``transformers.AutoTokenizer``. Padding is done
    by the caller, per batch, so it is switched off here.
    """
    from tokenizers import Tokenizer

    file = model_dir / "tokenizer.json"
    try:
        if file.is_file():
            tokenizer = Tokenizer.from_file(str(file))
        else:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(model_dir, use_fast=True).backend_tokenizer
    except Exception as exc:  # tokenizers raises plain Exception on a malformed file
        raise ConfigError(f"{model_dir}: cannot load the tokenizer: {exc}") from None
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer, _pad_id(model_dir, tokenizer)


def _pad_id(model_dir: Path, tokenizer: Any) -> int:
    config = _read_json(model_dir / "tokenizer_config.json")
    token = config.get("pad_token")
    if isinstance(token, dict):
        token = token.get("content")
    if isinstance(token, str):
        found = tokenizer.token_to_id(token)
        if found is not None:
            return int(found)
    return 0  # the attention mask hides padding, so the id only has to be a valid one


def _do_lower_case(model_dir: Path) -> bool:
    """sentence-transformers lower-cases before tokenising when its config says so."""
    return bool(_read_json(model_dir / "sentence_bert_config.json").get("do_lower_case", False))


def _hidden_size(model_dir: Path) -> int:
    size = _read_json(model_dir / "config.json").get("hidden_size")
    if not isinstance(size, int):
        raise ConfigError(f"{model_dir / 'config.json'}: no integer hidden_size")
    return size


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read model configuration: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True, slots=True)
class ServingEncoder:
    """Everything an :class:`OnnxEmbedder` is built from, as a model directory keeps it."""

    onnx: Path
    tokenizer_json: str
    settings: EncoderSettings
    model_id: str


class OnnxEmbedder(Embedder):
    """An :class:`OnnxEncoder` behind the embedder seam, under the id the vectors were
    recorded with (a model directory stores it)."""

    def __init__(self, encoder: OnnxEncoder, model_id: str) -> None:
        self._encoder = encoder
        self._model_id = model_id

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    @property
    def max_seq_length(self) -> int:
        return self._encoder.settings.max_seq_length

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        return self._encoder.encode(texts, batch_size)

    def __repr__(self) -> str:
        return f"OnnxEmbedder({self._model_id!r})"


__all__ = ["EncoderSettings", "OnnxEmbedder", "OnnxEncoder", "ServingEncoder", "load_tokenizer"]
