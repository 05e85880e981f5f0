"""Back-off arithmetic, ``Retry-After`` parsing and cutting JSON out of model answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pydantic import BaseModel

from colloquy.llm import RetryPolicy, StructuredOutputError, Usage, parse_structured
from colloquy.llm.retry import parse_retry_after
from colloquy.llm.structured import json_body


class Label(BaseModel):
    label: str
    confidence: float


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None
    assert 20 < seconds <= 30


def test_backoff_grows_and_is_capped_and_the_server_wins() -> None:
    policy = RetryPolicy(max_retries=5, base_delay_s=1.0, max_delay_s=5.0, jitter=0.0)
    assert [policy.delay(n) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(0, retry_after="2.5") == 2.5
    assert policy.delay(0, retry_after="3600") == 5.0
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


@pytest.mark.parametrize(
    "answer",
    [
        '{"label": "refund", "confidence": 0.9}',
        'Sure:\n```json\n{"label": "refund", "confidence": 0.9}\n```\nAnything else?',
        'The answer is {"label": "refund", "confidence": 0.9}. Hope it helps.',
    ],
    ids=["bare", "fenced", "prose"],
)
def test_json_is_found_in_common_wrappings(answer: str) -> None:
    assert parse_structured(answer, Label) == Label(label="refund", confidence=0.9)


def test_invalid_answers_say_what_to_repair() -> None:
    with pytest.raises(StructuredOutputError) as not_json:
        parse_structured("I think it is refund", Label, source="tiny-model")
    assert not_json.value.problems.startswith("not valid JSON")
    assert "tiny-model" in str(not_json.value)
    with pytest.raises(StructuredOutputError) as wrong:
        parse_structured('{"label": 3}', Label)
    assert wrong.value.problems == (
        "label: Input should be a valid string; confidence: Field required"
    )
    assert json_body("no braces") == "no braces"


def test_usage_adds_up() -> None:
    total = Usage(10, 5, 1.0) + Usage(4, 3, 0.5, retries=2)
    assert (total.prompt_tokens, total.completion_tokens, total.total_tokens) == (14, 8, 22)
    assert (total.calls, total.retries, total.latency_s) == (2, 2, 1.5)
    assert total.tokens_per_second == pytest.approx(8 / 1.5)
    assert Usage().tokens_per_second is None
