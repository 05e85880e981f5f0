"""Text drift with the real MiniLM embedder on BANKING77 texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import DataError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.monitoring.drift.text import text_drift


@pytest.fixture(scope="module")
def banking(datasets_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_a_new_topic_is_found_and_explained(
    banking: pd.DataFrame, torch_embedder: SentenceEmbedder
) -> None:
    card = banking[banking["category"] == "card_arrival"]["text"].tolist()
    others = banking[~banking["category"].isin(["card_arrival", "lost_or_stolen_phone"])]
    phone = banking[banking["category"] == "lost_or_stolen_phone"]["text"].tolist()
    reference = others["text"].tolist()[:150] + card[:50]
    current = others["text"].tolist()[150:250] + phone[:100]
    result = text_drift(
        "text",
        reference,
        torch_embedder.encode(reference),
        current,
        torch_embedder.encode(current),
    )
    assert result.drifted
    assert result.roc_auc > 0.6
    assert "phone" in " ".join(result.telling_words + result.telling_texts).lower()


def test_same_mix_does_not_drift(banking: pd.DataFrame, torch_embedder: SentenceEmbedder) -> None:
    texts = banking["text"].tolist()[:400]
    vectors = torch_embedder.encode(texts)
    result = text_drift("text", texts[:200], vectors[:200], texts[200:], vectors[200:])
    assert not result.drifted
    assert result.centroid_distance < 0.05


def test_too_few_texts_is_a_clear_error() -> None:
    vectors = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(DataError, match="at least 10 texts"):
        text_drift("text", ["a"] * 3, vectors, ["b"] * 3, vectors)
