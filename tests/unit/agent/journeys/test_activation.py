"""Journey activation with the real MiniLM: routing, thresholds, caches, LLM tie-breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis
from tests.fakes.openai_server import RecordedRequest, fake_openai_server

from colloquy.agent.journeys import (
    ActivationResult,
    JourneyActivator,
    LayeredCache,
    MemoryCache,
    StoreCache,
    activation_cache,
    bundled_journeys,
)
from colloquy.agent.journeys.cache_redis import RedisCache
from colloquy.errors import DatabaseUnavailableError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import OpenAICompatibleClient, RetryPolicy
from colloquy.storage import Store

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def activator(torch_embedder: SentenceEmbedder) -> JourneyActivator:
    return JourneyActivator(bundled_journeys(), torch_embedder)


@pytest.mark.parametrize(
    ("message", "journey"),
    [
        ("Hi, can you tell me where my claim CLM-2026-00003 stands?", "claim_inquiry"),
        ("Someone stole my bike yesterday and I need to open a claim", "claim_submission"),
        ("Does my home policy cover storm damage to the fence?", "knowledge_query"),
    ],
)
def test_messages_activate_the_journey_their_triggers_describe(
    activator: JourneyActivator, message: str, journey: str
) -> None:
    result = activator.activate(message)
    assert (result.journey, result.method) == (journey, "embedding")
    assert result.version == 2
    assert result.score > result.runner_up_score


def test_unrelated_message_activates_nothing(activator: JourneyActivator) -> None:
    result = activator.activate("what is the capital of Mongolia")
    assert result.journey is None
    assert result.method == "none"
    assert result.score < activator.threshold


def test_cache_levels_fill_and_backfill(torch_embedder: SentenceEmbedder, tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'cache.db'}") as store:
        l1, l3 = MemoryCache(max_entries=8), StoreCache(store)
        first = JourneyActivator(bundled_journeys(), torch_embedder, cache=LayeredCache([l1, l3]))
        miss = first.activate("I need to file a claim for my car")
        hit = first.activate("  i NEED to file a claim   for my car ")
        assert (miss.cache_level, hit.cache_level) == ("", "l1-memory")
        assert hit.journey == miss.journey == "claim_submission"
        # A restarted process (empty L1) is served by the store and refills L1.
        fresh_l1 = MemoryCache()
        second = JourneyActivator(
            bundled_journeys(), torch_embedder, cache=LayeredCache([fresh_l1, l3])
        )
        assert second.activate("I need to file a claim for my car").cache_level == "l3-store"
        assert len(fresh_l1) == 1
        assert second.cache is not None
        assert second.cache.stats.hit_rate == 1.0


def test_redis_level_is_shared_between_activators(torch_embedder: SentenceEmbedder) -> None:
    try:
        level = RedisCache.from_url(REDIS_URL, prefix="colloquy-test:activation:", ttl_s=60)
    except DatabaseUnavailableError:
        pytest.skip("Redis is not running at " + REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("colloquy-test:activation:*"):
        client.delete(key)
    one = JourneyActivator(bundled_journeys(), torch_embedder, cache=LayeredCache([level]))
    two = JourneyActivator(
        bundled_journeys(), torch_embedder, cache=LayeredCache([MemoryCache(), level])
    )
    assert one.activate("is flood damage covered").cache_level == ""
    assert two.activate("is flood damage covered").cache_level == "l2-redis"


def test_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="cannot reach Redis"):
        RedisCache.from_url("redis://127.0.0.1:1/0")


def _client(base_url: str) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(
        base_url, "fake-model", retry=RetryPolicy(max_retries=0), timeout_s=5
    )


def test_tie_is_settled_by_the_llm_between_the_two_only(torch_embedder: SentenceEmbedder) -> None:
    message = "my basement flooded, is that covered and how do I claim?"
    plain = JourneyActivator(bundled_journeys(), torch_embedder)
    ranked = sorted(plain.scores(message).items(), key=lambda kv: -kv[1])
    margin = ranked[0][1] - ranked[1][1] + 0.01
    second = ranked[1][0]
    with fake_openai_server(json.dumps({"journey": second})) as server:
        tied = JourneyActivator(
            bundled_journeys(), torch_embedder, tie_margin=margin, llm=_client(server.base_url)
        )
        result = tied.activate(message)
        prompt = " ".join(m["content"] for m in server.completions[0].messages)
    assert (result.journey, result.method) == (second, "llm")
    assert len(server.completions) == 1
    assert ranked[0][0] in prompt
    assert second in prompt
    assert ranked[2][0] not in prompt


def test_llm_naming_neither_candidate_falls_back_to_the_best_score(
    torch_embedder: SentenceEmbedder,
) -> None:
    def reply(_request: RecordedRequest) -> str:
        return json.dumps({"journey": "weather_report"})

    with fake_openai_server(reply) as server:
        tied = JourneyActivator(
            bundled_journeys(), torch_embedder, tie_margin=1.0, llm=_client(server.base_url)
        )
        message = "my basement flooded, is that covered and how do I claim?"
        result = tied.activate(message)
    best = max(tied.scores(message).items(), key=lambda kv: kv[1])[0]
    assert (result.journey, result.method) == (best, "llm-fallback")


def test_no_llm_call_without_a_tie(torch_embedder: SentenceEmbedder) -> None:
    with fake_openai_server(json.dumps({"journey": "knowledge_query"})) as server:
        activator = JourneyActivator(
            bundled_journeys(), torch_embedder, tie_margin=0.0, llm=_client(server.base_url)
        )
        result = activator.activate("what's the status of my claim")
    assert result.method == "embedding"
    assert server.completions == []


def test_result_round_trips_as_json() -> None:
    result = ActivationResult("claim_inquiry", 1, 0.9, "knowledge_query", 0.4, "embedding")
    assert ActivationResult.from_json(result.to_json()) == result


def test_precomputed_vector_gives_the_same_result(
    activator: JourneyActivator, torch_embedder: SentenceEmbedder
) -> None:
    message = "I need to report a burst pipe in my flat"
    vector = torch_embedder.encode([message])[0]
    assert activator.activate(message, vector) == activator.activate(message)


def test_configured_cache_has_the_levels_asked_for(tmp_path: Path) -> None:
    assert [lvl.name for lvl in activation_cache().levels] == ["l1-memory"]
    with Store.open(f"sqlite:///{tmp_path / 'levels.db'}") as store:
        try:
            full = activation_cache(redis_url=REDIS_URL, store=store)
        except DatabaseUnavailableError:
            pytest.skip("Redis is not running at " + REDIS_URL)
        assert [lvl.name for lvl in full.levels] == ["l1-memory", "l2-redis", "l3-store"]
