"""Prompt name, version and hash land as tags on a real local MLflow run (SQLite store).

The LLM is the FAKE OpenAI-compatible server; MLflow, the tracker and the prompt library
are real. Calls outside ``record_prompts`` tag nothing.
"""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient
from tests.fakes.openai_server import fake_openai_server

from colloquy.llm import OpenAICompatibleClient, PromptRef, RetryPolicy
from colloquy.llm.prompts import PromptLibrary
from colloquy.llm.provenance import TAG_MODELS, TAG_PREFIX, record_prompts
from colloquy.tracking import MlflowTracker


def test_llm_calls_in_a_tracked_stage_tag_the_run(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    prompt = PromptLibrary().get("insights")
    rendered = prompt.render({"transcript": "[0] customer: too expensive"})
    edited = PromptRef(prompt.name, "99", "edited")
    with fake_openai_server("an answer") as server:
        client = OpenAICompatibleClient(server.base_url, "fake-model", retry=RetryPolicy(0))
        client.chat(rendered.messages, prompt=rendered.ref)
        tracker = MlflowTracker(uri, "prompts", artifact_root=tmp_path / "artifacts")
        with tracker.start_run("stage") as run, record_prompts(run) as recorder:
            client.chat(rendered.messages, prompt=rendered.ref)
            client.chat(rendered.messages, prompt=rendered.ref)
            client.chat(rendered.messages, prompt=edited)
        client.chat(rendered.messages, prompt=PromptRef("outside", "1", "x"))
    tags = MlflowClient(tracking_uri=uri).get_run(run.run_id).data.tags
    assert tags[TAG_PREFIX + prompt.name] == f"{prompt.version},99"
    assert tags[f"{TAG_PREFIX}{prompt.name}.hash"] == f"{rendered.ref.content_hash},edited"
    assert tags[TAG_MODELS] == "openai/fake-model"
    assert not any(name.startswith(TAG_PREFIX + "outside") for name in tags)
    assert [p.version for p in recorder.prompts[prompt.name]] == [prompt.version, "99"]
