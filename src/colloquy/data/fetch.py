"""``colloquy data fetch NAME``: download a public dataset from its canonical source.

The loaders read datasets where they lie (``$COLLOQUY_DATA_DIR``, by default
``../shared/datasets``). This module recreates that layout — ``<dest>/<name>/<file>`` —
from the places the data is published, so a fresh machine can get the same bytes:

- every file is named with its upstream URL, pinned to a commit where one is known, and
  with its SHA-256 where the bytes are known (:mod:`colloquy.data.fetch_sources`), so a
  changed upstream file is caught;
- each file streams (httpx) into a staging folder beside the destination; only when every
  file has arrived and been verified are they moved into place with ``os.replace``, so a
  failed or interrupted fetch leaves nothing partial behind;
- a transient network failure (no connection, a timeout, a dropped or truncated
  response, HTTP 408/429/5xx) is retried a bounded number of times with exponential
  back-off, each try rewriting the file from its first byte; a permanent one (HTTP 404,
  a checksum mismatch, an unreadable ``file://``) fails at once, since repeating the
  request would get the same answer;
- ``base_url`` swaps the upstream for a mirror holding the same relative paths — an
  ``http(s)://`` server or a ``file://`` folder (which is how the tests run, offline);
- ``urls`` overrides single files, for sources that need a login. The full Customer
  Support on Twitter dump (``twcs.csv``, about 500 MB) lives on Kaggle behind an account;
  the registry fetches the public 5,000-tweet GitHub mirror, and a user who downloaded
  the full file elsewhere passes its URL (``file://`` works too).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote, urlparse
from urllib.request import url2pathname

import httpx

from colloquy.data.fetch_sources import DATASETS, DatasetSource, RemoteFile, dataset_source
from colloquy.errors import DataError, UsageError
from colloquy.logging import get_logger
from colloquy.progress import ProgressCallback, emit

log = get_logger(__name__)

_CHUNK = 1 << 16
_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Answers that say "not now" rather than "never": worth asking again after a pause."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often, and after how long a pause, a transient download failure is retried.

    Try ``n`` (counting from 1) that fails transiently is followed, while fewer than
    ``attempts`` tries were made, by a pause of ``backoff * 2 ** (n - 1)`` seconds, capped
    at ``max_delay``, or longer when the server asks for it with ``Retry-After`` (also
    capped). ``sleep`` is injectable so tests need not wait.
    """

    attempts: int = 4
    backoff: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise UsageError(f"retry attempts must be at least 1, not {self.attempts}")
        if self.backoff < 0 or self.max_delay < 0:
            raise UsageError("retry backoff and max_delay must not be negative")

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``failures``-th failed try."""
        wait = min(self.backoff * 2.0 ** (failures - 1), self.max_delay)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


class _TransientError(Exception):
    """A failure worth retrying; carries the error to raise once the tries run out."""

    def __init__(self, error: DataError, retry_after: float | None = None) -> None:
        super().__init__(error.one_line())
        self.error = error
        self.retry_after = retry_after


def _is_transient(exc: httpx.HTTPError) -> bool:
    """Timeouts, refused or reset connections, a server that hangs up mid-answer (httpx
    checks a body against its ``Content-Length``), a proxy that fails; not a malformed URL
    or a request httpx itself refuses to send."""
    transient = (
        httpx.TimeoutException,
        httpx.NetworkError,
        httpx.RemoteProtocolError,
        httpx.ProxyError,
    )
    return isinstance(exc, transient)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


# ---------------------------------------------------------------------------- planning


def _plan(
    source: DatasetSource,
    *,
    base_url: str | None,
    urls: Mapping[str, str] | None,
    only: Collection[str] | None,
) -> list[RemoteFile]:
    """The files to fetch, with mirror and per-file URL overrides applied."""
    files = list(source.files)
    if base_url is not None:
        base = _normalise_base(base_url)
        files = [replace(f, url=f"{base}/{quote(f.path)}") for f in files]
    overrides = dict(urls or {})
    known = {f.path for f in files}
    files = [
        replace(f, url=overrides[f.path], sha256=None) if f.path in overrides else f for f in files
    ]
    files.extend(RemoteFile(path, url) for path, url in overrides.items() if path not in known)
    if only is not None:
        files = [f for f in files if any(fnmatch.fnmatchcase(f.path, p) for p in only)]
        if not files:
            listed = ", ".join(f.path for f in source.files[:10])
            raise UsageError(
                f"no file of {source.name} matches {sorted(only)}", hint=f"files: {listed}, …"
            )
    return files


def _normalise_base(base_url: str) -> str:
    if "://" not in base_url:
        folder = Path(base_url).expanduser()
        if not folder.is_dir():
            raise UsageError(f"mirror {base_url!r} is neither a URL nor a folder")
        return folder.resolve().as_uri()
    return base_url.rstrip("/")


def _safe_target(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise UsageError(f"file path {relative!r} leaves the dataset folder")
    return target


# ---------------------------------------------------------------------------- transfer


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_current(target: Path, spec: RemoteFile) -> bool:
    if not target.is_file() or target.stat().st_size == 0:
        return False
    return spec.sha256 is None or _sha256(target) == spec.sha256


class _Transfer:
    """Streams one URL into one open file, hashing and reporting progress as it goes."""

    def __init__(self, client: Callable[[], httpx.Client], progress: ProgressCallback | None):
        self._client = client
        self._progress = progress

    def copy(self, spec: RemoteFile, out: BinaryIO) -> tuple[int, str]:
        digest = hashlib.sha256()
        done = 0
        for chunk, total in self._chunks(spec.url):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            emit(self._progress, spec.path, done, total, unit="bytes")
        return done, digest.hexdigest()

    def _chunks(self, url: str) -> Iterator[tuple[bytes, int | None]]:
        scheme = urlparse(url).scheme.lower()
        if scheme == "file":
            return self._file_chunks(url)
        if scheme in {"http", "https"}:
            return self._http_chunks(url)
        raise UsageError(f"unsupported URL {url!r}", hint="use https://, http:// or file://")

    @staticmethod
    def _file_chunks(url: str) -> Iterator[tuple[bytes, int | None]]:
        parsed = urlparse(url)
        if parsed.netloc not in {"", "localhost"}:
            raise UsageError(f"file URL {url!r} names a host; use file:///absolute/path")
        path = Path(url2pathname(unquote(parsed.path)))
        try:
            total = path.stat().st_size
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    yield chunk, total
        except OSError as exc:
            raise DataError(f"cannot read {url}: {exc.strerror or exc}") from None

    def _http_chunks(self, url: str) -> Iterator[tuple[bytes, int | None]]:
        hint = "check the network connection or proxy, or use a mirror (base_url)"
        try:
            with self._client().stream("GET", url) as response:
                if response.status_code != httpx.codes.OK:
                    error = DataError(
                        f"{url} answered HTTP {response.status_code} {response.reason_phrase}",
                        hint="check the URL, or pass a mirror with base_url / urls",
                    )
                    if response.status_code in _TRANSIENT_STATUS:
                        raise _TransientError(error, _retry_after(response))
                    raise error
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                for chunk in response.iter_bytes(_CHUNK):
                    yield chunk, total
        except httpx.HTTPError as exc:
            error = DataError(
                f"could not download {url}: {exc.__class__.__name__}: {exc}", hint=hint
            )
            if _is_transient(exc):
                raise _TransientError(error) from None
            raise error from None


def _download(transfer: _Transfer, spec: RemoteFile, staged: Path, retry: RetryPolicy) -> None:
    """Fetch ``spec`` into ``staged`` and verify it; raise ``DataError`` if it is wrong.

    Each try truncates ``staged`` and writes it from the start, so bytes of a failed try
    never mix with those of the next.
    """
    staged.parent.mkdir(parents=True, exist_ok=True)
    failures = 0
    while True:
        try:
            size, digest = _write(transfer, spec, staged)
            break
        except _TransientError as exc:
            failures += 1
            if failures >= retry.attempts:
                tries = "1 try" if failures == 1 else f"{failures} tries"
                raise DataError(
                    f"{exc.error.message} (gave up after {tries})", hint=exc.error.hint
                ) from None
            wait = retry.delay(failures, exc.retry_after)
            log.warning(
                "fetch.retry",
                file=spec.path,
                error=exc.error.message,
                attempt=failures,
                attempts=retry.attempts,
                wait_s=wait,
            )
            retry.sleep(wait)
    if size == 0:
        raise DataError(f"{spec.url} is empty", hint="the source or mirror is incomplete")
    if spec.sha256 is not None and digest != spec.sha256:
        raise DataError(
            f"{spec.path} from {spec.url} has SHA-256 {digest}, expected {spec.sha256}",
            hint="the upstream file changed or the mirror is corrupt; nothing was written",
        )


def _write(transfer: _Transfer, spec: RemoteFile, staged: Path) -> tuple[int, str]:
    try:
        with staged.open("wb") as out:
            return transfer.copy(spec, out)
    except OSError as exc:
        # A local write failure is about the destination, not the data: the CLI reports
        # it with the path and the exit code of an unusable output path.
        raise OSError(exc.errno, exc.strerror, str(staged)) from None


@contextlib.contextmanager
def _http_client(given: httpx.Client | None) -> Iterator[Callable[[], httpx.Client]]:
    """A lazy client: created on first HTTP use, closed at the end if we made it."""
    made: list[httpx.Client] = []

    def get() -> httpx.Client:
        if given is not None:
            return given
        if not made:
            made.append(httpx.Client(follow_redirects=True, timeout=_TIMEOUT))
        return made[0]

    try:
        yield get
    finally:
        for client in made:
            client.close()


# ---------------------------------------------------------------------------- public


def fetch_dataset(
    name: str,
    dest_dir: Path | str,
    *,
    base_url: str | None = None,
    urls: Mapping[str, str] | None = None,
    only: Collection[str] | None = None,
    force: bool = False,
    client: httpx.Client | None = None,
    progress: ProgressCallback | None = None,
    retry: RetryPolicy | None = None,
) -> Path:
    """Download dataset ``name`` into ``dest_dir/name`` and return that folder.

    ``dest_dir`` is the datasets root (``$COLLOQUY_DATA_DIR``). ``base_url`` is a mirror of
    this dataset's folder — its files at their relative paths, e.g. ``<base>/train.csv`` —
    as ``https://…``, ``file:///…`` or a local folder path. ``urls`` maps relative paths to URLs
    for single files (replacing a listed file, whose checksum is then not enforced, or
    adding one). ``only`` keeps the files whose relative path matches one of its glob
    patterns. Files already present (non-empty, right checksum) are kept unless ``force``.
    ``retry`` says how transient network failures are retried (default: ``RetryPolicy()``).

    Raises :class:`~colloquy.errors.UsageError` for an unknown name or a bad URL and
    :class:`~colloquy.errors.DataError` when a download fails or does not verify; in either
    case nothing new is left in ``dest_dir``.
    """
    source = dataset_source(name)
    policy = retry if retry is not None else RetryPolicy()
    files = _plan(source, base_url=base_url, urls=urls, only=only)
    root = Path(dest_dir).expanduser()
    target_dir = root / source.name
    todo = [f for f in files if force or not _is_current(_safe_target(target_dir, f.path), f)]
    if not todo:
        return target_dir
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{source.name}-", suffix=".partial", dir=root))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(root)) from None
    try:
        with _http_client(client) as get_client:
            transfer = _Transfer(get_client, progress)
            for spec in todo:
                _download(transfer, spec, _safe_target(staging, spec.path), policy)
        _publish(staging, target_dir, todo)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target_dir


def _publish(staging: Path, target_dir: Path, files: list[RemoteFile]) -> None:
    """Move every verified file into place; each rename is atomic on one filesystem."""
    for spec in files:
        target = _safe_target(target_dir, spec.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _safe_target(staging, spec.path).replace(target)


__all__ = [
    "DATASETS",
    "DatasetSource",
    "RemoteFile",
    "RetryPolicy",
    "dataset_source",
    "fetch_dataset",
]
