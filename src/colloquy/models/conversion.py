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
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from colloquy.errors import ArtifactError, DataError, UsageError
from colloquy.features.cues import CueDetector
from colloquy.features.embeddings import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    SentenceEmbedder,
)
from colloquy.features.leakage import DEFAULT_DENYLIST, check_leakage, strip_denied
from colloquy.features.metadata import MetadataEncoder
from colloquy.features.transcript import (
    POOLS,
    PooledTurnEmbeddings,
    check_pools,
    has_customer_turn,
    prefix,
    spoken_turns,
    without_turn,
)
from colloquy.logging import get_logger
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.conversion_artifact import (
    STATE_FILE,
    ConversionState,
    LoadedConversion,
    load_conversion,
    save_conversion,
)
from colloquy.models.conversion_blocks import (
    BLOCK_NAMES,
    DEFAULT_BLOCKS,
    BlockName,
    EmbeddingBlock,
    FeatureBlock,
    HeadName,
    InsightsBlock,
    MetadataBlock,
    TfidfBlock,
    make_block,
)
from colloquy.models.conversion_encoder import (
    EncoderChoice,
    cross_fitted_vectors,
    fine_tune,
    outcome_examples,
)
from colloquy.models.explanation import BlockEvidence, Explanation, FeatureContribution, TurnEffect
from colloquy.progress import ProgressCallback, emit
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue

OnLeakage = Literal["fail", "warn"]
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
    "progress",
)
_EPS = 1e-4
log = get_logger(__name__)


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def _rows(features: Any, index: NDArray[np.intp]) -> Any:
    return [features[i] for i in index] if isinstance(features, list) else features[index]


