"""Contrastive fine-tuning of a sentence encoder from intent labels (SetFit / ConvFiT style).

Why: a general-purpose encoder such as all-MiniLM-L6-v2 knows what sentences mean, but not
where *our* intent boundaries lie: "my card hasn't arrived" and "how long does delivery take"
sit close together although they are different intents. A short contrastive fine-tune on
the labelled training texts pulls same-intent messages together and pushes other intents
apart, so a linear head on the fine-tuned embeddings separates intents markedly better.

How, and why so:

* **pairs** — every example with a classmate is an anchor ``pairs_per_example`` times per
  epoch, each time with a different classmate as its positive when the class has enough;
* **batches** — no two pairs in a batch share a label, so the in-batch negatives of the
  loss are never same-intent false negatives (:func:`make_batches`, pure and seeded);
* **few classes** — with two labels (a conversation's outcome) batches of distinct labels
  would hold two pairs, so ``loss="supcon"`` packs pairs at random instead
  (:func:`make_mixed_batches`) and uses the supervised contrastive loss, in which every
  same-label example in the batch is a positive (:func:`supcon_loss`);
* **loss** — *symmetric* multiple-negatives ranking loss: cross-entropy over the scaled
  cosine similarities of anchors against positives *and* positives against anchors. Our
  pairs are unordered (both sides are ordinary examples, no query/document asymmetry), so
  the second direction doubles the negatives at the price of one more softmax over the same
  similarity matrix (:func:`mnrl_loss`);
* **loop** — our own PyTorch loop: AdamW, linear warm-up then linear decay, anchors and
  positives tokenised together and embedded in one forward pass (half the overhead on CPU);
* **robustness** — a checkpoint after every epoch (model, optimizer, scheduler, RNG states),
  written atomically; :meth:`ContrastiveTrainer.fit` on the same folder resumes from the
  last complete one and refuses different data; early stopping on nearest-centroid accuracy
  of a validation split keeps the best epoch.

Training truncates texts to ``max_seq_length`` tokens for speed; the saved model keeps the
base model's own limit, so inference does not truncate more than before.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from sentence_transformers import SentenceTransformer
from torch.optim import AdamW
from torch.optim.lr_scheduler import LambdaLR

from colloquy.errors import ColloquyError, DataError, UsageError
from colloquy.logging import get_logger
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.progress import ProgressCallback, emit

__all__ = [
    "ContrastiveConfig",
    "ContrastiveResult",
    "ContrastiveTrainer",
    "EpochRecord",
    "make_batches",
    "make_mixed_batches",
    "mnrl_loss",
    "nearest_centroid_accuracy",
    "supcon_loss",
]

log = get_logger(__name__)

"""``(stage, done, total)``: ``("train", step, steps)`` and ``("validate", batch, batches)``."""

Pair = tuple[int, int]
"""``(anchor, positive)``: indices into the training texts."""

STATE_FORMAT = "colloquy-contrastive-checkpoint"
STATE_VERSION = 1
STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.pt"
RNG_FILE = "rng.pt"
_NOT_MODEL_FILES = (STATE_FILE, OPTIMIZER_FILE, RNG_FILE)
_CHECKPOINT_NAME = re.compile(r"^epoch-(\d+)$")

RESUME_NEUTRAL_FIELDS = frozenset({"epochs", "patience", "torch_threads"})
"""Config fields that may change between a run and its resumption (the rest may not)."""

MAX_GRAD_NORM = 1.0
"""Gradient clipping: a guard against the odd huge step early in warm-up."""

ENCODE_BATCH_SIZE = 64
"""Texts per forward pass when embedding for validation."""

CENTROID_EXAMPLES_PER_CLASS = 32
"""Training examples per class embedded for the validation centroids (keeps validation cheap)."""


@dataclass(frozen=True, slots=True)
class EpochRecord:
    """What one epoch did: its steps, mean loss, validation accuracy and wall time."""

    epoch: int
    steps: int
    mean_loss: float
    val_accuracy: float | None
    seconds: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochRecord:
        return cls(
            epoch=int(data["epoch"]),
            steps=int(data["steps"]),
            mean_loss=float(data["mean_loss"]),
            val_accuracy=None if data["val_accuracy"] is None else float(data["val_accuracy"]),
            seconds=float(data["seconds"]),
        )


@dataclass(frozen=True, slots=True)
class ContrastiveResult:
    """The fine-tuned model's folder (loadable by ``SentenceTransformer``) and the run's story."""

    model_dir: Path
    best_epoch: int
    history: list[EpochRecord]


# --------------------------------------------------------------------------- pairs and batches


def make_batches(
    labels: Sequence[Hashable], *, batch_size: int, pairs_per_example: int, rng: random.Random
) -> list[list[Pair]]:
    """Anchor/positive index pairs packed into batches in which no two pairs share a label.

    Every example whose class has at least two members is an anchor ``pairs_per_example``
    times, each time with another member of its class as the positive (distinct positives
    while the class has enough members, then they repeat); singleton classes are skipped.

    Packing: there are ``max(ceil(pairs / batch_size), most pairs of one class)`` batches,
    and each class deals its pairs into that many of the currently smallest batches (random
    among equals). So batch sizes differ by at most one (no ragged last batch), every class
    meets random other classes, and a pair is lost only when one class has more pairs than
    all others together: the surplus would form one-pair batches, which have no negative
    and are dropped. The result depends only on ``labels``, the two sizes and ``rng``.
    """
    if batch_size < 2:
        raise UsageError(f"batch_size must be at least 2, got {batch_size}")
    if pairs_per_example < 1:
        raise UsageError(f"pairs_per_example must be at least 1, got {pairs_per_example}")
    queues = _pairs_by_class(labels, pairs_per_example, rng)
    if not queues:
        return []
    total = sum(len(pairs) for pairs in queues.values())
    count = max(math.ceil(total / batch_size), *(len(pairs) for pairs in queues.values()))
    batches: list[list[Pair]] = [[] for _ in range(count)]
    for pairs in queues.values():
        tie_breaks = [rng.random() for _ in range(count)]
        smallest = sorted(range(count), key=lambda b: (len(batches[b]), tie_breaks[b]))
        for batch, pair in zip(smallest, pairs, strict=False):
            batches[batch].append(pair)
    kept = [batch for batch in batches if len(batch) >= 2]
    rng.shuffle(kept)
    return kept


def make_mixed_batches(
    labels: Sequence[Hashable], *, batch_size: int, pairs_per_example: int, rng: random.Random
) -> list[list[Pair]]:
    """The same anchor/positive pairs as :func:`make_batches`, packed at random.

    For :func:`supcon_loss`, which treats same-label examples as positives rather than
    negatives, so labels may repeat within a batch. Batch sizes differ by at most one and
    never fall below two (so with a ``batch_size`` of 2 or 3 a batch may hold one pair more);
    every pair is used unless there is only one, which has nothing to be contrasted with.
    """
    if batch_size < 2:
        raise UsageError(f"batch_size must be at least 2, got {batch_size}")
    if pairs_per_example < 1:
        raise UsageError(f"pairs_per_example must be at least 1, got {pairs_per_example}")
    queues = _pairs_by_class(labels, pairs_per_example, rng)
    pairs = [pair for queue in queues.values() for pair in queue]
    if len(pairs) < 2:
        return []
    rng.shuffle(pairs)
    count = min(math.ceil(len(pairs) / batch_size), len(pairs) // 2)
    return [pairs[b::count] for b in range(count)]


def _pairs_by_class(
    labels: Sequence[Hashable], pairs_per_example: int, rng: random.Random
) -> dict[Hashable, list[Pair]]:
    """Each class's pairs, shuffled; classes in order of first appearance, singletons absent."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    queues: dict[Hashable, list[Pair]] = {}
    for label, indices in members.items():
        if len(indices) < 2:
            continue
        pairs = [
            (anchor, positive)
            for position, anchor in enumerate(indices)
            for positive in _positives(indices, position, pairs_per_example, rng)
        ]
        rng.shuffle(pairs)
        queues[label] = pairs
    return queues


