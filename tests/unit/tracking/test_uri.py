"""A tracking URI is checked before any work: unreachable, unwritable or unknown fails."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.errors import ConfigError
from colloquy.tracking import check_tracking_uri, registry_from_settings, tracker_from_settings
from colloquy.tracking.uri import local_store_path


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def http_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_server_is_one_line_naming_the_uri_and_the_fix() -> None:
    uri = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ConfigError) as caught:
        check_tracking_uri(uri, timeout=1.0)
    message = str(caught.value)
    assert message.startswith(f"tracking URI {uri} is unreachable: ")
    assert message.endswith("set COLLOQUY_MLFLOW__TRACKING_URI or tracking.uri")
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_any_http_answer_means_the_server_is_there(http_server: str) -> None:
    check_tracking_uri(http_server)
    check_tracking_uri(http_server + "/")


def test_local_stores_must_be_writable(tmp_path: Path) -> None:
    database = tmp_path / "new" / "mlflow.db"
    check_tracking_uri(f"sqlite:///{database}")
    assert database.parent.is_dir()
    check_tracking_uri((tmp_path / "runs").as_uri())
    assert (tmp_path / "runs").is_dir()
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not writable: cannot create .*file\.txt"):
        check_tracking_uri(f"sqlite:///{blocker / 'mlflow.db'}")
    with pytest.raises(ConfigError, match="which is a directory"):
        check_tracking_uri(f"sqlite:///{tmp_path}")
    with pytest.raises(ConfigError, match="which is a file, not a folder"):
        check_tracking_uri(blocker.as_uri())


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("ftp://example.com/mlflow", "unsupported scheme 'ftp'"),
        ("databricks", None),
        ("sqlite:///:memory:", "names no database file"),
        ("sqlite://", "names no database file"),
    ],
)
def test_unsupported_or_empty_uris_are_refused(
    uri: str, problem: str | None, tmp_path: Path
) -> None:
    if problem is None:
        # A bare word is a relative folder (MLflow's file store), which is fine.
        check_tracking_uri(str(tmp_path / uri))
        return
    with pytest.raises(ConfigError, match=problem):
        check_tracking_uri(uri)


def test_local_store_path_reads_relative_and_absolute_sqlite_paths() -> None:
    assert local_store_path("sqlite:///rel/mlflow.db") == Path("rel/mlflow.db")
    assert local_store_path("sqlite:////abs/mlflow.db") == Path("/abs/mlflow.db")
    assert local_store_path("file:///abs/runs") == Path("/abs/runs")
    assert local_store_path("http://host:5000") is None


def test_settings_with_an_unreachable_uri_fail_before_any_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uri = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", uri)
    settings = load_settings()
    with pytest.raises(ConfigError, match="unreachable"):
        tracker_from_settings(settings)
    with pytest.raises(ConfigError, match="unreachable"):
        registry_from_settings(settings)
    assert tracker_from_settings(settings, enabled=False) is not None
