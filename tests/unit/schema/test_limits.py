"""Lengths and NUL characters: a record that one store would refuse is refused by all."""

from __future__ import annotations

from typing import Any

import pytest

from colloquy.schema import Conversation, SchemaError, Turn
from colloquy.schema.conversation import (
    MAX_CHANNEL_LENGTH,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SOURCE_LENGTH,
    check_limits,
)
from colloquy.storage import tables


def _data(**overrides: Any) -> dict[str, Any]:
    turn: dict[str, Any] = {"index": 0, "speaker": "customer", "text": "hello"}
    turn.update(overrides.pop("turn", {}))
    data: dict[str, Any] = {"id": "c-1", "source": "test", "turns": [turn]}
    data.update(overrides)
    return data


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(SchemaError) as info:
        Conversation.parse(data)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"id": "x" * (MAX_ID_LENGTH + 1)}, "id"),
        ({"source": "s" * (MAX_SOURCE_LENGTH + 1)}, "source"),
        ({"channel": "c" * (MAX_CHANNEL_LENGTH + 1)}, "channel"),
        ({"turn": {"speaker_id": "u" * (MAX_NAME_LENGTH + 1)}}, "turns.0.speaker_id"),
        ({"turn": {"intent": "i" * (MAX_NAME_LENGTH + 1)}}, "turns.0.intent"),
    ],
)
def test_too_long_fields_name_their_path(overrides: dict[str, Any], path: str) -> None:
    message = _error(_data(**overrides))
    assert f"{path}: String should have at most" in message
    assert len(message) < 300


def test_values_at_the_limit_are_accepted() -> None:
    conversation = Conversation.parse(
        _data(
            id="x" * MAX_ID_LENGTH,
            source="s" * MAX_SOURCE_LENGTH,
            channel="c" * MAX_CHANNEL_LENGTH,
            turn={"speaker_id": "u" * MAX_NAME_LENGTH, "intent": "i" * MAX_NAME_LENGTH},
        )
    )
    check_limits(conversation)


@pytest.mark.parametrize(
    ("overrides", "path", "where"),
    [
        ({"id": "c\x001"}, "id", "position 1"),
        ({"source": "a\x00"}, "source", "position 1"),
        ({"turn": {"text": "hi\x00there"}}, "turns.0.text", "position 2"),
        ({"turn": {"speaker_id": "\x00"}}, "turns.0.speaker_id", "position 0"),
        ({"turn": {"intent": "a\x00"}}, "turns.0.intent", "position 1"),
        ({"turn": {"extra": {"k": ["ok", "b\x00"]}}}, "turns.0.extra", "['k'] [1] position 1"),
        (
            {"turn": {"dialogue_acts": [{"act": "INFORM", "slot": "s\x00"}]}},
            "turns.0.dialogue_acts.0.slot",
            "position 1",
        ),
        (
            {"turn": {"dialogue_acts": [{"act": "INFORM", "values": ["\x00"]}]}},
            "turns.0.dialogue_acts.0.values",
            "[0] position 0",
        ),
        ({"metadata": {"ke\x00y": 1}}, "metadata", "key 'ke\\x00y'"),
        ({"metadata": {"nested": {"deep": "\x00"}}}, "metadata", "['nested'] ['deep']"),
        ({"labels": {"intent": "x\x00"}}, "labels", "['intent'] position 1"),
        ({"outcome": {"notes": "\x00"}}, "outcome.notes", "position 0"),
    ],
)
def test_nul_characters_are_refused_with_their_path(
    overrides: dict[str, Any], path: str, where: str
) -> None:
    message = _error(_data(**overrides))
    assert f"{path}: holds a NUL character" in message
    assert where in message


def test_other_control_characters_are_kept() -> None:
    conversation = Conversation.parse(_data(turn={"text": "tab\there\x01\x7f"}))
    assert conversation.turns[0].text == "tab\there\x01\x7f"


def test_check_limits_catches_what_model_copy_skipped() -> None:
    conversation = Conversation.parse(_data())
    copied = conversation.model_copy(
        update={
            "turns": (
                Turn(index=0, speaker="agent", text="ok").model_copy(update={"text": "bad\x00"}),
            )
        }
    )
    with pytest.raises(SchemaError, match=r"conversation 'c-1': turns\.0\.text: holds a NUL"):
        check_limits(copied)


@pytest.mark.parametrize(
    ("table", "column", "limit"),
    [
        (tables.conversations, "external_id", MAX_ID_LENGTH),
        (tables.conversations, "source", MAX_SOURCE_LENGTH),
        (tables.conversations, "channel", MAX_CHANNEL_LENGTH),
        (tables.turns, "speaker_id", MAX_NAME_LENGTH),
        (tables.turns, "intent", MAX_NAME_LENGTH),
        (tables.datasets, "name", MAX_NAME_LENGTH),
        (tables.splits, "name", MAX_NAME_LENGTH),
    ],
)
def test_limits_match_the_store_columns(table: Any, column: str, limit: int) -> None:
    assert table.c[column].type.length == limit
