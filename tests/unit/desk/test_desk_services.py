"""Customer, claims and knowledge services over a seeded SQLite store."""

from __future__ import annotations

from datetime import date

import pytest

from colloquy.desk import ClaimDraft, ClaimStatus, ClaimType, normalize_phone
from colloquy.desk.tools import DeskServices
from colloquy.errors import NotFoundError, UsageError

from .conftest import TODAY


def test_phone_numbers_are_normalised() -> None:
    assert normalize_phone("(555) 0100") == "+15550100"
    assert normalize_phone("+1 555-0100") == "+15550100"
    assert normalize_phone("+44 20 7946 0000") == "+442079460000"
    with pytest.raises(UsageError, match="has 3 digits"):
        normalize_phone("123")


def test_verification_needs_phone_and_date_of_birth_together(services: DeskServices) -> None:
    customers = services.customers
    ok = customers.verify("555-0102", date(1991, 7, 23))
    assert ok.verified
    assert ok.customer_id is not None
    assert customers.get(ok.customer_id).full_name == "Priya Raman"
    assert not customers.verify("555-0102", date(1991, 7, 24)).verified
    assert not customers.verify("555-0199", date(1991, 7, 23)).verified


def test_claim_status_and_a_customers_claims(services: DeskServices) -> None:
    claim = services.claims.status(" clm-2026-00003 ")
    assert claim.status is ClaimStatus.AWAITING_DOCUMENTS
    assert claim.amount_claimed_cents == 742_000
    mine = services.claims.for_customer(claim.customer_id)
    assert [c.claim_number for c in mine] == ["CLM-2026-00003", "CLM-2026-00004"]
    with pytest.raises(NotFoundError, match="look like CLM-2026-00012"):
        services.claims.status("CLM-1999-00001")


def test_submitted_claim_gets_the_next_number_and_is_stored(services: DeskServices) -> None:
    owner = services.customers.by_phone("5550100")
    assert owner is not None
    draft = ClaimDraft(
        owner.id, ClaimType.AUTO, date(2026, 11, 27), "Wing mirror knocked off.", 12_050
    )
    made = services.claims.submit(draft, today=TODAY)
    assert made.claim_number == "CLM-2026-00024"
    assert made.status is ClaimStatus.SUBMITTED
    assert services.claims.status("CLM-2026-00024") == made
    again = services.claims.submit(draft, today=TODAY)
    assert again.claim_number == "CLM-2026-00025"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"claim_type": ClaimType.PET}, "auto policy does not cover pet claims"),
        ({"incident_date": date(2026, 12, 1)}, "is in the future"),
        ({"incident_date": date(2025, 11, 1)}, "more than a year ago"),
        ({"amount_claimed_cents": 0}, "out of range"),
        ({"description": "dent"}, "too short"),
    ],
)
def test_claims_outside_the_policy_are_refused(
    services: DeskServices, change: dict[str, object], message: str
) -> None:
    owner = services.customers.by_phone("5550100")
    assert owner is not None
    fields: dict[str, object] = {
        "customer_id": owner.id,
        "claim_type": ClaimType.AUTO,
        "incident_date": date(2026, 11, 1),
        "description": "Scratched bumper in a car park.",
        "amount_claimed_cents": 30_000,
        **change,
    }
    with pytest.raises(UsageError, match=message):
        services.claims.submit(ClaimDraft(**fields), today=TODAY)  # type: ignore[arg-type]


def test_knowledge_search_puts_the_answering_article_first(services: DeskServices) -> None:
    cases = {
        "what is covered if my car is stolen": "auto-theft",
        "my pipe burst and flooded the kitchen": "home-water-damage",
        "how long does a claim take": "claim-timeline",
        "my luggage was lost by the airline": "travel-baggage",
        "how do I appeal a declined claim": "claim-denied-appeal",
    }
    for query, slug in cases.items():
        hits = services.knowledge.search(query)
        assert hits[0].article.slug == slug, query
        assert hits == sorted(hits, key=lambda h: -h.score)
    assert services.knowledge.search("the of and") == []
    assert services.knowledge.article("auto-theft").title.startswith("Stolen car")
