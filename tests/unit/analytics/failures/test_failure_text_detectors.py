from __future__ import annotations

from collections.abc import Callable

import pytest

from colloquy.analytics.failures import (
    AbandonmentDetector,
    CorrectionDetector,
    EscalationDetector,
    FailureType,
    LoopDetector,
    RepetitionDetector,
    text_only_detectors,
)
from colloquy.errors import UsageError
from colloquy.features.embeddings.sentence import SentenceEmbedder
from colloquy.schema import Conversation

Builder = Callable[..., Conversation]


def test_escalation_flags_a_request_for_a_person(make: Builder) -> None:
    chat = make(
        ("customer", "My card was charged twice."),
        ("agent", "Please restart the app."),
        ("customer", "This is useless, let me speak to a human."),
        ("agent", "I understand."),
    )
    (point,) = EscalationDetector().detect(chat)
    assert point.type is FailureType.ESCALATION
    assert point.turn_index == 2
    assert point.example == "This is useless, let me speak to a human."


def test_escalation_ignores_agent_turns_and_plain_requests(make: Builder) -> None:
    chat = make(
        ("customer", "I want to change my address."),
        ("agent", "I can transfer you to a manager if you like."),
    )
    assert EscalationDetector().detect(chat) == ()


def test_abandonment_is_an_unanswered_agent_question_at_the_end(make: Builder) -> None:
    chat = make(
        ("customer", "I need a flight to Paris."),
        ("agent", "Which date would you like to leave?"),
    )
    (point,) = AbandonmentDetector().detect(chat)
    assert point.type is FailureType.ABANDONMENT
    assert point.turn_index == 1


def test_abandonment_not_flagged_for_answers_or_closing_courtesy(make: Builder) -> None:
    answered = make(
        ("customer", "I need a flight."),
        ("agent", "Which date?"),
        ("customer", "Friday."),
    )
    courtesy = make(
        ("customer", "Thanks, that's all."),
        ("agent", "Is there anything else I can help you with?"),
    )
    assert AbandonmentDetector().detect(answered) == ()
    assert AbandonmentDetector().detect(courtesy) == ()
    assert AbandonmentDetector().detect(make(("agent", "Hello, are you there?"))) == ()


def test_loop_flags_the_agent_returning_to_the_same_question(make: Builder) -> None:
    chat = make(
        ("agent", "What city would you like to search in?"),
        ("customer", "Not sure."),
        ("agent", "Which restaurant do you have in mind?"),
        ("customer", "Any."),
        ("agent", "What city would you like to search in today?"),
    )
    (point,) = LoopDetector().detect(chat)
    assert point.type is FailureType.LOOP
    assert point.turn_index == 4
    assert 0.8 <= point.confidence <= 1.0
    with pytest.raises(UsageError):
        LoopDetector(overlap=0.0)


def test_correction_flags_thats_not_what_i_asked(make: Builder) -> None:
    chat = make(
        ("customer", "What is my balance?"),
        ("agent", "Here are your recent transactions."),
        ("customer", "That's not what I asked, I want my balance."),
    )
    (point,) = CorrectionDetector().detect(chat)
    assert point.type is FailureType.CORRECTION
    assert point.turn_index == 2
    calm = make(("customer", "What is my balance?"), ("agent", "It is $20."), ("customer", "Ok"))
    assert CorrectionDetector().detect(calm) == ()


@pytest.fixture
def embedder(torch_embedder: SentenceEmbedder) -> SentenceEmbedder:
    """The session's MiniLM (tests/conftest.py), loaded once for the whole run."""
    return torch_embedder


def test_repetition_flags_a_customer_rephrasing(make: Builder, embedder: SentenceEmbedder) -> None:
    chat = make(
        ("customer", "How do I reset my password?"),
        ("agent", "You can change your email address in settings."),
        ("customer", "How can I reset my password?"),
        ("agent", "Use the forgot password link."),
        ("customer", "Thanks, that worked for me."),
    )
    (point,) = RepetitionDetector(embedder).detect(chat)
    assert point.type is FailureType.REPETITION
    assert point.turn_index == 2
    assert point.confidence >= 0.85


def test_repetition_skips_short_and_unrelated_turns(
    make: Builder, embedder: SentenceEmbedder
) -> None:
    chat = make(
        ("customer", "yes"),
        ("agent", "Shall I book it?"),
        ("customer", "yes"),
        ("customer", "Also, what is the weather tomorrow?"),
    )
    assert RepetitionDetector(embedder).detect(chat) == ()
    with pytest.raises(UsageError):
        RepetitionDetector(embedder, similarity=1.5)


def test_text_only_detectors_include_repetition_only_with_an_embedder(
    embedder: SentenceEmbedder,
) -> None:
    without = {type(d).__name__ for d in text_only_detectors()}
    with_embedder = {type(d).__name__ for d in text_only_detectors(embedder)}
    assert "RepetitionDetector" not in without
    assert with_embedder - without == {"RepetitionDetector"}
