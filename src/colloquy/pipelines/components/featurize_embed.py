"""``featurize: embeddings``: embed every text of the splits with each named encoder into
the persistent embedding cache, so training and each tuning trial afterwards read vectors
instead of running the encoder (a trial becomes a head fit)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import (
    FEATURES,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import SPLIT_FILES, TEXT
from colloquy.pipelines.spec.schema import Task
from colloquy.progress import renamed


class FeaturizeParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    encoders: tuple[str, ...] = Field(
        default=("sentence-transformers/all-MiniLM-L6-v2",),
        min_length=1,
        description="Sentence encoders whose embeddings are cached",
    )
    batch_size: int = Field(default=64, ge=1, le=4096, description="Texts per encoder batch")


class FeaturizeEmbeddings(Component):
    stage = "featurize"
    tasks: ClassVar[tuple[Task, ...]] = ("intent",)
    params_model = FeaturizeParams
    requires = (SPLITS,)
    provides = (FEATURES,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.features.embeddings import EmbeddingCache, get_embedder

        params = context.typed(FeaturizeParams)
        texts = pd.concat(
            [pd.read_parquet(inputs.directory(SPLITS) / f)[TEXT] for f in SPLIT_FILES.values()]
        )
        unique = sorted(set(texts.astype(str)))
        cache = EmbeddingCache(context.embedding_cache)
        for encoder in params.encoders:
            embedder = get_embedder(encoder, cache=cache)
            progress = (
                renamed(context.progress, f"embedding ({encoder})") if context.progress else None
            )
            embedder.encode(unique, batch_size=params.batch_size, progress=progress)
        return StageOutput(
            metrics={"texts": float(len(unique)), "encoders": float(len(params.encoders))},
            info={"encoders": ",".join(params.encoders)},
        )
