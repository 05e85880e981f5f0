"""PII masking for conversation text, with typed placeholders.

Support chats are full of personal data customers volunteer: "my card 4111 1111 1111 1111 got
charged twice", "call me on 07700 900123". Before text is stored, shown on a dashboard or fed
to a model, that data must go — but a model still benefits from knowing *that* a phone number
was there, so each match is replaced by a typed placeholder (``<EMAIL>``, ``<PHONE>``,
``<CARD>``, ``<IBAN>``, ``<IP>``, ``<NATIONAL_ID>``, ``<MAC>``) rather than deleted.

Precision matters as much as recall: masking every long number would also destroy the order
numbers, prices, dates and tracking numbers that the conversation is about. So each kind
validates what it finds, one module each: cards (issuer range and Luhn), IBANs (mod-97),
national ids (their ``python-stdnum`` checksums), network addresses, and phones (libphonenumber
plus context). Detectors work on ASCII digits; run :mod:`colloquy.data.clean` (NFKC) first to
fold full-width digits.

When matches overlap, the kind earlier in :data:`PRIORITY` wins, then the longer match: an
IBAN contains digit runs that look like phone numbers, and so do card and NHS numbers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from colloquy.data.pii.kinds import PRIORITY, MaskResult, PiiConfig, PiiKind, PiiSpan

if TYPE_CHECKING:
    from colloquy.data.pii.checksums import IBAN_LENGTHS, iban_valid, luhn_valid
    from colloquy.data.pii.masker import PiiMasker, detect_pii, mask_conversation, mask_text

# The settings import PiiConfig on every CLI start; the detectors (libphonenumber's metadata,
# python-stdnum) load on first use.
_LAZY = {
    "IBAN_LENGTHS": "checksums",
    "iban_valid": "checksums",
    "luhn_valid": "checksums",
    "PiiMasker": "masker",
    "detect_pii": "masker",
    "mask_conversation": "masker",
    "mask_text": "masker",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "IBAN_LENGTHS",
    "PRIORITY",
    "MaskResult",
    "PiiConfig",
    "PiiKind",
    "PiiMasker",
    "PiiSpan",
    "detect_pii",
    "iban_valid",
    "luhn_valid",
    "mask_conversation",
    "mask_text",
]
