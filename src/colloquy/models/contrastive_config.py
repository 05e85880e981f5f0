"""The hyper-parameters of contrastive fine-tuning, importable without PyTorch.

Training configurations (``colloquy train intent --config``) embed this model, and reading
a configuration should not cost the seconds it takes to import PyTorch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ContrastiveConfig(BaseModel):
    """Hyper-parameters of a contrastive fine-tune; defaults suit a CPU and a few epochs."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    loss: Literal["mnrl", "supcon"] = "mnrl"
    """``mnrl``: in-batch negatives, each batch of pairs holding distinct labels (suits many
    classes, e.g. intents); ``supcon``: supervised contrastive loss over mixed batches, every
    same-label example a positive (suits few classes, e.g. a binary outcome, where batches of
    distinct labels would hold two pairs)."""
    epochs: int = Field(default=1, ge=1)
    """Passes over the training pairs (fewer when early stopping ends the run)."""
    batch_size: int = Field(default=32, ge=2)
    """Pairs per step; every other pair in the batch is a negative."""
    learning_rate: float = Field(default=2e-5, gt=0)
    """Peak AdamW learning rate, reached at the end of warm-up."""
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1)
    """Fraction of all steps spent warming the learning rate up linearly from zero."""
    weight_decay: float = Field(default=0.01, ge=0)
    """AdamW weight decay (not applied to biases and LayerNorm weights)."""
    scale: float = Field(default=20.0, gt=0)
    """Multiplier of the cosine similarities before the softmax (inverse temperature)."""
    pairs_per_example: int = Field(default=1, ge=1)
    """How often each example is an anchor per epoch, with a different positive each time."""
    max_seq_length: int = Field(default=64, ge=4)
    """Tokens per text during training; longer texts are truncated."""
    seed: int = 0
    """Seeds torch, numpy and random, the subsample and every epoch's batches."""
    patience: int = Field(default=1, ge=1)
    """Epochs without a better validation accuracy before training stops."""
    max_examples_per_class: int | None = Field(default=None, ge=2)
    """Train on at most this many (seeded) examples per class; ``None`` keeps all."""
    torch_threads: int | None = Field(default=None, ge=1)
    """``torch.set_num_threads`` during the fit; ``None`` keeps torch's default."""
