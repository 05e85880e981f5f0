"""The rules behind the sales-talk cues: sentences, amounts, cue patterns, taxonomy.

Both the offline insight analyzer (:mod:`colloquy.analytics.insights`) and the conversion
model's ``insights`` block read conversations through :mod:`colloquy.features.cues`, which
applies these rules. They are kept apart because they are data more than code: a reviewer
tuning what counts as an objection edits this file only, and the detector's logic (whose
turns count, how embeddings back up the patterns) stays put.

Patterns run on a *normalised* sentence: lower case, curly apostrophes made straight. Chat
text often drops apostrophes ("dont", "ill", "im"), so the contractions below make them
optional. Each rule carries a score, the confidence that a match really is that kind: a
``?`` is a question for certain (1.0), an interrogative opener without one less so (0.7);
a stated amount is a price for certain, the word "pay" only probably.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Literal

RuleKind = Literal[
    "objection", "question", "commitment", "next_step", "price_mention", "competitor_mention"
]
"""The kinds found sentence by sentence (key moments are derived from these and turns)."""

Rule = tuple[re.Pattern[str], float]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_NOT_A_PRICE_UNIT = (
    r"(?!\s*(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|miles?|mi\b|"
    r"inch(?:es)?|in\b|ft\b|feet|%|percent|kids|children|people|times|pm\b|am\b|lbs?\b|gb\b|"
    r"k\s?miles|mpg|cc\b|sq))"
)
_AMOUNT = re.compile(
    rf"(?P<cur>[$€£])\s?(?P<a>{_NUMBER})(?P<ka>\s?k\b)?"
    rf"|(?P<b>{_NUMBER})(?P<kb>\s?k\b)?\s*(?P<unit>dollars?|bucks|usd|cents?|euros?|quid)\b"
    rf"|(?<![\w.,])(?P<c>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?)\b{_NOT_A_PRICE_UNIT}"
    rf"|\b(?:take|do|offer|pay|give you|go|sell(?: it)? for|buy(?: it)? for|for|at)\s+"
    rf"(?P<d>\d{{2,}}(?:\.\d+)?)\b{_NOT_A_PRICE_UNIT}"
)
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n'?t\b")


def split_sentences(text: str) -> list[str]:
    """``text`` cut after ``.``, ``!`` or ``?`` followed by space, and at line breaks.

    Amounts such as ``$0.50`` survive because a full stop only ends a sentence when
    whitespace follows it.
    """
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def normalise(sentence: str) -> str:
    """Lower case with straight apostrophes: the form every pattern is written against."""
    straight = sentence.replace("\u2019", "'").replace("\u2018", "'").replace("\\'", "'")
    return straight.lower()


def first_amount(normalised: str) -> float | None:
    """The first money amount in a normalised sentence, in whole currency units.

    ``$5``, ``5 dollars``, ``1,200`` (thousands separators only appear on amounts in
    these chats), ``50 cents`` (0.5), ``$2k`` (2000), and a bare number of two digits or
    more after a price verb ("would you take 180") count; "2 years" or "65k miles" do not.
    """
    match = _AMOUNT.search(normalised)
    if match is None:
        return None
    raw = match.group("a") or match.group("b") or match.group("c") or match.group("d")
    value = float(raw.replace(",", ""))
    if match.group("ka") or match.group("kb"):
        value *= 1000
    if (match.group("unit") or "").startswith("cent"):
        value /= 100
    return value


_ONES: Final = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS: Final = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES: Final[dict[str, int]] = {
    **{word: value for value, word in enumerate(_ONES)},
    **{word: 20 + 10 * i for i, word in enumerate(_TENS)},
    "a": 1,
    "a couple": 2,
    "a couple of": 2,
}
_NUMBER_WORDS: Final = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[ -](?:{'|'.join(_ONES[1:10])}))?|{'|'.join(_ONES)}"
    r"|a couple of|a couple|a)"
)
_MARKED_MONEY: Final = re.compile(
    rf"\$\s?(?P<signed>{_NUMBER})"
    rf"|(?P<number>{_NUMBER})\s*(?P<unit>(?:dollar(?:e?s)?|bucks?|cents?)\b|\$|c\b)"
    rf"|\b(?P<words>{_NUMBER_WORDS})\s+(?P<word_unit>dollars?|bucks?|cents?)\b"
    r"|\b(?P<coin>a penny|a nickel|a dime|a quarter(?! of)|half a dollar)\b"
    r"|\b(?P<none>zero|nothing)\b"
)
_COINS: Final = {"a penny": 0.01, "a nickel": 0.05, "a dime": 0.1, "a quarter": 0.25}


def _word_value(words: str) -> float:
    parts = words.replace("-", " ").split()
    if " ".join(parts) in _WORD_VALUES:
        return float(_WORD_VALUES[" ".join(parts)])
    return float(sum(_WORD_VALUES[part] for part in parts))


def stated_amounts(normalised: str) -> list[float]:
    """Every amount a normalised text marks as money, in the order said, in currency units.

    Stricter than :func:`first_amount` about bare numbers (never counted here) and wider
    about words: ``$1``, ``1$``, ``$1,200``, ``1 dollar``, ``2 bucks``, ``50 cents``,
    ``50c``, ``fifty cents``, ``a dollar``, ``twenty-five cents``, ``a couple of dollars``,
    coins (``a dime``, ``a quarter`` but not "a quarter of"), and ``zero``/``nothing``
    (0). It is what a customer's stated decision is read with
    (:mod:`colloquy.features.decision`).
    """
    found: list[float] = []
    for match in _MARKED_MONEY.finditer(normalised):
        if match.group("none"):
            found.append(0.0)
            continue
        if match.group("coin"):
            found.append(_COINS.get(match.group("coin"), 0.5))
            continue
        if match.group("signed"):
            found.append(float(match.group("signed").replace(",", "")))
            continue
        if match.group("number"):
            value, unit = float(match.group("number").replace(",", "")), match.group("unit")
        else:
            value, unit = _word_value(match.group("words")), match.group("word_unit")
        found.append(value / 100 if unit.startswith("c") else value)
    return found


def negated(normalised: str, start: int, end: int) -> bool:
    """Whether a match (``start``..``end``) contains or directly follows a negation.

    "I will not donate" must not be a commitment; the two words before the match are
    checked too ("I'm not willing to donate").
    """
    before = normalised[:start].split()[-2:]
    return bool(_NEGATION.search(normalised[start:end] + " " + " ".join(before)))


def _rules(*rules: tuple[str, float]) -> tuple[Rule, ...]:
    return tuple((re.compile(pattern), score) for pattern, score in rules)


_I_WILL = (
    r"\b(?:i'?ll|we'll|(?:i|we) (?:will|shall|can|could|am going to|are going to)"
    r"|i'?m going to|we're going to)"
)
_I_WANT = r"\b(?:i|we)(?:'?d like to| would like to| want to| plan to| wish to| would)"

PATTERNS: Final[Mapping[RuleKind, tuple[Rule, ...]]] = {
    "question": _rules(
        (r"\?", 1.0),
        (
            r"^(?:what|why|how|when|where|who|which|whose|whom)\b"
            r"(?!\s+(?:a|an|nice|great|wonderful|awesome|cool|lovely|sad|terrible|kind|"
            r"generous|fun|sweet)\b)",
            0.7,
        ),
        (
            r"^(?:do|does|did|is|are|was|were|can|could|would|will|should|shall|may|have|has"
            r"|am)\s+(?:you|i|we|they|he|she|it|there|this|that|your|my|the)\b",
            0.7,
        ),
    ),
    "objection": _rules(
        (
            r"\btoo (?:expensive|high|pricey|steep|rich)\b|\btoo much (?:for (?:me|us)|money)\b"
            r"|\b(?:is|it'?s|that'?s|seems|sounds|way|bit|little) too much\b",
            1.0,
        ),
        (r"\b(?:can'?t|cannot|can not|couldn'?t|could not) (?:really )?afford\b", 1.0),
        (r"\b(?:don'?t|do not|can'?t|cannot) (?:really |fully )?trust\b", 1.0),
        (r"\bnot (?:really |very )?(?:interested|comfortable|ready)\b", 0.9),
        (
            r"\bnot (?:really |very |so |too )?(?:sure|convinced)(?:\s*(?:[.!,;]|$)|\s+(?:about|yet"
            r"|that i|i (?:want|can|should|will|would)|if i (?:want|should|can|will)))",
            0.8,
        ),
        (r"\bmaybe (?:later|next time|another time|some other time)\b", 1.0),
        (r"\bno,? thanks?\b|\bno,? thank you\b", 0.9),
        (r"\bi(?:'?d| would) rather not\b|\bi(?:'?ll| will) pass\b|\bpass on (?:it|this)\b", 1.0),
        (
            r"\b(?:don'?t|do not|doesn'?t) (?:really )?have (?:the |much |any |enough |extra |"
            r"spare |a lot of )?(?:money|funds|cash)\b",
            1.0,
        ),
        (r"\b(?:on a (?:tight |limited |fixed )?budget|broke|short on (?:money|cash))\b", 0.9),
        (r"\b(?:scam|skeptical|sceptical|suspicious|hesitant|reluctant|wary)\b", 0.8),
        (
            r"\b(?:not|never) (?:going|willing|able) to (?:donate|pay|buy|give|spend)\b"
            r"|\b(?:won'?t|will not|wouldn'?t|would not) (?:be )?(?:donat|pay|buy|giv|spend)",
            1.0,
        ),
        (
            r"\b(?:that'?s|that is|it'?s|it is) (?:a lot|a bit much|steep)\b|\bout of my "
            r"(?:price )?range\b|\bover my budget\b|\bmore than i (?:want|can|would) ",
            0.9,
        ),
        (r"\b(?:how|why) (?:do|can|should|would) i (?:know|trust|believe)\b", 0.8),
        (r"\bi (?:don'?t|do not) (?:usually |normally |really )?donate\b", 0.9),
    ),
    "commitment": _rules(
        (
            rf"(?:{_I_WILL}|{_I_WANT}) (?:(?!not\b|never\b)\w+ )?"
            r"(?:donate|give|contribute|pledge)\b",
            0.9,
        ),
        (
            rf"(?:{_I_WILL}|{_I_WANT}) (?:(?!not\b|never\b)\w+ )?(?:make|do) (?:a |my |the )?"
            r"(?:donation|contribution|purchase)\b",
            0.9,
        ),
        (r"\b(?:happy|willing|glad) to (?:donate|give|contribute|pay)\b", 0.9),
        (rf"{_I_WILL} (?:take|buy) (?:it|that|them|this|the)\b|{_I_WILL} pay\b", 1.0),
        (r"\b(?:it'?s|that'?s|you(?:'ve)? got|you have|we have|we'?ve got) a deal\b", 1.0),
        (r"^(?:(?:ok(?:ay)?|alright|fine|sure|yes)[,!.]?\s+)?deal\b", 1.0),
        (r"\bi agree(?= to\b|\s*[.!]|\s*$)|\bi accept\b", 1.0),
        (r"\bcount me in\b|\bsign me up\b|^i'?m in[.!]*$|\blet'?s do (?:it|this)\b", 1.0),
        (rf"{_I_WILL} go (?:with|for)\b", 0.8),
    ),
    "next_step": _rules(
        (
            rf"{_I_WILL} (?:(?!not\b|never\b)\w+ )?"
            r"(?:send|email|e-mail|text|call|message|mail|ship|deliver|forward)\b",
            0.9,
        ),
        (r"\blet'?s (?:schedule|set up|meet|talk|plan|arrange|book)\b", 1.0),
        (
            r"\b(?:schedule|set up|book|arrange) (?:a|the) "
            r"(?:call|meeting|time|demo|appointment|pick ?up|viewing)\b",
            1.0,
        ),
        (r"\bcall (?:you|me) (?:back|later|tomorrow)\b|\bget back to (?:you|me)\b", 1.0),
        (r"\bfollow(?:-| )?up\b|\bnext steps?\b|\breach out\b|\bi'?ll let you know\b", 0.9),
        (
            r"\bpick(?:ing)? (?:it |them |this |that |the \w+ )?up\b|\bcome (?:by|over|get it)\b"
            r"|\b(?:swing|stop|drop) by\b",
            0.9,
        ),
        (
            r"\b(?:will|would|can|could) be (?:directly |automatically )?(?:deducted|taken out|sent"
            r"|shipped|delivered|collected|processed|charged)\b",
            0.8,
        ),
    ),
    "price_mention": _rules(
        (
            r"\b(?:prices?|priced|pricing|costs?|costly|expensive|cheap(?:er|est)?|afford(?:able)?"
            r"|discount(?:ed)?|budget|fees?|how much|dollars?|bucks|cents|pay(?:ment)?|obo)\b",
            0.7,
        ),
    ),
    "competitor_mention": _rules(
        (
            r"\banother (?:company|charity|organi[sz]ation|seller|store|dealer|listing|brand"
            r"|vendor|provider)\b|\bother (?:compan(?:y|ies)|charit(?:y|ies)|organi[sz]ations?"
            r"|sellers?|stores?|dealers?|listings?|brands?|vendors?|providers?)\b",
            0.9,
        ),
        (r"\bcompetitors?\b|\bcheaper (?:elsewhere|somewhere else|online)\b", 1.0),
        (r"\belsewhere\b|\bsomewhere else\b|\bdifferent (?:charity|company|seller)\b", 0.7),
    ),
}
"""Cue patterns per kind, each with the confidence a match carries."""

TAXONOMY: Final[Mapping[RuleKind, tuple[str, ...]]] = {
    "objection": (
        "That is too expensive for me.",
        "It's a bit out of my price range.",
        "I'm not sure I want to do this.",
        "I can't afford it right now.",
        "How do I know the money gets where it should?",
        "Maybe some other time, I'm not interested.",
    ),
    "commitment": (
        "I will donate some of my payment.",
        "I'll take it.",
        "Okay, it's a deal.",
        "Count me in, I'll give a dollar.",
        "Yes, I agree to buy it at that price.",
    ),
    "next_step": (
        "I'll send you the details by email.",
        "Let's schedule a call for tomorrow.",
        "I can come by this afternoon to pick it up.",
        "I will follow up with you next week.",
    ),
    "price_mention": (
        "How much does it cost?",
        "The price is two hundred dollars.",
        "Can you go any lower?",
        "What is your best price?",
    ),
    "competitor_mention": (
        "I found a cheaper one from another seller.",
        "Another company offers the same thing for less.",
        "I already support a different organization.",
        "I saw the same item listed elsewhere.",
    ),
}
"""A few example sentences per kind, matched by embedding similarity.

