"""The leakage guard: the denylist on real metadata keys, the single-feature AUC check."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import roc_auc_score

from colloquy.data.loaders import get_loader
from colloquy.errors import DataError, LeakageError, UsageError
from colloquy.features import (
    DEFAULT_DENYLIST,
    LeakageReport,
    MetadataEncoder,
    check_leakage,
    denied_fields,
    single_feature_aucs,
    strip_denied,
)
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue


@pytest.fixture(scope="module")
def p4g(datasets_dir: Path) -> list[Conversation]:
    return list(get_loader("persuasion4good").load(datasets_dir / "persuasion4good"))


@pytest.fixture(scope="module")
def craigslist(datasets_dir: Path) -> list[Conversation]:
    return list(get_loader("craigslist_bargain").load(datasets_dir / "craigslist_bargain"))


# --------------------------------------------------------------------------- the denylist


def test_persuasion4good_metadata_keys_pass(p4g: list[Conversation]) -> None:
    keys = {key for c in p4g for key in c.metadata}
    assert {"agreeable", "conform", "power", "income", "ideology", "persuadee_id"} <= keys
    assert denied_fields(sorted(keys)) == []


def test_craigslist_metadata_keys_pass(craigslist: list[Conversation]) -> None:
    keys = {key for c in craigslist for key in c.metadata}
    assert {"listing_price", "buyer_target", "seller_target", "category", "title"} <= keys
    # the loader adds these when a scenario has them; they are known before the chat too
    keys |= {"buyer_bottomline", "seller_bottomline"}
    assert denied_fields(sorted(keys)) == []


def test_raw_persuasion4good_columns() -> None:
    # full_info.csv / 300_info.xlsx: ids and role pass; B5 (intended donation), B6 (donation)
    # and B7 (number of turns, known only at the end) are denied
    columns = ["B2", "B3", "B4", "B5", "B6", "B7", "extrovert.x", "age.x"]
    assert denied_fields(columns) == ["B5", "B6", "B7"]


@pytest.mark.parametrize(
    "key",
    [
        "outcome",
        "outcome.reward",
        "converted",
        "conversion_value",
        "donation_amount",
        "donated",
        "intended_donation",
        "reward",
        "deal",
        "HasDeal",
        "deal-stage",
        "dealstage",
        "StageName",
        "IsWon",
        "closed_won",
        "IsClosed",
        "CloseDate",
        "lost_reason",
        "is_sold",
        "contract_signed",
        "final_price",
        "final_offer",
        "agreed_price",
        "offer_accepted",
        "Result",
        "churned",
        "refund_issued",
        "label",
        "target",
    ],
)
def test_post_outcome_fields_are_denied(key: str) -> None:
    assert denied_fields([key]) == [key]


@pytest.mark.parametrize(
    "key",
    [
        "dealer_id",
        "ideal_price",
        "rewards_member",
        "assigned_agent",
        "agreeable",
        "download_count",
        "buyer_target",
        "listing_price",
        "customer_since",
        "plan",
        "wonderland_visits",
    ],
)
def test_innocent_lookalikes_pass(key: str) -> None:
    assert denied_fields([key]) == []


def test_denied_fields_keeps_first_seen_order_once() -> None:
    keys = ["age", "Outcome", "b6", "Outcome", "sex"]
    assert denied_fields(keys) == ["Outcome", "b6"]
    assert denied_fields(keys, ("SEX",)) == ["sex"]
    assert denied_fields(keys, ()) == []


def test_strip_denied_returns_new_records() -> None:
    records: list[dict[str, JsonValue]] = [
        {"age": 30, "donation": 1.0, "sex": "F"},
        {"age": 41, "deal_closed": True},
    ]
    before = copy.deepcopy(records)
    cleaned, denied = strip_denied(records)
    assert cleaned == [{"age": 30, "sex": "F"}, {"age": 41}]
    assert denied == ["donation", "deal_closed"]
    assert records == before
    assert all(new is not old for new, old in zip(cleaned, records, strict=True))
    extended, extra = strip_denied(records, (*DEFAULT_DENYLIST, "sex"))
    assert extra == ["donation", "sex", "deal_closed"]
    assert extended == [{"age": 30}, {"age": 41}]


# --------------------------------------------------------------------------- single-feature AUC


def _sklearn_folded(y: np.ndarray, column: np.ndarray) -> float:
    auc = roc_auc_score(y, column)
    return float(max(auc, 1.0 - auc))


def test_single_feature_aucs_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    features = np.column_stack(
        [
            y + rng.normal(size=300),  # informative
            -y + rng.normal(size=300),  # informative, reversed: folded above 0.5
            np.round(rng.random(300), 1),  # noise with ties
            np.full(300, 3.0),  # constant: skipped
            np.full(300, np.nan),  # all missing: skipped
        ]
    )
    names = ["up", "down", "noise", "constant", "empty"]
    aucs = single_feature_aucs(features, y, names)
    assert set(aucs) == {"up", "down", "noise"}
    for i, name in enumerate(names[:3]):
        assert aucs[name] == pytest.approx(_sklearn_folded(y, features[:, i]), abs=1e-12)
    assert aucs["down"] > 0.7


def test_nans_are_imputed_with_the_median() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    column = np.array([1.0, 2.0, np.nan, 5.0, 6.0, np.nan])
    aucs = single_feature_aucs(column[:, None], y, ["x"])
    imputed = np.where(np.isnan(column), np.nanmedian(column), column)
    assert aucs["x"] == pytest.approx(_sklearn_folded(y, imputed))


def test_sparse_matches_dense_across_blocks() -> None:
    rng = np.random.default_rng(1)
    rows, columns = 400, 700  # more than two blocks of 256 columns
    y = rng.integers(0, 2, rows)
    matrix = sparse.random(rows, columns, density=0.05, random_state=2, format="csr")
    matrix = matrix.tolil()
    matrix[:, 600] = (y * rng.random(rows))[:, None]
    matrix = matrix.tocsr()
    names = [f"w{i}" for i in range(columns)]
    from_sparse = single_feature_aucs(matrix, y, names)
    from_dense = single_feature_aucs(matrix.toarray(), y, names)
    assert from_sparse.keys() == from_dense.keys()
    for name, auc in from_dense.items():
        assert from_sparse[name] == pytest.approx(auc, abs=1e-12)
    assert from_sparse["w600"] > 0.9
    assert single_feature_aucs(sparse.csr_array(matrix), y, names) == from_sparse


@pytest.mark.parametrize(
    ("y", "names", "error", "fragment"),
    [
        ([0, 1, 0], ["a"], UsageError, "1 names for 2 feature columns"),
        ([0, 1, 0], ["a", "a"], UsageError, "unique"),
        ([0, 1], ["a", "b"], UsageError, "one outcome per row"),
        ([1, 1, 1], ["a", "b"], DataError, "needs both classes"),
        ([0, 2, 1], ["a", "b"], UsageError, "0/1 or booleans"),
    ],
)
def test_aucs_check_inputs(
    y: list[int], names: list[str], error: type[Exception], fragment: str
) -> None:
    features = np.arange(6.0).reshape(3, 2)
    with pytest.raises(error, match=fragment):
        single_feature_aucs(features, y, names)


# --------------------------------------------------------------------------- check_leakage


def test_planted_leak_in_real_metadata_is_flagged(p4g: list[Conversation]) -> None:
    outcome = np.array([bool(c.outcome and c.outcome.converted) for c in p4g])
    records = [dict(c.metadata) for c in p4g]
    encoder = MetadataEncoder()
    clean = encoder.fit_transform(records)
    honest = check_leakage(clean, outcome, encoder.feature_names_out_)
    assert honest.ok
    assert honest.checked == len(encoder.feature_names_out_)
    assert honest.flagged == ()
    honest.raise_if_flagged()
    assert "no leakage" in honest.message()

    # a CRM score nobody named "donation", filled in after the payment went through
    rng = np.random.default_rng(0)
    for record, donated in zip(records, outcome, strict=True):
        record["engagement_bucket"] = 5.0 * float(donated) + float(rng.normal())
    leaky_encoder = MetadataEncoder()
    leaky = leaky_encoder.fit_transform(records)
    report = check_leakage(leaky, outcome, leaky_encoder.feature_names_out_)
    assert not report.ok
    assert [name for name, _ in report.flagged] == ["engagement_bucket"]
    assert report.flagged[0][1] >= 0.98
    text = report.message()
    assert "engagement_bucket: ROC-AUC" in text
    assert "denylist" in text
    with pytest.raises(LeakageError, match="engagement_bucket") as info:
        report.raise_if_flagged()
    assert isinstance(info.value, DataError)
    assert info.value.exit_code == 65
    assert "denylist" in (info.value.hint or "")


def test_report_orders_flagged_features_and_serialises() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    features = np.column_stack([y, 1 - y, y + np.array([0, 0, 0, 2, 1, 1, 1, 1])])
    report = check_leakage(features, y, ["copy", "inverse", "almost"], threshold=0.9)
    # "almost" ranks 3 of 4 negatives below every positive and ties the fourth: 14/16
    assert report.flagged == (("copy", 1.0), ("inverse", 1.0))
    assert single_feature_aucs(features, y, ["copy", "inverse", "almost"])["almost"] == 0.875
    assert report.checked == 3
    assert report.to_dict()["flagged"][0] == {"feature": "copy", "roc_auc": 1.0}
    assert isinstance(report, LeakageReport)


@pytest.mark.parametrize("threshold", [0.5, 1.2])
def test_threshold_must_be_meaningful(threshold: float) -> None:
    with pytest.raises(UsageError, match="threshold"):
        check_leakage(np.eye(4), [0, 1, 0, 1], list("abcd"), threshold=threshold)
