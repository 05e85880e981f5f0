"""Analyse conversations one by one into :class:`ConversationAnalysis` records.

Every metric comes from its own module (sentiment trajectories, talk dynamics, failure
detectors, flow tracking, outcome markers); this module only decides which applies and
feeds them. Models are called once per batch, not per turn: all scored turns of a batch go
to the sentiment model in one call and all customer texts to the intent model in one call,
which is what makes a trained (embedding) model affordable over a dataset.

Which parts run on a conversation:

* **sentiment** and **sentiment drops**: English conversations only;
* **goal not completed**: from the acts when ``use_annotations`` and the conversation's
  acts annotate a task (SGD), else from the text-only detector (English only);
* the other detectors as the options select them; the cue-phrase ones on English only;
* **flow trace**: from annotations (intents, acts, frames) when ``use_annotations`` and the
  conversation has any, else from the intent model over its customer turns, else none;
* **intent**: :func:`~colloquy.analytics.outcomes.resolve_intents` (the model's prediction
  for the opening request when a model is given, else the annotated intent).
"""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.analytics.analysis.language import check_language
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import (
    ESCALATION_PART,
    RESOLUTION_PART,
    SENTIMENT_PART,
    ConversationAnalysis,
)
from colloquy.analytics.analysis.runtime import ENGLISH_ONLY, AnalysisRuntime
from colloquy.analytics.dynamics import brand_of, talk_dynamics
from colloquy.analytics.failures import (
    ConversationFailures,
    FailurePoint,
    FailureType,
    text_turns,
)
from colloquy.analytics.failures.sentiment_drop import sentiment_drops
from colloquy.analytics.flow import DialogueTrace, trace_annotated, trace_intents
from colloquy.analytics.outcomes import (
    MarkerSource,
    conversation_brand,
    conversation_day,
    resolve_intents,
)
from colloquy.analytics.outcomes.markers import GOAL_ACTS
from colloquy.analytics.sentiment import SentimentScore
from colloquy.analytics.sentiment.trajectory import build_trajectory, scored_turns
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker, Turn


def analyze_conversation(
    conversation: Conversation,
    options: AnalysisOptions | None = None,
    runtime: AnalysisRuntime | None = None,
    *,
    dataset: str | None = None,
) -> ConversationAnalysis:
    """Analyse one conversation (see the module docstring for what runs on it)."""
    (analysis,) = analyze_batch([conversation], options, runtime, dataset=dataset)
    return analysis


def analyze_batch(
    conversations: Sequence[Conversation],
    options: AnalysisOptions | None = None,
    runtime: AnalysisRuntime | None = None,
    *,
    dataset: str | None = None,
) -> list[ConversationAnalysis]:
    """Analyse ``conversations`` with one model call per batch; results in input order.

    ``runtime`` is built from ``options`` when not given (give it when analysing more
    than one batch, so models load once); given both, they must agree.
    """
    runtime = _runtime(options, runtime)
    if not conversations:
        return []
    spoken = [scored_turns(c) for c in conversations]
    languages = [check_language(t.text for t in turns) for turns in spoken]
    scored = [
        turns if language.is_english else ()
        for turns, language in zip(spoken, languages, strict=True)
    ]
    scores = _score(runtime, scored)
    intent_model = _CachedIntents(runtime, conversations)
    intents = resolve_intents(conversations, intent_model if runtime.intent else None)
    results: list[ConversationAnalysis] = []
    for conversation, language, turns, turn_scores, intent in zip(
        conversations, languages, scored, scores, intents, strict=True
    ):
        skipped: list[str] = []
        english = language.is_english
        sentiment = None
        if english:
            sentiment = build_trajectory(turns, turn_scores, model=runtime.sentiment_name)
        else:
            skipped.append(SENTIMENT_PART)
        points, skipped_types = _failures(runtime, conversation, turns, turn_scores, english)
        skipped.extend(kind.value for kind in skipped_types)
        day = conversation_day(conversation)
        outcome = runtime.judge.judge(conversation, day, intent)
        if not english and outcome.resolved_from is MarkerSource.TEXT:
            skipped.append(RESOLUTION_PART)
        if not english and outcome.escalated_from is MarkerSource.TEXT:
            skipped.append(ESCALATION_PART)
        results.append(
            ConversationAnalysis(
                conversation_id=conversation.id,
                dataset=dataset,
                source=conversation.source,
                channel=conversation.channel,
                brand=conversation_brand(conversation),
                answered_by=brand_of(conversation),
                started_at=conversation.started_at,
                day=day,
                intent=intent,
                speakers=tuple(
                    s
                    for s in Speaker
                    if any(t.speaker is s and t.text.strip() for t in conversation.turns)
                ),
                n_turns=len(conversation.turns),
                language=language,
                sentiment=sentiment,
                dynamics=talk_dynamics(conversation),
                failures=ConversationFailures(conversation_id=conversation.id, points=points),
                trace=_trace(runtime, conversation, intent_model),
                outcome=outcome,
                english_only_skipped=tuple(skipped),
            )
        )
    return results


