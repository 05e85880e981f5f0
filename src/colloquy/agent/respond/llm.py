"""The LLM responder: the versioned ``agent_reply`` prompt, any :class:`LLMClient`, streaming.

The prompt carries what the engine decided (the journey state's instruction, the slot to
ask for, the matched guidelines' actions, this turn's tool results as JSON) and the
template responder's approved draft, which the model rewrites in its own words; tiny local
models stay on script that way, larger ones sound less canned. Account data reaches the
prompt only once the caller is verified, and the caller's personal data never does
(private slots are withheld; phones, cards, ids and emails in what they said are masked),
so the model cannot repeat what it was never shown.

The answer is tidied (labels, markup, repeats, a sentence cut by the token limit, and
whatever follows once a small model starts echoing its prompt) and, whole, must keep the
draft's claim ids, amounts, dates, 911 and question. When the model fails
(:class:`LLMError`), answers nothing, or drops those, the fallback responder answers
instead and the reply records the prompt it tried.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Generator
from dataclasses import replace

from colloquy.agent.respond.base import ReplyStream, Responder
from colloquy.agent.respond.facts import PRIVATE_SLOTS, outcome_kind
from colloquy.agent.respond.sentences import SentenceBuffer, split_sentences
from colloquy.agent.respond.template import TemplateResponder
from colloquy.agent.turn import Reply, Role, TurnContext
from colloquy.agent.validation.entities import Kind, find_entities
from colloquy.data.pii import mask_text
from colloquy.desk.tool_models import KnowledgeResults, VerificationResult
from colloquy.errors import LLMError
from colloquy.llm.client import LLMClient
from colloquy.llm.prompts import PromptLibrary, PromptTemplate, RenderedPrompt
from colloquy.llm.records import CallOptions, Usage
from colloquy.logging import get_logger

PROMPT_NAME = "agent_reply"
DEFAULT_OPTIONS = CallOptions(temperature=0.0, max_tokens=160, stop=("\ncaller:",))
"""Greedy and short; a small model that starts writing the caller's next turn stops."""
_LABEL = re.compile(
    r"^\s*((agent|assistant|desk|rewritten reply|draft reply|reply)\s*:\s*)+", re.IGNORECASE
)
_MARKUP = re.compile(r"[*#`]+")
_SCAFFOLD = re.compile(
    r"(rewritten (reply|response)|draft reply|\btask:|tool results:|details given:|\brules:"
    r"|the caller is not verified|\b(caller|agent):)",
    re.IGNORECASE,
)
"""Prompt words a small model echoes once its reply is over: the reply ends there."""
_MUST_KEEP = frozenset({Kind.CLAIM_ID, Kind.MONEY, Kind.DATE})
_ENDED = re.compile(r"[.!?…][\"'”’)]*$")

log = get_logger(__name__)


