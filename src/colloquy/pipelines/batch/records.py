"""What a batch prediction returns, and the manifest that makes it resumable.

:class:`PartsManifest` is written beside the finished chunks (``<output>.parts/``) and read
back on a re-run; it is untrusted on the way in (Pydantic, ``extra="forbid"``), and a
mismatch with the current run means the parts came from another input, model or chunk
size and must not be mixed into this output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ModelKind = Literal["intent", "conversion", "classification"]
InputKind = Literal["texts", "conversations", "rows"]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A finished batch prediction: ``rows`` rows in ``chunks`` chunks written to ``output``,
    ``chunks_resumed`` of them kept from an interrupted earlier run."""

    output: Path
    rows: int
    chunks: int
    chunks_resumed: int
    model_name: str
    model_version: str
    model_kind: ModelKind
    input: str
    input_fingerprint: str
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, str | int | list[str]]:
        return {
            "output": str(self.output),
            "rows": self.rows,
            "chunks": self.chunks,
            "chunks_resumed": self.chunks_resumed,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "model_kind": self.model_kind,
            "input": self.input,
            "input_fingerprint": self.input_fingerprint,
            "columns": list(self.columns),
        }


class PartsManifest(BaseModel):
    """Who wrote the parts in ``<output>.parts``: the input, the model and the chunk size."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["colloquy-batch-parts"] = "colloquy-batch-parts"
    format_version: Literal[1] = 1
    input: str = Field(max_length=4096)
    input_fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")
    input_options: dict[str, str | None]
    model_name: str = Field(max_length=4096)
    model_version: str = Field(max_length=256)
    model_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    model_kind: ModelKind
    chunk_rows: int = Field(gt=0)
