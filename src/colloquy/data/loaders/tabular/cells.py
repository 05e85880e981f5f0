"""Cell values of a table as conversation parts: timestamps, outcomes, orders, JSON values.

Exports from help desks, warehouses and spreadsheets spell the same thing many ways —
``2024-03-01T10:00:00Z``, ``1709287200``, ``03/01/2024 10:00``; ``yes``, ``won``, ``1``.
These converters accept the common spellings and raise ``ValueError`` saying what was not
understood, which the assembler reports with the file and line of the cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from email.utils import parsedate_to_datetime

from colloquy.schema import Outcome, Speaker
from colloquy.schema.conversation import JsonValue

_TRUE = frozenset({"true", "t", "yes", "y", "1", "converted", "won", "success", "deal"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "lost", "failure", "none", "no deal"})
_CLOCK_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%a %b %d %H:%M:%S %z %Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y",
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MILLISECOND_THRESHOLD = 1e11
"""Unix values above this (year 5138 in seconds) are taken as milliseconds."""


def normalise_speaker(value: str) -> str:
    """The lookup key of a raw speaker value: lower case, single spaces."""
    return " ".join(value.strip().lower().split())


def text_of(value: object) -> str:
    """A cell as text; whole floats lose their ``.0`` (ids read from Parquet or SQL)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_empty(value: object) -> bool:
    """True for a missing cell: ``None``, blank text or NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def role_of(raw: object, roles: Mapping[str, Speaker]) -> Speaker:
    """The role of a raw speaker value; ``ValueError`` naming the valid values."""
    key = normalise_speaker(text_of(raw))
    if key in roles:
        return roles[key]
    valid = ", ".join(sorted(roles))
    raise ValueError(f"unknown speaker {text_of(raw)!r}; valid values: {valid}")


def json_safe(value: object) -> JsonValue:
    """A cell as a JSON value: dates as ISO strings, decimals as floats."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _from_unix(seconds: float) -> datetime:
    if abs(seconds) > _MILLISECOND_THRESHOLD:
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_timestamp(value: object) -> datetime:
    """A timestamp from ISO 8601, unix seconds (or milliseconds) or a common format.

    Slash dates are read month first (``03/04/2024`` is 4 March); naive results are UTC.
    Raises ``ValueError`` saying what was not understood.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError(f"unparseable timestamp {value!r}")
    if isinstance(value, int | float | Decimal):
        return _from_unix(float(value))
    raw = str(value).strip()
    if _NUMBER.match(raw):
        return _from_unix(float(raw))
    return _parse_timestamp_text(raw)


def _parse_timestamp_text(raw: str) -> datetime:
    try:
        return parse_timestamp(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in _CLOCK_FORMATS:
        try:
            return parse_timestamp(datetime.strptime(raw, fmt))
        except ValueError:
            continue
    try:
        return parse_timestamp(parsedate_to_datetime(raw))
    except (TypeError, ValueError, IndexError):
        pass
    raise ValueError(
        f"unparseable timestamp {raw!r}; use ISO 8601 (2024-03-01T12:00:00Z), "
        "unix seconds, or e.g. '2024-03-01 12:00:00' / '03/01/2024 12:00'"
    )


def parse_outcome(value: object) -> Outcome:
    """``Outcome`` from a cell: booleans and yes/no words, or a number (converted if not 0)."""
    if isinstance(value, bool):
        return Outcome(converted=value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return Outcome(converted=number != 0, value=number)
    raw = str(value).strip()
    if _NUMBER.match(raw):
        number = float(raw)
        return Outcome(converted=number != 0, value=number)
    word = raw.lower()
    if word in _TRUE or word in _FALSE:
        return Outcome(converted=word in _TRUE)
    raise ValueError(f"outcome {raw!r} is neither a number nor a yes/no value")


def order_key(value: object) -> float:
    """A turn-order cell as a sortable number: a number, or a timestamp's unix seconds."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    if _NUMBER.match(raw):
        return float(raw)
    try:
        return parse_timestamp(raw).timestamp()
    except ValueError:
        raise ValueError(f"turn order {raw!r} is neither a number nor a timestamp") from None


__all__ = [
    "is_empty",
    "json_safe",
    "normalise_speaker",
    "order_key",
    "parse_outcome",
    "parse_timestamp",
    "role_of",
    "text_of",
]
