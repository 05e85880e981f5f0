"""Sentence splitting for per-sentence validation and speech, whole and streamed."""

from __future__ import annotations

import pytest

from colloquy.agent.respond import SentenceBuffer, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hello. How are you?", ["Hello.", "How are you?"]),
        (
            "Dr. Lee saw claim CLM-2026-00012 on 2026-03-14. It was $1,200.50!",
            ["Dr. Lee saw claim CLM-2026-00012 on 2026-03-14.", "It was $1,200.50!"],
        ),
        ("Wait... Really? Yes.", ["Wait...", "Really?", "Yes."]),
        ("Our guide “Floods.” covers it. Good.", ["Our guide “Floods.” covers it.", "Good."]),
        ("He said “Stop.” Then left.", ["He said “Stop.”", "Then left."]),
        ("J. Doe called, e.g. about glass. Done", ["J. Doe called, e.g. about glass.", "Done"]),
        ("  no final mark  ", ["no final mark"]),
        ("", []),
    ],
)
def test_split(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_a_stream_gives_each_sentence_once_it_is_complete() -> None:
    buffer = SentenceBuffer()
    text = "Thank you, Maria. Your claim CLM-2026-00012 was paid $2,500.00 on 2026-03-01. Bye?"
    seen: list[tuple[int, str]] = []
    for i, char in enumerate(text):
        seen += [(i, s) for s in buffer.feed(char)]
    rest = buffer.flush()
    assert [s for _, s in seen] + rest == split_sentences(text)
    assert seen[0] == (text.index(" Your"), "Thank you, Maria.")
    assert rest == ["Bye?"]
    assert buffer.flush() == []
