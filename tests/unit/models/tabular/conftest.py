"""Data for the tabular model tests: a synthetic churn table and a BITEXT subset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.models.tabular.config import FeatureSpec

CHURN_FEATURES = (
    FeatureSpec(name="tenure", kind="numeric"),
    FeatureSpec(name="monthly", kind="numeric"),
    FeatureSpec(name="plan", kind="categorical"),
    FeatureSpec(name="note", kind="text"),
)


def churn_table(n: int = 240, seed: int = 7) -> pd.DataFrame:
    """Customers whose churn follows their plan, tenure and complaint (with noise and gaps)."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "team"], n, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(1, 72, n).astype(float)
    monthly = np.round(rng.normal(40, 15, n), 2)
    note = rng.choice(
        ["slow support again", "happy with the service", "billing error twice", "no comment"], n
    )
    risk = (plan == "basic") * 1.2 + (tenure < 12) * 1.0 + np.isin(note, ["slow support again"])
    churn = (risk + rng.normal(0, 0.5, n) > 1.4).astype(int)
    frame = pd.DataFrame(
        {"tenure": tenure, "monthly": monthly, "plan": plan, "note": note, "churn": churn}
    )
    frame.loc[frame.index % 19 == 0, "monthly"] = np.nan
    frame.loc[frame.index % 23 == 0, "plan"] = None
    return frame


@pytest.fixture
def churn() -> pd.DataFrame:
    return churn_table()


@pytest.fixture(scope="session")
def bitext_subset(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 seeded BITEXT requests per category (330 rows) as a CSV: instruction -> category."""
    source = datasets_dir / "bitext" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    frame = pd.read_csv(source, usecols=["instruction", "category", "intent"])
    subset = frame.groupby("category", group_keys=False).sample(n=30, random_state=0)
    path = tmp_path_factory.mktemp("bitext") / "bitext_category.csv"
    subset.to_csv(path, index=False)
    return path
