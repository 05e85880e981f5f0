"""Customer Support on Twitter (TWCS): tweets between customers and brands, rebuilt into threads.

PATH is the ``twitter_support`` folder or one CSV file in it. Format notes that shaped
this loader:

* Columns: an unnamed pandas index, then ``tweet_id, author_id, inbound, created_at,
  text, response_tweet_id, in_response_to_tweet_id``. Columns are found by header name,
  so the index column is optional. ``inbound`` is ``True`` (customer) or ``False``
  (brand agent); ``created_at`` looks like ``Tue Oct 31 22:10:47 +0000 2017``;
  ``in_response_to_tweet_id`` is a float such as ``3.0`` or empty; ``response_tweet_id``
  may list several ids separated by commas.
* One record has an unquoted bare ``\\r`` inside its text, which ``csv`` would take as a
  line break. Lines are therefore split on ``\\n`` only and every other ``\\r`` becomes a
  space before ``csv.reader`` sees it, so line numbers in problems are ``\\n`` lines.
* A conversation is one reply tree: a tweet's parent is its ``in_response_to_tweet_id``
  (or, when that is empty, a tweet whose ``response_tweet_id`` lists it). A tweet whose
  parent is not in the file is a root; ``metadata["parent_missing"]`` says so. Turns are
  ordered by ``created_at``, then tweet id; the conversation id is the root tweet id.

Threads must be rebuilt across the whole file, so one file's tweets are indexed in memory
(slim records, not conversations); conversations are then built and yielded one by one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from colloquy.data.loaders.base import Loader, regular_files
from colloquy.schema import Conversation, Speaker

COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
_INBOUND = {"true": True, "false": False}


class _RowError(ValueError):
    """A CSV row whose fields cannot be read."""


@dataclass(frozen=True, slots=True)
class _Tweet:
    line: int
    tweet_id: int
    author_id: str
    inbound: bool
    created_at: datetime
    text: str
    response_ids: tuple[int, ...]
    parent_id: int | None


class TwitterSupportLoader(Loader):
    name = "twitter_support"
    description = "Customer Support on Twitter (TWCS) tweets rebuilt into reply threads (CSV)"
    layout = "the twitter_support folder with a twcs*.csv file, or one such CSV file"

    def _load(self, path: Path) -> Iterator[Conversation]:
        files = regular_files(path.glob("*.csv")) if path.is_dir() else [path]
        if not files:
            self.problem(path, None, f"no .csv file in {path}")
            return
        for file in files:
            yield from self._load_file(file)

    def _load_file(self, file: Path) -> Iterator[Conversation]:
        self.note_file(file)
        try:
            tweets = self._index(file)
        except (UnicodeDecodeError, csv.Error) as exc:
            self.problem(file, None, f"cannot read CSV: {exc}")
            return
        if tweets is None:
            return
        yield from _Threads(tweets).conversations(self.name)

    def _index(self, file: Path) -> dict[int, _Tweet] | None:
        """Every readable tweet of ``file`` by id; None when the header is unusable."""
        with file.open(encoding="utf-8", newline="\n") as handle:
            reader = csv.reader(_clean_lines(handle))
            header = next(reader, None)
            positions = _column_positions(header)
            if header is None or positions is None:
                self.problem(file, 1, f"expected columns {', '.join(COLUMNS)}; found {header!r}")
                return None
            tweets: dict[int, _Tweet] = {}
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not row:
                    continue
                tweet = self._tweet(file, line, row, len(header), positions)
                if tweet is None:
                    continue
                if tweet.tweet_id in tweets:
                    first = tweets[tweet.tweet_id].line
                    self.problem(
                        file, line, f"duplicate tweet_id {tweet.tweet_id} (first on {first})"
                    )
                    continue
                tweets[tweet.tweet_id] = tweet
        return tweets

    def _tweet(
        self, file: Path, line: int, row: list[str], width: int, positions: dict[str, int]
    ) -> _Tweet | None:
        if len(row) != width:
            self.problem(file, line, f"expected {width} fields, found {len(row)}")
            return None
        try:
            return _parse_row(line, {name: row[i] for name, i in positions.items()})
        except _RowError as exc:
            self.problem(file, line, str(exc))
            return None


def _clean_lines(handle: Iterable[str]) -> Iterator[str]:
    """Lines split on ``\\n`` only, with ``\\r\\n`` endings normalised and bare ``\\r`` → space."""
    for line in handle:
        if line.endswith("\r\n"):
            line = line[:-2] + "\n"
        yield line.replace("\r", " ")


def _column_positions(header: list[str] | None) -> dict[str, int] | None:
    if header is None:
        return None
    names = [name.strip() for name in header]
    if any(column not in names for column in COLUMNS):
        return None
    return {column: names.index(column) for column in COLUMNS}


def _parse_row(line: int, fields: dict[str, str]) -> _Tweet:
    tweet_id = _parse_id(fields["tweet_id"], "tweet_id")
    if tweet_id is None:
        raise _RowError("empty tweet_id")
    author_id = fields["author_id"].strip()
    if not author_id:
        raise _RowError("empty author_id")
    inbound = _INBOUND.get(fields["inbound"].strip().lower())
    if inbound is None:
        raise _RowError(f"inbound must be True or False, found {fields['inbound']!r}")
    response_ids = tuple(
        _whole_number(part, "response_tweet_id")
        for part in fields["response_tweet_id"].split(",")
        if part.strip()
    )
    return _Tweet(
        line=line,
        tweet_id=tweet_id,
        author_id=author_id,
        inbound=inbound,
        created_at=_parse_time(fields["created_at"]),
        text=fields["text"],
        response_ids=response_ids,
        parent_id=_parse_id(fields["in_response_to_tweet_id"], "in_response_to_tweet_id"),
    )


def _parse_id(value: str, column: str) -> int | None:
    """A tweet id written as ``3``, ``3.0`` or empty (None)."""
    return _whole_number(value, column) if value.strip() else None


def _whole_number(value: str, column: str) -> int:
    whole, dot, fraction = value.strip().partition(".")
    if not whole.isdigit() or (dot and fraction.strip("0")):
        raise _RowError(f"{column} must be a whole number, found {value!r}")
    return int(whole)


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _parse_time(value: str) -> datetime:
    """Parse Twitter's ``Tue Oct 31 22:10:47 +0000 2017`` (strptime is 10× slower)."""
    try:
        _, month, day, clock, zone, year = value.split()
        hour, minute, second = clock.split(":")
        sign = -1 if zone[0] == "-" else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        if zone[0] not in "+-" or len(zone) != 5:
            raise ValueError(zone)
        return datetime(
            int(year),
            _MONTHS[month],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(offset),
        )
    except (ValueError, KeyError, IndexError):
        raise _RowError(
            f"created_at {value!r} is not like 'Tue Oct 31 22:10:47 +0000 2017'"
        ) from None


