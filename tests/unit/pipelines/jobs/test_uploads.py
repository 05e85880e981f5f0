"""Uploads land only inside the upload folder, bounded in size, never executable."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from colloquy.errors import UsageError
from colloquy.pipelines.jobs import (
    UnsafeArchiveError,
    UploadArea,
    UploadLimits,
    UploadTooLargeError,
    safe_filename,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chats.csv", "chats.csv"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("/absolute/path/data.jsonl", "data.jsonl"),
        (".bashrc", "bashrc"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
        ("na\x00me.csv", "na_me.csv"),
        ("rép ort (1).csv", "r_p_ort_1_.csv"),
    ],
)
def test_safe_filename_keeps_a_plain_base_name(name: str | None, expected: str) -> None:
    assert safe_filename(name) == expected


def test_a_received_file_stays_in_its_own_folder_and_is_not_executable(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(b"text\nhello\n"), "../../outside.csv")
    assert received.path.is_relative_to(area.root)
    assert received.path.name == "outside.csv"
    assert received.path.read_bytes() == b"text\nhello\n"
    assert received.bytes == 11
    mode = received.path.stat().st_mode
    assert not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    assert not (tmp_path / "outside.csv").exists()
    assert not (tmp_path.parent / "outside.csv").exists()


def test_an_upload_over_the_limit_leaves_nothing_behind(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data", UploadLimits(max_bytes=1000))
    with pytest.raises(UploadTooLargeError, match="larger than 1000 bytes"):
        area.receive(io.BytesIO(b"x" * 5000), "big.csv")
    assert list(area.root.iterdir()) == []


def _zip(members: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_a_zip_unpacks_below_its_upload(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    payload = _zip({"calls/a.txt": b"Agent: hi\nCustomer: hello\n", "b.txt": b"Agent: yo\n"})
    received = area.receive(io.BytesIO(payload), "calls.zip")
    folder = area.unpack_zip(received)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["b.txt", "calls_a.txt"]
    assert folder.is_relative_to(area.root)


@pytest.mark.parametrize(
    "member", ["../evil.txt", "calls/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt"]
)
def test_zip_slip_members_are_refused_and_nothing_is_written(tmp_path: Path, member: str) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(_zip({"ok.txt": b"fine", member: b"evil"})), "x.zip")
    with pytest.raises(UnsafeArchiveError, match="outside its folder"):
        area.unpack_zip(received)
    assert not (received.path.parent / "files").exists()
    assert not list(tmp_path.rglob("evil.txt"))


def test_links_in_a_zip_are_refused(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(_zip({"ok.txt": b"fine"}, link="passwd")), "x.zip")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        area.unpack_zip(received)


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data", UploadLimits(max_bytes=100_000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\0" * 5_000_000)
    assert len(buffer.getvalue()) < 100_000
    received = area.receive(io.BytesIO(buffer.getvalue()), "bomb.zip")
    with pytest.raises(UnsafeArchiveError, match="unpacks to"):
        area.unpack_zip(received)


def test_a_file_that_is_not_a_zip_is_a_usage_error(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(b"not a zip"), "x.zip")
    with pytest.raises(UsageError, match="not a readable zip"):
        area.unpack_zip(received)


def test_discard_removes_only_folders_inside_the_area(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(b"a"), "a.csv")
    area.discard(received.path.parent)
    assert not received.path.parent.exists()
    with pytest.raises(UsageError, match="outside the upload folder"):
        area.discard(tmp_path)


def test_two_members_flattened_to_one_name_are_refused(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "data")
    received = area.receive(io.BytesIO(_zip({"a/b.txt": b"1", "a_b.txt": b"2"})), "x.zip")
    with pytest.raises(UnsafeArchiveError, match="same file"):
        area.unpack_zip(received)
