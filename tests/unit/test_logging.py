"""Log lines on stderr: structlog's and the standard library's alike, with the correlation id."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog

from colloquy.logging import configure_logging, get_logger, new_correlation_id


@pytest.fixture(autouse=True)
def _restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_stdlib_records_are_json_with_the_correlation_id() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    correlation_id = new_correlation_id()
    logging.getLogger("alembic.runtime.migration").warning("Will assume %s DDL.", "transactional")
    get_logger("colloquy.test").info("own.event", rows=3)
    stdlib, own = _lines(stream)
    assert stdlib["event"] == "Will assume transactional DDL."
    assert stdlib["logger"] == "alembic.runtime.migration"
    assert stdlib["level"] == "warning"
    assert stdlib["correlation_id"] == correlation_id
    assert own["event"] == "own.event"
    assert own["correlation_id"] == correlation_id


def test_stdlib_exceptions_stay_inside_one_json_line() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("httpx").exception("request failed")
    (line,) = _lines(stream)
    assert line["event"] == "request failed"
    assert "ValueError: boom" in str(line["exception"])


def test_third_party_info_is_quiet_and_reconfiguring_does_not_duplicate() -> None:
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    configure_logging("debug", "json", stream=stream)
    logging.getLogger("httpx").info("HTTP Request: GET https://example.org")
    logging.getLogger("httpx").error("gave up")
    assert [line["event"] for line in _lines(stream)] == ["gave up"]


def test_console_format_is_readable_text() -> None:
    stream = io.StringIO()
    configure_logging("info", "console", stream=stream)
    logging.getLogger("alembic").warning("plain words")
    text = stream.getvalue()
    assert "plain words" in text
    assert not text.lstrip().startswith("{")


def test_default_stream_is_stderr_at_write_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    configure_logging("info", "json")
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", swapped)
    logging.getLogger("alembic").warning("first")
    get_logger("colloquy.test").warning("second")
    assert [json.loads(line)["event"] for line in swapped.getvalue().splitlines()] == [
        "first",
        "second",
    ]


def test_loggers_claimed_by_mlflow_on_import_are_taken_back() -> None:
    import mlflow  # noqa: F401  (its import gives alembic and mlflow handlers of their own)

    from colloquy.tracking import mlflow_tracker  # noqa: F401

    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    new_correlation_id()
    logging.getLogger("alembic").warning("from alembic")
    logging.getLogger("mlflow.store").warning("from mlflow")
    assert [line["event"] for line in _lines(stream)] == ["from alembic", "from mlflow"]
    assert all("correlation_id" in line for line in _lines(stream))
