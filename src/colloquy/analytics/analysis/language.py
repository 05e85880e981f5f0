"""A cheap, offline check that a conversation is English before English-only parts read it.

VADER's lexicon and the cue-phrase detectors read English; on Spanish or Japanese text
they do not fail, they answer "neutral" and "no failure", which is wrong without looking
wrong. So each conversation is checked first, with two signals and no model:

* **script**: the share of its letters that are Latin (``latin_share``); Japanese, Arabic
  or Cyrillic text scores near 0;
* **vocabulary**: the share of its word tokens found in an English word list
  (``english_share``): scikit-learn's English stop words plus VADER's lexicon, both
  already installed. Running English prose has roughly half its tokens in that list;
  other Latin-script languages share few of them.

@mentions, #hashtags, URLs and numbers are removed first (a Spanish tweet to
``@AppleSupport`` is not English because of the handle). A conversation with fewer than
:data:`MIN_TOKENS` words is too short to judge and counts as English, as does one with no
letters at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from colloquy.analytics.analysis.records import LanguageCheck

MIN_TOKENS = 4
"""Fewest word tokens for the vocabulary signal to decide."""
MIN_ENGLISH_SHARE = 0.3
"""Smallest share of known English tokens for a conversation to count as English."""
MIN_LATIN_SHARE = 0.5
"""Smallest share of Latin-script letters for a conversation to count as English."""

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\d+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")
"""A letter outside Basic Latin, Latin-1, Latin Extended-A/B and Extended Additional."""


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English word list: scikit-learn's stop words and VADER's lexicon entries."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    lexicon = SentimentIntensityAnalyzer().lexicon
    words = {w for w in lexicon if w.isalpha()}
    extra = {"i", "i'm", "don't", "can't", "it's", "you're", "that's", "isn't", "won't"}
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(words) | frozenset(extra)


def check_language(texts: Iterable[str]) -> LanguageCheck:
    """Whether ``texts`` (one conversation's turns) read as English (module docstring)."""
    known = english_words()
    words = _WORD.findall(_NOISE.sub(" ", " ".join(texts)).lower())
    tokens = len(words)
    hits = sum(map(known.__contains__, words))
    joined = "".join(words)
    letters = len(joined) - joined.count("'")
    latin = letters - len(_NON_LATIN.findall(joined))
    english_share = hits / tokens if tokens else 1.0
    latin_share = latin / letters if letters else 1.0
    is_english = latin_share >= MIN_LATIN_SHARE and (
        tokens < MIN_TOKENS or english_share >= MIN_ENGLISH_SHARE
    )
    return LanguageCheck(
        is_english=is_english,
        english_share=english_share,
        latin_share=latin_share,
        tokens=tokens,
    )
