"""Checking a tracking URI before a pipeline does any work.

A pipeline that trains for ten minutes and then cannot log its model has wasted those
minutes, so the URI is tried first: an HTTP(S) server must answer within a short timeout,
a SQLite file or a ``file:`` folder must be writable (created if absent), and any other
scheme is refused. Each failure is one line naming the URI and how to fix it.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from colloquy.errors import ConfigError

__all__ = ["SUPPORTED_SCHEMES", "check_tracking_uri", "local_store_path"]

SUPPORTED_SCHEMES = ("http", "https", "sqlite", "file")
_FIX = "set COLLOQUY_MLFLOW__TRACKING_URI or tracking.uri"


def _fail(uri: str, problem: str) -> ConfigError:
    return ConfigError(f"tracking URI {uri} {problem}; {_FIX}")


def local_store_path(uri: str) -> Path | None:
    """The file (``sqlite:``) or folder (``file:`` or a bare path) a local URI names."""
    parts = urlsplit(uri)
    if parts.scheme == "sqlite":
        path = uri.removeprefix("sqlite:///")
        if path == uri or not path or path == ":memory:":
            return None
        return Path(unquote(path)).expanduser()
    if parts.scheme == "file":
        return Path(unquote(parts.path)).expanduser()
    if parts.scheme == "" and uri:
        return Path(uri).expanduser()
    return None


def check_tracking_uri(uri: str, *, timeout: float = 3.0) -> None:
    """Raise :class:`ConfigError` unless the tracking store at ``uri`` can be used."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        _check_server(uri, timeout)
    elif scheme == "sqlite":
        path = local_store_path(uri)
        if path is None:
            raise _fail(uri, "names no database file (use sqlite:///path/to/mlflow.db)")
        _check_writable(uri, path, is_file=True)
    elif scheme in ("file", ""):
        path = local_store_path(uri)
        if path is None:
            raise _fail(uri, "is empty")
        _check_writable(uri, path, is_file=False)
    else:
        raise _fail(uri, f"has unsupported scheme {scheme!r} (use {', '.join(SUPPORTED_SCHEMES)})")


def _check_server(uri: str, timeout: float) -> None:
    """Any HTTP answer from ``/health`` counts: the server is there (auth comes later)."""
    health = uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(health, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _fail(uri, f"is unreachable: {reason}") from None


def _check_writable(uri: str, path: Path, *, is_file: bool) -> None:
    folder = path.parent if is_file else path
    if is_file and path.is_dir():
        raise _fail(uri, f"names {path}, which is a directory, not a database file")
    if not is_file and path.exists() and not path.is_dir():
        raise _fail(uri, f"names {path}, which is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(uri, f"is not writable: cannot create {folder}: {exc.strerror}") from None
    target = path if is_file and path.exists() else folder
    if not os.access(target, os.W_OK):
        raise _fail(uri, f"is not writable: {target} refuses writes")
