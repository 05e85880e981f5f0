"""Identity numbers whose own shape makes them distinctive: Spanish DNI and NIE, Italian codice
fiscale, Brazilian CPF.

Unlike bare nine- or ten-digit ids (see :mod:`colloquy.data.pii.national_ids`), these carry
letters or punctuation that phones and order numbers do not, and every one has a check
character, so a match of the shape that passes its ``python-stdnum`` validator is claimed
without needing an id word nearby. A CPF is claimed only in its written form
``000.000.000-00``: eleven bare digits are too often something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.it import codicefiscale

from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["formatted_ids"]

# Codice fiscale digits may be replaced by letters (omocodia), L–V standing for 0–9.
_CF_DIGIT = "[0-9LMNPQRSTUV]"
_LETTERED: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (re.compile(r"(?<![\w.-])\d{8}-?[A-Za-z](?![\w-])", re.ASCII), dni.is_valid),
    (re.compile(r"(?<![\w.-])[XYZxyz]-?\d{7}-?[A-Za-z](?![\w-])", re.ASCII), nie.is_valid),
    (
        re.compile(
            rf"(?<![\w.-])[A-Za-z]{{6}}{_CF_DIGIT}{{2}}[A-Za-z]{_CF_DIGIT}{{2}}[A-Za-z]"
            rf"{_CF_DIGIT}{{3}}[A-Za-z](?![\w-])",
            re.ASCII,
        ),
        codicefiscale.is_valid,
    ),
)
_CPF = re.compile(r"(?<![\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-]|\.\d)", re.ASCII)


def formatted_ids(text: str) -> Iterator[PiiSpan]:
    shapes = _LETTERED
    if "." in text and "-" in text:
        shapes += ((_CPF, cpf.is_valid),)
    for pattern, is_valid in shapes:
        for match in pattern.finditer(text):
            if is_valid(match.group()):
                yield PiiSpan(PiiKind.NATIONAL_ID, match.start(), match.end())
