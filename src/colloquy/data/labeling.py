"""Outcome labels for conversion models, class balance, and measured text augmentation.

Conversion models need a binary target, but sources record outcomes differently: a donation
amount, a deal with a final price, a sale flag. An :class:`OutcomeLabeler` turns one
conversation into ``True``/``False`` — or ``None`` when the record does not say, so that
"unknown" is never silently counted as "no". :func:`apply_labels` writes the result into
``labels[key]`` without mutating the (frozen) input, and :func:`class_balance` says up front
whether the target is too skewed to train on naively.

:func:`augment` implements EDA-style word-level augmentation (random swap, deletion,
insertion of words from the same text) and keyboard-typo noise. It is not switched on
anywhere by default. ``benchmarks/augmentation.py`` measures it on BANKING77 with 10
examples per intent (5 seeds, TF-IDF + logistic regression and nearest centroid): only
random swap helped clearly (+1.1 accuracy points on the official test, better on 5/5 seeds
for both models); on validation, random deletion (-1 point) and keyboard typos (-0.3 to
-0.7) hurt, and random insertion and the mixtures gained under a point, not on every seed.
Hence the default ``methods``. Re-measure before relying on it for another dataset or
model: with word-bigram features, swapping mostly scrambles bigrams, which may act as
regularisation that a different model does not need.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from colloquy.errors import UsageError
from colloquy.schema import Conversation

L = TypeVar("L")


def label_of(conversation: Conversation, key: str) -> str | None:
    """The conversation's label under ``key`` as text, or ``None`` when it has none.

    ``labels[key]`` wins; for ``key == "intent"`` the first turn intent is the fallback, so
    datasets that annotate turns rather than conversations are labelled too. Non-string
    values are spelled as JSON (``True`` → ``"true"``), so every label is a plain string.
    """
    value = conversation.labels.get(key)
    if value is None and key == "intent":
        value = next((t.intent for t in conversation.turns if t.intent is not None), None)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --------------------------------------------------------------------------- labelers


@runtime_checkable
class OutcomeLabeler(Protocol):
    """Turns a conversation into a binary outcome; ``None`` means it cannot be labelled."""

    def label(self, conversation: Conversation) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class DonatedLabeler:
    """Persuasion outcome: donated more than ``threshold`` (``outcome.value`` is the amount).

    Without an amount, ``outcome.converted`` is used when the source set it.
    """

    threshold: float = 0.0

    def label(self, conversation: Conversation) -> bool | None:
        outcome = conversation.outcome
        if outcome is None:
            return None
        if outcome.value is not None:
            return outcome.value > self.threshold
        return outcome.converted


@dataclass(frozen=True, slots=True)
class DealLabeler:
    """Negotiation outcome: a deal was reached, optionally at a good enough price.

    ``outcome.converted`` says whether a deal was reached and ``outcome.value`` is the final
    price. With ``min_price_ratio`` (e.g. ``0.9`` for 90 %), a deal only counts when the
    final price is at least that share of the seller's target, read from the first of
    ``target_keys`` present in ``metadata``. A deal whose price or target is unknown cannot
    be judged and is labelled ``None``.
    """

    min_price_ratio: float | None = None
    target_keys: tuple[str, ...] = ("seller_target", "listing_price")

    def __post_init__(self) -> None:
        if self.min_price_ratio is not None and not self.min_price_ratio > 0:
            raise UsageError(
                f"min_price_ratio must be positive, got {self.min_price_ratio}",
                hint="pass e.g. 0.9 for 'at least 90 % of the seller's target'",
            )
        if not self.target_keys:
            raise UsageError("target_keys must name at least one metadata key")

    def label(self, conversation: Conversation) -> bool | None:
        outcome = conversation.outcome
        if outcome is None or outcome.converted is None:
            return None
        if not outcome.converted or self.min_price_ratio is None:
            return outcome.converted
        target = self._target(conversation)
        if target is None or outcome.value is None:
            return None
        return outcome.value >= self.min_price_ratio * target

    def _target(self, conversation: Conversation) -> float | None:
        for key in self.target_keys:
            target = _as_positive_number(conversation.metadata.get(key))
            if target is not None:
                return target
        return None


def _as_positive_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def apply_labels(
    conversations: Iterable[Conversation],
    labeler: OutcomeLabeler,
    key: str,
    *,
    drop_unlabelled: bool = False,
) -> Iterator[Conversation]:
    """Yield copies of ``conversations`` with ``labels[key]`` set to the labeler's verdict.

    Conversations the labeler cannot judge pass through unchanged (and keep no stale
    ``key``), or are left out with ``drop_unlabelled``. Streams: one conversation at a time.
    """
    for conversation in conversations:
        verdict = labeler.label(conversation)
        labels = {k: v for k, v in conversation.labels.items() if k != key}
        if verdict is None:
            if drop_unlabelled:
                continue
            if key in conversation.labels:
                conversation = conversation.model_copy(update={"labels": labels})
            yield conversation
            continue
        yield conversation.model_copy(update={"labels": {**labels, key: verdict}})


# --------------------------------------------------------------------------- balance


@dataclass(frozen=True, slots=True)
class BalanceReport:
    """How the classes of a target are spread, and whether that needs attention."""

    counts: dict[Hashable, int]
    shares: dict[Hashable, float]
    imbalance_ratio: float | None
    """Largest class count over smallest; ``None`` with fewer than two classes."""
    unlabelled: int
    warn_ratio: float

    @property
    def imbalanced(self) -> bool:
        """True when one class dominates beyond ``warn_ratio`` or only one class exists."""
        return self.imbalance_ratio is None or self.imbalance_ratio > self.warn_ratio

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": {_key_text(k): v for k, v in self.counts.items()},
            "shares": {_key_text(k): v for k, v in self.shares.items()},
            "imbalance_ratio": self.imbalance_ratio,
            "unlabelled": self.unlabelled,
            "warn_ratio": self.warn_ratio,
            "imbalanced": self.imbalanced,
        }


def _key_text(key: Hashable) -> str:
    return key if isinstance(key, str) else json.dumps(key)


def class_balance(labels: Iterable[Hashable | None], *, warn_ratio: float = 3.0) -> BalanceReport:
    """Count ``labels`` (``None`` = unlabelled) and flag an imbalance beyond ``warn_ratio``."""
    counter: Counter[Hashable] = Counter()
    unlabelled = 0
    for value in labels:
        if value is None:
            unlabelled += 1
        else:
            counter[value] += 1
    total = sum(counter.values())
    counts = dict(sorted(counter.items(), key=lambda kv: (-kv[1], _key_text(kv[0]))))
    shares = {k: v / total for k, v in counts.items()}
    ratio = max(counts.values()) / min(counts.values()) if len(counts) >= 2 else None
    return BalanceReport(counts, shares, ratio, unlabelled, warn_ratio)


# --------------------------------------------------------------------------- augmentation

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Letters physically next to each letter on a QWERTY keyboard (same and adjacent rows)."""
    where = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    neighbours: dict[str, str] = {}
    for ch, (r, c) in where.items():
        near = [
            other
            for other, (r2, c2) in where.items()
            if other != ch and abs(r - r2) <= 1 and abs(c - c2) <= 1
        ]
        neighbours[ch] = "".join(near)
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


