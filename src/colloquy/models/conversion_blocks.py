"""The feature blocks a conversion model stacks: transcript words (all of them and the
customer's own), transcript meaning, the customer's sales-talk cues (objections,
commitments, questions…), talk dynamics and customer metadata.

Each block turns conversations into one kind of evidence and owns the small model that
reads it: TF-IDF n-grams and pooled MiniLM embeddings go to an L2 logistic regression (too
many columns for trees on a thousand dialogues); dynamics, metadata and the cue counts, a
few dozen tabular columns, go to the chosen ``head``, logistic regression or LightGBM.
Blocks are combined by late fusion (stacking) in
:class:`~colloquy.models.conversion.ConversionPredictor` rather than by concatenating
columns, because the blocks differ in width by three orders of magnitude: in a first
measurement on PersuasionForGood (5-fold CV), one logistic regression over TF-IDF + scaled
metadata columns reached ROC-AUC 0.71–0.74 depending on a hand-set metadata weight, while
stacking per-block models reached 0.75 with no weight to tune. ``benchmarks/conversion.py``
has the current numbers.

Every block offers a few candidate regularisation settings; the predictor picks one per
block by inner cross-validation on the training rows, never on held-out data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from colloquy.extras import available, require
from colloquy.features.cues import CUE_FEATURES, CueDetector, cue_matrix
from colloquy.features.decision import DECISION_FEATURES, decision_matrix
from colloquy.features.dynamics import FEATURE_NAMES as DYNAMICS_NAMES
from colloquy.features.dynamics import dynamics_matrix
from colloquy.features.metadata import MetadataEncoder
from colloquy.features.prices import PRICE_FEATURES, price_matrix
from colloquy.features.transcript import PooledTurnEmbeddings, transcript_text
from colloquy.models.choices import ConversionHead
from colloquy.schema import Conversation, Speaker
from colloquy.schema.conversation import JsonValue

BlockName = Literal[
    "tfidf", "tfidf_customer", "embedding", "insights", "decision", "metadata", "dynamics", "prices"
]
HeadName = ConversionHead
BLOCK_NAMES: tuple[BlockName, ...] = (
    "tfidf",
    "tfidf_customer",
    "embedding",
    "insights",
    "decision",
    "metadata",
    "dynamics",
    "prices",
)
DEFAULT_BLOCKS: tuple[BlockName, ...] = (
    "tfidf",
    "tfidf_customer",
    "embedding",
    "insights",
    "decision",
    "metadata",
    "dynamics",
)
"""``prices`` joins these when a price reference field is configured (negotiations)."""
Records = Sequence[Mapping[str, JsonValue]]
Features = Any
"""A block's model input: a list of texts (TF-IDF) or a float matrix."""


def _logreg(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000)


def _lightgbm(setting: Mapping[str, Any], seed: int) -> Any:
    require("lightgbm", extra="lightgbm", feature="the LightGBM head")
    from lightgbm import LGBMClassifier

    params = {k: v for k, v in setting.items() if k != "model"}
    return LGBMClassifier(
        learning_rate=0.03,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        min_child_samples=20,
        reg_lambda=1.0,
        random_state=seed,
        n_jobs=1,
        verbose=-1,
        **params,
    )


_LIGHTGBM_GRID: tuple[dict[str, Any], ...] = (
    {"model": "lightgbm", "n_estimators": 150, "num_leaves": 7},
    {"model": "lightgbm", "n_estimators": 400, "num_leaves": 15},
)


def _tabular_candidates(head: HeadName, cs: Sequence[float]) -> list[dict[str, Any]]:
    """Logistic-regression and/or LightGBM settings; ``auto`` lets inner CV pick either,
    or takes logistic regression alone when the ``lightgbm`` extra is not installed."""
    linear = [{"model": "logreg", "C": c} for c in cs]
    trees = [dict(s) for s in _LIGHTGBM_GRID]
    if head == "auto" and not available("lightgbm"):
        return linear
    return {"logreg": linear, "lightgbm": trees}.get(head, linear + trees)


