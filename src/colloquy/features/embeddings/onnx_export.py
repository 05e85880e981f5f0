"""Export a transformer to ONNX once, quantise it once, and find those files again later.

Exporting takes seconds and needs PyTorch; loading the result takes a fraction of a second
and needs only onnxruntime. So the ONNX files are built on first use and kept:

* next to the model, ``<model_dir>/onnx/model.onnx`` (and ``model_int8.onnx``), when that
  directory can be written, so every user of the model shares them;
* otherwise in a per-model cache directory (by default ``<home>/onnx/<name>-<fingerprint>/``).

Every file colloquy writes carries the model's fingerprint (a hash of its weights and
configuration) in the ONNX metadata. A file is reused only when the fingerprint matches, so
changed weights cause a fresh export, and a ``model.onnx`` someone else put there (one
downloaded from the Hub, say) is never trusted or overwritten: the cache directory is used
instead. Files are written to a temporary name, checked, then renamed into place, so an
interrupted export leaves no half-written model behind.

The export uses ``torch.onnx.export(dynamo=True)``, the exporter PyTorch maintains (the
TorchScript one is deprecated and bakes trace-time branches of the attention code into the
graph). The graph takes ``input_ids``, ``attention_mask`` and (when the model has them)
``token_type_ids`` with dynamic batch and sequence axes, and returns ``last_hidden_state``;
pooling happens outside, see :mod:`colloquy.features.embeddings.pooling`. Quantisation is
``onnxruntime``'s dynamic QInt8 with per-channel weight scales: per-tensor scales lose too
much on MiniLM (cosine to fp32 down to 0.94 instead of 0.99).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

from colloquy.errors import ColloquyError, ConfigError
from colloquy.extras import require

FP32_NAME = "model.onnx"
INT8_NAME = "model_int8.onnx"
FINGERPRINT_KEY = "colloquy.fingerprint"
VARIANT_KEY = "colloquy.variant"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
_MAX_ABS_DIFF = 1e-3  # export check: ONNX vs PyTorch token vectors

Variant = Literal["fp32", "int8"]
FileState = Literal["absent", "current", "stale", "foreign"]


def ensure_onnx(
    model_dir: Path,
    *,
    fingerprint: str,
    variant: Variant,
    cache_dir: Path,
    beside_model: bool = True,
) -> Path:
    """The ONNX file of ``variant`` for the model in ``model_dir``, building it if needed.

    Looks in ``<model_dir>/onnx`` (when ``beside_model``) and then ``cache_dir`` for a
    file with the right fingerprint; otherwise exports (and, for int8, quantises) into the
    first of them that can be written.
    """
    candidates = [model_dir / "onnx", cache_dir] if beside_model else [cache_dir]
    name = INT8_NAME if variant == "int8" else FP32_NAME
    for folder in candidates:
        if file_state(folder / name, fingerprint) == "current":
            return folder / name
    target = _writable_folder(candidates, fingerprint)
    fp32 = next(
        (
            folder / FP32_NAME
            for folder in candidates
            if file_state(folder / FP32_NAME, fingerprint) == "current"
        ),
        None,
    )
    if fp32 is None:
        fp32 = target / FP32_NAME
        export_onnx(model_dir, fp32, fingerprint=fingerprint)
    if variant == "fp32":
        return fp32
    int8 = target / INT8_NAME
    quantize_onnx(fp32, int8, fingerprint=fingerprint)
    return int8


def file_state(path: Path, fingerprint: str) -> FileState:
    """Whether ``path`` is absent, colloquy's export of this model, an older one, or not ours."""
    if not path.is_file():
        return "absent"
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # a file onnx cannot parse is not one colloquy wrote
        return "foreign"
    meta = {prop.key: prop.value for prop in model.metadata_props}
    if FINGERPRINT_KEY not in meta:
        return "foreign"
    return "current" if meta[FINGERPRINT_KEY] == fingerprint else "stale"


