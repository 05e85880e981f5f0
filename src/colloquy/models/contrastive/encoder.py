"""The sentence encoder being fine-tuned: loading, saving, and embedding with it.

Loading and saving silence transformers' own progress bars (callers draw their own), and
saving restores the base model's ``max_seq_length``, since training truncates texts for
speed but inference should not truncate more than before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from sentence_transformers import SentenceTransformer

from colloquy.execution.device import autocast
from colloquy.progress import ProgressCallback, emit

ENCODE_BATCH_SIZE = 64
"""Texts per forward pass when embedding for validation."""


@contextmanager
def quiet_hf() -> Iterator[None]:
    """Silence transformers' own progress bars (loading, saving); callers draw their own."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` intra-op threads, then restore the previous setting."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def load_model(source: str | Path, device: str = "cpu") -> SentenceTransformer:
    """Load a checkpoint, a local model or a named one (the bundled MiniLM offline) onto
    ``device`` (a resolved one: ``cpu``, ``cuda``, ``cuda:N``).

    The weights are read onto the CPU first, so a model trained on a GPU loads on a
    machine without one.
    """
    from colloquy.features.embeddings import resolve_model_path

    with quiet_hf():
        model = SentenceTransformer(str(resolve_model_path(source)), device="cpu")
    return model.to(device) if device != "cpu" else model


def save_model(model: SentenceTransformer, directory: Path, max_seq_length: int | None) -> None:
    """``model.save`` (safetensors) with the inference-time ``max_seq_length`` restored."""
    training_length = model.max_seq_length
    model.max_seq_length = max_seq_length
    try:
        with quiet_hf():
            model.save(str(directory), create_model_card=False, safe_serialization=True)
    finally:
        model.max_seq_length = training_length


def embed(model: SentenceTransformer, texts: list[str]) -> torch.Tensor:
    """Sentence embeddings of ``texts`` in one forward pass (gradients as the caller decides)."""
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    features: dict[str, Any] = tokenize(texts)
    device = model.device
    inputs = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
    embeddings: torch.Tensor = model(inputs)["sentence_embedding"]
    return embeddings


def encode(
    model: SentenceTransformer, texts: Sequence[str], progress: ProgressCallback | None = None
) -> torch.Tensor:
    """Normalised float32 embeddings (on the CPU) of ``texts`` in eval mode, batched by
    length; float16 autocast where the model is on a GPU."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    starts = range(0, len(order), ENCODE_BATCH_SIZE)
    chunks: list[torch.Tensor] = []
    model.eval()
    with torch.no_grad(), autocast(str(model.device)):
        for done, start in enumerate(starts, 1):
            batch = [texts[i] for i in order[start : start + ENCODE_BATCH_SIZE]]
            chunks.append(F.normalize(embed(model, batch).float(), dim=-1).cpu())
            emit(progress, "validate", done, len(starts), unit="batches")
    embeddings = torch.cat(chunks)
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return embeddings[inverse]


__all__ = [
    "ENCODE_BATCH_SIZE",
    "embed",
    "encode",
    "load_model",
    "quiet_hf",
    "save_model",
    "torch_threads",
]
