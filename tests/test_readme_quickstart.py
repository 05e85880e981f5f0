"""The README's "Python quick start" runs as written, against models trained here.

Both models are trained in the test on small slices of real data (BANKING77 with the
TF-IDF method; CraigslistBargain with the fast blocks), saved where the README's code
expects them, and every ```python block under that heading is executed in order, in one
namespace, from that folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from colloquy.data.loaders import get_loader
from colloquy.pipelines.conversion import ConversionTrainingConfig, train_conversion
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Python quick start"
CALL = """\
Buyer: Hi, is the mountain bike still for sale?
Seller: Yes it is. It's in great shape, new tires last month.
Buyer: Would you take $120 for it? I can pick it up today.
Seller: That's a bit low. I could do 160.
Buyer: How about 140 and I bring cash?
Seller: Deal, 140 works for me.
"""


def quickstart_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    section = text[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_section_has_code_to_run() -> None:
    blocks = quickstart_blocks()
    assert len(blocks) >= 2
    assert any("IntentModel.load" in b for b in blocks)
    assert any("ConversionModel.load" in b and ".explain(" in b for b in blocks)


def test_quickstart_code_runs(
    datasets_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    intents = ["card_arrival", "exchange_rate", "pin_blocked", "lost_or_stolen_card"]
    rows = train[train["category"].isin(intents)].groupby("category").head(30)
    rows.to_csv(tmp_path / "banking.csv", index=False)
    train_intent(
        tmp_path / "banking.csv",
        text_column="text",
        label_column="category",
        output=tmp_path / "models" / "banking77",
        config=IntentTrainingConfig(method="tfidf"),
    )
    dialogues = list(
        get_loader("craigslist_bargain").load(datasets_dir / "craigslist_bargain" / "dev.json")
    )
    (tmp_path / "deals.jsonl").write_text(
        "".join(d.model_dump_json() + "\n" for d in dialogues[:200]), encoding="utf-8"
    )
    train_conversion(
        "jsonl",
        tmp_path / "deals.jsonl",
        output=tmp_path / "models" / "deals",
        config=ConversionTrainingConfig(
            blocks=["tfidf", "metadata", "dynamics", "prices"],
            price_reference="listing_price",
            inner_folds=3,
        ),
    )
    (tmp_path / "call.txt").write_text(CALL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in quickstart_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    printed = capsys.readouterr().out
    assert "card_arrival" in printed
    assert "P(deal) = " in printed
    assert '"conversation_id"' in printed