class LLMResponder(Responder):
    """Replies written by ``client`` from the ``agent_reply`` prompt."""

    name = "llm"

    def __init__(
        self,
        client: LLMClient,
        *,
        fallback: Responder | None = None,
        prompts: PromptLibrary | None = None,
        prompt_version: str | None = None,
        options: CallOptions | None = None,
        history_turns: int = 6,
        max_sentences: int = 4,
        keep_draft: bool = True,
    ) -> None:
        if history_turns < 0 or max_sentences < 1:
            raise ValueError("history_turns must be >= 0 and max_sentences >= 1")
        self.client = client
        self.fallback = fallback if fallback is not None else TemplateResponder()
        self.prompt: PromptTemplate = (prompts or PromptLibrary()).get(PROMPT_NAME, prompt_version)
        self.options = options or DEFAULT_OPTIONS
        self.history_turns = history_turns
        self.max_sentences = max_sentences
        self.keep_draft = keep_draft
        """Refuse (and fall back on) a whole reply that drops a claim id, an amount, a date,
        the emergency number or the question of the draft. A streamed reply is spoken as it
        comes, so it is not held to this."""

    @property
    def prompt_id(self) -> str:
        return f"{self.prompt.name}@{self.prompt.version}"

    def respond(self, ctx: TurnContext) -> Reply:
        return self._chat(ctx, feedback="")

    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply:
        """Ask again with the validator's ``feedback`` in the prompt."""
        return self._chat(ctx, feedback=feedback)

    def stream(self, ctx: TurnContext) -> ReplyStream:
        """Sentences as the model completes them; the fallback's, if it fails before the first."""
        return ReplyStream(self._stream(ctx))

    def render(self, ctx: TurnContext, feedback: str = "") -> RenderedPrompt:
        """The prompt for this turn (public so a benchmark or a test can read what was sent)."""
        return self.prompt.render(
            prompt_values(ctx, self._draft(ctx, feedback), feedback, self.history_turns)
        )

    def _draft(self, ctx: TurnContext, feedback: str) -> str:
        # After a rejection the draft is the strict wording, so the model starts from safe text.
        return (
            self.fallback.regenerate(ctx, feedback) if feedback else self.fallback.respond(ctx)
        ).text

    def _chat(self, ctx: TurnContext, *, feedback: str) -> Reply:
        started = time.perf_counter()
        draft = self._draft(ctx, feedback)
        rendered = self.prompt.render(prompt_values(ctx, draft, feedback, self.history_turns))
        try:
            result = self.client.chat(rendered.messages, options=self.options, prompt=rendered.ref)
            text, _ = _scaffold_cut(_LABEL.sub("", _MARKUP.sub("", result.text)))
            sentences = list(dict.fromkeys(c for x in split_sentences(text) if (c := _clean(x))))
            if result.finish_reason == "length":
                sentences = _complete(sentences)
            if not sentences:
                raise LLMError(f"{self.client.model} returned an empty reply")
            sentences = sentences[: self.max_sentences]
            dropped = dropped_from_draft(draft, " ".join(sentences))
            if self.keep_draft and dropped:
                raise LLMError(f"{self.client.model} left out {dropped} of the approved draft")
        except LLMError as exc:
            return self._fall_back(ctx, feedback, exc, started)
        return self._reply(sentences, result.usage, started)

    def _stream(self, ctx: TurnContext) -> Generator[str, None, Reply]:
        started = time.perf_counter()
        rendered = self.render(ctx)
        buffer = SentenceBuffer()
        said: list[str] = []
        usage: Usage | None = None
        reason: str | None = None
        chunks = self.client.stream(rendered.messages, options=self.options, prompt=rendered.ref)
        try:
            for chunk in chunks:
                usage = chunk.usage or usage
                reason = chunk.finish_reason or reason
                if (yield from self._admit(buffer.feed(chunk.delta), said)):
                    break
            else:
                rest = buffer.flush()
                yield from self._admit(
                    _complete(rest, after=len(said)) if reason == "length" else rest, said
                )
            if not said:
                raise LLMError(f"{self.client.model} returned an empty reply")
        except LLMError as exc:
            if said:
                # The caller already heard these sentences; what was said is the reply.
                log.warning("agent_reply_stream_cut", model=self.client.model, error=str(exc))
                return self._reply(said, usage, started)
            reply = self._fall_back(ctx, "", exc, started)
            yield from split_sentences(reply.text)
            return reply
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return self._reply(said, usage, started)

    def _admit(self, sentences: list[str], said: list[str]) -> Generator[str, None, bool]:
        """Stream the new sentences worth saying; True once the reply is over (enough said,
        or the model began echoing its prompt)."""
        for sentence in sentences:
            # Only the reply's first words may be a label; later, a label is the prompt echoed.
            text, cut = _scaffold_cut(
                _MARKUP.sub("", sentence if said else _LABEL.sub("", sentence))
            )
            text = _clean(text)
            if text and text not in said and len(said) < self.max_sentences:
                said.append(text)
                yield text
            if cut or len(said) >= self.max_sentences:
                return True
        return False

    def _reply(self, sentences: list[str], usage: Usage | None, started: float) -> Reply:
        return Reply(
            text=" ".join(sentences),
            responder=self.name,
            prompt=self.prompt_id,
            latency_ms=(time.perf_counter() - started) * 1000,
            tokens=usage.total_tokens if usage is not None else 0,
        )

    def _fall_back(self, ctx: TurnContext, feedback: str, exc: LLMError, started: float) -> Reply:
        log.warning(
            "agent_reply_fallback",
            model=self.client.model,
            fallback=self.fallback.name,
            error=exc.one_line(),
        )
        reply = self.fallback.regenerate(ctx, feedback) if feedback else self.fallback.respond(ctx)
        return replace(
            reply,
            prompt=self.prompt_id,
            latency_ms=(time.perf_counter() - started) * 1000,
            fallback=exc.one_line(),
        )


