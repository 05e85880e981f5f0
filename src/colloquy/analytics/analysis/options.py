"""What an analysis run computes, as one frozen value with a stable fingerprint.

Stored analyses are keyed by :meth:`AnalysisOptions.fingerprint`, so two runs with the
same options reuse each other's results and any change that could alter a number (another
sentiment model, a retrained intent model, a detector switched on, a new engine version)
gives another key. A model directory enters the fingerprint through its manifest digest,
not its path: retraining into the same folder invalidates what was stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from colloquy.analytics.failures.records import FailureType
from colloquy.analytics.flow.records import FlowLevel
from colloquy.analytics.outcomes.trends import Bucket
from colloquy.errors import NotFoundError, UsageError

ENGINE_VERSION = 1
"""Bumped whenever the engine computes any stored number differently."""

VADER = "vader"
"""The sentiment spec for VADER with its authors' thresholds (no set-up)."""

DEFAULT_DETECTORS: frozenset[FailureType] = frozenset(FailureType) - {FailureType.REPETITION}
"""Every failure type except repetition, which needs the sentence embedder (slow)."""

DEFAULT_DROP = 0.5
"""Default fall in compound polarity between consecutive customer turns that counts as a
sharp sentiment drop (see :mod:`colloquy.analytics.failures.sentiment_drop`)."""


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """The choices behind one analysis.

    ``sentiment`` is ``"vader"`` or a trained sentiment model directory;
    ``intent_model`` an optional trained intent model directory (customer intents for
    the flow and the intent distribution of unannotated transcripts). ``detectors`` are
    the failure types looked for; ``use_annotations`` lets dataset annotations (SGD acts
    and frames, intent labels) decide goal completion, flow states and intents where they
    exist, with the text-only detectors and the intent model everywhere else.
    """

    sentiment: str = VADER
    intent_model: str | None = None
    detectors: frozenset[FailureType] = field(default=DEFAULT_DETECTORS)
    use_annotations: bool = True
    sentiment_drop: float = DEFAULT_DROP
    bucket: Bucket = Bucket.DAY
    flow_level: FlowLevel = FlowLevel.INTENT

    def __post_init__(self) -> None:
        if not self.sentiment.strip():
            raise UsageError("the sentiment model is empty; give 'vader' or a model directory")
        if not 0.0 < self.sentiment_drop <= 2.0:
            raise UsageError(
                f"sentiment_drop must be within (0, 2] (compound runs from -1 to 1), "
                f"got {self.sentiment_drop}"
            )

    @property
    def uses_embedder(self) -> bool:
        """Whether a sentence embedder must be loaded (the repetition detector needs one)."""
        return FailureType.REPETITION in self.detectors

    def fingerprint(self) -> str:
        """A stable hex digest of everything that changes the numbers.

        Model directories contribute their manifest digest, so the folder must exist; a
        missing one is a :class:`~colloquy.errors.NotFoundError`.
        """
        payload = {
            "engine": ENGINE_VERSION,
            "sentiment": _model_identity(self.sentiment, "sentiment"),
            "intent_model": None
            if self.intent_model is None
            else _model_identity(self.intent_model, "intent"),
            "detectors": sorted(kind.value for kind in self.detectors),
            "use_annotations": self.use_annotations,
            "sentiment_drop": round(self.sentiment_drop, 9),
            "bucket": self.bucket.value,
            "flow_level": self.flow_level.value,
        }
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()[:32]


def _model_identity(spec: str, role: str) -> str:
    """``vader`` as itself; a model directory as its manifest's digest."""
    if role == "sentiment" and spec == VADER:
        return VADER
    manifest = Path(spec).expanduser() / "manifest.json"
    if not manifest.is_file():
        raise NotFoundError(
            f"{role} model {spec!r} not found: no manifest.json in that folder",
            hint="give a directory written by colloquy train"
            + (" or 'vader'" if role == "sentiment" else ""),
        )
    return hashlib.sha256(manifest.read_bytes()).hexdigest()
