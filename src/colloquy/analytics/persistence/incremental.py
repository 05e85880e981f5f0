"""Analyse a stored dataset incrementally: compute only what is missing or stale.

:func:`analyze_stored` compares, with two indexed queries and no turn read, the dataset's
conversations (id and content hash) with the analyses stored for these options:

1. If the aggregate stored for these options and this filter was built from exactly the
   conversations the dataset holds now (same :class:`~colloquy.storage.analyses.Coverage`),
   it is decoded and returned; no model is loaded.
2. Otherwise analyses of conversations that left the dataset are deleted; conversations
   without a current analysis (new, or changed since) are read, analysed if the filter's
   record criteria keep them, and stored a batch at a time (an interrupted run keeps
   what it finished); the aggregate is rebuilt from the stored analyses alone, in the
   dataset's order, so it equals :func:`~colloquy.analytics.analysis.analyze_dataset`
   over the same conversations, and stored.

A stored payload that cannot be decoded (another version, a damaged row) is logged,
recomputed from its conversation and overwritten; it never fails the run.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from colloquy.analytics.analysis.aggregate import DatasetAggregator
from colloquy.analytics.analysis.dataset import DEFAULT_BATCH, iter_analyses
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
from colloquy.analytics.analysis.runtime import AnalysisRuntime
from colloquy.analytics.outcomes.filters import ConversationFilter
from colloquy.analytics.persistence.codec import (
    PayloadError,
    decode_conversation,
    decode_dataset,
    encode_conversation,
    encode_dataset,
)
from colloquy.analytics.persistence.keys import conversation_key, filter_key
from colloquy.errors import UsageError
from colloquy.logging import get_logger
from colloquy.progress import ProgressCallback, emit
from colloquy.schema import Conversation
from colloquy.storage.analyses import AnalysisRepository, Coverage, StoredAnalysis, coverage_of

if TYPE_CHECKING:
    from colloquy.storage import Store

ANALYSING = "analysing conversations"
AGGREGATING = "aggregating stored analyses"
"""Progress stages :func:`analyze_stored` reports (unit: conversations)."""


@dataclass(frozen=True, slots=True)
class IncrementalStats:
    """What one :func:`analyze_stored` run did.

    ``conversations`` the dataset holds; ``computed`` were analysed in this run (new,
    changed, or with an unreadable stored payload, which ``unreadable`` also counts);
    ``reused`` had a current stored analysis that was not recomputed; ``removed`` stored
    analyses were deleted because their conversation left the dataset. ``aggregate_reused``
    says the stored aggregate was current and returned without being rebuilt.
    """

    conversations: int
    computed: int
    reused: int
    removed: int
    unreadable: int
    aggregate_reused: bool


class _Run:
    """One run's state: the models are loaded only when something must be computed."""

    def __init__(
        self,
        store: Store,
        dataset: str,
        options: AnalysisOptions,
        runtime: AnalysisRuntime | None,
        batch_size: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.repo: AnalysisRepository = store.analyses
        self.dataset = dataset
        self.current_hashes: dict[str, str] = {}
        self.options = options
        self.fingerprint = options.fingerprint()
        self.analysis_key = conversation_key(options)
        self._runtime = runtime
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.computed = 0

    @property
    def runtime(self) -> AnalysisRuntime:
        if self._runtime is None:
            self._runtime = AnalysisRuntime(self.options)
        return self._runtime

    def compute(self, wanted: Collection[str], where: ConversationFilter | None) -> None:
        """Analyse and store the ``wanted`` conversations (those ``where`` keeps)."""
        read = 0

        def selected() -> Iterator[Conversation]:
            nonlocal read
            source = (
                self.store.conversations(self.dataset)
                if len(wanted) == len(self.current_hashes)
                else self.store.conversations_by_id(self.dataset, wanted)
            )
            for conversation in source:
                if conversation.id not in wanted:
                    continue
                read += 1
                if where is None or where.matches_record(conversation):
                    yield conversation

        def progress(_: int) -> None:
            emit(self.on_progress, ANALYSING, read, len(wanted), unit="conversations")

        fresh = iter_analyses(
            selected(),
            self.runtime,
            dataset=self.dataset,
            batch_size=self.batch_size,
            on_progress=progress,
        )
        pending: list[StoredAnalysis] = []
        for analysis in fresh:
            pending.append(self._stored(analysis))
            self.computed += 1
            if len(pending) >= self.batch_size:
                self.repo.put_analyses(self.dataset, self.analysis_key, pending)
                pending = []
        self.repo.put_analyses(self.dataset, self.analysis_key, pending)
        emit(self.on_progress, ANALYSING, read, len(wanted), unit="conversations")

    def _stored(self, analysis: ConversationAnalysis) -> StoredAnalysis:
        return StoredAnalysis(
            conversation_id=analysis.conversation_id,
            content_hash=self.current_hashes[analysis.conversation_id],
            payload=encode_conversation(analysis),
        )

    def aggregate(self, where: ConversationFilter) -> tuple[DatasetAnalysis, list[str]]:
        """The aggregate of the current stored analyses, and the ids found unreadable."""
        aggregator = DatasetAggregator(
            self.options, dataset=self.dataset, where=where, fingerprint=self.fingerprint
        )
        total = len(self.current_hashes)
        unreadable: list[str] = []
        consumed = 0
        for stored in self.repo.current_analyses(self.dataset, self.analysis_key):
            analysis = self._decode(stored)
            if analysis is None:
                unreadable.append(stored.conversation_id)
                continue
            aggregator.add(analysis)
            consumed += 1
            if consumed % 1000 == 0:
                emit(self.on_progress, AGGREGATING, consumed, total, unit="conversations")
        emit(self.on_progress, AGGREGATING, consumed, total, unit="conversations")
        # Conversations without an analysis are those the filter's record criteria left out.
        aggregator.excluded += max(0, total - consumed - len(unreadable))
        return aggregator.result(), unreadable

    def _decode(self, stored: StoredAnalysis) -> ConversationAnalysis | None:
        try:
            analysis = decode_conversation(stored.payload)
        except PayloadError as error:
            _log().warning(
                "analysis.unreadable",
                dataset=self.dataset,
                conversation=stored.conversation_id,
                error=error.message,
            )
            return None
        if analysis.conversation_id != stored.conversation_id:
            _log().warning(
                "analysis.misfiled",
                dataset=self.dataset,
                conversation=stored.conversation_id,
                holds=analysis.conversation_id,
            )
            return None
        return analysis


def analyze_stored(
    store: Store,
    dataset: str,
    options: AnalysisOptions | None = None,
    *,
    where: ConversationFilter | None = None,
    runtime: AnalysisRuntime | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_progress: ProgressCallback | None = None,
) -> tuple[DatasetAnalysis, IncrementalStats]:
    """The :class:`DatasetAnalysis` of stored ``dataset`` under ``options`` and ``where``,
    computing only what is missing or stale, and storing what it computes.

    ``runtime`` (models already loaded) must carry ``options`` when both are given; it
    is built from the options only if something has to be analysed.
    """
    if runtime is not None:
        if options is not None and options != runtime.options:
            raise UsageError(
                "analysis options and runtime disagree; pass the runtime built from these options"
            )
        options = runtime.options
    options = options if options is not None else AnalysisOptions()
    if batch_size < 1:
        raise UsageError(f"batch_size must be >= 1, got {batch_size}")
    where = where if where is not None else ConversationFilter()
    run = _Run(store, dataset, options, runtime, batch_size, on_progress)
    key = filter_key(where)
    current = run.repo.content_hashes(dataset)
    run.current_hashes = current
    stored = run.repo.analysis_hashes(dataset, run.analysis_key)
    up_to_date = [cid for cid, digest in current.items() if stored.get(cid) == digest]
    coverage = coverage_of(current)

    reused = _reuse_aggregate(run, key, where, coverage)
    if reused is not None:
        return reused, IncrementalStats(
            conversations=len(current),
            computed=0,
            reused=len(up_to_date),
            removed=0,
            unreadable=0,
            aggregate_reused=True,
        )

    gone = [cid for cid in stored if cid not in current]
    removed = run.repo.delete_analyses(dataset, run.analysis_key, gone) if gone else 0
    fresh = set(up_to_date)
    stale = {cid for cid in current if cid not in fresh}
    if stale:
        run.compute(stale, where)
    result, unreadable = run.aggregate(where)
    if unreadable:
        run.compute(set(unreadable), None)
        result, still = run.aggregate(where)
        if still:
            raise PayloadError(
                f"stored analyses of {len(still)} conversation(s) in dataset {dataset!r} "
                f"could not be read back right after being written (e.g. {still[0]!r})",
                hint="another process is writing them; run the analysis again",
            )
    run.repo.put_aggregate(
        dataset, run.fingerprint, key, coverage=coverage, payload=encode_dataset(result)
    )
    return result, IncrementalStats(
        conversations=len(current),
        computed=run.computed,
        reused=len(up_to_date) - len(unreadable),
        removed=removed,
        unreadable=len(unreadable),
        aggregate_reused=False,
    )


def stored_analysis(
    store: Store,
    dataset: str,
    options: AnalysisOptions | None = None,
    *,
    where: ConversationFilter | None = None,
) -> DatasetAnalysis | None:
    """The stored aggregate if it is current and readable, else ``None``; computes nothing.

    For readers that must answer fast (the HTTP API): ``None`` means "run
    :func:`analyze_stored`" (or a job doing it).
    """
    options = options if options is not None else AnalysisOptions()
    where = where if where is not None else ConversationFilter()
    run = _Run(store, dataset, options, None, DEFAULT_BATCH, None)
    return _reuse_aggregate(run, filter_key(where), where, run.repo.coverage(dataset))


def _reuse_aggregate(
    run: _Run, key: str, where: ConversationFilter, coverage: Coverage
) -> DatasetAnalysis | None:
    stored = run.repo.get_aggregate(run.dataset, run.fingerprint, key)
    if stored is None or stored.coverage != coverage:
        return None
    try:
        result = decode_dataset(stored.payload)
    except PayloadError as error:
        _log().warning("aggregate.unreadable", dataset=run.dataset, error=error.message)
        return None
    if result.fingerprint != run.fingerprint or result.filter != where:
        _log().warning("aggregate.misfiled", dataset=run.dataset, fingerprint=result.fingerprint)
        return None
    return result


def _log() -> Any:
    return get_logger(__name__)