def _positives(indices: list[int], position: int, count: int, rng: random.Random) -> list[int]:
    """``count`` classmates of ``indices[position]``, distinct until the class runs out."""
    others = len(indices) - 1
    picks: list[int] = []
    while len(picks) < count:
        picks.extend(rng.sample(range(others), min(count - len(picks), others)))
    return [indices[pick if pick < position else pick + 1] for pick in picks]


def _epoch_rng(seed: int, epoch: int) -> random.Random:
    """The batch-order generator of one epoch: a function of the seed and the epoch only."""
    return random.Random(f"colloquy-contrastive:{seed}:{epoch}")


# --------------------------------------------------------------------------- loss and metric


def mnrl_loss(anchors: torch.Tensor, positives: torch.Tensor, scale: float) -> torch.Tensor:
    """Symmetric multiple-negatives ranking loss of row-aligned ``anchors`` and ``positives``.

    Row ``i`` of each is a positive pair; every other row of the other side is a negative.
    The loss is the mean of the cross-entropies of ``scale · cos`` in both directions.
    """
    scores = scale * F.normalize(anchors, dim=-1) @ F.normalize(positives, dim=-1).T
    target = torch.arange(scores.shape[0], device=scores.device)
    return (F.cross_entropy(scores, target) + F.cross_entropy(scores.T, target)) / 2


