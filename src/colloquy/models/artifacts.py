"""Model directories: one format for every colloquy model, and nothing in it that runs code.

Every model kind is written with :func:`write_model` and read back with :func:`open_model`;
what a kind keeps in its folder is described beside it
(:mod:`colloquy.models.intent_artifact`, :mod:`colloquy.models.conversion_artifact`)::

    manifest.json   format ("colloquy-<kind>"), format version, colloquy version, creation
                    time, the model's own fields, ``files`` (the SHA-256 of every other
                    file, by relative path) and ``sha256`` (the digest of the manifest itself)
    …               the model's files, each in a format that holds data only: JSON,
                    safetensors, ONNX, tokenizer files, and skops for the scikit-learn parts
                    of a conversion model

A model directory travels between machines and people, so opening one trusts nothing in
it. Before any model file is parsed, :func:`open_model` refuses, with one line naming the
file and the reason (exit 66): another format or format version, an edited manifest, a
listed file that is missing, a file that is not listed, a path that is absolute or climbs
out with ``..``, a symbolic link or any other non-regular file, a suffix of a format that
can hold code (pickle, ``.bin``, ``.pt``), a skops file that needs a type outside skops'
own defaults and the exact names in :data:`TRUSTED_SKOPS_TYPES` (prefixes are never
trusted: ``builtins.`` would admit ``exec``), and a sentence encoder whose ``modules.json``
names a module other than those in :data:`TRUSTED_ENCODER_MODULES`. File contents are
checked against their SHA-256 as they are read, each file once, and whatever the loader did
not read is checked by :meth:`ModelDirectory.finish`.

A directory is written under a temporary name and renamed into place when complete, so a
failed run never leaves a half-written model. The target must be absent, an empty folder,
or (with ``overwrite=True``) a colloquy model directory: a file or a folder of anything
else is refused, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from colloquy._version import __version__
from colloquy.errors import ArtifactError, ColloquyError, NotFoundError
from colloquy.extras import missing_extra

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
DATA_SUFFIXES = frozenset({".json", ".safetensors", ".onnx", ".txt", ".skops", ".md", ".model"})
"""The only file suffixes a model directory may hold: formats that carry data, not code."""

TRUSTED_SKOPS_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "colloquy.features.metadata.MetadataEncoder",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "numpy.dtype",
    }
)
"""Exact type names trusted beyond skops' own defaults (scikit-learn's estimators and the
NumPy and SciPy containers skops vouches for): what a conversion model's blocks, stacker
and metadata encoder are made of. Everything else is refused, whatever its module."""

TRUSTED_ENCODER_MODULES = frozenset(
    {
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
        "sentence_transformers.models.Transformer.Transformer",
        "sentence_transformers.models.Pooling.Pooling",
        "sentence_transformers.models.Normalize.Normalize",
        "sentence_transformers.base.modules.transformer.Transformer",
        "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        "sentence_transformers.base.modules.normalize.Normalize",
    }
)
"""The modules a sentence encoder saved in a model directory may name in ``modules.json``
(the names older and newer sentence-transformers releases write): sentence-transformers
imports whatever class is named there."""

_CHUNK = 1 << 20


def data_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 over the training rows, so a model records exactly what it learned from."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of a manifest's canonical JSON, leaving out its own ``sha256`` field."""
    body = {key: value for key, value in manifest.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# ---------------------------------------------------------------------------- writing


def is_model_directory(path: Path) -> bool:
    """Whether ``path`` holds a manifest that says it is a colloquy model directory."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith("colloquy-")


def check_output(target: Path, *, overwrite: bool = False) -> Path:
    """``target`` made absolute, or an :class:`ArtifactError` if writing there could destroy
    anything but a colloquy model directory the caller agreed to replace.

    Call it before training, so a long run does not end in a refusal.
    """
    target = target.expanduser()
    # Resolve the parent only, so that a link at ``target`` itself is seen and refused.
    if target.name in ("", ".", ".."):
        target = target.resolve()
    else:
        target = target.parent.resolve() / target.name
    if target.is_symlink():
        raise ArtifactError(
            f"{target} is a symbolic link; colloquy writes a model only into a real folder",
            hint="choose another --output path",
        )
    if not target.exists():
        return target
    if not target.is_dir():
        raise ArtifactError(
            f"{target} is an existing file, not a model directory; it was left untouched",
            hint="choose another --output path",
        )
    if not any(target.iterdir()):
        return target
    if not is_model_directory(target):
        raise ArtifactError(
            f"{target} is a folder that is not empty and not a colloquy model directory; "
            "nothing in it was touched",
            hint="choose a new or empty --output folder",
        )
    if not overwrite:
        raise ArtifactError(
            f"{target} already holds a colloquy model",
            hint="pass --overwrite to replace it, or choose another --output folder",
        )
    return target


@contextmanager
def staged_directory(target: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``target`` that becomes ``target`` when the block succeeds.

    ``target`` is checked with :func:`check_output` before and again just before the
    swap; an existing model directory is replaced only after the new one is complete.
    """
    target = check_output(target, overwrite=overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise ArtifactError(
            f"cannot write a model to {target}: {exc.strerror or exc}",
            hint="choose a writable --output path",
        ) from None
    try:
        yield staging
        check_output(target, overwrite=overwrite)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, target: Path) -> None:
    backup = None
    try:
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            target.rename(backup)
        staging.rename(target)
    except OSError as exc:
        if backup is not None and not target.exists():
            backup.rename(target)
        raise ArtifactError(
            f"cannot move the new model into {target}: {exc.strerror or exc}",
            hint="check the folder's permissions",
        ) from None
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_model(staging: Path, *, kind: str, **fields: Any) -> dict[str, Any]:
    """Seal a staged folder: write its manifest with the hash of every file it holds."""
    files = {name: file_digest(staging / name) for name in _walk(staging)}
    manifest: dict[str, Any] = {
        "format": f"colloquy-{kind}",
        "format_version": FORMAT_VERSION,
        "colloquy_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        **fields,
        "files": files,
    }
    manifest["sha256"] = manifest_digest(manifest)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (staging / MANIFEST).write_text(text, encoding="utf-8")
    return manifest


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Arrays as safetensors (contiguous, so the file round-trips byte for byte)."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({name: np.ascontiguousarray(array) for name, array in arrays.items()}, str(path))


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def dump_sklearn(obj: object, path: Path) -> None:
    import skops.io as sio

    sio.dump(obj, path)


def copy_data_files(source: Path, target: Path, *, skip: Collection[str] = ()) -> None:
    """Copy the data files of a folder (e.g. a sentence encoder), nothing executable, and
    none under the top-level folders named in ``skip``."""
    for file in sorted(source.rglob("*")):
        relative = file.relative_to(source)
        if relative.parts[0] in skip or (file.is_symlink() and not file.resolve().is_file()):
            continue
        if file.is_file() and file.suffix in DATA_SUFFIXES and not _hidden(relative):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target / relative)