class _Threads:
    """The reply forest of one file's tweets."""

    def __init__(self, tweets: dict[int, _Tweet]) -> None:
        self.tweets = tweets
        self.parent = self._parents()
        self.children: dict[int, list[int]] = {}
        for child, parent in self.parent.items():
            self.children.setdefault(parent, []).append(child)

    def _parents(self) -> dict[int, int]:
        """Child → parent, both in the file; ``in_response_to`` wins over response lists."""
        parent = {
            t.tweet_id: t.parent_id
            for t in self.tweets.values()
            if t.parent_id is not None and t.parent_id in self.tweets
        }
        for tweet in self.tweets.values():
            for child in tweet.response_ids:
                known = child in self.tweets and self.tweets[child].parent_id is not None
                if child in self.tweets and not known and child != tweet.tweet_id:
                    parent.setdefault(child, tweet.tweet_id)
        _break_cycles(parent)
        return parent

    def conversations(self, source: str) -> Iterator[Conversation]:
        """One conversation per root, in file order of the roots."""
        roots = sorted(
            (t for t in self.tweets.values() if t.tweet_id not in self.parent),
            key=lambda t: t.line,
        )
        for root in roots:
            yield self._conversation(root, source)

    def _conversation(self, root: _Tweet, source: str) -> Conversation:
        members = sorted(self._tree(root.tweet_id), key=lambda t: (t.created_at, t.tweet_id))
        brand = next((t.author_id for t in members if not t.inbound), None)
        return Conversation.parse(
            {
                "id": str(root.tweet_id),
                "source": source,
                "channel": "twitter",
                "started_at": members[0].created_at,
                "turns": [_turn(index, tweet) for index, tweet in enumerate(members)],
                "metadata": {
                    "brand": brand,
                    "parent_missing": root.parent_id is not None
                    and root.parent_id not in self.tweets,
                },
            }
        )

    def _tree(self, root_id: int) -> list[_Tweet]:
        found, stack = [], [root_id]
        while stack:
            tweet_id = stack.pop()
            found.append(self.tweets[tweet_id])
            stack.extend(self.children.get(tweet_id, ()))
        return found


def _break_cycles(parent: dict[int, int]) -> None:
    """Make the smallest id of any parent cycle a root, so every tweet has one root."""
    done: set[int] = set()
    for start in list(parent):
        path: list[int] = []
        on_path: set[int] = set()
        node: int | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        if node is not None and node in on_path:
            cycle = path[path.index(node) :]
            del parent[min(cycle)]
        done.update(path)


def _turn(index: int, tweet: _Tweet) -> dict[str, Any]:
    """The turn's fields, validated with its conversation (one pass, not one per record)."""
    return {
        "index": index,
        "speaker": Speaker.CUSTOMER if tweet.inbound else Speaker.AGENT,
        "text": tweet.text,
        "speaker_id": tweet.author_id,
        "timestamp": tweet.created_at,
        "extra": {
            "tweet_id": tweet.tweet_id,
            "in_response_to_tweet_id": tweet.parent_id,
            "response_tweet_ids": list(tweet.response_ids),
        },
    }
