"""Conversation insights from an LLM behind any OpenAI-compatible chat endpoint.

The offline analyzer only finds what its patterns and examples anticipate; an LLM reads
the whole conversation and catches the objection phrased in a way nobody listed. This
module asks one through colloquy's :class:`~colloquy.llm.LLMClient` — any backend: an
OpenAI-compatible endpoint or the local GGUF model — with the versioned ``insights``
prompt (:mod:`colloquy.llm.prompts`), and fills the very same
:class:`~colloquy.analytics.insights.ConversationInsights`, so callers never know which
analyzer ran. Every call records the prompt's name and version.

Design choices, and why:

* **JSON in the text, not tool calling.** Many OpenAI-compatible servers (vLLM, llama.cpp,
  Ollama, proxies) lack reliable function calling, while every model can write JSON. The
  answer is cut out of its Markdown fence (or from the first ``{`` to the last ``}``),
  parsed, and validated with Pydantic; anything else is an :class:`~colloquy.errors.LLMError`
  that says what was wrong and shows the start of the answer.
* **The conversation decides, not the model.** The speaker of each insight comes from the
  turn it names; an insight naming a turn that does not exist (or an event turn) is
  dropped, counted in ``ConversationInsights.dropped`` and logged, because models
  miscount and one bad index must not cost the other insights.
* **Event turns never reach the model**: a negotiation's accept / reject events give the
  outcome away, exactly as in the offline analyzer.
* **The client is built on first use**, so ``import colloquy.analytics`` stays fast.

A local server needs no key; a placeholder is sent when none is configured, never a key
from another variable, so a hosted provider's key cannot leak to a different endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from colloquy.analytics.insights import (
    ConversationInsights,
    ExtractiveInsightAnalyzer,
    Insight,
    InsightAnalyzer,
    InsightKind,
    explainer_key_moments,
)
from colloquy.errors import LLMError
from colloquy.features.transcript import is_spoken, spoken_turns
from colloquy.llm.client import LLMClient
from colloquy.llm.openai_http import NO_KEY, OpenAICompatibleClient
from colloquy.llm.records import CallOptions
from colloquy.llm.retry import RetryPolicy
from colloquy.llm.structured import json_body, short
from colloquy.logging import get_logger
from colloquy.schema import Conversation, Turn

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.features.embeddings import Embedder
    from colloquy.llm.prompts import PromptTemplate

log = get_logger(__name__)

PROMPT_NAME = "insights"
"""The prompt file (``llm/prompts/builtin/insights.prompt.j2``) this analyzer renders."""
MAX_ANSWER_TOKENS = 2048
"""Room for a long conversation's insights; an answer cut here fails validation loudly."""


def insights_prompt() -> PromptTemplate:
    """The newest version of the built-in ``insights`` prompt (Jinja2 loads on first use)."""
    from colloquy.llm.prompts import PromptLibrary

    return PromptLibrary().get(PROMPT_NAME)


def __getattr__(name: str) -> str:
    """``SYSTEM_PROMPT``: the instructions the model receives (the prompt's system message).

    Computed on access, so importing :mod:`colloquy.analytics` reads no prompt file.
    """
    if name == "SYSTEM_PROMPT":
        return insights_prompt().render({"transcript": ""}).messages[0].content
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class LLMInsightItem(BaseModel):
    """One insight as the model writes it; speaker and method are filled in here."""

    model_config = ConfigDict(extra="ignore")

    kind: InsightKind
    turn_index: int
    text: str = ""
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    value: float | None = None


class LLMReply(BaseModel):
    """The whole answer: ``{"insights": [...]}``."""

    model_config = ConfigDict(extra="ignore")

    insights: list[LLMInsightItem]


