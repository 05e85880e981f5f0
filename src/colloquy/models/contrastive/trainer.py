"""The training loop: epochs of contrastive steps, validation, checkpoints, resumption.

Our own PyTorch loop rather than a framework trainer: AdamW with linear warm-up and decay,
anchors and positives tokenised together and embedded in one forward pass (half the
overhead on CPU), a checkpoint after every epoch, and early stopping on the validation
split's nearest-centroid accuracy that keeps the best epoch. On a GPU the forward pass and
the loss run under float16 autocast and the backward pass through a gradient scaler (so
small float16 gradients do not underflow); on the CPU both are pass-throughs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from torch.optim import AdamW
from torch.optim.lr_scheduler import LambdaLR

from colloquy.errors import ColloquyError, UsageError
from colloquy.execution.device import autocast, grad_scaler, resolve_device
from colloquy.logging import get_logger
from colloquy.models.contrastive.batching import Pair, epoch_rng, make_batches, make_mixed_batches
from colloquy.models.contrastive.checkpoints import (
    STATE_FORMAT,
    STATE_VERSION,
    Checkpoints,
    export_model,
    read_state,
    restore_training,
)
from colloquy.models.contrastive.data import TrainingData, fingerprint, prepare_data
from colloquy.models.contrastive.encoder import embed, load_model, torch_threads
from colloquy.models.contrastive.losses import mnrl_loss, supcon_loss
from colloquy.models.contrastive.optimization import (
    MAX_GRAD_NORM,
    build_optimizer,
    build_scheduler,
)
from colloquy.models.contrastive.records import ContrastiveResult, EpochRecord
from colloquy.models.contrastive.rng import seed_everything
from colloquy.models.contrastive.validation import validation_accuracy
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.progress import ProgressCallback, emit

log = get_logger(__name__)


@dataclass(slots=True)
class _Run:
    """The mutable state of one fit: the model, its optimiser and the record so far."""

    model: SentenceTransformer
    optimizer: AdamW
    scheduler: LambdaLR
    scaler: torch.amp.GradScaler
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

    ``device`` is ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (``cuda`` without a GPU is a
    :class:`~colloquy.errors.ConfigError` here, before any work). Checkpoints and the saved
    model load on any device, so a run started on a GPU resumes on a CPU and vice versa.
    """

    def __init__(
        self,
        base_model: str | Path,
        config: ContrastiveConfig,
        output_dir: Path,
        *,
        progress: ProgressCallback | None = None,
        device: str = "cpu",
    ) -> None:
        self.device = resolve_device(device)
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
        data = prepare_data(texts, labels, validation, self.config)
        run_fingerprint = fingerprint(self.base_model, self.config, data)
        checkpoints = Checkpoints(self.checkpoints_dir)
        with torch_threads(self.config.torch_threads):
            run = self._start(data, run_fingerprint, checkpoints)
            while not self._finished(run, data):
                self._train_epoch(run, data)
                checkpoints.save(
                    run.epoch,
                    run.model,
                    max_seq_length=run.base_max_seq_length,
                    optimizer=run.optimizer,
                    scheduler=run.scheduler,
                    state=self._state(run, run_fingerprint),
                    scaler=run.scaler,
                )
                checkpoints.prune(keep={run.epoch, run.best_epoch})
            export_model(checkpoints.complete()[run.best_epoch], self.model_dir)
            return ContrastiveResult(self.model_dir, run.best_epoch, list(run.history))

    # ------------------------------------------------------------------ start / resume

    def _start(self, data: TrainingData, run_fingerprint: str, checkpoints: Checkpoints) -> _Run:
        """A fresh run from the base model, or the last complete checkpoint's run."""
        checkpoints.remove_partial()
        latest = checkpoints.latest()
        state = read_state(latest) if latest is not None else None
        if state is not None and state["fingerprint"] != run_fingerprint:
            raise UsageError(
                f"{self.output_dir} holds a contrastive run on other data or settings",
                hint="pass the same texts, labels, validation split and config (epochs, "
                "patience and torch_threads may change), or use a fresh output_dir",
            )
        if state is None:
            seed_everything(self.config.seed)
        model = load_model(latest if latest is not None else self.base_model, self.device)
        base_max = model.max_seq_length
        model.max_seq_length = self.config.max_seq_length
        steps = len(self._batches(data, 1))
        optimizer = build_optimizer(model, self.config)
        scheduler = build_scheduler(optimizer, steps * self.config.epochs, self.config.warmup_ratio)
        run = _Run(model, optimizer, scheduler, grad_scaler(self.device), base_max, steps)
        if latest is not None and state is not None:
            restore_training(latest, state, optimizer, scheduler, run.scaler)
            run.epoch = int(state["epoch"])
            run.global_step = int(state["global_step"])
            run.history = [EpochRecord.from_dict(record) for record in state["history"]]
            run.best_epoch = int(state["best_epoch"])
            run.best_metric = state["best_metric"]
            log.info("contrastive.resume", checkpoint=str(latest), epoch=run.epoch)
        return run

    def _finished(self, run: _Run, data: TrainingData) -> bool:
        """All epochs done, or no better validation accuracy for ``patience`` epochs."""
        if run.epoch >= self.config.epochs:
            return True
        stalled = data.validation is not None and run.epoch - run.best_epoch >= self.config.patience
        if stalled:
            log.info("contrastive.early_stop", epoch=run.epoch, best_epoch=run.best_epoch)
            return True
        return False

    # ------------------------------------------------------------------ one epoch

    def _batches(self, data: TrainingData, epoch: int) -> list[list[Pair]]:
        pack = make_mixed_batches if self.config.loss == "supcon" else make_batches
        return pack(
            data.labels,
            batch_size=self.config.batch_size,
            pairs_per_example=self.config.pairs_per_example,
            rng=epoch_rng(self.config.seed, epoch),
        )

    def _train_epoch(self, run: _Run, data: TrainingData) -> None:
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

    def _step(self, run: _Run, batch: list[Pair], data: TrainingData) -> float:
        """One optimiser step on one batch; anchors and positives share one forward pass.

        The forward pass runs under autocast, the loss in float32; the gradients are
        unscaled before clipping, so the norm limit means the same with and without the
        float16 gradient scaler.
        """
        anchors = [data.texts[anchor] for anchor, _ in batch]
        positives = [data.texts[positive] for _, positive in batch]
        with autocast(self.device):
            embeddings = embed(run.model, anchors + positives)
        # The loss in float32: scaled cosines and their softmax lose too much in float16.
        embeddings = embeddings.float()
        first, second = embeddings[: len(batch)], embeddings[len(batch) :]
        if self.config.loss == "supcon":
            codes = [data.label_codes[anchor] for anchor, _ in batch]
            labels = torch.tensor(codes, device=embeddings.device)
            loss = supcon_loss(first, second, labels, self.config.scale)
        else:
            loss = mnrl_loss(first, second, self.config.scale)
        value = float(loss.item())
        if not math.isfinite(value):
            raise ColloquyError(
                f"contrastive loss is {value} at step {run.global_step + 1}",
                hint="lower learning_rate or scale",
            )
        run.optimizer.zero_grad(set_to_none=True)
        run.scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
        run.scaler.unscale_(run.optimizer)
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), MAX_GRAD_NORM)
        run.scaler.step(run.optimizer)
        run.scaler.update()
        run.scheduler.step()
        return value

    def _validate(self, model: SentenceTransformer, data: TrainingData) -> float | None:
        """Nearest-centroid accuracy on the validation split (``None`` without one)."""
        return validation_accuracy(model, data, self.config.seed, self.progress)

    # ------------------------------------------------------------------ checkpoints

    def _state(self, run: _Run, run_fingerprint: str) -> dict[str, Any]:
        """What a checkpoint records of the run besides the weights and the optimiser."""
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "fingerprint": run_fingerprint,
            "base_model": self.base_model,
            "config": self.config.model_dump(),
            "epoch": run.epoch,
            "global_step": run.global_step,
            "steps_per_epoch": run.steps_per_epoch,
            "history": [asdict(record) for record in run.history],
            "best_epoch": run.best_epoch,
            "best_metric": run.best_metric,
        }


__all__ = ["ContrastiveTrainer"]