def _speakers(conversation: Conversation) -> tuple[Speaker, ...]:
    """The roles with at least one non-empty turn, in :class:`Speaker` order."""
    present = {t.speaker for t in conversation.turns if t.text.strip()}
    return tuple(s for s in Speaker if s in present)


def _runtime(options: AnalysisOptions | None, runtime: AnalysisRuntime | None) -> AnalysisRuntime:
    if runtime is None:
        return AnalysisRuntime(options)
    if options is not None and options != runtime.options:
        raise UsageError(
            "analysis options and runtime disagree; build the runtime from these options "
            "(AnalysisRuntime(options)) or pass only one of them"
        )
    return runtime


def _score(
    runtime: AnalysisRuntime, scored: Sequence[Sequence[Turn]]
) -> list[list[SentimentScore]]:
    """Every conversation's turn scores from one call to the sentiment model."""
    texts = [t.text for turns in scored for t in turns]
    flat = runtime.sentiment.predict(texts) if texts else []
    if len(flat) != len(texts):
        raise UsageError(
            f"the sentiment model returned {len(flat)} scores for {len(texts)} texts; "
            "it must return one score per text"
        )
    out: list[list[SentimentScore]] = []
    start = 0
    for turns in scored:
        out.append(list(flat[start : start + len(turns)]))
        start += len(turns)
    return out


def _failures(
    runtime: AnalysisRuntime,
    conversation: Conversation,
    turns: Sequence[Turn],
    scores: Sequence[SentimentScore],
    english: bool,
) -> tuple[tuple[FailurePoint, ...], tuple[FailureType, ...]]:
    """The failure points found, and the English-only types skipped on non-English text."""
    wanted = runtime.options.detectors
    view = text_turns(conversation)
    points: list[FailurePoint] = []
    skipped: list[FailureType] = []
    if FailureType.GOAL_NOT_COMPLETED in wanted:
        if runtime.options.use_annotations and _annotates_goal(conversation):
            points.extend(runtime.annotated_goal.detect(conversation))
        elif english:
            points.extend(runtime.text_goal.detect_view(conversation, view))
        else:
            skipped.append(FailureType.GOAL_NOT_COMPLETED)
    for detector in runtime.detectors:
        if english or detector.failure_type not in ENGLISH_ONLY:
            points.extend(detector.detect_view(conversation, view))
        else:
            skipped.append(detector.failure_type)
    if FailureType.SENTIMENT_DROP in wanted:
        if english:
            points.extend(sentiment_drops(turns, scores, threshold=runtime.options.sentiment_drop))
        else:
            skipped.append(FailureType.SENTIMENT_DROP)
    points.sort(key=lambda p: (p.turn_index, p.type.value))
    return tuple(points), tuple(skipped)


def _annotates_goal(conversation: Conversation) -> bool:
    return any(act.act in GOAL_ACTS for turn in conversation.turns for act in turn.dialogue_acts)


def _annotated_state(conversation: Conversation) -> bool:
    return any(
        turn.intent or turn.dialogue_acts or turn.extra.get("frames") for turn in conversation.turns
    )


def _trace(
    runtime: AnalysisRuntime, conversation: Conversation, intents: _CachedIntents
) -> DialogueTrace | None:
    if runtime.options.use_annotations and _annotated_state(conversation):
        return trace_annotated(conversation)
    if runtime.intent is not None:
        return trace_intents(conversation, intents)
    return None


class _CachedIntents:
    """The intent model called once for a batch's customer texts, then looked up.

    Both the conversation intent (opening request) and the flow trace (every customer
    turn) ask for labels; asking the model once per distinct text keeps it to one call.
    """

    def __init__(self, runtime: AnalysisRuntime, conversations: Sequence[Conversation]) -> None:
        self._labels: dict[str, str] = {}
        if runtime.intent is None:
            return
        texts = list(
            dict.fromkeys(
                t.text
                for c in conversations
                for t in c.turns
                if t.speaker is Speaker.CUSTOMER and t.text.strip()
            )
        )
        if not texts:
            return
        labels = list(runtime.intent(texts))
        if len(labels) != len(texts):
            raise UsageError(
                f"the intent model returned {len(labels)} intents for {len(texts)} texts; "
                "it must return one intent per text"
            )
        self._labels = dict(zip(texts, (str(label) for label in labels), strict=True))

    def __call__(self, texts: Sequence[str]) -> list[str]:
        return [self._labels[text] for text in texts]
