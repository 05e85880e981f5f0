"""State tracking from annotations and from intent predictions, on hand-built conversations."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from colloquy.analytics.flow import FlowGraph, trace_annotated, trace_intents
from colloquy.errors import UsageError
from colloquy.schema import Conversation


def _conversation() -> Conversation:
    return Conversation.parse(
        {
            "id": "c1",
            "source": "test",
            "turns": [
                {
                    "index": 0,
                    "speaker": "customer",
                    "text": "book a table in Paris",
                    "intent": "Reserve",
                    "extra": {
                        "frames": [
                            {"requested_slots": [], "slot_values": {"city": ["Paris"]}},
                        ]
                    },
                },
                {
                    "index": 1,
                    "speaker": "bot",
                    "text": "what time?",
                    "dialogue_acts": [{"act": "REQUEST", "slot": "time"}],
                    "extra": {"frames": [{"service": "R"}]},
                },
                {
                    "index": 2,
                    "speaker": "customer",
                    "text": "7pm, is it cheap?",
                    "intent": "Reserve",
                    "extra": {
                        "frames": [
                            {
                                "requested_slots": ["price"],
                                "slot_values": {"city": ["Paris"], "time": ["7pm"]},
                            }
                        ]
                    },
                },
                {"index": 3, "speaker": "customer", "text": "   "},
            ],
        }
    )


def test_annotated_trace_reads_intents_slots_and_acts() -> None:
    trace = trace_annotated(_conversation())
    first, bot, second, empty = trace.states
    assert (first.intent, first.filled_slots, first.requested_slots) == ("Reserve", ("city",), ())
    assert (bot.intent, bot.acts, bot.filled_slots) == (None, ("REQUEST",), ("city",))
    assert second.requested_slots == ("price",)
    assert second.filled_slots == ("city", "time")
    assert empty.intent is None
    assert trace.path() == ("Reserve",)


def test_intent_trace_from_a_predictor_sees_only_non_empty_customer_texts() -> None:
    seen: list[Sequence[str]] = []

    def predict(texts: Sequence[str]) -> Sequence[str]:
        seen.append(texts)
        return ["Reserve" if "book" in t else "AskPrice" for t in texts]

    trace = trace_intents(_conversation(), predict)
    assert seen == [["book a table in Paris", "7pm, is it cheap?"]]
    assert [s.intent for s in trace.states] == ["Reserve", None, "AskPrice", None]
    assert all(s.acts == () and s.filled_slots == () for s in trace.states)
    graph = FlowGraph()
    graph.add(trace)
    assert graph.top_paths(1)[0].nodes == ("Reserve", "AskPrice")


def test_intent_trace_from_a_mapping() -> None:
    trace = trace_intents(_conversation(), {2: "AskPrice", 1: "ignored: not a customer turn"})
    assert [s.intent for s in trace.states] == [None, None, "AskPrice", None]


def test_a_predictor_returning_the_wrong_number_of_labels_is_reported() -> None:
    with pytest.raises(UsageError, match="returned 1 labels for 2 customer turns"):
        trace_intents(_conversation(), lambda texts: ["x"])
