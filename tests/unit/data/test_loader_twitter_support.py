"""Twitter support loader on the real first-5,000-tweets file and on broken CSV files."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from colloquy.data.loaders.twitter_support import TwitterSupportLoader
from colloquy.errors import ParseError
from colloquy.schema import Conversation, Speaker

HEADER = ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
WHEN = "Tue Oct 31 22:10:47 +0000 2017"


@pytest.fixture(scope="module")
def csv_file(datasets_dir: Path) -> Path:
    return datasets_dir / "twitter_support" / "twcs_first5000.csv"


@pytest.fixture(scope="module")
def conversations(csv_file: Path) -> list[Conversation]:
    return list(TwitterSupportLoader().load(csv_file.parent))


@pytest.fixture(scope="module")
def frame(csv_file: Path) -> pd.DataFrame:
    return pd.read_csv(csv_file, lineterminator="\n", index_col=0)


def _ids(value: object) -> list[int]:
    """Tweet ids in a pandas cell: NaN, a float such as 3.0, or text such as '5,7'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [int(float(part)) for part in str(value).split(",") if part.strip()]


def _threads(frame: pd.DataFrame) -> int:
    """Connected components of the reply graph, by a plain union-find."""
    ids = [int(t) for t in frame["tweet_id"]]
    parent = {t: t for t in ids}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: int, b: int) -> None:
        if b in parent:
            parent[find(a)] = find(b)

    columns = zip(ids, frame["in_response_to_tweet_id"], frame["response_tweet_id"], strict=True)
    for tweet_id, in_reply_to, responses in columns:
        for other in _ids(in_reply_to) + _ids(responses):
            union(tweet_id, other)
    return len({find(t) for t in ids})


def test_every_tweet_is_one_turn(conversations: list[Conversation]) -> None:
    tweet_ids = [t.extra["tweet_id"] for c in conversations for t in c.turns]
    assert len(tweet_ids) == 5000
    assert len(set(tweet_ids)) == 5000


def test_roles_and_brands(conversations: list[Conversation]) -> None:
    speakers = Counter(t.speaker for c in conversations for t in c.turns)
    assert speakers == {Speaker.CUSTOMER: 2778, Speaker.AGENT: 2222}
    brands = {t.speaker_id for c in conversations for t in c.turns if t.speaker is Speaker.AGENT}
    assert len(brands) == 76
    assert {"sprintcare", "Ask_Spectrum", "VerizonSupport", "AskPlayStation"} <= brands


def test_conversation_count_matches_independent_union_find(
    conversations: list[Conversation], frame: pd.DataFrame
) -> None:
    assert len(frame) == 5000
    assert len(conversations) == _threads(frame) == 1312


def test_roots_with_missing_parents(conversations: list[Conversation], frame: pd.DataFrame) -> None:
    known = {int(t) for t in frame["tweet_id"]}
    dangling = {
        str(int(t))
        for t, p in zip(frame["tweet_id"], frame["in_response_to_tweet_id"], strict=True)
        if _ids(p) and _ids(p)[0] not in known
    }
    assert len(dangling) == 6
    assert {c.id for c in conversations if c.metadata["parent_missing"]} == dangling


def test_stray_carriage_return_is_a_space(conversations: list[Conversation]) -> None:
    [turn] = [t for c in conversations for t in c.turns if t.extra["tweet_id"] == 3399]
    assert "\r" not in turn.text
    assert turn.text.startswith("@AskPayPal")
    assert "I just love the start of email" in turn.text
    assert all("\r" not in t.text for c in conversations for t in c.turns)


def test_first_thread(conversations: list[Conversation]) -> None:
    first = conversations[0]
    assert first.id == "8"
    assert first.source == "twitter_support"
    assert first.channel == "twitter"
    assert first.metadata == {"brand": "sprintcare", "parent_missing": False}
    assert [t.extra["tweet_id"] for t in first.turns][:6] == [8, 6, 5, 4, 3, 1]
    assert first.turns[0].speaker is Speaker.CUSTOMER
    assert first.turns[0].speaker_id == "115712"
    assert first.turns[0].extra["in_response_to_tweet_id"] is None
    assert first.turns[1].extra["in_response_to_tweet_id"] == 8
    assert first.started_at == datetime(2017, 10, 31, 21, 45, 10, tzinfo=UTC)


