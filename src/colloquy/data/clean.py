"""Text cleaning for conversation turns, every step switchable and recorded.

Raw support chats arrive with HTML entities (``&amp;`` in every scraped tweet), stray markup,
``t.co`` links, ``@handles`` and erratic whitespace. Models and dashboards want one consistent
surface form, but what "clean" means depends on the use: an intent model may want links as a
``<URL>`` token, an analyst may want them kept verbatim. So each step is a switch in
:class:`CleaningConfig`, and :class:`Cleaner` records which steps ran and how many turns each
one changed, so an ingest can store exactly what was done to its text.

Steps run in this fixed order (a step that is switched off is skipped)::

    html_entities → unicode_nfkc → strip_html_tags → urls → mentions → hashtags
    → lowercase → whitespace            (then, per conversation: drop_empty_turns)

Entities are decoded before NFKC so that ``&nbsp;`` ends up as a plain space. Emoji are always
kept: NFKC would turn ``™️`` into ``TM`` and ``🈯`` into ``指``, so emoji are shielded from it.
Placeholder tokens such as ``<URL>``, ``<MENTION>`` or the PII placeholders ``<EMAIL>`` survive
every step (they are neither HTML tags nor lower-cased), which makes cleaning idempotent:
cleaning cleaned text changes nothing. The step pipeline is compiled once per configuration;
this runs on every ingested turn.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from colloquy.schema.conversation import Conversation, Turn

__all__ = [
    "STEP_ORDER",
    "Cleaner",
    "CleaningConfig",
    "CleaningRecord",
    "clean_conversation",
    "clean_text",
]

UrlMode = Literal["keep", "token", "remove"]
MentionMode = Literal["keep", "token", "remove"]
HashtagMode = Literal["keep", "strip_hash", "remove"]

URL_TOKEN = "<URL>"
MENTION_TOKEN = "<MENTION>"

STEP_ORDER: tuple[str, ...] = (
    "html_entities",
    "unicode_nfkc",
    "strip_html_tags",
    "urls",
    "mentions",
    "hashtags",
    "lowercase",
    "whitespace",
    "drop_empty_turns",
)
"""Every step's name, in the order the steps run."""


class CleaningConfig(BaseModel):
    """Which cleaning steps run, and how. The defaults suit intent models on chat text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unicode_nfkc: bool = True
    """Unicode NFKC: full-width letters, ligatures and the like become plain text."""
    html_entities: bool = True
    """Decode ``&amp;``, ``&lt;``, ``&#39;`` … (repeatedly, so ``&amp;amp;`` becomes ``&``)."""
    strip_html_tags: bool = False
    """Remove HTML tags and comments; block tags such as ``<br>`` become a space."""
    whitespace: bool = True
    """Collapse every run of whitespace (newlines included) to one space and strip the ends."""
    urls: UrlMode = "token"
    """``keep`` links, replace them with ``<URL>`` (``token``) or ``remove`` them."""
    mentions: MentionMode = "keep"
    """``keep`` @handles, replace them with ``<MENTION>`` (``token``) or ``remove`` them."""
    hashtags: HashtagMode = "keep"
    """``keep`` #tags, drop just the ``#`` (``strip_hash``) or ``remove`` the whole tag."""
    lowercase: bool = False
    """Lower-case the text; placeholder tokens such as ``<URL>`` stay upper-case."""
    drop_empty_turns: bool = False
    """Drop turns whose cleaned text is empty or blank, renumbering the rest from 0."""

    def enabled_steps(self) -> tuple[str, ...]:
        """The names of the steps this configuration runs, in running order."""
        enabled = {
            "html_entities": self.html_entities,
            "unicode_nfkc": self.unicode_nfkc,
            "strip_html_tags": self.strip_html_tags,
            "urls": self.urls != "keep",
            "mentions": self.mentions != "keep",
            "hashtags": self.hashtags != "keep",
            "lowercase": self.lowercase,
            "whitespace": self.whitespace,
            "drop_empty_turns": self.drop_empty_turns,
        }
        return tuple(name for name in STEP_ORDER if enabled[name])


# --- emoji shielding ----------------------------------------------------------------------------

# Emoji whose NFKC form is different text. Those drawn as pictures by default are shielded
# always; the text-default ones (™ ℹ ‼ …) only when U+FE0F asks for the emoji presentation, so
# a plain "iPhone™" still normalises to "iPhoneTM".
_EMOJI_ALWAYS = "\U0001f201\U0001f202\U0001f21a\U0001f22f\U0001f232-\U0001f23a\U0001f250\U0001f251"
_EMOJI_WITH_VS16 = "\u203c\u2049\u2122\u2139\u24c2\u3297\u3299"
_EMOJI_SHIELD = re.compile(f"([{_EMOJI_ALWAYS}]\ufe0f?|[{_EMOJI_WITH_VS16}]\ufe0f)")


