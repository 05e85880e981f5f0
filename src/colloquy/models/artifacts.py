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

This module is the format's one public face; the work is split by role:
:mod:`~colloquy.models.artifact_format` (manifest, hashes, file walk),
:mod:`~colloquy.models.artifact_writer` (staging and sealing),
:mod:`~colloquy.models.artifact_reader` (opening and verifying) and
:mod:`~colloquy.models.artifact_trust` (the allow-lists and what checks against them).
"""

from __future__ import annotations

from colloquy.models.artifact_format import (
    DATA_SUFFIXES,
    FORMAT_VERSION,
    MANIFEST,
    data_fingerprint,
    file_digest,
    is_model_directory,
    manifest_digest,
)
from colloquy.models.artifact_reader import ModelDirectory, open_model, read_manifest
from colloquy.models.artifact_trust import (
    TRUSTED_ENCODER_MODULES,
    TRUSTED_SKOPS_TYPES,
    check_encoder_modules,
    check_shapes,
    check_skops,
    load_sklearn,
)
from colloquy.models.artifact_writer import (
    check_output,
    copy_data_files,
    dump_sklearn,
    staged_directory,
    write_arrays,
    write_json,
    write_model,
)

__all__ = [
    "DATA_SUFFIXES",
    "FORMAT_VERSION",
    "MANIFEST",
    "TRUSTED_ENCODER_MODULES",
    "TRUSTED_SKOPS_TYPES",
    "ModelDirectory",
    "check_encoder_modules",
    "check_output",
    "check_shapes",
    "check_skops",
    "copy_data_files",
    "data_fingerprint",
    "dump_sklearn",
    "file_digest",
    "is_model_directory",
    "load_sklearn",
    "manifest_digest",
    "open_model",
    "read_manifest",
    "staged_directory",
    "write_arrays",
    "write_json",
    "write_model",
]
