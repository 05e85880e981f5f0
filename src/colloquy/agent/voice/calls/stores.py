"""Choosing the recording store from one setting: ``s3://bucket/prefix`` or a folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.agent.voice.calls.local import LocalRecordingStore
from colloquy.errors import UsageError


def open_recording_store(target: str | Path, *, endpoint_url: str | None = None) -> RecordingStore:
    """The store ``target`` names; ``endpoint_url`` applies to S3 only."""
    text = str(target)
    if "://" not in text:
        if endpoint_url:
            raise UsageError(
                f"an S3 endpoint was given but recordings go to the folder {text!r}",
                hint="give --recordings s3://BUCKET/PREFIX, or drop --s3-endpoint",
            )
        return LocalRecordingStore(Path(text))
    parts = urlsplit(text)
    if parts.scheme != "s3" or not parts.netloc:
        raise UsageError(
            f"recordings location {text!r} is neither a folder nor s3://BUCKET[/PREFIX]",
            hint="e.g. --recordings s3://calls/agent or --recordings ./calls",
        )
    from colloquy.agent.voice.calls.s3 import S3RecordingStore

    return S3RecordingStore(parts.netloc, parts.path, endpoint_url=endpoint_url)


__all__ = ["open_recording_store"]
