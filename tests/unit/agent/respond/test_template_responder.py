"""The offline responder over the shipped templates: every event, every state, every failure."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from tests.unit.agent.respond.contexts import (
    DOB,
    PHONE,
    Desk,
    articles,
    claim,
    failed,
    not_verified,
    submitted,
    verified,
)

from colloquy.agent.respond import Move, TemplateResponder, split_sentences
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.turn import TurnEvent
from colloquy.desk.records import ClaimStatus

E = TurnEvent
SUBMISSION_SLOTS = (
    ("phone", PHONE),
    ("date_of_birth", DOB),
    ("incident_date", "2026-03-01"),
    ("claim_type", "home"),
    ("amount", "1200.00"),
    ("description", "a pipe burst in the kitchen"),
)


@dataclass(frozen=True)
class Case:
    name: str
    event: TurnEvent
    journey: str | None
    state: str | None
    ids: tuple[str, ...]
    says: tuple[str, ...] = ()
    asking: str | None = None
    message: str = "okay"
    verified: bool = False
    outcomes: tuple[ToolOutcome, ...] = ()
    guidelines: tuple[str, ...] = ()
    slots: tuple[tuple[str, str], ...] = ()


CASES = [
    # --- no journey ------------------------------------------------------------------------
    Case("greeting", E.GREETING, None, None, ("greeting",), ("claims desk",)),
    Case(
        "greeting with the recording notice",
        E.GREETING,
        None,
        None,
        ("guideline.recorded_call_disclaimer", "greeting"),
        ("This call is recorded",),
        guidelines=("recorded_call_disclaimer",),
    ),
    Case(
        "off-topic",
        E.NO_JOURNEY,
        None,
        None,
        ("no_journey",),
        ("claims status, new claims and coverage questions",),
        message="what's the weather like",
    ),
    Case("thanks", E.NO_JOURNEY, None, None, ("small_talk.thanks",), message="Thanks a lot!"),
    Case("goodbye", E.NO_JOURNEY, None, None, ("small_talk.goodbye",), message="ok bye"),
    Case("hello", E.NO_JOURNEY, None, None, ("small_talk.hello",), message="Hi there"),
    Case("a bot?", E.NO_JOURNEY, None, None, ("small_talk.bot",), message="are you a robot?"),
    Case(
        "legal question outside a journey",
        E.NO_JOURNEY,
        None,
        None,
        ("no_journey", "guideline.no_legal_advice"),
        ("legal advice",),
        message="should I sue the other driver",
        guidelines=("no_legal_advice",),
    ),
    # --- claim inquiry ---------------------------------------------------------------------
    Case(
        "inquiry starts",
        E.SWITCHED,
        "claim_inquiry",
        "verify_identity",
        ("claim_inquiry.switched", "claim_inquiry.ask.phone"),
        asking="phone",
    ),
    Case(
        "inquiry asks the date of birth",
        E.ASK_SLOT,
        "claim_inquiry",
        "verify_identity",
        ("claim_inquiry.ask.date_of_birth",),
        asking="date_of_birth",
        slots=(("phone", PHONE),),
    ),
    Case(
        "account question before verification",
        E.ASK_SLOT,
        "claim_inquiry",
        "verify_identity",
        ("guideline.verify_before_account_data", "claim_inquiry.ask.phone"),
        ("verify your identity",),
        asking="phone",
        message="what's the status of my claim CLM-2026-00012",
        guidelines=("verify_before_account_data",),
    ),
    Case(
        "verified, asks the claim",
        E.TOOL_RESULT,
        "claim_inquiry",
        "ask_claim",
        ("claim_inquiry.verify.ok", "claim_inquiry.ask.claim_id"),
        ("Thank you, Maria, you're verified.",),
        asking="claim_id",
        verified=True,
        outcomes=(verified(),),
    ),
    Case(
        "verification does not match",
        E.TOOL_FAILED,
        "claim_inquiry",
        "verification_failed",
        ("claim_inquiry.verify.failed", "claim_inquiry.state.verification_failed"),
        ("don't match our records", "try again"),
        outcomes=(not_verified(),),
    ),
    Case(
        "verification rate limited",
        E.TOOL_FAILED,
        "claim_inquiry",
        "verification_failed",
        ("verify.rate_limited", "claim_inquiry.state.verification_failed"),
        ("paused",),
        outcomes=(failed("verify_customer_identity", ToolStatus.RATE_LIMITED),),
    ),
    Case(
        "verification times out",
        E.TOOL_FAILED,
        "claim_inquiry",
        "verification_failed",
        ("claim_inquiry.verify.timeout", "claim_inquiry.state.verification_failed"),
        outcomes=(failed("verify_customer_identity", ToolStatus.TIMEOUT),),
    ),
    Case(
        "verification service broken",
        E.TOOL_FAILED,
        "claim_inquiry",
        "verification_failed",
        ("claim_inquiry.verify.error", "claim_inquiry.state.verification_failed"),
        outcomes=(failed("verify_customer_identity", ToolStatus.ERROR, "x failed unexpectedly"),),
    ),
    Case(
        "claim under review",
        E.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        ("claim_inquiry.status.under_review", "claim_inquiry.done"),
        ("CLM-2026-00012", "being assessed by a claims handler", "anything else"),
        verified=True,
        outcomes=(claim(ClaimStatus.UNDER_REVIEW),),
    ),
    Case(
        "claim approved with an amount",
        E.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        ("claim_inquiry.status.approved_amount", "claim_inquiry.done"),
        ("approved for $2,500.00",),
        verified=True,
        outcomes=(claim(ClaimStatus.APPROVED, "2500.00"),),
    ),
    Case(
        "claim approved without an amount",
        E.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        ("claim_inquiry.status.approved", "claim_inquiry.done"),
        ("approved; payment is being arranged",),
        verified=True,
        outcomes=(claim(ClaimStatus.APPROVED),),
    ),
    Case(
        "claim not found",
        E.TOOL_FAILED,
        "claim_inquiry",
        "ask_claim",
        ("claim_inquiry.status.refused", "claim_inquiry.ask.claim_id"),
        ("couldn't find a claim",),
        asking="claim_id",
        verified=True,
        outcomes=(failed("get_claim_status", ToolStatus.ERROR, "no claim numbered CLM-1"),),
    ),
    Case(
        "claim lookup times out",
        E.TOOL_FAILED,
        "claim_inquiry",
        "ask_claim",
        ("claim_inquiry.status.timeout", "claim_inquiry.ask.claim_id"),
        asking="claim_id",
        verified=True,
        outcomes=(failed("get_claim_status", ToolStatus.TIMEOUT),),
    ),
    Case(
        "claim lookup rate limited (generic)",
        E.TOOL_FAILED,
        "claim_inquiry",
        "ask_claim",
        ("tool.rate_limited", "claim_inquiry.ask.claim_id"),
        asking="claim_id",
        verified=True,
        outcomes=(failed("get_claim_status", ToolStatus.RATE_LIMITED),),
    ),
    Case(
        "a promise is asked for",
        E.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        (
            "claim_inquiry.status.under_review",
            "guideline.no_promises_outside_policy",
            "claim_inquiry.done",
        ),
        ("can't commit to an outcome",),
        verified=True,
        message="will it be approved?",
        outcomes=(claim(ClaimStatus.UNDER_REVIEW),),
        guidelines=("no_promises_outside_policy",),
    ),
    # --- claim submission ------------------------------------------------------------------
    Case(
        "submission starts",
        E.SWITCHED,
        "claim_submission",
        "verify_identity",
        ("claim_submission.switched", "claim_submission.ask.phone"),
        asking="phone",
    ),
    Case(
        "verified, collects details",
        E.TOOL_RESULT,
        "claim_submission",
        "collect_details",
        ("claim_submission.verify.ok", "claim_submission.ask.incident_date"),
        asking="incident_date",
        verified=True,
        outcomes=(verified(),),
    ),
    Case(
        "verification fails, back to the start",
        E.TOOL_FAILED,
        "claim_submission",
        "verify_identity",
        ("claim_submission.verify.failed", "claim_submission.state.verify_identity"),
        outcomes=(not_verified(),),
    ),
    *(
        Case(
            f"asks {slot}",
            E.ASK_SLOT,
            "claim_submission",
            "collect_details",
            (f"claim_submission.ask.{slot}",),
            asking=slot,
            verified=True,
        )
        for slot in ("claim_type", "amount", "description")
    ),
    Case(
        "theft reported while collecting",
        E.ASK_SLOT,
        "claim_submission",
        "collect_details",
        ("claim_submission.guideline.police_report_for_theft", "claim_submission.ask.amount"),
        ("police",),
        asking="amount",
        verified=True,
        message="my bike was stolen",
        guidelines=("police_report_for_theft",),
    ),
    Case(
        "read-back",
        E.CONFIRM,
        "claim_submission",
        "confirm",
        ("claim_submission.confirm",),
        ("a home claim", "on March 1, 2026,", "about $1,200.00.", "Shall I submit"),
        verified=True,
        slots=SUBMISSION_SLOTS,
    ),
    Case(
        "read-back with details missing",
        E.CONFIRM,
        "claim_submission",
        "confirm",
        ("claim_submission.confirm.partial",),
        verified=True,
    ),
    Case(
        "submitted",
        E.JOURNEY_DONE,
        "claim_submission",
        "done",
        (
            "claim_submission.guideline.fraud_warning_on_submission",
            "claim_submission.submitted",
            "claim_submission.guideline.read_back_claim_id",
            "claim_submission.done",
        ),
        ("fraud", "Your claim number is CLM-2026-00131.", "email"),
        message="yes go ahead",
        verified=True,
        outcomes=(submitted(),),
        guidelines=("read_back_claim_id", "fraud_warning_on_submission"),
        slots=SUBMISSION_SLOTS,
    ),
    Case(
        "submission times out",
        E.TOOL_FAILED,
        "claim_submission",
        "confirm",
        ("claim_submission.submit.timeout", "claim_submission.state.confirm"),
        ("don't submit it twice",),
        verified=True,
        outcomes=(failed("submit_claim", ToolStatus.TIMEOUT),),
        slots=SUBMISSION_SLOTS,
    ),
    Case(
        "submission refused",
        E.TOOL_FAILED,
        "claim_submission",
        "confirm",
        ("claim_submission.submit.invalid", "claim_submission.state.confirm"),
        verified=True,
        outcomes=(failed("submit_claim", ToolStatus.INVALID_ARGUMENTS),),
    ),
    # --- knowledge query -------------------------------------------------------------------
    Case(
        "question asked",
        E.SWITCHED,
        "knowledge_query",
        "answer",
        ("knowledge_query.switched", "knowledge_query.ask.question"),
        asking="question",
    ),
    Case(
        "answered with related guides",
        E.JOURNEY_DONE,
        "knowledge_query",
        "follow_up",
        ("knowledge_query.answer.related", "knowledge_query.done"),
        ("“Flood damage at home”", "flood add-on", "“Storm damage”", "Did that answer"),
        outcomes=(articles(2),),
    ),
    Case(
        "answered by one guide",
        E.JOURNEY_DONE,
        "knowledge_query",
        "follow_up",
        ("knowledge_query.answer", "knowledge_query.done"),
        outcomes=(articles(1),),
    ),
    Case(
        "no article found",
        E.JOURNEY_DONE,
        "knowledge_query",
        "follow_up",
        ("knowledge_query.answer.none", "knowledge_query.done.unanswered"),
        outcomes=(articles(0),),
    ),
    Case(
        "knowledge base times out",
        E.TOOL_FAILED,
        "knowledge_query",
        "follow_up",
        ("knowledge_query.answer.timeout", "knowledge_query.done.failed"),
        outcomes=(failed("search_knowledge_base", ToolStatus.TIMEOUT),),
    ),
    Case(
        "emergency comes first",
        E.ASK_SLOT,
        "knowledge_query",
        "answer",
        ("guideline.medical_emergency", "knowledge_query.ask.question"),
        ("911",),
        asking="question",
        message="there's a fire and someone is hurt",
        guidelines=("medical_emergency",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_situation_gets_its_approved_templates(
    case: Case, desk: Desk, responder: TemplateResponder
) -> None:
    ctx = desk.ctx(
        case.event,
        case.journey,
        case.state,
        asking=case.asking,
        message=case.message,
        slots=case.slots,
        verified=case.verified,
        guidelines=case.guidelines,
        outcomes=case.outcomes,
    )
    reply = responder.respond(ctx)
    assert reply.template_ids == case.ids
    assert reply.responder == "template"
    for fragment in case.says:
        assert fragment in reply.text
    assert PHONE not in reply.text
    assert DOB not in reply.text


def test_the_same_context_gives_the_same_words(desk: Desk) -> None:
    ctx = desk.ctx(
        E.JOURNEY_DONE,
        "claim_submission",
        "done",
        verified=True,
        outcomes=(submitted(),),
        guidelines=("read_back_claim_id", "fraud_warning_on_submission", "photos_for_damage"),
        slots=SUBMISSION_SLOTS,
    )
    first, second = TemplateResponder().respond(ctx), TemplateResponder().respond(ctx)
    again = TemplateResponder().respond(replace(ctx, guidelines=ctx.guidelines[::-1]))
    assert (first.text, first.template_ids) == (second.text, second.template_ids)
    assert (again.text, again.template_ids) == (first.text, first.template_ids)


def test_no_account_data_before_verification(desk: Desk, responder: TemplateResponder) -> None:
    """Even when a tool result is in the context, an unverified caller hears none of it."""
    for outcome in (claim(ClaimStatus.PAID, "2500.00"), submitted(), verified("Maria")):
        ctx = desk.ctx(E.TOOL_RESULT, "claim_inquiry", "ask_claim", outcomes=(outcome,))
        text = responder.respond(ctx).text
        for value in ("CLM-", "2500.00", "2840.00", "1200.00", "Maria", "2026-"):
            assert value not in text


def test_every_state_slot_and_event_of_the_shipped_journeys_has_words(
    desk: Desk, responder: TemplateResponder
) -> None:
    """Each journey answers each of its states and slots with its own template, never the
    generic fallback, and every event has a non-empty reply."""
    for journey in desk.journeys.values():
        for state in journey.states:
            event = E.JOURNEY_DONE if state.final else E.ASK_SLOT
            reply = responder.respond(desk.ctx(event, journey.name, state.name, verified=True))
            assert reply.text
            assert all(i.startswith(f"{journey.name}.") for i in reply.template_ids), (
                journey.name,
                state.name,
                reply.template_ids,
            )
            for slot in state.required_slots:
                ctx = desk.ctx(E.ASK_SLOT, journey.name, state.name, asking=slot)
                ids = responder.respond(ctx).template_ids
                assert ids == (f"{journey.name}.ask.{slot}",)
        for event in E:
            ctx = desk.ctx(event, journey.name, journey.initial_state)
            assert responder.respond(ctx).text
    for event in E:
        assert responder.respond(desk.ctx(event)).text


def test_every_tool_step_has_its_own_success_and_timeout_words(
    desk: Desk, responder: TemplateResponder
) -> None:
    for journey in desk.journeys.values():
        for state in journey.states:
            if state.tool is None:
                continue
            timeout = failed(state.tool.tool, ToolStatus.TIMEOUT)
            ctx = desk.ctx(E.TOOL_FAILED, journey.name, state.name, outcomes=(timeout,))
            tool_ids = [
                i
                for i in responder.respond(ctx).template_ids
                if responder.catalog.get(i).move is Move.TOOL
            ]
            assert tool_ids
            assert tool_ids[0] != "tool.ok"


def test_failed_tools_never_produce_a_result(desk: Desk, responder: TemplateResponder) -> None:
    """A timeout, a broken tool or a rate limit is told as such; what the executor wrote
    about it (meant for logs) is not read out."""
    for status, error in (
        (ToolStatus.ERROR, "get_claim_status failed unexpectedly"),
        (ToolStatus.TIMEOUT, "get_claim_status did not answer within 5 s"),
        (ToolStatus.RATE_LIMITED, "limited to 3 calls per 60 minutes for this caller"),
    ):
        for tool in ("get_claim_status", "submit_claim", "search_knowledge_base"):
            ctx = desk.ctx(
                E.TOOL_FAILED,
                "claim_inquiry",
                "ask_claim",
                verified=True,
                outcomes=(failed(tool, status, error),),
            )
            text = responder.respond(ctx).text
            assert error not in text
            assert "sorry" in text.lower() or "security" in text.lower()


def test_a_refusal_gives_the_tools_reason(desk: Desk, responder: TemplateResponder) -> None:
    late = failed(
        "submit_claim",
        ToolStatus.ERROR,
        "incident date 2024-01-02 is more than a year ago — claims must be reported within "
        "365 days; a handler can review late claims",
    )
    ctx = desk.ctx(
        E.TOOL_FAILED,
        "claim_submission",
        "collect_details",
        asking="incident_date",
        verified=True,
        outcomes=(late,),
    )
    reply = responder.respond(ctx)
    assert reply.template_ids == (
        "claim_submission.submit.refused",
        "claim_submission.ask.incident_date",
    )
    assert reply.text == (
        "I'm sorry, I couldn't file the claim: incident date 2024-01-02 is more than a year "
        "ago; claims must be reported within 365 days; a handler can review late claims. "
        "It has not been submitted. On what date did it happen?"
    )
    assert "365 days" not in responder.regenerate(ctx, "grounding").text
    leaky = failed("get_customer_info", ToolStatus.ERROR, "no customer with phone 555 014 2277")
    text = responder.respond(desk.ctx(E.TOOL_FAILED, outcomes=(leaky,))).text
    assert text == "I'm sorry, I couldn't do that: no customer with phone <PHONE>."


def test_a_before_a_vowel_becomes_an(desk: Desk, responder: TemplateResponder) -> None:
    slots = tuple((k, "auto" if k == "claim_type" else v) for k, v in SUBMISSION_SLOTS)
    ctx = desk.ctx(E.CONFIRM, "claim_submission", "confirm", verified=True, slots=slots)
    assert "read that back: an auto claim for" in responder.respond(ctx).text


def test_regenerate_says_the_strict_variant(desk: Desk, responder: TemplateResponder) -> None:
    ctx = desk.ctx(E.JOURNEY_DONE, "knowledge_query", "follow_up", outcomes=(articles(2),))
    loose, strict = responder.respond(ctx), responder.regenerate(ctx, "grounding: 14 days")
    assert "flood add-on" in loose.text
    assert (
        strict.text
        == "The guide “Flood damage at home” covers this. Did that answer your question?"
    )
    assert strict.template_ids == loose.template_ids
    approved = desk.ctx(
        E.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        verified=True,
        outcomes=(claim(ClaimStatus.APPROVED, "2500.00"),),
    )
    assert "2500.00" not in responder.regenerate(approved, "promise").text
    assert "CLM-2026-00012" in responder.regenerate(approved, "promise").text


def test_stream_hands_out_sentences_then_the_reply(
    desk: Desk, responder: TemplateResponder
) -> None:
    ctx = desk.ctx(
        E.TOOL_RESULT,
        "claim_inquiry",
        "ask_claim",
        asking="claim_id",
        verified=True,
        outcomes=(verified(),),
    )
    stream = responder.stream(ctx)
    assert not stream.done
    sentences = list(stream)
    assert stream.done
    reply = stream.reply
    assert sentences == split_sentences(reply.text)
    assert sentences[0] == "Thank you, Maria, you're verified."
    again = responder.respond(ctx)
    assert (reply.text, reply.template_ids) == (again.text, again.template_ids)
    assert list(stream) == []


def test_reading_the_reply_first_drains_the_stream(
    desk: Desk, responder: TemplateResponder
) -> None:
    stream = responder.stream(desk.ctx(E.GREETING))
    assert stream.reply.template_ids == ("greeting",)
    assert list(stream) == []
