"""An intent model directory: plain arrays and JSON, so serving needs neither scikit-learn,
skops nor PyTorch.

Layout (inside the common format of :mod:`colloquy.models.artifacts`)::

    manifest.json          method, head, labels, out-of-scope label and threshold, TF-IDF
                           weight, temperature, embedder (name, vector id, width), the kind
                           of each stored head, training-data hash, parameters, metrics
    head.safetensors       the dense head's weights (:class:`~colloquy.models.heads.PlainHead`)
    tfidf.json             the TF-IDF vocabularies and settings
    tfidf.safetensors      their IDF weights
    tfidf_head.safetensors the TF-IDF head's weights
    onnx/model.onnx        the sentence encoder, exported and quantised to int8 at save time
    onnx/tokenizer.json    its tokenizer
    onnx/settings.json     pooling, lower-casing, padding id, length (EncoderSettings) and
                           the id of its vectors
    encoder/               a contrastively fine-tuned encoder, for the torch backend

The TF-IDF and head files are present when the blend uses them; ``onnx/`` whenever the model
embeds (unless the ONNX export extra is missing, which saving logs); ``encoder/`` for the
``contrastive`` method. Every array's shape is checked on load against the labels, the
vocabulary and the encoder width, so a file that lies about its contents is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colloquy.errors import ArtifactError, ColloquyError
from colloquy.features.embeddings import Embedder, SentenceEmbedder
from colloquy.features.embeddings.onnx_encoder import (
    EncoderSettings,
    OnnxEmbedder,
    OnnxEncoder,
    ServingEncoder,
)
from colloquy.features.embeddings.tfidf import TfidfTransform
from colloquy.logging import get_logger
from colloquy.models.artifacts import (
    ModelDirectory,
    copy_data_files,
    open_model,
    staged_directory,
    write_arrays,
    write_json,
    write_model,
)
from colloquy.models.choices import Backend
from colloquy.models.heads import PlainHead

KIND = "intent"
HEAD = "head.safetensors"
TFIDF = "tfidf.json"
TFIDF_IDF = "tfidf.safetensors"
TFIDF_HEAD = "tfidf_head.safetensors"
ONNX_DIR = "onnx"
ENCODER_DIR = "encoder"
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IntentState:
    """Everything a fitted intent classifier predicts with, as it is saved and loaded."""

    method: str
    head: str
    model: str
    labels: tuple[str, ...]
    oos_label: str | None
    threshold: float | None
    tfidf_weight: float
    temperature: float
    dense_head: PlainHead | None
    tfidf: TfidfTransform | None
    tfidf_head: PlainHead | None
    embedder: Embedder | None
    encoder_dir: Path | None
    """The fine-tuned encoder's folder (contrastive), saved as ``encoder/``."""


def save_intent(
    state: IntentState, directory: Path, *, overwrite: bool, fields: dict[str, Any]
) -> dict[str, Any]:
    """Write ``state`` to ``directory`` atomically; returns the manifest."""
    serving = _serving_encoder(state.embedder)
    with staged_directory(directory, overwrite=overwrite) as staging:
        model_ref = state.model
        if state.encoder_dir is not None:
            copy_data_files(state.encoder_dir, staging / ENCODER_DIR, skip={"onnx", "checkpoints"})
            model_ref = ENCODER_DIR
        if state.dense_head is not None:
            write_arrays(staging / HEAD, state.dense_head.arrays)
        if state.tfidf is not None and state.tfidf_head is not None:
            write_json(staging / TFIDF, state.tfidf.settings())
            write_arrays(staging / TFIDF_IDF, state.tfidf.arrays())
            write_arrays(staging / TFIDF_HEAD, state.tfidf_head.arrays)
        if serving is not None:
            (staging / ONNX_DIR).mkdir()
            (staging / ONNX_DIR / "model.onnx").write_bytes(serving.onnx.read_bytes())
            (staging / ONNX_DIR / "tokenizer.json").write_text(
                serving.tokenizer_json, encoding="utf-8"
            )
            write_json(
                staging / ONNX_DIR / "settings.json",
                {"model_id": serving.model_id, **serving.settings.to_dict()},
            )
        embedder = state.embedder
        return write_model(
            staging,
            kind=KIND,
            method=state.method,
            head=state.head,
            embedder={
                "model": model_ref,
                "model_id": embedder.model_id if embedder is not None else None,
                "dimension": embedder.dimension if embedder is not None else None,
            },
            labels=list(state.labels),
            oos_label=state.oos_label,
            threshold=state.threshold,
            tfidf_weight=state.tfidf_weight,
            temperature=state.temperature,
            heads={
                "dense": state.dense_head.kind if state.dense_head is not None else None,
                "tfidf": state.tfidf_head.kind if state.tfidf_head is not None else None,
            },
            **fields,
        )


