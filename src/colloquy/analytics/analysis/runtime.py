"""What an analysis loads once and uses for every conversation: models and detectors.

Loading VADER's lexicon, a trained sentiment head, an intent model or the MiniLM encoder
takes from milliseconds to seconds; analysing one conversation takes microseconds. So an
:class:`AnalysisRuntime` is built once per run (per process, for a server) and handed to
every call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from colloquy.analytics.analysis.language import english_words
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.failures import (
    AbandonmentDetector,
    AnnotatedGoalDetector,
    CorrectionDetector,
    EscalationDetector,
    FailureDetector,
    FailurePoint,
    FailureType,
    LoopDetector,
    RepetitionDetector,
    TextFailureDetector,
    TextGoalDetector,
    TextTurn,
    text_turns,
)
from colloquy.analytics.outcomes.intents import IntentPredictor
from colloquy.analytics.outcomes.markers import OutcomeJudge
from colloquy.analytics.sentiment import SentimentModel, load_sentiment_model
from colloquy.errors import ArtifactError
from colloquy.features.embeddings.base import Embedder
from colloquy.schema import Conversation

ENGLISH_ONLY: frozenset[FailureType] = frozenset(
    {
        FailureType.GOAL_NOT_COMPLETED,
        FailureType.REPETITION,
        FailureType.ESCALATION,
        FailureType.ABANDONMENT,
        FailureType.CORRECTION,
        FailureType.SENTIMENT_DROP,
    }
)
"""Failure types whose text-only detectors read English (cue phrases, the English MiniLM
encoder, an English sentiment model); loops compare word sets in any language."""


def load_intent_predictor(directory: str) -> IntentPredictor:
    """A trained intent model's ``predict`` as texts-in, labels-out.

    A directory holding another kind of model (a conversion or sentiment model) is
    refused with one line that names it and the command that writes an intent model.
    """
    from colloquy.models.artifacts import read_manifest
    from colloquy.models.intent import IntentClassifier

    path = Path(directory).expanduser()
    try:
        read_manifest(path, kind="intent")
    except ArtifactError as error:
        raise ArtifactError(
            f"intent model {directory}: {error.message}",
            hint="give a directory written by `colloquy train intent`",
        ) from None
    classifier = IntentClassifier.load(path)

    def predict(texts: Sequence[str]) -> list[str]:
        return [str(label) for label in classifier.predict(list(texts))]

    return predict


class AnalysisRuntime:
    """The models and detectors of one set of :class:`AnalysisOptions`, loaded once.

    Any part may be passed in already loaded (a server's shared sentiment model, the test
    session's MiniLM); what is not given is loaded from the options.
    """

    def __init__(
        self,
        options: AnalysisOptions | None = None,
        *,
        sentiment: SentimentModel | None = None,
        intent: IntentPredictor | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.options = options if options is not None else AnalysisOptions()
        self.sentiment = (
            sentiment if sentiment is not None else load_sentiment_model(self.options.sentiment)
        )
        if intent is None and self.options.intent_model is not None:
            intent = load_intent_predictor(self.options.intent_model)
        self.intent = intent
        if embedder is None and self.options.uses_embedder:
            from colloquy.features.embeddings import SentenceEmbedder

            embedder = SentenceEmbedder()
        self.embedder = embedder
        english_words()
        wanted = self.options.detectors
        self.annotated_goal = AnnotatedGoalDetector()
        self.text_goal = SharedView(TextGoalDetector())
        escalation = SharedView(EscalationDetector())
        self.judge = OutcomeJudge(text_goal=self.text_goal, escalation=escalation)
        others: list[SharedView] = [
            escalation,
            SharedView(AbandonmentDetector()),
            SharedView(LoopDetector()),
            SharedView(CorrectionDetector()),
        ]
        if embedder is not None:
            others.append(SharedView(RepetitionDetector(embedder)))
        self.detectors: tuple[SharedView, ...] = tuple(
            d for d in others if d.failure_type in wanted
        )

    @property
    def sentiment_name(self) -> str:
        """How records name the sentiment model: ``vader`` or the model directory."""
        return self.options.sentiment


class SharedView(FailureDetector):
    """A text-only detector that reuses one text view per conversation, and its answer.

    Every text-only detector would build its own speaker-and-text view of the same
    conversation, and the outcome judge asks the goal and escalation detectors again
    right after the failure pass; both repeats are skipped here without changing any
    answer (the view is the one :func:`~colloquy.analytics.failures.text_turns` builds).
    """

    def __init__(self, inner: TextFailureDetector) -> None:
        self.inner = inner
        self.failure_type = inner.failure_type
        self.name = inner.name
        self._last: tuple[Conversation, tuple[FailurePoint, ...]] | None = None

    def detect(self, conversation: Conversation) -> tuple[FailurePoint, ...]:
        if self._last is not None and self._last[0] is conversation:
            return self._last[1]
        return self.detect_view(conversation, text_turns(conversation))

    def detect_view(
        self, conversation: Conversation, view: Sequence[TextTurn]
    ) -> tuple[FailurePoint, ...]:
        """The failure points of ``conversation``, whose text view is ``view``."""
        if self._last is not None and self._last[0] is conversation:
            return self._last[1]
        points = self.inner.detect_text(view)
        self._last = (conversation, points)
        return points