def _changes(words: Sequence[str], alpha: float) -> int:
    return max(1, round(alpha * len(words)))


def random_swap(words: list[str], rng: random.Random, alpha: float) -> list[str]:
    """Swap two random words, ``alpha * len(words)`` times (at least once)."""
    out = list(words)
    if len(out) < 2:
        return out
    for _ in range(_changes(out, alpha)):
        i, j = rng.sample(range(len(out)), 2)
        out[i], out[j] = out[j], out[i]
    return out


def random_deletion(words: list[str], rng: random.Random, alpha: float) -> list[str]:
    """Drop each word with probability ``alpha``; always keeps at least one word."""
    if len(words) < 2:
        return list(words)
    kept = [w for w in words if rng.random() >= alpha]
    return kept or [rng.choice(words)]


def random_insertion(words: list[str], rng: random.Random, alpha: float) -> list[str]:
    """Insert copies of words from the same text at random positions (EDA without synonyms)."""
    out = list(words)
    if not out:
        return out
    for _ in range(_changes(words, alpha)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(words))
    return out


def keyboard_typo(words: list[str], rng: random.Random, alpha: float) -> list[str]:
    """Give ``alpha * len(words)`` words one typo: neighbouring key, swap, drop or repeat."""
    out = list(words)
    candidates = [i for i, w in enumerate(out) if sum(ch.isalpha() for ch in w) >= 3]
    if not candidates:
        return out
    for i in rng.sample(candidates, min(len(candidates), _changes(out, alpha))):
        out[i] = _typo(out[i], rng)
    return out


