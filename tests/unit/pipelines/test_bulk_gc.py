"""The ingest job's garbage-collector setting is raised inside the block and restored after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from colloquy.pipelines.bulk_gc import YOUNG_THRESHOLD, fewer_gc_passes


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_raises_only_the_young_threshold_and_restores_it() -> None:
    with fewer_gc_passes():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_restores_after_an_error() -> None:
    with pytest.raises(RuntimeError), fewer_gc_passes():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_never_lowers_a_higher_setting() -> None:
    gc.set_threshold(100_000, 10, 10)
    with fewer_gc_passes():
        assert gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == (100_000, 10, 10)


def test_overlapping_jobs_restore_the_original_when_the_last_leaves() -> None:
    first_inside = threading.Event()
    second_left = threading.Event()
    seen_by_first_after_second_left: list[int] = []

    def first_job() -> None:
        with fewer_gc_passes():
            first_inside.set()
            second_left.wait(timeout=10)
            seen_by_first_after_second_left.append(gc.get_threshold()[0])

    worker = threading.Thread(target=first_job)
    worker.start()
    assert first_inside.wait(timeout=10)
    with fewer_gc_passes():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD, "restored while the first job still ran"
    second_left.set()
    worker.join(timeout=10)
    assert seen_by_first_after_second_left == [YOUNG_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)
