"""``ReplyValidator``: every reply checked sentence by sentence before it is sent.

The order is fixed so a turn costs milliseconds unless something is wrong: deterministic
checks on every sentence (and the judge, when one is given); when a sentence fails, the
responder may regenerate with the reasons as feedback, at most ``max_regenerations``
times; what still fails is repaired from approved sentences (replace, mask or drop, then
missing disclaimers first) and checked again; a reply that still fails becomes the approved
fallback. A missing disclaimer alone never costs a regeneration: it is put first.

Verdicts of every pass are kept in order (original, each regeneration, the repaired text),
each pass numbering its sentences from 0, so the audit shows what was wrong, what was
changed and that the text sent passed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from time import perf_counter

from colloquy.agent.turn import Check, Reply, TurnContext, ValidationOutcome, Verdict
from colloquy.agent.validation.checks import (
    Finding,
    SentenceCheck,
    check_disclaimers,
    default_checks,
    required_disclaimers,
)
from colloquy.agent.validation.entities import find_entities
from colloquy.agent.validation.facts import SessionFacts
from colloquy.agent.validation.fixes import Disclaimer, SafeSentences, load_fixes
from colloquy.agent.validation.judge import LLMJudge
from colloquy.agent.validation.sentences import split_sentences
from colloquy.errors import ColloquyError
from colloquy.logging import get_logger

log = get_logger(__name__)

Regenerate = Callable[[TurnContext, str], Reply]
"""The responder's retry: (context, feedback naming what failed) → a new reply."""

_FIX_ORDER = (Check.VERIFICATION, Check.PROMISE, Check.GROUNDING, Check.LLM_JUDGE)
"""Which approved sentence replaces a sentence failing several checks; PII is masked instead."""


@dataclass(frozen=True, slots=True)
class _Review:
    sentences: tuple[str, ...]
    verdicts: tuple[Verdict, ...]
    findings: dict[int, list[tuple[Check, Finding]]]
    missing: tuple[Disclaimer, ...]

    @property
    def clean(self) -> bool:
        return bool(self.sentences) and not self.findings and not self.missing


