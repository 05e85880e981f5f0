"""Parameters and results of the desk's tools: what the LLM sees and what it gets back.

Amounts are decimal strings ("2840.00") so the validator can match a figure in a reply
against the figures tools returned, character for character. Customer results carry no
full phone number or email: a reply cannot echo what the agent was never given.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from colloquy.desk.records import ArticleCategory, ClaimStatus, ClaimType, PolicyType

_FROZEN = ConfigDict(frozen=True, extra="forbid")
CustomerId = Field(min_length=36, max_length=36, description="The id verification returned.")


class GetClaimStatusArgs(BaseModel):
    model_config = _FROZEN
    customer_id: str = CustomerId
    claim_number: str = Field(
        min_length=3, max_length=32, description="The claim number, e.g. CLM-2026-00012."
    )


class ListCustomerClaimsArgs(BaseModel):
    model_config = _FROZEN
    customer_id: str = CustomerId
    open_only: bool = Field(default=False, description="Only claims still being handled.")


class GetCustomerInfoArgs(BaseModel):
    model_config = _FROZEN
    customer_id: str = CustomerId


class VerifyCustomerIdentityArgs(BaseModel):
    model_config = _FROZEN
    phone: str = Field(min_length=7, max_length=32, description="Phone number on the policy.")
    date_of_birth: date = Field(description="The policyholder's date of birth (YYYY-MM-DD).")


class SubmitClaimArgs(BaseModel):
    model_config = _FROZEN
    customer_id: str = CustomerId
    claim_type: ClaimType
    incident_date: date = Field(description="When it happened (YYYY-MM-DD).")
    description: str = Field(min_length=10, max_length=2000, description="What happened.")
    amount: Decimal = Field(
        gt=0, le=1_000_000, decimal_places=2, description="Estimated cost in dollars."
    )


class SearchKnowledgeBaseArgs(BaseModel):
    model_config = _FROZEN
    query: str = Field(min_length=2, max_length=500, description="The caller's question.")
    limit: int = Field(default=3, ge=1, le=5, description="How many articles to return.")


class ClaimSummary(BaseModel):
    model_config = _FROZEN
    claim_number: str
    claim_type: ClaimType
    status: ClaimStatus
    status_explanation: str
    incident_date: date
    amount_claimed: str
    amount_approved: str | None


class ClaimStatusResult(ClaimSummary):
    description: str
    is_open: bool


class CustomerClaims(BaseModel):
    model_config = _FROZEN
    customer_id: str
    claims: list[ClaimSummary]


class CustomerInfo(BaseModel):
    model_config = _FROZEN
    customer_id: str
    full_name: str
    first_name: str
    policy_number: str
    policy_type: PolicyType
    phone_last_digits: str
    email_masked: str


class VerificationResult(BaseModel):
    model_config = _FROZEN
    verified: bool
    customer_id: str | None
    first_name: str | None
    message: str


class SubmittedClaim(BaseModel):
    model_config = _FROZEN
    claim_number: str
    status: ClaimStatus
    claim_type: ClaimType
    incident_date: date
    amount_claimed: str


class ArticleSnippet(BaseModel):
    model_config = _FROZEN
    slug: str
    title: str
    category: ArticleCategory
    body: str
    score: float


class KnowledgeResults(BaseModel):
    model_config = _FROZEN
    query: str
    articles: list[ArticleSnippet]
