"""One conversation through the engine: hand-built transcripts whose values are known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from colloquy.analytics.analysis import (
    DEFAULT_DETECTORS,
    AnalysisOptions,
    AnalysisRuntime,
    analyze_batch,
    analyze_conversation,
)
from colloquy.analytics.dynamics import talk_dynamics
from colloquy.analytics.failures import FailureType
from colloquy.analytics.outcomes import MarkerSource
from colloquy.analytics.sentiment.trajectory import csat_estimate
from colloquy.errors import ArtifactError, NotFoundError, UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.schema import Speaker

from .conftest import Build

VADER = SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    return float(VADER.polarity_scores(text)["compound"])


ANGRY = "My card was charged twice and nobody helps, this is terrible"
AGENT = "I am sorry about that. I refunded the second charge just now."
HAPPY = "Great, thank you so much, that is wonderful"


def test_trajectory_csat_dynamics_of_a_timed_chat(make: Build, runtime: AnalysisRuntime) -> None:
    chat = make(
        "c1",
        ("customer", ANGRY),
        ("agent", AGENT),
        ("customer", HAPPY),
        seconds=(0, 90, 120),
        metadata={"brand": "AcmeBank"},
    )
    analysis = analyze_conversation(chat, runtime=runtime, dataset="demo")
    sentiment = analysis.sentiment
    assert sentiment is not None
    assert [t.turn_index for t in sentiment.turns] == [0, 1, 2]
    assert sentiment.customer_start == pytest.approx(compound(ANGRY))
    assert sentiment.customer_end == pytest.approx(compound(HAPPY))
    change = compound(HAPPY) - compound(ANGRY)
    assert sentiment.customer_change == pytest.approx(change)
    assert sentiment.csat_estimate == pytest.approx(
        1 + 4 * (0.5 * (compound(HAPPY) + 1) / 2 + 0.5 * (change + 2) / 4)
    )
    assert sentiment.turns[0].at is not None
    assert analysis.dynamics == talk_dynamics(chat)
    assert analysis.dynamics.first_response_seconds == 90.0
    assert (analysis.dataset, analysis.brand, analysis.answered_by) == (
        "demo",
        "AcmeBank",
        "AcmeBank",
    )
    assert analysis.speakers == (Speaker.CUSTOMER, Speaker.AGENT)
    assert analysis.day is not None
    assert analysis.day.isoformat() == "2024-05-06"
    assert analysis.language.is_english
    assert analysis.english_only_skipped == ()
    assert analysis.trace is None  # no annotations and no intent model: nothing to trace


def test_csat_estimate_scale() -> None:
    assert csat_estimate(0.0, 0.0) == pytest.approx(3.0)
    assert csat_estimate(1.0, 2.0) == pytest.approx(5.0)
    assert csat_estimate(-1.0, -2.0) == pytest.approx(1.0)
    assert csat_estimate(0.5, None) == csat_estimate(0.5, 0.0)


def test_untimed_conversation_reports_time_metrics_as_unavailable(
    make: Build, runtime: AnalysisRuntime
) -> None:
    analysis = analyze_conversation(
        make("u", ("customer", "Where is my parcel?"), ("agent", "It arrives tomorrow.")),
        runtime=runtime,
    )
    dynamics = analysis.dynamics
    assert not dynamics.timed
    assert dynamics.first_response_seconds is None
    assert dynamics.handle_seconds is None
    assert dynamics.response_seconds is None
    assert analysis.day is None
    assert analysis.sentiment is not None
    assert all(t.at is None for t in analysis.sentiment.turns)


def test_single_speaker_and_empty_turns(make: Build, runtime: AnalysisRuntime) -> None:
    lone = make("lone", ("customer", HAPPY), ("customer", "   "), ("customer", ""))
    analysis = analyze_conversation(lone, runtime=runtime)
    assert analysis.n_turns == 3
    assert analysis.speakers == (Speaker.CUSTOMER,)
    assert analysis.sentiment is not None
    assert len(analysis.sentiment.turns) == 1
    assert analysis.sentiment.customer_change is None
    assert analysis.sentiment.csat_estimate == pytest.approx(csat_estimate(compound(HAPPY), None))

    agent_only = analyze_conversation(make("bot", ("agent", "Hello?")), runtime=runtime)
    assert agent_only.sentiment is not None
    assert agent_only.sentiment.csat_estimate is None
    assert agent_only.sentiment.customer_start is None

    empty = analyze_conversation(make("empty"), runtime=runtime)
    assert empty.n_turns == 0
    assert empty.speakers == ()
    assert empty.sentiment is not None
    assert empty.sentiment.turns == ()
    assert empty.failures.points == ()


def test_non_english_skips_english_only_parts_and_says_so(
    make: Build, runtime: AnalysisRuntime
) -> None:
    spanish = make(
        "es",
        ("customer", "Hola, mi pedido no ha llegado todavía y estoy muy enfadado con ustedes"),
        ("agent", "Lo sentimos mucho, vamos a revisar el estado de su pedido ahora mismo"),
    )
    analysis = analyze_conversation(spanish, runtime=runtime)
    assert not analysis.language.is_english
    assert analysis.sentiment is None
    skipped = set(analysis.english_only_skipped)
    assert {"sentiment", "goal_not_completed", "escalation", "sentiment_drop"} <= skipped
    assert {"resolved", "escalated"} <= skipped
    assert "loop" not in skipped  # word-set overlap reads any language


def test_sentiment_drop_is_a_failure_point(make: Build, runtime: AnalysisRuntime) -> None:
    worse = "This is terrible, awful service. I hate it and I am furious."
    chat = make(
        "drop",
        ("customer", HAPPY),
        ("agent", "Your order has been cancelled."),
        ("customer", worse),
    )
    analysis = analyze_conversation(chat, runtime=runtime)
    drops = [p for p in analysis.failures.points if p.type is FailureType.SENTIMENT_DROP]
    assert len(drops) == 1
    assert drops[0].turn_index == 2
    assert drops[0].example == worse
    assert drops[0].confidence == pytest.approx(min(1.0, compound(HAPPY) - compound(worse)))


def test_annotated_dialogue_uses_acts_for_goal_and_flow(
    make: Build, runtime: AnalysisRuntime
) -> None:
    dialogue = make(
        "sgd-like",
        ("customer", "Book a table for two at Nopa tonight"),
        ("agent", "Sorry, the booking failed."),
        ("customer", "Okay, never mind."),
        acts={0: ["INFORM_INTENT"], 1: ["NOTIFY_FAILURE"], 2: ["GOODBYE"]},
        intents={0: "ReserveRestaurant", 2: "ReserveRestaurant"},
    )
    analysis = analyze_conversation(dialogue, runtime=runtime)
    goal = [p for p in analysis.failures.points if p.type is FailureType.GOAL_NOT_COMPLETED]
    assert [p.detector for p in goal] == ["goal-acts"]
    assert goal[0].turn_index == 1
    assert analysis.outcome.resolved is False
    assert analysis.outcome.resolved_from is MarkerSource.ACTS
    assert analysis.trace is not None
    assert analysis.trace.path() == ("ReserveRestaurant",)
    assert analysis.intent == "ReserveRestaurant"


def test_intent_model_labels_customer_turns_for_intent_and_flow(make: Build) -> None:
    calls: list[list[str]] = []

    def keywords(texts: Sequence[str]) -> list[str]:
        calls.append(list(texts))
        return ["refund" if "refund" in t.lower() else "card" for t in texts]

    runtime = AnalysisRuntime(AnalysisOptions(), intent=keywords)
    chats = [
        make("a", ("customer", "I want a refund"), ("agent", "Sure."), ("customer", "My card?")),
        make("b", ("customer", "My card is blocked"), ("agent", "Unblocked.")),
    ]
    first, second = analyze_batch(chats, runtime=runtime)
    assert len(calls) == 1  # one model call for the whole batch
    assert (first.intent, second.intent) == ("refund", "card")
    assert first.trace is not None
    assert first.trace.path() == ("refund", "card")


def test_wrong_kind_of_intent_model_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "conversion-model"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"format": "colloquy-conversion"}))
    with pytest.raises(ArtifactError) as caught:
        AnalysisRuntime(AnalysisOptions(intent_model=str(folder)))
    message = caught.value.one_line()
    assert "intent model" in message
    assert "colloquy-conversion" in message
    assert "colloquy train intent" in message
    assert "\n" not in message
    with pytest.raises(NotFoundError):
        AnalysisRuntime(AnalysisOptions(intent_model=str(tmp_path / "absent")))


def test_options_and_runtime_must_agree(make: Build, runtime: AnalysisRuntime) -> None:
    with pytest.raises(UsageError, match="disagree"):
        analyze_conversation(
            make("x", ("customer", "hi")), AnalysisOptions(use_annotations=False), runtime
        )


def test_repetition_runs_when_switched_on_with_the_real_embedder(
    make: Build, torch_embedder: SentenceEmbedder
) -> None:
    options = AnalysisOptions(detectors=DEFAULT_DETECTORS | {FailureType.REPETITION})
    assert options.uses_embedder
    runtime = AnalysisRuntime(options, embedder=torch_embedder)
    chat = make(
        "rep",
        ("customer", "How do I reset my password?"),
        ("agent", "You can change your email address in settings."),
        ("customer", "How can I reset my password?"),
        ("agent", "Use the forgot password link."),
    )
    analysis = analyze_conversation(chat, runtime=runtime)
    repeats = [p for p in analysis.failures.points if p.type is FailureType.REPETITION]
    assert [p.turn_index for p in repeats] == [2]
    default = analyze_conversation(chat, runtime=AnalysisRuntime(embedder=torch_embedder))
    assert not default.failures.has(FailureType.REPETITION)