class ReplyValidator:
    """One validator serves every session and thread of a process.

    Its only state is, per thread, the facts of the last context it saw, so the sentences
    of one streamed reply do not each re-read the session.
    """

    def __init__(
        self,
        *,
        fixes: SafeSentences | None = None,
        judge: LLMJudge | None = None,
        regenerate: Regenerate | None = None,
        max_regenerations: int = 1,
        checks: tuple[SentenceCheck, ...] | None = None,
    ) -> None:
        if max_regenerations < 0:
            raise ValueError("max_regenerations must be >= 0")
        self.fixes = fixes or load_fixes()
        self.judge = judge
        self.regenerate = regenerate
        self.max_regenerations = max_regenerations
        self.checks = checks if checks is not None else default_checks()
        self._last = threading.local()

    def check(self, ctx: TurnContext, text: str) -> tuple[Verdict, ...]:
        """The deterministic verdicts on ``text``, without judge, regeneration or fixes."""
        facts = self._facts(ctx)
        return self._review(ctx, text, facts, required_disclaimers(ctx, self.fixes), False).verdicts

    def validate_sentence(
        self, ctx: TurnContext, sentence: str, index: int, *, spoken: str = ""
    ) -> ValidationOutcome:
        """One sentence of a streamed reply, before it is spoken.

        The sentence-level checks and the same template fixes as :meth:`validate`, with no
        regeneration (what came before is already spoken) and no judge (an LLM call per
        sentence would stall the stream). ``text`` is what may be spoken: the sentence, its
        fix, or '' when it is dropped (its fix is already in ``spoken``, or still fails).
        """
        started = perf_counter()
        facts = self._facts(ctx)
        verdicts, failures = self._inspect(index, sentence, facts)
        if not failures:
            return self._outcome(sentence, verdicts, False, 1, started, 0.0)
        fix = self._fix(sentence, failures)
        if fix and fix in split_sentences(spoken):
            fix = ""
        if fix:
            rechecked, still = self._inspect(index, fix, facts)
            verdicts = [replace(v, fix=fix) if not v.passed else v for v in verdicts]
            verdicts.extend(rechecked)
            fix = "" if still else fix
        return self._outcome(fix, verdicts, True, 1, started, 0.0)

    def closing_sentences(self, ctx: TurnContext, spoken: str) -> ValidationOutcome:
        """After a streamed reply: the DISCLAIMER check on all that was spoken.

        ``text`` holds the approved sentence of each missing disclaimer, to be said last
        ('' when none is missing).
        """
        started = perf_counter()
        required = required_disclaimers(ctx, self.fixes)
        verdicts, missing = check_disclaimers(split_sentences(spoken), required)
        annotated = [_annotate(v, {}, missing) if not v.passed else v for v in verdicts]
        text = " ".join(d.sentence for d in missing)
        return self._outcome(text, annotated, bool(missing), 1, started, 0.0)

    def _facts(self, ctx: TurnContext) -> SessionFacts:
        """The context's facts, kept per thread for the sentences of one streamed reply."""
        cached = getattr(self._last, "entry", None)
        if cached is not None and cached[0] is ctx:
            facts: SessionFacts = cached[1]
            return facts
        facts = SessionFacts.of(ctx)
        self._last.entry = (ctx, facts)
        return facts

    def validate(
        self, ctx: TurnContext, reply: Reply, *, regenerate: Regenerate | None = None
    ) -> ValidationOutcome:
        """The text that may be sent; never raises for a bad reply.

        ``latency_ms`` is the validator's own time (the judge included), not the time the
        regeneration callback spent in the responder.
        """
        started = perf_counter()
        elsewhere = 0.0
        callback = regenerate or self.regenerate
        facts = self._facts(ctx)
        required = required_disclaimers(ctx, self.fixes)
        text = reply.text
        review = self._review(ctx, text, facts, required, self.judge is not None)
        passes = [review]
        attempts = 1
        while (
            callback is not None
            and attempts <= self.max_regenerations
            and (review.findings or not review.sentences)
        ):
            feedback = _feedback(review)
            before = perf_counter()
            try:
                text = callback(ctx, feedback).text
            except ColloquyError as exc:
                log.warning("validation_regenerate_failed", session=ctx.session_id, error=str(exc))
                break
            finally:
                elsewhere += perf_counter() - before
            attempts += 1
            review = self._review(ctx, text, facts, required, self.judge is not None)
            passes.append(review)
        verdicts = [v for p in passes[:-1] for v in p.verdicts]
        if review.clean:
            verdicts.extend(review.verdicts)
            return self._outcome(text, verdicts, attempts > 1, attempts, started, elsewhere)
        repaired, annotated = self._repair(review)
        verdicts.extend(annotated)
        final = self._review(ctx, repaired, facts, required, False)
        verdicts.extend(final.verdicts)
        if not final.clean:
            fallback = " ".join([*(d.sentence for d in required), self.fixes.fallback])
            log.warning("validation_fallback", session=ctx.session_id, turn=ctx.turn)
            verdicts.extend(self._review(ctx, fallback, facts, required, False).verdicts)
            repaired = fallback
        return self._outcome(repaired, verdicts, True, attempts, started, elsewhere)

    def _review(
        self,
        ctx: TurnContext,
        text: str,
        facts: SessionFacts,
        required: tuple[Disclaimer, ...],
        judged: bool,
    ) -> _Review:
        sentences = split_sentences(text)
        verdicts: list[Verdict] = []
        findings: dict[int, list[tuple[Check, Finding]]] = {}
        for index, sentence in enumerate(sentences):
            found, failures = self._inspect(index, sentence, facts)
            verdicts.extend(found)
            if failures:
                findings[index] = failures
        if judged and self.judge is not None:
            for verdict in self.judge.judge(ctx, sentences) or ():
                verdicts.append(verdict)
                if not verdict.passed:
                    findings.setdefault(verdict.sentence_index, []).append(
                        (Check.LLM_JUDGE, Finding(verdict.reason))
                    )
        disclaimer_verdicts, missing = check_disclaimers(sentences, required)
        verdicts.extend(disclaimer_verdicts)
        return _Review(sentences, tuple(verdicts), findings, missing)

    def _inspect(
        self, index: int, sentence: str, facts: SessionFacts
    ) -> tuple[list[Verdict], list[tuple[Check, Finding]]]:
        """Every applicable check on one sentence: its verdicts and its failures."""
        entities = find_entities(sentence)
        verdicts: list[Verdict] = []
        failures: list[tuple[Check, Finding]] = []
        for check in self.checks:
            if not check.applies(facts):
                continue
            finding = check.inspect(sentence, entities, facts)
            reason = finding.reason if finding is not None else ""
            verdicts.append(Verdict(check.check, index, sentence, finding is None, reason))
            if finding is not None:
                failures.append((check.check, finding))
        return verdicts, failures

    def _repair(self, review: _Review) -> tuple[str, tuple[Verdict, ...]]:
        """The repaired text, and the review's verdicts with ``fix`` filled in."""
        kept: list[str] = []
        fixes: dict[int, str] = {}
        for index, sentence in enumerate(review.sentences):
            failures = review.findings.get(index)
            if not failures:
                kept.append(sentence)
                continue
            fix = self._fix(sentence, failures)
            if fix in kept:
                fix = ""
            if fix:
                kept.append(fix)
            fixes[index] = fix
        prefix = [d.sentence for d in review.missing]
        if not kept:
            kept.append(self.fixes.fallback)
        annotated = tuple(
            _annotate(v, fixes, review.missing) if not v.passed else v for v in review.verdicts
        )
        return " ".join([*prefix, *kept]), annotated

    def _fix(self, sentence: str, failures: list[tuple[Check, Finding]]) -> str:
        failed = {check for check, _ in failures}
        for check in _FIX_ORDER:
            if check in failed:
                return self.fixes.replacement(check)
        spans = sorted(
            (e for check, f in failures if check is Check.PII_ECHO for e in f.spans),
            key=lambda e: e.start,
            reverse=True,
        )
        masked = sentence
        for entity in spans:
            masked = masked[: entity.start] + self.fixes.mask(entity.kind) + masked[entity.end :]
        return masked

    @staticmethod
    def _outcome(
        text: str,
        verdicts: list[Verdict],
        fixed: bool,
        attempts: int,
        started: float,
        elsewhere: float,
    ) -> ValidationOutcome:
        latency = (perf_counter() - started - elsewhere) * 1000
        return ValidationOutcome(text, tuple(verdicts), fixed, attempts, round(latency, 3))


def _annotate(verdict: Verdict, fixes: dict[int, str], missing: tuple[Disclaimer, ...]) -> Verdict:
    if verdict.check is Check.DISCLAIMER:
        for disclaimer in missing:
            if verdict.reason.startswith(disclaimer.guideline + " "):
                return replace(verdict, fix=disclaimer.sentence)
        return verdict
    return replace(verdict, fix=fixes.get(verdict.sentence_index, ""))


def _feedback(review: _Review) -> str:
    if not review.sentences:
        return "Your reply was empty. Answer the customer in one or two sentences."
    lines = [
        "Your reply broke the desk's rules. Rewrite it without these problems, keeping the "
        "rest; state only what the tool results say and never repeat the caller's personal data:"
    ]
    for index in sorted(review.findings):
        for check, finding in review.findings[index]:
            lines.append(
                f'- sentence {index + 1} ("{review.sentences[index]}"): {check}: {finding.reason}'
            )
    return "\n".join(lines)