class FeatureBlock(ABC):
    """One kind of evidence: featurises conversations and builds the model that reads it."""

    name: BlockName
    interpretable: bool = True

    @abstractmethod
    def fit(self, conversations: Sequence[Conversation], records: Records) -> FeatureBlock:
        """Learn any unsupervised state (vocabulary-free: encoders, column roles)."""

    @abstractmethod
    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features: ...

    @abstractmethod
    def candidates(self, head: HeadName) -> list[dict[str, Any]]:
        """Settings tried by inner cross-validation, first = the fallback."""

    @abstractmethod
    def estimator(self, setting: Mapping[str, Any], head: HeadName, seed: int) -> Any: ...

    @abstractmethod
    def feature_names(self, model: Any) -> list[str]: ...

    def contributions(self, model: Any, features: Features) -> NDArray[np.float64] | None:
        """Per-feature log-odds contributions of one row, or ``None`` when not meaningful."""
        final = model.steps[-1][1] if hasattr(model, "steps") else model
        transformed = model[:-1].transform(features) if hasattr(model, "steps") else features
        if hasattr(final, "booster_"):
            values = final.booster_.predict(transformed, pred_contrib=True)
            return np.asarray(values, dtype=np.float64)[0, :-1]
        row = transformed[0]
        row = np.asarray(row.toarray() if hasattr(row, "toarray") else row, dtype=np.float64)
        return np.asarray(final.coef_[0] * row.ravel(), dtype=np.float64)


TOKEN_PATTERN = r"(?u)\$|\b\w+\b"
"""Words of any length and the dollar sign.

scikit-learn's default pattern drops one-character tokens, which in a sales or donation
call are the amounts and the speaker's commitments: "I can give $1" became "can give",
losing "$", "1" and "I". On PersuasionForGood (grouped 5-fold CV, TF-IDF block alone)
keeping them raised ROC-AUC from 0.690 to 0.699.
"""


class TfidfBlock(FeatureBlock):
    """Word and bigram TF-IDF of everything said; the words a model can point to."""

    name: BlockName = "tfidf"
    speaker: Speaker | None = None
    label = "said"

    def fit(self, conversations: Sequence[Conversation], records: Records) -> TfidfBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return [transcript_text(c, self.speaker) for c in conversations]

    def candidates(self, head: HeadName) -> list[dict[str, Any]]:
        return [{"C": c} for c in (3.0, 1.0, 10.0)]

    def estimator(self, setting: Mapping[str, Any], head: HeadName, seed: int) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import Pipeline

        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            max_features=50_000,
            token_pattern=TOKEN_PATTERN,
        )
        return Pipeline([("tfidf", vectorizer), ("model", _logreg(setting["C"]))])

    def feature_names(self, model: Any) -> list[str]:
        terms = model.named_steps["tfidf"].get_feature_names_out()
        return [f"{self.label}:{term}" for term in terms]


class CustomerTfidfBlock(TfidfBlock):
    """The customer's own words, as a second TF-IDF block beside the whole transcript.

    The embedding block already keeps the speakers apart; this gives words the same
    chance, so the stacker can weigh "the customer said *donate*" apart from "the agent
    said *donate*". On PersuasionForGood (grouped 5-fold CV, with the one-character
    tokens kept) adding it raised the stacked model from 0.745 to 0.753 on the partition it
    was chosen on, in every fold; with the customer-text embedding pool, the two added
    0.003–0.006 on three partitions not used to choose them (``--repeats`` benchmark).
    """

    name: BlockName = "tfidf_customer"
    speaker = Speaker.CUSTOMER
    label = "customer said"


class EmbeddingBlock(FeatureBlock):
    """Mean MiniLM turn vectors of the customer, the agent and the whole dialogue."""

    name: BlockName = "embedding"
    interpretable = False

    def __init__(self, pooled: PooledTurnEmbeddings) -> None:
        self.pooled = pooled

    def fit(self, conversations: Sequence[Conversation], records: Records) -> EmbeddingBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return self.pooled.transform(conversations)

    def candidates(self, head: HeadName) -> list[dict[str, Any]]:
        return [{"C": c} for c in (0.01, 0.003, 0.03)]

    def estimator(self, setting: Mapping[str, Any], head: HeadName, seed: int) -> Any:
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        return Pipeline([("scale", StandardScaler()), ("model", _logreg(setting["C"]))])

    def feature_names(self, model: Any) -> list[str]:
        return self.pooled.feature_names()


class MetadataBlock(FeatureBlock):
    """Customer metadata through a fitted :class:`MetadataEncoder`."""

    name: BlockName = "metadata"

    def __init__(self, encoder: MetadataEncoder | None = None) -> None:
        self.encoder = encoder if encoder is not None else MetadataEncoder()

    def fit(self, conversations: Sequence[Conversation], records: Records) -> MetadataBlock:
        self.encoder.fit(records)
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return self.encoder.transform(records)

    def candidates(self, head: HeadName) -> list[dict[str, Any]]:
        return _tabular_candidates(head, (0.05, 0.01, 0.2, 1.0))

    def estimator(self, setting: Mapping[str, Any], head: HeadName, seed: int) -> Any:
        if setting.get("model") == "lightgbm":
            return _lightgbm(setting, seed)
        return _logreg(setting["C"])

    def feature_names(self, model: Any) -> list[str]:
        return [f"metadata:{name}" for name in self.encoder.feature_names_out_]

    def contributions(self, model: Any, features: Features) -> NDArray[np.float64] | None:
        if getattr(features, "shape", (0, 0))[1] == 0:
            return np.zeros(0)
        return super().contributions(model, features)


