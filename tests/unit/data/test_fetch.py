"""``fetch_dataset``: registry, verified atomic downloads, mirrors, retries — never the internet.

The "remote" is a folder built in ``tmp_path`` from copies of the real dataset files,
reached through ``file://`` or a real HTTP server on 127.0.0.1 (one that can be told to
fail its first requests, to exercise the retries).
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from tests.folder_server import QuietHandler, serve_folder

from colloquy.data.fetch import DATASETS, RetryPolicy, dataset_source, fetch_dataset
from colloquy.errors import DataError, UsageError
from colloquy.progress import ProgressEvent

EXPECTED = {
    "banking77",
    "bitext",
    "sgd",
    "twitter_support",
    "persuasion4good",
    "craigslist_bargain",
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def banking_mirror(datasets_dir: Path, tmp_path: Path) -> Path:
    """A mirror holding banking77 exactly as upstream lays it out under ``base_url``."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("train.csv", "test.csv", "categories.json"):
        shutil.copyfile(datasets_dir / "banking77" / name, mirror / name)
    return mirror


@pytest.fixture
def http_mirror(banking_mirror: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving the mirror folder."""
    with serve_folder(banking_mirror) as url:
        yield url


@pytest.fixture
def local_client() -> Iterator[httpx.Client]:
    """A client that ignores proxy settings, so loopback requests stay on this machine."""
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        yield client


def test_registry_lists_every_public_dataset() -> None:
    assert set(DATASETS) == EXPECTED
    for source in DATASETS.values():
        assert source.files
        assert source.license
        for remote in source.files:
            assert remote.url.startswith("https://raw.githubusercontent.com/")
            assert not remote.path.startswith("/")
            assert remote.sha256 is None or len(remote.sha256) == 64
    assert "Kaggle" in DATASETS["twitter_support"].notes
    sgd_dialogues = [f for f in DATASETS["sgd"].files if "dialogues_" in f.path]
    assert len(sgd_dialogues) == 127 + 20 + 34


def test_registry_checksums_match_the_shared_copies(datasets_dir: Path) -> None:
    checked = 0
    for source in DATASETS.values():
        for remote in source.files:
            local = datasets_dir / source.name / remote.path
            if remote.sha256 is not None and local.is_file():
                assert _sha(local) == remote.sha256, f"{source.name}/{remote.path}"
                checked += 1
    assert checked >= 20


def test_unknown_name_lists_valid_names(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as excinfo:
        fetch_dataset("banking78", tmp_path)
    assert "banking78" in str(excinfo.value)
    assert "craigslist_bargain" in str(excinfo.value)
    with pytest.raises(UsageError):
        dataset_source("")


def test_fetch_from_file_mirror(banking_mirror: Path, datasets_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "data"
    seen: dict[str, int] = {}

    def progress(event: ProgressEvent) -> None:
        assert event.total is not None
        assert event.unit == "bytes"
        seen[event.stage] = event.done

    folder = fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri(), progress=progress)

    assert folder == dest / "banking77"
    assert _tree(dest) == [
        "banking77",
        *[f"banking77/{n}" for n in ("categories.json", "test.csv", "train.csv")],
    ]
    for name in ("train.csv", "test.csv", "categories.json"):
        assert (folder / name).read_bytes() == (datasets_dir / "banking77" / name).read_bytes()
        assert seen[name] == (folder / name).stat().st_size


def test_fetch_accepts_a_plain_folder_as_mirror(banking_mirror: Path, tmp_path: Path) -> None:
    folder = fetch_dataset("banking77", tmp_path / "d", base_url=str(banking_mirror))
    assert (folder / "categories.json").is_file()


def test_checksum_mismatch_writes_nothing(banking_mirror: Path, tmp_path: Path) -> None:
    with (banking_mirror / "test.csv").open("a", encoding="utf-8") as handle:
        handle.write("tampered,row\n")
    dest = tmp_path / "data"
    with pytest.raises(DataError) as excinfo:
        fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri())
    assert "test.csv" in str(excinfo.value)
    assert "SHA-256" in str(excinfo.value)
    assert _tree(dest) == []


def test_missing_mirror_file_writes_nothing(banking_mirror: Path, tmp_path: Path) -> None:
    (banking_mirror / "train.csv").unlink()
    dest = tmp_path / "data"
    with pytest.raises(DataError, match=r"cannot read file://.*/train\.csv"):
        fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri())
    assert _tree(dest) == []


def test_empty_download_is_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    dest = tmp_path / "data"
    with pytest.raises(DataError, match="is empty"):
        fetch_dataset("twitter_support", dest, urls={"twcs.csv": empty.as_uri()}, only=["twcs.csv"])
    assert _tree(dest) == []


def test_present_files_are_kept_and_force_refetches(banking_mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "data"
    fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri())
    before = (dest / "banking77" / "train.csv").stat().st_mtime_ns

    # The mirror is gone: a second fetch needs nothing from it.
    shutil.rmtree(banking_mirror)
    fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri())
    assert (dest / "banking77" / "train.csv").stat().st_mtime_ns == before

    with pytest.raises(DataError):
        fetch_dataset("banking77", dest, base_url=banking_mirror.as_uri(), force=True)
    assert (dest / "banking77" / "train.csv").stat().st_mtime_ns == before


def test_only_and_nested_paths(datasets_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "dev").mkdir(parents=True)
    for name in ("schema.json", "dialogues_001.json"):
        shutil.copyfile(datasets_dir / "sgd" / "dev" / name, mirror / "dev" / name)
    dest = tmp_path / "data"
    folder = fetch_dataset(
        "sgd", dest, base_url=mirror.as_uri(), only=["dev/schema.json", "dev/dialogues_00[1]*"]
    )
    assert _tree(folder) == ["dev", "dev/dialogues_001.json", "dev/schema.json"]
    with pytest.raises(UsageError, match="no file of sgd matches"):
        fetch_dataset("sgd", dest, base_url=mirror.as_uri(), only=["nothing/*"])


def test_url_override_for_a_login_only_source(datasets_dir: Path, tmp_path: Path) -> None:
    full = tmp_path / "downloads" / "twcs.csv"
    full.parent.mkdir()
    shutil.copyfile(datasets_dir / "twitter_support" / "twcs_first5000.csv", full)
    folder = fetch_dataset(
        "twitter_support", tmp_path / "data", urls={"twcs.csv": full.as_uri()}, only=["twcs.csv"]
    )
    assert _tree(folder) == ["twcs.csv"]
    assert _sha(folder / "twcs.csv") == _sha(full)


def test_fetch_over_http(
    http_mirror: str, local_client: httpx.Client, datasets_dir: Path, tmp_path: Path
) -> None:
    folder = fetch_dataset("banking77", tmp_path / "d", base_url=http_mirror, client=local_client)
    assert _sha(folder / "train.csv") == _sha(datasets_dir / "banking77" / "train.csv")


def test_http_error_status_is_a_data_error(
    http_mirror: str, local_client: httpx.Client, tmp_path: Path
) -> None:
    dest = tmp_path / "d"
    with pytest.raises(DataError, match="answered HTTP 404"):
        fetch_dataset("sgd", dest, base_url=http_mirror, client=local_client, only=["LICENSE.txt"])
    assert _tree(dest) == []


def test_unreachable_server_is_retried_then_a_data_error(
    local_client: httpx.Client, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, backoff=0.5, sleep=waits.append)
    with pytest.raises(DataError, match=rf"could not download http://127\.0\.0\.1:{port}/") as err:
        fetch_dataset(
            "banking77",
            tmp_path / "d",
            base_url=f"http://127.0.0.1:{port}",
            client=local_client,
            retry=retry,
        )
    assert "gave up after 3 tries" in str(err.value)
    assert "\n" not in str(err.value)
    assert waits == [0.5, 1.0]
    assert _tree(tmp_path / "d") == []


def test_unsupported_scheme(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unsupported URL"):
        fetch_dataset("banking77", tmp_path, base_url="ftp://example.org/banking77")


class FlakyServer:
    """What a loopback HTTP server does with its first requests before it serves a folder.

    ``faults`` is consumed one per request: ``"503"``-style status codes (``"429"`` with a
    ``Retry-After`` of ``retry_after`` seconds), ``"drop"`` (hang up without answering),
    ``"truncate"`` (promise the whole file, send half, hang up), or ``"ok"``. Once it is
    empty, the folder is served normally.
    """

    def __init__(self) -> None:
        self.faults: list[str] = []
        self.requests: list[str] = []
        self.retry_after = "1"
        self.url = ""
        self._lock = threading.Lock()

    def next_fault(self, path: str) -> str | None:
        with self._lock:
            self.requests.append(path)
            return self.faults.pop(0) if self.faults else None

    def handler(self) -> type[SimpleHTTPRequestHandler]:
        plan = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                fault = plan.next_fault(self.path)
                if fault in (None, "ok"):
                    super().do_GET()
                elif fault == "drop":
                    self.close_connection = True
                elif fault == "truncate":
                    body = Path(self.translate_path(self.path)).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                else:
                    self.send_response(int(fault))
                    if fault == "429":
                        self.send_header("Retry-After", plan.retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

        return Handler

    def fetch(
        self, client: httpx.Client, dest: Path, retry: RetryPolicy, only: list[str] | None = None
    ) -> Path:
        """``fetch_dataset("banking77", …)`` from this server."""
        return fetch_dataset(
            "banking77", dest, base_url=self.url, client=client, only=only, retry=retry
        )


@pytest.fixture
def flaky(banking_mirror: Path) -> Iterator[FlakyServer]:
    server = FlakyServer()
    with serve_folder(banking_mirror, server.handler()) as url:
        server.url = url
        yield server


@pytest.mark.parametrize("fault", ["503", "500", "502", "504", "408", "drop", "truncate"])
def test_transient_failures_are_retried_with_backoff(
    fault: str, flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    flaky.faults[:] = [fault, fault]
    waits: list[float] = []
    folder = flaky.fetch(
        local_client,
        tmp_path / "d",
        RetryPolicy(backoff=0.25, sleep=waits.append),
        only=["train.csv"],
    )
    assert flaky.requests == ["/train.csv"] * 3
    assert waits == [0.25, 0.5]
    expected = next(f.sha256 for f in DATASETS["banking77"].files if f.path == "train.csv")
    assert _sha(folder / "train.csv") == expected
    assert _tree(tmp_path / "d") == ["banking77", "banking77/train.csv"]


def test_retry_after_is_honoured_up_to_the_cap(
    flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    flaky.faults[:] = ["429", "429"]
    flaky.retry_after = "120"
    waits: list[float] = []
    flaky.fetch(
        local_client,
        tmp_path / "d",
        RetryPolicy(backoff=0.25, max_delay=5.0, sleep=waits.append),
        only=["categories.json"],
    )
    assert waits == [5.0, 5.0]
    assert (tmp_path / "d" / "banking77" / "categories.json").is_file()


def test_a_server_that_keeps_failing_gives_up_and_leaves_nothing(
    flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    flaky.faults[:] = ["503"] * 10
    waits: list[float] = []
    with pytest.raises(DataError, match=r"answered HTTP 503 .*gave up after 4 tries"):
        flaky.fetch(local_client, tmp_path / "d", RetryPolicy(backoff=0.1, sleep=waits.append))
    assert len(flaky.requests) == 4
    assert waits == [0.1, 0.2, 0.4]
    assert _tree(tmp_path / "d") == []


def test_a_failure_after_some_files_arrived_leaves_nothing(
    flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    flaky.faults[:] = ["ok", "truncate", "truncate"]
    waits: list[float] = []
    with pytest.raises(DataError, match=r"test\.csv: RemoteProtocolError: .*gave up after 2 tries"):
        flaky.fetch(
            local_client, tmp_path / "d", RetryPolicy(attempts=2, backoff=0.0, sleep=waits.append)
        )
    assert flaky.requests == ["/train.csv", "/test.csv", "/test.csv"]
    assert waits == [0.0]
    assert _tree(tmp_path / "d") == []


@pytest.mark.parametrize("fault", ["404", "403", "410"])
def test_permanent_http_errors_are_not_retried(
    fault: str, flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    flaky.faults[:] = [fault]
    waits: list[float] = []
    with pytest.raises(DataError, match=rf"answered HTTP {fault}") as err:
        flaky.fetch(local_client, tmp_path / "d", RetryPolicy(sleep=waits.append))
    assert "gave up" not in str(err.value)
    assert len(flaky.requests) == 1
    assert waits == []
    assert _tree(tmp_path / "d") == []


def test_checksum_mismatch_over_http_is_not_retried(
    banking_mirror: Path, flaky: FlakyServer, local_client: httpx.Client, tmp_path: Path
) -> None:
    with (banking_mirror / "categories.json").open("a", encoding="utf-8") as handle:
        handle.write(" ")
    waits: list[float] = []
    with pytest.raises(DataError, match="SHA-256"):
        flaky.fetch(
            local_client, tmp_path / "d", RetryPolicy(sleep=waits.append), only=["categories.json"]
        )
    assert flaky.requests == ["/categories.json"]
    assert waits == []


def test_retry_policy_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff=1.0, max_delay=3.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
    assert policy.delay(1, retry_after=2.5) == 2.5
    with pytest.raises(UsageError, match="at least 1"):
        RetryPolicy(attempts=0)
