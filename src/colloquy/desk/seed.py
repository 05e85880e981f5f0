"""Idempotent seeding: the same ids every run, so seeding twice changes nothing.

Ids are UUIDv7s derived from :data:`SEED` and each record's natural key (policy number,
claim number, article slug), timed at the record's own date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from colloquy.desk.articles_coverage import COVERAGE
from colloquy.desk.articles_process import PROCESS
from colloquy.desk.records import (
    ArticleCategory,
    Claim,
    ClaimStatus,
    ClaimType,
    Customer,
    KnowledgeArticle,
    PolicyType,
)
from colloquy.desk.rows import article_row, claim_row, customer_row
from colloquy.desk.seed_data import CLAIMS, CUSTOMERS
from colloquy.storage.desk import DeskRepository, UpsertCounts
from colloquy.storage.ids import seeded_uuid7
from colloquy.storage.store import Store

SEED = "colloquy-desk-v1"
_ARTICLES_AT = datetime(2026, 1, 1, tzinfo=UTC)
_CUSTOMERS_AT = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SeedReport:
    customers: UpsertCounts
    claims: UpsertCounts
    articles: UpsertCounts


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def seed_customers() -> list[Customer]:
    return [
        Customer(
            id=seeded_uuid7(SEED, f"customer:{policy}", _CUSTOMERS_AT),
            full_name=name,
            phone=phone,
            email=email,
            date_of_birth=date.fromisoformat(born),
            postcode=postcode,
            policy_number=policy,
            policy_type=PolicyType(kind),
        )
        for policy, name, phone, email, born, postcode, kind in CUSTOMERS
    ]


def seed_claims() -> list[Claim]:
    owners = {c.policy_number: c.id for c in seed_customers()}
    result = []
    for number, policy, kind, status, day, description, claimed, approved in CLAIMS:
        incident = date.fromisoformat(day)
        result.append(
            Claim(
                id=seeded_uuid7(SEED, f"claim:{number}", _midnight(incident)),
                claim_number=number,
                customer_id=owners[policy],
                claim_type=ClaimType(kind),
                status=ClaimStatus(status),
                incident_date=incident,
                description=description,
                amount_claimed_cents=claimed,
                amount_approved_cents=approved,
            )
        )
    return result


def seed_articles() -> list[KnowledgeArticle]:
    entries = [(ArticleCategory.COVERAGE, e) for e in COVERAGE] + [
        (ArticleCategory.PROCESS, e) for e in PROCESS
    ]
    return [
        KnowledgeArticle(
            id=seeded_uuid7(SEED, f"article:{slug}", _ARTICLES_AT),
            slug=slug,
            title=title,
            category=category,
            tags=tuple(tag.strip() for tag in tags.split(",")),
            body=body,
        )
        for category, (slug, title, tags, body) in entries
    ]


def seed_desk(store: Store) -> SeedReport:
    """Write the demonstration customers, claims and articles; rows already equal stay."""
    repository = DeskRepository(store)
    return SeedReport(
        customers=repository.upsert_customers([customer_row(c) for c in seed_customers()]),
        claims=repository.upsert_claims([claim_row(c) for c in seed_claims()]),
        articles=repository.upsert_articles([article_row(a) for a in seed_articles()]),
    )


def desk_is_seeded(store: Store) -> bool:
    """Whether the desk has customers and articles to serve (``colloquy agent seed`` ran)."""
    repository = DeskRepository(store)
    return repository.count("customers") > 0 and repository.count("kb_articles") > 0