def test_threads_are_ordered_and_rooted(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        turns = conversation.turns
        keys = [(t.timestamp, t.extra["tweet_id"]) for t in turns]
        assert keys == sorted(keys)
        assert conversation.started_at == turns[0].timestamp
        ids = {t.extra["tweet_id"] for t in turns}
        roots = [t for t in turns if t.extra["in_response_to_tweet_id"] not in ids]
        assert [str(t.extra["tweet_id"]) for t in roots] == [conversation.id]
        outbound = [t.speaker_id for t in turns if t.speaker is Speaker.AGENT]
        assert conversation.metadata["brand"] == (outbound[0] if outbound else None)


def test_every_conversation_round_trips_through_json(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert Conversation.from_json(conversation.to_json()) == conversation


# --------------------------------------------------------------------------- bad input


def _row(index: int, tweet_id: int, inbound: str = "True", text: str = "hi", **cols: str) -> str:
    author = cols.get("author", "115712" if inbound == "True" else "sprintcare")
    when = cols.get("when", WHEN)
    responses = cols.get("responses", "")
    parent = cols.get("parent", "")
    return f"{index},{tweet_id},{author},{inbound},{when},{text},{responses},{parent}\n"


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "twcs.csv"
    path.write_bytes((header + "".join(rows)).encode("utf-8"))
    return path


def test_small_thread_with_quoted_newline_and_bare_cr(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _row(0, 1, text='"first\nline"', responses="2"),
        _row(1, 2, "False", text="reply\rwith cr", parent="1.0"),
        _row(2, 3, parent="99.0"),
    )
    loader = TwitterSupportLoader()
    loaded = list(loader.load(path))
    assert [c.id for c in loaded] == ["1", "3"]
    assert [t.text for t in loaded[0].turns] == ["first\nline", "reply with cr"]
    assert loaded[0].metadata == {"brand": "sprintcare", "parent_missing": False}
    assert loaded[1].metadata == {"brand": None, "parent_missing": True}
    assert loader.report.turns == 3


def test_bad_rows_fail_with_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(0, 1, text='"two\nlines"'), _row(1, 2, inbound="maybe"))
    with pytest.raises(ParseError) as caught:
        list(TwitterSupportLoader(on_error="fail").load(path))
    assert caught.value.line == 4
    assert f"{path}:4" in str(caught.value)
    assert "inbound" in str(caught.value)


def test_bad_rows_are_skipped_with_their_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _row(0, 1, responses="2"),
        _row(1, 2, "False", parent="1.0", when="yesterday"),
        "2,3,115712,True\n",
        _row(3, 4, inbound="maybe"),
        _row(4, 5, parent="x1"),
        _row(5, 1),
        _row(6, 6, "False", parent="1.0"),
    )
    loader = TwitterSupportLoader(on_error="skip")
    loaded = list(loader.load(path))
    assert [(c.id, len(c.turns)) for c in loaded] == [("1", 2)]
    assert [t.extra["tweet_id"] for t in loaded[0].turns] == [1, 6]
    problems = [(p.line, p.message) for p in loader.report.problems]
    assert [line for line, _ in problems] == [3, 4, 5, 6, 7]
    assert "created_at" in problems[0][1]
    assert "expected 8 fields, found 4" in problems[1][1]
    assert "inbound" in problems[2][1]
    assert "in_response_to_tweet_id" in problems[3][1]
    assert "duplicate tweet_id 1" in problems[4][1]
    assert all(p.path == str(path) for p in loader.report.problems)


def test_missing_columns_are_a_problem_on_line_1(tmp_path: Path) -> None:
    path = _write(tmp_path, "0,1,115712\n", header="index,tweet_id,author_id\n")
    with pytest.raises(ParseError) as caught:
        list(TwitterSupportLoader(on_error="fail").load(path))
    assert caught.value.line == 1
    assert "inbound" in str(caught.value)
    loader = TwitterSupportLoader(on_error="skip")
    assert list(loader.load(tmp_path)) == []
    assert [p.line for p in loader.report.problems] == [1]


def test_folder_without_csv_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"no \.csv file"):
        list(TwitterSupportLoader().load(tmp_path))


def test_reply_cycle_still_yields_every_tweet_once(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(0, 1, parent="2.0"), _row(1, 2, "False", parent="1.0"))
    [conversation] = TwitterSupportLoader().load(path)
    assert conversation.id == "1"
    assert sorted(t.extra["tweet_id"] for t in conversation.turns) == [1, 2]
    assert conversation.metadata["parent_missing"] is False


def test_undecodable_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_bytes(HEADER.encode("utf-8") + b"0,1,\xff\xfe,True\n")
    loader = TwitterSupportLoader(on_error="skip")
    assert list(loader.load(path)) == []
    [problem] = loader.report.problems
    assert "cannot read CSV" in problem.message
