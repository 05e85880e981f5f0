"""The finished chunks of a batch prediction, kept so an interrupted run can resume.

``<output>.parts/`` holds ``manifest.json`` (:class:`PartsManifest`: input fingerprint,
model, chunk size) and one ``part-NNNNN.parquet`` per finished chunk, each written under a
temporary name and renamed, so a part either is complete or does not exist. A re-run with
the same manifest keeps the parts whose row count matches its chunk; any other manifest
is refused rather than mixed into the output. When every chunk is done the parts are
copied, one at a time, into the output (written to a temporary sibling and renamed), and
the folder is removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from colloquy.errors import ArtifactError, UsageError
from colloquy.pipelines.batch.records import PartsManifest

MANIFEST_NAME = "manifest.json"
_PART = re.compile(r"^part-\d{5,}\.parquet$")
_CHECKED = ("input_fingerprint", "input_options", "model_sha256", "chunk_rows")


def parts_folder(output: Path) -> Path:
    """``<output>.parts`` beside the output file."""
    return output.with_name(f"{output.name}.parts")


class PartsFolder:
    """The parts folder of one output, opened for a run described by ``manifest``."""

    def __init__(self, output: Path, manifest: PartsManifest) -> None:
        self.output = output
        self.folder = parts_folder(output)
        self.manifest = manifest

    @classmethod
    def open(cls, output: Path, manifest: PartsManifest) -> PartsFolder:
        """Create the folder, or check that the one there was written for this run."""
        parts = cls(output, manifest)
        path = parts.folder / MANIFEST_NAME
        if path.is_file():
            parts._check(path)
        elif parts.folder.exists():
            stray = [p.name for p in parts.folder.iterdir() if not p.name.startswith(".")]
            if stray or not parts.folder.is_dir():
                raise UsageError(
                    f"{parts.folder} exists but is not a batch parts folder "
                    f"(no {MANIFEST_NAME}; holds {', '.join(sorted(stray)[:3])})",
                    hint="move it away or choose another --output",
                )
        parts.folder.mkdir(parents=True, exist_ok=True)
        _replace_text(path, manifest.model_dump_json(indent=2) + "\n")
        return parts

    def _check(self, path: Path) -> None:
        try:
            found = PartsManifest.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise ArtifactError(
                f"{path} is not a batch parts manifest ({type(exc).__name__})",
                hint=f"delete {self.folder} to start the batch over",
            ) from None
        expected = self.manifest
        for field in _CHECKED:
            if getattr(found, field) != getattr(expected, field):
                why = _difference(field, found, expected)
                raise UsageError(
                    f"{self.folder} holds parts of another run: {why}",
                    hint=f"re-run with the same input, model and --chunk-rows, or delete "
                    f"{self.folder} to start over",
                )

    def part(self, index: int) -> Path:
        return self.folder / f"part-{index:05d}.parquet"

    def finished(self, index: int, rows: int) -> bool:
        """Whether chunk ``index`` was written whole (``rows`` rows) by an earlier run."""
        path = self.part(index)
        if not path.is_file() or path.is_symlink():
            return False
        try:
            return int(pq.read_metadata(path).num_rows) == rows
        except (OSError, pa.ArrowException):
            return False

    def write(self, index: int, table: pa.Table) -> None:
        path = self.part(index)
        staging = path.with_name(f".{path.name}.partial")
        try:
            pq.write_table(table, staging)
            staging.replace(path)
        finally:
            staging.unlink(missing_ok=True)

    def assemble(self, chunks: int, schema: pa.Schema) -> None:
        """Copy parts 0 … ``chunks - 1`` into the output, then remove the folder."""
        staging = self.output.with_name(f".{self.output.name}.partial")
        try:
            with pq.ParquetWriter(staging, schema) as writer:
                for index in range(chunks):
                    writer.write_table(pq.read_table(self.part(index), schema=schema))
                if chunks == 0:
                    writer.write_table(schema.empty_table())
            staging.replace(self.output)
        finally:
            staging.unlink(missing_ok=True)
        self.remove()

    def remove(self) -> None:
        """Delete the parts and the manifest this module wrote, then the folder."""
        for path in self.folder.iterdir():
            if (
                _PART.match(path.name)
                or path.name == MANIFEST_NAME
                or path.name.endswith(".partial")
            ):
                path.unlink()
        self.folder.rmdir()


def _difference(field: str, found: PartsManifest, expected: PartsManifest) -> str:
    if field == "input_fingerprint":
        return f"they were predicted from another input ({found.input})"
    if field == "input_options":
        return f"they read {found.input_options}, not {expected.input_options}"
    if field == "model_sha256":
        return f"they were predicted by another model ({found.model_name} {found.model_version})"
    return f"they hold chunks of {found.chunk_rows} rows, not {expected.chunk_rows}"


def _replace_text(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)
