"""Facts in a sentence, normalised so spellings of one value compare equal."""

from __future__ import annotations

import pytest

from colloquy.agent.validation import Kind, find_entities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Claim CLM-2026-00012 is open.", [(Kind.CLAIM_ID, "CLM-2026-00012")]),
        ("clm 2026 12", [(Kind.CLAIM_ID, "CLM-2026-00012")]),
        ("the claim number is 2026-00012.", [(Kind.CLAIM_ID, "CLM-2026-00012")]),
        ("Policy POL-100001.", [(Kind.POLICY, "POL-100001")]),
        ("$2,840.00", [(Kind.MONEY, "2840.00")]),
        (
            "$2,840 and 2840 dollars and USD 2840.5",
            [(Kind.MONEY, "2840.00")] * 2 + [(Kind.MONEY, "2840.50")],
        ),
        ("about 3k dollars", [(Kind.MONEY, "3000.00")]),
        ("It came to 1,200.50 in total.", [(Kind.MONEY, "1200.50")]),
        ("It came to 2590.00, not 1.25 times that.", [(Kind.MONEY, "2590.00")]),
        ("March 14, 2026", [(Kind.DATE, "2026-03-14")]),
        ("on the 14th of March", [(Kind.DATE, "--03-14")]),
        ("2026-03-14 and 03/14/2026", [(Kind.DATE, "2026-03-14")] * 2),
        ("born 03/12/84", [(Kind.DATE, "1984-03-12")]),
        ("February 30, 2026", []),
        (
            "Call 555-0100 or +1 (555) 555-0100.",
            [(Kind.PHONE, "5550100"), (Kind.PHONE, "15555550100")],
        ),
        ("Card 4111 1111 1111 1111.", [(Kind.CARD, "4111111111111111")]),
        ("SSN 123-45-6789.", [(Kind.SSN, "123456789")]),
        ("Mail maria.gonzalez@example.com", [(Kind.EMAIL, "maria.gonzalez@example.com")]),
        ("I live at 12 Oak Street.", [(Kind.ADDRESS, "12 oak")]),
        ("You may call us within 5 business days.", []),
    ],
)
def test_find_entities(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert [(e.kind, e.value) for e in find_entities(text)] == expected


def test_digits_inside_a_claim_id_or_date_are_not_read_again() -> None:
    kinds = [e.kind for e in find_entities("CLM-2026-00012 on 2026-03-14")]
    assert kinds == [Kind.CLAIM_ID, Kind.DATE]
