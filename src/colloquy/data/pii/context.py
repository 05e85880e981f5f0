"""The words around a number that say what it is: a phone, an identity number, or neither."""

from __future__ import annotations

import re

__all__ = ["ascii_alnum", "context", "named_as_other"]

_CONTEXT_WORD = re.compile(
    r"\b(?:(?P<phone>call(?:ed|ing)?|phone|mobile|cell|tel|telephone|text|sms|whatsapp|reach"
    r"|contact|ring|dial|fax|landline|hotline|ext|extension)"
    r"|(?P<national_id>nhs|ssn|sin|social\s+(?:security|insurance)|patient|national\s+insurance"
    r"|health\s+(?:card|number))"
    r"|(?P<other>order|account|acct|tracking|track|ref|reference|case|ticket|invoice"
    r"|confirmation|booking|member|customer|id|serial|imei|transaction|claim|policy|po))\b",
    re.IGNORECASE,
)


def context(text: str, start: int, end: int) -> str | None:
    """``phone``, ``national_id``, ``other`` or None: the nearest keyword's kind.

    The last keyword in the 40 characters before the number decides; failing one, the first
    in the 25 characters after ("send it to 9876543210 on WhatsApp").
    """
    before = list(_CONTEXT_WORD.finditer(text, max(0, start - 40), start))
    if before:
        return before[-1].lastgroup
    after = _CONTEXT_WORD.search(text, end, end + 25)
    return after.lastgroup if after is not None else None


_OTHER_WORDS = (
    r"order|account|acct|tracking|ref|reference|case|ticket|invoice|confirmation|booking"
    r"|member|customer|serial|imei|transaction|claim|policy|po|id"
)
_NAMED_AS_OTHER = re.compile(
    rf"\b(?:{_OTHER_WORDS})\b\s*(?:number|no\.?|num|id|#)?\s*(?:is|was)?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def named_as_other(text: str, start: int) -> bool:
    """True when a non-phone label ("case", "order no.", "ref:") directly precedes ``start``."""
    return _NAMED_AS_OTHER.search(text, max(0, start - 30), start) is not None


def ascii_alnum(char: str) -> bool:
    """True for one ASCII letter or digit (False for "" and for other scripts)."""
    return char.isascii() and char.isalnum()