def _auc(y: NDArray[np.int_], score: NDArray[np.float64]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


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

    def _make_blocks(self) -> dict[BlockName, FeatureBlock]:
        pooled = None
        if self.embedder is not None:
            pooled = PooledTurnEmbeddings(self.embedder, pools=self.embedding_pools)
        detector = CueDetector(self.embedder)
        return {
            name: make_block(
                name,
                pooled=pooled,
                encoder=MetadataEncoder(),
                price_reference=self.price_reference,
                detector=detector,
            )
            for name in self.blocks
        }

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

    def _report(self, stage: str, done: int, total: int) -> None:
        emit(self.progress, stage, done, total)

    # ------------------------------------------------------------------ training

    def fit(
        self,
        conversations: Sequence[Conversation],
        y: npt.ArrayLike,
        groups: Sequence[str] | None = None,
    ) -> Self:
        """Fit on labelled conversations.

        ``groups`` (e.g. customer ids) keeps every conversation of one group in the same
        inner fold. Pass it whenever a customer can appear more than once: otherwise trees
        can recognise a returning customer by their exact metadata and the inner folds
        reward memorising them. On PersuasionForGood, where 118 persuadees took part more
        than once, ungrouped inner folds chose LightGBM for the metadata block at ROC-AUC
        0.73; grouped by persuadee, the best metadata model was logistic regression at 0.63.
        """
        self._check_params()
        target = np.asarray(y).astype(bool).astype(np.int_).ravel()
        if len(target) != len(conversations):
            raise UsageError(f"{len(conversations)} conversations but {len(target)} labels")
        _require_customer_turns(conversations)
        if len(set(target.tolist())) < 2:
            raise DataError(
                "conversion training data has only one outcome class",
                hint="a model needs both converted and not-converted conversations",
            )
        if groups is not None and len(groups) != len(conversations):
            raise UsageError(f"{len(conversations)} conversations but {len(groups)} groups")
        rows, labels, row_groups = self._training_rows(conversations, target, groups)
        records = self.records(rows)
        self.denied_fields_ = sorted(
            {k for c in conversations for k in c.metadata} - {k for r in records for k in r}
        )
        self.blocks_ = self._make_blocks()
        self.leakage_reports_: list[dict[str, Any]] = []
        features: dict[BlockName, Any] = {}
        for step, (name, block) in enumerate(self.blocks_.items()):
            self._report("features", step, len(self.blocks_))
            features[name] = block.fit(rows, records).transform(rows, records)
        self._report("features", len(self.blocks_), len(self.blocks_))
        self._guard_leakage(features, labels, final=None)
        folds = self._folds(labels, row_groups)
        self.tuned_encoder_: SentenceEmbedder | None = None
        self.encoder_choice_: dict[str, Any] | None = None
        chosen: dict[BlockName, tuple[dict[str, Any], NDArray[np.float64], float]] = {}
        if self.contrastive is not None:
            features["embedding"], chosen["embedding"] = self._tune_encoder(
                conversations, target, rows, labels, row_groups, features["embedding"], folds
            )
        self.block_models_: dict[BlockName, Any] = {}
        self.block_settings_: dict[BlockName, dict[str, Any]] = {}
        self.block_auc_: dict[BlockName, float] = {}
        out_of_fold = np.zeros((len(labels), len(self.blocks_)), dtype=np.float64)
        for column, (name, block) in enumerate(self.blocks_.items()):
            self._report(f"block {name}", column, len(self.blocks_))
            setting, oof, auc = chosen.get(name) or self._choose_setting(
                block, features[name], labels, folds
            )
            out_of_fold[:, column] = oof
            self.block_settings_[name], self.block_auc_[name] = setting, auc
            model = block.estimator(setting, self.head, self.seed)
            self.block_models_[name] = model.fit(features[name], labels)
        self._report("stacking", len(self.blocks_), len(self.blocks_))
        self._guard_leakage(features, labels, final=self.block_models_)
        from sklearn.linear_model import LogisticRegression

        self.stacker_ = LogisticRegression(C=1.0, max_iter=1000).fit(_logit(out_of_fold), labels)
        self.base_rate_ = float(target.mean())
        self.n_training_ = len(conversations)
        self.training_fingerprint_ = _fingerprint(conversations, target)
        return self

    def _training_rows(
        self,
        conversations: Sequence[Conversation],
        target: NDArray[np.int_],
        groups: Sequence[str] | None,
    ) -> tuple[list[Conversation], NDArray[np.int_], NDArray[np.int_]]:
        """Training rows (prefixes included) with the group each belongs to."""
        keys = list(groups) if groups is not None else [str(i) for i in range(len(target))]
        codes = {key: code for code, key in enumerate(dict.fromkeys(keys))}
        rows: list[Conversation] = []
        labels: list[int] = []
        row_groups: list[int] = []
        for index, (conversation, label) in enumerate(zip(conversations, target, strict=True)):
            for ratio in sorted(set(self.train_prefix_ratios)):
                rows.append(prefix(conversation, ratio=ratio))
                labels.append(int(label))
                row_groups.append(codes[keys[index]])
        return rows, np.asarray(labels), np.asarray(row_groups)

    def _tune_encoder(
        self,
        conversations: Sequence[Conversation],
        target: NDArray[np.int_],
        rows: Sequence[Conversation],
        labels: NDArray[np.int_],
        row_groups: NDArray[np.int_],
        generic: NDArray[np.float32],
        folds: list[tuple[NDArray[np.intp], NDArray[np.intp]]],
    ) -> tuple[NDArray[np.float32], tuple[dict[str, Any], NDArray[np.float64], float]]:
        """The embedding block's training vectors (cross-fitted tuned ones if they help)
        with the winner's inner-CV setting, out-of-fold scores and ROC-AUC.

        Every conversation contributes the same number of rows, so ``row_groups[::k]`` are
        the conversations' groups.
        """
        assert self.contrastive is not None
        started = time.perf_counter()
        per_conversation = len(rows) // len(conversations)
        parts = np.zeros(len(conversations), dtype=np.intp)
        split = self._folds(target, row_groups[::per_conversation], self.contrastive_folds)
        for part, (_, held_out) in enumerate(split):
            parts[held_out] = part
        base = self._base_model()
        tuned = cross_fitted_vectors(
            conversations,
            target,
            parts,
            rows,
            transform=lambda encoder, chosen: PooledTurnEmbeddings(
                encoder, pools=self.embedding_pools
            ).transform(chosen),
            base_model=base,
            config=self.contrastive,
            progress=self.progress,
        )
        block = self.blocks_["embedding"]
        generic_result = self._choose_setting(block, generic, labels, folds)
        tuned_result = self._choose_setting(block, tuned, labels, folds)
        kept = tuned_result[2] >= generic_result[2] + self.contrastive_min_gain
        if kept:
            # The tuned encoder lives here until save() copies it into the model directory.
            self._encoder_scratch = tempfile.TemporaryDirectory(prefix="colloquy-encoder-")
            self.tuned_encoder_ = fine_tune(
                conversations,
                target.tolist(),
                base_model=base,
                config=self.contrastive,
                directory=Path(self._encoder_scratch.name),
                progress=self.progress,
            )
            assert isinstance(block, EmbeddingBlock)
            block.pooled = PooledTurnEmbeddings(self.tuned_encoder_, pools=self.embedding_pools)
        self.encoder_choice_ = EncoderChoice(
            kept=kept,
            generic_auc=generic_result[2],
            tuned_auc=tuned_result[2],
            folds=self.contrastive_folds,
            min_gain=self.contrastive_min_gain,
            customer_turns=len(outcome_examples(conversations, target.tolist())[0]),
            seconds=round(time.perf_counter() - started, 1),
        ).to_dict()
        log.info("contrastive_encoder", **self.encoder_choice_)
        return (tuned, tuned_result) if kept else (generic, generic_result)

    def _base_model(self) -> str | Path:
        """The generic encoder's files, which the contrastive fine-tune starts from."""
        inner = getattr(self.embedder, "inner", self.embedder)
        directory = getattr(inner, "model_dir", None)
        return directory if directory is not None else self.embedding_model

    def _folds(
        self, labels: NDArray[np.int_], groups: NDArray[np.int_], count: int | None = None
    ) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
        from sklearn.model_selection import StratifiedGroupKFold

        minority = int(min(np.bincount(labels)))
        splits = min(count or self.inner_folds, minority)
        if splits < 2:
            raise DataError(
                f"only {minority} conversation(s) in the rarer outcome class",
                hint="conversion training needs at least 2 of each outcome",
            )
        splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=self.seed)
        return list(splitter.split(np.zeros(len(labels)), labels, groups))

    def _choose_setting(
        self,
        block: FeatureBlock,
        features: Any,
        labels: NDArray[np.int_],
        folds: list[tuple[NDArray[np.intp], NDArray[np.intp]]],
    ) -> tuple[dict[str, Any], NDArray[np.float64], float]:
        """The candidate with the best inner-CV ROC-AUC, its out-of-fold scores and AUC."""
        best: tuple[dict[str, Any], NDArray[np.float64], float] | None = None
        for setting in block.candidates(self.head):
            oof = np.zeros(len(labels), dtype=np.float64)
            for train, test in folds:
                model = block.estimator(setting, self.head, self.seed)
                model.fit(_rows(features, train), labels[train])
                oof[test] = model.predict_proba(_rows(features, test))[:, 1]
            auc = _auc(labels, oof)
            if best is None or auc > best[2] + 1e-9:
                best = (setting, oof, auc)
        assert best is not None
        return best

    def _guard_leakage(
        self, features: Mapping[BlockName, Any], labels: NDArray[np.int_], *, final: Any
    ) -> None:
        """Check the tabular blocks before training, TF-IDF terms once a vocabulary exists."""
        for name, block in self.blocks_.items():
            words = isinstance(block, TfidfBlock)
            if not block.interpretable or words != (final is not None):
                continue
            if words:
                matrix = final[name].named_steps["tfidf"].transform(features[name])
                names = block.feature_names(final[name])
            else:
                matrix, names = features[name], block.feature_names(None)
            if matrix.shape[1] == 0:
                continue
            found = check_leakage(matrix, labels, names, threshold=self.leakage_threshold)
            self.leakage_reports_.append({"block": name, **found.to_dict()})
            if not found.ok:
                if self.on_leakage == "fail":
                    found.raise_if_flagged()
                log.warning("leakage_suspected", block=name, detail=found.message())

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
        return np.asarray(self.stacker_.predict_proba(_logit(block_p))[:, 1], dtype=np.float64)

    def predict_proba(self, conversations: Sequence[Conversation]) -> NDArray[np.float64]:
        """``(n, 2)`` probabilities of not converting and converting."""
        _require_customer_turns(conversations)
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
        _require_customer_turns([conversation])
        spoken = prefix(conversation)
        block_p = self._block_probabilities([spoken])[0]
        probability = float(self.stacker_.predict_proba(_logit(block_p[None, :]))[0, 1])
        weights = self.stacker_.coef_[0]
        blocks = tuple(
            BlockEvidence(name, float(p), float(w * _logit(np.array([p]))[0]))
            for name, p, w in zip(self.blocks_, block_p, weights, strict=True)
        )
        contributions: list[FeatureContribution] = []
        records = self.records([spoken])
        for (name, block), weight in zip(self.blocks_.items(), weights, strict=True):
            if not block.interpretable:
                continue
            model = self.block_models_[name]
            features = block.transform([spoken], records)
            values = block.contributions(model, features)
            if values is None or not len(values):
                continue
            names = block.feature_names(model)
            raw = (
                None if isinstance(block, TfidfBlock) else np.asarray(features, dtype=np.float64)[0]
            )
            for j in np.flatnonzero(values):
                value = _shown_value(raw, names, int(j))
                original = records[0].get(names[j].removeprefix("metadata:"))
                if name == "metadata" and isinstance(original, int | float):
                    value = float(original)
                contributions.append(
                    FeatureContribution(names[j], float(weight * values[j]), value)
                )
        contributions.sort(key=lambda c: -abs(c.contribution))
        return Explanation(
            probability=probability,
            base_rate=self.base_rate_,
            blocks=blocks,
            top_features=tuple(contributions[:top_features]),
            key_turns=self._turn_effects(spoken, probability, top_turns),
        )

    def _turn_effects(
        self, conversation: Conversation, probability: float, top: int
    ) -> tuple[TurnEffect, ...]:
        turns = conversation.turns
        if len(turns) < 2 or top <= 0:
            return ()
        without = self._proba([without_turn(conversation, t.index) for t in turns])
        effects = [
            TurnEffect(t.index, t.speaker.value, t.text, probability - float(p), float(p))
            for t, p in zip(turns, without, strict=True)
        ]
        effects.sort(key=lambda e: -abs(e.effect))
        return tuple(effects[:top])

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
        encoder = next(
            (b.encoder for b in self.blocks_.values() if isinstance(b, MetadataBlock)), None
        )
        tuned = self.tuned_encoder_
        fields = {
            "blocks": list(self.blocks_),
            "head": self.head,
            "embedding_model": self.embedding_model if self.embedder else None,
            "embedder_id": self.embedder.model_id if self.embedder else None,
            "embedding_pools": list(self.embedding_pools),
            "insight_embeddings": self.insight_embeddings,
            "encoder_choice": self.encoder_choice_,
            "denylist": list(self.denylist),
            "denied_fields": self.denied_fields_,
            "metadata_ratios": [list(pair) for pair in self.metadata_ratios],
            "price_reference": self.price_reference,
            "train_prefix_ratios": list(self.train_prefix_ratios),
            "leakage_threshold": self.leakage_threshold,
            "leakage_checks": self.leakage_reports_,
            "block_settings": self.block_settings_,
            "block_inner_cv_auc": self.block_auc_,
            "stacker_weights": dict(
                zip(self.blocks_, self.stacker_.coef_[0].tolist(), strict=True)
            ),
            "metadata_fields_dropped": encoder.dropped_ if encoder is not None else {},
            "base_rate": self.base_rate_,
            "training_conversations": self.n_training_,
            "training_data_sha256": self.training_fingerprint_,
            "seed": self.seed,
            "metrics": dict(metrics or {}),
        }
        state = ConversionState(
            block_models={str(name): model for name, model in self.block_models_.items()},
            stacker=self.stacker_,
            metadata_encoder=encoder,
            tuned_encoder_dir=tuned.model_dir if tuned is not None else None,
            fields=fields,
        )
        return save_conversion(state, Path(directory), overwrite=overwrite)

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
            predictor._restore(loaded)
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(
                f"{directory}/manifest.json is incomplete or malformed ({type(exc).__name__}: "
                f"{exc})",
                hint="retrain the model",
            ) from None
        return predictor

    def _restore(self, loaded: LoadedConversion) -> None:
        manifest = loaded.manifest
        tuned = loaded.tuned_encoder
        turn_encoder: Embedder | None = tuned if tuned is not None else loaded.embedder
        if tuned is not None and isinstance(loaded.embedder, CachedEmbedder):
            turn_encoder = CachedEmbedder(tuned, loaded.embedder.cache)
        pooled = None
        if turn_encoder is not None:
            pooled = PooledTurnEmbeddings(turn_encoder, pools=self.embedding_pools)
        detector = CueDetector(loaded.embedder if loaded.cue_embeddings else None)
        self.blocks_ = {
            name: make_block(
                name,
                pooled=pooled,
                encoder=loaded.metadata_encoder,
                price_reference=self.price_reference,
                detector=detector,
            )
            for name in self.blocks
        }
        self.tuned_encoder_ = tuned
        self.encoder_choice_ = manifest["encoder_choice"]
        if set(loaded.block_models) != set(self.blocks):
            raise ArtifactError(
                f"{STATE_FILE} holds models for blocks {sorted(loaded.block_models)}, the "
                f"manifest names {sorted(self.blocks)}",
                hint="retrain the model",
            )
        self.block_models_ = {name: loaded.block_models[name] for name in self.blocks_}
        self.stacker_ = loaded.stacker
        self.block_settings_ = manifest["block_settings"]
        self.block_auc_ = manifest["block_inner_cv_auc"]
        self.denied_fields_ = manifest["denied_fields"]
        self.leakage_reports_ = manifest["leakage_checks"]
        self.base_rate_ = float(manifest["base_rate"])
        self.n_training_ = int(manifest["training_conversations"])
        self.training_fingerprint_ = manifest["training_data_sha256"]
        self.manifest_ = manifest


def _shown_value(raw: NDArray[np.float64] | None, names: list[str], j: int) -> float | None:
    """The input value of feature ``j``; 1/0 for a "<feature> is missing" indicator."""
    if raw is None:
        return None
    if j >= len(raw):
        base = names[j].removesuffix(" is missing")
        return float(np.isnan(raw[names.index(base)])) if base in names[: len(raw)] else None
    return None if np.isnan(raw[j]) else float(raw[j])


def _require_customer_turns(conversations: Sequence[Conversation]) -> None:
    silent = [c.id for c in conversations if not has_customer_turn(c)]
    if silent:
        shown = ", ".join(silent[:5]) + (f" and {len(silent) - 5} more" if len(silent) > 5 else "")
        raise DataError(
            f"{len(silent)} conversation(s) have no customer turn: {shown}",
            hint="check the speaker roles (e.g. the transcript's speaker names or --map speaker=)",
        )


def _fingerprint(conversations: Sequence[Conversation], target: NDArray[np.int_]) -> str:
    digest = hashlib.sha256()
    for conversation, label in zip(conversations, target, strict=True):
        digest.update(conversation.content_hash.encode())
        digest.update(b"1" if label else b"0")
    return digest.hexdigest()
