"""UUIDv7 ids for every table: time-ordered for new rows, derived from a seed for shipped data.

A seeded id keeps UUIDv7's layout (48-bit millisecond timestamp, version 7, RFC 4122
variant) but takes its time from the record's own date and its random bits from a SHA-256
of the seed and key, so seeding twice writes the same ids and sorts like real ones.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime

_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62


def _layout(millis: int, random80: int) -> str:
    rand_a = (random80 >> 62) & 0xFFF
    rand_b = random80 & ((1 << 62) - 1)
    value = ((millis & ((1 << 48) - 1)) << 80) | _VERSION | (rand_a << 64) | _VARIANT | rand_b
    return str(uuid.UUID(int=value))


def uuid7(at: datetime | None = None) -> str:
    """A new UUIDv7 for ``at`` (now by default), random in its low 74 bits."""
    moment = at or datetime.now(UTC)
    return _layout(int(moment.timestamp() * 1000), int.from_bytes(os.urandom(10), "big"))


def seeded_uuid7(seed: str, key: str, at: datetime) -> str:
    """The same UUIDv7 for the same ``seed``, ``key`` and ``at``, every time."""
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    return _layout(int(at.timestamp() * 1000), int.from_bytes(digest[:10], "big"))


def uuid7_time(value: str) -> datetime:
    """The moment a UUIDv7 carries (to the millisecond)."""
    millis = uuid.UUID(value).int >> 80
    return datetime.fromtimestamp(millis / 1000, UTC)