def export_onnx(model_dir: Path, target: Path, *, fingerprint: str) -> None:
    """Export the transformer in ``model_dir`` to ``target`` (fp32), atomically and checked."""
    require("onnxscript", extra="onnx", feature="exporting an encoder to ONNX")
    import onnx
    import torch
    from transformers import AutoModel

    try:
        model = AutoModel.from_pretrained(model_dir).eval()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{model_dir}: cannot load the transformer to export it: {exc}") from None
    accepted = inspect.signature(model.forward).parameters
    names = [name for name in INPUT_NAMES if name in accepted]
    wrapper = _last_hidden_state(model, names)
    example = _example_inputs(model.config, names)
    tensors = tuple(torch.from_numpy(example[name]) for name in names)
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    with torch.no_grad(), _quiet():
        reference = wrapper(*tensors).numpy()
        program = torch.onnx.export(
            wrapper,
            tensors,
            None,
            input_names=names,
            output_names=[OUTPUT_NAME],
            dynamic_shapes={name: {0: batch, 1: sequence} for name in names},
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    if program is None:  # pragma: no cover - dynamo=True always returns the program
        raise ColloquyError(f"{model_dir}: the ONNX exporter returned nothing")
    proto = program.model_proto
    _set_metadata(proto, fingerprint=fingerprint, variant="fp32")
    with _atomic_path(target) as tmp:
        onnx.save_model(proto, str(tmp))
        _check_against(tmp, example, reference, source=model_dir)


def quantize_onnx(source: Path, target: Path, *, fingerprint: str) -> None:
    """Dynamic QInt8 quantisation (per-channel weights) of ``source`` into ``target``."""
    import onnx
    from onnxruntime.quantization import (  # type: ignore[import-untyped, unused-ignore]
        QuantType,
        quantize_dynamic,
    )

    with _atomic_path(target) as tmp:
        with _quiet():
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        proto = onnx.load(str(tmp))
        _set_metadata(proto, fingerprint=fingerprint, variant="int8")
        onnx.save_model(proto, str(tmp))


def can_write(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (created if missing); tried, not guessed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _writable_folder(candidates: list[Path], fingerprint: str) -> Path:
    for folder in candidates:
        if any(
            file_state(folder / name, fingerprint) == "foreign" for name in (FP32_NAME, INT8_NAME)
        ):
            continue
        if can_write(folder):
            return folder
    raise ConfigError(
        "no writable place for the ONNX export: tried " + ", ".join(str(c) for c in candidates),
        hint="pass cache_dir= a writable directory, or set COLLOQUY_HOME",
    )


def _last_hidden_state(model: Any, names: list[str]) -> Any:
    """``model`` as a module taking ``names`` positionally and returning token vectors.

    The exporter names graph inputs and dynamic axes after ``forward``'s parameters, so the
    signature is spelled out rather than taking ``*inputs``.
    """
    import torch

    class Pair(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask)
            return out.last_hidden_state  # type: ignore[no-any-return]

    class Triple(Pair):
        def forward(  # type: ignore[override]
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state  # type: ignore[no-any-return]

    return (Triple() if "token_type_ids" in names else Pair()).eval()


def _example_inputs(config: Any, names: list[str]) -> dict[str, np.ndarray]:
    """Two padded rows of eight tokens: sizes above one so neither axis is specialised."""
    vocab = int(getattr(config, "vocab_size", 1000))
    rng = np.random.default_rng(0)
    ids = rng.integers(min(1000, vocab - 1), vocab, size=(2, 8), dtype=np.int64)
    mask = np.ones((2, 8), dtype=np.int64)
    mask[1, 5:] = 0
    feeds = {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": np.zeros((2, 8), dtype=np.int64),
    }
    return {name: feeds[name] for name in names}


def _check_against(
    path: Path, example: dict[str, np.ndarray], reference: np.ndarray, *, source: Path
) -> None:
    import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], example)
    mask = example["attention_mask"].astype(bool)
    diff = float(np.abs(np.asarray(got)[mask] - reference[mask]).max())
    if not diff <= _MAX_ABS_DIFF:
        raise ColloquyError(
            f"{source}: the ONNX export disagrees with PyTorch (max |diff| {diff:.2e})",
            hint="use backend='torch' for this model",
        )


def _set_metadata(proto: Any, *, fingerprint: str, variant: Variant) -> None:
    values = {FINGERPRINT_KEY: fingerprint, VARIANT_KEY: variant}
    kept = [prop for prop in proto.metadata_props if prop.key not in values]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    for key, value in values.items():
        prop = proto.metadata_props.add()
        prop.key, prop.value = key, value


@contextlib.contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp.onnx")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; the export is for every user
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's and the quantiser's warnings and advice for one call.

    The quantiser logs its advice straight on the root logger; a filter there drops only
    records logged on the root logger itself, not those of named loggers that propagate.
    """
    root = logging.getLogger()
    drop = logging.Filter("\0")  # matches no logger name, so every direct record is dropped
    exporters = [logging.getLogger(name) for name in ("torch.onnx", "torch.export")]
    levels = [logger.level for logger in exporters]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.addFilter(drop)
        for logger in exporters:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            root.removeFilter(drop)
            for logger, level in zip(exporters, levels, strict=True):
                logger.setLevel(level)


__all__ = [
    "FP32_NAME",
    "INT8_NAME",
    "can_write",
    "ensure_onnx",
    "export_onnx",
    "file_state",
    "quantize_onnx",
]
