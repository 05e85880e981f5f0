"""UUIDv7 ids: the layout, time order, and seeded ids that repeat exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from colloquy.storage.ids import seeded_uuid7, uuid7, uuid7_time

AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_ids_have_the_uuidv7_layout_and_carry_their_time() -> None:
    for value in (uuid7(AT), seeded_uuid7("seed", "key", AT)):
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert len(value) == 36
        assert uuid7_time(value) == AT


def test_seeded_ids_repeat_and_differ_by_key_and_seed() -> None:
    assert seeded_uuid7("s", "a", AT) == seeded_uuid7("s", "a", AT)
    assert seeded_uuid7("s", "a", AT) != seeded_uuid7("s", "b", AT)
    assert seeded_uuid7("s", "a", AT) != seeded_uuid7("t", "a", AT)
    assert uuid7(AT) != uuid7(AT)


def test_ids_sort_by_time() -> None:
    later = AT + timedelta(milliseconds=1)
    assert seeded_uuid7("s", "z", AT) < seeded_uuid7("s", "a", later)
    assert uuid7(AT) < uuid7(later)
