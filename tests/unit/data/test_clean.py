"""Text cleaning: every step on and off, on tweet-like support messages.

The strings are modelled on the TWCS customer-support tweets (HTML-escaped ``&amp;``, t.co
links, numeric @handles, hashtags, emoji), so the steps are tested on what they will meet.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from colloquy.data.clean import (
    STEP_ORDER,
    Cleaner,
    CleaningConfig,
    clean_conversation,
    clean_text,
)
from colloquy.schema import Conversation, Speaker, Turn

# Everything off: a baseline on which to switch on one step at a time.
OFF: dict[str, Any] = {
    "unicode_nfkc": False,
    "html_entities": False,
    "strip_html_tags": False,
    "whitespace": False,
    "urls": "keep",
    "mentions": "keep",
    "hashtags": "keep",
    "lowercase": False,
    "drop_empty_turns": False,
}

TWEETS = [
    "@AppleSupport I️ &lt;— wtf is going on 😡 https://t.co/0C3aXJhiAg",
    "@116136 @comcastcares fails to deliver. Have dealt w/ them all day &amp; still no "
    "resolution. #comcastdoesntcare #ihatecomcast",
    "Check out these tiny trick-or-treaters in our #NICU. Hey @AmericanAir! "
    "https://t.co/0C3aXJhiAg",
    "@AdobeCare Thanks, they are #0C2340 &amp; #003B49",
    "Fresh cream palmier @Morrisons gets my vote 👨\u200d🍳😘😋💗 #gbbo17",
    "@115792 ご不便をおかけしております。再起動&gt;お試しください。https://t.co/NtNAX2Qh2u ET",
    "  @Delta   flight   DL1234\n\non 10/31 —  order #12345 cancelled  ",
    "<p>Hi&nbsp;<b>team</b>,<br/>my bill is &pound;42.50 &amp;amp; rising</p> ™️ ｆｕｌｌ",
    "mail jane@example.com or see www.example.com/help, bit.ly/3xYz.",
    "",
]

ALL_ON = CleaningConfig(
    strip_html_tags=True,
    urls="token",
    mentions="token",
    hashtags="strip_hash",
    lowercase=True,
    drop_empty_turns=True,
)


def _only(**step: Any) -> CleaningConfig:
    return CleaningConfig(**{**OFF, **step})


# --- configuration ------------------------------------------------------------------------------


def test_defaults() -> None:
    config = CleaningConfig()
    on = (config.unicode_nfkc, config.html_entities, config.whitespace)
    off = (config.strip_html_tags, config.lowercase, config.drop_empty_turns)
    assert on == (True, True, True)
    assert off == (False, False, False)
    assert (config.urls, config.mentions, config.hashtags) == ("token", "keep", "keep")
    assert config.enabled_steps() == ("html_entities", "unicode_nfkc", "urls", "whitespace")


def test_config_is_frozen_and_strict() -> None:
    config = CleaningConfig()
    with pytest.raises(ValidationError):
        config.lowercase = True  # type: ignore[misc]
    with pytest.raises(ValidationError):
        CleaningConfig.model_validate({"lowercase": True, "stemming": True})
    with pytest.raises(ValidationError):
        CleaningConfig.model_validate({"urls": "mask"})
    with pytest.raises(ValidationError):
        CleaningConfig.model_validate({"hashtags": "token"})


def test_everything_off_changes_nothing() -> None:
    config = _only()
    assert config.enabled_steps() == ()
    for tweet in TWEETS:
        assert clean_text(tweet, config) == tweet


# --- one step at a time -------------------------------------------------------------------------


def test_html_entities() -> None:
    config = _only(html_entities=True)
    assert clean_text("fish &amp; chips &lt;3 &gt; &quot;ok&quot; it&#39;s", config) == (
        'fish & chips <3 > "ok" it\'s'
    )
    assert clean_text("smile &#x1F600; &#128512;", config) == "smile 😀 😀"
    assert clean_text("double &amp;amp; escaped", config) == "double & escaped"
    assert clean_text("AT&T and R&D & co", config) == "AT&T and R&D & co"
    assert clean_text("fish &amp; chips", _only()) == "fish &amp; chips"


def test_unicode_nfkc() -> None:
    config = _only(unicode_nfkc=True)
    assert clean_text("ｆｕｌｌ ｗｉｄｔｈ ①②", config) == "full width 12"
    assert clean_text("ﬁle oﬃce", config) == "file office"
    assert clean_text("iPhone™ café", config) == "iPhoneTM café"
    assert clean_text("ｆｕｌｌ", _only()) == "ｆｕｌｌ"


EMOJI = [
    "😀",
    "😡",
    "👍🏽",  # skin tone
    "👨\u200d👩\u200d👧\u200d👦",  # ZWJ family
    "👨\u200d🍳",
    "🇪🇸",  # flag
    "#️⃣",  # keycap
    "1️⃣",
    "❤️",
    "✔️",
    "™️",  # NFKC would make "TM"
    "ℹ️",  # NFKC would make "i"
    "‼️",  # NFKC would make "!!"
    "Ⓜ️",
    "㊗️",
    "🈯",  # NFKC would make "指"
    "🈁",  # NFKC would make "ココ"
    "🈂️",
    "🉐",
]


@pytest.mark.parametrize("emoji", EMOJI)
def test_emoji_survive_every_step(emoji: str) -> None:
    text = f"thanks {emoji} so much"
    assert clean_text(text, _only(unicode_nfkc=True)) == text
    assert clean_text(text, ALL_ON) == text
    assert clean_text(emoji, ALL_ON) == emoji


def test_emoji_shielding_does_not_stop_normalising_around_them() -> None:
    assert clean_text("ｆｕｌｌ🈯ｗｉｄｔｈ™", _only(unicode_nfkc=True)) == "full🈯widthTM"


def test_strip_html_tags() -> None:
    config = _only(strip_html_tags=True, whitespace=True)
    text = '<div class="msg"><p>Hi <b>team</b>,<br/>see <a href="https://x.co/1">this</a></p></div>'
    assert clean_text(text, config) == "Hi team, see this"
    assert clean_text("a<!-- hidden -->b<script>alert(1)</script>c", config) == "a b c"
    # Not tags: a heart, a comparison, placeholders.
    assert clean_text("I <3 you, 2 < 3 > 1, <URL> <EMAIL>", config) == (
        "I <3 you, 2 < 3 > 1, <URL> <EMAIL>"
    )
    assert clean_text("<b>bold</b>", _only()) == "<b>bold</b>"


def test_entities_are_decoded_before_tags_are_stripped() -> None:
    config = _only(html_entities=True, strip_html_tags=True)
    assert clean_text("&lt;b&gt;hi&lt;/b&gt; &lt;3", config) == "hi <3"


def test_whitespace() -> None:
    config = _only(whitespace=True)
    assert clean_text("  hi \t there\n\nfriend \u00a0 ", config) == "hi there friend"
    assert clean_text("a\u200db", config) == "a\u200db"  # zero-width joiner is not whitespace
    assert clean_text("  hi  ", _only()) == "  hi  "


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", "see https://t.co/0C3aXJhiAg, or www.example.com/help."),
        ("token", "see <URL>, or <URL>."),
        ("remove", "see , or ."),
    ],
)
def test_url_modes(mode: str, expected: str) -> None:
    text = "see https://t.co/0C3aXJhiAg, or www.example.com/help."
    assert clean_text(text, _only(urls=mode)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go to http://example.com/a?b=1&c=2#frag now", "go to <URL> now"),
        ("(see https://t.co/abc)", "(see <URL>)"),
        ("ください。https://t.co/NtNAX2Qh2u ET", "ください。<URL> ET"),
        ("short link bit.ly/3xYz!", "short link <URL>!"),
        ("orders at amazon.com/orders", "orders at <URL>"),
        ("mail jane@example.com", "mail jane@example.com"),
        ("version 1.2.3 and and/or", "version 1.2.3 and and/or"),
    ],
)
def test_urls_are_found_in_real_shapes(text: str, expected: str) -> None:
    assert clean_text(text, _only(urls="token")) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", "@AskPayPal @115712 hi, mail jane@example.com .@delta"),
        ("token", "<MENTION> <MENTION> hi, mail jane@example.com .<MENTION>"),
        ("remove", "  hi, mail jane@example.com ."),
    ],
)
def test_mention_modes(mode: str, expected: str) -> None:
    text = "@AskPayPal @115712 hi, mail jane@example.com .@delta"
    assert clean_text(text, _only(mentions=mode)) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", "so #frustrating!! order #12345, C# and #1 fan #gbbo17"),
        ("strip_hash", "so frustrating!! order #12345, C# and #1 fan gbbo17"),
        ("remove", "so !! order #12345, C# and #1 fan "),
    ],
)
def test_hashtag_modes(mode: str, expected: str) -> None:
    text = "so #frustrating!! order #12345, C# and #1 fan #gbbo17"
    assert clean_text(text, _only(hashtags=mode)) == expected


def test_lowercase_keeps_placeholders() -> None:
    config = _only(lowercase=True)
    assert clean_text("HELLO <URL> and <EMAIL> Über", config) == "hello <URL> and <EMAIL> über"
    assert clean_text("HELLO", _only()) == "HELLO"


def test_removal_modes_with_whitespace_leave_clean_text() -> None:
    config = CleaningConfig(urls="remove", mentions="remove", hashtags="remove")
    text = "@AmericanAir ....still on hold #frustrating https://t.co/x1"
    assert clean_text(text, config) == "....still on hold"


def test_all_steps_on_a_tweet() -> None:
    text = (
        "@AppleSupport I️ &lt;— wtf &amp;amp; <b>HELP</b> https://t.co/0C3aXJhiAg. "
        "#iOS11 order #12345 ™️ ｆｕｌｌ 👨\u200d👩\u200d👧"
    )
    assert clean_text(text, ALL_ON) == (
        "<MENTION> i️ <— wtf & help <URL>. ios11 order #12345 ™️ full 👨\u200d👩\u200d👧"
    )


# --- idempotence --------------------------------------------------------------------------------


@pytest.mark.parametrize("tweet", TWEETS)
@pytest.mark.parametrize(
    "config",
    [
        CleaningConfig(),
        ALL_ON,
        CleaningConfig(urls="remove", mentions="remove", hashtags="remove", strip_html_tags=True),
        _only(html_entities=True, unicode_nfkc=True),
        _only(strip_html_tags=True, lowercase=True),
    ],
    ids=["default", "all-on", "remove", "entities-nfkc", "tags-lower"],
)
def test_cleaning_twice_equals_cleaning_once(tweet: str, config: CleaningConfig) -> None:
    once = clean_text(tweet, config)
    assert clean_text(once, config) == once


# --- conversations and the record ---------------------------------------------------------------


def _conversation() -> Conversation:
    return Conversation(
        id="twcs-42",
        source="twitter_support",
        turns=(
            Turn(
                index=0,
                speaker=Speaker.CUSTOMER,
                speaker_id="115712",
                text="@sprintcare   fix it &amp; fast https://t.co/abc 😡",
            ),
            Turn(index=1, speaker=Speaker.AGENT, speaker_id="sprintcare", text="@115712 On it."),
            Turn(index=2, speaker=Speaker.CUSTOMER, speaker_id="115712", text="https://t.co/xyz"),
            Turn(index=3, speaker=Speaker.CUSTOMER, speaker_id="115712", text="thanks!"),
        ),
        metadata={"brand": "sprintcare"},
        labels={"resolved": True},
    )


def test_clean_conversation_changes_only_text() -> None:
    conversation = _conversation()
    cleaned = clean_conversation(conversation, CleaningConfig(mentions="token"))
    assert [t.text for t in cleaned.turns] == [
        "<MENTION> fix it & fast <URL> 😡",
        "<MENTION> On it.",
        "<URL>",
        "thanks!",
    ]
    assert cleaned.id == conversation.id
    assert cleaned.metadata == conversation.metadata
    assert cleaned.labels == conversation.labels
    for before, after in zip(conversation.turns, cleaned.turns, strict=True):
        assert (after.index, after.speaker, after.speaker_id) == (
            before.index,
            before.speaker,
            before.speaker_id,
        )
    assert cleaned.turns[3] is conversation.turns[3]
    assert Conversation.from_json(cleaned.to_json()) == cleaned


def test_clean_conversation_that_is_already_clean_is_returned_as_is() -> None:
    conversation = _conversation()
    assert clean_conversation(conversation, _only()) is conversation


def test_drop_empty_turns_renumbers_the_rest() -> None:
    cleaner = Cleaner(CleaningConfig(urls="remove", drop_empty_turns=True))
    cleaned = cleaner.apply(_conversation())
    assert [(t.index, t.text) for t in cleaned.turns] == [
        (0, "@sprintcare fix it & fast 😡"),
        (1, "@115712 On it."),
        (2, "thanks!"),
    ]
    assert cleaned.turns[2].speaker_id == "115712"
    assert cleaner.record()["changed_counts"]["drop_empty_turns"] == 1


def test_empty_turns_are_kept_unless_asked() -> None:
    cleaned = clean_conversation(_conversation(), CleaningConfig(urls="remove"))
    assert [t.text for t in cleaned.turns] == [
        "@sprintcare fix it & fast 😡",
        "@115712 On it.",
        "",
        "thanks!",
    ]


def test_record_counts_turns_changed_per_step() -> None:
    cleaner = Cleaner(CleaningConfig(mentions="token", lowercase=True))
    cleaner.apply(_conversation())
    cleaner.apply(_conversation())
    record = cleaner.record()
    assert json.loads(json.dumps(record)) == record
    assert record["steps"] == [
        "html_entities",
        "unicode_nfkc",
        "urls",
        "mentions",
        "lowercase",
        "whitespace",
    ]
    # Per conversation: entities 1 (turn 0), urls 2 (turns 0, 2), mentions 2 (turns 0, 1),
    # lowercase 1 (turn 1: "On"), whitespace 1 (turn 0), NFKC none.
    assert record["changed_counts"] == {
        "html_entities": 2,
        "unicode_nfkc": 0,
        "urls": 4,
        "mentions": 4,
        "lowercase": 2,
        "whitespace": 2,
    }
    assert record["conversations"] == 2
    assert record["turns"] == 8
    assert CleaningConfig.model_validate(record["config"]) == cleaner.config


def test_record_lists_steps_in_running_order() -> None:
    config = ALL_ON
    assert config.enabled_steps() == STEP_ORDER
    assert Cleaner(config).summary().steps == STEP_ORDER


def test_cleaner_text_counts_match_clean_text() -> None:
    cleaner = Cleaner(ALL_ON)
    for tweet in TWEETS:
        assert cleaner.clean_text(tweet) == clean_text(tweet, ALL_ON)
    counts = cleaner.record()["changed_counts"]
    assert counts["mentions"] == 7
    assert counts["drop_empty_turns"] == 0
