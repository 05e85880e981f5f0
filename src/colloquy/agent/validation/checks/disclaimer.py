"""DISCLAIMER: a matched guideline that requires a phrase finds it somewhere in the reply.

Which guidelines require what is the ``disclaimers`` table of the approved-sentences file;
a guideline not in it is not checked here. The verdict names the first sentence that carries
the phrase, or index -1 (the whole reply) when it is missing.
"""

from __future__ import annotations

from colloquy.agent.turn import Check, TurnContext, Verdict
from colloquy.agent.validation.fixes import Disclaimer, SafeSentences


def required_disclaimers(ctx: TurnContext, fixes: SafeSentences) -> tuple[Disclaimer, ...]:
    """The disclaimers this turn's matched guidelines require, highest priority first."""
    matches = sorted(ctx.guidelines, key=lambda m: -m.guideline.priority)
    found = (fixes.disclaimer(m.guideline.name) for m in matches)
    return tuple(dict.fromkeys(d for d in found if d is not None))


def check_disclaimers(
    sentences: tuple[str, ...], required: tuple[Disclaimer, ...]
) -> tuple[tuple[Verdict, ...], tuple[Disclaimer, ...]]:
    """One verdict per required disclaimer, and the ones that are missing."""
    verdicts: list[Verdict] = []
    missing: list[Disclaimer] = []
    for disclaimer in required:
        index = next(
            (i for i, s in enumerate(sentences) if disclaimer.pattern.search(s) is not None), -1
        )
        if index >= 0:
            verdicts.append(Verdict(Check.DISCLAIMER, index, sentences[index], True))
            continue
        missing.append(disclaimer)
        verdicts.append(
            Verdict(
                Check.DISCLAIMER,
                -1,
                "",
                False,
                reason=f"{disclaimer.guideline} requires {disclaimer.pattern.pattern!r}",
            )
        )
    return tuple(verdicts), tuple(missing)
