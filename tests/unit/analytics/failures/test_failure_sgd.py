"""The failure detectors on real SGD dialogues (one dev file, about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.analytics.failures import (
    AnnotatedGoalDetector,
    TextGoalDetector,
    goal_not_completed,
    score_detector,
)
from colloquy.data.loaders.sgd import SGDLoader
from colloquy.schema import Conversation


@pytest.fixture(scope="module")
def dialogues(datasets_dir: Path) -> list[Conversation]:
    file = datasets_dir / "sgd" / "dev" / "dialogues_001.json"
    if not file.is_file():
        pytest.skip(f"{file} not found")
    return list(SGDLoader().load(file))


def test_sgd_has_failed_goals_and_the_annotated_detector_agrees(
    dialogues: list[Conversation],
) -> None:
    failed = [c for c in dialogues if goal_not_completed(c)]
    assert 0 < len(failed) < len(dialogues)
    score = score_detector(AnnotatedGoalDetector(), dialogues, goal_not_completed)
    assert score.f1 == 1.0


def test_text_detector_on_sgd_ignores_the_acts(dialogues: list[Conversation]) -> None:
    detector = TextGoalDetector()
    for conversation in dialogues[:60]:
        stripped = conversation.model_copy(
            update={
                "turns": tuple(
                    turn.model_copy(update={"dialogue_acts": (), "extra": {}, "intent": None})
                    for turn in conversation.turns
                )
            }
        )
        assert detector.detect(stripped) == detector.detect(conversation)
