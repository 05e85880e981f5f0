"""Conversation insights from an LLM behind any OpenAI-compatible chat endpoint.

The offline analyzer only finds what its patterns and examples anticipate; an LLM reads
the whole conversation and catches the objection phrased in a way nobody listed. This
module asks one through LangChain (``prompt | ChatOpenAI``) and fills the very same
:class:`~colloquy.analytics.insights.ConversationInsights`, so callers never know which
analyzer ran.

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
* **LangChain is imported on first use**, so ``import colloquy.analytics`` stays fast and
  offline installs that never configure an endpoint never load it; it is the ``llm``
  extra, and without it the first call says which command installs it.

A local server needs no key; a placeholder is sent when none is configured, never a key
from another variable, so a hosted provider's key cannot leak to a different endpoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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
from colloquy.extras import require
from colloquy.features.transcript import is_spoken, spoken_turns
from colloquy.logging import get_logger
from colloquy.schema import Conversation, Turn

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from colloquy.config import Settings
    from colloquy.features.embeddings import Embedder

log = get_logger(__name__)

NO_KEY = "not-needed"
"""Sent as the key when none is configured (local servers ignore it)."""

SYSTEM_PROMPT = """\
You analyse sales, persuasion and negotiation conversations between a customer and an \
agent. Find these insights:
- objection: the customer pushes back (too expensive, distrust, not interested, not now).
- question: either side asks something.
- commitment: the customer commits (agrees to buy, to donate, accepts a deal).
- next_step: either side says what happens next (send, call, meet, pick up, follow up).
- price_mention: either side mentions a price, an amount or a cost.
- competitor_mention: another company, seller, charity or product comes up as an \
alternative.
- key_moment: a turn that decides how the conversation ends.
Answer with one JSON object and nothing else, in this shape:
{"insights": [{"kind": "objection", "turn_index": 3, "text": "the words from that turn", \
"score": 0.9, "value": null}]}
turn_index is the number in brackets before the turn. text quotes the sentence from that \
turn that carries the insight. score is your confidence from 0 to 1. value is the amount \
as a number for price_mention and commitment when one is stated, else null. Answer \
{"insights": []} when there is nothing to report."""

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_PREVIEW = 200


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
    """Insights from a chat model at ``base_url`` (anything speaking the OpenAI API).

    ``timeout`` bounds each HTTP request in seconds; ``max_retries`` is how often the
    OpenAI client retries a connection error, 429 or 5xx (with backoff) before the
    failure becomes an :class:`~colloquy.errors.LLMError`.
    """

    def __init__(
        self,
        base_url: str,
        model: str = "gpt-4o-mini",
        api_key: str | None = None,
        timeout: float = 30.0,
        temperature: float = 0.0,
        *,
        max_retries: int = 2,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.temperature = temperature
        self.max_retries = max_retries
        self._chain: Runnable[dict[str, str], Any] | None = None

    def __repr__(self) -> str:
        return f"LLMInsightAnalyzer(base_url={self.base_url!r}, model={self.model!r})"

    def analyze(
        self, conversation: Conversation, *, key_turns: Sequence[int] = ()
    ) -> ConversationInsights:
        moments = explainer_key_moments(conversation, key_turns)
        spoken = spoken_turns(conversation)
        if not spoken:
            return ConversationInsights(conversation_id=conversation.id, insights=tuple(moments))
        answer = self._complete(transcript(spoken))
        reply = parse_reply(answer, source=f"{self.model} at {self.base_url}")
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
        """The model's answer to the prompt, or an :class:`LLMError` saying why there is none."""
        for module in ("langchain_core", "langchain_openai", "openai"):
            require(module, extra="llm", feature="insights from an LLM")
        import openai

        try:
            message = self._runnable().invoke({"instructions": SYSTEM_PROMPT, "transcript": text})
        except openai.APIStatusError as exc:
            raise LLMError(
                f"LLM endpoint {self.base_url} answered HTTP {exc.status_code} for model "
                f"{self.model!r}: {_short(_error_detail(exc))}",
                hint=_status_hint(exc.status_code),
            ) from exc
        except openai.APITimeoutError as exc:
            raise LLMError(
                f"LLM endpoint {self.base_url} did not answer within {self.timeout:g} s",
                hint="raise COLLOQUY_LLM__TIMEOUT_SECONDS or use a faster model",
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMError(
                f"cannot reach LLM endpoint {self.base_url}: {_short(_root_cause(exc))}",
                hint="check COLLOQUY_LLM__BASE_URL (it usually ends in /v1) and that the "
                "server is running",
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMError(
                f"LLM endpoint {self.base_url} failed: {_short(str(exc))}",
                hint="check the endpoint's settings and its logs",
            ) from exc
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            # LangChain's own checks of the response body: a web page, an empty "choices".
            raise LLMError(
                f"LLM endpoint {self.base_url} did not answer with an OpenAI chat completion: "
                f"{_short(str(exc))}",
                hint="check that COLLOQUY_LLM__BASE_URL is the API root (usually ending in "
                "/v1), not a web page",
            ) from exc
        return _content_text(getattr(message, "content", message))

    def _runnable(self) -> Runnable[dict[str, str], Any]:
        if self._chain is None:
            from langchain_core.prompts import ChatPromptTemplate
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr

            chat = ChatOpenAI(
                model=self.model,
                base_url=self.base_url,
                api_key=SecretStr(self.api_key or NO_KEY),
                timeout=self.timeout,
                temperature=self.temperature,
                max_retries=self.max_retries,
            )
            # Both messages are variables, so braces in the instructions need no escaping.
            prompt = ChatPromptTemplate.from_messages(
                [("system", "{instructions}"), ("human", "{transcript}")]
            )
            self._chain = prompt | chat
        return self._chain


def transcript(turns: Sequence[Turn]) -> str:
    """The turns as the model reads them: ``[index] speaker: text``, one per line."""
    lines = [f"[{t.index}] {t.speaker.value}: {' '.join(t.text.split())}" for t in turns]
    return "Transcript (turn index in brackets):\n" + "\n".join(lines)


def parse_reply(answer: str, *, source: str = "the LLM") -> LLMReply:
    """Validate a model's answer; fenced or prose-wrapped JSON is accepted.

    Raises :class:`LLMError` naming the JSON error or the invalid fields, with the start
    of the answer, so a prompt or model problem can be seen at once.
    """
    fenced = _FENCE.search(answer)
    if fenced is not None:
        body = fenced.group(1).strip()
    else:
        start, end = answer.find("{"), answer.rfind("}")
        body = answer[start : end + 1] if 0 <= start < end else answer.strip()
    hint = "use a model that follows JSON instructions, or lower its temperature"
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LLMError(
            f"the answer of {source} is not JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}): {_short(answer)!r}",
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
            f"{_short(answer)!r}",
            hint=hint,
        ) from None


def insight_analyzer_from_settings(
    settings: Settings, embedder: Embedder | None = None
) -> InsightAnalyzer:
    """The LLM analyzer when ``settings.llm.base_url`` is set, else the offline one."""
    llm = settings.llm
    if not llm.base_url:
        return ExtractiveInsightAnalyzer(embedder)
    key = llm.api_key.get_secret_value() if llm.api_key is not None else None
    return LLMInsightAnalyzer(
        llm.base_url, model=llm.model, api_key=key, timeout=llm.timeout_seconds
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


def _content_text(content: object) -> str:
    """A chat message's content as text (LangChain may give a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str | dict)
        ]
        return "".join(parts)
    return str(content)


def _error_detail(exc: Any) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the client's message."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(getattr(exc, "message", exc))


def _root_cause(exc: BaseException) -> str:
    """The innermost cause ("Connection refused"), not LangChain's "Connection error."."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check COLLOQUY_LLM__API_KEY"
    if status == 404:
        return "check COLLOQUY_LLM__MODEL and that COLLOQUY_LLM__BASE_URL ends in /v1"
    if status == 429:
        return "the endpoint is rate limiting; retry later"
    return "retry later, or look at the endpoint's logs"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "…"


__all__ = [
    "NO_KEY",
    "SYSTEM_PROMPT",
    "LLMInsightAnalyzer",
    "LLMInsightItem",
    "LLMReply",
    "insight_analyzer_from_settings",
    "parse_reply",
    "transcript",
]
