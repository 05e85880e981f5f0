"""The desk's tools, bound to its services: what the agent can look up and do.

Account tools take the ``customer_id`` that identity verification returns, and a claim is
only shown to its owner, so a conversation cannot reach another customer's data even if
the model asks for it. Identity verification is limited to 3 attempts per phone number
per hour; knowledge-base answers are cached for 30 minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel

from colloquy.agent.tools import RateLimit, ToolRegistry
from colloquy.desk.claims import ClaimDraft, ClaimsService
from colloquy.desk.customers import CustomerService, normalize_phone
from colloquy.desk.knowledge import KnowledgeService
from colloquy.desk.records import STATUS_EXPLANATIONS, Claim
from colloquy.desk.tool_models import (
    ArticleSnippet,
    ClaimStatusResult,
    ClaimSummary,
    CustomerClaims,
    CustomerInfo,
    GetClaimStatusArgs,
    GetCustomerInfoArgs,
    KnowledgeResults,
    ListCustomerClaimsArgs,
    SearchKnowledgeBaseArgs,
    SubmitClaimArgs,
    SubmittedClaim,
    VerificationResult,
    VerifyCustomerIdentityArgs,
)
from colloquy.errors import NotFoundError
from colloquy.storage.desk import DeskRepository
from colloquy.storage.store import Store

KNOWLEDGE_TTL_S = 30 * 60
ACCOUNT_TTL_S = 60


def _caller_phone(args: BaseModel) -> str:
    """The rate-limit bucket of a verification: the normalised phone number it tries."""
    if not isinstance(args, VerifyCustomerIdentityArgs):
        raise TypeError(f"expected VerifyCustomerIdentityArgs, got {type(args).__name__}")
    return normalize_phone(args.phone)


VERIFY_ATTEMPTS_PER_HOUR = 3


def verify_limit(attempts_per_hour: int = VERIFY_ATTEMPTS_PER_HOUR) -> RateLimit:
    """Identity checks allowed per phone number per hour (guessing dates of birth is slow)."""
    return RateLimit(calls=attempts_per_hour, window_s=3600, key=_caller_phone, name="phone")


VERIFY_LIMIT = verify_limit()


@dataclass(frozen=True, slots=True)
class DeskServices:
    customers: CustomerService
    claims: ClaimsService
    knowledge: KnowledgeService

    @classmethod
    def from_store(cls, store: Store) -> DeskServices:
        repository = DeskRepository(store)
        return cls(
            CustomerService(repository), ClaimsService(repository), KnowledgeService(repository)
        )


def money(cents: int | None) -> str | None:
    """Cents as a plain dollar string with two decimals (``259000`` -> ``"2590.00"``)."""
    return None if cents is None else f"{Decimal(cents) / 100:.2f}"


def _summary(claim: Claim) -> ClaimSummary:
    return ClaimSummary(
        claim_number=claim.claim_number,
        claim_type=claim.claim_type,
        status=claim.status,
        status_explanation=STATUS_EXPLANATIONS[claim.status],
        incident_date=claim.incident_date,
        amount_claimed=money(claim.amount_claimed_cents) or "0.00",
        amount_approved=money(claim.amount_approved_cents),
    )


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def desk_tools(
    services: DeskServices,
    *,
    today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    verify_attempts_per_hour: int = VERIFY_ATTEMPTS_PER_HOUR,
) -> ToolRegistry:
    """A registry holding the six desk tools, bound to ``services``."""
    registry = ToolRegistry()

    @registry.tool(rate_limit=verify_limit(verify_attempts_per_hour))
    def verify_customer_identity(args: VerifyCustomerIdentityArgs) -> VerificationResult:
        """Confirm the caller is the policyholder from the phone number on the policy and
        their date of birth. Call before any account tool; returns the customer_id they need."""
        outcome = services.customers.verify(args.phone, args.date_of_birth)
        if not outcome.verified or outcome.customer_id is None:
            return VerificationResult(
                verified=False,
                customer_id=None,
                first_name=None,
                message="the phone number and date of birth do not match a policy",
            )
        customer = services.customers.get(outcome.customer_id)
        return VerificationResult(
            verified=True,
            customer_id=customer.id,
            first_name=customer.full_name.split()[0],
            message="identity verified",
        )

    @registry.tool(cache_ttl_s=ACCOUNT_TTL_S)
    def get_claim_status(args: GetClaimStatusArgs) -> ClaimStatusResult:
        """The status, amounts and dates of one of the verified customer's claims."""
        claim = services.claims.status(args.claim_number)
        if claim.customer_id != args.customer_id:
            raise NotFoundError(
                f"no claim numbered {args.claim_number} on this customer's policy",
                hint="ask the caller to check the number, or list their claims",
            )
        summary = _summary(claim)
        return ClaimStatusResult(
            **summary.model_dump(), description=claim.description, is_open=claim.status.is_open
        )

    @registry.tool(cache_ttl_s=ACCOUNT_TTL_S)
    def list_customer_claims(args: ListCustomerClaimsArgs) -> CustomerClaims:
        """The verified customer's claims, newest incident first."""
        claims = services.claims.for_customer(args.customer_id)
        if args.open_only:
            claims = [c for c in claims if c.status.is_open]
        return CustomerClaims(customer_id=args.customer_id, claims=[_summary(c) for c in claims])

    @registry.tool(cache_ttl_s=ACCOUNT_TTL_S)
    def get_customer_info(args: GetCustomerInfoArgs) -> CustomerInfo:
        """The verified customer's name and policy, with contact details masked."""
        customer = services.customers.get(args.customer_id)
        return CustomerInfo(
            customer_id=customer.id,
            full_name=customer.full_name,
            first_name=customer.full_name.split()[0],
            policy_number=customer.policy_number,
            policy_type=customer.policy_type,
            phone_last_digits=customer.phone[-4:],
            email_masked=_mask_email(customer.email),
        )

    @registry.tool(invalidates=("list_customer_claims",))
    def submit_claim(args: SubmitClaimArgs) -> SubmittedClaim:
        """File a new claim for the verified customer; returns its claim number."""
        draft = ClaimDraft(
            customer_id=args.customer_id,
            claim_type=args.claim_type,
            incident_date=args.incident_date,
            description=args.description,
            amount_claimed_cents=int(args.amount * 100),
        )
        claim = services.claims.submit(draft, today=today())
        return SubmittedClaim(
            claim_number=claim.claim_number,
            status=claim.status,
            claim_type=claim.claim_type,
            incident_date=claim.incident_date,
            amount_claimed=money(claim.amount_claimed_cents) or "0.00",
        )

    @registry.tool(cache_ttl_s=KNOWLEDGE_TTL_S)
    def search_knowledge_base(args: SearchKnowledgeBaseArgs) -> KnowledgeResults:
        """Find coverage and claims-process articles that answer the caller's question."""
        hits = services.knowledge.search(args.query, limit=args.limit)
        return KnowledgeResults(
            query=args.query,
            articles=[
                ArticleSnippet(
                    slug=h.article.slug,
                    title=h.article.title,
                    category=h.article.category,
                    body=h.article.body,
                    score=round(h.score, 6),
                )
                for h in hits
            ],
        )

    return registry
