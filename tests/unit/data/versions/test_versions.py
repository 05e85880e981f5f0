"""Content-addressed versions and snapshots of stored datasets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from colloquy.data.versions import (
    conversations_version,
    dataset_version,
    default_versions_root,
    file_version,
    list_data_versions,
    resolve_data_version,
    snapshot_dataset,
)
from colloquy.errors import DataError, NotFoundError, UsageError
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.storage import Store


def conversation(i: int, *, text: str | None = None) -> Conversation:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    return Conversation(
        id=f"conv-{i}",
        source="test",
        started_at=start,
        turns=(
            Turn(index=0, speaker=Speaker.CUSTOMER, text=text or f"my card {i} is lost 🙂"),
            Turn(index=1, speaker=Speaker.AGENT, text="Let me help.", timestamp=start),
        ),
        metadata={"tier": "gold", "ratio": i / 7},
        outcome=Outcome(converted=i % 2 == 0, value=float(i)),
        labels={"intent": "lost_card"},
    )


def test_a_version_is_stable_under_re_ingest_and_insertion_order(store: Store) -> None:
    store.ingest(dataset="a", source="test", conversations=[conversation(i) for i in range(5)])
    first = dataset_version(store, "a")
    store.ingest(dataset="a", source="test", conversations=[conversation(i) for i in range(5)])
    again = dataset_version(store, "a")
    store.ingest(
        dataset="b", source="test", conversations=[conversation(i) for i in reversed(range(5))]
    )
    reordered = dataset_version(store, "b")
    assert first.version == again.version == reordered.version
    assert len(first.version) == 12
    assert first.sha256.startswith(first.version)
    assert (first.conversations, first.turns) == (5, 10)
    computed = conversations_version([conversation(i) for i in range(5)], name="a")
    assert computed.sha256 == first.sha256


def test_a_version_changes_when_any_conversation_changes(store: Store) -> None:
    store.ingest(dataset="a", source="test", conversations=[conversation(i) for i in range(4)])
    store.ingest(
        dataset="b",
        source="test",
        conversations=[conversation(i) for i in range(3)] + [conversation(3, text="changed")],
    )
    before = dataset_version(store, "a")
    store.ingest(dataset="a", source="test", conversations=[conversation(9)])
    grown = dataset_version(store, "a")
    assert len({before.version, grown.version, dataset_version(store, "b").version}) == 3
    assert grown.conversations == 5


def test_an_unknown_dataset_is_named_with_the_known_ones(store: Store) -> None:
    store.ingest(dataset="known", source="test", conversations=[conversation(1)])
    with pytest.raises(NotFoundError, match=r"no dataset named .nope.*known"):
        dataset_version(store, "nope")


def test_file_versions_hash_bytes_and_folders(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.csv").write_text("text\nhello\n", encoding="utf-8")
    (data / "b.csv").write_text("text\nworld\n", encoding="utf-8")
    (data / ".hidden").write_text("editor state", encoding="utf-8")
    folder = file_version(data)
    single = file_version(data / "a.csv")
    assert (folder.files, single.files, single.bytes) == (2, 1, 11)
    assert file_version(data).sha256 == folder.sha256
    (data / ".hidden").write_text("other editor state", encoding="utf-8")
    assert file_version(data).sha256 == folder.sha256
    (data / "b.csv").write_text("text\nworld!\n", encoding="utf-8")
    assert file_version(data).sha256 != folder.sha256
    assert file_version(data / "a.csv").sha256 == single.sha256
    with pytest.raises(NotFoundError, match="no file or folder"):
        file_version(tmp_path / "missing.csv")


def test_a_snapshot_is_written_once_and_resolves_to_the_same_data(
    store: Store, tmp_path: Path
) -> None:
    from colloquy.data.loaders import get_loader

    store.ingest(dataset="bank", source="test", conversations=[conversation(i) for i in range(6)])
    root = tmp_path / "versions"
    snapshot = snapshot_dataset(store, "bank", root)
    assert snapshot.written
    assert snapshot.path == root / "bank" / f"{snapshot.version.version}.jsonl"
    assert snapshot.path.with_suffix(".json").is_file()
    mtime = snapshot.path.stat().st_mtime_ns
    again = snapshot_dataset(store, "bank", root)
    assert not again.written
    assert again.path.stat().st_mtime_ns == mtime
    resolved = resolve_data_version("bank", snapshot.version.version[:6], root)
    assert resolved == snapshot.path
    read = list(get_loader("conversations").load(resolved))
    assert read == list(store.conversations("bank"))
    assert list_data_versions("bank", root) == [snapshot.version.version]
    assert not [p for p in (root / "bank").iterdir() if p.name.startswith(".")]


def test_resolving_an_unknown_version_says_which_exist_and_how_to_make_one(
    store: Store, tmp_path: Path
) -> None:
    store.ingest(dataset="bank", source="test", conversations=[conversation(1)])
    snapshot = snapshot_dataset(store, "bank", tmp_path)
    with pytest.raises(NotFoundError) as caught:
        resolve_data_version("bank", "3fa2", tmp_path)
    line = caught.value.one_line()
    assert "dataset bank has no version 3fa2" in line
    assert f"known: {snapshot.version.version}" in line
    assert "`colloquy data version bank`" in line
    with pytest.raises(UsageError, match="not a version"):
        resolve_data_version("bank", "../../etc", tmp_path)
    with pytest.raises(UsageError, match="cannot name a snapshot folder"):
        resolve_data_version("../bank", "3fa2", tmp_path)


def test_an_edited_snapshot_is_refused(store: Store, tmp_path: Path) -> None:
    store.ingest(dataset="bank", source="test", conversations=[conversation(1)])
    snapshot = snapshot_dataset(store, "bank", tmp_path)
    edited = snapshot.path.read_text(encoding="utf-8").replace("lost", "found")
    snapshot.path.write_text(edited, encoding="utf-8")
    with pytest.raises(DataError, match="no longer holds version"):
        resolve_data_version("bank", snapshot.version.version, tmp_path)


def test_the_default_root_is_in_the_dvc_repository_when_there_is_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    repo = tmp_path / "repo"
    (repo / ".dvc").mkdir(parents=True)
    (repo / "sub").mkdir()
    assert default_versions_root(home, repo / "sub") == repo / "data" / "versions"
    assert default_versions_root(home, tmp_path) == home / "data" / "versions"
