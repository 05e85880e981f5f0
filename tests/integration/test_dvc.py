"""`colloquy data version` in a real git + DVC repository with a local remote."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from colloquy.data.versions import dvc_lineage, git_revision
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.services.cli.main import main
from colloquy.storage import Store


def sh(cwd: Path, *args: str) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    remote = tmp_path / "remote"
    root.mkdir()
    remote.mkdir()
    sh(root, "git", "init", "-q")
    sh(root, "git", "config", "user.email", "test@example.com")
    sh(root, "git", "config", "user.name", "test")
    dvc = (sys.executable, "-m", "dvc")
    sh(root, *dvc, "init", "-q")
    sh(root, *dvc, "remote", "add", "-d", "local", str(remote))
    sh(root, "git", "add", ".")
    sh(root, "git", "commit", "-q", "-m", "dvc init")
    return root, remote


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    conversations = [
        Conversation(
            id=f"c{i}",
            source="test",
            turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text=f"where is card {i}?"),),
        )
        for i in range(5)
    ]
    with Store.open(url) as store:
        store.ingest(dataset="chats", source="test", conversations=conversations)
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", url)
    return url


def version_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["data", "version", "chats", "--format", "json", *args]) == 0
    payload: dict[str, object] = json.loads(capsys.readouterr().out)
    return payload


def test_data_version_adds_and_pushes_the_snapshot_with_dvcs_md5(
    repo: tuple[Path, Path],
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, remote = repo
    monkeypatch.chdir(root)
    payload = version_json(capsys, "--push")
    snapshot = Path(str(payload["path"]))
    assert snapshot.parent == root / "data" / "versions" / "chats"
    assert snapshot.name == f"{payload['version']}.jsonl"
    dvc = payload["dvc"]
    assert isinstance(dvc, dict)
    dvc_file = yaml.safe_load(snapshot.with_name(snapshot.name + ".dvc").read_text("utf-8"))
    assert dvc["md5"] == dvc_file["outs"][0]["md5"]
    assert dvc["md5"] == hashlib.md5(snapshot.read_bytes()).hexdigest()
    pushed = remote / "files" / "md5" / dvc["md5"][:2] / dvc["md5"][2:]
    assert pushed.read_bytes() == snapshot.read_bytes()
    assert (payload["pushed"], dvc["remote"], dvc["remote_url"]) == (True, "local", str(remote))

    sh(root, "git", "add", ".")
    sh(root, "git", "commit", "-q", "-m", "chats snapshot")
    lineage = dvc_lineage(snapshot)
    assert lineage is not None
    assert lineage.git_revision == git_revision(root) == sh(root, "git", "rev-parse", "HEAD")
    assert (lineage.md5, lineage.source, lineage.path) == (
        dvc["md5"],
        "dvc-file",
        f"data/versions/chats/{snapshot.name}",
    )
    again = version_json(capsys)
    assert again["written"] is False
    assert isinstance(again["dvc"], dict)
    assert again["dvc"]["md5"] == dvc["md5"]


def test_outside_a_dvc_repository_the_snapshot_alone_is_written(
    tmp_path: Path,
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    payload = version_json(capsys, "--root", str(tmp_path / "versions"))
    assert payload["dvc"] is None
    assert Path(str(payload["path"])).is_file()
    assert dvc_lineage(Path(str(payload["path"]))) is None
    capsys.readouterr()
    code = main(["data", "version", "chats", "--root", str(tmp_path / "versions"), "--push"])
    err = capsys.readouterr().err
    assert code == 2
    assert "not inside a DVC repository" in err
    assert "Traceback" not in err
