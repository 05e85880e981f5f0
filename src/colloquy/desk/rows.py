"""Conversions between the desk's records and the storage layer's plain rows."""

from __future__ import annotations

from colloquy.desk.records import (
    ArticleCategory,
    Claim,
    ClaimStatus,
    ClaimType,
    Customer,
    KnowledgeArticle,
    PolicyType,
)
from colloquy.storage.desk import ArticleRow, ClaimRow, CustomerRow


def customer_row(record: Customer) -> CustomerRow:
    return CustomerRow(
        id=record.id,
        full_name=record.full_name,
        phone=record.phone,
        email=record.email,
        date_of_birth=record.date_of_birth,
        postcode=record.postcode,
        policy_number=record.policy_number,
        policy_type=record.policy_type.value,
    )


def customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        full_name=row.full_name,
        phone=row.phone,
        email=row.email,
        date_of_birth=row.date_of_birth,
        postcode=row.postcode,
        policy_number=row.policy_number,
        policy_type=PolicyType(row.policy_type),
    )


def claim_row(record: Claim) -> ClaimRow:
    return ClaimRow(
        id=record.id,
        claim_number=record.claim_number,
        customer_id=record.customer_id,
        claim_type=record.claim_type.value,
        status=record.status.value,
        incident_date=record.incident_date,
        description=record.description,
        amount_claimed_cents=record.amount_claimed_cents,
        amount_approved_cents=record.amount_approved_cents,
    )


def claim(row: ClaimRow) -> Claim:
    return Claim(
        id=row.id,
        claim_number=row.claim_number,
        customer_id=row.customer_id,
        claim_type=ClaimType(row.claim_type),
        status=ClaimStatus(row.status),
        incident_date=row.incident_date,
        description=row.description,
        amount_claimed_cents=row.amount_claimed_cents,
        amount_approved_cents=row.amount_approved_cents,
    )


def article_row(record: KnowledgeArticle) -> ArticleRow:
    return ArticleRow(
        id=record.id,
        slug=record.slug,
        title=record.title,
        category=record.category.value,
        tags=",".join(record.tags),
        body=record.body,
    )


def article(row: ArticleRow) -> KnowledgeArticle:
    return KnowledgeArticle(
        id=row.id,
        slug=row.slug,
        title=row.title,
        category=ArticleCategory(row.category),
        tags=tuple(t for t in row.tags.split(",") if t),
        body=row.body,
    )
