"""Finding personal data in text and replacing it with typed placeholders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from colloquy.data.pii.cards import cards
from colloquy.data.pii.emails import emails
from colloquy.data.pii.ibans import ibans
from colloquy.data.pii.kinds import PRIORITY, MaskResult, PiiConfig, PiiKind, PiiSpan
from colloquy.data.pii.national_ids import national_ids
from colloquy.data.pii.network import ips, macs
from colloquy.data.pii.phones import phones
from colloquy.schema.conversation import Conversation, Turn

__all__ = ["PiiMasker", "detect_pii", "mask_conversation", "mask_text"]

_RANK = {kind: rank for rank, kind in enumerate(PRIORITY)}
_DETECTORS: dict[PiiKind, Callable[[str, PiiConfig], Iterator[PiiSpan]]] = {
    PiiKind.EMAIL: lambda text, _: emails(text),
    PiiKind.PHONE: lambda text, config: phones(text, config.phone_regions),
    PiiKind.CARD: lambda text, _: cards(text),
    PiiKind.IBAN: lambda text, _: ibans(text),
    PiiKind.IP: lambda text, _: ips(text),
    PiiKind.NATIONAL_ID: lambda text, _: national_ids(text),
    PiiKind.MAC: lambda text, _: macs(text),
}
_DIGIT = re.compile(r"\d")
_NEEDS_DIGIT = frozenset({PiiKind.PHONE, PiiKind.CARD, PiiKind.IBAN, PiiKind.NATIONAL_ID})


def _resolve(candidates: list[PiiSpan]) -> tuple[PiiSpan, ...]:
    """Non-overlapping spans: higher-priority kinds first, then longer, then earlier."""
    ordered = sorted(candidates, key=lambda s: (_RANK[s.kind], s.start - s.end, s.start))
    kept: list[PiiSpan] = []
    for span in ordered:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))


@lru_cache(maxsize=16)
def _ordered_kinds(kinds: frozenset[PiiKind]) -> tuple[PiiKind, ...]:
    return tuple(kind for kind in PRIORITY if kind in kinds)


_DEFAULT_CONFIG = PiiConfig()


def detect_pii(text: str, config: PiiConfig | None = None) -> tuple[PiiSpan, ...]:
    """The personal data in ``text``: non-overlapping spans sorted by position."""
    config = config or _DEFAULT_CONFIG
    has_digit = _DIGIT.search(text) is not None
    candidates: list[PiiSpan] = []
    for kind in _ordered_kinds(config.kinds):
        if kind in _NEEDS_DIGIT and not has_digit:
            continue
        candidates.extend(_DETECTORS[kind](text, config))
    return _resolve(candidates)


def mask_text(text: str, config: PiiConfig | None = None) -> MaskResult:
    """``text`` with each match replaced by its placeholder, and the matches found."""
    config = config or _DEFAULT_CONFIG
    spans = detect_pii(text, config)
    if not spans:
        return MaskResult(text, ())
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(config.placeholder_for(span.kind))
        position = span.end
    pieces.append(text[position:])
    return MaskResult("".join(pieces), spans)


class PiiMasker:
    """Masks conversations with one configuration and counts the matches of each kind."""

    def __init__(self, config: PiiConfig | None = None) -> None:
        self.config = config or _DEFAULT_CONFIG
        self._counts: Counter[str] = Counter()
        self._turns_changed = 0

    @property
    def counts(self) -> dict[str, int]:
        """Matches masked so far, per kind (every enabled kind present, zeros included)."""
        return {kind.value: self._counts[kind.value] for kind in _ordered_kinds(self.config.kinds)}

    @property
    def turns_changed(self) -> int:
        return self._turns_changed

    def add(self, counts: Mapping[str, int], turns_changed: int) -> None:
        """Count what another masker with this configuration did (a worker's partition)."""
        self._counts.update(counts)
        self._turns_changed += turns_changed

    def apply(self, conversation: Conversation) -> Conversation:
        """``conversation`` with every turn's text masked; ids, speakers and the rest kept."""
        turns = tuple(self._mask_turn(turn) for turn in conversation.turns)
        if all(new is old for new, old in zip(turns, conversation.turns, strict=True)):
            return conversation
        return conversation.model_copy(update={"turns": turns})

    def record(self) -> dict[str, Any]:
        """``{config, counts, turns_changed}`` as JSON-serialisable data."""
        return {
            "config": {
                "kinds": [kind.value for kind in _ordered_kinds(self.config.kinds)],
                "placeholder": self.config.placeholder,
                "phone_regions": list(self.config.phone_regions),
            },
            "counts": self.counts,
            "turns_changed": self._turns_changed,
        }

    def _mask_turn(self, turn: Turn) -> Turn:
        result = mask_text(turn.text, self.config)
        if not result.spans:
            return turn
        self._counts.update(span.kind.value for span in result.spans)
        self._turns_changed += 1
        return turn.model_copy(update={"text": result.text})


def mask_conversation(conversation: Conversation, config: PiiConfig | None = None) -> Conversation:
    """``conversation`` with every turn's text masked (use :class:`PiiMasker` for counts)."""
    return PiiMasker(config).apply(conversation)
