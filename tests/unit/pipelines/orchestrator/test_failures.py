"""Failure classes and the retry loop, without a pipeline around them."""

from __future__ import annotations

import sqlite3

import pytest

from colloquy.errors import DatabaseUnavailableError, DataError, NotFoundError
from colloquy.pipelines.orchestrator.failures import (
    TransientError,
    action_for,
    attempts_of,
    classify,
    with_retries,
)
from colloquy.pipelines.spec.schema import RetrySpec


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (TransientError("busy"), "transient"),
        (DatabaseUnavailableError("server down"), "transient"),
        (sqlite3.OperationalError("database is locked"), "transient"),
        (ConnectionResetError("reset by peer"), "transient"),
        (TimeoutError("timed out"), "transient"),
        (DataError("bad row"), "data"),
        (NotFoundError("no such model"), "data"),
        (sqlite3.OperationalError("no such table: runs"), "bug"),
        (KeyError("x"), "bug"),
    ],
)
def test_classify(error: Exception, kind: str) -> None:
    assert classify(error) == kind


def test_the_action_says_what_to_do() -> None:
    assert action_for("data", DataError("bad", hint="fix row 3"), "r") == "fix row 3"
    assert "pipeline resume r1" in action_for("transient", TimeoutError(), "r1")
    assert "report it" in action_for("bug", KeyError("x"), "r1")


def test_retries_back_off_exponentially_up_to_the_bound() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise TransientError("busy")
        return "ok"

    retry = RetrySpec(attempts=4, backoff_seconds=1.0, max_backoff_seconds=3.0)
    assert with_retries(work, retry, sleep=waits.append) == ("ok", 4)
    assert waits == [1.0, 2.0, 3.0]


def test_a_non_transient_error_is_not_retried() -> None:
    waits: list[float] = []

    def work() -> None:
        raise DataError("bad row")

    with pytest.raises(DataError) as caught:
        with_retries(work, RetrySpec(attempts=5), sleep=waits.append)
    assert waits == []
    assert attempts_of(caught.value) == 1
