"""Sales-talk cues: the objections, questions, commitments, next steps, prices and
competitors said in a conversation, sentence by sentence.

Two readers need the same cues. A manager reads them as insights
(:mod:`colloquy.analytics.insights` turns each cue into an ``Insight`` and adds key
moments); the conversion model counts them (:func:`cue_matrix`, its ``insights`` block),
because a compact count of what the customer committed to or objected to is evidence the
word blocks only hold spread over thousands of n-grams. Living in ``features`` lets both
layers use one detector.

Every spoken turn is cut into sentences; each sentence is matched against the patterns of
:data:`~colloquy.features.cue_rules.PATTERNS` for the kinds its speaker may carry
(:data:`DEFAULT_SPEAKERS`). With an embedder, a sentence no pattern marked for a kind is
compared with that kind's example sentences in :data:`~colloquy.features.cue_rules.TAXONOMY`
and becomes a cue when its best cosine similarity reaches ``similarity_threshold``.

Threshold for the embedding fallback, chosen on real data (all-MiniLM-L6-v2; the first
300 PersuasionForGood and 300 CraigslistBargain dialogues; patterns alone found 269 and 79
commitments, 91 and 38 objections, 1,245 and 875 price mentions there). Counted are the
sentences the embeddings *add*: no pattern fired, and the sentence is closer to the kind's
examples than to the neutral ones (a first draft, without that check and with donation
words in the competitor examples, found 0.8 "competitor mentions" per P4G dialogue between
0.65 and 0.70, all plain donation talk such as "Do you donate to charities?"):

* 0.55 — 0.27 per P4G dialogue, 0.16 per Craigslist one; "competitors" are mostly "this
  organization", "objections" include "I would possibly be interested!".
* 0.60 — 0.13 and 0.07; about half the added P4G commitments are wrong ("I might just
  have some funds", "I am sure everyone will appreciate the donation").
* 0.65 — 0.08 and 0.05; P4G gains about 20 commitments, two thirds right ("I would love
  to make a donation today"; wrong: "I could probably use a donation!") and two
  objections, both doubts about where the money goes; Craigslist gains ten price
  mentions, all "can you go any lower?" in other words, and three right objections ("The
  price is a bit high for my budget").
* 0.70 — 0.03 and 0.03: little beyond near-copies of the examples.

Hence 0.65: the fallback adds few cues, and mostly right ones.

Structured event turns (empty text, or ``turn.extra`` holding ``"event"``) are never read:
they reveal the outcome and carry no words.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import UsageError
from colloquy.features.cue_rules import (
    NEUTRAL_EXAMPLES,
    PATTERNS,
    TAXONOMY,
    Rule,
    RuleKind,
    competitor_rule,
    first_amount,
    negated,
    normalise,
    split_sentences,
)
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker, Turn

if TYPE_CHECKING:
    from colloquy.features.embeddings import Embedder

CueMethod = Literal["pattern", "embedding"]
CUE_KINDS: Final[tuple[RuleKind, ...]] = get_args(RuleKind)
DEFAULT_SIMILARITY_THRESHOLD: Final = 0.65
"""Cosine similarity to the taxonomy an unmatched sentence needs (see the module docstring)."""

_CUSTOMER: Final = frozenset({Speaker.CUSTOMER})
_BOTH: Final = frozenset({Speaker.CUSTOMER, Speaker.AGENT, Speaker.BOT})
DEFAULT_SPEAKERS: Final[Mapping[RuleKind, frozenset[Speaker]]] = {
    "objection": _CUSTOMER,
    "question": _BOTH,
    "commitment": _CUSTOMER,
    "next_step": _BOTH,
    "price_mention": _BOTH,
    "competitor_mention": _BOTH,
}
"""Whose sentences are searched for each kind.

Objections and commitments come from the customer (the persuadee, the buyer) because an
agent's "I can't go that low" is a counter-offer and "I will donate too" is persuasion,
not a close; questions, next steps, prices and competitors count from both sides, since
an agent's question or "I'll send the contract" matters as much. System turns are never
read.
"""

_VALUED: Final = frozenset({"price_mention", "commitment"})
_NEUTRAL: Final = "neutral"


@dataclass(frozen=True, slots=True)
class Cue:
    """One sentence that carries a kind of sales-talk moment."""

    kind: RuleKind
    turn: Turn
    position: int
    """The sentence's place within its turn (0 = first)."""
    text: str
    score: float
    """Confidence, 0..1: the rule's score, or the embedding similarity."""
    method: CueMethod
    value: float | None = None
    """The stated amount, for prices and commitments that name one."""


