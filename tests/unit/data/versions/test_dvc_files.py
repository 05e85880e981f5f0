"""DVC lineage read from the files DVC writes: .dvc files, dvc.lock, .dvc/config."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.data.versions import default_remote, dvc_lineage, find_dvc_root
from colloquy.errors import DataError


def dvc_repo(root: Path) -> Path:
    (root / ".dvc").mkdir(parents=True)
    (root / ".dvc" / "config").write_text(
        "[core]\n    remote = store\n['remote \"store\"']\n    url = /srv/dvc\n", encoding="utf-8"
    )
    return root


def test_a_dvc_file_gives_the_md5_and_the_default_remote(tmp_path: Path) -> None:
    root = dvc_repo(tmp_path / "repo")
    data = root / "data" / "chats.jsonl"
    data.parent.mkdir()
    data.write_text("{}\n", encoding="utf-8")
    (root / "data" / "chats.jsonl.dvc").write_text(
        "outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 3\n  hash: md5\n"
        "  path: chats.jsonl\n",
        encoding="utf-8",
    )
    lineage = dvc_lineage(data)
    assert lineage is not None
    assert (lineage.md5, lineage.size, lineage.source) == (
        "0123456789abcdef0123456789abcdef",
        3,
        "dvc-file",
    )
    assert (lineage.path, lineage.remote, lineage.remote_url) == (
        "data/chats.jsonl",
        "store",
        "/srv/dvc",
    )
    assert lineage.git_revision is None
    assert default_remote(root) == ("store", "/srv/dvc")


def test_a_file_inside_a_tracked_folder_gets_the_folders_md5(tmp_path: Path) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "raw").mkdir()
    (root / "raw" / "a.csv").write_text("text\n", encoding="utf-8")
    (root / "raw.dvc").write_text(
        "outs:\n- md5: aaaabbbbccccddddeeeeffff00001111.dir\n  path: raw\n", encoding="utf-8"
    )
    lineage = dvc_lineage(root / "raw" / "a.csv")
    assert lineage is not None
    assert lineage.md5 == "aaaabbbbccccddddeeeeffff00001111.dir"
    assert lineage.dvc_file == root / "raw.dvc"


def test_a_dvc_lock_stage_output_is_found(tmp_path: Path) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n    outs:\n"
        "    - path: out/train.csv\n      md5: 1111aaaa333344445555666677778888\n"
        "      size: 42\n",
        encoding="utf-8",
    )
    lineage = dvc_lineage(root / "out" / "train.csv")
    assert lineage is not None
    assert (lineage.md5, lineage.source, lineage.size) == (
        "1111aaaa333344445555666677778888",
        "dvc.lock",
        42,
    )
    assert dvc_lineage(root / "out" / "other.csv") is None


def test_outside_a_repository_there_is_no_lineage(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("text\n", encoding="utf-8")
    assert find_dvc_root(tmp_path) is None
    assert dvc_lineage(tmp_path / "a.csv") is None


def test_a_broken_dvc_file_is_one_clear_error(tmp_path: Path) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "a.csv").write_text("text\n", encoding="utf-8")
    (root / "a.csv.dvc").write_text("outs: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.csv\.dvc: cannot read this DVC file"):
        dvc_lineage(root / "a.csv")
