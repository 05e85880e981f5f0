"""The desk's six tools through the executor, on a seeded SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from colloquy.agent.tools import ToolExecutor, ToolMetrics, ToolStatus
from colloquy.desk.tool_models import (
    ClaimStatusResult,
    CustomerClaims,
    CustomerInfo,
    KnowledgeResults,
    SubmittedClaim,
    VerificationResult,
)
from colloquy.desk.tools import DeskServices, desk_tools

from .conftest import TODAY

MARIA = {"phone": "+1 (555) 0100", "date_of_birth": "1984-03-12"}


@pytest.fixture
def executor(services: DeskServices) -> Iterator[ToolExecutor]:
    registry = desk_tools(services, today=lambda: TODAY)
    with ToolExecutor(registry, metrics=ToolMetrics(CollectorRegistry())) as made:
        yield made


def _verify(executor: ToolExecutor) -> str:
    result = executor.call("verify_customer_identity", MARIA).result
    assert isinstance(result, VerificationResult)
    assert result.verified
    assert result.customer_id is not None
    return result.customer_id


def test_the_six_tools_are_declared_for_the_llm(executor: ToolExecutor) -> None:
    names = [spec.name for spec in executor.registry.specs()]
    assert sorted(names) == [
        "get_claim_status",
        "get_customer_info",
        "list_customer_claims",
        "search_knowledge_base",
        "submit_claim",
        "verify_customer_identity",
    ]
    submit = executor.registry.get("submit_claim").spec().parameters()
    assert set(submit["required"]) == {  # type: ignore[call-overload]
        "customer_id",
        "claim_type",
        "incident_date",
        "description",
        "amount",
    }


def test_verified_caller_sees_only_their_own_claims(executor: ToolExecutor) -> None:
    customer_id = _verify(executor)
    own = executor.call(
        "get_claim_status", {"customer_id": customer_id, "claim_number": "CLM-2026-00002"}
    )
    assert isinstance(own.result, ClaimStatusResult)
    assert (own.result.status.value, own.result.amount_claimed) == ("under_review", "615.00")
    other = executor.call(
        "get_claim_status", {"customer_id": customer_id, "claim_number": "CLM-2026-00003"}
    )
    assert other.status is ToolStatus.ERROR
    assert other.error is not None
    assert "on this customer's policy" in other.error
    listed = executor.call("list_customer_claims", {"customer_id": customer_id}).result
    assert isinstance(listed, CustomerClaims)
    assert [c.claim_number for c in listed.claims] == ["CLM-2026-00002", "CLM-2026-00001"]
    assert listed.claims[1].amount_approved == "2590.00"


def test_customer_info_masks_contact_details(executor: ToolExecutor) -> None:
    info = executor.call("get_customer_info", {"customer_id": _verify(executor)}).result
    assert isinstance(info, CustomerInfo)
    assert (info.first_name, info.policy_number) == ("Maria", "POL-100001")
    assert (info.phone_last_digits, info.email_masked) == ("0100", "m***@example.com")
    assert "maria.gonzalez" not in info.model_dump_json()


def test_submitting_a_claim_returns_its_number_and_refreshes_the_list(
    executor: ToolExecutor,
) -> None:
    customer_id = _verify(executor)
    executor.call("list_customer_claims", {"customer_id": customer_id})
    submitted = executor.call(
        "submit_claim",
        {
            "customer_id": customer_id,
            "claim_type": "auto",
            "incident_date": "2026-11-28",
            "description": "Door dented by a trolley in a car park.",
            "amount": "450.50",
        },
    )
    assert isinstance(submitted.result, SubmittedClaim)
    assert (submitted.result.claim_number, submitted.result.amount_claimed) == (
        "CLM-2026-00024",
        "450.50",
    )
    after = executor.call("list_customer_claims", {"customer_id": customer_id})
    assert not after.cached
    assert isinstance(after.result, CustomerClaims)
    assert after.result.claims[0].claim_number == "CLM-2026-00024"
    refused = executor.call(
        "submit_claim",
        {
            "customer_id": customer_id,
            "claim_type": "home",
            "incident_date": "2026-11-28",
            "description": "Water from the flat upstairs.",
            "amount": "100",
        },
    )
    assert refused.error == "the auto policy does not cover home claims — this policy covers: auto"


def test_identity_verification_is_limited_to_three_tries_per_phone(
    executor: ToolExecutor,
) -> None:
    wrong = {"phone": "555 0100", "date_of_birth": "1984-03-13"}
    outcomes = [executor.call("verify_customer_identity", wrong) for _ in range(3)]
    assert all(isinstance(o.result, VerificationResult) and not o.result.verified for o in outcomes)
    blocked = executor.call("verify_customer_identity", MARIA)
    assert blocked.status is ToolStatus.RATE_LIMITED
    assert blocked.error is not None
    assert "3 calls per 60 minutes" in blocked.error
    other_phone = {"phone": "555 0101", "date_of_birth": "1979-11-02"}
    assert executor.call("verify_customer_identity", other_phone).ok


def test_knowledge_answers_are_cached(executor: ToolExecutor) -> None:
    first = executor.call("search_knowledge_base", {"query": "is hail damage to my roof covered"})
    second = executor.call("search_knowledge_base", {"query": "is hail damage to my roof covered"})
    assert isinstance(first.result, KnowledgeResults)
    assert first.result.articles[0].slug == "home-flood"
    assert (first.cached, second.cached) == (False, True)
    assert second.result == first.result
    assert executor.registry.get("search_knowledge_base").cache_ttl_s == 1800
