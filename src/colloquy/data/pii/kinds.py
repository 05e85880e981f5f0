"""The records of PII masking: what kinds exist, how to configure them, what a match is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["PRIORITY", "MaskResult", "PiiConfig", "PiiKind", "PiiSpan"]


class PiiKind(StrEnum):
    """The kinds of personal data colloquy masks."""

    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    IBAN = "iban"
    IP = "ip"
    NATIONAL_ID = "national_id"
    MAC = "mac"


PRIORITY: tuple[PiiKind, ...] = (
    PiiKind.IBAN,
    PiiKind.CARD,
    PiiKind.EMAIL,
    PiiKind.MAC,
    PiiKind.IP,
    PiiKind.NATIONAL_ID,
    PiiKind.PHONE,
)
"""Which kind wins when two matches overlap: earlier beats later.

Checksummed kinds come before phones: a checksum-valid NHS number is also a dialable-looking
ten-digit run, and the checksum is the stronger evidence.
"""


class PiiConfig(BaseModel):
    """Which kinds to mask, what to put in their place, and where phone numbers come from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: frozenset[PiiKind] = frozenset(PiiKind)
    """The kinds to detect and mask; the others are left in the text."""
    placeholder: str = "<{kind}>"
    """What replaces a match; ``{kind}`` becomes EMAIL, PHONE, CARD, NATIONAL_ID …"""
    phone_regions: tuple[str, ...] = ("US", "GB")
    """Regions whose national formats (no ``+``) are read as phone numbers, first wins."""

    @field_validator("placeholder")
    @classmethod
    def _formattable(cls, value: str) -> str:
        if "{kind}" not in value:
            raise ValueError("placeholder must contain '{kind}', e.g. '<{kind}>' or '[{kind}]'")
        try:
            value.format(kind="EMAIL")
        except (IndexError, KeyError, ValueError) as exc:
            raise ValueError(
                f"placeholder {value!r} is not a valid format string with only {{kind}}: {exc}"
            ) from None
        return value

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import phonenumbers  # only when regions are configured: the CLI starts without it

        upper = tuple(region.upper() for region in value)
        unknown = [region for region in upper if region not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown phone region(s) {', '.join(unknown)}: use ISO 3166 codes such as "
                "'US', 'GB', 'FR'"
            )
        return upper

    def placeholder_for(self, kind: PiiKind) -> str:
        """The placeholder text for ``kind``, e.g. ``<CARD>``."""
        return self.placeholder.format(kind=kind.name)


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One match: ``text[start:end]`` of the *original* text is personal data of ``kind``."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and the matches found in the original (sorted by position)."""

    text: str
    spans: tuple[PiiSpan, ...]

    def counts(self) -> dict[str, int]:
        """How many matches of each kind (only kinds that occurred)."""
        return dict(Counter(span.kind.value for span in self.spans))
