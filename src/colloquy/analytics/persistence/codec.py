"""Analysis records to JSON text and back, exactly, for storage.

A payload is ``{"version": 1, "kind": "conversation" | "dataset", "record": {...}}``. The
record is serialised field by field from the frozen dataclasses' own type hints (by
Pydantic, which also validates on the way back), so ``decode(encode(x)) == x`` for every
record the engine produces, with no hand-written mapping to drift from the records. Sets
are written sorted (:mod:`~colloquy.analytics.persistence.ordering`), so equal records
give equal bytes in every process.

Stored text is untrusted: a database edited by hand, a payload truncated by a full disk,
or one written by another colloquy version. Decoding checks the envelope first (an
unknown version is named as such), then every field's type; any failure is one
:class:`PayloadError` line, which the incremental runner answers by recomputing.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
from colloquy.analytics.persistence.ordering import holds_set, sort_sets
from colloquy.errors import ColloquyError, DataError

CODEC_VERSION = 1
"""Bumped whenever the payload layout changes; older payloads are then recomputed."""

ConversationKind = Literal["conversation"]
DatasetKind = Literal["dataset"]


class PayloadError(DataError):
    """A stored analysis payload that cannot be read back (malformed or another version)."""


Envelope = TypeVar("Envelope", bound=BaseModel)


class _ConversationEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")

    version: int
    kind: ConversationKind
    record: ConversationAnalysis


class _DatasetEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")

    version: int
    kind: DatasetKind
    record: DatasetAnalysis


def encode_conversation(analysis: ConversationAnalysis) -> str:
    """The JSON text stored for one conversation's analysis."""
    return _encode(
        _ConversationEnvelope(version=CODEC_VERSION, kind="conversation", record=analysis)
    )


def encode_dataset(analysis: DatasetAnalysis) -> str:
    """The JSON text stored for a dataset aggregate."""
    return _encode(_DatasetEnvelope(version=CODEC_VERSION, kind="dataset", record=analysis))


def _encode(envelope: _ConversationEnvelope | _DatasetEnvelope) -> str:
    """The envelope as JSON, sets as sorted lists (equal records, equal bytes)."""
    record_type = type(envelope.record)
    if not holds_set(record_type):
        return envelope.model_dump_json()
    data = envelope.model_dump(mode="json")
    data["record"] = sort_sets(record_type, data["record"])
    return orjson.dumps(data).decode()


def decode_conversation(payload: str) -> ConversationAnalysis:
    """The :class:`ConversationAnalysis` in ``payload``; :class:`PayloadError` if unreadable."""
    return _validate(_ConversationEnvelope, payload, "conversation").record


def decode_dataset(payload: str) -> DatasetAnalysis:
    """The :class:`DatasetAnalysis` in ``payload``; :class:`PayloadError` if unreadable."""
    return _validate(_DatasetEnvelope, payload, "dataset").record


def _validate(model: type[Envelope], payload: str, kind: str) -> Envelope:
    what = f"stored {kind} analysis"
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise PayloadError(
            f"{what} is not JSON ({error})", hint="it is recomputed when analysed again"
        ) from None
    if not isinstance(data, dict):
        raise PayloadError(
            f"{what} is a JSON {type(data).__name__}, not an object",
            hint="it is recomputed when analysed again",
        )
    version = data.get("version")
    if version != CODEC_VERSION or isinstance(version, bool):
        raise PayloadError(
            f"{what} has payload version {version!r}; this colloquy reads version {CODEC_VERSION}",
            hint="it is recomputed when analysed again",
        )
    if data.get("kind") != kind:
        raise PayloadError(
            f"{what} holds kind {data.get('kind')!r}, not {kind!r}",
            hint="it is recomputed when analysed again",
        )
    try:
        # Validating from the text (not from ``data``) lets Pydantic parse dates, enums and
        # tuples in its own JSON mode, three times faster on a large aggregate.
        return model.model_validate_json(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise PayloadError(
            f"{what} is malformed at {where}: {first['msg']} ({error.error_count()} problem(s))",
            hint="it is recomputed when analysed again",
        ) from None
    except (ValueError, TypeError, ColloquyError) as error:
        message = error.one_line() if isinstance(error, ColloquyError) else str(error)
        raise PayloadError(
            f"{what} holds an invalid value: {message.splitlines()[0] if message else error!r}",
            hint="it is recomputed when analysed again",
        ) from None
