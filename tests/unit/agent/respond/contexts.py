"""Builders for turn contexts and tool outcomes over the shipped journeys and guidelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from colloquy.agent.guidelines.loader import bundled_guidelines
from colloquy.agent.guidelines.records import Guideline, GuidelineMatch
from colloquy.agent.journeys.loader import bundled_journeys
from colloquy.agent.journeys.records import Journey
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.turn import TurnContext, TurnEvent
from colloquy.desk.records import ArticleCategory, ClaimStatus, ClaimType
from colloquy.desk.tool_models import (
    ArticleSnippet,
    ClaimStatusResult,
    KnowledgeResults,
    SubmittedClaim,
    VerificationResult,
)

CUSTOMER_ID = "0190f1a2-7c3b-7d4e-8f90-123456789abc"
PHONE = "+15550142277"
DOB = "1984-07-19"


@dataclass(frozen=True)
class Desk:
    journeys: dict[str, Journey]
    guidelines: dict[str, Guideline]

    def ctx(
        self,
        event: TurnEvent,
        journey: str | None = None,
        state: str | None = None,
        *,
        asking: str | None = None,
        message: str = "okay",
        slots: tuple[tuple[str, str], ...] = (),
        verified: bool = False,
        guidelines: tuple[str, ...] = (),
        outcomes: tuple[ToolOutcome, ...] = (),
    ) -> TurnContext:
        j = self.journeys[journey] if journey is not None else None
        return TurnContext(
            session_id="s-1",
            turn=3,
            message=message,
            event=event,
            journey=j,
            state=j.state(state) if j is not None and state is not None else None,
            asking=j.slot(asking) if j is not None and asking is not None else None,
            slots=slots,
            verified=verified,
            guidelines=tuple(GuidelineMatch(self.guidelines[g], 0.8, True) for g in guidelines),
            tool_outcomes=outcomes,
        )


def ok(tool: str, result: object) -> ToolOutcome:
    return ToolOutcome(tool, ToolStatus.OK, "{}", result, None, False, 0.01)  # type: ignore[arg-type]


def failed(tool: str, status: ToolStatus, error: str = "it failed") -> ToolOutcome:
    return ToolOutcome(tool, status, "{}", None, error, False, 0.01)


def verified(first_name: str = "Maria") -> ToolOutcome:
    return ok(
        "verify_customer_identity",
        VerificationResult(
            verified=True,
            customer_id=CUSTOMER_ID,
            first_name=first_name,
            message="identity verified",
        ),
    )


def not_verified() -> ToolOutcome:
    return ok(
        "verify_customer_identity",
        VerificationResult(
            verified=False,
            customer_id=None,
            first_name=None,
            message="the phone number and date of birth do not match a policy",
        ),
    )


def claim(status: ClaimStatus, approved: str | None = None) -> ToolOutcome:
    explanations = {
        ClaimStatus.SUBMITTED: "received and waiting for a claims handler",
        ClaimStatus.UNDER_REVIEW: "being assessed by a claims handler",
        ClaimStatus.AWAITING_DOCUMENTS: "on hold until the documents we asked for arrive",
        ClaimStatus.APPROVED: "approved; payment is being arranged",
        ClaimStatus.DENIED: "declined; the decision letter explains why and how to appeal",
        ClaimStatus.PAID: "paid to the account on file",
        ClaimStatus.CLOSED: "closed",
    }
    return ok(
        "get_claim_status",
        ClaimStatusResult(
            claim_number="CLM-2026-00012",
            claim_type=ClaimType.AUTO,
            status=status,
            status_explanation=explanations[status],
            incident_date=date(2026, 2, 14),
            amount_claimed="2840.00",
            amount_approved=approved,
            description="rear-ended at a junction",
            is_open=status.is_open,
        ),
    )


def submitted() -> ToolOutcome:
    return ok(
        "submit_claim",
        SubmittedClaim(
            claim_number="CLM-2026-00131",
            status=ClaimStatus.SUBMITTED,
            claim_type=ClaimType.HOME,
            incident_date=date(2026, 3, 1),
            amount_claimed="1200.00",
        ),
    )


def articles(count: int = 2) -> ToolOutcome:
    found = [
        ArticleSnippet(
            slug="home-flood",
            title="Flood damage at home",
            category=ArticleCategory.COVERAGE,
            body="Flood damage is covered on home policies with the flood add-on. Storm surge "
            "is covered too. Gradual seepage is not covered.",
            score=3.2,
        ),
        ArticleSnippet(
            slug="home-storm",
            title="Storm damage",
            category=ArticleCategory.COVERAGE,
            body="Storms are covered.",
            score=1.1,
        ),
    ][:count]
    return ok("search_knowledge_base", KnowledgeResults(query="is flood covered", articles=found))


def load_desk() -> Desk:
    return Desk(
        journeys={j.name: j for j in bundled_journeys()},
        guidelines={g.name: g for g in bundled_guidelines()},
    )
