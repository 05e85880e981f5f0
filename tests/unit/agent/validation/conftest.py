"""Realistic claim-desk turns for the validator tests: shipped guidelines, typed tool results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest
from pydantic import BaseModel

from colloquy.agent.guidelines.loader import bundled_guidelines
from colloquy.agent.guidelines.records import GuidelineMatch
from colloquy.agent.journeys.loader import bundled_journeys
from colloquy.agent.journeys.records import Journey
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.turn import Role, TurnContext, TurnEvent, Utterance
from colloquy.agent.validation import ReplyValidator
from colloquy.desk.records import ArticleCategory, ClaimStatus, ClaimType, PolicyType
from colloquy.desk.tool_models import (
    ArticleSnippet,
    ClaimStatusResult,
    CustomerInfo,
    KnowledgeResults,
    SubmittedClaim,
    VerificationResult,
)

CUSTOMER_ID = "0190a3b4-0000-7000-8000-000000000001"
MakeContext = Callable[..., TurnContext]


def outcome(tool: str, result: BaseModel) -> ToolOutcome:
    return ToolOutcome(tool, ToolStatus.OK, "{}", result, None, False, 0.01)


def claim_status(
    number: str = "CLM-2026-00012",
    status: ClaimStatus = ClaimStatus.UNDER_REVIEW,
    claimed: str = "2840.00",
    approved: str | None = None,
) -> ToolOutcome:
    return outcome(
        "get_claim_status",
        ClaimStatusResult(
            claim_number=number,
            claim_type=ClaimType.AUTO,
            status=status,
            status_explanation="An adjuster is reviewing the claim.",
            incident_date=date(2026, 3, 14),
            amount_claimed=claimed,
            amount_approved=approved,
            description="Rear-ended at a junction; bumper replaced.",
            is_open=status in (ClaimStatus.UNDER_REVIEW, ClaimStatus.SUBMITTED),
        ),
    )


def verification(first_name: str = "Maria") -> ToolOutcome:
    return outcome(
        "verify_customer_identity",
        VerificationResult(
            verified=True, customer_id=CUSTOMER_ID, first_name=first_name, message="verified"
        ),
    )


def customer_info() -> ToolOutcome:
    return outcome(
        "get_customer_info",
        CustomerInfo(
            customer_id=CUSTOMER_ID,
            full_name="Maria Gonzalez",
            first_name="Maria",
            policy_number="POL-100001",
            policy_type=PolicyType.AUTO,
            phone_last_digits="0100",
            email_masked="m***@example.com",
        ),
    )


def submitted() -> ToolOutcome:
    return outcome(
        "submit_claim",
        SubmittedClaim(
            claim_number="CLM-2026-00131",
            status=ClaimStatus.SUBMITTED,
            claim_type=ClaimType.HOME,
            incident_date=date(2026, 3, 1),
            amount_claimed="1200.00",
        ),
    )


def knowledge(
    body: str = "Flood cover is an add-on; the standard deductible is $500.",
    title: str = "Flood damage on home policies",
) -> ToolOutcome:
    return outcome(
        "search_knowledge_base",
        KnowledgeResults(
            query="is flood covered",
            articles=[
                ArticleSnippet(
                    slug="home-flood",
                    title=title,
                    category=ArticleCategory.COVERAGE,
                    body=body,
                    score=0.9,
                )
            ],
        ),
    )


@pytest.fixture(scope="session")
def guideline_matches() -> dict[str, GuidelineMatch]:
    return {g.name: GuidelineMatch(g, 0.9, True) for g in bundled_guidelines()}


@pytest.fixture(scope="session")
def journeys() -> dict[str, Journey]:
    return {j.name: j for j in bundled_journeys()}


@pytest.fixture
def make_ctx(
    guideline_matches: dict[str, GuidelineMatch], journeys: dict[str, Journey]
) -> MakeContext:
    def build(
        message: str = "What's the status of my claim?",
        *,
        verified: bool = False,
        said: Sequence[str] = (),
        outcomes: Sequence[ToolOutcome] = (),
        guidelines: Sequence[str] = (),
        slots: Sequence[tuple[str, str]] = (),
        grounded: Sequence[str] = (),
        event: TurnEvent | None = None,
        journey: str | None = None,
        state: str | None = None,
        asking: str | None = None,
    ) -> TurnContext:
        history = tuple(Utterance(Role.CUSTOMER, text, n) for n, text in enumerate(said))
        flow = journeys[journey] if journey is not None else None
        return TurnContext(
            session_id="s-1",
            turn=len(said) + 1,
            message=message,
            event=event or (TurnEvent.TOOL_RESULT if outcomes else TurnEvent.ASK_SLOT),
            journey=flow,
            state=flow.state(state) if flow is not None and state is not None else None,
            asking=flow.slot(asking) if flow is not None and asking is not None else None,
            slots=tuple(slots),
            verified=verified,
            guidelines=tuple(guideline_matches[name] for name in guidelines),
            tool_outcomes=tuple(outcomes),
            grounded=frozenset(grounded),
            history=history,
        )

    return build


@pytest.fixture(scope="session")
def validator() -> ReplyValidator:
    return ReplyValidator()
