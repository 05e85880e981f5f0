"""Confirm or correct? The dialogue acts that ``intent:`` transitions wait for.

A confirmation step must not depend on a model's mood: "yes, go ahead" submits a claim and
"no, the date is wrong" does not. A short, ordered list of patterns decides; a negation or
correction anywhere wins over a "yes" ("yes but the amount is wrong" corrects). Labels a
journey names that this module does not know are left to the intent classifier, if any.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Act(StrEnum):
    CONFIRM = "confirm"
    CORRECT = "correct"
    OTHER = "other"


_CORRECT = re.compile(
    r"\b(no|nope|not (right|correct|quite)|wrong|incorrect|mistake|change|actually|"
    r"instead|correction|fix|hold on|wait|cancel)\b",
    re.IGNORECASE,
)
_CONFIRM = re.compile(
    r"\b(yes|yeah|yep|yup|sure|correct|right|confirm(ed)?|go ahead|please do|submit|"
    r"that'?s (right|correct|it)|sounds good|ok(ay)?|exactly|absolutely|perfect)\b",
    re.IGNORECASE,
)


def classify_act(message: str) -> Act:
    """The act of a reply to a read-back: a correction wins over a confirmation."""
    if _CORRECT.search(message):
        return Act.CORRECT
    if _CONFIRM.search(message):
        return Act.CONFIRM
    return Act.OTHER