def _nfkc_keep_emoji(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    parts = _EMOJI_SHIELD.split(text)
    # split() with one capturing group alternates text, emoji, text, emoji, …, text.
    return "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part)
        for index, part in enumerate(parts)
    )


# --- the steps ----------------------------------------------------------------------------------


def _unescape_entities(text: str) -> str:
    # Each decoding pass that changes anything makes the text shorter, so this terminates;
    # running to a fixed point decodes double-escaped scrapes and keeps cleaning idempotent.
    while "&" in text:
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


# Only real HTML element names count as tags, so "<3", "<URL>" and "<EMAIL>" are left alone.
_INLINE_TAGS = (
    "a|abbr|b|bdi|bdo|big|cite|code|del|dfn|em|font|i|ins|kbd|label|mark|q|s|samp|small|span"
    "|strike|strong|sub|sup|time|tt|u|var|wbr"
)
_BLOCK_TAGS = (
    "address|article|aside|blockquote|body|br|button|caption|center|col|colgroup|dd|div|dl|dt"
    "|fieldset|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|iframe|img|input|li"
    "|link|main|meta|nav|ol|option|p|pre|section|select|source|table|tbody|td|textarea|tfoot|th"
    "|thead|title|tr|ul|video|audio"
)
_TAG_TAIL = r"""(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>"""
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS}){_TAG_TAIL}", re.IGNORECASE)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS}){_TAG_TAIL}", re.IGNORECASE)


def _strip_tags(text: str) -> str:
    if "<" not in text:
        return text
    text = _SCRIPT_OR_STYLE.sub(" ", text)
    text = _HTML_COMMENT.sub(" ", text)
    text = _BLOCK_TAG.sub(" ", text)
    return _INLINE_TAG.sub("", text)


_URL_END = r"""[^\s<>"'.,;:!?)\]}…]"""
_URL_BODY = r"""[^\s<>"']*"""
_BARE_DOMAIN_TLDS = "com|net|org|co|io|ly|gl|me|uk|us|ca|au|de|fr|es|it|nl|in|app|to|be|gd|tv"
_URL = re.compile(
    rf"https?://{_URL_BODY}{_URL_END}"
    rf"|(?<![\w@./])www\.{_URL_BODY}{_URL_END}"
    rf"|(?<![\w@./])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_BARE_DOMAIN_TLDS})/"
    rf"(?:{_URL_BODY}{_URL_END})?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@])@\w+")
# A hashtag needs a letter: "#1" and "order #12345" are not hashtags.
_HASHTAG = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d_])(\w+)")
# Kept as they are by the lowercase step: placeholders, and the one cased emoji (Ⓜ️).
_KEEP_CASE = re.compile("(<[A-Z][A-Z0-9_]*>|\u24c2\ufe0f)")


def _replacer(pattern: re.Pattern[str], replacement: str) -> Callable[[str], str]:
    def replace(text: str) -> str:
        return pattern.sub(replacement, text)

    return replace


# Every URL the pattern matches contains one of these; most texts contain none, and the full
# pattern is slow to fail.
_URL_HINT = re.compile(rf"://|www\.|\.(?:{_BARE_DOMAIN_TLDS})/", re.IGNORECASE)


def _url_step(mode: UrlMode) -> Callable[[str], str]:
    replace = _replacer(_URL, URL_TOKEN if mode == "token" else "")

    def step(text: str) -> str:
        return replace(text) if _URL_HINT.search(text) else text

    return step


def _mention_step(mode: MentionMode) -> Callable[[str], str]:
    replace = _replacer(_MENTION, MENTION_TOKEN if mode == "token" else "")

    def step(text: str) -> str:
        return replace(text) if "@" in text else text

    return step


def _hashtag_step(mode: HashtagMode) -> Callable[[str], str]:
    replace = _replacer(_HASHTAG, r"\1" if mode == "strip_hash" else "")

    def step(text: str) -> str:
        return replace(text) if "#" in text else text

    return step


def _lowercase_keep_placeholders(text: str) -> str:
    if "<" not in text and "\u24c2" not in text:
        return text.lower()
    parts = _KEEP_CASE.split(text)
    return "".join(part if index % 2 else part.lower() for index, part in enumerate(parts))


def _collapse_whitespace(text: str) -> str:
    # str.split() splits on exactly the characters regex ``\s`` matches, and is faster.
    return " ".join(text.split())


Step = tuple[str, Callable[[str], str]]


