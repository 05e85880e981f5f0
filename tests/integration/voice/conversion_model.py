"""A small real conversion model for the voice tests: TF-IDF blocks fitted on the first
150 CraigslistBargain negotiations (seconds, no sentence encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.conversion import load_labelled


def small_conversion_model(datasets_dir: Path) -> ConversionPredictor:
    craigslist = load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")
    labels = np.asarray(craigslist.labels[:150], dtype=int)
    return ConversionPredictor(blocks=("tfidf", "tfidf_customer"), inner_folds=3).fit(
        list(craigslist.conversations[:150]), labels
    )


def saved_conversion_model(datasets_dir: Path, folder: Path) -> Path:
    """The small model saved as ``colloquy train conversion`` saves one; returns its folder."""
    output = folder / "model"
    small_conversion_model(datasets_dir).save(output)
    return output
