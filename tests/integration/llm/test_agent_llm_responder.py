"""The LLM responder over real HTTP, against the FAKE OpenAI-compatible server.

A hosted model cannot run here, so ``tests/fakes/openai_server.py`` scripts the answers;
the prompt file, the OpenAI adapter, server-sent events and the fallback are the real thing.
"""

from __future__ import annotations

import json
from dataclasses import replace

from tests.fakes.openai_server import HttpError, RawResponse, RecordedRequest, fake_openai_server
from tests.unit.agent.respond.contexts import (
    DOB,
    PHONE,
    Desk,
    claim,
    load_desk,
    verified,
)

from colloquy.agent.respond import LLMResponder, TemplateResponder
from colloquy.agent.turn import Role, TurnContext, TurnEvent, Utterance
from colloquy.desk.records import ClaimStatus
from colloquy.llm import OpenAICompatibleClient, RetryPolicy

DESK: Desk = load_desk()
TEMPLATES = TemplateResponder()


def _responder(base_url: str, *, max_sentences: int = 4, keep_draft: bool = True) -> LLMResponder:
    client = OpenAICompatibleClient(
        base_url, "fake-model", api_key="sk-test", retry=RetryPolicy(max_retries=0)
    )
    return LLMResponder(
        client, fallback=TEMPLATES, max_sentences=max_sentences, keep_draft=keep_draft
    )


def _verified_ctx() -> TurnContext:
    ctx = DESK.ctx(
        TurnEvent.TOOL_RESULT,
        "claim_inquiry",
        "ask_claim",
        asking="claim_id",
        message="my birthday is 1984-07-19",
        verified=True,
        slots=(("phone", PHONE), ("date_of_birth", DOB)),
        guidelines=("verify_before_account_data",),
        outcomes=(verified("Maria"),),
    )
    history = (
        Utterance(Role.AGENT, "To verify your identity, what phone number is on your policy?", 1),
        Utterance(Role.CUSTOMER, "it's 555 014 2277", 2),
        Utterance(Role.CUSTOMER, ctx.message, 3),
    )
    return replace(ctx, history=history)


def _system(request: RecordedRequest) -> str:
    return str(request.messages[0]["content"])


def test_the_reply_comes_from_the_versioned_prompt() -> None:
    ctx = _verified_ctx()
    with fake_openai_server("Thanks, Maria, you're verified. Which claim is it?") as server:
        reply = _responder(server.base_url).respond(ctx)
        (request,) = server.completions
    assert reply.text == "Thanks, Maria, you're verified. Which claim is it?"
    assert (reply.responder, reply.prompt) == ("llm", "agent_reply@1")
    assert reply.tokens > 0
    assert reply.latency_ms > 0
    system, user = _system(request), str(request.messages[1]["content"])
    assert "Step: Ask which claim the caller means." in system
    assert "Ask for: Which claim would you like to check?" in system
    assert "Do not share any account, claim or policy data" in system
    results = json.loads(system.split("Tool results: ")[1].split("\n")[0])
    assert results[0]["tool"] == "verify_customer_identity"
    assert results[0]["result"]["first_name"] == "Maria"
    assert "NOT verified" not in system
    assert user.startswith("agent: To verify your identity")
    assert "caller: it's <PHONE>" in user
    assert "caller: my birthday is <DATE_OF_BIRTH>" in user
    assert user.endswith(
        "Draft reply: Thank you, Maria, you're verified. Which claim would you like to check? "
        "The claim number starts with CLM and the year.\nRewritten reply:"
    )
    assert "phone: (given)" in system
    for private in (PHONE, DOB, "555 014 2277"):
        assert private not in system
        assert private not in user


def test_an_unverified_caller_prompt_holds_no_account_data() -> None:
    ctx = DESK.ctx(
        TurnEvent.TOOL_RESULT,
        "claim_inquiry",
        "ask_claim",
        outcomes=(claim(ClaimStatus.PAID, "2500.00"),),
    )
    with fake_openai_server("Which claim would you like to check?") as server:
        _responder(server.base_url).respond(ctx)
        (request,) = server.completions
    system = _system(request)
    assert "The caller is NOT verified yet" in system
    assert "CLM-2026-00012" not in system
    assert "2500.00" not in system
    assert '"outcome": "ok"' in system


def test_streaming_hands_out_sentences_and_records_the_reply() -> None:
    answer = "Thanks, Maria. Your claim CLM-2026-00012 is being assessed. Anything else?"
    with fake_openai_server(answer) as server:
        stream = _responder(server.base_url).stream(_verified_ctx())
        sentences = list(stream)
        (request,) = server.completions
    assert sentences == [
        "Thanks, Maria.",
        "Your claim CLM-2026-00012 is being assessed.",
        "Anything else?",
    ]
    assert stream.reply.text == answer
    assert (stream.reply.responder, stream.reply.prompt) == ("llm", "agent_reply@1")
    assert stream.reply.tokens > 0
    assert request.body["stream"] is True


