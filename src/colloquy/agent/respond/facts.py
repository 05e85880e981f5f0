"""What a template may say, taken only from the turn's context: slots and typed tool results.

Every value a template fills in comes from here, so the offline responder can only state
what the caller said or what a tool returned (grounding by construction). Account data
(names, claim numbers, amounts, policy numbers) is withheld until ``ctx.verified``; the
caller's phone number and date of birth are never offered, so they cannot be echoed.
Amounts and dates are written as they are read out ("$1,450.00", "March 1, 2026"); the
validator normalises both before it compares them with what the tools returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel

from colloquy.agent.journeys.records import SlotType
from colloquy.agent.respond.sentences import split_sentences
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.turn import TurnContext
from colloquy.data.pii import mask_text
from colloquy.desk.tool_models import (
    ClaimStatusResult,
    CustomerClaims,
    CustomerInfo,
    KnowledgeResults,
    SubmittedClaim,
    VerificationResult,
)


class OutcomeKind(StrEnum):
    """How a tool call ended, as a reply needs to tell it (finer than ``ToolStatus``)."""

    OK = "ok"
    REFUSED = "refused"
    """The tool refused with a reason: no such claim on this policy (not found), a date
    outside the policy's rules, a cover the policy does not have."""
    ERROR = "error"
    """The tool broke or its dependencies were unavailable."""
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    INVALID_ARGUMENTS = "invalid_arguments"
    UNKNOWN_TOOL = "unknown_tool"
    VERIFICATION_FAILED = "verification_failed"
    """Verification ran and the details did not match."""
    NO_RESULTS = "no_results"
    """The tool answered with an empty list (no articles, no claims)."""


_INTERNAL_MARKS = ("failed unexpectedly", "is unavailable")
"""How the executor words a tool's own failure, as opposed to a refusal (``ToolStatus.ERROR``)."""


def outcome_kind(outcome: ToolOutcome) -> OutcomeKind:
    if outcome.status is ToolStatus.ERROR:
        internal = any(mark in (outcome.error or "") for mark in _INTERNAL_MARKS)
        return OutcomeKind.ERROR if internal else OutcomeKind.REFUSED
    if outcome.status is not ToolStatus.OK:
        return OutcomeKind(outcome.status.value)
    result = outcome.result
    if isinstance(result, VerificationResult) and not result.verified:
        return OutcomeKind.VERIFICATION_FAILED
    if isinstance(result, KnowledgeResults) and not result.articles:
        return OutcomeKind.NO_RESULTS
    if isinstance(result, CustomerClaims) and not result.claims:
        return OutcomeKind.NO_RESULTS
    return OutcomeKind.OK


ACCOUNT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "first_name": "the verified customer's first name",
        "claim_number": "the claim get_claim_status returned",
        "claim_type": "auto, home, health, travel or pet",
        "claim_status": "the status in words (under review)",
        "claim_status_explanation": "what the status means, from the desk's table",
        "incident_date": "the date as it is read out (March 14, 2026)",
        "amount_claimed": "the amount as it is read out (2,840.00; the template writes the $)",
        "amount_approved": "the same, only when the claim has one",
        "new_claim_id": "the claim number submit_claim returned",
        "claim_count": "how many claims list_customer_claims returned",
        "claim_numbers": "those claims' numbers, comma separated",
        "policy_number": "from get_customer_info",
        "policy_type": "from get_customer_info",
    }
)
"""Said only once the caller is verified."""

KNOWLEDGE_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "top_title": "the best article's title",
        "top_snippet": "the best article's opening sentences",
        "related_titles": "the other articles' titles, quoted and comma separated (if any)",
        "article_count": "how many articles were found",
    }
)

CONTEXT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {"journey_title": "the running journey's title"}
)

OUTCOME_VARIABLES: Mapping[str, str] = MappingProxyType(
    {"tool_reason": "why a tool refused, as it explains it (refused outcomes only)"}
)
"""Filled for a tool template from its own outcome, whichever the tool."""

SLOT_PREFIX = "slot."
PRIVATE_SLOTS = frozenset(
    {"phone", "date_of_birth", "email", "ssn", "card_number", "address", "customer_id"}
)
"""Slots a reply must never read back (personal data, internal ids)."""

TOOL_VARIABLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "verify_customer_identity": frozenset({"first_name"}),
        "get_claim_status": frozenset(
            {
                "claim_number",
                "claim_type",
                "claim_status",
                "claim_status_explanation",
                "incident_date",
                "amount_claimed",
                "amount_approved",
            }
        ),
        "submit_claim": frozenset(
            {"new_claim_id", "claim_type", "claim_status", "incident_date", "amount_claimed"}
        ),
        "list_customer_claims": frozenset({"claim_count", "claim_numbers"}),
        "get_customer_info": frozenset({"first_name", "policy_number", "policy_type"}),
        "search_knowledge_base": frozenset(KNOWLEDGE_VARIABLES),
    }
)
"""The variables each tool's result provides, checked when templates load."""

SNIPPET_CHARS = 240
REASON_CHARS = 200