def supcon_loss(
    anchors: torch.Tensor, positives: torch.Tensor, labels: torch.Tensor, scale: float
) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al., 2020) of pairs with the labels ``labels``.

    Anchors and positives form one batch of ``2n`` examples; for each example, every other
    example with its label is a positive and the rest are negatives. The loss is the mean,
    over examples, of the mean negative log-softmax of ``scale · cos`` at its positives.
    """
    embeddings = F.normalize(torch.cat([anchors, positives]), dim=-1)
    classes = torch.cat([labels, labels])
    scores = scale * embeddings @ embeddings.T
    itself = torch.eye(len(classes), dtype=torch.bool, device=scores.device)
    scores = scores.masked_fill(itself, float("-inf"))
    log_softmax = scores - torch.logsumexp(scores, dim=1, keepdim=True)
    positive = (classes[:, None] == classes[None, :]) & ~itself
    per_example = log_softmax.masked_fill(~positive, 0.0).sum(dim=1) / positive.sum(dim=1)
    return -per_example.mean()


def nearest_centroid_accuracy(
    train_embeddings: torch.Tensor,
    train_labels: Sequence[Hashable],
    embeddings: torch.Tensor,
    labels: Sequence[Hashable],
) -> float:
    """Share of ``embeddings`` whose most cosine-similar class centroid has their label.

    Centroids are the means of the normalised training embeddings of each class; a label
    absent from training can never be predicted, so it counts as a miss.
    """
    classes = sorted(set(train_labels), key=str)
    index = {label: i for i, label in enumerate(classes)}
    rows = torch.tensor([index[label] for label in train_labels])
    train = F.normalize(train_embeddings.float(), dim=-1)
    centroids = torch.zeros(len(classes), train.shape[1]).index_add_(0, rows, train)
    scores = F.normalize(embeddings.float(), dim=-1) @ F.normalize(centroids, dim=-1).T
    predicted = scores.argmax(dim=1).tolist()
    hits = sum(classes[p] == label for p, label in zip(predicted, labels, strict=True))
    return hits / len(labels) if labels else 0.0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class _Data:
    """The training texts (after any subsample) and the optional validation split."""

    texts: list[str]
    labels: list[str]
    validation: tuple[list[str], list[str]] | None
    label_codes: list[int]
    """Each training label as an integer (its rank among the labels), for loss tensors."""


def _prepare(
    texts: Sequence[str],
    labels: Sequence[str],
    validation: tuple[Sequence[str], Sequence[str]] | None,
    config: ContrastiveConfig,
) -> _Data:
    """Check the inputs, apply ``max_examples_per_class`` and fail early on unusable data."""
    if len(texts) != len(labels):
        raise UsageError(f"got {len(texts)} texts but {len(labels)} labels; pass one per text")
    train_texts, train_labels = [str(t) for t in texts], [str(label) for label in labels]
    if config.max_examples_per_class is not None:
        keep = _subsample(train_labels, config.max_examples_per_class, config.seed)
        train_texts = [train_texts[i] for i in keep]
        train_labels = [train_labels[i] for i in keep]
    pairable = [label for label, n in Counter(train_labels).items() if n >= 2]
    if len(pairable) < 2:
        raise DataError(
            f"contrastive fine-tuning needs at least two classes with two or more examples "
            f"each; got {len(pairable)} among {len(train_labels)} examples",
            hint="add labelled examples or use a frozen encoder",
        )
    codes = {label: code for code, label in enumerate(sorted(set(train_labels)))}
    return _Data(
        train_texts,
        train_labels,
        _prepare_validation(validation),
        [codes[label] for label in train_labels],
    )


def _prepare_validation(
    validation: tuple[Sequence[str], Sequence[str]] | None,
) -> tuple[list[str], list[str]] | None:
    """The validation split as lists; an empty one means no validation."""
    if validation is None:
        return None
    texts, labels = validation
    if len(texts) != len(labels):
        raise UsageError(
            f"validation has {len(texts)} texts but {len(labels)} labels; pass one per text"
        )
    if not texts:
        return None
    return [str(t) for t in texts], [str(label) for label in labels]


def _subsample(labels: Sequence[str], per_class: int, seed: int) -> list[int]:
    """Indices of at most ``per_class`` seeded examples per class, in their original order."""
    rng = random.Random(f"colloquy-contrastive:{seed}:subsample")
    members: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    keep: list[int] = []
    for indices in members.values():
        keep.extend(rng.sample(indices, per_class) if len(indices) > per_class else indices)
    return sorted(keep)


def _centroid_sample(labels: Sequence[str], seed: int) -> list[int]:
    """The training examples embedded for the validation centroids."""
    return _subsample(labels, CENTROID_EXAMPLES_PER_CLASS, seed + 1)


def _fingerprint(base_model: str, config: ContrastiveConfig, data: _Data) -> str:
    """SHA-256 of everything that must not change when a run is resumed."""
    digest = hashlib.sha256()
    fixed = config.model_dump(exclude=set(RESUME_NEUTRAL_FIELDS))
    digest.update(json.dumps({"base_model": base_model, "config": fixed}, sort_keys=True).encode())
    digest.update(json.dumps([data.texts, data.labels, data.validation]).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- model helpers


@contextmanager
def _quiet_hf() -> Iterator[None]:
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
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` intra-op threads, then restore the previous setting."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _load_model(source: str | Path) -> SentenceTransformer:
    """Load a checkpoint, a local model or a named one (the bundled MiniLM offline)."""
    from colloquy.features.embeddings import resolve_model_path

    with _quiet_hf():
        return SentenceTransformer(str(resolve_model_path(source)), device="cpu")


def _save_model(model: SentenceTransformer, directory: Path, max_seq_length: int | None) -> None:
    """``model.save`` (safetensors) with the inference-time ``max_seq_length`` restored."""
    training_length = model.max_seq_length
    model.max_seq_length = max_seq_length
    try:
        with _quiet_hf():
            model.save(str(directory), create_model_card=False, safe_serialization=True)
    finally:
        model.max_seq_length = training_length


def _embed(model: SentenceTransformer, texts: list[str]) -> torch.Tensor:
    """Sentence embeddings of ``texts`` in one forward pass (gradients as the caller decides)."""
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    features: dict[str, Any] = tokenize(texts)
    device = model.device
    inputs = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
    embeddings: torch.Tensor = model(inputs)["sentence_embedding"]
    return embeddings


def _encode(
    model: SentenceTransformer, texts: Sequence[str], progress: ProgressCallback | None = None
) -> torch.Tensor:
    """Normalised embeddings (CPU) of ``texts`` in eval mode, batched by length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    starts = range(0, len(order), ENCODE_BATCH_SIZE)
    chunks: list[torch.Tensor] = []
    model.eval()
    with torch.no_grad():
        for done, start in enumerate(starts, 1):
            batch = [texts[i] for i in order[start : start + ENCODE_BATCH_SIZE]]
            chunks.append(F.normalize(_embed(model, batch), dim=-1).cpu())
            emit(progress, "validate", done, len(starts), unit="batches")
    embeddings = torch.cat(chunks)
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return embeddings[inverse]