def test_a_failing_model_falls_back_to_the_templates() -> None:
    ctx = _verified_ctx()
    expected = TEMPLATES.respond(ctx)
    with fake_openai_server(lambda _request: HttpError(500, "model crashed")) as server:
        reply = _responder(server.base_url).respond(ctx)
    assert (reply.text, reply.template_ids) == (expected.text, expected.template_ids)
    assert (reply.responder, reply.prompt) == ("template", "agent_reply@1")
    assert "500" in reply.fallback


def test_a_failing_stream_falls_back_before_the_first_sentence() -> None:
    ctx = _verified_ctx()
    with fake_openai_server(lambda _request: HttpError(503, "overloaded")) as server:
        stream = _responder(server.base_url).stream(ctx)
        sentences = list(stream)
    assert " ".join(sentences) == TEMPLATES.respond(ctx).text
    assert stream.reply.responder == "template"


def test_a_stream_cut_after_a_sentence_keeps_what_was_said() -> None:
    first = {"choices": [{"index": 0, "delta": {"content": "Thanks, Maria. Your"}}]}
    body = f"data: {json.dumps(first)}\n\ndata: {{broken\n\n".encode()
    with fake_openai_server(lambda _r: RawResponse(body, content_type="text/event-stream")) as srv:
        stream = _responder(srv.base_url).stream(_verified_ctx())
        sentences = list(stream)
    assert sentences == ["Thanks, Maria."]
    assert (stream.reply.text, stream.reply.responder) == ("Thanks, Maria.", "llm")


def test_an_empty_answer_falls_back() -> None:
    with fake_openai_server("   ") as server:
        reply = _responder(server.base_url).respond(_verified_ctx())
    assert reply.responder == "template"
    assert reply.text == TEMPLATES.respond(_verified_ctx()).text


def test_regenerate_sends_the_validators_feedback() -> None:
    feedback = "sentence 1 states an amount no tool returned (grounding)"
    with fake_openai_server("Which claim would you like me to check?") as server:
        reply = _responder(server.base_url).regenerate(_verified_ctx(), feedback)
        (request,) = server.completions
    assert f"Your previous reply was rejected: {feedback}" in _system(request)
    strict = TEMPLATES.regenerate(_verified_ctx(), feedback).text
    assert str(request.messages[1]["content"]).endswith(f"Draft reply: {strict}\nRewritten reply:")
    assert reply.responder == "llm"
    with fake_openai_server(lambda _request: HttpError(500)) as server:
        fallback = _responder(server.base_url).regenerate(_verified_ctx(), feedback)
    assert fallback.text == TEMPLATES.regenerate(_verified_ctx(), feedback).text


def test_labels_markup_and_repeats_are_removed_and_long_answers_cut() -> None:
    answer = "Agent: **Thanks.** One. One. Two. Three. Four."
    with fake_openai_server(answer) as server:
        responder = _responder(server.base_url, max_sentences=3, keep_draft=False)
        reply = responder.respond(_verified_ctx())
    assert reply.text == "Thanks. One. Two."


def test_a_sentence_cut_by_the_token_limit_is_dropped() -> None:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Thanks, Maria. The next step is"},
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 300, "completion_tokens": 7, "total_tokens": 307},
    }
    raw = RawResponse(json.dumps(body).encode())
    with fake_openai_server(lambda _request: raw) as server:
        reply = _responder(server.base_url, keep_draft=False).respond(_verified_ctx())
    assert reply.text == "Thanks, Maria."
    assert reply.tokens == 307


def test_a_reply_that_drops_the_drafts_facts_falls_back() -> None:
    ctx = DESK.ctx(
        TurnEvent.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        verified=True,
        outcomes=(claim(ClaimStatus.APPROVED, "2500.00"),),
    )
    draft = TEMPLATES.respond(ctx).text
    assert "CLM-2026-00012" in draft
    assert "$2,500.00" in draft
    kept = "Good news: claim CLM-2026-00012 was approved for $2500, payment is on its way. More?"
    dropped = "Good news, your claim was approved! Anything else?"
    answers = iter([kept, dropped])
    with fake_openai_server(lambda _request: next(answers)) as server:
        responder = _responder(server.base_url)
        first, second = responder.respond(ctx), responder.respond(ctx)
    assert (first.responder, first.text) == ("llm", kept)
    assert (second.responder, second.text) == ("template", draft)


def test_a_reply_ends_where_the_model_starts_echoing_its_prompt() -> None:
    ctx = DESK.ctx(TurnEvent.ASK_SLOT, "claim_inquiry", "verify_identity", asking="phone")
    answer = (
        "Draft reply: To verify you, what phone number is on your policy? Rewritten reply: "
        "To verify you. Task: Check the status of a claim."
    )
    with fake_openai_server(answer) as server:
        responder = _responder(server.base_url)
        whole = responder.respond(ctx)
        stream = responder.stream(ctx)
        sentences = list(stream)
    assert whole.text == "To verify you, what phone number is on your policy?"
    assert sentences == [whole.text]
    assert stream.reply.text == whole.text