def _serving_encoder(embedder: Embedder | None) -> ServingEncoder | None:
    """The int8 ONNX export of the model's encoder, or None when it cannot be made here."""
    inner = getattr(embedder, "inner", embedder)
    if not isinstance(inner, SentenceEmbedder):
        return None
    try:
        return inner.serving_encoder()
    except ImportError as exc:
        log.warning("onnx_export_skipped", reason=str(exc), effect="serving uses torch")
        return None


def load_intent(directory: Path, *, backend: Backend | None) -> tuple[IntentState, dict[str, Any]]:
    """The state saved in ``directory`` and its manifest; see the module docstring."""
    model = open_model(directory, kind=KIND)
    manifest = model.manifest
    try:
        state = _read_state(model, manifest, backend)
    except ColloquyError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(
            f"{directory / 'manifest.json'} is incomplete or malformed ({type(exc).__name__}: "
            f"{exc})",
            hint="retrain the model",
        ) from None
    model.finish()
    return state, manifest


def _read_state(
    model: ModelDirectory, manifest: dict[str, Any], backend: Backend | None
) -> IntentState:
    labels = tuple(str(label) for label in manifest["labels"])
    weight = float(manifest["tfidf_weight"])
    heads = manifest["heads"]
    method = str(manifest["method"])
    embedder = None
    if method != "tfidf":
        embedder = _embedder(model, manifest, backend)
    dense_head = None
    if heads["dense"] is not None:
        width = int(manifest["embedder"]["dimension"])
        arrays = model.read_arrays(HEAD)
        dense_head = PlainHead.from_arrays(
            heads["dense"], labels, arrays, n_features=width, where=model.path / HEAD
        )
    tfidf = tfidf_head = None
    if heads["tfidf"] is not None:
        try:
            tfidf = TfidfTransform.from_parts(model.read_json(TFIDF), model.read_arrays(TFIDF_IDF))
        except ColloquyError as exc:
            if isinstance(exc, ArtifactError):
                raise
            raise ArtifactError(f"{model.path / TFIDF}: {exc.message}", hint="retrain") from None
        tfidf_head = PlainHead.from_arrays(
            heads["tfidf"],
            labels,
            model.read_arrays(TFIDF_HEAD),
            n_features=tfidf.dimension,
            where=model.path / TFIDF_HEAD,
        )
    if (weight < 1.0) != (dense_head is not None) or (weight > 0.0) != (tfidf is not None):
        raise ArtifactError(
            f"{model.path}: the stored heads do not match the TF-IDF weight {weight}",
            hint="retrain the model",
        )
    threshold = manifest["threshold"]
    return IntentState(
        method=method,
        head=str(manifest["head"]),
        model=str(manifest["embedder"]["model"]),
        labels=labels,
        oos_label=manifest["oos_label"],
        threshold=float(threshold) if threshold is not None else None,
        tfidf_weight=weight,
        temperature=float(manifest["temperature"]),
        dense_head=dense_head,
        tfidf=tfidf,
        tfidf_head=tfidf_head,
        embedder=embedder,
        encoder_dir=None,
    )


def _embedder(model: ModelDirectory, manifest: dict[str, Any], backend: Backend | None) -> Embedder:
    """The stored int8 ONNX encoder (the default when saved), else a sentence encoder."""
    stored = model.has(f"{ONNX_DIR}/model.onnx")
    if stored and backend in (None, "onnx-int8"):
        settings = model.read_json(f"{ONNX_DIR}/settings.json")
        model_id = settings.pop("model_id", None) if isinstance(settings, dict) else None
        try:
            encoder = OnnxEncoder.from_bytes(
                model.read_bytes(f"{ONNX_DIR}/model.onnx"),
                model.read_bytes(f"{ONNX_DIR}/tokenizer.json").decode("utf-8"),
                EncoderSettings.from_dict(settings),
            )
        except (ColloquyError, UnicodeDecodeError) as exc:
            reason = exc.message if isinstance(exc, ColloquyError) else str(exc)
            raise ArtifactError(f"{model.path / ONNX_DIR}: {reason}", hint="retrain") from None
        if not isinstance(model_id, str) or encoder.dimension != manifest["embedder"]["dimension"]:
            raise ArtifactError(
                f"{model.path / ONNX_DIR} does not match the model's encoder", hint="retrain"
            )
        return OnnxEmbedder(encoder, model_id)
    reference = str(manifest["embedder"]["model"])
    source: str | Path = model.folder(ENCODER_DIR) if reference == ENCODER_DIR else reference
    try:
        return SentenceEmbedder(source, backend=backend or "torch", export_beside_model=False)
    except ColloquyError as exc:
        raise ArtifactError(f"{model.path}: cannot load its encoder: {exc.message}") from None