def _optimizer(model: SentenceTransformer, config: ContrastiveConfig) -> AdamW:
    """AdamW (fused where torch has the kernel) decaying weights, not biases or LayerNorms."""
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        skip = name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name
        (no_decay if skip else decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = model.device.type in ("cpu", "cuda")  # one kernel per step: ~7x faster on CPU
    return AdamW(groups, lr=config.learning_rate, fused=fused)


def _scheduler(optimizer: AdamW, total_steps: int, warmup_ratio: float) -> LambdaLR:
    """Linear warm-up from zero over ``warmup_ratio`` of the steps, then linear decay to zero."""
    warmup = math.ceil(warmup_ratio * total_steps)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return LambdaLR(optimizer, factor)


# --------------------------------------------------------------------------- RNG state


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _python_numpy_rng_state() -> dict[str, Any]:
    """The ``random`` and ``numpy`` generator states as JSON values."""
    version, internal, gauss = random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    assert isinstance(numpy_state, dict)
    numpy_state["state"] = {**numpy_state["state"], "key": numpy_state["state"]["key"].tolist()}
    return {"python": [version, list(internal), gauss], "numpy": numpy_state}


def _restore_python_numpy_rng(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = dict(state["numpy"])
    key = np.asarray(numpy_state["state"]["key"], dtype=np.uint32)
    numpy_state["state"] = {**numpy_state["state"], "key": key}
    np.random.set_state(numpy_state)


def _torch_rng_state() -> dict[str, Any]:
    """The torch generator states: plain tensors only, so ``weights_only`` loading works."""
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _restore_torch_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# --------------------------------------------------------------------------- the trainer


@dataclass(slots=True)
class _Run:
    """The mutable state of one fit: the model, its optimiser and the record so far."""

    model: SentenceTransformer
    optimizer: AdamW
    scheduler: LambdaLR
    base_max_seq_length: int | None
    steps_per_epoch: int
    epoch: int = 0
    global_step: int = 0
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_metric: float | None = None


class ContrastiveTrainer:
    """Fine-tunes ``base_model`` on labelled texts into ``output_dir``; resumable, seeded.

    ``output_dir`` holds ``checkpoints/epoch-{n}/`` (the latest and the best epoch are kept)
    and, once :meth:`fit` returns, ``model/``: the best epoch's encoder (the last epoch's
    without validation data), loadable with ``SentenceTransformer(model_dir)``.
    """

    def __init__(
        self,
        base_model: str | Path,
        config: ContrastiveConfig,
        output_dir: Path,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.base_model = str(base_model)
        self.config = config
        self.output_dir = Path(output_dir)
        self.progress = progress

    @property
    def checkpoints_dir(self) -> Path:
        return self.output_dir / "checkpoints"

    @property
    def model_dir(self) -> Path:
        return self.output_dir / "model"

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> ContrastiveResult:
        """Fine-tune on ``texts``/``labels`` (resuming a run found in ``output_dir``).

        Raises :class:`UsageError` when ``output_dir`` holds a run on other data or with
        other settings (only ``epochs``, ``patience`` and ``torch_threads`` may change), and
        :class:`DataError` when fewer than two classes have two or more examples.
        """
        data = _prepare(texts, labels, validation, self.config)
        fingerprint = _fingerprint(self.base_model, self.config, data)
        with _torch_threads(self.config.torch_threads):
            run = self._start(data, fingerprint)
            while not self._finished(run, data):
                self._train_epoch(run, data)
                self._save_checkpoint(run, fingerprint)
            return self._finalize(run)

    # ------------------------------------------------------------------ start / resume

    def _start(self, data: _Data, fingerprint: str) -> _Run:
        """A fresh run from the base model, or the last complete checkpoint's run."""
        self._remove_partial_checkpoints()
        latest = self._latest_checkpoint()
        state = _read_state(latest) if latest is not None else None
        if state is not None and state["fingerprint"] != fingerprint:
            raise UsageError(
                f"{self.output_dir} holds a contrastive run on other data or settings",
                hint="pass the same texts, labels, validation split and config (epochs, "
                "patience and torch_threads may change), or use a fresh output_dir",
            )
        if state is None:
            _seed_everything(self.config.seed)
        model = _load_model(latest if latest is not None else self.base_model)
        base_max = model.max_seq_length
        model.max_seq_length = self.config.max_seq_length
        steps = len(self._batches(data, 1))
        optimizer = _optimizer(model, self.config)
        scheduler = _scheduler(optimizer, steps * self.config.epochs, self.config.warmup_ratio)
        run = _Run(model, optimizer, scheduler, base_max, steps)
        if latest is not None and state is not None:
            self._restore(run, latest, state)
        return run

    def _restore(self, run: _Run, checkpoint: Path, state: dict[str, Any]) -> None:
        """Put the optimiser, scheduler, RNGs and the record back as ``checkpoint`` left them.

        The scheduler keeps its step but takes the current ``epochs``: a resumed run with
        more epochs continues on the longer schedule.
        """
        saved = torch.load(checkpoint / OPTIMIZER_FILE, map_location="cpu", weights_only=True)
        run.optimizer.load_state_dict(saved["optimizer"])
        run.scheduler.load_state_dict(saved["scheduler"])
        _restore_torch_rng(torch.load(checkpoint / RNG_FILE, map_location="cpu", weights_only=True))
        _restore_python_numpy_rng(state["rng"])
        run.epoch = int(state["epoch"])
        run.global_step = int(state["global_step"])
        run.history = [EpochRecord.from_dict(record) for record in state["history"]]
        run.best_epoch = int(state["best_epoch"])
        run.best_metric = state["best_metric"]
        log.info("contrastive.resume", checkpoint=str(checkpoint), epoch=run.epoch)

    def _finished(self, run: _Run, data: _Data) -> bool:
        """All epochs done, or no better validation accuracy for ``patience`` epochs."""
        if run.epoch >= self.config.epochs:
            return True
        stalled = data.validation is not None and run.epoch - run.best_epoch >= self.config.patience
        if stalled:
            log.info("contrastive.early_stop", epoch=run.epoch, best_epoch=run.best_epoch)
            return True
        return False

    # ------------------------------------------------------------------ one epoch

    def _batches(self, data: _Data, epoch: int) -> list[list[Pair]]:
        pack = make_mixed_batches if self.config.loss == "supcon" else make_batches
        return pack(
            data.labels,
            batch_size=self.config.batch_size,
            pairs_per_example=self.config.pairs_per_example,
            rng=_epoch_rng(self.config.seed, epoch),
        )

    def _train_epoch(self, run: _Run, data: _Data) -> None:
        """One pass over this epoch's batches, then validation and the best-epoch update."""
        started = time.perf_counter()
        epoch = run.epoch + 1
        batches = self._batches(data, epoch)
        total = run.steps_per_epoch * self.config.epochs
        run.model.train()
        losses = []
        for batch in batches:
            losses.append(self._step(run, batch, data))
            run.global_step += 1
            emit(self.progress, "train", run.global_step, total, unit="steps")
        accuracy = self._validate(run.model, data)
        run.epoch = epoch
        record = EpochRecord(
            epoch=epoch,
            steps=len(batches),
            mean_loss=float(np.mean(losses)),
            val_accuracy=accuracy,
            seconds=time.perf_counter() - started,
        )
        run.history.append(record)
        if accuracy is None or run.best_metric is None or accuracy > run.best_metric:
            run.best_epoch, run.best_metric = epoch, accuracy
        log.info("contrastive.epoch", **asdict(record))

    def _step(self, run: _Run, batch: list[Pair], data: _Data) -> float:
        """One optimiser step on one batch; anchors and positives share one forward pass."""
        anchors = [data.texts[anchor] for anchor, _ in batch]
        positives = [data.texts[positive] for _, positive in batch]
        embeddings = _embed(run.model, anchors + positives)
        first, second = embeddings[: len(batch)], embeddings[len(batch) :]
        if self.config.loss == "supcon":
            labels = torch.tensor([data.label_codes[anchor] for anchor, _ in batch])
            loss = supcon_loss(first, second, labels, self.config.scale)
        else:
            loss = mnrl_loss(first, second, self.config.scale)
        if not torch.isfinite(loss):
            raise ColloquyError(
                f"contrastive loss is {loss.item()} at step {run.global_step + 1}",
                hint="lower learning_rate or scale",
            )
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), MAX_GRAD_NORM)
        run.optimizer.step()
        run.scheduler.step()
        return float(loss.item())

    def _validate(self, model: SentenceTransformer, data: _Data) -> float | None:
        """Nearest-centroid accuracy on the validation split (``None`` without one)."""
        if data.validation is None:
            return None
        sample = _centroid_sample(data.labels, self.config.seed)
        val_texts, val_labels = data.validation
        embeddings = _encode(model, [data.texts[i] for i in sample] + val_texts, self.progress)
        model.train()
        return nearest_centroid_accuracy(
            embeddings[: len(sample)],
            [data.labels[i] for i in sample],
            embeddings[len(sample) :],
            val_labels,
        )

    # ------------------------------------------------------------------ checkpoints

    def _save_checkpoint(self, run: _Run, fingerprint: str) -> None:
        """Write ``checkpoints/epoch-{n}/`` atomically, then drop checkpoints no longer needed."""
        self.checkpoints_dir.mkdir(parents=True, exist_ok=True)
        final = self.checkpoints_dir / f"epoch-{run.epoch}"
        temporary = Path(tempfile.mkdtemp(prefix=f".epoch-{run.epoch}-", dir=self.checkpoints_dir))
        try:
            _save_model(run.model, temporary, run.base_max_seq_length)
            training = {
                "optimizer": run.optimizer.state_dict(),
                "scheduler": run.scheduler.state_dict(),
            }
            torch.save(training, temporary / OPTIMIZER_FILE)
            torch.save(_torch_rng_state(), temporary / RNG_FILE)
            # The state file goes last: a folder without it is never taken for a checkpoint.
            _write_json(temporary / STATE_FILE, self._state(run, fingerprint))
            if final.exists():
                shutil.rmtree(final)
            temporary.replace(final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        self._prune(keep={run.epoch, run.best_epoch})

    def _state(self, run: _Run, fingerprint: str) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "fingerprint": fingerprint,
            "base_model": self.base_model,
            "config": self.config.model_dump(),
            "epoch": run.epoch,
            "global_step": run.global_step,
            "steps_per_epoch": run.steps_per_epoch,
            "history": [asdict(record) for record in run.history],
            "best_epoch": run.best_epoch,
            "best_metric": run.best_metric,
            "rng": _python_numpy_rng_state(),
        }

    def _checkpoints(self) -> dict[int, Path]:
        """Complete checkpoints by epoch."""
        if not self.checkpoints_dir.is_dir():
            return {}
        found = {}
        for path in self.checkpoints_dir.iterdir():
            match = _CHECKPOINT_NAME.match(path.name)
            if match and (path / STATE_FILE).is_file():
                found[int(match.group(1))] = path
        return found

    def _latest_checkpoint(self) -> Path | None:
        checkpoints = self._checkpoints()
        return checkpoints[max(checkpoints)] if checkpoints else None

    def _prune(self, keep: set[int]) -> None:
        for epoch, path in self._checkpoints().items():
            if epoch not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def _remove_partial_checkpoints(self) -> None:
        """Temporary folders left by a run killed while writing a checkpoint."""
        if self.checkpoints_dir.is_dir():
            for path in self.checkpoints_dir.glob(".epoch-*"):
                shutil.rmtree(path, ignore_errors=True)

    # ------------------------------------------------------------------ the result

    def _finalize(self, run: _Run) -> ContrastiveResult:
        """Copy the best checkpoint's encoder to ``model/`` (atomically) and report."""
        source = self._checkpoints()[run.best_epoch]
        self.output_dir.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".model-", dir=self.output_dir))
        try:
            ignore = shutil.ignore_patterns(*_NOT_MODEL_FILES)
            shutil.copytree(source, temporary, ignore=ignore, dirs_exist_ok=True)
            _replace_dir(temporary, self.model_dir)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return ContrastiveResult(self.model_dir, run.best_epoch, list(run.history))


def _replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``, replacing any folder there with one rename each way."""
    if target.exists():
        old = target.with_name(f".{target.name}-old-{time.time_ns()}")
        target.replace(old)
        new.replace(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.replace(target)


def _read_state(checkpoint: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        raise UsageError(
            f"{checkpoint / STATE_FILE} is not a version-{STATE_VERSION} contrastive checkpoint",
            hint="use a fresh output_dir",
        )
    return state


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
