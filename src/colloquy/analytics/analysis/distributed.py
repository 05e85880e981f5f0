"""Dataset analysis on a Ray or Dask backend: batches of conversations analysed on workers.

Each worker builds the :class:`AnalysisRuntime` once (models loaded once per worker) and
analyses the batches it is given; the analyses come back in input order, a few batches in
flight, and the driver aggregates them as the local path does, so the result is the same.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator

from colloquy.analytics.analysis.conversation import analyze_batch
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import ConversationAnalysis
from colloquy.analytics.analysis.runtime import AnalysisRuntime
from colloquy.execution import ExecutionBackend, PartitionTask
from colloquy.schema import Conversation

Batch = tuple[Conversation, ...]


class AnalyzeTask(PartitionTask[Batch, list[ConversationAnalysis]]):
    """Analyse one batch with a runtime built once per worker from ``options``."""

    def __init__(self, options: AnalysisOptions, dataset: str | None) -> None:
        self.options = options
        self.dataset = dataset
        self._runtime: AnalysisRuntime | None = None

    def key(self) -> str:
        digest = hashlib.sha256(repr(self.options).encode()).hexdigest()
        return f"analysis:{digest}:{self.dataset}"

    def setup(self) -> None:
        self._runtime = AnalysisRuntime(self.options)

    def __call__(self, partition: Batch) -> list[ConversationAnalysis]:
        if self._runtime is None:
            self.setup()
        return analyze_batch(partition, runtime=self._runtime, dataset=self.dataset)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_runtime": None}


def distributed_analyses(
    conversations: Iterable[Conversation],
    options: AnalysisOptions,
    execution: ExecutionBackend,
    *,
    dataset: str | None = None,
    batch_size: int,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[ConversationAnalysis]:
    """Each conversation's analysis, in input order, computed on ``execution``'s workers."""
    stream = iter(conversations)
    batches = iter(lambda: tuple(itertools.islice(stream, batch_size)), ())
    done = 0
    for analyses in execution.map_partitions(AnalyzeTask(options, dataset), batches):
        yield from analyses
        done += len(analyses)
        if on_progress is not None:
            on_progress(done)
