"""Stepping the shipped journeys with the real desk tools on a seeded SQLite desk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from colloquy.agent.engine.acts import Act, classify_act
from colloquy.agent.engine.machine import Advance, ToolRunner, advance
from colloquy.agent.journeys import Journey, bundled_journeys
from colloquy.agent.tools import ToolExecutor
from colloquy.agent.tools.outcome import ToolOutcome
from colloquy.desk import seed_desk
from colloquy.desk.tools import DeskServices, desk_tools
from colloquy.storage import Store

MARIA = {"phone": "+15550100", "date_of_birth": "1984-03-12"}


@pytest.fixture
def executor(tmp_path: Path) -> Iterator[ToolExecutor]:
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        with ToolExecutor(desk_tools(DeskServices.from_store(store))) as tools:
            yield tools


@pytest.fixture(scope="module")
def journeys() -> dict[str, Journey]:
    return {j.name: j for j in bundled_journeys()}


def step(
    tools: ToolExecutor,
    journey: Journey,
    state: str,
    slots: Mapping[str, str],
    *,
    labels: frozenset[str] = frozenset(),
    tool_slots: frozenset[str] = frozenset(),
) -> Advance:
    """Advance ``journey`` from ``state`` with the real desk tools."""
    return advance(
        journey, state, slots, labels=labels, run_tool=_runner(tools), tool_slots=tool_slots
    )


def _runner(tools: ToolExecutor) -> ToolRunner:
    def run(name: str, arguments: Mapping[str, str]) -> ToolOutcome:
        return tools.call(name, dict(arguments))

    return run


def test_missing_slots_wait_and_ask_the_first(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    adv = step(executor, journeys["claim_inquiry"], "verify_identity", {"phone": "+15550100"})
    assert adv.state == "verify_identity"
    assert adv.asking is not None
    assert adv.asking.name == "date_of_birth"
    assert adv.outcomes == ()
    assert adv.steps == ()


def test_one_message_can_verify_and_reach_the_claim_question(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    adv = step(executor, journeys["claim_inquiry"], "verify_identity", MARIA)
    assert [o.tool for o in adv.outcomes] == ["verify_customer_identity"]
    assert adv.state == "ask_claim"
    assert adv.asking is not None
    assert adv.asking.name == "claim_id"
    assert len(dict(adv.slots)["customer_id"]) == 36


def test_failed_verification_clears_what_the_caller_gave_and_stops(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    adv = step(
        executor,
        journeys["claim_inquiry"],
        "verify_identity",
        {"phone": "+15550100", "date_of_birth": "1990-01-01"},
    )
    assert [s.target for s in adv.steps] == ["verification_failed", "verify_identity"]
    assert adv.state == "verify_identity"
    assert "phone" not in dict(adv.slots)
    assert "date_of_birth" not in dict(adv.slots)
    assert adv.asking is not None
    assert adv.asking.name == "phone"
    assert len(adv.outcomes) == 1


def test_a_claim_of_another_customer_is_not_found_and_asked_again(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    first = step(executor, journeys["claim_inquiry"], "verify_identity", MARIA)
    slots = {**dict(first.slots), "claim_id": "CLM-2026-00019"}
    adv = step(
        executor,
        journeys["claim_inquiry"],
        "ask_claim",
        slots,
        tool_slots=frozenset({"customer_id"}),
    )
    assert adv.outcomes[-1].tool == "get_claim_status"
    assert not adv.outcomes[-1].ok
    assert adv.state == "ask_claim"
    assert "claim_id" not in dict(adv.slots)
    assert "customer_id" in dict(adv.slots)


def test_status_report_reaches_the_final_state(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    first = step(
        executor,
        journeys["claim_inquiry"],
        "verify_identity",
        {**MARIA, "claim_id": "CLM-2026-00002"},
    )
    assert first.final
    assert first.state == "done"
    assert [o.tool for o in first.outcomes] == ["verify_customer_identity", "get_claim_status"]


def test_confirmation_waits_for_an_act(
    executor: ToolExecutor, journeys: dict[str, Journey]
) -> None:
    details = {
        "customer_id": "x" * 36,
        "incident_date": "2026-11-20",
        "claim_type": "home",
        "amount": "1200.00",
        "description": "A pipe burst in the kitchen and flooded the floor.",
    }
    adv = step(
        executor,
        journeys["claim_submission"],
        "collect_details",
        details,
        labels=frozenset({Act.OTHER.value}),
        tool_slots=frozenset({"customer_id"}),
    )
    assert adv.state == "confirm"
    assert adv.waiting_on_intent
    assert adv.outcomes == ()
    corrected = step(
        executor,
        journeys["claim_submission"],
        "confirm",
        details,
        labels=frozenset({Act.CORRECT.value}),
        tool_slots=frozenset({"customer_id"}),
    )
    assert [s.target for s in corrected.steps] == ["collect_details", "confirm"]
    assert corrected.state == "confirm"


@pytest.mark.parametrize(
    ("message", "act"),
    [
        ("yes, go ahead", Act.CONFIRM),
        ("That's right", Act.CONFIRM),
        ("no, the amount is wrong", Act.CORRECT),
        ("yes but actually it was on Tuesday", Act.CORRECT),
        ("what is a deductible", Act.OTHER),
    ],
)
def test_dialogue_acts(message: str, act: Act) -> None:
    assert classify_act(message) is act
