"""Claims: status by claim number, a customer's claims, and filing a new claim.

A new claim is checked against the customer's policy before it is stored: the claim type
must be one the policy covers, the incident cannot be in the future or older than the
one-year notification window, and the amount must be positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from colloquy.desk.customers import CustomerService
from colloquy.desk.records import Claim, ClaimStatus, ClaimType, PolicyType
from colloquy.desk.rows import claim, claim_row
from colloquy.errors import ConflictError, NotFoundError, UsageError
from colloquy.storage.desk import DeskRepository
from colloquy.storage.ids import uuid7

NOTIFICATION_WINDOW = timedelta(days=365)
MAX_CLAIM_CENTS = 100_000_000
# Two submissions can read the same highest number; the loser's insert conflicts on the
# unique claim number and it reads again.
_NUMBER_ATTEMPTS = 20

_COVERS: dict[PolicyType, frozenset[ClaimType]] = {
    PolicyType.AUTO: frozenset({ClaimType.AUTO}),
    PolicyType.HOME: frozenset({ClaimType.HOME}),
    PolicyType.TRAVEL: frozenset({ClaimType.TRAVEL}),
    PolicyType.HEALTH: frozenset({ClaimType.HEALTH}),
    PolicyType.PET: frozenset({ClaimType.PET}),
    PolicyType.BUNDLE: frozenset({ClaimType.AUTO, ClaimType.HOME}),
}


@dataclass(frozen=True, slots=True)
class ClaimDraft:
    """What a caller gives to file a claim."""

    customer_id: str
    claim_type: ClaimType
    incident_date: date
    description: str
    amount_claimed_cents: int


class ClaimsService:
    def __init__(self, repository: DeskRepository) -> None:
        self.repository = repository
        self.customers = CustomerService(repository)

    def status(self, claim_number: str) -> Claim:
        row = self.repository.claim_by_number(claim_number.strip().upper())
        if row is None:
            raise NotFoundError(
                f"no claim numbered {claim_number}",
                hint="claim numbers look like CLM-2026-00012",
            )
        return claim(row)

    def for_customer(self, customer_id: str) -> list[Claim]:
        self.customers.get(customer_id)
        return [claim(row) for row in self.repository.claims_of(customer_id)]

    def submit(self, draft: ClaimDraft, *, today: date | None = None) -> Claim:
        """Check ``draft`` against the policy and store it as a submitted claim."""
        owner = self.customers.get(draft.customer_id)
        now = datetime.now(UTC)
        day = today or now.date()
        _check(draft, owner.policy_type, day)
        for _attempt in range(_NUMBER_ATTEMPTS):
            record = Claim(
                id=uuid7(now),
                claim_number=self._next_number(day.year),
                customer_id=owner.id,
                claim_type=draft.claim_type,
                status=ClaimStatus.SUBMITTED,
                incident_date=draft.incident_date,
                description=draft.description.strip(),
                amount_claimed_cents=draft.amount_claimed_cents,
            )
            try:
                self.repository.add_claim(claim_row(record))
            except ConflictError:
                continue
            return record
        raise ConflictError(
            f"could not allocate a claim number after {_NUMBER_ATTEMPTS} attempts",
            hint="many claims are being filed at once; submit again",
        )

    def _next_number(self, year: int) -> str:
        prefix = f"CLM-{year}-"
        taken = self.repository.claim_numbers_with_prefix(prefix)
        highest = max((int(n.removeprefix(prefix)) for n in taken), default=0)
        return f"{prefix}{highest + 1:05d}"


def _check(draft: ClaimDraft, policy: PolicyType, today: date) -> None:
    if draft.claim_type not in _COVERS[policy]:
        covered = ", ".join(sorted(t.value for t in _COVERS[policy]))
        raise UsageError(
            f"the {policy.value} policy does not cover {draft.claim_type.value} claims",
            hint=f"this policy covers: {covered}",
        )
    if draft.incident_date > today:
        raise UsageError(
            f"incident date {draft.incident_date} is in the future",
            hint="give the date the incident happened",
        )
    if today - draft.incident_date > NOTIFICATION_WINDOW:
        raise UsageError(
            f"incident date {draft.incident_date} is more than a year ago",
            hint="claims must be reported within 365 days; a handler can review late claims",
        )
    if not 0 < draft.amount_claimed_cents <= MAX_CLAIM_CENTS:
        raise UsageError(
            f"claimed amount {draft.amount_claimed_cents / 100:.2f} is out of range",
            hint="give an amount above 0 and at most 1,000,000.00",
        )
    if len(draft.description.strip()) < 10:
        raise UsageError(
            "the claim description is too short",
            hint="describe what happened in at least 10 characters",
        )
