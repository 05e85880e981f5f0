"""A LangChain chain on colloquy's client, over real HTTP to the FAKE OpenAI-compatible server."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from tests.fakes.openai_server import RecordedRequest, ToolCalls, fake_openai_server

from colloquy.llm import OpenAICompatibleClient, PromptRef, RetryPolicy
from colloquy.llm.langchain_chat import ColloquyChatModel


@tool
def refund_status(order_id: str) -> str:
    """Look up the refund status of an order."""
    return f"order {order_id}: refunded"


def _model(base_url: str, prompt: PromptRef | None = None) -> ColloquyChatModel:
    client = OpenAICompatibleClient(base_url, "fake-model", retry=RetryPolicy(0))
    return ColloquyChatModel(client=client, prompt=prompt)


def test_a_prompt_model_parser_chain_runs_on_the_client() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{question}")])
    with fake_openai_server("Your card arrives in 3 days.") as server:
        model = _model(server.base_url, PromptRef("faq", "1", "h"))
        answer = (prompt | model | StrOutputParser()).invoke({"question": "Where is my card?"})
        (request,) = server.completions
    assert answer == "Your card arrives in 3 days."
    assert request.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where is my card?"},
    ]
    assert model.client.usage_total.completion_tokens == 6


def test_usage_metadata_and_streaming() -> None:
    with fake_openai_server("one two three") as server:
        model = _model(server.base_url)
        message = model.invoke("count")
        chunks = list(model.stream("count"))
    assert isinstance(message, AIMessage)
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 3
    assert message.response_metadata["backend"] == "openai"
    assert "".join(str(c.content) for c in chunks) == "one two three"


def test_bound_tools_are_offered_and_calls_come_back() -> None:
    def reply(request: RecordedRequest) -> str | ToolCalls:
        if request.messages[-1]["role"] == "tool":
            return "It was refunded."
        return ToolCalls((("refund_status", '{"order_id": "A7"}'),))

    with fake_openai_server(reply) as server:
        model = _model(server.base_url).bind_tools([refund_status])
        question = HumanMessage("Was order A7 refunded?")
        first = model.invoke([question])
        assert isinstance(first, AIMessage)
        (call,) = first.tool_calls
        result = refund_status.invoke(call["args"])
        second = model.invoke([question, first, ToolMessage(result, tool_call_id=call["id"])])
        offered = server.completions[0].body["tools"][0]["function"]
        sent = server.completions[1].messages
    assert (call["name"], call["args"]) == ("refund_status", {"order_id": "A7"})
    assert offered["name"] == "refund_status"
    assert offered["parameters"]["required"] == ["order_id"]
    assert sent[-1] == {"role": "tool", "content": "order A7: refunded", "tool_call_id": call["id"]}
    assert second.content == "It was refunded."