def variable_problem(
    name: str, *, tool: str | None, for_tool: bool = False
) -> tuple[str, str] | None:
    """Why no context could fill ``{name}`` (or why it must not), with a hint; None if fine.

    ``tool`` is the tool a template speaks for: its variables must come from that result;
    ``for_tool`` says the template tells a tool outcome at all.
    """
    if name.startswith(SLOT_PREFIX):
        slot = name[len(SLOT_PREFIX) :]
        if slot in PRIVATE_SLOTS:
            return (
                f"{{{name}}} would read personal data back to the caller",
                f"slots never said: {', '.join(sorted(PRIVATE_SLOTS))}",
            )
        return None
    if name in CONTEXT_VARIABLES:
        return None
    if name in OUTCOME_VARIABLES:
        if for_tool:
            return None
        return f"{{{name}}} is only filled in tool templates", "use it in a 'move: tool' template"
    if tool is not None:
        allowed = TOOL_VARIABLES.get(tool, frozenset())
        if name in allowed:
            return None
        return (
            f"{{{name}}} is not in {tool}'s result",
            f"{tool} provides: {', '.join(sorted(allowed)) or 'no variables'}",
        )
    if name in ACCOUNT_VARIABLES or name in KNOWLEDGE_VARIABLES:
        return None
    known = sorted(
        {*ACCOUNT_VARIABLES, *KNOWLEDGE_VARIABLES, *CONTEXT_VARIABLES, *OUTCOME_VARIABLES}
    )
    return f"unknown variable {{{name}}}", f"use slot.NAME or one of {', '.join(known)}"


def money(value: str) -> str:
    """A decimal string as it is read out: ``1450.00`` → ``1,450.00`` (the template adds $)."""
    try:
        return f"{Decimal(value):,.2f}"
    except InvalidOperation:
        return value


def spoken_date(value: str) -> str:
    """An ISO date as it is read out: ``2026-11-28`` → ``November 28, 2026``."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%B} {day.day}, {day.year}"


def _slot_value(ctx: TurnContext, name: str, value: str) -> str:
    kind = (
        next((s.type for s in ctx.journey.slots if s.name == name), None) if ctx.journey else None
    )
    if kind is SlotType.AMOUNT:
        return money(value)
    if kind is SlotType.DATE:
        return spoken_date(value)
    return value


def context_values(ctx: TurnContext) -> dict[str, str]:
    """Values every template of this turn may use: the slots the caller gave, the journey,
    and (once verified) what this turn's tools returned."""
    values = {
        f"{SLOT_PREFIX}{name}": _slot_value(ctx, name, value)
        for name, value in ctx.slots
        if name not in PRIVATE_SLOTS and value
    }
    if ctx.journey is not None:
        values["journey_title"] = ctx.journey.title
    for outcome in ctx.tool_outcomes:
        if outcome.ok and outcome.result is not None:
            values.update(result_values(outcome.result, verified=ctx.verified))
    return values


def result_values(result: BaseModel, *, verified: bool) -> dict[str, str]:
    """The variables one tool result provides; account data only for a verified caller."""
    if isinstance(result, KnowledgeResults):
        return _knowledge(result)
    if not verified:
        return {}
    if isinstance(result, VerificationResult):
        return {"first_name": result.first_name} if result.verified and result.first_name else {}
    if isinstance(result, ClaimStatusResult):
        values = {
            "claim_number": result.claim_number,
            "claim_type": result.claim_type.value,
            "claim_status": result.status.value.replace("_", " "),
            "claim_status_explanation": result.status_explanation,
            "incident_date": spoken_date(result.incident_date.isoformat()),
            "amount_claimed": money(result.amount_claimed),
        }
        if result.amount_approved is not None:
            values["amount_approved"] = money(result.amount_approved)
        return values
    if isinstance(result, SubmittedClaim):
        return {
            "new_claim_id": result.claim_number,
            "claim_type": result.claim_type.value,
            "claim_status": result.status.value.replace("_", " "),
            "incident_date": spoken_date(result.incident_date.isoformat()),
            "amount_claimed": money(result.amount_claimed),
        }
    if isinstance(result, CustomerClaims):
        return {
            "claim_count": str(len(result.claims)),
            "claim_numbers": ", ".join(c.claim_number for c in result.claims),
        }
    if isinstance(result, CustomerInfo):
        return {
            "first_name": result.first_name,
            "policy_number": result.policy_number,
            "policy_type": result.policy_type.value,
        }
    return {}


def _knowledge(result: KnowledgeResults) -> dict[str, str]:
    if not result.articles:
        return {}
    top, *others = result.articles
    values = {
        "top_title": top.title,
        "top_snippet": snippet(top.body),
        "article_count": str(len(result.articles)),
    }
    if others:
        values["related_titles"] = ", ".join(f"“{a.title}”" for a in others)
    return values


def outcome_values(outcome: ToolOutcome) -> dict[str, str]:
    """What a refusal says about itself: the tool's reason, personal data masked."""
    if outcome_kind(outcome) is not OutcomeKind.REFUSED or not outcome.error:
        return {}
    reason = mask_text(" ".join(outcome.error.split())).text.replace(" — ", "; ")
    return {"tool_reason": reason.rstrip(" .")[:REASON_CHARS]}


def snippet(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The article's opening sentences that fit in ``limit`` characters (at least one)."""
    sentences = split_sentences(" ".join(body.split()))
    out = sentences[0] if sentences else ""
    for sentence in sentences[1:]:
        if len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}"
    return out
