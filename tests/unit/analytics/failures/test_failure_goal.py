from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from colloquy.analytics.failures import (
    AnnotatedGoalDetector,
    FailureType,
    TextFailureDetector,
    TextGoalDetector,
    TextTurn,
    goal_not_completed,
    score_detector,
    split_halves,
    tune_goal_detector,
)
from colloquy.errors import UsageError
from colloquy.schema import Conversation

Builder = Callable[..., Conversation]


def test_ground_truth_is_an_unrecovered_notify_failure(
    make: Builder, failed: Conversation, recovered: Conversation, succeeded: Conversation
) -> None:
    assert goal_not_completed(failed)
    assert not goal_not_completed(recovered)
    assert not goal_not_completed(succeeded)
    assert not goal_not_completed(make(("customer", "hi"), ("bot", "hello")))


def test_ground_truth_counts_a_failure_after_a_success(make: Builder) -> None:
    later_failure = make(
        ("bot", "Your table is booked.", ["NOTIFY_SUCCESS"]),
        ("customer", "Also book a cab."),
        ("bot", "Sorry, no cab could be booked.", ["NOTIFY_FAILURE"]),
    )
    assert goal_not_completed(later_failure)


def test_annotated_detector_points_at_the_failing_turn(
    failed: Conversation, recovered: Conversation
) -> None:
    (point,) = AnnotatedGoalDetector().detect(failed)
    assert point.type is FailureType.GOAL_NOT_COMPLETED
    assert point.turn_index == 1
    assert point.confidence == 1.0
    assert "couldn't" in point.example
    assert AnnotatedGoalDetector().detect(recovered) == ()


def test_text_goal_detector_finds_the_unrecovered_failure(
    failed: Conversation, recovered: Conversation, succeeded: Conversation
) -> None:
    detector = TextGoalDetector()
    (point,) = detector.detect(failed)
    assert point.turn_index == 1
    assert 0.0 < point.confidence <= 1.0
    assert detector.detect(recovered) == ()
    assert detector.detect(succeeded) == ()


def test_text_goal_detector_ignores_a_polite_sorry_by_default(make: Builder) -> None:
    info = make(
        ("customer", "Do they serve alcohol?"),
        ("bot", "Sorry, they do not serve alcohol."),
    )
    assert TextGoalDetector().detect(info) == ()
    assert TextGoalDetector(failure_threshold=0.5).detect(info) != ()


def _without_acts(source: Conversation) -> Conversation:
    turns = [turn.model_copy(update={"dialogue_acts": ()}) for turn in source.turns]
    return source.model_copy(update={"turns": tuple(turns)})


def test_text_detector_gives_the_same_answer_without_acts(
    failed: Conversation, recovered: Conversation, succeeded: Conversation
) -> None:
    detector = TextGoalDetector()
    for case in (failed, recovered, succeeded):
        assert detector.detect(_without_acts(case)) == detector.detect(case)


def test_text_detector_follows_the_words_not_the_acts(make: Builder) -> None:
    mislabelled = make(
        ("customer", "Book it."),
        ("bot", "Your booking is confirmed.", ["NOTIFY_FAILURE"]),
    )
    assert goal_not_completed(mislabelled)
    assert TextGoalDetector().detect(mislabelled) == ()


def test_text_detectors_only_receive_speaker_and_text(failed: Conversation) -> None:
    seen: list[object] = []

    class Spy(TextFailureDetector):
        failure_type = FailureType.GOAL_NOT_COMPLETED
        name = "spy"

        def detect_text(self, turns: Sequence[TextTurn]) -> tuple[()]:
            seen.extend(turns)
            return ()

    Spy().detect(failed)
    assert seen
    assert all(type(turn) is TextTurn for turn in seen)
    assert all(not hasattr(turn, "dialogue_acts") for turn in seen)


def test_score_and_tune_on_hand_built_conversations(
    failed: Conversation, recovered: Conversation, succeeded: Conversation
) -> None:
    cases = [failed, recovered, succeeded]
    score = score_detector(TextGoalDetector(), cases, goal_not_completed)
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 0, 0)
    assert score.f1 == 1.0
    tuned = tune_goal_detector(cases, goal_not_completed, grid=(1.0, 5.0))
    assert tuned.train.f1 == 1.0
    assert tuned.failure_threshold == 1.0
    with pytest.raises(UsageError):
        tune_goal_detector([], goal_not_completed)


def test_split_halves_is_stable_and_complete(make: Builder) -> None:
    cases = [make(("customer", "hi")).model_copy(update={"id": f"c{i}"}) for i in range(40)]
    train, test = split_halves(cases)
    assert len(train) + len(test) == 40
    assert train
    assert test
    assert split_halves(cases) == (train, test)
