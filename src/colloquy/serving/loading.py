"""Loading a model directory for serving, and warming it up before it takes traffic.

The first prediction of a freshly loaded model pays for lazy work: the ONNX session
allocates its arenas, the tokenizer builds its caches, a conversion model's insight
analyzer is built on first use. A warm-up prediction at load time moves that cost out of
the first request, and a model that cannot answer a dummy input is refused before it
replaces a working one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.pipelines.intent import IntentModel
from colloquy.schema import Conversation, Speaker, Turn

__all__ = ["CONVERSION_LOADER", "INTENT_LOADER", "ModelLoader", "warm_up_conversation"]

ModelT = TypeVar("ModelT")

_WARM_UP_TEXTS = (
    "I was charged twice for the same purchase",
    "how long does a card take to arrive?",
)


@dataclass(frozen=True)
class ModelLoader(Generic[ModelT]):
    """How one kind is read from its directory, and the dummy call that warms it up."""

    load: Callable[[Path], ModelT]
    warm_up: Callable[[ModelT], None]


def _warm_up_intent(model: IntentModel) -> None:
    # One text and a small batch: the encoder's first batched call allocates separately.
    model.predict(_WARM_UP_TEXTS[:1], top_k=3)
    model.predict(list(_WARM_UP_TEXTS) * 4, top_k=3)


def warm_up_conversation() -> Conversation:
    """A two-turn negotiation: enough for every block, the explanation and the insights."""
    return Conversation(
        id="warm-up",
        source="api",
        turns=(
            Turn(index=0, speaker=Speaker.CUSTOMER, text="Hi, is the bike still for sale?"),
            Turn(index=1, speaker=Speaker.AGENT, text="Yes, it is. Would 120 work for you?"),
            Turn(index=2, speaker=Speaker.CUSTOMER, text="Could you do 100? I can pick it up."),
        ),
    )


def _warm_up_conversion(model: ConversionModel) -> None:
    model.predict(warm_up_conversation(), insights=True)


INTENT_LOADER: ModelLoader[IntentModel] = ModelLoader(
    load=IntentModel.load, warm_up=_warm_up_intent
)
CONVERSION_LOADER: ModelLoader[ConversionModel] = ModelLoader(
    load=ConversionModel.load, warm_up=_warm_up_conversion
)
