"""``POST /v1/intents/predict``: the intent of one text or a bounded batch of texts.

The route validates, asks the response cache (keyed by the serving model's version, so a
swapped model never answers from its predecessor's entries), and otherwise hands the
texts to the runtime's inference strategy (a thread pool by default), which runs the
encoder off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from colloquy.pipelines.records import IntentPrediction
from colloquy.services.api.cache import cache_key, cache_of
from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.security import Scope, require_scope
from colloquy.services.api.serving import model_unavailable, runtime_of
from colloquy.serving import ModelIdentity, ModelUnavailableError

router = APIRouter(prefix="/v1/intents", tags=["intents"], responses=PROBLEM_RESPONSES)

MAX_BATCH = 64
MAX_TEXT_CHARS = 2000

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=r"\S")]


class IntentPredictRequest(BaseModel):
    """One ``text`` or a list of ``texts`` (exactly one of the two)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "my card still has not arrived", "top_k": 3},
                {"texts": ["what is the exchange rate?", "my PIN is blocked"], "top_k": 1},
            ]
        },
    )

    text: Text | None = Field(default=None, description="One message to classify")
    texts: list[Text] | None = Field(
        default=None, min_length=1, max_length=MAX_BATCH, description="Up to 64 messages"
    )
    top_k: int = Field(default=3, ge=1, le=20, description="Alternatives to return per text")

    @model_validator(mode="after")
    def _one_input(self) -> Self:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' and 'texts'")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class ServedModel(BaseModel):
    """The model version that answered (the registry's ``NAME/VERSION`` or a directory)."""

    kind: str = Field(examples=["intent"])
    name: str = Field(examples=["banking77-intent"])
    version: str = Field(examples=["3"])

    @classmethod
    def of(cls, identity: ModelIdentity) -> ServedModel:
        return cls(kind=identity.kind, name=identity.name, version=identity.version)


class IntentAlternativeOut(BaseModel):
    label: str = Field(examples=["card_arrival"])
    probability: float = Field(examples=[0.91])


class IntentResult(BaseModel):
    """One text's intent; ``out_of_scope`` when the model's confidence fell below its
    out-of-scope threshold (the label is then the model's out-of-scope label)."""

    text: str = Field(examples=["my card still has not arrived"])
    label: str = Field(examples=["card_arrival"])
    confidence: float = Field(examples=[0.91])
    out_of_scope: bool = Field(examples=[False])
    top_k: list[IntentAlternativeOut]


class IntentPredictResponse(BaseModel):
    """One result per text, in request order, and the model that computed them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": {"kind": "intent", "name": "banking77-intent", "version": "3"},
                    "predictions": [
                        {
                            "text": "my card still has not arrived",
                            "label": "card_arrival",
                            "confidence": 0.91,
                            "out_of_scope": False,
                            "top_k": [
                                {"label": "card_arrival", "probability": 0.91},
                                {"label": "card_delivery_estimate", "probability": 0.05},
                            ],
                        }
                    ],
                }
            ]
        }
    )

    model: ServedModel
    predictions: list[IntentResult]


def _result(prediction: IntentPrediction, oos_label: str | None) -> IntentResult:
    return IntentResult(
        text=prediction.text,
        label=prediction.intent,
        confidence=prediction.confidence,
        out_of_scope=oos_label is not None and prediction.intent == oos_label,
        top_k=[
            IntentAlternativeOut(label=a.intent, probability=a.probability)
            for a in prediction.top_k
        ],
    )


@router.post(
    "/predict",
    response_model=IntentPredictResponse,
    summary="Classify one text or a batch of texts",
    dependencies=[Depends(require_scope(Scope.PREDICT))],
)
async def predict(body: IntentPredictRequest, request: Request) -> IntentPredictResponse:
    runtime = runtime_of(request)
    try:
        served = runtime.intent.require()
    except ModelUnavailableError as exc:
        raise model_unavailable(exc) from None
    cache = cache_of(request)
    canonical = body.model_dump_json().encode()
    cached = await cache.get(cache_key("intents", served.identity.label, canonical))
    if cached is not None:
        return IntentPredictResponse.model_validate_json(cached)
    try:
        answer = await runtime.intents.predict(body.all_texts(), top_k=body.top_k)
    except ModelUnavailableError as exc:
        raise model_unavailable(exc) from None
    response = IntentPredictResponse(
        model=ServedModel.of(answer.identity),
        predictions=[_result(p, answer.oos_label) for p in answer.predictions],
    )
    key = cache_key("intents", answer.identity.label, canonical)
    await cache.put(key, response.model_dump_json().encode())
    return response