class _Sentence:
    __slots__ = ("normalised", "position", "text", "turn")

    def __init__(self, turn: Turn, position: int, text: str) -> None:
        self.turn = turn
        self.position = position
        self.text = text
        self.normalised = normalise(text)


def _sentences(conversation: Conversation) -> list[_Sentence]:
    return [
        _Sentence(turn, position, text)
        for turn in conversation.turns
        if is_spoken(turn)
        for position, text in enumerate(split_sentences(turn.text))
    ]


class CueDetector:
    """Finds the cues of a conversation from patterns, backed up by embedding similarity.

    One ``encode`` call embeds the sentences that were not seen before: each sentence's
    similarities are kept in an LRU memo of ``memo_size`` sentences, so scoring a call
    again as it grows, or without one turn (the explanations), costs no new encoder calls.
    The taxonomy is embedded once.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        *,
        competitors: Sequence[str] = (),
        speakers: Mapping[RuleKind, frozenset[Speaker]] = DEFAULT_SPEAKERS,
        memo_size: int = 50_000,
    ) -> None:
        if not 0.0 <= similarity_threshold <= 1.0:
            raise UsageError(
                f"similarity_threshold must be within 0..1, got {similarity_threshold}",
                hint=f"the default, {DEFAULT_SIMILARITY_THRESHOLD}, was chosen on real data",
            )
        self.embedder = embedder
        self.similarity_threshold = similarity_threshold
        self.competitors = tuple(competitors)
        self.speakers = speakers
        self.memo_size = memo_size
        self._taxonomy: dict[str, NDArray[np.float32]] | None = None
        self._memo: OrderedDict[str, dict[str, float]] = OrderedDict()

    def detect(self, conversation: Conversation) -> list[Cue]:
        """Every cue of ``conversation``, in turn and sentence order."""
        return self.detect_all([conversation])[0]

    def detect_all(self, conversations: Sequence[Conversation]) -> list[list[Cue]]:
        """The cues of each conversation; the sentences of all of them not seen before are
        embedded in one batched ``encode`` call (per-conversation calls were three times
        slower on CraigslistBargain)."""
        sentences = [_sentences(c) for c in conversations]
        similarities = self._similarities([s for found in sentences for s in found])
        out: list[list[Cue]] = []
        start = 0
        for found in sentences:
            out.append(self._cues(found, similarities[start : start + len(found)]))
            start += len(found)
        return out

    def _cues(
        self, sentences: Sequence[_Sentence], similarities: Sequence[Mapping[str, float]]
    ) -> list[Cue]:
        cues: list[Cue] = []
        for sentence, similarity in zip(sentences, similarities, strict=True):
            for kind in PATTERNS:
                if sentence.turn.speaker not in self.speakers.get(kind, frozenset()):
                    continue
                cue = self._cue(sentence, kind, similarity)
                if cue is not None:
                    cues.append(cue)
        return cues

    def _cue(
        self, sentence: _Sentence, kind: RuleKind, similarities: Mapping[str, float]
    ) -> Cue | None:
        score = self._pattern_score(sentence.normalised, kind)
        method: CueMethod = "pattern"
        if score is None and self._embedding_match(sentence, kind, similarities):
            score, method = min(similarities[kind], 1.0), "embedding"
        if score is None:
            return None
        return Cue(
            kind=kind,
            turn=sentence.turn,
            position=sentence.position,
            text=sentence.text,
            score=score,
            method=method,
            value=first_amount(sentence.normalised) if kind in _VALUED else None,
        )

    def _embedding_match(
        self, sentence: _Sentence, kind: RuleKind, similarities: Mapping[str, float]
    ) -> bool:
        """Close enough to ``kind``'s examples, and closer to them than to neutral talk.

        A commitment must also be an unnegated statement: MiniLM puts "I will not be
        donating" and "how much will you donate?" right beside "I will donate".
        """
        if kind == "commitment" and is_question(sentence.normalised):
            return False
        best = similarities.get(kind)
        if best is None or best < self.similarity_threshold:
            return False
        if best <= similarities.get(_NEUTRAL, -1.0):
            return False
        text = sentence.normalised
        return kind != "commitment" or not negated(text, 0, len(text))

    def _pattern_score(self, normalised: str, kind: RuleKind) -> float | None:
        if kind == "price_mention" and first_amount(normalised) is not None:
            return 1.0
        if kind == "commitment" and is_question(normalised):
            return None
        rules: tuple[Rule, ...] = PATTERNS[kind]
        if kind == "competitor_mention":
            named = competitor_rule(self.competitors)
            rules = (named, *rules) if named is not None else rules
        best: float | None = None
        for pattern, score in rules:
            for match in pattern.finditer(normalised):
                if kind in ("commitment", "next_step") and negated(
                    normalised, match.start(), match.end()
                ):
                    continue
                best = max(best or 0.0, score)
                break
        return best

    def _similarities(self, sentences: Sequence[_Sentence]) -> list[dict[str, float]]:
        """Per sentence, the best cosine similarity to each kind's examples and to neutral
        talk; sentences not in the memo are embedded in one ``encode`` call."""
        if self.embedder is None or not sentences:
            return [{} for _ in sentences]
        texts = [s.text for s in sentences]
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            anchors = self._taxonomy_vectors(self.embedder)
            vectors = self.embedder.encode(missing)
            best = {name: (vectors @ examples.T).max(axis=1) for name, examples in anchors.items()}
            for row, text in enumerate(missing):
                self._memo[text] = {name: float(best[name][row]) for name in best}
        for text in texts:
            self._memo.move_to_end(text)
        while len(self._memo) > max(self.memo_size, len(set(texts))):
            self._memo.popitem(last=False)
        return [self._memo[t] for t in texts]

    def _taxonomy_vectors(self, embedder: Embedder) -> dict[str, NDArray[np.float32]]:
        if self._taxonomy is None:
            groups: dict[str, tuple[str, ...]] = {kind: TAXONOMY[kind] for kind in TAXONOMY}
            groups[_NEUTRAL] = NEUTRAL_EXAMPLES
            vectors = embedder.encode([text for texts in groups.values() for text in texts])
            split: dict[str, NDArray[np.float32]] = {}
            start = 0
            for name, texts in groups.items():
                split[name] = vectors[start : start + len(texts)]
                start += len(texts)
            self._taxonomy = split
        return self._taxonomy


def is_question(normalised: str) -> bool:
    """A sentence ending in ``?`` asks; "would you be willing to donate?" commits nobody."""
    return normalised.rstrip().endswith("?")


CUE_FEATURES: Final[tuple[str, ...]] = (
    *(f"customer {kind}s" for kind in CUE_KINDS),
    *(f"customer {kind}s in the last third" for kind in CUE_KINDS),
    "last amount the customer committed to",
)
"""Column names of :func:`cue_matrix`."""


def cue_matrix(conversations: Sequence[Conversation], detector: CueDetector) -> NDArray[np.float64]:
    """Per conversation, the customer's cues counted by kind, over the whole conversation
    and in the last third of its spoken turns (at least the last one), and the amount of
    their last commitment that named one (NaN when none did).

    Only the customer's cues: on PersuasionForGood (grouped 5-fold CV, fold partitions
    1–5) adding these columns as a block raised the stacked model by 0.0066–0.0084 (mean
    0.0075); counting the agent's cues too gained less (mean 0.0062), perhaps because the
    agent's questions and prices describe the pitch rather than the customer's answer. On
    partitions 6–8, not used to choose, the ``insights`` block added 0.003–0.009
    (``benchmarks/conversion.py --repeats``).
    """
    out = np.zeros((len(conversations), len(CUE_FEATURES)), dtype=np.float64)
    width = len(CUE_KINDS)
    column = {kind: i for i, kind in enumerate(CUE_KINDS)}
    for row, (conversation, cues) in enumerate(
        zip(conversations, detector.detect_all(conversations), strict=True)
    ):
        spoken = [t.index for t in conversation.turns if is_spoken(t)]
        late = set(spoken[len(spoken) - math.ceil(len(spoken) / 3) :])
        amount = np.nan
        for cue in cues:
            if cue.turn.speaker is not Speaker.CUSTOMER:
                continue
            out[row, column[cue.kind]] += 1
            if cue.turn.index in late:
                out[row, width + column[cue.kind]] += 1
            if cue.kind == "commitment" and cue.value is not None:
                amount = cue.value
        out[row, -1] = amount
    return out


__all__ = [
    "CUE_FEATURES",
    "CUE_KINDS",
    "DEFAULT_SIMILARITY_THRESHOLD",
    "DEFAULT_SPEAKERS",
    "Cue",
    "CueDetector",
    "CueMethod",
    "cue_matrix",
    "is_question",
]
