"""Model directories: everything a trained model needs, and nothing that runs on load.

An intent model directory holds::

    manifest.json        format, colloquy version, method, embedder, labels, threshold,
                         training-data hash, parameters, metrics, creation time
    encoder/             the fine-tuned sentence encoder (safetensors), for ``contrastive``
    head.skops           the scikit-learn head (skops: a restricted, non-pickle format)
    mlp.safetensors      …or the MLP head's weights, with mlp.json
    tfidf.skops          the TF-IDF vectorisers and their head, when blended in

Loading checks the manifest before touching anything else and refuses, with a one-line
reason, a directory from another format version or another major colloquy version, a
missing file, or a skops file that would need any type outside scikit-learn, NumPy and
SciPy. A directory is written under a temporary name and renamed into place when
complete, so a failed training run never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from colloquy._version import __version__
from colloquy.errors import ArtifactError, ColloquyError, NotFoundError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def data_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 over the training rows, so a model records exactly what it learned from."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """A temporary directory beside ``target`` that becomes ``target`` on success.

    An existing ``target`` is replaced only after the new one is complete.
    """
    target = target.expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old")
        shutil.rmtree(backup, ignore_errors=True)
        target.rename(backup)
    staging.rename(target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_manifest(directory: Path, *, kind: str, **fields: Any) -> dict[str, Any]:
    manifest = {
        "format": f"colloquy-{kind}",
        "format_version": FORMAT_VERSION,
        "colloquy_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        **fields,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(directory: Path, *, kind: str) -> dict[str, Any]:
    """The manifest of a model directory, after checking it is one this version can load."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise NotFoundError(f"model directory {directory} does not exist")
    if not path.is_file():
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
    return manifest


def dump_sklearn(obj: object, path: Path) -> None:
    import skops.io as sio

    sio.dump(obj, path)


def load_sklearn(path: Path, *, extra_trusted: Collection[str] = ()) -> Any:
    """Load a skops file, trusting only scikit-learn, NumPy and SciPy types.

    ``extra_trusted`` names further types exactly (no prefixes), for a model kind that
    stores, say, a LightGBM booster or colloquy's own metadata encoder.
    """
    import skops.io as sio

    if not path.is_file():
        raise ArtifactError(f"{path} is missing", hint="retrain the model")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ArtifactError(f"{path} is corrupt ({type(exc).__name__})", hint="retrain") from None
    refused = [
        name
        for name in untrusted
        if not name.startswith(_TRUSTED_PREFIXES) and name not in extra_trusted
    ]
    if refused:
        raise ArtifactError(
            f"{path} needs types colloquy does not trust: {', '.join(refused[:5])}",
            hint="only load models you trained with colloquy",
        )
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ArtifactError(f"{path} is corrupt ({type(exc).__name__})", hint="retrain") from None


def checked(path: Path, loader: Callable[[Path], Any]) -> Any:
    """Run ``loader(path)``, turning any failure into an :class:`ArtifactError`."""
    if not path.exists():
        raise ArtifactError(f"{path} is missing", hint="retrain the model")
    try:
        return loader(path)
    except ColloquyError:
        raise
    except Exception as exc:
        raise ArtifactError(f"{path} is corrupt ({type(exc).__name__}: {exc})") from None
