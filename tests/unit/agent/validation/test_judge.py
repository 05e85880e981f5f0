"""The optional LLM judge, against the fake OpenAI-compatible server (never a hosted LLM)."""

from __future__ import annotations

import json

from tests.fakes.openai_server import HttpError, RecordedRequest, fake_openai_server

from colloquy.agent.turn import Check, Reply
from colloquy.agent.validation import LLMJudge, ReplyValidator, load_fixes
from colloquy.llm import OpenAICompatibleClient, RetryPolicy

from .conftest import MakeContext, claim_status, verification

REPLY = "Your claim CLM-2026-00012 is under review. Between us, adjusters always side with you."


def _judge(base_url: str) -> LLMJudge:
    client = OpenAICompatibleClient(
        base_url, "fake-model", retry=RetryPolicy(max_retries=0), timeout_s=5
    )
    return LLMJudge(client)


def test_the_judge_flags_what_the_regexes_miss(make_ctx: MakeContext) -> None:
    answer = {"violations": [{"sentence": 2, "rule": 3, "reason": "implies a favourable outcome"}]}
    ctx = make_ctx(verified=True, outcomes=[verification(), claim_status()])
    with fake_openai_server(json.dumps(answer)) as server:
        outcome = ReplyValidator(judge=_judge(server.base_url)).validate(ctx, Reply(REPLY, "llm"))
        requests = server.completions
    safe = load_fixes().replacement(Check.LLM_JUDGE)
    assert outcome.text == f"Your claim CLM-2026-00012 is under review. {safe}"
    judged = [v for v in outcome.verdicts if v.check is Check.LLM_JUDGE]
    assert [(v.sentence_index, v.passed) for v in judged] == [(0, True), (1, False)]
    assert judged[1].reason == "rule 3: implies a favourable outcome"
    assert judged[1].fix == safe
    assert len(requests) == 1, "approved fix sentences are not judged again"
    sent = "\n".join(m["content"] for m in requests[0].messages)
    assert "Identity verified: yes" in sent
    assert "2. Between us, adjusters always side with you." in sent
    assert "get_claim_status" in sent


def test_a_clean_verdict_keeps_the_reply(make_ctx: MakeContext) -> None:
    def reply(request: RecordedRequest) -> str:
        return json.dumps({"violations": [{"sentence": 7, "rule": 1, "reason": "out of range"}]})

    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    with fake_openai_server(reply) as server:
        outcome = ReplyValidator(judge=_judge(server.base_url)).validate(
            ctx, Reply("Your claim CLM-2026-00012 is under review.", "llm")
        )
    assert not outcome.fixed
    assert [v.check for v in outcome.verdicts].count(Check.LLM_JUDGE) == 1


def test_a_failing_judge_leaves_the_deterministic_verdicts(make_ctx: MakeContext) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    with fake_openai_server(lambda _r: HttpError(500, "model crashed")) as server:
        outcome = ReplyValidator(judge=_judge(server.base_url)).validate(
            ctx, Reply("Your claim CLM-2026-00012 is under review.", "llm")
        )
    assert not outcome.fixed
    assert Check.LLM_JUDGE not in {v.check for v in outcome.verdicts}
    assert {v.check for v in outcome.verdicts} == {Check.PII_ECHO, Check.PROMISE, Check.GROUNDING}


def test_no_judge_by_default() -> None:
    assert ReplyValidator().judge is None
