"""National identity numbers whose check digits make them recognisable: US SSN, UK NHS
number, Canadian SIN, and (through :mod:`colloquy.data.pii.formatted_ids`) Spanish DNI/NIE,
Italian codice fiscale and Brazilian CPF.

A nine- or ten-digit run is a phone, an order number or an id depending on its checksum,
its grouping and the words around it. An id is claimed when its ``python-stdnum`` validator
passes and either an id word is near ("NHS", "SSN", "social insurance", "patient" …) or it is
written in the id's own grouping (NHS ``943 476 5919``, SIN ``130 692 544``) with no phone
or order word near. The SSN has no check digit, only reserved ranges, so it always needs an
id word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.ca import sin
from stdnum.gb import nhs
from stdnum.us import ssn

from colloquy.data.pii.context import context
from colloquy.data.pii.formatted_ids import formatted_ids
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["national_ids"]

_CANDIDATE = re.compile(
    r"(?<![\w.,/-])(?<!\d )(\d{3})([ -]?)(\d{2,3})\2(\d{3,4})(?!\w|[.,/-]\d| \d)", re.ASCII
)


def _valid(digits: str, separator: str, shape: tuple[int, int]) -> bool:
    if shape == (3, 4):
        return bool(nhs.is_valid(digits))
    if not separator:  # nine bare digits: an SSN or a SIN, the id word says which
        return bool(ssn.is_valid(digits) or sin.is_valid(digits))
    return bool(sin.is_valid(digits) if shape == (3, 3) else ssn.is_valid(digits))


def _claimed(digits: str, separator: str, shape: tuple[int, int], near: str | None) -> bool:
    if near == "national_id":
        return _valid(digits, separator, shape)
    if near is not None or not separator:
        return False
    if shape == (3, 4) and digits[0] not in "34679":
        return False
    if shape == (2, 4):  # no check digit: dashes alone also fit product codes ("030-02-8711")
        return False
    return _valid(digits, separator, shape)


def national_ids(text: str) -> Iterator[PiiSpan]:
    for match in _CANDIDATE.finditer(text):
        first, separator, middle, last = match.groups()
        shape = (len(middle), len(last))
        if shape not in ((3, 4), (3, 3), (2, 4)):
            continue
        if _claimed(first + middle + last, separator, shape, context(text, *match.span())):
            yield PiiSpan(PiiKind.NATIONAL_ID, *match.span())
    yield from formatted_ids(text)
