"""ConversionPredictor: will this conversation convert, how sure are we, and why.

The model follows the sales-conversion plan (transcript + customer metadata → features →
classifier → probability + reasons) as a stack of small models, one per kind of evidence
(:mod:`colloquy.models.conversion_blocks`): each block's logistic regression (or LightGBM,
for the tabular blocks when ``head="lightgbm"``) is fitted on the training rows, and a
logistic-regression stacker combines the blocks' log-odds. The stacker is trained on
*out-of-fold* block predictions (inner cross-validation on the training rows), so it
learns how far to trust each block on data the block did not see, and its output is a
Platt-calibrated probability. The same inner folds choose each block's regularisation.

Safety rails, all on by default:

* metadata fields matching the leakage denylist are removed before anything is fitted, and
  every interpretable feature whose own ROC-AUC exceeds ``leakage_threshold`` stops
  training with a :class:`~colloquy.errors.LeakageError` (``on_leakage="warn"`` to log);
* structured events (offers, accepts…) are never features: blocks read spoken turns only;
* a conversation without a customer turn is refused with its id, since "the customer said
  nothing" is almost always a speaker-mapping mistake.

``contrastive`` fine-tunes the turn encoder on the training outcomes, cross-fitted and kept
only when the embedding block's inner-CV ROC-AUC improves by ``contrastive_min_gain``
(:mod:`colloquy.models.conversion_encoder`); ``encoder_choice_`` records the comparison.

``train_prefix_ratios`` adds prefixes of each training conversation (grouped with their
conversation in the inner folds), for models that will score calls in progress.

The predictor keeps its parameters, its learned attributes and the scoring; the training
steps are in :mod:`~colloquy.models.conversion_training` (inner cross-validation in
:mod:`~colloquy.models.conversion_inner_cv`, the leakage guard in
:mod:`~colloquy.models.conversion_leakage`), the reasons behind a score in
:mod:`~colloquy.models.conversion_explain`, and what is saved in
:mod:`~colloquy.models.conversion_state`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from colloquy.errors import ArtifactError, UsageError
from colloquy.features.embeddings import DEFAULT_MODEL, Embedder
from colloquy.features.leakage import DEFAULT_DENYLIST, strip_denied
from colloquy.features.transcript import POOLS, check_pools, prefix, spoken_turns
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.conversion_artifact import load_conversion, save_conversion
from colloquy.models.conversion_blocks import (
    BLOCK_NAMES,
    DEFAULT_BLOCKS,
    BlockName,
    HeadName,
    InsightsBlock,
)
from colloquy.models.conversion_explain import block_evidence, feature_contributions, turn_effects
from colloquy.models.conversion_inner_cv import Fold, grouped_folds, logit, training_rows
from colloquy.models.conversion_leakage import OnLeakage
from colloquy.models.conversion_state import restored_fit, saved_state
from colloquy.models.conversion_training import (
    FittedConversion,
    require_customer_turns,
    train_conversion,
)
from colloquy.models.explanation import Explanation
from colloquy.progress import ProgressCallback
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

_PARAMS = (
    "blocks",
    "head",
    "embedder",
    "embedding_model",
    "embedding_pools",
    "denylist",
    "leakage_threshold",
    "on_leakage",
    "metadata_ratios",
    "price_reference",
    "train_prefix_ratios",
    "inner_folds",
    "contrastive",
    "contrastive_folds",
    "contrastive_min_gain",
    "seed",
    "device",
    "progress",
)


class ConversionPredictor:
    """Probability that a conversation converts, from its transcript and customer metadata.

    ``embedder`` is needed for the ``embedding`` block; ``embedding_model`` is the name
    recorded in the artifact so :meth:`load` can rebuild the same encoder;
    ``embedding_pools`` are the embedding block's pools
    (:class:`~colloquy.features.transcript.PooledTurnEmbeddings`).
    """

    manifest_: dict[str, Any]
    """Set by :meth:`load`: the manifest the model was read from."""

    def __init__(
        self,
        *,
        blocks: Sequence[BlockName] = DEFAULT_BLOCKS,
        head: HeadName = "auto",
        embedder: Embedder | None = None,
        embedding_model: str = DEFAULT_MODEL,
        embedding_pools: Sequence[str] = POOLS,
        denylist: Sequence[str] = DEFAULT_DENYLIST,
        leakage_threshold: float = 0.98,
        on_leakage: OnLeakage = "fail",
        metadata_ratios: Sequence[tuple[str, str]] = (),
        price_reference: str | None = None,
        train_prefix_ratios: Sequence[float] = (1.0,),
        inner_folds: int = 5,
        contrastive: ContrastiveConfig | None = None,
        contrastive_folds: int = 2,
        contrastive_min_gain: float = 0.005,
        seed: int = 0,
        device: str = "cpu",
        progress: ProgressCallback | None = None,
    ) -> None:
        self.blocks = blocks
        self.head = head
        self.embedder = embedder
        self.embedding_model = embedding_model
        self.embedding_pools = embedding_pools
        self.denylist = denylist
        self.leakage_threshold = leakage_threshold
        self.on_leakage = on_leakage
        self.metadata_ratios = metadata_ratios
        self.price_reference = price_reference
        self.train_prefix_ratios = train_prefix_ratios
        self.inner_folds = inner_folds
        self.contrastive = contrastive
        self.contrastive_folds = contrastive_folds
        self.contrastive_min_gain = contrastive_min_gain
        self.seed = seed
        self.device = device
        self.progress = progress

    # ------------------------------------------------------------------ set-up

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters, for ``sklearn.base.clone`` and tuning (a clone shares
        the embedder, a loaded read-only resource)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters by name; an unknown name is a :class:`UsageError`."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise UsageError(
                    f"ConversionPredictor has no parameter {name!r}",
                    hint=f"use {', '.join(_PARAMS)}",
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"ConversionPredictor(blocks={list(self.blocks)!r}, head={self.head!r})"

    def _check_params(self) -> None:
        unknown = [b for b in self.blocks if b not in BLOCK_NAMES]
        if unknown or not self.blocks:
            raise UsageError(
                f"unknown or no feature blocks {unknown or list(self.blocks)}",
                hint=f"choose from {', '.join(BLOCK_NAMES)}",
            )
        if self.head not in ("auto", "logreg", "lightgbm"):
            raise UsageError(f"unknown head {self.head!r}", hint="choose auto, logreg or lightgbm")
        if "embedding" in self.blocks and self.embedder is None:
            raise UsageError("the embedding block needs an embedder")
        check_pools(self.embedding_pools)
        if "prices" in self.blocks and not self.price_reference:
            raise UsageError(
                "the prices block needs price_reference, the metadata field prices are "
                "compared with (e.g. listing_price)"
            )
        if any(not 0 < r <= 1 for r in self.train_prefix_ratios) or not self.train_prefix_ratios:
            raise UsageError("train_prefix_ratios must be values in (0, 1]")
        if self.inner_folds < 2:
            raise UsageError(f"inner_folds must be at least 2, got {self.inner_folds}")
        if self.contrastive is not None and "embedding" not in self.blocks:
            raise UsageError("contrastive fine-tuning tunes the embedding block's encoder; add it")
        if self.contrastive_folds < 2:
            raise UsageError(f"contrastive_folds must be at least 2, got {self.contrastive_folds}")

    @property
    def insight_embeddings(self) -> bool:
        """Whether the fitted ``insights`` block's cue detector backs its patterns up with
        the embedder (it does whenever the model has one); recorded in the manifest."""
        block = getattr(self, "blocks_", {}).get("insights")
        return isinstance(block, InsightsBlock) and block.detector.embedder is not None

    def records(self, conversations: Sequence[Conversation]) -> list[dict[str, JsonValue]]:
        """Metadata as the model sees it: denied fields removed, configured ratios added."""
        records, _ = strip_denied([dict(c.metadata) for c in conversations], self.denylist)
        for record in records:
            for numerator, denominator in self.metadata_ratios:
                top, bottom = record.get(numerator), record.get(denominator)
                ratio = None
                if isinstance(top, int | float) and isinstance(bottom, int | float) and bottom:
                    ratio = float(top) / float(bottom)
                record[f"{numerator}/{denominator}"] = ratio
        return records

    # ------------------------------------------------------------------ training

    def fit(
        self,
        conversations: Sequence[Conversation],
        y: npt.ArrayLike,
        groups: Sequence[str] | None = None,
        *,
        execution: ExecutionBackend | None = None,
    ) -> Self:
        """Fit on labelled conversations (the inner cross-validation's fits on
        ``execution``'s workers when given: a Ray or Dask backend).

        ``groups`` (e.g. customer ids) keeps every conversation of one group in the same
        inner fold. Pass it whenever a customer can appear more than once: otherwise trees
        can recognise a returning customer by their exact metadata and the inner folds
        reward memorising them. On PersuasionForGood, where 118 persuadees took part more
        than once, ungrouped inner folds chose LightGBM for the metadata block at ROC-AUC
        0.73; grouped by persuadee, the best metadata model was logistic regression at 0.63.
        """
        self._check_params()
        self._adopt(train_conversion(self, conversations, y, groups, execution))
        return self

    def _adopt(self, fitted: FittedConversion) -> None:
        self.blocks_ = fitted.blocks
        self.block_models_ = fitted.block_models
        self.block_settings_ = fitted.block_settings
        self.block_auc_ = fitted.block_auc
        self.stacker_ = fitted.stacker
        self.denied_fields_ = fitted.denied_fields
        self.leakage_reports_ = fitted.leakage_reports
        self.tuned_encoder_ = fitted.tuned_encoder
        self.encoder_choice_ = fitted.encoder_choice
        self.base_rate_ = fitted.base_rate
        self.n_training_ = fitted.n_training
        self.training_fingerprint_ = fitted.training_fingerprint
        self._encoder_scratch = fitted.encoder_scratch

    def _training_rows(
        self,
        conversations: Sequence[Conversation],
        target: NDArray[np.int_],
        groups: Sequence[str] | None,
    ) -> tuple[list[Conversation], NDArray[np.int_], NDArray[np.int_]]:
        """Training rows (prefixes included) with the group each belongs to."""
        return training_rows(conversations, target, groups, self.train_prefix_ratios)

    def _folds(self, labels: NDArray[np.int_], groups: NDArray[np.int_]) -> list[Fold]:
        """The inner folds :meth:`fit` chooses each block's setting on."""
        return grouped_folds(labels, groups, self.inner_folds, self.seed)

    # ------------------------------------------------------------------ inference

    def _check_fitted(self) -> None:
        if not hasattr(self, "stacker_"):
            raise UsageError("this ConversionPredictor is not fitted yet; call fit() first")

    def _block_probabilities(self, conversations: Sequence[Conversation]) -> NDArray[np.float64]:
        self._check_fitted()
        records = self.records(conversations)
        columns = []
        for name, block in self.blocks_.items():
            features = block.transform(conversations, records)
            columns.append(self.block_models_[name].predict_proba(features)[:, 1])
        return np.column_stack(columns).astype(np.float64)

    def _proba(self, conversations: Sequence[Conversation]) -> NDArray[np.float64]:
        if not conversations:
            return np.zeros(0)
        block_p = self._block_probabilities(conversations)
        return np.asarray(self.stacker_.predict_proba(logit(block_p))[:, 1], dtype=np.float64)

    def predict_proba(self, conversations: Sequence[Conversation]) -> NDArray[np.float64]:
        """``(n, 2)`` probabilities of not converting and converting."""
        require_customer_turns(conversations)
        p = self._proba(conversations)
        return np.column_stack([1 - p, p])

    def predict(
        self, conversations: Sequence[Conversation], threshold: float = 0.5
    ) -> NDArray[np.bool_]:
        return np.asarray(self.predict_proba(conversations)[:, 1] >= threshold)

    def prefix_proba(
        self, conversations: Sequence[Conversation], *, ratio: float | None = None
    ) -> NDArray[np.float64]:
        """P(convert) for each conversation as it stood after ``ratio`` of its spoken turns.

        With ``ratio=None`` the whole conversation is scored and every conversation must
        have a customer turn; a prefix may not have one yet (a call in its first seconds).
        """
        if ratio is None:
            return self.predict_proba(conversations)[:, 1]
        return self._proba([prefix(c, ratio=ratio) for c in conversations])

    def score(
        self, conversation: Conversation, *, ratio: float | None = None, turns: int | None = None
    ) -> float:
        """Live score: the probability after the first ``turns`` (or ``ratio``) spoken turns."""
        return float(self._proba([prefix(conversation, ratio=ratio, turns=turns)])[0])

    def running_scores(self, conversation: Conversation) -> list[float]:
        """The probability after each spoken turn, as a call in progress would have seen it."""
        count = len(spoken_turns(conversation))
        prefixes = [prefix(conversation, turns=k) for k in range(1, count + 1)]
        return [float(p) for p in self._proba(prefixes)]

    def explain(
        self, conversation: Conversation, *, top_features: int = 8, top_turns: int = 5
    ) -> Explanation:
        """Block evidence, the strongest features and the turns that moved the score most.

        A feature's ``value`` is what the customer record said for a numeric metadata
        field, the model's input otherwise (1.0 for a present category, a dynamics number).
        """
        require_customer_turns([conversation])
        spoken = prefix(conversation)
        block_p = self._block_probabilities([spoken])[0]
        probability = float(self.stacker_.predict_proba(logit(block_p[None, :]))[0, 1])
        weights = self.stacker_.coef_[0]
        contributions = feature_contributions(
            self.blocks_, self.block_models_, weights, spoken, self.records([spoken])
        )
        return Explanation(
            probability=probability,
            base_rate=self.base_rate_,
            blocks=block_evidence(list(self.blocks_), block_p, weights),
            top_features=tuple(contributions[:top_features]),
            key_turns=turn_effects(spoken, probability, top_turns, self._proba),
        )

    # ------------------------------------------------------------------ persistence

    def save(
        self,
        directory: Path,
        *,
        metrics: Mapping[str, Any] | None = None,
        overwrite: bool = False,
    ) -> dict[str, Any]:
        """Write the fitted model to ``directory`` (atomically); returns its manifest.

        ``directory`` must be new or empty, or (with ``overwrite=True``) hold a colloquy
        model, which is then replaced; anything else is refused with an ArtifactError.
        """
        self._check_fitted()
        return save_conversion(saved_state(self, metrics), Path(directory), overwrite=overwrite)

    @classmethod
    def load(cls, directory: Path, *, embedder: Embedder | None = None) -> ConversionPredictor:
        """A predictor saved by :meth:`save`, ready to score many conversations.

        ``embedder`` replaces the generic sentence encoder the model names (one behind the
        embedding cache, say); it must produce the vectors the model was trained on.
        """
        loaded = load_conversion(Path(directory), embedder=embedder)
        manifest = loaded.manifest
        try:
            predictor = cls(
                blocks=tuple(manifest["blocks"]),
                head=manifest["head"],
                embedder=loaded.embedder,
                embedding_model=manifest["embedding_model"] or "",
                embedding_pools=tuple(manifest["embedding_pools"]),
                denylist=tuple(manifest["denylist"]),
                leakage_threshold=manifest["leakage_threshold"],
                metadata_ratios=tuple((a, b) for a, b in manifest["metadata_ratios"]),
                price_reference=manifest["price_reference"],
                train_prefix_ratios=tuple(manifest["train_prefix_ratios"]),
                seed=manifest["seed"],
            )
            predictor._adopt(restored_fit(predictor, loaded))
            predictor.manifest_ = manifest
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(
                f"{directory}/manifest.json is incomplete or malformed ({type(exc).__name__}: "
                f"{exc})",
                hint="retrain the model",
            ) from None
        return predictor
