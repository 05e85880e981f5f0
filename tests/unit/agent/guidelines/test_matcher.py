"""Two-stage matching with the real MiniLM; the LLM batch matcher against the fake server."""

from __future__ import annotations

import json

import pytest
from tests.fakes.openai_server import RecordedRequest, fake_openai_server

from colloquy.agent.guidelines import (
    AppliedGuidelines,
    GuidelineMatcher,
    LLMGuidelineMatcher,
    bundled_guidelines,
)
from colloquy.agent.journeys import MemoryCache
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import OpenAICompatibleClient, RetryPolicy


@pytest.fixture(scope="module")
def matcher(torch_embedder: SentenceEmbedder) -> GuidelineMatcher:
    return GuidelineMatcher(bundled_guidelines(), torch_embedder, cache=MemoryCache())


def _names(matcher: GuidelineMatcher, message: str, **kwargs: object) -> list[str]:
    return [m.guideline.name for m in matcher.match(message, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "journey", "expected"),
    [
        (
            "what's the status of my claim CLM-2026-00003?",
            "claim_inquiry",
            "verify_before_account_data",
        ),
        ("this is ridiculous, I want to speak to a manager", None, "escalate_on_complaint"),
        ("should I sue the other driver?", None, "no_legal_advice"),
        ("my laptop was stolen from the car", "claim_submission", "police_report_for_theft"),
        ("there is a fire in my kitchen right now", None, "medical_emergency"),
    ],
)
def test_message_matches_the_guideline_its_condition_describes(
    matcher: GuidelineMatcher, message: str, journey: str | None, expected: str
) -> None:
    assert expected in _names(matcher, message, journey=journey)


def test_unrelated_message_matches_nothing(matcher: GuidelineMatcher) -> None:
    assert _names(matcher, "thanks, that is all for today", journey="knowledge_query") == []


def test_scope_keeps_journey_rules_inside_their_journey(matcher: GuidelineMatcher) -> None:
    message = "my phone was stolen on the train"
    assert "police_report_for_theft" in _names(matcher, message, journey="claim_submission")
    assert "police_report_for_theft" not in _names(matcher, message, journey="knowledge_query")


def test_state_rule_fires_from_the_state_instruction(matcher: GuidelineMatcher) -> None:
    names = _names(
        matcher,
        "ok",
        journey="claim_submission",
        state="submit",
        state_text="the claim was submitted and the tool returned the new claim id",
    )
    assert "read_back_claim_id" in names
    assert "read_back_claim_id" not in _names(
        matcher, "ok", journey="claim_submission", state="confirm"
    )


def test_matches_are_ordered_by_priority(matcher: GuidelineMatcher) -> None:
    matches = matcher.match("hi, an emergency: someone is injured and I need my claim status")
    priorities = [m.guideline.priority for m in matches]
    assert priorities == sorted(priorities, reverse=True)
    assert matches[0].guideline.name == "medical_emergency"


def test_once_guidelines_drop_out_after_they_applied(matcher: GuidelineMatcher) -> None:
    applied = AppliedGuidelines("s1")
    assert "recorded_call_disclaimer" in _names(matcher, "hello, good morning", applied=applied)
    applied = applied.mark(["recorded_call_disclaimer"], turn=1)
    assert "recorded_call_disclaimer" not in _names(matcher, "hello, good morning", applied=applied)


def test_repeated_message_is_served_from_the_cache(torch_embedder: SentenceEmbedder) -> None:
    cached = GuidelineMatcher(bundled_guidelines(), torch_embedder, cache=MemoryCache())
    first = cached.match("I want a manager, this is unacceptable")
    again = cached.match("I want a manager,   this is UNACCEPTABLE")
    assert first == again
    assert (cached.cache_lookups, cached.cache_hits) == (2, 1)


def test_precomputed_vector_gives_the_same_matches(
    matcher: GuidelineMatcher, torch_embedder: SentenceEmbedder
) -> None:
    message = "can you promise my claim will definitely be approved?"
    plain = GuidelineMatcher(bundled_guidelines(), torch_embedder)
    vector = torch_embedder.encode([message])[0]
    assert plain.match(message, vector=vector) == plain.match(message)
    assert "no_promises_outside_policy" in _names(plain, message)


def _client(base_url: str) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(
        base_url, "fake-model", retry=RetryPolicy(max_retries=0), timeout_s=5
    )


def test_llm_matcher_asks_once_per_batch_and_maps_numbers_back() -> None:
    guidelines = [g for g in bundled_guidelines() if g.in_scope("claim_inquiry", None)]

    def reply(request: RecordedRequest) -> str:
        listing = request.messages[1]["content"]
        wanted = [n for n, line in enumerate(listing.splitlines()[1:], 1) if "manager" in line]
        return json.dumps({"applies": [*wanted, 99]})

    with fake_openai_server(reply) as server:
        result = LLMGuidelineMatcher(_client(server.base_url), batch_size=4).match(
            "get me a manager", guidelines, journey="claim_inquiry"
        )
    assert result.calls == len(server.completions) == -(-len(guidelines) // 4)
    assert [m.guideline.name for m in result.matches] == ["escalate_on_complaint"]
    assert result.matches[0].method == "llm"
    assert result.failed_batches == 0


def test_llm_matcher_counts_a_nonsense_answer_as_a_failed_batch() -> None:
    with fake_openai_server("not json at all") as server:
        result = LLMGuidelineMatcher(_client(server.base_url), batch_size=50).match(
            "hello", bundled_guidelines()
        )
    assert (result.calls, result.failed_batches, result.matches) == (1, 1, ())