Questions are left out: a question mark or an interrogative opener finds them reliably,
and sentences merely *about* asking would be false positives.
"""


NEUTRAL_EXAMPLES: Final[tuple[str, ...]] = (
    "Hi, how are you doing today?",
    "I am doing well, thank you.",
    "Thank you, have a nice day.",
    "Would you like to donate to Save the Children?",
    "Do you donate to charities?",
    "I already donate to several charities.",
    "How much are you going to donate?",
    "The charity helps children around the world.",
    "Every donation, even a small one, makes a difference.",
    "The item is in great condition and works perfectly.",
    "Is it still available?",
    "Our product helps your team save time.",
    "Why are you selling it?",
)
"""Sentences with the vocabulary of sales talk but none of the kinds: greetings, the pitch,
the product, small questions. A sentence closer to these than to a kind's examples is not
that kind; without them every sentence about donating looks like a commitment to MiniLM.
"""


def competitor_rule(names: tuple[str, ...]) -> Rule | None:
    """A certain-match rule for the configured competitor ``names`` (None without names)."""
    cleaned = [re.escape(normalise(n.strip())) for n in names if n.strip()]
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(cleaned, key=len, reverse=True)) + r")\b"), 1.0


__all__ = [
    "NEUTRAL_EXAMPLES",
    "PATTERNS",
    "TAXONOMY",
    "Rule",
    "RuleKind",
    "competitor_rule",
    "first_amount",
    "negated",
    "normalise",
    "split_sentences",
    "stated_amounts",
]
