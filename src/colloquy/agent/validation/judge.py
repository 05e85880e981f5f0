"""The optional LLM second opinion on a reply: one structured call, never the default.

Regexes catch the values and phrasings they know; a judge can catch a promise or a
disclosure worded some other way. It costs an LLM call per reply, so the validator only
runs it when given one, and only on the responder's replies (the approved fix sentences
are not re-judged). A failing call leaves the deterministic verdicts to decide.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, Field

from colloquy.agent.turn import Check, TurnContext, Verdict
from colloquy.errors import LLMError
from colloquy.llm import CallOptions, ChatMessage, LLMClient
from colloquy.logging import get_logger

log = get_logger(__name__)

_RULES = """You review a reply an insurance claims desk agent is about to send.
Rules:
1. No account data (claim status, amounts, claim or policy numbers, names, emails) before the
   caller's identity is verified.
2. Never repeat personal data the caller gave (card, social security or phone numbers, email,
   date of birth, address).
3. No promises: never promise an approval, an amount, a payment date or coverage.
4. Only state claim numbers, amounts and dates that the tool results contain.
5. Follow the matched guidelines listed below.
List every numbered sentence of the reply that breaks a rule; an empty list when none does."""
_MAX_TOOL_CHARS = 1500


class JudgeFinding(BaseModel):
    sentence: int = Field(description="the number of the sentence that breaks a rule")
    rule: int = Field(description="the number of the rule it breaks")
    reason: str = Field(description="one short clause saying what is wrong")


class JudgeAnswer(BaseModel):
    violations: list[JudgeFinding] = Field(description="sentences that break a rule")


class LLMJudge:
    def __init__(self, llm: LLMClient, *, max_tokens: int = 256) -> None:
        self.llm = llm
        self.options = CallOptions(temperature=0, max_tokens=max_tokens, seed=0)

    def judge(self, ctx: TurnContext, sentences: Sequence[str]) -> tuple[Verdict, ...] | None:
        """A verdict per sentence, or None when the LLM failed (logged, not raised)."""
        if not sentences:
            return ()
        messages = [ChatMessage.system(_instructions(ctx)), ChatMessage.user(_numbered(sentences))]
        try:
            answer = self.llm.structured(messages, JudgeAnswer, max_repairs=1, options=self.options)
        except LLMError as exc:
            log.warning("validation_judge_failed", session=ctx.session_id, error=str(exc))
            return None
        reasons: dict[int, list[str]] = {}
        for finding in answer.value.violations:
            if 1 <= finding.sentence <= len(sentences):
                reasons.setdefault(finding.sentence - 1, []).append(
                    f"rule {finding.rule}: {finding.reason}"
                )
        return tuple(
            Verdict(Check.LLM_JUDGE, i, s, i not in reasons, "; ".join(reasons.get(i, ())))
            for i, s in enumerate(sentences)
        )


def _instructions(ctx: TurnContext) -> str:
    guidelines = "\n".join(f"- {m.guideline.action.strip()}" for m in ctx.guidelines) or "- none"
    tools = (
        "\n".join(f"- {o.tool}: {o.content()[:_MAX_TOOL_CHARS]}" for o in ctx.tool_outcomes)
        or "- none"
    )
    said = json.dumps(list(ctx.customer_texts())[-3:])
    return (
        f"{_RULES}\n\nIdentity verified: {'yes' if ctx.verified else 'no'}\n"
        f"Matched guidelines:\n{guidelines}\nTool results:\n{tools}\n"
        f"What the caller said most recently: {said}"
    )


def _numbered(sentences: Sequence[str]) -> str:
    return "Reply to review:\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(sentences, 1))
