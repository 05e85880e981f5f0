"""ConversionPredictor on real CraigslistBargain negotiations: learning, safety rails,
live scoring, explanations and the saved artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from colloquy.errors import ArtifactError, DataError, LeakageError, UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.features.transcript import (
    MEAN_POOLS,
    POOLS,
    prefix,
    spoken_turns,
    transcript_text,
    without_turn,
)
from colloquy.models.artifacts import manifest_digest
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.conversion import LabelledConversations, load_labelled
from colloquy.schema import Conversation, Speaker

FAST = ("tfidf", "tfidf_customer", "insights", "decision", "metadata", "dynamics", "prices")
Split = tuple[list[Conversation], np.ndarray, list[Conversation], np.ndarray]
"""Training conversations and labels, then held-out conversations and labels."""


@pytest.fixture(scope="module")
def craigslist(datasets_dir: Path) -> LabelledConversations:
    return load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")


def fast_model(**overrides: object) -> ConversionPredictor:
    params: dict[str, object] = {
        "blocks": FAST,
        "price_reference": "listing_price",
        "metadata_ratios": [("buyer_target", "listing_price")],
        "inner_folds": 3,
    }
    params.update(overrides)
    return ConversionPredictor(**params)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def split(
    craigslist: LabelledConversations,
) -> Split:
    y = np.asarray(craigslist.labels, dtype=int)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    cut = int(0.7 * len(y))
    train, test = order[:cut], order[cut:]
    convs = craigslist.conversations
    return [convs[i] for i in train], y[train], [convs[i] for i in test], y[test]


@pytest.fixture(scope="module")
def fitted(
    split: Split,
) -> ConversionPredictor:
    train, y_train, _, _ = split
    return fast_model().fit(train, y_train)


def test_loading_leaves_out_silent_buyers_and_counts_them(
    craigslist: LabelledConversations,
) -> None:
    assert craigslist.no_customer_turn == 32
    assert craigslist.unlabelled == 0
    assert len(craigslist.conversations) == 643 - 32


def test_learns_deals_on_held_out_negotiations(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    _, _, test, y_test = split
    proba = fitted.predict_proba(test)
    assert proba.shape == (len(test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.8
    at_60 = fitted.prefix_proba(test, ratio=0.6)
    assert 0.65 < roc_auc_score(y_test, at_60) < roc_auc_score(y_test, proba[:, 1])
    assert set(fitted.block_settings_) == set(FAST)
    assert all(0.5 < auc <= 1 for auc in fitted.block_auc_.values())


def test_events_never_change_the_score(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    _, _, test, _ = split
    with_events = [c for c in test if len(spoken_turns(c)) < len(c.turns)][:20]
    assert with_events
    stripped = [prefix(c) for c in with_events]
    np.testing.assert_allclose(
        fitted.predict_proba(with_events), fitted.predict_proba(stripped), atol=1e-12
    )


def test_live_scoring_ends_at_the_full_score(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    conversation = split[2][0]
    running = fitted.running_scores(conversation)
    assert len(running) == len(spoken_turns(conversation))
    assert running[-1] == pytest.approx(fitted.predict_proba([conversation])[0, 1])
    assert fitted.score(conversation, turns=1) == pytest.approx(running[0])


def test_explanation_is_consistent_with_the_model(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    conversation = split[2][3]
    explanation = fitted.explain(conversation, top_features=5, top_turns=3)
    assert explanation.probability == pytest.approx(fitted.predict_proba([conversation])[0, 1])
    assert [b.block for b in explanation.blocks] == list(FAST)
    assert 1 <= len(explanation.top_features) <= 5
    sizes = [abs(f.contribution) for f in explanation.top_features]
    assert sizes == sorted(sizes, reverse=True)
    assert len(explanation.key_turns) == min(3, len(spoken_turns(conversation)))
    for effect in explanation.key_turns:
        alone = fitted.prefix_proba(
            [without_turn(prefix(conversation), effect.turn_index)], ratio=1
        )
        assert effect.probability_without == pytest.approx(alone[0])
        assert effect.effect == pytest.approx(explanation.probability - alone[0])
    assert explanation.to_dict()["key_turns"][0]["text"]


def test_customer_words_are_a_block_of_their_own(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    conversation = split[2][3]
    customer = fitted.blocks_["tfidf_customer"]
    assert customer.transform([conversation], []) == [
        transcript_text(conversation, Speaker.CUSTOMER)
    ]
    names = customer.feature_names(fitted.block_models_["tfidf_customer"])
    assert names
    assert all(name.startswith("customer said:") for name in names)
    whole = fitted.block_models_["tfidf"].named_steps["tfidf"].vocabulary_
    assert {"$", "i"} <= set(whole), "one-character tokens (amounts, 'I') are kept"
    checked = {report["block"] for report in fitted.leakage_reports_}
    assert {"tfidf", "tfidf_customer"} <= checked, "both word blocks pass the leakage check"


def test_the_customers_cues_are_a_block_read_in_the_insights_words(
    fitted: ConversionPredictor,
    craigslist: LabelledConversations,
) -> None:
    block = fitted.blocks_["insights"]
    names = block.feature_names(fitted.block_models_["insights"])
    assert names[:2] == ["insights:customer objections", "insights:customer questions"]
    assert "insights:last amount the customer committed to is missing" in names
    assert "insights" in {report["block"] for report in fitted.leakage_reports_}
    assert not fitted.insight_embeddings, "without an embedder the cues are patterns only"
    counts = block.transform(craigslist.conversations[:200], [])
    buyers_price = counts[:, names.index("insights:customer price_mentions")]
    assert (buyers_price > 0).mean() > 0.7, "buyers name a price in about four of five"


def test_the_customers_stated_decision_is_a_block_with_its_own_leakage_check(
    fitted: ConversionPredictor,
    craigslist: LabelledConversations,
) -> None:
    block = fitted.blocks_["decision"]
    names = block.feature_names(fitted.block_models_["decision"])
    assert names[0] == "decision:amount the customer named in the second half"
    assert "decision:last amount the customer named is missing" in names
    assert "decision" in {report["block"] for report in fitted.leakage_reports_}
    matrix = block.transform(craigslist.conversations[:200], [])
    named = matrix[:, names.index("decision:customer turns naming an amount")]
    assert (named > 0).mean() > 0.5, "most buyers name a price with a dollar sign or word"


def test_unseen_categories_and_missing_metadata_are_handled(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    conversation = split[2][0]
    odd = conversation.model_copy(
        update={"metadata": {"category": "spaceships", "listing_price": "call me"}}
    )
    bare = conversation.model_copy(update={"metadata": {}})
    p = fitted.predict_proba([odd, bare])[:, 1]
    assert np.all((p > 0) & (p < 1))


def test_conversation_without_customer_turns_is_refused(
    fitted: ConversionPredictor,
    split: Split,
) -> None:
    conversation = split[2][0]
    agent_only = conversation.model_copy(
        update={"turns": tuple(t for t in conversation.turns if t.speaker is Speaker.AGENT)}
    )
    with pytest.raises(DataError, match=f"no customer turn: {agent_only.id}"):
        fitted.predict_proba([agent_only])


def test_one_class_and_bad_parameters_are_refused(
    split: Split,
) -> None:
    train, y_train, _, _ = split
    with pytest.raises(DataError, match="only one outcome class"):
        fast_model().fit(train[:30], [True] * 30)
    with pytest.raises(UsageError, match="price_reference"):
        fast_model(price_reference=None).fit(train, y_train)
    with pytest.raises(UsageError, match="embedder"):
        ConversionPredictor(blocks=["embedding"]).fit(train, y_train)
    with pytest.raises(UsageError, match="not fitted"):
        ConversionPredictor().predict_proba(train[:1])


def _with_metadata(
    conversations: list[Conversation], y: np.ndarray, key: str
) -> list[Conversation]:
    return [
        c.model_copy(update={"metadata": {**c.metadata, key: "won" if label else "lost"}})
        for c, label in zip(conversations, y, strict=True)
    ]


def test_a_leaked_field_stops_training(
    split: Split,
) -> None:
    train, y_train, _, _ = split
    leaky = _with_metadata(train, y_train, "crm_stage")
    with pytest.raises(LeakageError, match="crm_stage"):
        fast_model(blocks=("metadata",)).fit(leaky, y_train)
    warned = fast_model(blocks=("metadata",), on_leakage="warn").fit(leaky, y_train)
    assert any(not report["ok"] for report in warned.leakage_reports_)


def test_denylisted_fields_are_removed_before_fitting(
    split: Split,
) -> None:
    train, y_train, _, _ = split
    model = fast_model(blocks=("metadata",)).fit(
        _with_metadata(train, y_train, "deal_outcome"), y_train
    )
    assert "deal_outcome" in model.denied_fields_
    assert not any("deal_outcome" in name for name in model.blocks_["metadata"].feature_names(None))


def test_lightgbm_head_explains_with_tree_contributions(
    split: Split,
) -> None:
    train, y_train, test, y_test = split
    model = fast_model(head="lightgbm").fit(train, y_train)
    assert roc_auc_score(y_test, model.predict_proba(test)[:, 1]) > 0.8
    names = [f.feature for f in model.explain(test[0]).top_features]
    assert any(name.startswith(("prices:", "dynamics:", "metadata:")) for name in names)


def edit_manifest(directory: Path, **changes: object) -> None:
    """Change manifest fields and re-seal it, as someone who knows the format could."""
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    manifest["sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_clone_gives_an_unfitted_copy_that_fits_the_same(
    fitted: ConversionPredictor, split: Split
) -> None:
    train, y_train, test, _ = split
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    assert not hasattr(twin, "stacker_")
    twin.set_params(inner_folds=3)
    np.testing.assert_allclose(
        twin.fit(train, y_train).predict_proba(test[:20]), fitted.predict_proba(test[:20])
    )
    with pytest.raises(UsageError, match="no parameter 'folds'"):
        twin.set_params(folds=3)


def test_saved_model_predicts_the_same(
    fitted: ConversionPredictor,
    split: Split,
    tmp_path: Path,
) -> None:
    test = split[2][:40]
    manifest = fitted.save(tmp_path / "model", metrics={"note": "test"})
    assert manifest["blocks"] == list(FAST)
    assert manifest["insight_embeddings"] is False
    assert set(manifest["files"]) == {"model.skops"}
    loaded = ConversionPredictor.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(test), fitted.predict_proba(test))
    assert loaded.manifest_["metrics"] == {"note": "test"}
    with pytest.raises(ArtifactError, match=r"already holds a colloquy model.*--overwrite"):
        fitted.save(tmp_path / "model")
    fitted.save(tmp_path / "model", metrics={"note": "again"}, overwrite=True)
    assert ConversionPredictor.load(tmp_path / "model").manifest_["metrics"] == {"note": "again"}


def test_embedding_block_round_trip_checks_the_encoder(
    split: Split,
    torch_embedder: SentenceEmbedder,
    tmp_path: Path,
) -> None:
    train, y_train, test, _ = split
    model = fast_model(blocks=("embedding", "insights", "metadata"), embedder=torch_embedder)
    model.fit(train[:60], y_train[:60])
    model.save(tmp_path / "model")
    loaded = ConversionPredictor.load(tmp_path / "model", embedder=torch_embedder)
    np.testing.assert_allclose(
        loaded.predict_proba(test[:10]), model.predict_proba(test[:10]), atol=1e-6
    )
    assert loaded.insight_embeddings, "the cue detector keeps its embedding fallback"
    manifest = tmp_path / "model" / "manifest.json"
    saved = json.loads(manifest.read_text())
    assert saved["embedding_pools"] == list(POOLS)
    assert saved["insight_embeddings"] is True
    edit_manifest(tmp_path / "model", embedder_id="another-encoder")
    with pytest.raises(ArtifactError, match="another-encoder"):
        ConversionPredictor.load(tmp_path / "model", embedder=torch_embedder)


def test_mean_pools_round_trip_and_unknown_pools_are_refused(
    split: Split,
    torch_embedder: SentenceEmbedder,
    tmp_path: Path,
) -> None:
    train, y_train, test, _ = split
    model = fast_model(
        blocks=("embedding", "metadata"), embedder=torch_embedder, embedding_pools=MEAN_POOLS
    ).fit(train[:60], y_train[:60])
    model.save(tmp_path / "model")
    loaded = ConversionPredictor.load(tmp_path / "model", embedder=torch_embedder)
    assert loaded.embedding_pools == MEAN_POOLS
    np.testing.assert_allclose(
        loaded.predict_proba(test[:10]), model.predict_proba(test[:10]), atol=1e-6
    )
    with pytest.raises(UsageError, match=r"unknown or no embedding pools.*customer_txt"):
        fast_model(
            blocks=("embedding",), embedder=torch_embedder, embedding_pools=("customer_txt",)
        ).fit(train, y_train)


def test_contrastive_encoder_round_trip_and_rule(
    split: Split,
    torch_embedder: SentenceEmbedder,
    tmp_path: Path,
) -> None:
    """Real tiny fine-tunes: kept when told to, saved with the model, checked on load."""
    train, y_train, test, _ = split
    tiny = ContrastiveConfig(max_examples_per_class=24, max_seq_length=16, batch_size=8)
    kept = fast_model(
        blocks=("embedding", "metadata"),
        embedder=torch_embedder,
        contrastive=tiny,
        contrastive_min_gain=-1.0,
    ).fit(train[:80], y_train[:80])
    assert kept.encoder_choice_ is not None
    assert kept.encoder_choice_["kept"] is True
    assert kept.tuned_encoder_ is not None
    assert kept.blocks_["embedding"].pooled.embedder is kept.tuned_encoder_  # type: ignore[attr-defined]
    kept.save(tmp_path / "kept")
    loaded = ConversionPredictor.load(tmp_path / "kept", embedder=torch_embedder)
    np.testing.assert_allclose(
        loaded.predict_proba(test[:10]), kept.predict_proba(test[:10]), atol=1e-6
    )
    (tmp_path / "kept" / "encoder" / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"config.json is not the file that was saved"):
        ConversionPredictor.load(tmp_path / "kept", embedder=torch_embedder)

    dropped = fast_model(
        blocks=("embedding", "metadata"),
        embedder=torch_embedder,
        contrastive=tiny,
        contrastive_min_gain=1.0,
    ).fit(train[:80], y_train[:80])
    assert dropped.encoder_choice_ is not None
    assert dropped.encoder_choice_["kept"] is False
    assert dropped.tuned_encoder_ is None
    assert dropped.save(tmp_path / "dropped")["tuned_encoder"] is None
    assert not (tmp_path / "dropped" / "encoder").exists()


def test_contrastive_needs_the_embedding_block() -> None:
    with pytest.raises(UsageError, match="embedding block"):
        fast_model(contrastive=ContrastiveConfig()).fit([], np.zeros(0))


def test_groups_never_straddle_inner_folds(
    split: Split,
) -> None:
    train, y_train, _, _ = split
    customers = [f"customer-{i % 40}" for i in range(len(train))]
    model = fast_model(train_prefix_ratios=(0.5, 1.0))
    rows, labels, row_groups = model._training_rows(train, y_train, customers)
    assert len(rows) == 2 * len(train)
    for fit_rows, held_out in model._folds(labels, row_groups):
        assert not set(row_groups[fit_rows]) & set(row_groups[held_out])
    with pytest.raises(UsageError, match="groups"):
        fast_model().fit(train, y_train, groups=customers[:-1])
