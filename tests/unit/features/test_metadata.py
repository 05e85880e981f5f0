"""MetadataEncoder: type inference, dropping, imputation, odd input at predict time, persistence."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from structlog.testing import capture_logs
from tests.p4g_fields import CATEGORICAL as P4G_CATEGORICAL
from tests.p4g_fields import NUMERIC as P4G_NUMERIC

from colloquy.data.loaders import get_loader
from colloquy.errors import DataError, UsageError
from colloquy.features import MetadataEncoder
from colloquy.models.artifacts import dump_sklearn, load_sklearn
from colloquy.schema.conversation import JsonValue


def _customers(n: int = 40) -> list[dict[str, JsonValue]]:
    """Synthetic CRM records: every kind of field the encoder must tell apart."""
    plans = ["basic", "pro", "enterprise"]
    records: list[dict[str, JsonValue]] = []
    for i in range(n):
        records.append(
            {
                "age": 20 + (i * 7) % 45,
                "spend": round(10.0 + (i * 13) % 97 + 0.5, 1),
                "plan": plans[i % 3] if i != n - 1 else "legacy",  # "legacy" is rare
                "newsletter": i % 4 == 0,
                "user_id": f"u{i:04d}",
                "region": "EU",
                "tags": ["a", "b"],
                "notes": None,
            }
        )
    records[1]["age"] = None
    for i in range(2, 20, 3):  # six missing plans: frequent enough for their own column
        records[i]["plan"] = None
    return records


@pytest.fixture
def fitted() -> MetadataEncoder:
    return MetadataEncoder().fit(_customers())


# --------------------------------------------------------------------------- fitting


def test_infers_types_and_reports_dropped_fields(fitted: MetadataEncoder) -> None:
    assert fitted.numeric_columns_ == ["age", "spend"]
    assert fitted.categorical_columns_ == ["plan", "newsletter"]
    assert set(fitted.dropped_) == {"user_id", "region", "tags", "notes"}
    assert fitted.dropped_["user_id"].startswith("identifier-like: 40 distinct values")
    assert fitted.dropped_["region"] == "constant"
    assert "lists or objects" in fitted.dropped_["tags"]
    assert fitted.dropped_["notes"] == "entirely missing"


def test_feature_names_are_readable(fitted: MetadataEncoder) -> None:
    assert fitted.feature_names_out_ == [
        "age",
        "spend",
        "missing:age",
        "plan=(missing)",
        "plan=basic",
        "plan=enterprise",
        "plan=pro",
        "plan=(infrequent)",
        "newsletter=False",
        "newsletter=True",
    ]
    assert list(fitted.get_feature_names_out()) == fitted.feature_names_out_


def test_rare_categories_fold_into_infrequent() -> None:
    records: list[dict[str, JsonValue]] = [{"plan": "basic"} for _ in range(20)]
    records += [{"plan": "pro"} for _ in range(6)] + [{"plan": "trial"} for _ in range(4)]
    encoder = MetadataEncoder(min_frequency=5)
    matrix = encoder.fit_transform(records)
    assert encoder.feature_names_out_ == ["plan=basic", "plan=pro", "plan=(infrequent)"]
    assert matrix[-1].tolist() == [0.0, 0.0, 1.0]
    capped = MetadataEncoder(min_frequency=1, max_categories=2).fit(records)
    assert capped.feature_names_out_ == ["plan=basic", "plan=(infrequent)"]


def test_explicit_roles_override_inference() -> None:
    records: list[dict[str, JsonValue]] = [
        {"tier": i % 3, "age": 30 + i, "city": ["Oslo", "Rome"][i % 2]} for i in range(30)
    ]
    encoder = MetadataEncoder(categorical=["tier"], exclude=["city"]).fit(records)
    assert encoder.categorical_columns_ == ["tier"]
    assert encoder.numeric_columns_ == ["age"]
    assert encoder.dropped_ == {"city": "excluded"}
    assert encoder.feature_names_out_[-3:] == ["tier=0", "tier=1", "tier=2"]
    only_age = MetadataEncoder(numeric=["age"], categorical=[]).fit(records)
    assert only_age.feature_names_out_ == ["age"]  # nothing missing at fit: no indicator
    assert only_age.dropped_["tier"] == "inferred numeric, but not listed in numeric="


def test_numpy_scalars_count_as_plain_numbers_and_categories() -> None:
    plain: list[dict[str, JsonValue]] = [
        {"age": 20 + i, "tier": i % 2, "vip": i % 3 == 0, "score": [0.5, float("nan")][i % 2]}
        for i in range(12)
    ]
    numpy_typed: list[dict[str, JsonValue]] = [
        {
            "age": np.int64(r["age"]),
            "tier": str(r["tier"]),
            "vip": np.bool_(r["vip"]),
            "score": np.float32(r["score"]),
        }
        for r in plain
    ]
    encoder = MetadataEncoder(categorical=["tier", "vip"], min_frequency=1).fit(plain)
    assert encoder.numeric_columns_ == ["age", "score"]
    assert encoder.feature_names_out_[-4:] == ["tier=0", "tier=1", "vip=False", "vip=True"]
    np.testing.assert_allclose(encoder.transform(numpy_typed), encoder.transform(plain))
    assert encoder.last_transform_issues_ == {}


def test_declared_numeric_field_with_text_is_a_data_error() -> None:
    with pytest.raises(DataError, match="'age' is declared numeric but holds 'forty'"):
        MetadataEncoder(numeric=["age"]).fit([{"age": 30}, {"age": "forty"}])


@pytest.mark.parametrize(
    ("params", "records", "fragment"),
    [
        ({}, [], "got no records"),
        ({}, {"age": 3}, "sequence of metadata dicts"),
        ({}, [{"age": 3}, "age=4"], "record 1 is a str"),
        ({"numeric": ["a"], "categorical": ["a"]}, [{"a": 1}], "numeric and categorical"),
        ({"max_cardinality_ratio": 0.0}, [{"a": 1}], "max_cardinality_ratio"),
        ({"min_frequency": 0}, [{"a": 1}], "min_frequency"),
    ],
)
def test_usage_errors(params: dict[str, Any], records: Any, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        MetadataEncoder(**params).fit(records)


def test_transform_before_fit_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not fitted"):
        MetadataEncoder().transform([{"age": 3}])


def test_estimator_contract() -> None:
    encoder = MetadataEncoder(min_frequency=2, exclude=("email",))
    assert encoder.get_params() == {
        "numeric": None,
        "categorical": None,
        "exclude": ("email",),
        "max_cardinality_ratio": 0.5,
        "min_frequency": 2,
        "max_categories": 30,
    }
    assert encoder.fit(_customers()) is encoder
    copy = clone(encoder)
    assert copy.get_params() == encoder.get_params()
    assert not hasattr(copy, "feature_names_out_")
    assert encoder.set_params(min_frequency=3).min_frequency == 3
    with pytest.raises(UsageError, match="no parameter 'alpha'"):
        encoder.set_params(alpha=1.0)


# --------------------------------------------------------------------------- transforming


def _raw(encoder: MetadataEncoder, matrix: np.ndarray, feature: str) -> np.ndarray:
    """Undo the standard scaling of a numeric-branch column."""
    assert encoder.column_transformer_ is not None
    scaler = encoder.column_transformer_.named_transformers_["numeric"]["scale"]
    i = encoder.feature_names_out_.index(feature)
    return np.asarray(matrix[:, i] * scaler.scale_[i] + scaler.mean_[i])


def test_imputation_uses_the_median_and_flags_missing(fitted: MetadataEncoder) -> None:
    records = _customers()
    matrix = fitted.transform([{"age": None, "plan": None}, {"age": 33, "plan": "pro"}])
    ages = [r["age"] for r in records if r["age"] is not None]
    assert _raw(fitted, matrix, "age") == pytest.approx([float(np.median(ages)), 33.0])
    assert _raw(fitted, matrix, "missing:age") == pytest.approx([1.0, 0.0])
    names = fitted.feature_names_out_
    assert matrix[0, names.index("plan=(missing)")] == 1.0
    assert matrix[1, names.index("plan=pro")] == 1.0
    assert fitted.last_transform_issues_ == {}


def test_output_is_float64_scaled_and_complete(fitted: MetadataEncoder) -> None:
    matrix = fitted.transform(_customers())
    assert matrix.dtype == np.float64
    assert matrix.shape == (40, len(fitted.feature_names_out_))
    assert np.isfinite(matrix).all()
    assert matrix[:, 0].mean() == pytest.approx(0.0, abs=1e-12)
    assert matrix[:, 0].std() == pytest.approx(1.0)


def test_missing_and_extra_fields_are_harmless(fitted: MetadataEncoder) -> None:
    with capture_logs() as logs:
        matrix = fitted.transform([{}, {"unknown_field": "x", "age": 50}])
    assert matrix.shape == (2, len(fitted.feature_names_out_))
    assert np.isfinite(matrix).all()
    assert fitted.last_transform_issues_ == {}
    assert not [entry for entry in logs if entry["log_level"] == "warning"]


def test_unseen_categories_and_non_numbers_are_counted_and_logged(
    fitted: MetadataEncoder,
) -> None:
    records: list[dict[str, JsonValue]] = [
        {"age": "forty", "plan": "platinum", "newsletter": "maybe"},
        {"age": True, "spend": float("inf"), "plan": ["pro"]},
        {"age": 41, "plan": "pro", "newsletter": False},
    ]
    with capture_logs() as logs:
        matrix = fitted.transform(records)
    assert np.isfinite(matrix).all()
    assert fitted.last_transform_issues_ == {
        "non_number:age": 2,
        "non_number:spend": 1,
        "unsupported:plan": 1,
        "unseen:plan": 1,
        "unseen:newsletter": 1,
    }
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["issues"] == fitted.last_transform_issues_
    names = fitted.feature_names_out_
    # "platinum" goes to plan's (infrequent) column; newsletter has none, so all zeros
    assert matrix[0, names.index("plan=(infrequent)")] == 1.0
    newsletter = [names.index("newsletter=False"), names.index("newsletter=True")]
    assert matrix[0, newsletter].tolist() == [0.0, 0.0]
    # a non-number is imputed exactly like a missing value
    missing = fitted.transform([{"age": None}])
    assert matrix[0, names.index("age")] == missing[0, names.index("age")]
    assert fitted.last_transform_issues_ == {}


def test_no_usable_fields_gives_an_empty_matrix() -> None:
    records: list[dict[str, JsonValue]] = [{"id": f"x{i}", "constant": 1} for i in range(6)]
    encoder = MetadataEncoder().fit(records)
    assert encoder.column_transformer_ is None
    assert encoder.feature_names_out_ == []
    assert encoder.transform(records[:4]).shape == (4, 0)
    assert set(encoder.dropped_) == {"id", "constant"}


# --------------------------------------------------------------------------- persistence


def _same_output(a: MetadataEncoder, b: MetadataEncoder, records: list[Mapping[str, Any]]) -> None:
    np.testing.assert_array_equal(a.transform(records), b.transform(records))
    assert a.feature_names_out_ == b.feature_names_out_
    assert a.dropped_ == b.dropped_


def test_pickle_round_trip(fitted: MetadataEncoder) -> None:
    _same_output(fitted, pickle.loads(pickle.dumps(fitted)), list(_customers()))


def test_artifacts_round_trip(fitted: MetadataEncoder, tmp_path: Path) -> None:
    # the fitted ColumnTransformer is pure scikit-learn: load_sklearn trusts it as is
    transformer_path = tmp_path / "metadata_transformer.skops"
    assert fitted.column_transformer_ is not None
    dump_sklearn(fitted.column_transformer_, transformer_path)
    restored = load_sklearn(transformer_path)
    assert type(restored).__name__ == "ColumnTransformer"
    # the whole encoder needs exactly one non-scikit-learn type trusted: itself
    encoder_path = tmp_path / "metadata_encoder.skops"
    dump_sklearn(fitted, encoder_path)
    untrusted = sio.get_untrusted_types(file=encoder_path)
    foreign = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "builtins."))]
    assert foreign == ["colloquy.features.metadata.MetadataEncoder"]
    loaded = sio.load(encoder_path, trusted=untrusted)
    _same_output(fitted, loaded, list(_customers()))


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def p4g_metadata(datasets_dir: Path) -> list[dict[str, JsonValue]]:
    loader = get_loader("persuasion4good")
    return [dict(c.metadata) for c in loader.load(datasets_dir / "persuasion4good")]


def test_persuasion4good_metadata(p4g_metadata: list[dict[str, JsonValue]]) -> None:
    encoder = MetadataEncoder()
    matrix = encoder.fit_transform(p4g_metadata)
    assert set(encoder.dropped_) == {"persuadee_id", "persuader_id"}
    assert all(why.startswith("identifier-like") for why in encoder.dropped_.values())
    assert encoder.numeric_columns_ == list(P4G_NUMERIC)
    assert encoder.categorical_columns_ == list(P4G_CATEGORICAL)
    assert matrix.shape == (len(p4g_metadata), len(encoder.feature_names_out_))
    assert np.isfinite(matrix).all()
    names = encoder.feature_names_out_
    assert {"missing:age", "sex=Female", "sex=Male", "ideology=(missing)"} <= set(names)
    assert 40 < len(names) < 90
    # every one-hot row has exactly one 1 per categorical field
    onehot = matrix[:, [i for i, name in enumerate(names) if "=" in name]]
    assert (onehot.sum(axis=1) == len(P4G_CATEGORICAL)).all()
    assert encoder.last_transform_issues_ == {}
