"""Which guidelines a session already applied: an immutable record the engine carries."""

from __future__ import annotations

from colloquy.agent.guidelines import AppliedGuidelines


def test_mark_keeps_the_first_turn_and_never_mutates() -> None:
    empty = AppliedGuidelines("s1")
    first = empty.mark(["disclaimer", "verify", "disclaimer"], turn=1)
    second = first.mark(["verify", "photos"], turn=3)
    assert empty.names() == frozenset()
    assert first.applied == (("disclaimer", 1), ("verify", 1))
    assert second.turn_of("verify") == 1
    assert second.turn_of("photos") == 3
    assert second.turn_of("absent") is None
    assert second.has("photos")
    assert not first.has("photos")