def prompt_values(
    ctx: TurnContext, draft: str, feedback: str, history_turns: int
) -> dict[str, object]:
    """The ``agent_reply`` variables for this turn: only what the caller may be told."""
    state = ctx.state
    return {
        "journey": ctx.journey.title if ctx.journey is not None else "no task yet",
        "instruction": state.instruction if state is not None else _no_journey_instruction(),
        "event": ctx.event.value.replace("_", " "),
        "asking": ctx.asking.prompt if ctx.asking is not None else "",
        "slots": [
            f"{name}: {value if name not in PRIVATE_SLOTS else '(given)'}"
            for name, value in ctx.slots
            if value
        ],
        "verified": ctx.verified,
        "guidelines": [
            m.guideline.action.strip()
            for m in sorted(ctx.guidelines, key=lambda m: -m.guideline.priority)
        ],
        "tool_results": tool_results_json(ctx),
        "draft": draft,
        "history": _history(ctx, history_turns),
        "message": mask_private(ctx.message, ctx),
        "feedback": feedback,
    }


def tool_results_json(ctx: TurnContext) -> str:
    """This turn's outcomes as JSON; a result with account data only for a verified caller."""
    out: list[dict[str, object]] = []
    for outcome in ctx.tool_outcomes:
        item: dict[str, object] = {"tool": outcome.tool, "outcome": outcome_kind(outcome).value}
        result = outcome.result
        if result is not None and (ctx.verified or isinstance(result, KnowledgeResults)):
            item["result"] = json.loads(result.model_dump_json())
        elif isinstance(result, VerificationResult):
            item["result"] = {"verified": result.verified, "message": result.message}
        out.append(item)
    return json.dumps(out, ensure_ascii=False) if out else "none"


def _history(ctx: TurnContext, turns: int) -> list[dict[str, str]]:
    past = list(ctx.history)
    if past and past[-1].role is Role.CUSTOMER and past[-1].text == ctx.message:
        past.pop()
    recent = past[-turns:] if turns else []
    return [
        {"role": "caller", "text": mask_private(u.text, ctx)}
        if u.role is Role.CUSTOMER
        else {"role": "agent", "text": u.text}
        for u in recent
    ]


def mask_private(text: str, ctx: TurnContext) -> str:
    """``text`` with personal data masked: what the PII masker finds (phones, cards, ids,
    emails) and any private slot value the caller gave (a date of birth), so the model is
    never shown what it must not repeat."""
    masked = mask_text(text).text
    for name, value in ctx.slots:
        if name in PRIVATE_SLOTS and len(value) >= 4:
            masked = masked.replace(value, f"<{name.upper()}>")
    return masked


def _no_journey_instruction() -> str:
    return (
        "Answer briefly and say you can help with claim status, new claims and coverage questions."
    )


def dropped_from_draft(draft: str, text: str) -> str:
    """What of the draft's must-say content ``text`` lacks ('' when nothing): its claim ids,
    amounts and dates (compared normalised), 911, and a question when the draft asks one."""
    said = {(e.kind, e.value) for e in find_entities(text)}
    for entity in find_entities(draft):
        if entity.kind in _MUST_KEEP and (entity.kind, entity.value) not in said:
            return f"{entity.kind.value} {entity.text!r}"
    if "911" in draft and "911" not in text:
        return "the emergency number 911"
    if "?" in draft and "?" not in text:
        return "the question"
    return ""


def _complete(sentences: list[str], *, after: int = 0) -> list[str]:
    """Drop a last sentence the token limit cut short, unless it would leave nothing."""
    if sentences and (after or len(sentences) > 1) and not _ENDED.search(sentences[-1]):
        return sentences[:-1]
    return sentences


def _scaffold_cut(text: str) -> tuple[str, bool]:
    """``text`` up to where the model began echoing its prompt, and whether it did."""
    match = _SCAFFOLD.search(text)
    return (text, False) if match is None else (text[: match.start()], True)


def _clean(sentence: str) -> str:
    return " ".join(_MARKUP.sub("", _LABEL.sub("", sentence)).split())


__all__ = ["DEFAULT_OPTIONS", "PROMPT_NAME", "LLMResponder", "prompt_values", "tool_results_json"]
