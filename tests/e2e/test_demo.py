"""``make demo-data``: the demo's data step on a machine without the shared datasets.

It runs the real Makefile target (the step ``make demo`` runs before anything reads data)
with the project's own interpreter and an empty ``COLLOQUY_DATA_DIR``; the public sources
are stood in for by a mirror built from copies of the real files, reached through
``file://`` or a real HTTP server on 127.0.0.1, so the test never downloads.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.folder_server import serve_folder

from colloquy.data.fetch import DATASETS

ROOT = Path(__file__).resolve().parents[2]


def _demo_datasets() -> list[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^DEMO_DATASETS :?= (.+)$", makefile, re.MULTILINE)
    assert found, "the Makefile names the demo's datasets in DEMO_DATASETS"
    return found.group(1).split()


DEMO = _demo_datasets()


def _make_demo_data(data_dir: Path, mirror: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``make demo-data`` with this interpreter's colloquy; ``-o install`` installs nothing."""
    assert shutil.which("make"), "make is part of the documented set-up"
    # Under `make test` the outer make's flags (its command-line variables, its jobserver)
    # would leak into this one.
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    env = {**inherited, "COLLOQUY_HOME": str(home), "NO_PROXY": "127.0.0.1,localhost"}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "install",
            "demo-data",
            f"BIN={Path(sys.executable).parent}",
            f"COLLOQUY_DATA_DIR={data_dir}",
            f"DEMO_MIRROR={mirror}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mirror(datasets_dir: Path, tmp_path: Path) -> Path:
    """The demo's datasets laid out as their sources publish them: ``<name>/<file>``."""
    root = tmp_path / "mirror"
    for name in DEMO:
        for remote in DATASETS[name].files:
            target = root / name / remote.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(datasets_dir / name / remote.path, target)
    return root


@pytest.fixture
def http_mirror(mirror: Path) -> Iterator[str]:
    with serve_folder(mirror) as url:
        yield url + "/"


def _assert_verified(data_dir: Path) -> None:
    """Every file of every demo dataset is there with the checksum the registry pins."""
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(DEMO)
    for name in DEMO:
        files = DATASETS[name].files
        landed = sorted(str(p.relative_to(data_dir / name)) for p in (data_dir / name).rglob("*"))
        assert landed == sorted(f.path for f in files)
        for remote in files:
            assert remote.sha256 is not None
            assert _sha(data_dir / name / remote.path) == remote.sha256


def test_demo_data_fetches_into_an_empty_folder_from_a_file_mirror(
    mirror: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "empty" / "datasets"
    run = _make_demo_data(data_dir, mirror.as_uri(), tmp_path / "home")
    assert run.returncode == 0, run.stderr
    _assert_verified(data_dir)
    for name in DEMO:
        assert f"{name} is in {data_dir / name}" in run.stdout

    # Present datasets are used as they are: the mirror is not even consulted.
    shutil.rmtree(mirror)
    again = _make_demo_data(data_dir, mirror.as_uri(), tmp_path / "home")
    assert again.returncode == 0, again.stderr
    for name in DEMO:
        assert f"{name}: using {data_dir / name}" in again.stdout


def test_demo_data_fetches_from_an_http_mirror(http_mirror: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "datasets"
    run = _make_demo_data(data_dir, http_mirror, tmp_path / "home")
    assert run.returncode == 0, run.stderr
    _assert_verified(data_dir)


def test_demo_data_stops_on_a_broken_mirror_and_leaves_nothing(
    mirror: Path, tmp_path: Path
) -> None:
    (mirror / DEMO[0] / DATASETS[DEMO[0]].files[0].path).write_text("tampered\n")
    data_dir = tmp_path / "datasets"
    run = _make_demo_data(data_dir, mirror.as_uri(), tmp_path / "home")
    assert run.returncode != 0
    assert "SHA-256" in run.stderr
    assert not data_dir.exists() or list(data_dir.iterdir()) == []
