"""Slot filling: typed patterns normalise values; the LLM fills only what they miss."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.fakes.openai_server import fake_openai_server

from colloquy.agent.journeys import Slot, SlotFiller, SlotType, bundled_journeys, extract
from colloquy.llm import OpenAICompatibleClient, RetryPolicy

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("kind", "message", "value"),
    [
        (SlotType.CLAIM_ID, "it's claim clm 2026 00012 I think", "CLM-2026-00012"),
        (SlotType.CLAIM_ID, "It is CLM-2026-000002.", "CLM-2026-00002"),
        (SlotType.CLAIM_ID, "claim CLM 2026 0012", "CLM-2026-00012"),
        (SlotType.CLAIM_ID, "The claim is C L M 2 0 2 6 0 0 0 2.", "CLM-2026-00002"),
        (SlotType.CLAIM_ID, "The Claim is CLM20260002.", "CLM-2026-00002"),
        (SlotType.POLICY_NUMBER, "policy pol100001", "POL-100001"),
        (SlotType.PHONE, "reach me at (415) 555-0134", "+14155550134"),
        (SlotType.PHONE, "my number is +15550100", "+15550100"),
        (SlotType.DATE, "it happened on 2026-03-04", "2026-03-04"),
        (SlotType.DATE, "born 03/12/1984", "1984-03-12"),
        (SlotType.DATE, "on March 3rd, 2026", "2026-03-03"),
        (SlotType.DATE, "it was yesterday evening", "2026-11-28"),
        (SlotType.AMOUNT, "about $2,500.50 of damage", "2500.50"),
        (SlotType.AMOUNT, "roughly 3k dollars", "3000.00"),
        (SlotType.EMAIL, "write to Maria.G@Example.com", "maria.g@example.com"),
    ],
)
def test_patterns_find_and_normalise(kind: SlotType, message: str, value: str) -> None:
    assert extract(Slot("x", kind, "?"), message, today=TODAY) == value


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (SlotType.DATE, "on 2026-02-30"),
        (SlotType.PHONE, "claim CLM-2026-00012"),
        (SlotType.AMOUNT, "I have 2 cars"),
        (SlotType.CLAIM_ID, "no id here"),
    ],
)
def test_patterns_refuse_what_is_not_there(kind: SlotType, message: str) -> None:
    assert extract(Slot("x", kind, "?"), message, today=TODAY) is None


def test_choice_needs_exactly_one_choice_named() -> None:
    slot = Slot("claim_type", SlotType.CHOICE, "?", ("auto", "home", "health", "travel"))
    assert extract(slot, "it's for my Home policy") == "home"
    assert extract(slot, "home or auto, not sure") is None


def test_offline_filler_takes_the_answer_for_the_asked_text_slot() -> None:
    submission = next(j for j in bundled_journeys() if j.name == "claim_submission")
    collect = submission.state("collect_details").required_slots
    fill = SlotFiller().fill(
        "A pipe burst on 2026-11-20 and flooded the kitchen, about $4,000",
        [submission.slot(name) for name in collect],
        known={},
        asked="description",
        today=TODAY,
    )
    assert fill.values["incident_date"] == "2026-11-20"
    assert fill.values["amount"] == "4000.00"
    assert fill.sources["description"] == "answer"
    assert fill.sources["amount"] == "pattern"
    assert fill.missing == ("claim_type",)
    assert fill.llm_calls == 0


def test_one_date_never_fills_two_date_slots() -> None:
    inquiry = next(j for j in bundled_journeys() if j.name == "claim_submission")
    both = [inquiry.slot("date_of_birth"), inquiry.slot("incident_date")]
    filler = SlotFiller()
    assert filler.fill("it was 2026-11-20", both).values == {}
    asked = filler.fill("it was 2026-11-20", both, asked="incident_date")
    assert asked.values == {"incident_date": "2026-11-20"}


def test_llm_fills_only_the_slots_patterns_missed() -> None:
    submission = next(j for j in bundled_journeys() if j.name == "claim_submission")
    wanted = [
        s for s in submission.slots if s.name in {"incident_date", "claim_type", "description"}
    ]
    answer = json.dumps(
        {
            "incident_date": "the fifth of March",
            "claim_type": "home",
            "description": "a tree fell on the garage roof",
        }
    )
    with fake_openai_server(answer) as server:
        client = OpenAICompatibleClient(
            server.base_url, "fake-model", retry=RetryPolicy(max_retries=0), timeout_s=5
        )
        fill = SlotFiller(llm=client).fill(
            "on 2026-03-05 a tree fell on the garage roof of my house", wanted, today=TODAY
        )
        schema = server.completions[0].body["response_format"]["json_schema"]["schema"]
    assert fill.values == {
        "incident_date": "2026-03-05",
        "claim_type": "home",
        "description": "a tree fell on the garage roof",
    }
    assert fill.sources == {
        "incident_date": "pattern",
        "claim_type": "llm",
        "description": "llm",
    }
    assert set(schema["properties"]) == {"claim_type", "description"}
    assert fill.llm_calls == 1