def _typo(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.lower() in _NEIGHBOURS]
    if not letters:
        return word
    i = rng.choice(letters)
    kind = rng.randrange(4)
    if kind == 0:
        near = _NEIGHBOURS[word[i].lower()]
        return word[:i] + rng.choice(near) + word[i + 1 :]
    if kind == 1 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 2:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


Augmenter = Callable[[list[str], random.Random, float], list[str]]

AUGMENTERS: dict[str, Augmenter] = {
    "random_swap": random_swap,
    "random_deletion": random_deletion,
    "random_insertion": random_insertion,
    "keyboard_typo": keyboard_typo,
}
"""The augmentation methods :func:`augment` knows, by name."""


def augment(
    texts: Sequence[str],
    labels: Sequence[L],
    *,
    methods: Sequence[str] = ("random_swap",),
    n_per_example: int = 1,
    alpha: float = 0.1,
    seed: int = 0,
) -> tuple[list[str], list[L]]:
    """Return the originals followed by up to ``n_per_example`` variants of each text.

    Each variant applies one method, cycling through ``methods`` in a seeded random order,
    with strength ``alpha`` (share of words changed). Variants identical to their original,
    or to an earlier variant of it, are dropped rather than counted twice. Deterministic
    for a given ``seed`` and input order. The default (random swap only) is the one method
    measured to help on BANKING77; see the module docstring.
    """
    _check_augment_args(texts, labels, methods, n_per_example, alpha)
    rng = random.Random(seed)
    out_texts, out_labels = list(texts), list(labels)
    for text, label in zip(texts, labels, strict=True):
        for variant in _variants(text, methods, n_per_example, alpha, rng):
            out_texts.append(variant)
            out_labels.append(label)
    return out_texts, out_labels


def _check_augment_args(
    texts: Sequence[str],
    labels: Sequence[object],
    methods: Sequence[str],
    n_per_example: int,
    alpha: float,
) -> None:
    if len(texts) != len(labels):
        raise UsageError(f"{len(texts)} texts but {len(labels)} labels; pass one label per text")
    unknown = [m for m in methods if m not in AUGMENTERS]
    if unknown or not methods:
        raise UsageError(
            f"unknown augmentation method(s) {unknown or '(none given)'}",
            hint=f"choose from {', '.join(AUGMENTERS)}",
        )
    if n_per_example < 0:
        raise UsageError(f"n_per_example must be >= 0, got {n_per_example}")
    if not 0 < alpha <= 1:
        raise UsageError(f"alpha must be in (0, 1], got {alpha}")


def _variants(
    text: str, methods: Sequence[str], n: int, alpha: float, rng: random.Random
) -> list[str]:
    words = text.split()
    order = list(methods)
    rng.shuffle(order)
    seen = {" ".join(words)}
    variants: list[str] = []
    for i in range(n):
        variant = " ".join(AUGMENTERS[order[i % len(order)]](words, rng, alpha))
        if variant and variant not in seen:
            seen.add(variant)
            variants.append(variant)
    return variants
