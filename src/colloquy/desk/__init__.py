"""The insurance-claims desk: the business domain the customer-service agent acts on.

Customers, their claims and the knowledge base live in the store
(:mod:`colloquy.storage.desk`); the services here give them meaning and rules, and
:mod:`colloquy.desk.tools` exposes them to the agent as typed tools.
"""

from colloquy.desk.claims import ClaimDraft, ClaimsService
from colloquy.desk.customers import CustomerService, Verification, normalize_phone
from colloquy.desk.knowledge import KnowledgeService
from colloquy.desk.records import (
    STATUS_EXPLANATIONS,
    ArticleCategory,
    Claim,
    ClaimStatus,
    ClaimType,
    Customer,
    KnowledgeArticle,
    KnowledgeHit,
    PolicyType,
)
from colloquy.desk.seed import SeedReport, desk_is_seeded, seed_desk

__all__ = [
    "STATUS_EXPLANATIONS",
    "ArticleCategory",
    "Claim",
    "ClaimDraft",
    "ClaimStatus",
    "ClaimType",
    "ClaimsService",
    "Customer",
    "CustomerService",
    "KnowledgeArticle",
    "KnowledgeHit",
    "KnowledgeService",
    "PolicyType",
    "SeedReport",
    "Verification",
    "desk_is_seeded",
    "normalize_phone",
    "seed_desk",
]
