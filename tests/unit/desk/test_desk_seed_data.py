"""The shipped demonstration data covers what the desk must be able to explain."""

from __future__ import annotations

from colloquy.desk.claims import _COVERS
from colloquy.desk.records import ArticleCategory, ClaimStatus
from colloquy.desk.seed import seed_articles, seed_claims, seed_customers


def test_every_claim_status_appears_and_claims_fit_their_policies() -> None:
    claims = seed_claims()
    assert {c.status for c in claims} == set(ClaimStatus)
    customers = {c.id: c for c in seed_customers()}
    for claim in claims:
        assert claim.claim_type in _COVERS[customers[claim.customer_id].policy_type]
        if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
            assert claim.amount_approved_cents is not None
            assert claim.amount_approved_cents <= claim.amount_claimed_cents


def test_knowledge_base_has_40_or_more_distinct_articles_of_both_kinds() -> None:
    articles = seed_articles()
    assert len(articles) >= 40
    assert len({a.slug for a in articles}) == len(articles)
    assert len({a.title for a in articles}) == len(articles)
    by_category = {c: sum(a.category is c for a in articles) for c in ArticleCategory}
    assert min(by_category.values()) >= 20
    assert all(len(a.body) >= 120 and a.tags for a in articles)


def test_ids_are_the_same_every_time_and_unique() -> None:
    first = [c.id for c in seed_claims()] + [a.id for a in seed_articles()]
    second = [c.id for c in seed_claims()] + [a.id for a in seed_articles()]
    assert first == second
    assert len(set(first)) == len(first)
    assert len({c.phone for c in seed_customers()}) == len(seed_customers())
