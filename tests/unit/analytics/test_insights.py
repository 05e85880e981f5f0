"""The offline insight analyzer on hand-written conversations and on real dialogues.

The hand-written cases pin exact kinds and turns; the real-data cases run the bundled
MiniLM over PersuasionForGood and CraigslistBargain dialogues and check what a sales
manager would expect: donors commit, negotiators talk prices, events stay unread.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.counting_embedder import CountingEmbedder

from colloquy.analytics import (
    DEFAULT_SIMILARITY_THRESHOLD,
    INSIGHT_KINDS,
    ConversationInsights,
    ExtractiveInsightAnalyzer,
    Insight,
)
from colloquy.analytics.insights import DEFAULT_SPEAKERS
from colloquy.data.loaders import get_loader
from colloquy.errors import UsageError
from colloquy.features.cue_rules import first_amount, normalise, split_sentences
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.schema import Conversation, DialogueAct, Speaker, Turn


def _conversation(
    *turns: tuple[str, str], extra_last: dict[str, str] | None = None
) -> Conversation:
    built = [Turn(index=i, speaker=Speaker(s), text=t) for i, (s, t) in enumerate(turns)]
    if extra_last is not None:
        built.append(
            Turn(index=len(built), speaker=Speaker.CUSTOMER, text="", extra=dict(extra_last))
        )
    return Conversation(id="c-1", source="test", turns=tuple(built))


SALE = _conversation(
    ("agent", "Hi, thanks for calling Acme. How can I help you today?"),
    ("customer", "I am looking at your premium plan. How much does it cost?"),
    ("agent", "The premium plan is $1,200 per year."),
    ("customer", "That's too expensive for us. Globex offers something similar for less."),
    ("agent", "I can give you a 10% discount if you sign this week."),
    ("customer", "Okay, deal. I'll take it at that price."),
    ("agent", "Great, I'll send the contract by email today."),
    ("customer", "Can you call me back tomorrow to go through it?"),
    extra_last={"event": "accept"},
)


def _pairs(insights: Sequence[Insight]) -> list[tuple[int, str]]:
    return [(i.turn_index, i.kind) for i in insights]


def test_sales_call_gives_exact_kinds_turns_and_values() -> None:
    result = ExtractiveInsightAnalyzer(competitors=["Globex"]).analyze(SALE)
    assert _pairs(result.insights) == [
        (0, "question"),
        (1, "question"),
        (1, "price_mention"),
        (2, "price_mention"),
        (3, "objection"),
        (3, "price_mention"),
        (3, "key_moment"),
        (3, "competitor_mention"),
        (4, "price_mention"),
        (5, "commitment"),
        (5, "key_moment"),
        (5, "commitment"),
        (5, "price_mention"),
        (6, "next_step"),
        (7, "question"),
        (7, "next_step"),
    ]
    assert all(i.method == "pattern" for i in result.insights)
    price = result.by_kind("price_mention")[1]
    assert (price.text, price.value, price.score, price.speaker) == (
        "The premium plan is $1,200 per year.",
        1200.0,
        1.0,
        "agent",
    )
    assert [m.text for m in result.by_kind("key_moment")] == [
        "That's too expensive for us.",
        "Okay, deal.",
    ]
    assert result.by_kind("competitor_mention")[0].text.startswith("Globex")
    assert result.counts() == {
        "objection": 1,
        "question": 3,
        "commitment": 2,
        "next_step": 2,
        "price_mention": 5,
        "competitor_mention": 1,
        "key_moment": 2,
    }


def test_without_the_competitor_name_only_generic_phrases_count() -> None:
    result = ExtractiveInsightAnalyzer().analyze(SALE)
    assert result.by_kind("competitor_mention") == ()
    elsewhere = _conversation(("customer", "I can find lamps much cheaper elsewhere."))
    found = ExtractiveInsightAnalyzer().analyze(elsewhere).by_kind("competitor_mention")
    assert [(i.turn_index, i.score) for i in found] == [(0, 1.0)]


def test_event_turns_are_never_analysed() -> None:
    offer = Turn(
        index=1,
        speaker=Speaker.AGENT,
        text="",
        dialogue_acts=(DialogueAct(act="OFFER", slot="price", values=(243.0,)),),
        extra={"event": "offer"},
    )
    # An event turn that does carry text is still skipped: "event" alone decides.
    accept = Turn(
        index=2, speaker=Speaker.CUSTOMER, text="Deal, I accept $243?", extra={"event": "accept"}
    )
    conversation = Conversation(
        id="cb",
        source="craigslist_bargain",
        turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text="Would you take $243?"), offer, accept),
    )
    result = ExtractiveInsightAnalyzer().analyze(conversation, key_turns=[1, 2])
    assert _pairs(result.insights) == [(0, "question"), (0, "price_mention")]
    assert result.by_kind("price_mention")[0].value == 243.0


def test_key_turns_become_explainer_moments_before_the_turns_other_insights() -> None:
    result = ExtractiveInsightAnalyzer().analyze(SALE, key_turns=[7, 1, 7])
    moments = result.by_kind("key_moment")
    assert [(m.turn_index, m.method, m.score) for m in moments] == [
        (1, "explainer", 1.0),
        (3, "pattern", 1.0),
        (5, "pattern", 1.0),
        (7, "explainer", 1.0),
    ]
    assert moments[0].text == "I am looking at your premium plan. How much does it cost?"
    turn_seven = [i.kind for i in result.insights if i.turn_index == 7]
    assert turn_seven == ["key_moment", "question", "next_step"]


def test_a_key_turn_outside_the_conversation_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"key turn 40 is not a turn of conversation 'c-1'"):
        ExtractiveInsightAnalyzer().analyze(SALE, key_turns=[40])


def test_price_reaction_is_a_key_moment_only_once_per_turn() -> None:
    conversation = _conversation(
        ("agent", "It is $50."),
        ("customer", "$50 is too much for me. I can't afford it."),
    )
    result = ExtractiveInsightAnalyzer().analyze(conversation, key_turns=[1])
    moments = result.by_kind("key_moment")
    assert [(m.turn_index, m.method) for m in moments] == [(1, "explainer")]
    assert len(result.by_kind("objection")) == 2


def test_negated_commitments_are_objections_not_commitments() -> None:
    conversation = _conversation(
        ("customer", "I will not donate today."),
        ("customer", "I won't be donating, sorry."),
        ("customer", "Would you be willing to donate to them?"),
        ("customer", "I will donate $1."),
    )
    result = ExtractiveInsightAnalyzer().analyze(conversation)
    assert [(i.turn_index, i.value) for i in result.by_kind("commitment")] == [(3, 1.0)]
    assert [i.turn_index for i in result.by_kind("objection")] == [0, 1]


def test_objections_and_commitments_come_from_the_customer_by_default() -> None:
    conversation = _conversation(
        ("agent", "That's too expensive, I can't go that low."),
        ("agent", "I will donate too."),
    )
    default = ExtractiveInsightAnalyzer().analyze(conversation)
    assert default.by_kind("objection") == ()
    assert default.by_kind("commitment") == ()
    both = {**DEFAULT_SPEAKERS, "objection": frozenset({Speaker.CUSTOMER, Speaker.AGENT})}
    custom = ExtractiveInsightAnalyzer(speakers=both).analyze(conversation)
    assert [(i.turn_index, i.speaker) for i in custom.by_kind("objection")] == [(0, "agent")]


@pytest.mark.parametrize(
    ("sentence", "amount"),
    [
        ("It is $5.", 5.0),
        ("I can give 5 dollars", 5.0),
        ("I'd pay 1,200 for it", 1200.0),
        ("I will donate 50 cents", 0.5),
        ("I'll donate $.25", 0.25),
        ("Asking $2k firm", 2000.0),
        ("would you take 180?", 180.0),
        ("I have 2 kids", None),
        ("It has 65,000 miles on it", None),
        ("I drove it for 10 years", None),
    ],
)
def test_first_amount(sentence: str, amount: float | None) -> None:
    assert first_amount(normalise(sentence)) == amount


def test_sentences_split_at_stops_but_keep_decimal_amounts() -> None:
    assert split_sentences("I'll donate $0.50. Is that ok?\nThanks!") == [
        "I'll donate $0.50.",
        "Is that ok?",
        "Thanks!",
    ]
    assert normalise("I\u2019LL take it") == "i'll take it"


def test_counts_by_kind_and_to_dict() -> None:
    result = ExtractiveInsightAnalyzer().analyze(_conversation(("agent", "Hello there.")))
    assert result.insights == ()
    assert result.counts() == dict.fromkeys(INSIGHT_KINDS, 0)
    full = ExtractiveInsightAnalyzer(competitors=["Globex"]).analyze(SALE)
    payload = json.loads(json.dumps(full.to_dict()))
    assert payload["conversation_id"] == "c-1"
    assert payload["counts"] == full.counts()
    assert payload["dropped"] == 0
    assert len(payload["insights"]) == len(full.insights)
    assert (
        ConversationInsights.model_validate({k: v for k, v in payload.items() if k != "counts"})
        == full
    )
    with pytest.raises(UsageError, match="unknown insight kind 'objections'"):
        full.by_kind("objections")  # type: ignore[arg-type]


def test_invalid_threshold_is_refused() -> None:
    with pytest.raises(UsageError, match=r"within 0\.\.1, got 1\.5"):
        ExtractiveInsightAnalyzer(similarity_threshold=1.5)


def test_embeddings_find_what_no_pattern_lists(torch_embedder: SentenceEmbedder) -> None:
    conversation = _conversation(
        ("agent", "The bike is $400."),
        ("customer", "The price is a bit much for me."),
        ("customer", "Are you willing to go lower?"),
        ("customer", "Hi, how are you doing today?"),
    )
    offline = ExtractiveInsightAnalyzer().analyze(conversation)
    assert offline.by_kind("objection") == ()
    result = ExtractiveInsightAnalyzer(torch_embedder).analyze(conversation)
    objection = result.by_kind("objection")
    assert [(i.turn_index, i.method) for i in objection] == [(1, "embedding")]
    assert DEFAULT_SIMILARITY_THRESHOLD <= objection[0].score <= 1.0
    assert (2, "embedding") in [(i.turn_index, i.method) for i in result.by_kind("price_mention")]
    assert [i.kind for i in result.insights if i.turn_index == 3] == ["question"]
    # "a bit much" also answers the $400: the reaction to a price is a key moment.
    assert [m.turn_index for m in result.by_kind("key_moment")] == [1]


def test_one_encode_per_new_sentence_and_the_taxonomy_once(
    torch_embedder: SentenceEmbedder,
) -> None:
    counting = CountingEmbedder(torch_embedder)
    analyzer = ExtractiveInsightAnalyzer(counting)
    first = analyzer.analyze(SALE)
    taxonomy, *per_conversation = counting.calls
    # 12 sentences in SALE's eight spoken turns; the event turn is not embedded.
    assert per_conversation == [12]
    assert taxonomy > 20
    # Seen sentences come from the memo: the same call again encodes nothing.
    assert analyzer.analyze(SALE) == first
    longer = SALE.model_copy(
        update={"turns": (*SALE.turns, Turn(index=9, speaker=Speaker.AGENT, text="Sure thing."))}
    )
    analyzer.analyze(longer)
    analyzer.analyze(_conversation(extra_last={"event": "quit"}))
    assert counting.calls[1:] == [12, 1]


@pytest.fixture(scope="module")
def p4g_dialogues(datasets_dir: Path) -> list[Conversation]:
    loader = get_loader("persuasion4good")
    return list(itertools.islice(loader.load(datasets_dir / "persuasion4good"), 20))


@pytest.fixture(scope="module")
def p4g_insights(
    p4g_dialogues: list[Conversation], torch_embedder: SentenceEmbedder
) -> list[ConversationInsights]:
    """The 20 dialogues analysed once (MiniLM on a CPU is the slow part)."""
    analyzer = ExtractiveInsightAnalyzer(torch_embedder)
    return [analyzer.analyze(c) for c in p4g_dialogues]


@pytest.fixture(scope="module")
def bargains(datasets_dir: Path) -> list[Conversation]:
    loader = get_loader("craigslist_bargain")
    return list(itertools.islice(loader.load(datasets_dir / "craigslist_bargain"), 20))


def test_real_p4g_donors_commit_and_everyone_asks(
    p4g_dialogues: list[Conversation], p4g_insights: list[ConversationInsights]
) -> None:
    donated = [bool(c.outcome and c.outcome.converted) for c in p4g_dialogues]
    donors = [r for r, d in zip(p4g_insights, donated, strict=True) if d]
    others = [r for r, d in zip(p4g_insights, donated, strict=True) if not d]
    assert len(donors) >= 8
    committed = sum(1 for r in donors if r.counts()["commitment"]) / len(donors)
    committed_others = sum(1 for r in others if r.counts()["commitment"]) / len(others)
    assert committed >= 0.6
    assert committed > committed_others
    assert all(r.counts()["question"] > 0 for r in p4g_insights)
    for result, conversation in zip(p4g_insights, p4g_dialogues, strict=True):
        assert result.conversation_id == conversation.id
        for insight in result.insights:
            turn = conversation.turns[insight.turn_index]
            assert insight.speaker == turn.speaker.value
            assert insight.text in turn.text
            if insight.kind in ("objection", "commitment"):
                assert insight.speaker == "customer"


def test_real_bargains_talk_prices_and_events_stay_unread(
    bargains: list[Conversation], torch_embedder: SentenceEmbedder
) -> None:
    analyzer = ExtractiveInsightAnalyzer(torch_embedder)
    spoken = [c for c in bargains if any(t.text.strip() for t in c.turns)]
    results = [analyzer.analyze(c) for c in spoken]
    with_price = [r for r in results if r.counts()["price_mention"]]
    assert len(with_price) >= 0.75 * len(spoken)
    valued = [i.value for r in results for i in r.by_kind("price_mention") if i.value is not None]
    assert valued
    assert all(v > 0 for v in valued)
    for result, conversation in zip(results, spoken, strict=True):
        for insight in result.insights:
            assert "event" not in conversation.turns[insight.turn_index].extra


def test_analysis_is_deterministic(
    p4g_dialogues: list[Conversation],
    p4g_insights: list[ConversationInsights],
    torch_embedder: SentenceEmbedder,
) -> None:
    # A fresh analyzer (taxonomy embedded anew) and a reused one (taxonomy cached) agree.
    fresh = ExtractiveInsightAnalyzer(torch_embedder)
    assert [fresh.analyze(c) for c in p4g_dialogues[:3]] == p4g_insights[:3]
    assert fresh.analyze(p4g_dialogues[0]) == p4g_insights[0]
