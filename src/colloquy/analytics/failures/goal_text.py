"""Goal not completed from text alone: the agent's last word on the request was a failure.

The agent reports what happened to a request ("I couldn't book that", "your table is
booked"); the detector scores every agent turn with the failure and success lexicons of
:mod:`colloquy.analytics.failures.cues` and flags the conversation when the last turn with
enough failure evidence comes after the last turn with enough success evidence. Thresholds
are fitted on annotated data (see ``benchmarks/failures.py``) and used on plain transcripts.
"""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.cues import AGENT_FAILURE_CUES, AGENT_SUCCESS_CUES, cue_score
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn
from colloquy.errors import UsageError

DEFAULT_FAILURE_THRESHOLD = 1.0
DEFAULT_SUCCESS_THRESHOLD = 1.0


class TextGoalDetector(TextFailureDetector):
    """Flags a conversation whose last reported outcome is a failure."""

    failure_type = FailureType.GOAL_NOT_COMPLETED
    name = "goal-text"

    def __init__(
        self,
        failure_threshold: float = DEFAULT_FAILURE_THRESHOLD,
        success_threshold: float = DEFAULT_SUCCESS_THRESHOLD,
    ) -> None:
        if failure_threshold <= 0 or success_threshold <= 0:
            raise UsageError(
                "failure_threshold and success_threshold must be positive, got "
                f"{failure_threshold} and {success_threshold}"
            )
        self.failure_threshold = failure_threshold
        self.success_threshold = success_threshold

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        last_failure: tuple[int, TextTurn, float] | None = None
        last_success = -1
        for position, turn in enumerate(turns):
            if turn.is_customer:
                continue
            failure = cue_score(turn.text, AGENT_FAILURE_CUES)
            success = cue_score(turn.text, AGENT_SUCCESS_CUES)
            if failure >= self.failure_threshold and failure >= success:
                last_failure = (position, turn, failure)
            elif success >= self.success_threshold:
                last_success = position
        if last_failure is None or last_failure[0] < last_success:
            return ()
        _, turn, score = last_failure
        return (self.point(turn, score / (score + self.failure_threshold)),)
