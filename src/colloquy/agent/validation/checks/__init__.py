"""The validator's deterministic checks, one module per rule."""

from colloquy.agent.validation.checks.base import Finding, SentenceCheck
from colloquy.agent.validation.checks.disclaimer import check_disclaimers, required_disclaimers
from colloquy.agent.validation.checks.grounding import GroundingCheck
from colloquy.agent.validation.checks.pii_echo import PiiEchoCheck
from colloquy.agent.validation.checks.promise import PromiseCheck
from colloquy.agent.validation.checks.verification import VerificationCheck


def default_checks() -> tuple[SentenceCheck, ...]:
    """The per-sentence checks in the order a fix prefers them (the first failing one wins)."""
    return (VerificationCheck(), PiiEchoCheck(), PromiseCheck(), GroundingCheck())


__all__ = [
    "Finding",
    "GroundingCheck",
    "PiiEchoCheck",
    "PromiseCheck",
    "SentenceCheck",
    "VerificationCheck",
    "check_disclaimers",
    "default_checks",
    "required_disclaimers",
]
