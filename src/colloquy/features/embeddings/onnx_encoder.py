"""Sentence vectors from an exported ONNX transformer: tokenise, run, pool, in one warm object.

This is the serving path: it needs onnxruntime, ``tokenizers`` and numpy, not PyTorch, and
everything expensive (the inference session, the tokenizer, the pooling config) is built
once in the constructor so that a single-sentence call costs one tokenisation and one
``session.run``. Texts are tokenised in one call, sorted by token count and cut into batches
padded to their own longest row, which wastes far less compute on padding than batching in
input order; the results are put back in input order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ConfigError
from colloquy.features.embeddings.pooling import PoolingSpec


class OnnxEncoder:
    """Token vectors from ``model_path`` (ONNX), pooled the way the model in ``model_dir`` does."""

    def __init__(
        self,
        model_path: Path,
        model_dir: Path,
        *,
        max_seq_length: int,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [node.name for node in self._session.get_inputs()]
        self._output = self._session.get_outputs()[0].name
        self._pooling = PoolingSpec.from_model_dir(model_dir)
        self._tokenizer, self._pad_id = load_tokenizer(model_dir, max_seq_length)
        self._lower = _do_lower_case(model_dir)
        hidden = self._session.get_outputs()[0].shape[-1]
        if not isinstance(hidden, int):
            hidden = _hidden_size(model_dir)
        self.dimension = hidden * self._pooling.width_factor
        self.model_path = model_path

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


__all__ = ["OnnxEncoder", "load_tokenizer"]
