"""Conversation records: validation, frozen-ness, JSON round-trip and the content hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from colloquy.schema import Conversation, DialogueAct, Outcome, SchemaError, Speaker, Turn


def _conversation(**overrides: object) -> Conversation:
    data: dict[str, object] = {
        "id": "c-1",
        "source": "test",
        "channel": "chat",
        "started_at": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "turns": (
            Turn(
                index=0,
                speaker=Speaker.CUSTOMER,
                speaker_id="u1",
                text="My card 🙂 hasn't arrived",
                timestamp=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
                intent="card_arrival",
            ),
            Turn(
                index=1,
                speaker=Speaker.AGENT,
                text="Sorry! Let me check.",
                dialogue_acts=(DialogueAct(act="INFORM", slot="eta", values=("2 days", 2)),),
                extra={"frames": [{"service": "Cards", "slots": {"a": [1, 2]}}]},
            ),
        ),
        "metadata": {"tier": "gold", "age": 41, "score": 0.1 + 0.2, "tags": ["a", None]},
        "outcome": Outcome(converted=True, value=12.5, notes="upsold"),
        "labels": {"intent": "card_arrival"},
    }
    data.update(overrides)
    return Conversation.model_validate(data)


def test_json_round_trip_is_lossless() -> None:
    conversation = _conversation()
    restored = Conversation.from_json(conversation.to_json())
    assert restored == conversation
    assert restored.content_hash == conversation.content_hash
    assert restored.turns[0].text == "My card 🙂 hasn't arrived"


def test_records_are_frozen() -> None:
    conversation = _conversation()
    with pytest.raises(ValidationError):
        conversation.id = "other"  # type: ignore[misc]


def test_content_hash_ignores_key_order_and_timezone_spelling() -> None:
    first = _conversation(metadata={"a": 1, "b": 2})
    second = _conversation(
        metadata={"b": 2, "a": 1},
        started_at=datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))),
    )
    assert first.content_hash == second.content_hash


@pytest.mark.parametrize(
    "change",
    [
        {"id": "c-2"},
        {"labels": {"intent": "other"}},
        {"metadata": {"tier": "silver"}},
        {"outcome": Outcome(converted=False)},
    ],
)
def test_content_hash_changes_with_content(change: dict[str, object]) -> None:
    assert _conversation(**change).content_hash != _conversation().content_hash


def test_naive_timestamps_are_taken_as_utc() -> None:
    turn = Turn(index=0, speaker="agent", text="x", timestamp=datetime(2024, 1, 1, 12))
    assert turn.timestamp == datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_speaker_is_case_insensitive() -> None:
    assert Turn(index=0, speaker="Customer", text="x").speaker is Speaker.CUSTOMER


def test_parse_reports_every_bad_field_with_its_path() -> None:
    with pytest.raises(SchemaError) as info:
        Conversation.parse(
            {
                "id": "",
                "source": "x",
                "turns": [{"index": 0, "speaker": "robot", "text": "hi"}],
            }
        )
    message = str(info.value)
    assert "id:" in message
    assert "turns.0.speaker" in message
    assert "'customer', 'agent', 'bot' or 'system'" in message
    assert "'robot'" in message


def test_turn_indices_must_be_consecutive() -> None:
    with pytest.raises(SchemaError, match=r"turn indices must be 0\.\.1"):
        Conversation.parse(
            {
                "id": "a",
                "source": "x",
                "turns": [
                    {"index": 0, "speaker": "customer", "text": "a"},
                    {"index": 2, "speaker": "agent", "text": "b"},
                ],
            }
        )


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(SchemaError, match="colour"):
        Conversation.parse({"id": "a", "source": "x", "colour": "blue"})


def test_from_json_rejects_invalid_json() -> None:
    with pytest.raises(SchemaError):
        Conversation.from_json("{not json")


def test_customer_turns() -> None:
    assert [t.index for t in _conversation().customer_turns()] == [0]
