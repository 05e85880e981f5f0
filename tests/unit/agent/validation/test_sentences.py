"""The sentence splitter: every check and fix works on its pieces."""

from __future__ import annotations

import pytest

from colloquy.agent.validation import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Lee reviewed it. The repair came to $1,200.50. Anything else?",
            ("Dr. Lee reviewed it.", "The repair came to $1,200.50.", "Anything else?"),
        ),
        (
            "Your claim CLM-2026-00012 is under review. I'll email you at each step!",
            ("Your claim CLM-2026-00012 is under review.", "I'll email you at each step!"),
        ),
        (
            "Let me check... Your claim is open. Hmm... maybe later.",
            ("Let me check...", "Your claim is open.", "Hmm... maybe later."),
        ),
        (
            "Photos help, e.g. of the dent. Keep receipts.",
            ("Photos help, e.g. of the dent.", "Keep receipts."),
        ),
        ("Thanks, Ms. J. Okafor. Bye", ("Thanks, Ms. J. Okafor.", "Bye")),
        (
            "Next steps:\n- upload photos\n- keep receipts",
            ("Next steps:", "upload photos", "keep receipts"),
        ),
        (
            "It was filed on Mar. 14 at 9 a.m. Today it moved.",
            ("It was filed on Mar. 14 at 9 a.m.", "Today it moved."),
        ),
        ('Is that right?"Yes." Good.', ('Is that right?"Yes."', "Good.")),
        ("", ()),
        ("   \n  ", ()),
    ],
)
def test_split_sentences(text: str, expected: tuple[str, ...]) -> None:
    assert split_sentences(text) == expected
