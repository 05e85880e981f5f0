"""The shipped scenarios with LLM replies from the local SmolLM2, under the repeat policy.

Journey, state, tool calls, validator outcome, stored rows and what a reply must never say
are deterministic — they must hold in 3 runs of 3; wording ("the reply names the claim") is
the LLM's and must hold in 2 of 3. Replies take seconds each on a shared CPU: ``slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.agent.engine import AgentOptions
from colloquy.agent.scenarios import bundled_scenarios, run_repeated
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")

SCENARIOS = {s.name: s for s in bundled_scenarios()}


@pytest.fixture(scope="module")
def local_llm(tmp_path_factory: pytest.TempPathFactory) -> object:
    from colloquy.llm.llama_local import LlamaCppClient
    from colloquy.llm.weights import SMOLLM2_135M, resolve_local_model

    path = resolve_local_model(SMOLLM2_135M.name, models_dir=tmp_path_factory.mktemp("llm"))
    return LlamaCppClient(path, model=SMOLLM2_135M.name, n_threads=1, n_ctx=2048)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["claim_inquiry", "knowledge_query", "guideline_enforcement"])
def test_scenario_with_local_llm_replies_meets_the_repeat_policy(
    name: str, tmp_path: Path, local_llm: object, torch_embedder: SentenceEmbedder
) -> None:
    from colloquy.desk import seed_desk
    from colloquy.llm import LLMClient

    assert isinstance(local_llm, LLMClient)
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        options = AgentOptions(llm=local_llm, llm_replies=True, verify_attempts_per_hour=100)
        result = run_repeated(SCENARIOS[name], store, torch_embedder, options, times=3)
    explained = [
        f"run {i}: {m.field} at turn {m.turn}: expected {m.expected!r}, got {m.got!r}"
        for i, run in enumerate(result.runs)
        for m in run.mismatches
    ]
    assert result.passed, "\n".join(explained)