class LLMInsightAnalyzer(InsightAnalyzer):
    """Insights from a chat model: ``client``, or the OpenAI-compatible one at ``base_url``.

    ``timeout`` bounds each HTTP request in seconds; ``max_retries`` is how often a
    connection error, timeout, 429 or 5xx is retried (with back-off, honouring
    ``Retry-After``) before the failure becomes an :class:`~colloquy.errors.LLMError`.
    With ``client`` (any backend, e.g. the local model) the HTTP settings are unused.
    """

    def __init__(
        self,
        base_url: str = "",
        model: str = "gpt-4o-mini",
        api_key: str | None = None,
        timeout: float = 30.0,
        temperature: float = 0.0,
        *,
        max_retries: int = 2,
        client: LLMClient | None = None,
    ) -> None:
        if client is None and not base_url:
            raise ValueError("LLMInsightAnalyzer needs a base_url or a client")
        self.base_url = base_url
        self.model = client.model if client is not None else model
        self.api_key = api_key
        self.timeout = timeout
        self.temperature = temperature
        self.max_retries = max_retries
        self._client = client
        self._prompt: PromptTemplate | None = None

    def __repr__(self) -> str:
        where = self.base_url or (self._client.backend if self._client else "")
        return f"LLMInsightAnalyzer(base_url={where!r}, model={self.model!r})"

    @property
    def client(self) -> LLMClient:
        """The client every call goes through (built on first use)."""
        if self._client is None:
            self._client = OpenAICompatibleClient(
                self.base_url,
                self.model,
                api_key=self.api_key,
                timeout_s=self.timeout,
                retry=RetryPolicy(max_retries=self.max_retries),
            )
        return self._client

    def analyze(
        self, conversation: Conversation, *, key_turns: Sequence[int] = ()
    ) -> ConversationInsights:
        moments = explainer_key_moments(conversation, key_turns)
        spoken = spoken_turns(conversation)
        if not spoken:
            return ConversationInsights(conversation_id=conversation.id, insights=tuple(moments))
        answer = self._complete(transcript(spoken))
        where = self.base_url or self.client.backend
        reply = parse_reply(answer, source=f"{self.model} at {where}")
        found, dropped = _resolve(reply, conversation, {m.turn_index for m in moments})
        if dropped:
            log.warning(
                "llm_insights_dropped",
                conversation_id=conversation.id,
                dropped=len(dropped),
                turn_indexes=dropped,
            )
        # Stable sort: turn order, the explainer's moment first, then the model's order.
        ordered = sorted([*moments, *found], key=lambda i: (i.turn_index, i.method != "explainer"))
        return ConversationInsights(
            conversation_id=conversation.id, insights=tuple(ordered), dropped=len(dropped)
        )

    def _complete(self, text: str) -> str:
        """The model's answer to the rendered prompt; failures are :class:`LLMError`."""
        if self._prompt is None:
            self._prompt = insights_prompt()
        rendered = self._prompt.render({"transcript": text})
        options = CallOptions(temperature=self.temperature, max_tokens=MAX_ANSWER_TOKENS)
        result = self.client.chat(rendered.messages, options=options, prompt=rendered.ref)
        return result.text


def transcript(turns: Sequence[Turn]) -> str:
    """The turns as the model reads them: ``[index] speaker: text``, one per line."""
    lines = [f"[{t.index}] {t.speaker.value}: {' '.join(t.text.split())}" for t in turns]
    return "Transcript (turn index in brackets):\n" + "\n".join(lines)


def parse_reply(answer: str, *, source: str = "the LLM") -> LLMReply:
    """Validate a model's answer; fenced or prose-wrapped JSON is accepted.

    Raises :class:`LLMError` naming the JSON error or the invalid fields, with the start
    of the answer, so a prompt or model problem can be seen at once.
    """
    body = json_body(answer)
    hint = "use a model that follows JSON instructions, or lower its temperature"
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LLMError(
            f"the answer of {source} is not JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}): {short(answer)!r}",
            hint=hint,
        ) from None
    try:
        return LLMReply.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise LLMError(
            f"the answer of {source} does not match the insight schema ({problems}): "
            f"{short(answer)!r}",
            hint=hint,
        ) from None


def insight_analyzer_from_settings(
    settings: Settings, embedder: Embedder | None = None
) -> InsightAnalyzer:
    """The LLM analyzer when an LLM is configured, else the offline one.

    An LLM counts as configured when ``llm.base_url`` is set or ``llm.backend`` is
    ``local`` explicitly; the offline analyzer stays the default, as loading a local model
    for every analysis would be slow and surprising.
    """
    llm = settings.llm
    if llm.backend == "local":
        from colloquy.llm.factory import client_from_settings

        return LLMInsightAnalyzer(client=client_from_settings(settings))
    if not llm.base_url:
        return ExtractiveInsightAnalyzer(embedder)
    key = llm.api_key.get_secret_value() if llm.api_key is not None else None
    return LLMInsightAnalyzer(
        llm.base_url,
        model=llm.model,
        api_key=key,
        timeout=llm.timeout_seconds,
        max_retries=llm.max_retries,
    )


def _resolve(
    reply: LLMReply, conversation: Conversation, explained: set[int]
) -> tuple[list[Insight], list[int]]:
    """Insights tied to real spoken turns, and the turn indexes of those dropped."""
    turns = conversation.turns
    found: list[Insight] = []
    dropped: list[int] = []
    seen: set[tuple[str, int, str]] = set()
    for item in reply.insights:
        if not 0 <= item.turn_index < len(turns) or not is_spoken(turns[item.turn_index]):
            dropped.append(item.turn_index)
            continue
        turn = turns[item.turn_index]
        text = item.text.strip() or turn.text.strip()
        key = (item.kind, item.turn_index, text)
        if key in seen or (item.kind == "key_moment" and item.turn_index in explained):
            continue
        seen.add(key)
        found.append(
            Insight(
                kind=item.kind,
                turn_index=item.turn_index,
                speaker=turn.speaker.value,
                text=text,
                score=item.score,
                method="llm",
                value=item.value,
            )
        )
    return found, dropped


__all__ = [
    "NO_KEY",
    "PROMPT_NAME",
    "SYSTEM_PROMPT",  # noqa: F822 - provided on access by the module __getattr__
    "LLMInsightAnalyzer",
    "LLMInsightItem",
    "LLMReply",
    "insight_analyzer_from_settings",
    "insights_prompt",
    "parse_reply",
    "transcript",
]
