"""``POST /v1/conversions/predict``: will this conversation convert, and why?

Turns and customer metadata in; the probability, the probability after each turn, the
explanation (evidence by block, top features, the turns that moved the score) and, for a
finished conversation, the insights out. ``partial: true`` scores a call still in
progress (live scoring): the same model on the turns so far, insights left out unless
asked for. Responses are cached by model version like intent predictions.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.config import JsonDict

from colloquy.analytics.insights import ConversationInsights
from colloquy.errors import DataError
from colloquy.models.explanation import Explanation
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.schema.conversation import JsonValue
from colloquy.services.api.cache import cache_key, cache_of
from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.routes.intents import ServedModel
from colloquy.services.api.security import Scope, require_scope
from colloquy.services.api.serving import model_unavailable, runtime_of
from colloquy.serving import ConversionAnswer, ModelUnavailableError

router = APIRouter(prefix="/v1/conversions", tags=["conversions"], responses=PROBLEM_RESPONSES)

MAX_TURNS = 500
MAX_TURN_CHARS = 10_000


class TurnIn(BaseModel):
    """One turn: who spoke and what was said (``timestamp`` optional, ISO 8601)."""

    model_config = ConfigDict(extra="forbid")

    speaker: Speaker = Field(examples=["customer"])
    text: Annotated[str, Field(min_length=1, max_length=MAX_TURN_CHARS, pattern=r"\S")]
    timestamp: datetime | None = None


_EXAMPLE: JsonDict = {
    "conversation_id": "call-42",
    "turns": [
        {"speaker": "customer", "text": "Hi, is the bike still for sale?"},
        {"speaker": "agent", "text": "Yes! It is 150, barely used."},
        {"speaker": "customer", "text": "Would you take 120 if I pick it up today?"},
    ],
    "metadata": {"listing_price": 150, "category": "bike"},
    "partial": False,
}


class ConversionPredictRequest(BaseModel):
    """A conversation (finished, or ``partial`` while it is going on) and its metadata."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    conversation_id: Annotated[str, Field(min_length=1, max_length=200)] = "api"
    channel: Annotated[str, Field(min_length=1, max_length=50)] = "chat"
    turns: list[TurnIn] = Field(min_length=1, max_length=MAX_TURNS)
    metadata: dict[str, JsonValue] = Field(
        default_factory=dict, description="Customer and deal fields the model was trained with"
    )
    partial: bool = Field(default=False, description="The conversation is still going on")
    insights: bool | None = Field(
        default=None, description="Find insights (default: yes when not partial)"
    )

    def conversation(self) -> Conversation:
        """The request as a colloquy Conversation; a schema breach is a DataError (422)."""
        try:
            return Conversation(
                id=self.conversation_id,
                source="api",
                channel=self.channel,
                turns=tuple(
                    Turn(index=i, speaker=t.speaker, text=t.text, timestamp=t.timestamp)
                    for i, t in enumerate(self.turns)
                ),
                metadata=self.metadata,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(conversation)"
            raise DataError(
                f"the conversation is not valid: {where}: {first['msg']}",
                hint="see the request schema of POST /v1/conversions/predict",
            ) from None


class BlockEvidenceOut(BaseModel):
    block: str = Field(examples=["tfidf"])
    probability: float
    contribution: float = Field(description="Log-odds share in the final score")


class FeatureContributionOut(BaseModel):
    feature: str = Field(examples=["metadata:price_ratio"])
    contribution: float = Field(description="Log-odds push; positive is towards converting")
    value: float | None = None


class TurnEffectOut(BaseModel):
    turn_index: int
    speaker: str
    text: str
    effect: float = Field(description="How much the probability drops without this turn")
    probability_without: float


class ExplanationOut(BaseModel):
    base_rate: float
    blocks: list[BlockEvidenceOut]
    top_features: list[FeatureContributionOut]
    key_turns: list[TurnEffectOut]

    @classmethod
    def of(cls, explanation: Explanation) -> ExplanationOut:
        return cls(
            base_rate=explanation.base_rate,
            blocks=[BlockEvidenceOut(**asdict(b)) for b in explanation.blocks],
            top_features=[FeatureContributionOut(**asdict(f)) for f in explanation.top_features],
            key_turns=[TurnEffectOut(**asdict(t)) for t in explanation.key_turns],
        )


class ConversionPredictResponse(BaseModel):
    """The probability of converting, its course over the turns, and why."""

    model: ServedModel
    conversation_id: str
    probability: float = Field(examples=[0.62])
    running_probability: list[float] = Field(
        description="The probability after each turn, as a live call would have seen it"
    )
    partial: bool
    explanation: ExplanationOut
    insights: ConversationInsights | None = None
    metadata_issues: dict[str, int] = Field(
        default_factory=dict, description="Metadata fields the model could not use as given"
    )

    @classmethod
    def of(cls, answer: ConversionAnswer) -> ConversionPredictResponse:
        prediction = answer.prediction
        return cls(
            model=ServedModel.of(answer.identity),
            conversation_id=prediction.conversation_id,
            probability=prediction.probability,
            running_probability=list(prediction.running_probability),
            partial=answer.partial,
            explanation=ExplanationOut.of(prediction.explanation),
            insights=prediction.insights,
            metadata_issues=dict(prediction.metadata_issues),
        )


@router.post(
    "/predict",
    response_model=ConversionPredictResponse,
    summary="Score a conversation's chance of converting, with reasons",
    dependencies=[Depends(require_scope(Scope.PREDICT))],
)
async def predict(body: ConversionPredictRequest, request: Request) -> ConversionPredictResponse:
    runtime = runtime_of(request)
    try:
        served = runtime.conversion.require()
    except ModelUnavailableError as exc:
        raise model_unavailable(exc) from None
    conversation = body.conversation()
    cache = cache_of(request)
    canonical = body.model_dump_json().encode()
    cached = await cache.get(cache_key("conversions", served.identity.label, canonical))
    if cached is not None:
        return ConversionPredictResponse.model_validate_json(cached)
    try:
        answer = await runtime.conversions.predict(
            conversation, partial=body.partial, insights=body.insights
        )
    except ModelUnavailableError as exc:
        raise model_unavailable(exc) from None
    response = ConversionPredictResponse.of(answer)
    key = cache_key("conversions", answer.identity.label, canonical)
    await cache.put(key, response.model_dump_json().encode())
    return response
