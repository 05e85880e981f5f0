"""Incremental analysis of stored datasets on SQLite and PostgreSQL: only new, changed or
unreadable conversations are computed, and the result equals a full recomputation."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from colloquy.analytics.analysis import (
    AnalysisOptions,
    AnalysisRuntime,
    DatasetAnalysis,
    analyze_dataset,
)
from colloquy.analytics.failures import FailureType
from colloquy.analytics.outcomes import Bucket, ConversationFilter
from colloquy.analytics.persistence import (
    AGGREGATING,
    ANALYSING,
    analyze_stored,
    decode_conversation,
    stored_analysis,
)
from colloquy.data.loaders import TwitterSupportLoader
from colloquy.errors import ArtifactError, NotFoundError, UsageError
from colloquy.progress import ProgressEvent
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.storage import Store


def _rows(store: Store, table: str) -> int:
    with store.transaction() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture(scope="module")
def threads(datasets_dir: Path) -> list[Conversation]:
    """Real customer-support threads (English, timestamped, with brands)."""
    return list(TwitterSupportLoader().load(datasets_dir / "twitter_support"))[:60]


@pytest.fixture(scope="module")
def runtime() -> AnalysisRuntime:
    return AnalysisRuntime(AnalysisOptions())


def _fresh(
    store: Store,
    name: str,
    where: ConversationFilter | None = None,
    options: AnalysisOptions | None = None,
) -> DatasetAnalysis:
    options = options if options is not None else AnalysisOptions()
    return analyze_dataset(store.conversations(name), options, dataset=name, where=where)


def test_only_new_conversations_are_computed(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:40])
    first, stats = analyze_stored(store, "tw", runtime=runtime)
    assert (stats.conversations, stats.computed, stats.reused, stats.aggregate_reused) == (
        40,
        40,
        0,
        False,
    )
    again, stats = analyze_stored(store, "tw", runtime=runtime)
    assert again == first
    assert (stats.computed, stats.reused, stats.aggregate_reused) == (0, 40, True)
    assert stored_analysis(store, "tw") == first

    store.ingest(dataset="tw", source="twitter", conversations=threads[40:])
    assert stored_analysis(store, "tw") is None
    events: list[ProgressEvent] = []
    grown, stats = analyze_stored(store, "tw", runtime=runtime, on_progress=events.append)
    assert (stats.conversations, stats.computed, stats.reused, stats.removed) == (60, 20, 40, 0)
    assert not stats.aggregate_reused
    assert grown.conversations == 60
    assert grown == _fresh(store, "tw")
    analysing = [e for e in events if e.stage == ANALYSING]
    assert (analysing[-1].done, analysing[-1].total, analysing[-1].unit) == (
        20,
        20,
        "conversations",
    )
    assert [e for e in events if e.stage == AGGREGATING][-1].done == 60


def test_a_changed_conversation_is_recomputed_and_a_removed_one_dropped(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:10])
    analyze_stored(store, "tw", runtime=runtime)
    target = threads[3]
    complaint = Turn(
        index=len(target.turns),
        speaker=Speaker.CUSTOMER,
        text="This is useless. I want to speak to a human agent now!",
    )
    changed = target.model_copy(update={"turns": (*target.turns, complaint)})
    with store.transaction() as conn:
        conn.execute(text("DELETE FROM conversations WHERE external_id = :id"), {"id": target.id})
    store.ingest(dataset="tw", source="twitter", conversations=[changed])
    result, stats = analyze_stored(store, "tw", runtime=runtime)
    assert (stats.computed, stats.reused, stats.removed) == (1, 9, 0)
    stored = store.analyses.get_analysis("tw", AnalysisOptions().fingerprint(), target.id)
    assert stored is not None
    assert stored.content_hash == changed.content_hash
    assert decode_conversation(stored.payload).n_turns == len(target.turns) + 1
    assert result == _fresh(store, "tw")

    with store.transaction() as conn:
        conn.execute(
            text("DELETE FROM conversations WHERE external_id = :id"), {"id": threads[0].id}
        )
    result, stats = analyze_stored(store, "tw", runtime=runtime)
    assert (stats.conversations, stats.computed, stats.reused, stats.removed) == (9, 0, 9, 1)
    assert result.conversations == 9
    assert result == _fresh(store, "tw")


def test_unreadable_payloads_are_recomputed(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:10])
    before, _ = analyze_stored(store, "tw", runtime=runtime)
    victim = threads[5].id
    with store.transaction() as conn:
        conn.execute(
            text("UPDATE dataset_analyses SET payload = :p"),
            {"p": '{"version": 99, "kind": "dataset", "record": {}}'},
        )
    rebuilt, stats = analyze_stored(store, "tw", runtime=runtime)
    assert rebuilt == before
    assert (stats.computed, stats.unreadable, stats.aggregate_reused) == (0, 0, False)

    with store.transaction() as conn:
        conn.execute(
            text("UPDATE conversation_analyses SET payload = :p WHERE conversation_id = :id"),
            {"p": '{"version": 1, "kind": "conversation", "record": {"n_turns": "x"', "id": victim},
        )
        conn.execute(text("UPDATE dataset_analyses SET payload = 'not json'"))
    recovered, stats = analyze_stored(store, "tw", runtime=runtime)
    assert recovered == before
    assert (stats.computed, stats.reused, stats.unreadable) == (1, 9, 1)
    stored = store.analyses.get_analysis("tw", AnalysisOptions().fingerprint(), victim)
    assert stored is not None
    assert decode_conversation(stored.payload).conversation_id == victim
    assert analyze_stored(store, "tw", runtime=runtime)[1].aggregate_reused


def test_filters_and_options_are_stored_apart(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:40])
    brands = Counter(t.metadata.get("brand") for t in threads[:40])
    brand, count = brands.most_common(1)[0]
    where = ConversationFilter(brands=frozenset({str(brand)}))
    only, stats = analyze_stored(store, "tw", where=where, runtime=runtime)
    assert stats.computed == count < 40
    assert (only.conversations, only.excluded) == (count, 40 - count)
    assert only == _fresh(store, "tw", where)
    everything, stats = analyze_stored(store, "tw", runtime=runtime)
    assert (stats.computed, stats.reused) == (40 - count, count)
    assert everything == _fresh(store, "tw")
    assert analyze_stored(store, "tw", where=where, runtime=runtime)[1].aggregate_reused
    assert stored_analysis(store, "tw", where=where) == only

    loops_only = AnalysisOptions(detectors=frozenset({FailureType.LOOP}))
    other, stats = analyze_stored(store, "tw", loops_only)
    assert (stats.computed, stats.reused) == (40, 0)
    assert other.options == loops_only
    assert analyze_stored(store, "tw", runtime=runtime)[1].aggregate_reused

    weekly = AnalysisOptions(bucket=Bucket.WEEK)
    by_week, stats = analyze_stored(store, "tw", weekly)
    assert (stats.computed, stats.reused, stats.aggregate_reused) == (0, 40, False)
    assert by_week.sentiment.trend.bucket is Bucket.WEEK
    assert by_week == _fresh(store, "tw", options=weekly)
    assert len(store.analyses.aggregates("tw")) == 4


def test_deleting_an_analysed_dataset_removes_every_analysis(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:5])
    analyze_stored(store, "tw", runtime=runtime)
    assert (_rows(store, "conversation_analyses"), _rows(store, "dataset_analyses")) == (5, 1)
    store.delete_dataset("tw")
    assert (_rows(store, "conversation_analyses"), _rows(store, "dataset_analyses")) == (0, 0)
    with pytest.raises(NotFoundError, match="no dataset named 'tw'"):
        analyze_stored(store, "tw", runtime=runtime)


def test_options_that_disagree_with_the_runtime_are_refused(
    store: Store, runtime: AnalysisRuntime
) -> None:
    with pytest.raises(UsageError, match="options and runtime disagree"):
        analyze_stored(store, "tw", AnalysisOptions(use_annotations=False), runtime=runtime)


def test_a_current_aggregate_is_answered_without_loading_a_model(
    store: Store, threads: list[Conversation], tmp_path: Path
) -> None:
    folder = tmp_path / "intent-model"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"kind": "not loadable"}', encoding="utf-8")
    options = AnalysisOptions(intent_model=str(folder))
    loaded = AnalysisRuntime(options, intent=lambda texts: ["billing"] * len(texts))
    store.ingest(dataset="tw", source="twitter", conversations=threads[:8])
    first, _ = analyze_stored(store, "tw", runtime=loaded)
    assert first.intents.shares[0].intent == "billing"
    again, stats = analyze_stored(store, "tw", options)
    assert stats.aggregate_reused
    assert again == first
    assert stored_analysis(store, "tw", options) == first
    store.ingest(dataset="tw", source="twitter", conversations=threads[8:9])
    with pytest.raises(ArtifactError, match="intent model"):
        analyze_stored(store, "tw", options)


def test_an_interrupted_run_keeps_its_finished_batches(
    store: Store, threads: list[Conversation], runtime: AnalysisRuntime
) -> None:
    store.ingest(dataset="tw", source="twitter", conversations=threads[:40])

    def interrupt(event: ProgressEvent) -> None:
        if event.stage == ANALYSING and event.done >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        analyze_stored(store, "tw", runtime=runtime, batch_size=10, on_progress=interrupt)
    assert len(store.analyses.analysis_hashes("tw", AnalysisOptions().fingerprint())) == 20
    result, stats = analyze_stored(store, "tw", runtime=runtime, batch_size=10)
    assert (stats.computed, stats.reused) == (20, 20)
    assert result == _fresh(store, "tw")


def test_concurrent_runs_agree(store_url: str, threads: list[Conversation]) -> None:
    with Store.open(store_url) as store:
        store.ingest(dataset="tw", source="twitter", conversations=threads[:30])

    def run(_: int) -> DatasetAnalysis:
        with Store.open(store_url) as own:
            return analyze_stored(own, "tw", batch_size=5)[0]

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, range(3)))
    with Store.open(store_url) as store:
        assert results[0] == results[1] == results[2] == _fresh(store, "tw")
        assert analyze_stored(store, "tw")[1].aggregate_reused