def _hidden(relative: PurePosixPath | Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


# ---------------------------------------------------------------------------- reading


def read_manifest(directory: Path, *, kind: str) -> dict[str, Any]:
    """The manifest of a model directory, after checking its format, version and digest."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise NotFoundError(f"model directory {directory} does not exist")
    if path.is_symlink() or not path.is_file():
        raise ArtifactError(
            f"{directory} is not a colloquy model directory (no {MANIFEST})",
            hint="point --model at a directory written by `colloquy train`",
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path} is corrupt: {exc}", hint="retrain the model") from None
    if not isinstance(manifest, dict) or manifest.get("format") != f"colloquy-{kind}":
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ArtifactError(f"{directory} holds a {found!r} model, not colloquy-{kind}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{directory} uses model format {manifest.get('format_version')!r}; this colloquy "
            f"({__version__}) reads format {FORMAT_VERSION}",
            hint="retrain the model with this version of colloquy",
        )
    made_with = str(manifest.get("colloquy_version", "?"))
    if made_with.split(".")[0] != __version__.split(".")[0]:
        raise ArtifactError(
            f"{directory} was written by colloquy {made_with}, incompatible with {__version__}",
            hint="retrain the model with this version of colloquy",
        )
    if manifest.get("sha256") != manifest_digest(manifest):
        raise ArtifactError(
            f"{path} was edited after the model was saved (its SHA-256 does not match)",
            hint="restore the model directory from where it was saved, or retrain",
        )
    return manifest


def open_model(directory: Path | str, *, kind: str) -> ModelDirectory:
    """A model directory checked as the module docstring says, ready to be read."""
    path = Path(directory).expanduser()
    manifest = read_manifest(path, kind=kind)
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in files.items()
    ):
        raise ArtifactError(f"{path / MANIFEST} has no valid 'files' table", hint="retrain")
    for name in files:
        _check_name(path, name)
    present = set(_walk(path))
    missing = sorted(set(files) - present)
    if missing:
        raise ArtifactError(
            f"{path / missing[0]} is missing (listed in the manifest)",
            hint="restore the model directory from where it was saved, or retrain",
        )
    extra = sorted(present - set(files))
    if extra:
        raise ArtifactError(
            f"{path / extra[0]} is not part of the saved model (not in the manifest)",
            hint="remove it, or restore the model directory from where it was saved",
        )
    model = ModelDirectory(path, manifest, files)
    model.scan()
    return model


class ModelDirectory:
    """An opened model directory: every read is hash-checked, every file read once."""

    def __init__(self, path: Path, manifest: dict[str, Any], files: Mapping[str, str]) -> None:
        self.path = path
        self.manifest = manifest
        self._files = dict(files)
        self._verified: set[str] = set()
        self._skops: dict[str, bytes] = {}

    def has(self, name: str) -> bool:
        return name in self._files

    def names(self, folder: str) -> list[str]:
        """The listed files under ``folder`` (relative to the model directory)."""
        prefix = folder.rstrip("/") + "/"
        return sorted(name for name in self._files if name.startswith(prefix))

    def read_bytes(self, name: str) -> bytes:
        """The content of file ``name``, after checking it against its recorded SHA-256."""
        if name not in self._files:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        try:
            data = (self.path / name).read_bytes()
        except OSError as exc:
            raise ArtifactError(f"{self.path / name} cannot be read: {exc.strerror}") from None
        self._check_digest(name, hashlib.sha256(data).hexdigest())
        return data

    def read_json(self, name: str) -> Any:
        try:
            return json.loads(self.read_bytes(name).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArtifactError(f"{self.path / name} is corrupt: {exc}", hint="retrain") from None

    def read_arrays(
        self, name: str, shapes: Mapping[str, tuple[int, ...]] | None = None
    ) -> dict[str, np.ndarray]:
        """The arrays of safetensors file ``name``; with ``shapes``, exactly those names and
        shapes (``-1`` accepts any size on that axis)."""
        from safetensors import SafetensorError
        from safetensors.numpy import load

        try:
            arrays = load(self.read_bytes(name))
        except (SafetensorError, ValueError, OverflowError) as exc:
            raise ArtifactError(f"{self.path / name} is corrupt: {exc}", hint="retrain") from None
        if shapes is not None:
            check_shapes(self.path / name, arrays, shapes)
        return arrays

    def read_sklearn(self, name: str) -> Any:
        """A skops file, whose types were checked by :meth:`scan` when the folder opened."""
        import skops.io as sio

        data = self._skops.get(name)
        if data is None:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        try:
            return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        except ColloquyError:
            raise
        except Exception as exc:
            needed = missing_extra(exc, feature=str(self.path / name))
            if needed is not None:
                raise needed from None
            raise ArtifactError(f"{self.path / name} is corrupt ({type(exc).__name__})") from None

    def folder(self, name: str) -> Path:
        """A listed sub-folder (a sentence encoder) for a library that reads paths, after
        checking every file in it and the modules it names."""
        names = self.names(name)
        if not names:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        for file in names:
            if file not in self._verified:
                self._check_digest(file, file_digest(self.path / file))
        check_encoder_modules(self.path / name)
        return self.path / name

    def scan(self) -> None:
        """Check every skops file's types against the allow-list before anything is loaded."""
        for name in sorted(n for n in self._files if n.endswith(".skops")):
            data = self.read_bytes(name)
            check_skops(self.path / name, data)
            self._skops[name] = data
        for name in sorted(n for n in self._files if n.endswith("/modules.json")):
            check_encoder_modules((self.path / name).parent)

    def finish(self) -> None:
        """Check the files the loader did not read, and drop what was held for it."""
        for name in sorted(set(self._files) - self._verified):
            self._check_digest(name, file_digest(self.path / name))
        self._skops.clear()

    def _check_digest(self, name: str, digest: str) -> None:
        if digest != self._files[name]:
            raise ArtifactError(
                f"{self.path / name} is not the file that was saved (SHA-256 mismatch)",
                hint="restore the model directory from where it was saved, or retrain",
            )
        self._verified.add(name)


def check_skops(path: Path, data: bytes) -> None:
    """Refuse a skops file that is not one, or that needs an untrusted type."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ArtifactError(
            f"{path} is not a valid skops file ({type(exc).__name__})", hint="retrain the model"
        ) from None
    refused = sorted(name for name in untrusted if name not in TRUSTED_SKOPS_TYPES)
    if refused:
        raise ArtifactError(
            f"{path} needs types colloquy does not trust: {', '.join(refused[:5])}",
            hint="only load models you trained with colloquy",
        )


def check_encoder_modules(folder: Path) -> None:
    """Refuse an encoder whose ``modules.json`` names a module outside the allow-list."""
    file = folder / "modules.json"
    if not file.is_file():
        return
    try:
        modules = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{file} is corrupt: {exc}", hint="retrain the model") from None
    named = modules if isinstance(modules, list) and modules else [None]
    kinds = [m.get("type") if isinstance(m, dict) else m for m in named]
    refused = [str(kind) for kind in kinds if kind not in TRUSTED_ENCODER_MODULES]
    if refused:
        raise ArtifactError(
            f"{file} names modules colloquy does not trust: {', '.join(refused[:3])}",
            hint="only load models you trained with colloquy",
        )


def check_shapes(
    path: Path, arrays: Mapping[str, np.ndarray], shapes: Mapping[str, tuple[int, ...]]
) -> None:
    if set(arrays) != set(shapes):
        raise ArtifactError(
            f"{path} holds arrays {sorted(arrays)}, expected {sorted(shapes)}", hint="retrain"
        )
    for name, expected in shapes.items():
        found = arrays[name].shape
        if len(found) != len(expected) or any(
            e not in (-1, f) for e, f in zip(expected, found, strict=True)
        ):
            raise ArtifactError(
                f"{path}: array {name!r} has shape {found}, expected {expected}", hint="retrain"
            )


def load_sklearn(path: Path) -> Any:
    """Load one skops file on its own (outside a model directory), trusting only skops'
    defaults and :data:`TRUSTED_SKOPS_TYPES`."""
    import skops.io as sio

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{path} cannot be read: {exc.strerror}", hint="retrain") from None
    check_skops(path, data)
    try:
        return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    except Exception as exc:
        raise ArtifactError(f"{path} is corrupt ({type(exc).__name__})", hint="retrain") from None


def _check_name(directory: Path, name: str) -> None:
    """A manifest entry must be a plain relative path to a data file inside ``directory``."""
    pure = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\0" in name
        or pure.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or name == MANIFEST
    ):
        raise ArtifactError(
            f"{directory / MANIFEST} lists {name!r}, which is not a path inside the model",
            hint="only load models you trained with colloquy",
        )
    if pure.suffix not in DATA_SUFFIXES:
        raise ArtifactError(
            f"{directory / name}: {pure.suffix or 'no suffix'} files are not allowed in a model "
            "directory (only data formats)",
            hint="only load models you trained with colloquy",
        )


def _walk(directory: Path) -> list[str]:
    """Every file under ``directory`` (but the manifest), refusing links and special files."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(root) / name
            mode = path.lstat().st_mode
            relative = path.relative_to(directory).as_posix()
            if stat.S_ISLNK(mode):
                raise ArtifactError(
                    f"{path} is a symbolic link; a model directory holds plain files only",
                    hint="only load models you trained with colloquy",
                )
            if name in files and not stat.S_ISREG(mode):
                raise ArtifactError(f"{path} is not a regular file", hint="retrain the model")
            if name in files and relative != MANIFEST:
                found.append(relative)
    return sorted(found)
