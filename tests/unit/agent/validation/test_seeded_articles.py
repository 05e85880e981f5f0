"""Every seeded knowledge article, read out as the knowledge journey does, passes unchanged."""

from __future__ import annotations

import pytest

from colloquy.agent.validation import ReplyValidator
from colloquy.desk.seed import seed_articles

from .conftest import MakeContext, knowledge

ARTICLES = seed_articles()


@pytest.mark.parametrize("verified", [False, True])
def test_seeded_articles_pass(
    verified: bool, make_ctx: MakeContext, validator: ReplyValidator
) -> None:
    failing = []
    for article in ARTICLES:
        ctx = make_ctx(
            "what does my policy cover?",
            verified=verified,
            outcomes=[knowledge(body=article.body, title=article.title)],
        )
        for text in (article.body, f"Our guide “{article.title}” says: {article.body}"):
            failing += [
                (article.slug, v.check, v.reason)
                for v in validator.check(ctx, text)
                if not v.passed
            ]
    assert failing == []