class _TabularBlock(FeatureBlock):
    """A few numeric columns with NaN for "not said / not known".

    Both heads see the columns through a median imputer with missing-value indicators for
    the columns that were missing in training. A column that training never saw missing
    (the time features of a chat log with timestamps) is imputed with its training median
    when it is missing at prediction (a plain-text transcript has no times), instead of
    sending LightGBM down a branch it never learned, which in one measured case cost a
    demo call 0.6 log-odds for "customer_time_share: missing".
    """

    def candidates(self, head: HeadName) -> list[dict[str, Any]]:
        return _tabular_candidates(head, (0.1, 0.01, 1.0))

    def estimator(self, setting: Mapping[str, Any], head: HeadName, seed: int) -> Any:
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        impute = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        if setting.get("model") == "lightgbm":
            return Pipeline([("impute", impute), ("model", _lightgbm(setting, seed))])
        return Pipeline(
            [("impute", impute), ("scale", StandardScaler()), ("model", _logreg(setting["C"]))]
        )

    @abstractmethod
    def base_names(self) -> list[str]: ...

    def feature_names(self, model: Any) -> list[str]:
        names = self.base_names()
        indicator = None if model is None else model.named_steps["impute"].indicator_
        if indicator is None:
            return names
        return [*names, *(f"{names[i]} is missing" for i in indicator.features_)]


class PriceBlock(_TabularBlock):
    """Prices said so far relative to a metadata reference; see :mod:`colloquy.features.prices`."""

    name: BlockName = "prices"

    def __init__(self, reference_field: str) -> None:
        self.reference_field = reference_field

    def fit(self, conversations: Sequence[Conversation], records: Records) -> PriceBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return np.asarray(
            price_matrix(conversations, records, self.reference_field), dtype=np.float64
        )

    def base_names(self) -> list[str]:
        return [f"prices:{name}" for name in PRICE_FEATURES]


class DynamicsBlock(_TabularBlock):
    """Talk dynamics (:mod:`colloquy.features.dynamics`); missing timings stay NaN."""

    name: BlockName = "dynamics"

    def fit(self, conversations: Sequence[Conversation], records: Records) -> DynamicsBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return np.asarray(dynamics_matrix(conversations), dtype=np.float64)

    def base_names(self) -> list[str]:
        return [f"dynamics:{name}" for name in DYNAMICS_NAMES]


class InsightsBlock(_TabularBlock):
    """The customer's sales-talk cues counted by kind (:func:`~colloquy.features.cues.cue_matrix`).

    The same detector finds the insights a manager reads, so an explanation can say "the
    customer made 2 commitments in the last third" in the words of the insights report.
    With an embedder the detector's embedding fallback is on, as in the insight analyzer
    (``detector.embedder`` is None without one, and the model records which it used).
    """

    name: BlockName = "insights"

    def __init__(self, detector: CueDetector) -> None:
        self.detector = detector

    def fit(self, conversations: Sequence[Conversation], records: Records) -> InsightsBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return cue_matrix(conversations, self.detector)

    def base_names(self) -> list[str]:
        return [f"insights:{name}" for name in CUE_FEATURES]


class DecisionBlock(_TabularBlock):
    """The customer's stated decision: the amount named, everything offered, declined
    (:func:`~colloquy.features.decision.decision_matrix`)."""

    name: BlockName = "decision"

    def fit(self, conversations: Sequence[Conversation], records: Records) -> DecisionBlock:
        return self

    def transform(self, conversations: Sequence[Conversation], records: Records) -> Features:
        return decision_matrix(conversations)

    def base_names(self) -> list[str]:
        return [f"decision:{name}" for name in DECISION_FEATURES]


def make_block(
    name: BlockName,
    *,
    pooled: PooledTurnEmbeddings | None,
    encoder: MetadataEncoder | None,
    price_reference: str | None = None,
    detector: CueDetector | None = None,
) -> FeatureBlock:
    if name == "tfidf":
        return TfidfBlock()
    if name == "tfidf_customer":
        return CustomerTfidfBlock()
    if name == "embedding":
        if pooled is None:
            raise ValueError("the embedding block needs pooled turn embeddings")
        return EmbeddingBlock(pooled)
    if name == "insights":
        return InsightsBlock(detector if detector is not None else CueDetector())
    if name == "decision":
        return DecisionBlock()
    if name == "metadata":
        return MetadataBlock(encoder)
    if name == "prices":
        if price_reference is None:
            raise ValueError("the prices block needs a price reference field")
        return PriceBlock(price_reference)
    return DynamicsBlock()
