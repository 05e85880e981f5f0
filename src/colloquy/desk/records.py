"""The desk's records: who calls, what they claimed, and what the knowledge base says.

Money is held in whole cents so totals never drift; statuses and types are closed
enumerations, so a tool result names only states the desk knows how to explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ClaimStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AWAITING_DOCUMENTS = "awaiting_documents"
    APPROVED = "approved"
    DENIED = "denied"
    PAID = "paid"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in _OPEN


_OPEN = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.AWAITING_DOCUMENTS})

STATUS_EXPLANATIONS: dict[ClaimStatus, str] = {
    ClaimStatus.SUBMITTED: "received and waiting for a claims handler",
    ClaimStatus.UNDER_REVIEW: "being assessed by a claims handler",
    ClaimStatus.AWAITING_DOCUMENTS: "on hold until the documents we asked for arrive",
    ClaimStatus.APPROVED: "approved; payment is being arranged",
    ClaimStatus.DENIED: "declined; the decision letter explains why and how to appeal",
    ClaimStatus.PAID: "paid to the account on file",
    ClaimStatus.CLOSED: "closed",
}


class ClaimType(StrEnum):
    AUTO = "auto"
    HOME = "home"
    TRAVEL = "travel"
    HEALTH = "health"
    PET = "pet"


class PolicyType(StrEnum):
    AUTO = "auto"
    HOME = "home"
    TRAVEL = "travel"
    HEALTH = "health"
    PET = "pet"
    BUNDLE = "bundle"


class ArticleCategory(StrEnum):
    COVERAGE = "coverage"
    PROCESS = "process"


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    full_name: str
    phone: str
    email: str
    date_of_birth: date
    postcode: str
    policy_number: str
    policy_type: PolicyType


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    claim_number: str
    customer_id: str
    claim_type: ClaimType
    status: ClaimStatus
    incident_date: date
    description: str
    amount_claimed_cents: int
    amount_approved_cents: int | None = None


@dataclass(frozen=True, slots=True)
class KnowledgeArticle:
    id: str
    slug: str
    title: str
    category: ArticleCategory
    tags: tuple[str, ...]
    body: str


@dataclass(frozen=True, slots=True)
class KnowledgeHit:
    """A search result: the article and its full-text relevance (higher is better)."""

    article: KnowledgeArticle
    score: float