@lru_cache(maxsize=64)
def _text_steps(config: CleaningConfig) -> tuple[Step, ...]:
    """The text steps ``config`` enables, compiled once per (hashable, frozen) configuration."""
    available: dict[str, Callable[[str], str]] = {
        "html_entities": _unescape_entities,
        "unicode_nfkc": _nfkc_keep_emoji,
        "strip_html_tags": _strip_tags,
        "urls": _url_step(config.urls),
        "mentions": _mention_step(config.mentions),
        "hashtags": _hashtag_step(config.hashtags),
        "lowercase": _lowercase_keep_placeholders,
        "whitespace": _collapse_whitespace,
    }
    return tuple((name, available[name]) for name in config.enabled_steps() if name in available)


_DEFAULT_CONFIG = CleaningConfig()


def clean_text(text: str, config: CleaningConfig | None = None) -> str:
    """``text`` after every step ``config`` enables (the defaults when ``config`` is None)."""
    for _name, step in _text_steps(config or _DEFAULT_CONFIG):
        text = step(text)
    return text


# --- conversations and the record ---------------------------------------------------------------


class CleaningRecord(BaseModel):
    """What a :class:`Cleaner` did: its configuration, the steps that ran and their effect."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config: CleaningConfig
    steps: tuple[str, ...]
    """The steps that ran, in running order."""
    changed_counts: dict[str, int]
    """For each step that ran, how many turns it changed (for ``drop_empty_turns``: dropped)."""
    conversations: int
    turns: int
    """Turns seen (before any were dropped)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict, fit to store beside the ingested data."""
        return self.model_dump(mode="json")


class Cleaner:
    """Cleans conversations with one configuration and counts what each step changed.

    >>> cleaner = Cleaner(CleaningConfig(mentions="token"))
    >>> cleaned = cleaner.apply(conversation)  # doctest: +SKIP
    >>> cleaner.record()["changed_counts"]  # doctest: +SKIP
    {'html_entities': 3, 'unicode_nfkc': 0, 'urls': 12, 'mentions': 40, 'whitespace': 7, ...}
    """

    def __init__(self, config: CleaningConfig | None = None) -> None:
        self.config = config or _DEFAULT_CONFIG
        self._steps = _text_steps(self.config)
        self._changed = dict.fromkeys(self.config.enabled_steps(), 0)
        self._conversations = 0
        self._turns = 0

    def clean_text(self, text: str) -> str:
        """Clean one text, counting it under every step that changed it."""
        for name, step in self._steps:
            cleaned = step(text)
            if cleaned != text:
                self._changed[name] += 1
                text = cleaned
        return text

    def apply(self, conversation: Conversation) -> Conversation:
        """``conversation`` with every turn's text cleaned; ids, speakers and metadata kept."""
        self._conversations += 1
        self._turns += len(conversation.turns)
        turns = tuple(self._clean_turn(turn) for turn in conversation.turns)
        if self.config.drop_empty_turns:
            turns = self._drop_empty(turns)
        unchanged = len(turns) == len(conversation.turns) and all(
            new is old for new, old in zip(turns, conversation.turns, strict=True)
        )
        if unchanged:
            return conversation
        return conversation.model_copy(update={"turns": turns})

    def add(self, other: CleaningRecord) -> None:
        """Count what another cleaner with this configuration did (a worker's partition)."""
        for name, changed in other.changed_counts.items():
            self._changed[name] = self._changed.get(name, 0) + changed
        self._conversations += other.conversations
        self._turns += other.turns

    def record(self) -> dict[str, Any]:
        """``{config, steps, changed_counts, conversations, turns}`` as JSON-serialisable data."""
        return self.summary().to_dict()

    def summary(self) -> CleaningRecord:
        """The same as :meth:`record`, as a typed record."""
        return CleaningRecord(
            config=self.config,
            steps=self.config.enabled_steps(),
            changed_counts=dict(self._changed),
            conversations=self._conversations,
            turns=self._turns,
        )

    def _clean_turn(self, turn: Turn) -> Turn:
        text = self.clean_text(turn.text)
        if text == turn.text:
            return turn
        return turn.model_copy(update={"text": text})

    def _drop_empty(self, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
        kept = [turn for turn in turns if turn.text.strip()]
        self._changed["drop_empty_turns"] += len(turns) - len(kept)
        return tuple(
            turn if turn.index == position else turn.model_copy(update={"index": position})
            for position, turn in enumerate(kept)
        )


def clean_conversation(
    conversation: Conversation, config: CleaningConfig | None = None
) -> Conversation:
    """``conversation`` with every turn's text cleaned (see :class:`Cleaner` for the counts)."""
    return Cleaner(config).apply(conversation)
