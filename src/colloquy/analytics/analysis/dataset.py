"""Analyse a whole dataset: stream conversations through the engine into one aggregate.

Conversations are read from any iterable (a loader, a store query) in batches of
``batch_size``, analysed (one model call per batch) and handed to the aggregator, so only
one batch of conversations is ever in memory. Conversations the filter rejects on their
record alone are not analysed at all; the intent criterion, which may need the intent
model, is applied to the analysis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from colloquy.analytics.analysis.aggregate import DatasetAggregator
from colloquy.analytics.analysis.conversation import analyze_batch
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
from colloquy.analytics.analysis.runtime import AnalysisRuntime
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.errors import UsageError
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.execution import ExecutionBackend

DEFAULT_BATCH = 256


def iter_analyses(
    conversations: Iterable[Conversation],
    runtime: AnalysisRuntime,
    *,
    dataset: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[ConversationAnalysis]:
    """Each conversation's analysis, in input order, computed a batch at a time.

    ``on_progress`` receives the number of conversations analysed so far after each batch.
    """
    if batch_size < 1:
        raise UsageError(f"batch_size must be >= 1, got {batch_size}")
    done = 0
    stream = iter(conversations)
    while batch := tuple(itertools.islice(stream, batch_size)):
        yield from analyze_batch(batch, runtime=runtime, dataset=dataset)
        done += len(batch)
        if on_progress is not None:
            on_progress(done)


def analyze_dataset(
    conversations: Iterable[Conversation],
    options: AnalysisOptions | None = None,
    *,
    runtime: AnalysisRuntime | None = None,
    dataset: str | None = None,
    where: ConversationFilter | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_progress: Callable[[int], None] | None = None,
    execution: ExecutionBackend | None = None,
) -> DatasetAnalysis:
    """The :class:`DatasetAnalysis` of the ``conversations`` that ``where`` keeps.

    ``runtime`` (models loaded once) is built from ``options`` when not given.
    ``on_progress`` receives the number of conversations read so far (kept or not).
    ``execution``: a Ray or Dask backend analyses the batches on its workers.
    """
    if runtime is None:
        runtime = AnalysisRuntime(options)
    elif options is not None and options != runtime.options:
        raise UsageError(
            "analysis options and runtime disagree; pass the runtime built from these options"
        )
    where = where if where is not None else ConversationFilter()
    aggregator = DatasetAggregator(runtime.options, dataset=dataset, where=where)
    read = 0

    def kept() -> Iterator[Conversation]:
        nonlocal read
        for conversation in conversations:
            read += 1
            if where.matches_record(conversation):
                yield conversation
            else:
                aggregator.excluded += 1

    def progress(_: int) -> None:
        if on_progress is not None:
            on_progress(read)

    if execution is not None and execution.name != "local":
        from colloquy.analytics.analysis.distributed import distributed_analyses

        analyses = distributed_analyses(
            kept(),
            runtime.options,
            execution,
            dataset=dataset,
            batch_size=batch_size,
            on_progress=progress,
        )
    else:
        analyses = iter_analyses(
            kept(), runtime, dataset=dataset, batch_size=batch_size, on_progress=progress
        )
    for analysis in analyses:
        aggregator.add(analysis)
    if on_progress is not None:
        on_progress(read)
    return aggregator.result()
