"""Serving a saved conversion model: load it once, then score, explain and predict calls.

Loading reads the fitted blocks and starts the sentence encoder, which costs far more than
scoring one conversation, so a process keeps a :class:`ConversionModel` and asks it many
times; :func:`predict_conversion` is the one-shot form behind ``colloquy predict
conversion``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.loaders import get_loader
from colloquy.errors import UsageError
from colloquy.features.embeddings import Embedder
from colloquy.models.conversion import ConversionPredictor
from colloquy.models.explanation import Explanation
from colloquy.pipelines.conversion import cached_embedder
from colloquy.pipelines.records import ConversionPrediction
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue

if TYPE_CHECKING:
    from colloquy.analytics import InsightAnalyzer


def load_transcript(
    transcript: Path, *, speaker_map: Mapping[str, str] | None = None
) -> Conversation:
    """The one conversation in a transcript file (.txt, .vtt, .srt or .json)."""
    from colloquy.data.loaders.transcripts import TRANSCRIPT_SUFFIXES

    if transcript.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        raise UsageError(
            f"{transcript}: unknown transcript format {transcript.suffix or '(no suffix)'!r}",
            hint=f"use one of {', '.join(sorted(TRANSCRIPT_SUFFIXES))}",
        )
    conversations = list(get_loader("transcript", speaker_map=speaker_map).load(transcript))
    if len(conversations) != 1:
        raise UsageError(
            f"{transcript} holds {len(conversations)} transcripts", hint="predict one at a time"
        )
    return conversations[0]


class ConversionModel:
    """A saved conversion model, loaded once, scoring and explaining any number of calls.

    ``analyzer`` finds the insights a full :meth:`predict` reports; without one, the
    offline analyzer over the model's own sentence encoder is built on first use.
    """

    def __init__(
        self, predictor: ConversionPredictor, *, analyzer: InsightAnalyzer | None = None
    ) -> None:
        self.predictor = predictor
        self._analyzer = analyzer

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        cache_path: Path | None = None,
        analyzer_factory: Callable[[Embedder | None], InsightAnalyzer] | None = None,
    ) -> ConversionModel:
        """The model in ``directory``; ``cache_path`` keeps sentence vectors between runs."""
        path = Path(directory).expanduser()
        predictor = ConversionPredictor.load(path, embedder=cached_embedder(path, cache_path))
        analyzer = analyzer_factory(predictor.embedder) if analyzer_factory else None
        return cls(predictor, analyzer=analyzer)

    @property
    def analyzer(self) -> InsightAnalyzer:
        if self._analyzer is None:
            from colloquy.analytics import ExtractiveInsightAnalyzer

            self._analyzer = ExtractiveInsightAnalyzer(embedder=self.predictor.embedder)
        return self._analyzer

    def conversation(
        self,
        conversation: Conversation | Path,
        *,
        metadata: Mapping[str, JsonValue] | None = None,
        speaker_map: Mapping[str, str] | None = None,
    ) -> Conversation:
        """``conversation`` (or the one in a transcript file) with ``metadata`` merged in."""
        if isinstance(conversation, Path):
            conversation = load_transcript(conversation, speaker_map=speaker_map)
        if not metadata:
            return conversation
        return conversation.model_copy(update={"metadata": {**conversation.metadata, **metadata}})

    def probabilities(self, conversations: Sequence[Conversation]) -> list[float]:
        """P(convert) for each conversation, with no explanation (the cheap, batched call)."""
        return [float(p) for p in self.predictor.predict_proba(conversations)[:, 1]]

    def explain(
        self,
        conversation: Conversation | Path,
        *,
        metadata: Mapping[str, JsonValue] | None = None,
        speaker_map: Mapping[str, str] | None = None,
    ) -> Explanation:
        """The probability with its evidence by block, top features and key turns."""
        return self.predictor.explain(
            self.conversation(conversation, metadata=metadata, speaker_map=speaker_map)
        )

    def predict(
        self,
        conversation: Conversation | Path,
        *,
        metadata: Mapping[str, JsonValue] | None = None,
        speaker_map: Mapping[str, str] | None = None,
        insights: bool = True,
    ) -> ConversionPrediction:
        """Probability, explanation, the score after each turn and, by default, insights."""
        chosen = self.conversation(conversation, metadata=metadata, speaker_map=speaker_map)
        explanation = self.predictor.explain(chosen)
        found = None
        if insights:
            key_turns = [t.turn_index for t in explanation.key_turns]
            found = self.analyzer.analyze(chosen, key_turns=key_turns)
        return ConversionPrediction(
            conversation_id=chosen.id,
            probability=explanation.probability,
            running_probability=tuple(round(p, 4) for p in self.predictor.running_scores(chosen)),
            explanation=explanation,
            insights=found,
            metadata_issues=_encoder_issues(self.predictor),
        )


def load_conversion_model(
    directory: Path | str,
    *,
    cache_path: Path | None = None,
    analyzer_factory: Callable[[Embedder | None], InsightAnalyzer] | None = None,
) -> ConversionModel:
    """Shorthand for :meth:`ConversionModel.load`."""
    return ConversionModel.load(directory, cache_path=cache_path, analyzer_factory=analyzer_factory)


def predict_conversion(
    model: Path,
    transcript: Path,
    *,
    metadata: Mapping[str, JsonValue] | None = None,
    speaker_map: Mapping[str, str] | None = None,
    analyzer_factory: Callable[[Embedder | None], InsightAnalyzer] | None = None,
    cache_path: Path | None = None,
) -> ConversionPrediction:
    """One-shot prediction for one transcript file; keep a :class:`ConversionModel` to
    score more than one."""
    conversation = load_transcript(transcript, speaker_map=speaker_map)
    loaded = ConversionModel.load(model, cache_path=cache_path, analyzer_factory=analyzer_factory)
    return loaded.predict(conversation, metadata=metadata)


def _encoder_issues(predictor: ConversionPredictor) -> dict[str, int]:
    block = predictor.blocks_.get("metadata")
    encoder = getattr(block, "encoder", None)
    return dict(getattr(encoder, "last_transform_issues_", {}) or {})
